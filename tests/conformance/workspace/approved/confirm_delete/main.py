"""Runs only once a human approved the call: say which file the approval was for."""

import json
import sys

print(f"A human approved deleting {json.loads(sys.stdin.read())['filename']}.", end="")
