#!/usr/bin/env python3
"""Egress proxy figures, end to end through the toolbench binary.

Usage: python3 benches/egress.py [BIN]   (default: the release build if built, else the debug one)

A local `python3 -m http.server` serves a 1 KiB file on 127.0.0.1. The same Python client
makes REQUESTS fresh-connection GETs (urllib, one connection each) and times each one:
1. from the host, directly;
2. inside a run with `network = ["127.0.0.1:PORT"]`, through the run's egress proxy
   (HTTP_PROXY, as the tool's environment names it);
3. inside the same kind of run, straight to 127.0.0.1:PORT (proxies off): the forwarded
   loopback port.
Then the whole run of a tool that does nothing, RUNS times each, with `network = [host list]`
(own namespace, proxy set up and torn down) and with `network = ["*"]` (host network): the
`duration_ms` the run records, and the wall time of `toolbench run`.
Each figure is a median; the workspace is a temp folder, removed after.
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

from toolbench_bin import toolbench_bin

REQUESTS = 200
RUNS = 15

CLIENT = r"""import json, sys, time, urllib.request
url, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
handlers = [urllib.request.ProxyHandler({})] if mode == "direct" else []
opener = urllib.request.build_opener(*handlers)
took = []
for _ in range(n):
    started = time.perf_counter()
    with opener.open(url, timeout=10) as r:
        r.read()
    took.append((time.perf_counter() - started) * 1000)
print(json.dumps(took))
"""


def binary() -> str:
    if len(sys.argv) > 1:
        return os.path.abspath(sys.argv[1])
    for profile in ("release", "debug"):
        path = toolbench_bin(profile)
        if os.path.exists(path):
            return path
    sys.exit("build toolbench first (cargo build --release)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tool(root: str, name: str, command: list, network: list, files: dict) -> None:
    folder = os.path.join(root, "experimental", name)
    os.makedirs(folder)
    nets = ", ".join(json.dumps(h) for h in network)
    with open(os.path.join(folder, "tool.toml"), "w") as f:
        f.write(f'name = "{name}"\nversion = "1.0.0"\ndescription = "egress bench"\n'
                f'cost_tier = "low"\n\n[run]\ncommand = {json.dumps(command)}\ninput = "none"\n'
                f'timeout_secs = 120\n\n[permissions]\nnetwork = [{nets}]\n')
    for path, text in files.items():
        with open(os.path.join(folder, path), "w") as f:
            f.write(text)


def run(bin_: str, root: str, name: str):
    started = time.perf_counter()
    out = subprocess.run([bin_, "--root", root, "run", name, "--yes", "--json"],
                         capture_output=True, text=True,
                         env={**os.environ, "TOOLBENCH_CONFIG_DIR": os.path.join(root, ".cfg")})
    wall = (time.perf_counter() - started) * 1000
    result = json.loads(out.stdout)
    if result.get("status") != "ok":
        sys.exit(f"{name}: {result.get('error')}: {result.get('stderr')}")
    return result, wall


def main() -> None:
    bin_ = binary()
    root = tempfile.mkdtemp(prefix="tb-egress-")
    served = tempfile.mkdtemp(prefix="tb-egress-www-")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                               "127.0.0.1", "--directory", served],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with open(os.path.join(served, "f"), "w") as f:
            f.write("x" * 1024)
        for tier in ("core", "approved", "experimental", "archived"):
            os.makedirs(os.path.join(root, tier), exist_ok=True)
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.01)
        url = f"http://127.0.0.1:{port}/f"
        hosts = [f"127.0.0.1:{port}"]
        for mode in ("proxy", "direct"):
            tool(root, f"client_{mode}", ["python3", "client.py", url, str(REQUESTS), mode],
                 hosts, {"client.py": CLIENT})
        tool(root, "idle_hosts", ["true"], hosts, {})
        tool(root, "idle_anywhere", ["true"], ["*"], {})

        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        client = os.path.join(root, "experimental", "client_proxy", "client.py")
        host = json.loads(subprocess.run([sys.executable, client, url, str(REQUESTS), "direct"],
                                         capture_output=True, text=True, env=env,
                                         check=True).stdout)
        proxied = json.loads(run(bin_, root, "client_proxy")[0]["stdout"])
        forwarded = json.loads(run(bin_, root, "client_direct")[0]["stdout"])
        print(f"binary: {bin_}")
        print(f"GET 1 KiB, fresh connection, median of {REQUESTS}:")
        print(f"  host, direct                     {statistics.median(host):7.2f} ms")
        print(f"  in a run, through the proxy      {statistics.median(proxied):7.2f} ms")
        print(f"  in a run, forwarded loopback     {statistics.median(forwarded):7.2f} ms")

        figures = {}
        for name in ("idle_hosts", "idle_anywhere", "idle_hosts", "idle_anywhere"):
            figures.setdefault(name, ([], []))
            for _ in range(RUNS // 2 + 1):
                result, wall = run(bin_, root, name)
                figures[name][0].append(result["duration_ms"])
                figures[name][1].append(wall)
        print(f"a tool that does nothing (`true`), median of {2 * (RUNS // 2 + 1)} runs, "
              "interleaved:")
        for name, label in (("idle_hosts", 'network = ["127.0.0.1:PORT"] (proxy)'),
                            ("idle_anywhere", 'network = ["*"] (host network)')):
            durations, walls = figures[name]
            print(f"  {label:38} duration_ms {statistics.median(durations):6.1f}   "
                  f"toolbench run {statistics.median(walls):6.1f} ms")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(served, ignore_errors=True)


if __name__ == "__main__":
    main()
