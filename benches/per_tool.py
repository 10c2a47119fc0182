#!/usr/bin/env python3
"""Every per-tool command at 10 tools and at 10,000, each on a workspace never opened before.

    python3 benches/per_tool.py [BIN]        (ROUNDS=5, SIZES=10,10000 by default)
    ONLY=show,run,mcp python3 benches/per_tool.py [BIN]     only the commands whose label
                                                            starts with these words

Two workspaces are generated once with benches/gen_workspace.py (10 and 10,000 tools), each
with the same two extra tools: `bench_noop` (approved, `sh run.sh` running `true`) and
`bench_cand` (experimental, the candidate a decision moves). Before every timed command the
workspace is put back to never opened: `.toolbench/` is removed (the state store, its cached
index, runs, seals) and a moved candidate is put back into experimental/, so each command
pays for whatever a first command in that workspace pays. Timed, on one tool each:

    show bench_noop                  reads; a never-opened workspace stays without a store
    history bench_noop               opens (and so creates) the store
    validate bench_cand              not cached: the store is new, so no report exists
    run bench_noop                   a trivial tool in the sandbox
    mark-failure bench_noop ...      records a failure
    runs bench_noop                  the tool's recorded runs
    failures bench_noop              the tool's recorded failures
    approve bench_cand               needs a validation report of the content: its workspace
                                     had one `validate bench_cand` (untimed) after the reset,
                                     so the workspace is opened once, not never
    show bench_noop (after list)     `list` first (untimed): the next command's cost when the
                                     workspace was opened only by a list
    validate bench_cand (after list) the same for validate: not cached, the index left by list

and over MCP (stdio `toolbench mcp`, JSON-RPC lines from this script): the time to the
`initialize` answer, the first `tools/call` of bench_noop, the median of 20 more, and the
median of 20 `tools/list` (not per tool: reported, exempt from the goal), then the same
call and list in a second server on the workspace the first one left opened. Prints each
command's median at each size and the ratio 10,000 / 10 (goal: each per-tool one <= 2x).

A never-opened workspace runs none of its active tools and takes no decision until a person
accepts them (`toolbench accept`: a scan of core/ and approved/, a snapshot and a seal file
each), so `accept` is timed on its own, and every other command is timed on a workspace that
was accepted right after its reset (untimed), as a person's first command is; at 10,000 tools
a round of `accept` takes minutes (ROUNDS=1 for a first look).
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from toolbench_bin import toolbench_bin

HERE = os.path.dirname(os.path.abspath(__file__))

MANIFEST = (
    'name = "{name}"\nversion = "1.0.0"\ndescription = "Benchmark tool {name}"\n'
    'cost_tier = "low"\n[run]\ncommand = ["sh", "run.sh"]\ninput = "none"\n'
)


def write_tool(root, tier, name):
    folder = os.path.join(root, tier, name)
    os.makedirs(os.path.join(folder, "tests"), exist_ok=True)
    with open(os.path.join(folder, "tool.toml"), "w") as f:
        f.write(MANIFEST.format(name=name))
    with open(os.path.join(folder, "run.sh"), "w") as f:
        f.write("true\n")
    with open(os.path.join(folder, "tests", "basic.toml"), "w") as f:
        f.write("input = '{}'\nexpect_exit = 0\n")


def make_workspace(root, n):
    subprocess.run([sys.executable, os.path.join(HERE, "gen_workspace.py"), root, str(n)], check=True)
    write_tool(root, "approved", "bench_noop")
    write_tool(root, "experimental", "bench_cand")


def reset(root):
    """Back to never opened: no state, the candidate in experimental/."""
    shutil.rmtree(os.path.join(root, ".toolbench"), ignore_errors=True)
    for tier in ("approved", "archived"):
        moved = os.path.join(root, tier, "bench_cand")
        if os.path.isdir(moved):
            os.rename(moved, os.path.join(root, "experimental", "bench_cand"))


def accepted(binary, root, env):
    """`reset`, then the person's `toolbench accept` (untimed): a workspace in use."""
    reset(root)
    subprocess.run([binary, "--root", root, "accept"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=env, check=True)


class Mcp:
    """One MCP session with `toolbench mcp` over its stdin and stdout."""

    def __init__(self, binary, root, env):
        self.proc = subprocess.Popen(
            [binary, "--root", root, "mcp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
            env=env,
        )
        self.responses = {}
        self.cond = threading.Condition()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            message = json.loads(line)
            if "id" in message and "method" not in message:
                with self.cond:
                    self.responses[message["id"]] = message
                    self.cond.notify_all()

    def request(self, method, params=None):
        self.next_id += 1
        rid = self.next_id
        line = json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}})
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        with self.cond:
            while rid not in self.responses:
                if not self.cond.wait(timeout=60):
                    raise RuntimeError(f"no answer to {method}")
            answer = self.responses.pop(rid)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def initialize(self):
        self.request("initialize", {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "bench", "version": "1"},
        })
        self.proc.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")
        self.proc.stdin.flush()

    def call(self):
        result = self.request("tools/call", {"name": "bench_noop", "arguments": {}})
        if result.get("isError"):
            raise RuntimeError(result)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def timed(argv, env):
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    taken = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {done.stderr.decode().strip()}")
    return taken


def cli_samples(binary, root, env, rounds):
    tb = [binary, "--root", root]
    commands = {
        "accept": (None, ["accept"]),
        "show": (None, ["show", "bench_noop"]),
        "history": (None, ["history", "bench_noop"]),
        "validate (not cached)": (None, ["validate", "bench_cand"]),
        "run": (None, ["run", "bench_noop"]),
        "mark-failure": (None, ["mark-failure", "bench_noop", "--scenario", "s", "--error", "e",
                                "--severity", "low"]),
        "runs NAME": (None, ["runs", "bench_noop"]),
        "failures NAME": (None, ["failures", "bench_noop"]),
        "approve (after validate)": (["validate", "bench_cand"], ["approve", "bench_cand"]),
        "show (after list)": (["list"], ["show", "bench_noop"]),
        "validate (after list)": (["list"], ["validate", "bench_cand"]),
    }
    only = os.environ.get("ONLY")
    if only:
        commands = {k: v for k, v in commands.items() if k.split(" ")[0] in only.split(",")}
    samples = {label: [] for label in commands}
    for _ in range(rounds):
        for label, (before, argv) in commands.items():
            if label == "accept":
                reset(root)
            else:
                accepted(binary, root, env)
            if before:
                subprocess.run(tb + before, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
            os.sync()
            samples[label].append(timed(tb + argv, env))
            print(f"{os.path.basename(root)} {label}: {samples[label][-1] * 1000:.1f} ms", file=sys.stderr)
    return samples


def mcp_samples(binary, root, env, rounds):
    samples = {"mcp initialize": [], "mcp first tools/call": [], "mcp tools/call": [], "mcp tools/list": [],
               "mcp tools/call, 2nd session": [], "mcp tools/list, 2nd session": []}
    for _ in range(rounds):
        accepted(binary, root, env)
        os.sync()
        start = time.perf_counter()
        client = Mcp(binary, root, env)
        client.initialize()
        samples["mcp initialize"].append(time.perf_counter() - start)
        start = time.perf_counter()
        client.call()
        samples["mcp first tools/call"].append(time.perf_counter() - start)
        for _ in range(20):
            start = time.perf_counter()
            client.call()
            samples["mcp tools/call"].append(time.perf_counter() - start)
        for _ in range(20):
            start = time.perf_counter()
            client.request("tools/list")
            samples["mcp tools/list"].append(time.perf_counter() - start)
        client.close()
        # The same workspace, now opened (sealed, indexed), in a new server: per call alone.
        client = Mcp(binary, root, env)
        client.initialize()
        client.call()
        time.sleep(2)
        for _ in range(20):
            start = time.perf_counter()
            client.call()
            samples["mcp tools/call, 2nd session"].append(time.perf_counter() - start)
        for _ in range(20):
            start = time.perf_counter()
            client.request("tools/list")
            samples["mcp tools/list, 2nd session"].append(time.perf_counter() - start)
        client.close()
    return samples


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else toolbench_bin())
    rounds = int(os.environ.get("ROUNDS", "5"))
    sizes = [int(s) for s in os.environ.get("SIZES", "10,10000").split(",")]
    tmp = tempfile.mkdtemp(prefix="toolbench-per-tool-")
    env = dict(os.environ, TOOLBENCH_CONFIG_DIR=os.path.join(tmp, "config"))
    os.makedirs(env["TOOLBENCH_CONFIG_DIR"])
    results = {}
    try:
        for n in sizes:
            root = os.path.join(tmp, f"ws{n}")
            make_workspace(root, n)
            found = cli_samples(binary, root, env, rounds)
            if not os.environ.get("ONLY") or "mcp" in os.environ["ONLY"].split(","):
                found.update(mcp_samples(binary, root, env, rounds))
            results[n] = {label: statistics.median(s) * 1000 for label, s in found.items()}
            reset(root)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    small, large = sizes[0], sizes[-1]
    print(f"{'command':<30} {small:>9} tools {large:>9} tools   ratio")
    for label in results[small]:
        a, b = results[small][label], results[large][label]
        exempt = "  (not per tool)" if label.startswith(("mcp tools/list", "mcp initialize")) else ""
        print(f"{label:<30} {a:>12.1f} ms {b:>12.1f} ms {b / a:>6.2f}x{exempt}")


if __name__ == "__main__":
    main()
