"""Batch examples: rows scored together, the file's quotas applied over them, expectations per row."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import partyrules
from partyrules import cli, mutation, proving, rulecoverage
from partyrules.casebook import BatchCase
from partyrules.diagnostics import CriteriaError
from partyrules.formatter import format_text

CRITERIA = Path(partyrules.__file__).resolve().parent / "criteria"

HEAD = """
ruleset "t/batch" { title "T"; version "1"; basis "B"; effective from 2024-01-01; points illustrative; }
input diem "Điểm": integer 0..10;
criteria "Tổng" max 10 { item d "Điểm" max 10 { points = diem; } }
grades {
  grade x "X" { band from 9; }
  grade y "Y" { band from 5 below 9; }
  grade z "Z" { band below 5; }
}
example top "Top" { given { diem = 10; } expect grade x; }
example mid "Mid" { given { diem = 6; } expect grade y; }
example low "Low" { given { diem = 2; } expect grade z; }
"""
QUOTA = """
quota q "Q" { grade x at most 20% of y; within column "org"; round down; demote to y; order by total desc; }
"""
# three x and seven y in one organisation: k kept while k <= 20% x (10 - k), so one (two at 30%, none
# at 10%); a lone x in another organisation is demoted (20% of nothing is nothing)
BATCH = """
example lot "Lot" {
  row a like top;
  row b like top { diem = 9; }
  row c like top { diem = 9; }
  row d like mid;
  row e like mid;
  row f like mid;
  row g like mid;
  row h like mid;
  row i like mid;
  row j like mid;
  row k in "khac" like top;
  row l in "khac" like low;
  expect a grade x;
  expect a not demoted;
  expect b demoted by q;
  expect c grade y;
  expect k demoted by q;
  expect l grade z;
  expect l not demoted;
}
"""


def _codes(text: str) -> list[str]:
    with pytest.raises(CriteriaError) as caught:
        partyrules.loads(text, "t.criteria")
    return [d.code for d in caught.value.diagnostics if d.severity == "error"]


def test_a_batch_applies_the_quota_within_each_group_and_passes() -> None:
    ruleset = partyrules.loads(HEAD + QUOTA + BATCH, "t.criteria")
    assert ruleset.tests is not None
    batch = ruleset.tests.examples[-1]
    assert isinstance(batch, BatchCase)
    assert [r.group for r in batch.rows][-2:] == ["khac", "khac"]
    outcomes = proving.run(ruleset, properties=False)
    assert [o.passed for o in outcomes] == [True, True, True, True]
    placed = proving.place_batch(ruleset, batch)
    assert not isinstance(placed, str)
    assert sorted(name for name, p in placed.items() if p.demoted) == ["b", "c", "k"]
    # ids break the tie of b and c (both 9): b is second, c third of three candidates, one kept
    assert [(d.rank, d.candidates, d.allowed, d.base) for d in placed["c"].demotions] == [(3, 3, 1, 9)]


def test_a_failing_batch_says_what_each_row_got() -> None:
    wrong = BATCH.replace("expect b demoted by q;", "expect b not demoted;").replace(
        "expect a grade x;", "expect a grade y;"
    )
    ruleset = partyrules.loads(HEAD + QUOTA + wrong, "t.criteria")
    outcome = proving.run(ruleset, properties=False)[-1]
    assert not outcome.passed
    assert "expect a grade y: got x" in outcome.detail
    assert "expect b not demoted: got demoted by q" in outcome.detail
    assert "  c: y (demoted by q: x → y (3/3, 1 kept of a base of 9))  [total 9]" in outcome.detail


@pytest.mark.parametrize("share", ["30%", "10%"])
def test_a_mistyped_share_fails_the_batch(share: str) -> None:
    ruleset = partyrules.loads(HEAD + QUOTA.replace("20%", share) + BATCH, "t.criteria")
    assert not proving.run(ruleset, properties=False)[-1].passed


def test_mutation_changes_the_share_by_ten_points_and_the_batch_kills_both() -> None:
    ruleset = partyrules.loads(HEAD + QUOTA + BATCH, "t.criteria")
    report = mutation.run(ruleset)
    shares = [v for v in report.verdicts if "share of quota" in v.mutant.description]
    assert [v.mutant.description for v in shares] == [
        "change the share of quota `q`: 20% → 30%",
        "change the share of quota `q`: 20% → 10%",
    ]
    assert [(v.status, v.by) for v in shares] == [("killed", "example `lot`"), ("killed", "example `lot`")]
    # without the batch, both survive: no example of one organisation sees a quota
    alone = mutation.run(partyrules.loads(HEAD + QUOTA, "t.criteria"))
    assert [v.status for v in alone.verdicts if "share of quota" in v.mutant.description] == ["survived"] * 2


def test_rule_coverage_counts_a_quota_reached_when_a_batch_demotes_a_row() -> None:
    without = partyrules.loads(HEAD + QUOTA, "t.criteria")
    assert without.tests is not None
    assert [r.text for r in rulecoverage.measure(without.tests).missed] == ["quota `q` demotes a row of a batch"]
    with_batch = partyrules.loads(HEAD + QUOTA + BATCH, "t.criteria")
    assert with_batch.tests is not None
    assert rulecoverage.measure(with_batch.tests).complete
    assert rulecoverage.measure(with_batch.tests, with_batch).complete
    # a batch where nobody is demoted does not reach the quota
    calm = 'example calm "C" { row a like mid; expect a not demoted; }'
    ruleset = partyrules.loads(HEAD + QUOTA + calm, "t.criteria")
    assert ruleset.tests is not None
    assert [r.kind for r in rulecoverage.measure(ruleset.tests, ruleset).missed] == ["quota"]


def test_a_batch_in_a_file_without_a_quota_is_pr813() -> None:
    assert _codes(HEAD + BATCH) == ["PR813"]


@pytest.mark.parametrize(
    ("change", "codes"),
    [
        (("row d like mid;", "row e like mid;"), ["PR814"]),
        (("expect a not demoted;", "expect zz not demoted;"), ["PR814"]),
        (("expect a not demoted;", "expect grade x;"), ["PR814"]),
        (('example lot "Lot" {', 'example lot "Lot" { given { diem = 1; }'), ["PR814"]),
        (('example lot "Lot" {', 'example lot "Lot" like top {'), ["PR814"]),
        (("row d like mid;", "row total like mid;"), ["PR814"]),
        (("expect b demoted by q;", "expect b demoted by qq;"), ["PR806"]),
        (("expect c grade y;", "expect c grade yy;"), ["PR806"]),
        (("row d like mid;", "row d like lot;"), ["PR812"]),
        (("row d like mid;", "row d like nothing;"), ["PR812"]),
        (("row d like mid;", "row d like mid { diem = 11; }"), ["PR803"]),
        (("row d like mid;", "row d { }"), ["PR804"]),
    ],
)
def test_rows_and_expectations_that_do_not_fit_are_diagnostics(change: tuple[str, str], codes: list[str]) -> None:
    old, new = change
    assert old in BATCH
    assert _codes(HEAD + QUOTA + BATCH.replace(old, new, 1)) == codes


def test_a_batch_with_no_expectation_is_pr808() -> None:
    assert _codes(HEAD + QUOTA + 'example lot "L" { row a like top; }') == ["PR808"]


def test_the_formatter_keeps_a_batch() -> None:
    text = HEAD + QUOTA + BATCH
    once = format_text(text, "t.criteria")
    assert '  row k in "khac" like top;\n' in once
    assert "  row b like top {\n    diem = 9;\n  }\n" in once
    assert "  expect b demoted by q;\n  expect c grade y;\n" in once
    assert format_text(once, "t.criteria") == once

    def meaning(source: str) -> object:
        tests = partyrules.loads(source, "t.criteria").tests
        assert tests is not None
        batch = tests.examples[-1]
        assert isinstance(batch, BatchCase)
        return [(r.name, dict(r.facts), r.group) for r in batch.rows], batch.expectations

    assert meaning(once) == meaning(text)


def test_adding_a_batch_keeps_the_fingerprint() -> None:
    assert (
        partyrules.loads(HEAD + QUOTA + BATCH, "t.criteria").fingerprint
        == partyrules.loads(HEAD + QUOTA, "t.criteria").fingerprint
    )


SHIPPED_QUOTAS = [
    "annual-member@124",
    "annual-member@366",
    "annual-collective@124",
    "annual-collective@366",
    "member-year",
]


@pytest.mark.parametrize("name", SHIPPED_QUOTAS)
@pytest.mark.parametrize("share", ["30%", "10%"])
def test_a_mistyped_share_fails_every_shipped_file_with_a_quota(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, share: str
) -> None:
    folder = tmp_path / "vn"
    shutil.copytree(CRITERIA / "vn", folder)
    path = folder / f"{name}.criteria"
    text = path.read_text(encoding="utf-8")
    broken = text.replace("grade htxsnv at most 20% of httnv;", f"grade htxsnv at most {share} of httnv;")
    assert broken != text
    path.write_text(broken, encoding="utf-8")
    assert cli.main(["test", "--examples-only", str(path)]) == 1
    out = capsys.readouterr().out
    assert "  FAIL  example `han_muc_20`" in out
    assert out.count("FAIL") == 1


def test_every_shipped_file_with_a_quota_has_a_batch() -> None:
    with_quota = sorted(
        p.stem for p in (CRITERIA / "vn").glob("*.criteria") if "\nquota " in p.read_text(encoding="utf-8")
    )
    assert with_quota == sorted(SHIPPED_QUOTAS)
    for name in SHIPPED_QUOTAS:
        tests = partyrules.load(CRITERIA / "vn" / f"{name}.criteria").tests
        assert tests is not None
        assert any(isinstance(case, BatchCase) for case in tests.examples), name
