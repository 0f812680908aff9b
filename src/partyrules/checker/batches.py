"""Batch examples: rows scored together, then the file's quotas over them (docs/language.md §13).

An example with ``row`` statements is a batch: each row is an organisation or a person, its facts
written like an example's (``like`` another example, the facts given here in their place), and
every expectation names a row: its grade once the quotas applied, whether a quota demoted it. A
quota is a rule across organisations, so no one-organisation example can test it; a batch can,
and ``partyrules test``, rule coverage and mutation testing run it like any example
(:func:`partyrules.proving.run_batch`). Problems are diagnostics PR813 (a batch in a file without
quotas) and PR814 (rows and expectations that do not fit each other), the facts' own PR802-PR805
and PR812, and PR806 for grades and quotas that do not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from partyrules import nodes as n
from partyrules.casebook import BatchCase, BatchRowCase, RowExpect
from partyrules.diagnostics import Related, did_you_mean
from partyrules.nodes import RESERVED

if TYPE_CHECKING:
    from partyrules.checker.examples import _Casebook


def batch(book: _Casebook, decl: n.Example) -> BatchCase | None:
    """The checked batch of an example with rows; None after a diagnostic."""
    quotas = [q.name for q in book.model.quotas]
    ok = True
    if not quotas:
        book.error(
            "PR813",
            f"example `{decl.name}` has rows, but the file declares no quota to apply over them",
            decl.span,
            "write one-organisation examples with `given`, or declare the quota the rows test",
        )
        ok = False
    for stray in (decl.like, *(e for e in decl.expectations if e.row is None)):
        if stray is not None:
            book.error(
                "PR814",
                f"example `{decl.name}` has rows: each of its expectations names a row, and it is built `like` nothing",
                stray.span,
                "write `expect ROW grade G;`, `expect ROW demoted by QUOTA;` or `expect ROW not demoted;`; "
                "put `like` on a row",
            )
            ok = False
    if decl.facts:
        book.error("PR814", f"example `{decl.name}` has rows: its facts go in its rows", decl.facts[0].span)
        ok = False
    rows: dict[str, BatchRowCase] = {}
    for row in decl.rows:
        case = _row(book, decl, row, rows)
        ok = ok and case is not None
        if case is not None:
            rows[case.name] = case
    expectations = [_expectation(book, decl, e, [r.name.name for r in decl.rows], quotas) for e in decl.expectations]
    if not any(e.row is not None for e in decl.expectations):
        book.error("PR808", f"example `{decl.name}` expects nothing", decl.span, "add `expect ROW grade G;`")
        ok = False
    if not ok or any(e is None for e in expectations):
        return None
    kept = tuple(e for e in expectations if e is not None)
    return BatchCase(decl.name, decl.label, tuple(rows.values()), kept, book.location(decl.span))


def _row(book: _Casebook, decl: n.Example, row: n.BatchRow, seen: dict[str, Any]) -> BatchRowCase | None:
    name = row.name.name
    if name in RESERVED:
        book.error("PR814", f"`{name}` is a word of the language and cannot name a row", row.name.span)
        return None
    twice = next((r for r in decl.rows if r.name.name == name), row)
    if twice is not row:
        book.error(
            "PR814",
            f"example `{decl.name}` has two rows named `{name}`",
            row.name.span,
            "give each row its own name",
            related=(Related("first named here", book.file_of(twice.span), twice.name.span),),
        )
        return None
    if row.like is not None:
        base = book.example_decls.get(row.like.name)
        if base is not None and base.rows:
            book.error(
                "PR812",
                f"row `{name}` is built like `{base.name}`, a batch: build a row on an example of one organisation",
                row.like.span,
            )
            return None
    # a row resolves like an example of its own: its base's facts, those given here in their place
    book.row_examples.append(n.Example(f"{decl.name}.{name}", "", row.facts, (), row.span, row.like))
    found = book.facts_of(book.row_examples[-1])
    if found is None:
        return None
    given, spans = found
    inherited = frozenset(given) - {fact.name for fact in row.facts}
    what = f"row `{name}` of example `{decl.name}`"
    if not book.validate(given, spans, row.span, what, inherited=inherited):
        return None
    return BatchRowCase(name, given, row.group or "", book.location(row.span))


def _expectation(
    book: _Casebook, decl: n.Example, e: n.Expectation, rows: list[str], quotas: list[str]
) -> RowExpect | None:
    if e.row is None:
        return None  # reported above
    if e.row.name not in rows:
        hint = did_you_mean(e.row.name, rows) or "name a row of this example"
        book.error("PR814", f"example `{decl.name}` has no row `{e.row.name}`", e.row.span, hint)
        return None
    target = e.target.name if e.target is not None else None
    span = e.target.span if e.target is not None else e.span
    if e.what == "grade":
        assert target is not None
        return (
            RowExpect(e.row.name, "grade", target) if book.named("grade", target, span, book.grades, "grade") else None
        )
    if e.what == "demoted":
        assert target is not None
        if not quotas:
            return None  # PR813 said it: there is no quota to name
        return RowExpect(e.row.name, "demoted", target) if book.named("quota", target, span, quotas, "quota") else None
    return RowExpect(e.row.name, "not_demoted", None)
