"""Extract http(s) URLs from text.

Input (stdin, JSON):  {"text": "see https://example.org/a.", "unique": true}
Output (stdout, JSON): {"urls": ["https://example.org/a"]}
"""

import json
import re
import sys

URL = re.compile(r"""https?://[^\s<>"'`]+""", re.IGNORECASE)
TRAILING = ".,;:!?'\""
PAIRS = {")": "(", "]": "[", "}": "{"}


def clean(url: str) -> str:
    """Drop trailing punctuation and unbalanced closing brackets."""
    while url:
        last = url[-1]
        if last in TRAILING:
            url = url[:-1]
        elif last in PAIRS and url.count(last) > url.count(PAIRS[last]):
            url = url[:-1]
        else:
            break
    return url


def bad_input(message: str) -> None:
    """Refuse the input: exit 65 (EX_DATAERR) tells toolbench the caller's input is wrong
    (recorded as bad_input), not that the tool failed."""
    print(f"url_extract: {message}", file=sys.stderr)
    sys.exit(65)


def main() -> None:
    try:
        data = json.loads(sys.stdin.read(), strict=False)
    except json.JSONDecodeError as exc:
        bad_input(f"input is not valid JSON: {exc}")
    if not isinstance(data, dict):
        bad_input("input must be a JSON object")
    text = data.get("text")
    if not isinstance(text, str):
        bad_input('field "text" is required and must be a string')
    unique = data.get("unique", True)
    if not isinstance(unique, bool):
        bad_input('field "unique" must be a boolean')

    urls = [u for u in (clean(m.group(0)) for m in URL.finditer(text)) if "://" in u and not u.endswith("://")]
    if unique:
        urls = list(dict.fromkeys(urls))
    print(json.dumps({"urls": urls}))


if __name__ == "__main__":
    main()
