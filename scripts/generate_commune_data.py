"""Generate a synthetic commune: one grassroots party committee (đảng bộ xã), its cells and their members.

THE DATA ARE SYNTHETIC. No row describes a real organisation or person: ids and every figure are drawn
at random. The sizes follow a commune-level committee of Hà Tĩnh after the 2025 merger of communes
(a few dozen cells, about two thousand members); the outcomes follow published provincial reports
(most members HTTNV or better, a few HTNV, rare KHTNV, enough HTXSNV candidates that the 20 % quota
bites); docs/sources.md lists the sources.

One row per subject with ``id``, ``parent`` (empty for the committee) and ``level`` (``grassroots``,
``cell``, ``member`` or ``quarter``), then the inputs of the level's ruleset: ``vn/grassroots-annual``
and ``vn/cell-annual`` (Quy định 366-QĐ/TW, collectives), ``vn/member-year`` (a member's year: the
fourth quarter's results, discipline, the cases not graded) and ``vn/member-quarter`` (each member's
quarters I-III, whose parent is the member). A member leaves its quarterly counts empty, a cell its
member counts and the committee its cell counts: they are computed from the rows below in one run
(``partyrules grade``, docs/batch.md "Hierarchies"). ``grassroots_org`` names the member's
grassroots organisation, within which the members' quota counts; ``peer_group`` groups collectives.

Deterministic: only ``randrange`` of a seeded ``random.Random`` and integer arithmetic, rows written
the committee, then each cell followed by its members, so the same arguments give byte-identical
output. Regenerate the shipped file with::

    python scripts/generate_commune_data.py
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path
from typing import TextIO

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "src" / "partyrules" / "data" / "hatinh-commune-2025.csv"
DEFAULT_SEED = 2025
DEFAULT_CELLS = 48
COMMITTEE = "DB-XA"
COLLECTIVE = [
    "peer_group",
    "subunits",
    "subunits_disciplined",
    "leadership_disciplined",
    "leaders_disciplined",
    "products",
    "democracy_points",
    "organisation_points",
    "inspection_points",
]
SHARED = ["politics_points", "tasks_done_rate", "tasks_on_time_rate", "tasks_exceeded_rate"]
MEMBER = [
    "grassroots_org",
    "innovation_points",
    "self_criticism_points",
    "shortcomings_remedied",
    "months_in_party",
    "disciplined",
    "violation_counted_before",
    "degradation",
    "prohibitions_broken",
    "example_failed",
    "suspended",
    "exempted",
    "sick_leave_months",
]
#: a quarter's own facts (vn/member-quarter); its months in the party are the member's
QUARTER = [*SHARED, "innovation_points", "self_criticism_points", "shortcomings_remedied"]
FOURTH = ["q4_done_rate", "q4_on_time_rate", "q4_exceeded_rate"]
COLUMNS = ["id", "parent", "level", *COLLECTIVE, *SHARED, *MEMBER, *FOURTH]


def _hundredths(rng: random.Random, low: int, high: int) -> str:
    """A number from ``low`` to ``high`` (in hundredths) written with two decimals."""
    value = rng.randrange(low, high + 1)
    return f"{value // 100}.{value % 100:02d}"


def _collective(rng: random.Random, id: str, parent: str, level: str) -> dict[str, str]:
    quality = rng.choice((80, 88, 92, 95, 97, 99, 100))
    done = 100 if quality >= 88 else 100 - rng.randrange(0, 3)  # most finish every task
    cell = level == "cell"
    return {
        "id": id,
        "parent": parent,
        "level": level,
        "peer_group": parent if cell else "grassroots",
        "subunits": str(rng.randrange(1, 6))
        if cell
        else "",  # a cell's party groups (tổ đảng); the committee's: counted
        "subunits_disciplined": "0" if cell else "",
        "leadership_disciplined": "true" if rng.randrange(30) == 0 else "false",
        "leaders_disciplined": "0",
        "products": str(rng.randrange(0, 2 + quality // 20)),
        "politics_points": _hundredths(rng, 8 * quality - 150, 8 * quality),
        "democracy_points": _hundredths(rng, 8 * quality - 150, 8 * quality),
        "organisation_points": _hundredths(rng, 7 * quality - 150, 7 * quality),
        "inspection_points": _hundredths(rng, 7 * quality - 150, 7 * quality),
        "tasks_done_rate": str(done),
        "tasks_on_time_rate": str(100 if quality >= 92 else done - rng.randrange(0, 15)),
        "tasks_exceeded_rate": str(rng.randrange(0, 4) * (quality - 50) // 3),
    }


def _member(rng: random.Random, id: str, cell: str) -> list[dict[str, str]]:
    """A member's year row (vn/member-year: the fourth quarter's results, the year's facts) followed by the
    rows of quarters I-III (vn/member-quarter), each drawn like a year of the member's kind."""
    kind = rng.randrange(1000)
    quarters = [_quarter(rng, kind, f"{id}-Q{q}", id) for q in (1, 2, 3)]
    year = {k: v for k, v in _year(rng, kind, id, cell).items() if k not in QUARTER}
    fourth = _year(rng, kind, id, cell)
    year.update(
        q4_done_rate=fourth["tasks_done_rate"],
        q4_on_time_rate=fourth["tasks_on_time_rate"],
        q4_exceeded_rate=fourth["tasks_exceeded_rate"],
    )
    for quarter in quarters:
        quarter["months_in_party"] = year["months_in_party"]
    return [year, *quarters]


def _quarter(rng: random.Random, kind: int, id: str, member: str) -> dict[str, str]:
    drawn = _year(rng, kind, id, member)
    return {"id": id, "parent": member, "level": "quarter", **{k: drawn[k] for k in QUARTER}}


def _year(rng: random.Random, kind: int, id: str, cell: str) -> dict[str, str]:
    if kind < 240:  # excellent: HTXSNV candidates
        low, high, done, on_time, exceeded = 900, 1000, 100, 100, rng.randrange(30, 61)
    elif kind < 880:  # good
        low, high, done, on_time, exceeded = 700, 950, 100, 100, rng.randrange(0, 30)
    elif kind < 995:  # tasks late or unfinished
        done = rng.randrange(85, 101)
        low, high, on_time, exceeded = 500, 800, done - rng.randrange(1, 16), rng.randrange(0, 11)
    else:  # weak
        done = rng.randrange(40, 86)
        low, high, on_time, exceeded = 200, 600, done - rng.randrange(0, 21), 0
    rare = rng.randrange(1000)
    return {
        "id": id,
        "parent": cell,
        "level": "member",
        "grassroots_org": COMMITTEE,
        "politics_points": _hundredths(rng, low, high),
        "innovation_points": _hundredths(rng, low, high),
        "self_criticism_points": _hundredths(rng, low, high),
        "tasks_done_rate": str(done),
        "tasks_on_time_rate": str(max(0, on_time)),
        "tasks_exceeded_rate": str(min(exceeded, done)),
        "shortcomings_remedied": "false" if rng.randrange(40) == 0 else "true",
        # 2 % admitted less than 6 months before; the others up to 60 years in the party
        "months_in_party": str(rng.randrange(0, 6) if rng.randrange(50) == 0 else rng.randrange(6, 721)),
        "disciplined": "true" if rare < 6 else "false",
        "violation_counted_before": "true" if rare == 0 else "false",
        "degradation": "true" if rare == 999 else "false",
        "prohibitions_broken": "false",
        "example_failed": "false",
        "suspended": "true" if 10 <= rare < 12 else "false",
        "exempted": "true" if 100 <= rare < 140 else "false",  # elderly members exempted from activities
        "sick_leave_months": str(
            rng.randrange(3, 7) if 200 <= rare < 220 else rng.randrange(0, 3) if rare < 300 else 0
        ),
    }


def generate(cells: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = [_collective(rng, COMMITTEE, "", "grassroots")]
    for c in range(1, cells + 1):
        cid = f"{COMMITTEE}-CB{c:02d}"
        rows.append(_collective(rng, cid, COMMITTEE, "cell"))
        # village cells are the big ones; schools, police, the health station smaller
        size = rng.randrange(25, 76) if c <= cells * 3 // 4 else rng.randrange(8, 26)
        for m in range(1, size + 1):
            rows.extend(_member(rng, f"{cid}-DV{m:03d}", cid))
    return rows


def _write(out: TextIO, rows: list[dict[str, str]]) -> None:
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n", restval="")
    writer.writeheader()
    writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cells", type=int, default=DEFAULT_CELLS, help="cells of the committee (default %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="output CSV, '-' for standard output")
    args = parser.parse_args(argv)
    rows = generate(args.cells, args.seed)
    if args.out == "-":
        _write(sys.stdout, rows)
    else:
        with open(args.out, "w", encoding="utf-8", newline="") as out:
            _write(out, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
