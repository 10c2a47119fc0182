#!/usr/bin/env python3
"""What a fresh page of memory costs on this machine, after a pause and back to back.

    python3 benches/fresh_pages.py [--pages N] [--rounds R] [--idle S]

Each round maps N pages of anonymous memory and writes one byte into each, timing the loop:
every write is a page fault that the kernel answers with a zeroed page. Rounds run twice: back
to back, and each after S seconds of sleep. Prints the median and the range of the cost per
page for both.

Why it matters: every program's start and every list it builds touches fresh pages, and on a
virtual machine whose free memory is handed back to its host (free page reporting, as here),
a page freed a moment ago is cheap to take again while one the host took back is not. The
start-up figures (a first frame, `toolbench list`) follow how many pages a program touches
times this cost; `/usr/bin/time -f %R PROGRAM` counts a program's minor faults.
"""
import argparse
import mmap
import statistics
import time

PAGE = mmap.PAGESIZE


def touch(pages):
    """Microseconds per page to fault in `pages` fresh pages."""
    area = mmap.mmap(-1, pages * PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    try:
        start = time.perf_counter()
        for offset in range(0, pages * PAGE, PAGE):
            area[offset] = 1
        return (time.perf_counter() - start) * 1e6 / pages
    finally:
        area.close()


def summary(costs):
    return (
        f"median {statistics.median(costs):.1f} µs a page "
        f"({min(costs):.1f}–{max(costs):.1f} over {len(costs)} rounds)"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--idle", type=float, default=1.0)
    args = parser.parse_args()
    # The loop's own cost without faults, taken off each round's figure.
    area = mmap.mmap(-1, args.pages * PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    for offset in range(0, args.pages * PAGE, PAGE):
        area[offset] = 1
    start = time.perf_counter()
    for offset in range(0, args.pages * PAGE, PAGE):
        area[offset] = 2
    loop = (time.perf_counter() - start) * 1e6 / args.pages
    area.close()
    back_to_back = [touch(args.pages) - loop for _ in range(args.rounds)]
    after_idle = []
    for _ in range(args.rounds):
        time.sleep(args.idle)
        after_idle.append(touch(args.pages) - loop)
    print(f"{args.pages} fresh pages, back to back: {summary(back_to_back)}")
    print(f"{args.pages} fresh pages, after {args.idle:g} s idle: {summary(after_idle)}")


if __name__ == "__main__":
    main()
