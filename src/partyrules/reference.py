"""A small, slow reference interpreter of the checked model, for differential tests.

It walks the syntax tree directly, follows docs/language.md §11 step by step
and computes every number as an exact :class:`~fractions.Fraction` (a
percentage is its true fraction: 85 % is 17/20). It shares nothing with the
compiler or the runtime, so a disagreement between the two points at a bug
in one of them. It assumes valid facts (it fills in defaults but does not
validate) and checks the promises the checker makes instead of relying on
them: points within 0 and their maximum, a row for every value, a grade band
for every total; a broken promise raises :class:`BrokenPromise`.

    >>> model = partyrules.api.model_of(text, "t.criteria")      # doctest: +SKIP
    >>> total, grade, points = evaluate(model, {"members": 25})  # doctest: +SKIP
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

import attrs

from partyrules import nodes as n
from partyrules.model import CriterionInfo, Model

Value = Any  # Fraction | bool | str (a choice) | int | None (a level: index, 0 the best) | datetime.date


class BrokenPromise(AssertionError):
    """The checker accepted the file, yet this evaluation breaks something it promised."""


class Outcome(NamedTuple):
    total: Fraction
    grade: str | None
    points: dict[str, Fraction]  # every scored criterion, deduction and bonus


@attrs.frozen
class Trace:
    """Everything the reference computed for one organisation."""

    total: Fraction
    grade: str | None
    points: dict[str, Fraction]
    levels: dict[str, str | None]  # criteria with a level rule
    applicable: dict[str, bool]  # every criterion, deduction and bonus
    criteria_points: Fraction
    deducted: Fraction
    added: Fraction
    band_grade: str | None
    requirements: tuple[tuple[str, str, bool], ...]  # grade, label, held
    knockouts: tuple[str, ...]  # rules whose condition held
    not_graded: str | None

    @property
    def outcome(self) -> Outcome:
        return Outcome(self.total, self.grade, self.points)


def evaluate(model: Model, facts: Mapping[str, Any]) -> Outcome:
    """(total, grade id or None, points by criterion id) for valid facts."""
    return trace(model, facts).outcome


def trace(model: Model, facts: Mapping[str, Any]) -> Trace:
    return _Run(model, facts).trace()


def holds(model: Model, facts: Mapping[str, Any], condition: n.Expr) -> bool:
    """Whether a condition checked in ``model`` (a property's, say) is true once everything is scored."""
    run = _Run(model, facts)
    run.trace()
    return run.expr(condition) is True


def visiting_trace(model: Model, facts: Mapping[str, Any]) -> tuple[Trace, set[int]]:
    """The trace and the identities of every expression node evaluated: which rows and branches were taken."""
    run = _Run(model, facts)
    run.visited = set()
    return run.trace(), run.visited


def let_values(model: Model, facts: Mapping[str, Any]) -> dict[str, Value]:
    """Every named value (``let``) for valid facts, in declaration order: what an explanation shows
    beside the points (the attendance rate an officer checks). Percentages are true fractions."""
    run = _Run(model, facts)
    return {name: run.let(name) for name in model.lets}


def broken_constraints(model: Model, facts: Mapping[str, Any]) -> list[n.Constraint]:
    """The constraints that valid-looking facts break (facts are not otherwise validated)."""
    run = _Run(model, facts)
    return [c for c in model.constraints if run.expr(c.condition) is not True]


def constraint_inputs(model: Model, constraint: n.Constraint) -> list[str]:
    """The inputs a constraint reads, sorted: what a broken constraint is reported under."""
    names = {
        r.target
        for node in n.walk(constraint.condition)
        if isinstance(node, n.Name)
        and (r := model.resolutions.get(id(node))) is not None
        and r.kind == "input"
        and r.target is not None
    }
    return sorted(names)


# ---------------------------------------------------------------- the interpreter


def _fraction(value: Decimal | int) -> Fraction:
    return Fraction(value)


def _literal(lit: n.Literal) -> Value:
    if isinstance(lit, n.Number):
        return _fraction(lit.value)  # a percentage is stored as its fraction already
    return lit.value


def round_half_away(x: Fraction, places: int) -> Fraction:
    """``round(x, n)`` of the language: halves go away from zero."""
    scaled = x * 10**places
    whole = math.floor(abs(scaled) + Fraction(1, 2))
    return Fraction(whole if scaled >= 0 else -whole, 10**places)


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from start to end; a month counts once its day of the month is reached."""
    if end < start:
        return -months_between(end, start)
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return months


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


class _Run:
    """One evaluation: values are computed on first use and remembered."""

    def __init__(self, model: Model, facts: Mapping[str, Any]) -> None:
        self.model = model
        self.facts = {info.name: self._fact(info, facts.get(info.name)) for info in model.inputs}
        self.infos: dict[str, CriterionInfo] = {c.name: c for c in model.criteria + model.deductions + model.bonuses}
        self.memo: dict[tuple[str, str], Value] = {}
        self.total: Fraction | None = None  # known once the criteria are scored
        self.visited: set[int] | None = None  # ids of evaluated nodes, when rule coverage is measured

    # -- facts
    def _fact(self, info: Any, value: Any) -> Value:
        kind = info.type.kind
        if value is None or (isinstance(value, str) and not value.strip()):
            value = info.default
            given = False
        else:
            given = True
        if kind in ("integer", "decimal", "percent"):
            if isinstance(value, str):
                value = Fraction(value.strip().rstrip("%"))
            number = Fraction(value)
            return number / 100 if kind == "percent" and given else number  # a default is a fraction already
        if kind == "level":
            return info.type.members.index(value.strip())
        if kind == "enum":
            return value.strip()
        if kind == "date" and isinstance(value, str):
            return datetime.date.fromisoformat(value.strip())
        return value

    # -- named values
    def _memo(self, key: tuple[str, str], compute: Callable[[], Value]) -> Value:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def let(self, name: str) -> Value:
        return self._memo(("let", name), lambda: self.expr(self.model.lets[name].value))

    def applies(self, name: str) -> bool:
        rule = self.infos[name].applicable
        return bool(self._memo(("applicable", name), lambda: rule is None or self.expr(rule.condition) is True))

    def points(self, name: str) -> Fraction:
        value = self._memo(("points", name), lambda: self._points(self.infos[name]))
        assert isinstance(value, Fraction)
        return value

    def _points(self, c: CriterionInfo) -> Fraction:
        assert c.maximum is not None, f"{c.name} has no points"
        maximum = _fraction(c.maximum)
        if c.kind == "group":
            value = sum(
                (self.points(child) for child in c.children if self.infos[child].maximum is not None), Fraction(0)
            )
        elif not self.applies(c.name):
            assert c.applicable is not None
            value = maximum if c.applicable.mode == "full" else Fraction(0)
        else:
            assert c.points is not None
            value = self.expr(c.points)
        if not isinstance(value, Fraction) or not 0 <= value <= maximum:
            raise BrokenPromise(f"the points of {c.name} are {value}, outside 0..{maximum}")
        return value

    def level(self, name: str) -> int | None:
        c = self.infos[name]
        assert c.level is not None, f"{name} has no level rule"
        rule = c.level
        value = self._memo(("level", name), lambda: self.expr(rule) if self.applies(name) else None)
        return None if value is None else int(value)

    # -- expressions
    def expr(self, node: n.Expr) -> Value:
        if self.visited is not None:
            self.visited.add(id(node))
        method: Callable[[Any], Value] = getattr(self, "_" + type(node).__name__.lower())
        return method(node)

    def _number(self, node: n.Number) -> Value:
        return _fraction(node.value)

    def _dateliteral(self, node: n.DateLiteral) -> Value:
        return node.value

    def _booleanliteral(self, node: n.BooleanLiteral) -> Value:
        return node.value

    def _name(self, node: n.Name) -> Value:
        r = self.model.resolutions[id(node)]
        if r.kind == "input":
            return self.facts[str(r.target)]
        if r.kind == "let":
            return self.let(str(r.target))
        if r.kind == "points":
            return self.points(str(r.target))
        if r.kind == "total":
            assert self.total is not None, "`total` used before the criteria are scored"
            return self.total
        if r.kind == "member":
            assert r.type is not None
            return r.index if r.type.kind == "level" else r.target
        raise AssertionError(f"cannot evaluate the name {node.name} ({r.kind})")

    def _unary(self, node: n.Unary) -> Value:
        value = self.expr(node.operand)
        return (value is not True) if node.op == "not" else -value

    def _binary(self, node: n.Binary) -> Value:
        if node.op == "and":
            return self.expr(node.left) is True and self.expr(node.right) is True
        if node.op == "or":
            return self.expr(node.left) is True or self.expr(node.right) is True
        left, right = self.expr(node.left), self.expr(node.right)
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "*":
            return left * right
        if right == 0:
            raise BrokenPromise(f"division by zero at line {node.span.line}")
        return Fraction(left) / right

    def _is_level(self, node: n.Expr) -> bool:
        t = self.model.types.get(id(node))
        return t is not None and t.kind == "level"

    def _compare(self, node: n.Compare) -> Value:
        left, right = self.expr(node.left), self.expr(node.right)
        if self._is_level(node.left) or self._is_level(node.right):
            # a criterion that does not apply has no level: every comparison with it is false, `==` and `!=` too
            if left is None or right is None:
                return False
            # index 0 is the best level: "at least as good" is "an index no larger"
            return _ORDER[node.op](-left, -right)
        return _ORDER[node.op](left, right)

    def _if(self, node: n.If) -> Value:
        return self.expr(node.then) if self.expr(node.condition) is True else self.expr(node.otherwise)

    def _call(self, node: n.Call) -> Value:
        fn, args = node.function, node.args
        if fn == "min":
            return min(self.expr(a) for a in args)
        if fn == "max":
            return max(self.expr(a) for a in args)
        if fn == "clamp":
            x, low, high = (self.expr(a) for a in args)
            return min(max(x, low), high)
        if fn == "round":
            assert isinstance(args[1], n.Number)
            return round_half_away(Fraction(self.expr(args[0])), int(args[1].value))
        if fn == "count":
            return Fraction(sum(1 for a in args if self.expr(a) is True))
        if fn == "days_between":
            start, end = self.expr(args[0]), self.expr(args[1])
            return Fraction((end - start).days)
        if fn == "months_between":
            return Fraction(months_between(self.expr(args[0]), self.expr(args[1])))
        names = [a.name for a in args if isinstance(a, n.Name)]
        if fn == "worst_level":
            if not names:
                names = [c.name for c in self.model.criteria if c.level is not None]
            present = [lv for lv in (self.level(x) for x in names) if lv is not None]
            return max(present) if present else None  # the worst is the largest index
        if fn == "level":
            return self.level(names[0])
        if fn == "full":
            maximum = self.infos[names[0]].maximum
            assert maximum is not None
            return self.points(names[0]) == _fraction(maximum)
        if fn == "applicable":
            return self.applies(names[0])
        raise AssertionError(f"unknown function {fn}")

    def _bands(self, node: n.Bands) -> Value:
        subject = self.expr(node.subject)
        for band in node.bands:
            threshold = _literal(band.threshold)
            if (
                subject >= threshold
                if band.direction == "from"
                else subject > threshold
                if band.direction == "above"
                else subject <= threshold
            ):
                return self.expr(band.result)
        if node.otherwise is not None:
            return self.expr(node.otherwise)
        raise BrokenPromise(f"no band takes {subject} (line {node.span.line})")

    def _match(self, node: n.Match) -> Value:
        subject = self.expr(node.subject)
        for arm in node.arms:
            for pattern in arm.patterns:
                value = self.expr(pattern) if isinstance(pattern, n.Name) else pattern.value
                if subject == value:
                    return self.expr(arm.result)
        if node.otherwise is not None:
            return self.expr(node.otherwise)
        if subject is None:  # worst_level() of criteria none of which applies: the last row (§7)
            return self.expr(node.arms[-1].result)
        raise BrokenPromise(f"no row matches {subject} (line {node.span.line})")

    def _table(self, node: n.Table) -> Value:
        values = [self.expr(c) for c in node.columns]
        hits = [
            row
            for row in node.rows
            if all(self._cell(cell, v, col) for cell, v, col in zip(row.cells, values, node.columns))
        ]
        if node.hit_policy == "unique" and len(hits) > 1:
            raise BrokenPromise(f"two rows of a unique table match {values} (line {node.span.line})")
        if hits:
            return self.expr(hits[0].result)
        if node.otherwise is not None:
            return self.expr(node.otherwise)
        if any(v is None for v in values):  # a level that does not exist: the last row, like `match`
            return self.expr(node.rows[-1].result)
        raise BrokenPromise(f"no row of the table matches {values} (line {node.span.line})")

    def _cell(self, cell: n.Cell, value: Value, column: n.Expr) -> bool:
        if isinstance(cell, n.AnyCell):
            return True
        if isinstance(cell, n.MemberCell):
            column_type = self.model.types[id(column)]
            wanted = [column_type.members.index(m) if column_type.kind == "level" else m for m in cell.members]
            return value in wanted
        if value is None:
            return False
        if isinstance(cell, n.EqualCell):
            return bool(value == _literal(cell.value))
        return all(_ORDER[op](value, _literal(lit)) for op, lit in cell.tests)

    # -- the score, §11 steps 3 to 9
    def trace(self) -> Trace:
        model = self.model
        everything = model.criteria + model.deductions + model.bonuses
        # step 3: every value, whether or not something uses it
        for name in model.lets:
            self.let(name)
        for c in everything:
            self.applies(c.name)
            if c.maximum is not None:
                self.points(c.name)
            if c.level is not None:
                self.level(c.name)
        criteria = self._criteria_points()  # step 4
        # step 5: deductions and bonuses, each capped
        deducted = self._adjustments(model.deductions, model.deductions_cap)
        added = self._adjustments(model.bonuses, model.bonuses_cap)
        self.total = total = criteria - deducted + added
        band = self._band(total)  # step 6
        grades = model.grades
        # step 7: requirements, every one evaluated
        held = [[self.expr(r.condition) is True for r in g.requirements] for g in grades]
        grade = band
        while not all(held[grade]):
            fallback = grades[grade].fallback
            lower = fallback if fallback is not None else grade + 1
            if not grade < lower < len(grades):
                raise BrokenPromise(f"grade {grades[grade].name} falls back to grade number {lower}")
            grade = lower
        # step 8: knock-outs: the worst forced grade, then caps
        fired = [rule for rule in model.knockouts if self.expr(rule.condition) is True]
        forced = [rule.grade for rule in fired if rule.action == "force" and rule.grade is not None]
        if forced:
            grade = max(forced)
        for rule in fired:
            if rule.action == "cap" and rule.grade is not None:
                grade = max(grade, rule.grade)
        # step 9: not graded
        exempt = [rule.name for rule in model.exemptions if self.expr(rule.condition) is True]
        points = {c.name: self.points(c.name) for c in everything if c.maximum is not None}
        levels: dict[str, str | None] = {}
        for c in model.criteria:
            if c.level is not None:
                index = self.level(c.name)
                assert c.level_type is not None
                levels[c.name] = None if index is None else c.level_type.members[index]
        return Trace(
            total=total,
            grade=None if exempt else grades[grade].name,
            points=points,
            levels=levels,
            applicable={c.name: self.applies(c.name) for c in everything},
            criteria_points=criteria,
            deducted=deducted,
            added=added,
            band_grade=grades[band].name,
            requirements=tuple((g.name, r.label, h) for g, hs in zip(grades, held) for r, h in zip(g.requirements, hs)),
            knockouts=tuple(rule.name for rule in fired),
            not_graded=exempt[0] if exempt else None,
        )

    def _criteria_points(self) -> Fraction:
        """Step 4: the points of the top-level criteria, rescaled when criteria were left out."""
        model = self.model
        criteria = sum(
            (self.points(c.name) for c in model.criteria if c.parent is None and c.maximum is not None), Fraction(0)
        )
        left_out = sum(
            (
                _fraction(c.maximum)
                for c in model.criteria
                if c.applicable is not None
                and c.applicable.mode == "rescale"
                and not self.applies(c.name)
                and c.maximum is not None
            ),
            Fraction(0),
        )
        if left_out and model.criteria_maximum is not None:
            maximum = _fraction(model.criteria_maximum)
            if left_out == maximum:
                return Fraction(0)
            return round_half_away(criteria * maximum / (maximum - left_out), model.rescale_places or 0)
        return criteria

    def _band(self, total: Fraction) -> int:
        """Step 6: the grade whose band holds the total (the first when no grade has a band)."""
        grades = self.model.grades
        if all(g.low is None and g.high is None for g in grades):
            return 0
        inside = [
            i
            for i, g in enumerate(grades)
            if (g.low is None or total >= _fraction(g.low)) and (g.high is None or total < _fraction(g.high))
        ]
        if len(inside) != 1:
            raise BrokenPromise(f"the total {total} lies in {len(inside)} grade bands")
        return inside[0]

    def _adjustments(self, infos: tuple[CriterionInfo, ...], cap: Decimal | None) -> Fraction:
        amount = sum((self.points(c.name) for c in infos), Fraction(0))
        return min(amount, _fraction(cap)) if cap is not None else Fraction(0)
