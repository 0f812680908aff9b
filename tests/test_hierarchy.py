"""Hierarchies (partyrules.hierarchy): aggregate inputs and grading bottom-up."""

from __future__ import annotations

import csv
import io
import json
import random
import time
from decimal import Decimal
from pathlib import Path

import pytest

import partyrules
from partyrules import api
from partyrules.diagnostics import CriteriaError
from partyrules.formatter import format_text
from partyrules.hierarchy import GradedRow, Hierarchy, HierarchyError
from shipped_cache import shipped

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
    h = Hierarchy([("grassroots", shipped("vn/grassroots-annual")), ("cell", shipped("vn/annual-collective"))])
    results = _by_id(h.grade(rows))
    assert all(not g.problems for g in results.values())
    for g in results.values():
        if g.level != "grassroots":
            continue
        cells = [c for c in results.values() if c.parent == g.id]
        disciplined = [c for c in cells if c.evaluation.facts["leadership_disciplined"]]  # type: ignore[union-attr]
        assert g.evaluation.facts["subunits"] == len(cells)  # type: ignore[union-attr]
        assert g.evaluation.facts["subunits_disciplined"] == len(disciplined)  # type: ignore[union-attr]


# ---------------------------------------------------------------- the API's options for callers that read files


def test_numbers_refused_advance_and_timings(hierarchy: Hierarchy) -> None:
    rows = _rows()
    ticks: list[int] = []
    timings: dict[str, tuple[float, float]] = {}
    pause = 0.01

    def advance() -> None:  # called as each row is settled; its sleep is wall-clock time, not CPU time
        ticks.append(1)
        time.sleep(pause)

    wall, cpu = time.perf_counter(), time.process_time()
    results = hierarchy.grade(
        rows,
        numbers=[2, 4, 5, 6, 9],
        refused={2: ["score (column `Điểm`): '6,0' has a comma"]},
        advance=advance,
        timings=timings,
    )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    r = _by_id(results)
    assert [g.number for g in results] == [2, 4, 5, 6, 9]
    assert r["c2"].problems == ("score (column `Điểm`): '6,0' has a comma",) and not r["c2"].graded
    assert r["T"].problems == ("its children c2 were not graded: cells, bad, good, sum_total, worst, best, any_tot, all_ok unknown",)
    assert len(ticks) == len(rows)
    assert set(timings) == {"read", "tree", "level top", "level cell", "results"}
    # laps of one clock, phase after phase: (wall, CPU) each, adding up to no more than the whole call
    assert sum(w for w, _ in timings.values()) <= wall + 1e-9
    assert sum(c for _, c in timings.values()) <= cpu + 1e-9
    # rows are settled while the tree is placed and the levels are graded: the sleeps fall there, in
    # the wall-clock seconds and not in the CPU seconds (the two are not swapped)
    settling = [timings[phase] for phase in ("tree", "level top", "level cell")]
    slept = pause * len(ticks)
    assert sum(w for w, _ in settling) >= slept
    assert sum(c for _, c in settling) <= sum(w for w, _ in settling) - slept / 2
    # a refused row need not hold an id, a parent or a level: it is reported with its own problems only
    results = hierarchy.grade([*rows, {}], refused={5: ["has 3 fields where the header has 4"]})
    assert results[5].problems == ("has 3 fields where the header has 4",)
    with pytest.raises(ValueError, match="2 numbers for 5 rows"):
        hierarchy.grade(rows, numbers=[1, 2])


def test_text_facts_read_once_give_what_the_ruleset_gives(hierarchy: Hierarchy) -> None:
    """Text facts are typed once per distinct text; the results and the messages stay the ruleset's own."""
    cell = hierarchy.rulesets[1]
    texts = ["90", " 90 ", "90.0", "9e1", "abc", "400", "-1", "", "50%", "1,5"]
    flags = ["true", "TRUE", " có ", "1", "0", "maybe", ""]
    rows = [{"id": "T", "parent": "", "level": "cell_top"}]  # not a level: every cell is graded on its own
    for k, (score, flag) in enumerate((s, f) for s in texts for f in flags):
        rows.append({"id": f"c{k}", "parent": "", "level": "cell", "score": score, "disciplined": flag})
    for g in hierarchy.grade(rows)[1:]:
        row = rows[g.number - 1]
        facts = {k: v for k, v in row.items() if k in ("score", "disciplined") and v != ""}
        try:
            expected = cell.evaluate(facts)
        except partyrules.FactsError as exc:
            assert g.problems == tuple(f"{p.input}: {p.message}" for p in exc.problems), row
        else:
            assert g.evaluation is not None and g.evaluation.total == expected.total, row
            assert dict(g.evaluation.facts) == dict(expected.facts), row


# ---------------------------------------------------------------- partyrules grade

SHIPPED = Path(partyrules.__file__).parent / "data" / "grassroots-hierarchy-2025.csv"
LEVELS = ("--level", "grassroots=vn/grassroots-annual", "--level", "cell=vn/annual-collective")


def _run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    from partyrules import cli

    status = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, out, err


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _shipped_rows() -> list[dict[str, str]]:
    return _csv(SHIPPED)


def test_grade_the_shipped_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    status, stdout, stderr = _run(capsys, "grade", SHIPPED, *LEVELS, "-o", out)
    assert status == 0, stderr
    lines = stdout.splitlines()
    assert lines[0].split()[0] == "level" and lines[0].endswith("rejected  Tổng")
    assert lines[2].split() == ["grassroots", "0", "1", "3", "8", "0", "12"]
    assert lines[3].split() == ["cell", "0", "5", "16", "44", "0", "65"]
    assert "quota xuat_sac_20 (cell): 2 demotions (htxsnv → httnv)" in lines
    assert "quota xuat_sac_20 (grassroots): 0 demotions (htxsnv → httnv)" in lines
    assert lines[-3:] == ["rows graded: 77", "rows rejected: 0", f"results: {out} (csv, 77 rows)"]

    written = _csv(out)
    assert list(written[0]) == [
        "id", "parent", "level", "peer_group", "total", "grade", "grade_label", "not_graded", "quota_demotion", "problems",
    ]  # fmt: skip
    source = _shipped_rows()
    assert [w["id"] for w in written] == [s["id"] for s in source]  # in the order of the file

    # the same as the API
    h = Hierarchy([("grassroots", shipped("vn/grassroots-annual")), ("cell", shipped("vn/annual-collective"))])
    api_results = h.grade(source)
    for w, g in zip(written, api_results, strict=True):
        assert g.evaluation is not None
        assert (w["level"], w["grade"], Decimal(w["total"])) == (g.level, g.evaluation.grade, g.evaluation.total)
        assert bool(w["quota_demotion"]) == bool(g.demotions)

    # and known answers, worked out without the hierarchy: a committee is its ruleset evaluated
    # with its cells counted by hand; a cell is vn/annual-collective on its own row, then the quota
    by_id = {w["id"]: w for w in written}
    committee = shipped("vn/grassroots-annual")
    for row in source:
        if row["level"] != "grassroots":
            continue
        cells = [c for c in source if c["parent"] == row["id"]]
        facts = {k: v for k, v in row.items() if k in {s.name for s in committee.inputs} and v != ""}
        facts["subunits"] = str(len(cells))
        facts["subunits_disciplined"] = str(sum(c["leadership_disciplined"] == "true" for c in cells))
        e = committee.evaluate(facts)
        assert (by_id[row["id"]]["grade"], Decimal(by_id[row["id"]]["total"])) == (e.grade, e.total)
    cell = shipped("vn/annual-collective")
    names = {s.name for s in cell.inputs}
    for row in source:
        if row["level"] != "cell":
            continue
        e = cell.evaluate({k: v for k, v in row.items() if k in names and v != ""})
        assert Decimal(by_id[row["id"]]["total"]) == e.total
        if row["id"] in ("DB-008-CB03", "DB-009-CB02"):
            # the only HTXSNV cell of its committee (its peer group), which has fewer than 5 HTTNV cells:
            # 20 % of them, rounded down, allows none
            siblings = [by_id[c["id"]]["grade"] for c in source if c["peer_group"] == row["peer_group"]]
            assert siblings.count("httnv") < 5 + 1 and siblings.count("htxsnv") == 0
            assert e.grade == "htxsnv" and by_id[row["id"]]["grade"] == "httnv"
            assert by_id[row["id"]]["quota_demotion"] == "xuat_sac_20: htxsnv → httnv (thứ 1/1, được giữ 0)"
        else:
            assert by_id[row["id"]]["grade"] == e.grade and not by_id[row["id"]]["quota_demotion"]
    assert by_id["DB-001"]["total"] == "65.53" and by_id["DB-001"]["grade"] == "khtnv"

    # deterministic: the same bytes again
    again = tmp_path / "again.csv"
    assert _run(capsys, "grade", SHIPPED, *LEVELS, "-o", again)[0] == 0
    assert again.read_bytes() == out.read_bytes()


def test_grade_output_formats(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from partyrules import serialize
    from partyrules.runtime import Evaluation

    h = Hierarchy([("grassroots", shipped("vn/grassroots-annual")), ("cell", shipped("vn/annual-collective"))])
    expected = h.grade(_shipped_rows(), start=2)

    out = tmp_path / "results.jsonl"
    assert _run(capsys, "grade", SHIPPED, *LEVELS, "-o", out)[0] == 0
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(items) == len(expected) == 77
    for item, g in zip(items, expected, strict=True):
        assert (item["row"], item["id"], item["parent"], item["level"]) == (g.number, g.id, g.parent, g.level)
        assert g.evaluation is not None
        assert item["grade"] == g.evaluation.grade and Decimal(item["total"]) == g.evaluation.total
        assert serialize.structure(item["evaluation"], Evaluation) == g.evaluation  # the whole evaluation, exactly
        assert len(item["demotions"]) == len(g.demotions) and item["problems"] == []
    assert items[0]["columns"] == {"peer_group": "grassroots"}

    # results on stdout, the summary on stderr
    status, stdout, stderr = _run(capsys, "grade", SHIPPED, *LEVELS, "--format", "csv")
    assert status == 0 and stdout.startswith("id,parent,level,") and "rows graded: 77" in stderr
    assert len(stdout.splitlines()) == 78
    status, stdout, stderr = _run(capsys, "grade", SHIPPED, *LEVELS, "--format", "jsonl")
    assert [json.loads(line)["id"] for line in stdout.splitlines()] == [g.id for g in expected]

    openpyxl = pytest.importorskip("openpyxl")
    book = tmp_path / "results.xlsx"
    assert _run(capsys, "grade", SHIPPED, *LEVELS, "-o", book)[0] == 0
    sheet = openpyxl.load_workbook(book, read_only=True).active
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0][:6] == ["id", "parent", "level", "peer_group", "total", "grade"]
    assert table[1][:6] == ["DB-001", None, "grassroots", "grassroots", 65.53, "khtnv"]  # a number, as Excel holds it
    assert len(table) == 78
    # and a workbook is read as well as written: the results of the shipped file as a workbook are the same
    source = tmp_path / "hierarchy.xlsx"
    wb = openpyxl.Workbook()
    rows = list(csv.reader(SHIPPED.open(encoding="utf-8")))
    for r in rows:
        wb.active.append(r)
    wb.save(source)
    from_book = tmp_path / "from-book.csv"
    assert _run(capsys, "grade", source, *LEVELS, "-o", from_book)[0] == 0
    assert [(r["id"], r["grade"], Decimal(r["total"])) for r in _csv(from_book)] == [
        (g.id, g.evaluation.grade, g.evaluation.total) for g in expected if g.evaluation is not None
    ]


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_grade_bad_rows(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = _shipped_rows()
    by_id = {r["id"]: r for r in rows}
    by_id["DB-002-CB01"]["parent"] = "DB-999"  # dangling
    by_id["DB-003"]["parent"] = "DB-004"  # a cycle of two committees
    by_id["DB-004"]["parent"] = "DB-003"
    by_id["DB-005-CB01"]["level"] = "district"  # no ruleset
    by_id["DB-006-CB02"]["tasks_done_rate"] = "lots"  # refused by the ruleset
    by_id["DB-007-CB01"]["politics_points"] = "7,5"  # a comma, read the plain way
    data = _write(tmp_path / "bad.csv", rows)
    out = tmp_path / "results.csv"
    status, stdout, stderr = _run(capsys, "grade", data, *LEVELS, "-o", out)
    assert status == 1
    line = {r["id"]: i for i, r in enumerate(rows, 2)}
    errors = stderr.splitlines()

    def said(row_id: str, text: str) -> bool:
        return any(e.startswith(f"{data}:{line[row_id]} ({row_id}): ") and text in e for e in errors)

    assert said("DB-002-CB01", "its parent DB-999 is not among the rows")
    assert said("DB-003", "it is its own ancestor: DB-003 → DB-004 → DB-003")
    assert said("DB-004", "it is its own ancestor: DB-003 → DB-004 → DB-003")
    assert said("DB-003", "its parent DB-004 is of level grassroots, not above grassroots")
    assert said("DB-005-CB01", "its level `district` has no ruleset (levels: grassroots, cell)")
    assert said("DB-005", "its children DB-005-CB01 were not graded: subunits, subunits_disciplined unknown")
    assert said("DB-006-CB02", "tasks_done_rate: 'lots' is not a percentage")
    assert said("DB-006", "its children DB-006-CB02 were not graded")
    assert said("DB-007-CB01", "politics_points: '7,5' has a comma")
    assert said("DB-007", "its children DB-007-CB01 were not graded")
    assert not said("DB-002", "were not graded")  # a dangling child belongs to no committee
    written = {r["id"]: r for r in _csv(out)}
    assert len(written) == 77  # every row, rejected ones with their problems
    assert written["DB-005-CB01"]["grade"] == "" and "has no ruleset" in written["DB-005-CB01"]["problems"]
    assert written["DB-001"]["grade"] == "khtnv"  # the others go on
    rejected = sum(1 for r in written.values() if r["problems"])
    assert f"rows rejected: {rejected}" in stdout and f"rows graded: {77 - rejected}" in stdout

    # the same file with --numbers vi reads "7,5" (and "65.53" no longer is a number the Vietnamese way)
    status, stdout, stderr = _run(capsys, "grade", data, *LEVELS, "--numbers", "vi")
    errors = stderr.splitlines()
    assert status == 1 and not said("DB-007-CB01", "has a comma")
    assert "not a number written the Vietnamese way" in stderr


def test_grade_a_row_that_cannot_be_read(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8").splitlines()
    text[3] = text[3] + ",extra,fields"  # DB-001-CB02
    data = tmp_path / "broken.csv"
    data.write_text("\n".join(text) + "\n", encoding="utf-8")
    status, stdout, stderr = _run(capsys, "grade", data, *LEVELS)
    assert status == 1
    assert f"{data}:4 (DB-001-CB02): has 18 fields where the header has 16" in stderr
    assert "1 row could not be read (row 4): their parents are not known" in stderr
    assert "rows rejected: 1" in stdout


def test_grade_vietnamese_numbers_other_columns_and_depth(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    assert _run(capsys, "grade", SHIPPED, *LEVELS, "-o", plain)[0] == 0
    expected = [(r["id"], r["grade"], r["total"]) for r in _csv(plain)]

    rows = _shipped_rows()
    for r in rows:  # every number with decimals written the Vietnamese way: 7,50
        r.update({k: v.replace(".", ",") for k, v in r.items() if k.endswith("_points")})
    renamed = [{"mã": r["id"], "cấp trên": r["parent"], **{k: v for k, v in r.items() if k not in ("id", "parent", "level")}} for r in rows]
    data = _write(tmp_path / "vi.csv", renamed)
    out = tmp_path / "vi-results.csv"
    status, _, stderr = _run(
        capsys, "grade", data, *LEVELS, "--numbers", "vi", "--id-column", "mã", "--parent-column", "cấp trên", "--by-depth", "-o", out
    )
    assert status == 0, stderr
    assert [(r["id"], r["grade"], r["total"]) for r in _csv(out)] == expected


def test_grade_unusable_arguments(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = _run(capsys, "grade", SHIPPED, "--level", "grassroots")
    assert status == 2 and "--level 'grassroots': write it as NAME=RULES" in err
    status, _, err = _run(capsys, "grade", SHIPPED, "--level", "grassroots=vn/grassroots-anual")
    assert status == 2 and "no ruleset has this id" in err and "vn/grassroots-annual" in err
    status, _, err = _run(capsys, "grade", SHIPPED, *LEVELS, "--parent-column", "cha")
    assert status == 2 and "there is no column `cha` (--parent-column)" in err
    status, _, err = _run(capsys, "grade", SHIPPED, *LEVELS, "--level-column", "cap")
    assert status == 2 and "there is no column `cap` (--level-column)" in err
    status, _, err = _run(capsys, "grade", SHIPPED, "--level", "grassroots=vn/grassroots-annual", "--level", "cell=vn.hatinh/chi-bo-4-tot")
    assert status == 2 and "the levels do not fit together" in err and "leadership_disciplined" in err
    status, _, err = _run(capsys, "grade", SHIPPED, *LEVELS, "--level", "cell=vn/annual-collective")
    assert status == 2 and "a level is named twice" in err
    status, _, err = _run(capsys, "grade", SHIPPED, *LEVELS, "-o", tmp_path / "results.txt")
    assert status == 2 and "cannot tell the output format" in err
    status, _, err = _run(capsys, "grade", SHIPPED, *LEVELS, "-o", SHIPPED)
    assert status == 2 and "this is the data file" in err
    no_ids = _write(tmp_path / "no-ids.csv", [{("name" if k == "id" else k): v for k, v in r.items()} for r in _shipped_rows()])
    status, _, err = _run(capsys, "grade", no_ids, *LEVELS)
    assert status == 2 and "no column holds the ids" in err


def test_the_documented_command_prints_what_the_page_shows(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import re
    import shlex

    root = Path(__file__).resolve().parents[1]
    page = (root / "docs" / "batch.md").read_text(encoding="utf-8")
    match = re.search(r"```sh\n(partyrules grade .*?)\n```\n\n```text\n(.*?)```", page, re.DOTALL)
    assert match is not None
    argv = shlex.split(match.group(1).replace("\\\n", " "))[1:]
    argv = [str(root / a) if a.startswith("src/") else a for a in argv]
    argv[argv.index("--output") + 1] = str(tmp_path / "results.csv")
    status, out, _ = _run(capsys, *argv)
    assert status == 0
    assert out.replace(str(tmp_path / "results.csv"), "results.csv") == match.group(2)


def test_grade_comparisons_in_every_direction(hierarchy: Hierarchy) -> None:
    ops = {">=": "ge", ">": "gt", "<=": "le", "<": "lt", "==": "eq", "!=": "ne"}
    lines = [f'input n_{name} "x": integer 0..100 from count of children where grade {op} kha;' for op, name in ops.items()]
    lines += [f'input f_{name} "x": integer 0..100 from count of children where kha {op} grade;' for op, name in ops.items()]
    text = HEAD.format("cmp") + "\n".join(lines) + '\ncriteria "C" max 1 { item a "a" max 1 { points = 1; } }\ngrades { grade a "A" { band any; } }\n'
    h = Hierarchy([("top", api.loads(text, "cmp.criteria")), ("cell", hierarchy.rulesets[1])])
    rows = [{"id": "T", "parent": "", "level": "top"}]
    rows += [{"id": f"c{k}", "parent": "T", "level": "cell", "score": str(s)} for k, s in enumerate((95, 60, 55, 10, 20))]
    facts = _by_id(h.grade(rows))["T"].evaluation.facts  # type: ignore[union-attr]
    # cells: 95 tot (1), 60 and 55 kha (2), 10 and 20 kem (2); best first: tot > kha > kem
    better, same, worse = 1, 2, 2
    expected = {"ge": better + same, "gt": better, "le": same + worse, "lt": worse, "eq": same, "ne": better + worse}
    flipped = {"ge": "le", "gt": "lt", "le": "ge", "lt": "gt", "eq": "eq", "ne": "ne"}  # kha >= grade: grade <= kha
    for name in ops.values():
        assert facts[f"n_{name}"] == expected[name], name
        assert facts[f"f_{name}"] == expected[flipped[name]], name
