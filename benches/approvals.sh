#!/usr/bin/env bash
# Per-call approval figures (a waiting call in `calls --json` and in an open workbench, key
# press to the agent's result): builds the release binary and runs benches/approvals.py.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
python3 benches/approvals.py "$(sh benches/support/toolbench_bin.sh release)"
