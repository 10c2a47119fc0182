"""Ask the dev server on 127.0.0.1:8080 for one path and report its status."""
import http.client
import json
import sys
import time

HOST, PORT = "127.0.0.1", 8080


def main() -> int:
    request = json.load(sys.stdin)
    path = request.get("path", "/health")
    url = f"http://{HOST}:{PORT}{path}"
    started = time.monotonic()
    try:
        connection = http.client.HTTPConnection(HOST, PORT, timeout=5)
        connection.request("GET", path)
        status = connection.getresponse().status
    except OSError as error:
        print(json.dumps({"url": url, "up": False, "error": error.strerror or str(error)}))
        return 0
    elapsed_ms = round((time.monotonic() - started) * 1000, 1)
    print(json.dumps({"url": url, "up": True, "status": status, "ms": elapsed_ms}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
