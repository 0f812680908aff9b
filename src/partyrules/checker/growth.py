"""How large a value can grow: the limit that keeps checking and scoring bounded (PR504).

The nesting limit (PR002) bounds one formula, not a chain of named values: ``let a1 = a0 * a0;
let a2 = a1 * a1; …`` squares at each step, so twenty steps make numbers of a million digits,
which neither the checker's intervals nor the compiled program could work out in any time. Two
measures refuse such a chain at the first step past the limit, before anything is computed with it:

* the **magnitude**: an end of a formula's interval (its value for the worst facts the ranges allow)
  of 10^100 or more, or an exact quotient that needs a denominator of 10^100 or more (repeated
  division by 3 makes 3^k). A score sheet multiplies a few counts, rates and points: its numbers
  stay far below that, even with the 40-digit numbers a file may write (PR013).
* the **factors**: how many numbers (inputs, written numbers, named values counted with their own
  factors) a value multiplies or divides together; a sum of quotients counts the factors of each
  term (their denominators multiply). A fact may have 1,000 digits (an input without a range or
  ``places``; one without a range has no interval at all), so the intervals alone do not bound a
  product of facts; at most :data:`MAX_FACTORS` factors keep any value within 64 times the digits
  of its longest number (an average of 32 quotients before it is rounded is allowed). ``round`` of a value whose range is known starts again from one factor:
  it has as many digits as its range and places.

Every arithmetic expression is measured as soon as its interval is made, so the interval arithmetic
never multiplies an end of 10^100 or more: the chain is refused before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from partyrules import nodes as n
from partyrules.types import Interval, Type, approximately

if TYPE_CHECKING:
    from partyrules.checker.state import State

#: no end of an interval may reach this, nor a denominator (PR504)
MAX_MAGNITUDE = 10**100
#: the bit length of :data:`MAX_MAGNITUDE`: a number of fewer bits is below it (the cheap test first)
_BITS = MAX_MAGNITUDE.bit_length()
#: the most numbers a value may multiply or divide together (PR504)
MAX_FACTORS = 64
HINT = "a score multiplies a few counts, rates and points; round a quotient before it is multiplied again"


def _huge(value: int) -> bool:
    return value.bit_length() >= _BITS and abs(value) >= MAX_MAGNITUDE


def too_large(interval: Interval) -> str | None:
    """Why ``interval`` passes the limit of magnitude (a message), or None when it does not."""
    for end in (interval.low, interval.high):
        if end is None:
            continue
        if type(end) is int:
            if _huge(end):
                return f"this can reach about {approximately(end)}, 10^100 or more"
            continue
        if _huge(end.numerator) or _huge(end.denominator):
            denominator = approximately(end.denominator)
            return f"this can reach about {approximately(end)}, an exact quotient with a denominator of about {denominator}, 10^100 or more"
    return None


def _end_known(interval: Interval | None) -> bool:
    return interval is not None and interval.low is not None and interval.high is not None


def check(c: State, node: n.Binary, type_: Type, interval: Interval | None) -> str | None:
    """Why the value of ``node`` (of kind ``type_``, in ``interval``) passes a limit, or None.

    Its factors are counted and remembered here, before the expressions' table has its kind."""
    left, right = factors(c, node.left), factors(c, node.right)
    count = left + right if node.op in ("*", "/") or type_.kind == "ratio" else max(left, right)
    c.factors[id(node)] = count
    if count > MAX_FACTORS:
        return f"this multiplies {count} numbers together (named values counted with theirs), more than {MAX_FACTORS}"
    return None if interval is None else too_large(interval)


def factors(c: State, node: n.Expr) -> int:
    """How many numbers ``node`` multiplies or divides together (see the module's text), once a node."""
    key = id(node)
    known = c.factors.get(key)
    if known is not None:
        return known
    c.factors[key] = 1  # (a name that refers back to itself: reported elsewhere, counted once here)
    count = _count(c, node)
    c.factors[key] = count
    return count


def _count(c: State, node: n.Expr) -> int:
    if isinstance(node, n.Binary):
        if node.op in ("and", "or"):
            return 1
        left, right = factors(c, node.left), factors(c, node.right)
        type_ = c.types.get(id(node))
        if node.op in ("*", "/") or (type_ is not None and type_.kind == "ratio"):
            return left + right
        return max(left, right)
    if isinstance(node, n.Name):
        let = c.lets.get(node.name)
        if let is not None:
            return factors(c, let.value)
        criterion = c.criteria.get(node.name)
        return 1 if criterion is None else _criterion(c, criterion)
    if isinstance(node, n.Call):
        if node.function == "round" and node.args and _end_known(c.proved.get(id(node.args[0]))):
            return 1  # as many digits as its range and places
        if node.function in ("min", "max", "clamp", "round"):
            return max((factors(c, arg) for arg in node.args), default=1)
        return 1  # a count, a number of days or months, a level's points
    if isinstance(node, n.Unary):
        return factors(c, node.operand)
    if isinstance(node, n.If):
        return max(factors(c, node.then), factors(c, node.otherwise))
    results: list[n.Expr] = []
    if isinstance(node, n.Bands):
        results = [band.result for band in node.bands]
    elif isinstance(node, n.Match):
        results = [arm.result for arm in node.arms]
    elif isinstance(node, n.Table):
        results = [row.result for row in node.rows]
    if isinstance(node, (n.Bands, n.Match, n.Table)) and node.otherwise is not None:
        results.append(node.otherwise)
    return max((factors(c, result) for result in results), default=1)


def _criterion(c: State, node: n.Criterion | n.Adjustment) -> int:
    if node.points is not None:
        return factors(c, node.points)
    if isinstance(node, n.Criterion) and node.children:
        return max(_criterion(c, child) for child in node.children)
    return 1
