#!/usr/bin/env bash
# MCP gateway figures (tools/list of 1,000 tools, call overhead next to `toolbench run`,
# list_changed after an approval in another process): builds the release binary and runs
# benches/mcp.py against it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
python3 benches/mcp.py "$(sh benches/support/toolbench_bin.sh release)"
