"""Naive CSV to JSON (archived; superseded by csv_to_json).

Input (stdin, JSON):  {"csv": "a,b\\n1,2"}
Output (stdout, JSON): [{"a": "1", "b": "2"}]

Known limitation (why it was retired): it splits every line on "," and so
breaks quoted fields such as "Smith, J".
"""

import json
import sys


def main() -> None:
    try:
        data = json.loads(sys.stdin.read(), strict=False)
    except json.JSONDecodeError as exc:
        print(f"old_csv_parser: input is not valid JSON: {exc}", file=sys.stderr)
        sys.exit(1)
    if not isinstance(data, dict) or not isinstance(data.get("csv"), str):
        print('old_csv_parser: field "csv" is required and must be a string', file=sys.stderr)
        sys.exit(1)

    lines = [line for line in data["csv"].splitlines() if line.strip()]
    if not lines:
        print("[]")
        return
    header = lines[0].split(",")
    rows = [dict(zip(header, line.split(","))) for line in lines[1:]]
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
