#!/usr/bin/env python3
"""Builds of toolbench side by side: a `tools/call` of a trivial tool through each one's warm
MCP server, in the same rounds (`METHOD=list`: a `tools/list` instead).

    python3 benches/mcp_calls_ab.py BIN [BIN ...]     (N=200 rounds, TOOLS=1000)
    METHOD=list TOOLS=10000 N=40 python3 benches/mcp_calls_ab.py OLD NEW

Each binary serves a workspace of its own (TOOLS tools, as `benches/mcp.py` makes them); every
round calls each server once, in alternating order, so a slow second of a shared machine slows
them all alike. Prints each binary's median, 10th and 90th percentile after 10 warm-up rounds.
Running `benches/mcp.py` once per build, one after the other, compares minutes instead of
builds: pass the same build twice (two copies of one file) to see the noise floor.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mcp  # noqa: E402  (the client and the tools of benches/mcp.py)

WARM_UP = 10


def serve(binary, tools):
    root = tempfile.mkdtemp(prefix="toolbench-mcp-ab-")
    subprocess.run([binary, "init", root], check=True, stdout=subprocess.DEVNULL)
    for i in range(tools - 1):
        mcp.write_tool(root, "approved", f"tool_{i:04}")
    mcp.write_tool(root, "approved", "noop")
    subprocess.run([binary, "--root", root, "accept"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([binary, "--root", root, "list"], check=True, stdout=subprocess.DEVNULL)
    return root, mcp.Client(binary, root)


def main():
    binaries = [os.path.abspath(b) for b in sys.argv[1:]]
    if not binaries:
        sys.exit(__doc__)
    rounds = int(os.environ.get("N", "200"))
    tools = int(os.environ.get("TOOLS", "1000"))
    if os.environ.get("METHOD") == "list":
        asked = ("tools/list", None)
    else:
        asked = ("tools/call", {"name": "noop", "arguments": {}})
    served = [serve(b, tools) for b in binaries]
    samples = [[] for _ in binaries]
    try:
        for i in range(rounds + WARM_UP):
            order = list(range(len(binaries)))
            if i % 2:
                order.reverse()
            for k in order:
                started = time.perf_counter()
                result = served[k][1].request(*asked)
                took = time.perf_counter() - started
                if result.get("isError"):
                    raise RuntimeError(result)
                if i >= WARM_UP:
                    samples[k].append(took * 1000)
        for binary, times in zip(binaries, samples):
            times.sort()
            print(f"{binary}: median {statistics.median(times):.2f} ms, "
                  f"p10 {times[len(times) // 10]:.2f}, p90 {times[9 * len(times) // 10]:.2f}")
    finally:
        for root, client in served:
            client.close()
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
