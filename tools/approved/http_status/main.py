"""Explain an HTTP status code using the standard library (no network).

Input (stdin, JSON):  {"code": 404}
Output (stdout, JSON): {"code": 404, "phrase": "Not Found", "class": "client_error",
                        "description": "Nothing matches the given URI"}
"""

import json
import sys
from http import HTTPStatus

CLASSES = {
    1: "informational",
    2: "success",
    3: "redirection",
    4: "client_error",
    5: "server_error",
}


def bad_input(message: str) -> None:
    """Refuse the input: exit 65 (EX_DATAERR) tells toolbench the caller's input is wrong
    (recorded as bad_input), not that the tool failed."""
    print(f"http_status: {message}", file=sys.stderr)
    sys.exit(65)


def main() -> None:
    try:
        data = json.loads(sys.stdin.read(), strict=False)
    except json.JSONDecodeError as exc:
        bad_input(f"input is not valid JSON: {exc}")
    if not isinstance(data, dict):
        bad_input("input must be a JSON object")
    code = data.get("code")
    if isinstance(code, str) and code.strip().isdigit():
        code = int(code)
    if isinstance(code, bool) or not isinstance(code, int):
        bad_input('field "code" is required and must be an integer')
    try:
        status = HTTPStatus(code)
    except ValueError:
        bad_input(f"unknown HTTP status code {code}")

    print(json.dumps({
        "code": status.value,
        "phrase": status.phrase,
        "class": CLASSES[status.value // 100],
        "description": status.description,
    }))


if __name__ == "__main__":
    main()
