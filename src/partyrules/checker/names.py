"""Declarations: the header, and every name a file declares (scales, inputs, values, criteria).

These passes run first: every later pass looks names up in the tables they fill
(:attr:`~partyrules.checker.state.State.symbols`, ``levels``, ``members``, ``criteria``).
They read no expression, except the literals of input ranges and defaults.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from partyrules import nodes as n
from partyrules.checker.state import Declared, Info, State, Symbol, as_percent, exact
from partyrules.diagnostics import did_you_mean
from partyrules.model import InputInfo
from partyrules.nodes import RESERVED, RULESET_ID
from partyrules.types import DECIMAL, Exact, Interval, Type


def header(c: State) -> None:
    """The ``ruleset`` header; a library (shared definitions) needs no basis, status, dates or criteria."""
    headers = [d for d in c.tree.declarations if isinstance(d, n.Header)]
    c.header = _header(c, headers)
    c.library = c.header.kind == "library"
    c.status = c.header.status or "illustrative"


def _header(c: State, headers: list[n.Header]) -> n.Header:
    if not headers:
        c.error(
            "PR101",
            "the file has no `ruleset` header",
            n.Span(1, 1, 1, 2),
            'start the file with `ruleset "province/scale" { title "..."; version "1"; ... }`',
        )
        return n.Header("unnamed")
    for extra in headers[1:]:
        c.error("PR102", "the file has two `ruleset` headers", extra.span, "keep one")
    found = headers[0]
    if not RULESET_ID.match(found.ruleset_id):
        c.error(
            "PR103",
            f'"{found.ruleset_id}" is not a valid ruleset id',
            found.span,
            'use lower-case letters, digits, `-`, `_` and `.`, parts separated by `/`: "vn.hatinh/chi-bo-4-tot"',
        )
    if found.kind == "library":  # shared definitions: nothing is scored, so no basis, status or dates needed
        for field in ("title", "version"):
            if getattr(found, field) is None:
                c.error("PR104", f"the header says no `{field}`", found.span, f'add `{field} "...";`')
        return found
    for field in ("title", "version", "basis"):
        if getattr(found, field) is None:
            c.error("PR104", f"the header says no `{field}`", found.span, f'add `{field} "...";`')
    if found.status is None:
        c.error(
            "PR104",
            "the header does not say whether its points are official or illustrative",
            found.span,
            'add `points official;` or `points illustrative "why";`',
        )
    if found.effective_from is None:
        c.error("PR104", "the header says no `effective from` date", found.span, "add `effective from 2025-08-30;`")
    if found.effective_from and found.effective_to and found.effective_to < found.effective_from:
        c.error(
            "PR105",
            f"the ruleset ends ({found.effective_to}) before it starts ({found.effective_from})",
            found.span,
        )
    return found


def declare(c: State, name: str, symbol: Symbol, span: n.Span) -> None:
    """Enter a name in the one space inputs, values and criteria share."""
    if name in RESERVED:
        c.error("PR203", f"`{name}` is a word of the language and cannot name anything", span, "choose another name")
        # still registered below, so that its uses do not each report it as undeclared
    if name in c.symbols:
        first = c.symbols[name].span
        c.error(
            "PR204",
            f"`{name}` is declared twice",
            span,
            "give each input, value and criterion its own name",
            c.related("first declared here", first),
        )
        return
    c.symbols[name] = symbol


# ---------------------------------------------------------------- level scales and inputs


def levels(c: State) -> None:
    """Level scales, before the inputs: ``input x: level q`` names a scale."""
    for decl in (d for d in c.tree.declarations if isinstance(d, n.Levels)):
        if decl.name in c.levels:
            c.error("PR204", f"the level scale `{decl.name}` is declared twice", decl.span)
            continue
        names = [m.name for m in decl.members]
        _unique_members(c, decl.members)
        scale = Type("level", decl.name, tuple(names))
        c.levels[decl.name] = scale
        for member in names:
            c.members.setdefault(member, []).append(scale)


def _unique_members(c: State, members: tuple[n.Member, ...]) -> None:
    seen: set[str] = set()
    for m in members:
        if m.name in seen:
            c.error("PR204", f"`{m.name}` is listed twice", m.span)
        if m.name in RESERVED:
            c.error("PR203", f"`{m.name}` is a word of the language and cannot name a value", m.span)
        seen.add(m.name)


def inputs(c: State) -> None:
    """Inputs with their type, range and default: the intervals every formula is bounded from."""
    c.inputs = [_input(c, d) for d in c.tree.declarations if isinstance(d, n.Input)]


def _input_type(c: State, decl: n.Input) -> tuple[Type, tuple[str | None, ...]]:
    """The type an input declares, and the labels of its members (a choice's, named after the input)."""
    spec = decl.type
    if spec.kind == "enum":
        _unique_members(c, spec.members)
        type_ = Type("enum", decl.name, tuple(m.name for m in spec.members))
        for member in type_.members:
            c.members.setdefault(member, []).append(type_)
        return type_, tuple(m.label for m in spec.members)
    if spec.kind == "level":
        assert spec.scale is not None
        found = c.levels.get(spec.scale)
        if found is None:
            c.error(
                "PR205",
                f"there is no level scale `{spec.scale}`",
                spec.span,
                did_you_mean(spec.scale, c.levels) or 'declare it with `levels NAME "label" { ... }`',
            )
            return Type("level", spec.scale, ()), ()
        return found, ()
    return Type(spec.kind), ()


def _input(c: State, decl: n.Input) -> InputInfo:
    spec = decl.type
    type_, labels = _input_type(c, decl)
    low: Any = None
    high: Any = None
    if spec.range is not None:
        low = _literal_value(c, spec.range.low, type_, spec.range.low.span)
        high = _literal_value(c, spec.range.high, type_, spec.range.high.span)
        if low is not None and high is not None and low > high:
            c.error("PR302", f"the range starts above where it ends ({low} > {high})", spec.range.span)
    elif spec.kind == "percent":
        low, high = Decimal(0), Decimal(1)
    places = spec.places  # None: any exact decimal is accepted
    if places is not None and places > 12:
        c.error("PR302", f"{places} decimal places is more than the 12 supported", spec.span)
    default: Any = None
    if decl.default is not None:
        default = _literal_value(c, decl.default, type_, decl.default.span)
        if default is not None and low is not None and high is not None and not low <= default <= high:
            c.error("PR302", f"the default {default} lies outside the range {low}..{high}", decl.default.span)
    interval = None
    if type_.numeric:
        interval = Interval(_exact_end(low), _exact_end(high))
    elif type_.kind == "date":
        interval = Interval(
            None if low is None else low.toordinal(),
            None if high is None else high.toordinal(),
        )
    declare(c, decl.name, Symbol("input", type_, decl.span, Info(type_, interval)), decl.span)
    return InputInfo(
        name=decl.name,
        label=decl.label,
        type=type_,
        low=low,
        high=high,
        places=places,
        has_default=decl.default is not None,
        default=default,
        member_labels=labels,
        interval=interval,
        span=decl.span,
    )


def _exact_end(value: int | Decimal | None) -> Exact | None:
    """A range end of a number input (an int of an integer input, else a Decimal) as an exact number."""
    if value is None or isinstance(value, int):
        return value
    return exact(value)


def _literal_value(c: State, lit: n.Literal | n.Name, type_: Type, span: n.Span) -> object:
    """The Python value of a literal used as a range end or default; reports a mismatch."""
    kind = type_.kind
    if isinstance(lit, n.Name):
        if kind in ("enum", "level") and lit.name in type_.members:
            return lit.name
        c.error("PR301", f"`{lit.name}` is not {type_.describe()}", lit.span, did_you_mean(lit.name, type_.members))
        return None
    if isinstance(lit, n.BooleanLiteral):
        if kind == "boolean":
            return lit.value
    elif isinstance(lit, n.DateLiteral):
        if kind == "date":
            return lit.value
    elif kind == "percent":
        if lit.percent or lit.value == 0:
            return lit.value
        c.error(
            "PR303",
            f"this input is a percentage but {lit.value} is a plain number",
            lit.span,
            f"write {as_percent(lit.value)}",
        )
        return None
    elif kind in ("integer", "decimal") and not lit.percent:
        if kind == "integer" and lit.value != lit.value.to_integral_value():
            c.error("PR301", f"{lit.value} is not a whole number", lit.span)
            return None
        return int(lit.value) if kind == "integer" else lit.value
    c.error("PR301", f"this value is not {type_.describe()}", lit.span)
    return None


def lets(c: State) -> None:
    """Named values, declared before any is checked: they may be used above their declaration."""
    c.lets = {d.name: d for d in c.tree.declarations if isinstance(d, n.Let)}
    for let in (d for d in c.tree.declarations if isinstance(d, n.Let)):
        declare(c, let.name, Symbol("let", None, let.span), let.span)


# ---------------------------------------------------------------- criteria, deductions, bonuses


def blocks(c: State) -> None:
    """One ``criteria`` block (none in a library), at most one of deductions and of bonuses."""
    decls = c.tree.declarations
    trees = [d for d in decls if isinstance(d, n.CriteriaTree)]
    for extra in trees[1:]:
        c.error("PR201", "the file has two `criteria` blocks", extra.span, "put every criterion in one block")
    c.root = trees[0] if trees else None
    if c.root is None and c.header.kind != "library":
        c.error("PR202", "the file declares no `criteria`", c.tree.span, 'add `criteria "..." max 100 { ... }`')
    adjustments = [d for d in decls if isinstance(d, n.Adjustments)]
    c.deductions = [a for a in adjustments if a.kind == "deductions"]
    c.bonuses = [a for a in adjustments if a.kind == "bonuses"]
    for repeated in c.deductions[1:] + c.bonuses[1:]:
        c.error("PR201", f"the file has two `{repeated.kind}` blocks", repeated.span, "put them in one block")


def criteria(c: State) -> None:
    """Every criterion, deduction and bonus declared and numbered (1, 1.2, T1, C1), in pre-order."""
    if c.root is not None:
        status = c.status if c.root.status is None else c.root.status
        _collect(c, c.root.children, None, "", status, c.declared_criteria)
    for block, sink in ((c.deductions[:1], c.declared_deductions), (c.bonuses[:1], c.declared_bonuses)):
        for adjustments in block:
            for i, adj in enumerate(adjustments.items, 1):
                declare(c, adj.name, Symbol("points", DECIMAL, adj.span), adj.span)
                c.criteria[adj.name] = adj
                if adj.points is None:
                    c.error("PR206", f"{adj.kind} `{adj.name}` has no `points` rule", adj.span, "add `points = ...;`")
                if adj.applicable is not None and adj.applicable.mode == "rescale":
                    c.error(
                        "PR216",
                        f"a {adj.kind} cannot be rescaled when it does not apply",
                        adj.applicable.span,
                        "write `else zero;`",
                    )
                number = f"{'T' if adj.kind == 'deduction' else 'C'}{i}"
                sink.append(Declared(adj, number, None, (), adj.status or c.status))


def _collect(
    c: State, children: tuple[n.Criterion, ...], parent: str | None, prefix: str, status: str, out: list[Declared]
) -> None:
    for i, child in enumerate(children, 1):
        number = f"{prefix}{i}"
        declare(c, child.name, Symbol("points", DECIMAL, child.span), child.span)
        c.criteria[child.name] = child
        child_status = child.status or status
        out.append(Declared(child, number, parent, tuple(ch.name for ch in child.children), child_status))
        _check_criterion(c, child)
        _collect(c, child.children, child.name, number + ".", child_status, out)


def _check_criterion(c: State, child: n.Criterion) -> None:
    """What an item or a group must say: an item points or a level, with a `max` exactly when it has points."""
    if child.kind == "item" and child.points is None and child.level is None:
        c.error(
            "PR206",
            f"item `{child.name}` says neither `points` nor `level`",
            child.span,
            "add `points = ...;` or `level = ...;`",
        )
    if child.kind == "item" and child.points is not None and child.maximum is None:
        c.error("PR206", f"item `{child.name}` has points but no `max`", child.span, "write `max N` after its label")
    if child.kind == "item" and child.points is None and child.maximum is not None:
        c.error("PR206", f"item `{child.name}` has a `max` but no `points` rule", child.span, "add `points = ...;`")
    if child.kind == "group" and not child.children:
        c.error("PR206", f"group `{child.name}` is empty", child.span)
    if child.kind == "group" and child.applicable is not None:
        c.error(
            "PR216",
            f"`applicable when` goes on items, not on group `{child.name}`",
            child.applicable.span,
            "put it on each item of the group that may not apply",
        )


def clashes(c: State) -> None:
    """A name that is both a symbol and a member (PR218): only once every one of both is declared."""
    for name, symbol in c.symbols.items():
        for scale in dict.fromkeys(c.members.get(name, [])):
            c.error(
                "PR218",
                f"`{name}` names both {'an input' if symbol.kind == 'input' else 'a named value or criterion'} "
                f"and a value of `{scale.name}`",
                symbol.span,
                "rename one of them, so that every name means one thing",
            )


def unused(c: State) -> None:
    """Inputs no formula reads (a warning): last, once every expression has recorded what it resolves to."""
    if c.library:  # a library declares for others to use
        return
    used = {r.target for r in c.resolutions.values() if r.kind == "input"}
    for i in c.inputs:
        if i.name not in used:
            c.warn("PR901", f"input `{i.name}` is never used", i.span)
