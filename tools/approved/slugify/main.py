"""Turn text into a URL-safe slug.

Input (stdin, JSON):  {"text": "Hello, World!", "max_length": 64}
Output (stdout, JSON): {"slug": "hello-world"}
"""

import json
import re
import sys
import unicodedata


def bad_input(message: str) -> None:
    """Refuse the input: exit 65 (EX_DATAERR) tells toolbench the caller's input is wrong
    (recorded as bad_input), not that the tool failed."""
    print(f"slugify: {message}", file=sys.stderr)
    sys.exit(65)


def slugify(text: str, max_length: int) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[:max_length]
        # Prefer cutting at a word boundary when that keeps at least half the budget.
        if slug[max_length] != "-" and "-" in cut and cut.rindex("-") >= max_length // 2:
            cut = cut[: cut.rindex("-")]
        slug = cut.strip("-")
    return slug


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
    max_length = data.get("max_length", 64)
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
        bad_input('field "max_length" must be a positive integer')

    print(json.dumps({"slug": slugify(text, max_length)}))


if __name__ == "__main__":
    main()
