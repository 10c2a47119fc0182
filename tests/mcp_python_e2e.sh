#!/usr/bin/env bash
# End-to-end test of `toolbench mcp` with the official MCP Python SDK (tests/mcp_python_e2e.py).
# Builds nothing: give the toolbench binary as $1 (default: the one `cargo build` makes).
# Needs `python3 -m pip install "mcp>=2,<3"`. Exits non-zero on any failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
binary="${1:-$(sh "$repo/benches/support/toolbench_bin.sh" debug)}"
python="${PYTHON:-python3}"

[ -x "$binary" ] || { echo "mcp_python_e2e: no toolbench binary at $binary (cargo build first)" >&2; exit 1; }
"$python" -c 'import mcp' 2>/dev/null || {
  echo "mcp_python_e2e: the MCP Python SDK is missing: $python -m pip install \"mcp>=2,<3\"" >&2
  exit 1
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -R "$repo/tools" "$work/ws"
rm -rf "$work/ws/.toolbench"
# The person deciding is ana (the reviewer is $USER when the user config names none).
export USER=ana LOGNAME=ana
# A workspace never opened here runs nothing active until a person accepts its tools.
"$binary" --root "$work/ws" accept >/dev/null

echo "== MCP end to end with the Python SDK $("$python" -c 'import importlib.metadata as m; print(m.version("mcp"))')"
# A hung server must not hang CI.
timeout 120 "$python" "$here/mcp_python_e2e.py" "$binary" "$work/ws"
