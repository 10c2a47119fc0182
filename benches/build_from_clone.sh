#!/usr/bin/env bash
# From `git clone` to a built program, as a new user's first command pays it (issue 64).
#
#   bash benches/build_from_clone.sh [REV]          (REV defaults to HEAD of this checkout)
#   BUSY=1 bash benches/build_from_clone.sh [REV]   (a busy loop holds one core meanwhile)
#
# Clones this checkout at REV into a temporary folder, fetches the crates first (the figure is
# for crates already downloaded), then times `cargo build --release --timings` in the clone's
# own empty target folder. Prints the wall time, the CPU time (user + system) and the binary's
# size, then the units that took longest and when the program's crate started, from cargo's
# timings report. The goal is 3 minutes with other work beside (`BUSY=1`); CPU time over the
# cores left to the build is the least it can take.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(git -C "$here" rev-parse --show-toplevel)
rev=${1:-HEAD}
command -v /usr/bin/time >/dev/null || { echo "GNU time is not installed (apt-get install -y time)" >&2; exit 1; }
work=$(mktemp -d)
busy=
cleanup() {
    [ -n "$busy" ] && kill "$busy" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
git clone -q "$repo" "$work/clone"
git -C "$work/clone" checkout -q "$rev"
cd "$work/clone"
unset CARGO_TARGET_DIR
cargo fetch --quiet
if [ "${BUSY:-0}" = 1 ]; then
    sh -c 'while :; do :; done' &
    busy=$!
fi
/usr/bin/time -f '%e %U %S' -o "$work/time" cargo build --release --timings --quiet
[ -n "$busy" ] && kill "$busy" && busy=
read -r wall user sys <"$work/time"
binary=$(find target -path '*/release/toolbench' -type f | head -1)
echo "rev $(git rev-parse --short HEAD), busy loop beside: ${BUSY:-0}"
echo "wall ${wall} s, CPU ${user} + ${sys} s, binary $(stat -c %s "$binary") bytes"
python3 - target/cargo-timings/cargo-timing.html <<'EOF'
import json, re, sys
text = open(sys.argv[1]).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", text, re.S).group(1))
for u in sorted(units, key=lambda u: -u["duration"])[:6]:
    kind = " (build script)" if u.get("mode") == "run-custom-build" else ""
    print(f"  {u['name']}{kind}: {u['duration']:.1f} s from {u['start']:.1f} s")
EOF
