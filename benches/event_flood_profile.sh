#!/bin/bash
# Where the workbench's screen thread spends its time under a flood from every source.
#
# Runs `event_flood.py BIN` (60 presses, so the flood lasts long enough) and, once the flood
# is under way, samples the workbench's main thread with `perf record` for 6 s, with call
# graphs unwound from DWARF (release builds have no frame pointers). Prints the samples taken
# (at 199 a second: about 1,200 for a thread always on a CPU) and the functions by the share
# of the thread's time they and their callees took.
#
# Usage: benches/event_flood_profile.sh BIN [OUT]     (OUT: where perf.data goes)
set -euo pipefail
if [ $# -lt 1 ] || [ ! -f "$1" ] || [ ! -x "$1" ]; then
    echo "event_flood_profile: ${1:-BIN}: not an executable file (usage: $0 BIN [OUT])" >&2
    exit 2
fi
command -v perf >/dev/null || { echo "event_flood_profile: needs perf (linux-perf)" >&2; exit 2; }
BIN=$(realpath "$1")
OUT=${2:-$(mktemp -d)/perf.data}
mkdir -p "$(dirname "$OUT")"
HERE=$(dirname "$(realpath "$0")")
python3 "$HERE/event_flood.py" "$BIN" --burst 1000 --presses 60 &
FLOOD=$!
sleep 4
# The workbench itself: `BIN --root ROOT`, not the runs it starts (`BIN --root ROOT run ...`).
PID=$(pgrep -f "^$BIN --root [^ ]*$" | head -1)
perf record -F 199 --call-graph dwarf,32768 -t "$PID" -o "$OUT" -- sleep 6 >/dev/null 2>&1
wait "$FLOOD"
echo "samples of the main thread: $(perf script -i "$OUT" 2>/dev/null | grep -c cpu-clock)"
perf report -i "$OUT" --stdio --children 2>/dev/null | grep -E "^ +[0-9]" | head -40
