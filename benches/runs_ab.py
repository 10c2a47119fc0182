#!/usr/bin/env python3
"""Builds of toolbench side by side: the run overhead of each, in the same rounds.

    python3 benches/runs_ab.py BIN [BIN ...]     (ROUNDS=100, WSBASE=/tmp by default)

Each binary gets a fresh workspace of its own (under WSBASE) with a `noop` tool (`sh run.sh`
running `true`); every round runs each binary once, then the bare `sh run.sh` and bubblewrap's
`/bin/true` with every namespace, in alternating order, so that a slow minute of a shared
machine slows them all alike. Prints each binary's median, its overhead over the bare command
and that overhead over the bwrap command (the issue's figure), after 5 warm-up rounds.
A workspace of its own per binary keeps one build's file churn out of another's folders.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BWRAP = "bwrap --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp --unshare-all --die-with-parent /bin/true"
MANIFEST = """name = "noop"
version = "1.0.0"
description = "bench"
cost_tier = "low"
[run]
command = ["sh", "run.sh"]
input = "none"
timeout_secs = 300
memory_mb = 1024
"""


def workspace(binary, parent):
    root = tempfile.mkdtemp(dir=parent)
    subprocess.run([binary, "init", root], stdout=subprocess.DEVNULL, check=True)
    tool = os.path.join(root, "approved", "noop")
    os.makedirs(tool)
    with open(os.path.join(tool, "tool.toml"), "w") as f:
        f.write(MANIFEST)
    with open(os.path.join(tool, "run.sh"), "w") as f:
        f.write("true\n")
    # A person accepts the tool placed in approved/ (a build without `accept` takes it at its
    # first run, and answers this with an error).
    subprocess.run([binary, "--root", root, "accept"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    # The first run fills the cached index, as in benches/runs.sh.
    subprocess.run([binary, "--root", root, "run", "noop"], stdout=subprocess.DEVNULL, check=True)
    return root


def main():
    binaries = [os.path.abspath(b) for b in sys.argv[1:]]
    if not binaries:
        sys.exit(__doc__)
    bwrap = shutil.which("bwrap")
    if not bwrap:
        sys.exit("runs_ab.py: bubblewrap is not installed (apt-get install bubblewrap)")
    rounds = int(os.environ.get("ROUNDS", "100"))
    roots = [workspace(b, os.environ.get("WSBASE", "/tmp")) for b in binaries]
    try:
        commands = [[b, "--root", r, "run", "noop"] for b, r in zip(binaries, roots)]
        commands.append([shutil.which("sh"), os.path.join(roots[0], "approved", "noop", "run.sh")])
        commands.append([bwrap] + BWRAP.split()[1:])
        devnull = os.open(os.devnull, os.O_WRONLY)
        times = [[] for _ in commands]
        for round_ in range(rounds + 5):
            order = list(range(len(commands)))
            if round_ % 2:
                order.reverse()
            for i in order:
                start = time.perf_counter()
                pid = os.posix_spawn(commands[i][0], commands[i], os.environ,
                                     file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
                _, status = os.waitpid(pid, 0)
                took = time.perf_counter() - start
                if status != 0:
                    sys.exit(f"runs_ab.py: {commands[i]} failed ({status})")
                if round_ >= 5:
                    times[i].append(took)
        medians = [statistics.median(t) * 1000 for t in times]
        bare, whole_bwrap = medians[-2], medians[-1]
        for binary, median in zip(binaries, medians):
            print(f"{binary}: {median:6.2f} ms  overhead {median - bare:5.2f} ms"
                  f"  overhead / bwrap command {(median - bare) / whole_bwrap:4.2f}x")
        print(f"sh run.sh: {bare:6.2f} ms   bwrap command: {whole_bwrap:6.2f} ms")
    finally:
        for root in roots:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
