#!/usr/bin/env bash
# The workbench's first frame against fzf's over the same names, in the same pseudo-terminal.
#
#   bash benches/first_frame_vs_fzf.sh BIN [N]      (N=10000 tools, RUNS=20 starts of each)
#
# Generates an N-tool workspace (benches/gen_workspace.py), accepts it and lists it once, so
# the workbench starts from its cached index as a person's second start does. Then, in turns
# of RUNS, starts each in a 160x45 pseudo-terminal (benches/pty_run.py) and takes the time
# from the fork until the frame shows: the workbench's status bar ("? help", drawn with the
# first frame; TOOLBENCH_EXIT_AFTER=first-frame ends it there), and fzf's count of the whole
# list ("N/N", drawn once it read every name). Prints the median and the fastest of each.
#
# Each start follows the same pause (PAUSE seconds, default 1): on this virtual machine a page
# of memory freed a moment ago is 30-70 times cheaper to fault in again than one left free
# for a second (benches/fresh_pages.py). Without it every workbench start followed a second
# of fzf waiting for a key (until the runner's timeout), and every fzf start took the pages the
# workbench had just freed. PAUSE=0 runs them back to back.
set -euo pipefail
bin=$(realpath "${1:?usage: first_frame_vs_fzf.sh BIN [N]}")
count=${2:-10000}
runs=${RUNS:-20}
pause=${PAUSE:-1}
here=$(cd "$(dirname "$0")" && pwd)
command -v fzf >/dev/null || { echo "fzf is not installed (apt-get install fzf)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TOOLBENCH_CONFIG_DIR="$work/config"
mkdir -p "$TOOLBENCH_CONFIG_DIR"
python3 "$here/gen_workspace.py" "$work/ws" "$count" >/dev/null
"$bin" --root "$work/ws" accept >/dev/null
"$bin" --root "$work/ws" list | awk 'NR > 1 { print $2 }' >"$work/names"

median() {
    sort -n | awk '{ v[NR] = $1 } END { printf "median %.1f ms, fastest %.1f ms over %d\n", v[int((NR + 1) / 2)], v[1], NR }'
}
pty() {
    # A run ended at its timeout exits non-zero: its mark still counts.
    { python3 "$here/pty_run.py" --runs 1 --cols 160 --rows 45 "$@" || true; } |
        awk '$4 >= 0 { print $4 }'
}
: >"$work/ours"
: >"$work/fzf"
for _ in $(seq "$runs"); do
    sleep "$pause"
    pty --timeout 10 --mark "? help" -- env TOOLBENCH_EXIT_AFTER=first-frame "$bin" --root "$work/ws" >>"$work/ours"
    # fzf keeps running until it gets a key: the pty runner ends it at its timeout, after the mark.
    sleep "$pause"
    pty --timeout 1 --mark "$count/$count" -- sh -c "fzf < '$work/names'" >>"$work/fzf"
done
printf 'toolbench first frame: '
median <"$work/ours"
printf 'fzf, the whole list:   '
median <"$work/fzf"
