#!/usr/bin/env python3
"""What an MCP server costs while one call waits for a person and nothing else happens.

    python3 benches/mcp_waiting_idle.py BIN [BIN ...]     (ROUNDS=3, SECONDS=10 by default)

Each round, for each binary in turn: a fresh workspace with one `high`-cost tool, `toolbench
mcp` started over stdio, one `tools/call` of it left waiting (seen in `calls --json`), then
the server's process is read from /proc before and after SECONDS of nothing: CPU time (utime +
stime, all threads) and context switches of all its threads (each is a wake-up or a
preemption); then, for SECONDS more, `strace -f -c` counts its system calls: all of them, and
`fcntl` (each read of the store takes its read lock through one; SQLite reads the store's
pages from its own cache, so no `read` shows). The call is rejected afterwards. Prints each
binary's medians over the rounds, per second.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The same waiting tool as the approvals benchmark.
from approvals import MANIFEST, cli
from mcp import Client  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "3"))
SECONDS = float(os.environ.get("SECONDS", "10"))
TICK = os.sysconf("SC_CLK_TCK")


def workspace(bin_path):
    root = tempfile.mkdtemp(prefix="toolbench-waiting-idle-")
    subprocess.run([bin_path, "init", root], check=True, stdout=subprocess.DEVNULL)
    folder = os.path.join(root, "approved", "deploy")
    os.makedirs(folder)
    with open(os.path.join(folder, "tool.toml"), "w") as f:
        f.write(MANIFEST)
    with open(os.path.join(folder, "run.sh"), "w") as f:
        f.write("echo deployed\n")
    subprocess.run([bin_path, "--root", root, "accept"], check=True, stdout=subprocess.DEVNULL)
    return root


def sample(pid):
    """(CPU seconds, context switches) of process `pid` so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICK
    switches = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        switches += int(line.split()[1])
        except FileNotFoundError:
            pass
    return cpu, switches


def syscalls(pid):
    """(all system calls, fcntl calls) of process `pid` over SECONDS, counted by strace."""
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as out:
        subprocess.run(["timeout", "-s", "INT", str(SECONDS), "strace", "-f", "-c", "-o",
                        out.name, "-p", str(pid)], stderr=subprocess.DEVNULL)
        rows = [line.split() for line in out.read().splitlines()]
    total = next((int(r[3]) for r in rows if r and r[-1] == "total"), 0)
    fcntl = next((int(r[3]) for r in rows if r and r[-1] == "fcntl"), 0)
    return total, fcntl


def one(bin_path):
    root = workspace(bin_path)
    client = Client(bin_path, root)
    try:
        client.next_id += 1
        rid = client.next_id
        client.send({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                     "params": {"name": "deploy", "arguments": {}}})
        while not json.loads(cli(bin_path, root, "calls", "--json")):
            time.sleep(0.05)
        time.sleep(1)  # the call's start settles
        before = sample(client.proc.pid)
        time.sleep(SECONDS)
        after = sample(client.proc.pid)
        counted = syscalls(client.proc.pid)
        pending = json.loads(cli(bin_path, root, "calls", "--json"))
        cli(bin_path, root, "calls", "reject", str(pending[0]["id"]), "--reason", "bench")
        return [(b - a) / SECONDS for a, b in zip(before, after)] + [
            n / SECONDS for n in counted]
    finally:
        client.close()
        shutil.rmtree(root, ignore_errors=True)


def compare(one, what):
    """Runs `one(binary)` for each binary of the command line in turn, ROUNDS times, and
    prints each round's figures and each binary's medians, per second, under `what`."""
    bins = [os.path.abspath(b) for b in sys.argv[1:]]
    if not bins:
        sys.exit(sys.modules["__main__"].__doc__)
    results = {b: [] for b in bins}
    for round_ in range(ROUNDS):
        for b in bins:
            results[b].append(one(b))
            cpu, switches, calls, fcntl = results[b][-1]
            print(f"round {round_ + 1} {b}: {cpu * 1000:.1f} ms CPU/s, "
                  f"{switches:.1f} switches/s, {calls:.1f} syscalls/s, {fcntl:.1f} fcntl/s",
                  flush=True)
    print(f"== {what}, medians of {ROUNDS}, per second")
    for b in bins:
        cpu, switches, calls, fcntl = (
            statistics.median(r[i] for r in results[b]) for i in range(4))
        print(f"{b}: CPU {cpu * 1000:.1f} ms, context switches {switches:.1f}, "
              f"system calls {calls:.1f}, fcntl {fcntl:.1f}")


if __name__ == "__main__":
    compare(one, f"one call waiting, {SECONDS:.0f} s of nothing else")
