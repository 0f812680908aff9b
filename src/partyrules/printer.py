"""Printing expressions back as criteria-language text.

One tree, many generators: explanations quote the rule behind each point in
the file's own notation, and the formatter builds on the same printer.
"""

from __future__ import annotations

from decimal import Decimal

from partyrules import nodes as n

_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "compare": 4, "+": 5, "-": 5, "*": 6, "/": 6, "neg": 7}


def number_text(value: Decimal, percent: bool = False) -> str:
    if percent:
        value = value.scaleb(2)
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return text + ("%" if percent else "")


def literal_text(lit: n.Literal | n.Name) -> str:
    if isinstance(lit, n.Number):
        return number_text(lit.value, lit.percent)
    if isinstance(lit, n.DateLiteral):
        return lit.value.isoformat()
    if isinstance(lit, n.BooleanLiteral):
        return "true" if lit.value else "false"
    return lit.name


def expr_text(node: n.Expr, parent: int = 0) -> str:
    """The expression as it would be written in a criteria file (on one line)."""
    if isinstance(node, (n.Number, n.DateLiteral, n.BooleanLiteral, n.Name)):
        return literal_text(node)
    if isinstance(node, n.Call):
        return f"{node.function}({', '.join(expr_text(a) for a in node.args)})"
    if isinstance(node, n.Unary):
        if node.op == "not":
            return _wrap(f"not {expr_text(node.operand, _PRECEDENCE['not'])}", _PRECEDENCE["not"], parent)
        return _wrap(f"-{expr_text(node.operand, _PRECEDENCE['neg'])}", _PRECEDENCE["neg"], parent)
    if isinstance(node, n.Binary):
        p = _PRECEDENCE[node.op]
        # left-associative: the right operand needs brackets at equal precedence
        return _wrap(f"{expr_text(node.left, p)} {node.op} {expr_text(node.right, p + 1)}", p, parent)
    if isinstance(node, n.Compare):
        p = _PRECEDENCE["compare"]
        return _wrap(f"{expr_text(node.left, p + 1)} {node.op} {expr_text(node.right, p + 1)}", p, parent)
    if isinstance(node, n.If):
        text = f"if {expr_text(node.condition)} then {expr_text(node.then)} else {expr_text(node.otherwise)}"
        return f"({text})" if parent else text
    if isinstance(node, n.Bands):
        rows = [f"{b.direction} {literal_text(b.threshold)}: {expr_text(b.result)};" for b in node.bands]
        if node.otherwise is not None:
            rows.append(f"otherwise: {expr_text(node.otherwise)};")
        return f"bands {expr_text(node.subject)} {{ {' '.join(rows)} }}"
    if isinstance(node, n.Match):
        rows = [f"{', '.join(literal_text(p) for p in a.patterns)}: {expr_text(a.result)};" for a in node.arms]
        if node.otherwise is not None:
            rows.append(f"otherwise: {expr_text(node.otherwise)};")
        return f"match {expr_text(node.subject)} {{ {' '.join(rows)} }}"
    if isinstance(node, n.Table):
        rows = [f"{', '.join(cell_text(c) for c in r.cells)}: {expr_text(r.result)};" for r in node.rows]
        if node.otherwise is not None:
            rows.append(f"otherwise: {expr_text(node.otherwise)};")
        columns = ", ".join(expr_text(c) for c in node.columns)
        return f"table {node.hit_policy} ({columns}) {{ {' '.join(rows)} }}"
    raise TypeError(f"not an expression: {node!r}")  # pragma: no cover


def cell_text(cell: n.Cell) -> str:
    if isinstance(cell, n.AnyCell):
        return "-"
    if isinstance(cell, n.MemberCell):
        return " | ".join(cell.members)
    if isinstance(cell, n.EqualCell):
        return literal_text(cell.value)
    return " ".join(f"{op} {literal_text(lit)}" for op, lit in cell.tests)


def _wrap(text: str, precedence: int, parent: int) -> str:
    return f"({text})" if precedence < parent else text
