"""What the language server knows of one open file: its names, where each is declared and used.

Built from an :class:`~partyrules.api.Analysis` (the same parse, link and check as ``partyrules
check``), with no editor protocol in it: positions are 1-based lines and columns in characters,
as in every diagnostic; :mod:`partyrules.lsp.server` converts them to what the editor counts.

Names in a criteria file share one space (an input, a named value, a criterion and a grade cannot
have the same name, and keywords are never names), so a use of a name is any word of the file or
of its bases outside quotes and comments that spells a declared name: ``given { present = 3; }``,
``expect points du_hop 5;`` and ``change item du_hop`` are uses as much as a formula is. Where a
name is declared comes from the checked tree, which keeps the file of every node.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator

import attrs

from partyrules import nodes as n, printer
from partyrules.api import Analysis
from partyrules.parser import words_expected
from partyrules.types import Exact, format_fraction

#: Words of a criteria file as the language server sees them: comments and quoted texts are skipped whole.
_TOKEN = re.compile(
    r'(?P<comment>#[^\n]*)|(?P<string>"[^"\n]*"?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<number>\d[\d.%-]*)'
)
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: A header line's reference to another file by id: ``extends "vn/...`` or ``import "vn/...``.
_REFERENCE = re.compile(r'\b(extends|import)\s+"(?P<id>[^"\n]*)$')
_DID_YOU_MEAN = re.compile(r"did you mean (.*)\?")


@attrs.frozen
class Place:
    """A word of a file: 1-based line and columns (end exclusive), in characters."""

    file: str
    line: int
    column: int
    end_column: int


@attrs.frozen
class Definition:
    """A declared name: what it is, where its name stands, and what hovering over it shows (Markdown)."""

    name: str
    kind: str  # input let param group item deduction bonus grade knockout not_graded levels
    place: Place
    hover: str


@attrs.frozen
class Completion:
    label: str
    kind: str  # keyword function ruleset, or the kind of a definition
    detail: str = ""


class RenameError(Exception):
    """A rename the server refuses, with the reason shown to the author."""


class Index:
    """The names of one file and of the files it extends or imports, from one analysis.

    ``previous`` is the index of the last analysis that got as far as checking: while the text
    does not parse (half-typed), names, hovers and definitions come from it.
    """

    def __init__(self, analysis: Analysis, previous: Index | None = None) -> None:
        self.analysis = analysis
        self.filename = analysis.filename
        self.texts = {name: source.text for name, source in analysis.sources.items()}
        self._words: dict[str, list[tuple[str, Place]]] = {}
        # the names come from the last index that checked: this one, or the one it follows
        self.last_checked: Index | None = self if analysis.linked is not None else previous
        if self.last_checked is not self and previous is not None:
            for file, text in previous.texts.items():
                self.texts.setdefault(file, text)

    @functools.cached_property
    def definitions(self) -> dict[str, Definition]:
        """Every declared name of the file and its bases, with its hover: built at the first question.

        A change is answered with its diagnostics alone; hovers are written only when the editor
        asks (about as long as the check itself on a 400-line file with its base).
        """
        if self.last_checked is self:
            return dict(self._definitions(self.analysis))
        if self.last_checked is None:
            return {}
        names = self._names()
        return {k: d for k, d in self.last_checked.definitions.items() if d.place.file != self.filename or k in names}

    @property
    def checked(self) -> bool:
        """Whether this index comes from a text that parsed and linked (else names are from an earlier one)."""
        return self.analysis.linked is not None

    # ------------------------------------------------------------ words
    def words(self, file: str) -> list[tuple[str, Place]]:
        """Every word of a file that could be a name, in order."""
        if file not in self._words:
            text = self.texts.get(file, "")
            found: list[tuple[str, Place]] = []
            for number, line in enumerate(text.split("\n"), 1):
                for m in _TOKEN.finditer(line):
                    if m.lastgroup == "name":
                        found.append((m.group(), Place(file, number, m.start() + 1, m.end() + 1)))
            self._words[file] = found
        return self._words[file]

    def _names(self) -> set[str]:
        return {word for word, _ in self.words(self.filename)}

    def word_at(self, file: str, line: int, column: int) -> tuple[str, Place] | None:
        """The word under a cursor (the cursor may stand just after its last character)."""
        for word, place in self.words(file):
            if place.line == line and place.column <= column <= place.end_column:
                return word, place
        return None

    # ------------------------------------------------------------ questions an editor asks
    def definition_at(self, file: str, line: int, column: int) -> Definition | None:
        found = self.word_at(file, line, column)
        return self.definitions.get(found[0]) if found is not None else None

    def hover_at(self, file: str, line: int, column: int) -> tuple[Definition, Place] | None:
        """The declared name under a cursor and the place of the word hovered (a use or the declaration)."""
        found = self.word_at(file, line, column)
        definition = self.definitions.get(found[0]) if found is not None else None
        return None if found is None or definition is None else (definition, found[1])

    def references(self, name: str) -> list[Place]:
        """Every place the name stands, its declaration included: this file first, then its bases."""
        if name not in self.definitions:
            return []
        files = [self.filename, *sorted(f for f in self.texts if f != self.filename)]
        return [place for file in files for word, place in self.words(file) if word == name]

    def rename(self, file: str, line: int, column: int, new_name: str) -> list[Place]:
        """The places to rewrite to rename the name under the cursor; :class:`RenameError` when it cannot be."""
        definition = self.definition_at(file, line, column)
        if definition is None:
            raise RenameError("there is no declared name here to rename")
        if definition.place.file != self.filename:
            raise RenameError(
                f"`{definition.name}` is declared in {definition.place.file}, a file this one extends or imports: "
                "rename it there"
            )
        if not NAME.match(new_name) or not new_name.isascii():
            raise RenameError(
                f"`{new_name}` is not a name: names are ASCII letters, digits and `_`, not starting with a digit"
            )
        if new_name in n.RESERVED or new_name in n.BUILTINS:
            raise RenameError(f"`{new_name}` is a word of the language, not usable as a name")
        if new_name in self.definitions:
            raise RenameError(f"`{new_name}` is already declared ({self.definitions[new_name].kind})")
        return [p for p in self.references(definition.name) if p.file == self.filename]

    def completions(self, line: int, column: int, ruleset_ids: Callable[[], list[str]]) -> list[Completion]:
        """What may be written at the cursor: a ruleset id inside ``extends "`` / ``import "`` (``ruleset_ids``
        lists them, asked only there: it reads folders); else the
        keywords the grammar accepts there and, where a name may stand, the declared names (and the
        built-in functions in a formula)."""
        text = self.analysis.text
        lines = text.split("\n")
        current = lines[line - 1][: column - 1] if 1 <= line <= len(lines) else ""
        reference = _REFERENCE.search(current)
        if reference is not None:
            typed = reference.group("id")
            return [Completion(i, "ruleset") for i in ruleset_ids() if i.startswith(typed)]
        start = column - 1
        while start > 0 and (current[start - 1].isalnum() or current[start - 1] == "_"):
            start -= 1
        typed = current[start:]
        if _inside_text_or_comment(current[:start]):
            return []
        prefix = "\n".join([*lines[: line - 1], current[:start]])
        words = words_expected(prefix)
        out: list[Completion] = []
        if words is None or "NAME" in words:
            out += [Completion(d.name, d.kind, _first_line(d.hover)) for d in self.definitions.values()]
            if words is None or "(" in words:  # an operand of a formula: functions may stand here
                out += [Completion(f, "function") for f in n.BUILTINS if f not in (words or ())]
        out += [Completion(w, "keyword") for w in words or () if w not in ("NAME", "(")]
        return [c for c in out if c.label.startswith(typed)]

    # ------------------------------------------------------------ building
    def _definitions(self, analysis: Analysis) -> Iterator[tuple[str, Definition]]:
        assert analysis.linked is not None
        for decl in analysis.linked.declarations:
            if isinstance(decl, n.Input):
                yield from self._define(decl.name, "input", decl.span, self._input_hover(decl))
            elif isinstance(decl, n.Let):
                kind = "param" if decl.parameter else "let"
                yield from self._define(decl.name, kind, decl.span, self._let_hover(decl, kind))
            elif isinstance(decl, n.Levels):
                members = ", ".join(m.name for m in decl.members)
                yield from self._define(
                    decl.name, "levels", decl.span, f"**{decl.label}**\n\n`levels {decl.name}`: {members} (best first)"
                )
            elif isinstance(decl, n.CriteriaTree):
                for criterion in _criteria(decl.children):
                    yield from self._define(
                        criterion.name, criterion.kind, criterion.span, self._criterion_hover(criterion)
                    )
            elif isinstance(decl, n.Adjustments):
                for item in decl.items:
                    yield from self._define(item.name, item.kind, item.span, self._criterion_hover(item))
            elif isinstance(decl, n.Grades):
                for grade in decl.grades:
                    yield from self._define(grade.name, "grade", grade.span, _grade_hover(grade))
            elif isinstance(decl, n.Knockout):
                kind = "knockout" if decl.kind == "knockout" else "not_graded"
                condition = printer.expr_text(decl.condition) if decl.condition is not None else "—"
                action = f"; {decl.action} `{decl.grade.name}`" if decl.action and decl.grade else ""
                yield from self._define(
                    decl.name, kind, decl.span, f"**{decl.label}**\n\n`{kind} {decl.name}`: when `{condition}`{action}"
                )

    def _define(self, name: str, kind: str, span: n.Span, hover: str) -> Iterator[tuple[str, Definition]]:
        file = span.file or self.filename
        place = next(
            (
                p
                for word, p in self.words(file)
                if word == name
                and (p.line, p.column) >= (span.line, span.column)
                and (p.line, p.end_column) <= (span.end_line, span.end_column)
            ),
            Place(file, span.line, span.column, span.column + 1),
        )
        where = "" if file == self.filename else f"\n\ndeclared in `{file}`"
        yield name, Definition(name, kind, place, hover + where)

    def _source(self, span: n.Span) -> str:
        """The text a node was written as (one line: its first)."""
        lines = self.texts.get(span.file or self.filename, "").split("\n")
        if not 1 <= span.line <= len(lines):
            return ""
        line = lines[span.line - 1]
        end = span.end_column - 1 if span.end_line == span.line else len(line)
        return line[span.column - 1 : end]

    def _proved(self, name: str) -> str:
        """The interval the checker proved for a value, as text; empty when it proved none."""
        state = self.analysis.state
        symbol = state.symbols.get(name) if state is not None else None
        info = symbol.info if symbol is not None else None
        if info is None:
            return ""
        if info.interval is None:
            return f"is {info.type.describe()}" if info.type is not None else ""
        percent = info.type is not None and info.type.kind == "percent"
        low, high = info.interval.low, info.interval.high
        shown = f"{_fraction(low, percent, '-∞')} to {_fraction(high, percent, '+∞')}"
        kind = f" ({info.type.describe()})" if info.type is not None else ""
        return f"can be {shown}{kind}"

    def _input_hover(self, decl: n.Input) -> str:
        shown = f"`input {decl.name}`: {self._source(decl.type.span)}"
        if decl.default is not None:
            shown += f", `{printer.literal_text(decl.default)}` when not given"
        if decl.aggregate is not None:
            shown += f", from its children: `{printer.aggregate_text(decl.aggregate)}`"
        return f"**{decl.label}**\n\n{shown}"

    def _let_hover(self, decl: n.Let, kind: str) -> str:
        label = f"**{decl.label}**\n\n" if decl.label else ""
        proved = self._proved(decl.name)
        return f"{label}`{kind} {decl.name} = {printer.expr_text(decl.value)}`" + (f"\n\n{proved}" if proved else "")

    def _criterion_hover(self, node: n.Criterion | n.Adjustment) -> str:
        maximum = f" max {printer.number_text(node.maximum.value)}" if node.maximum is not None else ""
        lines = [f"**{node.label}**", f"`{node.kind} {node.name}`{maximum}"]
        proved = self._proved(node.name)
        if proved:
            lines.append(f"points {proved}, as the checker proves")
        if node.points is not None:
            lines.append(f"`points = {printer.expr_text(node.points)}`")
        lines += [f"cite: {c}" for c in node.citations]
        return "\n\n".join(lines)


def _grade_hover(grade: n.Grade) -> str:
    lines = [f"**{grade.label}**", f"`grade {grade.name}`"]
    if grade.band is not None:
        low = grade.band.low.value if grade.band.low is not None else None
        high = grade.band.high.value if grade.band.high is not None else None
        lines.append(f"band: {printer.band_words(low, high) or 'any total'}")
    lines += [f"require {r.label}: `{printer.expr_text(r.condition)}`" for r in grade.requirements]
    if grade.fallback is not None:
        lines.append(f"else `{grade.fallback.name}`")
    lines += [f"cite: {c}" for c in grade.citations]
    return "\n\n".join(lines)


def _criteria(children: tuple[n.Criterion, ...]) -> Iterator[n.Criterion]:
    for child in children:
        yield child
        yield from _criteria(child.children)


def _fraction(value: Exact | None, percent: bool, infinite: str) -> str:
    if value is None:
        return infinite
    return format_fraction(value * 100) + " %" if percent else format_fraction(value)


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0].strip("*")


def _inside_text_or_comment(line: str) -> bool:
    """Whether the end of ``line`` stands inside a quoted text or a comment."""
    last = None
    for m in _TOKEN.finditer(line):
        last = m
    if last is None or last.end() != len(line):
        return False
    return last.lastgroup == "comment" or (
        last.lastgroup == "string" and (len(last.group()) < 2 or not last.group().endswith('"'))
    )


def suggestions(hint: str | None) -> list[str]:
    """The names a "did you mean `a` or `b`?" hint offers, in its order."""
    if not hint:
        return []
    m = _DID_YOU_MEAN.search(hint)
    return re.findall(r"`([^`]+)`", m.group(1)) if m else []


def fixes(message: str, hint: str | None, shown: str) -> list[tuple[str, str]]:
    """Quick fixes a diagnostic's hint spells out, as (title, new text) for the text ``shown`` in its range.

    "did you mean `x`?" replaces the name the message quotes; "cap it: `min(..., 5)`" and "write
    `max(0, ...)`" wrap the formula; "add `basis "...";`" (a header missing a statement) adds it
    before the header's closing brace.
    """
    out: list[tuple[str, str]] = []
    quoted = re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", message)
    for name in suggestions(hint):
        for wrong in quoted:
            m = re.search(rf"\b{wrong}\b", shown)
            if m is not None and wrong != name:
                out.append((f"Replace with `{name}`", shown[: m.start()] + name + shown[m.end() :]))
                break
    if not hint:
        return out
    cap = re.search(r"`min\(\.\.\., ([^`)]+)\)`", hint)
    if cap is not None:
        out.append((f"Cap it with `min(..., {cap.group(1)})`", f"min({shown}, {cap.group(1)})"))
    if "`max(0, ...)`" in hint:
        out.append(("Keep it at zero or above with `max(0, ...)`", f"max(0, {shown})"))
    if hint.startswith("add `") and shown.rstrip().endswith("}"):
        for statement in re.findall(r"`([^`]+;)`", hint):
            closing = shown.rstrip().rfind("}")
            if "\n" in shown[:closing]:
                line_start = shown.rfind("\n", 0, closing) + 1
                new = shown[:line_start] + f"  {statement}\n" + shown[line_start:]
            else:
                new = shown[:closing].rstrip() + f" {statement} " + shown[closing:]
            out.append((f"Add `{statement}`", new))
    return out
