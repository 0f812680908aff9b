"""Expressions: the type, the interval of values and the known truth of every expression.

:class:`Expressions` adds to the shared tables the one recursive walk every pass that meets an
expression goes through (``let`` values, points, levels, conditions, grade requirements,
knock-outs, property conditions). Literals, names, arithmetic, comparisons and ``if`` are here;
the built-in functions are in :mod:`~partyrules.checker.calls`, and ``bands``, ``match`` and
``table``, whose rows must cover every case, in :mod:`~partyrules.checker.coverage`.

Intervals are sound: every value an expression can take, for every fact the declared ranges
allow, lies in its interval (wider is allowed, narrower never). A condition's ``truth`` is
True or False only when it holds or fails for every such fact.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from partyrules import nodes as n
from partyrules.checker import calls, coverage, growth, linear
from partyrules.checker.state import UNKNOWN, Info, Scope, State, as_percent, exact
from partyrules.diagnostics import did_you_mean
from partyrules.model import Resolution
from partyrules.types import (
    BOOLEAN,
    DATE,
    DECIMAL,
    INTEGER,
    PERCENT,
    RATIO,
    Exact,
    Interval,
    Type,
    multiply_type,
    unify_numeric,
)


class Expressions(State):
    """The shared tables, and the checking of one expression against them."""

    def expr(self, node: n.Expr, scope: Scope, expected: Type | None = None) -> Info:
        """Check ``node``; ``expected`` tells a bare member name which scale it belongs to."""
        if type(node) is n.Number:  # (the commonest kind, checked here without a call)
            # by the number's text: `1` and `1.0` are equal Decimals of different kinds
            type_, interval = _literal(str(node.value), node.percent)
            info = Info(type_, interval)
        else:
            kind = type(node)
            info = _HANDLERS[kind](self, node, scope, expected)
            # (most expressions are checked where no fact is known: nothing to refine)
            if (
                info.interval is not None
                and kind in _REFINED
                and (scope.facts or (self.facts and scope.where != "constraint"))
            ):
                info = self.refined(node, info, scope)
        key = id(node)
        # only what is known: every reader takes a node missing here as unknown (a table of every node
        # of a large file, nearly all None, cost more than the few answers in it)
        if info.truth is not None:
            self.truths[key] = info.truth
        elif key in self.truths:  # a node checked again, now with nothing known
            del self.truths[key]
        if info.type is not None:
            self.types[key] = info.type
        return info

    def condition(self, expr: n.Expr, scope: Scope, what: str) -> Info:
        info = self.expr(expr, scope)
        if info.type is not None and info.type.kind != "boolean":
            self.error("PR306", f"{what} must be true or false, but this is {info.type.describe()}", expr.span)
        return info

    # ------------------------------------------------------------ literals
    def date(self, node: n.DateLiteral, scope: Scope, expected: Type | None) -> Info:
        return Info(DATE, Interval.point(node.value.toordinal()))

    def boolean(self, node: n.BooleanLiteral, scope: Scope, expected: Type | None) -> Info:
        return Info(BOOLEAN, None, node.value)

    # ------------------------------------------------------------ names
    def name(self, node: n.Name, scope: Scope, expected: Type | None) -> Info:
        if node.name == "total":
            if scope.where not in ("grade", "knockout"):
                self.error(
                    "PR208",
                    "`total` is only known once every criterion is scored",
                    node.span,
                    "use it in grades and knock-outs",
                )
                return UNKNOWN
            self.resolutions[id(node)] = Resolution("total")
            return Info(self.total_type, self.total)
        symbol = self.symbols.get(node.name)
        if symbol is not None:
            if scope.where == "constraint" and symbol.kind != "input":
                self.error("PR209", f"a constraint can only use inputs, and `{node.name}` is not one", node.span)
                return UNKNOWN
            kind = "points" if symbol.kind == "points" else symbol.kind
            target = self.criteria.get(node.name)
            if kind == "points" and target is not None and target.maximum is None:
                self.error(
                    "PR214",
                    f"`{node.name}` has no points to use here",
                    node.span,
                    f"it is rated on levels: write `level({node.name})`",
                )
                return UNKNOWN
            self.resolutions[id(node)] = self.resolution(kind, node.name, symbol.type)
            info = symbol.info
            if info is None:
                return UNKNOWN
            interval = scope.narrow.get(node.name, info.interval)
            return Info(info.type, interval)
        return self.member(node, expected)

    def resolution(self, kind: str, name: str, type_: Type | None) -> Resolution:
        """What a name of a symbol resolves to, made once for all its uses (it is frozen)."""
        # by the type's identity: the cached Resolution holds the type, which so stays alive
        key = (kind, name, id(type_))
        found = self.resolved.get(key)
        if found is None:
            found = self.resolved[key] = Resolution(kind, name, type=type_)
        return found

    def member(self, node: n.Name, expected: Type | None) -> Info:
        """A name that is no input, value or criterion: a member of a choice or a level scale."""
        if expected is not None and expected.kind in ("enum", "level"):
            if node.name in expected.members:
                return self.resolve_member(node, expected)
            self.error(
                "PR301",
                f"`{node.name}` is not {expected.describe()}",
                node.span,
                did_you_mean(node.name, expected.members),
            )
            return UNKNOWN
        candidates = self.members.get(node.name, [])
        unique = list(dict.fromkeys(candidates))
        if len(unique) == 1:
            return self.resolve_member(node, unique[0])
        if len(unique) > 1:
            self.error(
                "PR210",
                f"`{node.name}` is a value of several scales ({', '.join(t.name or '?' for t in unique)})",
                node.span,
                "compare it with something of the scale you mean, e.g. `level(c1) >= tot`, or rename one of the values",
            )
            return UNKNOWN
        known = list(self.symbols) + list(self.members) + ["total"]
        self.error("PR211", f"`{node.name}` is not declared", node.span, did_you_mean(node.name, known))
        return UNKNOWN

    def resolve_member(self, node: n.Name, type_: Type) -> Info:
        index = type_.members.index(node.name)
        self.resolutions[id(node)] = Resolution("member", node.name, index, type_)
        return Info(type_)

    def is_bare(self, node: n.Expr) -> bool:
        return isinstance(node, n.Name) and node.name not in self.symbols and node.name != "total"

    # ------------------------------------------------------------ operators
    def unary(self, node: n.Unary, scope: Scope, expected: Type | None) -> Info:
        if node.op == "not":
            info = self.condition(node.operand, scope, "`not`'s operand")
            return Info(BOOLEAN, None, None if info.truth is None else not info.truth)
        info = self.expr(node.operand, scope)
        if info.type is None:
            return UNKNOWN
        if not info.type.numeric:
            self.error("PR306", f"only numbers can be negated, not {info.type.describe()}", node.span)
            return UNKNOWN
        return Info(info.type, -info.interval if info.interval else None)

    def binary(self, node: n.Binary, scope: Scope, expected: Type | None) -> Info:
        if node.op in ("and", "or"):
            left = self.condition(node.left, scope, f"`{node.op}`'s left side")
            if node.op == "and":
                right = self.condition(node.right, self.inside(scope, node.left, True), "`and`'s right side")
            else:
                right = self.condition(node.right, scope, "`or`'s right side")
            return Info(BOOLEAN, None, _logic(node.op, left.truth, right.truth))
        left = self.expr(node.left, scope)
        right = self.expr(node.right, scope)
        if left.type is None or right.type is None:
            return UNKNOWN
        for side, info in (("left", left), ("right", right)):
            if not info.type or not info.type.numeric:
                self.error(
                    "PR306",
                    f"`{node.op}` needs numbers, but its {side} side is {info.type.describe() if info.type else '?'}",
                    (node.left if side == "left" else node.right).span,
                )
                return UNKNOWN
        info = self.arithmetic(node, left, right)
        if info.type is not None:
            # before anything is computed with it: the next step of a chain would square it
            problem = growth.check(self, node, info.type, info.interval)
            if problem is not None:
                self.error("PR504", problem, node.span, growth.HINT)
                return UNKNOWN
        if node.op == "/" and info.interval is not None and right.interval is not None:
            info = self.refined_quotient(node, info, right.interval, scope)
        return info

    def arithmetic(self, node: n.Binary, left: Info, right: Info) -> Info:
        assert left.type is not None and right.type is not None
        # an operand without a range was already reported: the result gets none either, so no
        # range diagnostics pile onto that report
        bounded = left.interval is not None and right.interval is not None
        if node.op in ("+", "-"):
            type_ = unify_numeric(left.type, right.type)
            if type_ is None:
                self.error(
                    "PR303",
                    f"`{node.op}` mixes a percentage with a plain number",
                    node.span,
                    "write both sides as percentages (90%) or both as numbers",
                )
                return UNKNOWN
            if not bounded:
                return Info(type_)
            assert left.interval is not None and right.interval is not None
            interval = left.interval + right.interval if node.op == "+" else left.interval - right.interval
            return Info(type_, interval)
        if node.op == "*":
            if not bounded:
                return Info(multiply_type(left.type, right.type))
            assert left.interval is not None and right.interval is not None
            return Info(multiply_type(left.type, right.type), left.interval * right.interval)
        # division: exact rational; the divisor must never be zero
        if not bounded:
            return Info(RATIO)
        assert left.interval is not None and right.interval is not None
        if right.interval.contains(0):
            hint = "declare the divisor's range so it cannot be 0, or write `if X > 0 then ... / X else ...`"
            self.error("PR503", "this can divide by zero", node.right.span, hint)
            return Info(RATIO)  # no range: the division is the problem, not the points it feeds
        self.prove(node.right, right.interval)
        return Info(RATIO, left.interval.divide(right.interval))

    def prove(self, node: n.Expr, interval: Interval) -> None:
        """Record a range the compiler may rely on; a node checked twice keeps the union of its ranges."""
        known = self.proved.get(id(node))
        self.proved[id(node)] = interval if known is None else known.union(interval)

    def compare(self, node: n.Compare, scope: Scope, expected: Type | None) -> Info:
        # a bare member takes the scale of the other side, whichever side it stands on
        if self.is_bare(node.left) and not self.is_bare(node.right):
            right = self.expr(node.right, scope)
            left = self.expr(node.left, scope, right.type)
        else:
            left = self.expr(node.left, scope)
            right = self.expr(node.right, scope, left.type)
        if left.type is None or right.type is None:
            return Info(BOOLEAN)
        lt, rt = left.type, right.type
        if lt.numeric and rt.numeric:
            if (lt.kind == "percent") != (rt.kind == "percent") and "ratio" not in (lt.kind, rt.kind):
                plain = node.right if lt.kind == "percent" else node.left
                if not (isinstance(plain, n.Number) and plain.value == 0):
                    hint = (
                        f"write {as_percent(plain.value)}"
                        if isinstance(plain, n.Number)
                        else "compare percentages with percentages"
                    )
                    self.error("PR303", "this compares a percentage with a plain number", node.span, hint)
                    return Info(BOOLEAN)
            return Info(BOOLEAN, None, _compare_truth(node.op, left.interval, right.interval))
        if lt.kind == "date" and rt.kind == "date":
            return Info(BOOLEAN, None, _compare_truth(node.op, left.interval, right.interval))
        if lt != rt:
            self.error("PR301", f"this compares {lt.describe()} with {rt.describe()}", node.span)
            return Info(BOOLEAN)
        if lt.kind in ("enum", "boolean") and node.op not in ("==", "!="):
            self.error(
                "PR307",
                f"{lt.describe()} has no order; only `==` and `!=` compare it",
                node.span,
                "declare a level scale (`levels`) if the values are ordered",
            )
        return Info(BOOLEAN)

    # ------------------------------------------------------------ if, and what a condition tells
    def narrowing(self, cond: n.Expr, positive: bool) -> dict[str, Interval]:
        """Intervals known inside the branch where ``cond`` is (positive) true or false."""
        if isinstance(cond, n.Unary) and cond.op == "not":
            return self.narrowing(cond.operand, not positive)
        if isinstance(cond, n.Binary) and cond.op == ("and" if positive else "or"):
            left = self.narrowing(cond.left, positive)
            right = self.narrowing(cond.right, positive)
            merged = dict(left)
            for name, interval in right.items():
                merged[name] = merged[name].intersect(interval) or interval if name in merged else interval
            return merged
        if not isinstance(cond, n.Compare):
            return {}
        op = cond.op
        if isinstance(cond.left, n.Name) and isinstance(cond.right, n.Number):
            name, value = cond.left.name, exact(cond.right.value)
        elif isinstance(cond.right, n.Name) and isinstance(cond.left, n.Number):
            name, value = cond.right.name, exact(cond.left.value)
            op = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}[op]
        else:
            return {}
        if not positive:
            op = {">": "<=", "<": ">=", ">=": "<", "<=": ">", "==": "!=", "!=": "=="}[op]
        symbol = self.symbols.get(name)
        if (
            symbol is None
            or symbol.info is None
            or symbol.info.interval is None
            or not symbol.type
            or not symbol.type.numeric
        ):
            return {}
        current = symbol.info.interval
        bound = _bound(op, value, current, symbol.type.kind == "integer")
        if bound is None:
            return {}
        narrowed = current.intersect(bound)
        return {name: narrowed} if narrowed is not None else {}

    def inside(self, scope: Scope, cond: n.Expr, positive: bool) -> Scope:
        """The scope of an expression where ``cond`` is (positive) true or false."""
        narrowed = self.narrowing(cond, positive)
        facts = self.facts_of(cond, positive)
        if not narrowed and not facts:  # the condition tells nothing: the same scope (it is never changed)
            return scope
        return Scope(scope.where, {**scope.narrow, **narrowed}, scope.facts + facts)

    def branch(self, scope: Scope, cond: n.Expr, positive: bool, node: n.Expr) -> Scope:
        """The scope of a branch ``node`` of a condition: a number, date or true/false is the same
        in any scope, so what the condition tells is worked out only for the others."""
        return scope if type(node) in _LITERALS else self.inside(scope, cond, positive)

    # ------------------------------------------------------------ linear facts (checker.linear)
    def variable(self, name: str) -> bool:
        """Whether ``name`` is a number a linear form may hold: an input, a value or points."""
        symbol = self.symbols.get(name)
        return symbol is not None and symbol.type is not None and symbol.type.numeric

    def whole(self, form: linear.Linear) -> bool:
        """Whether a form only takes whole numbers: whole coefficients of whole-number names."""
        return form.constant.denominator == 1 and all(
            weight.denominator == 1 and self.symbols[name].type == INTEGER for name, weight in form.terms
        )

    def linear_form(self, node: n.Expr) -> linear.Linear | None:
        return linear.linear(node, self.variable, self.linears)

    def facts_of(self, cond: n.Expr, positive: bool) -> tuple[linear.Fact, ...]:
        """What ``cond`` being (positive) true or false says of linear forms of numbers."""
        if isinstance(cond, n.Unary) and cond.op == "not":
            return self.facts_of(cond.operand, not positive)
        if isinstance(cond, n.Binary) and cond.op == ("and" if positive else "or"):
            return self.facts_of(cond.left, positive) + self.facts_of(cond.right, positive)
        if not isinstance(cond, n.Compare):
            return ()
        left, right = self.linear_form(cond.left), self.linear_form(cond.right)
        if left is None or right is None:
            return ()
        return linear.facts_of(cond.op, left, right, self.whole, positive)

    def known_facts(self, scope: Scope) -> tuple[linear.Fact, ...]:
        # a constraint is not proved by itself: the constraints' facts hold everywhere else
        return scope.facts if scope.where == "constraint" else self.facts + scope.facts

    def box(self, scope: Scope) -> Callable[[str], Interval | None]:
        def interval(name: str) -> Interval | None:
            symbol = self.symbols.get(name)
            own = symbol.info.interval if symbol is not None and symbol.info is not None else None
            return scope.narrow.get(name, own)

        return interval

    def refined(self, node: n.Expr, info: Info, scope: Scope) -> Info:
        """``info`` with its interval narrowed by the facts known in ``scope``."""
        facts = self.known_facts(scope)
        if not facts or info.interval is None or info.type is None or not info.type.numeric:
            return info
        form = self.linear_form(node)
        if form is None or not form.terms:
            return info
        return Info(info.type, linear.refine(form, info.interval, facts, self.box(scope)), info.truth)

    def refined_quotient(self, node: n.Binary, info: Info, divisor: Interval, scope: Scope) -> Info:
        facts = self.known_facts(scope)
        if not facts or info.interval is None:  # (most quotients: no fact to narrow them, no form to find)
            return info
        numerator, denominator = self.linear_form(node.left), self.linear_form(node.right)
        if numerator is None or denominator is None or not denominator.terms:
            return info
        bounded = linear.quotient(numerator, denominator, divisor, info.interval, facts, self.box(scope))
        return Info(info.type, bounded, info.truth)

    def if_(self, node: n.If, scope: Scope, expected: Type | None) -> Info:
        cond = self.condition(node.condition, scope, "an `if` condition")
        then = self.expr(node.then, self.branch(scope, node.condition, True, node.then), expected)
        other = self.expr(
            node.otherwise, self.branch(scope, node.condition, False, node.otherwise), expected or then.type
        )
        if cond.truth is True:
            other = Info(other.type, then.interval, other.truth)
        elif cond.truth is False:
            then = Info(then.type, other.interval, then.truth)
        return self.unify([then, other], [node.then, node.otherwise], "the two branches of this `if`", node.span)

    def unify(self, infos: list[Info], where: list[n.Expr], what: str, span: n.Span) -> Info:
        """The one kind of value of several results (branches, rows): the widest number, their joint interval."""
        known = [i for i in infos if i.type is not None]
        if len(known) != len(infos) or not known:
            return UNKNOWN
        type_ = known[0].type
        assert type_ is not None
        for info, node in zip(known[1:], where[1:]):
            assert info.type is not None
            if type_.numeric and info.type.numeric:
                unified = unify_numeric(type_, info.type)
                if unified is None:
                    self.error("PR303", f"{what} mix percentages and plain numbers", node.span)
                    return UNKNOWN
                type_ = unified
            elif type_ != info.type:
                self.error(
                    "PR301",
                    f"{what} give different kinds of value: {type_.describe()} and {info.type.describe()}",
                    node.span,
                )
                return UNKNOWN
        interval = known[0].interval
        truth = known[0].truth
        for i in known[1:]:
            interval = None if interval is None or i.interval is None else interval.union(i.interval)
            if i.truth != truth:
                truth = None
        return Info(type_, interval, truth)


Handler = Callable[[Expressions, Any, Scope, "Type | None"], Info]

#: The expressions whose interval the facts known around them may narrow (their linear forms).
_REFINED = frozenset({n.Name, n.Binary, n.Unary})
#: The expressions whose check reads nothing of their scope.
_LITERALS = frozenset({n.Number, n.DateLiteral, n.BooleanLiteral})

#: The check of each kind of expression node.
_HANDLERS: dict[type, Handler] = {
    # (n.Number: in Expressions.expr itself)
    n.DateLiteral: Expressions.date,
    n.BooleanLiteral: Expressions.boolean,
    n.Name: Expressions.name,
    n.Unary: Expressions.unary,
    n.Binary: Expressions.binary,
    n.Compare: Expressions.compare,
    n.If: Expressions.if_,
    n.Call: calls.call,
    n.Bands: coverage.bands,
    n.Match: coverage.match,
    n.Table: coverage.table,
}


@functools.lru_cache(maxsize=4096)
def _literal(text: str, percent: bool) -> tuple[Type, Interval]:
    """The kind and interval of a number written ``text`` (a Decimal's text, which keeps its places),
    made once per text: a scale writes the same few numbers thousands of times, and reading a
    Decimal's places (``as_tuple``) is slow."""
    value = Decimal(text)
    exponent = value.as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    number = exact(value)
    if percent:
        type_ = PERCENT
    elif number.denominator == 1 and places == 0:
        type_ = INTEGER
    else:
        type_ = DECIMAL
    return type_, Interval.point(number)


def _bound(op: str, value: Exact, current: Interval, whole: bool) -> Interval | None:
    """The values passing ``x op value`` (whole numbers when ``whole``); None when that says nothing."""
    if op == ">":
        return Interval(math.floor(value) + 1 if whole else value, None)
    if op == ">=":
        return Interval(value, None)
    if op == "<":
        return Interval(None, math.ceil(value) - 1 if whole else value)
    if op == "<=":
        return Interval(None, value)
    if op == "==":
        return Interval(value, value)
    if whole and current.low == value:
        return Interval(value + 1, None)
    if whole and current.high == value:
        return Interval(None, value - 1)
    return None


def _logic(op: str, a: bool | None, b: bool | None) -> bool | None:
    if op == "and":
        if a is False or b is False:
            return False
        return True if a is True and b is True else None
    if a is True or b is True:
        return True
    return False if a is False and b is False else None


def _compare_truth(op: str, a: Interval | None, b: Interval | None) -> bool | None:
    if a is None or b is None:
        return None

    def lt(x: Interval, y: Interval) -> bool:  # every x < every y
        return x.high is not None and y.low is not None and x.high < y.low

    def le(x: Interval, y: Interval) -> bool:
        return x.high is not None and y.low is not None and x.high <= y.low

    if op == "<":
        return True if lt(a, b) else False if le(b, a) else None
    if op == "<=":
        return True if le(a, b) else False if lt(b, a) else None
    if op == ">":
        return True if lt(b, a) else False if le(a, b) else None
    if op == ">=":
        return True if le(b, a) else False if lt(a, b) else None
    point = a.low is not None and a.low == a.high == b.low == b.high
    disjoint = lt(a, b) or lt(b, a)
    if op == "==":
        return True if point else False if disjoint else None
    return False if point else True if disjoint else None
