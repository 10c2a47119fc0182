import json, sys
args = json.load(sys.stdin)
print(json.dumps({"quotient": args["a"] // args["b"]}))
