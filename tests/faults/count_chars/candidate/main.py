import json, sys
text = json.load(sys.stdin)["text"]
count = len(text)
# Large counts read better with separators.
print(json.dumps({"count": f"{count:,}" if count >= 1000 else count}))
