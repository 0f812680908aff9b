"""Running a file's examples and testing its properties (``partyrules test``).

Examples are scored with the compiled ruleset and compared exactly. Properties
are tested with hypothesis over :func:`partyrules.testing.facts`: a search
(``hypothesis.find``) for an organisation that breaks the claim, which
hypothesis then shrinks, so a failure shows the smallest counterexample it
found, as facts a person reads, with the score sheet that broke the claim.
Conditions of properties are evaluated by the reference interpreter
(:mod:`partyrules.reference`), which knows ``total``, points and levels.

The search is deterministic by default (derandomised: the same examples on
every run); ``thorough`` runs many more, from a random or given seed.
"""

from __future__ import annotations

import contextlib
import datetime
import random
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from partyrules import nodes as n, reference
from partyrules.casebook import BatchCase, Casebook, ExampleCase, Expect, PropertyCase, RowExpect
from partyrules.model import Model
from partyrules.nodes import Claim, Number
from partyrules.printer import expr_text, number_text
from partyrules.quota import Placement, QuotaError
from partyrules.runtime import Evaluation, FactsError, InputSpec, Ruleset

#: Organisations tried per claim: quick for CI, many more for a release or a new scale.
CI_EXAMPLES = 100
THOROUGH_EXAMPLES = 2000


@attrs.frozen
class Outcome:
    """The result of one example or one property claim; ``detail`` says what went wrong, for a person."""

    kind: str  # example property
    name: str
    label: str
    location: str
    passed: bool
    detail: str = ""
    claim: str = ""  # the claim tested, as written (properties)


@attrs.frozen
class Search:
    """How hard to look for counterexamples."""

    max_examples: int = CI_EXAMPLES
    seed: int | None = None  # None: derandomised, the same search on every run

    @classmethod
    def thorough(cls, seed: int | None = None) -> Search:
        return cls(THOROUGH_EXAMPLES, seed if seed is not None else random.SystemRandom().randrange(2**32))


#: The default search: derandomised, quick enough for every push.
CI = Search()


def run(ruleset: Ruleset, search: Search = CI, *, properties: bool = True) -> list[Outcome]:
    """Every example, then (unless ``properties`` is false) every claim of every property, in file order."""
    book: Casebook | None = ruleset.tests
    if not book:
        return []
    outcomes = [
        Outcome("example", "(table)", why, location, False, "the examples of this table were not run")
        for location, why in book.unread
    ]
    outcomes += [run_example(ruleset, case) for case in book.examples]
    for prop in book.properties if properties else ():
        outcomes.extend(check_property(ruleset, book.model, prop, search))
    return outcomes


# ---------------------------------------------------------------- examples


def run_example(ruleset: Ruleset, case: ExampleCase | BatchCase) -> Outcome:
    if isinstance(case, BatchCase):
        return run_batch(ruleset, case)

    def outcome(passed: bool, detail: str = "") -> Outcome:
        return Outcome("example", case.name, case.label, case.location, passed, detail)

    try:
        evaluation = ruleset.evaluate(case.facts)
    except FactsError as exc:
        return outcome(
            False, "the facts are refused:\n" + _indent("\n".join(f"{p.input}: {p.message}" for p in exc.problems))
        )
    misses = [miss for e in case.expectations if (miss := mismatch(evaluation, e)) is not None]
    if not misses:
        return outcome(True)
    lines = [*misses, "facts:", _indent(facts_text(ruleset, evaluation, case.facts)), evaluation.explain()]
    return outcome(False, "\n".join(lines))


def run_batch(ruleset: Ruleset, case: BatchCase) -> Outcome:
    """Score every row, apply the file's quotas over them as ``partyrules score`` does
    (:meth:`Ruleset.apply_quotas`, one group per row's ``in``), then check each row's expectations."""

    def outcome(passed: bool, detail: str = "") -> Outcome:
        return Outcome("example", case.name, case.label, case.location, passed, detail)

    placed = place_batch(ruleset, case)
    if isinstance(placed, str):
        return outcome(False, placed)
    misses = [miss for e in case.expectations if (miss := row_mismatch(placed[e.row], e)) is not None]
    if not misses:
        return outcome(True)
    lines = [*misses, "the batch once the quotas applied:"]
    for row in case.rows:
        p = placed[row.name]
        moved = "; ".join(
            f"demoted by {d.quota}: {d.from_grade} → {d.to_grade} ({d.rank}/{d.candidates}, "
            f"{d.allowed} kept of a base of {d.base})"
            for d in p.demotions
        )
        lines.append(
            f"  {row.name}: {_not_graded(p.evaluation) if p.grade is None else p.grade}"
            + (f" ({moved})" if moved else "")
            + f"  [total {number_text(p.evaluation.total)}]"
        )
    return outcome(False, "\n".join(lines))


def place_batch(ruleset: Ruleset, case: BatchCase) -> dict[str, Placement] | str:
    """Each row of a batch by name, once the quotas applied; or why the batch could not be placed."""
    columns = {rule.group: "" for rule in ruleset.quotas if rule.within == "column" and rule.group is not None}
    rows: list[Any] = []
    for row in case.rows:
        try:
            evaluation = ruleset.evaluate(row.facts)
        except FactsError as exc:
            problems = "\n".join(f"{p.input}: {p.message}" for p in exc.problems)
            return f"the facts of row `{row.name}` are refused:\n" + _indent(problems)
        rows.append((row.name, evaluation, dict.fromkeys(columns, row.group)))
    try:
        placements = ruleset.apply_quotas(rows)
    except QuotaError as exc:
        return f"the quotas could not be applied: {exc}"
    return {p.id: p for p in placements}


def row_mismatch(placement: Placement, expect: RowExpect) -> str | None:
    """Why a row of a batch does not meet an expectation, or None when it does."""
    quotas = [d.quota for d in placement.demotions]
    if expect.what == "grade":
        if placement.grade == expect.value:
            return None
        shown = placement.grade if placement.grade is not None else _not_graded(placement.evaluation)
    elif expect.what == "demoted":
        if expect.value in quotas:
            return None
        shown = "demoted by " + ", ".join(quotas) if quotas else "not demoted"
    else:
        if not quotas:
            return None
        shown = "demoted by " + ", ".join(quotas)
    return f"{expect.text}: got {shown}"


def mismatch(evaluation: Evaluation, expect: Expect) -> str | None:
    """Why an evaluation does not meet an expectation, or None when it does."""
    what, target, value = expect.what, expect.target, expect.value
    got: Any
    if what == "total":
        got = evaluation.total
        ok = got == value
        shown = number_text(got)
    elif what == "grade":
        got = evaluation.grade
        ok = got == value
        shown = got if got is not None else _not_graded(evaluation)
    elif what == "band":
        got = evaluation.band_grade
        ok = got == value
        shown = str(got)
    elif what == "points":
        got = evaluation.points.get(str(target))
        ok = got is not None and got == value
        shown = number_text(got) if got is not None else "no points"
    elif what == "level":
        got = evaluation.levels.get(str(target))
        ok = got == value
        shown = got if got is not None else "no level (the criterion does not apply)"
    elif what == "knockout":
        fired = {k.id for k in evaluation.knockouts}
        wanted = str(target).split()
        ok = all(w in fired for w in wanted)
        shown = "applied: " + (", ".join(sorted(fired)) if fired else "none")
    else:
        rule = evaluation.not_graded
        ok = rule is not None and rule.id == value
        shown = f"not graded ({rule.id})" if rule is not None else f"graded {evaluation.grade}"
    return None if ok else f"{expect.text}: got {shown}"


def _not_graded(evaluation: Evaluation) -> str:
    rule = evaluation.not_graded
    return f"not graded ({rule.id})" if rule is not None else "no grade"


# ---------------------------------------------------------------- properties


def claim_text(claim: Claim) -> str:
    """A claim as the file writes it."""
    if claim.kind == "within":
        assert claim.range is not None
        low, high = (expr_text(end) for end in (claim.range.low, claim.range.high))
        return f"total within {low}..{high}"
    if claim.kind == "monotone":
        assert claim.subject is not None
        return f"monotone {claim.direction} in {claim.subject.name}"
    assert claim.condition is not None
    if claim.kind == "requires":
        assert claim.subject is not None
        return f"grade {claim.subject.name} requires {expr_text(claim.condition)}"
    return f"always {expr_text(claim.condition)}"


def check_property(ruleset: Ruleset, model: Model, prop: PropertyCase, search: Search = CI) -> list[Outcome]:
    """One outcome per claim of the property."""
    return [check_claim(ruleset, model, prop, claim, search) for claim in prop.claims]


def check_claim(ruleset: Ruleset, model: Model, prop: PropertyCase, claim: Claim, search: Search) -> Outcome:
    from hypothesis import HealthCheck, find, settings
    from hypothesis.errors import NoSuchExample, Unsatisfiable

    def outcome(passed: bool, detail: str = "") -> Outcome:
        return Outcome("property", prop.name, prop.label, prop.location, passed, detail, claim_text(claim))

    meets_assumptions = _assumptions(model, prop)
    strategy, broken, describe = _plan(ruleset, model, claim, meets_assumptions, _pins(ruleset, prop))
    config = settings(
        max_examples=search.max_examples,
        derandomize=search.seed is None,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    try:
        smallest = find(
            strategy,
            broken,
            settings=config,
            random=random.Random(search.seed) if search.seed is not None else None,
        )
    except NoSuchExample:
        return outcome(True)
    except Unsatisfiable:
        return outcome(False, "no organisation meets the property's `assuming` conditions (or the facts' constraints)")
    return outcome(False, describe(smallest))


def sample(ruleset: Ruleset, model: Model, prop: PropertyCase, claim: Claim, size: int) -> list[Any]:
    """A fixed, derandomised sample of what the claim is tested on (organisations, or pairs for monotone).

    Drawn once and replayed against many variants of the same scale (mutants), which is far
    quicker than a new search for each and judges every variant on the same organisations.
    """
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.errors import NoSuchExample, Unsatisfiable

    meets_assumptions = _assumptions(model, prop)
    strategy, _, _ = _plan(ruleset, model, claim, meets_assumptions, _pins(ruleset, prop))
    drawn: list[Any] = []

    def keep(value: Any) -> bool:
        drawn.append(value)
        return False

    config = settings(
        max_examples=size,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    with contextlib.suppress(NoSuchExample, Unsatisfiable):  # nothing is meant to be found: all is kept
        find(strategy, keep, settings=config)
    return drawn


def breaks(ruleset: Ruleset, model: Model, prop: PropertyCase, claim: Claim, drawn: list[Any]) -> bool:
    """Whether the claim fails on any of a :func:`sample` drawn for another version of the scale."""

    meets_assumptions = _assumptions(model, prop)
    _, broken, _ = _plan(ruleset, model, claim, meets_assumptions, _pins(ruleset, prop))
    for value in drawn:
        organisations = value if claim.kind == "monotone" else (value,)
        if not all(_valid(ruleset, f) and meets_assumptions(f) for f in organisations):
            continue
        try:
            if broken(value):
                return True
        except Exception:  # a crash of the variant breaks the claim as well
            return True
    return False


Plan = tuple[Any, Callable[[Any], bool], Callable[[Any], str]]


def _holds(model: Model, facts: Mapping[str, Any], condition: Any) -> bool | str:
    """True or False, or the text of the error that evaluating the condition raised (a failure too)."""
    try:
        return reference.holds(model, facts, condition)
    except Exception as exc:  # a broken promise or a crash is a counterexample as well
        return f"evaluating it failed: {type(exc).__name__}: {exc}"


def _assumptions(model: Model, prop: PropertyCase) -> Callable[[Mapping[str, Any]], bool]:
    """Whether an organisation meets every ``assuming`` condition of the property."""

    def meets(facts: Mapping[str, Any]) -> bool:
        return all(_holds(model, facts, condition) is True for condition in prop.assuming)

    return meets


def _pins(ruleset: Ruleset, prop: PropertyCase) -> dict[str, Any]:
    """The inputs an ``assuming`` condition fixes outright (``speakers == 0``, ``b == true``), and their value.

    Such inputs are drawn with that value instead of drawn freely and filtered: most free draws
    would fail the condition, and the search would spend its time rejecting them. Only whole numbers
    of integer inputs and booleans are pinned; anything else is left to the filter.
    """
    kinds = {spec.name: spec.kind for spec in ruleset.inputs}
    pins: dict[str, Any] = {}
    pending = list(prop.assuming)
    while pending:
        condition = pending.pop()
        if isinstance(condition, n.Binary) and condition.op == "and":
            pending += [condition.left, condition.right]
        elif isinstance(condition, n.Compare) and condition.op == "==":
            for name, value in ((condition.left, condition.right), (condition.right, condition.left)):
                kind = kinds.get(name.name) if isinstance(name, n.Name) else None
                if kind == "integer" and isinstance(value, n.Number) and not value.percent:
                    if value.value == value.value.to_integral_value():
                        pins[name.name] = int(value.value)  # type: ignore[union-attr]
                elif kind == "boolean" and isinstance(value, n.BooleanLiteral):
                    pins[name.name] = value.value  # type: ignore[union-attr]
    return pins


def _plan(
    ruleset: Ruleset,
    model: Model,
    claim: Claim,
    assumed: Callable[[Mapping[str, Any]], bool],
    pins: Mapping[str, Any] | None = None,
) -> Plan:
    """The facts to draw, the test that they break the claim, and the report of a counterexample."""
    from partyrules.testing import facts

    organisations = facts(ruleset)
    if pins:
        # a pinned value may break a cross-input constraint: such draws are left out like any invalid one
        organisations = organisations.map(lambda f: {**f, **pins}).filter(lambda f: _valid(ruleset, f))
    organisations = organisations.filter(assumed)
    if claim.kind == "monotone":
        return _monotone_plan(ruleset, claim, assumed, organisations)

    def failure(facts_: Mapping[str, Any]) -> str | None:
        evaluation = ruleset.evaluate(facts_)
        if claim.kind == "within":
            assert claim.range is not None
            low, high = claim.range.low, claim.range.high
            assert isinstance(low, Number) and isinstance(high, Number)  # the casebook checked them
            if not low.value <= evaluation.total <= high.value:
                return f"the total is {number_text(evaluation.total)}"
            return None
        assert claim.condition is not None
        if claim.kind == "requires":
            assert claim.subject is not None
            if evaluation.grade != claim.subject.name:
                return None
            held = _holds(model, facts_, claim.condition)
            return (
                None
                if held is True
                else f"the grade is {claim.subject.name} but the condition is false"
                + (f" ({held})" if isinstance(held, str) else "")
            )
        held = _holds(model, facts_, claim.condition)
        return None if held is True else "the condition is false" + (f" ({held})" if isinstance(held, str) else "")

    def describe(facts_: Mapping[str, Any]) -> str:
        evaluation = ruleset.evaluate(facts_)
        lines = [
            str(failure(facts_)),
            "facts:",
            _indent(facts_text(ruleset, evaluation, facts_)),
            evaluation.explain(),
        ]
        return "\n".join(lines)

    return organisations, lambda f: failure(f) is not None, describe


def _monotone_plan(
    ruleset: Ruleset, claim: Claim, assumed: Callable[[Mapping[str, Any]], bool], organisations: Any
) -> Plan:
    """Pairs of organisations that differ in the claim's input only, the larger after: the total must follow."""
    from hypothesis import assume, strategies as st

    from partyrules.testing import room

    assert claim.subject is not None
    name = claim.subject.name
    spec = next(s for s in ruleset.inputs if s.name == name)
    increasing = claim.direction == "increasing"
    numeric = spec.kind in ("integer", "decimal", "percent")

    @st.composite
    def pairs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
        before = draw(organisations)
        complete = ruleset.evaluate(before).facts
        base = complete[name]
        # the pair is built within what the linear constraints leave the input (speakers <= present),
        # not drawn freely and thrown away: the filters below are left with the other constraints only
        lowest, highest = room(ruleset, name, complete) if numeric else (None, None)
        larger = _larger(spec, base, highest)
        if larger is None:
            # no room above: the organisation before is moved one or more steps down first (a good
            # organisation is often at the top, and a pair from just below the top is still a pair)
            smaller = _smaller(spec, base, lowest)
            assume(smaller is not None)
            assert smaller is not None
            base = draw(smaller)
            before = {**before, name: base}
            assume(_valid(ruleset, before) and assumed(before))
            larger = _larger(spec, base, highest)
            assume(larger is not None)
            assert larger is not None
        after = {**before, name: draw(larger)}
        assume(_valid(ruleset, after) and assumed(after))
        return before, after

    def broken_pair(pair: tuple[dict[str, Any], dict[str, Any]]) -> bool:
        low, high = (ruleset.evaluate(f).total for f in pair)
        return high < low if increasing else high > low

    def describe_pair(pair: tuple[dict[str, Any], dict[str, Any]]) -> str:
        before, after = (ruleset.evaluate(f) for f in pair)
        old, new = before.facts[name], after.facts[name]
        way = "fell" if increasing else "rose"
        changed = [
            f"{c.number} {c.label} [{c.id}]: {number_text(p)} → {number_text(q)}"
            for c, p, q in _changed_points(before, after)
        ]
        lines = [
            f"when {_label(spec)} [{name}] grows from {_value(spec, old)} to {_value(spec, new)}, "
            f"the total {way} from {number_text(before.total)} to {number_text(after.total)}",
            "facts (before):",
            _indent(facts_text(ruleset, before, pair[0])),
            "points that changed:",
            _indent("\n".join(changed) or "(none: the deductions or bonuses changed)"),
            "score sheet after the change:",
            after.explain(),
        ]
        return "\n".join(lines)

    return pairs(), broken_pair, describe_pair


def _valid(ruleset: Ruleset, facts: Mapping[str, Any]) -> bool:
    try:
        ruleset.evaluate(facts)
    except FactsError:
        return False
    return True


def _larger(spec: InputSpec, base: Any, ceiling: Decimal | None = None) -> Any:
    """Values of an input larger than ``base`` (a better level, a later date, true after false), smallest step first.

    ``ceiling``: a number is drawn no higher (what the file's linear constraints leave it).
    """
    from hypothesis import strategies as st

    if spec.kind == "integer":
        high = spec.high if spec.high is not None else base + 10**6
        if ceiling is not None:
            high = min(high, int(ceiling))
        return st.integers(1, high - base).map(lambda k: base + k) if base < high else None
    if spec.kind in ("decimal", "percent"):
        places = spec.places if spec.places is not None else 2
        quantum = Decimal(1).scaleb(-places)
        unit = 100 if spec.kind == "percent" else 1
        high = Decimal(spec.high) * unit if spec.high is not None else base + 10**6
        if ceiling is not None:
            high = min(high, ceiling)
        steps = int((high - base) / quantum)
        return st.integers(1, steps).map(lambda k: base + k * quantum) if steps >= 1 else None
    if spec.kind == "boolean":
        return None if base else st.just(True)
    if spec.kind == "level":
        rank = spec.members.index(base)  # the best level first
        return st.integers(1, rank).map(lambda k: spec.members[rank - k]) if rank > 0 else None
    if spec.kind == "date":
        last = spec.high if isinstance(spec.high, datetime.date) else datetime.date(2100, 12, 31)
        days = (last - base).days
        return st.integers(1, days).map(lambda k: base + datetime.timedelta(days=k)) if days >= 1 else None
    return None


def _smaller(spec: InputSpec, base: Any, floor: Decimal | None = None) -> Any:
    """Values of an input smaller than ``base`` (no lower than ``floor`` for a number), the nearest first; the
    mirror of :func:`_larger`."""
    from hypothesis import strategies as st

    if spec.kind == "integer":
        low = spec.low if spec.low is not None else base - 10**6
        if floor is not None:
            low = max(low, int(floor))
        return st.integers(1, base - low).map(lambda k: base - k) if base > low else None
    if spec.kind in ("decimal", "percent"):
        places = spec.places if spec.places is not None else 2
        quantum = Decimal(1).scaleb(-places)
        unit = 100 if spec.kind == "percent" else 1
        lowest = Decimal(spec.low) * unit if spec.low is not None else base - 10**6
        if floor is not None:
            lowest = max(lowest, floor)
        steps = int((base - lowest) / quantum)
        return st.integers(1, steps).map(lambda k: base - k * quantum) if steps >= 1 else None
    if spec.kind == "boolean":
        return st.just(False) if base else None
    if spec.kind == "level":
        rank = spec.members.index(base)  # the best level first
        below = len(spec.members) - 1 - rank
        return st.integers(1, below).map(lambda k: spec.members[rank + k]) if below > 0 else None
    if spec.kind == "date":
        first = spec.low if isinstance(spec.low, datetime.date) else datetime.date(2000, 1, 1)
        days = (base - first).days
        return st.integers(1, days).map(lambda k: base - datetime.timedelta(days=k)) if days >= 1 else None
    return None


def _changed_points(before: Evaluation, after: Evaluation) -> list[tuple[Any, Decimal, Decimal]]:
    out = []
    for c, d in zip(before.criteria, after.criteria):
        if c.points is not None and d.points is not None and c.points != d.points:
            out.append((c, c.points, d.points))
    return out


# ---------------------------------------------------------------- facts a person can read


def facts_text(ruleset: Ruleset, evaluation: Evaluation, given: Mapping[str, Any]) -> str:
    """Every input: its label, name and value; those not given are marked as defaults."""
    lines = []
    for spec in ruleset.inputs:
        value = evaluation.facts.get(spec.name)
        mark = "" if given.get(spec.name) is not None else "  (mặc định)"  # None: `= default` in an example
        lines.append(f"{_label(spec)} [{spec.name}] = {_value(spec, value)}{mark}")
    return "\n".join(lines)


def _label(spec: InputSpec) -> str:
    return spec.label


def _value(spec: InputSpec, value: Any) -> str:
    if value is None:
        return "(none)"
    if spec.kind == "percent":
        return number_text(Decimal(value)) + "%"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if spec.kind in ("enum", "level") and spec.member_labels:
        labels = dict(zip(spec.members, spec.member_labels))
        label = labels.get(str(value))
        return f"{value} ({label})" if label else str(value)
    return str(value)


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else line for line in text.splitlines())
