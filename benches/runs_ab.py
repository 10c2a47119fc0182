#!/usr/bin/env python3
"""Builds of toolbench side by side: the run overhead of each, in the same rounds.

    python3 benches/runs_ab.py BIN [BIN ...]     (ROUNDS=100, WSBASE=/tmp by default)

Each binary gets a fresh workspace of its own (under WSBASE) with a `noop` tool (`sh run.sh`
running `true`); every round runs each binary once, then the bare `sh run.sh` and bubblewrap's
`/bin/true` with every namespace, in an order shuffled each round (seeded, so a pass can be
repeated), so that a slow minute of a shared machine slows them all alike and no command
runs right after itself more often than another: with the order merely reversed every other
round, the first binary ran twice in a row at every other round's turn and came out about
0.1 ms faster than the same build given second. Prints each binary's median, its overhead over the bare command
and that overhead over the bwrap command (the issue's figure), after 5 warm-up rounds.
A workspace of its own per binary keeps one build's file churn out of another's folders.

HOMES=H1,H2,... runs the i-th binary (and makes its workspace) with HOME=Hi and the user data
folder under it, so one build can be timed against itself for two users: see
benches/runs_many_workspaces.sh, a user with many workspaces against one with a few.
"""

import os
import random
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


def workspace(binary, parent, env=None):
    root = tempfile.mkdtemp(dir=parent)
    subprocess.run([binary, "init", root], stdout=subprocess.DEVNULL, check=True, env=env)
    tool = os.path.join(root, "approved", "noop")
    os.makedirs(tool)
    with open(os.path.join(tool, "tool.toml"), "w") as f:
        f.write(MANIFEST)
    with open(os.path.join(tool, "run.sh"), "w") as f:
        f.write("true\n")
    # A person accepts the tool placed in approved/ (a build without `accept` takes it at its
    # first run, and answers this with an error).
    subprocess.run([binary, "--root", root, "accept"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=env)
    # The first run fills the cached index, as in benches/runs.sh.
    subprocess.run([binary, "--root", root, "run", "noop"], stdout=subprocess.DEVNULL, check=True,
                   env=env)
    return root


def environments(count):
    """Each binary's environment: this one's, or with HOME (and the data folder) from HOMES."""
    homes = [h for h in os.environ.get("HOMES", "").split(",") if h]
    if not homes:
        return [dict(os.environ)] * count
    if len(homes) != count:
        sys.exit(f"runs_ab.py: HOMES names {len(homes)} homes for {count} binaries")
    return [dict(os.environ, HOME=h, XDG_DATA_HOME=os.path.join(h, ".local", "share"))
            for h in homes]


def main():
    binaries = [os.path.abspath(b) for b in sys.argv[1:]]
    if not binaries:
        sys.exit(__doc__)
    bwrap = shutil.which("bwrap")
    if not bwrap:
        sys.exit("runs_ab.py: bubblewrap is not installed (apt-get install bubblewrap)")
    rounds = int(os.environ.get("ROUNDS", "100"))
    envs = environments(len(binaries))
    roots = [workspace(b, os.environ.get("WSBASE", "/tmp"), env)
             for b, env in zip(binaries, envs)]
    try:
        commands = [[b, "--root", r, "run", "noop"] for b, r in zip(binaries, roots)]
        commands.append([shutil.which("sh"), os.path.join(roots[0], "approved", "noop", "run.sh")])
        commands.append([bwrap] + BWRAP.split()[1:])
        envs += [dict(os.environ)] * 2
        devnull = os.open(os.devnull, os.O_WRONLY)
        times = [[] for _ in commands]
        shuffle = random.Random(64)
        for round_ in range(rounds + 5):
            order = list(range(len(commands)))
            shuffle.shuffle(order)
            for i in order:
                start = time.perf_counter()
                pid = os.posix_spawn(commands[i][0], commands[i], envs[i],
                                     file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
                _, status = os.waitpid(pid, 0)
                took = time.perf_counter() - start
                if status != 0:
                    sys.exit(f"runs_ab.py: {commands[i]} failed ({status})")
                if round_ >= 5:
                    times[i].append(took)
        medians = [statistics.median(t) * 1000 for t in times]
        bare, whole_bwrap = medians[-2], medians[-1]
        for binary, env, median in zip(binaries, envs, medians):
            home = f" (HOME={env['HOME']})" if os.environ.get("HOMES") else ""
            print(f"{binary}{home}: {median:6.2f} ms  overhead {median - bare:5.2f} ms"
                  f"  overhead / bwrap command {(median - bare) / whole_bwrap:4.2f}x")
        print(f"sh run.sh: {bare:6.2f} ms   bwrap command: {whole_bwrap:6.2f} ms")
    finally:
        for root in roots:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
