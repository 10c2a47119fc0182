import json, sys
args = json.load(sys.stdin)
print(json.dumps({"items": args["items"][: args["n"]]}))
