"""The shipped commune end to end: quarters -> members' years -> cells -> the grassroots committee
(src/partyrules/data/hatinh-commune-2025.csv, synthetic, made by scripts/generate_commune_data.py), graded
in one run by vn/member-quarter, vn/member-year, vn/cell-annual and vn/grassroots-annual. The counts a
year reads from its quarters and a cell from its members, the quota's demotions among the members of
the grassroots organisation and the members not graded are recomputed here from the rows, by plain
Python, and compared with what the hierarchy did."""

from __future__ import annotations

import csv
import importlib.util
import io
import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

import partyrules
from partyrules.hierarchy import GradedRow, Hierarchy
from shipped_cache import shipped

DATA = partyrules.data_path("hatinh-commune-2025.csv")
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "generate_commune_data.py"
TRUE = "true"


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def graded(rows: list[dict[str, str]]) -> dict[str, GradedRow]:
    return {r.id: r for r in _hierarchy().grade(rows) if r.id is not None}


LEVELS = [
    ("grassroots", "vn/grassroots-annual"),
    ("cell", "vn/cell-annual"),
    ("member", "vn/member-year"),
    ("quarter", "vn/member-quarter"),
]


def _hierarchy() -> Hierarchy:
    return Hierarchy([(name, shipped(rid)) for name, rid in LEVELS])


def test_the_file_is_what_the_script_makes() -> None:
    spec = importlib.util.spec_from_file_location("generate_commune_data", SCRIPT)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = io.StringIO()
    script._write(out, script.generate(script.DEFAULT_CELLS, script.DEFAULT_SEED))
    assert out.getvalue() == DATA.read_text(encoding="utf-8")


def test_sizes_and_every_row_graded(rows: list[dict[str, str]], graded: dict[str, GradedRow]) -> None:
    by_level = {level: sum(r["level"] == level for r in rows) for level in ("grassroots", "cell", "member", "quarter")}
    assert by_level["grassroots"] == 1 and by_level["cell"] == 48 and 1500 <= by_level["member"] <= 3000
    assert by_level["quarter"] == 3 * by_level["member"]
    assert all(not g.problems for g in graded.values())
    assert len(graded) == len(rows)


def _not_graded(row: dict[str, str]) -> bool:
    return row["suspended"] == TRUE or row["exempted"] == TRUE or int(row["months_in_party"]) < 6


def test_members_not_graded(rows: list[dict[str, str]], graded: dict[str, GradedRow]) -> None:
    members = [r for r in rows if r["level"] == "member"]
    expected = {r["id"] for r in members if _not_graded(r)}
    found = {r["id"] for r in members if graded[r["id"]].evaluation.grade is None}  # type: ignore[union-attr]
    assert found == expected and len(expected) > 50


def test_the_members_quota_within_the_grassroots_organisation(
    rows: list[dict[str, str]], graded: dict[str, GradedRow]
) -> None:
    members = [graded[r["id"]] for r in rows if r["level"] == "member"]
    scored = {m.id: (m.demotions[0].from_grade if m.demotions else m.evaluation.grade) for m in members}  # type: ignore[union-attr]
    candidates = [m for m in members if scored[m.id] == "htxsnv"]
    httnv = sum(grade == "httnv" for grade in scored.values())
    # the declared order: total desc, quarters_mean desc, then id
    candidates.sort(key=lambda m: (-m.evaluation.total, -m.evaluation.facts["quarters_mean"], m.id))  # type: ignore[union-attr]
    # keep k, the largest with k <= floor(20 % of the httnv after the quota = httnv + the demoted)
    kept = max(k for k in range(len(candidates) + 1) if k <= math.floor(Decimal("0.2") * (httnv + len(candidates) - k)))
    demoted = {m.id for m in candidates[kept:]}
    assert {m.id for m in members if m.demotions} == demoted
    assert len(demoted) > 50 and kept > 100  # the quota bites
    assert all(graded[i].evaluation.grade == "httnv" for i in demoted)  # type: ignore[union-attr]
    first = graded[candidates[kept].id].demotions[0]  # type: ignore[arg-type]
    assert (first.group, first.allowed) == ("DB-XA", kept)


def test_each_cell_reads_its_members(rows: list[dict[str, str]], graded: dict[str, GradedRow]) -> None:
    cells = [r["id"] for r in rows if r["level"] == "cell"]
    for cell in cells[:6]:
        members = [r for r in rows if r["parent"] == cell]
        grades = [graded[r["id"]].evaluation.grade for r in members]  # type: ignore[union-attr]
        facts = graded[cell].evaluation.facts  # type: ignore[union-attr]
        assert facts["members_graded"] == sum(g is not None for g in grades)
        assert facts["members_good"] == sum(g in ("htxsnv", "httnv") for g in grades)  # after the quota
        assert facts["members_disciplined"] == sum(r["disciplined"] == TRUE for r in members)
    # and the committee reads its cells
    top = graded["DB-XA"].evaluation.facts  # type: ignore[union-attr]
    assert top["subunits"] == len(cells)
    assert top["subunits_disciplined"] == sum(r["leadership_disciplined"] == TRUE for r in rows if r["level"] == "cell")


def test_a_cell_under_80_percent_good_members_is_capped(graded: dict[str, GradedRow]) -> None:
    capped = [
        g
        for g in graded.values()
        if g.evaluation is not None and any(k.id == "dang_vien_tot_duoi_80" for k in g.evaluation.knockouts)
    ]
    assert capped
    for g in capped:
        facts = g.evaluation.facts  # type: ignore[union-attr]
        assert facts["members_good"] * 5 < facts["members_graded"] * 4
        assert g.evaluation.grade != "htxsnv"  # type: ignore[union-attr]


def test_each_year_reads_its_quarters(rows: list[dict[str, str]], graded: dict[str, GradedRow]) -> None:
    members = [r["id"] for r in rows if r["level"] == "member"]
    for member in members[:40]:
        quarters = [graded[r["id"]].evaluation for r in rows if r["parent"] == member]
        assert len(quarters) == 3
        facts = graded[member].evaluation.facts  # type: ignore[union-attr]
        grades = [q.grade for q in quarters]  # type: ignore[union-attr]
        assert facts["quarters_good"] == sum(g in ("htxsnv", "httnv") for g in grades)
        assert facts["quarters_failed"] == sum(g == "khtnv" for g in grades)
        mean = sum((q.total for q in quarters), Decimal(0)) / 3  # type: ignore[union-attr]
        assert facts["quarters_mean"] == mean.quantize(Decimal("0.01"), ROUND_HALF_UP)


# a slice written out: one committee, one cell, two members; each quarter's grade is plain from its facts
EXCELLENT = {"politics_points": "10", "innovation_points": "10", "self_criticism_points": "10",
             "tasks_done_rate": "100", "tasks_on_time_rate": "100", "tasks_exceeded_rate": "30",
             "months_in_party": "120"}  # fmt: skip
FAILED = {**EXCELLENT, "politics_points": "2", "innovation_points": "2", "self_criticism_points": "2",
          "tasks_done_rate": "30", "tasks_on_time_rate": "30", "tasks_exceeded_rate": "0"}  # fmt: skip
YEAR = {"grassroots_org": "X", "months_in_party": "120", "q4_done_rate": "100", "q4_on_time_rate": "100",
        "q4_exceeded_rate": "30"}  # fmt: skip


def _slice(quarters_of_b: int) -> list[dict[str, str]]:
    committee = {k: v for k, v in (("id", "X"), ("parent", ""), ("level", "grassroots"))}
    top = next(r for r in csv.DictReader(DATA.open(encoding="utf-8")) if r["level"] == "grassroots")
    cell = next(r for r in csv.DictReader(DATA.open(encoding="utf-8")) if r["level"] == "cell")
    rows = [
        {**top, **committee, "peer_group": "X"},
        {**cell, "id": "X-CB", "parent": "X", "peer_group": "X"},
        {"id": "A", "parent": "X-CB", "level": "member", **YEAR},
        {"id": "B", "parent": "X-CB", "level": "member", **YEAR, "disciplined": "true"},
    ]
    rows += [{"id": f"A-Q{q}", "parent": "A", "level": "quarter", **EXCELLENT} for q in (1, 2, 3)]
    b = [EXCELLENT, FAILED, EXCELLENT][:quarters_of_b]
    rows += [{"id": f"B-Q{q}", "parent": "B", "level": "quarter", **f} for q, f in enumerate(b, 1)]
    return rows


def test_a_small_slice_by_hand() -> None:
    graded = {r.id: r for r in _hierarchy().grade(_slice(3))}
    assert all(not r.problems for r in graded.values())
    assert graded["B-Q2"].evaluation.grade == "khtnv"  # type: ignore[union-attr]
    a, b = (graded[m].evaluation for m in ("A", "B"))
    assert a is not None and b is not None
    # A: three quarters of 100 (HTXSNV): mean 100, 3 good, none failed
    assert (a.facts["quarters_mean"], a.facts["quarters_good"], a.facts["quarters_failed"]) == (100, 3, 0)
    # B: 100, the failed quarter, 100: 2 good, 1 failed; disciplined in the year
    assert (b.facts["quarters_good"], b.facts["quarters_failed"]) == (2, 1)
    assert graded["B-Q2"].evaluation.total == 24  # type: ignore[union-attr]
    assert b.facts["quarters_mean"] == Decimal("74.67")  # (100 + 24 + 100) / 3, to 2 places half up
    assert b.grade == "khtnv"
    # the cell reads its two members: both graded, one HTTNV or better (A; alone in X, A keeps HTXSNV only
    # if 20 % of the HTTNV allows it: none is HTTNV, so A is demoted to HTTNV), one disciplined
    assert graded["A"].demotions and a.grade == "httnv"
    cell = graded["X-CB"].evaluation.facts  # type: ignore[union-attr]
    assert (cell["members_graded"], cell["members_good"], cell["members_disciplined"]) == (2, 1, 1)


def test_a_quarter_missing_is_an_error_naming_the_periods() -> None:
    graded = {r.id: r for r in _hierarchy().grade(_slice(2))}
    problem = " ".join(graded["B"].problems)
    assert (
        "it has 2 rows of `quy` (Quý I, II, III của năm), a period missing of the 3 that vn/member-year reads"
        in problem
    )
    assert "`missing error`" in problem
    assert not graded["A"].problems and graded["A"].evaluation is not None
    # the cell cannot count a member who was not graded, and says which
    assert any("its children B were not graded" in p for p in graded["X-CB"].problems)
