"""Facts given as text (a data file's cells) take their own fast path, not the slow check_facts loop."""

from __future__ import annotations

import sys
from decimal import Decimal
from types import FrameType
from typing import Any

import pytest

import partyrules
from partyrules import serialize

TYPED: dict[str, Any] = {
    "district": "can_loc",
    "members": 19,
    "task_completion": Decimal("100"),
    "emulation": "giay_khen",
    "meetings_good": 11,
    "thematic_meetings": 4,
    "attendance_rate": Decimal("98.68"),
    "members_good_rate": Decimal("89.47"),
    "disunity": False,
    "late_reports": 1,
}


def _slow_calls(run: Any) -> int:
    """How many times the slow path (facts.check_facts) runs while ``run()`` does."""
    calls = 0

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "call" and frame.f_code.co_name == "check_facts":
            calls += 1

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return calls


def test_text_facts_score_as_typed_ones_without_the_slow_path() -> None:
    rules = partyrules.shipped("vn.hatinh/chi-bo-4-tot")
    text = {name: ("false" if value is False else str(value)) for name, value in TYPED.items()}
    typed = serialize.unstructure(rules.evaluate(TYPED))
    assert serialize.unstructure(rules.evaluate(text)) == typed
    assert [serialize.unstructure(e) for e in rules.evaluate_many([text, TYPED])] == [typed, typed]  # type: ignore[arg-type]
    assert _slow_calls(lambda: rules.evaluate(text)) == 0
    assert _slow_calls(lambda: list(rules.evaluate_many([text, text | {"members": "20"}]))) == 0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("members", "19.5", "is not a whole number"),
        ("attendance_rate", "101", "outside the allowed range"),
        ("disunity", "maybe", "is not true or false"),
        ("members", "", "is missing"),
    ],
)
def test_text_that_does_not_read_takes_the_slow_path_and_is_named(name: str, value: str, message: str) -> None:
    rules = partyrules.shipped("vn.hatinh/chi-bo-4-tot")
    with pytest.raises(partyrules.FactsError) as caught:
        rules.evaluate(TYPED | {name: value})
    assert [p.input for p in caught.value.problems] == [name]
    assert message in str(caught.value)


ANNUAL: dict[str, Any] = {
    "tasks_done_rate": Decimal("100"),
    "tasks_on_time_rate": Decimal("97.5"),
    "politics_points": Decimal("7.25"),
    "democracy_points": Decimal("8"),
    "organisation_points": Decimal("6.10"),
    "inspection_points": Decimal("7.00"),
    "subunits": 12,
}


@pytest.mark.parametrize("given", [Decimal("7.250"), "7.250", Decimal("7.25"), "7.25"])
def test_declared_places_read_with_the_integer_ratio(given: Any) -> None:
    """The 366 file reads politics_points (places 2) as integers: its places are tested on that ratio."""
    rules = partyrules.shipped("vn/annual-collective")
    assert "x9.quantize" not in rules.code  # the places test is the ratio's denominator
    assert rules.evaluate(ANNUAL | {"politics_points": given}).points["chinh_tri"] == Decimal("7.25")


@pytest.mark.parametrize("given", [Decimal("7.255"), "7.255", Decimal("7.2500001")])
def test_too_many_places_are_refused_by_name(given: Any) -> None:
    rules = partyrules.shipped("vn/annual-collective")
    with pytest.raises(partyrules.FactsError) as caught:
        rules.evaluate(ANNUAL | {"politics_points": given})
    assert [p.input for p in caught.value.problems] == ["politics_points"]
    assert "more decimal places than the 2" in str(caught.value)
