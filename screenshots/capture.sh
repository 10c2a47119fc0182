#!/usr/bin/env bash
# Regenerate the README screenshots: copy the sample workspace to a temp folder, give it a
# history of runs, then for each picture start the workbench in tmux, type its keys, capture
# the screen with colours and convert it to SVG.
#
# Usage: screenshots/capture.sh [BIN]   (needs tmux and python3; BIN defaults to the release
# build, built when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-$(sh benches/support/toolbench_bin.sh release)}
[ -x "$bin" ] || cargo build --release -q
bin=$(realpath "$bin")
cols=120 rows=36

ws=$(mktemp -d)/tools
config=$(mktemp -d)
# The project the pictures' tools work on, named the same in every picture.
project=$(dirname "$ws")/myproject
mkdir -p "$project/src"
echo 'print("hello")' > "$project/src/main.py"
cp -r tools "$ws"
rm -rf "$ws/.toolbench"

# A tool that streams for a few seconds, for the picture of a live run.
mkdir -p "$ws/approved/test_suite"
cat > "$ws/approved/test_suite/tool.toml" <<'EOF'
name = "test_suite"
version = "1.0.0"
description = "Run the project's unit tests and report each one as it finishes"
category = "testing"
cost_tier = "low"
[run]
command = ["sh", "run.sh"]
input = "none"
timeout_secs = 60
EOF
cat > "$ws/approved/test_suite/run.sh" <<'EOF'
for t in parse_header parse_rows quoted_fields empty_input unicode_names \
         trailing_newline crlf_lines wide_rows duplicate_keys numeric_cells \
         nested_quotes bom_prefix long_lines tab_separated semicolons; do
  sleep 0.25
  echo "test csv::$t ... ok"
done
echo "test result: ok. 15 passed; 0 failed"
EOF

# A history: runs of a few tools, some failing, spread over the last two weeks so the
# per-day chart has days to show.
tb() { TOOLBENCH_CONFIG_DIR=$config "$bin" --root "$ws" "$@" >/dev/null 2>&1 || true; }
# A person accepts the copy's active tools, as at any workspace's first opening.
tb accept
for i in $(seq 1 24); do
  tb run word_count --input "{\"text\": \"$(printf 'word %.0s' $(seq 1 $((i * 40))))\"}"
done
for i in $(seq 1 10); do tb run slugify --input "{\"text\": \"Release notes for version $i\"}"; done
for i in $(seq 1 6); do tb run line_sort --input '{"lines": ["b", "a", "c"]}'; done
for i in $(seq 1 4); do tb run json_format --input '{"json": "{not json"}'; done
tb run json_format --input '{"json": "{\"a\": 1}"}'
tb mark-failure slugify --scenario "a title in Greek" --error "slug came back empty" \
  --severity medium --tag not-for-greek
python3 - "$ws/.toolbench/state.db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ids = [r[0] for r in db.execute("SELECT id FROM runs ORDER BY id")]
for n, run_id in enumerate(ids):
    days_ago = (len(ids) - n) * 13 // len(ids)
    db.execute(
        "UPDATE runs SET started_at = strftime('%Y-%m-%dT%H:%M:%fZ', started_at, ?) WHERE id = ?",
        (f"-{days_ago} days", run_id),
    )
db.commit()
EOF

# shot NAME KEYS... : a fresh workbench, the keys typed one by one, the screen as NAME.svg.
shot() {
  local name=$1; shift
  tmux kill-session -t tb-shot 2>/dev/null || true
  tmux new-session -d -s tb-shot -x $cols -y $rows \
    "TOOLBENCH_CONFIG_DIR=$config $bin --root $ws --project $project"
  sleep 2
  for key in "$@"; do
    case $key in
      sleep:*) sleep "${key#sleep:}" ;;
      *) tmux send-keys -t tb-shot "$key"; sleep 0.4 ;;
    esac
  done
  tmux capture-pane -t tb-shot -e -p > "/tmp/tb-shot-$name.txt"
  tmux kill-session -t tb-shot
  python3 screenshots/ansi_to_svg.py "/tmp/tb-shot-$name.txt" "screenshots/$name.svg" $cols
  echo "wrote screenshots/$name.svg"
}

# The review overlay of the evolved csv_to_json: its diff against 1.2.0.
shot review-diff / c s v _ t o _ j s o n Enter j d Tab Tab
# The checks of a tool with dangerous patterns: findings with file and line.
shot review-checks / t m p _ c l e a n e r Enter Escape d Tab
# A tool's detail: the picture of its last runs and its quality over time (the chart's data
# arrives after the rest).
shot tool-detail / w o r d _ c o u n t Enter Escape d sleep:1.5
# The workspace's runs per day and its tools ranked by quality.
shot stats S sleep:1
# The main screen while a run streams into the Output pane (last: quitting ends the run).
shot workbench / t e s t _ s u i t e Enter Escape sleep:2.2
