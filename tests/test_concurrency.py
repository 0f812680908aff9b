"""Scoring does not depend on the caller's thread or ``decimal`` context (issue 13).

Every shipped ruleset scores a fixed sample of organisations (drawn from its own facts) once in
the default context; the same organisations scored from several threads at once, or under a
caller's altered context (3 digits, ROUND_FLOOR, every signal trapped, tiny exponents), give the
same bytes: the serialised evaluations, the score sheets and the batch results. No total or points
print as ``-0``.
"""

from __future__ import annotations

import decimal
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Context, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import partyrules
from partyrules import serialize
from partyrules.testing import facts
from shipped_cache import shipped, shipped_ids

ALL_SIGNALS = [
    decimal.Clamped,
    decimal.DivisionByZero,
    decimal.FloatOperation,
    decimal.Inexact,
    decimal.InvalidOperation,
    decimal.Overflow,
    decimal.Rounded,
    decimal.Subnormal,
    decimal.Underflow,
]

#: Contexts a caller might have set before calling partyrules, each of which once could change a result.
CONTEXTS = {
    "precision 3, ROUND_FLOOR": Context(prec=3, rounding=decimal.ROUND_FLOOR),
    "precision 3, ROUND_FLOOR, every signal trapped": Context(prec=3, rounding=decimal.ROUND_FLOOR, traps=ALL_SIGNALS),
    "precision 1, ROUND_CEILING": Context(prec=1, rounding=decimal.ROUND_CEILING),
    "every signal trapped": Context(traps=ALL_SIGNALS),
    "exponents within -3..3": Context(prec=5, Emin=-3, Emax=3, rounding=decimal.ROUND_DOWN, traps=[]),
    "ROUND_05UP, no traps": Context(prec=2, rounding=decimal.ROUND_05UP, traps=[]),
}

#: A minus zero in a score sheet: `-0` not followed by a digit or a decimal point and more digits.
MINUS_ZERO = re.compile(r"(?<![\w.])-0(?:\.0+)?(?![\d.])")


def _sample(ruleset: partyrules.Ruleset, count: int = 12) -> list[dict[str, Any]]:
    """``count`` organisations drawn from the ruleset's own facts (the session's seed decides which)."""
    drawn: list[dict[str, Any]] = []

    @settings(max_examples=count, suppress_health_check=list(HealthCheck))
    @given(facts(ruleset))
    def collect(org: dict[str, Any]) -> None:
        drawn.append(org)

    collect()
    return drawn


def _bytes(ruleset: partyrules.Ruleset, orgs: list[dict[str, Any]]) -> list[str]:
    """Everything scoring gives for each organisation, as text: the evaluation, its score sheet, the batch row."""
    batch = ruleset.evaluate_many(orgs)
    out = []
    for org, row in zip(orgs, batch):
        evaluation = ruleset.evaluate(org)
        out.append(serialize.dumps(evaluation) + "\n" + evaluation.explain() + "\n" + serialize.dumps(row))
    return out


CASES = {rid: None for rid in shipped_ids()}


@pytest.fixture(scope="module")
def expected() -> dict[str, tuple[list[dict[str, Any]], list[str]]]:
    """Each shipped ruleset's sample and what it scores to in the default context."""
    out = {}
    with decimal.localcontext(Context()):
        for rid in CASES:
            ruleset = shipped(rid)
            orgs = _sample(ruleset)
            out[rid] = (orgs, _bytes(ruleset, orgs))
    return out


@pytest.mark.parametrize("context", CONTEXTS)
def test_a_callers_decimal_context_changes_no_result(
    context: str, expected: dict[str, tuple[list[dict[str, Any]], list[str]]]
) -> None:
    for rid, (orgs, want) in expected.items():
        ruleset = shipped(rid)
        with decimal.localcontext(CONTEXTS[context]):
            got = _bytes(ruleset, orgs)
        for org, a, b in zip(orgs, want, got):
            assert a == b, (rid, org)
            assert not MINUS_ZERO.search(b), (rid, org, b)


def test_the_callers_context_is_left_as_it_was(expected: dict[str, tuple[list[dict[str, Any]], list[str]]]) -> None:
    context = Context(prec=3, rounding=decimal.ROUND_FLOOR, traps=[decimal.Rounded])
    with decimal.localcontext(context) as inside:
        orgs, _ = expected["vn/cell-meeting"]
        _bytes(shipped("vn/cell-meeting"), orgs)
        assert (inside.prec, inside.rounding) == (3, decimal.ROUND_FLOOR)
        assert [s for s, on in inside.traps.items() if on] == [decimal.Rounded]


def _in_threads(work: Callable[[int], list[str]], threads: int) -> list[list[str]]:
    start = threading.Barrier(threads)

    def run(k: int) -> list[str]:
        start.wait()  # all at once, not one after another
        return work(k)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(run, range(threads)))


def test_scoring_from_several_threads_at_once_gives_identical_bytes(
    expected: dict[str, tuple[list[dict[str, Any]], list[str]]],
) -> None:
    rids = sorted(expected)

    def work(k: int) -> list[str]:
        # each thread scores every ruleset, starting at a different one, some under an altered context
        out: list[str] = []
        for rid in rids[k % len(rids) :] + rids[: k % len(rids)]:
            orgs, _ = expected[rid]
            if k % 2:
                with decimal.localcontext(Context(prec=3, rounding=decimal.ROUND_FLOOR)):
                    out += _bytes(shipped(rid), orgs)
            else:
                out += _bytes(shipped(rid), orgs)
        return out

    for k, got in enumerate(_in_threads(work, 4)):
        order = rids[k % len(rids) :] + rids[: k % len(rids)]
        want = [text for rid in order for text in expected[rid][1]]
        assert got == want, f"thread {k}"


def test_loading_from_several_threads_at_once_gives_the_same_program() -> None:
    text = partyrules.shipped_path("vn/cell-meeting").read_text(encoding="utf-8")
    rulesets = _in_threads(lambda k: [partyrules.loads(text).code], 4)
    assert len({r[0] for r in rulesets}) == 1


def test_a_decimal_fact_scores_the_same_under_any_context() -> None:
    ruleset = partyrules.loads(
        """
ruleset "t/ctx" { title "T"; version "1"; basis "B"; effective from 2024-01-01; points illustrative; }
input d "D": decimal -50..50 places 3;
input p "P": percent places 2;
criteria "C" max 100 { item a "A" max 100 { points = clamp(round(d * p + 0.0005, 3), 0, 100); } }
deductions "T" cap 60 { deduction t "T" max 60 { points = clamp(round(-d, 2), 0, 60); } }
grades { grade g "G" { band from 0; } grade h "H" { band below 0; } }
"""
    )
    orgs = [
        {"d": Decimal(d), "p": p}
        for d in ("-0.001", "0", "-49.999", "12.345", "50")
        for p in (0, Decimal("33.33"), 100)
    ]
    with decimal.localcontext(Context()):
        want = _bytes(ruleset, orgs)
    for context in CONTEXTS.values():
        with decimal.localcontext(context):
            assert _bytes(ruleset, orgs) == want
    assert not any(MINUS_ZERO.search(text) for text in want)


# ---------------------------------------------------------------- the findings, each as found

CELL_MEETING = {
    "duration_minutes": 0,
    "members": 3,
    "present": 1,
    **{
        name: False
        for name in [
            "prep_content",
            "prep_committee",
            "prep_draft_resolution",
            "prep_notice",
            "prep_materials",
            "steps_followed",
            "regular_content",
            "praise",
            "criticism",
            "self_criticism_time",
            "minutes_complete",
            "documents_shared",
            "principles_kept",
            "resolution_voted",
            "chair_concluded",
        ]
    },
    "speakers": 1,
    "chairing": "yeu",
    "resolution_rate": 0,
}


ALL_MET = {
    "is_thematic_month": False,
    "duration_minutes": 396,
    "members": 160,
    "present": 160,
    "absent_unexcused": 0,
    **{name: True for name in CELL_MEETING if CELL_MEETING[name] is False},
    "praise": False,
    "thematic_quality": "dat",
    "speakers": 160,
    "chairing": "kha",
    "resolution_rate": Decimal("68.08"),
}


def test_finding_a_caller_trapping_rounded_got_a_decimal_rounded_traceback() -> None:
    """Was `decimal.Rounded` raised out of evaluate under a 3-digit context trapping Rounded and Inexact:
    the program retried in a copy of the caller's context, where an exact result with trailing zeros
    still signals Rounded, and caught only Inexact."""
    ruleset = shipped("vn.binhthuan/cell-meeting")
    want = serialize.dumps(ruleset.evaluate(ALL_MET))
    with decimal.localcontext(Context(prec=3, traps=[decimal.Rounded, decimal.Inexact])):
        assert serialize.dumps(ruleset.evaluate(ALL_MET)) == want
        assert serialize.dumps(next(iter(ruleset.evaluate_many([ALL_MET])))) == want


def test_finding_the_score_sheet_of_a_rescaled_total_used_the_callers_precision() -> None:
    """Was `30 / 100 điểm quy về thang 100` for `23 / 95` under a 1-digit ROUND_CEILING context: the
    score sheet summed the points in the caller's context."""
    ruleset = shipped("vn.binhthuan/cell-meeting")
    want = ruleset.evaluate(CELL_MEETING).explain()
    assert "Quy đổi" in want
    with decimal.localcontext(Context(prec=1, rounding=decimal.ROUND_CEILING)):
        assert ruleset.evaluate(CELL_MEETING).explain() == want
