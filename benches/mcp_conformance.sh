#!/usr/bin/env bash
# The official MCP conformance suite against `toolbench mcp --http`, for the scenarios that
# apply to a tool gateway. Prints the passed checks per scenario and in total; exits non-zero
# when any check fails.
#   benches/mcp_conformance.sh [path/to/toolbench]   (default: builds the debug binary)
# Needs Node 20 or later (npx fetches the suite's pinned version on first use).
set -euo pipefail
cd "$(dirname "$0")/.."
suite=@modelcontextprotocol/conformance@0.1.13
scenarios=(server-initialize ping tools-list dns-rebinding-protection)

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "mcp_conformance.sh: $suite needs Node 20 or later (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi
if [ $# -ge 1 ]; then
  bin=$(realpath "$1")
else
  cargo build -q
  bin=$(sh benches/support/toolbench_bin.sh debug)
fi

work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
# A copy of the sample workspace, so runs and state never land in the repository.
cp -r tools "$work/ws"
rm -rf "$work/ws/.toolbench"

# Port 0: the server picks a free port and prints its URL.
TOOLBENCH_CONFIG_DIR="$work/config" "$bin" --root "$work/ws" mcp --http 127.0.0.1:0 \
  </dev/null >/dev/null 2>"$work/server.err" &
server=$!
url=
for _ in $(seq 300); do
  url=$(sed -n 's/^toolbench mcp: serving \(http:.*\)$/\1/p' "$work/server.err")
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "mcp_conformance.sh: the server did not start:" >&2
  cat "$work/server.err" >&2
  exit 1
fi
echo "== $suite against $url"

passed=0 total=0 failed_scenarios=0
for scenario in "${scenarios[@]}"; do
  status=0
  npx -y "$suite" server --url "$url" --scenario "$scenario" >"$work/$scenario.log" 2>&1 || status=$?
  # The suite's summary line: "Passed: 2/2, 0 failed, 0 warnings".
  counts=$(sed -n 's/^Passed: \([0-9]*\)\/\([0-9]*\),.*/\1 \2/p' "$work/$scenario.log" | tail -1)
  read -r ok all <<<"${counts:-0 0}"
  if [ "$status" -ne 0 ] || [ "$all" -eq 0 ] || [ "$ok" -ne "$all" ]; then
    failed_scenarios=$((failed_scenarios + 1))
    printf '%-26s %s/%s passed  FAILED\n' "$scenario" "$ok" "$all"
    cat "$work/$scenario.log"
  else
    printf '%-26s %s/%s passed\n' "$scenario" "$ok" "$all"
  fi
  passed=$((passed + ok))
  total=$((total + all))
done
echo "total                      $passed/$total passed"
[ "$failed_scenarios" -eq 0 ]
