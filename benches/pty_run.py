#!/usr/bin/env python3
"""Runs a command in a pseudo-terminal and reports how long it took, for benches/compare.sh.

    pty_run.py [--runs N] [--cols C] [--rows R] [--timeout S] [--mark TEXT] -- COMMAND [ARGS...]

Prints one line per run: "WALL_MS MAXRSS_KB EXIT MARK_MS". WALL_MS is the wall time from just before
the fork to the reaping of the child (so it includes fork+exec and process teardown);
MAXRSS_KB is the child's peak resident set: ru_maxrss from wait4(), the very number GNU
`time -v` prints as "Maximum resident set size" (of the direct child only: when COMMAND is
/usr/bin/time it is time's own, so read time's report instead). EXIT is the exit code, or
"timeout" when the child was still running after --timeout seconds: then its process group
is killed and MAXRSS_KB is the peak so far (VmHWM from /proc).
MARK_MS is the time from the same start until the output first contained TEXT (Python
escapes allowed, e.g. '\x1b[?1049l', the sequence that leaves the alternate screen), or -1.
The terminal size is set in the child before exec, so the program never sees a 0x0 terminal.
Everything the program draws is read and thrown away, as a terminal would.
"""

import argparse
import fcntl
import os
import select
import signal
import struct
import sys
import termios
import time


def run_once(argv, cols, rows, timeout, mark):
    started = time.perf_counter_ns()
    pid, fd = os.forkpty()
    if pid == 0:
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    deadline = time.monotonic() + timeout
    timed_out = False
    mark_ms = -1.0
    tail = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            peak_kb = vm_hwm_kb(pid)
            os.killpg(pid, signal.SIGKILL)  # forkpty made the child a session leader
            timed_out = True
            break
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal (exited)
            break
        if not chunk:
            break
        if mark and mark_ms < 0:
            tail = tail[-len(mark):] + chunk
            if mark in tail:
                mark_ms = (time.perf_counter_ns() - started) / 1e6
    _, status, rusage = os.wait4(pid, 0)
    elapsed_ms = (time.perf_counter_ns() - started) / 1e6
    os.close(fd)
    code = os.waitstatus_to_exitcode(status)
    peak = rusage.ru_maxrss
    if timed_out:
        code = "timeout"
        peak = peak_kb
    return elapsed_ms, peak, code, mark_ms


def vm_hwm_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--cols", type=int, default=120)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--mark", default="")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    mark = args.mark.encode("latin-1").decode("unicode_escape").encode("latin-1")
    failed = False
    for _ in range(args.runs):
        wall, rss, code, mark_ms = run_once(command, args.cols, args.rows, args.timeout, mark)
        print("%.3f %d %s %.3f" % (wall, rss, code, mark_ms), flush=True)
        failed |= code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
