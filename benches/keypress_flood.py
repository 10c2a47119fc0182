#!/usr/bin/env python3
"""A key press in the workbench while a tool writes output as fast as it can.

Opens the real binary in a pseudo-terminal on a fresh workspace, starts a tool that prints
up to 64 GiB of short lines (more than the presses take: 1 GiB lasts under a second), then
presses `?` 20 times (each time waiting for the help overlay's title, then closing it with Esc) and reports the median and worst time from the key to the
overlay on screen, then every press's time in order. Usage: keypress_flood.py BINARY [--presses N]
"""
import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time

FLOOD = "yes 0123456789abcdef | head -c 68719476736"


def workspace():
    root = tempfile.mkdtemp(prefix="tb-flood-")
    tool = os.path.join(root, "approved", "flood")
    os.makedirs(tool)
    with open(os.path.join(tool, "tool.toml"), "w") as f:
        f.write(
            'name = "flood"\nversion = "1.0.0"\ndescription = "floods"\ncost_tier = "low"\n'
            f'[run]\ncommand = ["sh", "-c", "{FLOOD}"]\ninput = "none"\ntimeout_secs = 600\n'
        )
    return root


class Screen:
    """The bytes the program wrote, read as they come. Only the newest KEPT bytes are kept and
    only the new ones are searched, so the reader's own work per read stays small under a
    flood (a reader that falls behind holds the program up on a full terminal)."""

    KEPT = 1 << 16

    def __init__(self, fd):
        self.fd = fd
        self.seen = b""

    def read(self, timeout):
        """Reads what the program wrote within `timeout` seconds: how many bytes are new at the
        end of `seen` (0 if none came, None once the terminal is closed)."""
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        if not ready:
            return 0
        try:
            chunk = os.read(self.fd, 1 << 20)
        except OSError:
            return None
        self.seen = self.seen[-self.KEPT:] + chunk
        return len(chunk)

    def pump(self, seconds):
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if self.read(left) is None:
                return

    def wait_for(self, needle, timeout):
        end = time.monotonic() + timeout
        new = len(self.seen)
        while self.seen.find(needle, max(0, len(self.seen) - new - len(needle) + 1)) < 0:
            left = end - time.monotonic()
            if left <= 0:
                return None
            new = self.read(min(left, 0.05))
            if new is None:
                return None
        return time.monotonic()

    def clear(self):
        self.seen = b""


def press_help(screen, fd, presses):
    """Presses `?` `presses` times, each time waiting for the help overlay's title and
    closing it with Esc: the times from key to overlay in ms, and whether the flood was still
    running at the end."""
    times = []
    for _ in range(presses):
        screen.clear()
        pressed = time.monotonic()
        os.write(fd, b"?")
        shown = screen.wait_for(b"Keys", 5)
        if shown is None:
            sys.exit("the help overlay never appeared")
        times.append((shown - pressed) * 1000)
        os.write(fd, b"\x1b")
        screen.pump(0.15)
    return times, b"running" in screen.seen


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--presses", type=int, default=20)
    args = parser.parse_args()
    root = workspace()
    config = tempfile.mkdtemp(prefix="tb-flood-config-")
    # A person accepts the approved tool, as at any workspace's first opening.
    subprocess.run([args.binary, "--root", root, "accept"], stdout=subprocess.DEVNULL,
                   env=dict(os.environ, TOOLBENCH_CONFIG_DIR=config), check=True)
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.environ["TOOLBENCH_CONFIG_DIR"] = config
        os.execv(args.binary, [args.binary, "--root", root])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    screen = Screen(fd)
    if screen.wait_for(b"Output", 10) is None:
        sys.exit("the workbench did not start")
    screen.pump(1.0)
    # A tool without input runs on Enter; one filter match is acted on at once, several keep
    # the best one selected for a second Enter.
    os.write(fd, b"/flood\r")
    if screen.wait_for(b"0123456789abcdef", 3) is None:
        os.write(fd, b"\r")
        if screen.wait_for(b"0123456789abcdef", 10) is None:
            sys.exit("the flood did not start")
    screen.pump(0.5)
    times, running = press_help(screen, fd, args.presses)
    os.write(fd, b"q")
    screen.pump(0.5)
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
    subprocess.run(["rm", "-rf", root, config], check=False)
    print(f"key to screen while flooding ({args.presses} presses): "
          f"median {statistics.median(times):.1f} ms, worst {max(times):.1f} ms"
          f"{'' if running else ' (the flood had ended before the last press)'}")
    # Each press in order: a worst press is one of twenty or a run of slow ones.
    print("every press (ms): " + " ".join(f"{t:.1f}" for t in times))


if __name__ == "__main__":
    main()
