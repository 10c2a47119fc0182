#!/bin/sh
# Report the disk usage (du -sk) of a relative path inside the working directory.
# Usage: run.sh [PATH]      (PATH defaults to ".")
# Prints: {"path": "PATH", "kilobytes": N}
set -eu
# Exit 65 (EX_DATAERR): the input is wrong (toolbench records bad_input, not a failure).

if [ "$#" -gt 1 ]; then
    echo "disk_usage: expected at most one argument (path), got $#" >&2
    exit 65
fi
path=${1:-.}

case "$path" in
    "")
        echo "disk_usage: path must not be empty" >&2; exit 65 ;;
    /*)
        echo "disk_usage: absolute paths are refused: $path" >&2; exit 65 ;;
    ..|../*|*/..|*/../*)
        echo "disk_usage: paths leaving the working directory are refused: $path" >&2; exit 65 ;;
esac

if [ ! -e "$path" ]; then
    echo "disk_usage: no such file or directory: $path" >&2
    exit 65
fi

kilobytes=$(du -sk -- "$path" | awk 'NR == 1 { print $1 }')
case "$kilobytes" in
    ''|*[!0-9]*)
        echo "disk_usage: could not read the size of $path" >&2; exit 1 ;;
esac

# JSON-escape the path (backslashes and double quotes).
escaped=$(printf '%s' "$path" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')
printf '{"path": "%s", "kilobytes": %s}\n' "$escaped" "$kilobytes"
