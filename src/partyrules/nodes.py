"""The syntax tree of a criteria file.

Plain frozen attrs classes and nothing else: this module imports nothing from
lark, so tests and hypothesis strategies can build trees directly. Nodes are
inert (they never check or evaluate themselves). Every node carries a
:class:`Span`; spans are left out of equality and hashing so that trees parsed
from differently laid-out text compare equal when they mean the same thing.

Each class is declared ``@attrs.frozen(repr=False)`` and given attrs's repr by :func:`_shown`, made
from the fields without compiling source (attrs's compiled reprs were a fifth of the import's time).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import attrs


@attrs.frozen(init=False, repr=False)
class Span:
    """Where a node stands: 1-based lines and columns, end exclusive, and in which file.

    ``file`` matters once files extend each other: a linked tree mixes nodes of
    several files, and a diagnostic must name the file that holds the node.
    Empty means "the file being checked".
    """

    line: int
    column: int
    end_line: int
    end_column: int
    file: str = attrs.field(default="", eq=False)

    def __init__(self, line: int, column: int, end_line: int, end_column: int, file: str = "") -> None:
        # attrs's own __init__ (fields set past a frozen __setattr__) through the slots' own setters: a
        # third cheaper than `object.__setattr__` by name; a parse makes a Span for nearly every token
        _SET_LINE(self, line)
        _SET_COLUMN(self, column)
        _SET_END_LINE(self, end_line)
        _SET_END_COLUMN(self, end_column)
        _SET_FILE(self, file)

    @classmethod
    def unknown(cls) -> Span:
        return cls(0, 0, 0, 0)


_SET_LINE, _SET_COLUMN, _SET_END_LINE, _SET_END_COLUMN, _SET_FILE = (
    Span.__dict__[name].__set__ for name in ("line", "column", "end_line", "end_column", "file")
)
_NEW = object.__new__


def span_at(place: tuple[int, int, int, int], file: str) -> Span:
    """``Span(*place, file)`` without the call through ``__init__``: the parser's span of a place."""
    span: Span = _NEW(Span)
    _SET_LINE(span, place[0])
    _SET_COLUMN(span, place[1])
    _SET_END_LINE(span, place[2])
    _SET_END_COLUMN(span, place[3])
    _SET_FILE(span, file)
    return span


def _span_field() -> Span:
    return attrs.field(factory=Span.unknown, eq=False, repr=False)


# ---------------------------------------------------------------- expressions


@attrs.frozen(repr=False)
class Number:
    """A number written in the file; ``percent`` marks ``90%`` (stored as 0.9)."""

    value: Decimal
    percent: bool = False
    span: Span = _span_field()


@attrs.frozen(repr=False)
class DateLiteral:
    value: datetime.date
    span: Span = _span_field()


@attrs.frozen(repr=False)
class BooleanLiteral:
    value: bool
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Name:
    """A reference: an input, a named value, a criterion, or an enumeration member."""

    name: str
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Call:
    function: str
    args: tuple[Expr, ...]
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Unary:
    op: str  # "-" or "not"
    operand: Expr
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Binary:
    op: str  # + - * / and or
    left: Expr
    right: Expr
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Compare:
    op: str  # >= <= == != > <
    left: Expr
    right: Expr
    span: Span = _span_field()


@attrs.frozen(repr=False)
class If:
    condition: Expr
    then: Expr
    otherwise: Expr
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Band:
    """One row of a bands expression: ``from 90%: 30;``, ``above 50%: 3;`` or ``upto 2: 3;``."""

    direction: str  # "from" (subject >= threshold), "above" (subject > threshold) or "upto" (subject <= threshold)
    threshold: Literal
    result: Expr
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Bands:
    subject: Expr
    bands: tuple[Band, ...]
    otherwise: Expr | None
    span: Span = _span_field()


@attrs.frozen(repr=False)
class MatchArm:
    patterns: tuple[Literal | Name, ...]
    result: Expr
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Match:
    subject: Expr
    arms: tuple[MatchArm, ...]
    otherwise: Expr | None
    span: Span = _span_field()


@attrs.frozen(repr=False)
class AnyCell:
    span: Span = _span_field()


@attrs.frozen(repr=False)
class CompareCell:
    """``>= 80%`` or ``>= 80% < 90%``: every comparison must hold."""

    tests: tuple[tuple[str, Literal], ...]
    span: Span = _span_field()


@attrs.frozen(repr=False)
class EqualCell:
    value: Literal
    span: Span = _span_field()


@attrs.frozen(repr=False)
class MemberCell:
    members: tuple[str, ...]
    span: Span = _span_field()


Cell = AnyCell | CompareCell | EqualCell | MemberCell


@attrs.frozen(repr=False)
class TableRow:
    cells: tuple[Cell, ...]
    result: Expr
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Table:
    hit_policy: str  # "first" or "unique"
    columns: tuple[Expr, ...]
    rows: tuple[TableRow, ...]
    otherwise: Expr | None
    span: Span = _span_field()


Literal = Number | DateLiteral | BooleanLiteral
Expr = Number | DateLiteral | BooleanLiteral | Name | Call | Unary | Binary | Compare | If | Bands | Match | Table


# ---------------------------------------------------------------- declarations


@attrs.frozen(repr=False)
class Reference:
    """Another criteria file by ruleset id (never by path), optionally pinned to a date:
    ``extends "vn/cell-meeting" on 2025-10-27`` picks the version in force on that day."""

    ruleset_id: str
    on: datetime.date | None = None
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Header:
    ruleset_id: str
    title: str | None = None
    version: str | None = None
    basis: str | None = None
    effective_from: datetime.date | None = None
    effective_to: datetime.date | None = None
    status: str | None = None  # "official" or "illustrative"
    status_note: str | None = None
    notes: tuple[str, ...] = ()
    span: Span = _span_field()
    kind: str = "ruleset"  # "ruleset" (can be scored) or "library" (shared definitions to import)
    extends: Reference | None = None


@attrs.frozen(repr=False)
class Range:
    low: Literal
    high: Literal
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Member:
    name: str
    label: str | None
    span: Span = _span_field()


@attrs.frozen(repr=False)
class TypeSpec:
    """``integer 0..500``, ``percent``, ``one of { a, b }``, ``level quality`` ..."""

    kind: str  # integer decimal percent boolean date enum level
    range: Range | None = None
    places: int | None = None
    members: tuple[Member, ...] = ()
    scale: str | None = None  # for kind == "level"
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Input:
    name: str
    label: str
    type: TypeSpec
    default: Literal | Name | None
    span: Span = _span_field()
    # ``input x "...": integer from count of children where ...;``: computed from the children in a hierarchy
    aggregate: Aggregate | None = None


@attrs.frozen(repr=False)
class Levels:
    name: str
    label: str
    members: tuple[Member, ...]  # best first
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Constraint:
    label: str
    condition: Expr
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Let:
    """``let name = expr;`` or, with ``parameter``, ``param name "..." = 90;``: a named value
    that a file extending this one may ``set`` to another literal of the same kind."""

    name: str
    label: str | None
    value: Expr
    span: Span = _span_field()
    parameter: bool = False


@attrs.frozen(repr=False)
class Applicability:
    condition: Expr
    mode: str  # zero, full, rescale
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Criterion:
    """A group (``children`` set, points derived) or an item (``points`` rule)."""

    kind: str  # "group" or "item"
    name: str
    label: str
    maximum: Number | None
    citations: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    points: Expr | None = None
    level: Expr | None = None
    applicable: Applicability | None = None
    status: str | None = None
    children: tuple[Criterion, ...] = ()
    span: Span = _span_field()
    lock: str | None = None  # "all" (nothing may change) or "max" (the maximum and its existence)


@attrs.frozen(repr=False)
class CriteriaTree:
    label: str
    maximum: Number | None
    children: tuple[Criterion, ...]
    citations: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    status: str | None = None
    rescale_places: int | None = None
    span: Span = _span_field()
    lock: str | None = None


@attrs.frozen(repr=False)
class Adjustment:
    """A deduction (điểm trừ) or bonus (điểm cộng) with its own maximum."""

    kind: str  # "deduction" or "bonus"
    name: str
    label: str
    maximum: Number
    citations: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    points: Expr | None = None
    applicable: Applicability | None = None
    status: str | None = None
    span: Span = _span_field()
    lock: str | None = None


@attrs.frozen(repr=False)
class Adjustments:
    kind: str  # "deductions" or "bonuses"
    label: str
    cap: Number
    items: tuple[Adjustment, ...]
    span: Span = _span_field()


@attrs.frozen(repr=False)
class ScoreBand:
    """``band from 70 below 90``: ``low <= total < high``; either end may be open."""

    low: Number | None
    high: Number | None
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Requirement:
    label: str
    condition: Expr
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Grade:
    name: str
    label: str
    band: ScoreBand | None = None
    requirements: tuple[Requirement, ...] = ()
    fallback: Name | None = None
    citations: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    span: Span = _span_field()
    lock: str | None = None


@attrs.frozen(repr=False)
class Grades:
    grades: tuple[Grade, ...]
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Knockout:
    """A knock-out (``force`` or ``cap`` a grade) or, with ``action`` None, a not-graded rule."""

    kind: str  # "knockout" or "exemption"
    name: str
    label: str
    condition: Expr | None
    action: str | None  # "force", "cap", or None for exemptions
    grade: Name | None
    citations: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    span: Span = _span_field()
    lock: str | None = None


# ---------------------------------------------------------------- extension
# A file that extends a base states only what differs. These nodes exist only
# until the linker has applied them: the checker never sees them.


@attrs.frozen(repr=False)
class Import:
    """``import "vn/inputs" { members, present };``: declarations of a library file
    (all of them when ``names`` is empty)."""

    source: Reference
    names: tuple[Name, ...] = ()
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Update:
    """One statement of a ``change`` block: ``field`` is the statement's keyword
    (``label``, ``max``, ``points``, ``band``, ``require``, ``drop``, ``when`` ...)."""

    field: str
    value: Any
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Change:
    """``change item du_hop { max 6; }``: the fields given replace the base's."""

    target: str  # item group criteria grade knockout not_graded deduction bonus deductions bonuses
    name: str | None  # None for `criteria`, `deductions`, `bonuses`
    updates: tuple[Update, ...]
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Add:
    """``add item x "..." max 5 after y { ... }``: a new criterion, adjustment or grade,
    placed ``in`` a group (at its end) or ``before``/``after`` a sibling."""

    node: Criterion | Adjustment | Grade
    placement: str | None  # "in", "before", "after", or None (end of the criteria or of the list)
    anchor: Name | None
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Remove:
    target: str  # item group grade knockout not_graded deduction bonus input constraint
    name: Name
    span: Span = _span_field()


@attrs.frozen(repr=False)
class SetParameter:
    """``set required_minutes = 100;``: a new value for a ``param`` of the base."""

    name: str
    value: Literal
    span: Span = _span_field()


# ---------------------------------------------------------------- examples and properties
# Worked examples and stated properties of a scale. `partyrules test` runs them
# (partyrules.casebook checks them); they never change a score.


@attrs.frozen(repr=False)
class GivenFact:
    """``members = 20;`` in an example's ``given`` block."""

    name: str
    value: Literal | Name
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Expectation:
    """``expect total 100;``, ``expect grade tot;``, ``expect points du_hop = 5;`` ...

    ``what`` is total, grade, band, points, level, knockout or not_graded; ``target``
    names the grade, criterion or rule; ``value`` is the number or level expected.
    """

    what: str
    target: Name | None
    value: Literal | Name | None
    span: Span = _span_field()
    row: Name | None = None  # in a batch: the row expected of (what: grade, demoted, not_demoted)


@attrs.frozen(repr=False)
class Example:
    """``example b "..." like a { given { ... } expect ...; }``: with ``like``, the facts of example ``a``
    with those given here in their place (the expectations are this example's own)."""

    name: str
    label: str
    facts: tuple[GivenFact, ...]
    expectations: tuple[Expectation, ...]
    span: Span = _span_field()
    like: Name | None = None
    rows: tuple[BatchRow, ...] = ()  # a batch: the rows scored together, then the file's quotas


@attrs.frozen(repr=False)
class BatchRow:
    """``row a in "org 1" like base { fact = value; }`` in a batch example: one organisation or person,
    its facts those of example ``base`` with the ones given here in their place; ``group`` is the value
    of every ``within column`` of the file's quotas (one group when absent)."""

    name: Name
    group: str | None
    like: Name | None
    facts: tuple[GivenFact, ...]
    span: Span = _span_field()


@attrs.frozen(repr=False)
class ExampleTable:
    """``examples "label" from "file.csv";``: one example per row of a table beside the file."""

    label: str
    path: str
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Claim:
    """One statement of a property.

    ``within``: the total stays in ``range``; ``monotone``: the total never moves against
    ``direction`` (increasing, decreasing) when the input ``subject`` grows;
    ``requires``: whenever the grade is ``subject``, ``condition`` holds; ``always``:
    ``condition`` holds for every organisation.
    """

    kind: str
    subject: Name | None = None
    condition: Expr | None = None
    range: Range | None = None
    direction: str | None = None
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Property:
    """A statement about every organisation (that meets ``assuming``), tested with generated facts."""

    name: str
    label: str
    assuming: tuple[Expr, ...]
    claims: tuple[Claim, ...]
    span: Span = _span_field()


# ---------------------------------------------------------------- quotas (rules across organisations)
# A quota never changes one organisation's score: partyrules.quota applies it over a batch.


@attrs.frozen(repr=False)
class OrderKey:
    """One key of a quota's ``order by``: ``total``, an input or a criterion, best first when descending."""

    name: Name
    descending: bool = True
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Quota:
    """``quota x "..." { grade htxsnv at most 20% of httnv and better; within district; ... }``.

    ``within`` is ``"input"`` (``group`` names a categorical input), ``"column"`` (``group`` names
    a data column that is no input) or ``"all"``; None when the file says nothing (an error).
    ``rounding`` and ``demote_to`` are None when the file leaves them to their defaults
    (``down``; the next grade down).
    """

    name: str
    label: str
    grade: Name | None = None
    share: Number | None = None
    base: Name | None = None
    or_better: bool = False
    within: str | None = None
    group: Name | None = None
    rounding: str | None = None
    demote_to: Name | None = None
    order: tuple[OrderKey, ...] = ()
    citations: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    span: Span = _span_field()


@attrs.frozen(repr=False)
class Periods:
    """``periods quy "Các quý" { ruleset "vn/member-quarter"; count 3; missing error; }``.

    Earlier periods of the same subject, each graded by ``source`` (a ruleset id), numbered
    ``1..count``; ``missing`` is ``"error"`` (the default when None) or ``"skip"`` (aggregate over
    the periods given). Aggregate inputs ``over`` this name read them (partyrules.periods).
    """

    name: str
    label: str
    source: Reference | None = None
    count: int | None = None
    missing: str | None = None
    citations: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    span: Span = _span_field()


Declaration = (
    Header
    | Input
    | Levels
    | Constraint
    | Let
    | CriteriaTree
    | Adjustments
    | Grades
    | Knockout
    | Import
    | Change
    | Add
    | Remove
    | SetParameter
    | Example
    | ExampleTable
    | Property
    | Quota
    | Periods
)


@attrs.frozen(repr=False)
class RulesetFile:
    """A whole parsed criteria file, declarations in file order."""

    declarations: tuple[Declaration, ...]
    span: Span = _span_field()


# ---------------------------------------------------------------- hierarchies (aggregates of children)
# An input computed from an organisation's children when a hierarchy is graded
# (partyrules.hierarchy). Its names (``value``, those in ``condition``) belong to the
# children's ruleset, so they are resolved only when the levels are assembled.


@attrs.frozen(repr=False)
class Aggregate:
    """``count of children where disciplined``, ``sum of members over children``, ...

    ``function`` is count, share, sum, min, max, any or all; ``value`` the child's fact or result
    summed or compared (sum, min, max); ``condition`` the filter (required for share, any, all).
    """

    function: str
    value: Name | None = None
    condition: Expr | None = None
    span: Span = _span_field()
    #: the ``periods`` declaration read (``count of quy``); None for the children
    over: Name | None = None


# ---------------------------------------------------------------- repr


def _shown(cls: type) -> None:
    """Give an attrs class of this module the ``__repr__`` ``@attrs.frozen`` would have made: ``Name(name='x')``,
    its ``repr`` fields only (no class here holds itself: no guard against a repr that recurses)."""
    shown = tuple(f.name for f in attrs.fields(cls) if f.repr)

    def __repr__(self: Any) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{self.__class__.__qualname__.rsplit('>.', 1)[-1]}({fields})"

    __repr__.__qualname__ = f"{cls.__qualname__}.__repr__"
    setattr(cls, "__repr__", __repr__)  # noqa: B010  (mypy refuses a method assigned to a class)


for _cls in tuple(globals().values()):
    if isinstance(_cls, type) and _cls.__module__ == __name__ and attrs.has(_cls):
        _shown(_cls)
del _cls


# ---------------------------------------------------------------- words and walking
# Shared by every stage above (parser, linker, checker, compiler, explanations, highlighter):
# they live with the tree so that none of those stages imports another for them.

#: Words of the language and built-in functions: never usable as names.
# fmt: off
RESERVED = frozenset(
    (
        "ruleset", "title", "version", "basis", "effective", "from", "to", "points", "official",
        "illustrative", "note", "input", "integer", "decimal", "percent", "boolean", "date", "one",
        "of", "level", "levels", "places", "constraint", "let", "criteria", "max", "group", "item",
        "cite", "applicable", "when", "else", "zero", "full", "rescale", "round", "deductions",
        "bonuses", "cap", "deduction", "bonus", "grades", "grade", "band", "below", "any", "require",
        "knockout", "force", "not_graded", "if", "then", "or", "and", "not", "bands", "upto", "above",
        "otherwise", "match", "table", "first", "unique", "true", "false", "total", "min", "clamp",
        "worst_level", "count", "days_between", "months_between", "library", "extends", "import",
        "change", "remove", "param", "locked",
        "example", "examples", "like", "given", "expect", "property", "assuming", "within", "monotone",
        "increasing", "decreasing", "requires", "always",
    )
)
# fmt: on
BUILTINS = (
    "min",
    "max",
    "clamp",
    "round",
    "level",
    "worst_level",
    "full",
    "applicable",
    "count",
    "days_between",
    "months_between",
)
RULESET_ID = re.compile(r"^[a-z0-9][a-z0-9_.\-]*(/[a-z0-9][a-z0-9_.\-]*)*$")


def _else(node: Bands | Match | Table) -> tuple[Expr, ...]:
    return () if node.otherwise is None else (node.otherwise,)


def _leaf(node: Any) -> tuple[()]:
    return ()


#: each class's children, in the order they go on the walk's stack (a subclass: by its bases, then
#: remembered); one lookup a node, not nine isinstance questions: a fourth of the time
_CHILDREN: dict[type, Callable[[Any], Sequence[Any]]] = {
    Number: _leaf, Name: _leaf, BooleanLiteral: _leaf, DateLiteral: _leaf,
    Call: lambda node: node.args,
    Unary: lambda node: (node.operand,),
    Binary: lambda node: (node.left, node.right),
    Compare: lambda node: (node.left, node.right),
    If: lambda node: (node.condition, node.then, node.otherwise),
    Bands: lambda node: (node.subject, *[b.result for b in node.bands], *_else(node)),
    Match: lambda node: (node.subject, *[a.result for a in node.arms], *_else(node)),
    Table: lambda node: (*node.columns, *[r.result for r in node.rows], *_else(node)),
}  # fmt: skip


def nodes_in(expr: Expr) -> list[Expr]:
    """Every expression inside ``expr`` (itself included), depth first, without recursion."""
    found: list[Expr] = []
    stack: list[Any] = [expr]
    while stack:
        node = stack.pop()
        found.append(node)
        children = _CHILDREN.get(node.__class__)
        if children is None:
            cls = node.__class__
            children = _CHILDREN[cls] = next((_CHILDREN[b] for b in cls.__mro__ if b in _CHILDREN), _leaf)
        stack.extend(children(node))
    return found


def walk(expr: Expr) -> Iterator[Expr]:  # :func:`nodes_in`, as an iterator
    return iter(nodes_in(expr))
