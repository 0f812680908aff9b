"""Benchmark: a national-size hierarchy graded end to end on one core (partyrules.hierarchy).

Usage::

    python benchmarks/bench_hierarchy.py [--scale F] [--seed S]

At ``--scale 1`` the tree has about 5,000,000 members, 300,000 cells and 52,000 grassroots
committees (the domain README's national figures). Members are scored with a tiny illustrative
member scale defined here (not shipped); cells with an illustrative cell scale defined here whose
inputs are aggregates of their members; grassroots committees with the shipped
``vn/grassroots-annual`` (``subunits`` and ``subunits_disciplined`` counted from the cells). Rows
are generated with a seeded ``random.Random``, shuffled, and graded by one ``Hierarchy.grade``
call (the rows are held in memory: the tree is known only once every row is read).

Prints one line per level (rows, seconds, rows/s), the whole call, and the tracemalloc peak
(``--no-memory`` skips tracing, which slows the run); at a fraction it also prints the
extrapolation to the full size, linear in the rows (the grading is linear in the rows).
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc

import partyrules
from partyrules import api
from partyrules.hierarchy import Hierarchy

FULL = {"grassroots": 52_000, "cell": 300_000, "member": 5_000_000}
HEAD = 'ruleset "bench/{}" {{ title "t"; version "1"; basis "minh họa"; effective from 2025-08-30; points illustrative "benchmark"; }}\n'
MEMBER = HEAD.format("member") + """
input tasks "Mức hoàn thành nhiệm vụ (0-100)": integer 0..100;
input disciplined "Bị kỷ luật trong năm": boolean = false;
criteria "Đảng viên" max 100 { item nv "Nhiệm vụ" max 100 { points = tasks; } }
grades {
  grade htxsnv "HTXSNV" { band from 90; }
  grade httnv "HTTNV" { band from 70 below 90; }
  grade htnv "HTNV" { band from 50 below 70; }
  grade khtnv "KHTNV" { band below 50; }
}
knockout kl "Bị kỷ luật" { when disciplined; cap htnv; }
"""
CELL = HEAD.format("cell") + """
input members "Số đảng viên": integer 1..1000 from count of children;
input share_good "Tỷ lệ đảng viên HTTNV trở lên": percent from share of children where grade >= httnv;
input members_disciplined "Số đảng viên bị kỷ luật": integer 0..1000 from count of children where disciplined;
input leadership_disciplined "Chi ủy bị kỷ luật": boolean = false;
criteria "Chi bộ" max 100 { item dv "Đảng viên" max 100 { points = round(share_good * 100, 2); } }
grades {
  grade htxsnv "HTXSNV" { band from 90; }
  grade httnv "HTTNV" { band from 70 below 90; }
  grade htnv "HTNV" { band from 50 below 70; }
  grade khtnv "KHTNV" { band below 50; }
}
knockout kl "Hơn 20% đảng viên bị kỷ luật" { when members_disciplined * 5 > members; force khtnv; }
"""
GRASSROOTS_FACTS = {
    "tasks_done_rate": "95",
    "politics_points": "7.50",
    "democracy_points": "7.25",
    "organisation_points": "6.50",
    "inspection_points": "6.75",
    "tasks_on_time_rate": "90",
    "tasks_exceeded_rate": "20",
    "products": "2",
    "peer_group": "all",
}


def generate(scale: float, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    counts = {level: max(1, round(n * scale)) for level, n in FULL.items()}
    rows: list[dict[str, str]] = []
    for g in range(counts["grassroots"]):
        rows.append({"id": f"G{g}", "parent": "", "level": "grassroots", **GRASSROOTS_FACTS})
    for c in range(counts["cell"]):
        parent = f"G{c % counts['grassroots']}"  # every committee gets cells
        rows.append({"id": f"C{c}", "parent": parent, "level": "cell", "leadership_disciplined": "true" if rng.randrange(50) == 0 else "false"})
    for m in range(counts["member"]):
        disciplined = "true" if rng.randrange(100) == 0 else "false"
        rows.append({"id": f"M{m}", "parent": f"C{m % counts['cell']}", "level": "member", "tasks": str(rng.randrange(40, 101)), "disciplined": disciplined})
    rng.shuffle(rows)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05, help="fraction of the national size (default 0.05)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--no-memory", action="store_true", help="do not trace memory (faster)")
    args = parser.parse_args()
    hierarchy = Hierarchy(
        [
            ("grassroots", partyrules.load("vn/grassroots-annual")),
            ("cell", api.loads(CELL, "bench-cell.criteria")),
            ("member", api.loads(MEMBER, "bench-member.criteria")),
        ]
    )
    started = time.perf_counter()
    rows = generate(args.scale, args.seed)
    generated = time.perf_counter() - started
    if not args.no_memory:
        tracemalloc.start()
    started = time.perf_counter()
    results = hierarchy.grade(rows)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if not args.no_memory else 0
    tracemalloc.stop()
    per_level: dict[str, int] = {}
    problems = 0
    for r in results:
        per_level[str(r.level)] = per_level.get(str(r.level), 0) + 1
        problems += bool(r.problems)
    print(f"scale {args.scale} (rows generated in {generated:.1f} s); {problems} rows with problems")
    print(f"{'level':<12}{'rows':>12}")
    for level in ("member", "cell", "grassroots"):
        print(f"{level:<12}{per_level.get(level, 0):>12,}")
    total = len(results)
    print(f"{'all':<12}{total:>12,}  {seconds:.1f} s  {total / seconds:,.0f} rows/s  peak {peak / 2**20:,.0f} MiB (tracemalloc)")
    if args.scale != 1:
        full = sum(FULL.values())
        print(f"extrapolated to {full:,} rows (linear): {seconds * full / total:.0f} s, peak ~{peak / 2**20 * full / total:,.0f} MiB")


if __name__ == "__main__":
    main()
