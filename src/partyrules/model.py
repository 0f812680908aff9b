"""The checked model: a criteria file with every name resolved, every expression typed and bounded.

The checker builds it; the compiler and the explanation read it. It keeps the
syntax tree (expressions stay nodes) and adds side tables keyed by node
identity, so nothing in :mod:`partyrules.nodes` needs to change when a new
analysis is added.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from partyrules import nodes as n
from partyrules.types import Interval, Type

if TYPE_CHECKING:
    from partyrules.casebook import Casebook
    from partyrules.quota import QuotaRule


@attrs.frozen
class InputInfo:
    """A declared fact: its type, the values it accepts and its default."""

    name: str
    label: str
    type: Type
    low: int | Decimal | datetime.date | None
    high: int | Decimal | datetime.date | None
    places: int | None  # decimals accepted (percent: in percent units)
    has_default: bool
    default: object
    member_labels: tuple[str | None, ...]
    interval: Interval | None
    span: n.Span = attrs.field(eq=False)


@attrs.frozen
class CriterionInfo:
    """A group, an item, a deduction or a bonus, flattened out of the tree in pre-order."""

    name: str
    label: str
    kind: str  # group item deduction bonus
    number: str  # "1.2" as printed on a score sheet
    parent: str | None
    children: tuple[str, ...]
    maximum: Decimal | None
    points: n.Expr | None
    level: n.Expr | None
    level_type: Type | None
    applicable: n.Applicability | None
    citations: tuple[str, ...]
    notes: tuple[str, ...]
    status: str
    interval: Interval | None
    span: n.Span = attrs.field(eq=False)

    @property
    def scored(self) -> bool:
        return self.maximum is not None


@attrs.frozen
class GradeInfo:
    name: str
    label: str
    low: Decimal | None
    high: Decimal | None
    requirements: tuple[n.Requirement, ...]
    fallback: int | None  # index of the grade granted when a requirement fails
    citations: tuple[str, ...]
    notes: tuple[str, ...]
    span: n.Span = attrs.field(eq=False)


@attrs.frozen
class RuleInfo:
    """A knock-out (``action`` force or cap) or a not-graded rule (``action`` None)."""

    name: str
    label: str
    kind: str  # knockout exemption
    condition: n.Expr
    action: str | None
    grade: int | None
    citations: tuple[str, ...]
    notes: tuple[str, ...]
    span: n.Span = attrs.field(eq=False)


@attrs.frozen
class Resolution:
    """What a :class:`~partyrules.nodes.Name` refers to."""

    kind: str  # input let points member total
    target: str | None = None
    index: int = 0  # member index (levels: 0 is the best)
    type: Type | None = None


ValueKey = tuple[str, str]  # ("let", name) ("points", c) ("level", c) ("applicable", c)
Facts = dict[str, int | Decimal | bool | str | datetime.date]


@attrs.frozen
class Model:
    filename: str
    file: n.RulesetFile
    header: n.Header
    status: str
    inputs: tuple[InputInfo, ...]
    levels: dict[str, Type]
    constraints: tuple[n.Constraint, ...]
    lets: dict[str, n.Let]
    criteria_label: str
    criteria_maximum: Decimal | None
    criteria_citations: tuple[str, ...]
    rescale_places: int | None
    criteria: tuple[CriterionInfo, ...]
    deductions_label: str | None
    deductions_cap: Decimal | None
    deductions: tuple[CriterionInfo, ...]
    bonuses_label: str | None
    bonuses_cap: Decimal | None
    bonuses: tuple[CriterionInfo, ...]
    order: tuple[ValueKey, ...]
    grades: tuple[GradeInfo, ...]
    knockouts: tuple[RuleInfo, ...]
    exemptions: tuple[RuleInfo, ...]
    total: Interval
    types: dict[int, Type] = attrs.field(eq=False, repr=False)
    resolutions: dict[int, Resolution] = attrs.field(eq=False, repr=False)
    # the range the checker proved for each divisor and each rounded value (by id of the node)
    proved: dict[int, Interval] = attrs.field(factory=dict, eq=False, repr=False)
    # the file's examples and properties, checked (partyrules.casebook); empty until the checker adds them
    tests: Casebook | None = attrs.field(default=None, eq=False, repr=False)
    # the file's quotas, checked (partyrules.quota): rules across organisations, applied over a batch
    quotas: tuple[QuotaRule, ...] = ()

    @property
    def scored(self) -> bool:
        return self.criteria_maximum is not None
