"""Printing expressions back as criteria-language text.

One tree, many generators: explanations quote the rule behind each point in
the file's own notation, and the formatter builds on the same printer.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the runtime writes numbers with this module and never needs the syntax tree
    from partyrules import nodes as n

_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "compare": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7}


class RowComments(Protocol):
    """Where the formatter puts the comments and blank lines among the rows of bands, match and
    table (``before`` a row and ``closing`` a block: whole lines; ``after`` a row: its line's end).

    Given them, the printer writes each row on a line of its own, indented two spaces more than
    the line that opens the block, and every number exactly as written (``2.50`` stays ``2.50``:
    the checker and compiler read a literal's decimal places).
    """

    def before(self, span: n.Span) -> list[str]: ...

    def after(self, span: n.Span) -> str: ...

    def closing(self, span: n.Span) -> list[str]: ...


#: the texts of the numbers written most: points come from few values, each is turned into text once
_TEXTS: dict[Decimal, str] = {}
_TEXTS_KEPT = 1 << 16
#: how the numbers of a data file are written: ``plain`` (1234.5) or ``vi`` (1.234,5); here, in a
#: module without attrs, so that ``partyrules --help`` lists them without importing the readers
NUMBER_STYLES = ("plain", "vi")


def number_text(value: Decimal, percent: bool = False, exact: bool = False, comma: bool = False) -> str:
    """A number as text: the one way partyrules writes a number, exactly (never through a float) and
    without an exponent (``1E+2`` is ``100``).

    By default without trailing zeros (``12.50`` → ``12.5``; ``-0`` → ``0``), as results files,
    score sheets, explanations and messages write numbers. ``exact`` keeps every digit as written
    (``2.50`` stays ``2.50``), as the formatter writes a literal: the checker and compiler read a
    literal's decimal places. ``percent`` writes a fraction in percent units with a ``%`` sign
    (``0.875`` → ``87.5%``); ``comma`` the decimal comma of Vietnamese sentences (``12,5``).
    """
    if percent or exact or comma:
        return _styled_text(value, percent, exact, comma)
    # results files write a number per cell: the plain text of a value seen before is looked up
    # (equal numbers, 12.50 and 12.5, have equal hashes and one text)
    text = _TEXTS.get(value)
    return text if text is not None else _plain_text(value)


#: how far from 1 a number may be and still be written without an exponent: the readers refuse a number
#: past facts.MAX_DIGITS, so only a value that slipped past them is farther; expanding 1E+999999999 would
#: take a gigabyte, so its text keeps the exponent instead
_PLAIN_REACH = 100_000


def _far(value: Decimal) -> bool:
    return value.is_finite() and abs(value.adjusted()) > _PLAIN_REACH


def _plain_text(value: Decimal) -> str:
    if _far(value):
        return str(value)
    text = f"{value:f}"  # every digit of a Decimal, no exponent
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    if len(_TEXTS) < _TEXTS_KEPT:
        _TEXTS[value] = text
    return text


def _styled_text(value: Decimal, percent: bool, exact: bool, comma: bool) -> str:
    if percent:
        value = value.scaleb(2)
    if exact and _far(value):
        text = str(value)
    elif exact:
        text = f"{value:f}"
        if text == "-0":
            text = "0"
    else:
        text = number_text(value)
    if comma:
        text = text.replace(".", ",")
    return text + "%" if percent else text


def date_text(value: datetime.date) -> str:
    """A date as Vietnamese documents write it: ``01/09/2025``."""
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def band_words(low: Decimal | None, high: Decimal | None) -> str | None:
    """A band of totals in Vietnamese (``từ 70 đến dưới 90``, ``từ 90 trở lên``, ``dưới 50``), as score sheets and explanations say it;
    None for a band with no bound."""
    if low is not None and high is not None:
        return f"từ {number_text(low)} đến dưới {number_text(high)}"
    if low is not None:
        return f"từ {number_text(low)} trở lên"
    if high is not None:
        return f"dưới {number_text(high)}"
    return None


def points_text(value: Decimal | None) -> str:
    """A number of points as text, or ``—`` where there is none (a criterion not scored, no cap)."""
    return "—" if value is None else number_text(value)


def literal_text(lit: n.Literal | n.Name, exact: bool = False) -> str:
    import partyrules.nodes as n  # (no from-list: the import of a loaded module stays in C)

    if isinstance(lit, n.Number):
        return number_text(lit.value, lit.percent, exact)
    if isinstance(lit, n.DateLiteral):
        return lit.value.isoformat()
    if isinstance(lit, n.BooleanLiteral):
        return "true" if lit.value else "false"
    return lit.name


def expr_text(node: n.Expr, parent: int = 0, comments: RowComments | None = None) -> str:
    """The expression as it would be written in a criteria file: on one line, or with ``comments``
    as the formatter writes it (rows one per line; lines after the first indented relative to it)."""
    writer = _WRITERS.get(node.__class__)
    if writer is None:
        writer = _writer_of(node)
    return writer(node, parent, comments)


#: an expression's writer by its class, ``writer(node, parent, comments)``: one lookup a node where an
#: import statement and a chain of isinstance questions were (a load prints every rule for the
#: explanations: a sixth of compiling 1,000 criteria); filled at the first expression printed, as the
#: runtime writes numbers with this module and never imports the syntax tree
_WRITERS: dict[type, Callable[[Any, int, RowComments | None], str]] = {}


def _writer_of(node: n.Expr) -> Callable[[Any, int, RowComments | None], str]:
    import partyrules.nodes as n  # (no from-list: the import of a loaded module stays in C)

    by_class: dict[type, Callable[[Any, int, RowComments | None], str]] = {
        n.Number: _number,
        n.DateLiteral: _date,
        n.BooleanLiteral: _boolean,
        n.Name: _name,
        n.Call: _call,
        n.Unary: _unary,
        n.Binary: _binary,
        n.Compare: _compare,
        n.If: _if,
        n.Bands: _block_text,
        n.Match: _block_text,
        n.Table: _block_text,
    }
    # a subclass is written as the class it derives from (as isinstance would have it)
    found = next((by_class[c] for c in node.__class__.__mro__ if c in by_class), None)
    if found is None:  # pragma: no cover
        raise TypeError(f"not an expression: {node!r}")
    _WRITERS[node.__class__] = found
    return found


def _number(node: n.Number, parent: int, comments: RowComments | None) -> str:
    return number_text(node.value, node.percent, comments is not None)


def _date(node: n.DateLiteral, parent: int, comments: RowComments | None) -> str:
    return node.value.isoformat()


def _boolean(node: n.BooleanLiteral, parent: int, comments: RowComments | None) -> str:
    return "true" if node.value else "false"


def _name(node: n.Name, parent: int, comments: RowComments | None) -> str:
    return node.name


def _call(node: n.Call, parent: int, comments: RowComments | None) -> str:
    return f"{node.function}({', '.join([expr_text(a, 0, comments) for a in node.args])})"


def _unary(node: n.Unary, parent: int, comments: RowComments | None) -> str:
    if node.op == "not":
        return _wrap(f"not {expr_text(node.operand, _NOT, comments)}", _NOT, parent)
    return _wrap(f"-{expr_text(node.operand, _NEG, comments)}", _NEG, parent)


def _binary(node: n.Binary, parent: int, comments: RowComments | None) -> str:
    p = _PRECEDENCE[node.op]
    # left-associative: the right operand needs brackets at equal precedence
    text = f"{expr_text(node.left, p, comments)} {node.op} {expr_text(node.right, p + 1, comments)}"
    return f"({text})" if p < parent else text


def _compare(node: n.Compare, parent: int, comments: RowComments | None) -> str:
    text = f"{expr_text(node.left, _COMPARE + 1, comments)} {node.op} {expr_text(node.right, _COMPARE + 1, comments)}"
    return f"({text})" if parent > _COMPARE else text


def _if(node: n.If, parent: int, comments: RowComments | None) -> str:
    text = (
        f"if {expr_text(node.condition, 0, comments)} then {expr_text(node.then, 0, comments)}"
        f" else {expr_text(node.otherwise, 0, comments)}"
    )
    return f"({text})" if parent else text


_NOT, _NEG, _COMPARE = _PRECEDENCE["not"], _PRECEDENCE["neg"], _PRECEDENCE["compare"]


def _block_text(node: n.Bands | n.Match | n.Table, parent: int, comments: RowComments | None) -> str:
    """bands, match and table: a row each, on one line or, with ``comments``, on lines of their own."""
    import partyrules.nodes as n  # (no from-list: the import of a loaded module stays in C)

    exact = comments is not None

    def sub(child: n.Expr, precedence: int = 0) -> str:
        return expr_text(child, precedence, comments)

    rows: list[tuple[n.Span, str]]
    if isinstance(node, n.Bands):
        head = f"bands {sub(node.subject)}"
        rows = [(b.span, f"{b.direction} {literal_text(b.threshold, exact)}: {sub(b.result)};") for b in node.bands]
    elif isinstance(node, n.Match):
        head = f"match {sub(node.subject)}"
        rows = [
            (a.span, f"{', '.join(literal_text(p, exact) for p in a.patterns)}: {sub(a.result)};") for a in node.arms
        ]
    else:
        head = f"table {node.hit_policy} ({', '.join(sub(c) for c in node.columns)})"
        cells = _cells([[cell_text(c, exact) for c in r.cells] for r in node.rows], aligned=exact)
        rows = [(r.span, f"{c}: {sub(r.result)};") for r, c in zip(node.rows, cells, strict=True)]
    if node.otherwise is not None:
        # the otherwise row keeps no span of its own: its result's stands for it
        rows.append((node.otherwise.span, f"otherwise: {sub(node.otherwise)};"))
    if comments is None:
        return f"{head} {{ {' '.join(text for _, text in rows)} }}"
    lines: list[str] = []
    for span, text in rows:
        lines += comments.before(span)
        lines += (text + comments.after(span)).split("\n")
    lines += comments.closing(node.span)
    body = "\n".join(f"  {line}" if line else "" for line in lines)
    return f"{head} {{\n{body}\n}}"


def _cells(rows: Sequence[Sequence[str]], aligned: bool) -> list[str]:
    """Each row's cells, with each column starting at the same place on every row when ``aligned``."""
    if not aligned:
        return [", ".join(row) for row in rows]
    widths = [max((len(r[i]) for r in rows if i < len(r) - 1), default=0) for i in range(max(map(len, rows)))]
    return ["".join(f"{cell},".ljust(widths[i] + 2) for i, cell in enumerate(row[:-1])) + row[-1] for row in rows]


def cell_text(cell: n.Cell, exact: bool = False) -> str:
    import partyrules.nodes as n  # (no from-list: the import of a loaded module stays in C)

    if isinstance(cell, n.AnyCell):
        return "-"
    if isinstance(cell, n.MemberCell):
        return " | ".join(cell.members)
    if isinstance(cell, n.EqualCell):
        return literal_text(cell.value, exact)
    return " ".join(f"{op} {literal_text(lit, exact)}" for op, lit in cell.tests)


def _wrap(text: str, precedence: int, parent: int) -> str:
    return f"({text})" if precedence < parent else text


def aggregate_text(a: n.Aggregate) -> str:
    """The aggregate as written in canonical layout (after ``from``)."""

    where = f" where {expr_text(a.condition)}" if a.condition is not None else ""
    source = a.over.name if a.over is not None else "children"
    if a.value is not None:
        return f"{a.function} of {a.value.name} over {source}{where}"
    return f"{a.function} of {source}{where}"
