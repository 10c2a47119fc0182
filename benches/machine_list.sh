#!/usr/bin/env bash
# What the machine's own list of reviewers (/etc/toolbench/allowed_signers) costs a run, release
# build, hyperfine, in one run of three commands over the same signed 10-tool workspace:
#   user      `run bench_noop`, signatures required, the reviewer in the user's own list: the
#             verification remembered in .toolbench/verified/ (no ssh-keygen);
#   machine   the same, the reviewer in the machine's list: nothing remembered on disk, so
#             ssh-keygen checks the statement in every process;
#   endorsed  the reviewer listed by the workspace and accepted here, the acceptance endorsed
#             by a key of the machine's list: ssh-keygen checks the endorsement and the
#             statement in every process.
# Root only: the machine's list is read from another folder (TOOLBENCH_SYSTEM_DIR) for root
# alone. Needs hyperfine and ssh-keygen. TOOLBENCH_BIN names a build (else the release one is
# built); RUNS sets the runs per command (30).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "machine_list.sh: run as root (TOOLBENCH_SYSTEM_DIR is heard from root only)" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "machine_list.sh: hyperfine is not installed (apt-get install hyperfine)" >&2; exit 1; }
if [ -z "${TOOLBENCH_BIN:-}" ]; then
  cargo build --release -q
fi
bin=${TOOLBENCH_BIN:-$(sh "$PWD/benches/support/toolbench_bin.sh" release)}
runs=${RUNS:-30}
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp/home TOOLBENCH_CONFIG_DIR=$tmp/config XDG_DATA_HOME=$tmp/data
export TOOLBENCH_STATE_KEY=$tmp/data/toolbench/state.key
unset SSH_AUTH_SOCK TOOLBENCH_ROOT TOOLBENCH_SYSTEM_DIR
mkdir -p "$HOME" "$TOOLBENCH_CONFIG_DIR" "$tmp/project"
export TOOLBENCH_PROJECT=$tmp/project
ssh-keygen -q -t ed25519 -N '' -C bench -f "$tmp/key"
printf '[review]\nsigning_key = "%s"\n' "$tmp/key" >"$TOOLBENCH_CONFIG_DIR/config.toml"
line="bench@toolbench.example $(cut -d' ' -f1-2 "$tmp/key.pub")"

ws=$tmp/ws
python3 benches/gen_workspace.py "$ws" 10 >/dev/null
"$bin" init "$ws" >/dev/null
printf '[review]\nsignatures = "require"\n' >>"$ws/toolbench.toml"
mkdir -p "$ws/experimental/bench_noop"
printf 'name = "bench_noop"\nversion = "1.0.0"\ndescription = "bench"\ncost_tier = "low"\n[run]\ncommand = ["sh", "run.sh"]\ninput = "none"\n' >"$ws/experimental/bench_noop/tool.toml"
printf 'true\n' >"$ws/experimental/bench_noop/run.sh"
"$bin" --root "$ws" signers add bench@toolbench.example "$tmp/key.pub" >/dev/null
"$bin" --root "$ws" validate bench_noop >/dev/null
"$bin" --root "$ws" approve bench_noop >/dev/null

# The user's own list; the workspace's line accepted here is not needed for it.
printf '%s\n' "$line" >"$TOOLBENCH_CONFIG_DIR/allowed_signers"
# The machine's list naming the reviewer.
mkdir -m 755 "$tmp/machine"
printf '%s\n' "$line" >"$tmp/machine/allowed_signers"
chmod 644 "$tmp/machine/allowed_signers"
# The machine's list naming another key, which endorses the workspace's reviewer accepted here.
ssh-keygen -q -t ed25519 -N '' -C admin -f "$tmp/admin"
mkdir -m 755 "$tmp/endorsing"
printf 'admin@toolbench.example %s\n' "$(cut -d' ' -f1-2 "$tmp/admin.pub")" >"$tmp/endorsing/allowed_signers"
chmod 644 "$tmp/endorsing/allowed_signers"
cp -a "$ws" "$tmp/ws2"
rm -rf "$tmp/ws2/.toolbench"
printf '[review]\nsigning_key = "%s"\n' "$tmp/admin" >"$tmp/config2.toml"
cp "$tmp/config2.toml" "$TOOLBENCH_CONFIG_DIR/config.toml"
TOOLBENCH_SYSTEM_DIR=$tmp/endorsing "$bin" --root "$tmp/ws2" signers accept >/dev/null
for cmd in "" "TOOLBENCH_SYSTEM_DIR=$tmp/machine" "TOOLBENCH_SYSTEM_DIR=$tmp/endorsing"; do
  root=$ws
  [ "$cmd" = "TOOLBENCH_SYSTEM_DIR=$tmp/endorsing" ] && root=$tmp/ws2
  env $cmd "$bin" --root "$root" run bench_noop >/dev/null || { echo "machine_list.sh: a run was refused ($cmd)" >&2; exit 1; }
done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N --warmup 3 --runs "$runs" \
  -n user "$bin --root $ws run bench_noop" \
  -n machine "env TOOLBENCH_SYSTEM_DIR=$tmp/machine $bin --root $ws run bench_noop" \
  -n endorsed "env TOOLBENCH_SYSTEM_DIR=$tmp/endorsing $bin --root $tmp/ws2 run bench_noop"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
