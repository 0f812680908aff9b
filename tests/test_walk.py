"""The walk of an expression (``nodes.nodes_in``, ``nodes.walk``: a table of each class's children) finds what
the walk it replaced found (a chain of isinstance questions, kept here as the reference), in its order: the
facts an explanation lists follow that order, and the fixed-point scale and the names that read points follow
from what is found."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
from hypothesis import given, settings, strategies as st

import partyrules
from partyrules import nodes as n
from partyrules.api import checked_model
from partyrules.catalog import shipped_ids

nodes_in = n.nodes_in  # what the compiler calls; n.walk is the same list as an iterator

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"


def reference_walk(expr: n.Expr) -> Iterator[n.Expr]:
    """The walk as it was written before the table: every expression inside ``expr``, without recursion."""
    stack: list[Any] = [expr]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, n.Call):
            stack.extend(node.args)
        elif isinstance(node, n.Unary):
            stack.append(node.operand)
        elif isinstance(node, (n.Binary, n.Compare)):
            stack.extend((node.left, node.right))
        elif isinstance(node, n.If):
            stack.extend((node.condition, node.then, node.otherwise))
        elif isinstance(node, n.Bands):
            stack.append(node.subject)
            stack.extend(b.result for b in node.bands)
        elif isinstance(node, n.Match):
            stack.append(node.subject)
            stack.extend(a.result for a in node.arms)
        elif isinstance(node, n.Table):
            stack.extend(node.columns)
            stack.extend(r.result for r in node.rows)
        if isinstance(node, (n.Bands, n.Match, n.Table)) and node.otherwise is not None:
            stack.append(node.otherwise)


def _expressions(model: object) -> list[n.Expr]:
    """Every expression the compiler walks in a checked model: rules, levels, conditions, named values."""
    exprs: list[n.Expr] = []
    for c in model.criteria + model.deductions + model.bonuses:  # type: ignore[attr-defined]
        exprs += [e for e in (c.points, c.level) if e is not None]
        if c.applicable is not None:
            exprs.append(c.applicable.condition)
    exprs += [let.value for let in model.lets.values()]  # type: ignore[attr-defined]
    exprs += [r.condition for g in model.grades for r in g.requirements]  # type: ignore[attr-defined]
    exprs += [k.condition for k in model.knockouts + model.exemptions]  # type: ignore[attr-defined]
    exprs += [c.condition for c in model.constraints]  # type: ignore[attr-defined]
    return exprs


def test_every_shipped_expression_is_walked_as_before() -> None:
    rulesets = [partyrules.load(i) for i in shipped_ids()]
    rulesets += [partyrules.load(path) for path in sorted(BENCHMARKS.glob("*.criteria"))]
    walked = 0
    for ruleset in rulesets:
        for expr in _expressions(checked_model(ruleset)):
            assert [id(node) for node in nodes_in(expr)] == [id(node) for node in reference_walk(expr)]
            walked += 1
    assert walked > 300  # (the shipped files hold hundreds of rules: 342 today)


_leaves = st.one_of(
    st.builds(n.Number, st.decimals(allow_nan=False, places=2)),
    st.builds(n.Name, st.sampled_from(["a", "b", "c"])),
    st.builds(n.BooleanLiteral, st.booleans()),
)


def _inner(children: st.SearchStrategy[n.Expr]) -> st.SearchStrategy[n.Expr]:
    maybe = st.none() | children
    return st.one_of(
        st.builds(n.Call, st.just("min"), st.lists(children, max_size=3).map(tuple)),
        st.builds(n.Unary, st.just("-"), children),
        st.builds(n.Binary, st.just("+"), children, children),
        st.builds(n.Compare, st.just(">="), children, children),
        st.builds(n.If, children, children, children),
        st.builds(
            n.Bands,
            children,
            st.lists(st.builds(n.Band, st.just("from"), _leaves, children), max_size=3).map(tuple),
            maybe,
        ),
        st.builds(
            n.Match, children, st.lists(st.builds(n.MatchArm, st.just(()), children), max_size=3).map(tuple), maybe
        ),
        st.builds(
            n.Table,
            st.just("first"),
            st.lists(children, max_size=2).map(tuple),
            st.lists(st.builds(n.TableRow, st.just(()), children), max_size=3).map(tuple),
            maybe,
        ),
    )


@settings(max_examples=200, deadline=None)
@given(st.recursive(_leaves, _inner, max_leaves=25))
def test_any_expression_is_walked_as_before(expr: n.Expr) -> None:
    assert [id(node) for node in nodes_in(expr)] == [id(node) for node in reference_walk(expr)]
    assert [id(node) for node in n.walk(expr)] == [id(node) for node in reference_walk(expr)]


def test_a_subclass_is_walked_by_its_base_class() -> None:
    """A node of a class the table lacks (a subclass) has its base's children, as isinstance gave them."""

    @attrs.frozen
    class Wider(n.Binary):
        pass

    expr = n.Call("max", (Wider("+", n.Name("a"), n.Number(1)), n.Name("b")))  # type: ignore[arg-type]
    found = nodes_in(expr)
    assert [id(node) for node in found] == [id(node) for node in reference_walk(expr)] and len(found) == 5
