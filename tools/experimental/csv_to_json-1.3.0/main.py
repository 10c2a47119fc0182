"""Convert CSV text into a JSON array of row objects.

Input (stdin, JSON):  {"csv": "a;b\\n1;2", "delimiter": ";"}   (delimiter optional)
Output (stdout, JSON): [{"a": "1", "b": "2"}]

The first row is the header. Quoted fields follow RFC 4180 (the csv module).
When no delimiter is given it is detected with csv.Sniffer among the usual
candidates (comma, semicolon, tab, pipe); comma is the fallback.
Missing trailing fields become "", surplus fields are collected under "_extra"
joined by the delimiter.
"""

import csv
import io
import json
import sys

CANDIDATES = ",;\t|"
SNIFF_SAMPLE = 64 * 1024


def fail(message: str) -> None:
    print(f"csv_to_json: {message}", file=sys.stderr)
    sys.exit(1)


def detect_delimiter(text: str) -> str:
    sample = text[:SNIFF_SAMPLE]
    if not any(c in sample for c in CANDIDATES):
        return ","
    try:
        return csv.Sniffer().sniff(sample, delimiters=CANDIDATES).delimiter
    except csv.Error:
        # Sniffer gives up on tiny or irregular samples: pick the candidate
        # that occurs most often in the header line.
        header = sample.splitlines()[0] if sample.splitlines() else ""
        best = max(CANDIDATES, key=header.count)
        return best if header.count(best) else ","


def convert(text: str, delimiter: str) -> list:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        fail(f"malformed CSV at line {reader.line_num}: {exc}")
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
        fail(f"input is not valid JSON: {exc}")
    if not isinstance(data, dict):
        fail("input must be a JSON object")
    text = data.get("csv")
    if not isinstance(text, str):
        fail('field "csv" is required and must be a string')
    delimiter = data.get("delimiter")
    if delimiter is None or delimiter == "":
        delimiter = detect_delimiter(text)
    elif not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in "\r\n\"":
        fail('field "delimiter" must be a single character (not a quote or newline)')

    print(json.dumps(convert(text, delimiter)))


if __name__ == "__main__":
    main()
