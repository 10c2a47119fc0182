#!/usr/bin/env python3
"""A soak of runs, calls, decisions and faults (issue 63): every run recorded once, as it ended.

For --seconds on a copy of the sample workspace: four loops of `toolbench run`, a loop of
`toolbench runs` collecting what they hand off, `toolbench mcp --http` with two clients calling
tools and proposing new ones, a loop of review decisions on the proposals, and the workbench
open in a terminal. A fault strikes every 3-8 s, its kind and timing drawn from --seed (each
kind once in every round of eight): kill -9
of a run's starter, of the MCP server, of the workbench, of a process inside a sandbox; a 100
MB file or mode 000 in a tool folder (for 2 s); SIGTERM to the server; `q` to the workbench.
What was killed or stopped is started again. Then everything stops gracefully, one command
collects what is left, and the soak checks, from the store, the run folders, /proc and the
cgroups:

  - every run folder holds its record, the store holds each run once, and the status stored is
    the end the run's folder holds (its starter's, whenever it wrote one);
  - a run is `abandoned` only when its starter was killed with SIGKILL;
  - a graceful stop (SIGTERM to the server, `q` to the workbench) ended its process within 5 s,
    the server with exit 0;
  - nothing is left: no toolbench process, no file in .toolbench/running/ or proposals/, no
    proposal's staging folder in experimental/, no scratch folder, no cgroup of a run (as root
    on cgroup v1, where the soak runs in a cgroup of its own so that it counts only its runs');
  - every proposal that landed has its record; the store is whole, the decision log's chain
    too, and each tool is in one place.

It prints the figures (runs and calls a minute, faults survived by kind) and exits 1 naming
each property that does not hold.

    benches/soak.py [BIN] [--seconds N] [--seed N] [--json FILE]
        (benches/soak.sh builds the release binary and calls this; .ci/run runs a minute)
"""

import argparse
import collections
import fcntl
import http.client
import json
import os
import pty
import random
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

from toolbench_bin import toolbench_bin

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# What a graceful stop may take (runner::stop::STOP_WITHIN), plus the process's own exit.
STOP_WITHIN = 5.0
FAULTS = [
    "kill9_run_starter",
    "kill9_mcp_server",
    "kill9_workbench",
    "kill9_sandboxed_process",
    "big_file_in_tool",
    "mode_000_tool",
    "sigterm_mcp_server",
    "quit_workbench",
]
NAP_TOOL = "soak_nap"
NAP_MANIFEST = f"""name = "{NAP_TOOL}"
version = "1.0.0"
description = "Sleeps a little, then answers"
cost_tier = "low"

[run]
command = ["sh", "run.sh"]
input = "none"
timeout_secs = 30
"""


def proposal_manifest(name):
    return (
        f'name = "{name}"\nversion = "0.1.0"\ndescription = "A soak candidate"\n'
        'cost_tier = "low"\n\n[run]\ncommand = ["sh", "run.sh"]\ninput = "none"\n'
    )


PROPOSAL_FILES = {
    "run.sh": "sleep 0.3\necho '{\"ok\": true}'\n",
    "tests/one.toml": "input = '{}'\nexpect_stdout_contains = \"ok\"\n",
    "tests/two.toml": "input = '{}'\nexpect_stdout_contains = \"true\"\n",
}


class Soak:
    """What every part of the soak shares: the program, the workspace, the tallies."""

    def __init__(self, bin_path, work, seed):
        self.bin = bin_path
        self.work = work
        self.root = os.path.join(work, "ws")
        self.config = os.path.join(work, "config")
        os.makedirs(os.path.join(self.config, "data"))
        self.env = dict(os.environ, TOOLBENCH_CONFIG_DIR=self.config,
                        XDG_DATA_HOME=os.path.join(self.config, "data"), TERM="xterm-256color")
        self.env.pop("TOOLBENCH_ROOT", None)
        # Faults draw from one generator of their own, so the seed alone says which strike
        # when; inputs draw from another.
        self.fault_rng = random.Random(seed)
        self.rng = random.Random(seed + 1)
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.faults = collections.Counter()
        # Processes this soak killed with SIGKILL: their runs alone may end abandoned.
        self.killed = set()
        self.stops = []  # (what, seconds, exit code)
        self.restarts = []  # seconds from a server's kill -9 until it served again
        self.violations = []
        self.started = set()  # every process the soak started, ended at the latest at its end

    def count(self, key, n=1):
        with self.lock:
            self.counts[key] += n

    def violation(self, text):
        with self.lock:
            self.violations.append(text)

    def popen(self, args, **kw):
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        proc = subprocess.Popen([self.bin, "--root", self.root, *args], env=self.env, **kw)
        with self.lock:
            self.started.add(proc)
        return proc

    def tb(self, *args, timeout=120):
        return subprocess.run([self.bin, "--root", self.root, *args], env=self.env,
                              capture_output=True, text=True, timeout=timeout)


class OwnCgroups:
    """As root on cgroup v1, the soak moves into a memory and a pids cgroup of its own, so the
    run cgroups its toolbench processes make are its own and no other program's."""

    def __init__(self):
        self.dirs = []
        if os.geteuid() != 0:
            self.why_not = "not root: runs make no cgroup"
            return
        with open("/proc/self/cgroup") as f:
            memberships = f.read().splitlines()
        for controller in ("memory", "pids"):
            own = next((line.split(":", 2)[2] for line in memberships
                        if controller in line.split(":", 2)[1].split(",")), None)
            mount = os.path.join("/sys/fs/cgroup", controller)
            if own is None or not os.path.isdir(mount):
                self.why_not = f"no cgroup v1 {controller} hierarchy"
                self.dirs = []
                return
            self.dirs.append(os.path.join(mount, own.lstrip("/"), f"toolbench-soak-{os.getpid()}"))
        for d in self.dirs:
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
        self.why_not = None

    def left(self):
        return sorted(os.path.join(d, e) for d in self.dirs for e in os.listdir(d)
                      if os.path.isdir(os.path.join(d, e)))

    def leave(self):
        for d in self.dirs:
            with open(os.path.join(os.path.dirname(d), "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
        for child in self.left():
            try:
                os.rmdir(child)
            except OSError:
                pass
        for d in self.dirs:
            try:
                os.rmdir(d)
            except OSError:
                pass


def processes_naming(text):
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline and int(pid) != os.getpid():
            found.append((int(pid), cmdline.strip()))
    return found


def run_loop(soak, n, tool, current):
    """`toolbench run` over and over; `current[n]` is the run in flight, for the faults."""
    while not soak.stopping.is_set():
        args = ["run", tool]
        if tool != NAP_TOOL:
            args += ["--input", json.dumps({"text": f"soak {n} " * soak.rng.randint(1, 20)})]
        proc = soak.popen(args)
        current[n] = proc
        code = proc.wait()
        current[n] = None
        soak.count("cli_runs_started")
        soak.count(f"cli_run_exit_{code}")


def collect_loop(soak):
    while not soak.stopping.is_set():
        soak.tb("runs", "--limit", "1")
        soak.count("collections")
        time.sleep(0.5)


class McpServer:
    """`toolbench mcp --http`, started again whenever a fault ended it."""

    def __init__(self, soak):
        self.soak = soak
        self.generation = 0
        self.proc = None
        self.port = None
        self.ready = threading.Event()
        self.start()

    def start(self):
        self.ready.clear()
        err = tempfile.TemporaryFile(mode="w+", dir=self.soak.work)
        proc = self.soak.popen(["mcp", "--http", "127.0.0.1:0"], stderr=err)
        prefix = "toolbench mcp: serving http://127.0.0.1:"
        deadline = time.monotonic() + 60
        while True:
            err.seek(0)
            lines = err.read().splitlines()
            port = next((int(line[len(prefix):].removesuffix("/mcp")) for line in lines
                         if line.startswith(prefix)), None)
            if port is not None:
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the MCP server did not start: {lines}")
            time.sleep(0.05)
        with open(os.path.join(self.soak.config, "mcp-token")) as f:
            self.token = f.read().strip()
        self.proc, self.port = proc, port
        self.generation += 1
        self.ready.set()

    def post(self, body, session=None, timeout=60):
        headers = {"Accept": "application/json, text/event-stream",
                   "Content-Type": "application/json",
                   "Authorization": f"Bearer {self.token}"}
        if session:
            headers["Mcp-Session-Id"] = session
            headers["MCP-Protocol-Version"] = "2025-06-18"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("POST", "/mcp", body=json.dumps(body), headers=headers)
            reply = conn.getresponse()
            text = reply.read().decode(errors="replace")
            return reply.status, reply.getheader("mcp-session-id"), messages_in(text)
        finally:
            conn.close()

    def open_session(self, client):
        status, session, _ = self.post({
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": client, "version": "1"}}})
        if status != 200 or not session:
            raise ConnectionError(f"initialize: {status}")
        self.post({"jsonrpc": "2.0", "method": "notifications/initialized"}, session)
        return session

    def end(self, sig):
        """Sends `sig`; returns the exit code and how long the server took to end."""
        proc = self.proc
        self.ready.clear()
        if sig == signal.SIGKILL:
            self.soak.killed.add(proc.pid)
        asked = time.monotonic()
        proc.send_signal(sig)
        try:
            code = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        return code, time.monotonic() - asked


def messages_in(text):
    """The JSON-RPC messages of a reply: the body, or each SSE `data:` event."""
    text = text.strip()
    if text.startswith("{"):
        return [json.loads(text)]
    found = []
    for line in text.splitlines():
        if line.startswith("data:") and line[5:].strip():
            try:
                found.append(json.loads(line[5:]))
            except ValueError:
                pass
    return found


def mcp_client(soak, server, n):
    """Calls word_count, and every fifth call proposes a new tool."""
    client = f"soak-{n}"
    session, generation, k = None, 0, 0
    while not soak.stopping.is_set():
        if not server.ready.wait(timeout=1):
            continue
        try:
            if session is None or generation != server.generation:
                generation = server.generation
                session = server.open_session(client)
            k += 1
            if k % 5 == 0:
                name = f"soak_c{n}_{k}"
                status, _, replies = server.post({
                    "jsonrpc": "2.0", "id": k + 1, "method": "tools/call",
                    "params": {"name": "toolbench_propose_tool", "arguments": {
                        "manifest": proposal_manifest(name), "files": PROPOSAL_FILES}}}, session)
                kind = "proposals"
            else:
                status, _, replies = server.post({
                    "jsonrpc": "2.0", "id": k + 1, "method": "tools/call",
                    "params": {"name": "word_count", "arguments": {"text": f"call {k}"}}}, session)
                kind = "calls"
            result = next((m for m in replies if m.get("id") == k + 1), None)
            if status == 200 and result and "result" in result and not result["result"].get("isError"):
                soak.count(f"mcp_{kind}_ok")
            else:
                soak.count(f"mcp_{kind}_refused")
                if status == 404:
                    session = None
        except (OSError, http.client.HTTPException, ConnectionError, ValueError):
            soak.count("mcp_requests_cut")
            session = None
            time.sleep(0.1)


def decisions(soak):
    """Review decisions on the proposals, in turn: approve, reject, archive an approved one."""
    turn = 0
    while not soak.stopping.is_set():
        time.sleep(2.5)
        out = soak.tb("review", "--json")
        try:
            queue = json.loads(out.stdout or "[]")
        except ValueError:
            continue
        candidates = [t["name"] for t in queue if t.get("kind") == "tool"
                      and t.get("name", "").startswith("soak_c")]
        turn += 1
        if turn % 3 == 0:
            listed = soak.tb("list", "--json")
            try:
                approved = [t["name"] for t in json.loads(listed.stdout or "[]")
                            if t.get("tier") == "approved" and t["name"].startswith("soak_c")]
            except ValueError:
                approved = []
            if approved:
                done = soak.tb("archive", approved[0], "--reason", "soak")
                soak.count(f"decision_archive_{'ok' if done.returncode == 0 else 'refused'}")
            continue
        if not candidates:
            continue
        verb = "approve" if turn % 3 == 1 else "reject"
        done = soak.tb(verb, candidates[0], "--reason", "soak")
        soak.count(f"decision_{verb}_{'ok' if done.returncode == 0 else 'refused'}")


class Workbench:
    """The workbench in a terminal of its own (80x24), read and thrown away."""

    def __init__(self, soak):
        self.soak = soak
        self.start()

    def start(self):
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(self.soak.bin, [self.soak.bin, "--root", self.soak.root], self.soak.env)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.pid, self.fd = pid, fd
        threading.Thread(target=self.drain, args=(fd,), daemon=True).start()

    def drain(self, fd):
        while True:
            try:
                if not os.read(fd, 65536):
                    break
            except OSError:
                break

    def wait(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.01)
        return None

    def kill9(self):
        self.soak.killed.add(self.pid)
        os.kill(self.pid, signal.SIGKILL)
        self.wait(30)
        os.close(self.fd)

    def quit(self):
        """`q` (again, when it asks); returns the exit code and how long it took."""
        asked = time.monotonic()
        os.write(self.fd, b"q")
        code = self.wait(1.0)
        if code is None:
            os.write(self.fd, b"q")
            code = self.wait(30)
        if code is None:
            self.soak.killed.add(self.pid)
            os.kill(self.pid, signal.SIGKILL)
            code = self.wait(30)
        os.close(self.fd)
        return code, time.monotonic() - asked


def sandboxed_processes(soak):
    """The tools' own processes: they name the workspace, toolbench's processes name the
    program."""
    return [(pid, cmd) for pid, cmd in processes_naming(soak.root) if soak.bin not in cmd]


def fault_loop(soak, runs, server, workbench):
    """Every kind of fault once in each round, in an order drawn for the round."""
    kinds = []
    while not soak.stopping.wait(soak.fault_rng.uniform(3, 8)):
        if not kinds:
            kinds = soak.fault_rng.sample(FAULTS, len(FAULTS))
        kind = kinds.pop()
        struck = strike(soak, kind, runs, server, workbench)
        soak.faults[f"{kind} {'struck' if struck else 'found nothing to strike'}"] += 1


def found_within(look, seconds=2.0):
    """What `look` finds, looking again until it finds something or `seconds` passed."""
    deadline = time.monotonic() + seconds
    while True:
        found = look()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


def strike(soak, kind, runs, server, workbench):
    if kind == "kill9_run_starter":
        in_flight = found_within(
            lambda: [p for p in list(runs.values()) if p is not None and p.poll() is None])
        if not in_flight:
            return False
        proc = soak.fault_rng.choice(in_flight)
        soak.killed.add(proc.pid)
        proc.kill()
        return True
    if kind in ("kill9_mcp_server", "sigterm_mcp_server"):
        sig = signal.SIGKILL if kind == "kill9_mcp_server" else signal.SIGTERM
        code, took = server.end(sig)
        if sig == signal.SIGTERM:
            soak.stops.append(("mcp --http on SIGTERM", took, code))
        killed = time.monotonic()
        server.start()
        try:
            server.open_session("soak-restart")
        except (OSError, ConnectionError, http.client.HTTPException):
            pass
        if sig == signal.SIGKILL:
            soak.restarts.append(time.monotonic() - killed)
        return True
    if kind in ("kill9_workbench", "quit_workbench"):
        if kind == "kill9_workbench":
            workbench.kill9()
        else:
            code, took = workbench.quit()
            soak.stops.append(("the workbench on q", took, code))
        workbench.start()
        return True
    if kind == "kill9_sandboxed_process":
        found = found_within(lambda: sandboxed_processes(soak))
        if not found:
            return False
        pid, _ = soak.fault_rng.choice(found)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return False
        return True
    folder = os.path.join(soak.root, "core", "word_count")
    if kind == "big_file_in_tool":
        big = os.path.join(folder, "big.bin")
        with open(big, "wb") as f:
            f.truncate(100 * 1024 * 1024)
        time.sleep(2)
        os.remove(big)
        return True
    if kind == "mode_000_tool":
        mode = os.stat(folder).st_mode & 0o7777
        os.chmod(folder, 0)
        time.sleep(2)
        os.chmod(folder, mode)
        return True
    raise ValueError(kind)


def setup(soak):
    shutil.copytree(os.path.join(REPO, "tools"), soak.root)
    shutil.rmtree(os.path.join(soak.root, ".toolbench"), ignore_errors=True)
    nap = os.path.join(soak.root, "experimental", NAP_TOOL)
    os.makedirs(nap)
    with open(os.path.join(nap, "tool.toml"), "w") as f:
        f.write(NAP_MANIFEST)
    with open(os.path.join(nap, "run.sh"), "w") as f:
        f.write("sleep 0.4\necho '{}'\n")
    # A person accepts the copy's active tools first, as at any workspace's first opening.
    for args in (["accept"], ["list"], ["validate", NAP_TOOL],
                 ["approve", NAP_TOOL, "--reason", "soak"]):
        out = soak.tb(*args)
        if out.returncode not in (0, 1) or (args[0] in ("accept", "approve") and out.returncode != 0):
            sys.exit(f"setup: {args}: {out.stderr}")


def soak_for(soak, seconds):
    runs = {}
    server = McpServer(soak)
    workbench = Workbench(soak)
    threads = [threading.Thread(target=run_loop, args=(soak, n, tool, runs))
               for n, tool in enumerate(["word_count", "word_count", "word_count", NAP_TOOL])]
    threads.append(threading.Thread(target=collect_loop, args=(soak,)))
    threads += [threading.Thread(target=mcp_client, args=(soak, server, n)) for n in (1, 2)]
    threads.append(threading.Thread(target=decisions, args=(soak,)))
    faults = threading.Thread(target=fault_loop, args=(soak, runs, server, workbench))
    began = time.monotonic()
    for t in threads + [faults]:
        t.start()
    time.sleep(seconds)
    soak.stopping.set()
    faults.join()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    code, took = server.end(signal.SIGTERM)
    soak.stops.append(("mcp --http on SIGTERM", took, code))
    code, took = workbench.quit()
    soak.stops.append(("the workbench on q", took, code))
    return elapsed


def check(soak, cgroups):
    v = soak.violation
    deadline = time.monotonic() + 20
    while processes_naming(soak.root) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid, cmd in processes_naming(soak.root):
        v(f"a process is left: {pid} {cmd}")
    # One command collects what waits (each start does); then nothing may wait any more.
    soak.tb("runs", "--limit", "1")
    doctor = soak.tb("doctor", "--dry-run")
    if "0 run(s) handed off and 0 abandoned, waiting to be stored\n" not in doctor.stdout:
        v(f"doctor --dry-run: {doctor.stdout.strip()}")
    state = os.path.join(soak.root, ".toolbench")
    for folder in ("running", "proposals"):
        path = os.path.join(state, folder)
        for name in sorted(os.listdir(path)) if os.path.isdir(path) else []:
            v(f"left in .toolbench/{folder}/: {name}")
    experimental = os.path.join(soak.root, "experimental")
    for name in sorted(os.listdir(experimental)) if os.path.isdir(experimental) else []:
        if name.startswith(".proposal-"):
            v(f"a proposal's staging folder is left: experimental/{name}")
    if cgroups.why_not is None:
        for left in cgroups.left():
            v(f"a run's cgroup is left: {left}")
    db = sqlite3.connect(os.path.join(state, "state.db"))
    if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        v("the store is damaged")
    for log_dir, n in db.execute(
            "SELECT log_dir, COUNT(*) FROM runs WHERE log_dir IS NOT NULL GROUP BY log_dir HAVING COUNT(*) > 1"):
        v(f"stored {n} times: {log_dir}")
    rows = {log_dir: (status, origin) for log_dir, status, origin in
            db.execute("SELECT log_dir, status, origin FROM runs WHERE log_dir IS NOT NULL")}
    runs_dir = os.path.join(state, "runs")
    folders = sorted(os.listdir(runs_dir)) if os.path.isdir(runs_dir) else []
    abandoned_by_kill = 0
    for folder in folders:
        log_dir = f".toolbench/runs/{folder}"
        if os.path.isdir(os.path.join(runs_dir, folder, "scratch")):
            v(f"a scratch folder is left: {log_dir}")
        record = os.path.join(runs_dir, folder, "run.json")
        if not os.path.isfile(record):
            v(f"a run folder without its record: {log_dir}")
            continue
        with open(record) as f:
            lines = [json.loads(line) for line in f.read().splitlines() if line.strip()]
        started, ended = lines[0], lines[-1]
        if log_dir not in rows:
            v(f"a run not stored: {log_dir}")
            continue
        status, _ = rows[log_dir]
        if len(lines) < 2 or ended.get("status") != status:
            v(f"{log_dir}: stored {status}, its folder says {ended.get('status')}")
        if status == "abandoned":
            if started["starter"]["pid"] in soak.killed:
                abandoned_by_kill += 1
            else:
                v(f"{log_dir} ({started['origin']}) abandoned though its starter "
                  f"{started['starter']['pid']} ended without SIGKILL")
    for log_dir in rows:
        if log_dir.removeprefix(".toolbench/runs/") not in folders:
            v(f"a stored run without its folder: {log_dir}")
    proposed = {(tool, version) for tool, version in db.execute("SELECT tool, version FROM proposals")}
    listed = json.loads(soak.tb("list", "--json").stdout or "[]")
    seen = collections.Counter((t["name"], t["version"], t.get("content_hash")) for t in listed)
    for tool, n in seen.items():
        if n > 1:
            v(f"a tool in {n} places: {tool}")
    for t in listed:
        if t["name"].startswith("soak_c") and (t["name"], t["version"]) not in proposed:
            v(f"a proposal landed without its record: {t['name']} in {t.get('tier')}")
    if soak.tb("audit", "verify").returncode != 0:
        v("the decision log's chain is broken")
    for what, took, code in soak.stops:
        if took > STOP_WITHIN or code != 0:
            v(f"{what}: exit {code} after {took:.2f} s")
    statuses = collections.Counter(status for status, _ in rows.values())
    origins = collections.Counter(origin for _, origin in rows.values())
    why = collections.Counter(
        f"{origin} {status}: {(error or '')[:70]}" for origin, status, error in db.execute(
            "SELECT origin, status, error FROM runs WHERE status <> 'ok'"))
    return statuses, origins, abandoned_by_kill, why


def says(items):
    return ", ".join(f"{k} {n}" for k, n in items)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bin", nargs="?", default=None)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--seed", type=int, default=63)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--every-fault", action="store_true",
                        help="a kind of fault that never struck is a property that did not hold")
    args = parser.parse_args()
    bin_path = os.path.abspath(args.bin or toolbench_bin("release"))
    cgroups = OwnCgroups()
    work = tempfile.mkdtemp(prefix="toolbench-soak-")
    soak = Soak(bin_path, work, args.seed)
    try:
        setup(soak)
        elapsed = soak_for(soak, args.seconds)
        statuses, origins, abandoned_by_kill, why = check(soak, cgroups)
        if args.every_fault:
            for kind in FAULTS:
                if not soak.faults[f"{kind} struck"]:
                    soak.violation(f"the fault {kind} never struck")
    finally:
        for proc in soak.started:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        cgroups.leave()
    minutes = elapsed / 60
    figures = {
        "seconds": round(elapsed, 1),
        "seed": args.seed,
        "cli_runs_per_min": round(soak.counts["cli_runs_started"] / minutes),
        "mcp_calls_per_min": round(soak.counts["mcp_calls_ok"] / minutes),
        "stored_runs": sum(statuses.values()),
        "statuses": dict(sorted(statuses.items())),
        "origins": dict(sorted(origins.items())),
        "abandoned_by_sigkill": abandoned_by_kill,
        "not_ok_most_often": dict(why.most_common(6)),
        "faults": dict(sorted(soak.faults.items())),
        "graceful_stops": [(what, round(took, 2), code) for what, took, code in soak.stops],
        "server_serving_again_max_s": round(max(soak.restarts, default=0), 2),
        "counts": dict(sorted(soak.counts.items())),
        "cgroups_checked": cgroups.why_not or "yes",
        "violations": soak.violations,
    }
    print(f"soak: {figures['seconds']} s, seed {args.seed}: {figures['cli_runs_per_min']} CLI "
          f"runs/min, {figures['mcp_calls_per_min']} MCP calls/min; {figures['stored_runs']} "
          f"runs stored ({says(statuses.most_common())}; abandoned by a SIGKILL of their "
          f"starter: {abandoned_by_kill})")
    print(f"soak: faults: {says(sorted(soak.faults.items())) or 'none'}")
    stops = "; ".join(f"{what} {took:.2f} s, exit {code}" for what, took, code in soak.stops)
    print(f"soak: graceful stops: {stops}; a killed server served again within "
          f"{figures['server_serving_again_max_s']} s; cgroups checked: {figures['cgroups_checked']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=1)
    if soak.violations:
        print(f"soak: {len(soak.violations)} propert(y/ies) did not hold:", file=sys.stderr)
        for line in soak.violations:
            print(f"  {line}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)
        sys.exit(1)
    print("soak: every property held")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
