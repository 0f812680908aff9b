"""partyrules.testing.facts keeps a file's constraints as it draws, instead of drawing and filtering.

A filter that throws most draws away slows every property search and trips hypothesis's
filter_too_much health check once facts are drawn in lists (a batch of organisations). These tests
draw from the strategy *before* its last-resort filter and require every draw to be valid.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

import partyrules
from partyrules import testing
from partyrules.api import checked_model
from shipped_cache import shipped, shipped_ids


def unfiltered(ruleset: partyrules.Ruleset) -> st.SearchStrategy[dict[str, Any]]:
    """What facts() draws before it filters (the filter only catches constraints it cannot keep)."""
    order = testing.favourable_order(ruleset)
    return testing._facts(ruleset, True, order, testing._budgets(ruleset, checked_model(ruleset)))


def refusal(ruleset: partyrules.Ruleset, facts: dict[str, Any]) -> str | None:
    try:
        ruleset.evaluate(facts)
    except partyrules.FactsError as error:
        return str(error)
    return None


@pytest.mark.parametrize("ruleset_id", shipped_ids())
def test_every_draw_keeps_the_shipped_constraints(ruleset_id: str) -> None:
    ruleset = shipped(ruleset_id)

    @settings(max_examples=60, database=None)
    @given(unfiltered(ruleset))
    def keeps(facts: dict[str, Any]) -> None:
        assert refusal(ruleset, facts) is None

    keeps()


SCALE = """
ruleset "t/budgets" { title "T"; version "1"; basis "B"; effective from 2024-01-01; points illustrative "test"; }
input members "Số đảng viên": integer 3..40;
input present "Có mặt": integer 1..40;
input late "Đến muộn": integer 2..40;
input speakers "Phát biểu": integer 0..40;
input done "Hoàn thành": percent 0..100% places 1;
input on_time "Đúng hạn": percent 0..100% places 1;
input overdue "Quá hạn": percent 0..100% places 1;
input thematic "Chuyên đề": boolean;
input combined "Kết hợp": boolean;
input extra "Thêm": boolean;
constraint "a": speakers < present;
constraint "b": present + late <= members;
constraint "c": on_time + overdue <= done;
constraint "d": on_time <= 90%;
constraint "e": thematic or not combined or not extra;
criteria "C" max 10 { item i "I" max 10 { points = if speakers * 2 >= present then 10 else 0; } }
grades { grade a "A" { band any; } }
"""


def test_strict_percent_and_chained_constraints_are_kept_without_filtering() -> None:
    # `speakers < present` reads `present`, which `present + late <= members` lowers: kept in that
    # order; `late` (the last term) is lowered first, to its low of 2 at most, then `present`, to 1
    # at most, so that `speakers` can stay below it; rates are kept in percent units
    ruleset = partyrules.loads(SCALE, "budgets.criteria")
    budgets = testing._budgets(ruleset, checked_model(ruleset))
    terms = [getattr(b, "terms", None) for b in budgets]
    assert sorted(map(str, terms)) == sorted(
        map(str, [("present", "late"), ("speakers",), ("on_time", "overdue"), ("on_time",), None])
    )
    assert terms.index(("present", "late")) < terms.index(("speakers",))
    assert budgets[-1] == testing._Clause((("thematic", True), ("combined", False), ("extra", False)))
    seen_equal = []

    @settings(max_examples=150, database=None)
    @given(unfiltered(ruleset))
    def keeps(facts: dict[str, Any]) -> None:
        assert refusal(ruleset, facts) is None
        assert isinstance(facts["on_time"], Decimal) and facts["on_time"] == facts["on_time"].quantize(Decimal("0.1"))
        seen_equal.append(facts["present"] + facts["late"] == facts["members"])

    keeps()
    assert any(seen_equal) and not all(seen_equal)  # the bound is reached, and not always


def test_a_constraint_it_cannot_keep_is_still_filtered() -> None:
    # `members - present >= 2` is not a sum on each side: the strategy leaves it to its filter
    text = SCALE.replace('constraint "d": on_time <= 90%;', 'constraint "d": members - present >= 2;')
    ruleset = partyrules.loads(text, "filtered.criteria")
    assert len(testing._budgets(ruleset, checked_model(ruleset))) == 4

    @settings(max_examples=40, database=None)
    @given(testing.facts(ruleset))
    def valid(facts: dict[str, Any]) -> None:
        assert refusal(ruleset, facts) is None

    valid()


def test_strategies_are_built_once_a_ruleset() -> None:
    ruleset = partyrules.loads(SCALE, "once.criteria")
    assert testing.facts(ruleset) is testing.facts(ruleset)
    assert testing.invalid_facts(ruleset) is testing.invalid_facts(ruleset)
    assert testing.facts(ruleset) is not testing.facts(ruleset, omit_optional=False)
