"""Where things stand in the text: spans of lark's tokens and tree nodes, stamped with the file,
and the comments the lexer meets (kept for the formatter)."""

from __future__ import annotations

import contextvars
import unicodedata
from typing import Protocol

import attrs
from lark import Token
from lark.tree import Meta

from partyrules import nodes as n


@attrs.frozen
class Comment:
    """A ``# ...`` comment: its text (from ``#``, trailing blanks removed) and where it stood."""

    text: str
    span: n.Span


#: Where the lexer puts the comments it meets while one text is parsed (None when nobody asked).
COMMENTS: contextvars.ContextVar[list[Comment] | None] = contextvars.ContextVar("partyrules_comments", default=None)


def keep_comment(token: Token) -> Token:
    sink = COMMENTS.get()
    if sink is not None:
        sink.append(Comment(str(token).rstrip(), span_of_token(token)))
    return token


class Lexeme:
    """A token as the builder's methods read it, made by the parse loop (:mod:`partyrules.parser.lalr`):
    ``str(token)`` and its place. lark's ``Token`` is a ``str`` with eight attributes set one by one;
    this is what the builder reads of it, its place as the tuple (line, column, end line, end column)
    the loop has made for the stack anyway."""

    __slots__ = ("position", "type", "value")

    def __init__(self, type_: str, value: str, position: tuple[int, int, int, int]) -> None:
        self.type = type_
        self.value = value
        self.position = position

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"Lexeme({self.type!r}, {self.value!r}, {self.position[0]}:{self.position[1]})"

    @property
    def line(self) -> int:
        return self.position[0]

    @property
    def column(self) -> int:
        return self.position[1]

    @property
    def end_line(self) -> int:
        return self.position[2]

    @property
    def end_column(self) -> int:
        return self.position[3]


def span_key(span: n.Span) -> tuple[int, int, int, int]:
    """A span as a key of :attr:`SourceLayout.blocks`."""
    return (span.line, span.column, span.end_line, span.end_column)


#: The file being built, stamped on every span: once files extend each other a
#: linked tree mixes nodes of several files, and diagnostics must name the right one.
FILE: contextvars.ContextVar[str] = contextvars.ContextVar("partyrules_parsed_file", default="")


def span_of_meta(meta: Meta | tuple[int, int, int, int] | None) -> n.Span:
    """The span of a rule's text: from lark's ``Meta``, or the place the parse loop gives instead of one
    (its line, column, end line and end column; None where the rule holds no token, as an empty ``Meta``)."""
    if meta.__class__ is tuple:
        return n.span_at(meta, FILE.get())
    if getattr(meta, "empty", True):
        return n.Span(0, 0, 0, 0, FILE.get())
    return n.Span(meta.line, meta.column, meta.end_line, meta.end_column, FILE.get())  # type: ignore[union-attr]


class Placed(Protocol):
    """A token with its place: lark's ``Token``, or the parse loop's ``Lexeme``."""

    @property
    def line(self) -> int | None: ...
    @property
    def column(self) -> int | None: ...
    @property
    def end_line(self) -> int | None: ...
    @property
    def end_column(self) -> int | None: ...


def span_of_token(token: Placed) -> n.Span:
    if token.__class__ is Lexeme:
        return n.span_at(token.position, FILE.get())
    return n.Span(token.line or 0, token.column or 0, token.end_line or 0, token.end_column or 0, FILE.get())


def text_of(token: Token) -> str:
    return unicodedata.normalize("NFC", str(token)[1:-1])
