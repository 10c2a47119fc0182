#!/usr/bin/env bash
# The review page in a real browser: tests/web_browser_e2e.mjs drives headless Chromium
# (Debian's `chromium`) with playwright-core from npm against `toolbench web`, with an agent
# on the MCP Python SDK. Give the toolbench binary as $1 (default: the debug build). Needs
# chromium, node and `python3 -m pip install "mcp>=2,<3"`; playwright-core is installed into
# a temporary folder. SHOTS=DIR keeps screenshots (phone and desktop width) there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
binary="${1:-$(sh "$repo/benches/support/toolbench_bin.sh" debug)}"
chromium="${CHROMIUM:-$(command -v chromium || true)}"

[ -x "$binary" ] || { echo "web_browser_e2e: no toolbench binary at $binary (cargo build first)" >&2; exit 1; }
[ -n "$chromium" ] || { echo "web_browser_e2e: no chromium (apt-get install chromium)" >&2; exit 1; }
python3 -c 'import mcp' 2>/dev/null || {
  echo "web_browser_e2e: the MCP Python SDK is missing: python3 -m pip install \"mcp>=2,<3\"" >&2
  exit 1
}

work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

npm install --silent --no-audit --no-fund --prefix "$work/node" playwright-core@1.65.1 >/dev/null

ws="$work/ws"
mkdir -p "$ws"/{core,approved,experimental,archived} "$ws/approved/deploy"
# The person deciding is ana (the reviewer is $USER when the user config names none).
export USER=ana LOGNAME=ana
cat > "$ws/approved/deploy/tool.toml" <<'TOML'
name = "deploy"
version = "1.0.0"
description = "Pretend to deploy: prints its input"
cost_tier = "high"

[run]
command = ["sh", "run.sh"]
input = "stdin-json"
timeout_secs = 30

[input]
type = "object"
required = ["env"]
additionalProperties = false

[input.properties.env]
type = "string"
TOML
printf 'cat\n' > "$ws/approved/deploy/run.sh"
"$binary" --root "$ws" accept >/dev/null
# A candidate evolving it, whose diff the page shows.
mkdir -p "$ws/experimental/deploy-next"
sed 's/^version = "1.0.0"/version = "1.1.0"/' "$ws/approved/deploy/tool.toml" > "$ws/experimental/deploy-next/tool.toml"
printf 'echo "deploying to $(cat)" >&2\ncat\n' > "$ws/experimental/deploy-next/run.sh"

"$binary" --root "$ws" web --listen 127.0.0.1:0 2> "$work/web.log" &
server=$!
for _ in $(seq 100); do
  grep -q 'serving http://' "$work/web.log" && break
  sleep 0.1
done
page="$(sed -n 's|^toolbench web: serving http://\(.*\)/$|\1|p' "$work/web.log")"
[ -n "$page" ] || { echo "web_browser_e2e: toolbench web did not start:" >&2; cat "$work/web.log" >&2; exit 1; }

# The mjs imports playwright-core from the temporary folder; a hung browser must not hang CI.
cp "$here/web_browser_e2e.mjs" "$here/web_browser_agent.py" "$work/node/"
TOOLBENCH_BIN="$binary" WORKSPACE="$ws" PAGE="$page" CHROMIUM="$chromium" SHOTS="${SHOTS:-}" \
  timeout 120 node "$work/node/web_browser_e2e.mjs" || {
  echo "web_browser_e2e: failed; the page's log:" >&2
  cat "$work/web.log" >&2
  exit 1
}
