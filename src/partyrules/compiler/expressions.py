"""The compiler's expression writer: one criteria expression to one Python expression, exactly.

Points are held as integers in fixed point when the scale allows (every point value a whole
number of 10**-scale units), otherwise as Decimals; quotients are exact Fractions until they
are compared or rounded. :class:`Writer` also holds what every part of the program shares: the
constants it is linked with, its temporaries, and the model's types and resolutions. The
statements of the program (facts, values in order, totals, grades, the batch loop) are written
by :mod:`partyrules.compiler.program` on top of it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from partyrules import nodes as n
from partyrules.compiler import rates
from partyrules.model import CriterionInfo, Model, Resolution
from partyrules.types import DECIMAL as DECIMAL_TYPE, Type


class NoFixedPoint(Exception):
    """The ruleset uses something fixed-point integers cannot do exactly: compile it with Decimals.

    Its argument, when given, is the expression that needs them (``partyrules check`` names it)."""


#: Points are held as integers in units of 10**-scale when every point value is a whole number of such units.
MAX_FIXED_SCALE = 6
#: Largest table of precomputed Decimal totals (one per reachable total in fixed-point units).
#: Each entry costs about 100 bytes and time to build on every load; a scale with more reachable
#: totals has so many criteria that one conversion per evaluation is small beside them.
MAX_TOTAL_TABLE = 10_000
#: Most items in one tuple display of generated code (CPython builds longer ones through a list).
DISPLAY_ITEMS = 30
# The one type of each kind of fact that the inline test accepts; anything else (text, a float,
# an int for a percent) takes the slow path, which converts it or names the problem. (A tuple of
# the facts' types compared at once, tuple(map(type, ...)) == TYPES, runs more instructions.)
FAST_TYPES: dict[str, type] = {
    "integer": int,
    "decimal": Decimal,
    "percent": Decimal,
    "boolean": bool,
    "enum": str,
    "level": str,
    "date": datetime.date,
}
# Placeholders in the body's source, filled in differently for program() and the batch loop many().
EXTRA = "\x00extra\x00"  # keys of the facts that are not inputs: none for program(), the id key's for many()
OWN_FACTS = "\x00own\x00"  # the facts without the id key, for the slow path that names unknown keys
#: Generated code that is a variable, a constant's name or a literal int: safe to repeat.
SIMPLE_CODE = rates.SIMPLE_CODE


#: the name of the Writer's method that writes each class of expression (``_number`` for Number ...)
_METHODS: dict[type, str] = {}


class Writer:
    def __init__(self, model: Model, fixed: bool = True, rates: bool = True) -> None:
        self.model = model
        # quotients as integer pairs (compiler.rates) where that is exact; False: every quotient a Fraction
        self.rates = rates
        # the Decimal inputs a quotient reads as integers: index -> percent (their ratios are read once, after the facts)
        self.ratios: dict[int, bool] = {}
        # of those, the ones with declared places read in the facts' inline test (set by generate)
        self.prefetch: frozenset[int] = frozenset()
        # of those, the ones read by their text in a table of every value in range (set by generate):
        # index -> places of the table, in the fact's own units (percent units for a percentage)
        self.tabled: dict[int, int] = {}
        # the expressions still computed with Fractions, and what each is (for partyrules check)
        self.fraction_sites: list[tuple[n.Expr, str]] = []
        # why the points are Decimals, when a declaration (not an expression) decides it
        self.decimal_because: tuple[n.Expr, str] | None = None
        # named quotients held as (numerator, denominator) variables, by name
        self.ratio_lets: dict[str, tuple[str, str | None]] = {}
        self.lines: list[str] = []
        # the program's own constants (C0, C1 ...); the names it reads besides are runtime.PROGRAM_GLOBALS
        self.namespace: dict[str, Any] = {}
        self.constants: dict[tuple[str, str], str] = {}
        self.temps = 0
        self.depth = 1
        self.decimal_arithmetic = False  # set when a + - * or negation on Decimals is emitted
        self.inputs = {i.name: f"x{k}" for k, i in enumerate(model.inputs)}
        self.input_info = {i.name: i for i in model.inputs}
        # whether any name reads points or the total (else no expression computes from points)
        self.points_named = any(r.kind in ("points", "total") for r in model.resolutions.values())
        self.refs: dict[int, bool] = {}  # refs_points of each node asked, by id
        self.points_consts: dict[Decimal, str] = {}  # points_const of each value
        self.exact_values: dict[Decimal, Fraction] = {}  # each literal's exact value (see fraction)
        self.lets = {name: f"l{k}" for k, name in enumerate(model.lets)}
        self.all: list[CriterionInfo] = list(model.criteria + model.deductions + model.bonuses)
        self.index = {c.name: k for k, c in enumerate(self.all)}
        # a scale whose every point is whole computes with ints; otherwise with Decimals throughout
        self.whole = all(c.maximum is None or self._whole(c.name) for c in self.all)
        # fixed point: every points value as an int in units of 10**-scale (exact, and several times
        # faster than Decimal in CPython); None when some rule needs Decimals (see NoFixedPoint)
        self.scale: int | None = self._fixed_scale() if fixed else None
        self.factor = 10 ** (self.scale or 0)
        self.scaled_lets = self._scaled_lets() if self.scale is not None else set()

    # -- helpers
    def const(self, value: Any) -> str:
        key = (type(value).__name__, repr(value))
        name = self.constants.get(key)
        if name is None:
            name = f"C{len(self.constants)}"
            self.constants[key] = name
            self.namespace[name] = value
        return name

    def fraction(self, value: Decimal) -> Fraction:
        """A literal's exact value (a Fraction is built once for each value: a rule's thresholds repeat)."""
        exact = self.exact_values.get(value)
        if exact is None:
            exact = self.exact_values[value] = Fraction(value)
        return exact

    def temp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    def emit(self, line: str, indent: int = 1) -> None:
        self.lines.append("    " * (indent + self.depth - 1) + line)

    def type_of(self, node: n.Expr) -> Type:
        return self.model.types[id(node)]

    def resolution(self, node: n.Expr) -> Resolution:
        return self.model.resolutions[id(node)]

    # -- fixed point
    def _fixed_scale(self) -> int | None:
        """Decimal places every points value fits in, or None when fixed point does not apply."""
        model = self.model
        for c in model.criteria:
            if c.applicable is not None and c.applicable.mode == "rescale":
                self.decimal_because = (c.applicable.condition, "drops its criterion and rescales the total")
                return None  # rescaling divides
        numbers: list[Decimal] = [c.maximum for c in self.all if c.maximum is not None]
        numbers += [cap for cap in (model.criteria_maximum, model.deductions_cap, model.bonuses_cap) if cap is not None]
        numbers += [end for g in model.grades for end in (g.low, g.high) if end is not None]
        # each expression walked once: its numbers, and in a points rule its round(x, 2), which gives
        # hundredths: held as ints when its value is a quotient of integers
        rules: list[n.Expr] = [c.points for c in self.all if c.points is not None]
        exprs: list[n.Expr] = [c.level for c in self.all if c.level is not None]
        exprs += [r.condition for g in model.grades for r in g.requirements]
        exprs += [k.condition for k in model.knockouts + model.exemptions]
        exprs += [let.value for let in model.lets.values()]
        for expr in rules:
            for node in n.nodes_in(expr):
                if isinstance(node, n.Number):
                    if not node.percent:
                        numbers.append(node.value)
                elif (
                    self.rates
                    and isinstance(node, n.Call)
                    and node.function == "round"
                    and isinstance(node.args[1], n.Number)
                ):
                    numbers.append(Decimal(1).scaleb(-int(node.args[1].value)))
        for expr in exprs:
            numbers += [node.value for node in n.nodes_in(expr) if isinstance(node, n.Number) and not node.percent]
        if self.rates:  # decimal facts that are points as they are (`points = politics_points;`)
            numbers += [
                Decimal(1).scaleb(-places)
                for c in self.all
                if c.points is not None and (places := self.input_places(c.points)) is not None
            ]
        places = 0
        for number in numbers:
            exponent = number.as_tuple().exponent
            if isinstance(exponent, int) and exponent < 0:
                places = max(places, -exponent)
        return places if places <= MAX_FIXED_SCALE else None

    def _scaled_lets(self) -> set[str]:
        scaled: set[str] = set()
        for name in (key[1] for key in self.model.order if key[0] == "let"):
            if self.refs_points(self.model.lets[name].value, scaled):
                scaled.add(name)
        return scaled

    def refs_points(self, node: n.Expr, scaled_lets: set[str] | None = None) -> bool:
        """Whether a value computed from points (a criterion, `total`, a let of them) is in the node."""
        if scaled_lets is None:
            # once the scaled lets are known, each node's answer is kept: the writer asks again of a
            # node's parts as it goes down (each walk of the whole part again), and a ruleset whose
            # names never read points (most) is answered without a walk
            if not self.points_named and not self.scaled_lets:
                return False
            known = self.refs.get(id(node))
            if known is None:
                known = self.refs[id(node)] = self._refs_points(node, self.scaled_lets)
            return known
        return self._refs_points(node, scaled_lets)

    def _refs_points(self, node: n.Expr, lets: set[str]) -> bool:
        for inner in n.nodes_in(node):
            if isinstance(inner, n.Name):
                r = self.model.resolutions.get(id(inner))
                if r is not None and (r.kind in ("points", "total") or (r.kind == "let" and r.target in lets)):
                    return True
        return False

    def points_const(self, value: Decimal) -> str:
        """A points constant in fixed-point units."""
        # (a scale's points come from few values: each converted once; equal values give the same int)
        code = self.points_consts.get(value)
        if code is None:
            units = value * self.factor
            if units != units.to_integral_value():  # pragma: no cover - the scale covers every constant
                raise NoFixedPoint
            code = self.points_consts[value] = self.const(int(units))
        return code

    def scaled(self, node: n.Expr) -> str:
        """Code for a points value in fixed-point units (an int)."""
        if isinstance(node, n.Number):
            if node.percent:
                raise NoFixedPoint
            return self.points_const(node.value)
        kind = self.type_of(node).kind
        if isinstance(node, n.Name):
            r = self.resolution(node)
            if r.kind in ("points", "total") or (r.kind == "let" and r.target in self.scaled_lets):
                return self.expr(node)
            if kind == "integer":
                return f"({self.expr(node)} * {self.factor})" if self.factor != 1 else self.expr(node)
            places = self.input_places(node)
            if places is not None and places <= (self.scale or 0) and self.rates:
                # a decimal fact with its places declared is a whole number of units: exact integer division
                numerator, denominator = self.integer_ratio(r.target or "", kind == "percent")
                if denominator.isdigit() and self.factor % int(denominator) == 0:  # whole units already
                    multiple = self.factor // int(denominator)
                    return numerator if multiple == 1 else f"({numerator} * {multiple})"
                return f"({numerator} * {self.factor} // {denominator})"
            raise NoFixedPoint(node)
        if isinstance(node, n.If):
            return f"({self.scaled(node.then)} if {self.expr(node.condition)} else {self.scaled(node.otherwise)})"
        if isinstance(node, (n.Bands, n.Match, n.Table)):
            return self.expr(node, scaled_results=True)
        if isinstance(node, n.Unary) and node.op == "-":
            return f"(-{self.scaled(node.operand)})"
        if isinstance(node, n.Binary) and node.op in ("+", "-"):
            return f"({self.scaled(node.left)} {node.op} {self.scaled(node.right)})"
        if isinstance(node, n.Binary) and node.op == "*":
            left, right = node.left, node.right
            if self.refs_points(left) and self.refs_points(right):
                raise NoFixedPoint
            if self.refs_points(right) or (isinstance(right, n.Number) and not self.refs_points(left)):
                points, count = right, left
            else:
                points, count = left, right
            if self.refs_points(count) or self.type_of(count).kind != "integer":
                raise NoFixedPoint  # only a whole count times points stays in whole units
            return f"({self.scaled(points)} * {self.expr(count)})"
        if isinstance(node, n.Call) and node.function == "round" and self.rates and isinstance(node.args[1], n.Number):
            places = int(node.args[1].value)
            assert self.scale is not None
            code = rates.rounded(self, node.args[0], places, self.scale - places) if places <= self.scale else None
            if code is None:
                raise NoFixedPoint(node)
            return code
        if isinstance(node, n.Call) and node.function in ("min", "max", "clamp"):
            parts = [self.scaled(a) for a in node.args]
            if node.function == "clamp":
                return self.inline_extreme("min", [self.inline_extreme("max", parts[:2]), parts[2]])
            return self.inline_extreme(node.function, parts)
        if kind == "integer" and not self.refs_points(node):
            code = self.expr(node)
            return f"({code} * {self.factor})" if self.factor != 1 else code
        raise NoFixedPoint(node)

    def input_places(self, node: n.Expr) -> int | None:
        """The declared places of a decimal input's true value (a percentage's two more), or None."""
        if not isinstance(node, n.Name):
            return None
        r = self.model.resolutions.get(id(node))
        if r is None or r.kind != "input":
            return None
        spec = self.input_info[r.target or ""]
        if spec.places is None or spec.type.kind not in ("decimal", "percent"):
            return None
        return spec.places + (2 if spec.type.kind == "percent" else 0)

    def integer_ratio(self, name: str, percent: bool) -> tuple[str, str]:
        """A Decimal input as integers (numerator, positive denominator), its true value (a
        percentage's units undone); read once per evaluation, after the facts are checked."""
        k = int(self.inputs[name][1:])
        self.ratios[k] = percent
        if k in self.tabled and self.model.inputs[k].places is not None:
            # read as a whole number of its declared places' units (u9 = 637 for 6.37)
            return f"u{k}", str(10 ** (self.tabled[k] + (2 if percent else 0)))
        return f"qn{k}", f"(qd{k} * 100)" if percent else f"qd{k}"

    def simple(self, node: n.Expr) -> bool:
        """Whether the node's code is a variable or constant, safe to repeat without a temporary."""
        return isinstance(node, (n.Name, n.Number, n.BooleanLiteral, n.DateLiteral))

    def inline_extreme(self, function: str, parts: list[str]) -> str:
        """min() or max() of code for ints or Decimals as conditionals: CPython's builtins parse their
        arguments generically, several times the cost of a comparison. The first of equals wins, as
        with the builtins."""
        op = "<=" if function == "min" else ">="

        def once(code: str) -> tuple[str, str]:  # (code that evaluates it, code that reuses the value)
            if SIMPLE_CODE.fullmatch(code):
                return code, code
            t = self.temp()
            return f"({t} := {code})", t

        code = parts[0]
        for part in parts[1:]:
            (first, first_again), (second, second_again) = once(code), once(part)
            code = f"({first_again} if {first} {op} {second} else {second_again})"
        return code

    def bind(self, node: n.Expr, scaled: bool = False) -> tuple[str, str]:
        """(code that evaluates the node first, code that reuses its value)."""
        code = self.scaled(node) if scaled else self.expr(node)
        if self.simple(node):
            return code, code
        t = self.temp()
        return f"({t} := {code})", t

    def _whole(self, name: str) -> bool:
        c = self.all[self.index[name]]
        if c.kind == "group":
            return all(self._whole(ch) for ch in c.children if self.all[self.index[ch]].maximum is not None)
        return c.points is not None and self.type_of(c.points).kind == "integer"

    # -- expressions
    def expr(self, node: n.Expr, scaled_results: bool = False) -> str:
        if self.scale is not None and not scaled_results and self._points_arithmetic(node):
            raise NoFixedPoint  # points used in arithmetic outside a points rule or a comparison
        name = _METHODS.get(type(node))
        if name is None:
            name = _METHODS[type(node)] = "_" + type(node).__name__.lower()
        method = getattr(self, name)
        if isinstance(node, (n.Bands, n.Match, n.Table)):
            result: str = method(node, scaled_results)
        else:
            result = method(node)
        return result

    def _points_arithmetic(self, node: n.Expr) -> bool:
        if not self.points_named and not self.scaled_lets:
            return False  # nothing reads points (see refs_points)
        numeric = isinstance(node, (n.Binary, n.Unary, n.If)) or (
            isinstance(node, n.Call) and node.function in ("min", "max", "clamp", "round")
        )
        if isinstance(node, n.Binary) and node.op in ("and", "or"):
            numeric = False
        if isinstance(node, n.Unary) and node.op == "not":
            numeric = False
        if isinstance(node, n.If) and not self.type_of(node).numeric:
            numeric = False
        return numeric and self.refs_points(node)

    def numeric(self, node: n.Expr, as_fraction: bool) -> str:
        """Code for a number; as_fraction gives its true value as a Fraction (percent units undone)."""
        code = self.expr(node)
        kind = self.type_of(node).kind
        if as_fraction and kind == "percent":
            return f"(to_fraction({code}) / 100)"
        if as_fraction and kind != "ratio":
            return f"to_fraction({code})"
        return code

    def literal(self, value: Any, type_: Type, as_fraction: bool = False) -> str:
        if isinstance(value, Decimal):
            if as_fraction:
                return self.const(self.fraction(value))
            # the constant's Python type follows the value it meets at run time:
            # Decimal against decimals and percentages (Decimal-Decimal compares twice as fast), int against ints
            if type_.kind == "percent":
                return self.const(decimal_or_none(percent_units(value)))
            if type_.kind == "integer" and value == value.to_integral_value():
                return self.const(int(value))
            return self.const(decimal_or_none(value))
        return self.const(value)

    def _number(self, node: n.Number) -> str:
        return self.literal(node.value, self.type_of(node))

    def operand(self, node: n.Expr, other: n.Expr) -> str:
        """A comparison operand; a literal takes the representation of the other side."""
        if isinstance(node, n.Number) and self.type_of(other).kind in ("decimal", "percent", "integer"):
            return self.literal(node.value, self.representation(other))
        return self.expr(node)

    def representation(self, node: n.Expr) -> Type:
        """The type whose Python representation the node's value has at run time.

        Decimal-Decimal and int-int operations are the fast ones in CPython; a
        constant is emitted in the representation of what it meets. Points are
        Decimals throughout a scale that has any fractional points.
        """
        static = self.type_of(node)
        if isinstance(node, n.Name) and static.kind == "integer":
            r = self.resolution(node)
            if r.kind in ("points", "total") and not self.whole:
                return DECIMAL_TYPE
        return static

    def result(self, node: n.Expr, scaled: bool = False, as_fraction: bool = False) -> str:
        """A value a rule gives (a band's points, a branch): Decimal in a scale with fractional points.

        ``as_fraction``: the rows mix quotients with other numbers, so every row gives a Fraction
        (a percentage among them as its true value, not in percent units).
        """
        if scaled:
            return self.scaled(node)
        if as_fraction:
            return self.numeric(node, True)
        if isinstance(node, n.Number) and not node.percent and not self.whole and self.type_of(node).kind == "integer":
            return self.const(Decimal(node.value))
        return self.expr(node)

    def _dateliteral(self, node: n.DateLiteral) -> str:
        return self.const(node.value)

    def _booleanliteral(self, node: n.BooleanLiteral) -> str:
        return "True" if node.value else "False"

    def _name(self, node: n.Name) -> str:
        r = self.resolution(node)
        if r.kind == "input":
            assert r.target is not None
            return self.inputs[r.target]
        if r.kind == "let":
            assert r.target is not None
            pair = self.ratio_lets.get(r.target)
            if pair is not None:  # a named quotient used where a Fraction is needed
                self.fraction_sites.append((node, "a named quotient used inside `min`, `max` or a rule's result"))
                return f"to_fraction({pair[0]})" if pair[1] is None else f"(to_fraction({pair[0]}) / {pair[1]})"
            return self.lets[r.target]
        if r.kind == "points":
            assert r.target is not None
            return f"p{self.index[r.target]}"
        if r.kind == "total":
            return "total"
        if r.kind == "member":
            assert r.type is not None
            if r.type.kind == "level":
                return str(r.index)
            return self.const(r.target)
        raise AssertionError(f"unresolved name {node.name}")  # pragma: no cover

    def _unary(self, node: n.Unary) -> str:
        if node.op == "not":
            return f"(not {self.expr(node.operand)})"
        if self.type_of(node).kind != "integer":
            self.decimal_arithmetic = True
        return f"(-{self.expr(node.operand)})"

    def _binary(self, node: n.Binary) -> str:
        if node.op in ("and", "or"):
            return f"({self.expr(node.left)} {node.op} {self.expr(node.right)})"
        ratio = self.type_of(node).kind == "ratio"
        if not ratio and self.type_of(node).kind != "integer":
            self.decimal_arithmetic = True
        left = self.numeric(node.left, ratio)
        right = self.numeric(node.right, ratio)
        if node.op == "*" and not ratio and "percent" in (self.type_of(node.left).kind, self.type_of(node.right).kind):
            # a percentage in percent units times anything: one factor of 100 to take out, exactly
            return f"({left} * {right} / {self.const(Decimal(100))})"
        return f"({left} {node.op} {right})"

    def _compare(self, node: n.Compare) -> str:
        lt = self.type_of(node.left)
        rt_ = self.type_of(node.right)
        if lt.kind == "level":
            left, right = self.expr(node.left), self.expr(node.right)
            # index 0 is the best level: "better or equal" is a smaller index
            op = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}[node.op]
            if not (self.nullable(node.left) or self.nullable(node.right)):
                return f"({left} {op} {right})"
            # a missing level (criterion not applicable) makes every comparison false, == and != included
            a, b = self.temp(), self.temp()
            return f"(({a} := {left}) is not None and ({b} := {right}) is not None and {a} {op} {b})"
        ratio = "ratio" in (lt.kind, rt_.kind)
        if ratio and self.rates:
            code = rates.compare(self, node)
            if code is not None:
                return code
        if ratio:
            self.fraction_sites.append((node, "a comparison"))
        if self.scale is not None and lt.numeric and (self.refs_points(node.left) or self.refs_points(node.right)):
            return f"({self.scaled(node.left)} {node.op} {self.scaled(node.right)})"
        if lt.numeric and not ratio:
            return f"({self.operand(node.left, node.right)} {node.op} {self.operand(node.right, node.left)})"
        if lt.numeric:
            return f"({self.numeric(node.left, ratio)} {node.op} {self.numeric(node.right, ratio)})"
        return f"({self.expr(node.left)} {node.op} {self.expr(node.right)})"

    def nullable(self, node: n.Expr) -> bool:
        """Whether a level expression can be None (a criterion that may be not applicable)."""
        names: list[str] = []
        pending = [node]
        seen: set[str] = set()
        while pending:
            inner_nodes = n.nodes_in(pending.pop())
            for inner in inner_nodes:
                if isinstance(inner, n.Name):  # look through named values: `let lv = level(c);`
                    r = self.model.resolutions.get(id(inner))
                    if r is not None and r.kind == "let" and r.target and r.target not in seen:
                        seen.add(r.target)
                        pending.append(self.model.lets[r.target].value)
            names.extend(self._levels_read(inner_nodes))
        return any(self.all[self.index[x]].applicable is not None for x in names)

    def _levels_read(self, nodes: list[n.Expr]) -> list[str]:
        names: list[str] = []
        for inner in nodes:
            if isinstance(inner, n.Call) and inner.function in ("level", "worst_level"):
                args = [a.name for a in inner.args if isinstance(a, n.Name)]
                if inner.function == "worst_level" and not args:
                    args = [c.name for c in self.model.criteria if c.level is not None]
                names.extend(args)
        return names

    def _if(self, node: n.If) -> str:
        ratio = self.type_of(node).kind == "ratio"
        then = self.numeric(node.then, ratio) if ratio else self.result(node.then)
        other = self.numeric(node.otherwise, ratio) if ratio else self.result(node.otherwise)
        return f"({then} if {self.expr(node.condition)} else {other})"

    def _call(self, node: n.Call) -> str:
        fn = node.function
        args = node.args
        if fn in ("min", "max", "clamp"):
            ratio = self.type_of(node).kind == "ratio"
            parts = [self.numeric(a, ratio) for a in args]
            if fn == "clamp":
                return f"min(max({parts[0]}, {parts[1]}), {parts[2]})"
            if len(parts) == 1:
                return parts[0]
            if len(parts) == 2 and not ratio:
                # inline: a conditional is several times cheaper than calling the builtin
                op = "<=" if fn == "min" else ">="
                first, first_again = self.bind(args[0])
                second, second_again = self.bind(args[1])
                return f"({first_again} if {first} {op} {second} else {second_again})"
            return f"{fn}({', '.join(parts)})"
        if fn == "round":
            assert isinstance(args[1], n.Number)
            if self.type_of(args[0]).kind == "ratio":
                code = rates.rounded(self, args[0], int(args[1].value), None) if self.rates else None
                if code is not None:
                    return code
                self.fraction_sites.append((node, "a rounded quotient"))
            return f"round_half_up({self.expr(args[0])}, {int(args[1].value)})"
        if fn == "count":
            return "(0 + " + " + ".join(f"({self.expr(a)})" for a in args) + ")" if args else "0"
        if fn == "days_between":
            return f"days_between({self.expr(args[0])}, {self.expr(args[1])})"
        if fn == "months_between":
            return f"months_between({self.expr(args[0])}, {self.expr(args[1])})"
        names = [a.name for a in args if isinstance(a, n.Name)]
        if fn == "worst_level":
            if not names:
                names = [c.name for c in self.model.criteria if c.level is not None]
            levels = [f"v{self.index[x]}" for x in names]
            nullable = any(self.all[self.index[x]].applicable is not None for x in names)
            if nullable or len(levels) == 1:
                return f"worst(({', '.join(levels)},))"
            return self.inline_extreme("max", levels)
        k = self.index[names[0]]
        if fn == "level":
            return f"v{k}"
        if fn == "full":
            maximum = self.all[k].maximum
            assert maximum is not None
            limit = self.points_const(maximum) if self.scale is not None else self.const(maximum)
            return f"(p{k} == {limit})"
        if fn == "applicable":
            return f"a{k}" if self.all[k].applicable is not None else "True"
        raise AssertionError(fn)  # pragma: no cover

    def _cell_value(self, lit: n.Literal, column_type: Type, column: n.Expr, points: bool) -> str:
        if points and isinstance(lit, n.Number):
            return self.points_const(lit.value)
        return self._threshold(lit, column_type, column)

    def _threshold(self, lit: n.Literal, subject: Type, subject_node: n.Expr | None = None) -> str:
        if isinstance(lit, n.Number):
            if subject_node is not None and subject.kind != "ratio":
                return self.literal(lit.value, self.representation(subject_node))
            return self.literal(lit.value, subject, as_fraction=subject.kind == "ratio")
        if isinstance(lit, n.DateLiteral):
            return self.const(lit.value)
        return "True" if lit.value else "False"

    def _points_subject(self, node: n.Expr) -> bool:
        return self.scale is not None and self.refs_points(node)

    def _bands(self, node: n.Bands, scaled_results: bool = False) -> str:
        subject_type = self.type_of(node.subject)
        points = self._points_subject(node.subject)
        if subject_type.kind == "ratio":
            value = rates.rational(self, node.subject) if self.rates else None
            if value is not None:
                return self._ratio_bands(node, value, scaled_results)
            self.fraction_sites.append((node, "bands over a quotient"))
        bound, t = self.bind(node.subject, points)
        parts = []
        first = True
        for band in node.bands:
            test = {"from": ">=", "above": ">", "upto": "<="}[band.direction]
            subject = bound if first else t
            first = False
            if points and isinstance(band.threshold, n.Number):
                threshold = self.points_const(band.threshold.value)
            else:
                threshold = self._threshold(band.threshold, subject_type, node.subject)
            parts.append(
                f"{self.result(band.result, scaled_results, self.type_of(node).kind == 'ratio')} if {subject} {test} {threshold} else "
            )
        last = node.otherwise if node.otherwise is not None else node.bands[-1].result
        otherwise = self.result(last, scaled_results, self.type_of(node).kind == "ratio")
        if node.otherwise is None and parts:
            parts = parts[:-1]
            if not parts:
                # one band that covers every value: still evaluate the subject once for symmetry
                return f"({otherwise})"
        return "(" + "".join(parts) + otherwise + ")"

    def _ratio_bands(self, node: n.Bands, value: tuple[str, str | None], scaled_results: bool) -> str:
        """Bands over a quotient: each threshold cross-multiplied, the quotient's parts bound by the first test."""
        first, again = rates.bind(self, value)
        ratio_results = self.type_of(node).kind == "ratio"
        parts = []
        for k, band in enumerate(node.bands):
            assert isinstance(band.threshold, n.Number)
            test = rates.threshold(
                self.fraction(band.threshold.value),
                again if k else first,
                {"from": ">=", "above": ">", "upto": "<="}[band.direction],
                evaluates=k == 0,
            )
            parts.append(f"{self.result(band.result, scaled_results, ratio_results)} if {test} else ")
        last = node.otherwise if node.otherwise is not None else node.bands[-1].result
        otherwise = self.result(last, scaled_results, ratio_results)
        if node.otherwise is None:
            parts = parts[:-1]
        return "(" + "".join(parts) + otherwise + ")"

    def _match(self, node: n.Match, scaled_results: bool = False) -> str:
        subject_type = self.type_of(node.subject)
        bound, t = self.bind(node.subject)
        parts = []
        first = True
        for arm in node.arms:
            values = []
            for pattern in arm.patterns:
                if isinstance(pattern, n.Name):
                    values.append(
                        str(subject_type.members.index(pattern.name))
                        if subject_type.kind == "level"
                        else self.const(pattern.name)
                    )
                else:
                    values.append("True" if pattern.value else "False")
            subject = bound if first else t
            first = False
            test = " or ".join(f"{subject if i == 0 else t} == {v}" for i, v in enumerate(values))
            parts.append((self.result(arm.result, scaled_results, self.type_of(node).kind == "ratio"), test))
        if node.otherwise is not None:
            tail = self.result(node.otherwise, scaled_results, self.type_of(node).kind == "ratio")
        else:
            tail = parts[-1][0]
            parts = parts[:-1]
        if not parts:
            return f"({tail})"
        # the subject is bound by the first test, which always runs first
        return "(" + "".join(f"{result} if ({test}) else " for result, test in parts) + tail + ")"

    def _table(self, node: n.Table, scaled_results: bool = False) -> str:
        temps: list[Any] = []  # per column: its code, or (numerator, denominator) of a quotient
        binds = []
        for col in node.columns:
            value = rates.rational(self, col) if self.rates and self.type_of(col).kind == "ratio" else None
            if self.type_of(col).kind == "ratio" and value is None:
                self.fraction_sites.append((col, "a table column of a quotient"))
            if value is not None:
                parts = []
                for part in value:
                    if part is None or rates.SIMPLE_CODE.fullmatch(part):
                        parts.append(part)
                        continue
                    t = self.temp()
                    parts.append(t)
                    binds.append(f"(({t} := {part}) is not None or True)")
                temps.append(tuple(parts))
                continue
            code = self.scaled(col) if self._points_subject(col) else self.expr(col)
            if self.simple(col):
                temps.append(code)
            else:
                t = self.temp()
                temps.append(t)
                binds.append(f"(({t} := {code}) is not None or True)")
        bind = " and ".join(binds)
        column_types = [self.type_of(c) for c in node.columns]
        rows = []
        for row in node.rows:
            tests = []
            for cell, t, ctype, column in zip(row.cells, temps, column_types, node.columns):
                points = self._points_subject(column)
                if isinstance(cell, n.AnyCell):
                    continue
                if isinstance(cell, n.MemberCell):
                    if ctype.kind == "level":
                        tests.append(f"{t} in {self.const(frozenset(ctype.members.index(m) for m in cell.members))}")
                    else:
                        tests.append(f"{t} in {self.const(frozenset(cell.members))}")
                elif isinstance(t, tuple):
                    pairs = [("==", cell.value)] if isinstance(cell, n.EqualCell) else cell.tests
                    for op, lit in pairs:
                        assert isinstance(lit, n.Number)
                        tests.append(rates.threshold(self.fraction(lit.value), t, op))
                elif isinstance(cell, n.EqualCell):
                    tests.append(f"{t} == {self._cell_value(cell.value, ctype, column, points)}")
                else:
                    for op, lit in cell.tests:
                        tests.append(f"{t} {op} {self._cell_value(lit, ctype, column, points)}")
            rows.append(
                (
                    self.result(row.result, scaled_results, self.type_of(node).kind == "ratio"),
                    " and ".join(tests) or "True",
                )
            )
        if node.otherwise is not None:
            tail = self.result(node.otherwise, scaled_results, self.type_of(node).kind == "ratio")
        else:
            tail = rows[-1][0]
            rows = rows[:-1]
        body = "".join(f"{result} if ({test}) else " for result, test in rows) + tail
        if not bind:
            return f"({body})"
        return f"(({body}) if ({bind}) else None)"


def decimal_or_none(value: Any) -> Any:
    return None if value is None else Decimal(value)


def percent_units(value: Any) -> Any:
    """A percentage held as a fraction (0.875) in percent units (87.5); whole numbers as int."""
    if value is None:
        return None
    units = Decimal(value).scaleb(2)
    return int(units) if units == units.to_integral_value() else units


def names_in(expr: n.Expr) -> list[n.Name]:
    return [node for node in n.nodes_in(expr) if isinstance(node, n.Name)]
