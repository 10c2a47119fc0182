#!/usr/bin/env python3
"""Is the command line slowed while the workbench validates in the background?

    python3 benches/cli_while_validating.py BIN [N]      (N=10000 tools by default; ROUNDS=4,
                                                          LISTS=5 timed `list` per phase)

Generates an N-tool workspace (benches/gen_workspace.py), accepts it, and opens the workbench
on it in a detached tmux window (160×45), where it validates the waiting candidates one at a
time, newest first. Then, ROUNDS times: with validation going on, times LISTS runs of
`toolbench list`; then pauses validation with `P` (the status bar says "validation paused"),
lets the validation under way end, and times LISTS more. Prints the median of each phase and
how many candidates got a verdict in each (read from `toolbench review --json`, untimed): the
validating phases must show verdicts appearing, the paused ones none, or the comparison says
nothing.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SESSION = "tb-cli-while-validating"


def tmux(*args, check=True):
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=check)


def screen():
    return tmux("capture-pane", "-p", "-t", SESSION).stdout


def verdicts(binary, root, env):
    out = subprocess.run([binary, "--root", root, "review", "--json"], capture_output=True,
                         env=env, check=True)
    return sum(1 for c in json.loads(out.stdout) if c.get("verdict"))


def time_lists(binary, root, env, count):
    taken = []
    for _ in range(count):
        started = time.perf_counter()
        subprocess.run([binary, "--root", root, "list"], stdout=subprocess.DEVNULL, env=env,
                       check=True)
        taken.append(time.perf_counter() - started)
    return taken


def set_paused(paused):
    """Presses `P` until the status bar says what is wanted, waiting up to 10 s for each
    press to show (pressing again too soon would undo it)."""
    for _ in range(3):
        if ("validation paused" in screen()) == paused:
            return
        tmux("send-keys", "-t", SESSION, "P")
        for _ in range(40):
            time.sleep(0.25)
            if ("validation paused" in screen()) == paused:
                return
    sys.exit(f"the status bar never said validation {'paused' if paused else 'going on'}")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    rounds = int(os.environ.get("ROUNDS", "4"))
    lists = int(os.environ.get("LISTS", "5"))
    root = tempfile.mkdtemp(prefix="tb-cli-validating-")
    config = tempfile.mkdtemp(prefix="tb-cli-validating-config-")
    env = dict(os.environ, TOOLBENCH_CONFIG_DIR=config)
    try:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_workspace.py"), root,
                        str(count)], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([binary, "--root", root, "accept"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        # A warm cache for `list`, as a person's second command has.
        time_lists(binary, root, env, 1)
        tmux("kill-session", "-t", SESSION, check=False)
        tmux("new-session", "-d", "-s", SESSION, "-x", "160", "-y", "45",
             "-e", f"TOOLBENCH_CONFIG_DIR={config}", binary, "--root", root)
        time.sleep(5)
        results = {"validating": [], "paused": []}
        judged = {"validating": 0, "paused": 0}
        for _ in range(rounds):
            for phase, paused in (("validating", False), ("paused", True)):
                set_paused(paused)
                if paused:
                    # The validation under way ends first (a run's own time).
                    time.sleep(3)
                before = verdicts(binary, root, env)
                if not paused:
                    time.sleep(2)
                results[phase] += time_lists(binary, root, env, lists)
                judged[phase] += verdicts(binary, root, env) - before
        for phase, taken in results.items():
            print(f"{phase}: `toolbench list` median {statistics.median(taken) * 1000:.0f} ms, "
                  f"fastest {min(taken) * 1000:.0f} ms over {len(taken)}; "
                  f"{judged[phase]} verdicts reached meanwhile")
        if judged["validating"] == 0 or judged["paused"] != 0:
            sys.exit("validation did not go on and stop as asked: the figures compare nothing")
        ratio = statistics.median(results["validating"]) / statistics.median(results["paused"])
        print(f"validating / paused: {ratio:.2f} ×")
    finally:
        tmux("kill-session", "-t", SESSION, check=False)
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(config, ignore_errors=True)


if __name__ == "__main__":
    main()
