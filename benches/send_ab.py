#!/usr/bin/env python3
"""`tools send` of two builds side by side, interleaved, so that both see the same load.

Usage: python3 benches/send_ab.py BIN_A BIN_B [ROUNDS] [TRIVIAL]

Each binary gets its own temp workspace with a `kv_cache` instance (so neither replays the
other's write-ahead log). Each round runs, in turn for A and B: `tools send`, a direct TCP
exchange with the same instance (Python client), and `--version`; then TRIVIAL (any small
binary, e.g. a hello-world built the same way) when given. Processes are started with
posix_spawn, output to /dev/null; the CPU time is the child's user + system time. Prints
medians and the 90th percentile of the sends. Default 200 rounds.
"""

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEVNULL = os.open(os.devnull, os.O_WRONLY)


def spawn(argv, env):
    started = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=[
        (os.POSIX_SPAWN_DUP2, DEVNULL, 1), (os.POSIX_SPAWN_DUP2, DEVNULL, 2)])
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        sys.exit(f"{' '.join(argv)}: exit status {status}")
    return (time.perf_counter() - started) * 1000, (usage.ru_utime + usage.ru_stime) * 1000


def exchange(port):
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall((json.dumps({"message": "get k", "context": {}}) + "\n").encode())
        s.makefile().readline()
    return (time.perf_counter() - started) * 1000


def workspace(bin_, port_base):
    root = tempfile.mkdtemp(prefix="tb-send-ab-")
    for tier in ("core", "approved", "experimental", "archived"):
        os.makedirs(os.path.join(root, tier))
    shutil.copytree(os.path.join(REPO, "tools/experimental/kv_cache"),
                    os.path.join(root, "experimental/kv_cache"))
    with open(os.path.join(root, "toolbench.toml"), "w") as f:
        f.write(f'[services]\nport_range = "{port_base}-{port_base + 99}"\n')
    env = {**os.environ, "TOOLBENCH_CONFIG_DIR": os.path.join(root, ".cfg")}
    subprocess.run([bin_, "--root", root, "tools", "launch", "kv_cache", "--instance", "ab"],
                   check=True, capture_output=True, env=env)
    status = subprocess.run([bin_, "--root", root, "tools", "status", "--json"], check=True,
                            capture_output=True, text=True, env=env).stdout
    port = next(i["port"] for i in json.loads(status) if i["instance"] == "ab")
    return root, env, port


def main():
    bins = [os.path.abspath(b) for b in sys.argv[1:3]]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    trivial = sys.argv[4] if len(sys.argv) > 4 else None
    sides = [workspace(b, 55600 + 100 * k) for k, b in enumerate(bins)]
    figures = [{"send": [], "send_cpu": [], "direct": [], "version": [], "version_cpu": []}
               for _ in bins]
    floor = []
    loads = [os.getloadavg()[0]]
    try:
        for _ in range(rounds):
            for bin_, (root, env, port), fig in zip(bins, sides, figures):
                wall, cpu = spawn([bin_, "--root", root, "tools", "send", "ab", "get k"], env)
                fig["send"].append(wall)
                fig["send_cpu"].append(cpu)
                fig["direct"].append(exchange(port))
                wall, cpu = spawn([bin_, "--version"], env)
                fig["version"].append(wall)
                fig["version_cpu"].append(cpu)
            if trivial:
                floor.append(spawn([trivial], os.environ)[0])
        loads.append(os.getloadavg()[0])
    finally:
        for bin_, (root, env, _) in zip(bins, sides):
            subprocess.run([bin_, "--root", root, "tools", "stop", "ab"], capture_output=True,
                           env=env)
            shutil.rmtree(root, ignore_errors=True)
    med = statistics.median
    print(f"{rounds} rounds, load average {loads[0]:.2f} at the start, {loads[1]:.2f} at the end")
    for bin_, fig in zip(bins, figures):
        sends = sorted(fig["send"])
        print(f"{bin_}\n  tools send       median {med(sends):5.2f} ms (p90 {sends[len(sends) * 9 // 10]:5.2f}),"
              f" CPU {med(fig['send_cpu']):5.2f} ms\n"
              f"  direct exchange  median {med(fig['direct']):5.2f} ms\n"
              f"  send over direct        {med(sends) - med(fig['direct']):5.2f} ms\n"
              f"  --version        median {med(fig['version']):5.2f} ms, CPU {med(fig['version_cpu']):5.2f} ms")
    if floor:
        print(f"{trivial}\n  trivial binary   median {med(floor):5.2f} ms")


if __name__ == "__main__":
    main()
