"""Printing expressions back as criteria-language text.

One tree, many generators: explanations quote the rule behind each point in
the file's own notation, and the formatter builds on the same printer.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from partyrules import nodes as n

_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "compare": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7}


class Layout(Protocol):
    """How the formatter lays out the rows of bands, match and table: where its comments and blank
    lines go (``before`` a row and ``closing`` a block: whole lines; ``after`` a row: its line's end).

    Given a layout, the printer writes each row on a line of its own, indented two spaces more than
    the line that opens the block, and every number exactly as written (``2.50`` stays ``2.50``:
    the checker and compiler read a literal's decimal places).
    """

    def before(self, span: n.Span) -> list[str]: ...

    def after(self, span: n.Span) -> str: ...

    def closing(self, span: n.Span) -> list[str]: ...


def number_text(value: Decimal, percent: bool = False, exact: bool = False) -> str:
    if percent:
        value = value.scaleb(2)
    text = f"{value:f}"
    if "." in text and not exact:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return text + ("%" if percent else "")


def literal_text(lit: n.Literal | n.Name, exact: bool = False) -> str:
    if isinstance(lit, n.Number):
        return number_text(lit.value, lit.percent, exact)
    if isinstance(lit, n.DateLiteral):
        return lit.value.isoformat()
    if isinstance(lit, n.BooleanLiteral):
        return "true" if lit.value else "false"
    return lit.name


def expr_text(node: n.Expr, parent: int = 0, layout: Layout | None = None) -> str:
    """The expression as it would be written in a criteria file: on one line, or with ``layout``
    as the formatter writes it (rows one per line; lines after the first indented relative to it)."""
    exact = layout is not None

    def sub(child: n.Expr, precedence: int = 0) -> str:
        return expr_text(child, precedence, layout)

    if isinstance(node, (n.Number, n.DateLiteral, n.BooleanLiteral, n.Name)):
        return literal_text(node, exact)
    if isinstance(node, n.Call):
        return f"{node.function}({', '.join(sub(a) for a in node.args)})"
    if isinstance(node, n.Unary):
        if node.op == "not":
            return _wrap(f"not {sub(node.operand, _PRECEDENCE['not'])}", _PRECEDENCE["not"], parent)
        return _wrap(f"-{sub(node.operand, _PRECEDENCE['neg'])}", _PRECEDENCE["neg"], parent)
    if isinstance(node, n.Binary):
        p = _PRECEDENCE[node.op]
        # left-associative: the right operand needs brackets at equal precedence
        return _wrap(f"{sub(node.left, p)} {node.op} {sub(node.right, p + 1)}", p, parent)
    if isinstance(node, n.Compare):
        p = _PRECEDENCE["compare"]
        return _wrap(f"{sub(node.left, p + 1)} {node.op} {sub(node.right, p + 1)}", p, parent)
    if isinstance(node, n.If):
        text = f"if {sub(node.condition)} then {sub(node.then)} else {sub(node.otherwise)}"
        return f"({text})" if parent else text
    rows: list[tuple[n.Span, str]]
    if isinstance(node, n.Bands):
        head = f"bands {sub(node.subject)}"
        rows = [(b.span, f"{b.direction} {literal_text(b.threshold, exact)}: {sub(b.result)};") for b in node.bands]
    elif isinstance(node, n.Match):
        head = f"match {sub(node.subject)}"
        rows = [(a.span, f"{', '.join(literal_text(p, exact) for p in a.patterns)}: {sub(a.result)};") for a in node.arms]
    elif isinstance(node, n.Table):
        head = f"table {node.hit_policy} ({', '.join(sub(c) for c in node.columns)})"
        cells = _cells([[cell_text(c, exact) for c in r.cells] for r in node.rows], aligned=exact)
        rows = [(r.span, f"{c}: {sub(r.result)};") for r, c in zip(node.rows, cells, strict=True)]
    else:  # pragma: no cover
        raise TypeError(f"not an expression: {node!r}")
    if node.otherwise is not None:
        # the otherwise row keeps no span of its own: its result's stands for it
        rows.append((node.otherwise.span, f"otherwise: {sub(node.otherwise)};"))
    if layout is None:
        return f"{head} {{ {' '.join(text for _, text in rows)} }}"
    lines: list[str] = []
    for span, text in rows:
        lines += layout.before(span)
        lines += (text + layout.after(span)).split("\n")
    lines += layout.closing(node.span)
    body = "\n".join(f"  {line}" if line else "" for line in lines)
    return f"{head} {{\n{body}\n}}"


def _cells(rows: Sequence[Sequence[str]], aligned: bool) -> list[str]:
    """Each row's cells, with each column starting at the same place on every row when ``aligned``."""
    if not aligned:
        return [", ".join(row) for row in rows]
    widths = [max((len(r[i]) for r in rows if i < len(r) - 1), default=0) for i in range(max(map(len, rows)))]
    return ["".join(f"{cell},".ljust(widths[i] + 2) for i, cell in enumerate(row[:-1])) + row[-1] for row in rows]


def cell_text(cell: n.Cell, exact: bool = False) -> str:
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
    if a.value is not None:
        return f"{a.function} of {a.value.name} over children{where}"
    return f"{a.function} of children{where}"
