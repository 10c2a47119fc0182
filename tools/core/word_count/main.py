"""Count the words, lines and characters of a text.

Input (stdin, JSON):  {"text": "..."}
Output (stdout, JSON): {"words": N, "lines": N, "chars": N}
"""

import json
import sys


def fail(message: str) -> None:
    print(f"word_count: {message}", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    raw = sys.stdin.read()
    try:
        data = json.loads(raw, strict=False)
    except json.JSONDecodeError as exc:
        fail(f"input is not valid JSON: {exc}")
    if not isinstance(data, dict):
        fail("input must be a JSON object")
    text = data.get("text")
    if not isinstance(text, str):
        fail('field "text" is required and must be a string')

    result = {
        "words": len(text.split()),
        "lines": len(text.splitlines()),
        "chars": len(text),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
