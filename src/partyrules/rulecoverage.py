"""Rule coverage: which rules of a scale the file's examples reach.

Coverage of rules, not of Python lines: every criterion (given points, or a
level, by some example; for a criterion with ``applicable when``, also left out
by some example), every row of a ``bands``, ``match`` and ``table`` and every
branch of an ``if``, every grade requirement (failing where it decides the
grade), every grade, knock-out and not-graded rule, and every quota (reached when it demotes a row of a
batch example). Each example is replayed
by the reference interpreter, which records the expression nodes it evaluates
(a row is reached when its result is evaluated), so the compiled hot path is
never instrumented.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from partyrules import nodes as n, reference
from partyrules.casebook import BatchCase, Casebook, ExampleCase
from partyrules.model import Model
from partyrules.nodes import walk
from partyrules.printer import cell_text, expr_text, literal_text
from partyrules.proving import place_batch
from partyrules.runtime import Ruleset


@attrs.frozen
class Rule:
    """One thing an example can reach."""

    kind: str  # quota, criterion, not applicable, bands row, match arm, table row, otherwise, branch, requirement, grade, knockout, not_graded
    text: str  # for a person: which rule, of what
    location: str  # file:line:column


@attrs.frozen
class Coverage:
    """Rules of the file itself, and those it inherits from a base or a library (``inherited_*``).

    A file's own examples must reach its own rules; inherited rules are tested by the examples
    of the file that states them (a file that extends another does not inherit its examples),
    so they are counted apart and never make a file's coverage incomplete.
    """

    reached: tuple[Rule, ...]
    missed: tuple[Rule, ...]
    inherited_reached: tuple[Rule, ...] = ()
    inherited_missed: tuple[Rule, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missed

    def summary(self) -> str:
        total = len(self.reached) + len(self.missed)
        text = f"rule coverage: {len(self.reached)}/{total} rules reached by the examples"
        inherited = len(self.inherited_reached) + len(self.inherited_missed)
        if inherited:
            text += f" (and {len(self.inherited_reached)}/{inherited} of the rules inherited from other files)"
        return text


def measure(book: Casebook, ruleset: Ruleset | None = None) -> Coverage:
    """Replay every example of the casebook and sort the model's rules into reached and missed.

    The rows of a batch count as examples; a quota is reached when it demotes a row of a batch,
    which needs the compiled ``ruleset`` (compiled from the casebook's model when not given).
    """
    model = book.model
    seen: set[tuple[str, object]] = set()
    facts = [case.facts for case in book.examples if isinstance(case, ExampleCase)]
    batches = [case for case in book.examples if isinstance(case, BatchCase)]
    if batches:
        from partyrules.compiler import build

        compiled = ruleset if ruleset is not None else build(model, "")
        for case in batches:
            facts += [row.facts for row in case.rows]
            placed = place_batch(compiled, case)
            if not isinstance(placed, str):
                seen |= {("quota", d.quota) for p in placed.values() for d in p.demotions}
    for given in facts:
        trace, visited = reference.visiting_trace(model, given)
        seen |= {("node", key) for key in visited}
        for name, points in trace.points.items():
            if points > 0:
                seen.add(("scored", name))
        for name, level in trace.levels.items():
            if level is not None:
                seen.add(("rated", name))
        for name, applies in trace.applicable.items():
            if not applies:
                seen.add(("left out", name))
        if trace.grade is not None:
            seen.add(("grade", trace.grade))
        seen |= {("knockout", k) for k in trace.knockouts}
        if trace.not_graded is not None:
            seen.add(("not_graded", trace.not_graded))
        seen |= {("requirement", key) for key in _deciding_requirements(model, trace)}
    own = model.filename
    sorted_: dict[tuple[bool, bool], list[Rule]] = {(o, r): [] for o in (True, False) for r in (True, False)}
    for rule, key in rules(model):
        sorted_[(rule.location.rsplit(":", 2)[0] == own, key in seen)].append(rule)
    return Coverage(
        tuple(sorted_[(True, True)]),
        tuple(sorted_[(True, False)]),
        tuple(sorted_[(False, True)]),
        tuple(sorted_[(False, False)]),
    )


def _deciding_requirements(model: Model, trace: reference.Trace) -> Iterator[tuple[str, str]]:
    """Requirements that failed on the way down from the band's grade: those that decided the grade."""
    held = {(g, label): ok for g, label, ok in trace.requirements}
    index = {g.name: i for i, g in enumerate(model.grades)}
    current = index.get(trace.band_grade or "")
    while current is not None:
        grade = model.grades[current]
        failed = [r.label for r in grade.requirements if not held.get((grade.name, r.label), True)]
        if not failed:
            return
        for label in failed:
            yield (grade.name, label)
        current = grade.fallback


def rules(model: Model) -> Iterator[tuple[Rule, tuple[str, object]]]:
    """Every rule of the model, in file order within each kind, with the key an example must produce."""

    def where(span: n.Span) -> str:
        return f"{getattr(span, 'file', '') or model.filename}:{span.line}:{span.column}"

    for c in model.criteria + model.deductions + model.bonuses:
        what = {"group": "group", "item": "item", "deduction": "deduction", "bonus": "bonus"}[c.kind]
        if c.maximum is not None:
            yield Rule("criterion", f"{what} `{c.name}` gets points", where(c.span)), ("scored", c.name)
        elif c.level is not None:
            yield Rule("criterion", f"{what} `{c.name}` gets a level", where(c.span)), ("rated", c.name)
        if c.applicable is not None:
            yield (
                Rule("not applicable", f"{what} `{c.name}` does not apply", where(c.applicable.span)),
                (
                    "left out",
                    c.name,
                ),
            )
    for owner, expr in _formulas(model):
        yield from _rows(expr, owner, where)
    for grade in model.grades:
        for r in grade.requirements:
            yield (
                Rule("requirement", f'requirement "{r.label}" of `{grade.name}` fails', where(r.span)),
                (
                    "requirement",
                    (grade.name, r.label),
                ),
            )
    for grade in model.grades:
        yield Rule("grade", f"grade `{grade.name}` is given", where(grade.span)), ("grade", grade.name)
    for rule in model.knockouts:
        yield Rule("knockout", f"knock-out `{rule.name}` applies", where(rule.span)), ("knockout", rule.name)
    for rule in model.exemptions:
        yield Rule("not_graded", f"not_graded `{rule.name}` applies", where(rule.span)), ("not_graded", rule.name)
    declared = {d.name: d.span for d in model.file.declarations if isinstance(d, n.Quota)}
    for quota in model.quotas:
        span = declared.get(quota.name, n.Span(0, 0, 0, 0))
        yield Rule("quota", f"quota `{quota.name}` demotes a row of a batch", where(span)), ("quota", quota.name)


def _formulas(model: Model) -> Iterator[tuple[str, n.Expr]]:
    for name, let in model.lets.items():
        yield f"value `{name}`", let.value
    for c in model.criteria + model.deductions + model.bonuses:
        if c.applicable is not None:
            yield f"`applicable when` of `{c.name}`", c.applicable.condition
        if c.points is not None:
            yield f"points of `{c.name}`", c.points
        if c.level is not None:
            yield f"level of `{c.name}`", c.level
    for grade in model.grades:
        for r in grade.requirements:
            yield f'requirement "{r.label}"', r.condition
    for rule in model.knockouts + model.exemptions:
        yield f"`when` of `{rule.name}`", rule.condition


def _rows(expr: n.Expr, owner: str, where: object) -> Iterator[tuple[Rule, tuple[str, object]]]:
    assert callable(where)
    found: list[tuple[n.Span, Rule, tuple[str, object]]] = []
    for node in walk(expr):
        if isinstance(node, n.Bands):
            for band in node.bands:
                text = f"{band.direction} {literal_text(band.threshold)}: {expr_text(band.result)}"
                found.append(
                    (band.span, Rule("bands row", f"`{text}` in {owner}", where(band.span)), ("node", id(band.result)))
                )
        elif isinstance(node, n.Match):
            for arm in node.arms:
                text = f"{', '.join(literal_text(p) for p in arm.patterns)}: {expr_text(arm.result)}"
                found.append(
                    (arm.span, Rule("match arm", f"`{text}` in {owner}", where(arm.span)), ("node", id(arm.result)))
                )
        elif isinstance(node, n.Table):
            for row in node.rows:
                text = f"{', '.join(cell_text(c) for c in row.cells)}: {expr_text(row.result)}"
                found.append(
                    (row.span, Rule("table row", f"`{text}` in {owner}", where(row.span)), ("node", id(row.result)))
                )
        elif isinstance(node, n.If):
            for branch, result in (("then", node.then), ("else", node.otherwise)):
                text = f"{branch} {expr_text(result)}"
                found.append(
                    (
                        result.span,
                        Rule("branch", f"`{text}` of `if {expr_text(node.condition)}` in {owner}", where(result.span)),
                        ("node", id(result)),
                    )
                )
        if isinstance(node, (n.Bands, n.Match, n.Table)) and node.otherwise is not None:
            other = node.otherwise
            found.append(
                (
                    other.span,
                    Rule("otherwise", f"`otherwise: {expr_text(other)}` in {owner}", where(other.span)),
                    ("node", id(other)),
                )
            )
    found.sort(key=lambda item: (item[0].line, item[0].column))
    for _, rule, key in found:
        yield rule, key
