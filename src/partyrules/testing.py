"""Hypothesis strategies for property-testing rulesets (needs the ``testing`` extra).

``facts(ruleset)`` draws valid facts for any compiled ruleset: every input's
type, range, declared decimal places and default are honoured, optional
inputs are sometimes left out, and facts that break a cross-input constraint
are rejected (hypothesis then shrinks towards simple organisations that pass).
"""

from __future__ import annotations

import datetime
import functools
import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import strategies as st

from partyrules.facts import FACT_MAGNITUDE
from partyrules.runtime import FactsError, InputSpec, Ruleset


def _number_bounds(spec: InputSpec, scale: int) -> tuple[int, int]:
    """Integer bounds of the value times 10**scale (percent bounds are fractions: in percent units here)."""
    unit = 100 if spec.kind == "percent" else 1
    low = spec.low if spec.low is not None else -(10**6)
    high = spec.high if spec.high is not None else 10**6
    return int(Decimal(low) * unit * 10**scale), int(Decimal(high) * unit * 10**scale)


# Strategies are built once per input (and quality) and reused: hypothesis validates every new
# strategy object, which cost more than the drawing itself for scales with many inputs.
@functools.lru_cache(maxsize=4096)
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


#: Kinds whose tilted value is one of a few, picked by the quality alone (no draw of its own).
_SETTLED_KINDS = frozenset(("enum", "level", "boolean"))


@functools.lru_cache(maxsize=4096)
def _tilted(spec: InputSpec, order: tuple[Any, ...], quality: int) -> st.SearchStrategy[Any]:
    """A number about ``quality`` percent of the way from the worst to the best end."""
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


@attrs.frozen
class _Budget:
    """A cross-input constraint ``terms <= bound`` (``<`` when strict), kept by lowering its terms.

    Only the linear constraints a criteria file states between counts or rates are of this shape
    (``present + absent_unexcused <= members``, ``on_time + late <= 100%``): sums of numeric
    inputs of one unit and literals, on either side of an order comparison. Values are in fact
    units (percent inputs and literals in percent).
    """

    terms: tuple[str, ...]
    bound: tuple[str, ...]
    constant: Decimal
    strict: bool


@attrs.frozen
class _Clause:
    """A constraint between yes/no inputs that is a disjunction (``is_thematic_month or not combined``),
    kept by setting its last drawn input so that its literal holds: (input, the value that makes it hold)."""

    literals: tuple[tuple[str, bool], ...]


def _clause(model: Any, condition: Any, kinds: Mapping[str, str]) -> _Clause | None:
    from partyrules import nodes as n

    literals: list[tuple[str, bool]] = []
    pending = [condition]
    while pending:
        node = pending.pop()
        holds = True
        if isinstance(node, n.Binary) and node.op == "or":
            pending += [node.right, node.left]
            continue
        if isinstance(node, n.Unary) and node.op == "not":
            node, holds = node.operand, False
        resolution = model.resolutions.get(id(node)) if isinstance(node, n.Name) else None
        if resolution is None or resolution.kind != "input" or kinds.get(resolution.target) != "boolean":
            return None
        literals.append((resolution.target, holds))
    return _Clause(tuple(literals)) if len(literals) > 1 else None


def _sum_of_inputs(model: Any, expr: Any, percent: bool) -> tuple[list[str], Decimal] | None:
    """``expr`` as (inputs, constant) when it is a sum of inputs and literals of the unit ``percent``."""
    from partyrules import nodes as n

    names: list[str] = []
    constant = Decimal(0)
    pending = [expr]
    while pending:
        node = pending.pop()
        if isinstance(node, n.Binary) and node.op == "+":
            pending += [node.right, node.left]
        elif isinstance(node, n.Number):
            if node.percent != percent and node.value != 0:
                return None
            constant += node.value * 100 if node.percent else node.value
        elif isinstance(node, n.Name):
            resolution = model.resolutions.get(id(node))
            if resolution is None or resolution.kind != "input" or resolution.target is None:
                return None
            names.append(resolution.target)
        else:
            return None
    return names, constant


def _budgets(ruleset: Ruleset, model: Any) -> tuple[_Budget | _Clause, ...]:
    """The file's linear constraints over numeric inputs, in an order that keeps them all.

    Lowering a constraint's terms can only break a constraint whose bound reads them, so each
    constraint is kept before those whose bounds read its terms (a topological order; a cycle
    leaves the file's order, and the filter in :func:`facts` catches what is left).
    """
    import graphlib

    from partyrules import nodes as n

    kinds = {spec.name: spec.kind for spec in ruleset.inputs}
    budgets: list[_Budget] = []
    clauses: list[_Clause] = []
    for constraint in model.constraints:
        condition = constraint.condition
        clause = _clause(model, condition, kinds)
        if clause is not None:
            clauses.append(clause)
            continue
        if not isinstance(condition, n.Compare) or condition.op not in ("<=", "<", ">=", ">"):
            continue
        small, large = (
            (condition.left, condition.right) if condition.op in ("<=", "<") else (condition.right, condition.left)
        )
        for percent in (False, True):
            small_side, large_side = _sum_of_inputs(model, small, percent), _sum_of_inputs(model, large, percent)
            if small_side is None or large_side is None:
                continue
            (terms, low_constant), (bound, high_constant) = small_side, large_side
            wanted = {"percent"} if percent else {"integer", "decimal"}
            if terms and all(kinds.get(name) in wanted for name in terms + bound):
                strict = condition.op in ("<", ">")
                budgets.append(_Budget(tuple(terms), tuple(bound), high_constant - low_constant, strict))
                break
    sorter: graphlib.TopologicalSorter[int] = graphlib.TopologicalSorter()
    for i, later in enumerate(budgets):
        sorter.add(i, *(j for j, first in enumerate(budgets) if j != i and set(first.terms) & set(later.bound)))
    try:
        order = list(sorter.static_order())
    except graphlib.CycleError:
        order = list(range(len(budgets)))
    return (*(budgets[i] for i in order), *clauses)


def _unit_of(spec: InputSpec) -> Decimal:
    """The smallest step of an input's values, in fact units."""
    if spec.kind == "integer":
        return Decimal(1)
    return Decimal(1).scaleb(-(spec.places if spec.places is not None else 2))


def _keep(facts: dict[str, Any], budgets: tuple[_Budget | _Clause, ...], specs: dict[str, InputSpec]) -> None:
    """Lower the drawn terms of each broken budget, last term first, down to their declared lows.

    A function of the draw alone, so hypothesis still shrinks through it. Terms left out of the
    facts stand at their defaults and are not moved; a budget that cannot be kept this way (lows
    too high) is left broken for the filter.
    """

    def fact(name: str) -> Decimal:
        if name in facts:
            return Decimal(facts[name])
        spec = specs[name]
        return Decimal(spec.default) * (100 if spec.kind == "percent" else 1)

    for budget in budgets:
        if isinstance(budget, _Clause):
            drawn = [(name, holds) for name, holds in budget.literals if name in facts]
            if drawn and not any(facts.get(name, specs[name].default) == holds for name, holds in budget.literals):
                name, holds = drawn[-1]
                facts[name] = holds
            continue
        excess = sum(map(fact, budget.terms), Decimal(0)) - sum(map(fact, budget.bound), budget.constant)
        if budget.strict:
            excess += min(_unit_of(specs[name]) for name in budget.terms)
        for name in reversed(budget.terms):
            if excess <= 0:
                break
            if name not in facts:
                continue
            spec = specs[name]
            unit = _unit_of(spec)
            low = _ends(spec)
            room = Decimal(facts[name]) - (Decimal(low[0]) if low is not None else Decimal(facts[name]))
            cut = min(-(-excess // unit) * unit, room)
            if cut > 0:
                lowered = Decimal(facts[name]) - cut
                facts[name] = int(lowered) if spec.kind == "integer" else lowered.quantize(unit)
                excess -= cut


# made once: a strategy made in a draw is looked up in hypothesis's cache each time (a tenth of a step)
_QUALITY = st.integers(0, 100)
_HOW = st.integers(0, 19)


@st.composite
def _facts(
    draw: st.DrawFn,
    ruleset: Ruleset,
    omit_optional: bool,
    order: dict[str, list[Any]],
    budgets: tuple[_Budget | _Clause, ...],
) -> dict[str, Any]:
    # one quality for the whole organisation, so good organisations are good on most criteria
    quality = draw(_QUALITY)
    out: dict[str, Any] = {}
    for spec in ruleset.inputs:
        # one draw decides both whether an optional input is left out (1 in 4) and whether a value
        # leans with the organisation's quality (4 in 5): draws cost more than the rest of a search
        # step, and shrinking towards 0 still means "left out" and "drawn freely"
        how = draw(_HOW)
        if not spec.required and omit_optional and how < 5:
            continue
        if spec.name in order and how % 5 > 0:
            tilted = tuple(order[spec.name])
            if spec.kind in _SETTLED_KINDS:
                out[spec.name] = tilted[min(len(tilted) - 1, quality * len(tilted) // 101)]
            else:
                out[spec.name] = draw(_tilted(spec, tilted, quality))
        elif spec.kind == "boolean":  # free, from the same draw (how // 5 is 0 to 3; shrinks to false)
            out[spec.name] = how // 5 % 2 == 1
        else:
            out[spec.name] = draw(value(spec))
    if budgets:
        _keep(out, budgets, {spec.name: spec for spec in ruleset.inputs})
    return out


def _acceptable(ruleset: Ruleset, facts: dict[str, Any]) -> bool:
    try:
        ruleset.evaluate(facts)
    except FactsError:
        return False
    return True


# Strategies of a ruleset, built once: finding the favourable order scores the ruleset twice an
# input, and the strategies for invalid facts try every constraint's ends, which cost more than the
# draws of a short test. Kept on the ruleset itself (as api.checked_model keeps its model), so they
# live and die with it: the strategies refer to their ruleset, and a table beside it would keep
# every ruleset a test generates alive.
def _cached(ruleset: Ruleset, key: str, build: Callable[[], Any]) -> Any:
    strategies: dict[str, Any] = ruleset.__dict__.setdefault("_testing_strategies", {})
    if key not in strategies:
        strategies[key] = build()
    return strategies[key]


def facts(ruleset: Ruleset, *, omit_optional: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """Valid facts for ``ruleset``: every draw evaluates without a :class:`FactsError`.

    Draws lean on each input's favourable direction (see :func:`favourable_order`)
    with a shared quality, so every grade is reached, not only the likely ones.
    Linear constraints between inputs (``present <= members``) are kept by
    lowering the drawn values that break them; draws that break another
    constraint are filtered out.
    """

    def build() -> st.SearchStrategy[dict[str, Any]]:
        order = favourable_order(ruleset)
        return _facts(ruleset, omit_optional, order, _linear(ruleset)).filter(lambda f: _acceptable(ruleset, f))

    return _cached(ruleset, f"facts omit_optional={omit_optional}", build)  # type: ignore[no-any-return]


def _linear(ruleset: Ruleset) -> tuple[_Budget | _Clause, ...]:
    from partyrules.api import checked_model

    return _cached(ruleset, "budgets", lambda: _budgets(ruleset, checked_model(ruleset)))  # type: ignore[no-any-return]


def room(ruleset: Ruleset, name: str, facts: Mapping[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    """The lowest and highest value the number ``name`` may take, the other ``facts`` kept, under the file's
    linear constraints (``speakers <= present``); None at an end none bounds. ``facts`` are complete
    (an evaluation's), percent in percent units. Monotone pairs are drawn within this instead of
    drawn freely and thrown away; other constraints are left to the caller's check.
    """
    unit = _unit_of(next(spec for spec in ruleset.inputs if spec.name == name))
    lowest: Decimal | None = None
    highest: Decimal | None = None
    for budget in _linear(ruleset):
        if isinstance(budget, _Clause) or (name in budget.terms) == (name in budget.bound):
            continue
        # terms <= bound + constant solved for name (written `times` times), in whole steps of name
        times = (budget.terms if name in budget.terms else budget.bound).count(name)
        terms = sum((Decimal(facts[t]) for t in budget.terms if t != name), Decimal(0))
        bound = sum((Decimal(facts[b]) for b in budget.bound if b != name), budget.constant)
        if name in budget.terms:  # name <= steps (< when strict)
            steps = (bound - terms) / times / unit
            high = (math.ceil(steps) - 1 if budget.strict else math.floor(steps)) * unit
            highest = high if highest is None else min(highest, high)
        else:  # name >= steps (> when strict)
            steps = (terms - bound) / times / unit
            low = (math.floor(steps) + 1 if budget.strict else math.ceil(steps)) * unit
            lowest = low if lowest is None else max(lowest, low)
    return lowest, highest


# ---------------------------------------------------------------- invalid facts
# Facts that break exactly one declared rule, for testing that evaluation refuses them and
# names the right input. Built on a valid draw from :func:`facts`; the constraint kind checks its
# draw with the reference interpreter (not with the ruleset under test).

#: Values of the wrong kind for each input kind (floats are never accepted: they are not exact).
_WRONG_KIND: dict[str, tuple[Any, ...]] = {
    "integer": (
        2.0,
        0.5,
        Decimal("0.5"),
        "2.5",
        "twelve",
        "1e3",
        "1,5",
        "NaN",
        "inf",
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        True,
        False,
        "5%",
        [1],
        datetime.date(2024, 1, 1),
    ),
    "decimal": (
        2.5,
        0.0,
        "abc",
        "1e3",
        "1,5",
        "NaN",
        "-inf",
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("-Infinity"),
        True,
        "5%",
        "--1",
        [1],
    ),
    "percent": (
        87.5,
        0.0,
        "abc",
        "5e1",
        "1,5",
        "NaN",
        "%",
        "5%%",
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        True,
        False,
        [50],
    ),
    "boolean": ("maybe", "2", "truth", 2, -1, 1.0, 0.0, Decimal(1), [True]),
    "enum": (0, 1, True, Decimal(1), 1.0, ["a"]),
    "level": (0, 1, True, Decimal(1), 1.0, ["a"]),
    "date": (
        "2025-02-30",
        "yesterday",
        "30/06/2025",
        "2025-6-30x",
        datetime.datetime(2024, 1, 1, 12, 0),
        20240101,
        Decimal(1),
        1.5,
        True,
    ),
}

_IDENTIFIER = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,15}", fullmatch=True)


def _unit(spec: InputSpec) -> int:
    return 100 if spec.kind == "percent" else 1


def _wrong_kind(spec: InputSpec) -> st.SearchStrategy[Any]:
    values = st.sampled_from(_WRONG_KIND[spec.kind])
    if spec.kind in ("enum", "level"):
        members = set(spec.members)
        unknown = _IDENTIFIER.filter(lambda word: word.strip() not in members)
        return st.one_of(unknown, values)
    return values


def _outside(spec: InputSpec) -> st.SearchStrategy[Any] | None:
    """Values just (or far) outside the declared range, or beyond the size limit when there is none."""
    steps = st.integers(1, 10**6)
    if spec.kind == "integer":
        if spec.low is None or spec.high is None:
            limit = int(FACT_MAGNITUDE)
            return steps.flatmap(lambda k: st.sampled_from([limit - 1 + k, -(limit - 1 + k)]))
        lowest, highest = int(spec.low), int(spec.high)
        return steps.flatmap(lambda k: st.sampled_from([lowest - k, highest + k]))
    if spec.kind in ("decimal", "percent"):
        quantum = Decimal(1).scaleb(-(spec.places if spec.places is not None else 2))
        if spec.low is None or spec.high is None:
            size = FACT_MAGNITUDE
            return steps.flatmap(lambda k: st.sampled_from([size + (k - 1) * quantum, -size - (k - 1) * quantum]))
        low, high = Decimal(spec.low) * _unit(spec), Decimal(spec.high) * _unit(spec)
        return steps.flatmap(lambda k: st.sampled_from([low - k * quantum, high + k * quantum]))
    if spec.kind == "date":
        outside: list[st.SearchStrategy[datetime.date]] = []
        first, last = spec.low, spec.high
        if isinstance(first, datetime.date) and first > datetime.date.min:
            before = (first - datetime.date.min).days
            outside.append(st.integers(1, before).map(lambda k: first - datetime.timedelta(days=k)))
        if isinstance(last, datetime.date) and last < datetime.date.max:
            after = (datetime.date.max - last).days
            outside.append(st.integers(1, after).map(lambda k: last + datetime.timedelta(days=k)))
        return st.one_of(*outside) if outside else None
    return None


def _too_precise(spec: InputSpec) -> st.SearchStrategy[Any] | None:
    """Values inside the range with one decimal place more than ``places`` allows."""
    if spec.kind not in ("decimal", "percent") or spec.places is None:
        return None
    fine = Decimal(1).scaleb(-(spec.places + 1))
    low = Decimal(spec.low) * _unit(spec) if spec.low is not None else Decimal(0)
    high = Decimal(spec.high) * _unit(spec) if spec.high is not None else low + 1
    # low plus k tenths of the smallest step allowed; k not a multiple of 10 keeps the extra place
    count = int(min((high - low) / fine, Decimal(10**6)))
    if count < 1:
        return None
    return st.integers(1, count).filter(lambda k: k % 10 != 0).map(lambda k: low + k * fine)


def _fact_candidates(spec: InputSpec) -> list[Any]:
    """A few valid values of an input, ends and middle first: the search space for breaking a constraint."""
    if spec.kind in ("enum", "level"):
        return list(spec.members)
    if spec.kind == "boolean":
        return [False, True]
    if spec.kind == "date":
        first = spec.low if isinstance(spec.low, datetime.date) else datetime.date(2000, 1, 1)
        last = spec.high if isinstance(spec.high, datetime.date) else datetime.date(2100, 12, 31)
        return sorted({first, first + (last - first) / 2, last})
    ends = _ends(spec)
    assert ends is not None
    low, high = ends
    if spec.kind == "integer":
        return sorted({low, min(low + 1, high), (low + high) // 2, max(high - 1, low), high})
    places = spec.places if spec.places is not None else 2
    step = Decimal(1).scaleb(-places)
    middle = ((low + high) / 2).quantize(step)
    return sorted({low, min(low + step, high), middle, max(high - step, low), high})


_MAX_COMBINATIONS = 4096


def _breaking_one_constraint(
    base: st.SearchStrategy[dict[str, Any]],
    model: Any,
    choices: list[tuple[Any, list[InputSpec], list[tuple[Any, ...]]]],
) -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    from hypothesis import reject

    from partyrules import reference

    # a closure, not arguments: hypothesis shows a composite's arguments, and these are large
    @st.composite
    def breaking_one_constraint(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
        facts_ = dict(draw(base))
        constraint, specs, combinations = draw(st.sampled_from(choices))
        names = [spec.name for spec in specs]
        expected = ", ".join(reference.constraint_inputs(model, constraint))

        def breaks_only_it(trial: dict[str, Any]) -> bool:
            broken = reference.broken_constraints(model, trial)
            return len(broken) == 1 and broken[0] is constraint

        # a free draw first (any values), then a scan of the ends and middles from a drawn start
        trial = {**facts_, **{spec.name: draw(value(spec)) for spec in specs}}
        if breaks_only_it(trial):
            return trial, expected
        start = draw(st.integers(0, len(combinations) - 1))
        for i in range(len(combinations)):
            trial = {**facts_, **dict(zip(names, combinations[(start + i) % len(combinations)]))}
            if breaks_only_it(trial):
                return trial, expected
        reject()

    return breaking_one_constraint()


def _constraint_choices(ruleset: Ruleset, model: Any) -> list[tuple[Any, list[InputSpec], list[tuple[Any, ...]]]]:
    """Constraints that some ends-and-middles of their inputs break (from the middle organisation)."""
    import itertools

    from partyrules import reference

    by_name = {spec.name: spec for spec in ruleset.inputs}
    baseline = {spec.name: _middle(spec) for spec in ruleset.inputs}
    choices = []
    for constraint in model.constraints:
        specs = [by_name[name] for name in reference.constraint_inputs(model, constraint)]
        if not specs:
            continue
        combinations = list(
            itertools.islice(itertools.product(*(_fact_candidates(s) for s in specs)), _MAX_COMBINATIONS)
        )
        names = [spec.name for spec in specs]
        if any(
            constraint in reference.broken_constraints(model, {**baseline, **dict(zip(names, combo))})
            for combo in combinations
        ):
            choices.append((constraint, specs, combinations))
    return choices


def invalid_facts(ruleset: Ruleset) -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    """Facts that break exactly one declared rule, with the input the :class:`FactsError` must name.

    One of: a required input missing (absent, ``None`` or blank text); a value of the wrong kind
    (a float, a word for a number or a boolean, an unknown member, an impossible date); a number
    or date outside its declared range (or beyond the size limit without one); more decimal places
    than declared; a name that is not an input; a cross-input constraint broken (reported under
    its inputs joined by ", "), when one can be broken from the ends and middles of its inputs.
    """

    return _cached(ruleset, "invalid facts", lambda: _invalid_facts(ruleset))  # type: ignore[no-any-return]


def _invalid_facts(ruleset: Ruleset) -> st.SearchStrategy[tuple[dict[str, Any], str]]:
    from partyrules.api import checked_model

    model = checked_model(ruleset)
    base = facts(ruleset)
    specs = list(ruleset.inputs)
    names = {spec.name for spec in specs}
    kinds: list[st.SearchStrategy[tuple[dict[str, Any], str]]] = []

    def replacing(spec: InputSpec, bad: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[dict[str, Any], str]]:
        return st.tuples(base, bad).map(lambda pair: ({**pair[0], spec.name: pair[1]}, spec.name))

    required = [spec for spec in specs if spec.required]
    if required:

        @st.composite
        def missing(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
            facts_ = dict(draw(base))
            spec = draw(st.sampled_from(required))
            how = draw(st.sampled_from(["absent", None, "", "   "]))
            if how == "absent":
                facts_.pop(spec.name, None)
            else:
                facts_[spec.name] = how
            return facts_, spec.name

        kinds.append(missing())
    kinds.append(st.sampled_from(specs).flatmap(lambda s: replacing(s, _wrong_kind(s))) if specs else st.nothing())
    for breaking in (_outside, _too_precise):
        bad_values = [(s, bad) for s in specs if (bad := breaking(s)) is not None]
        if bad_values:
            kinds.append(st.sampled_from(bad_values).flatmap(lambda pair: replacing(*pair)))
    unknown = st.one_of(_IDENTIFIER, st.text(max_size=20)).filter(lambda key: key not in names)
    kinds.append(
        st.tuples(base, unknown, st.sampled_from([1, "x", True, None])).map(lambda t: ({**t[0], t[1]: t[2]}, t[1]))
    )
    choices = _constraint_choices(ruleset, model)
    if choices:
        kinds.append(_breaking_one_constraint(base, model, choices))
    one_of_them: st.SearchStrategy[tuple[dict[str, Any], str]] = st.one_of(*kinds)

    # hypothesis shows the strategy given to a test when a draw fails; this one is shown briefly
    @st.composite
    def facts_breaking_one_rule(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
        return draw(one_of_them)

    return facts_breaking_one_rule()


# ---------------------------------------------------------------- agreement with the reference interpreter


def disagreements(evaluation: Any, expected: Any) -> list[str]:
    """Where a compiled :class:`~partyrules.Evaluation` differs from a :class:`partyrules.reference.Trace`.

    Empty when they agree on the total, the grade, every criterion's points, level and
    applicability, the band, every requirement, the knock-outs and the not-graded rule.
    """
    from fractions import Fraction

    got = {
        "total": Fraction(evaluation.total),
        "grade": evaluation.grade,
        "points": {k: Fraction(v) for k, v in evaluation.points.items()},
        "levels": dict(evaluation.levels),
        "applicable": {c.id: c.applicable for c in evaluation.criteria}
        | {a.id: a.applicable for a in evaluation.adjustments},
        "criteria_points": Fraction(evaluation.criteria_points),
        "deducted": Fraction(evaluation.deducted),
        "added": Fraction(evaluation.added),
        "band_grade": evaluation.band_grade,
        "requirements": tuple((r.grade, r.label, r.held) for r in evaluation.requirements),
        "knockouts": tuple(k.id for k in evaluation.knockouts),
        "not_graded": evaluation.not_graded.id if evaluation.not_graded is not None else None,
    }
    return [
        f"{name}: compiled {value!r}, reference {getattr(expected, name)!r}"
        for name, value in got.items()
        if value != getattr(expected, name)
    ]


# ---------------------------------------------------------------- random valid rulesets


@st.composite
def rulesets(draw: st.DrawFn, max_items: int = 6) -> str:
    """Source text of a random *valid* criteria file, for testing the compiler and tools built on it.

    Items take each kind of input (a count, a yes/no, a percentage in bands, `from` and `above`, a choice), maxima add
    up, grades cover every total, and a knock-out or deductions may come along. Shrinks towards one
    item of one kind. ``ruleset_trees()`` gives the parsed trees.
    """
    count = draw(st.integers(1, max_items))
    lines = [
        'ruleset "test.generated/scale" {',
        '  title "Thang điểm sinh ngẫu nhiên"; version "1"; basis "kiểm thử"; effective from 2025-01-01;',
        '  points illustrative "sinh ngẫu nhiên";',
        "}",
    ]
    items: list[str] = []
    total = 0
    booleans: list[str] = []
    for i in range(count):
        kind = draw(st.sampled_from(("integer", "boolean", "percent", "choice")))
        top = draw(st.integers(1, 20))
        total += top
        name = f"x{i}"
        if kind == "integer":
            # the range reaches the item's maximum, so every total stays reachable
            lines.append(f'input {name} "Số {i}": integer 0..{top + draw(st.integers(0, 30))};')
            rule = f"min({name}, {top})"
        elif kind == "boolean":
            lines.append(f'input {name} "Có {i}": boolean = false;')
            booleans.append(name)
            rule = f"if {name} then {top} else 0"
        elif kind == "percent":
            lines.append(f'input {name} "Tỷ lệ {i}": percent;')
            high, low = sorted(draw(st.lists(st.integers(1, 99), min_size=2, max_size=2, unique=True)), reverse=True)
            # the top row strict (`above`, "trên") when the threshold is odd: both bounds, with no draw of its own
            strict = "above" if high % 2 else "from"
            rule = f"bands {name} {{ {strict} {high}%: {top}; from {low}%: {top // 2}; otherwise: 0; }}"
        else:
            lines.append(f'input {name} "Mức {i}": one of {{ a "A", b "B", c "C" }};')
            rule = f"match {name} {{ a: {top}; b: {top // 2}; c: 0; }}"
        items.append(f'  item m{i} "Mục {i}" max {top} {{ points = {rule}; }}')
    lines += [f'criteria "Phiếu" max {total} {{', *items, "}"]
    with_deductions: bool = draw(st.booleans())
    if booleans and with_deductions:
        flag = draw(st.sampled_from(booleans))
        lines.append(
            f'deductions "Điểm trừ" cap 1 {{ deduction t1 "Trừ" max 1 {{ points = if {flag} then 1 else 0; }} }}'
        )
    high = draw(st.integers(1, total))
    low = draw(st.integers(0, high - 1))
    grades = [f'  grade tot "Tốt" {{ band from {high}; }}']
    if low > 0:
        grades += [
            f'  grade dat "Đạt" {{ band from {low} below {high}; }}',
            f'  grade kem "Kém" {{ band below {low}; }}',
        ]
    else:
        grades += [f'  grade kem "Kém" {{ band below {high}; }}']
    lines += ["grades {", *grades, "}"]
    with_knockout: bool = draw(st.booleans())
    if booleans and with_knockout:
        lines.append(f'knockout k1 "Loại trừ" {{ when {draw(st.sampled_from(booleans))}; force kem; }}')
    return "\n".join(lines) + "\n"


def ruleset_trees(max_items: int = 6) -> st.SearchStrategy[Any]:
    """Parsed syntax trees (:class:`partyrules.nodes.RulesetFile`) of :func:`rulesets`."""
    from partyrules import parser

    return rulesets(max_items).map(parser.parse)
