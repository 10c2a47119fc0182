#!/usr/bin/env python3
"""What the write broker costs a run that writes its project, next to the build before it.

    python3 benches/writes.py BEFORE AFTER      (ROUNDS=100; two release builds of toolbench)

Each build gets a workspace of its own with three approved tools run for one project each:
`plain` (`run.sh` is `true`, no permissions), `idle` (`true` with `project = "write"`: what
setting the broker up costs) and `writer` (`project = "write"`), whose run.sh writes a few
files the way a tool does: makes a folder, writes five files into it, renames one, removes
another, appends to a sixth and reads one back. Every round runs, in alternating order, the
three tools under both builds and the bare `sh run.sh` of the writer in a copy of the
project, so that a slow minute of a shared machine slows them all alike. After 5 warm-up
rounds it prints each median, the writer's run under AFTER over the same under BEFORE (the
figure of BENCHMARKS.md, target at most 1.05 x) and the `writes` layer AFTER recorded.

Whole runs of a few milliseconds swing with the machine's load; what one call costs does not
depend on process starts. So a fourth tool, `calls` (`project = "write"`), times 2000 calls
of each kind inside its run (Python's `time.perf_counter`): making a file in the project,
removing it, and making a file in /tmp (a call pid 1 lets the kernel carry out). It runs
PASSES times (default 9) under each build, alternating, and the medians per call are printed.

HOME and the config folder are fresh temporary folders, so the workspaces this user opened
before (each one a hidden folder more for every run) do not weigh on the figures. The
temporary folder is made outside /tmp (TMPDIR if set, else /var/tmp): a project under /tmp is
the run's own /tmp in the sandbox.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

MANIFEST = """name = "{name}"
version = "1.0.0"
description = "bench"
cost_tier = "low"
[run]
command = ["sh", "run.sh"]
input = "none"
timeout_secs = 300
memory_mb = 1024
{permissions}
"""

WRITER = """mkdir -p out
for i in 1 2 3 4 5; do echo "line $i" > out/f$i.txt; done
mv out/f1.txt out/g1.txt
rm out/f2.txt
echo more >> out/log.txt
cat out/f3.txt > /dev/null
"""

CALLS = """python3 - <<'PY'
import os, time
os.makedirs("many", exist_ok=True)
n = 2000
t0 = time.perf_counter()
for i in range(n):
    os.close(os.open(f"many/f{i}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))
t1 = time.perf_counter()
for i in range(n):
    os.unlink(f"many/f{i}")
t2 = time.perf_counter()
for i in range(n):
    os.close(os.open(f"/tmp/f{i}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))
t3 = time.perf_counter()
print(f"{(t1 - t0) / n * 1e6:.2f} {(t2 - t1) / n * 1e6:.2f} {(t3 - t2) / n * 1e6:.2f}")
PY
"""


def tool(root, name, permissions, script):
    folder = os.path.join(root, "approved", name)
    os.makedirs(folder)
    with open(os.path.join(folder, "tool.toml"), "w") as f:
        f.write(MANIFEST.format(name=name, permissions=permissions))
    with open(os.path.join(folder, "run.sh"), "w") as f:
        f.write(script)
    return folder


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    builds = {"before": os.path.abspath(sys.argv[1]), "after": os.path.abspath(sys.argv[2])}
    for label, binary in builds.items():
        if not os.access(binary, os.X_OK):
            sys.exit(f"writes.py: no program at {binary} ({label})")
    rounds = int(os.environ.get("ROUNDS", "100"))
    base = os.environ.get("TMPDIR", "/var/tmp")
    if base.startswith("/tmp"):
        base = "/var/tmp"
    work = tempfile.mkdtemp(prefix="toolbench-writes.", dir=base)
    try:
        env = dict(os.environ)
        env["HOME"] = os.path.join(work, "home")
        env["TOOLBENCH_CONFIG_DIR"] = os.path.join(work, "config")
        for var in ("TOOLBENCH_ROOT", "TOOLBENCH_PROJECT", "XDG_DATA_HOME", "XDG_CONFIG_HOME",
                    "XDG_CACHE_HOME", "XDG_STATE_HOME"):
            env.pop(var, None)
        os.makedirs(env["HOME"])
        os.makedirs(env["TOOLBENCH_CONFIG_DIR"])
        commands = {}
        layers = {}
        for label, binary in builds.items():
            root = os.path.join(work, f"ws-{label}")
            project = os.path.join(work, f"project-{label}")
            os.makedirs(os.path.join(project, "src"))
            for i in range(20):
                with open(os.path.join(project, "src", f"file{i}.txt"), "w") as f:
                    f.write("data\n")
            subprocess.run([binary, "init", root], stdout=subprocess.DEVNULL, check=True,
                           env=env)
            tool(root, "plain", "", "true\n")
            tool(root, "idle", '[permissions]\nproject = "write"\n', "true\n")
            tool(root, "calls", '[permissions]\nproject = "write"\n', CALLS)
            script = os.path.join(tool(root, "writer", '[permissions]\nproject = "write"\n',
                                       WRITER), "run.sh")
            for name in ("plain", "idle", "writer"):
                command = [binary, "--root", root, "--project", project, "run", name]
                # The first run fills the cached index and seals the tools.
                subprocess.run(command, stdout=subprocess.DEVNULL, check=True, env=env)
                commands[f"{name} {label}"] = command
            ran = subprocess.run([binary, "--root", root, "--project", project, "run",
                                  "writer", "--json"], capture_output=True, text=True, env=env)
            layers[label] = next((layer for layer in json.loads(ran.stdout)["sandbox"]
                                  if layer["name"] == "writes"), None)
        bare = os.path.join(work, "project-bare")
        shutil.copytree(os.path.join(work, "project-after"), bare)
        commands["sh run.sh"] = [shutil.which("sh"), script]

        names = list(commands)
        times = {name: [] for name in names}
        devnull = os.open(os.devnull, os.O_WRONLY)
        for round_ in range(rounds + 5):
            order = names if round_ % 2 == 0 else names[::-1]
            for name in order:
                cwd = bare if name == "sh run.sh" else None
                start = time.perf_counter()
                done = subprocess.run(commands[name], stdout=devnull, env=env, cwd=cwd)
                took = time.perf_counter() - start
                if done.returncode != 0:
                    sys.exit(f"writes.py: {commands[name]} failed ({done.returncode})")
                if round_ >= 5:
                    times[name].append(took)
        median = {name: statistics.median(t) * 1000 for name, t in times.items()}

        per_call = {label: [] for label in builds}
        for _ in range(int(os.environ.get("PASSES", "9"))):
            for label, binary in builds.items():
                ran = subprocess.run([binary, "--root", os.path.join(work, f"ws-{label}"),
                                      "--project", os.path.join(work, f"project-{label}"),
                                      "run", "calls"], capture_output=True, text=True, env=env)
                if ran.returncode != 0:
                    sys.exit(f"writes.py: calls under {label} failed: {ran.stderr}")
                per_call[label].append([float(x) for x in ran.stdout.split()])

        load = open("/proc/loadavg").read().split()[:3]
        print(f"{os.cpu_count()} cores, load average {' '.join(load)}, {rounds} rounds")
        for label, binary in builds.items():
            print(f"{label}: {binary}")
            layer = layers[label]
            print(f"  writes layer: {json.dumps(layer) if layer else 'none recorded'}")
        print()
        print(f"{'command':<16} {'median ms':>9}")
        for name in names:
            print(f"{name:<16} {median[name]:9.2f}")
        print()
        print(f"{'per call, us':<16} {'project create':>14} {'project unlink':>14} "
              f"{'/tmp create':>12}")
        for label in builds:
            cells = [statistics.median(p[i] for p in per_call[label]) for i in range(3)]
            print(f"{label:<16} {cells[0]:14.2f} {cells[1]:14.2f} {cells[2]:12.2f}")
        print()
        ratio = median["writer after"] / median["writer before"]
        verdict = "PASS" if ratio <= 1.05 else "MISS"
        print(f"writer, after / before: {ratio:.3f}x (target 1.05x): {verdict}")
        for name in ("idle", "plain"):
            print(f"{name}, after / before: "
                  f"{median[f'{name} after'] / median[f'{name} before']:.3f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
