"""Compiling: a checked :class:`~partyrules.model.Model` to a fast, exact Python program.

Like Jinja, the compiler writes Python source and compiles it once. No text of
the criteria file ever becomes code: identifiers become numbered local
variables (``x3``, ``p7``) and every literal, name and label is passed in as a
constant of the program's namespace. The generated function validates the
facts (common cases inline, the rest through :mod:`partyrules.runtime`),
computes every value in dependency order and returns one flat tuple that an
:class:`~partyrules.runtime.Evaluation` wraps.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from decimal import Decimal, getcontext, localcontext
from fractions import Fraction
from typing import Any

import attrs

from partyrules import nodes as n
from partyrules import runtime as rt
from partyrules.diagnostics import did_you_mean
from partyrules.model import CriterionInfo, Model, Resolution
from partyrules.types import Type


def fingerprint(tree: n.RulesetFile) -> str:
    """SHA-256 of the canonical form: the syntax tree without positions or comments."""
    data = attrs.asdict(tree, filter=lambda a, _: a.name != "span", value_serializer=_canonical)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical(instance: Any, attribute: Any, value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if attrs.has(type(value)):
        return value
    if isinstance(value, (list, tuple)):
        return value
    return value


def unknown_inputs(facts: Any, known: frozenset[str], problems: list[rt.FactProblem]) -> None:
    for key in facts:
        if key not in known:
            hint = did_you_mean(str(key), known)
            problems.append(rt.FactProblem(str(key), "is not an input of this ruleset" + (f"; {hint}" if hint else "")))


class _Writer:
    def __init__(self, model: Model) -> None:
        self.model = model
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {
            "MISSING": rt.MISSING,
            "Decimal": Decimal,
            "date": datetime.date,
            "FactProblem": rt.FactProblem,
            "FactsError": rt.FactsError,
            "coerce_integer": rt.coerce_integer,
            "coerce_decimal": rt.coerce_decimal,
            "coerce_percent": rt.coerce_percent,
            "coerce_boolean": rt.coerce_boolean,
            "coerce_member": rt.coerce_member,
            "coerce_level": rt.coerce_level,
            "coerce_date": rt.coerce_date,
            "unknown_inputs": unknown_inputs,
            "to_fraction": rt.to_fraction,
            "round_half_up": rt.round_half_up,
            "days_between": rt.days_between,
            "months_between": rt.months_between,
            "worst": rt.worst,
            "at_least": rt.at_least,
            "getcontext": getcontext,
            "with_precision": _with_precision,
        }
        self.constants: dict[tuple[str, str], str] = {}
        self.temps = 0
        self.inputs = {i.name: f"x{k}" for k, i in enumerate(model.inputs)}
        self.lets = {name: f"l{k}" for k, name in enumerate(model.lets)}
        self.all: list[CriterionInfo] = list(model.criteria + model.deductions + model.bonuses)
        self.index = {c.name: k for k, c in enumerate(self.all)}

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
        self.lines.append("    " * indent + line)

    def type_of(self, node: n.Expr) -> Type:
        return self.model.types[id(node)]

    def resolution(self, node: n.Expr) -> Resolution:
        return self.model.resolutions[id(node)]

    # -- the program
    def program(self) -> str:
        self.emit("def program(facts):", 0)
        # exactness needs enough digits; a caller's narrower decimal context must not round silently
        self.emit(f"if getcontext().prec < {self.model.precision}: return with_precision(program, facts, {self.model.precision})")
        self.emit("problems = []")
        self.emit("seen = 0")
        for k, spec in enumerate(self.model.inputs):
            self.validate(k, spec)
        self.emit(f"if seen != len(facts): unknown_inputs(facts, {self.const(frozenset(self.inputs))}, problems)")
        self.emit("if problems: raise FactsError(problems)")
        for constraint in self.model.constraints:
            names = sorted({r.target for node in _names(constraint.condition) if (r := self.resolution(node)).target})
            label = self.const(", ".join(str(x) for x in names) or "*")
            message = self.const(f"breaks the rule: {constraint.label}")
            self.emit(f"if not {self.expr(constraint.condition)}: problems.append(FactProblem({label}, {message}))")
        if self.model.constraints:
            self.emit("if problems: raise FactsError(problems)")
        for kind, name in self.model.order:
            self.value(kind, name)
        self.totals()
        self.grading()
        facts = ", ".join(self.inputs.values())
        points = ", ".join(f"p{k}" if c.maximum is not None else "None" for k, c in enumerate(self.all))
        levels = ", ".join(f"v{k}" if c.level is not None else "None" for k, c in enumerate(self.model.criteria))
        applicable = ", ".join(f"a{k}" if c.applicable is not None else "True" for k, c in enumerate(self.all))
        requirements = ", ".join(f"r{k}" for k in range(self.requirement_count))
        knockouts = ", ".join(f"k{k}" for k in range(len(self.model.knockouts)))
        exemptions = ", ".join(f"e{k}" for k in range(len(self.model.exemptions)))
        self.emit(
            f"return (({facts}{',' if facts else ''}), ({points}{',' if points else ''}), "
            f"({levels}{',' if levels else ''}), ({applicable}{',' if applicable else ''}), "
            f"crit, ded, bon, total, grade, start, ({requirements}{',' if requirements else ''}), "
            f"({knockouts}{',' if knockouts else ''}), ({exemptions}{',' if exemptions else ''}))"
        )
        return "\n".join(self.lines) + "\n"

    def validate(self, k: int, spec: Any) -> None:
        x = f"x{k}"
        name = self.const(spec.name)
        kind = spec.type.kind
        self.emit(f"{x} = facts.get({name}, MISSING)")
        self.emit(f"if {x} is MISSING:")
        if spec.has_default:
            default = spec.default
            if kind == "level":
                default = spec.type.members.index(default)
            elif kind == "integer":
                default = int(default)
            self.emit(f"{x} = {self.const(default)}", 2)
        else:
            self.emit(f"problems.append(FactProblem({name}, {self.const('is missing')}))", 2)
        self.emit("else:")
        self.emit("seen += 1", 2)
        low = self.const(spec.low)
        high = self.const(spec.high)
        if kind == "integer":
            bounds = []
            if spec.low is not None:
                bounds.append(f"{low} <= {x}")
            if spec.high is not None:
                bounds.append(f"{x} <= {high}")
            if spec.low is None and spec.high is None:
                bounds.append(f"-{self.const(int(rt.FACT_MAGNITUDE))} < {x} < {self.const(int(rt.FACT_MAGNITUDE))}")
            test = " and ".join(bounds)
            self.emit(f"if type({x}) is not int or not ({test}):", 2)
            self.emit(f"{x} = coerce_integer({name}, {x}, {low}, {high}, problems)", 3)
        elif kind == "decimal":
            self.emit(f"{x} = coerce_decimal({name}, {x}, {low}, {high}, {spec.places}, problems)", 2)
        elif kind == "percent":
            self.emit(f"{x} = coerce_percent({name}, {x}, {low}, {high}, {spec.places}, problems)", 2)
        elif kind == "boolean":
            self.emit(f"if {x} is not True and {x} is not False:", 2)
            self.emit(f"{x} = coerce_boolean({name}, {x}, problems)", 3)
        elif kind == "enum":
            members = self.const(frozenset(spec.type.members))
            self.emit(f"if type({x}) is not str or {x} not in {members}:", 2)
            self.emit(f"{x} = coerce_member({name}, {x}, {self.const(spec.type.members)}, problems)", 3)
        elif kind == "level":
            self.emit(f"{x} = coerce_level({name}, {x}, {self.const(spec.type.members)}, problems)", 2)
        elif kind == "date":
            self.emit(f"{x} = coerce_date({name}, {x}, {low}, {high}, problems)", 2)

    def value(self, kind: str, name: str) -> None:
        if kind == "let":
            self.emit(f"{self.lets[name]} = {self.expr(self.model.lets[name].value)}")
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
                formula = self.expr(c.points)
                if c.applicable is not None:
                    otherwise = self.const(c.maximum) if c.applicable.mode == "full" else "0"
                    formula = f"({formula} if a{k} else {otherwise})"
                self.emit(f"p{k} = {formula}")
        elif kind == "level":
            assert c.level is not None
            formula = self.expr(c.level)
            if c.applicable is not None:
                formula = f"({formula} if a{k} else None)"
            self.emit(f"v{k} = {formula}")

    def totals(self) -> None:
        model = self.model
        top = [f"p{self.index[c.name]}" for c in model.criteria if c.parent is None and c.maximum is not None]
        self.emit(f"crit = {' + '.join(top) or '0'}")
        rescaled = [c for c in model.criteria if c.applicable is not None and c.applicable.mode == "rescale"]
        if rescaled and model.criteria_maximum is not None:
            parts = " + ".join(f"(0 if a{self.index[c.name]} else {self.const(c.maximum)})" for c in rescaled)
            self.emit(f"na = {parts}")
            root = self.const(model.criteria_maximum)
            places = model.rescale_places or 0
            self.emit(f"if na: crit = round_half_up(to_fraction(crit) * {root} / ({root} - na), {places}) if na != {root} else 0")
        for label, infos, cap in (("ded", model.deductions, model.deductions_cap), ("bon", model.bonuses, model.bonuses_cap)):
            parts = [f"p{self.index[c.name]}" for c in infos]
            if parts and cap is not None:
                self.emit(f"{label} = min({' + '.join(parts)}, {self.const(cap)})")
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
                chain += f"{i} if total >= {self.const(g.low)} else "
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
                self.emit(f"if k{k}: f = max(f, {rule.grade})")
        if forced:
            self.emit("if f >= 0: g = f")
        for k, rule in enumerate(model.knockouts):
            if rule.action == "cap":
                self.emit(f"if k{k}: g = max(g, {rule.grade})")
        for k, rule in enumerate(model.exemptions):
            self.emit(f"e{k} = {self.expr(rule.condition)}")
        if model.exemptions:
            any_exempt = " or ".join(f"e{k}" for k in range(len(model.exemptions)))
            self.emit(f"grade = None if ({any_exempt}) else g")
        else:
            self.emit("grade = g")

    # -- expressions
    def expr(self, node: n.Expr) -> str:
        method = getattr(self, "_" + type(node).__name__.lower())
        result: str = method(node)
        return result

    def numeric(self, node: n.Expr, as_fraction: bool) -> str:
        code = self.expr(node)
        if as_fraction and self.type_of(node).kind != "ratio":
            return f"to_fraction({code})"
        return code

    def literal(self, value: Any, type_: Type, as_fraction: bool = False) -> str:
        if isinstance(value, Decimal):
            if as_fraction:
                return self.const(Fraction(value))
            if type_.kind == "integer" and value == value.to_integral_value():
                return self.const(int(value))
            return self.const(value)
        return self.const(value)

    def _number(self, node: n.Number) -> str:
        return self.literal(node.value, self.type_of(node))

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
        return f"(-{self.expr(node.operand)})"

    def _binary(self, node: n.Binary) -> str:
        if node.op in ("and", "or"):
            return f"({self.expr(node.left)} {node.op} {self.expr(node.right)})"
        ratio = self.type_of(node).kind == "ratio"
        left = self.numeric(node.left, ratio)
        right = self.numeric(node.right, ratio)
        return f"({left} {node.op} {right})"

    def _compare(self, node: n.Compare) -> str:
        lt = self.type_of(node.left)
        rt_ = self.type_of(node.right)
        if lt.kind == "level":
            a, b = self.temp(), self.temp()
            left, right = self.expr(node.left), self.expr(node.right)
            # index 0 is the best level: "better or equal" is a smaller index
            op = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}[node.op]
            if node.op in ("==", "!="):
                return f"({left} {op} {right})"
            return f"(({a} := {left}) is not None and ({b} := {right}) is not None and {a} {op} {b})"
        ratio = "ratio" in (lt.kind, rt_.kind)
        if lt.numeric:
            return f"({self.numeric(node.left, ratio)} {node.op} {self.numeric(node.right, ratio)})"
        return f"({self.expr(node.left)} {node.op} {self.expr(node.right)})"

    def _if(self, node: n.If) -> str:
        ratio = self.type_of(node).kind == "ratio"
        then = self.numeric(node.then, ratio) if ratio else self.expr(node.then)
        other = self.numeric(node.otherwise, ratio) if ratio else self.expr(node.otherwise)
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
            return f"max({', '.join(levels)})"
        k = self.index[names[0]]
        if fn == "level":
            return f"v{k}"
        if fn == "full":
            return f"(p{k} == {self.const(self.all[k].maximum)})"
        if fn == "applicable":
            return f"a{k}" if self.all[k].applicable is not None else "True"
        raise AssertionError(fn)  # pragma: no cover

    def _threshold(self, lit: n.Literal, subject: Type) -> str:
        if isinstance(lit, n.Number):
            return self.literal(lit.value, subject, as_fraction=subject.kind == "ratio")
        if isinstance(lit, n.DateLiteral):
            return self.const(lit.value)
        return "True" if lit.value else "False"

    def _bands(self, node: n.Bands) -> str:
        subject_type = self.type_of(node.subject)
        t = self.temp()
        parts = []
        first = True
        for band in node.bands:
            test = ">=" if band.direction == "from" else "<="
            subject = f"({t} := {self.expr(node.subject)})" if first else t
            first = False
            parts.append(f"{self.expr(band.result)} if {subject} {test} {self._threshold(band.threshold, subject_type)} else ")
        otherwise = self.expr(node.otherwise) if node.otherwise is not None else self.expr(node.bands[-1].result)
        if node.otherwise is None and parts:
            parts = parts[:-1]
            if not parts:
                # one band that covers every value: still evaluate the subject once for symmetry
                return f"({otherwise})"
        return "(" + "".join(parts) + otherwise + ")"

    def _match(self, node: n.Match) -> str:
        subject_type = self.type_of(node.subject)
        t = self.temp()
        parts = []
        first = True
        for arm in node.arms:
            values = []
            for pattern in arm.patterns:
                if isinstance(pattern, n.Name):
                    values.append(str(subject_type.members.index(pattern.name)) if subject_type.kind == "level" else self.const(pattern.name))
                else:
                    values.append("True" if pattern.value else "False")
            subject = f"({t} := {self.expr(node.subject)})" if first else t
            first = False
            test = " or ".join(f"{subject if i == 0 else t} == {v}" for i, v in enumerate(values))
            parts.append((self.expr(arm.result), test))
        if node.otherwise is not None:
            tail = self.expr(node.otherwise)
        else:
            tail = parts[-1][0]
            parts = parts[:-1]
        if not parts:
            return f"({tail})"
        # the subject is bound by the first test, which always runs first
        return "(" + "".join(f"{result} if ({test}) else " for result, test in parts) + tail + ")"

    def _table(self, node: n.Table) -> str:
        temps = [self.temp() for _ in node.columns]
        bind = " and ".join(f"(({t} := {self.expr(col)}) is not None or True)" for t, col in zip(temps, node.columns))
        column_types = [self.type_of(c) for c in node.columns]
        rows = []
        for row in node.rows:
            tests = []
            for cell, t, ctype in zip(row.cells, temps, column_types):
                if isinstance(cell, n.AnyCell):
                    continue
                if isinstance(cell, n.MemberCell):
                    if ctype.kind == "level":
                        tests.append(f"{t} in {self.const(frozenset(ctype.members.index(m) for m in cell.members))}")
                    else:
                        tests.append(f"{t} in {self.const(frozenset(cell.members))}")
                elif isinstance(cell, n.EqualCell):
                    tests.append(f"{t} == {self._threshold(cell.value, ctype)}")
                else:
                    for op, lit in cell.tests:
                        tests.append(f"{t} {op} {self._threshold(lit, ctype)}")
            rows.append((self.expr(row.result), " and ".join(tests) or "True"))
        if node.otherwise is not None:
            tail = self.expr(node.otherwise)
        else:
            tail = rows[-1][0]
            rows = rows[:-1]
        body = "".join(f"{result} if ({test}) else " for result, test in rows) + tail
        return f"(({body}) if ({bind}) else None)"


def _names(expr: n.Expr) -> list[n.Name]:
    from partyrules.checker import walk

    return [node for node in walk(expr) if isinstance(node, n.Name)]


def generate(model: Model) -> tuple[str, dict[str, Any]]:
    """The program's source and the namespace of constants it runs in."""
    writer = _Writer(model)
    source = writer.program()
    return source, writer.namespace


def compile_program(model: Model) -> rt.Program:
    source, namespace = generate(model)
    code = compile(source, f"<partyrules {model.header.ruleset_id}>", "exec")
    exec(code, namespace)  # noqa: S102 - generated from the checked model; no criteria text is code
    program: rt.Program = namespace["program"]
    return program


def _with_precision(program: rt.Program, facts: Any, precision: int) -> tuple[Any, ...]:
    with localcontext() as ctx:
        ctx.prec = precision
        return program(facts)
