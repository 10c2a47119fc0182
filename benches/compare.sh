#!/usr/bin/env bash
# Catalog figures of the issue "foundation", measured end to end in one run, next to
# reference tools on the same data. Prints a table at the end; docs/benchmarks/catalog.md
# records it.
#
#     bash benches/compare.sh            # everything (12-15 minutes on 2 cores, plus up to
#                                        # 2 x TUI_TIMEOUT when the TUI does not exit)
#     QUICK=1 bash benches/compare.sh    # fewer runs, for trying the script out
#     TUI_TIMEOUT=60                     # seconds a TUI run may take before it is killed
#
# Needs: cargo, python3. Optional (each part is skipped with a message when missing; this
# script installs nothing): hyperfine (else a date +%s%N loop), fzf, GNU time at /usr/bin/time.
#     apt-get install -y hyperfine fzf time
#
# What is measured (all with a warm page cache: dropping it needs privileges we do not assume):
#   (a) cold scan: `toolbench list --json` on a 10,000-tool workspace (no cached index is read)
#       next to `find ROOT -name tool.toml -exec cat {} +` on the same tree
#   (b) first frame: the TUI in a pseudo-terminal with TOOLBENCH_EXIT_AFTER=first-frame, after
#       one run with TOOLBENCH_EXIT_AFTER=scan has cached the index; wall time spawn to exit
#   (c) peak RSS of the TUI with TOOLBENCH_EXIT_AFTER=scan (ru_maxrss from wait4 in the pty
#       runner, the number `/usr/bin/time -v` prints; a run still going after TUI_TIMEOUT is
#       killed and its peak so far is reported) and of list --json (/usr/bin/time -v)
#   (d) fuzzy filter over 100,000 tools: `fzf --filter Q` on the same search lines next to the
#       in-process figure of `cargo bench --bench catalog` (run here, in the same run)
#   plus the divan figures of benches/catalog.rs (scan, index, filter at 10,000 and 100,000).

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/bench-target}
N=10000
N_LARGE=100000
QUERIES=(c cs csv csv_ csv_j csv_js)
if [[ -n "${QUICK:-}" ]]; then RUNS=5; SCAN_RUNS=3; else RUNS=20; SCAN_RUNS=10; fi
TUI_TIMEOUT=${TUI_TIMEOUT:-60}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/toolbench-compare.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
WS="$WORK/ws"
EMPTY="$WORK/empty"
# An empty config dir: a user keymap or theme must not change the figures.
export TOOLBENCH_CONFIG_DIR="$WORK/config"
mkdir -p "$TOOLBENCH_CONFIG_DIR"
TB=$(sh "$REPO/benches/support/toolbench_bin.sh" release)
RESULTS="$WORK/results.tsv" # key<TAB>value, read back for the table
: >"$RESULTS"

say() { printf '\n== %s\n' "$*"; }
record() { printf '%s\t%s\n' "$1" "$2" >>"$RESULTS"; }
have() { command -v "$1" >/dev/null 2>&1; }
median() { sort -n | awk '{v[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# Median wall time in ms of a shell command: hyperfine when present, else a date loop.
time_cmd() { # label runs command
    local label=$1 runs=$2 cmd=$3
    if have hyperfine; then
        hyperfine --style basic --warmup 1 --runs "$runs" -i --export-json "$WORK/$label.json" \
            --command-name "$label" "$cmd" >&2
        python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$WORK/$label.json"
    else
        bash -c "$cmd" >/dev/null 2>&1 || true # warm-up
        local i start end
        for ((i = 0; i < runs; i++)); do
            start=$(date +%s%N)
            bash -c "$cmd" >/dev/null 2>&1 || true
            end=$(date +%s%N)
            echo $(((end - start) / 1000))
        done | median | awk '{printf "%.2f\n", $1/1000}'
    fi
}

say "machine"
echo "$(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo), $(uname -sr), $(date -u '+%Y-%m-%d %H:%M UTC')"
if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
    commit="$(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src Cargo.toml || echo ' + uncommitted changes in src/ or Cargo.toml')"
else
    commit="${SNAPSHOT_OF:-unknown} (an exported tree, not a git checkout)"
fi
echo "code measured: $REPO at commit $commit"
record commit "$commit"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
record load_start "$(cut -d' ' -f1-3 /proc/loadavg)"
if have hyperfine; then echo "timing with $(hyperfine --version)"; else echo "hyperfine not found: timing with a date +%s%N loop (apt-get install -y hyperfine)"; fi

say "build"
(cd "$REPO" && cargo build --release --bin toolbench)
(cd "$REPO" && cargo bench --bench catalog --no-run)

say "generate $N tools (benches/gen_workspace.py)"
python3 "$HERE/gen_workspace.py" "$WS" "$N"
python3 "$HERE/gen_workspace.py" "$EMPTY" 0
echo "$(find "$WS" -type f | wc -l) files, $(du -sh "$WS" | cut -f1)"
# The Rust generator of the divan bench must write the very same tree.
(cd "$REPO" && TOOLBENCH_BENCH_WRITE_WORKSPACE="$WORK/parity-rs:2000" cargo bench --bench catalog >/dev/null 2>&1)
python3 "$HERE/gen_workspace.py" "$WORK/parity-py" 2000
if diff -rq "$WORK/parity-rs" "$WORK/parity-py" >/dev/null; then
    echo "parity: benches/support (Rust) and gen_workspace.py write identical trees"
else
    echo "parity: MISMATCH between benches/support and gen_workspace.py; figures are not comparable" >&2
    exit 1
fi

say "(a) cold scan of $N tools vs find + cat"
scan_ms=$(time_cmd list_json "$SCAN_RUNS" "'$TB' --root '$WS' list --json > /dev/null")
find_ms=$(time_cmd find_cat "$SCAN_RUNS" "find '$WS' -name tool.toml -exec cat {} + > /dev/null")
listed=$("$TB" --root "$WS" list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
echo "list --json median $scan_ms ms ($listed tools listed); find+cat median $find_ms ms"
record scan_list_json "$scan_ms"
record scan_find_cat "$find_ms"

say "(b) first frame in a pseudo-terminal, $RUNS runs each"
first_frame() { # label root
    local label=$1 root=$2
    # Warm-up: one full start that scans and caches the index, as a second start would find it.
    TOOLBENCH_EXIT_AFTER=scan python3 "$HERE/pty_run.py" --timeout "$TUI_TIMEOUT" \
        -- "$TB" --root "$root" >"$WORK/warm_$label.txt" || true
    if grep -q timeout "$WORK/warm_$label.txt"; then
        echo "warning: the warm-up start did not exit within ${TUI_TIMEOUT}s after its scan; killed"
    fi
    TOOLBENCH_EXIT_AFTER=first-frame python3 "$HERE/pty_run.py" --runs "$RUNS" --timeout "$TUI_TIMEOUT" \
        --mark '\x1b[?1049l' -- "$TB" --root "$root" >"$WORK/ff_$label.txt"
    record "ff_${label}_exit" "$(cut -d' ' -f1 "$WORK/ff_$label.txt" | median)"
    record "ff_${label}_frame" "$(cut -d' ' -f4 "$WORK/ff_$label.txt" | median)"
    echo "$label: spawn to exit median $(cut -d' ' -f1 "$WORK/ff_$label.txt" | median) ms," \
        "spawn to frame-on-screen median $(cut -d' ' -f4 "$WORK/ff_$label.txt" | median) ms" \
        "(all runs, ms: $(cut -d' ' -f1 "$WORK/ff_$label.txt" | sort -n | tr '\n' ' '))"
}
first_frame 10k "$WS"
cached=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from catalog_index").fetchone()[0])' "$WS/.toolbench/state.db")
echo "cached index held $cached entries"
record ff_cached "$cached"
first_frame empty "$EMPTY"

say "(c) peak resident memory with $N tools"
# The TUI: cached index (from (b)) plus one full scan, then exit.
tui_kb=0
for i in 1 2 3; do
    TOOLBENCH_EXIT_AFTER=scan python3 "$HERE/pty_run.py" --timeout "$TUI_TIMEOUT" \
        -- "$TB" --root "$WS" >"$WORK/rss_tui_$i.txt" || true
    read -r wall kb code _ <"$WORK/rss_tui_$i.txt"
    echo "TUI run $i: peak $((kb / 1024)) MiB, exit $code after $wall ms"
    if ((kb > tui_kb)); then tui_kb=$kb; fi
    if [[ $code == timeout ]]; then
        echo "the TUI did not exit within ${TUI_TIMEOUT}s of starting (TOOLBENCH_EXIT_AFTER=scan); killed, no further runs"
        record rss_tui_timeout "$TUI_TIMEOUT"
        break
    fi
done
record rss_tui "$(awk -v k="$tui_kb" 'BEGIN {printf "%.1f", k/1024}')"
if [[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1; then
    list_kb=0
    for i in 1 2 3; do
        /usr/bin/time -v -o "$WORK/time_list_$i.txt" "$TB" --root "$WS" list --json >/dev/null
        kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time_list_$i.txt")
        if ((kb > list_kb)); then list_kb=$kb; fi
    done
    echo "list --json: peak $((list_kb / 1024)) MiB (max of 3, /usr/bin/time -v)"
    record rss_list "$(awk -v k="$list_kb" 'BEGIN {printf "%.1f", k/1024}')"
else
    echo "SKIPPED list --json: GNU time not found at /usr/bin/time (apt-get install -y time)"
fi

say "(d) fuzzy filter over $N_LARGE tools: fzf --filter"
python3 "$HERE/gen_workspace.py" --list "$N_LARGE" >"$WORK/names.txt"
echo "$(wc -l <"$WORK/names.txt") search lines (name, description, keywords, capabilities), $(du -h "$WORK/names.txt" | cut -f1)"
if have fzf; then
    echo "fzf $(fzf --version)"
    for q in "${QUERIES[@]}"; do
        ms=$(time_cmd "fzf_$q" "$RUNS" "fzf --filter '$q' < '$WORK/names.txt' > /dev/null")
        echo "fzf --filter $q: median $ms ms ($( (fzf --filter "$q" <"$WORK/names.txt" || true) | wc -l) matches)"
        record "fzf_$q" "$ms"
    done
else
    echo "SKIPPED: fzf not found (apt-get install -y fzf); the 100,000-tool comparison is not made"
fi

say "divan: cargo bench --bench catalog (in-process figures)"
echo "load average before divan: $(cut -d' ' -f1-3 /proc/loadavg)"
(cd "$REPO" && cargo bench --bench catalog) | tee "$WORK/divan.txt"
# Medians, in ms, keyed by the bench path (e.g. filter/keystroke_10k/csv_js).
python3 - "$WORK/divan.txt" >>"$RESULTS" <<'EOF'
import re, sys
units = {"ns": 1e-6, "µs": 1e-3, "us": 1e-3, "ms": 1.0, "s": 1000.0}
stack = []
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.match(r"^([│ ]*)[├╰]─ (\S+)(.*)$", line.rstrip("\n"))
    if not m:
        continue
    depth = len(m.group(1)) // 3
    stack[depth:] = [m.group(2)]
    cols = [c.strip() for c in m.group(3).split("│")]
    if len(cols) >= 3 and cols[2]:
        value, unit = cols[2].split()
        print("divan_%s\t%.4f" % ("/".join(stack), float(value) * units[unit]))
EOF
record load_end "$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------------
say "RESULTS"
python3 - "$RESULTS" "$N" "${QUERIES[@]}" <<'EOF'
import sys
r = {}
for line in open(sys.argv[1], encoding="utf-8"):
    k, _, v = line.rstrip("\n").partition("\t")
    r[k] = v
n = int(sys.argv[2]); queries = sys.argv[3:]

def num(key):
    try:
        return float(r[key])
    except (KeyError, ValueError):
        return None

def fmt(v, unit="ms"):
    if v is None:
        return "n/a"
    if unit == "ms" and v >= 1000:
        return "%.2f s" % (v / 1000)
    if unit == "ms" and v < 1:
        return "%.0f µs" % (v * 1000)
    return ("%.1f %s" if v >= 10 else "%.2f %s") % (v, unit)

def verdict(v, target, unit="ms"):
    if v is None:
        return "not measured"
    if v <= target:
        return "PASS"
    return "MISS by %s (x%.1f)" % (fmt(v - target, unit), v / target)

rows = []
ff = num("ff_10k_exit")
rows.append(("1 first frame, %d cached (spawn->exit)" % n, "<= 50 ms", fmt(ff), verdict(ff, 50), "compare.sh (b)"))
rows.append(("  first frame on screen, %d cached" % n, "", fmt(num("ff_10k_frame")), "", "compare.sh (b), pty timestamp"))
rows.append(("  first frame, empty workspace", "", "%s / %s" % (fmt(num("ff_empty_exit")), fmt(num("ff_empty_frame"))), "", "compare.sh (b), exit / on screen"))
rows.append(("  in-process: open store + load index + Catalog::new + sort", "", fmt(num("divan_startup/model_10k")), "", "divan startup::model_10k"))
rows.append(("  in-process: start the workspace watcher", "", fmt(num("divan_startup/watch_10k")), "", "divan startup::watch_10k"))
s = num("divan_scan/cold_10k")
rows.append(("2 cold scan %d, in-process" % n, "<= 1 s", fmt(s), verdict(s, 1000), "divan scan::cold_10k"))
s = num("scan_list_json")
rows.append(("2 cold scan %d, toolbench list --json" % n, "<= 1 s", fmt(s), verdict(s, 1000), "compare.sh (a)"))
rows.append(("  find -name tool.toml -exec cat {} +", "reference", fmt(num("scan_find_cat")), "", "compare.sh (a)"))
worst = None
for q in queries:
    v = num("divan_filter/keystroke_10k/" + q)
    rows.append(("3 keystroke %-7s over %d (narrowed)" % (q, n), "<= 5 ms", fmt(v), verdict(v, 5), "divan filter::keystroke_10k"))
for q in queries:
    ours = num("divan_filter/keystroke_100k/" + q)
    fresh = num("divan_filter/fresh_100k/" + q)
    fzf = num("fzf_" + q)
    if fzf is None:
        v = "fzf absent, no comparison"
    elif ours is None:
        v = "not measured"
    else:
        v = "PASS" if ours <= fzf else "MISS: x%.1f fzf" % (ours / fzf)
    rows.append(("3 query %-7s over 100000: narrowed / fresh / fzf" % q, "<= fzf",
                 "%s / %s / %s" % (fmt(ours), fmt(fresh), fmt(fzf)), v,
                 "divan filter::{keystroke,fresh}_100k; compare.sh (d)"))
m = num("rss_tui")
label = "4 peak RSS, TUI cached %d + full scan" % n
if "rss_tui_timeout" in r:
    label = "4 peak RSS, TUI %d (no exit in %ss, killed)" % (n, r["rss_tui_timeout"])
rows.append((label, "<= 80 MB", fmt(m, "MiB"), verdict(m, 80, "MiB"), "compare.sh (c)"))
m = num("rss_list")
rows.append(("  peak RSS, list --json %d" % n, "", fmt(m, "MiB"), "", "compare.sh (c)"))

w = [max(len(str(row[i])) for row in rows) for i in range(5)]
head = ("figure", "target", "measured (median)", "verdict", "source")
w = [max(w[i], len(head[i])) for i in range(5)]
line = lambda cells: "| " + " | ".join(str(c).ljust(w[i]) for i, c in enumerate(cells)) + " |"
print(line(head))
print("|" + "|".join("-" * (x + 2) for x in w) + "|")
for row in rows:
    print(line(row))
print()
print("code: %s" % r.get("commit"))
print("load average: start %s, end %s (2 cores: above ~2 means other work competed)" % (r.get("load_start"), r.get("load_end")))
print("cached index entries before the first-frame runs: %s" % r.get("ff_cached"))
EOF
