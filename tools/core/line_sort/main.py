"""Sort lines.

Input (stdin, JSON):  {"lines": ["..."], "reverse": false, "unique": false}
Output (stdout, JSON): the sorted lines as a JSON array of strings
"""

import json
import sys


def bad_input(message: str) -> None:
    """Refuse the input: exit 65 (EX_DATAERR) tells toolbench the caller's input is wrong
    (recorded as bad_input), not that the tool failed."""
    print(f"line_sort: {message}", file=sys.stderr)
    sys.exit(65)


def main() -> None:
    try:
        data = json.loads(sys.stdin.read(), strict=False)
    except json.JSONDecodeError as exc:
        bad_input(f"input is not valid JSON: {exc}")
    if not isinstance(data, dict):
        bad_input("input must be a JSON object")

    lines = data.get("lines")
    if not isinstance(lines, list) or not all(isinstance(item, str) for item in lines):
        bad_input('field "lines" is required and must be an array of strings')
    reverse = data.get("reverse", False)
    unique = data.get("unique", False)
    if not isinstance(reverse, bool):
        bad_input('field "reverse" must be a boolean')
    if not isinstance(unique, bool):
        bad_input('field "unique" must be a boolean')

    if unique:
        lines = list(dict.fromkeys(lines))
    print(json.dumps(sorted(lines, reverse=reverse)))


if __name__ == "__main__":
    main()
