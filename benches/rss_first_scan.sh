#!/usr/bin/env bash
# The workbench's peak memory through its first scan of N tools (issue 64: <= 64 MB).
#
#   bash benches/rss_first_scan.sh BIN [N] [STARTS]      (N=10000 tools, STARTS=5)
#
# Generates an N-tool workspace (benches/gen_workspace.py). Each start opens the workbench in
# a 160x45 pseudo-terminal (benches/pty_run.py) with TOOLBENCH_EXIT_AFTER=scan, so it ends
# once its first scan has ended, and takes the process's peak resident set (ru_maxrss, what
# GNU `time -v` prints). Two cases, STARTS each:
#   fresh  - a copy of the workspace never opened (no state folder: no cached index);
#   cached - the same workspace opened again (its index written by the start before), as a
#            person's every later start is.
# Prints every start's peak and the median of each case, in MB (10^6 bytes) and MiB.
set -euo pipefail
bin=$(realpath "${1:?usage: rss_first_scan.sh BIN [N] [STARTS]}")
count=${2:-10000}
starts=${3:-5}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TOOLBENCH_CONFIG_DIR="$work/config"
mkdir -p "$TOOLBENCH_CONFIG_DIR"
python3 "$here/gen_workspace.py" "$work/pristine" "$count" >/dev/null

peak_kb() { # WS: one start through its first scan; prints the peak in KiB
    TOOLBENCH_EXIT_AFTER=scan python3 "$here/pty_run.py" --runs 1 --cols 160 --rows 45 \
        --timeout 300 -- "$bin" --root "$1" | awk '{ print $2 }'
}
report() { # LABEL KIB...
    local label=$1
    shift
    printf '%s\n' "$@" | sort -n | awk -v label="$label" '
        { v[NR] = $1; printf "  %s start: %.1f MB (%.1f MiB)\n", label, $1 * 1.024 / 1000, $1 / 1024 }
        END { m = v[int((NR + 1) / 2)]
              printf "%s: median %.1f MB (%.1f MiB) over %d starts, goal 64 MB\n", label, m * 1.024 / 1000, m / 1024, NR }'
}

fresh=()
cached=()
for n in $(seq "$starts"); do
    rm -rf "$work/ws"
    cp -a "$work/pristine" "$work/ws"
    fresh+=("$(peak_kb "$work/ws")")
    cached+=("$(peak_kb "$work/ws")")
    echo "start $n of $starts: fresh ${fresh[-1]} KiB, cached ${cached[-1]} KiB" >&2
done
report fresh "${fresh[@]}"
report cached "${cached[@]}"
