#!/usr/bin/env python3
"""toolbench's MCP gateway next to the official Python SDK's server, in the same run, over
stdio and Streamable HTTP:

  1. tools/list: toolbench serving a copy of the sample workspace (tools/), against the SDK's
     low-level server listing the same tools (names, titles, descriptions, input schemas and
     annotations taken from toolbench's own tools/list answer, so both lists are the same);
  2. tools/call of a trivial tool: `echo` (a `sh run.sh` that is `exec cat`, input stdin-json),
     approved into the copy with the CLI, against the SDK server's `echo` that answers the same
     text in-process; and the same tool outside MCP: `toolbench run echo --input JSON` (the CLI
     run: sandbox and record) and the bare script (`sh run.sh` with the input on stdin), so the
     table says what MCP adds over the sandbox's own cost.

The same client code drives every server: JSON-RPC lines on stdio; on HTTP one keep-alive
connection per session (TCP_NODELAY), POSTs with `Accept: application/json, text/event-stream`
(answers read as JSON or as SSE `data:` lines), `Mcp-Session-Id`, `MCP-Protocol-Version:
2025-11-25` and toolbench's bearer token. HTTP is measured by two sessions to each server,
one writing a request's headers and body apart (as http.client does), the other in one write
(as curl sends a small POST): a server that writes its answer in pieces without TCP_NODELAY
can wait for the client's delayed ACK (40 ms on Linux), and whether it does depends on such
timing. Each session does `initialize` and
`notifications/initialized` once; then the requests are sent one after another, the six
sessions taking turns request by request so that load from elsewhere falls on all alike.
The report also gives each call's run as toolbench recorded it (`runs --json`'s
`duration_ms`, per client), so the time spent around the sandboxed run shows.

    benches/mcp_vs_sdk.py BIN [--lists N] [--calls N] [--runs N] [--warmup N]
    (benches/mcp_vs_sdk.sh installs `mcp` when it is missing and calls this)

Needs Python 3.10+ and the `mcp` package (2.x) for the SDK server; the client is standard
library only. The script starts the SDK server by running itself with `--sdk-server`.
"""

import argparse
import http.client
import json
import math
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PROTOCOL = "2025-11-25"
CALL_ARGUMENTS = {"text": "hello from the benchmark"}

ECHO_MANIFEST = """name = "echo"
version = "1.0.0"
description = "Echo the input object back as JSON (a trivial tool for the MCP benchmark)"
cost_tier = "low"
idempotent = true
keywords = ["echo", "bench"]
use_cases = ["measure what a call costs"]

[run]
command = ["sh", "run.sh"]
input = "stdin-json"
timeout_secs = 10

[input]
type = "object"
required = ["text"]
additionalProperties = false

[input.properties.text]
type = "string"
description = "The text to echo"
"""
ECHO_SCRIPT = "exec cat\n"
ECHO_TEST = """input = '{"text": "hi"}'
expect_stdout_json = '{"text": "hi"}'
"""


# ---------------------------------------------------------------------------------------------
# The SDK server (run as a child: mcp_vs_sdk.py --sdk-server stdio|http TOOLS_JSON)


def sdk_server(transport, tools_file):
    # benches/mcp.py would shadow the `mcp` package: import it from site-packages only.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
    import anyio
    import mcp_types as types
    from mcp.server.lowlevel import Server

    with open(tools_file) as f:
        tools = [types.Tool.model_validate(tool) for tool in json.load(f)]
    names = {tool.name for tool in tools}

    async def list_tools(ctx, params):
        return types.ListToolsResult(tools=tools)

    async def call_tool(ctx, params):
        if params.name not in names:
            return types.CallToolResult(
                content=[types.TextContent(type="text", text=f"unknown tool {params.name}")], is_error=True
            )
        # The same work as the echo tool: the arguments back as compact JSON text.
        text = json.dumps(params.arguments or {}, separators=(",", ":"))
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=False)

    server = Server("sdk-bench", version="1", on_list_tools=list_tools, on_call_tool=call_tool)

    if transport == "stdio":
        from mcp.server.stdio import stdio_server

        async def main():
            async with stdio_server() as (read_stream, write_stream):
                await server.run(read_stream, write_stream, server.create_initialization_options())

        anyio.run(main)
        return

    import socket

    import uvicorn

    app = server.streamable_http_app()
    # IPPROTO_TCP, as a socket from getaddrinfo (uvicorn's own bind) has it: asyncio sets
    # TCP_NODELAY on accepted connections only when the listening socket says TCP.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    print(f"sdk mcp: serving http://127.0.0.1:{port}/mcp", file=sys.stderr, flush=True)
    uvicorn.Server(config).run(sockets=[sock])


# ---------------------------------------------------------------------------------------------
# The client: one MCP session, the same code for both servers


class Session:
    def __init__(self, label):
        self.label = label
        self.next_id = 0

    def request(self, method, params=None):
        """Sends one request and waits for its answer; returns (result, seconds)."""
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        start = time.perf_counter()
        answer = self._exchange(message)
        elapsed = time.perf_counter() - start
        if "error" in answer:
            raise RuntimeError(f"{self.label}: {method} answered {answer['error']}")
        return answer["result"], elapsed

    def initialize(self):
        result, _ = self.request("initialize", {
            "protocolVersion": PROTOCOL,
            "capabilities": {},
            "clientInfo": {"name": "bench-" + self.label.replace(" ", "-"), "version": "1"},
        })
        if result.get("protocolVersion") != PROTOCOL:
            raise RuntimeError(f"{self.label}: server chose protocol {result.get('protocolVersion')}")
        self.initialized()
        return result


class StdioSession(Session):
    def __init__(self, label, command, env, stderr_path):
        super().__init__(label)
        self.stderr = open(stderr_path, "w")
        self.proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, env=env,
        )

    def _send(self, message):
        self.proc.stdin.write(json.dumps(message).encode() + b"\n")
        self.proc.stdin.flush()

    def _exchange(self, message):
        self._send(message)
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"{self.label}: the server closed stdout (see {self.stderr.name})")
            answer = json.loads(line)
            if answer.get("id") == message["id"] and "method" not in answer:
                return answer
            # a notification or a request from the server: not what is timed, skipped

    def initialized(self):
        self._send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def close(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()


class OneWriteConnection(http.client.HTTPConnection):
    """Sends a request's headers and body in one write, as curl does with a small body;
    http.client writes them apart."""

    def _send_output(self, message_body=None, encode_chunked=False):
        self._buffer.extend((b"", b""))
        message = b"\r\n".join(self._buffer)
        del self._buffer[:]
        self.send(message + (message_body or b""))


class HttpSession(Session):
    def __init__(self, label, url, token=None, one_write=False):
        super().__init__(label)
        self.connection_class = OneWriteConnection if one_write else http.client.HTTPConnection
        parts = urllib.parse.urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port, parts.path or "/"
        self.token = token
        self.session_id = None
        self.protocol = None
        self.conn = self._connect()
        self.reconnects = 0

    def _connect(self):
        # Without TCP_NODELAY a body written after its headers could wait for the server's
        # delayed ACK of them.
        conn = self.connection_class(self.host, self.port, timeout=60)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def _headers(self):
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.session_id:
            headers["Mcp-Session-Id"] = self.session_id
        if self.protocol:
            headers["MCP-Protocol-Version"] = self.protocol
        return headers

    def _post(self, message):
        body = json.dumps(message).encode()
        for attempt in (1, 2):
            try:
                self.conn.request("POST", self.path, body=body, headers=self._headers())
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # The server closed the keep-alive connection: open a new one, once.
                if attempt == 2:
                    raise
                self.conn.close()
                self.conn = self._connect()
                self.reconnects += 1
        if response.status >= 400:
            raise RuntimeError(f"{self.label}: HTTP {response.status}: {data[:300]!r}")
        session_id = response.getheader("Mcp-Session-Id")
        if session_id:
            self.session_id = session_id
        kind = (response.getheader("Content-Type") or "").split(";")[0].strip()
        return response.status, kind, data

    def _exchange(self, message):
        status, kind, data = self._post(message)
        for answer in parse_body(kind, data):
            if answer.get("id") == message["id"] and "method" not in answer:
                return answer
        raise RuntimeError(f"{self.label}: no answer to {message['method']} in {status} {kind}: {data[:300]!r}")

    def initialize(self):
        result = super().initialize()
        self.protocol = PROTOCOL
        return result

    def initialized(self):
        status, _, _ = self._post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        if status != 202:
            raise RuntimeError(f"{self.label}: notifications/initialized answered HTTP {status}, not 202")

    def close(self):
        if self.session_id:
            try:
                self.conn.request("DELETE", self.path, headers=self._headers())
                self.conn.getresponse().read()
            except Exception:
                pass
        self.conn.close()


def parse_body(kind, data):
    """The JSON-RPC messages of a POST's answer: a JSON body, or an SSE stream's `data:` lines."""
    if kind == "application/json":
        message = json.loads(data)
        return message if isinstance(message, list) else [message]
    if kind == "text/event-stream":
        messages, lines = [], []
        for line in data.decode().splitlines() + [""]:
            if line.startswith("data:"):
                lines.append(line[5:].removeprefix(" "))
            elif line == "" and lines:
                text = "\n".join(lines)
                lines = []
                if text.strip():
                    messages.append(json.loads(text))
        return messages
    return []


# ---------------------------------------------------------------------------------------------
# Servers


def wait_for_line(proc, path, prefix, what):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with open(path) as f:
            for line in f:
                if line.startswith(prefix):
                    return line[len(prefix):].strip()
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    with open(path) as f:
        raise RuntimeError(f"{what} did not start:\n{f.read()}")


def start_http(command, env, stderr_path, prefix, what):
    stderr = open(stderr_path, "w")
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
    stderr.close()
    return proc, wait_for_line(proc, stderr_path, prefix, what)


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------------------------------------
# Figures


def ms(seconds):
    return seconds * 1000


def p95(values):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def summary(values):
    return statistics.median(values), p95(values)


def run_cli(bin_path, root, env):
    """One `toolbench run echo --input JSON`, timed from here (process start to exit)."""
    command = [bin_path, "--root", root, "run", "echo", "--input", json.dumps(CALL_ARGUMENTS)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or json.loads(done.stdout or b"null") != CALL_ARGUMENTS:
        raise RuntimeError(f"toolbench run echo: exit {done.returncode}: {done.stdout!r} {done.stderr!r}")
    return elapsed


def run_bare(folder):
    """One run of the tool's own command, `sh run.sh`, the same input on stdin, in its folder."""
    start = time.perf_counter()
    done = subprocess.run(["sh", "run.sh"], input=json.dumps(CALL_ARGUMENTS).encode(), capture_output=True,
                          cwd=folder)
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or json.loads(done.stdout or b"null") != CALL_ARGUMENTS:
        raise RuntimeError(f"sh run.sh: exit {done.returncode}: {done.stdout!r}")
    return elapsed


def check_call(label, result):
    text = "".join(block.get("text", "") for block in result.get("content", []))
    if result.get("isError") or json.loads(text) != CALL_ARGUMENTS:
        raise RuntimeError(f"{label}: echo answered {result}")


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bin", help="the toolbench program")
    parser.add_argument("--lists", type=int, default=200, help="timed tools/list requests per session")
    parser.add_argument("--calls", type=int, default=200, help="timed tools/call requests per session")
    parser.add_argument("--runs", type=int, default=50, help="timed `toolbench run` and bare runs")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests (and runs) first")
    args = parser.parse_args()
    bin_path = os.path.abspath(args.bin)
    if not os.access(bin_path, os.X_OK):
        sys.exit(f"mcp_vs_sdk.py: {bin_path} is not a program")

    import importlib.metadata as metadata

    versions = {name: metadata.version(name) for name in ("mcp", "uvicorn")}
    load_before = loadavg()
    started = time.perf_counter()

    work = tempfile.mkdtemp(prefix="mcp-vs-sdk-")
    procs, sessions = [], []
    try:
        # A copy of the sample workspace, its state left out, and the echo tool approved into it.
        root = os.path.join(work, "ws")
        shutil.copytree(os.path.join(REPO, "tools"), root, symlinks=True)
        shutil.rmtree(os.path.join(root, ".toolbench"), ignore_errors=True)
        env = dict(os.environ, TOOLBENCH_CONFIG_DIR=os.path.join(work, "config"))
        # A person accepts the copy's active tools, as at any workspace's first opening (a
        # build without `accept` adopts them itself, and answers this with an error).
        subprocess.run([bin_path, "--root", root, "accept"], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        folder = os.path.join(root, "experimental", "echo")
        os.makedirs(os.path.join(folder, "tests"))
        for name, text in (("tool.toml", ECHO_MANIFEST), ("run.sh", ECHO_SCRIPT), ("tests/basic.toml", ECHO_TEST)):
            with open(os.path.join(folder, name), "w") as f:
                f.write(text)
        for step in ("validate", "approve"):
            done = subprocess.run([bin_path, "--root", root, step, "echo"], capture_output=True, text=True, env=env)
            if done.returncode != 0:
                raise RuntimeError(f"toolbench {step} echo: exit {done.returncode}\n{done.stdout}{done.stderr}")
        echo_folder = os.path.join(root, "approved", "echo")

        # toolbench: one stdio server, one HTTP server with a session per HTTP client.
        tb_stdio = StdioSession("toolbench stdio", [bin_path, "--root", root, "mcp"], env,
                                os.path.join(work, "tb-stdio.err"))
        sessions.append(tb_stdio)
        tb_http_proc, tb_url = start_http(
            [bin_path, "--root", root, "mcp", "--http", "127.0.0.1:0"], env,
            os.path.join(work, "tb-http.err"), "toolbench mcp: serving ", "toolbench mcp --http")
        procs.append(tb_http_proc)
        with open(os.path.join(work, "config", "mcp-token")) as f:
            token = f.read().strip()
        tb_info = tb_stdio.initialize()

        # What toolbench lists is what the SDK server lists.
        tb_tools = tb_stdio.request("tools/list")[0]["tools"]
        if "echo" not in {tool["name"] for tool in tb_tools}:
            raise RuntimeError("toolbench does not list echo")
        tools_file = os.path.join(work, "tools.json")
        with open(tools_file, "w") as f:
            json.dump(tb_tools, f)

        me = os.path.abspath(__file__)
        sdk_stdio = StdioSession("SDK stdio", [sys.executable, me, "--sdk-server", "stdio", tools_file], env,
                                 os.path.join(work, "sdk-stdio.err"))
        sessions.append(sdk_stdio)
        sdk_http_proc, sdk_url = start_http(
            [sys.executable, me, "--sdk-server", "http", tools_file], env,
            os.path.join(work, "sdk-http.err"), "sdk mcp: serving ", "the SDK's HTTP server")
        procs.append(sdk_http_proc)
        sdk_stdio.initialize()

        order = [("toolbench", "stdio", tb_stdio), ("SDK", "stdio", sdk_stdio)]
        for transport, one_write in (("http", False), ("http1w", True)):
            for server, url, secret in (("toolbench", tb_url, token), ("SDK", sdk_url, None)):
                session = HttpSession(f"{server} {transport}", url, secret, one_write)
                sessions.append(session)
                session.initialize()
                order.append((server, transport, session))

        # Both lists hold the same tools: same count, names, descriptions, input schemas.
        def key(tools):
            return [(t["name"], t.get("description"), json.dumps(t.get("inputSchema"), sort_keys=True)) for t in tools]

        sizes = {}
        for server, _, session in order:
            listed = session.request("tools/list")[0]["tools"]
            if key(listed) != key(tb_tools):
                raise RuntimeError(f"{session.label} lists other tools than toolbench")
            sizes[server] = len(json.dumps({"tools": listed}, separators=(",", ":")))
            check_call(session.label, session.request("tools/call", {"name": "echo", "arguments": CALL_ARGUMENTS})[0])

        samples = {(server, transport, what): [] for server, transport, _ in order for what in ("list", "call")}
        # tools/list, the sessions taking turns.
        for i in range(args.warmup + args.lists):
            for server, transport, session in order:
                _, elapsed = session.request("tools/list")
                if i >= args.warmup:
                    samples[(server, transport, "list")].append(elapsed)
        # tools/call of echo, the same way; between the rounds, at even intervals, the same tool
        # outside MCP: `toolbench run` and the bare script, so all see the same load.
        call = {"name": "echo", "arguments": CALL_ARGUMENTS}
        cli, bare = [], []
        every = max(1, args.calls // max(1, args.runs))
        for i in range(args.warmup + args.calls):
            for server, transport, session in order:
                result, elapsed = session.request("tools/call", call)
                if i >= args.warmup:
                    samples[(server, transport, "call")].append(elapsed)
                if i == args.warmup:
                    check_call(session.label, result)
            if i % every == 0 and len(cli) < args.runs:
                cli_elapsed, bare_elapsed = run_cli(bin_path, root, env), run_bare(echo_folder)
                if i >= args.warmup:
                    cli.append(cli_elapsed)
                    bare.append(bare_elapsed)
        while len(cli) < args.runs:
            cli.append(run_cli(bin_path, root, env))
            bare.append(run_bare(echo_folder))
        reconnects = {s.label: s.reconnects for s in sessions if isinstance(s, HttpSession)}
        for session in sessions:
            session.close()
        sessions.clear()

        # toolbench recorded every call and run.
        done = subprocess.run([bin_path, "--root", root, "runs", "echo", "--json", "--limit", "1000000"],
                              capture_output=True, text=True, env=env)
        # Their durations as toolbench times them, by origin (and client, for MCP).
        recorded = {}
        if done.returncode == 0:
            try:
                for run in json.loads(done.stdout):
                    who = run.get("client") if run.get("origin") == "mcp" else run.get("origin")
                    recorded.setdefault(who, []).append(run.get("duration_ms") or 0)
            except (ValueError, AttributeError, TypeError):
                recorded = {}
    finally:
        for session in sessions:
            try:
                session.close()
            except Exception:
                pass
        for proc in procs:
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)

    report(args, bin_path, tb_info, versions, tb_tools, sizes, samples, cli, bare, recorded, reconnects,
           load_before, started)


TRANSPORTS = (("stdio", "stdio"), ("http", "HTTP"), ("http1w", "HTTP 1-write"))


def report(args, bin_path, tb_info, versions, tb_tools, sizes, samples, cli, bare, recorded, reconnects,
           load_before, started):
    figures = {k: tuple(ms(x) for x in summary(v)) for k, v in samples.items()}
    cli_med, cli_p95 = (ms(x) for x in summary(cli))
    bare_med, bare_p95 = (ms(x) for x in summary(bare))
    print(f"toolbench {bin_path} ({tb_info['serverInfo'].get('version')})")
    print(f"SDK: mcp {versions['mcp']}, low-level Server; HTTP on uvicorn {versions['uvicorn']}; "
          f"Python {platform.python_version()}")
    print(f"{len(tb_tools)} tools listed, the tools/list answer {sizes['toolbench']} bytes (toolbench) and "
          f"{sizes['SDK']} bytes (SDK); protocol {PROTOCOL}")
    print(f"{args.lists} lists and {args.calls} calls per session after {args.warmup} untimed, the sessions taking "
          f"turns; {args.runs} CLI and bare runs between the call rounds")
    print(f"load average {load_before} at the start, {loadavg()} at the end")
    print("HTTP: http.client, one keep-alive connection, headers and body in two writes; "
          "HTTP 1-write: the same, the request in one write (as curl sends a small POST)")
    print()
    top = f"{'':<27}" + "".join(f"{label:>20}" for _, label in TRANSPORTS)
    sub = f"{'ms':<27}" + "".join(f"{'median':>11}{'p95':>9}" for _ in TRANSPORTS)
    print(top)
    print(sub)
    print("-" * len(sub))
    for what, title in (("list", "tools/list"), ("call", "tools/call echo")):
        for server in ("toolbench", "SDK"):
            row = f"{title + '  ' + server:<27}"
            for transport, _ in TRANSPORTS:
                med, high = figures[(server, transport, what)]
                row += f"{med:>11.3f}{high:>9.3f}"
            print(row)
        row = f"{title + '  toolbench/SDK':<27}"
        for transport, _ in TRANSPORTS:
            tb, sdk = figures[("toolbench", transport, what)], figures[("SDK", transport, what)]
            row += f"{tb[0] / sdk[0]:>10.2f}x{tb[1] / sdk[1]:>8.2f}x"
        print(row)
    print(f"{'toolbench run echo (CLI)':<27}{cli_med:>11.3f}{cli_p95:>9.3f}")
    print(f"{'sh run.sh (bare script)':<27}{bare_med:>11.3f}{bare_p95:>9.3f}")
    print()
    print("what toolbench's MCP call of echo adds (medians; `recorded`: the run's duration_ms as toolbench "
          "records it, sandbox included):")
    cli_recorded = recorded.get("cli")
    if cli_recorded:
        print(f"  {'CLI run':<13} {cli_med:8.3f} ms, recorded {statistics.median(cli_recorded):.0f} ms "
              f"({len(cli_recorded)} runs)")
    for transport, label in TRANSPORTS:
        tb_call = figures[("toolbench", transport, "call")][0]
        sdk_call = figures[("SDK", transport, "call")][0]
        line = (f"  {label:<13} {tb_call:8.3f} ms: {tb_call - cli_med:+8.3f} ms over `toolbench run` "
                f"({tb_call / cli_med:.2f}x), {tb_call - bare_med:+8.3f} ms over the bare script")
        runs = recorded.get(f"bench-toolbench-{transport}")
        if runs:
            line += (f"; recorded {statistics.median(runs):.0f} ms ({len(runs)} runs), "
                     f"so {tb_call - statistics.median(runs):+.1f} ms around the run")
        print(line + f"; the SDK's in-process echo {sdk_call:.3f} ms")
    if any(reconnects.values()):
        print(f"HTTP reconnects (the server closed a keep-alive connection): {reconnects}")
    print(f"total {time.perf_counter() - started:.0f} s")

if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--sdk-server":
        sdk_server(sys.argv[2], sys.argv[3])
    else:
        try:
            main()
        except RuntimeError as error:
            sys.exit(f"mcp_vs_sdk.py: {error}")
