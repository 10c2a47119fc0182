#!/usr/bin/env python3
"""Validation with generated and replayed inputs against the tool's own cases alone.

    python3 benches/validate_inputs.py [BIN]      (ROUNDS=5 by default; BIN: the release build)

The workspace: `first_items` of tests/faults (a parent approved, run on 50 distinct inputs, so
its history has 50 to replay) and its evolved candidate with 4 test cases of its own. Each
round times `toolbench validate first_items@1.1.0 --force` three ways: with
`[validate] generated_cases = 0, replay_cases = 0` (its own cases alone, the baseline), with
50 generated inputs only, and with 50 generated and 50 replayed. The goal: the full
validation within 2 x the baseline + 100 ms per added case on two cores. Prints medians.
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
sys.path.insert(0, HERE)
from toolbench_bin import toolbench_bin  # noqa: E402

FAULT = os.path.join(HERE, "..", "tests", "faults", "first_items")
ROUNDS = int(os.environ.get("ROUNDS", "5"))


def tb(binary, root, *args):
    env = dict(os.environ, TOOLBENCH_CONFIG_DIR=os.path.join(root, ".config-for-bench"))
    env.pop("TOOLBENCH_ROOT", None)
    return subprocess.run([binary, "--root", root, *args], env=env, capture_output=True, text=True)


def workspace(binary):
    root = tempfile.mkdtemp(prefix="tb-validate-bench-")
    shutil.copytree(os.path.join(FAULT, "parent"), os.path.join(root, "experimental", "first_items"))
    tb(binary, root, "validate", "first_items")
    out = tb(binary, root, "approve", "first_items")
    assert out.returncode == 0, out.stderr
    for n in range(50):
        items = [f"w{i}" for i in range(n % 7)] + [f"x{n}"]
        payload = json.dumps({"items": items, "n": n % 5})
        out = tb(binary, root, "run", "first_items", "--input", payload)
        assert out.returncode == 0, out.stderr
    candidate = os.path.join(root, "experimental", "first_items-1.1.0")
    shutil.copytree(os.path.join(FAULT, "candidate"), candidate)
    os.makedirs(os.path.join(candidate, "tests"))
    for i, (items, n) in enumerate([(["a"], 0), (["a", "b"], 1), (["a", "b", "c"], 1), ([], 0)]):
        case = json.dumps({"items": items, "n": n})
        expected = json.dumps({"items": items[:n]})
        with open(os.path.join(candidate, "tests", f"case{i}.toml"), "w") as f:
            f.write(f"input = '{case}'\nexpect_stdout_json = '{expected}'\n")
    return root


def configure(root, generated, replayed):
    """The user config `tb` runs with (a workspace's file may not lower what validation runs)."""
    config = os.path.join(root, ".config-for-bench")
    os.makedirs(config, exist_ok=True)
    with open(os.path.join(config, "config.toml"), "w") as f:
        f.write(f"[validate]\ngenerated_cases = {generated}\nreplay_cases = {replayed}\nbudget_secs = 600\n")


def timed(binary, root):
    start = time.perf_counter()
    out = tb(binary, root, "validate", "first_items@1.1.0", "--force", "--json")
    elapsed = time.perf_counter() - start
    report = json.loads(out.stdout)
    ran = (report.get("generated") or {}).get("tried", 0)
    replayed = (report.get("differential") or {}).get("replayed", 0)
    return elapsed, ran, replayed


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else toolbench_bin()
    root = workspace(binary)
    shapes = [("own cases alone", 0, 0), ("+ 50 generated", 50, 0), ("+ 50 generated + 50 replayed", 50, 50)]
    results = {name: [] for name, _, _ in shapes}
    counts = {}
    try:
        for _ in range(ROUNDS):
            for name, generated, replayed in shapes:
                configure(root, generated, replayed)
                elapsed, ran, rep = timed(binary, root)
                results[name].append(elapsed)
                counts[name] = (ran, rep)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    base = statistics.median(results["own cases alone"])
    for name, _, _ in shapes:
        median = statistics.median(results[name])
        ran, rep = counts[name]
        added = ran + rep
        goal = 2 * base + 0.1 * added
        print(
            f"{name:<32} median {median * 1000:7.0f} ms  fastest {min(results[name]) * 1000:7.0f} ms"
            f"  ({ran} generated, {rep} replayed; goal <= {goal * 1000:.0f} ms)"
        )


if __name__ == "__main__":
    main()
