"""Rename files in the current directory with a regular expression.

Input (stdin, JSON):  {"pattern": "\\.txt$", "replacement": ".md", "dry_run": true}
Output (stdout, JSON): {"dry_run": true,
                        "renames": [{"from": "a.txt", "to": "a.md"}],
                        "skipped": [{"from": "...", "to": "...", "reason": "..."}]}

Only regular files directly in the current directory are considered. A rename
is skipped (never performed) when the new name is empty, contains a path
separator, is "." or "..", already exists, or collides with another planned
rename. With dry_run (the default) nothing is changed.
"""

import json
import os
import re
import sys


def bad_input(message: str) -> None:
    """Refuse the input: exit 65 (EX_DATAERR) tells toolbench the caller's input is wrong
    (recorded as bad_input), not that the tool failed."""
    print(f"bulk_rename: {message}", file=sys.stderr)
    sys.exit(65)


def plan(regex: "re.Pattern[str]", replacement: str) -> tuple[list, list]:
    renames, skipped, targets = [], [], set()
    names = sorted(e.name for e in os.scandir(".") if e.is_file(follow_symlinks=False))
    for name in names:
        if not regex.search(name):
            continue
        new = regex.sub(replacement, name)
        if new == name:
            continue
        reason = None
        if new in ("", ".", "..") or "/" in new or (os.altsep and os.altsep in new) or "\0" in new:
            reason = "invalid new name"
        elif os.path.lexists(new):
            reason = "target exists"
        elif new in targets:
            reason = "two files would get the same name"
        if reason:
            skipped.append({"from": name, "to": new, "reason": reason})
        else:
            targets.add(new)
            renames.append({"from": name, "to": new})
    return renames, skipped


def main() -> None:
    try:
        data = json.loads(sys.stdin.read(), strict=False)
    except json.JSONDecodeError as exc:
        bad_input(f"input is not valid JSON: {exc}")
    if not isinstance(data, dict):
        bad_input("input must be a JSON object")
    pattern = data.get("pattern")
    replacement = data.get("replacement")
    dry_run = data.get("dry_run", True)
    if not isinstance(pattern, str) or not pattern:
        bad_input('field "pattern" is required and must be a non-empty string')
    if not isinstance(replacement, str):
        bad_input('field "replacement" is required and must be a string')
    if not isinstance(dry_run, bool):
        bad_input('field "dry_run" must be a boolean')
    try:
        regex = re.compile(pattern)
        regex.sub(replacement, "")  # validates group references in the replacement
    except re.error as exc:
        bad_input(f"invalid pattern or replacement: {exc}")

    try:
        renames, skipped = plan(regex, replacement)
    except re.error as exc:
        bad_input(f"invalid replacement: {exc}")

    if not dry_run:
        for item in renames:
            try:
                os.rename(item["from"], item["to"])
            except OSError as exc:
                # Not the input's fault: the tool failed.
                print(f"bulk_rename: renaming {item['from']!r} to {item['to']!r} failed: {exc}",
                      file=sys.stderr)
                sys.exit(1)

    print(json.dumps({"dry_run": dry_run, "renames": renames, "skipped": skipped}))


if __name__ == "__main__":
    main()
