"""Hypothesis strategies for property-testing rulesets (needs the ``testing`` extra).

``facts(ruleset)`` draws valid facts for any compiled ruleset: every input's
type, range, declared decimal places and default are honoured, optional
inputs are sometimes left out, and facts that break a cross-input constraint
are rejected (hypothesis then shrinks towards simple organisations that pass).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from partyrules.runtime import FactsError, InputSpec, Ruleset


def _number_bounds(spec: InputSpec, scale: int) -> tuple[int, int]:
    """Integer bounds of the value times 10**scale (percent bounds are fractions: in percent units here)."""
    unit = 100 if spec.kind == "percent" else 1
    low = spec.low if spec.low is not None else -(10**6)
    high = spec.high if spec.high is not None else 10**6
    return int(Decimal(low) * unit * 10**scale), int(Decimal(high) * unit * 10**scale)


def value(spec: InputSpec) -> st.SearchStrategy[Any]:
    """Valid values for one input."""
    if spec.kind == "integer":
        low, high = _number_bounds(spec, 0)
        return st.integers(low, high)
    if spec.kind in ("decimal", "percent"):
        places = spec.places if spec.places is not None else 2
        low, high = _number_bounds(spec, places)
        # shrinks towards round numbers: fewer decimals first
        return st.integers(low, high).map(lambda n: Decimal(n).scaleb(-places))
    if spec.kind == "boolean":
        return st.booleans()
    if spec.kind in ("enum", "level"):
        return st.sampled_from(spec.members)
    if spec.kind == "date":
        first = spec.low if isinstance(spec.low, datetime.date) else datetime.date(2000, 1, 1)
        last = spec.high if isinstance(spec.high, datetime.date) else datetime.date(2100, 12, 31)
        return st.dates(first, last)
    raise ValueError(f"unknown input kind {spec.kind}")  # pragma: no cover


def _ends(spec: InputSpec) -> tuple[Any, Any] | None:
    """The lowest and highest value of an input, as facts (percent in percent units)."""
    if spec.kind == "integer":
        return _number_bounds(spec, 0)
    if spec.kind in ("decimal", "percent"):
        places = spec.places if spec.places is not None else 2
        low, high = _number_bounds(spec, places)
        return Decimal(low).scaleb(-places), Decimal(high).scaleb(-places)
    if spec.kind == "boolean":
        return False, True
    return None


def _middle(spec: InputSpec) -> Any:
    if not spec.required:
        return spec.default if spec.kind != "percent" else Decimal(spec.default).scaleb(2)
    ends = _ends(spec)
    if ends is not None:
        low, high = ends
        return low if spec.kind == "boolean" else (low + high) // 2 if spec.kind == "integer" else (low + high) / 2
    if spec.members:
        return spec.members[0]
    return datetime.date(2024, 1, 1)


def _score(ruleset: Ruleset, facts: dict[str, Any]) -> tuple[int, Decimal] | None:
    """A number that grows as an organisation gets better: (minus its grade's rank, total)."""
    try:
        e = ruleset.evaluate(facts)
    except FactsError:
        return None
    grades = [g for g, _ in e.layout.grades]
    rank = grades.index(e.grade) if e.grade is not None else len(grades)
    return (-rank, e.total)


def favourable_order(ruleset: Ruleset) -> dict[str, list[Any]]:
    """For each input, its candidate values from worst to best, found by scoring one change at a time.

    Rules are written by people and are mostly monotone, so pushing every input
    the same way reaches the top grade and the bottom one; strategies mix this
    with free draws to reach everything in between.
    """
    baseline = {spec.name: _middle(spec) for spec in ruleset.inputs}
    order: dict[str, list[Any]] = {}
    for spec in ruleset.inputs:
        if spec.kind in ("enum", "level"):
            candidates: list[Any] = list(spec.members)
        else:
            ends = _ends(spec)
            if ends is None:
                continue
            candidates = list(ends)
        scored = []
        for i, candidate in enumerate(candidates):
            result = _score(ruleset, dict(baseline, **{spec.name: candidate}))
            scored.append(((0, Decimal(0)) if result is None else result, i, candidate))
        if all(s[0] == scored[0][0] for s in scored):
            continue  # no visible effect from the baseline: draw it freely
        order[spec.name] = [c for _, _, c in sorted(scored, key=lambda s: (s[0], s[1]))]
    return order


def _tilted(spec: InputSpec, order: list[Any], quality: int) -> st.SearchStrategy[Any]:
    """A value about ``quality`` percent of the way from the worst to the best end."""
    if spec.kind in ("enum", "level", "boolean"):
        index = min(len(order) - 1, quality * len(order) // 101)
        return st.just(order[index])
    worst, best = order[0], order[-1]
    if spec.kind == "integer":
        target = worst + (best - worst) * quality // 100
        spread = max(1, abs(best - worst) // 20)
        low, high = sorted((target - spread, target + spread))
        lo, hi = sorted((worst, best))
        return st.integers(max(lo, low), min(hi, high))
    places = spec.places if spec.places is not None else 2
    scale = 10**places
    w, b = int(worst * scale), int(best * scale)
    target = w + (b - w) * quality // 100
    spread = max(1, abs(b - w) // 20)
    lo, hi = sorted((w, b))
    low, high = sorted((target - spread, target + spread))
    return st.integers(max(lo, low), min(hi, high)).map(lambda n: Decimal(n).scaleb(-places))


@st.composite
def _facts(draw: st.DrawFn, ruleset: Ruleset, omit_optional: bool, order: dict[str, list[Any]]) -> dict[str, Any]:
    # one quality for the whole organisation, so good organisations are good on most criteria
    quality = draw(st.integers(0, 100))
    out: dict[str, Any] = {}
    for spec in ruleset.inputs:
        if not spec.required and omit_optional and draw(st.integers(0, 3)) == 0:
            continue
        tilted = spec.name in order and draw(st.integers(0, 4)) > 0
        out[spec.name] = draw(_tilted(spec, order[spec.name], quality) if tilted else value(spec))
    return out


def _acceptable(ruleset: Ruleset, facts: dict[str, Any]) -> bool:
    try:
        ruleset.evaluate(facts)
    except FactsError:
        return False
    return True


def facts(ruleset: Ruleset, *, omit_optional: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """Valid facts for ``ruleset``: every draw evaluates without a :class:`FactsError`.

    Draws lean on each input's favourable direction (see :func:`favourable_order`)
    with a shared quality, so every grade is reached, not only the likely ones.
    """
    order = favourable_order(ruleset)
    return _facts(ruleset, omit_optional, order).filter(lambda f: _acceptable(ruleset, f))
