"""Evaluations: one organisation's score, and the layout that names its values.

An :class:`Evaluation` is one small frozen object holding the tuple the
compiled program returns and a shared :class:`Layout` that names its slots;
the public views (criteria, deductions, explanation ...) are built from the
two only when asked. That keeps :meth:`Ruleset.evaluate` close to the speed
of a hand-written function while every point stays explainable.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from partyrules.explain import explain_text
from partyrules.facts import EXACT, FactValue, TextReader

# ---------------------------------------------------------------- results


@attrs.frozen
class RulesetRef:
    """Which rules produced a score: id, version and fingerprint of the canonical form."""

    id: str
    version: str
    fingerprint: str


@attrs.frozen
class CriterionResult:
    id: str
    number: str
    label: str
    kind: str  # group item
    points: Decimal | None
    maximum: Decimal | None
    level: str | None
    level_label: str | None
    applicable: bool


@attrs.frozen
class AdjustmentResult:
    id: str
    label: str
    kind: str  # deduction bonus
    points: Decimal
    maximum: Decimal
    applicable: bool


@attrs.frozen
class RuleResult:
    """A knock-out or not-graded rule that applied."""

    id: str
    label: str
    action: str | None
    grade: str | None


@attrs.frozen
class RequirementResult:
    grade: str
    label: str
    held: bool


@attrs.frozen
class Layout:
    """What each slot of a compiled program's result means. Shared by every evaluation of one ruleset.

    Fields that a serialised evaluation carries take part in equality; the
    texts used only by explanations (rules, citations) do not.
    """

    ruleset: RulesetRef
    title: str
    inputs: tuple[str, ...]
    input_kinds: tuple[str, ...]
    level_members: tuple[tuple[str, ...] | None, ...]  # per input: members of a level input
    criteria: tuple[tuple[str, str, str, str, Decimal | None], ...]  # id number label kind max
    level_scales: tuple[tuple[str, ...] | None, ...]  # per criterion: its level scale's members
    level_labels: tuple[tuple[str, ...] | None, ...]
    adjustments: tuple[tuple[str, str, str, Decimal], ...]  # id label kind max
    grades: tuple[tuple[str, str], ...]  # id label
    requirements: tuple[tuple[int, str], ...]  # grade index, label
    knockouts: tuple[tuple[str, str, str, int], ...]  # id label action grade
    exemptions: tuple[tuple[str, str], ...]  # id label
    conditional: tuple[bool, ...]  # per criterion then adjustment: has an `applicable when` rule
    scored: bool
    maximum: Decimal | None
    deductions_cap: Decimal | None
    bonuses_cap: Decimal | None
    #: points are ints in units of 10**-scale (fixed point), or Decimals when None
    scale: int | None = None
    details: Any = attrs.field(default=None, eq=False, repr=False)  # explain.Details, when compiled here
    offsets: tuple[int, ...] = attrs.field(
        init=False, eq=False, repr=False, default=attrs.Factory(lambda self: self._offsets(), takes_self=True)
    )

    def _offsets(self) -> tuple[int, ...]:
        """Where each part starts in the flat result tuple of the compiled program (see compiler/program.py)."""
        scored = len(self.criteria) + len(self.adjustments)
        rated = sum(1 for scale in self.level_scales if scale is not None)
        # only criteria with a level rule carry a level, only conditional ones an applicability:
        # fewer slots, a smaller tuple to build per evaluation
        sizes = [len(self.inputs), scored, rated, sum(self.conditional), 1, 1, 1, 1, 1, 1]
        sizes += [len(self.requirements), len(self.knockouts), len(self.exemptions)]
        out = [0]
        for size in sizes:
            out.append(out[-1] + size)
        return tuple(out)


#: fixed-point points as Decimals, by scale: a results table converts the same few values again and again
_SCALED: dict[int, dict[int, Decimal]] = {}

HEAD = 3  # slots before the program's flat result in an Evaluation

# Parts of the compiled program's flat result tuple, in order (see compiler/program.py).
(
    FACTS,
    POINTS,
    LEVELS,
    APPLICABLE,
    CRITERIA_TOTAL,
    DEDUCTED,
    ADDED,
    TOTAL,
    GRADE,
    BAND_GRADE,
    REQUIREMENTS,
    KNOCKOUTS,
    EXEMPTIONS,
) = range(13)


class Evaluation(tuple):  # type: ignore[type-arg]
    """One organisation's score: total, grade, every criterion, every rule that applied, and why.

    Immutable. Build it with :meth:`Ruleset.evaluate`; convert it to and from
    JSON-ready data with :mod:`partyrules.serialize`.

    Why a tuple: the compiled program builds the evaluation in one allocation,
    ``(layout, total, grade, fact, fact, ..., rest)``, where ``rest`` is one plain tuple of
    every other value (points, levels, rules): a tuple subclass is built by copying a tuple, and
    copying a few slots and one nested tuple costs far less than copying all of them (about
    0.4 µs an evaluation for 50 values). The tuple interface is an implementation detail; use
    the named properties. Equality compares the ruleset and every value, exactly.
    """

    __slots__ = ()

    @classmethod
    def from_raw(cls, layout: Layout, raw: tuple[Any, ...]) -> Evaluation:
        offsets = layout.offsets
        grade = raw[offsets[GRADE]]
        grade_id = None if grade is None else layout.grades[grade][0]
        total = raw[offsets[TOTAL]]
        if layout.scale is not None:
            total = Decimal(total).scaleb(-layout.scale, EXACT)  # as the program's own first slot holds it
        elif type(total) is not Decimal:
            total = Decimal(total)
        facts = offsets[FACTS + 1]
        return tuple.__new__(cls, (layout, total, grade_id, *raw[:facts], tuple(raw[facts:])))

    @property
    def layout(self) -> Layout:
        layout: Layout = self[0]
        return layout

    # Slots: 0 the layout, 1 the total, 2 the grade id (read most, so kept first), then the facts
    # from HEAD on (tools read a fact's own slot), then the rest of the program's flat result as
    # one tuple in the last slot; each part where Layout.offsets says, counted in the flat result.
    @property
    def raw(self) -> tuple[Any, ...]:
        """The program's flat result: the facts, then every other value."""
        rest: tuple[Any, ...] = self[-1]
        return tuple(self[HEAD:-1]) + rest

    def _part(self, part: int) -> tuple[Any, ...]:
        offsets = self[0].offsets
        if part == FACTS:
            return tuple(self[HEAD : HEAD + offsets[FACTS + 1]])
        facts = offsets[FACTS + 1]
        rest: tuple[Any, ...] = self[-1]
        return rest[offsets[part] - facts : offsets[part + 1] - facts]

    def _one(self, part: int) -> Any:
        offsets = self[0].offsets
        return self[-1][offsets[part] - offsets[FACTS + 1]]

    def _amount(self, value: Any) -> Decimal:
        """A points value as a Decimal, whether the program held it in fixed point or not."""
        scale = self[0].scale
        if scale is not None:
            return Decimal(value).scaleb(-scale, EXACT) if scale else Decimal(value)
        return value if type(value) is Decimal else Decimal(value)

    def __getnewargs__(self) -> tuple[Any, ...]:
        return (tuple(self),)

    def __repr__(self) -> str:
        grade = (
            self.grade if self.grade is not None else f"not graded ({self.not_graded.id if self.not_graded else '?'})"
        )
        return f"<Evaluation {self.layout.ruleset.id} total={self.total} grade={grade}>"

    @property
    def ruleset(self) -> RulesetRef:
        return self.layout.ruleset

    @property
    def facts(self) -> Mapping[str, FactValue]:
        """The facts as validated, defaults filled in; percentages in percent units."""
        out: dict[str, FactValue] = {}
        for name, kind, members, value in zip(
            self.layout.inputs, self.layout.input_kinds, self.layout.level_members, self._part(FACTS)
        ):
            if kind == "level" and members is not None:
                value = members[value]
            out[name] = value
        return MappingProxyType(out)

    if TYPE_CHECKING:

        @property
        def total(self) -> Decimal:
            """The total points."""

        @property
        def grade(self) -> str | None:
            """The grade's id, None when not graded."""

    else:
        # read for every organisation of a batch: C-level getters, no Python frame per read (the
        # program puts the total as a Decimal and the grade's id in these slots)
        total = property(operator.itemgetter(1), doc="The total points.")
        grade = property(operator.itemgetter(2), doc="The grade's id, None when not graded.")

    @property
    def criteria_points(self) -> Decimal:
        """Points from the criteria alone, before deductions and bonuses."""
        return self._amount(self._one(CRITERIA_TOTAL))

    @property
    def deducted(self) -> Decimal:
        return self._amount(self._one(DEDUCTED))

    @property
    def added(self) -> Decimal:
        return self._amount(self._one(ADDED))

    @property
    def grade_label(self) -> str | None:
        index = self._one(GRADE)
        return None if index is None else self.layout.grades[index][1]

    @property
    def graded(self) -> bool:
        return self._one(GRADE) is not None

    @property
    def not_graded(self) -> RuleResult | None:
        for (name, label), applied in zip(self.layout.exemptions, self._part(EXEMPTIONS)):
            if applied:
                return RuleResult(name, label, None, None)
        return None

    def _levels(self) -> list[int | None]:
        """A level (index, 0 the best) or None for every criterion."""
        present = iter(self._part(LEVELS))
        return [next(present) if scale is not None else None for scale in self[0].level_scales]

    def _applicable(self) -> list[bool]:
        """Whether each criterion, then each adjustment, applied."""
        present = iter(self._part(APPLICABLE))
        return [next(present) if conditional else True for conditional in self[0].conditional]

    @property
    def criteria(self) -> tuple[CriterionResult, ...]:
        out = []
        points, levels, applicable = self._part(POINTS), self._levels(), self._applicable()
        for i, (name, number, label, kind, maximum) in enumerate(self.layout.criteria):
            scale = self.layout.level_scales[i]
            labels = self.layout.level_labels[i]
            level = levels[i]
            out.append(
                CriterionResult(
                    id=name,
                    number=number,
                    label=label,
                    kind=kind,
                    points=None if points[i] is None else self._amount(points[i]),
                    maximum=maximum,
                    level=None if level is None or scale is None else scale[level],
                    level_label=None if level is None or labels is None else labels[level],
                    applicable=applicable[i],
                )
            )
        return tuple(out)

    def criterion(self, name: str) -> CriterionResult:
        for c in self.criteria:
            if c.id == name:
                return c
        raise KeyError(name)

    @property
    def points(self) -> Mapping[str, Decimal]:
        """Points of every scored criterion, deduction and bonus, by id."""
        names = [c[0] for c in self.layout.criteria] + [a[0] for a in self.layout.adjustments]
        return MappingProxyType({name: p for name, p in zip(names, self.points_in_order()) if p is not None})

    def points_in_order(self) -> tuple[Decimal | None, ...]:
        """Points of every criterion (None for one rated only on levels), then of every deduction and bonus,
        in the order of :attr:`Ruleset.criteria`: what a results table needs, without building result objects."""
        scale = self[0].scale
        values = self._part(POINTS)
        if scale is None:
            return tuple(v if v is None or type(v) is Decimal else Decimal(v) for v in values)
        known = _SCALED.setdefault(scale, {})
        out = []
        for v in values:
            if v is not None:
                amount = known.get(v)
                if amount is None:
                    amount = Decimal(v).scaleb(-scale, EXACT)
                    if len(known) < TextReader.LIMIT:
                        known[v] = amount
                v = amount
            out.append(v)
        return tuple(out)

    @property
    def levels(self) -> Mapping[str, str | None]:
        return MappingProxyType({c.id: c.level for c in self.criteria if self.layout.level_scales[self._index(c.id)]})

    def _index(self, name: str) -> int:
        for i, c in enumerate(self.layout.criteria):
            if c[0] == name:
                return i
        raise KeyError(name)

    @property
    def adjustments(self) -> tuple[AdjustmentResult, ...]:
        n = len(self.layout.criteria)
        points, applicable = self._part(POINTS), self._applicable()
        return tuple(
            AdjustmentResult(name, label, kind, self._amount(points[n + i]), maximum, applicable[n + i])
            for i, (name, label, kind, maximum) in enumerate(self.layout.adjustments)
        )

    @property
    def deductions(self) -> tuple[AdjustmentResult, ...]:
        return tuple(a for a in self.adjustments if a.kind == "deduction")

    @property
    def bonuses(self) -> tuple[AdjustmentResult, ...]:
        return tuple(a for a in self.adjustments if a.kind == "bonus")

    @property
    def knockouts(self) -> tuple[RuleResult, ...]:
        """Knock-outs whose condition held (whether or not they changed the grade)."""
        grades = self.layout.grades
        return tuple(
            RuleResult(name, label, action, grades[grade][0])
            for (name, label, action, grade), applied in zip(self.layout.knockouts, self._part(KNOCKOUTS))
            if applied
        )

    @property
    def requirements(self) -> tuple[RequirementResult, ...]:
        grades = self.layout.grades
        return tuple(
            RequirementResult(grades[g][0], label, bool(held))
            for (g, label), held in zip(self.layout.requirements, self._part(REQUIREMENTS))
        )

    @property
    def band_grade(self) -> str | None:
        """The grade the total's band gave, before requirements and knock-outs."""
        index = self._one(BAND_GRADE)
        return None if index is None else self.layout.grades[index][0]

    def explain(self) -> str:
        """A person-readable breakdown: every point with its rule and citation, every grade step."""
        return explain_text(self)


# ---------------------------------------------------------------- points for results tables

if TYPE_CHECKING:
    from collections.abc import Callable


def raw_points(layout: Layout) -> Callable[[Evaluation], tuple[Any, ...]]:
    """A function giving an evaluation's points as its program holds them, in the order of
    :meth:`Evaluation.points_in_order` and without converting them: ints in units of
    ``10**-layout.scale`` when the layout has a scale, else Decimals or ints, None for a criterion rated
    only on levels. A results table that converts each distinct value once (:func:`point_amount`) needs
    no Decimal per point of every row."""
    offsets = layout.offsets
    facts = offsets[FACTS + 1]
    part = slice(offsets[POINTS] - facts, offsets[POINTS + 1] - facts)
    return lambda evaluation: evaluation[-1][part]


def point_amount(layout: Layout, value: Any) -> Decimal | None:
    """One value of :func:`raw_points` as :meth:`Evaluation.points_in_order` gives it (equal values give
    equal amounts)."""
    if value is None:
        return None
    scale = layout.scale
    if scale is None:
        return value if type(value) is Decimal else Decimal(value)
    return Decimal(value).scaleb(-scale, EXACT)
