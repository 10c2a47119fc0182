"""Wait `seconds`, then say so (with `label` when given)."""

import json
import sys
import time

data = json.loads(sys.stdin.read())
time.sleep(data["seconds"])
label = f" ({data['label']})" if data.get("label") else ""
print(f"Computed after {data['seconds']} s{label}.", end="")
