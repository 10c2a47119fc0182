#!/usr/bin/env python3
"""The figures of tools with dependencies (docs/dependencies.md), offline.

Usage: python3 benches/dependencies.py BIN [--runs N]

Makes small wheels with the stdlib and serves them from a simple index on loopback, then:
  (a) the first validation of a tool with one small dependency (resolve + install in the
      sandbox + its test case), each in a fresh workspace;
  (b) a run of that tool once approved (its environment built) against the same script run
      with `uv run --script` on the host (its cached environment warm), in turns;
  (c) the disk used by the environments of 20 tools sharing 3 locks, against one environment
      per tool.
uv comes from PATH or the `uv` Python package (pip install uv).
"""

import base64
import hashlib
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile


def wheel(out, name, version, module):
    di = f"{name}-{version}.dist-info"
    files = {
        f"{name}.py": module.encode(),
        f"{di}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
        f"{di}/WHEEL": b"Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }

    def rec(n, d):
        h = base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
        return f"{n},sha256={h},{len(d)}"

    files[f"{di}/RECORD"] = ("\n".join([rec(k, v) for k, v in files.items()] + [f"{di}/RECORD,,"]) + "\n").encode()
    path = os.path.join(out, "files", f"{name}-{version}-py3-none-any.whl")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        for k, v in files.items():
            z.writestr(k, v)
    sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
    page = os.path.join(out, "simple", name)
    os.makedirs(page, exist_ok=True)
    file = os.path.basename(path)
    with open(os.path.join(page, "index.html"), "w") as f:
        f.write(f'<html><body><a href="../../files/{file}#sha256={sha}">{file}</a></body></html>\n')


def serve(directory):
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=directory, **k)
    http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def find_uv():
    for d in os.environ.get("PATH", "").split(":"):
        p = os.path.join(d, "uv")
        if os.path.isfile(p) and open(p, "rb").read(4) == b"\x7fELF":
            return p
    import uv  # noqa: PLC0415

    return uv.find_uv_bin()


def script(deps):
    listed = ", ".join(f'"{d}"' for d in deps)
    imports = "\n".join(f"import {d}" for d in deps)
    return f"# /// script\n# dependencies = [{listed}]\n# ///\nimport json\n{imports}\nprint(json.dumps({{'ok': True}}))\n"


def tool(ws, name, deps):
    folder = os.path.join(ws, "experimental", name)
    os.makedirs(os.path.join(folder, "tests"), exist_ok=True)
    with open(os.path.join(folder, "tool.toml"), "w") as f:
        f.write(f'name = "{name}"\nversion = "1.0.0"\ndescription = "uses packages"\ncost_tier = "low"\n\n'
                '[run]\ncommand = ["python3", "main.py"]\ninput = "none"\n')
    with open(os.path.join(folder, "main.py"), "w") as f:
        f.write(script(deps))
    with open(os.path.join(folder, "tests", "ok.toml"), "w") as f:
        f.write('input = "{}"\nexpect_stdout_contains = "ok"\n')
    return folder


def workspace(base):
    ws = tempfile.mkdtemp(dir=base)
    for tier in ["core", "approved", "experimental", "archived"]:
        os.makedirs(os.path.join(ws, tier))
    return ws


def timed(argv, env=None, cwd=None):
    start = time.perf_counter()
    out = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if out.returncode not in (0, 1):
        sys.exit(f"{argv}: exit {out.returncode}\n{out.stdout}\n{out.stderr}")
    return elapsed, out


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 20
    uv = find_uv()
    index_dir = tempfile.mkdtemp()
    for name in ["tinydep", "depb", "depc"]:
        wheel(index_dir, name, "1.0.0", f"NAME = {name!r}\n")
    port = serve(index_dir)
    index = f"http://127.0.0.1:{port}/simple"
    # Outside /tmp: where a workspace usually is (a run's /tmp is its own).
    base = tempfile.mkdtemp(dir=os.path.expanduser("~"), prefix=".toolbench-bench-")
    config = os.path.join(base, "config")
    os.makedirs(config)
    with open(os.path.join(config, "config.toml"), "w") as f:
        f.write(f'[dependencies]\nindex = "{index}"\nuv = "{uv}"\n[validate]\ngenerated_cases = 0\n')
    env = dict(os.environ, TOOLBENCH_CONFIG_DIR=config, XDG_DATA_HOME=os.path.join(config, "data"))
    env.pop("TOOLBENCH_ROOT", None)
    try:
        # (a) first validation, a fresh workspace each time
        first = []
        for _ in range(max(3, runs // 4)):
            ws = workspace(base)
            tool(ws, "greeter", ["tinydep"])
            t, out = timed([binary, "--root", ws, "validate", "greeter"], env)
            if "✓ dependencies" not in out.stdout:
                sys.exit(out.stdout + out.stderr)
            first.append(t)
        print(f"(a) first validation, one small dependency: median {statistics.median(first)*1000:.0f} ms "
              f"(min {min(first)*1000:.0f}, max {max(first)*1000:.0f}, {len(first)} runs)")
        # (b) a run once approved, against uv run --script on the host
        subprocess.run([binary, "--root", ws, "approve", "greeter"], env=env, capture_output=True, check=True)
        main_py = os.path.join(ws, "approved", "greeter", "main.py")
        host_script = os.path.join(base, "main.py")
        shutil.copy(main_py, host_script)
        uv_env = dict(os.environ, UV_CACHE_DIR=os.path.join(base, "uv-cache"))
        uv_argv = [uv, "run", "--index-url", index, "--python", "/usr/bin/python3", "--quiet", "--script", host_script]
        timed(uv_argv, uv_env)  # its environment made once, as ours exists
        ours, theirs = [], []
        for _ in range(runs):
            t, out = timed([binary, "--root", ws, "run", "greeter"], env)
            if '"ok": true' not in out.stdout:
                sys.exit(out.stdout + out.stderr)
            ours.append(t)
            t, out = timed(uv_argv, uv_env)
            if '"ok": true' not in out.stdout:
                sys.exit(out.stdout + out.stderr)
            theirs.append(t)
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"(b) run with its environment: median {a*1000:.1f} ms against uv run --script {b*1000:.1f} ms: {a/b:.2f} x ({runs} turns)")
        # (c) 20 tools, 3 locks
        ws = workspace(base)
        sets = [["tinydep"], ["tinydep", "depb"], ["depc"]]
        for i in range(20):
            tool(ws, f"tool{i:02d}", sets[i % 3])
        for i in range(20):
            subprocess.run([binary, "--root", ws, "validate", f"tool{i:02d}"], env=env, capture_output=True)
        envs = os.path.join(ws, ".toolbench", "envs")
        names = [n for n in os.listdir(envs) if os.path.isfile(os.path.join(envs, n, "env.json"))]
        du = lambda p: int(subprocess.run(["du", "-sk", p], capture_output=True, text=True).stdout.split()[0])
        total = du(envs)
        per = [du(os.path.join(envs, n)) for n in names]
        size_of = {}
        for n, kib in zip(names, per):
            packages = json.load(open(os.path.join(envs, n, "env.json")))["packages"]
            size_of[tuple(sorted(p.split("==")[0] for p in packages))] = kib
        unshared = sum(size_of.get(tuple(sorted(sets[i % 3])), 0) for i in range(20))
        print(f"(c) 20 tools sharing 3 locks: {len(names)} environments, {total} KiB on disk "
              f"(one per tool would be {unshared} KiB); listed: {json.dumps(sorted(per))}")
    finally:
        subprocess.run(["chmod", "-R", "u+w", base])
        shutil.rmtree(base, ignore_errors=True)
        shutil.rmtree(index_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
