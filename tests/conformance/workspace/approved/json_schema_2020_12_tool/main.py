"""Echo the contact it was given, as JSON: the schema is the point of this tool."""

import json
import sys

print(json.dumps(json.loads(sys.stdin.read())))
