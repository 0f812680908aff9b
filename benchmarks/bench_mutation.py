"""Benchmark: mutation testing of meeting sheets, in this process, in worker processes, and as a user runs it.

Usage::

    python benchmarks/bench_mutation.py [--ruleset ID_OR_FILE ...] [--on DATE] [--sample-size N] [--workers W]
                                        [--repeats R] [--no-cli]

The sheets (issue 14: ``partyrules test --mutate`` on a 30-item meeting sheet in at most 90 s on 2 cores):

* ``vn/cell-meeting`` in its Hướng dẫn 12 version (in force on 2024-01-01), the largest shipped
  meeting scale: 15 items, 26 inputs, 50 counted mutants, 13 property claims;
* ``benchmarks/meeting-30.criteria``, a 30-item, 100-point monthly meeting sheet written for this
  benchmark on the model of the shipped ones: 37 inputs, 52 examples, 78 counted mutants, 18 claims.

For each sheet:

1. load it and list its mutants;
2. time ``mutation.run`` (on the sheet loaded again for each run, hypothesis imported before)
   serially (``workers=1``: one process, the same code path) and with ``W`` workers, ``R`` times
   each, interleaved: wall time, and the CPU time of this process and of the workers it waited for;
3. check that the two reports are the same, verdict by verdict, in the same order;
4. unless ``--no-cli``, time ``partyrules test --mutate`` on the sheet in a new process, as a user
   runs it (the examples, the property search of every claim and the mutants, in worker processes
   on every core), and check that it printed the same report;
5. print a table with the CPU time of each run and that time spread over its processes (what the
   wall time would be on that many idle cores: on a loaded machine the wall time says little).

The last line is ``mutation_seconds=X.X``: the wall time of ``partyrules test --mutate`` on the
30-item sheet (with ``--no-cli``, the best wall time of ``mutation.run`` with workers on the last sheet).
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
from pathlib import Path

import partyrules
from partyrules import mutation

HERE = Path(__file__).resolve().parent
SHEETS = ("vn/cell-meeting", str(HERE / "meeting-30.criteria"))
ON = "2024-01-01"  # Hướng dẫn 12 for the shipped sheet; the benchmark sheet is in force from then


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
    return f"{one} {five} {fifteen}"


def shown(spec: str) -> str:
    path = Path(spec)
    return path.name if path.suffix == ".criteria" else spec


def bench_sheet(spec: str, args: argparse.Namespace) -> tuple[list[str], list[tuple[str, float, float, int]]]:
    """The sheet's description lines and its rows: (run, best wall s, best CPU s, processes)."""
    on = datetime.date.fromisoformat(args.on)
    ruleset = partyrules.load(spec, on=on)
    model = partyrules.api.checked_model(ruleset)
    found = list(mutation.mutants(model))
    book = model.tests
    claims = sum(len(p.claims) for p in book.properties) if book else 0
    items = sum(1 for c in ruleset.criteria if c.kind == "item")

    runs = [("mutation.run, workers=1", 1), (f"mutation.run, workers={args.workers}", args.workers)]
    wall: dict[str, list[float]] = {name: [] for name, _ in runs}
    cpu: dict[str, list[float]] = {name: [] for name, _ in runs}
    reports: dict[str, mutation.Report] = {}
    loads = [load_average()]
    for repeat in range(args.repeats):
        for name, workers in runs if repeat % 2 == 0 else runs[::-1]:
            fresh = partyrules.load(spec, on=on)  # its strategies are built again in each run, as in a new process
            start, cpu_start = time.perf_counter(), cpu_seconds()
            reports[name] = mutation.run(fresh, args.sample_size, workers=workers)
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(cpu_seconds() - cpu_start)
            loads.append(load_average())
    serial, parallel = (reports[name] for name, _ in runs)
    if verdicts(serial) != verdicts(parallel):
        sys.exit(f"error: {spec}: the parallel report differs from the serial one")
    rows = [(name, min(wall[name]), min(cpu[name]), workers) for name, workers in runs]

    if args.cli:
        command = [sys.executable, "-m", "partyrules", "test", "--mutate", spec, "--on", args.on]
        start, cpu_start = time.perf_counter(), cpu_seconds()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        rows.append(("partyrules test --mutate", time.perf_counter() - start, cpu_seconds() - cpu_start, _cores()))
        loads.append(load_average())
        if done.returncode != 0 or serial.summary() not in done.stdout:
            sys.exit(
                f"error: `partyrules test --mutate {spec}` did not pass with the same report:\n{done.stdout}{done.stderr}"
            )
    lines = [
        f"{shown(spec)}: {ruleset.id} {ruleset.version} (in force on {args.on}): {items} items, "
        f"{len(ruleset.inputs)} inputs, {len(found)} mutants, {claims} property claims, "
        f"{args.sample_size} organisations a claim",
        f"  report: {serial.summary()}; the same from the workers{' and the CLI' if args.cli else ''}",
        f"  load (1 min) before and after each run: {', '.join(loads)}",
    ]
    return lines, rows


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--ruleset", action="append", help="a shipped ruleset id or a file (repeatable; default: the two sheets)"
    )
    parser.add_argument("--on", default=ON, help=f"the version in force on this date (default {ON})")
    parser.add_argument("--sample-size", type=int, default=mutation.SAMPLE_SIZE, help="organisations per claim")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the parallel run (default 2)")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each (default 1)")
    parser.add_argument(
        "--no-cli", dest="cli", action="store_false", help="do not time `partyrules test --mutate` on each sheet"
    )
    args = parser.parse_args(argv)

    importlib.import_module("partyrules.testing")  # hypothesis imported before the first run, not in it
    sheets = args.ruleset or list(SHEETS)
    results = [(spec, *bench_sheet(spec, args)) for spec in sheets]

    print(f"{os.cpu_count()} cores; Python {sys.version.split()[0]}")
    for _, lines, _ in results:
        print("\n".join(lines))
    print()
    # CPU s a process: the CPU time spread over the run's processes; on a machine with that many idle
    # cores the wall time cannot be less, and on a loaded one the wall time says little
    print(f"{'sheet':24s} {'run':28s} {'wall s':>8s} {'CPU s':>8s} {'CPU s a process':>16s}")
    for spec, _, rows in results:
        for name, wall, cpu, processes in rows:
            print(f"{shown(spec):24s} {name:28s} {wall:8.1f} {cpu:8.1f} {cpu / processes:16.1f}")
    print()
    _, _, last_rows = results[-1]
    print(f"mutation_seconds={last_rows[-1][1]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
