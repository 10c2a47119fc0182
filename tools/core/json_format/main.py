"""Pretty-print a JSON document.

Input (stdin, JSON):  {"json": "<json text>", "indent": 2, "sort_keys": false}
Output (stdout):      the formatted JSON text
"""

import json
import sys


def bad_input(message: str) -> None:
    """Refuse the input: exit 65 (EX_DATAERR) tells toolbench the caller's input is wrong
    (recorded as bad_input), not that the tool failed."""
    print(f"json_format: {message}", file=sys.stderr)
    sys.exit(65)


def main() -> None:
    try:
        data = json.loads(sys.stdin.read(), strict=False)
    except json.JSONDecodeError as exc:
        bad_input(f"input is not valid JSON: {exc}")
    if not isinstance(data, dict):
        bad_input("input must be a JSON object")

    text = data.get("json")
    if not isinstance(text, str):
        bad_input('field "json" is required and must be a string')

    indent = data.get("indent", 2)
    if isinstance(indent, bool) or not isinstance(indent, int) or not 0 <= indent <= 16:
        bad_input('field "indent" must be an integer between 0 and 16')

    sort_keys = data.get("sort_keys", False)
    if not isinstance(sort_keys, bool):
        bad_input('field "sort_keys" must be a boolean')

    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        bad_input(f'field "json" is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}')

    print(json.dumps(document, indent=indent, sort_keys=sort_keys, ensure_ascii=False))


if __name__ == "__main__":
    main()
