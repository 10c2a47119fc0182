"""Pretty-print a JSON document.

Input (stdin, JSON):  {"json": "<json text>", "indent": 2, "sort_keys": false}
Output (stdout):      the formatted JSON text
"""

import json
import sys


def fail(message: str) -> None:
    print(f"json_format: {message}", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    try:
        data = json.loads(sys.stdin.read(), strict=False)
    except json.JSONDecodeError as exc:
        fail(f"input is not valid JSON: {exc}")
    if not isinstance(data, dict):
        fail("input must be a JSON object")

    text = data.get("json")
    if not isinstance(text, str):
        fail('field "json" is required and must be a string')

    indent = data.get("indent", 2)
    if isinstance(indent, bool) or not isinstance(indent, int) or not 0 <= indent <= 16:
        fail('field "indent" must be an integer between 0 and 16')

    sort_keys = data.get("sort_keys", False)
    if not isinstance(sort_keys, bool):
        fail('field "sort_keys" must be a boolean')

    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f'field "json" is not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}')

    print(json.dumps(document, indent=indent, sort_keys=sort_keys, ensure_ascii=False))


if __name__ == "__main__":
    main()
