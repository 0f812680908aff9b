"""The checker's intervals with int ends where they are whole, against the same arithmetic in Fractions.

Interval ends are ints where whole and Fractions otherwise (``types.Exact``), since int arithmetic is
many times faster than Fraction's. Every operation must give the values the Fraction-only arithmetic
of before gives (drawn by hypothesis, ends of both kinds mixed), never a float; and the checker's
faster walks (the values an expression reads, the regions of a table's column) must find what the
plain ones find.
"""

from __future__ import annotations

import glob
import importlib.util
import itertools
import math
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import partyrules
from partyrules import api, nodes as n
from partyrules.checker import Checker, State, coverage, order
from partyrules.checker.state import Info
from partyrules.types import INTEGER, PERCENT, Exact, Interval, reciprocal, whole

End = Fraction | None

# ---------------------------------------------------------------- the arithmetic of before, in Fractions


def old_mul(a: tuple[End, End], b: tuple[End, End]) -> tuple[End, End]:
    """Interval.__mul__ as it was (Fraction ends)."""
    values: list[Fraction] = []
    low_infinite = high_infinite = False
    for x, x_sign in ((a[0], -1), (a[1], 1)):
        for y, y_sign in ((b[0], -1), (b[1], 1)):
            if x is not None and y is not None:
                values.append(x * y)
                continue
            sx = x_sign if x is None else (x > 0) - (x < 0)
            sy = y_sign if y is None else (y > 0) - (y < 0)
            if sx == 0 or sy == 0:
                values.append(Fraction(0))
            elif sx * sy > 0:
                high_infinite = True
            else:
                low_infinite = True
    low = None if low_infinite or not values else min(values)
    high = None if high_infinite or not values else max(values)
    return low, high


def old_divide(a: tuple[End, End], b: tuple[End, End]) -> tuple[End, End]:
    low, high = b
    if (low is None or low <= 0) and (high is None or high >= 0):
        return None, None
    if low is None or high is None:
        finite = low if low is not None else high
        assert finite is not None
        reciprocals = (min(Fraction(0), 1 / finite), max(Fraction(0), 1 / finite))
    else:
        reciprocals = (min(1 / low, 1 / high), max(1 / low, 1 / high))
    return old_mul(a, reciprocals)


def old_add(a: tuple[End, End], b: tuple[End, End]) -> tuple[End, End]:
    return (
        None if a[0] is None or b[0] is None else a[0] + b[0],
        None if a[1] is None or b[1] is None else a[1] + b[1],
    )


def old_sub(a: tuple[End, End], b: tuple[End, End]) -> tuple[End, End]:
    negated = (None if b[1] is None else -b[1], None if b[0] is None else -b[0])
    return old_add(a, negated)


# ---------------------------------------------------------------- drawn intervals

#: whole numbers half the time (most ends are), so that every end of two intervals is often an int
fractions = st.one_of(
    st.builds(Fraction, st.integers(-50, 50)), st.builds(Fraction, st.integers(-50, 50), st.integers(1, 12))
)


@st.composite
def intervals(draw: st.DrawFn) -> tuple[Interval, tuple[End, End]]:
    """An interval with ends of either kind (a whole end an int or a whole Fraction, at random), and
    the same interval in Fractions."""
    ends = sorted(draw(st.lists(fractions, min_size=2, max_size=2)))
    exact: list[Exact | None] = []
    plain: list[End] = []
    for end in ends:
        if draw(st.integers(0, 5)) == 0:
            exact.append(None)
            plain.append(None)
            continue
        as_int = end.denominator == 1 and draw(st.integers(0, 3)) > 0
        exact.append(end.numerator if as_int else end)
        plain.append(end)
    return Interval(exact[0], exact[1]), (plain[0], plain[1])


def ends(interval: Interval) -> tuple[End, End]:
    for end in (interval.low, interval.high):
        assert end is None or type(end) in (int, Fraction), f"an end that is neither an int nor a Fraction: {end!r}"
    return (
        None if interval.low is None else Fraction(interval.low),
        None if interval.high is None else Fraction(interval.high),
    )


@settings(max_examples=400, deadline=None)
@given(intervals(), intervals())
def test_the_arithmetic_gives_the_fraction_arithmetic_s_values(
    a: tuple[Interval, tuple[End, End]], b: tuple[Interval, tuple[End, End]]
) -> None:
    (x, xs), (y, ys) = a, b
    assert ends(x + y) == old_add(xs, ys)
    assert ends(x - y) == old_sub(xs, ys)
    assert ends(-x) == old_sub((Fraction(0), Fraction(0)), xs)
    assert ends(x * y) == old_mul(xs, ys)
    assert ends(x.divide(y)) == old_divide(xs, ys)
    joined = x.union(y)
    assert ends(joined) == (
        None if xs[0] is None or ys[0] is None else min(xs[0], ys[0]),
        None if xs[1] is None or ys[1] is None else max(xs[1], ys[1]),
    )
    common = x.intersect(y)
    low = xs[0] if ys[0] is None else ys[0] if xs[0] is None else max(xs[0], ys[0])
    high = xs[1] if ys[1] is None else ys[1] if xs[1] is None else min(xs[1], ys[1])
    empty = low is not None and high is not None and low > high
    assert (common is None) == empty
    if common is not None:
        assert ends(common) == (low, high)
    assert x.describe() == Interval(*xs).describe()  # the same text in a message


whole_ends = st.lists(st.integers(-30, 30), min_size=2, max_size=2).map(sorted)


@settings(max_examples=400, deadline=None)
@given(whole_ends, whole_ends)
def test_intervals_of_whole_ends_take_the_int_paths_to_the_fraction_arithmetic_s_values(
    a: list[int], b: list[int]
) -> None:
    """Every end an int (counts over counts): the quotient's and the product's own paths."""
    x, y = Interval(a[0], a[1]), Interval(b[0], b[1])
    xs, ys = (Fraction(a[0]), Fraction(a[1])), (Fraction(b[0]), Fraction(b[1]))
    assert ends(x.divide(y)) == old_divide(xs, ys)
    assert ends(x * y) == old_mul(xs, ys)
    assert ends(x + y) == old_add(xs, ys) and ends(x - y) == old_sub(xs, ys)


@settings(max_examples=200, deadline=None)
@given(intervals(), fractions)
def test_a_product_with_a_number_written_in_the_file_is_the_fraction_product(
    a: tuple[Interval, tuple[End, End]], number: Fraction
) -> None:
    """A number is a point interval, one object at both ends: the product's own path."""
    x, xs = a
    point = Interval.point(whole(number))
    assert ends(x * point) == old_mul(xs, (number, number))
    assert ends(point * x) == old_mul((number, number), xs)


@given(fractions)
def test_whole_and_reciprocal_are_exact_and_never_floats(value: Fraction) -> None:
    made = whole(value)
    assert made == value and (type(made) is int) == (value.denominator == 1)
    if value != 0:
        inverse = reciprocal(made)
        assert inverse == 1 / value and type(inverse) in (int, Fraction)


# ---------------------------------------------------------------- checked files: no float anywhere

ROOT = Path(partyrules.__file__).parent
SHIPPED = sorted(glob.glob(str(ROOT / "criteria" / "**" / "*.criteria"), recursive=True))


def generated(count: int) -> str:
    """A scale of ``count`` criteria in groups of ten, as benchmarks/bench_load.py writes them."""
    bench = Path(__file__).parent.parent / "benchmarks" / "bench_load.py"
    spec = importlib.util.spec_from_file_location("bench_load", bench)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text: str = module.generated_criteria(count)
    return text


def checked(path: str) -> Checker:
    state = api.analyse(Path(path).read_text(encoding="utf-8"), path).state
    assert state is not None
    return state


def every_interval(c: State) -> list[Interval]:
    found = list(c.intervals.values()) + list(c.proved.values()) + [c.total]
    found += [s.info.interval for s in c.symbols.values() if s.info is not None and s.info.interval is not None]
    return found


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: Path(p).name)
def test_a_shipped_file_s_intervals_have_exact_ends(path: str) -> None:
    for interval in every_interval(checked(path)):  # (a library has only its total's)
        ends(interval)


# ---------------------------------------------------------------- the faster walks find what walk finds


def deps_by_walk(c: State, expr: n.Expr) -> set[tuple[str, str]]:
    """The values an expression reads, found through nodes.walk (the order pass before)."""
    deps: set[tuple[str, str]] = set()
    for node in n.walk(expr):
        if isinstance(node, n.Name):
            symbol = c.symbols.get(node.name)
            if symbol is not None and symbol.kind in ("let", "points"):
                deps.add((symbol.kind, node.name))
        elif isinstance(node, n.Call):
            order._call_deps(c, node, deps)
    return deps


def expressions_of(c: State) -> list[n.Expr]:
    found: list[n.Expr] = [let.value for let in c.lets.values()]
    for info in c.criterion_infos + c.deduction_infos + c.bonus_infos:
        found += [e for e in (info.points, info.level) if e is not None]
        if info.applicable is not None:
            found.append(info.applicable.condition)
    return found


def test_the_order_pass_finds_what_walk_finds() -> None:
    states = [checked(path) for path in SHIPPED] + [api.analyse(generated(100), "g.criteria").state]
    compared = 0
    for c in states:
        assert c is not None
        for expr in expressions_of(c):
            assert order._deps(c, expr) == deps_by_walk(c, expr)
            compared += 1
    assert compared > 200


@st.composite
def columns(draw: st.DrawFn) -> tuple[Info, list[Exact]]:
    """A number column's interval (ends whole or not, bounded or not) and its cells' thresholds."""
    kind = draw(st.sampled_from([INTEGER, PERCENT]))
    values = sorted(draw(st.lists(fractions, min_size=2, max_size=2)))
    if kind == INTEGER:
        values = [Fraction(math.floor(values[0])), Fraction(math.ceil(values[1]))]
    low, high = (whole(v) if draw(st.integers(0, 4)) else None for v in values)
    thresholds = [whole(t) for t in draw(st.lists(fractions, max_size=6))]
    return Info(kind, Interval(low, high)), thresholds


def pieces_before(column: Info, thresholds: list[Exact]) -> list[Exact]:
    """The regions' values as the checker found them before: a set of every value, sorted."""
    dom = column.interval
    assert dom is not None and column.type is not None
    cuts = sorted({t for t in thresholds if dom.contains(t)})
    found: list[Exact] = list(cuts)
    found += [end for end in (dom.low, dom.high) if end is not None]
    for lo, hi in zip([dom.low, *cuts], [*cuts, dom.high]):
        rep = coverage._inside(lo, hi, column.type.kind == "integer")
        if rep is not None:
            found.append(rep)
    return sorted(set(found))


@settings(max_examples=400, deadline=None)
@given(columns())
def test_a_column_s_regions_are_those_of_the_set_of_before(drawn: tuple[Info, list[Exact]]) -> None:
    column, thresholds = drawn
    pieces, _ = coverage._pieces(column, thresholds)
    before = pieces_before(column, thresholds)
    assert pieces == before
    assert all(a < b for a, b in itertools.pairwise(pieces))
