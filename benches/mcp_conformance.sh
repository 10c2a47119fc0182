#!/usr/bin/env bash
# The official MCP conformance suite against `toolbench mcp --http`, for the scenarios that
# apply to a tool gateway. Prints the passed checks per scenario and in total; exits non-zero
# when any check fails.
#   benches/mcp_conformance.sh [path/to/toolbench]   (default: builds the debug binary)
# Needs Node 20 or later, and fetches Node 22 from the npm registry when the machine's is older;
# npx fetches the suite's pinned version on first use.
#
# The server requires its bearer token on every request, and the suite cannot be told to send
# a header in server mode, so its client is given the token by a preload
# (benches/support/mcp_bearer.cjs) that adds `Authorization: Bearer` to its requests to the
# server, as a configured client would. The script first checks that a request without the
# token is refused.
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${TOOLBENCH_SUITE:-@modelcontextprotocol/conformance@0.2.0-alpha.12}
read -r -a scenarios <<<"${TOOLBENCH_SCENARIOS:-server-initialize ping tools-list dns-rebinding-protection}"

# Node 20 or later: the machine's own, else Node 22 from the npm registry (benches/support/node.sh).
PATH=$(bash benches/support/node.sh)
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

# Port 0: the server picks a free port and prints its URL; its token is made in $work/config.
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

# Without the token, nothing gets in.
status=$(URL="$url" node -e '
  fetch(process.env.URL, {
    method: "POST",
    headers: {"content-type": "application/json", accept: "application/json, text/event-stream"},
    body: JSON.stringify({jsonrpc: "2.0", id: 1, method: "ping"}),
  }).then((r) => console.log(r.status), () => console.log("no answer"))')
if [ "$status" != 401 ]; then
  echo "mcp_conformance.sh: a request without the token got $status, not 401" >&2
  exit 1
fi
echo "without the token          401"

# The suite's entry point in npx's cache, run by node with the bearer preload.
entry=$(npx -y -p "$suite" -c 'realpath "$(command -v conformance)"' 2>/dev/null || true)
if [ ! -f "$entry" ]; then
  echo "mcp_conformance.sh: npx could not fetch $suite" >&2
  exit 1
fi
export TOOLBENCH_MCP_URL="$url" TOOLBENCH_MCP_TOKEN_FILE="$work/config/mcp-token" TOOLBENCH_SUITE_ENTRY="$entry"

passed=0 total=0 failed_scenarios=0
for scenario in "${scenarios[@]}"; do
  status=0
  node --require ./benches/support/mcp_bearer.cjs "$entry" server --url "$url" --scenario "$scenario" \
    >"$work/$scenario.log" 2>&1 || status=$?
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
