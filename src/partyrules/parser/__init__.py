"""Parsing: criteria text to the syntax tree of :mod:`partyrules.nodes`.

The only module that imports lark. The grammar (``grammars/criteria.lark``)
is parsed with LALR and a contextual lexer (the tables read from the saved
parser, ``grammars/criteria-lalr.json``, see :mod:`partyrules.parser.grammar`).
A text is parsed by a loop of our own over those tables
(:mod:`partyrules.parser.lalr`), which calls the builder's methods as it
reduces; where it stops (a syntax error, nesting too deep) lark parses the text
again and the builder's methods are called over lark's tree, with the same
results. Syntax errors are translated from lark's token names into words a
committee officer understands.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

import attrs
import lark
from lark.exceptions import UnexpectedInput

from partyrules import nodes as n
from partyrules.diagnostics import CriteriaError, Diagnostic, Source
from partyrules.parser import grammar, lalr
from partyrules.parser.builder import Builder, parse_decimal as parse_decimal
from partyrules.parser.errors import syntax_diagnostic, words_expected as words_expected
from partyrules.parser.grammar import grammar_text as grammar_text, lalr_tables
from partyrules.parser.spans import COMMENTS, FILE, Comment as Comment, span_key as span_key, span_of_meta

#: Files larger than this are refused before parsing: criteria files are
#: untrusted text and a scale of thousands of criteria is far below it.
MAX_SOURCE_BYTES = 4 * 1024 * 1024
#: Deeper nesting than this is refused; real scales nest a handful of levels.
MAX_NESTING = 120


@attrs.frozen
class SourceLayout:
    """What the formatter needs beyond the syntax tree: the comments, and the statements of every
    block in file order (the tree keeps cites, notes and rules in fields, not in the author's order).

    ``blocks`` maps a block's span (line, column, end line, end column) to its statements: tuples
    ``(keyword, value, span)`` as the builder makes them, and the nodes that stand among them
    (criteria, expectations, claims).
    """

    file: n.RulesetFile
    text: str
    comments: tuple[Comment, ...]
    blocks: dict[tuple[int, int, int, int], tuple[Any, ...]]


def parse(text: str, filename: str = "<string>") -> n.RulesetFile:
    """Parse criteria text; raise :class:`CriteriaError` with positions on any problem."""
    return _parsed(text, filename, layout=False).file


def parse_layout(text: str, filename: str = "<string>") -> SourceLayout:
    """Parse criteria text as :func:`parse` does, keeping its comments and statement order too."""
    return _parsed(text, filename, layout=True)


def _parsed(text: str, filename: str, layout: bool) -> SourceLayout:
    """The parse; the comments and the blocks' statements (what only the formatter reads) kept only
    with ``layout``: a load has no use for them, and they were a thousand objects made and dropped a
    thousand criteria."""
    text = normalise(text)
    source = Source(filename, text)
    if len(text.encode("utf-8", errors="replace")) > MAX_SOURCE_BYTES:
        raise CriteriaError(
            [
                Diagnostic(
                    "PR001",
                    f"the file is larger than {MAX_SOURCE_BYTES // (1024 * 1024)} MiB; criteria files are small text files",
                    filename,
                    n.Span(1, 1, 1, 2),
                )
            ],
            [source],
        )
    forbidden = FORBIDDEN.search(text)
    if forbidden is not None:
        raise CriteriaError([_forbidden(forbidden, text, filename)], [Source(filename, _shown(text))])
    comments: list[Comment] = []
    builder = Builder(filename, layout)
    result = _parsed_by_our_loop(text, filename, builder, comments if layout else None)
    if result is None:  # a syntax error, or nesting too deep: lark's parse, and its diagnostics
        comments.clear()
        builder = Builder(filename, layout)
        result = _parsed_by_lark(text, filename, source, builder, comments if layout else None)
    if builder.problems:
        raise CriteriaError(builder.problems, [source])
    assert isinstance(result, n.RulesetFile)
    return SourceLayout(result, text, tuple(comments), builder.blocks)


def _parsed_by_our_loop(text: str, filename: str, builder: Builder, comments: list[Comment] | None) -> Any:
    """The builder's result from :mod:`partyrules.parser.lalr`'s loop over lark's tables; None when
    the loop stops (the text is to be parsed by lark, which says why it does not parse)."""
    tables = lalr_tables()
    if tables is None:
        return None
    outer = FILE.get()  # lark stamps comments while it parses, before the file is set for the builder
    token = FILE.set(filename)
    try:
        return lalr.parse(tables, text, functools.partial(_method, builder), comments, outer, MAX_NESTING)
    except lalr.Stop:
        return None
    finally:
        FILE.reset(token)


def _method(builder: Builder, name: str) -> Any:
    """The builder's method for a rule, without lark's ``v_args`` wrapper around it (None if it has none)."""
    method = getattr(builder, name, None)
    return getattr(method, "base_func", method)


def _parsed_by_lark(text: str, filename: str, source: Source, builder: Builder, comments: list[Comment] | None) -> Any:
    """The builder's result over lark's tree; a syntax error or too deep a nesting raised as diagnostics."""
    sink = COMMENTS.set(comments)
    try:
        tree = grammar.lalr().parse(text)
    except UnexpectedInput as exc:
        raise CriteriaError([syntax_diagnostic(exc, text, filename)], [source]) from None
    finally:
        COMMENTS.reset(sink)
    depth, deepest = _depth(tree)
    if depth > MAX_NESTING:
        raise CriteriaError(
            [
                Diagnostic(
                    "PR002",
                    f"this formula is too long or too deeply nested ({depth} levels; at most {MAX_NESTING})",
                    filename,
                    deepest,
                    "split the formula into named values with `let`",
                )
            ],
            [source],
        )
    token = FILE.set(filename)
    try:
        return _built(builder, tree, {})
    finally:
        FILE.reset(token)


#: Characters no criteria file holds: control characters (a tab and line breaks aside), which would
#: reach terminals and workbooks; the bidirectional embeddings, overrides and isolates, which make a
#: line read otherwise than it parses ("Trojan source"); halves of surrogate pairs, no characters at all.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _forbidden(found: re.Match[str], text: str, filename: str) -> Diagnostic:
    at = found.start()
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    code = ord(found.group())
    what = (
        "half of a surrogate pair"
        if code >= 0xD800
        else "a bidirectional control"
        if code >= 0x202A
        else "a control character"
    )
    return Diagnostic(
        "PR004",
        f"U+{code:04X} ({what}) cannot stand in a criteria file",
        filename,
        n.Span(line, column, line, column + 1),
        "delete it; an editor that shows invisible characters finds it",
    )


def _shown(text: str) -> str:
    """The text as a diagnostic quotes it: every forbidden character as U+FFFD, which any terminal prints."""
    return FORBIDDEN.sub("\ufffd", text)


def normalise(text: str) -> str:
    """Criteria text as the parser sees it: NFC, one kind of line ending, no BOM."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def _built(builder: Builder, tree: lark.Tree[Any], methods: dict[str, Any]) -> Any:
    """What ``builder.transform(tree)`` returns, for a third of its cost.

    lark's ``Transformer`` looks each method up again for every node of the tree, and a method
    under ``v_args(meta=True)`` is wrapped anew at each lookup; here each is looked up once a
    parse, and called as the transformer calls it, ``method(meta, children)`` (a rule without a
    method stays a tree, as ``Transformer.__default__`` leaves it; tokens pass through: the builder
    has no method named after a terminal). The recursion is bounded by :data:`MAX_NESTING`.
    """
    children = [_built(builder, c, methods) if isinstance(c, lark.Tree) else c for c in tree.children]
    method = methods.get(tree.data, _UNSEEN)
    if method is _UNSEEN:
        method = methods[tree.data] = getattr(builder, tree.data, None)
    if method is None:
        return lark.Tree(tree.data, children, tree.meta)
    return method(tree.meta, children)


_UNSEEN = object()


def _depth(tree: lark.Tree[Any]) -> tuple[int, n.Span]:
    """Deepest nesting of the parse tree, found without recursion."""
    best = (0, n.Span.unknown())
    stack: list[tuple[lark.Tree[Any], int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > best[0]:
            best = (depth, span_of_meta(node.meta))
        for child in node.children:
            if isinstance(child, lark.Tree):
                stack.append((child, depth + 1))
    return best
