"""Order: which value needs which, and the order the values are computed in.

A value is a ``let``, the points of a criterion, its level, or whether it applies
(:data:`~partyrules.model.ValueKey`). Each depends on the values its expressions name;
the values pass checks them in this order, so an expression is checked after everything it
reads has its type and interval, and the compiler computes them in the same order. A value
that depends on itself is reported (PR207) once per cycle.

Needs the names (which name is a ``let``, which a criterion); reads no type.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from partyrules import nodes as n
from partyrules.checker.state import State
from partyrules.model import ValueKey


def order(c: State) -> None:
    c.order = _order(c, _graph(c))


def _graph(c: State) -> tuple[dict[ValueKey, set[ValueKey]], dict[ValueKey, n.Span]]:
    """Every value with the values it reads, and where each is declared (to report a cycle)."""
    graph: dict[ValueKey, set[ValueKey]] = {}
    spans: dict[ValueKey, n.Span] = {}
    for name, let in c.lets.items():
        graph[("let", name)] = _deps(c, let.value)
        spans[("let", name)] = let.span
    for declared in c.declared_criteria + c.declared_deductions + c.declared_bonuses:
        info = declared.node
        own: set[ValueKey] = set()
        if info.applicable is not None:
            graph[("applicable", info.name)] = _deps(c, info.applicable.condition)
            spans[("applicable", info.name)] = info.applicable.span
            own.add(("applicable", info.name))
        if info.kind == "group":
            deps = {("points", ch) for ch in declared.children if c.criteria[ch].maximum is not None}
        elif info.points is not None:
            deps = _deps(c, info.points)
        else:
            deps = set()
        if info.maximum is not None:
            graph[("points", info.name)] = deps | own
            spans[("points", info.name)] = info.span
        level = info.level if isinstance(info, n.Criterion) else None
        if level is not None:
            graph[("level", info.name)] = _deps(c, level) | own
            spans[("level", info.name)] = level.span
    return graph, spans


def _deps(c: State, expr: n.Expr) -> set[ValueKey]:
    """The values ``expr`` reads: the names and calls among the expressions :func:`~partyrules.nodes.walk`
    gives, found without it (a walk tests each node against every kind; this pass meets every node)."""
    deps: set[ValueKey] = set()
    stack: list[Any] = [expr]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is n.Name:
            symbol = c.symbols.get(node.name)
            if symbol is not None and symbol.kind in ("let", "points"):
                deps.add((symbol.kind, node.name))
        elif kind is n.Call:
            _call_deps(c, node, deps)
            stack.extend(node.args)
        elif kind is n.Binary or kind is n.Compare:
            stack += (node.left, node.right)
        elif kind not in _LEAVES:
            stack += _inner(node)
    return deps


def _inner(node: Any) -> list[n.Expr]:
    """The expressions right inside one of the rarer kinds, as :func:`~partyrules.nodes.walk` goes into it."""
    if isinstance(node, n.Unary):
        return [node.operand]
    if isinstance(node, n.If):
        return [node.condition, node.then, node.otherwise]
    inner: list[n.Expr] = []
    if isinstance(node, n.Bands):
        inner = [node.subject, *(b.result for b in node.bands)]
    elif isinstance(node, n.Match):
        inner = [node.subject, *(a.result for a in node.arms)]
    elif isinstance(node, n.Table):
        inner = [*node.columns, *(r.result for r in node.rows)]
    if isinstance(node, (n.Bands, n.Match, n.Table)) and node.otherwise is not None:
        inner.append(node.otherwise)
    return inner


#: The expressions with none inside.
_LEAVES = frozenset({n.Number, n.DateLiteral, n.BooleanLiteral})


def _call_deps(c: State, node: n.Call, deps: set[ValueKey]) -> None:
    refs = [a.name for a in node.args if isinstance(a, n.Name) and a.name in c.criteria]
    if node.function == "level":
        deps.update(("level", r) for r in refs)
    elif node.function == "applicable":
        deps.update(("applicable", r) for r in refs)
    elif node.function == "worst_level":
        targets = (
            refs
            if node.args
            else [name for name, v in c.criteria.items() if isinstance(v, n.Criterion) and v.level is not None]
        )
        deps.update(("level", r) for r in targets)


def _order(c: State, built: tuple[dict[ValueKey, set[ValueKey]], dict[ValueKey, n.Span]]) -> tuple[ValueKey, ...]:
    graph, spans = built
    result: list[ValueKey] = []
    state: dict[ValueKey, int] = {}
    reported: set[frozenset[ValueKey]] = set()

    def visit(start: ValueKey) -> None:
        # iterative depth-first search, so deep chains cannot overflow the stack
        stack: list[tuple[ValueKey, Iterator[ValueKey]]] = [(start, iter(sorted(graph.get(start, ()))))]
        path = [start]
        state[start] = 1
        while stack:
            key, deps = stack[-1]
            advanced = False
            for dep in deps:
                if dep not in graph:
                    continue
                if state.get(dep) == 1:
                    cycle = [*path[path.index(dep) :], dep]
                    if frozenset(cycle) not in reported:
                        reported.add(frozenset(cycle))
                        shown = " → ".join(_key_name(k) for k in cycle)
                        c.error("PR207", f"circular definition: {shown}", spans[dep], "a value cannot depend on itself")
                    continue
                if dep not in state:
                    state[dep] = 1
                    path.append(dep)
                    stack.append((dep, iter(sorted(graph[dep]))))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                path.pop()
                state[key] = 2
                result.append(key)

    for key in graph:
        if key not in state:
            visit(key)
    return tuple(result)


def _key_name(key: ValueKey) -> str:
    kind, name = key
    return {"let": name, "points": name, "level": f"level({name})", "applicable": f"applicable({name})"}[kind]
