"""An in-memory key-value cache behind toolbench's generic adapter.

Usage: python3 server.py [--port N] [--max-keys N]

Listens on 127.0.0.1, on --port N or TOOLBENCH_PORT. Each request line is
{"message": COMMAND, "context": {...}}; each answer is one line
{"response": ..., "ok": true} or {"error": "...", "ok": false}, the generic adapter's
way to say a request failed.

Commands (the message):
    set KEY VALUE...   store VALUE (the rest of the line); context {"ttl": seconds}
    get KEY            the value, or null when absent or expired
    del KEY            true when it was there
    keys               the live keys, sorted
    stats              {"keys", "hits", "misses", "max_keys"}
    ping | version | status
The oldest key is evicted when --max-keys is reached. Nothing is written to
disk: the cache lives as long as the instance.
"""

import argparse
import json
import os
import signal
import socketserver
import sys
import threading
import time
from collections import OrderedDict

VERSION = "1.0.0"
MAX_LINE = 1024 * 1024


class Cache:
    def __init__(self, max_keys: int) -> None:
        self.max_keys = max_keys
        self.items: "OrderedDict[str, tuple[str, float | None]]" = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.lock = threading.Lock()

    def _live(self, key: str):
        entry = self.items.get(key)
        if entry is None:
            return None
        value, expires = entry
        if expires is not None and expires <= time.monotonic():
            del self.items[key]
            return None
        return value

    def set(self, key: str, value: str, ttl) -> None:
        expires = time.monotonic() + float(ttl) if ttl is not None else None
        with self.lock:
            self.items.pop(key, None)
            self.items[key] = (value, expires)
            while len(self.items) > self.max_keys:
                self.items.popitem(last=False)

    def get(self, key: str):
        with self.lock:
            value = self._live(key)
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
            return value

    def delete(self, key: str) -> bool:
        with self.lock:
            present = self._live(key) is not None
            self.items.pop(key, None)
            return present

    def keys(self) -> list:
        with self.lock:
            return sorted(k for k in list(self.items) if self._live(k) is not None)

    def stats(self) -> dict:
        with self.lock:
            return {"keys": len(self.items), "hits": self.hits, "misses": self.misses, "max_keys": self.max_keys}


def answer(cache: Cache, message: str, context: dict):
    words = message.split(None, 2)
    if not words:
        raise ValueError("empty command")
    command = words[0].lower()
    if command == "set" and len(words) == 3:
        ttl = context.get("ttl")
        if ttl is not None and (not isinstance(ttl, (int, float)) or ttl <= 0):
            raise ValueError("context.ttl must be a positive number of seconds")
        cache.set(words[1], words[2], ttl)
        return "stored"
    if command == "get" and len(words) == 2:
        return cache.get(words[1])
    if command == "del" and len(words) == 2:
        return cache.delete(words[1])
    if command == "keys" and len(words) == 1:
        return cache.keys()
    if command == "stats" and len(words) == 1:
        return cache.stats()
    if command in ("ping", "status"):
        return "pong" if command == "ping" else cache.stats()
    if command == "version":
        return VERSION
    raise ValueError(f"unknown command {message!r} (set, get, del, keys, stats, ping, version, status)")


class Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        while True:
            line = self.rfile.readline(MAX_LINE + 1)
            if not line:
                return
            if len(line) > MAX_LINE:
                self.reply({"error": f"line longer than {MAX_LINE} bytes", "ok": False})
                return
            text = line.decode("utf-8", errors="replace").strip()
            if not text:
                continue
            try:
                request = json.loads(text)
                if not isinstance(request, dict) or not isinstance(request.get("message"), str):
                    raise ValueError('expected {"message": "...", "context": {...}}')
                context = request.get("context") or {}
                if not isinstance(context, dict):
                    raise ValueError("context must be an object")
                self.reply({"response": answer(self.server.cache, request["message"], context), "ok": True})
            except (ValueError, json.JSONDecodeError) as exc:
                self.reply({"error": str(exc), "ok": False})

    def reply(self, obj: dict) -> None:
        try:
            self.wfile.write((json.dumps(obj) + "\n").encode("utf-8"))
            self.wfile.flush()
        except OSError:
            pass


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main() -> None:
    parser = argparse.ArgumentParser(description="in-memory key-value cache over line JSON")
    parser.add_argument("--port", type=int, default=int(os.environ.get("TOOLBENCH_PORT", "0") or 0))
    parser.add_argument("--max-keys", type=int, default=10000)
    args = parser.parse_args()
    if not 0 < args.port < 65536:
        parser.error("--port (or TOOLBENCH_PORT) must be between 1 and 65535")
    if args.max_keys < 1:
        parser.error("--max-keys must be at least 1")
    try:
        server = Server(("127.0.0.1", args.port), Handler)
    except OSError as exc:
        print(f"kv_cache: cannot listen on port {args.port}: {exc}", file=sys.stderr)
        sys.exit(1)
    server.cache = Cache(args.max_keys)

    def stop(signum, frame):  # noqa: ARG001
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"kv_cache {VERSION}: listening on 127.0.0.1:{args.port}", file=sys.stderr, flush=True)
    with server:
        server.serve_forever()
    print("kv_cache: stopped", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
