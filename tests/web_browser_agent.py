"""The agent of the review page's browser test: calls `deploy` through `toolbench mcp` with
the official MCP Python SDK, waits while a person answers on the page, and prints the call's
result as JSON ({"is_error", "text"}) on stdout.

Usage: python3 web_browser_agent.py TOOLBENCH_BINARY WORKSPACE ENV
"""

import asyncio
import json
import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


async def main(binary: str, workspace: str, env: str) -> None:
    server = StdioServerParameters(command=binary, args=["--root", workspace, "mcp"])
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            result = await session.call_tool("deploy", {"env": env})
            text = "".join(c.text for c in result.content if getattr(c, "text", None))
            print(json.dumps({"is_error": bool(result.is_error), "text": text}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
