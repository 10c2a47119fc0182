import json, sys
text = json.load(sys.stdin)["text"]
# Only ASCII was ever expected here.
print(json.dumps({"text": text.encode("ascii").decode().upper()}))
