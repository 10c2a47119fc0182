"""Sort lines.

Input (stdin, JSON):  {"lines": ["..."], "reverse": false, "unique": false}
Output (stdout, JSON): the sorted lines as a JSON array of strings
"""

import json
import sys


def fail(message: str) -> None:
    print(f"line_sort: {message}", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    try:
        data = json.loads(sys.stdin.read(), strict=False)
    except json.JSONDecodeError as exc:
        fail(f"input is not valid JSON: {exc}")
    if not isinstance(data, dict):
        fail("input must be a JSON object")

    lines = data.get("lines")
    if not isinstance(lines, list) or not all(isinstance(item, str) for item in lines):
        fail('field "lines" is required and must be an array of strings')
    reverse = data.get("reverse", False)
    unique = data.get("unique", False)
    if not isinstance(reverse, bool):
        fail('field "reverse" must be a boolean')
    if not isinstance(unique, bool):
        fail('field "unique" must be a boolean')

    if unique:
        lines = list(dict.fromkeys(lines))
    print(json.dumps(sorted(lines, reverse=reverse)))


if __name__ == "__main__":
    main()
