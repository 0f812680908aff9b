"""Values: each ``let``, applicability, points and level checked, in the order the order pass found.

Checking a value records its type and interval on its name, so the values checked after it
(which may read it) are bounded by it. Points must stay within 0 and their ``max`` for every
allowed fact (PR501, PR502): the checker proves it here, so nothing is cut off at run time.
"""

from __future__ import annotations

import attrs

from partyrules import nodes as n
from partyrules.checker.expressions import Expressions
from partyrules.checker.linear import Fact, closure
from partyrules.checker.state import Declared, Info, Scope, exact, show
from partyrules.model import CriterionInfo
from partyrules.types import DECIMAL, INTEGER, Exact, Interval

#: The scope a value of each kind is checked in: nothing narrowed, no fact. Made once: a scope is
#: never changed (an expression inside a condition gets a new one).
_SCOPES = {where: Scope(where) for where in ("let", "applicable", "points", "level")}


def facts(c: Expressions) -> None:
    """What the constraints say of sums of inputs: every value is checked knowing it (``present <= members``
    bounds ``present / members`` by 1), since facts that break a constraint are never scored."""
    found: list[Fact] = []
    for constraint in (d for d in c.tree.declarations if isinstance(d, n.Constraint)):
        for fact in c.facts_of(constraint.condition, True):
            if all(c.symbols[name].kind == "input" for name, _ in fact.form.terms):
                found.append(fact)
    c.facts = closure(found)


def values(c: Expressions) -> None:
    for kind, name in c.order:
        if kind == "let":
            info = c.expr(c.lets[name].value, _SCOPES["let"])
            symbol = c.symbols.get(name)
            if symbol is not None and symbol.kind == "let":
                symbol.type = info.type
                symbol.info = info
        elif kind == "applicable":
            node = c.criteria[name]
            assert node.applicable is not None
            c.condition(node.applicable.condition, _SCOPES["applicable"], "an `applicable when` condition")
        elif kind == "points":
            _points(c, name)
        elif kind == "level":
            _level(c, name)
    # the model's criteria carry what their values turned out to be
    c.criterion_infos = [_finish(c, d) for d in c.declared_criteria]
    c.deduction_infos = [_finish(c, d) for d in c.declared_deductions]
    c.bonus_infos = [_finish(c, d) for d in c.declared_bonuses]


def _finish(c: Expressions, declared: Declared) -> CriterionInfo:
    """A declared criterion with what its values turned out to be (every field is named: one added fails here)."""
    node = declared.node
    return CriterionInfo(
        name=node.name,
        label=node.label,
        kind=node.kind,
        number=declared.number,
        parent=declared.parent,
        children=declared.children,
        maximum=node.maximum.value if node.maximum is not None else None,
        points=node.points,
        level=node.level if isinstance(node, n.Criterion) else None,
        level_type=c.level_types.get(node.name),
        applicable=node.applicable,
        citations=node.citations,
        notes=node.notes,
        status=declared.status,
        interval=c.intervals.get(node.name),
        span=node.span,
    )


def _points(c: Expressions, name: str) -> None:
    node = c.criteria[name]
    maximum = exact(node.maximum.value) if node.maximum is not None else None
    symbol = c.symbols.get(name)
    if isinstance(node, n.Criterion) and node.kind == "group":
        info = _group(c, node)
    else:
        if node.points is None:
            return
        info = c.expr(node.points, _SCOPES["points"])
        if info.type is not None and info.type.kind not in ("integer", "decimal"):
            hint = {
                "ratio": "a division must be rounded before it becomes points: write `round(..., 2)`",
                "percent": "multiply the percentage by the points it is worth, e.g. `rate * 30`",
            }.get(info.type.kind)
            c.error("PR304", f"points must be a number, but this is {info.type.describe()}", node.points.span, hint)
        elif info.interval is not None and maximum is not None:
            _within(c, node, info.interval, maximum)
    if maximum is not None and node.applicable is not None:
        mode = node.applicable.mode
        extra = 0 if mode in ("zero", "rescale") else maximum
        if info.interval is not None:
            info = attrs.evolve(info, interval=info.interval.union(Interval(extra, extra)))
    if info.interval is not None and maximum is not None:
        c.intervals[name] = _clipped(info.interval, maximum)
    if symbol is not None:
        # whole-number points stay whole: the compiled program then compares ints with ints
        whole = info.type == INTEGER and (maximum is None or isinstance(maximum, int))  # (an int: a whole max)
        symbol.type = INTEGER if whole else DECIMAL
        symbol.info = Info(symbol.type, c.intervals.get(name, info.interval), info.truth)


def _clipped(interval: Interval, maximum: Exact) -> Interval:
    """The points' interval within ``[0, maximum]`` (they are cut off there at run time)."""
    low, high = interval
    if low is not None and high is not None and low >= 0 and high <= maximum:  # (proved within: nearly always)
        return interval
    clipped = interval.intersect(Interval(0, maximum))
    return clipped if clipped is not None else Interval(0, maximum)


def _group(c: Expressions, node: n.Criterion) -> Info:
    """A group's points: the sum of its scored children's, whole when all of theirs are."""
    interval = Interval(0, 0)
    whole = True
    for child in node.children:
        if child.maximum is None:
            continue
        known = c.intervals.get(child.name)
        interval = interval + (known if known is not None else Interval(0, exact(child.maximum.value)))
        child_info = c.symbols[child.name].info if child.name in c.symbols else None
        whole = whole and child_info is not None and child_info.type == INTEGER
    return Info(INTEGER if whole else DECIMAL, interval)


def _within(c: Expressions, node: n.Criterion | n.Adjustment, interval: Interval, maximum: Exact) -> None:
    assert node.points is not None
    what = "item" if node.kind == "item" else node.kind
    if interval.high is None:
        c.error(
            "PR501",
            f"the points of `{node.name}` have no upper limit; its maximum is {show(maximum)}",
            node.points.span,
            f"declare ranges for the inputs it uses, or cap it: `min(..., {show(maximum)})`",
        )
    elif interval.high > maximum:
        c.error(
            "PR501",
            f"the points of `{node.name}` can reach {show(interval.high)}, above the {what}'s maximum of {show(maximum)}",
            node.points.span,
            f"correct the formula, or cap it: `min(..., {show(maximum)})`",
        )
    if interval.low is None:
        c.error(
            "PR502",
            f"the points of `{node.name}` have no lower limit and can go below zero",
            node.points.span,
            "declare ranges for the inputs it uses, or write `max(0, ...)`",
        )
    elif interval.low < 0:
        c.error(
            "PR502",
            f"the points of `{node.name}` can go below zero (down to {show(interval.low)})",
            node.points.span,
            "correct the formula, or write `max(0, ...)`",
        )


def _level(c: Expressions, name: str) -> None:
    node = c.criteria[name]
    assert isinstance(node, n.Criterion) and node.level is not None
    info = c.expr(node.level, _SCOPES["level"])
    if info.type is None:
        return
    if info.type.kind != "level":
        c.error(
            "PR305",
            f"a `level` rule must give a level, but this is {info.type.describe()}",
            node.level.span,
            "use a bands or match whose results are level names, or an input of type `level`",
        )
        return
    c.level_types[name] = info.type
