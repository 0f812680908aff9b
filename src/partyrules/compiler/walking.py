"""Every expression inside an expression, as the compiler reads them: :func:`partyrules.nodes.walk`'s
nodes in its order, found faster.

The compiler looks through every rule several times (the numbers that set the fixed-point scale, the
names that read points, the facts a rule reads for its explanation); ``nodes.walk`` asks each node
up to nine ``isinstance`` questions and hands it over through a generator. Here each node's class is
looked up once: the leaves (most nodes) cost one lookup, and the nodes come back as a list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from partyrules import nodes as n

_LEAVES = frozenset((n.Number, n.Name, n.BooleanLiteral, n.DateLiteral))


def _otherwise(node: n.Bands | n.Match | n.Table) -> tuple[n.Expr, ...]:
    return () if node.otherwise is None else (node.otherwise,)


#: each inner node class's children, in the order ``nodes.walk`` puts them on its stack
_CHILDREN: dict[type, Callable[[Any], Sequence[n.Expr]]] = {
    n.Call: lambda node: node.args,
    n.Unary: lambda node: (node.operand,),
    n.Binary: lambda node: (node.left, node.right),
    n.Compare: lambda node: (node.left, node.right),
    n.If: lambda node: (node.condition, node.then, node.otherwise),
    n.Bands: lambda node: (node.subject, *[b.result for b in node.bands], *_otherwise(node)),
    n.Match: lambda node: (node.subject, *[a.result for a in node.arms], *_otherwise(node)),
    n.Table: lambda node: (*node.columns, *[r.result for r in node.rows], *_otherwise(node)),
}


def nodes_in(expr: n.Expr) -> list[n.Expr]:
    """Every expression inside ``expr`` (itself included), in the order of :func:`partyrules.nodes.walk`."""
    found: list[n.Expr] = []
    stack: list[n.Expr] = [expr]
    while stack:
        node = stack.pop()
        cls = type(node)
        if cls in _LEAVES:
            found.append(node)
            continue
        children = _CHILDREN.get(cls)
        if children is None:  # a class not listed here (one added to the tree later): as nodes.walk finds it
            found.extend(n.walk(node))
            continue
        found.append(node)
        stack.extend(children(node))
    return found
