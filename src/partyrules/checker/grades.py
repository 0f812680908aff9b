"""Conditions, grades and rules: constraints, grade bands and requirements, knock-outs, reachability.

These run after the totals pass: grade bands are compared with the total's interval, and
requirements and rules may read ``total``. Reachability comes last of all, and only on a
file with no other error, since it is derived from everything else (the truth the
expression checks proved of each condition) and would only pile onto another report.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

from partyrules import nodes as n
from partyrules.checker.expressions import Expressions
from partyrules.checker.state import Scope
from partyrules.diagnostics import did_you_mean
from partyrules.model import GradeInfo, RuleInfo
from partyrules.nodes import RESERVED
from partyrules.printer import number_text


def constraints(c: Expressions) -> None:
    """Constraints on the facts: conditions on inputs only (any value would be circular)."""
    c.constraints = tuple(d for d in c.tree.declarations if isinstance(d, n.Constraint))
    for constraint in c.constraints:
        c.condition(constraint.condition, Scope("constraint"), "a constraint")


# ---------------------------------------------------------------- grades


def grades(c: Expressions) -> None:
    blocks = [d for d in c.tree.declarations if isinstance(d, n.Grades)]
    if not blocks and c.library:
        return
    if not blocks:
        c.error("PR601", "the file declares no grades", c.tree.span, "add `grades { grade ... }`")
        return
    for extra in blocks[1:]:
        c.error("PR201", "the file has two `grades` blocks", extra.span, "put every grade in one block")
    declared = blocks[0].grades
    if not declared:
        c.error("PR601", "the grades block is empty", blocks[0].span)
        return
    for i, g in enumerate(declared):
        if g.name in c.grade_names:
            c.error("PR204", f"grade `{g.name}` is declared twice", g.span)
        elif g.name in RESERVED:
            c.error("PR203", f"`{g.name}` is a word of the language and cannot name a grade", g.span)
        else:
            c.grade_names[g.name] = i
    banded = [g for g in declared if g.band is not None]
    if banded and len(banded) != len(declared):
        first = next(g for g in declared if g.band is None)
        c.error(
            "PR602",
            f"grade `{first.name}` has no `band` while other grades have one",
            first.span,
            "give every grade a band, or none",
        )
    if banded and c.maximum is None:
        c.error("PR602", "grades have score bands but the criteria have no points", banded[0].span)
    if len(banded) == len(declared) and c.maximum is not None:
        _bands(c, declared)
    c.grades = tuple(_grade(c, i, g, declared) for i, g in enumerate(declared))


def _grade(c: Expressions, i: int, g: n.Grade, declared: tuple[n.Grade, ...]) -> GradeInfo:
    """A grade's requirements, and the grade given when one fails (``else``, or the next one)."""
    for req in g.requirements:
        c.condition(req.condition, Scope("grade"), f'the requirement "{req.label}"')
    fallback: int | None = i + 1 if i + 1 < len(declared) else None
    if g.fallback is not None:
        target = _grade_named(c, g.fallback)  # unknown: the next grade, as without `else`
        if target is not None and target <= i:
            c.error("PR603", f"`else` must name a lower grade than `{g.name}`", g.fallback.span)
        elif target is not None:
            fallback = target
    if g.requirements and fallback is None:
        c.error(
            "PR604",
            f"the last grade `{g.name}` has requirements: an organisation that fails them would get no grade",
            g.span,
            "move the requirements to a better grade, or add a lower grade",
        )
    low = g.band.low.value if g.band and g.band.low is not None else None
    high = g.band.high.value if g.band and g.band.high is not None else None
    return GradeInfo(g.name, g.label, low, high, g.requirements, fallback, g.citations, g.notes, g.span)


def _bands(c: Expressions, declared: tuple[n.Grade, ...]) -> None:
    """Bands in points, each non-empty, best first, together covering every total once."""
    for g in declared:
        band = g.band
        assert band is not None
        for end in (band.low, band.high):
            if end is not None and end.percent:
                c.error(
                    "PR303",
                    "grade bands are in points, not percentages",
                    end.span,
                    f"write {number_text(end.value * 100)}",
                )
        if band.low is not None and band.high is not None and band.low.value >= band.high.value:
            c.error(
                "PR605", f"the band of `{g.name}` is empty (from {band.low.value} below {band.high.value})", band.span
            )
            return  # gaps around an empty band would only repeat it
    lows = [g.band.low.value if g.band and g.band.low is not None else None for g in declared]
    known = [v for v in lows if v is not None]
    if known != sorted(known, reverse=True):
        c.error(
            "PR607",
            "grades must be listed from best to worst, each band below the one before",
            declared[0].span,
            "put the grade with the highest band first",
        )
        return
    _ends(c, declared)
    for upper, lower in itertools.pairwise(declared):
        _between(c, upper, lower)


def _ends(c: Expressions, declared: tuple[n.Grade, ...]) -> None:
    """The best band open upwards and the worst open downwards, as far as totals reach."""
    total = c.total
    top = declared[0].band
    assert top is not None
    if top.high is not None and (total.high is None or Fraction(top.high.value) <= total.high):
        c.error(
            "PR606",
            f"totals from {top.high.value} up reach no grade",
            top.span,
            f"let the best grade's band have no upper end: `band from {top.low.value if top.low else 0};`",
        )
    bottom = declared[-1].band
    assert bottom is not None
    if bottom.low is not None and (total.low is None or Fraction(bottom.low.value) > total.low):
        c.error(
            "PR606",
            f"totals below {bottom.low.value} reach no grade",
            bottom.span,
            f"let the last grade's band have no lower end: `band below {bottom.high.value if bottom.high else bottom.low.value};`",
        )


def _between(c: Expressions, upper: n.Grade, lower: n.Grade) -> None:
    """Two neighbouring bands: the lower one ends where the upper one starts."""
    ub, lb = upper.band, lower.band
    assert ub is not None and lb is not None
    if ub.low is None or lb.high is None:
        c.error(
            "PR607",
            f"the bands of `{upper.name}` and `{lower.name}` overlap",
            lb.span,
            "list grades from best to worst, each band starting where the next one ends",
        )
        return
    # in a file that extends another, the band this file moved is the one to mend
    moved = ub.span if ub.span.file != lb.span.file and ub.span.file == c.filename else lb.span
    fix = (
        f"make `{upper.name}`'s band start at {lb.high.value}"
        if moved is ub.span
        else f"make `{lower.name}`'s band end at {ub.low.value}"
    )
    if lb.high.value < ub.low.value:
        c.error("PR606", f"totals from {lb.high.value} below {ub.low.value} reach no grade", moved, fix)
    elif lb.high.value > ub.low.value:
        c.error(
            "PR607",
            f"totals from {ub.low.value} below {lb.high.value} fall in both `{upper.name}` and `{lower.name}`",
            moved,
            fix,
        )


# ---------------------------------------------------------------- knock-outs and cases not graded


def rules(c: Expressions) -> None:
    """Knock-outs, then not-graded rules: after the grades, whose names they use."""
    found = [d for d in c.tree.declarations if isinstance(d, n.Knockout)]
    c.knockouts = tuple(_rule(c, r) for r in found if r.kind == "knockout")
    c.exemptions = tuple(_rule(c, r) for r in found if r.kind == "exemption")


def _rule(c: Expressions, rule: n.Knockout) -> RuleInfo:
    if rule.name in RESERVED:
        c.error("PR203", f"`{rule.name}` is a word of the language and cannot name a rule", rule.span)
    elif rule.name in c.rule_names:
        first = c.rule_names[rule.name]
        c.error(
            "PR204",
            f"the rule `{rule.name}` is declared twice",
            rule.span,
            None,
            c.related("first declared here", first),
        )
    else:
        c.rule_names[rule.name] = rule.span
    condition = rule.condition or n.BooleanLiteral(False)
    info = c.condition(condition, Scope("knockout"), "a `when` condition")
    if info.truth is False:
        c.error("PR608", f"`{rule.name}` can never apply: its condition is never true", condition.span)
    grade = _grade_named(c, rule.grade) if rule.grade is not None else None
    return RuleInfo(
        rule.name, rule.label, rule.kind, condition, rule.action, grade, rule.citations, rule.notes, rule.span
    )


def _grade_named(c: Expressions, name: n.Name) -> int | None:
    """The index of the grade ``else``, ``force`` or ``cap`` names; None after a diagnostic."""
    found = c.grade_names.get(name.name)
    if found is None:
        c.error("PR215", f"there is no grade `{name.name}`", name.span, did_you_mean(name.name, c.grade_names))
    return found


# ---------------------------------------------------------------- reachability


def reachability(c: Expressions) -> None:
    """Grades nothing can give (PR609): derived from everything else, so only on a file with no other error."""
    if c.failed or not c.grades:
        return
    grades_, total = c.grades, c.total
    reached: set[int] = set()
    for i, g in enumerate(grades_):
        low = Fraction(g.low) if g.low is not None else None
        high = Fraction(g.high) if g.high is not None else None
        in_band = (low is None or total.high is None or low <= total.high) and (
            high is None or total.low is None or high > total.low
        )
        if in_band:
            reached.add(i)
    # a grade whose requirement can never hold is granted only by a knock-out
    never = set()
    for i, g in enumerate(grades_):
        for req in g.requirements:
            if c.truths.get(id(req.condition)) is False:
                never.add(i)
    frontier = list(reached)
    while frontier:
        i = frontier.pop()
        g = grades_[i]
        can_fail = any(c.truths.get(id(r.condition)) is not True for r in g.requirements)
        if g.requirements and g.fallback is not None and g.fallback not in reached and can_fail:
            reached.add(g.fallback)
            frontier.append(g.fallback)
    granted = (reached - never) | {k.grade for k in c.knockouts if k.grade is not None and k.action == "force"}
    # a cap lowers a grade to its target, so the target is granted whenever a better one could be
    for k in c.knockouts:
        if k.action == "cap" and k.grade is not None and any(j <= k.grade for j in reached - never):
            granted.add(k.grade)
    for i, g in enumerate(grades_):
        if i not in granted and i in never:
            # point at the requirement that can never hold: the grade itself is not what is wrong
            req = next(r for r in g.requirements if c.truths.get(id(r.condition)) is False)
            c.error(
                "PR609",
                f'grade `{g.name}` can never be given: its requirement "{req.label}" can never hold',
                req.condition.span,
                "no value the inputs may take (their declared ranges) and no points within their maxima "
                "make this condition true: is a number beyond a maximum or outside a range?",
                c.related(f"the grade `{g.name}`", g.span),
            )
        elif i not in granted:
            c.error(
                "PR609",
                f"grade `{g.name}` can never be given: no total falls in its band and no rule leads to it",
                g.span,
            )
