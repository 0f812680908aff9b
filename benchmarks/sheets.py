"""The sheets ``bench_evaluate.py`` times side by side: rows typed and as text, and their hand-written scorers.

Three sheets, each with a hand-written Decimal scorer and a hand-written integer scorer:

* ``4 tốt``: the shipped ``vn.hatinh/chi-bo-4-tot`` (no division), on the shipped synthetic data
  (made in ``bench_evaluate.py``), its scorers in ``handwritten.py``;
* ``meeting``: ``meeting-rates.criteria`` next to this file, a 100-point monthly meeting sheet of
  rates in bands, on seeded random meetings;
* ``366``: the shipped ``vn/annual-collective`` in force from 30 Aug 2025 (Quy định 366), on
  seeded random collectives;

the last two scored by hand in ``handwritten_sheets.py``. Rows as text are the typed rows written
the way a CSV file holds them (``"12"``, ``"87.5"``, ``"true"``): what ``evaluate_many`` meets when
a reader passes cells through, and what a hand-written scorer of a file parses first.
"""

from __future__ import annotations

import datetime
import importlib.util
import random
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import partyrules

HERE = Path(__file__).resolve().parent
MEETING_FILE = HERE / "meeting-rates.criteria"
ANNUAL_ID = "vn/annual-collective"
ANNUAL_ON = datetime.date(2025, 12, 31)  # Quy định 366

Facts = dict[str, Any]
TextRow = dict[str, str]


@dataclass
class Sheet:
    """One sheet: its ruleset, the same organisations typed and as text, and its hand-written scorers.

    ``decimal`` and ``integer`` take typed facts and return (total, grade), the integer total in
    hundredths of a point; ``parse`` reads a text row into typed facts, as a hand-written scorer
    of a file does first.
    """

    name: str
    ruleset: partyrules.Ruleset
    typed: list[Facts]
    text: list[TextRow]
    decimal: Callable[[Mapping[str, Any]], tuple[Decimal, str | None]]
    integer: Callable[[Mapping[str, Any]], tuple[int, str | None]]
    parse: Callable[[Mapping[str, str]], Facts]


def load_module(name: str) -> ModuleType:
    """A module of this folder (the benchmark runs as a script, not as a package)."""
    path = HERE / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"partyrules_bench_{name}", path)
    if spec is None or spec.loader is None:
        sys.exit(f"error: cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def as_text(value: Any) -> str:
    """A typed fact as a CSV cell holds it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def text_rows(rows: Sequence[Facts]) -> list[TextRow]:
    return [{name: as_text(value) for name, value in row.items()} for row in rows]


# ---------------------------------------------------------------- the meeting sheet


def meeting_rows(count: int, seed: int) -> list[Facts]:
    """Seeded random monthly meetings, every one valid for ``meeting-rates.criteria``."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        members = rng.randint(3, 120)
        absent = rng.randint(0, max(1, members * 3 // 10)) if rng.random() < 0.8 else rng.randint(0, members)
        present = members - min(absent, members)
        excused = rng.randint(0, members - present)
        targets = rng.randint(1, 12)
        resolutions = rng.randint(1, 6)
        row: Facts = {
            "members": members,
            "present": present,
            "speakers": rng.randint(0, present),
            "targets": targets,
            "targets_met": targets - rng.randint(0, targets) if rng.random() < 0.6 else targets,
            "resolutions": resolutions,
            "resolutions_done": rng.randint(0, resolutions),
            "duration_minutes": rng.choice((45, 60, 75, 90, 100, 120, 135, 150)),
        }
        if excused or rng.random() < 0.5:
            row["excused"] = excused
        for name, chance in (("thematic", 0.3), ("agenda_prepared", 0.9), ("minutes_recorded", 0.95)):
            value = rng.random() < chance
            if value != (name != "thematic") or rng.random() < 0.5:  # at the default: sometimes left out
                row[name] = value
        rows.append(row)
    return rows


# ---------------------------------------------------------------- the annual sheet (Quy định 366)


def _rate(rng: random.Random, low: int, high: int) -> Decimal:
    """A percentage in percent units with one decimal, as offices report them (87.5)."""
    return Decimal(rng.randint(low * 10, high * 10)).scaleb(-1)


def _marks(rng: random.Random, maximum: int) -> Decimal:
    """Marks with two decimals, mostly near the top."""
    return Decimal(rng.randint(maximum * 55, maximum * 100)).scaleb(-2)


def annual_rows(count: int, seed: int) -> list[Facts]:
    """Seeded random collectives, every one valid for the 366 version of ``vn/annual-collective``."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        done = Decimal(100) if rng.random() < 0.55 else _rate(rng, 40, 100)
        on_time = done if rng.random() < 0.6 else _rate(rng, 0, int(done))
        subunits = rng.randint(1, 40)
        row: Facts = {
            "tasks_done_rate": done,
            "tasks_on_time_rate": on_time,
            "tasks_exceeded_rate": _rate(rng, 0, min(60, int(done))),
            "politics_points": _marks(rng, 8),
            "democracy_points": _marks(rng, 8),
            "organisation_points": _marks(rng, 7),
            "inspection_points": _marks(rng, 7),
            "subunits": subunits,
            "products": rng.randint(0, 8),
        }
        late = _rate(rng, 0, int(100 - on_time)) if rng.random() < 0.4 else Decimal(0)
        if late or rng.random() < 0.5:
            row["tasks_late_rate"] = late
        if rng.random() < 0.15:
            row["subunits_disciplined"] = rng.randint(0, max(1, subunits // 3))
        if rng.random() < 0.1:
            row["leaders_disciplined"] = rng.randint(0, 2)
        for name, chance in (
            ("leadership_disciplined", 0.02),
            ("disunity", 0.02),
            ("degradation", 0.01),
            ("key_targets_missed", 0.1),
            ("force_majeure", 0.05),
        ):
            value = rng.random() < chance
            if value or rng.random() < 0.3:
                row[name] = value
        rows.append(row)
    return rows


def more_sheets(count: int, seed: int) -> list[Sheet]:
    """The meeting and 366 sheets, ``count`` rows each; every row checked valid by its ruleset."""
    hand = load_module("handwritten_sheets")
    meeting = partyrules.load(MEETING_FILE)
    annual = partyrules.load(ANNUAL_ID, on=ANNUAL_ON)
    sheets = []
    for name, ruleset, rows, prefix in (
        ("meeting", meeting, meeting_rows(count, seed), "meeting"),
        ("366", annual, annual_rows(count, seed), "annual"),
    ):
        for i, row in enumerate(rows):
            try:
                ruleset.evaluate(row)
            except partyrules.FactsError as exc:
                sys.exit(f"error: generated {name} row {i + 1} is refused by {ruleset.id}:\n{exc}\nfacts: {row!r}")
        sheets.append(
            Sheet(
                name,
                ruleset,
                rows,
                text_rows(rows),
                getattr(hand, f"{prefix}_decimal"),
                getattr(hand, f"{prefix}_integer"),
                getattr(hand, f"{prefix}_parse"),
            )
        )
    return sheets


def check_sheet(sheet: Sheet) -> None:
    """Abort unless partyrules (typed rows and text rows) and both hand-written scorers agree on every row."""
    problems: list[str] = []
    for i, (facts, text) in enumerate(zip(sheet.typed, sheet.text)):
        evaluation = sheet.ruleset.evaluate(facts)
        from_text = sheet.ruleset.evaluate(text)
        want_total, want_grade = sheet.decimal(facts)
        fixed_total, fixed_grade = sheet.integer(facts)
        parsed_total, parsed_grade = sheet.decimal(sheet.parse(text))
        seen = {
            "partyrules": (evaluation.total, evaluation.grade),
            "partyrules, text row": (from_text.total, from_text.grade),
            "hand-written Decimal": (want_total, want_grade),
            "hand-written integer / 100": (Decimal(fixed_total) / 100, fixed_grade),
            "hand-written Decimal, text row": (parsed_total, parsed_grade),
        }
        if len(set(seen.values())) != 1 and len(problems) < 5:
            problems.append(f"row {i + 1}: {seen}\n    facts: {facts!r}")
        elif len(set(seen.values())) != 1:
            problems.append("")
    if problems:
        shown = "\n".join(f"  {p}" for p in problems if p)
        sys.exit(f"error: the {sheet.name} scorers disagree on {len(problems)}+ rows; not timing anything.\n{shown}")
