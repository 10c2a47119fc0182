#!/usr/bin/env python3
"""`toolbench list` of several builds and `find` timed in turns (issue 64).

    ROUNDS=40 python3 benches/list_turns.py BIN WS [BIN WS ...]

Each build lists its own warm copy of the same workspace (made as `benches/list_vs_find.sh`
makes them: two builds keep different shapes and fingerprints, so one index cannot serve both),
and `find` walks the first copy's tool folders beside them (its `.toolbench` left out). One
round runs every build and `find` one after the other (the order turning each round), so a
change of the machine's load falls on all alike; hyperfine's runs of one command after the
other swing by ±50 ms under the load of other builds. Prints, for each, the median and fastest
wall time, the median CPU time (user + system of the child), and the median wall time against
`find`'s, with the load average before and after. ROUNDS defaults to 40.

PAUSE=S sleeps S seconds before each command (default 0: back to back). On a VM that hands
free memory back to its host, a command after a rest pays for every fresh page it touches
(25-44 us each here, against under 1 us back to back: `benches/fresh_pages.py`), as a person
typing the command does: `PAUSE=2.5 ROUNDS=6` times that.

GIT_WS=DIR adds `git -C DIR status --porcelain` to the turns: DIR a committed copy of the same
tools with git's untracked cache on, as `benches/list_vs_find.sh` makes it.
"""

import os
import resource
import statistics
import subprocess
import sys
import time


def timed(argv):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall * 1000, cpu * 1000


def main():
    args = sys.argv[1:]
    if len(args) < 2 or len(args) % 2:
        sys.exit(__doc__)
    rounds = int(os.environ.get("ROUNDS", "40"))
    pause = float(os.environ.get("PAUSE", "0"))
    commands = {
        f"{n + 1}: {os.path.basename(b)}": [b, "--root", ws, "list"]
        for n, (b, ws) in enumerate(zip(args[::2], args[1::2]))
    }
    # The tree a listing covers: the store's own folder (versions, seals, backups) left out,
    # as `benches/list_vs_find.sh` walks a copy that never had one.
    state = os.path.join(args[1], ".toolbench")
    commands["find"] = ["find", args[1], "-path", state, "-prune", "-o", "-print"]
    if os.environ.get("GIT_WS"):
        commands["git status"] = ["git", "-C", os.environ["GIT_WS"], "status", "--porcelain"]
    for argv in commands.values():  # warm-up
        timed(argv)
    times = {name: [] for name in commands}
    load_before = os.getloadavg()[0]
    names = list(commands)
    for round_ in range(rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            time.sleep(pause)
            times[name].append(timed(commands[name]))
    load_after = os.getloadavg()[0]
    find_wall = statistics.median(w for w, _ in times["find"])
    rested = f", {pause:g} s rest before each" if pause else ""
    print(f"{rounds} rounds in turns{rested}, load {load_before:.2f} -> {load_after:.2f}")
    for name, samples in times.items():
        walls = [w for w, _ in samples]
        cpus = [c for _, c in samples]
        wall = statistics.median(walls)
        print(
            f"{name:16} wall median {wall:7.1f} ms (min {min(walls):6.1f}), "
            f"CPU median {statistics.median(cpus):6.1f} ms, "
            f"{wall / find_wall:.2f} x find"
        )


if __name__ == "__main__":
    main()
