#!/usr/bin/env python3
"""What declared permissions cost a run, next to bubblewrap doing the same work.

    python3 benches/permissions.py [BIN]      (ROUNDS=100; BIN: the release build)

One workspace with three approved tools whose run.sh is `true`: `plain` (no permissions),
`project` (`project = "read"`: the project bound read-only at its path, its working folder)
and `net` (`network = ["127.0.0.1:PORT"]`: the host network, Landlock letting TCP connect to
PORT only); `net *` (`network = ["*"]`) shows what the host network costs without the rule.
Every round runs each of them (`toolbench --project DIR run NAME`), the bare `sh run.sh`, and
`bwrap --unshare-all --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp --die-with-parent
--ro-bind TOOL TOOL sh run.sh`, in alternating order, so that a slow minute of a shared
machine slows them all alike. After 5 warm-up rounds it prints each median, the overhead over
the bare command divided by the whole bwrap command (the figure of BENCHMARKS.md, target
1.25 x), the whole run over the whole bwrap command, and each tool against `plain`.

HOME and the config folder are fresh temporary folders, so the workspaces this user opened
before (each one a hidden folder more for every run) do not weigh on the figures.
Without bubblewrap (`apt-get install bubblewrap`) its column is skipped, with a message.
The latency an egress proxy adds is not measured: there is none yet (a host's name is not
checked, only its port; the run's `egress` layer says so).
"""

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from toolbench_bin import toolbench_bin  # noqa: E402

BWRAP_ARGS = ["--unshare-all", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
              "--tmpfs", "/tmp", "--die-with-parent"]
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


def tool(root, name, permissions):
    folder = os.path.join(root, "approved", name.replace(" *", "_any"))
    os.makedirs(folder)
    with open(os.path.join(folder, "tool.toml"), "w") as f:
        f.write(MANIFEST.format(name=name.replace(" *", "_any"), permissions=permissions))
    with open(os.path.join(folder, "run.sh"), "w") as f:
        f.write("true\n")
    return folder


def main():
    binary = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else toolbench_bin("release")
    if not os.access(binary, os.X_OK):
        sys.exit(f"permissions.py: no program at {binary} (cargo build --release)")
    rounds = int(os.environ.get("ROUNDS", "100"))
    work = tempfile.mkdtemp(prefix="toolbench-permissions.")
    # A port the `net` tool may connect to; held open so no one else takes it meanwhile.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    try:
        env = dict(os.environ)
        env["HOME"] = os.path.join(work, "home")
        env["TOOLBENCH_CONFIG_DIR"] = os.path.join(work, "config")
        for var in ("TOOLBENCH_ROOT", "TOOLBENCH_PROJECT", "XDG_DATA_HOME", "XDG_CONFIG_HOME",
                    "XDG_CACHE_HOME", "XDG_STATE_HOME"):
            env.pop(var, None)
        for folder in ("home", "config", "project/src"):
            os.makedirs(os.path.join(work, folder))
        project = os.path.join(work, "project")
        for i in range(20):
            with open(os.path.join(project, "src", f"file{i}.txt"), "w") as f:
                f.write("data\n")
        root = os.path.join(work, "ws")
        subprocess.run([binary, "init", root], stdout=subprocess.DEVNULL, check=True, env=env)
        tools = {
            "plain": "",
            "project": '[permissions]\nproject = "read"\n',
            "net": f'[permissions]\nnetwork = ["127.0.0.1:{port}"]\n',
            # Not a figure of its own: the network without a port rule, to tell the port
            # rule's cost from the host network's.
            "net *": '[permissions]\nnetwork = ["*"]\n',
        }
        script = None
        for name, permissions in tools.items():
            script = os.path.join(tool(root, name, permissions), "run.sh")
        # A person accepts the tools placed in approved/.
        subprocess.run([binary, "--root", root, "accept"], stdout=subprocess.DEVNULL, check=True,
                       env=env)
        commands = {}
        for name in tools:
            command = [binary, "--root", root, "--project", project, "run",
                       name.replace(" *", "_any")]
            # The first run fills the cached index and seals the tools, as in benches/runs.sh.
            subprocess.run(command, stdout=subprocess.DEVNULL, check=True, env=env)
            commands[name] = command
        commands["sh run.sh"] = [shutil.which("sh"), script]
        bwrap = shutil.which("bwrap")
        if bwrap:
            # The tool's folder shown again over the fresh /tmp, as toolbench shows it.
            folder = os.path.dirname(script)
            commands["bwrap sh run.sh"] = ([bwrap] + BWRAP_ARGS + ["--ro-bind", folder, folder]
                                           + [shutil.which("sh"), script])
        else:
            print("permissions.py: bubblewrap is not installed (apt-get install bubblewrap): "
                  "its column is skipped", file=sys.stderr)
        layers = subprocess.run([binary, "--root", root, "--project", project, "run", "net",
                                 "--json"], capture_output=True, text=True, env=env)
        try:
            egress = next((layer for layer in json.loads(layers.stdout)["sandbox"]
                           if layer["name"] == "egress"), None)
        except (ValueError, KeyError):
            egress = None

        names = list(commands)
        times = {name: [] for name in names}
        devnull = os.open(os.devnull, os.O_WRONLY)
        for round_ in range(rounds + 5):
            order = names if round_ % 2 == 0 else names[::-1]
            for name in order:
                start = time.perf_counter()
                pid = os.posix_spawn(commands[name][0], commands[name], env,
                                     file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
                _, status = os.waitpid(pid, 0)
                took = time.perf_counter() - start
                if status != 0:
                    sys.exit(f"permissions.py: {commands[name]} failed ({status})")
                if round_ >= 5:
                    times[name].append(took)
        median = {name: statistics.median(t) * 1000 for name, t in times.items()}

        load = open("/proc/loadavg").read().split()[:3]
        print(f"{os.cpu_count()} cores, load average {' '.join(load)}, {rounds} rounds, "
              f"{binary}")
        if egress:
            held = "held" if egress["active"] else "NOT held"
            print(f"egress layer of `net`: {held}: {egress['detail']}")
        else:
            print("egress layer of `net`: none recorded")
        bare = median["sh run.sh"]
        whole_bwrap = median.get("bwrap sh run.sh")
        print()
        print(f"{'command':<16} {'median ms':>9} {'overhead':>9} {'ovh/bwrap':>9} "
              f"{'run/bwrap':>9} {'/ plain':>8}")
        for name in names:
            m = median[name]
            cells = [f"{m:9.2f}"]
            if name in tools:
                cells.append(f"{m - bare:9.2f}")
                if whole_bwrap:
                    cells.append(f"{(m - bare) / whole_bwrap:8.2f}x")
                    cells.append(f"{m / whole_bwrap:8.2f}x")
                else:
                    cells += [f"{'-':>9}", f"{'-':>9}"]
                cells.append(f"{m / median['plain']:7.2f}x")
            print(f"{name:<16} " + " ".join(cells))
        print()
        if whole_bwrap:
            worst = max((median[n] - bare) / whole_bwrap for n in ("project", "net"))
            verdict = "PASS" if worst <= 1.25 else "MISS"
            print(f"permissions runs, overhead over the bare command / bwrap: at most "
                  f"{worst:.2f}x (target 1.25x): {verdict}")
        print("egress proxy latency: not measured, no egress proxy exists yet "
              "(host names are not enforced, only ports)")
    finally:
        listener.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
