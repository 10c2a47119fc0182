#!/usr/bin/env bash
# Signed reviews (issue 59), release build, hyperfine:
#   1. the first `toolbench run` of one signed tool in a never-opened workspace that requires
#      signatures, at 10 and 10,000 tools (benches/gen_workspace.py plus `bench_noop`, which
#      a bench reviewer approved, so signed; the workspace copied without `.toolbench/`, its
#      reviewers accepted on this machine, `.toolbench/` removed before each run, so nothing
#      is remembered and ssh-keygen checks the statement each time);
#   2. what verification costs a run: `run bench_noop` with signatures required (the
#      verification remembered) against the same workspace with signatures off (seals), in
#      interleaved rounds: the wall time, and the CPU time (user + system, as wait4 reports it
#      for the toolbench process and what it waited for: its sandbox and the tool);
#   3. an approve with signing (ssh-keygen, an ed25519 key file without passphrase) against
#      the same approve with signatures off, each on a fresh copy of a 10-tool workspace whose
#      candidate was validated (the signed copy's reviewers accepted before each run, as
#      reviewers are accepted per workspace folder).
# Needs hyperfine and ssh-keygen. TOOLBENCH_BIN names a build to measure (else it builds the
# release binary); RUNS sets the runs per command (20).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "signed.sh: hyperfine is not installed (apt-get install hyperfine)" >&2; exit 1; }
if [ -z "${TOOLBENCH_BIN:-}" ]; then
  cargo build --release -q
fi
bin=${TOOLBENCH_BIN:-$(sh "$PWD/benches/support/toolbench_bin.sh" release)}
runs=${RUNS:-20}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A user of its own: no git configuration, no agent, config and data folders in $tmp.
export HOME=$tmp/home TOOLBENCH_CONFIG_DIR=$tmp/config XDG_DATA_HOME=$tmp/data
unset SSH_AUTH_SOCK TOOLBENCH_ROOT
mkdir -p "$HOME" "$TOOLBENCH_CONFIG_DIR"
ssh-keygen -q -t ed25519 -N '' -C bench -f "$tmp/key"
printf '[review]\nsigning_key = "%s"\n' "$tmp/key" >"$TOOLBENCH_CONFIG_DIR/config.toml"

tool() { # root tier name
  mkdir -p "$1/$2/$3"
  printf 'name = "%s"\nversion = "1.0.0"\ndescription = "bench"\ncost_tier = "low"\n[run]\ncommand = ["sh", "run.sh"]\ninput = "none"\n' "$3" >"$1/$2/$3/tool.toml"
  printf 'true\n' >"$1/$2/$3/run.sh"
}
require() { printf '[review]\nsignatures = "require"\n' >>"$1/toolbench.toml"; }

for n in 10 10000; do
  ws=$tmp/ws$n
  python3 benches/gen_workspace.py "$ws" "$n"
  "$bin" init "$ws" >/dev/null
  require "$ws"
  tool "$ws" approved bench_noop
  "$bin" --root "$ws" signers add bench@toolbench.example "$tmp/key.pub" >/dev/null
  "$bin" --root "$ws" validate bench_noop >/dev/null
  "$bin" --root "$ws" approve bench_noop >/dev/null   # signs it where it is
  # .reviews/ at a signed workspace's size: a statement pair in every other active tool's
  # place (copies of bench_noop's, so not of their content; a run of bench_noop reads none).
  "$bin" --root "$ws" list --json | python3 -c '
import glob, json, os, shutil, sys
root = sys.argv[1]
src = glob.glob(os.path.join(root, ".reviews/bench_noop/*.json"))[0]
n = 0
for e in json.load(sys.stdin):
    if e["tier"] not in ("core", "approved") or e["name"] == "bench_noop" or not e.get("content_hash"):
        continue
    d = os.path.join(root, ".reviews", e["name"])
    os.makedirs(d, exist_ok=True)
    version, content_hash = e["version"], e["content_hash"]
    dst = os.path.join(d, f"{version}-{content_hash}.json")
    shutil.copyfile(src, dst)
    shutil.copyfile(src + ".sig", dst + ".sig")
    n += 1
print(f"{root}: {n + 1} statements in .reviews/", file=sys.stderr)
' "$ws"
  # A teammate's clone: the tools and .reviews/, no state; its reviewers accepted here.
  clone=$tmp/clone$n
  cp -a "$ws" "$clone"
  rm -rf "$clone/.toolbench"
  "$bin" --root "$clone" signers accept >/dev/null
done
sync
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N --warmup 2 --runs "$runs" \
  --prepare "rm -rf $tmp/clone10/.toolbench" --prepare "rm -rf $tmp/clone10000/.toolbench" \
  --export-json "$tmp/first.json" \
  "$bin --root $tmp/clone10 run bench_noop" "$bin --root $tmp/clone10000 run bench_noop" >/dev/null

# 2. The same 10-tool workspace, signatures required (remembered) and off (sealed).
off=$tmp/off10
cp -a "$tmp/ws10" "$off"
rm -rf "$off/.toolbench"
printf 'preset = "default"\n' >"$off/toolbench.toml"
"$bin" --root "$off" accept >/dev/null
"$bin" --root "$tmp/clone10" run bench_noop >/dev/null
# Interleaved rounds (off, required, required, off, …) so a busy moment of a shared machine
# weighs on both alike; CPU time is steadier than wall time there.
python3 - "$bin" "$off" "$tmp/clone10" $((runs * 10)) >"$tmp/run.txt" <<'PY'
import os, statistics, subprocess, sys, time
binary, off, req, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def once(root):
    started = time.perf_counter()
    child = subprocess.Popen([binary, "--root", root, "run", "bench_noop"], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    assert status == 0, status
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime
for _ in range(5):
    once(off), once(req)
walls = {off: [], req: []}
cpus = {off: [], req: []}
for i in range(rounds):
    for root in ((off, req) if i % 2 == 0 else (req, off)):
        wall, cpu = once(root)
        walls[root].append(wall * 1000)
        cpus[root].append(cpu * 1000)
med = statistics.median
print(f"{med(walls[off]):.2f} {med(walls[req]):.2f} {med(cpus[off]):.3f} {med(cpus[req]):.3f} {rounds}")
PY

# 3. approve, signed and not, on fresh copies of a validated candidate.
for mode in signed off; do
  tpl=$tmp/tpl-$mode
  python3 benches/gen_workspace.py "$tpl" 10
  "$bin" init "$tpl" >/dev/null
  tool "$tpl" experimental bench_cand
  if [ "$mode" = signed ]; then
    require "$tpl"
    "$bin" --root "$tpl" signers add bench@toolbench.example "$tmp/key.pub" >/dev/null
  else
    "$bin" --root "$tpl" accept >/dev/null
  fi
  "$bin" --root "$tpl" validate bench_cand >/dev/null
done
hyperfine -N --warmup 2 --runs "$runs" \
  --prepare "sh -c 'rm -rf $tmp/a-off; cp -a $tmp/tpl-off $tmp/a-off'" \
  --prepare "sh -c 'rm -rf $tmp/a-signed; cp -a $tmp/tpl-signed $tmp/a-signed; $bin --root $tmp/a-signed signers accept >/dev/null'" \
  --export-json "$tmp/approve.json" \
  "$bin --root $tmp/a-off approve bench_cand" "$bin --root $tmp/a-signed approve bench_cand" >/dev/null
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$tmp" <<'PY'
import json, statistics, sys
tmp = sys.argv[1]
def med(r): return statistics.median(r["times"]) * 1000
first = json.load(open(f"{tmp}/first.json"))["results"]
a, b = med(first[0]), med(first[1])
print(f"first run of one signed tool, never opened: 10 tools {a:.2f} ms, 10,000 tools {b:.2f} ms, ratio {b / a:.2f} (target <= 2)")
wa, wb, ca, cb, rounds = open(f"{tmp}/run.txt").read().split()
wa, wb, ca, cb = map(float, (wa, wb, ca, cb))
print(f"a run ({rounds} interleaved rounds), signatures off {wa:.2f} ms, required (remembered) {wb:.2f} ms: "
      f"verification {wb - wa:+.2f} ms wall (target <= +0.3); CPU {ca:.3f} ms vs {cb:.3f} ms: {cb - ca:+.3f} ms")
ap = json.load(open(f"{tmp}/approve.json"))["results"]
a, b = med(ap[0]), med(ap[1])
print(f"approve, signatures off {a:.2f} ms, signed {b:.2f} ms: signing {b - a:+.2f} ms")
PY
