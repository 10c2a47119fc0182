#!/usr/bin/env bash
# A run's cost for a user with many workspaces against one with a few (issue 64: no growth
# with the number of workspaces).
#
#   bash benches/runs_many_workspaces.sh BIN [N]      (N=100 other workspaces, ROUNDS=100)
#
# Makes two users' homes: one whose toolbench has opened no other workspace, one whose has
# opened N (each `init`ed and listed once, so its state folder exists and the user's list of
# workspaces names it: every run of that user looks at each and hides its state). Then times
# BIN's run of a `noop` tool for both users in the same rounds, beside the bare command and
# bubblewrap's (`benches/runs_ab.py` with HOMES), so the difference is the cost of the N
# workspaces. Needs bubblewrap.
set -euo pipefail
bin=$(realpath "${1:?usage: runs_many_workspaces.sh BIN [N]}")
count=${2:-100}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/few" "$work/many" "$work/others"
for n in $(seq "$count"); do
    ws="$work/others/ws$n"
    HOME="$work/many" XDG_DATA_HOME="$work/many/.local/share" "$bin" init "$ws" >/dev/null
    HOME="$work/many" XDG_DATA_HOME="$work/many/.local/share" "$bin" --root "$ws" list \
        >/dev/null 2>&1
done
listed=$(wc -l <"$work/many/.local/share/toolbench/workspaces")
echo "the user with many workspaces has $listed listed (the run's own comes with its first run)"
HOMES="$work/few,$work/many" WSBASE="$work" python3 "$here/runs_ab.py" "$bin" "$bin"
