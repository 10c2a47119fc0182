"""Convert CSV text into a JSON array of row objects.

Input (stdin, JSON):  {"csv": "a,b\\n1,2", "delimiter": ","}
Output (stdout, JSON): [{"a": "1", "b": "2"}]

The first row is the header. Quoted fields follow RFC 4180 (the csv module).
Missing trailing fields become "", surplus fields are collected under "_extra"
joined by the delimiter.
"""

import csv
import io
import json
import sys


def bad_input(message: str) -> None:
    """Refuse the input: exit 65 (EX_DATAERR) tells toolbench the caller's input is wrong
    (recorded as bad_input), not that the tool failed."""
    print(f"csv_to_json: {message}", file=sys.stderr)
    sys.exit(65)


def convert(text: str, delimiter: str) -> list:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        bad_input(f"malformed CSV at line {reader.line_num}: {exc}")
    if not rows:
        return []
    header, records = rows[0], []
    for row in rows[1:]:
        if not row:  # skip blank lines
            continue
        record = {name: (row[i] if i < len(row) else "") for i, name in enumerate(header)}
        if len(row) > len(header):
            record["_extra"] = delimiter.join(row[len(header):])
        records.append(record)
    return records


def main() -> None:
    try:
        data = json.loads(sys.stdin.read(), strict=False)
    except json.JSONDecodeError as exc:
        bad_input(f"input is not valid JSON: {exc}")
    if not isinstance(data, dict):
        bad_input("input must be a JSON object")
    text = data.get("csv")
    if not isinstance(text, str):
        bad_input('field "csv" is required and must be a string')
    delimiter = data.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\r\n\"":
        bad_input('field "delimiter" must be a single character (not a quote or newline)')

    print(json.dumps(convert(text, delimiter)))


if __name__ == "__main__":
    main()
