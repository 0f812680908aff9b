"""Aggregate inputs (``from count of children``): the form that one file can check.

A hierarchy's parent reads aggregates of its children's results; what the children offer lives
in another file, so only the form is checked here: a type the function can fill. The names a
filter uses are resolved when the levels are put together (:class:`partyrules.hierarchy.Hierarchy`).
"""

from __future__ import annotations

from partyrules import nodes as n
from partyrules.checker.state import State
from partyrules.diagnostics import Diagnostic
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
}


def aggregates(c: State, model: Model) -> Model:
    """The form of the file's aggregate inputs: a type the function can fill (PR260)."""
    for decl in model.file.declarations:
        if not isinstance(decl, n.Input) or decl.aggregate is None:
            continue
        a = decl.aggregate
        span = a.span if a.span.line else decl.span
        file = span.file or model.filename
        if decl.type.kind not in KINDS[a.function]:
            wanted = " or ".join(f"`{k}`" for k in KINDS[a.function])
            message = f"`{decl.name}` is a {a.function} of children: its type must be {wanted}, not `{decl.type.kind}`"
            c.problems.append(Diagnostic("PR260", message, file, span, f"declare it as {wanted}"))
    return model
