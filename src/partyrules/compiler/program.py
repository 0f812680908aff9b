"""Compiling: a checked :class:`~partyrules.model.Model` to a fast, exact Python program.

Like Jinja, the compiler writes Python source and compiles it once. No text of
the criteria file ever becomes code: identifiers become numbered local
variables (``x3``, ``p7``) and every literal, name and label is passed in as a
constant of the program's namespace. The generated function validates the
facts (common cases inline, the rest through :mod:`partyrules.runtime`),
computes every value in dependency order and returns one flat tuple that an
:class:`~partyrules.runtime.Evaluation` wraps. The same body is written a second
time inside one loop over rows, the batch that ``Ruleset.evaluate_many`` runs.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import operator
import re
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from partyrules import nodes as n, runtime as rt
from partyrules.facts import FACT_MAGNITUDE
from partyrules.model import CriterionInfo, Model, Resolution
from partyrules.types import DECIMAL as DECIMAL_TYPE, Type


def fingerprint(tree: n.RulesetFile) -> str:
    """SHA-256 of the canonical form: the syntax tree without positions or comments.

    Examples and properties are left out: they never change a score, so adding one
    keeps the identity that every evaluation carries.
    """
    tests = (n.Example, n.ExampleTable, n.Property)
    tree = attrs.evolve(tree, declarations=tuple(d for d in tree.declarations if not isinstance(d, tests)))
    data = attrs.asdict(tree, filter=_meaningful, value_serializer=_canonical)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _meaningful(attribute: Any, value: Any) -> bool:
    """Positions never count; a field left at its default is left out, so that adding a
    field to the syntax tree does not change the fingerprint of files that do not use it."""
    if attribute.name == "span":
        return False
    default = attribute.default
    return default is attrs.NOTHING or isinstance(default, attrs.Factory) or value != default  # type: ignore[arg-type]


def _canonical(instance: Any, attribute: Any, value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    return value


class _NoFixedPoint(Exception):
    """The ruleset uses something fixed-point integers cannot do exactly: compile it with Decimals."""


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
_SIMPLE = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|-?[0-9]+")


class _Writer:
    def __init__(self, model: Model, fixed: bool = True) -> None:
        self.model = model
        self.lines: list[str] = []
        # the program's own constants (C0, C1 ...); the names it reads besides are runtime.PROGRAM_GLOBALS
        self.namespace: dict[str, Any] = {}
        self.constants: dict[tuple[str, str], str] = {}
        self.temps = 0
        self.depth = 1
        self.decimal_arithmetic = False  # set when a + - * or negation on Decimals is emitted
        self.inputs = {i.name: f"x{k}" for k, i in enumerate(model.inputs)}
        self.lets = {name: f"l{k}" for k, name in enumerate(model.lets)}
        self.all: list[CriterionInfo] = list(model.criteria + model.deductions + model.bonuses)
        self.index = {c.name: k for k, c in enumerate(self.all)}
        # a scale whose every point is whole computes with ints; otherwise with Decimals throughout
        self.whole = all(c.maximum is None or self._whole(c.name) for c in self.all)
        # fixed point: every points value as an int in units of 10**-scale (exact, and several times
        # faster than Decimal in CPython); None when some rule needs Decimals (see _NoFixedPoint)
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
        if any(c.applicable is not None and c.applicable.mode == "rescale" for c in model.criteria):
            return None  # rescaling divides
        numbers: list[Decimal] = [c.maximum for c in self.all if c.maximum is not None]
        numbers += [cap for cap in (model.criteria_maximum, model.deductions_cap, model.bonuses_cap) if cap is not None]
        numbers += [end for g in model.grades for end in (g.low, g.high) if end is not None]
        exprs: list[n.Expr] = [e for c in self.all for e in (c.points, c.level) if e is not None]
        exprs += [r.condition for g in model.grades for r in g.requirements]
        exprs += [k.condition for k in model.knockouts + model.exemptions]
        exprs += [let.value for let in model.lets.values()]
        for expr in exprs:
            numbers += [node.value for node in n.walk(expr) if isinstance(node, n.Number) and not node.percent]
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
        lets = self.scaled_lets if scaled_lets is None else scaled_lets
        for inner in n.walk(node):
            if isinstance(inner, n.Name):
                r = self.model.resolutions.get(id(inner))
                if r is not None and (r.kind in ("points", "total") or (r.kind == "let" and r.target in lets)):
                    return True
        return False

    def points_const(self, value: Decimal) -> str:
        """A points constant in fixed-point units."""
        units = value * self.factor
        if units != units.to_integral_value():  # pragma: no cover - the scale covers every constant
            raise _NoFixedPoint
        return self.const(int(units))

    def scaled(self, node: n.Expr) -> str:
        """Code for a points value in fixed-point units (an int)."""
        if isinstance(node, n.Number):
            if node.percent:
                raise _NoFixedPoint
            return self.points_const(node.value)
        kind = self.type_of(node).kind
        if isinstance(node, n.Name):
            r = self.resolution(node)
            if r.kind in ("points", "total") or (r.kind == "let" and r.target in self.scaled_lets):
                return self.expr(node)
            if kind == "integer":
                return f"({self.expr(node)} * {self.factor})" if self.factor != 1 else self.expr(node)
            raise _NoFixedPoint
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
                raise _NoFixedPoint
            if self.refs_points(right) or (isinstance(right, n.Number) and not self.refs_points(left)):
                points, count = right, left
            else:
                points, count = left, right
            if self.refs_points(count) or self.type_of(count).kind != "integer":
                raise _NoFixedPoint  # only a whole count times points stays in whole units
            return f"({self.scaled(points)} * {self.expr(count)})"
        if isinstance(node, n.Call) and node.function in ("min", "max", "clamp"):
            parts = [self.scaled(a) for a in node.args]
            if node.function == "clamp":
                return self.inline_extreme("min", [self.inline_extreme("max", parts[:2]), parts[2]])
            return self.inline_extreme(node.function, parts)
        if kind == "integer" and not self.refs_points(node):
            code = self.expr(node)
            return f"({code} * {self.factor})" if self.factor != 1 else code
        raise _NoFixedPoint

    # -- the program
    def program(self) -> str:
        """The source of ``program(facts)`` and, after it, of the batch loop ``many(rows, ...)``."""
        self.emit("def program(facts):", 0)
        prologue = len(self.lines)  # the Inexact trap goes here if any Decimal arithmetic is emitted
        self.emit("try:")
        self.depth = 2
        body = len(self.lines)
        # facts: one inline test of the common case for all inputs at once; anything else
        # (absent, text, out of range, unknown names) goes to the slow path, which names every problem
        specs = [self.fact_spec(spec) for spec in self.model.inputs]
        optional = any(fact.default is not rt.MISSING for fact in specs)
        names = ", ".join(f"x{k}" for k in range(len(specs)))
        if specs:
            # all facts given: one C-level lookup; some absent: one by one, with defaults (a failed
            # lookup raises KeyError, which costs more than the gets: only try when the count fits)
            self.emit(f"complete = True if (type(facts) is dict and len(facts) == {len(specs)}{EXTRA}) else False")
            self.emit("if complete:")
            self.emit("try:", 2)
            getter = self.const(operator.itemgetter(*[f.name for f in specs]))
            self.emit(
                f"{names}, = {getter}(facts)" if len(specs) > 1 else f"x0 = facts[{self.const(specs[0].name)}]", 3
            )
            self.emit("except KeyError:", 2)
            self.emit("complete = False", 3)
            if optional:
                self.emit("absent = 0")
            self.emit("if not complete:")
            self.emit("if type(facts) is not dict and not isinstance(facts, Mapping): not_a_mapping(facts)", 2)
            # the required inputs at once (one C-level call, as above), then each optional one
            required = [k for k, fact in enumerate(specs) if fact.default is rt.MISSING]
            if required and optional:
                got = ", ".join(f"x{k}" for k in required)
                getter = self.const(operator.itemgetter(*[specs[k].name for k in required]))
                self.emit("try:", 2)
                self.emit(
                    f"{got}, = {getter}(facts)"
                    if len(required) > 1
                    else f"{got} = facts[{self.const(specs[required[0]].name)}]",
                    3,
                )
                self.emit("except KeyError:", 2)
                self.depth += 1
            self.emit("get = facts.get", 2)
            for k in required:
                self.emit(f"x{k} = get({self.const(specs[k].name)}, MISSING)", 2)
            if required and optional:
                self.depth -= 1
            for k, fact in enumerate(specs):
                if fact.default is not rt.MISSING:
                    # a test and a subscript, both single instructions, cost less than a call of get()
                    key = self.const(fact.name)
                    self.emit(f"if {key} in facts: x{k} = facts[{key}]", 2)
                    self.emit(f"else: x{k} = {self.const(fact.default)}; absent += 1", 2)
        if specs:
            # every key of the facts is an input exactly when the inputs found number len(facts)
            # (a required input that is absent fails its own test)
            tests = [f"({self.fast_test(k, fact)})" for k, fact in enumerate(specs)]
            tests.append(f"len(facts) {'+ absent ' if optional else ''}== {len(specs)}{EXTRA}")
            slow = f"{names}, = check_facts({self.const(tuple(specs))}, {OWN_FACTS})"
            # a NaN fails a Decimal comparison by raising InvalidOperation (cheaper than is_finite())
            self.emit("try:")
            # as the condition of an `if`, each comparison is followed by a jump, which CPython
            # specialises (a chain of `and` giving a value is not)
            self.emit("fast = True if (" + "\n                and ".join(tests) + ") else False", 2)
            # and a declared `places` test on too long a Decimal rounds, which the armed trap turns into Inexact
            self.emit("except (InvalidOperation, Inexact):")
            self.emit("fast = False", 2)
            self.emit("if not fast:")
            self.emit(slow, 2)
            for k, fact in enumerate(specs):
                if fact.kind == "level":
                    index = self.const({m: i for i, m in enumerate(fact.members)})
                    self.emit(f"if type(x{k}) is str: x{k} = {index}[x{k}]")
        else:
            self.emit(f"if facts: check_facts((), {OWN_FACTS})")
        if self.model.constraints:
            # one test when every constraint holds (no list per evaluation); when one fails, each
            # is tested again to name every one that failed (conditions are pure expressions)
            held = " and ".join(f"{self.expr(c.condition)}" for c in self.model.constraints)
            self.emit(f"if not ({held}):")
            self.emit("problems = []", 2)
        for constraint in self.model.constraints:
            used = sorted(
                {
                    r.target
                    for node in _names(constraint.condition)
                    if (r := self.resolution(node)).kind == "input" and r.target
                }
            )
            label = self.const(", ".join(str(x) for x in used) or "*")
            message = self.const(f"breaks the rule: {constraint.label}")
            self.emit(f"if not {self.expr(constraint.condition)}: problems.append(FactProblem({label}, {message}))", 2)
        if self.model.constraints:
            self.emit("raise FactsError(problems)", 2)
        for kind, name in self.model.order:
            self.value(kind, name)
        self.totals()
        self.grading()
        # one flat tuple (one allocation per evaluation); runtime.Layout.offsets says where each part starts
        parts = list(self.inputs.values())
        parts += [f"p{k}" if c.maximum is not None else "None" for k, c in enumerate(self.all)]
        parts += [f"v{k}" for k, c in enumerate(self.model.criteria) if c.level is not None]
        parts += [f"a{k}" for k, c in enumerate(self.all) if c.applicable is not None]
        parts += ["crit", "ded", "bon", "total", "grade", "start"]
        parts += [f"r{k}" for k in range(self.requirement_count)]
        parts += [f"k{k}" for k in range(len(self.model.knockouts))]
        parts += [f"e{k}" for k in range(len(self.model.exemptions))]
        grade_ids = self.const(tuple(g.name for g in self.model.grades))
        grade_id = f"(None if grade is None else {grade_ids}[grade])"
        items = ["LAYOUT", self.total_decimal(), grade_id, *parts]
        # CPython compiles a tuple display of more than 30 items (its STACK_USE_GUIDELINE) into a
        # list grown item by item, about three times slower than one BUILD_TUPLE: join short ones
        displays = [items[i : i + DISPLAY_ITEMS] for i in range(0, len(items), DISPLAY_ITEMS)]
        flat = " + ".join(f"({', '.join(display)},)" for display in displays)
        self.emit(f"return new_evaluation(Evaluation, {flat})")
        body_lines = self.lines[body:]
        self.depth = 1
        self.emit("except Inexact:")
        self.emit("return retry_exactly(program, facts)", 2)
        # Decimal + - * are exact while the context has digits enough; trapping Inexact proves it
        # on every run (about 80 ns) instead of assuming it, and a run that needs more digits is
        # repeated. A program whose arithmetic is all on ints (fixed point) needs no trap.
        trapped = self.scale is None or self.decimal_arithmetic
        if trapped:
            self.lines[prologue:prologue] = [
                "    traps = getcontext().traps",
                "    armed = not traps[Inexact]",
                "    if armed: traps[Inexact] = True",
            ]
            self.emit("finally:")
            self.emit("if armed: traps[Inexact] = False", 2)
        single = [line.replace(EXTRA, "").replace(OWN_FACTS, "facts") for line in self.lines]
        return "\n".join(single + self.batch(body_lines, trapped)) + "\n"

    def batch(self, body: list[str], trapped: bool) -> list[str]:
        """``many(rows, key, number, row_error)``: the program's body in a loop over rows, yielding a result per row.

        One call for a whole batch instead of one per row (a call of ``program`` sets up a frame
        with every constant of the ruleset), and the row's id column is not copied away: when a
        row holds ``key`` the tests count one key more, and only the slow path, which names every
        unknown key, gets the facts without it. A FactsError becomes ``row_error(exc, number,
        row)`` and the others go on. The Inexact trap is armed and disarmed around each row, never
        held across a ``yield``: the caller's code runs between rows.
        """
        returns = [i for i, line in enumerate(body) if line.lstrip().startswith("return ")]
        assert len(returns) == 1 and returns[0] == len(body) - 1, "the body ends in its only return"
        out = [
            "def many(rows, key, number, row_error):",
            "    for row in rows:",
            "        facts = row",
            "        number += 1",
            "        extra = 0",
            "        if key is not None:",
            "            if type(facts) is dict:",
            "                if key in facts: extra = 1",
            "            elif isinstance(facts, Mapping) and key in facts:",
            "                facts = without_key(facts, key)",
        ]
        indent = "    "  # the body was written two levels deep; here it runs three levels deep
        if trapped:
            out += [
                "        traps = getcontext().traps",
                "        armed = not traps[Inexact]",
                "        if armed: traps[Inexact] = True",
            ]
        out.append("        try:")
        for line in body[:-1]:
            out.append(
                indent
                + line.replace(EXTRA, " + extra").replace(OWN_FACTS, "(without_key(facts, key) if extra else facts)")
            )
        out.append(indent + body[-1].replace("return ", "result = ", 1))
        out += [
            "        except FactsError as exc:",
            "            result = row_error(exc, number, row)",
            "        except Inexact:",
            "            try:",
            "                result = retry_exactly(program, without_key(facts, key) if extra else facts)",
            "            except FactsError as exc:",
            "                result = row_error(exc, number, row)",
        ]
        if trapped:
            out += ["        finally:", "            if armed: traps[Inexact] = False"]
        out.append("        yield result")
        return out

    def total_decimal(self) -> str:
        """The total as a Decimal for the evaluation's first slot (read by nearly every caller)."""
        if self.scale is None:
            # Evaluation.total reads the slot as it is: a whole-number total held as an int is converted
            return "(total if type(total) is Decimal else Decimal(total))"
        low, high = self.model.total.low, self.model.total.high
        if low is not None and high is not None and (high - low) * self.factor <= MAX_TOTAL_TABLE:
            # every reachable total, converted once when compiling: an index instead of a conversion
            first = int(low * self.factor)
            count = int(high * self.factor) - first + 1
            table = tuple(Decimal(first + i).scaleb(-self.scale) for i in range(count))
            return f"{self.const(table)}[total - {first}]" if first else f"{self.const(table)}[total]"
        return f"Decimal(total).scaleb(-{self.scale}, EXACT)"  # never rounded by the caller's context

    def fact_spec(self, spec: Any) -> rt.FactSpec:
        """How the slow path checks one input, with bounds and default in run-time units."""
        kind = spec.type.kind
        low, high, default = spec.low, spec.high, spec.default if spec.has_default else rt.MISSING
        if kind == "percent":
            low, high = _decimal(_percent_units(low)), _decimal(_percent_units(high))
        if spec.has_default:
            if kind == "level":
                default = spec.type.members.index(default)
            elif kind == "integer":
                default = int(default)
            elif kind == "percent":
                default = _decimal(_percent_units(default))
            elif kind == "decimal":
                default = _decimal(default)
        return rt.FactSpec(spec.name, kind, low, high, spec.places, default, spec.type.members)

    def fast_test(self, k: int, fact: rt.FactSpec) -> str:
        """An inline test that the common, already-exact form of a fact is valid."""
        x = f"x{k}"
        is_type = f"type({x}) is {FAST_TYPES[fact.kind].__name__} and "
        low, high = self.const(fact.low), self.const(fact.high)
        if fact.kind == "integer":
            lowest = low if fact.low is not None else f"-{self.const(int(FACT_MAGNITUDE) - 1)}"
            highest = high if fact.high is not None else self.const(int(FACT_MAGNITUDE) - 1)
            return f"{is_type}{lowest} <= {x} <= {highest}"
        if fact.kind in ("decimal", "percent"):
            if fact.low is None or fact.high is None:
                return "False"  # unbounded: the slow path also checks the size limit
            test = f"{is_type}{low} <= {x} <= {high}"
            if fact.places is not None:
                test += f" and {x}.quantize({self.const(Decimal(1).scaleb(-fact.places))}) == {x}"
            return test
        if fact.kind == "boolean":
            return f"({x} is True or {x} is False)"
        if fact.kind == "enum":
            return f"{is_type}{x} in {self.const(frozenset(fact.members))}"
        if fact.kind == "level":
            return f"{is_type}{x} in {self.const({m: i for i, m in enumerate(fact.members)})}"
        if fact.kind == "date":
            if fact.low is not None and fact.high is not None:
                return f"{is_type}{low} <= {x} <= {high}"
            return f"type({x}) is date"
        raise AssertionError(fact.kind)  # pragma: no cover

    def simple(self, node: n.Expr) -> bool:
        """Whether the node's code is a variable or constant, safe to repeat without a temporary."""
        return isinstance(node, (n.Name, n.Number, n.BooleanLiteral, n.DateLiteral))

    def inline_extreme(self, function: str, parts: list[str]) -> str:
        """min() or max() of code for ints or Decimals as conditionals: CPython's builtins parse their
        arguments generically, several times the cost of a comparison. The first of equals wins, as
        with the builtins."""
        op = "<=" if function == "min" else ">="

        def once(code: str) -> tuple[str, str]:  # (code that evaluates it, code that reuses the value)
            if _SIMPLE.fullmatch(code):
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

    def value(self, kind: str, name: str) -> None:
        if kind == "let":
            value = self.model.lets[name].value
            code = self.scaled(value) if name in self.scaled_lets else self.expr(value)
            self.emit(f"{self.lets[name]} = {code}")
            return
        k = self.index[name]
        c = self.all[k]
        if kind == "applicable":
            assert c.applicable is not None
            self.emit(f"a{k} = {self.expr(c.applicable.condition)}")
        elif kind == "points":
            if c.kind == "group":
                children = [f"p{self.index[ch]}" for ch in c.children if self.all[self.index[ch]].maximum is not None]
                self.emit(f"p{k} = {' + '.join(children) or '0'}")
            else:
                assert c.points is not None
                formula = self.scaled(c.points) if self.scale is not None else self.expr(c.points)
                if c.applicable is not None:
                    assert c.maximum is not None
                    full = self.points_const(c.maximum) if self.scale is not None else self.const(c.maximum)
                    otherwise = full if c.applicable.mode == "full" else "0"
                    formula = f"({formula} if a{k} else {otherwise})"
                self.emit(f"p{k} = {formula}")
        elif kind == "level":
            assert c.level is not None
            formula = self.expr(c.level)
            if c.applicable is not None:
                formula = f"({formula} if a{k} else None)"
            self.emit(f"v{k} = {formula}")

    def _whole(self, name: str) -> bool:
        c = self.all[self.index[name]]
        if c.kind == "group":
            return all(self._whole(ch) for ch in c.children if self.all[self.index[ch]].maximum is not None)
        return c.points is not None and self.type_of(c.points).kind == "integer"

    def totals(self) -> None:
        model = self.model
        top = [f"p{self.index[c.name]}" for c in model.criteria if c.parent is None and c.maximum is not None]
        self.emit(f"crit = {' + '.join(top) or '0'}")
        rescaled = [c for c in model.criteria if c.applicable is not None and c.applicable.mode == "rescale"]
        if rescaled and model.criteria_maximum is not None:
            parts = " + ".join(f"(0 if a{self.index[c.name]} else {self.const(c.maximum)})" for c in rescaled)
            self.emit(f"na = {parts}")
            root = self.const(Fraction(model.criteria_maximum))
            places = model.rescale_places or 0
            self.emit(
                f"if na: crit = round_half_up(to_fraction(crit) * {root} / ({root} - to_fraction(na)), {places}) "
                f"if na != {root} else 0"
            )
        for label, infos, cap in (
            ("ded", model.deductions, model.deductions_cap),
            ("bon", model.bonuses, model.bonuses_cap),
        ):
            amounts = [f"p{self.index[c.name]}" for c in infos]
            if amounts and cap is not None:
                limit = self.points_const(cap) if self.scale is not None else self.const(cap)
                t = self.temp()
                self.emit(f"{label} = {t} if ({t} := {' + '.join(amounts)}) <= {limit} else {limit}")
            else:
                self.emit(f"{label} = 0")
        self.emit("total = crit - ded + bon")

    def grading(self) -> None:
        model = self.model
        grades = model.grades
        if grades and all(g.low is not None or g.high is not None for g in grades):
            chain = ""
            for i, g in enumerate(grades[:-1]):
                assert g.low is not None
                if self.scale is not None:
                    chain += f"{i} if total >= {self.points_const(g.low)} else "
                    continue
                low = int(g.low) if self.whole and g.low == g.low.to_integral_value() else g.low
                chain += f"{i} if total >= {self.const(low)} else "
            self.emit(f"start = {chain}{len(grades) - 1}")
        else:
            self.emit("start = 0")
        self.emit("g = start")
        count = 0
        for i, g in enumerate(grades):
            names = []
            for req in g.requirements:
                self.emit(f"r{count} = {self.expr(req.condition)}")
                names.append(f"r{count}")
                count += 1
            if names:
                self.emit(f"if g == {i} and not ({' and '.join(names)}): g = {g.fallback}")
        self.requirement_count = count
        forced = False
        for k, rule in enumerate(model.knockouts):
            self.emit(f"k{k} = {self.expr(rule.condition)}")
        for k, rule in enumerate(model.knockouts):
            if rule.action == "force":
                if not forced:
                    self.emit("f = -1")
                    forced = True
                self.emit(f"if k{k} and f < {rule.grade}: f = {rule.grade}")
        if forced:
            self.emit("if f >= 0: g = f")
        for k, rule in enumerate(model.knockouts):
            if rule.action == "cap":
                self.emit(f"if k{k} and g < {rule.grade}: g = {rule.grade}")
        for k, rule in enumerate(model.exemptions):
            self.emit(f"e{k} = {self.expr(rule.condition)}")
        if model.exemptions:
            any_exempt = " or ".join(f"e{k}" for k in range(len(model.exemptions)))
            self.emit(f"grade = None if ({any_exempt}) else g")
        else:
            self.emit("grade = g")

    # -- expressions
    def expr(self, node: n.Expr, scaled_results: bool = False) -> str:
        if self.scale is not None and not scaled_results and self._points_arithmetic(node):
            raise _NoFixedPoint  # points used in arithmetic outside a points rule or a comparison
        method = getattr(self, "_" + type(node).__name__.lower())
        if isinstance(node, (n.Bands, n.Match, n.Table)):
            result: str = method(node, scaled_results)
        else:
            result = method(node)
        return result

    def _points_arithmetic(self, node: n.Expr) -> bool:
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
                return self.const(Fraction(value))
            # the constant's Python type follows the value it meets at run time:
            # Decimal against decimals and percentages (Decimal-Decimal compares twice as fast), int against ints
            if type_.kind == "percent":
                return self.const(_decimal(_percent_units(value)))
            if type_.kind == "integer" and value == value.to_integral_value():
                return self.const(int(value))
            return self.const(_decimal(value))
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
            inner_nodes = list(n.walk(pending.pop()))
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
        bound, t = self.bind(node.subject, points)
        parts = []
        first = True
        for band in node.bands:
            test = ">=" if band.direction == "from" else "<="
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
        temps = []
        binds = []
        for col in node.columns:
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


def _decimal(value: Any) -> Any:
    return None if value is None else Decimal(value)


def _percent_units(value: Any) -> Any:
    """A percentage held as a fraction (0.875) in percent units (87.5); whole numbers as int."""
    if value is None:
        return None
    units = Decimal(value).scaleb(2)
    return int(units) if units == units.to_integral_value() else units




def _names(expr: n.Expr) -> list[n.Name]:
    return [node for node in n.walk(expr) if isinstance(node, n.Name)]


def generate(model: Model, fixed: bool = True) -> tuple[str, tuple[Any, ...], int | None]:
    """The program's source, the constants it is linked with (C0, C1 ... in order) and its fixed-point
    places (None: Decimal arithmetic). The source defines ``make(LAYOUT, C0, C1, ...)``, which
    :func:`partyrules.runtime.link_program` calls once."""
    try:
        writer = _Writer(model, fixed)
        body = writer.program()
    except _NoFixedPoint:
        writer = _Writer(model, fixed=False)
        body = writer.program()
    names = sorted(writer.namespace, key=lambda k: int(k[1:]))
    head = f"def make({', '.join(['LAYOUT', *names])}):\n"
    source = head + "".join("    " + line + "\n" for line in body.splitlines()) + "    return program, many\n"
    return source, tuple(writer.namespace[k] for k in names), writer.scale


@attrs.frozen
class Compiled:
    """A model compiled: the generated text and its constants (what a pickle carries), and the linked program."""

    code: str
    constants: tuple[Any, ...]
    layout: rt.Layout
    program: rt.Program
    batch: rt.Batch


def compile_program(model: Model, layout_for: Callable[[int | None], rt.Layout], fixed: bool = True) -> Compiled:
    """The program, its batch loop and the layout of their results (which records the fixed-point scale chosen)."""
    code, constants, scale = generate(model, fixed)
    layout = layout_for(scale)
    program, batch = rt.link_program(code, constants, layout, model.header.ruleset_id)
    return Compiled(code, constants, layout, program, batch)
