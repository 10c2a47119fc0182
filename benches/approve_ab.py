#!/usr/bin/env python3
"""Builds of toolbench side by side: `toolbench approve` of a 1 MiB candidate of 200 files.

    python3 benches/approve_ab.py BIN [BIN ...]      (ROUNDS=21 by default)
    GIT=1 python3 benches/approve_ab.py BIN [BIN ...]  the workspace is a git repository and
                                                      every decision is committed

Each round makes, for each binary in turn, a fresh workspace holding the candidate `big`
(`tool.toml`, `run.sh` and 198 files of 5.3 KiB in 10 folders), validates it (an approval needs
a validation report of the content), syncs the file system so that nothing the set-up wrote is
flushed on the clock, then times the approval. Prints each binary's median and fastest.
A binary from before approvals needed validation ignores the `validate` step's report. With
GIT=1 the workspace is first made a git repository of its own (`[git] auto_commit = true`,
its first commit made), so the approval includes toolbench's git commit of the decision.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

MANIFEST = """name = "big"
version = "1.0.0"
description = "bench"
cost_tier = "low"
[run]
command = ["sh", "run.sh"]
"""


def candidate(binary, root):
    subprocess.run([binary, "init", root], stdout=subprocess.DEVNULL, check=True)
    folder = os.path.join(root, "experimental", "big")
    os.makedirs(folder)
    with open(os.path.join(folder, "tool.toml"), "w") as f:
        f.write(MANIFEST)
    with open(os.path.join(folder, "run.sh"), "w") as f:
        f.write("cat\n")
    for i in range(198):
        sub = os.path.join(folder, "lib", f"m{i % 10}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"f{i}.py"), "w") as f:
            f.write("x" * (1024 * 1024 // 198))


def git_repository(root, env):
    """The workspace as a repository that commits each decision, its tools committed."""
    with open(os.path.join(root, "toolbench.toml"), "a") as f:
        f.write("\n[git]\nauto_commit = true\n")
    for args in (["init", "-q"], ["config", "user.name", "Bench"],
                 ["config", "user.email", "bench@example.com"], ["add", "-A"],
                 ["commit", "-q", "-m", "workspace"]):
        subprocess.run(["git", "-C", root] + args, check=True, env=env,
                       stdout=subprocess.DEVNULL)


def main():
    binaries = [os.path.abspath(b) for b in sys.argv[1:]]
    if not binaries:
        sys.exit(__doc__)
    rounds = int(os.environ.get("ROUNDS", "21"))
    env = dict(os.environ, TOOLBENCH_CONFIG_DIR=tempfile.mkdtemp())
    times = {b: [] for b in binaries}
    for _ in range(rounds):
        for binary in binaries:
            root = tempfile.mkdtemp()
            try:
                candidate(binary, root)
                if os.environ.get("GIT") == "1":
                    git_repository(root, env)
                subprocess.run(
                    [binary, "--root", root, "validate", "big"],
                    stdout=subprocess.DEVNULL,
                    env=env,
                )
                os.sync()
                started = time.perf_counter()
                subprocess.run(
                    [binary, "--root", root, "approve", "big"],
                    stdout=subprocess.DEVNULL,
                    check=True,
                    env=env,
                )
                times[binary].append(time.perf_counter() - started)
            finally:
                shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(env["TOOLBENCH_CONFIG_DIR"], ignore_errors=True)
    for binary, taken in times.items():
        print(
            f"{binary}: approve of a 1 MiB, 200-file candidate"
            f"{' with its git commit' if os.environ.get('GIT') == '1' else ''}: "
            f"median {statistics.median(taken) * 1000:.1f} ms, fastest {min(taken) * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
