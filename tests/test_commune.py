"""The shipped commune end to end: members -> cells -> the grassroots committee (src/partyrules/data/
hatinh-commune-2025.csv, synthetic, made by scripts/generate_commune_data.py), graded by
vn/annual-member, vn/cell-annual and vn/grassroots-annual. The counts a cell reads from its members,
the quota's demotions among the members of the grassroots organisation and the members not graded
are recomputed here from the rows, by plain Python, and compared with what the hierarchy did."""

from __future__ import annotations

import csv
import importlib.util
import io
import math
from decimal import Decimal
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
    levels = [("grassroots", "vn/grassroots-annual"), ("cell", "vn/cell-annual"), ("member", "vn/annual-member")]
    hierarchy = Hierarchy([(name, shipped(rid)) for name, rid in levels])
    return {r.id: r for r in hierarchy.grade(rows) if r.id is not None}


def test_the_file_is_what_the_script_makes() -> None:
    spec = importlib.util.spec_from_file_location("generate_commune_data", SCRIPT)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    out = io.StringIO()
    script._write(out, script.generate(script.DEFAULT_CELLS, script.DEFAULT_SEED))
    assert out.getvalue() == DATA.read_text(encoding="utf-8")


def test_sizes_and_every_row_graded(rows: list[dict[str, str]], graded: dict[str, GradedRow]) -> None:
    by_level = {level: sum(r["level"] == level for r in rows) for level in ("grassroots", "cell", "member")}
    assert by_level["grassroots"] == 1 and by_level["cell"] == 48 and 1500 <= by_level["member"] <= 3000
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
    # the declared order: total desc, tasks_exceeded_rate desc, then id
    candidates.sort(key=lambda m: (-m.evaluation.total, -m.evaluation.facts["tasks_exceeded_rate"], m.id))  # type: ignore[union-attr]
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
