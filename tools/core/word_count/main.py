"""Count the words, lines and characters of a text.

Input (stdin, JSON):  {"text": "..."}
Output (stdout, JSON): {"words": N, "lines": N, "chars": N}
"""

import json
import sys


def bad_input(message: str) -> None:
    """Refuse the input: exit 65 (EX_DATAERR) tells toolbench the caller's input is wrong
    (recorded as bad_input), not that the tool failed."""
    print(f"word_count: {message}", file=sys.stderr)
    sys.exit(65)


def main() -> None:
    raw = sys.stdin.read()
    try:
        data = json.loads(raw, strict=False)
    except json.JSONDecodeError as exc:
        bad_input(f"input is not valid JSON: {exc}")
    if not isinstance(data, dict):
        bad_input("input must be a JSON object")
    text = data.get("text")
    if not isinstance(text, str):
        bad_input('field "text" is required and must be a string')

    result = {
        "words": len(text.split()),
        "lines": len(text.splitlines()),
        "chars": len(text),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
