"""Properties of compiled evaluation, checked with hypothesis over generated facts.

The hand-written scorer in benchmarks/handwritten.py is an independent oracle
for the shipped 4 tốt scale: every generated organisation must get the same
total and grade from both.
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import given, strategies as st

import partyrules
from partyrules import serialize
from partyrules.testing import facts
from shipped_cache import shipped

ROOT = Path(__file__).resolve().parents[1]
FOUR_GOOD = shipped("vn.hatinh/chi-bo-4-tot")


def _load_handwritten() -> ModuleType:
    spec = importlib.util.spec_from_file_location("handwritten", ROOT / "benchmarks" / "handwritten.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("handwritten", module)
    spec.loader.exec_module(module)
    return module


HANDWRITTEN = _load_handwritten()


@given(facts(FOUR_GOOD))
def test_agrees_with_the_hand_written_scorer(org: dict[str, Any]) -> None:
    e = FOUR_GOOD.evaluate(org)
    total, grade = HANDWRITTEN.score(org)
    assert e.total == total
    assert e.grade == grade
    fixed_total, fixed_grade = HANDWRITTEN.score_fixed_point(org)
    assert e.total * 100 == fixed_total
    assert fixed_grade == grade


@given(facts(FOUR_GOOD))
def test_points_stay_within_declared_bounds(org: dict[str, Any]) -> None:
    e = FOUR_GOOD.evaluate(org)
    by_id = {c.id: c for c in e.criteria}
    for c in e.criteria:
        assert c.points is not None and c.maximum is not None
        assert 0 <= c.points <= c.maximum
        children = [
            x
            for x in e.criteria
            if x.number.startswith(c.number + ".") and x.number.count(".") == c.number.count(".") + 1
        ]
        if children:
            assert c.points == sum((by_id[x.id].points or Decimal(0) for x in children), Decimal(0))
    assert 0 <= e.deducted <= 6 and 0 <= e.added <= 5
    assert e.total == e.criteria_points - e.deducted + e.added
    assert Decimal(-1) <= e.total <= Decimal(105)  # the checker's total interval for this file


@given(facts(FOUR_GOOD))
def test_grade_follows_band_requirements_and_knockouts(org: dict[str, Any]) -> None:
    e = FOUR_GOOD.evaluate(org)
    order = ["bon_tot", "kha", "trung_binh", "chua_dat"]
    band = 0 if e.total >= 90 else 1 if e.total >= 70 else 2 if e.total >= 50 else 3
    assert e.band_grade == order[band]
    grade = band
    if grade == 0 and not all(r.held for r in e.requirements):
        grade = 1
    knocked = {k.id for k in e.knockouts}
    assert knocked == {
        x
        for x, on in (
            ("mat_doan_ket", org.get("disunity", False)),
            ("co_ky_luat", org.get("members_disciplined", 0) > 0),
        )
        if on
    }
    if "mat_doan_ket" in knocked:
        grade = 3
    if "co_ky_luat" in knocked:
        grade = max(grade, 1)
    if org.get("months_established", 120) < 6:
        assert e.grade is None and e.not_graded is not None
    else:
        assert e.grade == order[grade]


@given(facts(FOUR_GOOD), st.randoms(use_true_random=False))
def test_order_of_facts_does_not_matter(org: dict[str, Any], rnd: random.Random) -> None:
    items = list(org.items())
    rnd.shuffle(items)
    assert FOUR_GOOD.evaluate(dict(items)) == FOUR_GOOD.evaluate(org)


#: the same file compiled a second time, on its own (once: each compile of it is the same work)
AGAIN = partyrules.loads(FOUR_GOOD.source, "again.criteria")


@given(facts(FOUR_GOOD))
def test_deterministic_bytes(org: dict[str, Any]) -> None:
    assert AGAIN is not FOUR_GOOD
    first = serialize.dumps(FOUR_GOOD.evaluate(org))
    again = serialize.dumps(AGAIN.evaluate(dict(org)))
    assert first == again


@given(facts(FOUR_GOOD))
def test_cattrs_round_trip_is_lossless(org: dict[str, Any]) -> None:
    e = FOUR_GOOD.evaluate(org)
    data = json.loads(serialize.dumps(e))  # sorted keys: nothing may depend on key order
    back = serialize.structure(data, partyrules.Evaluation)
    assert back == e
    assert back.explain().splitlines()[3:] != [] and back.total == e.total
    assert serialize.dumps(back) == serialize.dumps(e)


@given(facts(FOUR_GOOD))
def test_facts_round_trip_through_json(org: dict[str, Any]) -> None:
    data = json.loads(json.dumps(serialize.facts_to_data(FOUR_GOOD, org)))
    assert serialize.facts_from_data(FOUR_GOOD, data) == org
    assert FOUR_GOOD.evaluate(serialize.facts_from_data(FOUR_GOOD, data)) == FOUR_GOOD.evaluate(org)


def test_generated_facts_reach_every_grade_and_not_graded() -> None:
    from hypothesis import Phase, find, settings

    outcomes = ["bon_tot", "kha", "trung_binh", "chua_dat", None]
    for outcome in outcomes:
        # reaching the outcome is the point, not the smallest facts that reach it: no shrinking (11 s of 12)
        found = find(
            facts(FOUR_GOOD),
            lambda f, outcome=outcome: FOUR_GOOD.evaluate(f).grade == outcome,  # type: ignore[misc]
            settings=settings(max_examples=5000, database=None, phases=[Phase.generate]),
        )
        assert FOUR_GOOD.evaluate(found).grade == outcome
