#!/usr/bin/env bash
# toolbench's MCP gateway next to the official Python SDK's server (tools/list and a trivial
# call over stdio and Streamable HTTP, with `toolbench run` and the bare script beside them):
# installs the SDK (`mcp` 2.x) with pip when it is missing and runs benches/mcp_vs_sdk.py.
#   benches/mcp_vs_sdk.sh [path/to/toolbench] [--lists N] [--calls N] [--runs N] [--warmup N]
# Without a program, builds the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 - 2>/dev/null <<'PY'
import importlib.metadata, sys
sys.exit(0 if importlib.metadata.version("mcp").split(".")[0] == "2" else 1)
PY
then
  python3 -m pip install -q "mcp>=2,<3"
fi
if [ $# -ge 1 ] && [ "${1#--}" = "$1" ]; then
  bin=$(realpath "$1")
  shift
else
  cargo build --release -q
  bin=$(sh benches/support/toolbench_bin.sh release)
fi
exec python3 benches/mcp_vs_sdk.py "$bin" "$@"
