#!/usr/bin/env bash
# One-tool commands against catalog size (issue 8, part 3): `show`, `run` of a trivial tool,
# and the decisions `approve`, `archive`, `restore`, each timed in a workspace of 10 generated
# tools and in one of 10,000, side by side in one hyperfine run. Prints the median of each and
# the ratio 10,000 / 10 (target: each ≤ 2×).
#
# Both workspaces get the same two extra tools: `bench_noop` (approved, `sh run.sh` → `true`)
# and `bench_cand` (experimental, the tool the decisions move). Each is warmed with `list`, so
# the cached index knows every tool. Every timed decision does a real move:
#   approve  bench_cand experimental → approved; before each, the folder is put back into
#            experimental/ by hand and `validate` (from its cache) lets the index see it there;
#   archive  approved → archived; before each, `restore` brings it back (or fails: already);
#   restore  archived → approved; before each, `archive` takes it away (or fails: already).
#
# Needs hyperfine (`apt-get install hyperfine`). Builds the release binary unless
# TOOLBENCH_BIN names one (to measure an older build). RUNS sets the runs per command (30).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "scale.sh: hyperfine is not installed (apt-get install hyperfine)" >&2; exit 1; }
if [ -z "${TOOLBENCH_BIN:-}" ]; then
  cargo build --release -q
fi
bin=${TOOLBENCH_BIN:-$(sh "$PWD/benches/support/toolbench_bin.sh" release)}
runs=${RUNS:-30}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TOOLBENCH_CONFIG_DIR=$tmp/config
mkdir -p "$TOOLBENCH_CONFIG_DIR"

tool() { # root tier name script
  mkdir -p "$1/$2/$3"
  printf 'name = "%s"\nversion = "1.0.0"\ndescription = "bench"\ncost_tier = "low"\n[run]\ncommand = ["sh", "run.sh"]\ninput = "none"\n' "$3" > "$1/$2/$3/tool.toml"
  printf '%s\n' "$4" > "$1/$2/$3/run.sh"
}

sizes=(10 10000)
for n in "${sizes[@]}"; do
  ws=$tmp/ws$n
  python3 benches/gen_workspace.py "$ws" "$n"
  "$bin" init "$ws" >/dev/null
  tool "$ws" approved bench_noop 'true'
  tool "$ws" experimental bench_cand 'true'
  "$bin" --root "$ws" accept >/dev/null           # a person accepts the active tools
  "$bin" --root "$ws" run bench_noop >/dev/null   # creates the state store
  "$bin" --root "$ws" list >/dev/null             # fills the cached index
done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

cmds=()
prepares=()
add() { # subcommand, prepare (@TB@ is `toolbench --root WS`, @WS@ the workspace)
  for n in "${sizes[@]}"; do
    local tb="$bin --root $tmp/ws$n"
    cmds+=("$tb $1")
    prepares+=("${2//@TB@/$tb}")
    prepares[-1]=${prepares[-1]//@WS@/$tmp/ws$n}
  done
}
add "show bench_noop" ":"
add "run bench_noop" ":"
# An approval needs a validation report of the candidate's content: made once, then served
# from the cache, as the content never changes.
add "approve bench_cand" \
  "if [ -d @WS@/approved/bench_cand ]; then mv @WS@/approved/bench_cand @WS@/experimental/bench_cand; fi; @TB@ validate bench_cand >/dev/null"
add "archive bench_cand" "@TB@ restore bench_cand >/dev/null 2>&1 || true"
add "restore bench_cand" "@TB@ archive bench_cand >/dev/null 2>&1 || true"

prepare_args=()
for p in "${prepares[@]}"; do
  prepare_args+=(--prepare "sh -c '$p'")
done
hyperfine -N --warmup 3 --runs "$runs" "${prepare_args[@]}" --export-json "$tmp/scale.json" "${cmds[@]}" >/dev/null
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$tmp/scale.json" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
print(f"{'command':<20} {'10 tools':>10} {'10,000 tools':>13} {'ratio':>7}  (median of {len(r[0]['times'])} runs)")
for small, large in zip(r[0::2], r[1::2]):
    name = " ".join(small["command"].split()[3:])
    a = statistics.median(small["times"]) * 1000
    b = statistics.median(large["times"]) * 1000
    verdict = "PASS" if b <= 2 * a else "MISS"
    print(f"{name:<20} {a:8.1f} ms {b:10.1f} ms {b / a:6.2f}x  {verdict} (target <= 2x)")
PY
