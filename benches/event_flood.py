#!/usr/bin/env python3
"""A key press in the workbench while every source of events floods it at once.

Opens the real binary in a pseudo-terminal on a fresh workspace and, all at the same time:
- a tool run from the workbench writes output as fast as it can (as keypress_flood.py);
- other processes record runs into the same workspace: RUNNERS shell loops, each running
  `toolbench run tick` (a tool that prints one line) one after the other;
- a script rewrites the manifests of BURST tools in `approved/` over and over (watcher
  bursts), and of CANDIDATES tools in `experimental/` (each arrival is validated);
then presses `?` 20 times (each time waiting for the help overlay's title, then closing it
with Esc) and reports the median and worst time from the key to the overlay on screen. The
workbench is then quit (q, q) and reports the most events its queue held at once
(TOOLBENCH_QUEUE_REPORT).

Usage: event_flood.py BINARY [--presses N] [--runners N] [--burst N] [--candidates N] [--nice N]
                      [--ui-nice N]
"""
import argparse
import fcntl
import multiprocessing
import os
import pty
import signal
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keypress_flood import Screen, press_help, workspace  # noqa: E402


def manifest(name, command):
    return (
        f'name = "{name}"\nversion = "1.0.0"\ndescription = "{name}"\ncost_tier = "low"\n'
        f'[run]\ncommand = {command}\ninput = "none"\n'
    )


def add_tool(root, tier, name, command='["sh", "-c", "echo {}"]'):
    folder = os.path.join(root, tier, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "tool.toml"), "w") as f:
        f.write(manifest(name, command))


def burst(root, tools, candidates, stop, rounds):
    """Rewrites every burst tool's manifest, round after round, until `stop`. Runs in a
    process of its own: as a thread of this one it would hold the interpreter's lock away from
    the reader of the screen, and the wait for that lock would count as the workbench's."""
    while not stop.is_set():
        for i in range(tools):
            add_tool(root, "approved", f"burst{i}", f'["sh", "-c", "echo {rounds.value}"]')
        for i in range(candidates):
            add_tool(root, "experimental", f"cand{i}", f'["sh", "-c", "echo {rounds.value}"]')
        rounds.value += 1
        stop.wait(0.2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument("--runners", type=int, default=2)
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--candidates", type=int, default=50)
    parser.add_argument(
        "--nice", type=int, default=0,
        help="run the other processes' loops at this niceness, to tell the workbench's own "
        "delay from the wait for a core",
    )
    parser.add_argument(
        "--ui-nice", type=int, default=None,
        help="once the flood runs, set the workbench's main thread (only it: what it starts "
        "keeps its niceness) to this niceness; below 0 needs root. If the worst press drops, "
        "the press waited for a core, not for the workbench's own work",
    )
    args = parser.parse_args()
    # Stopped from outside (a `timeout`), it still ends what it started (`finally` below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    binary = os.path.abspath(args.binary)
    root = workspace()
    add_tool(root, "approved", "tick")
    config = tempfile.mkdtemp(prefix="tb-flood-config-")
    # A person accepts the approved tools, as at any workspace's first opening.
    subprocess.run([binary, "--root", root, "accept"], stdout=subprocess.DEVNULL,
                   env=dict(os.environ, TOOLBENCH_CONFIG_DIR=config), check=True)
    report = os.path.join(config, "queue-report")
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.environ["TOOLBENCH_CONFIG_DIR"] = config
        os.environ["TOOLBENCH_QUEUE_REPORT"] = report
        os.execv(binary, [binary, "--root", root])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    screen = Screen(fd)
    if screen.wait_for(b"Output", 10) is None:
        sys.exit("the workbench did not start")
    screen.pump(1.0)
    os.write(fd, b"/flood\r")
    if screen.wait_for(b"0123456789abcdef", 3) is None:
        os.write(fd, b"\r")
        if screen.wait_for(b"0123456789abcdef", 10) is None:
            sys.exit("the flood did not start")

    if args.ui_nice is not None:
        # On Linux a niceness set for a thread's id is that thread's alone.
        os.setpriority(os.PRIO_PROCESS, pid, args.ui_nice)

    # Every other source at once.
    loop = f'while :; do "{binary}" --root "{root}" run tick >/dev/null 2>&1; done'
    runners = []
    stop, rounds = multiprocessing.Event(), multiprocessing.Value("i", 0)
    writer = multiprocessing.Process(
        target=burst, args=(root, args.burst, args.candidates, stop, rounds)
    )
    failed = True
    try:
        runners = [
            subprocess.Popen(["nice", "-n", str(args.nice), "sh", "-c", loop],
                             start_new_session=True)
            for _ in range(args.runners)
        ]
        writer.start()
        screen.pump(2.0)
        times, running = press_help(screen, fd, args.presses)
        failed = False
    finally:
        # The loops of other processes' runs and the rewriting end however this does.
        stop.set()
        if writer.is_alive():
            writer.join()
        for runner in runners:
            try:
                os.killpg(runner.pid, 9)
            except ProcessLookupError:
                pass
            runner.wait()
        if failed:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            subprocess.run(["rm", "-rf", root, config], check=False)
    # q, then q again to cancel the flood: the workbench ends and writes its report.
    os.write(fd, b"q")
    screen.pump(0.5)
    os.write(fd, b"q")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        screen.pump(0.1)
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    deepest = "not reported"
    if os.path.exists(report):
        with open(report) as f:
            deepest = f.read().strip()
    db = sqlite3.connect(os.path.join(root, ".toolbench", "state.db"))
    (ticks,) = db.execute("SELECT count(*) FROM runs WHERE tool = 'tick'").fetchone()
    db.close()
    subprocess.run(["rm", "-rf", root, config], check=False)
    print(
        f"key to screen under a flood from every source ({args.presses} presses): "
        f"median {statistics.median(times):.1f} ms, worst {max(times):.1f} ms"
        f"{'' if running else ' (the output flood had ended before the last press)'}"
    )
    print(
        f"meanwhile: {ticks} runs recorded by {args.runners} other processes, "
        f"{rounds.value} rounds of {args.burst} tools and {args.candidates} candidates "
        f"rewritten; event queue: {deepest}"
    )


if __name__ == "__main__":
    main()
