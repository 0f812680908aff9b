"""What every pass of the checker shares: the tables of names, types and bounds, and the diagnostics.

A pass reads the tables earlier passes filled and fills its own (each field says which pass
fills it); :mod:`partyrules.checker` lists the passes in the order these dependencies need.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

import attrs

from partyrules import nodes as n
from partyrules.checker.linear import Fact, Linear
from partyrules.diagnostics import Diagnostic, Related
from partyrules.facts import FACT_MAGNITUDE as FACT_MAGNITUDE  # one limit for the checker and the facts
from partyrules.model import CriterionInfo, GradeInfo, InputInfo, Resolution, RuleInfo, ValueKey
from partyrules.printer import number_text
from partyrules.types import DECIMAL, Exact, Interval, Type, format_fraction, whole


class Declared(NamedTuple):
    """A criterion, deduction or bonus as declared (names.criteria): what its
    :class:`~partyrules.model.CriterionInfo` is made of once the values pass knows its interval and
    level scale (made then, once: a frozen attrs instance of sixteen fields is slow to make)."""

    node: n.Criterion | n.Adjustment
    number: str  # 1, 1.2, T1, C1
    parent: str | None
    children: tuple[str, ...]
    status: str


@attrs.define
class Info:
    """What the checker knows of an expression."""

    type: Type | None
    interval: Interval | None = None
    truth: bool | None = None


UNKNOWN = Info(None)


@functools.lru_cache(maxsize=4096)
def exact(value: Decimal) -> Exact:
    """A number written in the file as an exact number (an int when whole, else a Fraction), made once
    per value: a scale writes the same few numbers (1, 0.5, 90%) thousands of times, and
    ``Fraction(Decimal)`` is slow. Equal Decimals (``1.0`` and ``1``) give equal numbers, so sharing
    one is exact."""
    return whole(Fraction(value))


@attrs.frozen
class Scope:
    where: str  # constraint let points level applicable grade knockout
    narrow: Mapping[str, Interval] = attrs.field(factory=dict)
    # what the conditions around the expression say of sums of values (`if a - b > 0 then ...`)
    facts: tuple[Fact, ...] = ()


@attrs.define
class Symbol:
    kind: str  # input let points
    type: Type | None
    span: n.Span
    info: Info | None = None


class State:
    """The tables of one run of the checker, and its diagnostics."""

    def __init__(self, tree: n.RulesetFile, filename: str) -> None:
        self.tree = tree
        self.filename = filename
        self.problems: list[Diagnostic] = []
        # names: every input, let, criterion, deduction and bonus; the members of choices and scales
        self.symbols: dict[str, Symbol] = {}
        self.levels: dict[str, Type] = {}
        self.members: dict[str, list[Type]] = {}
        self.criteria: dict[str, n.Criterion | n.Adjustment] = {}
        self.grade_names: dict[str, int] = {}
        self.rule_names: dict[str, n.Span] = {}
        # what the expressions are: filled as each expression is checked, read by the model
        self.types: dict[int, Type] = {}
        self.resolutions: dict[int, Resolution] = {}
        self.resolved: dict[tuple[str, str, int], Resolution] = {}  # (Expressions.resolution)
        self.truths: dict[int, bool] = {}  # what is known true or false; a node missing is unknown
        # the proved range of each divisor and each rounded value: the compiler computes a quotient
        # in integers when it knows the divisor's sign (it never changes inside one range)
        self.proved: dict[int, Interval] = {}
        # what the constraints say of sums of inputs (values.facts), and each expression's linear form
        self.facts: tuple[Fact, ...] = ()
        self.linears: dict[int, Linear | None] = {}
        # how many numbers each arithmetic expression multiplies together (growth, PR504)
        self.factors: dict[int, int] = {}
        self.level_types: dict[str, Type] = {}
        self.intervals: dict[str, Interval] = {}
        # the declarations (names.header ... names.criteria)
        self.header = n.Header("unnamed")
        self.library = False
        self.status = "illustrative"
        self.inputs: list[InputInfo] = []
        self.lets: dict[str, n.Let] = {}
        self.root: n.CriteriaTree | None = None
        self.deductions: list[n.Adjustments] = []
        self.bonuses: list[n.Adjustments] = []
        self.declared_criteria: list[Declared] = []  # (names.criteria, in pre-order)
        self.declared_deductions: list[Declared] = []
        self.declared_bonuses: list[Declared] = []
        self.criterion_infos: list[CriterionInfo] = []  # (values.values: each declared one, with what it proved)
        self.deduction_infos: list[CriterionInfo] = []
        self.bonus_infos: list[CriterionInfo] = []
        # the order values are computed in (order.order)
        self.order: tuple[ValueKey, ...] = ()
        # the sums (totals)
        self.maximum: Decimal | None = None
        self.rescale: int | None = None
        self.deductions_cap: Decimal | None = None
        self.bonuses_cap: Decimal | None = None
        self.total = Interval(0, 0)
        self.total_type = DECIMAL
        # conditions, grades and rules (rules, grades)
        self.constraints: tuple[n.Constraint, ...] = ()
        self.grades: tuple[GradeInfo, ...] = ()
        self.knockouts: tuple[RuleInfo, ...] = ()
        self.exemptions: tuple[RuleInfo, ...] = ()

    # ------------------------------------------------------------ reporting
    def error(
        self, code: str, message: str, span: n.Span, hint: str | None = None, related: tuple[Related, ...] = ()
    ) -> None:
        if span.line == 0:  # a whole-file problem: point at the start
            span = n.Span(1, 1, 1, 2, span.file)
        self.problems.append(Diagnostic(code, message, span.file or self.filename, span, hint, related=related))

    def warn(self, code: str, message: str, span: n.Span, hint: str | None = None) -> None:
        self.problems.append(Diagnostic(code, message, span.file or self.filename, span, hint, "warning"))

    def related(self, label: str, span: n.Span) -> tuple[Related, ...]:
        """A second place a diagnostic points at (where a name was first declared ...), in its own file."""
        return (Related(label, span.file or self.filename, span),)

    @property
    def failed(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


def show(value: Exact | Decimal | None, percent: bool = False) -> str:
    if value is None:
        return "no limit"
    fraction = Fraction(value)
    if percent:
        return format_fraction(fraction * 100) + "%"
    return format_fraction(fraction)


def as_percent(value: Decimal) -> str:
    """The percentage a plain number most likely meant: 0.9 -> 90%, 90 -> 90%."""
    shown = value * 100 if abs(value) < 1 else value
    return number_text(shown) + "%"
