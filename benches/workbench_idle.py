#!/usr/bin/env python3
"""What the terminal workbench costs while nobody does anything.

    python3 benches/workbench_idle.py BIN [BIN ...]     (ROUNDS=3, SECONDS=10 by default)

Each round, for each binary in turn: a fresh workspace with three accepted tools and no
candidate (so no validation runs), the workbench opened in a detached tmux session of
180x45, left 3 s to settle (its first scan, the pollers' first looks), then its process is
read from /proc before and after SECONDS of nothing (CPU time of all threads, context
switches of all threads: each is a wake-up or a preemption), then, for SECONDS more,
`strace -f -c` counts its system calls: all of them, and `fcntl` (each read of the store
takes its read lock through one). Prints each binary's medians over the rounds, per second.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mcp_waiting_idle import SECONDS, compare, sample, syscalls  # noqa: E402

SESSION = "toolbench-idle-bench"
TOOLS = ("alpha", "beta", "gamma")


def workspace(bin_path):
    root = tempfile.mkdtemp(prefix="toolbench-idle-")
    subprocess.run([bin_path, "init", root], check=True, stdout=subprocess.DEVNULL)
    for name in TOOLS:
        folder = os.path.join(root, "approved", name)
        os.makedirs(folder)
        with open(os.path.join(folder, "tool.toml"), "w") as f:
            f.write(f'name = "{name}"\nversion = "1.0.0"\ndescription = "{name}"\n'
                    '[run]\ncommand = ["sh", "run.sh"]\n')
        with open(os.path.join(folder, "run.sh"), "w") as f:
            f.write("echo '{}'\n")
    subprocess.run([bin_path, "--root", root, "accept"], check=True, stdout=subprocess.DEVNULL)
    return root


def workbench_pid(bin_path, root, deadline):
    """The workbench's process, once tmux started it."""
    while time.time() < deadline:
        out = subprocess.run(["pgrep", "-f", f"{bin_path} --root {root}"],
                             capture_output=True, text=True).stdout.split()
        for pid in out:
            try:
                if os.readlink(f"/proc/{pid}/exe") == bin_path:
                    return int(pid)
            except OSError:
                pass
        time.sleep(0.05)
    sys.exit(f"{bin_path}: the workbench did not start")


def one(bin_path):
    root = workspace(bin_path)
    subprocess.run(["tmux", "kill-session", "-t", SESSION], stderr=subprocess.DEVNULL)
    subprocess.run(["tmux", "new-session", "-d", "-s", SESSION, "-x", "180", "-y", "45",
                    f"{bin_path} --root {root}"], check=True)
    try:
        pid = workbench_pid(bin_path, root, time.time() + 10)
        time.sleep(3)
        before = sample(pid)
        time.sleep(SECONDS)
        after = sample(pid)
        counted = syscalls(pid)
        return [(b - a) / SECONDS for a, b in zip(before, after)] + [
            n / SECONDS for n in counted]
    finally:
        subprocess.run(["tmux", "send-keys", "-t", SESSION, "q"])
        time.sleep(1)
        subprocess.run(["tmux", "kill-session", "-t", SESSION], stderr=subprocess.DEVNULL)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    compare(one, f"the workbench at rest, {SECONDS:.0f} s")
