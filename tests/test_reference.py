"""The compiled program against the reference interpreter (partyrules.reference).

The reference walks the checked syntax tree with exact fractions, following docs/language.md §11
step by step, and shares nothing with the compiler; every generated organisation must get the
same total, grade, points, levels, requirements and knock-outs from both. Small hand-written
files cover each construct; a few hand-computed scores check the reference itself.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, strategies as st

import partyrules
from partyrules import api, compiler, reference
from partyrules.catalog import shipped_path
from partyrules.testing import disagreements, facts
from shipped_cache import shipped_ids

HEAD = 'ruleset "t/ref" { title "T"; version "1"; basis "B"; effective from 2024-01-01; points illustrative; }\n'


def _both(text: str, name: str = "t.criteria") -> tuple[partyrules.Ruleset, Any]:
    model = api.model_of(text, name)
    return compiler.build(model, partyrules.parser.normalise(text)), model


def _agree_on(ruleset: partyrules.Ruleset, model: Any, org: dict[str, Any]) -> reference.Trace:
    expected = reference.trace(model, org)
    assert disagreements(ruleset.evaluate(org), expected) == [], org
    return expected


# ---------------------------------------------------------------- the shipped scales


@pytest.mark.parametrize("ruleset_id", shipped_ids())
def test_shipped_scales_score_as_the_reference(ruleset_id: str) -> None:
    path = shipped_path(ruleset_id)
    ruleset, model = _both(path.read_text(encoding="utf-8"), str(path))

    @given(facts(ruleset))
    def agree(org: dict[str, Any]) -> None:
        result = ruleset.evaluate(org)
        total, grade, points = reference.evaluate(model, org)
        assert Fraction(result.total) == total
        assert result.grade == grade
        assert {k: Fraction(v) for k, v in result.points.items()} == points
        assert disagreements(result, reference.trace(model, org)) == []

    agree()


# ---------------------------------------------------------------- small files, one construct family each

BANDS_MATCH_TABLE = (
    HEAD
    + """
input n "N": integer 0..10;
input p "P": percent places 1;
input ch "Ch": one of { a "A", b "B", c "C" };
input flag "F": boolean = false;
criteria "C" max 40 {
  item up "Upto" max 10 { points = bands n { upto 0: 10; upto 3: 6; otherwise: 0; }; }
  item fr "From" max 10 { points = bands p { from 90%: 10; from 50%: 5; otherwise: 0; }; }
  item mt "Match" max 10 { points = match ch { a: 10; b, c: 4; }; }
  item tf "Table first" max 5 { points = table first (p, n) { >= 90%, 0: 5; >= 50% < 90%, -: 3; otherwise: 1; }; }
  item tu "Table unique" max 5 { points = table unique (flag, ch) { true, a: 5; true, b | c: 3; false, -: 0; }; }
}
grades {
  grade g1 "G1" { band from 30; }
  grade g2 "G2" { band from 15 below 30; }
  grade g3 "G3" { band below 15; }
}
"""
)

ARITHMETIC = (
    HEAD
    + """
input members "M": integer 0..50;
input good "G": integer 0..50;
input d "D": decimal 0..10 places 2;
input x1 "X1": boolean;
input x2 "X2": boolean = false;
input x3 "X3": boolean = true;
constraint "Không nhiều hơn số đảng viên": good <= members;
let rate "Tỷ lệ" = if members > 0 then good / members else 0;
let negative = round(d - 5.555, 2);
criteria "C" max 40 {
  item r "Rate" max 10 { points = round(min(rate, 1) * 10, 1); }
  item c "Count" max 9 { points = count(x1, x2, x3) * 3; }
  item k "Clamp" max 10 { points = clamp(round(d * 1.5, 0), 2, 10); }
  item m "Max" max 11 { points = max(min(d, 5), 1) + (if x1 then 1 else 0) + round(min(rate, 1) * 3, 0); }
}
grades {
  grade g1 "G1" { band from 25; require "Làm tròn xa số 0": negative <= -5.55 or d > 0.01; }
  grade g2 "G2" { band from 10 below 25; }
  grade g3 "G3" { band below 10; }
}
"""
)

APPLICABLE = (
    HEAD
    + """
input has_a "A": boolean;
input has_b "B": boolean;
input has_c "C": boolean;
input n "N": integer 0..10;
criteria "C" max 30 {
  rescale round 2;
  group gr "G" max 21 {
    item za "Zero" max 10 { applicable when has_a else zero; points = n; }
    item fu "Full" max 11 { applicable when has_b else full; points = n; }
  }
  item re "Rescale" max 9 { applicable when has_c else rescale; points = min(n, 7); }
}
deductions "D" cap 3 { deduction t "T" max 4 { applicable when has_a else zero; points = min(n, 4); } }
bonuses "B" cap 2 { bonus bb "B" max 3 { applicable when has_b else full; points = if n > 5 then 1 else 0; } }
grades {
  grade g1 "G1" { band from 20; require "Full": full(fu) and applicable(re); }
  grade g2 "G2" { band below 20; }
}
"""
)

LEVELS = (
    HEAD
    + """
levels muc "M" { tot "T", kha "K", dat "D", kem "Kem" }
input n "N": integer 0..12;
input q "Q": level muc = dat;
input active "A": boolean = true;
input bad "Bad": boolean = false;
input warn "W": integer 0..3 = 0;
input months "Months": integer 0..60 = 12;
criteria "C" max 20 {
  group g "G" max 20 {
    level = bands g { from 16: tot; from 10: kha; from 5: dat; otherwise: kem; };
    item a "A" max 12 { points = n; level = if n >= 10 then tot else if n >= 6 then dat else kem; }
    item b "B" max 8 { applicable when active else zero; points = if q >= kha then 8 else 3; level = q; }
  }
}
grades {
  grade xs "XS" { band from 18; require "Mọi tiêu chí từ Khá": worst_level() >= kha; else ht; }
  grade tg "Tot" { band from 12 below 18; require "B từ Khá": level(b) >= kha; }
  grade ht "HT" { band from 6 below 12; }
  grade kht "KHT" { band below 6; }
}
knockout f1 "F" { when bad; force kht; }
knockout f2 "F2" { when warn >= 2; force ht; }
knockout c1 "C" { when warn >= 1 and total > 0; cap tg; }
not_graded ng "NG" { when months < 6; }
"""
)

LEVELS_ONLY = (
    HEAD
    + """
levels muc "M" { tot "T", dat "D", kem "K" }
input n "N": integer 0..12;
input flag "F": boolean = false;
criteria "C" {
  item a "A" { level = bands n { from 10: tot; from 6: dat; otherwise: kem; }; }
  item b "B" { applicable when flag else zero; level = match flag { true: tot; false: kem; }; }
}
grades {
  grade x "X" { require "Tốt": worst_level() >= tot; }
  grade y "Y" { require "Đạt": worst_level(a, b) >= dat; require "A": level(a) != kem; }
  grade z "Z" { }
}
"""
)

DATES = (
    HEAD
    + """
input founded "F": date 2000-01-01..2025-12-31;
input today "T": date 2024-01-01..2025-12-31 = 2025-01-31;
let age = months_between(founded, today);
criteria "C" max 10 {
  item a "A" max 10 { points = bands founded { from 2024-01-01: 2; from 2020-01-01: 6; otherwise: 10; }; }
}
grades {
  grade g "G" { band from 5; require "Lâu năm": age >= 24 and days_between(founded, today) > 800; }
  grade h "H" { band below 5; }
}
not_graded new "New" { when age < 6; }
"""
)

HAND_WRITTEN = {
    "bands-match-table": BANDS_MATCH_TABLE,
    "arithmetic": ARITHMETIC,
    "applicable": APPLICABLE,
    "levels": LEVELS,
    "levels-only": LEVELS_ONLY,
    "dates": DATES,
}


@pytest.mark.parametrize("name", sorted(HAND_WRITTEN))
def test_hand_written_files_score_as_the_reference(name: str) -> None:
    ruleset, model = _both(HAND_WRITTEN[name])

    @given(facts(ruleset))
    def agree(org: dict[str, Any]) -> None:
        _agree_on(ruleset, model, org)

    agree()


# ---------------------------------------------------------------- the reference itself, by hand


def _score(text: str, org: dict[str, Any]) -> reference.Trace:
    ruleset, model = _both(text)
    return _agree_on(ruleset, model, org)


def test_bands_match_and_tables_by_hand() -> None:
    t = _score(BANDS_MATCH_TABLE, {"n": 0, "p": 95, "ch": "b", "flag": True})
    assert t.points == {"up": 10, "fr": 10, "mt": 4, "tf": 5, "tu": 3}
    assert (t.total, t.grade) == (32, "g1")
    t = _score(BANDS_MATCH_TABLE, {"n": 3, "p": Decimal("49.9"), "ch": "a"})
    assert t.points == {"up": 6, "fr": 0, "mt": 10, "tf": 1, "tu": 0}
    assert (t.total, t.grade) == (17, "g2")


def test_arithmetic_by_hand() -> None:
    # rate 2/3: round(6.666..., 1) = 6.7; count 1 + 0 + 1 = 2 → 6; clamp(round(0.015, 0), 2, 10) = 2;
    # max(min(0.01, 5), 1) + 1 + round(2, 0) = 4
    t = _score(ARITHMETIC, {"members": 3, "good": 2, "d": Decimal("0.01"), "x1": True})
    assert t.points == {"r": Fraction(67, 10), "c": 6, "k": 2, "m": 4}
    assert t.requirements == (("g1", "Làm tròn xa số 0", True),)  # round(-5.545, 2) = -5.55, not -5.54
    t = _score(ARITHMETIC, {"members": 0, "good": 0, "d": Decimal("1.67"), "x1": False})
    assert t.points == {"r": 0, "c": 3, "k": 3, "m": Fraction(167, 100)}  # round(2.505, 0) = 3


def test_applicability_by_hand() -> None:
    # za zero, fu full (11), re left out: (0 + 11) × 30 / 21 = 15.714… → 15.71; deduction does not apply: 0
    t = _score(APPLICABLE, {"has_a": False, "has_b": False, "has_c": False, "n": 6})
    assert t.points == {"za": 0, "fu": 11, "gr": 11, "re": 0, "t": 0, "bb": 3}
    assert t.applicable == {"gr": True, "za": False, "fu": False, "re": False, "t": False, "bb": False}
    assert (t.criteria_points, t.deducted, t.added) == (Fraction(1571, 100), 0, 2)
    assert (t.total, t.grade) == (Fraction(1771, 100), "g2")
    t = _score(APPLICABLE, {"has_a": True, "has_b": True, "has_c": True, "n": 10})
    assert (t.criteria_points, t.deducted, t.added) == (27, 3, 1)
    assert (t.total, t.band_grade, t.grade) == (25, "g1", "g2")  # fu got 10 of 11: not full


def test_levels_requirements_and_knockouts_by_hand() -> None:
    base = {"n": 12, "q": "tot"}
    t = _score(LEVELS, base)
    assert t.levels == {"g": "tot", "a": "tot", "b": "tot"}
    assert (t.total, t.grade) == (20, "xs")
    t = _score(LEVELS, {"n": 12, "q": "kha", "active": False})  # b does not apply: no level, 0 points
    assert t.levels == {"g": "kha", "a": "tot", "b": None}
    assert (t.total, t.band_grade, t.grade) == (12, "tg", "ht")  # level(b) >= kha is false: next grade
    t = _score(LEVELS, {"n": 10, "q": "dat"})  # 13 points, dat: XS fails and falls back past tg
    assert (t.band_grade, t.grade) == ("tg", "ht")
    t = _score(LEVELS, {**base, "warn": 1})
    assert (t.grade, t.knockouts) == ("tg", ("c1",))  # capped
    t = _score(LEVELS, {**base, "warn": 3, "bad": True})
    assert (t.grade, t.knockouts) == ("kht", ("f1", "f2", "c1"))  # the worst forced grade
    t = _score(LEVELS, {"n": 0, "q": "kem", "warn": 2})
    assert (t.band_grade, t.grade) == ("kht", "ht")  # force sets the grade, even a better one
    t = _score(LEVELS, {**base, "months": 5})
    assert (t.grade, t.not_graded, t.total) == (None, "ng", 20)


def test_levels_only_by_hand() -> None:
    assert _score(LEVELS_ONLY, {"n": 10, "flag": True}).grade == "x"
    assert _score(LEVELS_ONLY, {"n": 10}).grade == "x"  # b does not apply: skipped by worst_level
    assert _score(LEVELS_ONLY, {"n": 6, "flag": True}).grade == "y"
    assert _score(LEVELS_ONLY, {"n": 5, "flag": True}).grade == "z"


def test_dates_by_hand() -> None:
    t = _score(DATES, {"founded": datetime.date(2022, 1, 31), "today": datetime.date(2024, 1, 30)})
    assert (t.points, t.grade) == ({"a": 6}, "h")  # 23 whole months: the 31st is not reached
    t = _score(DATES, {"founded": datetime.date(2019, 12, 31)})
    assert (t.points, t.grade) == ({"a": 10}, "g")
    t = _score(DATES, {"founded": datetime.date(2024, 8, 1), "today": datetime.date(2025, 1, 31)})
    assert (t.grade, t.not_graded) == (None, "new")


def test_round_half_away_from_zero() -> None:
    assert reference.round_half_away(Fraction(5, 2), 0) == 3
    assert reference.round_half_away(Fraction(-5, 2), 0) == -3
    assert reference.round_half_away(Fraction(-5545, 1000), 2) == Fraction(-555, 100)
    assert reference.round_half_away(Fraction(1, 3), 2) == Fraction(33, 100)


YEARS = st.dates(datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))


@given(YEARS, YEARS)
def test_months_between_counts_whole_months(start: datetime.date, end: datetime.date) -> None:
    months = reference.months_between(start, end)
    assert months == -reference.months_between(end, start)
    early, late = sorted((start, end))
    # that many months after the earlier date is reached, one more is not (a month counts on its day)
    assert _add_months(early, abs(months)) <= late < _add_months(early, abs(months) + 1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """The day ``months`` later; when that month has no such day, the first of the month after."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    try:
        return datetime.date(year, month + 1, day.day)
    except ValueError:
        year, month = divmod(year * 12 + month + 1, 12)
        return datetime.date(year, month + 1, 1)


# ---------------------------------------------------------------- missing levels
# docs/language.md §7: "A level comparison involving a criterion that does not apply is false, `==`
# and `!=` included". The program once compared missing levels with Python's `==` and `!=`, so two
# missing levels were equal (found by this reference).

TWO_MISSING_LEVELS = (
    HEAD
    + """
levels muc "M" { tot "T", kem "K" }
input on "On": boolean;
criteria "C" {
  item x "X" { applicable when on else zero; level = tot; }
  item y "Y" { applicable when on else zero; level = tot; }
}
grades {
  grade g1 "G1" { require "Như nhau": level(x) == level(y); }
  grade g2 "G2" { require "Khác nhau": level(x) != level(y); }
  grade g3 "G3" { }
}
"""
)


def test_levels_of_criteria_that_apply_compare_as_levels() -> None:
    assert _score(TWO_MISSING_LEVELS, {"on": True}).grade == "g1"


def test_two_missing_levels_are_not_equal() -> None:
    ruleset, model = _both(TWO_MISSING_LEVELS)
    expected = reference.trace(model, {"on": False})
    assert expected.requirements[0] == ("g1", "Như nhau", False)
    result = ruleset.evaluate({"on": False})
    assert result.requirements[0].held is False


def test_a_missing_level_is_not_different_either() -> None:
    ruleset, model = _both(TWO_MISSING_LEVELS)
    expected = reference.trace(model, {"on": False})
    # neither criterion applies: both comparisons are false (docs/language.md §7), so G3
    assert expected.requirements == (("g1", "Như nhau", False), ("g2", "Khác nhau", False))
    assert expected.grade == "g3"
    assert disagreements(ruleset.evaluate({"on": False}), expected) == []
