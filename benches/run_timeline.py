#!/usr/bin/env python3
"""Where a run's time goes, process by process, from the kernel's own events.

    python3 benches/run_timeline.py BIN [RUNS]      (RUNS=60; needs perf and root)

Runs `BIN run noop` RUNS times in a fresh workspace, 20 ms apart (each run on its own, as a
user starts one), under `perf record` of scheduler and system-call tracepoints, which cost the
traced processes far less than `perf trace` or strace. Prints, for each step, the median time
since the `run` process was exec'd:

  fork        `run` forks its helper
  h:*         the helper's preparation (cgroups made, user/mount/IPC/pid namespaces, the
              first and last mount of the shared view)
  ready       the helper starts waiting for its run (recvmsg)
  send        `run` hands the run over (sendmsg)
  netns       the helper, having forked pid 1, returns from unshare(CLONE_NEWNET)
  p1:*        pid 1: first and last mount, seccomp, the tool's fork
  exec_tool   the tool is exec'd; tool_exit, helper_exit, cli_exit: each process ends
  told        the helper, given the end by pid 1, lowers its priority and tells `run`
"""

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

from runs_ab import workspace

EVENTS = [
    "sched:sched_process_fork",
    "sched:sched_process_exec",
    "sched:sched_process_exit",
] + [
    f"syscalls:sys_{edge}_{name}"
    for name in ["sendmsg", "recvmsg", "mount", "unshare", "mkdir", "seccomp", "clone", "sched_setscheduler"]
    for edge in ["enter", "exit"]
]
LINE = re.compile(r"\s*(\S+)\s+(\d+)/(\d+)\s+\[\d+\]\s+([\d.]+):\s+(\S+):\s*(.*)")


def record(binary, root, runs, data):
    loop = f"for i in $(seq {runs}); do {binary} --root {root} run noop >/dev/null; sleep 0.02; done"
    subprocess.run(
        ["perf", "record", "-q", "-o", data, "-e", ",".join(EVENTS), "-a", "--", "sh", "-c", loop],
        check=True,
        stderr=subprocess.DEVNULL,
    )


class Marker:
    """Notes a step of `run` at `at` (ms), the first time the step is seen."""

    def __init__(self, run, at):
        self.run, self.at = run, at

    def __call__(self, step):
        self.run.setdefault(step, self.at - self.run["t0"])


def steps(binary, data):
    """One dict of step -> ms since exec per run."""
    script = subprocess.run(
        ["perf", "script", "-i", data, "-F", "comm,pid,tid,cpu,time,event,trace"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    name = os.path.basename(binary)
    runs, run = [], None
    for line in script.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        _comm, pid, tid, at, event, detail = m.groups()
        pid, tid, at = int(pid), int(tid), float(at) * 1000
        event = event.split(":")[1]
        if event == "sched_process_exec" and re.search(rf"filename=\S*/{re.escape(name)} ", detail + " "):
            run = {"cli": pid, "t0": at, "helper": None, "pid1": None, "seen": {}}
            runs.append(run)
            continue
        if run is None:
            continue
        mark = Marker(run, at)
        if event == "sched_process_fork":
            parent, child = map(int, re.search(r" pid=(\d+) child_comm=\S+ child_pid=(\d+)", detail).groups())
            if parent == run["cli"] and run["helper"] is None:
                run["helper"] = child
                mark("fork")
            elif parent == run["helper"] and "ready" in run and run["pid1"] is None:
                run["pid1"] = child
        elif pid == run["cli"] and tid == pid:
            if event == "sys_enter_sendmsg":
                mark("send")
            elif event == "sched_process_exit":
                mark("cli_exit")
        elif pid == run["helper"]:
            if event == "sys_exit_unshare" and run["pid1"]:
                mark("netns")
            elif event == "sys_enter_recvmsg":
                mark("ready")
            elif event == "sys_enter_sched_setscheduler":
                mark("told")
            elif event == "sched_process_exit":
                mark("helper_exit")
            elif "ready" not in run and event.startswith("sys_enter_"):
                call = event[len("sys_enter_"):]
                run["seen"][call] = n = run["seen"].get(call, 0) + 1
                if call == "mkdir":
                    mark(f"h:cgroup mkdir {n}")
                elif call == "unshare":
                    mark(f"h:unshare {['user', 'mount', 'ipc', 'pid'][n - 1] if n <= 4 else n}")
                elif call == "mount":
                    mark("h:first mount")
                    run["h:last mount"] = at - run["t0"]
        elif pid == run["pid1"]:
            if event == "sys_enter_mount":
                mark("p1:first mount")
                run["p1:last mount"] = at - run["t0"]
            elif event == "sys_enter_seccomp":
                mark("p1:seccomp")
            elif event == "sys_enter_clone":
                mark("p1:fork the tool")
        elif run["pid1"] and pid > run["pid1"]:
            if event == "sched_process_exec":
                mark("exec_tool")
            elif event == "sched_process_exit" and "exec_tool" in run:
                mark("tool_exit")
    return runs


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    root = workspace(binary, tempfile.gettempdir())
    data = os.path.join(root, "perf.data")
    try:
        record(binary, root, runs, data)
        found = steps(binary, data)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    names = {k for r in found for k in r if k not in ("cli", "t0", "helper", "pid1", "seen")}
    medians = {k: statistics.median(r[k] for r in found if k in r) for k in names}
    print(f"{binary}: {len(found)} runs, ms since exec (median)")
    for step, ms in sorted(medians.items(), key=lambda kv: kv[1]):
        print(f"  {ms:7.3f}  {step}")


if __name__ == "__main__":
    main()
