"""Diagnostics: what is wrong in a criteria file, where, and how to fix it.

Diagnostics are structured data (code, message, position, hint); rendering
them as text with the source line and a caret is a separate, tested function,
as in sqlglot. No colour codes here: colour belongs at the terminal edge.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import attrs

from partyrules.nodes import Span


@attrs.frozen
class Diagnostic:
    """One problem in a criteria file.

    ``code`` is stable (documented in docs/language.md) so that tools and
    tests can match on it; ``message`` is one line for a person.
    """

    code: str
    message: str
    file: str
    span: Span
    hint: str | None = None
    severity: str = "error"

    @property
    def location(self) -> str:
        return f"{self.file}:{self.span.line}:{self.span.column}"


@attrs.frozen
class Source:
    """The text of one criteria file, kept so diagnostics can quote it."""

    name: str
    text: str

    def line(self, number: int) -> str | None:
        lines = self.text.splitlines()
        if 1 <= number <= len(lines):
            return lines[number - 1]
        return None


#: Longest stretch of a source line quoted in a rendered diagnostic.
SHOWN_LINE = 160


def render(diagnostic: Diagnostic, source: Source | None) -> str:
    """Render as ``file:line:col: error CODE: message``, the line, a caret, a hint."""
    head = f"{diagnostic.location}: {diagnostic.severity} {diagnostic.code}: {diagnostic.message}"
    parts = [head]
    text = source.line(diagnostic.span.line) if source is not None else None
    if text is not None:
        column = max(diagnostic.span.column, 1)
        width = 1
        if diagnostic.span.end_line == diagnostic.span.line and diagnostic.span.end_column > column:
            width = diagnostic.span.end_column - column
        width = max(1, min(width, len(text) - column + 1))
        gutter = f"{diagnostic.span.line:>4} | "
        # a very long line is shown around the caret only
        start = max(0, column - 1 - SHOWN_LINE // 2) if len(text) > SHOWN_LINE else 0
        shown = text[start : start + SHOWN_LINE]
        prefix = "…" if start else ""
        suffix = "…" if start + SHOWN_LINE < len(text) else ""
        width = max(1, min(width, SHOWN_LINE))
        parts.append(gutter + prefix + shown + suffix)
        parts.append(" " * (len(gutter) - 2) + "| " + " " * (column - 1 - start + len(prefix)) + "^" * width)
    if diagnostic.hint:
        parts.append(f"  hint: {diagnostic.hint}")
    return "\n".join(parts)


class PartyrulesError(Exception):
    """Base class of every error partyrules raises on purpose."""


class CriteriaError(PartyrulesError):
    """A criteria file (or several) is wrong. Holds every diagnostic found."""

    def __init__(self, diagnostics: Sequence[Diagnostic], sources: Iterable[Source] = ()) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        self.sources: dict[str, Source] = {s.name: s for s in sources}
        super().__init__(self.render())

    def render(self) -> str:
        blocks = [render(d, self.sources.get(d.file)) for d in self.diagnostics]
        count = len(self.diagnostics)
        blocks.append(f"{count} problem{'s' if count != 1 else ''} found")
        return "\n\n".join(blocks)


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A "did you mean ...?" hint from the closest known names, or None."""
    close = difflib.get_close_matches(word, sorted(set(candidates)), n=3, cutoff=0.6)
    if not close:
        return None
    if len(close) == 1:
        return f"did you mean `{close[0]}`?"
    return "did you mean " + ", ".join(f"`{c}`" for c in close[:-1]) + f" or `{close[-1]}`?"
