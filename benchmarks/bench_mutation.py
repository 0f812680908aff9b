"""Benchmark: mutation testing of a meeting sheet, in this process against worker processes.

Usage::

    python benchmarks/bench_mutation.py [--ruleset ID] [--on DATE] [--sample-size N] [--workers W] [--repeats R] [--cli]

The sheet is the shipped national monthly meeting sheet ``vn/cell-meeting`` in its Hướng dẫn 12
version (in force on 2024-01-01): the largest shipped meeting scale (16 criteria, 15 of them items,
22 inputs, 49 mutants, 13 property claims); no shipped or benchmark meeting sheet has 30 items.

Steps:

1. load the sheet and list its mutants;
2. time ``mutation.run`` (on the sheet loaded again for each run, hypothesis imported before) serially (``workers=1``: one process, the way every run went before
   worker processes, the same code path) and with ``W`` workers, ``R`` times each, interleaved;
   wall time, and the CPU time of this process and of the workers it waited for;
3. check that the two reports are the same, verdict by verdict, in the same order;
4. with ``--cli``, time ``partyrules test --mutate`` on the same sheet (the examples and the property
   search first, then the mutants), as a user runs it;
5. print a table (with the CPU time of each run, and that time spread over its processes: what the
   wall time would be on that many idle cores); the last line is ``mutation_seconds=X.X``: the
   best wall time with workers.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence

import partyrules
from partyrules import mutation

RULESET_ID = "vn/cell-meeting"
ON = "2024-01-01"  # Hướng dẫn 12


def cpu_seconds() -> float:
    """CPU time of this process and of the children it has waited for (the workers of a finished pool)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def verdicts(report: mutation.Report) -> list[tuple[str, str, str, str]]:
    return [(v.mutant.location, v.mutant.description, v.status, v.by) for v in report.verdicts]


def load_average() -> str:
    try:
        one, five, fifteen = (f"{value:.2f}" for value in os.getloadavg())
    except (AttributeError, OSError):
        return "unknown"
    return f"{one} {five} {fifteen} (1, 5, 15 min) on {os.cpu_count()} cores"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--ruleset", default=RULESET_ID, help=f"a shipped ruleset id or a file (default {RULESET_ID})")
    parser.add_argument("--on", default=ON, help=f"the version in force on this date (default {ON})")
    parser.add_argument("--sample-size", type=int, default=mutation.SAMPLE_SIZE, help="organisations per claim")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the parallel run (default 2)")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each (default 1)")
    parser.add_argument("--cli", action="store_true", help="also time `partyrules test --mutate` on the sheet")
    args = parser.parse_args(argv)

    importlib.import_module("partyrules.testing")  # hypothesis imported before the first run, not in it
    on = datetime.date.fromisoformat(args.on)
    ruleset = partyrules.load(args.ruleset, on=on)
    model = partyrules.api.checked_model(ruleset)
    found = list(mutation.mutants(model))
    book = model.tests
    claims = sum(len(p.claims) for p in book.properties) if book else 0
    items = sum(1 for c in ruleset.criteria if c.kind == "item")

    runs = [("serial (workers=1, as before)", 1), (f"workers={args.workers}", args.workers)]
    wall: dict[str, list[float]] = {name: [] for name, _ in runs}
    cpu: dict[str, list[float]] = {name: [] for name, _ in runs}
    reports: dict[str, mutation.Report] = {}
    loads = [load_average()]
    for repeat in range(args.repeats):
        for name, workers in runs if repeat % 2 == 0 else runs[::-1]:
            fresh = partyrules.load(
                args.ruleset, on=on
            )  # its strategies are built again in each run, as in a new process
            start, cpu_start = time.perf_counter(), cpu_seconds()
            reports[name] = mutation.run(fresh, args.sample_size, workers=workers)
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(cpu_seconds() - cpu_start)
            loads.append(load_average())
    serial, parallel = (reports[name] for name, _ in runs)
    if verdicts(serial) != verdicts(parallel):
        sys.exit("error: the parallel report differs from the serial one")

    cli_seconds = None
    if args.cli:
        command = [sys.executable, "-m", "partyrules", "test", "--mutate", args.ruleset, "--on", args.on]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        cli_seconds = time.perf_counter() - start
        if serial.summary() not in done.stdout:
            sys.exit(
                f"error: `{' '.join(command[1:])}` did not print the report's summary:\n{done.stdout}{done.stderr}"
            )

    print(
        f"sheet:    {ruleset.id} {ruleset.version} (in force on {args.on}): {items} items, "
        f"{len(ruleset.inputs)} inputs, {len(found)} mutants, {claims} property claims, "
        f"{args.sample_size} organisations a claim"
    )
    print(f"report:   {serial.summary()}; the parallel report is the same, verdict by verdict, in order")
    print(f"load:     {'; '.join(loads)}")
    print()
    best_serial = min(wall[runs[0][0]])
    # CPU s a process: the CPU time spread over the run's processes; on a machine with that many idle
    # cores the wall time cannot be less, and on a loaded one the wall time says little
    print(f"{'run':32s} {'wall s':>8s} {'vs serial':>10s} {'CPU s':>8s} {'CPU s a process':>16s}")
    for name, workers in runs:
        best = min(wall[name])
        spent = min(cpu[name])
        print(f"{name:32s} {best:8.1f} {best_serial / best:9.2f}x {spent:8.1f} {spent / workers:16.1f}")
    if cli_seconds is not None:
        print(f"{'partyrules test --mutate (CLI)':32s} {cli_seconds:8.1f} {'-':>10s} {'-':>8s} {'-':>16s}")
    print()
    print(f"mutation_seconds={min(wall[runs[1][0]]):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
