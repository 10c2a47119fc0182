import json, sys
args = json.load(sys.stdin)
n = args["n"]
print(json.dumps({"items": args["items"][: max(n - 1, 0)] if n > 1 else args["items"][:n]}))
