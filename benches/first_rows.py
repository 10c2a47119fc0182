#!/usr/bin/env python3
"""Builds of toolbench side by side: a never-opened workspace of N tools in the workbench,
the time from start to the first catalog row on screen, and to the end of the first scan.

    python3 benches/first_rows.py BIN [BIN ...]      (N=10000, ROUNDS=5 by default; needs
                                                      pyte: pip install pyte)

The workspace is generated once with benches/gen_workspace.py; before every round its state
(`.toolbench/`) is removed, so each start meets a workspace it has nothing cached of, as a
fresh clone is. Each binary is started in a pseudo-terminal of 120x36 and the bytes it draws
are read as they come: the first row is the first catalog title counting a tool
(`Catalog (N)`, N above 0), the scan's end the question of a never-opened workspace
(`Accept this workspace`, which a build from before that question never draws: its figure
is then left out). Prints each binary's median and fastest of both, interleaved round by
round.
"""

import fcntl
import os
import pty
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time

import pyte

HERE = os.path.dirname(os.path.abspath(__file__))
QUESTION = "Accept this workspace"
LIMIT = 120


def one_start(binary, root, config):
    """Seconds to the first tool row, and to the question (None when never drawn)."""
    shutil.rmtree(os.path.join(root, ".toolbench"), ignore_errors=True)
    os.sync()
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.environ["TOOLBENCH_CONFIG_DIR"] = config
        os.environ.pop("TOOLBENCH_ROOT", None)
        os.execv(binary, [binary, "--root", root])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    screen = pyte.Screen(120, 36)
    stream = pyte.ByteStream(screen)
    first_row = question = None
    try:
        while time.perf_counter() - started < LIMIT:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            stream.feed(chunk)
            now = time.perf_counter() - started
            top = screen.display[0]
            if first_row is None and "Catalog (" in top and "Catalog (0)" not in top:
                first_row = now
            if any(QUESTION in line for line in screen.display):
                question = now
                break
            if first_row is not None and now > 30:
                break
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    return first_row, question


def main():
    binaries = [os.path.abspath(b) for b in sys.argv[1:]]
    if not binaries:
        sys.exit(__doc__)
    n = int(os.environ.get("N", "10000"))
    rounds = int(os.environ.get("ROUNDS", "5"))
    work = tempfile.mkdtemp(prefix="tb-first-rows-")
    try:
        root = os.path.join(work, "ws")
        subprocess.run([sys.executable, os.path.join(HERE, "gen_workspace.py"), root, str(n)],
                       check=True)
        config = os.path.join(work, "config")
        os.makedirs(config)
        rows = {b: [] for b in binaries}
        asked = {b: [] for b in binaries}
        for _ in range(rounds):
            for binary in binaries:
                first_row, question = one_start(binary, root, config)
                if first_row is not None:
                    rows[binary].append(first_row)
                if question is not None:
                    asked[binary].append(question)
        for binary in binaries:
            line = f"{binary}: {n} tools, never opened:"
            if rows[binary]:
                line += (f" first row {statistics.median(rows[binary]) * 1000:.0f} ms median,"
                         f" {min(rows[binary]) * 1000:.0f} ms fastest;")
            if asked[binary]:
                line += (f" scan ended (the question) {statistics.median(asked[binary]) * 1000:.0f}"
                         f" ms median")
            print(line)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
