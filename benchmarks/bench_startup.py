"""Benchmark: the start-up of ``import partyrules`` and ``partyrules --help``, against an empty Python.

Usage::

    python benchmarks/bench_startup.py [--repeats R]

Each command runs in a new process ``R`` times (default 15), the three interleaved (their order
rotated from one repeat to the next), timed by the wall clock from this process; the table gives
the best and the median of each, and each one's best less the empty interpreter's best (what
partyrules itself costs). It also lists the modules ``import partyrules`` loads that it should
not need (lark, hypothesis, openpyxl, rich, the front end): none, when start-up is lazy. The last
line is ``import_seconds=X.XXX``: the best ``import partyrules`` less the empty interpreter.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "import partyrules": [sys.executable, "-c", "import partyrules"],
    "partyrules --help": [sys.executable, "-m", "partyrules", "--help"],
}
#: modules the runtime never needs: a load of them at import is a start-up cost for nothing
HEAVY = ("lark", "hypothesis", "openpyxl", "rich", "cattrs", "partyrules.parser", "partyrules.checker")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=15, help="runs of each command (default 15)")
    args = parser.parse_args(argv)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    names = list(COMMANDS)
    for repeat in range(args.repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            subprocess.run(COMMANDS[name], check=True, stdout=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
    probe = "import sys, partyrules; print(' '.join(sorted(m for m in sys.modules if m.startswith(%r))))"
    loaded = {
        heavy: subprocess.run(
            [sys.executable, "-c", probe % heavy], check=True, capture_output=True, text=True
        ).stdout.split()
        for heavy in HEAVY
    }
    empty = min(times["python -c pass"])
    print(f"python:  {platform.python_implementation()} {platform.python_version()}; {os.cpu_count()} cores")
    with contextlib.suppress(OSError):  # no load average on this system
        print(f"load:    {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    print(f"runs:    {args.repeats} of each, interleaved\n")
    print(f"{'command':<20} {'best s':>8} {'median s':>9} {'best - empty':>13}")
    for name in names:
        best = min(times[name])
        print(f"{name:<20} {best:>8.3f} {statistics.median(times[name]):>9.3f} {best - empty:>13.3f}")
    found = sorted({m for mods in loaded.values() for m in mods})
    print(f"\nloaded by import partyrules, not needed: {', '.join(found) or 'none'}")
    print(f"import_seconds={min(times['import partyrules']) - empty:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
