"""Answer `Hello, {name}!`."""

import json
import sys

print(f"Hello, {json.loads(sys.stdin.read())['name']}!", end="")
