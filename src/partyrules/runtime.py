"""Runtime: compiled rulesets and the evaluations they return.

An :class:`Evaluation` is one small frozen object holding the tuple the
compiled program returns and a shared :class:`Layout` that names its slots;
the public views (criteria, deductions, explanation ...) are built from the
two only when asked. That keeps :meth:`Ruleset.evaluate` close to the speed
of a hand-written function while every point stays explainable.
"""

from __future__ import annotations

import datetime
import math
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, Inexact, InvalidOperation, getcontext, localcontext
from fractions import Fraction
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from partyrules import facts
from partyrules.facts import (
    EXACT as EXACT,
    MAX_DIGITS as MAX_DIGITS,
    MISSING as MISSING,
    PLAIN_NUMBER as PLAIN_NUMBER,
    TEXT_READERS as TEXT_READERS,
    FactProblem as FactProblem,
    FactsError as FactsError,
    FactSpec as FactSpec,
    FactValue as FactValue,
    RowError as RowError,
    TextReader as TextReader,
    check_facts as check_facts,
)

# ---------------------------------------------------------------- exact arithmetic helpers used by compiled code


def retry_exactly(program: Callable[[Mapping[str, Any]], Any], facts: Mapping[str, Any]) -> Any:
    """Run a program again with many more digits after a value could not be held exactly."""
    if getcontext().prec >= MAX_DIGITS:
        raise FactsError([FactProblem("*", f"a value needs more than {MAX_DIGITS} digits to be computed exactly")])
    with localcontext() as ctx:
        ctx.prec = MAX_DIGITS
        ctx.traps[Inexact] = True
        return program(facts)




def to_fraction(value: int | Decimal | Fraction) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def round_half_up(value: int | Decimal | Fraction, places: int) -> Any:
    """Round half away from zero to ``places`` decimals, exactly; whole numbers come back as int."""
    if isinstance(value, Fraction):
        scaled = value * 10**places
        whole = math.floor(abs(scaled) + Fraction(1, 2))
        whole = whole if scaled >= 0 else -whole
        result = Decimal(whole).scaleb(-places)
    elif isinstance(value, int):
        return value
    else:
        with localcontext() as ctx:
            ctx.prec = max(ctx.prec, len(value.as_tuple().digits) + places + 2)
            ctx.traps[Inexact] = False  # rounding here is what the file asked for
            result = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return int(result) if places == 0 else result


def days_between(start: datetime.date, end: datetime.date) -> int:
    return (end - start).days


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from start to end (negative when end is earlier)."""
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return sign * months


def worst(levels: Iterable[int | None]) -> int | None:
    present = [lv for lv in levels if lv is not None]
    return max(present) if present else None


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
    ``(layout, value, value, ...)``, which keeps scoring within a few percent
    of a hand-written function. The tuple interface is an implementation
    detail; use the named properties. Equality compares the ruleset and every
    value, exactly.
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
        return tuple.__new__(cls, (layout, total, grade_id, *raw))

    @property
    def layout(self) -> Layout:
        layout: Layout = self[0]
        return layout

    # Slots: 0 the layout, 1 the total, 2 the grade id (read most, so kept first), then the
    # program's flat result from HEAD on, its parts where Layout.offsets says.
    @property
    def raw(self) -> tuple[Any, ...]:
        return tuple(self[HEAD:])

    def _part(self, part: int) -> tuple[Any, ...]:
        offsets = self[0].offsets
        return tuple(self[HEAD + offsets[part] : HEAD + offsets[part + 1]])

    def _one(self, part: int) -> Any:
        return self[HEAD + self[0].offsets[part]]

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
        values = self[HEAD + self[0].offsets[POINTS] : HEAD + self[0].offsets[POINTS + 1]]
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
        from partyrules.explain import explain_text

        return explain_text(self)


# ---------------------------------------------------------------- the compiled ruleset


@attrs.frozen
class InputSpec:
    """A declared input, as a program or a form needs it."""

    name: str
    label: str
    kind: str  # integer decimal percent boolean date enum level
    low: Any
    high: Any
    places: int | None
    required: bool
    default: Any
    members: tuple[str, ...]
    member_labels: tuple[str | None, ...]


@attrs.frozen
class GradeSpec:
    id: str
    label: str


@attrs.frozen
class CriterionSpec:
    """A criterion, deduction or bonus as declared: for forms, reports and column names."""

    id: str
    number: str
    label: str
    kind: str  # group item deduction bonus
    maximum: Decimal | None
    levels: tuple[str, ...] | None  # the level scale, best first, if it is rated on levels


Program = Callable[[Mapping[str, Any]], Evaluation]
#: the compiled batch loop: (rows, id key to ignore or None, number before the first row, row_error) -> results
Batch = Callable[
    [Iterable[Any], "str | None", int, Callable[["FactsError", int, Any], "RowError"]],
    Iterator["Evaluation | RowError"],
]


@attrs.frozen(repr=False, slots=False)
class Ruleset:
    """A checked, compiled criteria file. Immutable; evaluate it as often as you like.

    Compiling happened once, in :func:`partyrules.load`; :meth:`evaluate`
    runs the generated program and never walks the syntax tree.
    """

    id: str
    version: str
    title: str
    basis: str
    effective_from: datetime.date | None
    effective_to: datetime.date | None
    status: str
    fingerprint: str
    inputs: tuple[InputSpec, ...]
    layout: Layout = attrs.field(eq=False)
    source: str = attrs.field(eq=False)  # the normalised source text of this file
    filename: str = attrs.field(eq=False)
    #: the generated Python text of the program and its batch loop (see compiler/program.py), and the
    #: constants it is linked with: all a pickle needs to run it again, without the front end
    code: str = attrs.field(eq=False, repr=False)
    constants: tuple[Any, ...] = attrs.field(eq=False, repr=False)
    program: Program = attrs.field(eq=False)
    #: the program's body compiled again as one loop over rows (see compiler.program._Writer.batch), for evaluate_many
    batch: Batch = attrs.field(eq=False, repr=False)
    #: every file the ruleset was linked from (name, text), this file first: its bases and imports
    sources: tuple[tuple[str, str], ...] = attrs.field(eq=False, default=())
    #: ids of the rulesets this one extends, nearest first
    bases: tuple[str, ...] = attrs.field(eq=False, default=())
    #: the checked model (syntax tree, types, order), for tools that read the rules themselves; None in
    #: a ruleset unpickled from another process (``partyrules.api.checked_model`` rebuilds it from ``sources``)
    model: Any = attrs.field(eq=False, default=None, repr=False)
    #: the file's aggregate inputs (filled from the level below by :class:`partyrules.hierarchy.Hierarchy`):
    #: (input name, its ``from`` clause as a syntax node)
    aggregates: tuple[tuple[str, Any], ...] = attrs.field(eq=False, default=(), repr=False)
    #: the file's quotas (partyrules.quota.QuotaRule), applied over a batch by :meth:`apply_quotas`
    quotas: tuple[Any, ...] = attrs.field(eq=False, default=())

    def __repr__(self) -> str:
        return f"<Ruleset {self.id} version {self.version} ({self.fingerprint[:12]})>"

    @property
    def tests(self) -> Any:
        """The file's examples and properties (a :class:`partyrules.casebook.Casebook`), run by `partyrules test`."""
        return getattr(self.model, "tests", None)

    @property
    def ref(self) -> RulesetRef:
        return self.layout.ruleset

    @property
    def grades(self) -> tuple[GradeSpec, ...]:
        """The grades, best first."""
        return tuple(GradeSpec(g, label) for g, label in self.layout.grades)

    @property
    def criteria(self) -> tuple[CriterionSpec, ...]:
        """Every criterion in score-sheet order, then the deductions and bonuses."""
        layout = self.layout
        out = [
            CriterionSpec(name, number, label, kind, maximum, scale)
            for (name, number, label, kind, maximum), scale in zip(layout.criteria, layout.level_scales)
        ]
        out += [
            CriterionSpec(name, "", label, kind, maximum, None) for name, label, kind, maximum in layout.adjustments
        ]
        return tuple(out)

    @property
    def exemptions(self) -> tuple[GradeSpec, ...]:
        """The not-graded rules (id and reason)."""
        return tuple(GradeSpec(name, label) for name, label in self.layout.exemptions)

    def __attrs_post_init__(self) -> None:
        # evaluate *is* the compiled program (which checks its argument): no extra call per organisation
        object.__setattr__(self, "evaluate", self.program)

    def evaluate(self, facts: Mapping[str, Any]) -> Evaluation:
        """Score one organisation. Raises :class:`FactsError` listing every problem with the facts."""
        return self.program(facts)  # pragma: no cover - replaced per instance by the program itself

    def evaluate_many(
        self,
        rows: Iterable[Mapping[str, Any]],
        *,
        id_key: str | None = "id",
        start: int = 1,
        workers: int | None = None,
        chunk_size: int = 1000,
    ) -> Iterator[Evaluation | RowError]:
        """Score rows lazily, in input order; a bad row yields a :class:`RowError` and the others go on.

        Nothing is materialised: rows are read as results are consumed, so memory stays flat
        however many rows there are (a generator of rows is fine).

        ``id_key``: the key of a row that holds the organisation's id (``"id"`` by default, ``None``
        for none). When a row has it and it is not an input of this ruleset, it is taken out of
        the facts; a :class:`RowError` carries it with the row's number (``start`` for the first).

        ``workers``: score in that many worker processes, ``chunk_size`` rows per task, a few
        chunks in flight at a time (memory stays flat). The ruleset reaches the workers pickled
        and every result is the same as in this process. ``None`` scores here.
        """
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be at least 1 (or None to score in this process), not {workers}")
        if workers is None:
            return _score_rows(self, rows, id_key, start)
        return _score_in_processes(self, rows, id_key, start, workers, chunk_size)

    def explain(self, facts: Mapping[str, Any]) -> str:
        return self.evaluate(facts).explain()

    def apply_quotas(self, rows: Iterable[Any]) -> tuple[Any, ...]:
        """The file's quotas over a batch: ``(id, evaluation)`` or ``(id, evaluation, columns)`` rows in,
        one :class:`partyrules.quota.Placement` per row out, in the same order (see :func:`partyrules.quota.apply`)."""
        from partyrules import quota

        return quota.apply(self.quotas, rows)

    def __reduce__(self) -> tuple[Any, ...]:
        # the program is generated code: pickle its text and constants and link it again on the other
        # side (runtime only: no parsing, checking or compiling of the criteria, no lark needed there)
        state = {f.name: getattr(self, f.name) for f in _PICKLED}
        return (_restore, (state,))


#: what a pickled ruleset carries: everything but the program objects (rebuilt from ``code``) and the
#: checked model (front-end data, rebuilt from ``sources`` by the front end when a tool asks)
_PICKLED = tuple(f for f in attrs.fields(Ruleset) if f.name not in ("program", "batch", "model"))
#: rulesets restored in this process by (fingerprint, code): a worker that receives the same ruleset
#: with every task links it once
_RESTORED: dict[tuple[str, str], Ruleset] = {}


def _restore(state: dict[str, Any]) -> Ruleset:
    key = (state["fingerprint"], state["code"])
    known = _RESTORED.get(key)
    if known is not None and all(getattr(known, name) == value for name, value in state.items()):
        return known
    program, batch = link_program(state["code"], state["constants"], state["layout"], state["id"])
    ruleset = Ruleset(program=program, batch=batch, **state)
    if len(_RESTORED) >= 64:  # bounded: a long-lived process that sees many rulesets keeps the last few
        _RESTORED.pop(next(iter(_RESTORED)))
    _RESTORED[key] = ruleset
    return ruleset


# ---------------------------------------------------------------- linking a generated program

#: The names a generated program reads besides its own constants: the slow paths of fact checking
#: and the exact arithmetic it calls. The compiler writes code against exactly these.
PROGRAM_GLOBALS: Mapping[str, Any] = MappingProxyType(
    {
        "MISSING": MISSING,
        "Decimal": Decimal,
        "date": datetime.date,
        "FactProblem": FactProblem,
        "FactsError": FactsError,
        "coerce_integer": facts.coerce_integer,
        "coerce_decimal": facts.coerce_decimal,
        "coerce_percent": facts.coerce_percent,
        "coerce_boolean": facts.coerce_boolean,
        "coerce_member": facts.coerce_member,
        "coerce_level": facts.coerce_level,
        "coerce_date": facts.coerce_date,
        "check_facts": check_facts,
        "not_a_mapping": facts.not_a_mapping,
        "Mapping": Mapping,
        "to_fraction": to_fraction,
        "round_half_up": round_half_up,
        "days_between": days_between,
        "months_between": months_between,
        "worst": worst,
        "getcontext": getcontext,
        "Inexact": Inexact,
        "InvalidOperation": InvalidOperation,
        "retry_exactly": retry_exactly,
        "new_evaluation": tuple.__new__,
        "Evaluation": Evaluation,
        "without_key": facts.without_key,
        "EXACT": EXACT,
    }
)


def link_program(code: str, constants: Sequence[Any], layout: Layout, name: str) -> tuple[Program, Batch]:
    """The program and its batch loop from their generated text: ``make(LAYOUT, C0, C1, ...)`` called once.

    The constants are passed to a factory so the program reads them as closure cells, not globals.
    """
    namespace = dict(PROGRAM_GLOBALS)
    exec(compile(code, f"<partyrules {name}>", "exec"), namespace)
    program: Program
    batch: Batch
    program, batch = namespace["make"](layout, *constants)
    return program, batch


# ---------------------------------------------------------------- batches (Ruleset.evaluate_many)


def _row_id(row: Any, id_key: str | None) -> str | None:
    if id_key is None or not isinstance(row, Mapping):
        return None
    value = row.get(id_key)
    return None if value is None else str(value)


def _score_rows(
    ruleset: Ruleset, rows: Iterable[Mapping[str, Any]], id_key: str | None, start: int
) -> Iterator[Evaluation | RowError]:
    # the key to take out of the facts: the id key, unless it is an input (then it is a fact too)
    key = id_key if all(spec.name != id_key for spec in ruleset.inputs) else None

    def row_error(exc: FactsError, number: int, row: Any) -> RowError:
        return RowError(exc.problems, number, _row_id(row, id_key))

    # the hot loop of a batch is compiled with the program: no call per row
    return ruleset.batch(rows, key, start - 1, row_error)


# A worker process's ruleset, unpickled once when the worker starts (not once per chunk: that
# would compile it again for every task).
_worker_ruleset: Ruleset | None = None


def _start_worker(pickled: bytes) -> None:
    import pickle

    global _worker_ruleset
    _worker_ruleset = pickle.loads(pickled)


def score_raw(
    ruleset: Ruleset, rows: Iterable[Mapping[str, Any]], id_key: str | None, start: int
) -> tuple[str, list[tuple[Any, ...] | RowError]]:
    """Score a chunk for another process: its results without their layout, and the fingerprint it was scored with.

    The layout (labels, rules, explanations) is the same for every result of a ruleset: only the
    values travel, and :func:`attach_layout` gives them the receiving side's own layout.
    """
    results: list[tuple[Any, ...] | RowError] = []
    for result in _score_rows(ruleset, rows, id_key, start):
        results.append(result if isinstance(result, RowError) else result[1:])  # a tuple's slice is a plain tuple
    return ruleset.fingerprint, results


def attach_layout(
    ruleset: Ruleset, scored: tuple[str, list[tuple[Any, ...] | RowError]]
) -> list[Evaluation | RowError]:
    """The results of :func:`score_raw` as evaluations sharing this ruleset's layout."""
    fingerprint, results = scored
    if fingerprint != ruleset.fingerprint:
        raise RuntimeError(
            f"a worker scored with ruleset {fingerprint[:12]}, not {ruleset.fingerprint[:12]}: "
            "the ruleset did not survive pickling"
        )
    head = (ruleset.layout,)
    new = tuple.__new__
    return [item if isinstance(item, RowError) else new(Evaluation, head + item) for item in results]


def _score_chunk(rows: list[Mapping[str, Any]], id_key: str | None, start: int) -> Any:
    assert _worker_ruleset is not None, "the worker was started without its ruleset"
    return score_raw(_worker_ruleset, rows, id_key, start)


def chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of ``size`` rows (the last one shorter), read lazily."""
    import itertools

    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _score_in_processes(
    ruleset: Ruleset,
    rows: Iterable[Mapping[str, Any]],
    id_key: str | None,
    start: int,
    workers: int,
    chunk_size: int,
) -> Iterator[Evaluation | RowError]:
    import collections
    import pickle
    from concurrent.futures import Future, ProcessPoolExecutor

    # pickled here whatever the start method (a forked worker would inherit the object): every
    # worker runs the ruleset rebuilt from its pickle, and attach_layout checks its fingerprint
    pool = ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(pickle.dumps(ruleset),))
    # two chunks per worker: one being scored, one waiting; more would only hold memory
    pending: collections.deque[Future[Any]] = collections.deque()
    try:
        number = start
        for chunk in chunks(rows, chunk_size):
            pending.append(pool.submit(_score_chunk, chunk, id_key, number))
            number += len(chunk)
            if len(pending) >= 2 * workers:
                yield from attach_layout(ruleset, pending.popleft().result())
        while pending:
            yield from attach_layout(ruleset, pending.popleft().result())
    finally:
        # a consumer that stops early (or an error) must not wait for chunks nobody will read
        pool.shutdown(wait=True, cancel_futures=True)
