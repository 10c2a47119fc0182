#!/usr/bin/env python3
"""A decision by key in the workbench, at 10 and at 10,000 tools: the time from the Enter that
confirms an approval to the Review pane showing one candidate fewer.

    decision_key.py BINARY [--sizes 10,10000] [--decisions 5]

For each size it writes a fresh workspace of that many approved tools and `--decisions`
candidates, opens the real binary in a pseudo-terminal (120x40, read with pyte: `pip install
pyte`), waits until every candidate's verdict shows, then approves them one by one from the
Review pane (`4`, `a`, a reason, Enter). It prints, per size, the median and worst time from the
Enter to the pane's count dropping, and the ratio of the medians to the smallest size's. The
goal (issue 36) is at most 2x from 10 to 10,000 tools.
"""

import argparse
import os
import pty
import re
import select
import statistics
import subprocess
import sys
import tempfile
import time

import pyte

COLS, ROWS = 120, 40
MANIFEST = (
    'name = "{name}"\nversion = "1.0.0"\ndescription = "{description}"\ncost_tier = "low"\n'
    '[run]\ncommand = ["sh", "run.sh"]\ninput = "none"\n'
)


def workspace(tools, candidates):
    root = tempfile.mkdtemp(prefix="tb-decision-")
    for tier in ("core", "approved", "experimental", "archived"):
        os.makedirs(os.path.join(root, tier))

    def tool(tier, name):
        folder = os.path.join(root, tier, name)
        os.makedirs(folder)
        with open(os.path.join(folder, "tool.toml"), "w") as f:
            f.write(MANIFEST.format(name=name, description="tool " + name))
        with open(os.path.join(folder, "run.sh"), "w") as f:
            f.write("echo '{}'\n")

    for i in range(tools):
        tool("approved", "tool_%05d" % i)
    for i in range(candidates):
        tool("experimental", "cand_%02d" % i)
    # On disk before it is opened, as a workspace that was not written a moment ago is: a
    # decision syncs the file system, and would otherwise write this whole tree back.
    os.sync()
    return root


class Screen:
    def __init__(self, binary, root, config):
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        pid, fd = pty.fork()
        if pid == 0:
            os.environ["TOOLBENCH_CONFIG_DIR"] = config
            os.environ["TERM"] = "xterm-256color"
            os.environ["COLUMNS"], os.environ["LINES"] = str(COLS), str(ROWS)
            os.execv(binary, [binary, "--root", root])
        import fcntl
        import struct
        import termios

        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.pid, self.fd = pid, fd

    def pump(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if ready:
            try:
                self.stream.feed(os.read(self.fd, 1 << 16))
            except OSError:
                pass

    def text(self):
        return "\n".join(self.screen.display)

    def wait(self, predicate, limit=120.0):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if predicate(self.text()):
                return True
            self.pump(0.005)
        raise TimeoutError("screen never showed what was awaited:\n" + self.text())

    def keys(self, data):
        os.write(self.fd, data.encode())

    def close(self):
        self.keys("q")
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def review_count(text):
    found = re.search(r"Review \((\d+)\)", text)
    return int(found.group(1)) if found else None


def measure(binary, tools, decisions):
    root = workspace(tools, decisions)
    config = tempfile.mkdtemp(prefix="tb-decision-config-")
    # A person accepts the approved tools, as at any workspace's first opening.
    subprocess.run([binary, "--root", root, "accept"], stdout=subprocess.DEVNULL,
                   env=dict(os.environ, TOOLBENCH_CONFIG_DIR=config), check=True)
    screen = Screen(binary, root, config)
    try:
        # Every candidate validated: its verdict mark is on screen in the Review pane.
        screen.wait(lambda t: review_count(t) == decisions and t.count("! cand_") >= decisions)
        # The workbench's first scan seals the never-sealed workspace in the background; a
        # decision before that ends waits for it, once.
        seals = os.path.join(root, ".toolbench", "seals")
        deadline = time.monotonic() + 600
        while not os.path.isdir(seals) and time.monotonic() < deadline:
            time.sleep(0.05)
        times = []
        for _ in range(decisions):
            before = review_count(screen.text())
            screen.keys("4")
            screen.keys("a")
            screen.wait(lambda t: "Approve cand_" in t)
            screen.keys("ok")
            screen.wait(lambda t: "ok" in t)
            started = time.perf_counter()
            screen.keys("\r")
            screen.wait(lambda t: review_count(t) == before - 1)
            times.append((time.perf_counter() - started) * 1000)
        return times
    finally:
        screen.close()
        subprocess.run(["rm", "-rf", root, config])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--sizes", default="10,10000")
    parser.add_argument("--decisions", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    medians = {}
    for size in sizes:
        times = measure(os.path.abspath(args.binary), size, args.decisions)
        medians[size] = statistics.median(times)
        print(
            "%6d tools: median %7.1f ms  worst %7.1f ms  (%s)"
            % (size, medians[size], max(times), ", ".join("%.1f" % t for t in times)),
            flush=True,
        )
    base = medians[sizes[0]]
    for size in sizes[1:]:
        print("%d/%d tools: %.2fx" % (size, sizes[0], medians[size] / base))


if __name__ == "__main__":
    sys.exit(main())
