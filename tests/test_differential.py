"""Differential checks: the same rules compiled two ways must score every organisation the same.

Points run as exact integers in fixed point when the scale allows, and as Decimals otherwise;
both programs are generated from one checked model, so any disagreement is a compiler bug.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, strategies as st

import partyrules
from partyrules import api, compiler, parser, serialize
from partyrules.testing import facts
from shipped_cache import shipped_ids


def _both(ruleset_id: str) -> tuple[partyrules.Ruleset, partyrules.Ruleset]:
    path = partyrules.shipped_path(ruleset_id)
    text = parser.normalise(path.read_text(encoding="utf-8"))
    model = api.model_of(text, str(path))
    return compiler.build(model, text), compiler.build(model, text, fixed_point=False)


@pytest.mark.parametrize("ruleset_id", shipped_ids())
def test_fixed_point_and_decimal_programs_agree(ruleset_id: str) -> None:
    fixed, decimal = _both(ruleset_id)
    assert decimal.layout.scale is None

    @given(facts(fixed))
    def agree(org: dict[str, Any]) -> None:
        a, b = fixed.evaluate(org), decimal.evaluate(org)
        assert serialize.unstructure(a) | {"fixed_point": None} == serialize.unstructure(b)
        assert a.total == b.total and a.grade == b.grade
        assert [c.points for c in a.criteria] == [c.points for c in b.criteria]

    agree()


def test_four_good_runs_in_fixed_point() -> None:
    fixed, _ = _both("vn.hatinh/chi-bo-4-tot")
    assert fixed.layout.scale == 1  # 2.5 points per thematic meeting: tenths of a point


@given(st.integers(0, 12), st.integers(0, 12))
def test_fixed_point_arithmetic_on_counts(meetings: int, thematic: int) -> None:
    text = """
ruleset "t/fixed" { title "T"; version "1"; basis "b"; effective from 2024-01-01; points illustrative; }
input n "N": integer 0..12;
input m "M": integer 0..12;
criteria "C" max 12.75 {
  item a "A" max 7.5 { points = min(n, 3) * 2.5; }
  item b "B" max 5.25 { points = if m > 6 then 5.25 else m * 0.75; }
}
grades { grade g "G" { band from 6.25; } grade h "H" { band below 6.25; } }
"""
    model_text = parser.normalise(text)
    model = api.model_of(model_text, "t")
    fixed, decimal = compiler.build(model, model_text), compiler.build(model, model_text, fixed_point=False)
    assert fixed.layout.scale == 2
    a = fixed.evaluate({"n": meetings, "m": thematic})
    b = decimal.evaluate({"n": meetings, "m": thematic})
    expected = min(meetings, 3) * partyrules.runtime.Decimal("2.5") + (
        partyrules.runtime.Decimal("5.25") if thematic > 6 else thematic * partyrules.runtime.Decimal("0.75")
    )
    assert a.total == b.total == expected
    assert a.grade == b.grade == ("g" if expected >= partyrules.runtime.Decimal("6.25") else "h")
