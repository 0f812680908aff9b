"""Diagnostics: what is wrong in a criteria file, where, and how to fix it.

Diagnostics are structured data (code, message, position, hint, a second place it
relates to); rendering them as text with the source line and a caret is a separate,
tested function, as in sqlglot. No colour codes here: colour belongs at the terminal edge.
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from partyrules.codes import CODES
from partyrules.terminal import UNPRINTABLE, terminal_text

if TYPE_CHECKING:  # only read here: the runtime imports diagnostics and never needs the syntax tree
    from partyrules.nodes import Span


@attrs.frozen
class Related:
    """A second place a diagnostic points at, and what stands there ("first declared here")."""

    label: str
    file: str
    span: Span

    @property
    def location(self) -> str:
        return f"{self.file}:{self.span.line}:{self.span.column}"


@attrs.frozen
class Diagnostic:
    """One problem in a criteria file.

    ``code`` is stable (registered in :mod:`partyrules.codes`, documented in
    docs/language.md) so that tools and tests can match on it; ``message`` is one
    line for a person; ``related`` are other places it concerns (where a name was
    first declared, where a locked part is locked), each with a label.
    """

    code: str
    message: str
    file: str
    span: Span
    hint: str | None = None
    severity: str = "error"
    related: tuple[Related, ...] = ()

    def __attrs_post_init__(self) -> None:
        # a code is a promise to tools and to docs/language.md: an unregistered one is a bug
        if __debug__ and self.code not in CODES:
            raise ValueError(f"{self.code} is not a registered diagnostic code (partyrules.codes)")

    @property
    def location(self) -> str:
        return f"{self.file}:{self.span.line}:{self.span.column}"

    def data(self) -> dict[str, Any]:
        """The diagnostic as JSON-ready data (``partyrules check --format json``); ``related`` only when there is one."""
        out: dict[str, Any] = {
            "file": self.file,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }
        if self.related:
            out["related"] = [
                {
                    "label": r.label,
                    "file": r.file,
                    "line": r.span.line,
                    "column": r.span.column,
                    "end_line": r.span.end_line,
                    "end_column": r.span.end_column,
                }
                for r in self.related
            ]
        return out


@attrs.frozen
class Source:
    """The text of one criteria file, kept so diagnostics can quote it."""

    name: str
    text: str

    @functools.cached_property
    def lines(self) -> list[str]:
        # split once: a file with a thousand diagnostics is quoted a thousand times; at line feeds only,
        # as the parser counts lines (str.splitlines also breaks at U+2028, U+0085, \x1c ... and would
        # quote another line than the one a position names)
        lines = self.text.split("\n")
        if lines and not lines[-1]:
            lines.pop()  # the text ends with a line feed: no line after it
        return [line[:-1] if line.endswith("\r") else line for line in lines]

    def line(self, number: int) -> str | None:
        lines = self.lines
        if 1 <= number <= len(lines):
            return lines[number - 1]
        return None


#: Longest stretch of a source line quoted in a rendered diagnostic.
SHOWN_LINE = 160

#: How a renderer finds the text of another file (that of a diagnostic's related place).
Lookup = Callable[[str], "Source | None"]


def render(diagnostic: Diagnostic, source: Source | None, lookup: Lookup | None = None) -> str:
    """Render as ``file:line:col: error CODE: message``, the line, a caret, each related place, a hint.

    A related place is ``file:line:col: note: label`` with its own line and caret; its text is
    ``source`` when it is in the same file, else what ``lookup`` gives for its file (if any).
    """
    head = f"{diagnostic.location}: {diagnostic.severity} {diagnostic.code}: {diagnostic.message}"
    parts = [terminal_text(head), *_quote(diagnostic.span, source)]
    for related in diagnostic.related:
        parts.append(terminal_text(f"{related.location}: note: {related.label}"))
        other = lookup(related.file) if lookup is not None and related.file != diagnostic.file else None
        parts.extend(_quote(related.span, source if related.file == diagnostic.file else other))
    if diagnostic.hint:
        parts.append(terminal_text(f"  hint: {diagnostic.hint}"))
    return "\n".join(parts)


def _shown(text: str) -> str:
    """A quoted source line as a terminal may show it, each character still one column wide (the caret
    stays under its place): a control character as its picture (ESC as U+241B), any other of
    :data:`UNPRINTABLE` as U+FFFD."""
    if not UNPRINTABLE.search(text):
        return text
    return UNPRINTABLE.sub(lambda m: chr(0x2400 + ord(m.group())) if ord(m.group()) < 0x20 else "\ufffd", text)


def _quote(span: Span, source: Source | None) -> list[str]:
    """The source line of ``span`` and a caret under it; nothing without the text."""
    text = source.line(span.line) if source is not None else None
    if text is None:
        return []
    column = max(span.column, 1)
    width = 1
    if span.end_line == span.line and span.end_column > column:
        width = span.end_column - column
    width = max(1, min(width, len(text) - column + 1))
    gutter = f"{span.line:>4} | "
    # a very long line is shown around the caret only
    start = max(0, column - 1 - SHOWN_LINE // 2) if len(text) > SHOWN_LINE else 0
    shown = text[start : start + SHOWN_LINE]
    prefix = "…" if start else ""
    suffix = "…" if start + SHOWN_LINE < len(text) else ""
    width = max(1, min(width, SHOWN_LINE))
    return [
        gutter + prefix + _shown(shown) + suffix,
        " " * (len(gutter) - 2) + "| " + " " * (column - 1 - start + len(prefix)) + "^" * width,
    ]


def close_matches(word: str, possibilities: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """:func:`difflib.get_close_matches`, the same matches in the same order, faster on many names."""
    return _matches(word, _KnownNames(possibilities), n, cutoff)


class _KnownNames:
    """Names to find close matches among, grouped by the set of their characters, each group's names
    from the shortest.

    A file with a thousand unknown names among thousands of known ones asks for hints a thousand
    times over the thousands: difflib's first two tests on each name cost a Python loop over its
    characters. A bound that needs only a set intersection (done in C) comes first: the characters
    the two share can match at most as often as the word holds them (at most once each, plus the
    word's repeated letters), so when even that count cannot reach ``cutoff`` neither can difflib's
    ``quick_ratio`` (``2 * matches / total`` falls with the matches), and difflib would have left the
    name out too. The names of a group share that intersection, and the bound falls as a name grows:
    one intersection a group, and its names looked at only up to the first too long.
    """

    def __init__(self, names: Iterable[str]) -> None:
        groups: dict[frozenset[str], list[str]] = {}
        for name in names:
            groups.setdefault(frozenset(name), []).append(name)
        self.groups = [(letters, sorted(found, key=len)) for letters, found in groups.items()]


@functools.lru_cache(maxsize=8)
def _known_names(names: frozenset[str]) -> _KnownNames:
    """The names of a scope grouped once: a file with many unknown names asks about the same names each time."""
    return _KnownNames(names)


def _matches(word: str, known: _KnownNames, n: int, cutoff: float) -> list[str]:
    counts: dict[str, int] = {}
    for ch in word:
        counts[ch] = counts.get(ch, 0) + 1
    letters = set(counts)
    size = len(word)
    repeats = size - len(letters)  # a shared letter matches at most once more for each repeat in the word
    import difflib  # here: a run that suggests no name (a score of a good file) does not import it

    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    found: list[tuple[float, str]] = []
    for group, names in known.groups:
        common = letters.intersection(group)
        shared = 2.0 * (len(common) + repeats)
        most = None
        for name in names:
            total = size + len(name)
            if total and shared / total < cutoff:
                break  # the looser bound, and so for every longer name of the group
            if repeats and total:
                if most is None:
                    most = 2.0 * sum(counts[ch] for ch in common)
                if most / total < cutoff:
                    break
            matcher.set_seq1(name)
            if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff and matcher.ratio() >= cutoff:
                found.append((matcher.ratio(), name))
    return [name for _, name in heapq.nlargest(n, found)]


class PartyrulesError(Exception):
    """Base class of every error partyrules raises on purpose."""


class CriteriaError(PartyrulesError):
    """A criteria file (or several) is wrong. Holds every diagnostic found."""

    def __init__(self, diagnostics: Sequence[Diagnostic], sources: Iterable[Source] = ()) -> None:
        self.diagnostics: tuple[Diagnostic, ...] = tuple(diagnostics)
        self.sources: dict[str, Source] = {s.name: s for s in sources}
        super().__init__(self.render())

    def render(self) -> str:
        blocks = [render(d, self.sources.get(d.file), self.sources.get) for d in self.diagnostics]
        count = len(self.diagnostics)
        blocks.append(f"{count} problem{'s' if count != 1 else ''} found")
        return "\n\n".join(blocks)


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A "did you mean ...?" hint from the closest known names, or None."""
    close = _matches(word, _known_names(frozenset(candidates)), 3, 0.6)
    if not close:
        return None
    if len(close) == 1:
        return f"did you mean `{close[0]}`?"
    return "did you mean " + ", ".join(f"`{c}`" for c in close[:-1]) + f" or `{close[-1]}`?"
