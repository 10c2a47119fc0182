import json, sys
text = json.load(sys.stdin)["text"]
print(json.dumps({"text": text.upper()}))
