"""Formatting: one canonical layout for criteria files (``partyrules fmt``).

The text is parsed (:func:`partyrules.parser.parse_layout`: the syntax tree, the comments, and
every block's statements in the author's order) and printed anew: two-space indentation, one
statement per line, the rows of bands, match and table one per line, expressions by
:mod:`partyrules.printer`. The layout never changes the meaning: numbers keep their digits
(``2.50`` stays ``2.50``), quoted text is kept as it is, statements keep their order.

Comments stay where they were in the structure. Each is attached to the nearest following
statement (or row, or declaration) in its block; a comment ending the line of a statement stays
at that line's end; a comment after the last statement of a block stays at the end of the
block. A comment inside a statement that has no rows (a formula broken over lines) moves to just
before the statement. Blank lines between statements are kept, at most one in a row; none right
after ``{`` or before ``}``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from partyrules import nodes as n
from partyrules.parser import Comment, SourceLayout, parse_layout, span_key
from partyrules.printer import aggregate_text, expr_text, literal_text

INDENT = "  "
#: A list of members (``one of { ... }``, ``levels``) longer than this goes one member per line.
WIDTH = 100

Part = str | n.Expr


@attrs.define(eq=False)
class _Slot:
    """A place comments can attach to: a line-starting element (declaration, statement, row) or,
    with ``inline``, a bands/match/table inside a line (whose own comments cannot stand where it
    starts, so they move to the line that holds it)."""

    span: n.Span
    inline: bool = False
    block: bool = False
    children: list[_Slot] = attrs.Factory(list)
    lead: list[Comment] = attrs.Factory(list)
    trail: Comment | None = None
    end: list[Comment] = attrs.Factory(list)
    moved: list[Comment] = attrs.Factory(list)
    parent: _Slot | None = None


@attrs.define(eq=False)
class _Element:
    """A declaration or statement: a leaf (``parts`` joined, expressions printed) or a block
    (``parts`` then ``{``, its children, ``}``)."""

    span: n.Span
    parts: tuple[Part, ...]
    children: list[_Element] | None = None
    slot: _Slot = attrs.Factory(lambda self: _Slot(self.span), takes_self=True)


def format_text(text: str, filename: str = "<string>") -> str:
    """The criteria text in its canonical layout; raises :class:`CriteriaError` when it does not parse."""
    return _Formatter(parse_layout(text, filename)).text()


def attachments(text: str, filename: str = "<string>") -> list[tuple[str, tuple[int, ...]]]:
    """Each comment's text and the statement it belongs to, as the path of child positions from the
    file down (declaration, statement, row ...): formatting must leave these unchanged."""
    formatter = _Formatter(parse_layout(text, filename))
    formatter.assign()
    found: list[tuple[str, tuple[int, ...]]] = []
    stack: list[tuple[_Slot, tuple[int, ...]]] = [(formatter.root, ())]
    while stack:
        slot, path = stack.pop()
        owner = path
        while owner and formatter.at(owner).inline:
            owner = owner[:-1]
        comments = [*slot.lead, *slot.moved, *slot.end, *([slot.trail] if slot.trail else [])]
        found += [(c.text, owner) for c in comments]
        stack += [(child, (*path, i)) for i, child in enumerate(slot.children)]
    return sorted(found)


class _Formatter:
    def __init__(self, layout: SourceLayout) -> None:
        self.layout = layout
        self.lines = layout.text.split("\n")
        self.slots: dict[tuple[bool, tuple[int, int, int, int]], _Slot] = {}
        self.root = _Slot(layout.file.span)
        self.elements: list[_Element] = []

    def at(self, path: tuple[int, ...]) -> _Slot:
        slot = self.root
        for i in path:
            slot = slot.children[i]
        return slot

    # ------------------------------------------------------------ whole file

    def assign(self) -> None:
        self.elements = [self._declaration(d) for d in self.layout.file.declarations]
        self.root.children = [self._slots(e, self.root) for e in self.elements]
        self._assign(self.root, sorted(self.layout.comments, key=lambda c: (c.span.line, c.span.column)))

    def text(self) -> str:
        self.assign()
        out: list[str] = []
        for element in self.elements:
            out += self._print(element, "")
        out += self._comments(self.root.end, "")
        return _tidy(out)

    # ------------------------------------------------------------ comments

    def _slots(self, element: _Element, parent: _Slot) -> _Slot:
        slot = element.slot
        slot.parent = parent
        self.slots[(False, span_key(slot.span))] = slot
        if element.children is not None:
            slot.block = True
            slot.children = [self._slots(child, slot) for child in element.children]
        else:
            slot.children = [self._inline(e, slot) for part in element.parts for e in _blocks(part)]
        return slot

    def _inline(self, node: n.Bands | n.Match | n.Table, parent: _Slot) -> _Slot:
        slot = _Slot(node.span, inline=True, parent=parent)
        self.slots[(True, span_key(node.span))] = slot
        heads: list[n.Expr] = [node.subject] if not isinstance(node, n.Table) else list(node.columns)
        slot.children = [self._inline(e, slot) for head in heads for e in _blocks(head)]
        rows: list[tuple[n.Span, n.Expr]] = [(r.span, r.result) for r in _rows(node)]
        if node.otherwise is not None:
            rows.append((node.otherwise.span, node.otherwise))
        for span, result in rows:
            row = _Slot(span, parent=slot)
            self.slots[(False, span_key(span))] = row
            row.children = [self._inline(e, row) for e in _blocks(result)]
            slot.children.append(row)
        return slot

    def _assign(self, slot: _Slot, comments: Sequence[Comment]) -> None:
        """Give each comment inside ``slot`` to the child holding it, the child whose line it ends,
        the next child, or else the end of ``slot``."""
        inner: dict[int, list[Comment]] = {}
        for comment in comments:
            at = (comment.span.line, comment.span.column)
            holder = next((i for i, c in enumerate(slot.children) if _start(c.span) <= at < _end(c.span)), None)
            if holder is not None:
                inner.setdefault(holder, []).append(comment)
                continue
            ended = [c for c in slot.children if c.span.end_line == comment.span.line and _end(c.span) <= at]
            following = [c for c in slot.children if _start(c.span) > at]
            if ended:
                ended[-1].trail = comment
            elif following:
                following[0].lead.append(comment)
            else:
                slot.end.append(comment)
        for i, child in enumerate(slot.children):
            self._assign(child, inner.get(i, []))
        if slot.inline:
            # nothing can stand on the line where a bands/match/table starts: up to the line holding it
            self._line_of(slot).moved += [*slot.lead, *([slot.trail] if slot.trail else [])]
            slot.lead, slot.trail = [], None
        elif slot.parent is not None and not slot.block:
            self._line_of(slot).moved += slot.end  # a leaf has no end of its own: before it
            slot.end = []

    @staticmethod
    def _line_of(slot: _Slot) -> _Slot:
        while slot.inline and slot.parent is not None:
            slot = slot.parent
        return slot

    def _comments(self, comments: Sequence[Comment], indent: str) -> list[str]:
        out: list[str] = []
        for comment in comments:
            if self._blank_before(comment.span):
                out.append("")
            out.append(indent + comment.text)
        return out

    def _blank_before(self, span: n.Span) -> bool:
        """Whether the author left a blank line just above this (when it starts its line)."""
        line = span.line
        if line < 2 or line > len(self.lines) or self.lines[line - 1][: span.column - 1].strip():
            return False
        return not self.lines[line - 2].strip()

    def _before(self, slot: _Slot, indent: str) -> list[str]:
        out = self._comments(slot.lead, indent)
        if self._blank_before(slot.span):
            out.append("")
        out += [indent + c.text for c in slot.moved]
        return out

    def _after(self, slot: _Slot) -> str:
        return f"  {slot.trail.text}" if slot.trail is not None else ""

    # ------------------------------------------------------------ printing

    def _print(self, element: _Element, indent: str) -> list[str]:
        slot = element.slot
        out = self._before(slot, indent)
        text = self._joined(element.parts, indent)
        if element.children is None:
            # lines after the first (rows, members) are indented relative to the statement
            out += [indent + line if line else "" for line in (text + self._after(slot)).split("\n")]
            return out
        out.append(f"{indent}{text} {{")
        for child in element.children:
            out += self._print(child, indent + INDENT)
        out += self._comments(slot.end, indent + INDENT)
        out.append(f"{indent}}}{self._after(slot)}")
        return out

    def _joined(self, parts: Sequence[Part], indent: str) -> str:
        rows = _Rows(self)
        return "".join(p if isinstance(p, str) else expr_text(p, comments=rows) for p in parts)

    # ------------------------------------------------------------ declarations

    def _declaration(self, d: n.Declaration) -> _Element:
        if isinstance(d, n.Header):
            return self._block(d.span, f"{d.kind} {_q(d.ruleset_id)}")
        if isinstance(d, n.Input):
            return self._leaf(d.span, *_input(d))
        if isinstance(d, n.Levels):
            return self._leaf(d.span, *_members(f"levels {d.name} {_q(d.label)} ", d.members, ""))
        if isinstance(d, n.Constraint):
            return self._leaf(d.span, f"constraint {_q(d.label)}: ", d.condition, ";")
        if isinstance(d, n.Let):
            if d.parameter:
                assert d.label is not None
                return self._leaf(d.span, f"param {d.name} {_q(d.label)} = ", d.value, ";")
            label = f" {_q(d.label)}" if d.label is not None else ""
            return self._leaf(d.span, f"let {d.name}{label} = ", d.value, ";")
        if isinstance(d, n.CriteriaTree):
            return self._block(d.span, f"criteria {_q(d.label)}{_max(d.maximum)}")
        if isinstance(d, n.Adjustments):
            children = [self._adjustment(a, a.span, "") for a in d.items]
            return _Element(d.span, (f"{d.kind} {_q(d.label)} cap {_num(d.cap)}",), children)
        if isinstance(d, n.Grades):
            return _Element(d.span, ("grades",), [self._grade(g, g.span, "") for g in d.grades])
        if isinstance(d, n.Knockout):
            word = "knockout" if d.kind == "knockout" else "not_graded"
            return self._block(d.span, f"{word} {d.name} {_q(d.label)}")
        if isinstance(d, n.Import):
            names = f" {{ {', '.join(x.name for x in d.names)} }}" if d.names else ""
            return self._leaf(d.span, f"import {_reference(d.source)}{names};")
        if isinstance(d, n.Change):
            target = f"change {d.target}" + (f" {d.name}" if d.name is not None else "")
            return _Element(d.span, (target,), [self._statement(u.field, u.value, u.span) for u in d.updates])
        if isinstance(d, n.Add):
            where = f" {d.placement} {d.anchor.name}" if d.placement is not None and d.anchor is not None else ""
            node = d.node
            if isinstance(node, n.Criterion):
                return self._block(d.span, f"add {node.kind} {node.name} {_q(node.label)}{_max(node.maximum)}{where}")
            if isinstance(node, n.Adjustment):
                return self._adjustment(node, d.span, "add ", where)
            return self._grade(node, d.span, "add ", where)
        if isinstance(d, n.Remove):
            return self._leaf(d.span, f"remove {d.target} {d.name.name};")
        if isinstance(d, n.SetParameter):
            return self._leaf(d.span, f"set {d.name} = {_lit(d.value)};")
        if isinstance(d, n.Example):
            like = f" like {d.like.name}" if d.like is not None else ""
            return self._block(d.span, f"example {d.name} {_q(d.label)}{like}")
        if isinstance(d, n.ExampleTable):
            return self._leaf(d.span, f"examples {_q(d.label)} from {_q(d.path)};")
        if isinstance(d, n.Property):
            return self._block(d.span, f"property {d.name} {_q(d.label)}")
        if type(d).__name__ == "Quota":
            return self._quota(d)
        if isinstance(d, n.Periods):
            return self._block(d.span, f"periods {d.name} {_q(d.label)}")
        raise TypeError(f"the formatter cannot print a {type(d).__name__} yet")

    def _quota(self, d: Any) -> _Element:
        """A quota; its statements in the canonical order when the parser kept none in file order."""
        head = f"quota {d.name} {_q(d.label)}"
        if span_key(d.span) in self.layout.blocks:
            return self._block(d.span, head)
        statements: list[tuple[str, Any]] = [("cite", c) for c in d.citations] + [("note", x) for x in d.notes]
        if d.grade is not None:
            statements.append(("grade", (d.grade, d.share, d.base, d.or_better)))
        if d.within is not None:
            statements.append(("within", (d.within, d.group)))
        if d.rounding is not None:
            statements.append(("round", d.rounding))
        if d.demote_to is not None:
            statements.append(("demote", d.demote_to))
        if d.order:
            statements.append(("order", d.order))
        return _Element(d.span, (head,), [self._statement(key, value, d.span) for key, value in statements])

    def _leaf(self, span: n.Span, *parts: Part) -> _Element:
        return _Element(span, parts)

    def _block(self, span: n.Span, head: str) -> _Element:
        """A block whose statements the parser kept in file order."""
        children = [self._statement_of(s) for s in self.layout.blocks.get(span_key(span), ())]
        return _Element(span, (head,), children)

    def _adjustment(self, a: n.Adjustment, span: n.Span, add: str, where: str = "") -> _Element:
        return self._block(span, f"{add}{a.kind} {a.name} {_q(a.label)} max {_num(a.maximum)}{where}")

    def _grade(self, g: n.Grade, span: n.Span, add: str, where: str = "") -> _Element:
        return self._block(span, f"{add}grade {g.name} {_q(g.label)}{where}")

    # ------------------------------------------------------------ statements

    def _statement_of(self, s: Any) -> _Element:
        if isinstance(s, n.Criterion):
            return self._block(s.span, f"{s.kind} {s.name} {_q(s.label)}{_max(s.maximum)}")
        if isinstance(s, n.Expectation):
            return self._leaf(s.span, f"expect {_expectation(s)};")
        if isinstance(s, n.BatchRow):
            head = f"row {s.name.name}" + (f" in {_q(s.group)}" if s.group is not None else "")
            head += f" like {s.like.name}" if s.like is not None else ""
            return self._block(s.span, head) if s.facts else self._leaf(s.span, f"{head};")
        if isinstance(s, n.GivenFact):
            return self._leaf(s.span, f"{s.name} = {_lit(s.value)};")
        if isinstance(s, n.Claim):
            return self._leaf(s.span, *_claim(s))
        key, value, span = s
        return self._statement(key, value, span)

    def _statement(self, key: str, value: Any, span: n.Span) -> _Element:
        if key in ("title", "version", "basis", "note", "cite", "label"):
            return self._leaf(span, f"{key} {_q(value)};")
        if key == "effective":
            start, end = value
            return self._leaf(span, f"effective from {_lit(start)}" + (f" to {_lit(end)}" if end else "") + ";")
        if key == "status":
            if isinstance(value, str):
                return self._leaf(span, f"{value};")
            word, note = value
            return self._leaf(span, f"points {word}" + (f" {_q(note)}" if note is not None else "") + ";")
        if key == "extends":
            return self._leaf(span, f"extends {_reference(value)};")
        if key in ("points", "level", "when", "assuming"):
            return self._leaf(span, f"{key} = " if key in ("points", "level") else f"{key} ", value, ";")
        if key == "applicable":
            return self._leaf(span, "applicable when ", value.condition, f" else {value.mode};")
        if key == "rescale":
            return self._leaf(span, f"rescale round {value};")
        if key == "lock":
            return self._leaf(span, "locked;" if value == "all" else "locked max;")
        if key == "band":
            return self._leaf(span, f"band {_band(value)};")
        if key == "require":
            return self._leaf(span, f"require {_q(value.label)}: ", value.condition, ";")
        if key == "drop":
            return self._leaf(span, f"drop require {_q(value)};")
        if key == "else":
            return self._leaf(span, f"else {value.name};")
        if key == "action":
            word, grade = value
            return self._leaf(span, f"{word} {grade.name};")
        if key in ("cap", "max"):
            return self._leaf(span, f"{key} {_num(value)};")
        if key == "grade":  # of a quota
            grade, share, base, or_better = value
            better = " and better" if or_better else ""
            return self._leaf(span, f"grade {grade.name} at most {_num(share)} of {base.name}{better};")
        if key == "within":
            kind, group = value
            where = {"input": group.name if group else "", "column": f"column {_q(group.name if group else '')}"}
            return self._leaf(span, f"within {where.get(kind, kind)};")
        if key == "round":
            return self._leaf(span, f"round {value};")
        if key == "demote":
            return self._leaf(span, f"demote to {value.name};")
        if key == "order":
            keys = ", ".join(f"{k.name.name} {'desc' if k.descending else 'asc'}" for k in value)
            return self._leaf(span, f"order by {keys};")
        if key == "ruleset":  # of a periods declaration
            return self._leaf(span, f"ruleset {_reference(value)};")
        if key == "count":
            return self._leaf(span, f"count {value};")
        if key == "missing":
            return self._leaf(span, f"missing {value};")
        if key == "given":
            return _Element(span, ("given",), [self._leaf(f.span, f"{f.name} = {_lit(f.value)};") for f in value])
        raise TypeError(f"the formatter cannot print a `{key}` statement yet")


class _Rows:
    """The printer's :class:`~partyrules.printer.RowComments`: the comments of each row, from the slots."""

    def __init__(self, formatter: _Formatter) -> None:
        self.formatter = formatter

    def _slot(self, span: n.Span, inline: bool = False) -> _Slot | None:
        return self.formatter.slots.get((inline, span_key(span)))

    def before(self, span: n.Span) -> list[str]:
        slot = self._slot(span)
        return self.formatter._before(slot, "") if slot is not None else []

    def after(self, span: n.Span) -> str:
        slot = self._slot(span)
        return self.formatter._after(slot) if slot is not None else ""

    def closing(self, span: n.Span) -> list[str]:
        slot = self._slot(span, inline=True)
        return self.formatter._comments(slot.end, "") if slot is not None else []


# ---------------------------------------------------------------- small texts


def _q(text: str) -> str:
    return f'"{text}"'


def _num(number: n.Number) -> str:
    return literal_text(number, exact=True)


def _lit(value: n.Literal | n.Name) -> str:
    return literal_text(value, exact=True)


def _max(maximum: n.Number | None) -> str:
    return f" max {_num(maximum)}" if maximum is not None else ""


def _reference(ref: n.Reference) -> str:
    return _q(ref.ruleset_id) + (f" on {ref.on.isoformat()}" if ref.on is not None else "")


def _range(r: n.Range | None) -> str:
    return f" {_lit(r.low)}..{_lit(r.high)}" if r is not None else ""


def _band(band: n.ScoreBand) -> str:
    if band.low is not None and band.high is not None:
        return f"from {_num(band.low)} below {_num(band.high)}"
    if band.low is not None:
        return f"from {_num(band.low)}"
    if band.high is not None:
        return f"below {_num(band.high)}"
    return "any"


def _input(d: n.Input) -> tuple[str, ...]:
    t = d.type
    head = f"input {d.name} {_q(d.label)}: "
    tail = (f" = {_lit(d.default)}" if d.default is not None else "") + ";"
    if d.aggregate is not None:
        tail = f" from {aggregate_text(d.aggregate)};"
    if t.kind == "enum":
        return _members(head + "one of ", t.members, tail)
    if t.kind == "level":
        return (f"{head}level {t.scale}{tail}",)
    places = f" places {t.places}" if t.places is not None else ""
    return (f"{head}{t.kind}{_range(t.range)}{places}{tail}",)


def _members(head: str, members: Sequence[n.Member], tail: str) -> tuple[str]:
    texts = [m.name + (f" {_q(m.label)}" if m.label is not None else "") for m in members]
    one_line = f"{head}{{ {', '.join(texts)} }}{tail}"
    if len(one_line) <= WIDTH:
        return (one_line,)
    return (head + "{\n" + "".join(f"{INDENT}{t},\n" for t in texts) + "}" + tail,)


def _expectation(e: n.Expectation) -> str:
    target = f" {e.target.name}" if e.target is not None else ""
    if e.row is not None:  # a batch's: grade, demoted by, not demoted
        words = {"grade": "grade", "demoted": "demoted by", "not_demoted": "not demoted"}[e.what]
        return f"{e.row.name} {words}{target}"
    value = _lit(e.value) if e.value is not None else ""
    if e.what == "total":
        return f"total {value}"
    if e.what in ("points", "level"):
        return f"{e.what}{target} = {value}"
    return f"{e.what}{target}"


def _claim(c: n.Claim) -> tuple[Part, ...]:
    if c.kind == "within":
        assert c.range is not None
        return (f"total within{_range(c.range)};",)
    if c.kind == "monotone":
        assert c.subject is not None
        return (f"monotone {c.direction} in {c.subject.name};",)
    assert c.condition is not None
    if c.kind == "requires":
        assert c.subject is not None
        return (f"grade {c.subject.name} requires ", c.condition, ";")
    return ("always ", c.condition, ";")


# ---------------------------------------------------------------- expressions with rows


def _rows(node: n.Bands | n.Match | n.Table) -> Sequence[n.Band | n.MatchArm | n.TableRow]:
    if isinstance(node, n.Bands):
        return node.bands
    if isinstance(node, n.Match):
        return node.arms
    return node.rows


def _blocks(part: Part) -> Iterator[n.Bands | n.Match | n.Table]:
    """The outermost bands, match and table expressions in a part, in the order they are written."""
    if isinstance(part, str):
        return
    stack: list[n.Expr] = [part]
    found: list[n.Bands | n.Match | n.Table] = []
    while stack:
        node = stack.pop()
        if isinstance(node, (n.Bands, n.Match, n.Table)):
            found.append(node)
        elif isinstance(node, n.Call):
            stack += node.args
        elif isinstance(node, n.Unary):
            stack.append(node.operand)
        elif isinstance(node, (n.Binary, n.Compare)):
            stack += [node.left, node.right]
        elif isinstance(node, n.If):
            stack += [node.condition, node.then, node.otherwise]
    yield from sorted(found, key=lambda b: (b.span.line, b.span.column))


def _start(span: n.Span) -> tuple[int, int]:
    return (span.line, span.column)


def _end(span: n.Span) -> tuple[int, int]:
    return (span.end_line, span.end_column)


def _tidy(lines: list[str]) -> str:
    """Blank lines as the canonical layout keeps them: at most one in a row, none after an opening
    ``{``, before a closing ``}``, or at either end of the file; no trailing blanks."""
    out: list[str] = []
    for line in (line.rstrip() for line in lines):
        if not line and (not out or not out[-1] or (out[-1].endswith("{") and not out[-1].lstrip().startswith("#"))):
            continue
        if line.lstrip().startswith("}") and out and not out[-1]:
            out.pop()
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n" if out else ""
