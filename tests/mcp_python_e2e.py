"""End to end with the official MCP Python SDK (2.x): an agent's whole loop with `toolbench mcp`.

List the tools, call one, propose a new tool, have it approved by `toolbench approve` in
another process, hear `notifications/tools/list_changed`, call the new tool, and read the
review status. What happened is also checked outside the server, with `toolbench runs --json`.
Then a session over Streamable HTTP (`toolbench mcp --http`), opened and closed without a
warning from the SDK.

Usage: python3 mcp_python_e2e.py TOOLBENCH_BINARY WORKSPACE
The workspace must be a disposable copy of tools/, and USER "ana" (who reviews).
"""

import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
import time

import mcp.types as types
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import create_mcp_http_client, streamable_http_client

CLIENT_NAME = "toolbench-python-e2e"
OWN = [
    "toolbench_propose_tool",
    "toolbench_request_tool",
    "toolbench_review_status",
    "toolbench_report_failure",
]
MANIFEST = """name = "shout"
version = "1.0.0"
description = "Upper-case a text"
cost_tier = "low"

[run]
command = ["sh", "run.sh"]
input = "stdin-json"

[input]
type = "object"
required = ["text"]
additionalProperties = false

[input.properties.text]
type = "string"
"""
SCRIPT = "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"text\"].upper())'\n"

passed = []


def check(condition, what, detail=""):
    if not condition:
        raise AssertionError(f"{what}: {detail}")
    passed.append(what)
    print(f"  ok  {what}", flush=True)


def text_of(result):
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


async def main(binary, workspace, env):
    list_changed = asyncio.Event()
    heard = []

    async def on_message(message):
        if isinstance(message, types.ToolListChangedNotification):
            heard.append(time.monotonic())
            list_changed.set()
        elif isinstance(message, Exception):
            print(f"  transport error: {message!r}", file=sys.stderr)

    def cli(*args):
        return subprocess.run(
            [binary, "--root", workspace, *args], env=env, capture_output=True, text=True, timeout=60
        )

    server = StdioServerParameters(
        command=binary,
        args=["--root", workspace, "mcp"],
        env={key: env[key] for key in ("TOOLBENCH_CONFIG_DIR", "XDG_DATA_HOME")},
    )
    async with stdio_client(server) as (read, write):
        async with ClientSession(
            read,
            write,
            message_handler=on_message,
            client_info=types.Implementation(name=CLIENT_NAME, version="1"),
        ) as session:
            init = await session.initialize()
            check(init.server_info.name == "toolbench", "initialize: toolbench answers")
            check(
                init.capabilities.tools is not None and init.capabilities.tools.list_changed,
                "initialize: tools.listChanged declared",
            )

            names = [t.name for t in (await session.list_tools()).tools]
            check(names[: len(OWN)] == OWN, "tools/list: toolbench's own tools first", names)
            check(names[len(OWN) :] == sorted(names[len(OWN) :]), "tools/list: catalog tools in name order", names)
            check("word_count" in names and "slugify" in names, "tools/list: core and approved tools", names)
            check("bulk_rename" not in names and "shout" not in names, "tools/list: no candidate", names)

            result = await session.call_tool("word_count", {"text": "one two three"})
            check(not result.is_error, "tools/call word_count succeeds", result)
            check(
                result.structured_content == {"words": 3, "lines": 1, "chars": 13},
                "tools/call word_count: structured content",
                result.structured_content,
            )
            check(json.loads(text_of(result))["words"] == 3, "tools/call word_count: text content")

            result = await session.call_tool("toolbench_propose_tool", {"manifest": MANIFEST, "files": {"run.sh": SCRIPT}})
            check(not result.is_error, "propose: accepted", text_of(result))
            check(result.structured_content["folder"] == "experimental/shout", "propose: lands in experimental/")
            with open(os.path.join(workspace, "experimental", "shout", "tool.toml")) as f:
                check(f.read() == MANIFEST, "propose: the manifest is on disk as sent")
            status = await session.call_tool("toolbench_review_status", {"name": "shout"})
            check(status.structured_content["proposals"][0]["state"] == "pending", "review status: pending")

            # A person reads the validation report before approving: the approval is bound
            # to the content that report judged.
            out = await asyncio.to_thread(cli, "validate", "shout")
            check(out.returncode == 0, "toolbench validate: the proposal passes", out.stdout + out.stderr)
            # Count from a quiet moment: the candidate landing may itself have been announced.
            await asyncio.sleep(0.3)
            list_changed.clear()
            approved_at = time.monotonic()
            out = await asyncio.to_thread(cli, "approve", "shout", "--reason", "looks right")
            check(out.returncode == 0, "toolbench approve (another process) succeeds", out.stdout + out.stderr)
            try:
                await asyncio.wait_for(list_changed.wait(), timeout=5)
            except asyncio.TimeoutError:
                raise AssertionError("no notifications/tools/list_changed within 5 s of the approval")
            latency = heard[-1] - approved_at
            check(True, f"notifications/tools/list_changed received ({latency * 1000:.0f} ms after approve started)")

            names = [t.name for t in (await session.list_tools()).tools]
            check("shout" in names, "tools/list: the approved tool is listed", names)
            result = await session.call_tool("shout", {"text": "hello"})
            check(not result.is_error and text_of(result).strip() == "HELLO", "tools/call of the new tool", result)

            status = await session.call_tool("toolbench_review_status", {})
            mine = [p for p in status.structured_content["proposals"] if p["name"] == "shout"]
            check(len(mine) == 1, "review status: one proposal of shout", mine)
            check(mine[0]["state"] == "approved", "review status: approved", mine)
            check(mine[0]["reviewer"] == "ana", "review status: the reviewer", mine)
            check(mine[0]["reason"] == "looks right", "review status: the reviewer's reason", mine)

    for tool in ["word_count", "shout"]:
        # Validation ran the proposal on its own inputs too (origin validation): the agent's
        # call is the one other run.
        runs = json.loads(cli("runs", tool, "--json").stdout)
        mine = [r for r in runs if r["origin"] != "validation"]
        check(
            len(mine) == 1 and mine[0]["status"] == "ok" and mine[0]["origin"] == "mcp" and mine[0]["client"] == CLIENT_NAME,
            f"runs --json: the {tool} call recorded with origin mcp and this client",
            mine,
        )


class Warnings(logging.Handler):
    """The SDK's warnings, e.g. `Session termination failed: 202` when a DELETE is not 200/204."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.seen = []

    def emit(self, record):
        self.seen.append(record.getMessage())


async def over_http(binary, workspace, env):
    server = subprocess.Popen(
        [binary, "--root", workspace, "mcp", "--http", "127.0.0.1:0"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    warnings = Warnings()
    logging.getLogger("mcp").addHandler(warnings)
    try:
        first = await asyncio.to_thread(server.stderr.readline)
        check(first.startswith("toolbench mcp: serving http://"), "--http: serving", first)
        url = first.split("serving ", 1)[1].strip()
        with open(os.path.join(env["TOOLBENCH_CONFIG_DIR"], "mcp-token")) as f:
            token = f.read().strip()
        client = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
        async with client:
            async with streamable_http_client(url, http_client=client) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    names = [t.name for t in (await session.list_tools()).tools]
                    check("word_count" in names, "--http: tools/list", names)
        check(warnings.seen == [], "--http: the session closes without a warning", warnings.seen)
    finally:
        logging.getLogger("mcp").removeHandler(warnings)
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, workspace = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    with tempfile.TemporaryDirectory() as config:
        # User folders of its own: the workspace is not added to the real user's list.
        env = dict(os.environ, TOOLBENCH_CONFIG_DIR=config, XDG_DATA_HOME=os.path.join(config, "data"))
        env.pop("TOOLBENCH_ROOT", None)
        try:
            asyncio.run(main(binary, workspace, env))
            asyncio.run(over_http(binary, workspace, env))
        except Exception as e:  # noqa: BLE001 - any failure fails the test, with its reason
            print(f"FAIL after {len(passed)} checks: {e!r}", file=sys.stderr)
            sys.exit(1)
    print(f"mcp_python_e2e: {len(passed)} checks passed")
