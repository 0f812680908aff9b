"""Linear facts: what a condition or a constraint says about sums of values, and the bounds it gives.

Intervals alone lose the link between values: in ``if members - exempt > 0 then present /
(members - exempt)`` the interval of ``members - exempt`` is computed from those of ``members``
and ``exempt``, which the condition does not narrow, and a ``constraint present <= members``
bounds neither name alone. A :class:`Fact` keeps such a statement as ``form >= 0``, with
``form`` a :class:`Linear` combination of names; :func:`refine` and :func:`quotient` then narrow
an interval by it. Both are sound: each bound they give holds for every value that passes the
facts, since it is a fact times a coefficient of the right sign plus a remainder bounded by the
intervals of its names (one step of Fourier-Motzkin elimination, one name at a time).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction

import attrs

from partyrules import nodes as n
from partyrules.types import Interval

#: the Fractions every form is made with, made once (a Fraction is immutable)
ZERO, ONE, MINUS_ONE = Fraction(0), Fraction(1), Fraction(-1)

#: a number written in the file as a Fraction, made once per value (``Fraction(Decimal)`` is slow;
#: equal Decimals give equal Fractions)
_fraction = functools.lru_cache(maxsize=4096)(Fraction)

#: past this many names a form is not followed (a sum of every item of a sheet tells nothing useful)
MAX_NAMES = 16


@attrs.frozen
class Linear:
    """``constant + Σ coefficient × name``; coefficients are never zero."""

    terms: tuple[tuple[str, Fraction], ...]
    constant: Fraction = ZERO

    @classmethod
    def of(cls, terms: Mapping[str, Fraction], constant: Fraction) -> Linear:
        return cls(tuple(sorted((k, v) for k, v in terms.items() if v != 0)), constant)

    @functools.cached_property
    def names(self) -> dict[str, Fraction]:
        return dict(self.terms)

    def plus(self, other: Linear, factor: Fraction = ONE) -> Linear:
        """``self + factor × other``."""
        terms = dict(self.terms)
        for name, value in other.terms:
            terms[name] = terms.get(name, ZERO) + factor * value
        return Linear.of(terms, self.constant + factor * other.constant)

    def times(self, factor: Fraction) -> Linear:
        return Linear.of({k: v * factor for k, v in self.terms}, self.constant * factor)

    def interval(self, box: Callable[[str], Interval | None]) -> Interval:
        """The values the form takes when each name stays in its interval."""
        low: Fraction | None = self.constant
        high: Fraction | None = self.constant
        for name, coefficient in self.terms:
            known = box(name)
            least, most = (None, None) if known is None else (known.low, known.high)
            if coefficient < 0:
                least, most = most, least
            low = None if low is None or least is None else low + coefficient * least
            high = None if high is None or most is None else high + coefficient * most
        return Interval(low, high)


@attrs.frozen
class Fact:
    """``form >= 0`` holds wherever the fact is known."""

    form: Linear


def linear(
    node: n.Expr, variable: Callable[[str], bool], memo: dict[int, Linear | None] | None = None
) -> Linear | None:
    """The linear form of ``node``, or None when it is not one: names that ``variable`` accepts,
    numbers, ``+``, ``-``, and products and quotients by a number."""
    if memo is not None and id(node) in memo:
        return memo[id(node)]
    form = _linear(node, variable, memo)
    if form is not None and len(form.terms) > MAX_NAMES:
        form = None
    if memo is not None:
        memo[id(node)] = form
    return form


def _linear(node: n.Expr, variable: Callable[[str], bool], memo: dict[int, Linear | None] | None) -> Linear | None:
    if isinstance(node, n.Number):
        return Linear((), _fraction(node.value))
    if isinstance(node, n.Name):
        return Linear(((node.name, ONE),)) if variable(node.name) else None
    if isinstance(node, n.Unary) and node.op == "-":
        operand = linear(node.operand, variable, memo)
        return None if operand is None else operand.times(MINUS_ONE)
    if not isinstance(node, n.Binary) or node.op not in ("+", "-", "*", "/"):
        return None
    left = linear(node.left, variable, memo)
    right = linear(node.right, variable, memo)
    if left is None or right is None:
        return None
    if node.op in ("+", "-"):
        return left.plus(right, ONE if node.op == "+" else MINUS_ONE)
    if node.op == "*":
        if not left.terms:
            return right.times(left.constant)
        return left.times(right.constant) if not right.terms else None
    if right.terms or right.constant == 0:
        return None
    return left.times(1 / right.constant)


def facts_of(
    op: str, left: Linear, right: Linear, whole: Callable[[Linear], bool], positive: bool = True
) -> tuple[Fact, ...]:
    """The facts ``left op right`` gives where it is true (``positive``) or false."""
    if not positive:
        op = {">": "<=", "<": ">=", ">=": "<", "<=": ">", "==": "!=", "!=": "=="}[op]
    if op in ("<", "<="):
        left, right, op = right, left, op.replace("<", ">")
    difference = left.plus(right, MINUS_ONE)  # difference op 0
    if not difference.terms:
        return ()
    if op == ">=":
        return (Fact(difference),)
    if op == ">":
        # a whole form above 0 is at least 1; any other only at least 0 (weaker, still true)
        step = ONE if whole(difference) else ZERO
        return (Fact(difference.plus(Linear((), step), MINUS_ONE)),)
    if op == "==":
        return (Fact(difference), Fact(difference.times(MINUS_ONE)))
    return ()


#: the most facts the constraints give once chained (a handful of constraints give a few dozen)
MAX_FACTS = 64


def closure(facts: Iterable[Fact]) -> tuple[Fact, ...]:
    """The facts and what follows from pairs of them by eliminating a name (Fourier-Motzkin), to a fixed point.

    ``b - a >= 0`` and ``c - b >= 0`` give ``c - a >= 0``: a constraint chain ``a <= b``, ``b <= c``
    bounds ``a / c``. Each new fact is a sum of known ones with positive factors, so it holds
    wherever they do; the search stops at :data:`MAX_FACTS` (what it found by then still holds).
    """
    known: dict[Linear, Fact] = {}
    for fact in facts:
        known.setdefault(_normal(fact.form), fact)
    queue = list(known.values())
    done: list[Fact] = []
    while queue and len(known) < MAX_FACTS:
        fact = queue.pop(0)
        for other in done:
            for name, coefficient in fact.form.terms:
                theirs = other.form.names.get(name)
                if theirs is None or (theirs > 0) == (coefficient > 0):
                    continue
                combined = fact.form.times(abs(theirs)).plus(other.form, abs(coefficient))
                if not combined.terms or len(combined.terms) > MAX_NAMES:
                    continue
                key = _normal(combined)
                if key not in known and len(known) < MAX_FACTS:
                    known[key] = Fact(combined)
                    queue.append(known[key])
        done.append(fact)
    return tuple(known.values())


def _normal(form: Linear) -> Linear:
    """The form scaled so its first coefficient is 1 or -1 (the same fact, one key)."""
    return form.times(1 / abs(form.terms[0][1])) if form.terms else form


def refine(form: Linear, interval: Interval, facts: Iterable[Fact], box: Callable[[str], Interval | None]) -> Interval:
    """``interval`` (the form's values from its names' intervals) narrowed by the facts."""
    names = form.names
    for fact in facts:
        if names.keys().isdisjoint(fact.form.names):
            continue
        for name, coefficient in fact.form.terms:
            own = names.get(name)
            if own is None:
                continue
            # form = scale × fact + rest, the name cancelled in rest; fact >= 0
            scale = own / coefficient
            rest = _range(((form, Fraction(1)), (fact.form, -scale)), box)
            bound = Interval(rest.low, None) if scale > 0 else Interval(None, rest.high)
            narrowed = interval.intersect(bound)
            if narrowed is not None:  # an empty one: the facts cannot all hold here; keep what is known
                interval = narrowed
    return interval


def quotient(
    numerator: Linear,
    divisor: Linear,
    divisor_interval: Interval,
    interval: Interval,
    facts: Iterable[Fact],
    box: Callable[[str], Interval | None],
) -> Interval:
    """The interval of ``numerator / divisor`` narrowed by the facts; the divisor's sign is proved."""
    if divisor_interval.low is not None and divisor_interval.low > 0:
        positive = divisor
    elif divisor_interval.high is not None and divisor_interval.high < 0:
        positive, numerator = divisor.times(Fraction(-1)), numerator.times(Fraction(-1))
    else:
        return interval
    facts = tuple(facts)
    high = _upper(numerator, positive, facts, box)
    low = _upper(numerator.times(Fraction(-1)), positive, facts, box)
    bound = Interval(None if low is None else -low, high)
    return interval.intersect(bound) or interval


def _upper(
    numerator: Linear, divisor: Linear, facts: tuple[Fact, ...], box: Callable[[str], Interval | None]
) -> Fraction | None:
    """The least ``t`` found with ``numerator <= t × divisor`` (divisor > 0), so the quotient is at most ``t``.

    ``t × divisor - numerator = scale × fact + rest`` with ``scale >= 0`` and ``rest >= 0`` on
    the intervals: the scale cancels a name of the numerator, ``t`` one of the divisor."""
    best: Fraction | None = None
    divisor_terms = divisor.names
    for fact in facts:
        for name, coefficient in fact.form.terms:
            own = numerator.names.get(name)
            if own is None or name in divisor_terms:
                continue
            scale = -own / coefficient
            if scale < 0:
                continue
            moved = numerator.plus(fact.form, scale)  # t × divisor - moved must be >= 0
            for other, weight in divisor.terms:
                t = moved.names.get(other, Fraction(0)) / weight
                rest = _range(((divisor, t), (moved, Fraction(-1))), box)
                if rest.low is not None and rest.low >= 0 and (best is None or t < best):
                    best = t
    return best


def _range(parts: tuple[tuple[Linear, Fraction], ...], box: Callable[[str], Interval | None]) -> Interval:
    """The interval of ``Σ factor × form`` (what ``plus`` then ``interval`` give, without building the form)."""
    constant = Fraction(0)
    terms: dict[str, Fraction] = {}
    for form, factor in parts:
        constant += factor * form.constant
        for name, coefficient in form.terms:
            terms[name] = terms.get(name, Fraction(0)) + factor * coefficient
    return Linear(tuple((k, v) for k, v in terms.items() if v != 0), constant).interval(box)
