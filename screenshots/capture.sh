#!/usr/bin/env bash
# Regenerate the README screenshot: run the workbench on the sample workspace in tmux,
# type KEYS, capture the screen with colours and convert it to SVG.
# Usage: screenshots/capture.sh OUT.svg [KEYS...]   (needs tmux and a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1; shift
cargo build --release -q
tmux kill-session -t tb-shot 2>/dev/null || true
tmux new-session -d -s tb-shot -x 100 -y 30 "TOOLBENCH_CONFIG_DIR=$(mktemp -d) ./target/release/toolbench --root tools"
sleep 1.5
for key in "$@"; do tmux send-keys -t tb-shot "$key"; sleep 0.6; done
tmux capture-pane -t tb-shot -e -p > /tmp/tb-shot.txt
tmux kill-session -t tb-shot
python3 screenshots/ansi_to_svg.py /tmp/tb-shot.txt "$out" 100
echo "wrote $out"
