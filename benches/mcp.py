#!/usr/bin/env python3
"""MCP gateway figures, each next to its baseline in the same run (issue figures):

  1. tools/list of 1,000 tools, timed from a client over stdio (median of 50);
  2. a call of a trivial tool through a warm server, next to running the same command
     directly and to `toolbench run` (medians of 30): the call's overhead over the direct
     command against the CLI run's;
  3. notifications/tools/list_changed after an approval made by another process (the
     `toolbench approve` command has exited), median of 10.

    benches/mcp.py BIN        (benches/mcp.sh builds the release binary and calls this)

The client speaks JSON-RPC lines itself, so nothing but Python is needed.
"""

import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from toolbench_bin import toolbench_bin

TOOLS = int(os.environ.get("TOOLS", "1000"))


def write_tool(root, tier, name, body="true", extra=""):
    folder = os.path.join(root, tier, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "tool.toml"), "w") as f:
        f.write(
            f'name = "{name}"\nversion = "1.0.0"\ndescription = "Benchmark tool {name}"\n'
            f'cost_tier = "low"\nkeywords = ["bench"]\nuse_cases = ["measure the gateway"]\n'
            f'{extra}[run]\ncommand = ["sh", "run.sh"]\ninput = "none"\n'
        )
    with open(os.path.join(folder, "run.sh"), "w") as f:
        f.write(body + "\n")


class Client:
    """One MCP session with `toolbench mcp` over its stdin and stdout."""

    def __init__(self, bin_path, root):
        self.proc = subprocess.Popen(
            [bin_path, "--root", root, "mcp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        self.responses = {}
        self.notifications = queue.Queue()
        self.cond = threading.Condition()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        self.request("initialize", {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "bench", "version": "1"},
        })
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def _read(self):
        for line in self.proc.stdout:
            message = json.loads(line)
            if "id" in message and "method" not in message:
                with self.cond:
                    self.responses[message["id"]] = message
                    self.cond.notify_all()
            elif message.get("method", "").startswith("notifications/"):
                self.notifications.put((time.perf_counter(), message["method"]))

    def send(self, message):
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def request(self, method, params=None):
        self.next_id += 1
        rid = self.next_id
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}})
        with self.cond:
            while rid not in self.responses:
                if not self.cond.wait(timeout=30):
                    raise RuntimeError(f"no answer to {method}")
            answer = self.responses.pop(rid)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def median_ms(samples):
    return statistics.median(samples) * 1000


def timed(fn, runs, warmup=3):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def main():
    bin_path = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else toolbench_bin())
    root = tempfile.mkdtemp(prefix="toolbench-mcp-bench-")
    try:
        subprocess.run([bin_path, "init", root], check=True, stdout=subprocess.DEVNULL)
        for i in range(TOOLS - 1):
            write_tool(root, "approved", f"tool_{i:04}")
        write_tool(root, "approved", "noop")
        # A person accepts the tools placed in approved/.
        subprocess.run([bin_path, "--root", root, "accept"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([bin_path, "--root", root, "list"], check=True, stdout=subprocess.DEVNULL)

        client = Client(bin_path, root)
        listed = client.request("tools/list")["tools"]
        served = sum(1 for t in listed if not t["name"].startswith("toolbench_"))
        print(f"== 1. tools/list of {served} tools (median of 50)")
        samples = timed(lambda: client.request("tools/list"), 50)
        print(f"tools/list: {median_ms(samples):.2f} ms (target <= 20 ms)")

        print("\n== 2. a call of a trivial tool, warm server (medians of 30)")
        direct = timed(lambda: subprocess.run(["sh", os.path.join(root, "approved/noop/run.sh")], check=True), 30)
        cli = timed(
            lambda: subprocess.run([bin_path, "--root", root, "run", "noop"], check=True,
                                   stdout=subprocess.DEVNULL),
            30,
        )

        def call():
            result = client.request("tools/call", {"name": "noop", "arguments": {}})
            if result.get("isError"):
                raise RuntimeError(result)

        calls = timed(call, 30)
        d, c, m = median_ms(direct), median_ms(cli), median_ms(calls)
        print(f"direct `sh run.sh`:      {d:.2f} ms")
        print(f"toolbench run:           {c:.2f} ms  (overhead {c - d:.2f} ms)")
        print(f"MCP tools/call:          {m:.2f} ms  (overhead {m - d:.2f} ms)")
        print(f"call overhead - run overhead: {(m - d) - (c - d):+.2f} ms (target <= +5 ms)")

        print("\n== 3. list_changed after an approval in another process (median of 10)")
        latencies = []
        for i in range(10):
            name = f"candidate_{i}"
            write_tool(root, "experimental", name)
            # A decision needs a validation of the exact content, made before the clock starts.
            subprocess.run([bin_path, "--root", root, "validate", name], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)  # the candidate settles; it is not listed, so nothing is sent
            while not client.notifications.empty():
                client.notifications.get_nowait()
            subprocess.run([bin_path, "--root", root, "approve", name], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            decided = time.perf_counter()
            at, method = client.notifications.get(timeout=10)
            assert method == "notifications/tools/list_changed", method
            latencies.append(max(at - decided, 0.0))
        print(f"list_changed: median {median_ms(latencies):.0f} ms, "
              f"max {max(latencies) * 1000:.0f} ms (target <= 500 ms)")
        client.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
