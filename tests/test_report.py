"""Batch reports (partyrules score ... --report FILE.html): a valid, self-contained page with the right counts."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import partyrules
from partyrules import data, report
from shipped_cache import shipped
from test_cli import RULES, cell_rows, facts_of, run, sample, write_csv
from test_render import Page, parse


@pytest.fixture(scope="module")
def ruleset() -> partyrules.Ruleset:
    return shipped(RULES)


def batch(tmp_path: Path, n: int = 80) -> Path:
    """n rows of the shipped data; row 4 (file line) is broken twice, row 6 has a hostile id and name."""
    rows = sample(n)
    head = rows[0]
    rows[3][head.index("members")] = "mười"
    rows[3][head.index("attendance_rate")] = "120"
    rows[5][head.index("cell_id")] = "<script>alert(1)</script>"
    rows[5][head.index("cell_name")] = 'Chi bộ "A" & <b>B</b>'
    return write_csv(tmp_path / "cells.csv", rows)


def make_report(capsys: pytest.CaptureFixture[str], tmp_path: Path, *extra: Any) -> tuple[str, Page]:
    target = tmp_path / "report.html"
    status, out, _ = run(capsys, "score", RULES, batch(tmp_path), "--report", target, *extra)
    assert status == 1  # one row rejected
    assert f"report: {target}" in out
    page = target.read_text(encoding="utf-8")
    return page, parse(page)


def expected(ruleset: partyrules.Ruleset, n: int = 80) -> list[tuple[str, partyrules.Evaluation]]:
    rows = cell_rows()[:n]
    del rows[2]  # the broken row
    rows[3]["cell_id"] = "<script>alert(1)</script>"
    return [(r["cell_id"], ruleset.evaluate(facts_of(r, ruleset))) for r in rows]


def test_report_is_valid_and_self_contained(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    page, parsed = make_report(capsys, tmp_path, "--summary", "district")
    assert page.startswith('<!DOCTYPE html>\n<html lang="vi">')
    tags = {tag for tag, _ in parsed.tags}
    assert {"svg", "details", "summary", "table"} <= tags
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "b"}
    attributes = [a for _, attrs in parsed.tags for a in attrs]
    assert not [a for a in attributes if a in ("src", "href") or a.startswith("on")]
    assert (
        "url(" not in page
        and "@import" not in page
        and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # the same results give the same bytes
    again, _ = make_report(capsys, tmp_path, "--summary", "district")
    assert again == page


def test_report_counts(capsys: pytest.CaptureFixture[str], tmp_path: Path, ruleset: partyrules.Ruleset) -> None:
    page, parsed = make_report(capsys, tmp_path, "--summary", "district")
    results = expected(ruleset)
    text = "".join(parsed.text)
    assert f"{len(results)} tổ chức" in text
    not_graded = sum(1 for _, e in results if e.grade is None)
    assert f'<span id="not-graded">{not_graded}</span>' in page
    assert '<span id="rejected">1</span>' in page

    (counts,) = [rows for cls, rows in parsed.tables if cls == "counts"]
    district = next(i for i in ruleset.inputs if i.name == "district")
    labels = dict(zip(district.members, district.member_labels))
    grades = [g for g, _ in ruleset.layout.grades]
    by_district: dict[str, Counter[str | None]] = {labels[m] or m: Counter() for m in district.members}
    for _, e in results:
        by_district[labels[e.facts["district"]] or ""][e.grade] += 1
    wanted = [
        [label, *(str(c[g]) for g in grades), str(c[None]), str(sum(c.values()))] for label, c in by_district.items()
    ]
    total: Counter[str | None] = Counter(e.grade for _, e in results)
    wanted.append(["Tổng", *(str(total[g]) for g in grades), str(total[None]), str(len(results))])
    assert counts == wanted

    # the terminal summary is the same table
    status, out, _ = run(capsys, "score", RULES, tmp_path / "cells.csv", "--summary", "district")
    assert status == 1
    lines = out.splitlines()
    assert [line.split("  ")[0].strip() for line in lines[2 : 2 + len(wanted)]] == [row[0] for row in wanted]


def test_report_histogram(capsys: pytest.CaptureFixture[str], tmp_path: Path, ruleset: partyrules.Ruleset) -> None:
    _, parsed = make_report(capsys, tmp_path)
    bins = [attrs for tag, attrs in parsed.tags if tag == "g" and attrs.get("class") == "bin"]
    totals = [e.total for _, e in expected(ruleset)]
    assert len(bins) == 20
    assert Decimal(str(bins[0]["data-low"])) == 0 and Decimal(str(bins[-1]["data-high"])) == 100
    for i, b in enumerate(bins):
        low, high = Decimal(str(b["data-low"])), Decimal(str(b["data-high"]))
        last = i == len(bins) - 1
        inside = [t for t in totals if low <= t < high or (last and t == high)]
        assert int(str(b["data-count"])) == len(inside), (low, high)
    assert sum(int(str(b["data-count"])) for b in bins) == len(totals)


def test_histogram_bins() -> None:
    bins = report.histogram(
        [Decimal(0), Decimal("4.99"), Decimal(5), Decimal(100), Decimal(-3), Decimal(101)], Decimal(100)
    )
    assert [(b.low, b.high, b.count) for b in bins[:2]] == [(0, 5, 3), (5, 10, 1)]
    assert bins[-1].count == 2 and bins[-1].last
    odd = report.histogram([Decimal(30)], Decimal(30))
    assert [(b.low, b.high) for b in odd][-1] == (28, 30) and odd[-1].count == 1


def test_report_breakdowns_and_rejected(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ruleset: partyrules.Ruleset
) -> None:
    page, parsed = make_report(capsys, tmp_path)
    results = expected(ruleset)
    details = [attrs for tag, attrs in parsed.tags if tag == "details"]
    assert len(details) == len(results)
    assert [d["data-grade"] for d in details] == [e.grade or "" for _, e in results]
    breakdowns = [rows for cls, rows in parsed.tables if cls == "breakdown"]
    assert len(breakdowns) == len(results)
    for rows, (_, e) in zip(breakdowns, results, strict=True):
        assert rows[-1][:2] == ["Tổng điểm", partyrules_number(e.total)]
        for row, c in zip(rows, e.criteria):
            assert row == [c.number, partyrules_number(c.points) if c.points is not None else "—", c.level_label or ""]
    (legend,) = [rows for cls, rows in parsed.tables if cls == "legend"]
    assert [row[:2] for row in legend] == [
        [c.number, c.label] for c in ruleset.criteria if c.kind != "deduction" and c.kind != "bonus"
    ]
    (rejected,) = [rows for cls, rows in parsed.tables if cls == "rejected"]
    assert rejected == [
        [
            "4",
            "HT-TPHT-0003",
            "members: 'mười' is not a whole numberattendance_rate: 120% is outside the allowed range 0%..100%",
        ]
    ]
    assert 'id="quota"' in page and "Chưa áp dụng" in page


def partyrules_number(value: Decimal) -> str:
    from partyrules.printer import number_text

    return number_text(value)


def test_report_mistakes_and_atomic_write(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "cells.csv", sample(5))
    target = tmp_path / "report.html"
    cases: list[tuple[list[Any], str]] = [
        (["--report", target, "-o", target, "--format", "csv"], "--report and --output name the same file"),
        (["--report", tmp_path / "no" / "r.html"], "does not exist"),
        (["--report", path], "this is the data file"),
    ]
    for args, message in cases:
        status, out, err = run(capsys, "score", RULES, path, *args)
        assert status == 2, (args, err)
        assert message in err and out == ""
    target.write_text("last year's report", encoding="utf-8")

    def broken(*args: Any, **kwargs: Any) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report, "write_report", broken)  # partyrules score writes its report piece by piece
    status, out, err = run(capsys, "score", RULES, path, "--report", target, "-o", tmp_path / "r.csv")
    assert status == 2 and "No space left on device" in err
    assert target.read_text(encoding="utf-8") == "last year's report"
    assert not (tmp_path / "r.csv").exists()  # nothing claims success after a failed report
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cells.csv", "report.html"]


def test_grade_counts_sorts_other_columns(tmp_path: Path, ruleset: partyrules.Ruleset) -> None:
    table = data.read(write_csv(tmp_path / "cells.csv", sample(6)), ruleset.inputs)
    results = [o for o in data.score(ruleset, table.rows) if isinstance(o, data.Scored)]
    counts = report.grade_counts(ruleset, table, results, "members")
    members = [label for label, _ in counts.groups]
    assert members == sorted(members, key=int)
    assert sum(sum(c.values()) for _, c in counts.groups) == 6
    overall = report.grade_counts(ruleset, table, results, None)
    assert [label for label, _ in overall.groups] == ["Tổng"]
    assert report.count_rows(overall)[1][-1] == "6"
