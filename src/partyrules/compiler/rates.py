"""Quotients in integers: a rate compared, banded, tabled or rounded without building a Fraction.

A quotient is exact as a pair of integers, a numerator and a denominator that is positive at run
time. Compared with a threshold it needs no division at all (``a / b >= 0.9`` is
``10 * a >= 9 * b`` when ``b > 0``), and rounded it is one integer division with the
half-away-from-zero correction that ``round`` uses everywhere (:func:`partyrules.runtime.round_half_up`).
The pair is built only where every part is a whole number or a Decimal whose integer ratio is
read once, and only where the checker proved the sign of each divisor (:attr:`Model.proved`:
a divisor's range never contains 0, in a valid file, and the range of a guarded divisor is the
one its ``if`` gives). Anything else keeps the exact Fractions of :mod:`expressions`, and the
writer records which expression needed them (:attr:`Writer.fraction_sites`), for ``partyrules check``.

Every code string written here evaluates on its own: generated expressions are pure, so a part
used twice is written twice (or bound to a temporary where the first use surely runs first).
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import TYPE_CHECKING

from partyrules import nodes as n

if TYPE_CHECKING:
    from partyrules.compiler.expressions import Writer

#: Generated code that is a variable, a constant's name or a literal int: safe to repeat.
SIMPLE_CODE = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|-?[0-9]+")
#: (code of the numerator, code of the positive denominator, or None for 1)
Rational = tuple[str, str | None]
#: Comparison operators with their sides swapped: `p < n` is `n > p`.
FLIPPED = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}


def product(a: str | None, b: str | None) -> str | None:
    """Code of a * b where None is 1."""
    if a is None or a == "1":
        return b if b is not None or a is None else a
    if b is None or b == "1":
        return a
    return f"({a} * {b})"


def rational(w: Writer, node: n.Expr) -> Rational | None:
    """The node's exact value as integers (numerator, positive denominator), or None where that needs Fractions."""
    if isinstance(node, n.Number):
        value = w.fraction(node.value)  # a percentage literal holds its true value (90% is 0.9)
        return str(value.numerator), None if value.denominator == 1 else str(value.denominator)
    kind = w.type_of(node).kind
    if w.refs_points(node):
        if w.scale is None:
            return None  # points held as Decimals or ints, as the rules give them
        return w.scaled(node), None if w.factor == 1 else str(w.factor)  # points in units of 10**-scale
    if kind == "integer" and int_valued(w, node):
        return w.expr(node), None
    if isinstance(node, n.Name) and kind == "ratio":
        return w.ratio_lets.get(w.resolution(node).target or "")
    if isinstance(node, n.Name) and kind in ("decimal", "percent"):
        r = w.resolution(node)
        if r.kind == "input" and r.target is not None:
            return w.integer_ratio(r.target, kind == "percent")
        return None
    if isinstance(node, n.Unary) and node.op == "-":
        inner = rational(w, node.operand)
        return None if inner is None else (f"(-{inner[0]})", inner[1])
    if isinstance(node, n.Binary) and node.op in ("+", "-", "*", "/"):
        return _arithmetic(w, node)
    if isinstance(node, n.If) and w.type_of(node).numeric:
        then, other = rational(w, node.then), rational(w, node.otherwise)
        if then is None or other is None:
            return None
        condition = w.expr(node.condition)
        numerator = f"({then[0]} if {condition} else {other[0]})"
        if then[1] is None and other[1] is None:
            return numerator, None
        return numerator, f"({then[1] or 1} if {condition} else {other[1] or 1})"
    return None


def int_valued(w: Writer, node: n.Expr) -> bool:
    """Whether a whole-number expression is an int at run time: in a scale with fractional points, a
    rule's whole-number results (a band's 3) are Decimals, and so is a named value made of them."""
    if w.whole:
        return True
    for inner in n.nodes_in(node):
        if isinstance(inner, (n.Bands, n.Match, n.Table, n.If)):
            return False
        if isinstance(inner, n.Name):
            r = w.model.resolutions.get(id(inner))
            if r is not None and r.kind == "let":
                return False
    return True


def _arithmetic(w: Writer, node: n.Binary) -> Rational | None:
    left, right = rational(w, node.left), rational(w, node.right)
    if left is None or right is None:
        return None
    (a, b), (c, d) = left, right
    if node.op == "*":
        return f"({a} * {c})", product(b, d)
    if node.op in ("+", "-"):
        if b is None and d is None:
            return f"({a} {node.op} {c})", None
        return f"({product(a, d)} {node.op} {product(c, b)})", product(b, d)
    proved = w.model.proved.get(id(node.right))
    if proved is not None and proved.low is not None and proved.low > 0:
        return product(a, d) or a, product(b, c)
    if proved is not None and proved.high is not None and proved.high < 0:
        return f"(-{product(a, d)})", f"(-{product(b, c)})"
    # the checker refuses a divisor whose range holds 0 (PR503); a divisor checked in two scopes
    # keeps the union of its ranges, which may hold both signs: then a Fraction is exact
    return None  # pragma: no cover


def compare(w: Writer, node: n.Compare) -> str | None:
    """``a op b`` with a quotient on either side, cross-multiplied by the positive denominators."""
    left, right = rational(w, node.left), rational(w, node.right)
    if left is None or right is None:
        return None
    return f"({product(left[0], right[1])} {node.op} {product(right[0], left[1])})"


def threshold(value: Fraction, bound: Rational, op: str, evaluates: bool = False) -> str:
    """``subject op value`` for a subject's (numerator, denominator) codes: no division.
    ``evaluates``: the codes bind the subject's parts, so each must run (a 0 threshold too)."""
    numerator, denominator = bound
    if value == 0 and not evaluates:
        return f"{numerator} {op} 0"
    left = numerator if value.denominator == 1 else f"{numerator} * {value.denominator}"
    right = product(str(value.numerator), denominator) or "1"
    return f"{left} {op} {right}"


def bind(w: Writer, value: Rational) -> tuple[Rational, Rational]:
    """(codes that evaluate a quotient's parts first, codes that reuse them)."""
    numerator, denominator = value
    first_numerator, numerator_again = _once(w, numerator)
    if denominator is None:
        return (first_numerator, None), (numerator_again, None)
    first_denominator, denominator_again = _once(w, denominator)
    return (first_numerator, first_denominator), (numerator_again, denominator_again)


def _once(w: Writer, code: str) -> tuple[str, str]:
    if SIMPLE_CODE.fullmatch(code):
        return code, code
    t = w.temp()
    return f"({t} := {code})", t


def rounded(w: Writer, node: n.Expr, places: int, units: int | None) -> str | None:
    """``round(node, places)`` from integers: a Decimal (an int for 0 places) as ``round_half_up`` gives it,
    or, with ``units``, an int in units of 10**-(places + units) (fixed point)."""
    value = rational(w, node)
    if value is None:
        return None
    numerator, denominator = value
    scaled = numerator if places == 0 else f"({numerator} * {10**places})"
    if units is None:
        return f"round_ratio({scaled}, {denominator or 1}, {places})"
    if denominator is None:
        whole = scaled
    else:
        proved = w.model.proved.get(id(node))
        if proved is not None and proved.low is not None and proved.low >= 0:
            # never negative: floor(n / d + 1/2) is (2n + d) // 2d
            t = w.temp()
            whole = f"((2 * {scaled} + ({t} := {denominator})) // (2 * {t}))"
        else:
            whole = f"half_away({scaled}, {denominator})"
    return whole if units == 0 else f"({whole} * {10**units})"
