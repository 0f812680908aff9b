"""Value types of the criteria language and the interval arithmetic the checker reasons with.

Numbers come in four kinds: ``integer`` and ``decimal`` (plain numbers),
``percent`` (a share written ``90%``, carried as the exact fraction 0.9) and
``ratio`` (the exact rational a division gives; it must be rounded before it
can become points). Intervals are closed, with exact ends (:data:`Exact`: an int
where the end is whole, a :class:`Fraction` otherwise), and ``None`` for an unbounded end.
"""

from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple, TypeAlias

import attrs

NUMERIC = frozenset({"integer", "decimal", "percent", "ratio"})


@attrs.frozen
class Type:
    """A value type. ``name`` names an enumeration input or a level scale; ``members`` are its values, best first for levels."""

    kind: str  # integer decimal percent ratio boolean date enum level
    name: str | None = None
    members: tuple[str, ...] = ()

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC

    def describe(self) -> str:
        if self.kind == "enum":
            return f"one of {{{', '.join(self.members)}}}"
        if self.kind == "level":
            return f"a level of `{self.name}`"
        return {
            "integer": "a whole number",
            "decimal": "a number",
            "percent": "a percentage",
            "ratio": "an unrounded quotient",
            "boolean": "true or false",
            "date": "a date",
        }[self.kind]


INTEGER = Type("integer")
DECIMAL = Type("decimal")
PERCENT = Type("percent")
RATIO = Type("ratio")
BOOLEAN = Type("boolean")
DATE = Type("date")


def unify_numeric(a: Type, b: Type) -> Type | None:
    """The type of ``a + b`` (and of an if/bands with branches a and b); None if they do not mix."""
    if a.kind == "ratio" or b.kind == "ratio":
        return RATIO
    if a.kind == "percent" or b.kind == "percent":
        return PERCENT if a.kind == b.kind else None
    if a.kind == "integer" and b.kind == "integer":
        return INTEGER
    return DECIMAL


def multiply_type(a: Type, b: Type) -> Type:
    if a.kind == "ratio" or b.kind == "ratio":
        return RATIO
    if a.kind == "percent" and b.kind == "percent":
        return PERCENT
    if a.kind == "integer" and b.kind == "integer":
        return INTEGER
    return DECIMAL


#: An exact number: an int where it is whole, a Fraction otherwise. Most ends of intervals are whole
#: (ranges of counts, maxima, points), and int arithmetic is some fifty times faster than Fraction's;
#: an int and a Fraction of one value compare and hash alike, so either may stand for it. No end is
#: ever a float: a quotient of two ends is taken as a Fraction (:func:`reciprocal`).
Exact: TypeAlias = int | Fraction


def whole(value: Exact) -> Exact:
    """``value`` as an int when it is whole (a Fraction product such as ``4 × 1/4``), else itself."""
    if type(value) is int:
        return value
    return value.numerator if value.denominator == 1 else value


def quotient(numerator: int, denominator: int) -> Exact:
    """``numerator / denominator`` exactly: an int when it divides, else a Fraction (never a float)."""
    whole_part, rest = divmod(numerator, denominator)
    return whole_part if rest == 0 else Fraction(numerator, denominator)


def reciprocal(value: Exact) -> Exact:
    """``1 / value`` exactly (never a float); ``value`` is not zero."""
    return whole(Fraction(1, value))


class Interval(NamedTuple):
    """All values an expression can take: ``low <= x <= high``; None is unbounded.

    A named tuple, not an attrs class: the checker makes thousands, and a tuple is made in a third
    of the time a frozen attrs instance takes (and is as immutable). ``+`` and ``*`` are those of
    intervals, not of tuples."""

    low: Exact | None
    high: Exact | None

    @classmethod
    def point(cls, value: Exact) -> Interval:
        return cls(value, value)

    @classmethod
    def unbounded(cls) -> Interval:
        return cls(None, None)

    def contains(self, value: Exact) -> bool:
        return (self.low is None or self.low <= value) and (self.high is None or value <= self.high)

    def union(self, other: Interval) -> Interval:
        low = None if self.low is None or other.low is None else min(self.low, other.low)
        high = None if self.high is None or other.high is None else max(self.high, other.high)
        return Interval(low, high)

    def intersect(self, other: Interval) -> Interval | None:
        low = other.low if self.low is None else self.low if other.low is None else max(self.low, other.low)
        high = other.high if self.high is None else self.high if other.high is None else min(self.high, other.high)
        if low is not None and high is not None and low > high:
            return None
        return Interval(low, high)

    def __add__(self, other: Interval) -> Interval:  # type: ignore[override]
        low = None if self.low is None or other.low is None else self.low + other.low
        high = None if self.high is None or other.high is None else self.high + other.high
        return Interval(low, high)

    def __neg__(self) -> Interval:
        return Interval(None if self.high is None else -self.high, None if self.low is None else -self.low)

    def __sub__(self, other: Interval) -> Interval:
        low = None if self.low is None or other.high is None else self.low - other.high
        high = None if self.high is None or other.low is None else self.high - other.low
        return Interval(low, high)

    def __mul__(self, other: Interval) -> Interval:  # type: ignore[override]
        a, b, c, d = self.low, self.high, other.low, other.high
        if a is not None and b is not None and c is not None and d is not None:
            # both bounded (nearly always): the least and the greatest of the four products, or of
            # two when one side is a point (a number written in the file: one object for both ends)
            if c is d or a is b:
                first, second = (a * c, b * c) if c is d else (a * c, a * d)
                low, high = (first, second) if first <= second else (second, first)
            else:
                products = (a * c, a * d, b * c, b * d)
                low, high = min(products), max(products)
            if type(low) is not int or type(high) is not int:
                return Interval(whole(low), whole(high))
            return Interval(low, high)
        return self._unbounded_product(other)

    def _unbounded_product(self, other: Interval) -> Interval:
        """The product when an end of either is unbounded."""
        values: list[Exact] = []
        low_infinite = high_infinite = False
        for a, a_sign in ((self.low, -1), (self.high, 1)):
            for b, b_sign in ((other.low, -1), (other.high, 1)):
                if a is not None and b is not None:
                    values.append(a * b)
                    continue
                # an infinite end (sign given by which end it is) times another end
                sa = a_sign if a is None else (a > 0) - (a < 0)
                sb = b_sign if b is None else (b > 0) - (b < 0)
                if sa == 0 or sb == 0:
                    values.append(0)
                elif sa * sb > 0:
                    high_infinite = True
                else:
                    low_infinite = True
        low = None if low_infinite or not values else whole(min(values))
        high = None if high_infinite or not values else whole(max(values))
        return Interval(low, high)

    def divide(self, other: Interval) -> Interval:
        """Quotient interval; the divisor must not contain zero (the checker ensures it)."""
        if other.contains(0):
            return Interval.unbounded()
        a, b, c, d = self.low, self.high, other.low, other.high
        if type(a) is int and type(b) is int and type(c) is int and type(d) is int:
            # whole ends (nearly always: counts over counts): each end is one quotient of two ends
            if c < 0:  # a divisor below zero: x / y is -x / -y
                a, b, c, d = -b, -a, -d, -c
            # x / y is least at the least x over the greatest y when that x is not below 0, else over
            # the least y; greatest at the greatest x over the least y when not below 0, else the greatest
            return Interval(quotient(a, d if a >= 0 else c), quotient(b, c if b >= 0 else d))
        if other.low is None or other.high is None:
            # 1/x for unbounded x tends to zero: bound by the finite end.
            finite = other.low if other.low is not None else other.high
            assert finite is not None
            inverse = reciprocal(finite)
            reciprocals = Interval(min(0, inverse), max(0, inverse))
        else:
            low, high = reciprocal(other.low), reciprocal(other.high)
            reciprocals = Interval(min(low, high), max(low, high))
        return self * reciprocals

    def describe(self) -> str:
        return f"[{_show(self.low, '-∞')}, {_show(self.high, '+∞')}]"


def _show(value: Exact | None, infinite: str) -> str:
    if value is None:
        return infinite
    return format_fraction(value)


#: past this many bits (about 300 digits), a number in a message is shown to 6 significant digits
_SHOWN_BITS = 1000


def format_fraction(value: Exact) -> str:
    """A fraction as a person reads it: 2.5, 10, 1/3; a number of hundreds of digits (a formula of
    long factors) as ``about 5.99999E+4419``, since Python writes no int past 4,300 digits."""
    if value.numerator.bit_length() > _SHOWN_BITS or value.denominator.bit_length() > _SHOWN_BITS:
        return "about " + approximately(value)
    if value.denominator == 1:
        return str(value.numerator)
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator == 1:
        places = max(twos, fives)
        scaled = value * 10**places
        text = f"{abs(scaled.numerator) // 10**places}.{abs(scaled.numerator) % 10**places:0{places}d}"
        return ("-" if value < 0 else "") + text
    return f"{value.numerator}/{value.denominator}"


def approximately(value: Exact) -> str:
    """A fraction of any size to 6 significant digits, in scientific notation, exactly computed."""
    sign = "-" if value < 0 else ""
    value = abs(Fraction(value))
    if value == 0:
        return "0"
    # the power of ten from the sizes in bits (off by at most one, corrected below)
    exponent = int((value.numerator.bit_length() - value.denominator.bit_length()) * 0.30103)
    scaled = value / Fraction(10) ** exponent
    while scaled >= 10:
        scaled /= 10
        exponent += 1
    while scaled < 1:
        scaled *= 10
        exponent -= 1
    digits = round(scaled * 10**5)
    if digits >= 10**6:  # 9.999995 rounds up to 10.00000
        digits //= 10
        exponent += 1
    text = str(digits).rstrip("0") or "0"
    mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
    return f"{sign}{mantissa}E{exponent:+d}"
