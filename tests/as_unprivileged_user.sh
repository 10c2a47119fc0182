#!/bin/sh
# Runs the hostile test suite (tests/hostile.rs) as an unprivileged user, so the sandbox is
# checked both as root (plain `cargo test --test hostile`) and as a normal user.
#
# Usage, as root, from anywhere:   tests/as_unprivileged_user.sh [test-filter] [libtest args…]
#   TOOLBENCH_TEST_USER   the user to run as (default: toolbench-hostile; created if missing)
#
# It builds the test binary once, copies it and the toolbench binary into a fresh folder owned
# by that user (the tests find toolbench through TOOLBENCH_BIN), and runs the tests there with
# a clean environment and a HOME of their own. Exits with the test binary's status.
set -eu

if [ "$(id -u)" -ne 0 ]; then
    echo "$0: must run as root (it creates a user and switches to it)" >&2
    exit 2
fi
for program in runuser useradd python3 cargo; do
    if ! command -v "$program" >/dev/null 2>&1; then
        echo "$0: $program is required" >&2
        exit 2
    fi
done

user=${TOOLBENCH_TEST_USER:-toolbench-hostile}
repo=$(cd "$(dirname "$0")/.." && pwd)

if ! id -u "$user" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
fi

# Build once and read the artifacts' paths from cargo's JSON messages.
artifacts=$(cd "$repo" && cargo test --test hostile --no-run --message-format=json)
paths=$(printf '%s\n' "$artifacts" | python3 -c '
import json, sys
test = tool = None
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") != "compiler-artifact" or not m.get("executable"):
        continue
    target = m["target"]
    if target["name"] == "hostile" and "test" in target["kind"]:
        test = m["executable"]
    elif target["name"] == "toolbench" and "bin" in target["kind"]:
        tool = m["executable"]
if not (test and tool):
    sys.exit("cargo did not report both the hostile test binary and the toolbench binary")
print(test)
print(tool)
')
test_bin=$(printf '%s\n' "$paths" | sed -n 1p)
tool_bin=$(printf '%s\n' "$paths" | sed -n 2p)

# Outside /tmp, which a run sees as its own private folder: the suite's host folders
# (TMPDIR) must be ones a run can see, for the read-only world to be what stops a write.
work=$(mktemp -d /var/tmp/toolbench-hostile.XXXXXX)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT INT TERM
mkdir -p "$work/home" "$work/tmp"
cp "$test_bin" "$work/hostile"
cp "$tool_bin" "$work/toolbench"
chmod 0755 "$work" "$work/hostile" "$work/toolbench"
chown -R "$user:" "$work"

echo "running the hostile suite as $user ($(id -u "$user")) in $work" >&2
cd "$work"
status=0
runuser -u "$user" -- env -i \
    PATH=/usr/local/bin:/usr/bin:/bin \
    HOME="$work/home" \
    TMPDIR="$work/tmp" \
    LANG=C.UTF-8 \
    TOOLBENCH_BIN="$work/toolbench" \
    RUST_BACKTRACE=0 \
    "$work/hostile" "$@" || status=$?
exit "$status"
