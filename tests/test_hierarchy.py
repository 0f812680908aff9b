"""Hierarchies (partyrules.hierarchy): aggregate inputs and grading bottom-up."""

from __future__ import annotations

import csv
import io
import random
from decimal import Decimal
from pathlib import Path

import pytest

import partyrules
from partyrules import api
from partyrules.diagnostics import CriteriaError
from partyrules.formatter import format_text
from partyrules.hierarchy import GradedRow, Hierarchy, HierarchyError

HEAD = 'ruleset "t/{}" {{ title "t"; version "1"; basis "b"; effective from 2024-01-01; points illustrative "test"; }}\n'
CELL = HEAD.format("cell") + """
input score "s": integer 0..100;
input disciplined "d": boolean = false;
criteria "C" max 100 { item a "a" max 100 { points = score; } }
grades { grade tot "Tốt" { band from 80; } grade kha "Khá" { band from 50 below 80; } grade kem "Kém" { band below 50; } }
quota q "Tốt at most 50% of all" { grade tot at most 50% of kem and better; within all; order by total desc; }
"""
TOP = HEAD.format("top") + """
input cells "n": integer 1..100 from count of children;
input bad "b": integer 0..100 from count of children where disciplined;
input good "g": percent from share of children where grade >= kha;
input sum_total "s": decimal from sum of total over children;
input worst "w": decimal from min of total over children where not disciplined;
input best "b2": decimal from max of score over children;
input any_tot "a": boolean from any of children where grade == tot;
input all_ok "a2": boolean from all of children where grade != kem;
criteria "C" max 100 { item a "a" max 100 { points = if bad * 5 > cells then 0 else good * 100; } }
grades { grade tot "Tốt" { band from 80; } grade kem "Kém" { band below 80; } }
"""


@pytest.fixture(scope="module")
def hierarchy() -> Hierarchy:
    return Hierarchy([("top", api.loads(TOP, "top.criteria")), ("cell", api.loads(CELL, "cell.criteria"))])


def _rows() -> list[dict[str, str]]:
    return [
        {"id": "T", "parent": "", "level": "top"},
        {"id": "c1", "parent": "T", "level": "cell", "score": "90"},
        {"id": "c2", "parent": "T", "level": "cell", "score": "85"},
        {"id": "c3", "parent": "T", "level": "cell", "score": "60", "disciplined": "true"},
        {"id": "c4", "parent": "T", "level": "cell", "score": "40"},
    ]


def _by_id(results: tuple[GradedRow, ...]) -> dict[str | None, GradedRow]:
    return {r.id: r for r in results}


def test_aggregates_bottom_up_with_the_quota_applied_first(hierarchy: Hierarchy) -> None:
    r = _by_id(hierarchy.grade(_rows()))
    # cells: c1 90 tot, c2 85 tot, c3 60 kha, c4 40 kem. The quota allows tot at most 50 % of the
    # 4 cells = 2: both keep tot. (A third tot would be demoted: see the next test.)
    assert [r[c].evaluation.grade for c in ("c1", "c2", "c3", "c4")] == ["tot", "tot", "kha", "kem"]  # type: ignore[union-attr]
    facts = r["T"].evaluation.facts  # type: ignore[union-attr]
    assert facts["cells"] == 4
    assert facts["bad"] == 1  # c3
    assert facts["good"] == Decimal("75")  # c1, c2, c3 of 4 are kha or better: 75 %
    assert facts["sum_total"] == Decimal("275")  # 90 + 85 + 60 + 40
    assert facts["worst"] == Decimal("40")  # c4; c3 (60) is disciplined, left out
    assert facts["best"] == Decimal("90")
    assert facts["any_tot"] is True
    assert facts["all_ok"] is False  # c4 is kem
    # bad * 5 = 5 > 4 cells: 0 points
    assert r["T"].evaluation.total == 0  # type: ignore[union-attr]


def test_parents_read_grades_after_the_quota(hierarchy: Hierarchy) -> None:
    rows = _rows()
    rows[3] = {"id": "c3", "parent": "T", "level": "cell", "score": "80"}  # a third tot
    r = _by_id(hierarchy.grade(rows))
    # three tot of four: 50 % of 4 allows 2; c3 (lowest total, 80) is demoted to kha
    assert r["c3"].evaluation.grade == "kha"  # type: ignore[union-attr]
    assert r["c3"].demotions
    # the parent reads the demoted grade: no child disciplined, 75 % kha or better, so 75 points
    facts = r["T"].evaluation.facts  # type: ignore[union-attr]
    assert facts["good"] == Decimal("75") and facts["bad"] == 0
    assert r["T"].evaluation.total == Decimal("75")  # type: ignore[union-attr]


def test_shuffled_rows_give_the_same_bytes(hierarchy: Hierarchy) -> None:
    def text(rows: list[dict[str, str]]) -> str:
        out = io.StringIO()
        for g in sorted(hierarchy.grade(rows), key=lambda g: str(g.id)):
            e = g.evaluation
            out.write(f"{g.id},{g.level},{e.total if e else ''},{e.grade if e else ''},{dict(e.facts) if e else ''},{g.problems}\n")
        return out.getvalue()

    rows = [*_rows(), {"id": "x", "parent": "nowhere", "level": "cell", "score": "1"}]
    expected = text(rows)
    for seed in range(5):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        assert text(shuffled) == expected


def test_tree_problems_are_per_row(hierarchy: Hierarchy) -> None:
    rows = [
        *_rows(),
        {"id": "d", "parent": "nowhere", "level": "cell", "score": "50"},
        {"id": "y1", "parent": "y2", "level": "top"},
        {"id": "y2", "parent": "y1", "level": "top"},
        {"id": "m", "level": "cell", "score": "50"},
        {"id": "z", "parent": "T", "level": "district", "score": "50"},
        {"id": "c1", "parent": "T", "level": "cell", "score": "50"},
        {"id": "u", "parent": "c1", "level": "top"},
    ]
    results = hierarchy.grade(rows)
    problems = {(g.number, g.id): g.problems for g in results if g.problems}
    assert problems[(6, "d")] == ("its parent nowhere is not among the rows",)
    assert problems[(7, "y1")][0] == "it is its own ancestor: y1 → y2 → y1"
    assert problems[(8, "y2")][0] == "it is its own ancestor: y1 → y2 → y1"
    assert problems[(9, "m")] == ("it has no `parent` column (leave it empty for the top of the tree)",)
    assert problems[(10, "z")] == ("its level `district` has no ruleset (levels: top, cell)",)
    assert problems[(11, "c1")] == ("its id c1 is also row 2",)
    assert problems[(12, "u")] == ("its parent c1 is of level cell, not above top",)
    # the rejected duplicate was T's child: T's aggregates are unknown, T is reported too
    assert problems[(1, "T")] == ("its children c1, z were not graded: cells, bad, good, sum_total, worst, best, any_tot, all_ok unknown",)
    assert [g.id for g in results if g.graded] == ["c1", "c2", "c3", "c4"]


def test_rejected_child_and_given_aggregates(hierarchy: Hierarchy) -> None:
    rows = _rows()
    rows[4] = {"id": "c4", "parent": "T", "level": "cell", "score": "400"}
    r = _by_id(hierarchy.grade(rows))
    assert r["c4"].problems == ("score: 400 is outside the allowed range 0..100",)
    assert r["T"].problems[0].startswith("its children c4 were not graded")
    rows = _rows()
    rows[0] = {"id": "T", "parent": "", "level": "top", "cells": "5", "bad": "1"}
    r = _by_id(hierarchy.grade(rows))
    # a given value that agrees is accepted, one that disagrees is the row's problem
    assert r["T"].problems == ("it gives cells = 5, but its children make 4",)


def test_a_parent_without_children_and_empty_aggregates(hierarchy: Hierarchy) -> None:
    r = _by_id(hierarchy.grade([{"id": "T", "parent": "", "level": "top"}]))
    assert r["T"].problems == (
        "good: it has no children to take a share of",
        "worst: it has no children to take the least of",
        "best: it has no children to take the greatest of",
    )


def test_by_depth(hierarchy: Hierarchy) -> None:
    h = Hierarchy([("top", hierarchy.rulesets[0]), ("cell", hierarchy.rulesets[1])], by_depth=True)
    rows = [{k: v for k, v in row.items() if k != "level"} for row in _rows()]
    rows.append({"id": "deep", "parent": "c1", "score": "1"})
    r = _by_id(h.grade(rows))
    assert r["T"].evaluation is not None and r["T"].evaluation.facts["cells"] == 4
    assert r["deep"].problems == ("it stands at depth 3, below the last level (cell)",)


def test_alone_an_aggregate_is_an_ordinary_input() -> None:
    top = api.loads(TOP, "top.criteria")
    facts = {"cells": 4, "bad": 0, "good": 75, "sum_total": 1, "worst": 1, "best": 1, "any_tot": True, "all_ok": True}
    assert top.evaluate(facts).total == Decimal("75")


def test_levels_that_do_not_fit_are_refused() -> None:
    other = api.loads(CELL.replace("disciplined", "punished"), "other.criteria")
    with pytest.raises(HierarchyError, match="has no `disciplined`"):
        Hierarchy([("top", api.loads(TOP, "top.criteria")), ("cell", other)])


def test_form_is_checked_in_one_file() -> None:
    text = HEAD.format("bad") + 'input x "x": boolean from count of children;\ninput y "y": integer from any of children where true;\n'
    with pytest.raises(CriteriaError) as err:
        api.loads(text + 'criteria "C" max 1 { item a "a" max 1 { points = 1; } }\ngrades { grade a "A" { band any; } }\n', "bad.criteria")
    codes = [d.code for d in err.value.diagnostics]
    assert codes == ["PR260", "PR260"]


def test_aggregates_keep_their_canonical_layout() -> None:
    assert format_text(TOP) is not None
    formatted = format_text(HEAD.format("x") + 'input a "a": integer from  count of children where grade>=kha and not disciplined ;\n')
    assert 'input a "a": integer from count of children where grade >= kha and not disciplined;' in formatted


def test_the_shipped_chain() -> None:
    data = Path(partyrules.__file__).parent / "data" / "grassroots-hierarchy-2025.csv"
    rows = list(csv.DictReader(data.open(encoding="utf-8")))
    h = Hierarchy([("grassroots", partyrules.load("vn/grassroots-annual")), ("cell", partyrules.load("vn/annual-collective"))])
    results = _by_id(h.grade(rows))
    assert all(not g.problems for g in results.values())
    for g in results.values():
        if g.level != "grassroots":
            continue
        cells = [c for c in results.values() if c.parent == g.id]
        disciplined = [c for c in cells if c.evaluation.facts["leadership_disciplined"]]  # type: ignore[union-attr]
        assert g.evaluation.facts["subunits"] == len(cells)  # type: ignore[union-attr]
        assert g.evaluation.facts["subunits_disciplined"] == len(disciplined)  # type: ignore[union-attr]
