#!/usr/bin/env python3
"""Builds of toolbench side by side: validating the sample workspace's candidates, and a
candidate's first verdict after it lands in a workspace an MCP server keeps.

    python3 benches/validation_ab.py BIN [BIN ...]      (ROUNDS=7 by default)

Each round, for each binary in turn:

- `validate`: a fresh copy of `tools/` (the store made, its active tools accepted by a first run
  of word_count), then `toolbench validate NAME --force` of every candidate of
  `experimental/` one after another; the round's figure is their sum.
- `first verdict`: a fresh copy of `tools/` open in the workbench (in a pseudo-terminal of
  120x40, its screen drained and thrown away), which validates what arrives; once its first
  scan and the sample's validations settled, a new version of word_count with two test cases is
  renamed into `experimental/` whole, and the clock runs until the store holds its verdict
  (polled every 2 ms).

Prints each binary's median and fastest of each.
"""

import os
import pty
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, "..", "tools")
CANDIDATES = sorted(os.listdir(os.path.join(TOOLS, "experimental")))


def names(root):
    """The candidates of a copy of the sample workspace, as `validate` names them."""
    out = []
    for entry in CANDIDATES:
        manifest = os.path.join(root, "experimental", entry, "tool.toml")
        if os.path.isfile(manifest):
            with open(manifest) as f:
                fields = dict(
                    line.split(" = ", 1) for line in f.read().splitlines() if " = " in line
                )
            name = fields.get("name", "").strip('"')
            version = fields.get("version", "").strip('"')
            out.append(f"{name}@{version}" if name and version else entry)
        else:
            out.append(os.path.splitext(entry)[0])
    return out


def workspace(binary, env):
    root = tempfile.mkdtemp()
    shutil.copytree(TOOLS, root, dirs_exist_ok=True)
    # A person accepts the copy's active tools (a build without `accept` adopts them at the
    # run below, and answers this with an error).
    subprocess.run([binary, "--root", root, "accept"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=env)
    subprocess.run(
        [binary, "--root", root, "run", "word_count", "--input", '{"text": "a b"}'],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    return root


def validate_all(binary, env):
    root = workspace(binary, env)
    try:
        started = time.perf_counter()
        for name in names(root):
            subprocess.run(
                [binary, "--root", root, "validate", name, "--force"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        return time.perf_counter() - started
    finally:
        shutil.rmtree(root, ignore_errors=True)


def new_candidate(root):
    """word_count 9.0.0 with two cases, written beside experimental/ and renamed into it."""
    staged = os.path.join(root, "staged-word_count")
    shutil.copytree(os.path.join(root, "core", "word_count"), staged)
    manifest = os.path.join(staged, "tool.toml")
    with open(manifest) as f:
        text = f.read()
    version = next(l for l in text.splitlines() if l.startswith("version = "))
    with open(manifest, "w") as f:
        f.write(text.replace(version, 'version = "9.0.0"'))
    tests = os.path.join(staged, "tests")
    os.makedirs(tests, exist_ok=True)
    for i, words in enumerate(["a b", "one two three"]):
        with open(os.path.join(tests, f"bench{i}.toml"), "w") as f:
            f.write(f"input = '{{\"text\": \"{words}\"}}'\n")
    return staged


def first_verdict(binary, env):
    root = workspace(binary, env)
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(env, TERM="xterm-256color", LINES="40", COLUMNS="120")
        os.execv(binary, [binary, "--root", root])
    stop = threading.Event()

    def drain():
        while not stop.is_set():
            try:
                if not os.read(fd, 65536):
                    return
            except OSError:
                return

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        # Its first scan and the validations of the sample's candidates settle first.
        time.sleep(12)
        staged = new_candidate(root)
        target = os.path.join(root, "experimental", "word_count-9.0.0")
        db = sqlite3.connect(os.path.join(root, ".toolbench", "state.db"), timeout=5)
        started = time.perf_counter()
        os.rename(staged, target)
        deadline = started + 60
        while time.perf_counter() < deadline:
            try:
                row = db.execute(
                    "SELECT verdict FROM review_queue WHERE path = ? AND verdict IS NOT NULL",
                    ("experimental/word_count-9.0.0",),
                ).fetchone()
            except sqlite3.OperationalError:
                row = None
            if row:
                return time.perf_counter() - started
            time.sleep(0.002)
        return float("nan")
    finally:
        stop.set()
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
        shutil.rmtree(root, ignore_errors=True)


def main():
    binaries = [os.path.abspath(b) for b in sys.argv[1:]]
    if not binaries:
        sys.exit(__doc__)
    rounds = int(os.environ.get("ROUNDS", "7"))
    config = tempfile.mkdtemp()
    env = dict(os.environ, TOOLBENCH_CONFIG_DIR=config)
    validated = {b: [] for b in binaries}
    verdicts = {b: [] for b in binaries}
    for _ in range(rounds):
        for binary in binaries:
            validated[binary].append(validate_all(binary, env))
            verdicts[binary].append(first_verdict(binary, env))
    shutil.rmtree(config, ignore_errors=True)
    for binary in binaries:
        v, f = validated[binary], verdicts[binary]
        print(
            f"{binary}: validate the {len(CANDIDATES)} sample candidates: median "
            f"{statistics.median(v) * 1000:.0f} ms, fastest {min(v) * 1000:.0f} ms; "
            f"a candidate's first verdict after it lands: median "
            f"{statistics.median(f) * 1000:.0f} ms, fastest {min(f) * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
