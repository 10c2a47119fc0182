#!/usr/bin/env python3
"""Service figures (issue 11), end to end through the toolbench binary.

Usage: python3 benches/services.py [BIN]   (default: the release build if built, else the debug one)
       TRIVIAL=/path/to/hello python3 benches/services.py [BIN]   (also times a trivial binary,
       run the same way as `toolbench --version`: the floor of any process on this machine)

1. Launch to healthy: `tools launch kv_cache` (sandbox, health check `ping`) against the same
   program started by hand and probed with `ping` every millisecond until it answers.
2. `tools status --json` with 100 instances in the store (rows naming one live process, so
   the start-of-process check reads /proc for each of them).
3. `tools send` round trip against a direct TCP exchange with the same instance.
Each figure is the median of the runs given; the workspace is a temp copy, removed after.
"""

import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

from toolbench_bin import toolbench_bin

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = 15


def binary() -> str:
    if len(sys.argv) > 1:
        return os.path.abspath(sys.argv[1])
    for profile in ("release", "debug"):
        path = toolbench_bin(profile)
        if os.path.exists(path):
            return path
    sys.exit("build toolbench first (cargo build --release)")


def timed(argv, env=None):
    started = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, env=env)
    took = (time.perf_counter() - started) * 1000
    if out.returncode != 0:
        sys.exit(f"{' '.join(argv)}: {out.stderr.strip()}")
    return took, out.stdout


def tb(bin_, root, *args):
    return timed([bin_, "--root", root, *args],
                 env={**os.environ, "TOOLBENCH_CONFIG_DIR": os.path.join(root, ".cfg")})


def exchange(port: int, message: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall((json.dumps({"message": message, "context": {}}) + "\n").encode())
        return s.makefile().readline()


def by_hand(port: int) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen(["python3", os.path.join(REPO, "tools/experimental/kv_cache/server.py"),
                             "--port", str(port)], stderr=subprocess.DEVNULL)
    while True:
        try:
            exchange(port, "ping")
            break
        except OSError:
            time.sleep(0.001)
    took = (time.perf_counter() - started) * 1000
    proc.terminate()
    proc.wait()
    return took


def main() -> None:
    bin_ = binary()
    root = tempfile.mkdtemp(prefix="tb-services-")
    try:
        for tier in ("core", "approved", "experimental", "archived"):
            os.makedirs(os.path.join(root, tier))
        shutil.copytree(os.path.join(REPO, "tools/experimental/kv_cache"),
                        os.path.join(root, "experimental/kv_cache"))
        with open(os.path.join(root, "toolbench.toml"), "w") as f:
            f.write('[services]\nport_range = "56000-56999"\n')
        launches, hand = [], []
        for i in range(RUNS):
            took, _ = tb(bin_, root, "tools", "launch", "kv_cache", "--instance", f"b{i}")
            launches.append(took)
            tb(bin_, root, "tools", "stop", f"b{i}")
            hand.append(by_hand(57000 + i))
        print(f"binary: {bin_}")
        print(f"launch to healthy (tools launch)     median {statistics.median(launches):7.1f} ms")
        print(f"same program by hand, ping loop      median {statistics.median(hand):7.1f} ms")
        print(f"  launch overhead                    {statistics.median(launches) - statistics.median(hand):7.1f} ms")

        tb(bin_, root, "tools", "launch", "kv_cache", "--instance", "rt")
        status = json.loads(tb(bin_, root, "tools", "status", "--json")[1])
        port = next(i["port"] for i in status if i["instance"] == "rt")
        sends, direct = [], []
        for _ in range(RUNS * 2):
            sends.append(tb(bin_, root, "tools", "send", "rt", "get k")[0])
            started = time.perf_counter()
            exchange(port, "get k")
            direct.append((time.perf_counter() - started) * 1000)
        print(f"tools send (whole CLI process)       median {statistics.median(sends):7.1f} ms")
        print(f"direct TCP exchange                  median {statistics.median(direct):7.2f} ms")
        print(f"  tools send over a direct exchange  {statistics.median(sends) - statistics.median(direct):7.1f} ms")
        version_only = [tb(bin_, root, "--version")[0] for _ in range(RUNS * 2)]
        print(f"  toolbench --version (process cost) median {statistics.median(version_only):7.1f} ms")
        if os.environ.get("TRIVIAL"):
            trivial = [timed([os.environ["TRIVIAL"]])[0] for _ in range(RUNS * 2)]
            print(f"  trivial binary (TRIVIAL)           median {statistics.median(trivial):7.1f} ms")
        tb(bin_, root, "tools", "stop", "rt")
        db = sqlite3.connect(os.path.join(root, ".toolbench/state.db"))
        stored = [r[0] for r in db.execute(
            "SELECT duration_ms FROM service_exchanges WHERE instance = 'rt'")]
        db.close()
        print(f"  adapter round trip inside send     median {statistics.median(stored):7.1f} ms (stored, whole ms)")

        db = sqlite3.connect(os.path.join(root, ".toolbench/state.db"))
        with open(f"/proc/{os.getpid()}/stat") as f:
            ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        db.executemany(
            "INSERT INTO service_instances (name, tool, version, port, pid, start_ticks, state, "
            "started_at, log_dir, sandbox) VALUES (?, 'kv_cache', '1.0.0', ?, ?, ?, 'healthy', "
            "'2026-01-01T00:00:00Z', '', '')",
            [(f"s{i:03}", 58000 + i, os.getpid(), ticks) for i in range(100)])
        db.commit()
        db.close()
        statuses = [tb(bin_, root, "tools", "status", "--json")[0] for _ in range(RUNS * 2)]
        print(f"tools status --json, 100 instances   median {statistics.median(statuses):7.1f} ms")
    finally:
        subprocess.run([bin_, "--root", root, "tools", "status"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
