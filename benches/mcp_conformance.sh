#!/usr/bin/env bash
# The official MCP conformance suite against `toolbench mcp --http` serving the conformance
# workspace (tests/conformance/workspace), for the scenarios that apply to a tool gateway, at
# both protocol versions toolbench speaks: 2025-11-25 (stateful: initialize, sessions) and
# 2026-07-28 (stateless: per-request _meta). Prints the passed checks per scenario and
# version; exits non-zero on any failure the expected-failures file of that version does not
# list, and on any entry there that now passes (benches/support/conformance-expected-*.yaml).
#   benches/mcp_conformance.sh [path/to/toolbench]   (default: builds the debug binary)
# Environment: TOOLBENCH_SUITE (the suite's npm spec), TOOLBENCH_SCENARIOS (space-separated),
# TOOLBENCH_VERSIONS (default "2025-11-25 2026-07-28").
# Needs Node 22 or later, and fetches Node 22 from the npm registry when the machine's is older;
# npx fetches the suite's pinned version on first use.
#
# A scenario runs at a version when the suite says it applies there (`--spec-version`: it
# skips the others); an extension's scenarios (tasks-*) are on no version's timeline, and run
# at 2026-07-28, the wire the extension is defined for (`--force`).
#
# The server requires its bearer token on every request, and the suite cannot be told to send
# a header in server mode, so its client is given the token by a preload
# (benches/support/mcp_bearer.cjs) that adds `Authorization: Bearer` to its requests to the
# server, as a configured client would. The script first checks that a request without the
# token is refused.
#
# The suite tests servers by URL only (`server --url` is required): there is no stdio run.
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${TOOLBENCH_SUITE:-@modelcontextprotocol/conformance@0.2.0-alpha.12}
default_scenarios="server-initialize server-session-lifecycle server-stateless ping tools-list
  tools-call-simple-text tools-call-error tools-call-with-progress json-schema-2020-12
  dns-rebinding-protection http-header-validation server-sse-multiple-streams
  tasks-lifecycle tasks-capability-negotiation tasks-wire-fields tasks-status-notifications
  tasks-dispatch-and-envelope tasks-required-task-error tasks-request-state-removal
  tasks-request-headers"
read -r -d '' -a scenarios <<<"${TOOLBENCH_SCENARIOS:-$default_scenarios}" || true
read -r -a versions <<<"${TOOLBENCH_VERSIONS:-2025-11-25 2026-07-28}"
# No scenario waits longer than this (a server that never answers must not hang CI).
scenario_timeout=${TOOLBENCH_SCENARIO_TIMEOUT:-150}

# Node 22 or later: the machine's own, else Node 22 from the npm registry (benches/support/node.sh).
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
# A copy of the conformance workspace, so runs and state never land in the repository.
cp -r tests/conformance/workspace "$work/ws"
rm -rf "$work/ws/.toolbench"
mkdir -p "$work/ws/core" "$work/ws/experimental" "$work/ws/archived"
# A workspace never opened here runs none of its active tools until a person accepts them,
# as one does here (which seals and snapshots each, so the suite then sees the latency of a
# call, not of the workspace's first day).
TOOLBENCH_CONFIG_DIR="$work/config" "$bin" --root "$work/ws" accept >/dev/null

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
echo "without the token                       401"

# The suite's entry point in npx's cache, run by node with the bearer preload.
# shellcheck disable=SC2016 # expanded by the shell npx starts
entry=$(npx -y -p "$suite" -c 'realpath "$(command -v conformance)"' 2>/dev/null || true)
if [ ! -f "$entry" ]; then
  echo "mcp_conformance.sh: npx could not fetch $suite" >&2
  exit 1
fi
export TOOLBENCH_MCP_URL="$url" TOOLBENCH_MCP_TOKEN_FILE="$work/config/mcp-token" TOOLBENCH_SUITE_ENTRY="$entry"

# One scenario at one version: the suite's output in $log, its exit status returned.
run() {
  local scenario=$1 version=$2 log=$3
  shift 3
  local status=0
  timeout "$scenario_timeout" node --require ./benches/support/mcp_bearer.cjs "$entry" server \
    --url "$url" --scenario "$scenario" --spec-version "$version" \
    --expected-failures "benches/support/conformance-expected-$version.yaml" "$@" \
    >"$log" 2>&1 || status=$?
  # Plain text for CI logs: the suite colours its output even into a file.
  sed -i 's/\x1b\[[0-9;]*m//g' "$log"
  return "$status"
}

passed=0 total=0 failed_runs=0 ran=0
for scenario in "${scenarios[@]}"; do
  for version in "${versions[@]}"; do
    log="$work/$scenario@$version.log"
    status=0
    run "$scenario" "$version" "$log" || status=$?
    if grep -q '^SKIPPED: .*extension scenario' "$log"; then
      [ "$version" = 2026-07-28 ] || continue
      status=0
      run "$scenario" "$version" "$log" --force || status=$?
    elif grep -q '^SKIPPED: ' "$log"; then
      continue
    fi
    ran=$((ran + 1))
    # The suite's summary line: "Passed: 2/2, 0 failed, 0 warnings".
    counts=$(sed -n 's/^Passed: \([0-9]*\)\/\([0-9]*\),.*/\1 \2/p' "$log" | tail -1)
    read -r ok all <<<"${counts:-0 0}"
    expected=$(sed -n 's/^  ~ //p' "$log" | tr '\n' ' ')
    line=$(printf '%-30s %-10s %3s/%-3s passed' "$scenario" "$version" "$ok" "$all")
    if [ "$status" -ne 0 ]; then
      failed_runs=$((failed_runs + 1))
      echo "$line  FAILED (exit $status)"
      cat "$log"
    elif [ "$all" -eq 0 ]; then
      # A scenario the suite has switched off reports no checks (tasks-status-notifications).
      echo "$line  no checks: $(sed -n 's/.*\] SKIPPED //p' "$log" | head -1)"
    elif [ -n "$expected" ]; then
      echo "$line  expected failures: $expected"
    else
      echo "$line"
    fi
    passed=$((passed + ok))
    total=$((total + all))
  done
done
printf '%-41s %s/%s passed in %s runs; %s failed\n' total "$passed" "$total" "$ran" "$failed_runs"
[ "$failed_runs" -eq 0 ]
