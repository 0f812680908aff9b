"""Runtime: compiled rulesets, the exact arithmetic their programs call, and batches.

A :class:`Ruleset` holds the program the compiler generated (its text and
constants, linked here by :func:`link_program`) and scores organisations
into :class:`~partyrules.evaluation.Evaluation` objects, one at a time or
as a batch (:meth:`Ruleset.evaluate_many`, in this process or in workers).
Nothing here needs the front end: a pickled ruleset runs where lark is not
installed.
"""

from __future__ import annotations

import datetime
import functools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DecimalException,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    getcontext,
    localcontext,
)
from fractions import Fraction
from types import CodeType, MappingProxyType
from typing import Any

import attrs

from partyrules import facts, quota
from partyrules.evaluation import (
    ADDED as ADDED,
    APPLICABLE as APPLICABLE,
    BAND_GRADE as BAND_GRADE,
    CRITERIA_TOTAL as CRITERIA_TOTAL,
    DEDUCTED as DEDUCTED,
    EXEMPTIONS as EXEMPTIONS,
    FACTS as FACTS,
    GRADE as GRADE,
    HEAD as HEAD,
    KNOCKOUTS as KNOCKOUTS,
    LEVELS as LEVELS,
    POINTS as POINTS,
    REQUIREMENTS as REQUIREMENTS,
    TOTAL as TOTAL,
    AdjustmentResult as AdjustmentResult,
    CriterionResult as CriterionResult,
    Evaluation as Evaluation,
    Layout as Layout,
    RequirementResult as RequirementResult,
    RuleResult as RuleResult,
    RulesetRef as RulesetRef,
)
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


#: The context a program is run again in: its own, never a copy of the caller's, so that a caller's
#: rounding, exponent limits or trapped signals (Rounded, Clamped ...) change no result.
RETRY_CONTEXT = Context(
    prec=MAX_DIGITS,
    rounding=ROUND_HALF_EVEN,
    Emin=-999999,
    Emax=999999,
    capitals=1,
    clamp=0,
    flags=[],
    traps=[InvalidOperation, DivisionByZero, Overflow, Inexact],
)


def _retrying(context: Context) -> bool:
    """Whether ``context`` is the retry context already (a copy of it: ``localcontext`` copies)."""
    retry = RETRY_CONTEXT
    return (context.prec, context.rounding, context.Emin, context.Emax) == (
        retry.prec,
        retry.rounding,
        retry.Emin,
        retry.Emax,
    ) and all(context.traps[s] == on for s, on in retry.traps.items())


def retry_exactly(program: Callable[[Mapping[str, Any]], Any], facts: Mapping[str, Any]) -> Any:
    """Run a program again with many more digits after a value could not be held exactly, or after
    the caller's context signalled something it traps (the program catches every DecimalException)."""
    if _retrying(getcontext()):
        raise FactsError([FactProblem("*", f"a value needs more than {MAX_DIGITS} digits to be computed exactly")])
    with localcontext(RETRY_CONTEXT):
        return program(facts)


def fetch_facts(
    given: Any, names: tuple[str, ...], defaults: tuple[Any, ...], kinds: tuple[str | None, ...]
) -> tuple[Any, ...]:
    """A large program's facts by name, each input's default (or MISSING) where absent, a text fact
    read by the reader of its kind (as the program's own text path reads it, before its inline
    test); raises FactsError unless ``given`` is a mapping (as the program's inline reading does)."""
    if type(given) is not dict and not isinstance(given, Mapping):
        facts.not_a_mapping(given)
    get = given.get
    readers = facts.TEXT_READERS
    return tuple(
        [
            readers[kind](value) if kind is not None and type(value) is str else value
            for value, kind in zip([get(name, default) for name, default in zip(names, defaults)], kinds)
        ]
    )


def ordered_facts(names: tuple[str, ...], row: tuple[Any, ...]) -> dict[str, Any]:
    """The facts of a row given in the inputs' order (``names``), ``MISSING`` for one not given, as the
    mapping a batch takes: what the batch loop checks one by one when the row fails its inline test."""
    return {name: value for name, value in zip(names, row) if value is not MISSING}


def raise_row_error(exc: FactsError, number: int, row: Any) -> Any:
    """The row_error of a batch of one row that is a single evaluation (a large program's ``program``):
    the row's FactsError raised as it is, as the program raises it."""
    raise exc


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


def round_ratio(numerator: int, denominator: int, places: int) -> Any:
    """``round_half_up(Fraction(numerator, denominator * 10**places), places)`` from integers: the
    numerator comes already multiplied by 10**places, the denominator is positive."""
    whole = half_away(numerator, denominator)
    return whole if places == 0 else Decimal(whole).scaleb(-places)


def rescale_total(total: int | Decimal, dropped: int | Decimal, root_n: int, root_d: int, places: int) -> Any:
    """``total * root / (root - dropped)`` rounded as ``round_half_up`` rounds, in integers (root is
    root_n / root_d): the total of a scale whose not-applicable criteria are dropped from it."""
    total_n, total_d = total.as_integer_ratio()
    dropped_n, dropped_d = dropped.as_integer_ratio()
    numerator = total_n * root_n * dropped_d * 10**places
    return round_ratio(numerator, total_d * (root_n * dropped_d - dropped_n * root_d), places)


def half_away(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero."""
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    whole = (2 * abs(numerator) + denominator) // (2 * denominator)  # floor(|n| / d + 1/2)
    return whole if numerator >= 0 else -whole


#: Most values (10**-places steps from the lowest to the highest) of one table of :func:`scaled_texts`:
#: about 120 bytes an entry (a value is there in up to places + 1 forms, about 1.1 entries a value),
#: built once per process for every ruleset that reads the same range; at most 16 tables are kept.
MAX_SCALED_TABLE = 5_001
_SCALED_TEXTS: dict[tuple[int, int, int], dict[str, int]] = {}


def scaled_texts(first: int, last: int, places: int) -> dict[str, int]:
    """Every Decimal from ``first`` to ``last`` units of 10**-places, by its text, to its whole number of units.

    A compiled program reads a Decimal fact as an integer by ``str()`` and one lookup, about
    four times cheaper than ``as_integer_ratio()``: text is one-to-one with the Decimal's sign,
    digits and exponent, so a text found here is a value in range with at most ``places``
    places. Each value is here written with 0 to ``places`` decimals, as ``str`` writes it
    (``"8"``, ``"8.0"``, ``"8.00"``); any other form (``"8.000"``, ``"-0"``, ``"8E+1"``) is not,
    and takes the program's other path, which gives the same result. (A dict, not a read-only
    view: a view's lookups cost more, and only generated code, which never writes, reads it.)
    """
    key = (first, last, places)
    table = _SCALED_TEXTS.get(key)
    if table is None:
        table = {}
        for shown in range(places + 1):
            step = 10 ** (places - shown)
            for units in range(-(-first // step) * step, last + 1, step):
                table[str(Decimal(units // step).scaleb(-shown, EXACT))] = units
        # bounded (about 11 MB at most): a process that loads many rulesets keeps the last few
        if len(_SCALED_TEXTS) >= 16:
            _SCALED_TEXTS.pop(next(iter(_SCALED_TEXTS)))
        _SCALED_TEXTS[key] = table
    return table


def scaled_fact(value: Decimal, places: int) -> int:
    """A checked Decimal fact of at most ``places`` places as a whole number of 10**-places units, exactly."""
    numerator, denominator = value.as_integer_ratio()
    units: int = numerator * 10**places // denominator
    return units


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
#: the compiled batch loop: (rows, id key to ignore or None, number before the first row, row_error, and
#: whether each row is a tuple of the facts in the inputs' order: see :func:`ordered_facts`) -> results
Batch = Callable[
    [Iterable[Any], "str | None", int, Callable[["FactsError", int, Any], "RowError"], bool],
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
    #: the earlier periods the file reads (``periods`` declarations as syntax nodes), filled from the
    #: periods' own evaluations by :class:`partyrules.periods.Periods`
    periods: tuple[Any, ...] = attrs.field(eq=False, default=(), repr=False)

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
        rows: Iterable[Mapping[str, Any]] | Iterable[Sequence[Any]],
        *,
        id_key: str | None = "id",
        start: int = 1,
        workers: int | None = None,
        chunk_size: int = 1000,
        columns: Sequence[str | None] | None = None,
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

        ``columns``: each row is then a sequence of values in this order, not a mapping (a database
        cursor's rows, ``csv.reader``'s records after the header, ``itertuples(index=False)``), and is
        scored without a dict made for it. Each name is an input's, ``id_key`` (the id column), or
        ``None`` (a value to ignore); an input without a column takes its default. A row of another
        length, or a mapping or text, is a :class:`RowError`. Raises :class:`ValueError` for a name that
        is none of these, or a name given twice.
        """
        if columns is not None:
            columns = checked_columns(self, columns, id_key)
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be at least 1 (or None to score in this process), not {workers}")
        if workers is None:
            return _score_rows(self, rows, id_key, start, columns)
        return _score_in_processes(self, rows, id_key, start, workers, chunk_size, columns)

    def explain(self, facts: Mapping[str, Any]) -> str:
        return self.evaluate(facts).explain()

    def apply_quotas(self, rows: Iterable[Any]) -> tuple[Any, ...]:
        """The file's quotas over a batch: ``(id, evaluation)`` or ``(id, evaluation, columns)`` rows in,
        one :class:`partyrules.quota.Placement` per row out, in the same order (see :func:`partyrules.quota.apply`)."""
        return quota.apply(self.quotas, rows)

    def __reduce__(self) -> tuple[Any, ...]:
        # the program is generated code: pickle its text and constants and link it again on the other
        # side (runtime only: no parsing, checking or compiling of the criteria, no lark needed there)
        return (_restore, (self.pickled_state(),))

    def pickled_state(self) -> dict[str, Any]:
        """What a pickle of this ruleset carries (see ``_PICKLED``); :func:`restore` makes a ruleset of it again."""
        return {f.name: getattr(self, f.name) for f in _PICKLED}


#: what a pickled ruleset carries: everything but the program objects (rebuilt from ``code``) and the
#: checked model (front-end data, rebuilt from ``sources`` by the front end when a tool asks)
_PICKLED = tuple(f for f in attrs.fields(Ruleset) if f.name not in ("program", "batch", "model"))
#: rulesets restored in this process by (fingerprint, code): a worker that receives the same ruleset
#: with every task links it once
_RESTORED: dict[tuple[str, str], Ruleset] = {}


def restore(state: dict[str, Any], compiled: CodeType | None = None) -> Ruleset:
    """A ruleset from :meth:`Ruleset.pickled_state` (and its program's bytecode, when at hand)."""
    return _restore(state, compiled)


def _restore(state: dict[str, Any], compiled: CodeType | None = None) -> Ruleset:
    """A pickled ruleset again (``compiled``: its program's bytecode, when the cache of compiled rulesets has it)."""
    key = (state["fingerprint"], state["code"])
    known = _RESTORED.get(key)
    # the constants follow from the code and the fingerprint (and some, like itemgetters, never compare equal)
    if known is not None and all(getattr(known, k) == v for k, v in state.items() if k != "constants"):
        return known
    program, batch = link_program(state["code"], state["constants"], state["layout"], state["id"], compiled)
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
        "round_ratio": round_ratio,
        "half_away": half_away,
        "rescale_total": rescale_total,
        "scaled_texts": scaled_texts,
        "scaled_fact": scaled_fact,
        "days_between": days_between,
        "months_between": months_between,
        "worst": worst,
        "getcontext": getcontext,
        "Inexact": Inexact,
        "DecimalException": DecimalException,
        "InvalidOperation": InvalidOperation,
        "retry_exactly": retry_exactly,
        "raise_row_error": raise_row_error,
        "fetch_facts": fetch_facts,
        "ordered_facts": ordered_facts,
        "new_evaluation": tuple.__new__,
        "Evaluation": Evaluation,
        "without_key": facts.without_key,
        "EXACT": EXACT,
        # each kind's text reader and the texts it has read (a lookup before a call), for the program's text path
        **{f"read_{kind}": reader for kind, reader in facts.TEXT_READERS.items()},
        **{f"known_{kind}": reader.known for kind, reader in facts.TEXT_READERS.items()},
    }
)
#: the kinds of input whose text the program reads on its own path (members are text already)
TEXT_KINDS = frozenset(facts.TEXT_READERS)


@functools.lru_cache(maxsize=2)
def compiled_program(code: str, name: str) -> CodeType:
    """The generated text compiled to Python bytecode; the last two kept, for the cache of compiled
    rulesets (:mod:`partyrules.cache`), which stores the bytecode of the ruleset just compiled."""
    return compile(code, f"<partyrules {name}>", "exec")


def link_program(
    code: str, constants: Sequence[Any], layout: Layout, name: str, compiled: CodeType | None = None
) -> tuple[Program, Batch]:
    """The program and its batch loop from their generated text: ``make(LAYOUT, C0, C1, ...)`` called once.

    The constants are passed to a factory so the program reads them as closure cells, not globals.
    ``compiled`` is the text's bytecode when it is at hand (read from the cache), so it is not compiled again.
    """
    namespace = dict(PROGRAM_GLOBALS)
    exec(compiled if compiled is not None else compiled_program(code, name), namespace)
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
    ruleset: Ruleset,
    rows: Iterable[Any],
    id_key: str | None,
    start: int,
    columns: Sequence[str | None] | None = None,
) -> Iterator[Evaluation | RowError]:
    if columns is not None:
        return _score_columns(ruleset, rows, id_key, start, columns)
    # the key to take out of the facts: the id key, unless it is an input (then it is a fact too)
    key = id_key if all(spec.name != id_key for spec in ruleset.inputs) else None

    def row_error(exc: FactsError, number: int, row: Any) -> RowError:
        return RowError(exc.problems, number, _row_id(row, id_key))

    # the hot loop of a batch is compiled with the program: no call per row
    return ruleset.batch(rows, key, start - 1, row_error, False)


def checked_columns(ruleset: Ruleset, columns: Sequence[str | None], id_key: str | None) -> tuple[str | None, ...]:
    """``columns`` of :meth:`Ruleset.evaluate_many` as a tuple, once every name is known to be an input's, the
    id key or None (ignored); ValueError otherwise."""
    names = tuple(columns)
    inputs = {spec.name for spec in ruleset.inputs}
    unknown = [c for c in names if c is not None and c != id_key and c not in inputs]
    if unknown:
        raise ValueError(
            f"columns {', '.join(map(repr, unknown))} are not inputs of {ruleset.id} (nor the id key {id_key!r}; "
            f"None ignores a column): its inputs are {', '.join(sorted(inputs))}"
        )
    twice = sorted({c for c in names if c is not None and names.count(c) > 1})
    if twice:
        raise ValueError(f"columns {', '.join(map(repr, twice))} are named more than once")
    return names


def _score_columns(
    ruleset: Ruleset, rows: Iterable[Any], id_key: str | None, start: int, columns: Sequence[str | None]
) -> Iterator[Evaluation | RowError]:
    """Rows as sequences of values in the order of ``columns``, handed to the compiled batch loop as
    tuples of the facts in the inputs' order (what it unpacks and tests at once: no dict a row). A row
    that is no sequence of the right length is rejected here, before the loop, in its place."""
    import operator

    width = len(columns)
    where = {name: i for i, name in enumerate(columns) if name is not None}
    inputs = ruleset.layout.inputs
    # each input's place in the row with MISSING put after it (index ``width``: an input with no column)
    places = [where.get(name, width) for name in inputs]
    same = places == list(range(width)) and width == len(inputs)  # the row is already the inputs in order
    pick: Callable[[tuple[Any, ...]], tuple[Any, ...]]
    if len(places) == 1:
        only = places[0]
        pick = lambda row: (row[only],)  # noqa: E731 - itemgetter of one index gives the value, not a tuple
    else:
        pick = operator.itemgetter(*places)
    id_place = where.get(id_key) if id_key is not None else None
    rejected: list[RowError] = []  # rows refused here, waiting for the result of the row after them
    current: list[Any] = [None, start - 1]  # the row the loop took last, and its number

    def ordered() -> Iterator[tuple[Any, ...]]:
        number = start - 1
        for row in rows:
            number += 1
            size = len(row) if type(row) is tuple or type(row) is list else _sequence_length(row)
            if size != width:
                value = row[id_place] if id_place is not None and id_place < size else None
                message = (
                    f"the row has {size} values where its columns name {width}"
                    if size >= 0
                    else f"the row is a {type(row).__name__}, not a sequence of values in the columns' order"
                )
                rejected.append(RowError((FactProblem("(row)", message),), number, None if value is None else str(value)))
                continue
            current[0], current[1] = row, number
            yield row if same and type(row) is tuple else pick((*row, MISSING))

    def row_error(exc: FactsError, _counted: int, _facts: Any) -> RowError:
        # the row and its number as given (the loop counts only the rows it took, and takes them reordered)
        row, number = current
        value = row[id_place] if id_place is not None else None
        return RowError(exc.problems, number, None if value is None else str(value))

    for result in ruleset.batch(ordered(), None, start - 1, row_error, True):
        if rejected:
            yield from rejected
            rejected.clear()
        yield result
    yield from rejected


def _sequence_length(row: Any) -> int:
    """A row's number of values, or -1 when it is no sequence of values (a mapping, a text, a number)."""
    if isinstance(row, (str, bytes, Mapping)) or not isinstance(row, Sequence):
        return -1
    return len(row)


# A worker process's ruleset, unpickled once when the worker starts (not once per chunk: that
# would compile it again for every task).
_worker_ruleset: Ruleset | None = None


def _start_worker(pickled: bytes) -> None:
    import pickle

    global _worker_ruleset
    _worker_ruleset = pickle.loads(pickled)


def score_raw(
    ruleset: Ruleset,
    rows: Iterable[Any],
    id_key: str | None,
    start: int,
    columns: Sequence[str | None] | None = None,
) -> tuple[str, list[tuple[Any, ...] | RowError]]:
    """Score a chunk for another process: its results without their layout, and the fingerprint it was scored with.

    The layout (labels, rules, explanations) is the same for every result of a ruleset: only the
    values travel, and :func:`attach_layout` gives them the receiving side's own layout.
    """
    results: list[tuple[Any, ...] | RowError] = []
    for result in _score_rows(ruleset, rows, id_key, start, columns):
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


def _score_chunk(rows: list[Any], id_key: str | None, start: int, columns: Sequence[str | None] | None) -> Any:
    assert _worker_ruleset is not None, "the worker was started without its ruleset"
    return score_raw(_worker_ruleset, rows, id_key, start, columns)


def chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Lists of ``size`` rows (the last one shorter), read lazily."""
    import itertools

    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _score_in_processes(
    ruleset: Ruleset,
    rows: Iterable[Any],
    id_key: str | None,
    start: int,
    workers: int,
    chunk_size: int,
    columns: Sequence[str | None] | None = None,
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
            pending.append(pool.submit(_score_chunk, chunk, id_key, number, columns))
            number += len(chunk)
            if len(pending) >= 2 * workers:
                yield from attach_layout(ruleset, pending.popleft().result())
        while pending:
            yield from attach_layout(ruleset, pending.popleft().result())
    finally:
        # a consumer that stops early (or an error) must not wait for chunks nobody will read
        pool.shutdown(wait=True, cancel_futures=True)
