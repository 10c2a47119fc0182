import json, sys
words = json.load(sys.stdin)["text"].split()
print(json.dumps({"word": max(words, key=len)}))
