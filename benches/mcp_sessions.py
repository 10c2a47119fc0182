#!/usr/bin/env python3
"""Memory of `toolbench mcp --http` under many sessions (issue 34, item 6). Three servers on a
copy of the sample workspace, each measured by its resident set (VmRSS of /proc/PID/status):

  1. at the cap: RSS idle, then with `max_sessions` sessions open (initialize + initialized
     each), then after ATTEMPTS more initialize requests (over the cap: each answered 503);
  2. churn: ATTEMPTS sessions opened and closed (DELETE) one after the other;
  3. expiry: EXPIRED sessions opened with `session_idle_secs = 1`, the cap full most of the
     time, each place freed only by a session expiring.

    benches/mcp_sessions.py [BIN] [--attempts N] [--expired N] [--phases cap,churn,expiry]
        (benches/mcp_sessions.sh builds the release binary and calls this)

A build from before the session cap serves without a token and without a cap: the script
then sends no token and every attempt opens a session (the "before" figure; run it with
`--phases cap,churn`, as such a build does not know `session_idle_secs`).
"""

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from toolbench_bin import toolbench_bin

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

INITIALIZE = json.dumps({
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "mcp-sessions-bench", "version": "1.0.0"},
    },
})
INITIALIZED = json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class Server:
    def __init__(self, bin_path, work, config_toml):
        self.work = work
        self.root = os.path.join(work, "ws")
        shutil.copytree(os.path.join(REPO, "tools"), self.root)
        shutil.rmtree(os.path.join(self.root, ".toolbench"), ignore_errors=True)
        self.config = os.path.join(work, "config")
        os.makedirs(self.config)
        with open(os.path.join(self.config, "config.toml"), "w") as f:
            f.write(config_toml)
        env = dict(os.environ, TOOLBENCH_CONFIG_DIR=self.config)
        env.pop("TOOLBENCH_ROOT", None)
        # A person accepts the copy's active tools, as at any workspace's first opening (a
        # build without `accept` adopts them itself, and answers this with an error).
        subprocess.run([bin_path, "--root", self.root, "accept"], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.err = open(os.path.join(work, "server.err"), "w+")
        self.proc = subprocess.Popen(
            [bin_path, "--root", self.root, "mcp", "--http", "127.0.0.1:0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.err, env=env,
        )
        prefix = "toolbench mcp: serving http://127.0.0.1:"
        deadline = time.monotonic() + 60
        self.port = None
        while self.port is None:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.err.seek(0)
                sys.exit(f"the server did not start: {self.err.read()}")
            self.err.seek(0)
            for line in self.err.read().splitlines():
                if line.startswith(prefix):
                    self.port = int(line[len(prefix):].removesuffix("/mcp"))
            time.sleep(0.05)
        token_file = os.path.join(self.config, "mcp-token")
        self.headers = {
            "Accept": "application/json, text/event-stream",
            "Content-Type": "application/json",
        }
        if os.path.exists(token_file):
            with open(token_file) as f:
                self.headers["Authorization"] = f"Bearer {f.read().strip()}"
        # Let the first scan and the watcher settle before the idle figure.
        time.sleep(1.0)

    def request(self, method, body=None, session=None):
        headers = dict(self.headers)
        if session:
            headers["Mcp-Session-Id"] = session
            headers["MCP-Protocol-Version"] = "2025-06-18"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, "/mcp", body=body, headers=headers)
            reply = conn.getresponse()
            reply.read()
            return reply.status, reply.getheader("mcp-session-id")
        finally:
            conn.close()

    def open_session(self):
        """initialize, then initialized when it was accepted: the HTTP status and the session."""
        status, session = self.request("POST", INITIALIZE)
        if status == 200 and session:
            self.request("POST", INITIALIZED, session)
        return status, session

    def rss(self):
        time.sleep(0.5)
        return rss_mib(self.proc.pid)

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.err.close()


def at_the_cap(bin_path, attempts):
    with tempfile.TemporaryDirectory() as work:
        server = Server(bin_path, work, "")
        idle = server.rss()
        held = []
        while len(held) < 64:
            status, session = server.open_session()
            if status != 200:
                sys.exit(f"session {len(held) + 1} got {status}")
            held.append(session)
        at_cap = server.rss()
        statuses = {}
        started = time.monotonic()
        for _ in range(attempts):
            status, _ = server.open_session()
            statuses[status] = statuses.get(status, 0) + 1
        took = time.monotonic() - started
        after = server.rss()
        still = server.request("POST", json.dumps(
            {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}), held[0])[0]
        server.stop()
    print(f"{'idle':<38}{idle:8.1f} MiB")
    print(f"{'64 sessions open':<38}{at_cap:8.1f} MiB  (+{at_cap - idle:.1f})")
    print(f"{f'after {attempts} more initialize attempts':<38}{after:8.1f} MiB  (+{after - idle:.1f}); "
          f"answers {dict(sorted(statuses.items()))} in {took:.1f} s; "
          f"an open session's tools/list then: {still}")


def churn(bin_path, attempts):
    with tempfile.TemporaryDirectory() as work:
        server = Server(bin_path, work, "")
        idle = server.rss()
        for n in range(attempts):
            status, session = server.open_session()
            if status != 200:
                sys.exit(f"churn: session {n + 1} got {status}")
            server.request("DELETE", session=session)
        after = server.rss()
        server.stop()
    print(f"churn: idle {idle:.1f} MiB, after {attempts} sessions opened and closed "
          f"{after:.1f} MiB (+{after - idle:.1f})")


def expiry(bin_path, wanted):
    with tempfile.TemporaryDirectory() as work:
        server = Server(bin_path, work, "[mcp]\nsession_idle_secs = 1\n")
        idle = server.rss()
        opened = refused = 0
        started = time.monotonic()
        while opened < wanted:
            status, _ = server.open_session()
            if status == 200:
                opened += 1
            elif status == 503:
                refused += 1
                time.sleep(0.05)
            else:
                sys.exit(f"expiry: got {status}")
        took = time.monotonic() - started
        time.sleep(2.5)
        after = server.rss()
        server.stop()
    print(f"expiry: idle {idle:.1f} MiB, after {opened} sessions opened and expired "
          f"(idle 1 s; {refused} initialize refused while full; {took:.0f} s) "
          f"{after:.1f} MiB (+{after - idle:.1f})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bin", nargs="?", default=None)
    parser.add_argument("--attempts", type=int, default=8000)
    parser.add_argument("--expired", type=int, default=2000)
    parser.add_argument("--phases", default="cap,churn,expiry")
    args = parser.parse_args()
    phases = args.phases.split(",")
    bin_path = os.path.abspath(args.bin or toolbench_bin("release"))
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print(f"== {bin_path}, load average {load}")
    if "cap" in phases:
        at_the_cap(bin_path, args.attempts)
    if "churn" in phases:
        churn(bin_path, args.attempts)
    if "expiry" in phases:
        expiry(bin_path, args.expired)


if __name__ == "__main__":
    main()
