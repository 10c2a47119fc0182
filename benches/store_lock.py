#!/usr/bin/env python3
"""A second process's read while approves commit to git: `toolbench history big --json`.

    python3 benches/store_lock.py [BIN]      (APPROVES=20, QUIET_READS=200 by default)

BIN defaults to the release build (`cargo build --release`). The workspace is a git repository
with `[git] auto_commit = true` holding APPROVES candidates `big` 1.0.1, 1.0.2, … (`tool.toml`,
`run.sh` and 198 files of 5.3 KiB in 10 folders, as benches/approve_ab.py makes them), each
validated beforehand. One thread then approves them in turn, each approval superseding the one
before: a snapshot and a frozen copy of 1 MiB, the superseded version archived, and a git
commit of some 400 files. Meanwhile this process reads the store again and again, timing each
`history big --json` from start to exit. The same reads with no approve running give the
floor. Prints the median, 95th percentile and maximum of both, in milliseconds.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from toolbench_bin import toolbench_bin

MANIFEST = """name = "big"
version = "{version}"
description = "bench"
cost_tier = "low"
[run]
command = ["sh", "run.sh"]
"""


def candidate(root, version):
    folder = os.path.join(root, "experimental", f"big-{version}")
    os.makedirs(folder)
    with open(os.path.join(folder, "tool.toml"), "w") as f:
        f.write(MANIFEST.format(version=version))
    with open(os.path.join(folder, "run.sh"), "w") as f:
        f.write("cat\n")
    for i in range(198):
        sub = os.path.join(folder, "lib", f"m{i % 10}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"f{i}.py"), "w") as f:
            f.write(f"# {version}\n" + "x" * (1024 * 1024 // 198))


def git(root, *args):
    subprocess.run(["git", "-C", root, *args], stdout=subprocess.DEVNULL, check=True)


def workspace(binary, env, approves):
    root = tempfile.mkdtemp()
    subprocess.run([binary, "init", root], stdout=subprocess.DEVNULL, check=True, env=env)
    with open(os.path.join(root, "toolbench.toml"), "a") as f:
        f.write('\n[git]\nauto_commit = true\n')
    versions = [f"1.0.{n}" for n in range(1, approves + 1)]
    for version in versions:
        candidate(root, version)
    git(root, "init", "-q")
    git(root, "config", "user.name", "Bench")
    git(root, "config", "user.email", "bench@example.com")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "candidates")
    for version in versions:
        subprocess.run(
            [binary, "--root", root, "validate", f"big@{version}"],
            stdout=subprocess.DEVNULL,
            env=env,
        )
    return root, versions


def read_once(binary, root, env):
    started = time.perf_counter()
    out = subprocess.run(
        [binary, "--root", root, "history", "big", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    taken = time.perf_counter() - started
    if out.returncode != 0 or not out.stdout.startswith(b"["):
        sys.exit(f"history failed: {out.stderr.decode(errors='replace')}")
    return taken


def summary(label, taken):
    ms = sorted(t * 1000 for t in taken)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(
        f"{label}: {len(ms)} reads, median {statistics.median(ms):.1f} ms, "
        f"p95 {p95:.1f} ms, max {ms[-1]:.1f} ms"
    )


def main():
    binary = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else toolbench_bin()
    approves = int(os.environ.get("APPROVES", "20"))
    quiet_reads = int(os.environ.get("QUIET_READS", "200"))
    env = dict(os.environ, TOOLBENCH_CONFIG_DIR=tempfile.mkdtemp())
    root, versions = workspace(binary, env, approves)
    try:
        os.sync()
        approved = []
        failures = []

        def approve_all():
            for version in versions:
                started = time.perf_counter()
                out = subprocess.run(
                    [binary, "--root", root, "approve", f"big@{version}"],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=env,
                )
                if out.returncode != 0 or b"committed" not in out.stdout:
                    failures.append(out.stdout.decode() + out.stderr.decode())
                approved.append(time.perf_counter() - started)

        approving = threading.Thread(target=approve_all)
        during = []
        approving.start()
        while approving.is_alive():
            during.append(read_once(binary, root, env))
        approving.join()
        if failures:
            sys.exit(f"an approve failed or did not commit: {failures[0]}")
        quiet = [read_once(binary, root, env) for _ in range(quiet_reads)]
        print(
            f"{binary}: {len(approved)} approves with git auto-commit, "
            f"median {statistics.median(approved) * 1000:.1f} ms each"
        )
        summary("history --json while approves commit", during)
        summary("history --json with nothing else running", quiet)
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(env["TOOLBENCH_CONFIG_DIR"], ignore_errors=True)


if __name__ == "__main__":
    main()
