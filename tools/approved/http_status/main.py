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


def fail(message: str) -> None:
    print(f"http_status: {message}", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    try:
        data = json.loads(sys.stdin.read(), strict=False)
    except json.JSONDecodeError as exc:
        fail(f"input is not valid JSON: {exc}")
    if not isinstance(data, dict):
        fail("input must be a JSON object")
    code = data.get("code")
    if isinstance(code, str) and code.strip().isdigit():
        code = int(code)
    if isinstance(code, bool) or not isinstance(code, int):
        fail('field "code" is required and must be an integer')
    try:
        status = HTTPStatus(code)
    except ValueError:
        fail(f"unknown HTTP status code {code}")

    print(json.dumps({
        "code": status.value,
        "phrase": status.phrase,
        "class": CLASSES[status.value // 100],
        "description": status.description,
    }))


if __name__ == "__main__":
    main()
