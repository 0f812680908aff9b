"""Benchmark: a national-size hierarchy graded end to end on one core (partyrules.hierarchy).

Usage::

    python benchmarks/bench_hierarchy.py [--scale F] [--seed S] [--trace-memory]

At ``--scale 1`` the tree has about 5,000,000 members, 300,000 cells and 52,000 grassroots
committees (the domain README's national figures), graded with the shipped rulesets in force at the
end of 2025: members with ``vn/annual-member`` (Quy định 366, the appendix for members without a post;
its 20 % quota on HTXSNV within each grassroots committee), cells with ``vn/cell-annual`` (the members
graded, HTTNV or better and disciplined counted from the members' graded rows; its quota within the
committee), grassroots committees with ``vn/grassroots-annual`` (``subunits`` and
``subunits_disciplined`` counted from the cells, the quota within each of 34 provinces). Members are
of four kinds in the shipped commune's proportions (excellent, good, late, weak), 2 % admitted less
than 6 months before (not graded), 1 % disciplined. Rows are generated as text, as a CSV
file gives them, with a seeded ``random.Random``, shuffled, and graded by one
``Hierarchy.grade`` call (the rows are held in memory: the tree is known only once every row is
read).

Prints one line per phase of the call (reading the rows, placing them in the tree, each level,
making the results: rows, seconds, µs per row), the whole call, its CPU time, the load average
before and after, and memory: the resident size before the call (the generated rows) and the
process's peak (``getrusage``); ``--trace-memory`` adds the tracemalloc peak of the call (and
slows it). At a fraction it also prints the extrapolation to the full size, linear in the rows.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import random
import resource
import sys
import time
import tracemalloc

import partyrules
from partyrules.hierarchy import Hierarchy

FULL = {"grassroots": 52_000, "cell": 300_000, "member": 5_000_000}
#: the shipped rulesets in force at the end of 2025 (Quy định 366-QĐ/TW)
ON = datetime.date(2025, 12, 31)
#: members of four kinds, by share in thousandths (the shipped commune's proportions, rounded): excellent
#: (HTXSNV candidates: the members' 20 % quota bites within each grassroots committee), good, late, weak
MEMBER_KINDS = (
    (240, {"politics_points": "9.50", "innovation_points": "9.25", "self_criticism_points": "9.50",
           "tasks_done_rate": "100", "tasks_on_time_rate": "100"}),
    (880, {"politics_points": "8.50", "innovation_points": "8", "self_criticism_points": "8.25",
           "tasks_done_rate": "100", "tasks_on_time_rate": "100"}),
    (995, {"politics_points": "7", "innovation_points": "6.75", "self_criticism_points": "7",
           "tasks_done_rate": "95", "tasks_on_time_rate": "85"}),
    (1000, {"politics_points": "4", "innovation_points": "4.50", "self_criticism_points": "4",
            "tasks_done_rate": "60", "tasks_on_time_rate": "50"}),
)  # fmt: skip
#: a cell's own facts (vn/cell-annual reads its members' counts from their graded rows)
CELL_FACTS = {
    "subunits": "2",
    "politics_points": "8",
    "democracy_points": "7.75",
    "organisation_points": "7",
    "inspection_points": "6.50",
    "tasks_done_rate": "100",
    "tasks_on_time_rate": "100",
    "tasks_exceeded_rate": "35",
    "products": "4",
}
#: two kinds of grassroots committee: an ordinary year, and one that may earn HTXSNV (the 20 % quota then bites)
GRASSROOTS_FACTS = (
    {
        "tasks_done_rate": "100",
        "politics_points": "7.50",
        "democracy_points": "7.25",
        "organisation_points": "6.50",
        "inspection_points": "6.75",
        "tasks_on_time_rate": "100",
        "tasks_exceeded_rate": "20",
        "products": "2",
    },
    {
        "tasks_done_rate": "100",
        "politics_points": "8",
        "democracy_points": "7.75",
        "organisation_points": "7",
        "inspection_points": "6.50",
        "tasks_on_time_rate": "100",
        "tasks_exceeded_rate": "35",
        "products": "4",
    },
)
PROVINCES = 34  # peer groups of the quota: committees are compared within their province


def generate(scale: float, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    counts = {level: max(1, round(n * scale)) for level, n in FULL.items()}
    rows: list[dict[str, str]] = []
    for g in range(counts["grassroots"]):
        facts = GRASSROOTS_FACTS[rng.randrange(3) == 0]
        rows.append({"id": f"G{g}", "parent": "", "level": "grassroots", "peer_group": f"P{g % PROVINCES}", **facts})
    for c in range(counts["cell"]):
        parent = f"G{c % counts['grassroots']}"  # every committee gets cells
        rows.append(
            {
                "id": f"C{c}",
                "parent": parent,
                "level": "cell",
                "peer_group": parent,  # the cells' quota compares the cells of one committee
                "leadership_disciplined": "true" if rng.randrange(50) == 0 else "false",
                **CELL_FACTS,
            }
        )
    for m in range(counts["member"]):
        cell = m % counts["cell"]
        kind = rng.randrange(1000)
        facts = next(f for upto, f in MEMBER_KINDS if kind < upto)
        rows.append(
            {
                "id": f"M{m}",
                "parent": f"C{cell}",
                "level": "member",
                "grassroots_org": f"G{cell % counts['grassroots']}",  # the members' quota counts within it
                **facts,
                "tasks_exceeded_rate": str(rng.randrange(30, 61) if kind < 240 else rng.randrange(0, 30)),
                "months_in_party": str(rng.randrange(0, 6) if rng.randrange(50) == 0 else rng.randrange(6, 721)),
                "disciplined": "true" if rng.randrange(100) == 0 else "false",
            }
        )
    rng.shuffle(rows)
    return rows


def rss_mib() -> float:
    """This process's resident memory now (Linux /proc), in MiB; 0 where unknown."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return 0.0


def peak_rss_mib() -> float:
    """The process's peak resident memory so far (getrusage: KiB on Linux, bytes on macOS), in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05, help="fraction of the national size (default 0.05)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--trace-memory",
        action="store_true",
        help="also trace Python allocations (tracemalloc; slows the run about 3x)",
    )
    args = parser.parse_args()
    hierarchy = Hierarchy(
        [
            ("grassroots", partyrules.load("vn/grassroots-annual", on=ON)),
            ("cell", partyrules.load("vn/cell-annual", on=ON)),
            ("member", partyrules.load("vn/annual-member", on=ON)),
        ]
    )
    load_before = os.getloadavg()
    started = time.perf_counter()
    rows = generate(args.scale, args.seed)
    generated = time.perf_counter() - started
    gc.collect()
    before = rss_mib()
    if args.trace_memory:
        tracemalloc.start()
    timings: dict[str, tuple[float, float]] = {}
    cpu = time.process_time()
    started = time.perf_counter()
    results = hierarchy.grade(rows, timings=timings)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    traced = tracemalloc.get_traced_memory()[1] if args.trace_memory else None
    tracemalloc.stop()
    peak = peak_rss_mib()
    load_after = os.getloadavg()

    per_level: dict[str, int] = {}
    problems = demoted = 0
    grades: dict[str, dict[str | None, int]] = {}
    for r in results:
        per_level[str(r.level)] = per_level.get(str(r.level), 0) + 1
        problems += bool(r.problems)
        demoted += bool(r.demotions)
        if r.evaluation is not None:
            counts = grades.setdefault(str(r.level), {})
            counts[r.evaluation.grade] = counts.get(r.evaluation.grade, 0) + 1
    total = len(results)
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; --scale {args.scale} --seed {args.seed}"
    )
    print(
        f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}"
    )
    print(f"{total:,} rows generated in {generated:.1f} s; {problems} rows with problems, {demoted} demoted by a quota")
    print()
    lines = [("read rows", total, timings["read"]), ("tree", total, timings["tree"])]
    lines += [
        (f"level {level}", per_level.get(level, 0), timings[f"level {level}"])
        for level in ("member", "cell", "grassroots")
    ]
    lines += [("results", total, timings["results"]), ("whole call", total, (seconds, cpu))]
    print(f"{'phase':<18}{'rows':>12}{'seconds':>10}{'µs/row':>9}{'CPU s':>9}{'CPU µs/row':>12}")
    print(f"{'-' * 18}{'-' * 12}{'-' * 10}{'-' * 9}{'-' * 9}{'-' * 12}")
    for name, count, (wall, used) in lines:
        per = 1e6 / max(count, 1)
        print(f"{name:<18}{count:>12,}{wall:>10.2f}{wall * per:>9.2f}{used:>9.2f}{used * per:>12.2f}")
    print()
    print(f"CPU time of the call {cpu:.1f} s ({cpu / seconds:.0%} of the wall clock)")
    print(
        f"memory: resident {before:,.0f} MiB before the call (the generated rows), peak {peak:,.0f} MiB (getrusage)",
        end="",
    )
    print(f"; tracemalloc peak of the call {traced / 2**20:,.0f} MiB" if traced is not None else "")
    for level, counts in sorted(grades.items()):
        shown = ", ".join(f"{g} {c:,}" for g, c in sorted(counts.items(), key=lambda x: str(x[0])))
        print(f"grades {level}: {shown}")
    if args.scale != 1:
        full = sum(FULL.values())
        print(f"extrapolated to {full:,} rows (linear): {seconds * full / total:.0f} s")


if __name__ == "__main__":
    main()
