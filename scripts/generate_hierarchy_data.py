"""Generate a small synthetic hierarchy: grassroots party committees (đảng bộ cơ sở) and their cells.

THE DATA ARE SYNTHETIC. No row describes a real organisation: ids and every figure are drawn at
random. One row per organisation with ``id``, ``parent`` (empty for a grassroots committee) and
``level`` (``grassroots`` or ``cell``), then the inputs of ``vn/annual-collective`` (Quy định
366-QĐ/TW). Cells carry ``subunits`` (their party groups, tổ đảng); a grassroots committee leaves
``subunits`` and ``subunits_disciplined`` empty: ``vn/grassroots-annual`` counts them from its cells
(``partyrules grade``, docs/batch.md "Hierarchies").

Deterministic: only ``randrange`` and ``choice`` of a seeded ``random.Random`` and integer arithmetic,
rows written each committee then its cells then their cells in id order, so the same arguments give byte-identical
output. Regenerate the shipped file with::

    python scripts/generate_hierarchy_data.py
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path
from typing import TextIO

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "src" / "partyrules" / "data" / "grassroots-hierarchy-2025.csv"
DEFAULT_SEED = 2025
COLUMNS = ["id", "parent", "level", "peer_group", "subunits", "subunits_disciplined", "leadership_disciplined", "leaders_disciplined", "tasks_done_rate", "politics_points", "democracy_points", "organisation_points", "inspection_points", "tasks_on_time_rate", "tasks_exceeded_rate", "products"]


def _points(rng: random.Random, quality: int, maximum: int) -> str:
    """Points out of ``maximum`` in hundredths, near ``quality`` percent of it."""
    hundredths = max(0, min(maximum * 100, (maximum * quality + rng.randrange(-150, 151)) // 1))
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def _organisation(rng: random.Random, id: str, parent: str, level: str) -> dict[str, str]:
    quality = rng.choice((60, 80, 88, 92, 95, 97, 99, 100))
    done = min(100, quality + rng.randrange(0, 6))
    cell = level == "cell"
    return {
        "id": id,
        "parent": parent,
        "level": level,
        # the 20 % quota counts within a group of like organisations: a committee's cells, all committees
        "peer_group": parent if cell else "grassroots",
        "subunits": str(rng.randrange(1, 6)) if cell else "",
        "subunits_disciplined": "0" if cell else "",
        "leadership_disciplined": "true" if rng.randrange(25) == 0 else "false",
        "leaders_disciplined": "0",
        "tasks_done_rate": str(done),
        "politics_points": _points(rng, quality, 8),
        "democracy_points": _points(rng, quality, 8),
        "organisation_points": _points(rng, quality, 7),
        "inspection_points": _points(rng, quality, 7),
        "tasks_on_time_rate": str(done - rng.randrange(0, 6)),  # done on time is part of done
        "tasks_exceeded_rate": str(rng.randrange(0, 4) * (quality - 50) // 4),  # good ones exceed more
        "products": str(rng.randrange(0, 2 + quality // 20)),
    }


def generate(grassroots: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for g in range(1, grassroots + 1):
        gid = f"DB-{g:03d}"
        rows.append(_organisation(rng, gid, "", "grassroots"))
        for c in range(1, rng.randrange(3, 9) + 1):
            rows.append(_organisation(rng, f"{gid}-CB{c:02d}", gid, "cell"))
    return rows


def _write(out: TextIO, rows: list[dict[str, str]]) -> None:
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grassroots", type=int, default=12, help="grassroots committees (default 12)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="'-' for standard output")
    args = parser.parse_args(argv)
    rows = generate(args.grassroots, args.seed)
    if str(args.out) == "-":
        _write(sys.stdout, rows)
    else:
        with open(args.out, "w", encoding="utf-8", newline="") as out:
            _write(out, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
