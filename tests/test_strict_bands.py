"""`above T` ("trên T") in bands: the compiled program agrees with the reference interpreter at every
boundary, a quotient's included, and the shipped meeting scales use it where the guidance says "trên"."""

from __future__ import annotations

import datetime
from fractions import Fraction

import pytest

import partyrules
from partyrules import api, nodes, reference

HEAD = 'ruleset "vn.vidu/tren" { title "X"; version "1"; basis "B"; effective from 2025-01-01; points illustrative; }\n'


def _scale(subject: str, inputs: str) -> str:
    return (
        HEAD
        + inputs
        + f'\ncriteria "C" max 5 {{ item i "I" max 5 {{ points = bands {subject} {{ from 95%: 5; above 85%: 4; from 70%: 3; above 0: 1; otherwise: 0; }}; }} }}\n'
        + 'grades { grade g "G" { band any; } }\n'
    )


def _expected(rate: Fraction) -> int:
    return (
        5
        if rate >= Fraction(95, 100)
        else 4
        if rate > Fraction(85, 100)
        else 3
        if rate >= Fraction(70, 100)
        else 1
        if rate > 0
        else 0
    )


def test_above_on_a_quotient_is_strict_in_the_compiled_program() -> None:
    """The compiled bands over a quotient once cross-multiplied `above` as `<=`: 85 % got 4, 90 % got 3."""
    text = _scale("present / members", 'input members "M": integer 1..40;\ninput present "P": integer 0..40;')
    ruleset = partyrules.loads(text, "t.criteria")
    model = api.analyse(text).model
    assert model is not None
    for members in range(1, 41):
        for present in range(0, 41):
            facts = {"members": members, "present": present}
            want = _expected(Fraction(present, members))
            assert ruleset.evaluate(facts).total == want, facts
            assert reference.evaluate(model, facts).total == want, facts


def test_above_on_a_percentage_is_strict() -> None:
    ruleset = partyrules.loads(_scale("rate", 'input rate "R": percent places 1;'), "t.criteria")
    for tenths in range(0, 1001):
        rate = Fraction(tenths, 1000)
        assert ruleset.evaluate({"rate": f"{tenths / 10:.1f}"}).total == _expected(rate), tenths


def _bands(expr: nodes.Expr) -> list[nodes.Bands]:
    return [node for node in nodes.walk(expr) if isinstance(node, nodes.Bands)]


@pytest.mark.parametrize(
    "on",
    [datetime.date(2024, 6, 1), datetime.date(2025, 11, 1)],
    ids=["hd12", "hd42"],
)
def test_the_national_meeting_scale_says_above_85_percent(on: datetime.date) -> None:
    ruleset = partyrules.load("vn/cell-meeting", on=on)
    model = api.checked_model(ruleset)
    every = [bands for c in model.criteria if c.points is not None for bands in _bands(c.points)]
    strict = [b for bands in every for b in bands.bands if b.direction == "above"]
    assert [(b.threshold.value, b.threshold.percent) for b in strict] == [(Fraction(85, 100), True)]  # type: ignore[union-attr]
    base = {
        "duration_minutes": 95, "members": 20, "present": 17, "excused_streak": True, "speakers": 9,
        "prep_content": True, "prep_committee": True, "prep_draft_resolution": True, "prep_notice": True,
        "prep_materials": True, "steps_followed": True, "regular_content": True, "praise": True, "criticism": True,
        "self_criticism_time": True, "minutes_complete": True, "documents_shared": True, "chairing": "tot",
        "principles_kept": True, "resolution_rate": 90, "resolution_voted": True, "chair_concluded": True,
    }  # fmt: skip
    points = {c.id: c.points for c in ruleset.evaluate(base).criteria}
    assert points["du_hop"] == 3  # exactly 85 %: not "trên 85 %"
    above = ruleset.evaluate({**base, "members": 100, "present": 86, "speakers": 45})
    assert {c.id: c.points for c in above.criteria}["du_hop"] == 4
