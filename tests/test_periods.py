"""Periods (partyrules.periods): a ruleset graded from the earlier periods of the same subject, and the
shipped year of a member from its quarters (vn/member-year reading vn/member-quarter)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from partyrules import api
from partyrules.diagnostics import CriteriaError
from partyrules.hierarchy import Hierarchy
from partyrules.periods import Periods, PeriodsError
from shipped_cache import shipped

# A quarter at full marks: 10 + 10 + 10 = 30; 40 + 20 + 10 = 70 -> 100, htxsnv (vn/member-quarter
# is the 366 member scale, vn/annual-member, for a quarter's tasks).
QUARTER: dict[str, Any] = {
    "politics_points": 10,
    "innovation_points": 10,
    "self_criticism_points": 10,
    "tasks_done_rate": 100,
    "tasks_on_time_rate": 100,
    "tasks_exceeded_rate": 30,
    "months_in_party": 120,
}
YEAR: dict[str, Any] = {"q4_done_rate": 100, "q4_on_time_rate": 100, "q4_exceeded_rate": 30, "months_in_party": 120}


@pytest.fixture(scope="module")
def year() -> Periods:
    return Periods(shipped("vn/member-year"), {"quy": shipped("vn/member-quarter")})


def test_the_year_from_its_quarters(year: Periods) -> None:
    quarters = {
        1: QUARTER,  # 100, htxsnv
        2: QUARTER | {"tasks_exceeded_rate": 0},  # vuot_muc 0: 90, band htxsnv, too few exceeded -> httnv
        3: QUARTER | {"tasks_on_time_rate": 90},  # tien_do 18: 98, band htxsnv, late -> not httnv either -> htnv
    }
    result = year.evaluate(YEAR, {"quy": quarters})
    assert [(k, e.total, e.grade) for k, e in result.periods["quy"]] == [
        (1, Decimal(100), "htxsnv"),
        (2, Decimal(90), "httnv"),
        (3, Decimal(98), "htnv"),
    ]
    # mean (100 + 90 + 98) / 3 = 96; two quarters httnv or better; none khtnv
    assert result.computed == {"quarters_mean": Decimal(96), "quarters_good": 2, "quarters_failed": 0}
    # round(96 x 0.75, 2) = 72; Q4 15 + 10 = 25: 97, band htxsnv, but one quarter only htnv -> httnv
    e = result.evaluation
    assert (e.total, e.band_grade, e.grade) == (Decimal(97), "htxsnv", "httnv")
    assert e.facts["quarters_mean"] == Decimal(96)
    # all three quarters httnv or better: htxsnv
    better = year.evaluate(YEAR, {"quy": {1: QUARTER, 2: QUARTER, 3: quarters[2]}})
    assert (better.computed["quarters_good"], better.evaluation.grade) == (3, "htxsnv")


def test_two_failed_quarters_fail_the_year(year: Periods) -> None:
    weak = QUARTER | {
        "politics_points": 0,
        "innovation_points": 0,
        "self_criticism_points": 0,
        "tasks_done_rate": 40,
        "tasks_on_time_rate": 40,
        "tasks_exceeded_rate": 0,
    }
    # a weak quarter: 0 + 16 + 8 + 0 = 24 -> khtnv
    result = year.evaluate(YEAR, {"quy": {1: weak, 2: weak, 3: QUARTER}})
    assert [e.grade for _, e in result.periods["quy"]] == ["khtnv", "khtnv", "htxsnv"]
    # mean (24 + 24 + 100) / 3 = 49.333... -> 49.33 (places 2, half up); 36.9975 -> 37.00; + 25 = 62
    assert result.computed["quarters_mean"] == Decimal("49.33")
    assert result.evaluation.total == Decimal(62)
    assert result.evaluation.grade == "khtnv"
    assert [k.id for k in result.evaluation.knockouts] == ["hai_quy_khtnv"]


def test_a_missing_quarter_is_an_error_naming_it(year: Periods) -> None:
    with pytest.raises(PeriodsError, match=r"period 2 of 1\.\.3 is missing; the file says `missing error`"):
        year.evaluate(YEAR, {"quy": {1: QUARTER, 3: QUARTER}})
    with pytest.raises(PeriodsError, match="numbered 1 to 3, not 4"):
        year.evaluate(YEAR, {"quy": {1: QUARTER, 2: QUARTER, 3: QUARTER, 4: QUARTER}})


def test_a_quarter_refused_and_a_computed_input_given_are_errors(year: Periods) -> None:
    with pytest.raises(PeriodsError, match=r"period 2: 1 problem with the facts:\n  tasks_done_rate: 120% is outside"):
        year.evaluate(YEAR, {"quy": {1: QUARTER, 2: QUARTER | {"tasks_done_rate": 120}, 3: QUARTER}})
    with pytest.raises(PeriodsError, match="quarters_good of vn/member-year are computed from the periods"):
        year.evaluate(YEAR | {"quarters_good": 3}, {"quy": {1: QUARTER, 2: QUARTER, 3: QUARTER}})
    with pytest.raises(PeriodsError, match="declares no periods thang"):
        year.evaluate(YEAR, {"thang": {}})


def test_evaluations_made_before_are_read_as_they_are(year: Periods) -> None:
    quarter = shipped("vn/member-quarter")
    made = {k: quarter.evaluate(QUARTER) for k in (1, 2, 3)}
    assert year.evaluate(YEAR, {"quy": made}).evaluation.grade == "htxsnv"
    other = shipped("vn/annual-member").evaluate(QUARTER)
    with pytest.raises(PeriodsError, match="graded by vn/annual-member, not vn/member-quarter"):
        year.evaluate(YEAR, {"quy": {1: other, 2: other, 3: other}})


def test_the_declared_ruleset_is_loaded_by_id() -> None:
    periods = Periods(shipped("vn/member-year"))
    assert periods.ruleset_of("quy").id == "vn/member-quarter"


HEAD = (
    'ruleset "t/{}" {{ title "t"; version "1"; basis "b"; effective from 2024-01-01; points illustrative "test"; }}\n'
)
MONTH = (
    HEAD.format("month")
    + """
input score "s": integer 0..100;
criteria "C" max 100 { item a "a" max 100 { points = score; } }
grades { grade tot "Tốt" { band from 80; } grade kha "Khá" { band from 50 below 80; } grade kem "Kém" { band below 50; } }
"""
)
HALF = (
    HEAD.format("half")
    + """
periods thang "Các tháng" { ruleset "t/month"; count 6; missing skip; }
input months "n": integer 0..6 from count of thang;
input good "g": percent from share of thang where grade >= kha;
input mean "m": decimal 0..100 places 1 from mean of score over thang;
input low "l": integer 0..100 from min of total over thang;
input all_good "a": boolean from all of thang where grade == tot;
criteria "C" max 100 { item a "a" max 100 { points = if all_good then 100 else min(mean, low + 10); } }
grades { grade tot "Tốt" { band from 80; } grade kem "Kém" { band below 80; } }
"""
)


def _load(tmp_path: Path, name: str, text: str) -> Any:
    folder = tmp_path / "t"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.criteria").write_text(text, encoding="utf-8")
    return api.load(folder / f"{name}.criteria")


def test_missing_skip_aggregates_over_the_periods_given(tmp_path: Path) -> None:
    _load(tmp_path, "month", MONTH)
    periods = Periods(_load(tmp_path, "half", HALF), path=[tmp_path])
    result = periods.evaluate({}, {"thang": {1: {"score": 90}, 2: {"score": 55}, 4: {"score": 40}}})
    # three months given: tot, kha, kem; share kha or better 2/3 = 66.67 %; mean 185 / 3 = 61.666.. -> 61.7
    assert result.computed == {
        "months": 3,
        "good": Decimal("66.67"),
        "mean": Decimal("61.7"),
        "low": 40,
        "all_good": False,
    }
    assert result.evaluation.total == Decimal(50)  # min(61.7, 40 + 10)
    with pytest.raises(PeriodsError, match="nothing to take the mean of"):
        periods.evaluate({}, {"thang": {}})


def test_names_the_periods_do_not_offer_are_refused_when_put_together(tmp_path: Path) -> None:
    _load(tmp_path, "month", MONTH)
    wrong = HALF.replace("mean of score over", "mean of scor over")
    with pytest.raises(
        PeriodsError, match=r"the periods' \(`thang`\) ruleset t/month has no `scor` \(did you mean `score`\?\)"
    ):
        Periods(_load(tmp_path, "half", wrong), path=[tmp_path])


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ('input x "x": integer 0..9 from count of quy;', "PR261", "neither `children` nor a declared `periods`"),
        ('periods quy "Q" { count 3; }', "PR262", "does not say which ruleset"),
        ('periods quy "Q" { ruleset "t/month"; count 13; }', "PR262", "counts 13: it expects 1 to 12 periods"),
        ('periods quy "Q" { ruleset "t/month"; }', "PR262", "says no count"),
        (
            'periods quy "Q" { ruleset "t/month"; count 3; } periods quy "Q" { ruleset "t/month"; count 2; }',
            "PR262",
            "declared twice",
        ),
        (
            'periods quy "Q" { ruleset "t/month"; count 3; } input x "x": boolean from mean of total over quy;',
            "PR260",
            "a mean of quy",
        ),
    ],
)
def test_the_checker_checks_the_form(text: str, code: str, message: str) -> None:
    body = '\ninput y "y": integer 0..9;\ncriteria "C" max 9 { item a "a" max 9 { points = y; } }\n'
    body += 'grades { grade tot "T" { band from 5; } grade kem "K" { band below 5; } }\n'
    with pytest.raises(CriteriaError) as info:
        api.loads(HEAD.format("x") + text + body, "x.criteria")
    found = [d for d in info.value.diagnostics if d.code == code]
    assert found and message in found[0].message, info.value.diagnostics


def test_a_hierarchy_takes_the_mean_of_its_children() -> None:
    top = (
        HEAD.format("top")
        + """
input mean "m": decimal 0..100 places 2 from mean of total over children where score > 0;
criteria "C" max 100 { item a "a" max 100 { points = mean; } }
grades { grade tot "Tốt" { band from 80; } grade kem "Kém" { band below 80; } }
"""
    )
    h = Hierarchy([("top", api.loads(top, "top.criteria")), ("month", api.loads(MONTH, "month.criteria"))])
    rows = [
        {"id": "T", "parent": "", "level": "top"},
        *({"id": f"m{i}", "parent": "T", "level": "month", "score": s} for i, s in enumerate(("90", "85", "61", "0"))),
    ]
    (t,) = [r for r in h.grade(rows) if r.id == "T"]
    assert t.evaluation is not None
    assert t.evaluation.facts["mean"] == Decimal("78.67")  # (90 + 85 + 61) / 3 = 78.666..., the 0 left out
