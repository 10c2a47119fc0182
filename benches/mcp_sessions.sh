#!/usr/bin/env bash
# Memory of `toolbench mcp --http` at the session cap, after 8,000 initialize attempts, and
# under churn and expiry: builds the release binary and runs benches/mcp_sessions.py on it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
python3 benches/mcp_sessions.py "$(sh benches/support/toolbench_bin.sh release)" "$@"
