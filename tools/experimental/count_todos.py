#!/usr/bin/env python3
"""Count TODO and FIXME markers in text.

Reads all text from stdin and prints {"todos": N, "fixmes": M}.
Markers are counted as whole words and are case-sensitive (TODO, FIXME).
"""

import json
import re
import sys


def main() -> None:
    text = sys.stdin.read()
    print(json.dumps({
        "todos": len(re.findall(r"\bTODO\b", text)),
        "fixmes": len(re.findall(r"\bFIXME\b", text)),
    }))


if __name__ == "__main__":
    main()
