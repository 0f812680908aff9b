"""The built-in functions: their arguments, the kind of value each gives and its interval.

Functions of numbers (``min``, ``max``, ``clamp``, ``round``, ``count``) and of dates
(``days_between``, ``months_between``) check their arguments as expressions; functions of
criteria (``level``, ``worst_level``, ``full``, ``applicable``) take criteria by name and read
what the values pass already knows of them (their level scale), so they can only be checked
once the criteria they name are (the order pass puts those first).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING

from partyrules import nodes as n
from partyrules.checker.state import UNKNOWN, Info, Scope
from partyrules.diagnostics import did_you_mean
from partyrules.model import Resolution
from partyrules.nodes import BUILTINS
from partyrules.types import BOOLEAN, DECIMAL, INTEGER, Exact, Interval, Type, whole as exact_whole

if TYPE_CHECKING:
    from partyrules.checker.expressions import Expressions


def call(c: Expressions, node: n.Call, scope: Scope, expected: Type | None) -> Info:
    fn = node.function
    if fn not in BUILTINS:
        c.error("PR212", f"there is no function `{fn}`", node.span, did_you_mean(fn, BUILTINS))
        for arg in node.args:  # still checked: their own problems and uses count
            c.expr(arg, scope)
        return UNKNOWN
    if fn in _OF_VALUES:
        return _OF_VALUES[fn](c, node, scope)
    return _of_criteria(c, node)


# ---------------------------------------------------------------- functions of numbers and dates


def _extremes(c: Expressions, node: n.Call, scope: Scope) -> Info:
    fn, args = node.function, node.args
    if not args:
        c.error("PR213", f"`{fn}` needs at least one value", node.span)
        return UNKNOWN
    infos = [c.expr(a, scope) for a in args]
    info = c.unify(infos, list(args), f"the values of `{fn}`", node.span)
    if info.type is None:
        return info
    if not info.type.numeric:
        c.error("PR306", f"`{fn}` needs numbers", node.span)
        return UNKNOWN
    intervals = [i.interval for i in infos]
    if all(i is not None for i in intervals):
        info.interval = _extreme(fn, intervals)  # type: ignore[arg-type]
    return info


def _clamp(c: Expressions, node: n.Call, scope: Scope) -> Info:
    args = node.args
    if len(args) != 3:
        c.error("PR213", "`clamp` takes three values: clamp(x, low, high)", node.span)
        return UNKNOWN
    infos = [c.expr(a, scope) for a in args]
    info = c.unify(infos, list(args), "the values of `clamp`", node.span)
    if info.type is None:
        return UNKNOWN
    if not info.type.numeric:
        c.error("PR306", "`clamp` needs numbers", node.span)
        return UNKNOWN
    x, lo, hi = (i.interval for i in infos)
    if x is not None and lo is not None and hi is not None:
        info.interval = _extreme("min", [_extreme("max", [x, lo]), hi])
    return info


def _round(c: Expressions, node: n.Call, scope: Scope) -> Info:
    args = node.args
    if len(args) != 2 or not isinstance(args[1], n.Number) or args[1].percent:
        c.error("PR213", "`round` takes a value and a number of decimal places: round(x, 2)", node.span)
        return UNKNOWN
    places = int(args[1].value)
    if places != args[1].value or not 0 <= places <= 12:
        c.error("PR213", "`round` keeps 0 to 12 decimal places", args[1].span)
        return UNKNOWN
    info = c.expr(args[0], scope)
    if info.type is None:
        return UNKNOWN
    if not info.type.numeric or info.type.kind == "percent":
        c.error(
            "PR306",
            f"`round` rounds numbers, not {info.type.describe()}",
            args[0].span,
            "multiply a percentage by its points first",
        )
        return UNKNOWN
    interval = info.interval
    if interval is not None:
        c.prove(args[0], interval)
        interval = Interval(_round_fraction(interval.low, places), _round_fraction(interval.high, places))
    return Info(INTEGER if places == 0 else DECIMAL, interval)


def _count(c: Expressions, node: n.Call, scope: Scope) -> Info:
    for a in node.args:
        c.condition(a, scope, "each value of `count`")
    return Info(INTEGER, Interval(0, len(node.args)))


def _between(c: Expressions, node: n.Call, scope: Scope) -> Info:
    fn, args = node.function, node.args
    if len(args) != 2:
        c.error("PR213", f"`{fn}` takes two dates", node.span)
        return UNKNOWN
    infos = [c.expr(a, scope) for a in args]
    for a, i in zip(args, infos):
        if i.type is not None and i.type.kind != "date":
            c.error("PR306", f"`{fn}` needs dates, not {i.type.describe()}", a.span)
            return UNKNOWN
    interval = Interval.unbounded()
    start, end = infos[0].interval, infos[1].interval
    if start is not None and end is not None:
        days = end - start
        if fn == "days_between":
            interval = days
        elif days.low is not None and days.high is not None:
            # a month has 28 to 31 days: a sound, slightly wide bound on whole months
            low = min(Fraction(days.low, 28), Fraction(days.low, 31))
            high = max(Fraction(days.high, 28), Fraction(days.high, 31))
            interval = Interval(math.floor(low) - 1, math.ceil(high) + 1)
    return Info(INTEGER, interval)


_OF_VALUES: dict[str, Callable[[Expressions, n.Call, Scope], Info]] = {
    "min": _extremes,
    "max": _extremes,
    "clamp": _clamp,
    "round": _round,
    "count": _count,
    "days_between": _between,
    "months_between": _between,
}


# ---------------------------------------------------------------- functions of criteria


def _of_criteria(c: Expressions, node: n.Call) -> Info:
    fn = node.function
    if fn == "worst_level" and not node.args:
        targets = [name for name, v in c.criteria.items() if isinstance(v, n.Criterion) and v.level is not None]
        if not targets:
            c.error("PR214", "no criterion has a `level` rule", node.span)
            return UNKNOWN
        return _same_scale(c, targets, node)
    refs: list[str] = []
    for a in node.args:
        if not isinstance(a, n.Name) or a.name not in c.criteria:
            c.error(
                "PR214",
                f"`{fn}` takes criteria by name",
                a.span,
                did_you_mean(a.name, c.criteria) if isinstance(a, n.Name) else None,
            )
            return UNKNOWN
        c.resolutions[id(a)] = Resolution("criterion", a.name)
        refs.append(a.name)
    if fn == "worst_level":
        return _same_scale(c, refs, node)
    if len(refs) != 1:
        c.error("PR213", f"`{fn}` takes one criterion", node.span)
        return UNKNOWN
    target = c.criteria[refs[0]]
    if fn == "level":
        if not isinstance(target, n.Criterion) or target.level is None:
            c.error("PR214", f"`{refs[0]}` has no `level` rule", node.span)
            return UNKNOWN
        type_ = c.level_types.get(refs[0])
        return Info(type_) if type_ is not None else UNKNOWN
    if fn == "full":
        if target.maximum is None:
            c.error("PR214", f"`{refs[0]}` has no points", node.span)
            return UNKNOWN
        return Info(BOOLEAN)
    if fn == "applicable":
        return Info(BOOLEAN, None, True if target.applicable is None else None)
    return UNKNOWN  # pragma: no cover - every builtin is handled above


def _same_scale(c: Expressions, names: list[str], node: n.Call) -> Info:
    types = []
    for name in names:
        target = c.criteria[name]
        if not isinstance(target, n.Criterion) or target.level is None:
            c.error("PR214", f"`{name}` has no `level` rule", node.span)
            return UNKNOWN
        t = c.level_types.get(name)
        if t is None:
            return UNKNOWN
        types.append(t)
    if len(set(types)) > 1:
        c.error("PR305", "`worst_level` compares criteria rated on different level scales", node.span)
        return UNKNOWN
    return Info(types[0])


def _extreme(fn: str, intervals: list[Interval]) -> Interval:
    lows = [i.low for i in intervals]
    highs = [i.high for i in intervals]
    if fn == "min":
        low = None if any(v is None for v in lows) else min(v for v in lows if v is not None)
        finite = [v for v in highs if v is not None]
        high = min(finite) if finite else None
    else:
        finite = [v for v in lows if v is not None]
        low = max(finite) if finite else None
        high = None if any(v is None for v in highs) else max(v for v in highs if v is not None)
    return Interval(low, high)


def _round_fraction(value: Exact | None, places: int) -> Exact | None:
    if value is None:
        return None
    scaled = value * 10**places
    whole = math.floor(abs(scaled) + Fraction(1, 2))
    return exact_whole(Fraction(whole if scaled >= 0 else -whole, 10**places))
