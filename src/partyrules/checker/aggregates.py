"""Aggregate inputs (``from count of children``, ``from mean of total over quy``) and ``periods``
declarations: the form that one file can check.

A hierarchy's parent reads aggregates of its children's results, and a year reads aggregates of its
earlier periods (its quarters); what the children or the periods offer lives in another file, so
only the form is checked here: a type the function can fill, periods that are declared and
complete. The names a filter uses are resolved when the levels are put together
(:class:`partyrules.hierarchy.Hierarchy`) or the periods are (:class:`partyrules.periods.Periods`).
"""

from __future__ import annotations

from partyrules import nodes as n
from partyrules.checker.state import State
from partyrules.diagnostics import Diagnostic, did_you_mean
from partyrules.model import Model

#: The input kinds each aggregate function can fill.
KINDS = {
    "count": ("integer",),
    "share": ("percent",),
    "any": ("boolean",),
    "all": ("boolean",),
    "sum": ("integer", "decimal", "percent"),
    "min": ("integer", "decimal", "percent"),
    "max": ("integer", "decimal", "percent"),
    "mean": ("decimal", "percent"),
}

#: The most periods one declaration may expect (the months of a year).
MOST_PERIODS = 12


def aggregates(c: State, model: Model) -> Model:
    """The form of the file's aggregate inputs (PR260, PR261) and periods declarations (PR262)."""
    periods = _periods(c, model)
    for decl in model.file.declarations:
        if not isinstance(decl, n.Input) or decl.aggregate is None:
            continue
        a = decl.aggregate
        span = a.span if a.span.line else decl.span
        file = span.file or model.filename
        source = "children" if a.over is None else a.over.name
        if decl.type.kind not in KINDS[a.function]:
            wanted = " or ".join(f"`{k}`" for k in KINDS[a.function])
            message = f"`{decl.name}` is a {a.function} of {source}: its type must be {wanted}, not `{decl.type.kind}`"
            c.problems.append(Diagnostic("PR260", message, file, span, f"declare it as {wanted}"))
        if a.over is not None and a.over.name not in periods:
            where = a.over.span if a.over.span.line else span
            hint = (
                did_you_mean(a.over.name, sorted(periods))
                or f'declare `periods {a.over.name} "..." {{ ruleset "ID"; count N; }}`'
            )
            message = f"`{decl.name}` reads `{a.over.name}`, which is neither `children` nor a declared `periods`"
            c.problems.append(Diagnostic("PR261", message, where.file or model.filename, where, hint))
    return model


def _periods(c: State, model: Model) -> set[str]:
    """The names of the file's periods declarations; each checked complete (PR262)."""
    seen: set[str] = set()
    for decl in model.file.declarations:
        if not isinstance(decl, n.Periods):
            continue
        file = decl.span.file or model.filename
        problems = []
        if decl.name in seen:
            problems.append((f"`periods {decl.name}` is declared twice", "keep one, or give the other another name"))
        seen.add(decl.name)
        if decl.source is None:
            problems.append(
                (f"`periods {decl.name}` does not say which ruleset grades each period", 'add `ruleset "ID";`')
            )
        if decl.count is None or not 1 <= decl.count <= MOST_PERIODS:
            got = "says no count" if decl.count is None else f"counts {decl.count}"
            problems.append(
                (
                    f"`periods {decl.name}` {got}: it expects 1 to {MOST_PERIODS} periods",
                    "add `count N;`, e.g. `count 3;` for a year's first three quarters",
                )
            )
        for message, hint in problems:
            c.problems.append(Diagnostic("PR262", message, file, decl.span, hint))
    return seen
