"""Facts: the values an organisation is scored on, checked and converted before scoring.

The compiled program tests the common case inline (an int in range, a bool, a
known member) and calls the slow paths here only for anything else: text from
a data file, a number with too many places, a missing or unknown name. Every
problem is collected, so one :class:`FactsError` names all of them.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Context, Decimal, InvalidOperation
from typing import Any

import attrs

from partyrules.diagnostics import PartyrulesError, did_you_mean

FactValue = Any  # int | Decimal | bool | str | datetime.date


# ---------------------------------------------------------------- errors


@attrs.frozen
class FactProblem:
    """One thing wrong with the facts given for one input."""

    input: str
    message: str


class FactsError(PartyrulesError, ValueError):
    """The facts cannot be scored: every problem, by input name. Nothing was scored."""

    def __init__(self, problems: Iterable[FactProblem], row: str | None = None) -> None:
        self.problems: tuple[FactProblem, ...] = tuple(problems)
        self.row = row
        where = f"{row}: " if row else ""
        lines = [f"{where}{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''} with the facts:"]
        lines += [f"  {p.input}: {p.message}" for p in self.problems]
        super().__init__("\n".join(lines))

    def __reduce__(self) -> tuple[Any, ...]:
        # an exception pickles its message by default; a worker process must send back the problems
        return (type(self), (self.problems, self.row))


# ---------------------------------------------------------------- fact coercion (slow paths)
# The compiled program checks the common case inline (an int in range, a
# bool, a known member) and calls these only for anything else.

MAX_DIGITS = 1000
#: for reading values back (scaling fixed point, normalising): never the caller's context, whose
#: precision may be narrower than a value's digits and would round it silently
EXACT = Context(prec=MAX_DIGITS)


class _Missing:
    """No value given: a singleton that survives pickling (a rule's constants and an input's
    default travel to worker processes, and the compiled program tests ``is MISSING``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"  # pickled as a reference to this module's MISSING


MISSING: Any = _Missing()
FACT_MAGNITUDE = Decimal(10) ** 15


def too_many_digits(value: int | Decimal) -> bool:
    """Whether a number has more than :data:`MAX_DIGITS` digits (or a Decimal is as far from 1): what no
    reader hands on, in an input or any other column, since writing it out could take gigabytes."""
    if isinstance(value, int):
        return value.bit_length() > _MAX_BITS
    return value.is_finite() and (abs(value.adjusted()) > MAX_DIGITS or len(value.as_tuple().digits) > MAX_DIGITS)


def _oversized(name: str, value: object, problems: list[FactProblem]) -> bool:
    """A number of more than :data:`MAX_DIGITS` digits (or a Decimal as far from 1), refused before any
    conversion: writing an int that long raises ValueError, and int(Decimal("1E+999999999")) never ends."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, Decimal)):
        large = too_many_digits(value)
    elif isinstance(value, str):
        large = (
            len(value) > MAX_DIGITS
            and PLAIN_NUMBER.fullmatch(value.strip().removesuffix("%")) is not None
            and sum(map(str.isdigit, value)) > MAX_DIGITS
        )
    else:
        large = False
    if large:
        problems.append(FactProblem(name, f"is a number of more than {MAX_DIGITS} digits, more than partyrules reads"))
    return large


_MAX_BITS = 3322  # 2**3322 has 1,001 digits


def _number(value: object, percent: bool = False) -> Decimal | None:
    """An exact number from an int, a Decimal or plain decimal text ("87.5"; "87.5%" for a percentage)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str):
        text = value.strip()  # inner spaces are not thousands separators here: "1 0" is not 10
        if percent and text.endswith("%"):
            text = text[:-1]
        if not PLAIN_NUMBER.fullmatch(text):
            return None  # no exponents, no "inf", no "NaN": numbers as offices write them
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


# ASCII digits only, for numbers as for dates: "９０" and "٩٠" are refused, never read as 90
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)


#: the longest stretch of a refused value a problem quotes (a cell of a megabyte is not repeated whole)
SHOWN_VALUE = 80


def shown_value(value: object) -> str:
    """A refused value as a problem names it, in the words of the data rather than of Python: a text
    quoted, a number, date or time as written (``-1E-300``, ``2024-01-05 00:00:00``), a yes/no as
    ``true``/``false``; anything else by its repr; at most :data:`SHOWN_VALUE` characters."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (Decimal, datetime.date, datetime.time, datetime.timedelta)):
        text = str(value)
    else:
        text = repr(value)
    return text if len(text) <= SHOWN_VALUE else text[: SHOWN_VALUE - 1] + "…"


def _refuse(name: str, value: object, expected: str, problems: list[FactProblem]) -> None:
    shown = shown_value(value)
    if isinstance(value, float):
        problems.append(
            FactProblem(name, f"{shown} is a float, which is not exact; give {expected} as an int, a Decimal or a string")
        )
    else:
        problems.append(FactProblem(name, f"{shown} is not {expected}"))


def _absent(name: str, value: object, default: object, problems: list[FactProblem]) -> bool:
    """True when the fact was not given (missing, None or empty text); records it as missing unless there is a default."""
    if value is not None and value is not MISSING and not (isinstance(value, str) and not value.strip()):
        return False
    if default is MISSING:
        problems.append(FactProblem(name, "is missing"))
    return True


def coerce_integer(
    name: str, value: object, low: int | None, high: int | None, problems: list[FactProblem], default: object = MISSING
) -> Any:
    if _absent(name, value, default, problems):
        return default
    if _oversized(name, value, problems):
        return None
    number = _number(value)
    if number is None or number != number.to_integral_value():
        _refuse(name, value, "a whole number", problems)
        return None
    result = int(number)
    return _in_range(name, result, low, high, problems, str(result))


def coerce_decimal(
    name: str,
    value: object,
    low: Decimal | None,
    high: Decimal | None,
    places: int | None,
    problems: list[FactProblem],
    default: object = MISSING,
) -> Any:
    if _absent(name, value, default, problems):
        return default
    if _oversized(name, value, problems):
        return None
    number = _number(value)
    if number is None:
        _refuse(name, value, "a number", problems)
        return None
    return _decimal_checks(name, number, low, high, places, problems, str(number))


def coerce_percent(
    name: str,
    value: object,
    low: Any,
    high: Any,
    places: int | None,
    problems: list[FactProblem],
    default: object = MISSING,
) -> Any:
    """A percentage in percent units: 87.5, Decimal("87.5") or "87.5%" all mean 87.5 %."""
    if _absent(name, value, default, problems):
        return default
    if _oversized(name, value, problems):
        return None
    number = _number(value, percent=True)
    if number is None:
        _refuse(name, value, "a percentage (87.5 means 87.5 %)", problems)
        return None
    return _decimal_checks(name, number, low, high, places, problems, f"{number}%")


def _decimal_checks(
    name: str,
    number: Decimal,
    low: Decimal | None,
    high: Decimal | None,
    places: int | None,
    problems: list[FactProblem],
    shown: str,
) -> Any:
    exponent = number.as_tuple().exponent
    if places is not None and isinstance(exponent, int) and -exponent > places:
        normal = number.normalize(EXACT)
        exponent = normal.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            problems.append(FactProblem(name, f"{shown} has more decimal places than the {places} this input accepts"))
            return None
    return _in_range(name, number, low, high, problems, shown)


def _in_range(name: str, value: Any, low: Any, high: Any, problems: list[FactProblem], shown: str) -> Any:
    if low is None and high is None and abs(value) >= FACT_MAGNITUDE:
        problems.append(FactProblem(name, f"{shown} is too large"))
        return None
    if (low is not None and value < low) or (high is not None and value > high):
        problems.append(FactProblem(name, f"{shown} is outside the allowed range {_shown_range(low, high, shown)}"))
        return None
    return value


def _shown_range(low: Any, high: Any, shown: str) -> str:
    def show(v: Any) -> str:
        if v is None:
            return "…"
        return f"{v}%" if shown.endswith("%") else str(v)

    return f"{show(low)}..{show(high)}"


def coerce_boolean(name: str, value: object, problems: list[FactProblem], default: object = MISSING) -> Any:
    if _absent(name, value, default, problems):
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "1", "yes", "có", "co", "x"):
            return True
        if text in ("false", "0", "no", "không", "khong"):
            return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    _refuse(name, value, "true or false", problems)
    return None


class TextReader:
    """Text facts of one kind read once each: ``"95"`` as 95 for an integer input, ``"true"`` as True.

    For readers of data files (CSV, spreadsheets): facts that arrive typed take the program's
    inline test instead of its slow path, which reads text (ten times the cost). Only the form is
    read here; the range, the places and every message stay the ruleset's, so text that does not
    read cleanly is left as it is, for the ruleset to refuse in its own words. At most ``LIMIT``
    texts are remembered per kind (data files repeat few: booleans, small counts, rates).
    """

    LIMIT = 1 << 16

    def __init__(self, read: Callable[[str, list[FactProblem]], Any]) -> None:
        self._read = read
        self.known: dict[str, Any] = {}

    def __call__(self, text: str) -> Any:
        value = self.known.get(text, MISSING)
        if value is MISSING:
            problems: list[FactProblem] = []
            value = self._read(text, problems)
            if problems or value is None:
                value = text
            if len(self.known) < self.LIMIT:
                self.known[text] = value
        return value


#: a :class:`TextReader` for each kind of input whose text needs reading (members are text already)
TEXT_READERS: dict[str, TextReader] = {
    "integer": TextReader(lambda t, p: coerce_integer("", t, None, None, p)),
    "decimal": TextReader(lambda t, p: coerce_decimal("", t, None, None, None, p)),
    "percent": TextReader(lambda t, p: coerce_percent("", t, None, None, None, p)),
    "boolean": TextReader(lambda t, p: coerce_boolean("", t, p)),
    "date": TextReader(lambda t, p: coerce_date("", t, None, None, p)),
}


def coerce_member(
    name: str, value: object, members: tuple[str, ...], problems: list[FactProblem], default: object = MISSING
) -> Any:
    if _absent(name, value, default, problems):
        return default
    if isinstance(value, str) and value.strip() in members:
        return value.strip()
    shown = ", ".join(members)
    problems.append(FactProblem(name, f"{shown_value(value)} is not one of: {shown}"))
    return None


def coerce_level(
    name: str, value: object, members: tuple[str, ...], problems: list[FactProblem], default: object = MISSING
) -> Any:
    if isinstance(value, str) and value in members:
        return members.index(value)
    if _absent(name, value, default, problems):
        return default
    member = coerce_member(name, value, members, problems)
    return None if member is None else members.index(member)


def coerce_date(
    name: str,
    value: object,
    low: datetime.date | None,
    high: datetime.date | None,
    problems: list[FactProblem],
    default: object = MISSING,
) -> Any:
    if _absent(name, value, default, problems):
        return default
    if isinstance(value, datetime.datetime):
        _refuse(name, value, "a date (without a time)", problems)
        return None
    if isinstance(value, datetime.date):
        result = value
    elif isinstance(value, str):
        try:
            text = value.strip()
            if not _ISO_DATE.fullmatch(text):  # Python 3.11 also reads "20240101": one form on every Python
                raise ValueError(text)
            result = datetime.date.fromisoformat(text)
        except ValueError:
            _refuse(name, value, "a date written YYYY-MM-DD", problems)
            return None
    else:
        _refuse(name, value, "a date", problems)
        return None
    if (low is not None and result < low) or (high is not None and result > high):
        problems.append(FactProblem(name, f"{result} is outside the allowed range {low or '…'}..{high or '…'}"))
        return None
    return result


@attrs.frozen
class FactSpec:
    """One input as the slow path checks it: bounds and default in run-time units (percent units)."""

    name: str
    kind: str
    low: Any
    high: Any
    places: int | None
    default: Any
    members: tuple[str, ...]


def check_facts(
    specs: tuple[FactSpec, ...], facts: Mapping[str, Any], known: frozenset[str] | None = None
) -> tuple[Any, ...]:
    """Validate and convert every fact, or raise one :class:`FactsError` naming every problem.

    ``known``: the inputs' names (a compiled program passes the set it made once)."""
    problems: list[FactProblem] = []
    values: list[Any] = []
    for spec in specs:
        value: Any = facts.get(spec.name)
        kind = spec.kind
        if type(value) is str and (reader := TEXT_READERS.get(kind)) is not None:
            value = reader(value)  # its form read once per distinct text; its range and places checked here
        # typed and plainly valid (what the program's inline test accepts): nothing to convert or word
        kept = type(value)
        if (kept is int and kind == "integer") or (
            kept is Decimal and kind in ("percent", "decimal") and value.is_finite()
        ):
            low, high = spec.low, spec.high
            if spec.places is None and low is not None and high is not None and low <= value <= high:
                values.append(value)
                continue
        elif (kept is bool and kind == "boolean") or (kept is str and kind == "enum" and value in spec.members):
            values.append(value)
            continue
        if kind == "integer":
            value = coerce_integer(spec.name, value, spec.low, spec.high, problems, spec.default)
        elif kind == "decimal":
            value = coerce_decimal(spec.name, value, spec.low, spec.high, spec.places, problems, spec.default)
        elif kind == "percent":
            value = coerce_percent(spec.name, value, spec.low, spec.high, spec.places, problems, spec.default)
        elif kind == "boolean":
            value = coerce_boolean(spec.name, value, problems, spec.default)
        elif kind == "enum":
            value = coerce_member(spec.name, value, spec.members, problems, spec.default)
        elif kind == "level":
            value = coerce_level(spec.name, value, spec.members, problems, spec.default)
        elif kind == "date":
            value = coerce_date(spec.name, value, spec.low, spec.high, problems, spec.default)
        values.append(value)
    if known is None:
        known = frozenset(spec.name for spec in specs)
    for key in facts:
        if key not in known:
            hint = did_you_mean(str(key), known)
            problems.append(FactProblem(str(key), "is not an input of this ruleset" + (f"; {hint}" if hint else "")))
    if problems:
        raise FactsError(problems)
    return tuple(values)


def not_a_mapping(facts: object) -> Any:
    raise FactsError(
        [FactProblem("*", f"facts must be a mapping of input names to values, not {type(facts).__name__}")]
    )


class RowError(FactsError):
    """The facts of one row of a batch cannot be scored: the row's number, its id and every problem."""

    def __init__(self, problems: Iterable[FactProblem], number: int, id: str | None = None) -> None:
        super().__init__(problems, row=f"row {number}" if id is None else f"row {number} ({id})")
        self.number = number
        self.id = id

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception pickles its message only; a worker's error must come back whole
        return (RowError, (self.problems, self.number, self.id))


def without_key(facts: Mapping[str, Any], key: str) -> dict[str, Any]:
    """A copy of the facts without the id column."""
    out = dict(facts)
    out.pop(key, None)
    return out
