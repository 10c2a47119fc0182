#!/usr/bin/env python3
"""Per-call approval figures (issue figures), medians of 10:

  1. a waiting call visible in `toolbench calls --json`: from the agent's tools/call to the
     first `calls --json` (run back to back, each a whole process) that lists it;
  2. the same call visible in an open workbench (in a pseudo-terminal): from tools/call to
     the Review pane's title saying "call(s) waiting";
  3. from the key press (Enter in the workbench's approve dialog) to the agent holding the
     result, minus the run's own recorded duration.

    benches/approvals.py BIN     (benches/approvals.sh builds the release binary and calls this)
"""

import codecs
import fcntl
import json
import os
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcp import Client, median_ms  # noqa: E402

from toolbench_bin import toolbench_bin

RUNS = 10
MANIFEST = """name = "deploy"
version = "1.0.0"
description = "A trivial high-cost tool"
cost_tier = "high"

[run]
command = ["sh", "run.sh"]
input = "none"
"""


def call_async(client, name):
    client.next_id += 1
    rid = client.next_id
    client.send({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                 "params": {"name": name, "arguments": {}}})
    return rid


def response(client, rid, timeout=30):
    with client.cond:
        while rid not in client.responses:
            if not client.cond.wait(timeout=timeout):
                raise RuntimeError("no answer to tools/call")
        return client.responses.pop(rid), time.perf_counter()


def cli(bin_path, root, *args):
    out = subprocess.run([bin_path, "--root", root, *args], check=True, capture_output=True, text=True)
    return out.stdout


CSI = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")


class Screen:
    """Just enough of a terminal for ratatui's output: cursor moves (CSI row;col H) and
    text; every other escape is ignored. Ratatui redraws only changed cells, so a text is
    looked for on the screen, never in the byte stream."""

    def __init__(self, rows, cols):
        self.cells = [[" "] * cols for _ in range(rows)]
        self.row = self.col = 0
        self.pending = ""

    def feed(self, text):
        text = self.pending + text
        self.pending = ""
        i = 0
        while i < len(text):
            if text[i] == "\x1b":
                match = CSI.match(text, i)
                if match is None:
                    if len(text) - i < 16:
                        self.pending = text[i:]
                        return
                    i += 1
                    continue
                if match.group(2) == "H":
                    parts = (match.group(1) or "1;1").split(";")
                    self.row, self.col = int(parts[0] or 1) - 1, int(parts[-1] or 1) - 1
                i = match.end()
                continue
            if text[i] >= " " and 0 <= self.row < len(self.cells) and self.col < len(self.cells[0]):
                self.cells[self.row][self.col] = text[i]
                self.col += 1
            i += 1

    def text(self):
        return "\n".join("".join(row) for row in self.cells)


class Workbench:
    """The workbench in a pseudo-terminal, its screen kept current."""

    ROWS, COLS = 50, 160

    def __init__(self, bin_path, root):
        self.pid, self.fd = os.forkpty()
        if self.pid == 0:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", self.ROWS, self.COLS, 0, 0))
            os.execv(bin_path, [bin_path, "--root", root])
        self.screen = Screen(self.ROWS, self.COLS)
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            with self.changed:
                self.screen.feed(decoder.decode(data))
                self.changed.notify_all()

    def wait_for(self, shown, timeout=10):
        """When `shown(screen_text)` first held, as soon as the output that made it so was read."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not shown(self.screen.text()):
                if not self.changed.wait(timeout=max(deadline - time.monotonic(), 0)):
                    raise RuntimeError("the screen never showed it:\n" + self.screen.text())
            return time.perf_counter()

    def keys(self, text):
        os.write(self.fd, text.encode())

    def close(self):
        self.keys("q")
        os.waitpid(self.pid, 0)


# The Review pane's title: "1 call waiting", "2 calls waiting".
WAITING = re.compile(r"\b\d+ calls? waiting")


def waiting(text):
    return WAITING.search(text) is not None


def none_waiting(text):
    return not waiting(text)


def main():
    bin_path = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else toolbench_bin())
    root = tempfile.mkdtemp(prefix="toolbench-approvals-bench-")
    try:
        subprocess.run([bin_path, "init", root], check=True, stdout=subprocess.DEVNULL)
        folder = os.path.join(root, "approved", "deploy")
        os.makedirs(folder)
        with open(os.path.join(folder, "tool.toml"), "w") as f:
            f.write(MANIFEST)
        with open(os.path.join(folder, "run.sh"), "w") as f:
            f.write("echo deployed\n")
        # A person accepts the tool placed in approved/.
        subprocess.run([bin_path, "--root", root, "accept"], check=True, stdout=subprocess.DEVNULL)
        client = Client(bin_path, root)

        print(f"== 1. pending call visible in `calls --json` (median of {RUNS})")
        samples = []
        for _ in range(RUNS):
            sent = time.perf_counter()
            rid = call_async(client, "deploy")
            while True:
                pending = json.loads(cli(bin_path, root, "calls", "--json"))
                if pending:
                    samples.append(time.perf_counter() - sent)
                    break
            cli(bin_path, root, "calls", "reject", str(pending[0]["id"]), "--reason", "bench")
            response(client, rid)
        print(f"calls --json: median {median_ms(samples):.0f} ms, max {max(samples) * 1000:.0f} ms "
              f"(target <= 100 ms)")

        bench = Workbench(bin_path, root)
        time.sleep(1.5)
        bench.keys("4")
        print(f"== 2. pending call visible in an open workbench (median of {RUNS})")
        samples = []
        for _ in range(RUNS):
            sent = time.perf_counter()
            rid = call_async(client, "deploy")
            shown = bench.wait_for(waiting)
            samples.append(shown - sent)
            pending = json.loads(cli(bin_path, root, "calls", "--json"))
            cli(bin_path, root, "calls", "reject", str(pending[0]["id"]), "--reason", "bench")
            response(client, rid)
            bench.wait_for(none_waiting)
        print(f"workbench: median {median_ms(samples):.0f} ms, max {max(samples) * 1000:.0f} ms "
              f"(target <= 300 ms)")

        print(f"== 3. key press (Enter on `a`) to the agent's result, beyond the run (median of {RUNS})")
        samples = []
        for _ in range(RUNS):
            rid = call_async(client, "deploy")
            bench.wait_for(waiting)
            bench.keys("a")
            bench.wait_for(lambda text: "Approve call #" in text)
            pressed = time.perf_counter()
            bench.keys("\r")
            answer, received = response(client, rid)
            assert not answer["result"].get("isError"), answer
            runs = json.loads(cli(bin_path, root, "runs", "--json", "--limit", "1"))
            samples.append(received - pressed - runs[0]["duration_ms"] / 1000)
            bench.wait_for(none_waiting)
        print(f"key to result beyond the run: median {median_ms(samples):.0f} ms, "
              f"max {max(samples) * 1000:.0f} ms (target <= 100 ms)")
        bench.close()
        client.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
