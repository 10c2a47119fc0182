#!/bin/sh
# List the files changed in the current git work tree as a JSON array:
# staged changes, unstaged changes and untracked (not ignored) files, paths
# relative to the repository root, sorted and without duplicates.
# Outside a git repository (or without git) it prints [] and a note on stderr.
set -u

if ! command -v git >/dev/null 2>&1; then
    echo "git_changed_files: git is not installed; nothing to report" >&2
    echo "[]"
    exit 0
fi
if ! top=$(git rev-parse --show-toplevel 2>/dev/null); then
    echo "git_changed_files: not inside a git repository; nothing to report" >&2
    echo "[]"
    exit 0
fi
cd "$top" || exit 1

{
    git diff --name-only --cached -z
    git diff --name-only -z
    git ls-files --others --exclude-standard -z
} 2>/dev/null | tr '\0' '\n' | sed '/^$/d' | sort -u | {
    # JSON-escape each path: backslash, double quote, tab, then quote and join.
    tab=$(printf '\t')
    first=1
    printf '['
    while IFS= read -r file; do
        escaped=$(printf '%s' "$file" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e "s/$tab/\\\\t/g")
        if [ "$first" -eq 1 ]; then first=0; else printf ', '; fi
        printf '"%s"' "$escaped"
    done
    printf ']\n'
}
