#!/usr/bin/env bash
# `toolbench list` on a warm workspace against `find` over the same tree (issue 64).
#
#   bash benches/list_vs_find.sh BIN [N]             (N=10000 tools)
#   bash benches/list_vs_find.sh BIN [N] OLD_BIN     (a second build beside it, same run)
#
# Generates an N-tool workspace (benches/gen_workspace.py) and, for each build, a copy of it
# of its own (two builds keep different shapes and fingerprints, so one index cannot serve
# both). Each copy is accepted and listed until warm: once, then again after 4 s, when every
# folder has settled (a folder changed less than 3 s before a listing is listed again by the
# next one). Then `hyperfine -N --warmup 3 --runs RUNS` (RUNS=30) times `BIN --root WS list`
# (and `OLD_BIN` on its copy) beside `find WS`, and `strace -c -f` counts the syscalls of one
# warm listing of each and of `find`. Needs hyperfine and strace.
#
# `git status` over a committed copy of the same tree times the class the listing is held to
# ("stat what can change, nothing else"): git stats every tracked file and, with its
# untracked cache, every folder instead of reading it, as a warm listing does. Needs git.
set -euo pipefail
bin=$(realpath "${1:?usage: list_vs_find.sh BIN [N] [OLD_BIN]}")
count=${2:-10000}
old=${3:+$(realpath "$3")}
runs=${RUNS:-30}
here=$(cd "$(dirname "$0")" && pwd)
for tool in hyperfine strace git; do
    command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TOOLBENCH_CONFIG_DIR="$work/config"
mkdir -p "$TOOLBENCH_CONFIG_DIR"
python3 "$here/gen_workspace.py" "$work/ws" "$count" >/dev/null

warm() { # BIN WS
    cp -a "$work/ws" "$2"
    "$1" --root "$2" accept >/dev/null
    "$1" --root "$2" list >/dev/null
    sleep 4
    "$1" --root "$2" list >/dev/null
}
warm "$bin" "$work/new"
commands=("$bin --root $work/new list")
if [ -n "$old" ]; then
    warm "$old" "$work/old"
    commands=("$old --root $work/old list" "${commands[@]}")
fi
# The same tree committed, its index and untracked cache written by a first status, then
# settled (git, too, reads a file changed in the index's second again: "racily clean").
cp -a "$work/ws" "$work/git"
git -C "$work/git" init -q
git -C "$work/git" config core.untrackedCache true
git -C "$work/git" add -A
git -C "$work/git" -c user.name=bench -c user.email=bench@localhost commit -qm tools
sleep 2
git -C "$work/git" update-index --untracked-cache
git -C "$work/git" status --porcelain >/dev/null
git -C "$work/git" status --porcelain >/dev/null
hyperfine -N --warmup 3 --runs "$runs" "${commands[@]}" "find $work/ws" \
    "git -C $work/git status --porcelain"

syscalls() { # LABEL COMMAND...
    echo "== strace -c -f: $1"
    strace -c -f -o "$work/strace" "${@:2}" >/dev/null
    grep -v ' total$' "$work/strace" | sort -k4 -n -r | awk '$4 ~ /^[0-9]+$/ && $4 >= 100 { print "  " $NF, $4 }'
    awk '$NF == "total" { print "  total", $4 }' "$work/strace"
}
[ -n "$old" ] && syscalls "OLD_BIN list" "$old" --root "$work/old" list
syscalls "BIN list" "$bin" --root "$work/new" list
syscalls "find" find "$work/ws"
