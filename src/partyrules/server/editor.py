"""What the workbench's editor pane asks as the officer types: colours, hover and completion.

Nothing here is the editor's own: the colours are the token classes of the Pygments lexer of
:mod:`partyrules.highlight` (the ``highlight`` extra; without Pygments the pane stays plain), and
hover and completion are the language server's, :class:`partyrules.lsp.index.Index` built from
the same :func:`partyrules.api.analyse` as ``partyrules lsp`` (no pygls needed). Positions are
1-based lines and columns in characters, as in every diagnostic.

As in the language server, a text that does not parse (a word half typed) is answered from the
last index of the same document that did: the page names its document with a random key, and the
last checked index of the most recent documents is kept.
"""

from __future__ import annotations

import collections
import threading
from typing import Any

from partyrules.lsp.index import Index
from partyrules.server.service import ApiError, Workspace, diagnostics_data

#: how many documents' last checked index is kept (one per open page; some 0.4 MB each for chi-bo-4-tot)
DOCUMENTS = 16
#: the longest text whose index is kept for its document, in characters (a longer one is answered alone)
KEPT_TEXT = 1_000_000


def highlighted(text: str) -> list[list[str]]:
    """``text`` as ``[token class, text]`` pairs, in order (joined, they are ``text``): the classes are
    Pygments' short names (``kd`` a declaration keyword, ``s2`` a quoted label, ``c1`` a comment ...)."""
    try:
        from pygments.token import STANDARD_TYPES

        from partyrules.highlight import CriteriaLexer
    except ImportError:
        raise ApiError(501, "unavailable", "highlighting needs Pygments: pip install 'partyrules[highlight]'") from None
    lexer = CriteriaLexer(stripnl=False, ensurenl=False)
    out: list[list[str]] = []
    for _, token, value in lexer.get_tokens_unprocessed(text):
        while token not in STANDARD_TYPES:
            token = token.parent
        short = STANDARD_TYPES[token]
        if out and out[-1][0] == short:
            out[-1][1] += value
        else:
            out.append([short, value])
    return out


def highlight_css() -> str:
    """The colours of the token classes (Pygments' default style, colours only: the text must keep its
    width over the editor's), as ``.t-CLASS`` rules; empty without Pygments."""
    try:
        from pygments.styles import get_style_by_name
        from pygments.token import STANDARD_TYPES
    except ImportError:
        return ""
    style = get_style_by_name("default")
    rules = []
    for token, short in sorted(STANDARD_TYPES.items(), key=lambda kv: kv[1]):
        color = style.style_for_token(token)["color"]
        if short and color:
            rules.append(f".t-{short} {{ color: #{color}; }}")
    return "\n".join(rules)


class Documents:
    """The last checked index of each recent document, so that half-typed text still has its names."""

    def __init__(self, workspace: Workspace, keep: int = DOCUMENTS) -> None:
        self.workspace = workspace
        self.keep = keep
        self._lock = threading.Lock()
        self._checked: collections.OrderedDict[str, Index] = collections.OrderedDict()

    def index(self, text: str, document: str | None, filename: str = "workbench.criteria") -> Index:
        """The index of ``text``; of the document's last text that checked, while this one does not parse."""
        with self._lock:
            previous = self._checked.get(document) if document else None
        index = Index(self.workspace.analyse(text, filename), previous)
        if document and index.checked and len(text) <= KEPT_TEXT:
            with self._lock:
                self._checked[document] = index
                self._checked.move_to_end(document)
                while len(self._checked) > self.keep:
                    self._checked.popitem(last=False)
        return index

    def check(self, text: str, filename: str, document: str) -> dict[str, Any]:
        """:meth:`Workspace.check`'s answer (the same parse, link and check), its index kept for the document."""
        return diagnostics_data(self.index(text, document, filename).analysis.diagnostics)

    def hover(self, text: str, line: int, column: int, document: str | None = None) -> dict[str, Any]:
        """What hovering shows at a place: the declared name there, its kind, its hover text (Markdown)."""
        index = self.index(text, document)
        found = index.hover_at(index.filename, line, column)
        if found is None:
            return {"hover": None}
        definition, place = found
        return {
            "name": definition.name,
            "kind": definition.kind,
            "hover": definition.hover,
            "line": place.line,
            "column": place.column,
            "end_column": place.end_column,
        }

    def complete(self, text: str, line: int, column: int, document: str | None = None) -> dict[str, Any]:
        """What may be written at a place (the language server's completions), and where the word typed begins."""
        index = self.index(text, document)
        items = index.completions(line, column, self.workspace.known_ids)
        lines = text.split("\n")
        current = lines[line - 1][: column - 1] if 1 <= line <= len(lines) else ""
        if items and all(c.kind == "ruleset" for c in items):  # an id inside `extends "`: all after the quote
            start = current.rfind('"') + 1
        else:
            start = len(current)
            while start > 0 and (current[start - 1].isalnum() or current[start - 1] == "_"):
                start -= 1
        return {
            "items": [{"label": c.label, "kind": c.kind, "detail": c.detail} for c in items],
            "from": start + 1,
        }
