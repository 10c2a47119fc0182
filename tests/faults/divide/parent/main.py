import json, sys
args = json.load(sys.stdin)
b = args["b"]
print(json.dumps({"quotient": args["a"] // b if b != 0 else None}))
