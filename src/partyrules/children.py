"""A child's names: a parent's aggregate inputs compiled against the level below.

``input good "..." : integer from count of children where grade >= kha;`` names what a child
offers (its grade, its inputs, its criteria's points and levels) in another file. When the
levels of a hierarchy are assembled, :func:`compile_aggregates` resolves those names against
the child level's ruleset and turns each aggregate into getters over the child's
:class:`~partyrules.evaluation.Evaluation`, so that grading reads no syntax tree per row.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from partyrules import nodes as n
from partyrules.diagnostics import did_you_mean
from partyrules.printer import expr_text
from partyrules.runtime import FACTS, HEAD, Evaluation, InputSpec, Ruleset


def aggregates_of(ruleset: Ruleset, over: str | None = None) -> tuple[tuple[InputSpec, n.Aggregate], ...]:
    """The ruleset's aggregate inputs over its children (``over`` None) or over the named periods, in
    declaration order."""
    specs = {s.name: s for s in ruleset.inputs}
    return tuple(
        (specs[name], aggregate)
        for name, aggregate in ruleset.aggregates
        if name in specs and (aggregate.over.name if aggregate.over is not None else None) == over
    )


# ---------------------------------------------------------------- between levels: a child's names

Get = Callable[[Evaluation], Any]
_ORDER = {">=": operator.le, ">": operator.lt, "<=": operator.ge, "<": operator.gt}  # on indexes, best first
_NUMERIC = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


@attrs.frozen
class _Value:
    get: Get
    kind: str  # number boolean grade level enum date
    members: tuple[str, ...] = ()  # grade and level: best first


class _ChildScope:
    """Compiles an expression over one child's evaluation; raises ValueError naming what is not offered."""

    def __init__(self, ruleset: Ruleset, whose: str = "the children's") -> None:
        self.ruleset = ruleset
        self.whose = whose
        self.inputs = {s.name: s for s in ruleset.inputs}

    def name(self, name: n.Name) -> _Value:
        if name.name == "total":
            return _Value(lambda e: e.total, "number")
        if name.name == "grade":
            return _Value(operator.itemgetter(2), "grade", tuple(g.id for g in self.ruleset.grades))  # Evaluation.grade
        spec = self.inputs.get(name.name)
        if spec is None:
            known = ["total", "grade", *self.inputs]
            hint = did_you_mean(name.name, known) or "it offers `total`, `grade` and its inputs"
            raise ValueError(f"{self.whose} ruleset {self.ruleset.id} has no `{name.name}` ({hint})")
        # the fact's own slot of the evaluation (Evaluation.facts would build every fact's mapping)
        layout = self.ruleset.layout
        slot = HEAD + layout.offsets[FACTS] + layout.inputs.index(spec.name)
        fact: Get = operator.itemgetter(slot)
        if spec.kind == "percent":  # facts hold percent units; the language's 90% is 0.9
            return _Value(lambda e: e[slot] / 100, "number")
        if spec.kind in ("integer", "decimal"):
            return _Value(fact, "number")
        if spec.kind == "level":  # held as the member's index, best first
            members = spec.members
            return _Value(lambda e: members[e[slot]], spec.kind, spec.members)
        if spec.kind == "enum":
            return _Value(fact, spec.kind, spec.members)
        return _Value(fact, spec.kind)

    def expr(self, e: n.Expr) -> _Value:
        if isinstance(e, n.Number):
            value = e.value
            return _Value(lambda _: value, "number")
        if isinstance(e, n.BooleanLiteral):
            flag = e.value
            return _Value(lambda _: flag, "boolean")
        if isinstance(e, n.Name):
            return self.name(e)
        if isinstance(e, n.Unary):
            inner = self.expr(e.operand)
            if e.op == "not":
                return _Value(lambda x: not inner.get(x), "boolean")
            return _Value(lambda x: -inner.get(x), "number")
        if isinstance(e, n.Binary):
            left, right = self.expr(e.left), self.expr(e.right)
            lg, rg = left.get, right.get
            if e.op == "and":
                return _Value(lambda x: bool(lg(x)) and bool(rg(x)), "boolean")
            if e.op == "or":
                return _Value(lambda x: bool(lg(x)) or bool(rg(x)), "boolean")
            arithmetic = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}[e.op]
            return _Value(lambda x: arithmetic(Decimal(lg(x)), Decimal(rg(x))), "number")
        if isinstance(e, n.Compare):
            return self.compare(e)
        raise ValueError(f"`{expr_text(e)}` cannot be read from a child (comparisons, and, or, not, + - * /)")

    def compare(self, e: n.Compare) -> _Value:
        for subject_node, other_node, flipped in ((e.left, e.right, False), (e.right, e.left, True)):
            if isinstance(other_node, n.Name) and not isinstance(subject_node, n.Number):
                try:
                    subject = self.expr(subject_node)
                except ValueError:  # `httnv <= grade`: the member is on this side; the other way round names it
                    continue
                if subject.kind in ("grade", "level", "enum") and other_node.name in subject.members + _enum(subject):
                    return self._member_compare(e.op, subject, other_node.name, flipped)
        left, right = self.expr(e.left), self.expr(e.right)
        lg, rg = left.get, right.get
        if e.op in ("==", "!="):
            equal = e.op == "=="
            return _Value(lambda x: (lg(x) == rg(x)) == equal, "boolean")
        test = _NUMERIC[e.op]
        return _Value(lambda x: test(lg(x), rg(x)), "boolean")

    def _member_compare(self, op: str, subject: _Value, member: str, flipped: bool) -> _Value:
        get = subject.get
        if op in ("==", "!="):
            equal = op == "=="
            return _Value(lambda x: (get(x) == member) == equal, "boolean")
        if subject.kind == "enum":
            raise ValueError(f"`{member}` is one of a list without an order: compare it with == or !=")
        if flipped:  # `httnv <= grade` is `grade >= httnv`
            op = {">=": "<=", "<=": ">=", ">": "<", "<": ">"}[op]
        target = subject.members.index(member)
        test = _ORDER[op]
        # the members that pass, once; a child not graded has no grade: it meets no order comparison
        passing = frozenset(m for i, m in enumerate(subject.members) if test(i, target))
        return _Value(lambda x: get(x) in passing, "boolean")


def _enum(value: _Value) -> tuple[str, ...]:
    return value.members if value.kind == "enum" else ()


@attrs.frozen
class AggregateRule:
    """An aggregate input compiled against one child level."""

    spec: InputSpec
    function: str
    value: Get | None
    condition: Get | None


def compile_aggregates(
    parent: Ruleset, child: Ruleset, over: str | None = None
) -> tuple[tuple[AggregateRule, ...], list[str]]:
    """The parent's aggregate inputs read from a child's evaluation (or, ``over`` a periods name, from an
    earlier period's); the problems instead when names do not fit."""
    scope = _ChildScope(child, "the children's" if over is None else f"the periods' (`{over}`)")
    rules: list[AggregateRule] = []
    problems: list[str] = []
    for spec, a in aggregates_of(parent, over):
        try:
            value = None
            if a.value is not None:
                v = scope.name(a.value)
                if v.kind != "number":
                    raise ValueError(f"a {a.function} needs a number: `{a.value.name}` of a child is {v.kind}")
                value = v.get
            condition = scope.expr(a.condition).get if a.condition is not None else None
            rules.append(AggregateRule(spec, a.function, value, condition))
        except ValueError as exc:
            problems.append(f"`{spec.name}` of {parent.id}: {exc}")
    return (() if problems else tuple(rules)), problems


# ---------------------------------------------------------------- values computed over a list of evaluations

#: decimals of a share or a mean when the input declares no ``places``
SHARE_PLACES = 2


def mean_value(spec: InputSpec, total: Any, count: int) -> Decimal:
    """``total / count`` as the input takes it: percents in percent units, rounded half up (exactly, away
    from zero on a tie) to the input's ``places`` (2 when none)."""
    places = spec.places if spec.places is not None else SHARE_PLACES
    exact = Fraction(Decimal(total)) / count * (100 if spec.kind == "percent" else 1) * 10**places
    units = math.floor(abs(exact) + Fraction(1, 2)) * (1 if exact >= 0 else -1)
    return Decimal(units).scaleb(-places).normalize()


def values_over(
    rules: tuple[AggregateRule, ...], evaluations: Sequence[Evaluation]
) -> tuple[dict[str, Any], list[str]]:
    """Each aggregate input computed over the evaluations (an earlier period's each); the problems of those
    that cannot be computed (a min, max or mean of nothing, a share of nothing)."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for rule in rules:
        spec, f = rule.spec, rule.function
        matched = [e for e in evaluations if rule.condition is None or rule.condition(e)]
        numbers = [rule.value(e) for e in matched] if rule.value is not None else []
        if f == "count":
            values[spec.name] = len(matched)
        elif f == "any":
            values[spec.name] = bool(matched)
        elif f == "all":
            values[spec.name] = len(matched) == len(evaluations)
        elif f == "share" and evaluations:
            values[spec.name] = mean_value(spec, len(matched), len(evaluations))  # a percent: x 100
        elif f == "sum":
            values[spec.name] = to_input(spec, sum(numbers, Decimal(0)))
        elif f in ("min", "max") and numbers:
            values[spec.name] = to_input(spec, min(numbers) if f == "min" else max(numbers))
        elif f == "mean" and numbers:
            values[spec.name] = mean_value(spec, sum(numbers, Decimal(0)), len(numbers))
        else:
            problems.append(f"{spec.name}: there is nothing to take the {f} of")
    return values, problems


def to_input(spec: InputSpec, value: Any) -> Any:
    """A computed number as the input takes it: percents in percent units, whole integers as int."""
    if spec.kind == "percent":
        return (Decimal(value) * 100).normalize()
    if spec.kind == "integer" and value == int(value):
        return int(value)
    return value
