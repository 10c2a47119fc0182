#!/bin/sh
# Runs the suites whose tests assert on the host as an unprivileged user, so each is checked
# both as root (plain `cargo test`) and as a normal user: the sandbox (hostile), what a tool's
# declared permissions let it reach (permissions), what code no person reviewed gets, from
# validation and by hand (unreviewed), approved copies frozen by their owner
# (approved_is_reviewed), the HTTP gateway's token file and sessions (mcp_http), bounded agent
# input (mcp, requests), a read-only state folder that only root can still write
# (recovery), a list of hosts held by the egress proxy (egress), and the progress pipe as the
# only descriptor a run gets beside stdio (progress), and no process of a run left behind
# whenever it is cancelled or times out, with the watchdog instead of a cgroup (cancel_race);
# nothing of a killed run left once collected (leftovers), a tool folder that cannot be
# read, before or during a run, judged by the kernel's own check (unavailable), and tools'
# packages resolved and installed by uv in the sandbox (dependencies).
#
# Usage, as root, from anywhere:   tests/as_unprivileged_user.sh [test-filter] [libtest args…]
#   TOOLBENCH_TEST_USER   the user to run as (default: toolbench-hostile; created if missing)
#   TOOLBENCH_TEST_SUITES the suites to run, separated by spaces (default: all of them)
# The filter and libtest arguments go to every suite.
#
# It builds the test binaries once, copies them, the toolbench binary and the sample tools
# into a fresh folder owned by that user (the tests find toolbench through TOOLBENCH_BIN and
# the sample tools through TOOLBENCH_SAMPLE_TOOLS, as the repo may be closed to that user),
# and runs each suite there with a clean environment and a HOME of its own. The `uv` program
# (a real one, not a pyenv shim) is copied there too, first on the suites' PATH, and then
# required (TOOLBENCH_REQUIRE_UV): without it the dependencies suite would skip, not fail.
# Every suite runs even after one fails; exits non-zero, naming the failed suites, if any failed.
set -eu

suites=${TOOLBENCH_TEST_SUITES:-"hostile permissions unreviewed approved_is_reviewed mcp_http mcp requests recovery egress progress cancel_race leftovers unavailable dependencies"}

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

# Build once and read the artifacts' paths from cargo's JSON messages: "NAME PATH" a line,
# toolbench's binary first.
targets=
for suite in $suites; do
    targets="$targets --test $suite"
done
# shellcheck disable=SC2086 # one word per --test and suite name
artifacts=$(cd "$repo" && cargo test $targets --no-run --message-format=json)
# shellcheck disable=SC2086 # one argument per suite name
paths=$(printf '%s\n' "$artifacts" | python3 -c '
import json, sys
suites = sys.argv[1:]
tests, tool = {}, None
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") != "compiler-artifact" or not m.get("executable"):
        continue
    target = m["target"]
    if target["name"] in suites and "test" in target["kind"]:
        tests[target["name"]] = m["executable"]
    elif target["name"] == "toolbench" and "bin" in target["kind"]:
        tool = m["executable"]
missing = [s for s in suites if s not in tests] + ([] if tool else ["the toolbench binary"])
if missing:
    sys.exit("cargo did not report " + ", ".join(missing))
print("toolbench", tool)
for suite in suites:
    print(suite, tests[suite])
' $suites)

# Outside /tmp, which a run sees as its own private folder: the suites' host folders
# (TMPDIR) must be ones a run can see, for the read-only world to be what stops a write.
work=$(mktemp -d /var/tmp/toolbench-hostile.XXXXXX)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT INT TERM
printf '%s\n' "$paths" | while read -r name path; do
    cp "$path" "$work/$name"
    chmod 0755 "$work/$name"
done
cp -R "$repo/tools" "$work/tools"
# uv as tests/dependencies.rs finds it: a program on PATH, else the one the uv package installed.
is_elf() { [ -f "$1" ] && [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }
uv=$(command -v uv || true)
if ! is_elf "$uv"; then
    uv=$(python3 -c 'import uv; print(uv.find_uv_bin())' 2>/dev/null || true)
fi
require_uv=${TOOLBENCH_REQUIRE_UV:-}
if is_elf "$uv"; then
    mkdir "$work/bin"
    cp "$uv" "$work/bin/uv"
    require_uv=1
elif [ -n "$require_uv" ]; then
    echo "$0: uv is required (TOOLBENCH_REQUIRE_UV) but not installed: pip install uv" >&2
    exit 2
fi
rm -rf "$work/tools/.toolbench"
chmod 0755 "$work"
chown -R "$user:" "$work"

cd "$work"
failed=
for suite in $suites; do
    # A HOME and TMPDIR per suite, so nothing one leaves behind is seen by the next.
    runuser -u "$user" -- mkdir "$work/$suite.home" "$work/$suite.tmp"
    echo "== $suite as $user ($(id -u "$user")) in $work" >&2
    runuser -u "$user" -- env -i \
        PATH="$work/bin:/usr/local/bin:/usr/bin:/bin" \
        HOME="$work/$suite.home" \
        TMPDIR="$work/$suite.tmp" \
        LANG=C.UTF-8 \
        TOOLBENCH_BIN="$work/toolbench" \
        TOOLBENCH_SAMPLE_TOOLS="$work/tools" \
        ${require_uv:+TOOLBENCH_REQUIRE_UV=1} \
        RUST_BACKTRACE=0 \
        "$work/$suite" "$@" || failed="$failed $suite"
done
if [ -n "$failed" ]; then
    echo "$0: failed as $user:$failed" >&2
    exit 1
fi
echo "$0: passed as $user: $suites" >&2
