"""Totals: maxima that add up, caps, and the interval and type of the total.

Runs after the values pass: the total's interval sums the intervals the values pass proved for
each top-level criterion (narrower than their maxima when a formula cannot reach its
``max``), and the total is whole only when every part's points are. The grades pass reads
both (grade bands that no total can reach, ``total`` in requirements and knock-outs).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from partyrules import nodes as n
from partyrules.checker.state import State, exact
from partyrules.diagnostics import Related
from partyrules.model import CriterionInfo
from partyrules.printer import number_text
from partyrules.types import DECIMAL, INTEGER, Exact, Interval


def maxima(c: State) -> None:
    """Every group's ``max`` is the sum of its children's, the criteria's the sum of the top level's."""
    if c.root is None:
        return
    by_name = {i.name: i for i in c.criterion_infos}
    numbers = [c.root.maximum] + [node.maximum for node in c.criteria.values()]
    for number in numbers:
        if number is not None and number.percent:
            c.error(
                "PR401",
                "a maximum is a number of points, not a percentage",
                number.span,
                f"write {number_text(number.value * 100)} if you mean that many points",
            )
    for group in c.criterion_infos:
        if group.kind == "group":
            _group_sum(c, group, [by_name[ch] for ch in group.children if by_name[ch].maximum is not None])
    root = c.root
    top = [by_name[ch.name] for ch in root.children if by_name.get(ch.name) and by_name[ch.name].maximum is not None]
    declared = root.maximum.value if root.maximum is not None else None
    if declared is None:
        if top:
            c.error("PR402", "the criteria have points but no `max`", root.span, 'write `criteria "..." max 100 {`')
        return
    total = sum((i.maximum or Decimal(0) for i in top), Decimal(0))
    if total != declared:
        where = _blame(c, root.span, [i.name for i in top])
        c.error(
            "PR402",
            f"the criteria's maxima add up to {total}, not {declared}",
            where,
            "correct the `max` of the criteria or of its groups",
            _elsewhere(c, where, root.span, "the `criteria` block"),
        )
    c.maximum = declared


def _group_sum(c: State, group: CriterionInfo, scored: list[CriterionInfo]) -> None:
    if group.maximum is None:
        if scored:
            c.error(
                "PR402",
                f"group `{group.name}` has scored criteria but no `max`",
                group.span,
                f"write `max {sum((s.maximum or Decimal(0)) for s in scored)}`",
            )
        return
    total = sum((s.maximum or Decimal(0) for s in scored), Decimal(0))
    if total != group.maximum:
        where = _blame(c, group.span, group.children)
        c.error(
            "PR402",
            f"the maxima inside group `{group.name}` add up to {total}, not {group.maximum}",
            where,
            "correct the group's `max` or its items' maxima",
            _elsewhere(c, where, group.span, f"group `{group.name}`"),
        )


def _blame(c: State, span: n.Span, names: Iterable[str]) -> n.Span:
    """In a file that extends another, a sum that no longer adds up is the fault of the
    criterion the extending file added or changed: point there, not at the base's group."""
    for name in names:
        node = c.criteria.get(name)
        if node is None:
            continue
        for candidate in (node.maximum.span if node.maximum is not None else None, node.span):
            if candidate is not None and candidate.file != span.file and candidate.line:
                return candidate
    return span


def _elsewhere(c: State, where: n.Span, declared: n.Span, what: str) -> tuple[Related, ...]:
    """Where the sum is declared, when the diagnostic points at another file's criterion."""
    if where.file == declared.file:
        return ()
    return c.related(f"{what} is declared here", declared)


def rescale(c: State) -> None:
    """``else rescale`` needs the criteria's ``rescale round N`` (the places the rescaled points keep)."""
    if c.root is None:
        return
    rescaled = [i for i in c.criterion_infos if i.applicable is not None and i.applicable.mode == "rescale"]
    if rescaled and c.root.rescale_places is None:
        c.error(
            "PR403",
            f"`{rescaled[0].name}` is rescaled when not applicable, but the criteria say no rounding for it",
            rescaled[0].applicable.span if rescaled[0].applicable else rescaled[0].span,
            "add `rescale round 2;` inside `criteria { ... }`",
        )
    c.rescale = c.root.rescale_places


def caps(c: State) -> None:
    c.deductions_cap = _cap(c, c.deductions[:1])
    c.bonuses_cap = _cap(c, c.bonuses[:1])


def _cap(c: State, block: list[n.Adjustments]) -> Decimal | None:
    if not block:
        return None
    cap = block[0].cap.value
    if block[0].cap.percent:
        c.error("PR401", "a cap is a number of points, not a percentage", block[0].cap.span)
    return cap


def total(c: State) -> None:
    """The total's interval and whether it is always whole (an int in the compiled program)."""
    c.total = _total_interval(c)
    parts = [i for i in c.criterion_infos if i.parent is None and i.maximum is not None]
    parts += c.deduction_infos + c.bonus_infos
    whole = all(c.symbols.get(i.name) and c.symbols[i.name].type == INTEGER for i in parts) and all(
        cap == cap.to_integral_value() for cap in (c.deductions_cap, c.bonuses_cap) if cap is not None
    )
    rescaled = any(i.applicable is not None and i.applicable.mode == "rescale" for i in c.criterion_infos)
    c.total_type = INTEGER if whole and not rescaled else DECIMAL


def _total_interval(c: State) -> Interval:
    root = c.root
    if root is None or root.maximum is None:
        return Interval(0, 0)
    result = Interval(0, 0)
    for i in c.criterion_infos:
        if i.parent is None and i.maximum is not None:
            result = result + (i.interval or Interval(0, _maximum(i)))
    if any(i.applicable is not None and i.applicable.mode == "rescale" for i in c.criterion_infos):
        result = Interval(result.low, exact(root.maximum.value))
    for infos, cap, sign in ((c.deduction_infos, c.deductions_cap, -1), (c.bonus_infos, c.bonuses_cap, 1)):
        if cap is None:
            continue
        reach = sum(
            (i.interval.high if i.interval and i.interval.high is not None else _maximum(i) for i in infos),
            start=0,
        )
        amount = Interval(0, min(exact(cap), reach))
        result = result - amount if sign < 0 else result + amount
    return result


def _maximum(info: CriterionInfo) -> Exact:
    return exact(info.maximum) if info.maximum is not None else 0
