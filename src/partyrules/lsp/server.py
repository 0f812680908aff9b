"""``partyrules lsp``: the language server, on pygls, speaking the Language Server Protocol over stdio.

Every open file is analysed again on each change, by the same parse, link and check as
``partyrules check`` (:func:`partyrules.api.analyse`); what the editor asks (hover, definition,
references, completion, formatting, quick fixes, rename) is answered from the resulting
:class:`~partyrules.lsp.index.Index`. The files a document extends or imports are read from
the disk through a :class:`~partyrules.loader.Loader` kept between edits, and read again after
any criteria file is saved.

A change after a quiet spell is checked at once. A burst of changes (fast typing, a paste the
editor sends as several edits, a search and replace) is checked at its start and once more at
its end: a change within :data:`QUIET` seconds of the last one schedules the check :data:`QUIET`
seconds later, and each further change of the same document in that time moves it on. A request about the document
(hover, completion, ...) checks a pending change at once, so it never answers from old text.

Settings (the client's ``initializationOptions``): ``{"path": ["folder", ...]}``, folders
searched for the ids of bases and imports before ``PARTYRULES_PATH`` and the shipped criteria;
``{"debounce_ms": N}``, the quiet period in milliseconds (0 checks every change at once).
"""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types as t
from pygls import uris
from pygls.exceptions import JsonRpcInvalidRequest
from pygls.lsp.server import LanguageServer

import partyrules
from partyrules.api import analyse
from partyrules.diagnostics import CriteriaError, Diagnostic
from partyrules.loader import Loader
from partyrules.lsp.index import Index, Place, RenameError, fixes

_KINDS = {
    "input": t.CompletionItemKind.Field,
    "let": t.CompletionItemKind.Variable,
    "param": t.CompletionItemKind.Constant,
    "group": t.CompletionItemKind.Module,
    "item": t.CompletionItemKind.Property,
    "deduction": t.CompletionItemKind.Property,
    "bonus": t.CompletionItemKind.Property,
    "grade": t.CompletionItemKind.EnumMember,
    "knockout": t.CompletionItemKind.Event,
    "not_graded": t.CompletionItemKind.Event,
    "levels": t.CompletionItemKind.Enum,
    "keyword": t.CompletionItemKind.Keyword,
    "function": t.CompletionItemKind.Function,
    "ruleset": t.CompletionItemKind.Module,
}


#: seconds without a change before the rest of a burst is checked: longer than the gap between the
#: edits of one burst (a paste or a replace-all sends them within a few ms), shorter than that between
#: keystrokes (70 ms and more); a change after a quiet spell does not wait at all
QUIET = 0.03


class CriteriaServer(LanguageServer):
    """The server's state: the index of each open document, and the loaders of base files by search roots."""

    def __init__(self) -> None:
        super().__init__("partyrules", partyrules.__version__)
        self.indexes: dict[str, Index] = {}
        self.loaders: dict[tuple[str, ...], Loader] = {}
        self.path: list[str] = []
        self.quiet = QUIET
        self.pending: dict[str, asyncio.TimerHandle] = {}  # documents changed and not yet checked
        self.busy_until: dict[str, float] = {}  # the loop's time of the last change handled, per document

    def filename(self, uri: str) -> str:
        return uris.to_fs_path(uri) or uri

    def uri(self, file: str, document_uri: str) -> str:
        if file == self.filename(document_uri):
            return document_uri
        return Path(file).resolve().as_uri() if os.path.isabs(file) or os.path.exists(file) else file

    def refresh(self, uri: str) -> Index:
        """Analyse a document again and publish its diagnostics."""
        document = self.workspace.get_text_document(uri)
        analysis = analyse(document.source, self.filename(uri), path=self.path, loaders=self.loaders)
        index = Index(analysis, self._checked(uri))
        self.indexes[uri] = index
        diagnostics = [self.diagnostic(d, index, uri) for d in analysis.diagnostics]
        self.text_document_publish_diagnostics(
            t.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=document.version)
        )
        return index

    def changed(self, uri: str) -> None:
        """Check a changed document: at once after a quiet spell, else once the burst has been quiet for :attr:`quiet`.

        The first change after a pause is what an author waits for (the diagnostics of what was just
        typed); the changes that follow it within :attr:`quiet` seconds of the server's last work on
        the document are a burst, checked once at its end.
        """
        self.cancel(uri)
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:  # not inside the server's loop (a direct call): check now
            loop = None
        if loop is None or self.quiet <= 0:
            self.refresh(uri)
            return
        last = self.busy_until.get(uri)
        if last is None or loop.time() - last >= self.quiet:
            self.refresh(uri)
        else:
            self.pending[uri] = loop.call_later(self.quiet, self._quiet, uri)
        # measured after the check: changes queued while it ran are the same burst
        self.busy_until[uri] = loop.time()

    def settle(self) -> None:
        """Set the state that lasts (the parser, the bases read, the open documents) apart from the cycle collector.

        A check runs with the collector paused (:func:`partyrules.api.analyse`), so it collects
        between checks; a full collection walked the parser's tables and the bases as well, adding
        40 to 90 ms to one change in twenty-five (measured on vn.hatinh/cell-meeting). Frozen, they
        are never walked again. Done when a document opens (rare, and itself a few hundred ms):
        what was frozen before is first unfrozen and collected, so nothing dead stays frozen for long.
        """
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    def _quiet(self, uri: str) -> None:
        if self.pending.pop(uri, None) is not None:
            self.refresh(uri)

    def cancel(self, uri: str) -> None:
        timer = self.pending.pop(uri, None)
        if timer is not None:
            timer.cancel()

    def _checked(self, uri: str) -> Index | None:
        index = self.indexes.get(uri)
        return index.last_checked if index is not None else None

    def index(self, uri: str) -> Index:
        if uri in self.pending:  # a request about text changed since the last check
            self.cancel(uri)
            return self.refresh(uri)
        return self.indexes[uri] if uri in self.indexes else self.refresh(uri)

    # ------------------------------------------------------------ positions
    def lines(self, index: Index, file: str) -> list[str]:
        return index.texts.get(file, "").split("\n")

    def range(self, index: Index, file: str, line: int, column: int, end_line: int, end_column: int) -> t.Range:
        """A 1-based span in characters as the client counts (UTF-16 unless it asked for another)."""
        lines = self.lines(index, file)
        codec = self.workspace.position_codec
        start = codec.position_to_client_units(lines, t.Position(max(line - 1, 0), max(column - 1, 0)))
        end = codec.position_to_client_units(lines, t.Position(max(end_line - 1, 0), max(end_column - 1, 0)))
        return t.Range(start, end)

    def place_range(self, index: Index, place: Place) -> t.Range:
        return self.range(index, place.file, place.line, place.column, place.line, place.end_column)

    def location(self, index: Index, place: Place, uri: str) -> t.Location:
        return t.Location(self.uri(place.file, uri), self.place_range(index, place))

    def cursor(self, index: Index, position: t.Position) -> tuple[int, int]:
        """A client's position as a 1-based line and column in characters of the analysed text."""
        lines = self.lines(index, index.filename)
        server = self.workspace.position_codec.position_from_client_units(lines, position)
        return server.line + 1, server.character + 1

    # ------------------------------------------------------------ diagnostics
    def diagnostic(self, d: Diagnostic, index: Index, uri: str) -> t.Diagnostic:
        span = d.span
        related = [
            t.DiagnosticRelatedInformation(
                t.Location(
                    self.uri(r.file, uri),
                    self.range(index, r.file, r.span.line, r.span.column, r.span.end_line, r.span.end_column),
                ),
                r.label,
            )
            for r in d.related
        ]
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        if d.file == index.filename:
            where = self.range(index, d.file, span.line, span.column, span.end_line, span.end_column)
        else:  # a problem in a base file: shown at the top of this one, and pointing at the base
            where = t.Range(t.Position(0, 0), t.Position(0, 0))
            message = f"{d.location}: {message}"
            related.insert(
                0,
                t.DiagnosticRelatedInformation(
                    t.Location(
                        self.uri(d.file, uri),
                        self.range(index, d.file, span.line, span.column, span.end_line, span.end_column),
                    ),
                    "the problem is here",
                ),
            )
        severity = t.DiagnosticSeverity.Error if d.severity == "error" else t.DiagnosticSeverity.Warning
        return t.Diagnostic(
            where,
            message,
            severity=severity,
            code=d.code,
            source="partyrules",
            related_information=related or None,
            data={"hint": d.hint} if d.hint else None,
        )


def _edits(server: CriteriaServer, index: Index, places: Sequence[Place], new: str, uri: str) -> t.WorkspaceEdit:
    changes: dict[str, list[t.TextEdit]] = {}
    for place in places:
        changes.setdefault(server.uri(place.file, uri), []).append(t.TextEdit(server.place_range(index, place), new))
    return t.WorkspaceEdit(changes=changes)


def initialize(ls: CriteriaServer, params: t.InitializeParams) -> None:
    options: Any = params.initialization_options
    if isinstance(options, dict) and isinstance(options.get("path"), list):
        ls.path = [str(p) for p in options["path"]]
    if isinstance(options, dict) and isinstance(options.get("debounce_ms"), (int, float)):
        ls.quiet = max(0.0, float(options["debounce_ms"]) / 1000)


def did_open(ls: CriteriaServer, params: t.DidOpenTextDocumentParams) -> None:
    ls.refresh(params.text_document.uri)
    ls.settle()


def did_change(ls: CriteriaServer, params: t.DidChangeTextDocumentParams) -> None:
    ls.changed(params.text_document.uri)


def did_save(ls: CriteriaServer, params: t.DidSaveTextDocumentParams) -> None:
    ls.loaders.clear()  # a saved file may be another's base: read the bases again
    for uri in list(ls.indexes):
        ls.cancel(uri)
        ls.refresh(uri)


def did_close(ls: CriteriaServer, params: t.DidCloseTextDocumentParams) -> None:
    ls.cancel(params.text_document.uri)
    ls.indexes.pop(params.text_document.uri, None)
    ls.busy_until.pop(params.text_document.uri, None)
    ls.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))


def hover(ls: CriteriaServer, params: t.HoverParams) -> t.Hover | None:
    index = ls.index(params.text_document.uri)
    line, column = ls.cursor(index, params.position)
    found = index.hover_at(index.filename, line, column)
    if found is None:
        return None
    contents = t.MarkupContent(kind=t.MarkupKind.Markdown, value=found[0].hover)
    return t.Hover(contents=contents, range=ls.place_range(index, found[1]))


def definition(ls: CriteriaServer, params: t.DefinitionParams) -> t.Location | None:
    uri = params.text_document.uri
    index = ls.index(uri)
    line, column = ls.cursor(index, params.position)
    found = index.definition_at(index.filename, line, column)
    return ls.location(index, found.place, uri) if found is not None else None


def references(ls: CriteriaServer, params: t.ReferenceParams) -> list[t.Location]:
    uri = params.text_document.uri
    index = ls.index(uri)
    line, column = ls.cursor(index, params.position)
    found = index.definition_at(index.filename, line, column)
    if found is None:
        return []
    places = index.references(found.name)
    if not params.context.include_declaration:
        places = [p for p in places if p != found.place]
    return [ls.location(index, p, uri) for p in places]


def completion(ls: CriteriaServer, params: t.CompletionParams) -> t.CompletionList:
    index = ls.index(params.text_document.uri)
    line, column = ls.cursor(index, params.position)
    items = [
        t.CompletionItem(c.label, kind=_KINDS.get(c.kind), detail=c.detail or c.kind)
        for c in index.completions(line, column, lambda: _ruleset_ids(ls, index))
    ]
    return t.CompletionList(is_incomplete=False, items=items)


def formatting(ls: CriteriaServer, params: t.DocumentFormattingParams) -> list[t.TextEdit] | None:
    from partyrules.formatter import format_text

    uri = params.text_document.uri
    document = ls.workspace.get_text_document(uri)
    try:
        new = format_text(document.source, ls.filename(uri))
    except CriteriaError:
        return None  # a file that does not parse is left as it is: its diagnostics say why
    if new == document.source:
        return []
    lines = document.source.split("\n")
    end = ls.workspace.position_codec.position_to_client_units(lines, t.Position(len(lines) - 1, len(lines[-1])))
    return [t.TextEdit(t.Range(t.Position(0, 0), end), new)]


def code_action(ls: CriteriaServer, params: t.CodeActionParams) -> list[t.CodeAction]:
    uri = params.text_document.uri
    document = ls.workspace.get_text_document(uri)
    actions = []
    for diagnostic in params.context.diagnostics:
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        r = diagnostic.range
        shown = document.source[document.offset_at_position(r.start) : document.offset_at_position(r.end)]
        message = diagnostic.message.split("\n", 1)[0]
        found = fixes(message, data.get("hint"), shown)
        for title, new in found:
            actions.append(
                t.CodeAction(
                    title,
                    kind=t.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    edit=t.WorkspaceEdit(changes={uri: [t.TextEdit(r, new)]}),
                    is_preferred=len(found) == 1,
                )
            )
    return actions


def rename(ls: CriteriaServer, params: t.RenameParams) -> t.WorkspaceEdit:
    uri = params.text_document.uri
    index = ls.index(uri)
    line, column = ls.cursor(index, params.position)
    try:
        places = index.rename(index.filename, line, column, params.new_name)
    except RenameError as exc:
        raise JsonRpcInvalidRequest(str(exc)) from None
    return _edits(ls, index, places, params.new_name, uri)


#: What the server answers: each method of the protocol, its options, and the function that answers it.
_FEATURES: tuple[tuple[str, Any, Callable[..., Any]], ...] = (
    (t.INITIALIZE, None, initialize),
    (t.TEXT_DOCUMENT_DID_OPEN, None, did_open),
    (t.TEXT_DOCUMENT_DID_CHANGE, None, did_change),
    (t.TEXT_DOCUMENT_DID_SAVE, None, did_save),
    (t.TEXT_DOCUMENT_DID_CLOSE, None, did_close),
    (t.TEXT_DOCUMENT_HOVER, None, hover),
    (t.TEXT_DOCUMENT_DEFINITION, None, definition),
    (t.TEXT_DOCUMENT_REFERENCES, None, references),
    (t.TEXT_DOCUMENT_COMPLETION, t.CompletionOptions(trigger_characters=['"']), completion),
    (t.TEXT_DOCUMENT_FORMATTING, None, formatting),
    (t.TEXT_DOCUMENT_CODE_ACTION, t.CodeActionOptions(code_action_kinds=[t.CodeActionKind.QuickFix]), code_action),
    (t.TEXT_DOCUMENT_RENAME, None, rename),
)


def build() -> CriteriaServer:
    """The server with every feature registered (not started)."""
    server = CriteriaServer()
    for method, options, answer in _FEATURES:
        server.feature(method, options)(answer)
    return server


def _ruleset_ids(ls: CriteriaServer, index: Index) -> list[str]:
    """Ids found on the document's search path (the folder it stands in, the settings' folders, the defaults)."""
    roots = [*ls.path]
    if index.analysis.tree is not None:
        from partyrules.api import own_roots

        roots = [*(str(r) for r in own_roots(index.filename, index.analysis.tree)), *roots]
    try:
        return Loader(roots).known_ids()
    except OSError:
        return []


def serve() -> None:
    """Run the server over standard input and output until the client exits."""
    build().start_io()
