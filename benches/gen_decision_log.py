#!/usr/bin/env python3
"""A decision log of N chained entries written the way toolbench writes one, to time
`toolbench audit verify` on a long log:

    python3 benches/gen_decision_log.py WS/.toolbench/log/decisions.jsonl 100000
"""
import hashlib, json, sys, os
n = int(sys.argv[2]); out = sys.argv[1]
os.makedirs(os.path.dirname(out), exist_ok=True)
prev = "0" * 64
with open(out, "w") as f:
    for i in range(1, n + 1):
        row = {"id": i, "tool": f"tool_{i % 200}", "action": "approve", "who": "ana",
               "at": f"2026-11-24T10:00:00.{i % 1000:03}Z", "reason": "looks right",
               "from_version": "1.0.0", "to_version": "1.0.0", "from_tier": "experimental",
               "to_tier": "approved", "from_hash": "ab" * 32, "to_hash": "ab" * 32}
        body = {"seq": i, "at": row["at"], "who": "ana", "action": "approve",
                "subject": f"{row['tool']}@1.0.0", "rows": [{"table": "decisions", "row": row}],
                "prev": prev}
        text = json.dumps(body, separators=(",", ":"))[:-1]
        h = hashlib.sha256(text.encode()).hexdigest()
        f.write(text + ',"hash":"' + h + '"}\n')
        prev = h
