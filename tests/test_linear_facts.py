"""Narrowing by comparisons of sums and by constraints (checker/linear.py), and bands mixing % and numbers.

Each case failed before the checker kept linear facts: ``if members - exempt > 0 then present /
(members - exempt)`` (the form PR503's hint recommends) was PR503, and a ``constraint present <=
members`` did not bound ``present / members``. The last tests draw facts with Hypothesis and check
that every value the reference interpreter computes lies in the interval the checker proved.
"""

from __future__ import annotations

import functools
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import partyrules
from partyrules import api, reference
from partyrules.testing import facts

HEAD = (
    'ruleset "vn.vidu/linear" { title "X"; version "1"; basis "B"; effective from 2025-01-01; points illustrative; }\n'
)
GRADES = 'grades { grade g "G" { band any; } }\n'


def codes(body: str) -> list[str]:
    return [d.code for d in api.analyse(HEAD + body + GRADES).diagnostics]


def item(points: str, inputs: str, maximum: int = 10) -> str:
    return f'{inputs}\ncriteria "C" max {maximum} {{ item i "I" max {maximum} {{ points = {points}; }} }}\n'


MEETING = """
input members "Members": integer 0..60;
input exempt "Exempt": integer 0..60;
input present "Present": integer 0..60;
"""


@pytest.mark.parametrize(
    "guard",
    [
        "members - exempt > 0",
        "members - exempt >= 1",
        "members > exempt",
        "exempt < members",
        "0 < members - exempt",
        "not (members - exempt <= 0)",
        "members - exempt > 0 and present >= 0",
        "2 * members - 2 * exempt >= 2",
    ],
)
def test_a_comparison_of_a_difference_narrows_the_divisor(guard: str) -> None:
    points = f"if {guard} then round(present / (members - exempt) * 0 + 5, 0) else 0"
    assert codes(item(points, MEETING)) == []


@pytest.mark.parametrize(
    "guard",
    [
        "members - exempt >= 0",  # 0 is still allowed
        "members - exempt != 1",
        "members - exempt > 0 or present > 0",
        "members + exempt > 0",  # another sum
    ],
)
def test_a_comparison_that_keeps_zero_does_not(guard: str) -> None:
    points = f"if {guard} then round(present / (members - exempt) * 0 + 5, 0) else 0"
    assert "PR503" in codes(item(points, MEETING))


def test_a_sum_at_least_one_is_a_safe_divisor() -> None:
    inputs = 'input a "A": integer 0..20;\ninput b "B": integer 0..20;\ninput x "X": integer 0..40;'
    assert codes(item("if a + b >= 1 then round(x / (a + b) / 4, 0) else 0", inputs)) == []
    assert codes(item("round(x / (a + b) / 4, 0)", inputs)) == ["PR503"]
    # the else branch knows the negation: a + b is 0 there
    assert codes(item("if a + b < 1 then 0 else round(x / (a + b) / 4, 0)", inputs)) == []


def test_a_decimal_sum_above_zero_is_not_at_least_one() -> None:
    inputs = 'input a "A": decimal 0..20;\ninput b "B": decimal 0..20;'
    # a + b > 0 allows 0.001 and the quotient has no bound: the checker keeps only a + b >= 0, as it
    # does for `x > 0` on one decimal name
    assert "PR503" in codes(item("if a + b > 0 then round(1 / (a + b), 0) else 0", inputs))
    assert codes(item("if a + b >= 1 then round(10 / (a + b), 0) else 0", inputs)) == []


CONSTRAINED = """
input members "Members": integer 1..500;
input present "Present": integer 0..500;
constraint "No more present than members": present <= members;
"""


def test_a_constraint_bounds_a_quotient() -> None:
    points = "round(present / members * 10, 1)"
    assert codes(item(points, CONSTRAINED)) == []
    unconstrained = CONSTRAINED.replace("constraint", "# constraint")
    assert codes(item(points, unconstrained)) == ["PR501"]


def test_a_constraint_bounds_a_name_and_a_difference() -> None:
    assert codes(item("members - present", CONSTRAINED.replace("1..500", "1..10"))) == []
    # without the constraint the difference can go below zero
    assert "PR502" in codes(
        item("members - present", CONSTRAINED.replace("1..500", "1..10").replace("constraint", "#"))
    )


def test_bands_on_a_constrained_quotient_know_it_stays_within_one() -> None:
    unreachable = "bands present / members { from 150%: 10; from 90%: 5; otherwise: 0; }"
    assert codes(item(unreachable, CONSTRAINED)) == ["PR406"]
    covered = "bands present / members { from 100%: 10; from 90%: 5; from 0: 0; }"
    assert codes(item(covered, CONSTRAINED)) == []


def test_constraints_chain() -> None:
    """``late <= present`` and ``present <= members`` give ``late <= members``: the quotient stays within 1."""
    chained = CONSTRAINED + 'input late "Late": integer 0..500;\nconstraint "Late were present": late <= present;\n'
    points = "round(late / members * 10, 1)"
    assert codes(item(points, chained)) == []
    assert codes(item(points, chained.replace("constraint \"No more", "# constraint \"No more"))) == ["PR501"]
    # the chain bounds late by members, not members by late: members / late can still reach 500
    assert codes(item("if late >= 1 then round(members / late, 1) else 0", chained)) == ["PR501"]


def test_a_constraint_is_not_proved_by_itself() -> None:
    # the constraint's own condition must not be taken as always true (that would make it vacuous)
    analysis = api.analyse(HEAD + item("0", CONSTRAINED) + GRADES)
    assert analysis.diagnostics == ()
    constraint = next(d for d in analysis.tree.declarations if type(d).__name__ == "Constraint")  # type: ignore[union-attr]
    assert analysis.state is not None and analysis.state.truths.get(id(constraint.condition)) is None


MIXED = item("bands present / members { from 90: 10; from 75%: 5; otherwise: 0; }", CONSTRAINED)


def test_a_percentage_and_number_mix_in_bands_is_refused_whatever_the_ranges() -> None:
    wide = MIXED.replace("1..500", "1..50000").replace("constraint", "# constraint")
    for text in (MIXED, wide):
        analysis = api.analyse(HEAD + text + GRADES)
        ((problem,),) = [[d for d in analysis.diagnostics if d.code == "PR416"]]
        assert problem.message == "these bands mix percentages (75%) and plain numbers (90)"
        assert problem.hint == "write every threshold as a percentage: `90%` for `90`"
    assert codes(MIXED.replace("from 90:", "from 90%:")) == []
    assert codes(MIXED.replace("from 90:", "from 0.9:").replace("from 75%:", "from 0.75:")) == []
    # 0 is both a number and 0 %
    assert codes(MIXED.replace("otherwise: 0;", "from 0: 0;").replace("from 90:", "from 90%:")) == []


# ---------------------------------------------------------------- the proved intervals are sound

SOUND = (
    HEAD
    + """
input members "Members": integer 0..30;
input exempt "Exempt": integer 0..30;
input present "Present": integer 0..30;
input late "Late": integer 0..30;
constraint "Exempt are members": exempt <= members;
constraint "Present are members": present <= members;
constraint "Late were present": late <= present;
let attending "Attending" = if members - exempt > 0 then present / (members - exempt) else 0;
let share "Share" = if members >= 1 then present / members else 0;
let lateness "Lateness" = if present > 0 then late / present else 0;
let spare "Spare" = members - present;
let tardy "Tardy" = present - late;
let late_share "Late share" = if members >= 1 then late / members else 0;
criteria "C" max 30 {
  item rate "Rate" max 10 { points = round(share * 10, 1); }
  item punctual "Punctual" max 10 { points = round(10 - lateness * 10, 0); }
  item spares "Spares" max 10 { points = min(spare, 10); }
}
"""
    + GRADES
)


def test_the_sound_file_is_proved_and_its_intervals_are_narrow() -> None:
    analysis = api.analyse(SOUND)
    assert analysis.diagnostics == ()
    assert analysis.state is not None
    share = analysis.state.symbols["share"].info
    assert share is not None and share.interval is not None
    assert (share.interval.low, share.interval.high) == (0, 1)
    spare = analysis.state.symbols["spare"].info
    assert spare is not None and spare.interval is not None and spare.interval.low == 0
    # late <= present and present <= members, chained: late <= members
    late_share = analysis.state.symbols["late_share"].info
    assert late_share is not None and late_share.interval is not None
    assert (late_share.interval.low, late_share.interval.high) == (0, 1)


@functools.cache
def _sound() -> tuple[partyrules.Ruleset, api.Analysis]:
    """SOUND loaded and analysed once for the 300 draws below (both immutable: nothing a draw does changes them)."""
    return partyrules.loads(SOUND, "sound.criteria"), api.analyse(SOUND)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_computed_value_lies_in_its_proved_interval(data: st.DataObject) -> None:
    ruleset, analysis = _sound()
    assert analysis.state is not None and analysis.model is not None
    drawn = data.draw(facts(ruleset))
    run = reference._Run(analysis.model, drawn)
    run.trace()  # raises BrokenPromise on points outside what the checker proved
    for name in ("attending", "share", "lateness", "spare", "tardy", "late_share"):
        info = analysis.state.symbols[name].info
        assert info is not None and info.interval is not None
        value = run.let(name)
        assert isinstance(value, (int, Fraction))
        assert info.interval.contains(Fraction(value)), (name, value, info.interval, drawn)
