"""A long-running TCP echo service speaking toolbench's generic adapter.

Usage: python3 server.py [--port N] [--host 127.0.0.1]

Port: --port N when N > 0; otherwise the TOOLBENCH_PORT environment variable
(set by toolbench for every launch); otherwise a free port chosen by the OS.
Once listening it prints one line on stdout:
    {"listening": "127.0.0.1", "port": N}

Every line received is a request {"message": ..., "context": ...} and is
answered with one line
    {"response": <message>, "context": <context>}
A line that is not JSON, or JSON without "message", is answered with
{"error": "..."}. Empty lines are ignored. Stops cleanly on SIGTERM or SIGINT.
"""

import argparse
import json
import os
import signal
import socketserver
import sys
import threading

MAX_LINE = 1024 * 1024


class EchoHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        while True:
            line = self.rfile.readline(MAX_LINE + 1)
            if not line:
                return
            if len(line) > MAX_LINE:
                self.reply({"error": f"message longer than {MAX_LINE} bytes"})
                return
            text = line.decode("utf-8", errors="replace").strip()
            if not text:
                continue
            try:
                request = json.loads(text)
            except json.JSONDecodeError as exc:
                self.reply({"error": f"not JSON: {exc}"})
                continue
            if not isinstance(request, dict) or "message" not in request:
                self.reply({"error": 'expected {"message": ..., "context": ...}'})
                continue
            self.reply({"response": request["message"], "context": request.get("context", {})})

    def reply(self, obj: dict) -> None:
        try:
            self.wfile.write((json.dumps(obj) + "\n").encode("utf-8"))
            self.wfile.flush()
        except OSError:
            pass


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def choose_port(arg_port: int) -> int:
    if arg_port > 0:
        return arg_port
    env_port = os.environ.get("TOOLBENCH_PORT", "").strip()
    if env_port:
        if not env_port.isdigit() or not 0 < int(env_port) < 65536:
            print(f"echo_service: invalid TOOLBENCH_PORT {env_port!r}", file=sys.stderr)
            sys.exit(2)
        return int(env_port)
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description="TCP echo service for newline-delimited JSON")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: TOOLBENCH_PORT or a free port)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    args = parser.parse_args()
    if not 0 <= args.port < 65536:
        parser.error("--port must be between 0 and 65535")

    try:
        server = Server((args.host, choose_port(args.port)), EchoHandler)
    except OSError as exc:
        print(f"echo_service: cannot listen: {exc}", file=sys.stderr)
        sys.exit(1)

    def stop(signum, frame):  # noqa: ARG001
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    host, port = server.server_address[:2]
    print(json.dumps({"listening": host, "port": port}), flush=True)
    print(f"echo_service: listening on {host}:{port}", file=sys.stderr, flush=True)
    with server:
        server.serve_forever()
    print("echo_service: stopped", file=sys.stderr)


if __name__ == "__main__":
    main()
