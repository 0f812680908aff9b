"""Hierarchies: grading organisations bottom-up, parents reading aggregates of their children.

Organisations form a tree (members → cells → grassroots organisations → superior committees;
docs/batch.md "Hierarchies"). A criteria file may declare an input as an aggregate of the
organisation's children (``input subunits "...": integer 1..5000 from count of children;``,
docs/language.md §16). Alone, the ruleset takes such an input as an ordinary fact of the
declared type, so every other API keeps working. When a hierarchy is graded (:class:`Hierarchy`)
the children are graded first, the quotas of their level applied, and then each parent's
aggregate inputs are computed from its children's facts and results and merged into its facts.

What a child offers lives in another file, so checking is split: :func:`check` (called by the
checker) checks the form within one file; :class:`Hierarchy` resolves the names against the
children's ruleset when the levels are assembled.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from partyrules import nodes as n
from partyrules.diagnostics import Diagnostic, PartyrulesError, did_you_mean
from partyrules.model import Model
from partyrules.printer import expr_text
from partyrules.runtime import Evaluation, FactProblem, FactsError, InputSpec, Ruleset

__all__ = ["GradedRow", "Hierarchy", "HierarchyError", "aggregate_text", "aggregates_of", "check"]

#: The input kinds each aggregate function can fill.
KINDS = {
    "count": ("integer",),
    "share": ("percent",),
    "any": ("boolean",),
    "all": ("boolean",),
    "sum": ("integer", "decimal", "percent"),
    "min": ("integer", "decimal", "percent"),
    "max": ("integer", "decimal", "percent"),
}
#: Places a share is rounded to (half up, in percent units) when its input declares none.
SHARE_PLACES = 2


class HierarchyError(PartyrulesError, ValueError):
    """Levels that do not fit together: an aggregate naming what the level below does not offer."""


def aggregate_text(a: n.Aggregate) -> str:
    """The aggregate as written in canonical layout (after ``from``)."""
    where = f" where {expr_text(a.condition)}" if a.condition is not None else ""
    if a.value is not None:
        return f"{a.function} of {a.value.name} over children{where}"
    return f"{a.function} of children{where}"


# ---------------------------------------------------------------- one file: the form


def check(model: Model, problems: list[Diagnostic]) -> None:
    """The form of the file's aggregate inputs: a type the function can fill, a filter where one is needed."""
    for decl in model.file.declarations:
        if not isinstance(decl, n.Input) or decl.aggregate is None:
            continue
        a = decl.aggregate
        span = a.span if a.span.line else decl.span
        file = span.file or model.filename
        if decl.type.kind not in KINDS[a.function]:
            wanted = " or ".join(f"`{k}`" for k in KINDS[a.function])
            message = f"`{decl.name}` is a {a.function} of children: its type must be {wanted}, not `{decl.type.kind}`"
            problems.append(Diagnostic("PR260", message, file, span, f"declare it as {wanted}"))


def aggregates_of(ruleset: Ruleset) -> tuple[tuple[InputSpec, n.Aggregate], ...]:
    """The ruleset's aggregate inputs, in declaration order."""
    model = ruleset.model
    if model is None:
        return ()
    specs = {s.name: s for s in ruleset.inputs}
    return tuple(
        (specs[d.name], d.aggregate)
        for d in model.file.declarations
        if isinstance(d, n.Input) and d.aggregate is not None and d.name in specs
    )


# ---------------------------------------------------------------- between levels: a child's names

_Get = Callable[[Evaluation], Any]
_ORDER = {">=": operator.le, ">": operator.lt, "<=": operator.ge, "<": operator.gt}  # on indexes, best first
_NUMERIC = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


@attrs.frozen
class _Value:
    get: _Get
    kind: str  # number boolean grade level enum date
    members: tuple[str, ...] = ()  # grade and level: best first


class _ChildScope:
    """Compiles an expression over one child's evaluation; raises ValueError naming what is not offered."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self.inputs = {s.name: s for s in ruleset.inputs}

    def name(self, name: n.Name) -> _Value:
        if name.name == "total":
            return _Value(lambda e: e.total, "number")
        if name.name == "grade":
            return _Value(lambda e: e.grade, "grade", tuple(g.id for g in self.ruleset.grades))
        spec = self.inputs.get(name.name)
        if spec is None:
            known = ["total", "grade", *self.inputs]
            hint = did_you_mean(name.name, known) or "a child offers `total`, `grade` and its inputs"
            raise ValueError(f"the children's ruleset {self.ruleset.id} has no `{name.name}` ({hint})")
        key = spec.name
        if spec.kind == "percent":  # facts hold percent units; the language's 90% is 0.9
            return _Value(lambda e: e.facts[key] / 100, "number")
        if spec.kind in ("integer", "decimal"):
            return _Value(lambda e: e.facts[key], "number")
        if spec.kind in ("level", "enum"):
            return _Value(lambda e: e.facts[key], spec.kind, spec.members)
        return _Value(lambda e: e.facts[key], spec.kind)

    def expr(self, e: n.Expr) -> _Value:
        if isinstance(e, n.Number):
            value = e.value
            return _Value(lambda _: value, "number")
        if isinstance(e, n.BooleanLiteral):
            flag = e.value
            return _Value(lambda _: flag, "boolean")
        if isinstance(e, n.Name):
            return self.name(e)
        if isinstance(e, n.Unary):
            inner = self.expr(e.operand)
            if e.op == "not":
                return _Value(lambda x: not inner.get(x), "boolean")
            return _Value(lambda x: -inner.get(x), "number")
        if isinstance(e, n.Binary):
            left, right = self.expr(e.left), self.expr(e.right)
            lg, rg = left.get, right.get
            if e.op == "and":
                return _Value(lambda x: bool(lg(x)) and bool(rg(x)), "boolean")
            if e.op == "or":
                return _Value(lambda x: bool(lg(x)) or bool(rg(x)), "boolean")
            arithmetic = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}[e.op]
            return _Value(lambda x: arithmetic(Decimal(lg(x)), Decimal(rg(x))), "number")
        if isinstance(e, n.Compare):
            return self.compare(e)
        raise ValueError(f"`{expr_text(e)}` cannot be read from a child (comparisons, and, or, not, + - * /)")

    def compare(self, e: n.Compare) -> _Value:
        for subject_node, other_node, flipped in ((e.left, e.right, False), (e.right, e.left, True)):
            if isinstance(other_node, n.Name) and not isinstance(subject_node, n.Number):
                subject = self.expr(subject_node)
                if subject.kind in ("grade", "level", "enum") and other_node.name in subject.members + _enum(subject):
                    return self._member_compare(e.op, subject, other_node.name, flipped)
        left, right = self.expr(e.left), self.expr(e.right)
        lg, rg = left.get, right.get
        if e.op in ("==", "!="):
            equal = e.op == "=="
            return _Value(lambda x: (lg(x) == rg(x)) == equal, "boolean")
        test = _NUMERIC[e.op]
        return _Value(lambda x: test(lg(x), rg(x)), "boolean")

    def _member_compare(self, op: str, subject: _Value, member: str, flipped: bool) -> _Value:
        get = subject.get
        if op in ("==", "!="):
            equal = op == "=="
            return _Value(lambda x: (get(x) == member) == equal, "boolean")
        if subject.kind == "enum":
            raise ValueError(f"`{member}` is one of a list without an order: compare it with == or !=")
        if flipped:  # `httnv <= grade` is `grade >= httnv`
            op = {">=": "<=", "<=": ">=", ">": "<", "<": ">"}[op]
        order = {m: i for i, m in enumerate(subject.members)}
        target = order[member]
        test = _ORDER[op]
        # a child not graded has no grade: it meets no order comparison
        return _Value(lambda x: (v := get(x)) is not None and test(order[v], target), "boolean")


def _enum(value: _Value) -> tuple[str, ...]:
    return value.members if value.kind == "enum" else ()


@attrs.frozen
class _Rule:
    """An aggregate input compiled against one child level."""

    spec: InputSpec
    function: str
    value: _Get | None
    condition: _Get | None


def _compile(parent: Ruleset, child: Ruleset) -> tuple[tuple[_Rule, ...], list[str]]:
    scope = _ChildScope(child)
    rules: list[_Rule] = []
    problems: list[str] = []
    for spec, a in aggregates_of(parent):
        try:
            value = None
            if a.value is not None:
                v = scope.name(a.value)
                if v.kind != "number":
                    raise ValueError(f"a {a.function} needs a number: `{a.value.name}` of a child is {v.kind}")
                value = v.get
            condition = scope.expr(a.condition).get if a.condition is not None else None
            rules.append(_Rule(spec, a.function, value, condition))
        except ValueError as exc:
            problems.append(f"`{spec.name}` of {parent.id}: {exc}")
    return (() if problems else tuple(rules)), problems


# ---------------------------------------------------------------- grading a hierarchy


@attrs.frozen
class GradedRow:
    """One row of a hierarchy once graded: its evaluation (quotas applied), or the problems that stopped it."""

    number: int
    id: str | None
    parent: str | None
    level: str | None
    evaluation: Evaluation | None = None
    demotions: tuple[Any, ...] = ()  # partyrules.quota.Demotion
    problems: tuple[str, ...] = ()

    @property
    def graded(self) -> bool:
        return self.evaluation is not None


class _State:
    """Running aggregates of one parent: children seen, and per rule the children matched and the value."""

    __slots__ = ("accumulated", "children", "matched", "rejected")

    def __init__(self) -> None:
        self.children = 0
        self.matched: list[int] = []
        self.accumulated: list[Any] = []
        self.rejected: list[str] = []

    def add(self, rules: tuple[_Rule, ...], e: Evaluation) -> None:
        self.children += 1
        if len(self.matched) < len(rules):
            self.matched += [0] * (len(rules) - len(self.matched))
            self.accumulated += [None] * (len(rules) - len(self.accumulated))
        for k, rule in enumerate(rules):
            if rule.condition is not None and not rule.condition(e):
                continue
            self.matched[k] += 1
            if rule.value is None:
                continue
            value = rule.value(e)
            old = self.accumulated[k]
            if rule.function == "sum":
                self.accumulated[k] = value if old is None else old + value
            elif old is None or (value < old if rule.function == "min" else value > old):
                self.accumulated[k] = value


class Hierarchy:
    """Levels from the top down, each with its ruleset: ``Hierarchy([("grassroots", a), ("cell", b)])``.

    A row's level is its ``level_key`` column, or with ``by_depth`` its depth (a row without a
    parent is at the first level). A row's parent must stand at a level above its own. Raises
    :class:`HierarchyError` when a level's aggregates name what the level just below does not offer.
    """

    def __init__(
        self,
        levels: Sequence[tuple[str, Ruleset]],
        *,
        by_depth: bool = False,
        id_key: str = "id",
        parent_key: str = "parent",
        level_key: str = "level",
    ) -> None:
        if not levels:
            raise HierarchyError("a hierarchy needs at least one level")
        names = [name for name, _ in levels]
        if len(set(names)) != len(names):
            raise HierarchyError(f"a level is named twice: {', '.join(names)}")
        self.names = tuple(names)
        self.rulesets = tuple(r for _, r in levels)
        self.by_depth = by_depth
        self.keys = (id_key, parent_key, level_key)
        self._rules: dict[tuple[int, int], tuple[tuple[_Rule, ...], list[str]]] = {}
        self._where: dict[str, int] = {}
        self._levels: list[int | None] = []
        problems = [p for i in range(len(levels) - 1) for p in self._pair(i, i + 1)[1]]
        if problems:
            raise HierarchyError("the levels do not fit together:\n  " + "\n  ".join(problems))

    def _pair(self, parent: int, child: int) -> tuple[tuple[_Rule, ...], list[str]]:
        key = (parent, child)
        if key not in self._rules:
            self._rules[key] = _compile(self.rulesets[parent], self.rulesets[child])
        return self._rules[key]

    def grade(self, rows: Iterable[Mapping[str, Any]], *, start: int = 1) -> tuple[GradedRow, ...]:
        """Grade every row, children before parents; one :class:`GradedRow` per row, in input order.

        A row that cannot be graded carries its problems and the others go on: no id or a
        repeated one, a level without a ruleset, a parent not among the rows, a cycle, a parent
        not above it, facts the ruleset refuses, a given aggregate that disagrees with its
        children, and a parent with aggregates one of whose children was not graded.
        """
        id_key, parent_key, level_key = self.keys
        ids: list[str | None] = []
        parents: list[str | None] = []
        levels: list[int | None] = []
        facts: list[dict[str, Any] | None] = []
        problems: list[list[str]] = []
        where: dict[str, int] = {}
        for row in rows:
            i = len(ids)
            mine: list[str] = []
            raw_id, raw_parent = row.get(id_key), row.get(parent_key, _ABSENT)
            rid = None if raw_id is None or str(raw_id).strip() == "" else str(raw_id).strip()
            if rid is None:
                mine.append(f"it has no `{id_key}`")
            elif rid in where:
                mine.append(f"its id {rid} is also row {where[rid] + start}")
            else:
                where[rid] = i
            if raw_parent is _ABSENT:
                mine.append(f"it has no `{parent_key}` column (leave it empty for the top of the tree)")
            parent = None if raw_parent in (_ABSENT, None) or str(raw_parent).strip() == "" else str(raw_parent).strip()
            level: int | None = None
            if not self.by_depth:
                name = str(row.get(level_key) or "").strip()
                if name in self.names:
                    level = self.names.index(name)
                else:
                    mine.append(f"its level `{name}` has no ruleset (levels: {', '.join(self.names)})")
            ids.append(rid)
            parents.append(parent)
            levels.append(level)
            facts.append({k: v for k, v in row.items() if k not in self.keys})
            problems.append(mine)
        self._check_tree(ids, parents, levels, problems, where)
        self._where, self._levels = where, levels
        evaluations: list[Evaluation | None] = [None] * len(ids)
        demotions: list[tuple[Any, ...]] = [()] * len(ids)
        states: dict[int, _State] = {}
        for i, lv in enumerate(levels):  # rows placed at no level never get graded: their parents must know
            up = where.get(parents[i] or "")
            if lv is None and up is not None:
                self._feed(up, 0, None, str(ids[i] or f"row {i + start}"), states)
        for level in reversed(range(len(self.names))):
            members = [i for i, lv in enumerate(levels) if lv == level]
            self._grade_level(level, members, ids, parents, levels, facts, problems, states, evaluations, demotions)
            for i in members:
                facts[i] = None  # graded: only the running aggregates of its parent are kept
        return tuple(
            GradedRow(
                i + start,
                ids[i],
                parents[i],
                self.names[lv] if lv is not None else None,
                evaluations[i] if not problems[i] else None,
                demotions[i],
                tuple(problems[i]),
            )
            for i, lv in enumerate(levels)
        )

    def _check_tree(
        self,
        ids: list[str | None],
        parents: list[str | None],
        levels: list[int | None],
        problems: list[list[str]],
        where: dict[str, int],
    ) -> None:
        depth: dict[int, int | None] = {}  # None: no way to the top (dangling parent or cycle)
        for start in range(len(ids)):
            path: list[int] = []
            on_path: dict[int, int] = {}
            i: int | None = start
            while i is not None and i not in depth:
                if i in on_path:  # a cycle: every row on it is its own ancestor
                    cycle = path[on_path[i] :]
                    first = min(range(len(cycle)), key=lambda k: str(ids[cycle[k]]))  # named the same in any row order
                    cycle = cycle[first:] + cycle[:first]
                    i = cycle[0]
                    text = " → ".join(str(ids[j]) for j in [*cycle, i])
                    for j in cycle:
                        problems[j].append(f"it is its own ancestor: {text}")
                        depth[j] = None
                    break
                on_path[i] = len(path)
                path.append(i)
                parent = parents[i]
                if parent is None:
                    depth[i] = 0
                    break
                if parent not in where:
                    problems[i].append(f"its parent {parent} is not among the rows")
                    depth[i] = None
                    break
                i = where[parent]
            result = depth.get(i) if i is not None else None  # where the walk stopped: a row already placed
            for j in reversed(path):
                if j in depth:
                    result = depth[j]
                    continue
                result = None if result is None else result + 1
                depth[j] = result
        for i, parent in enumerate(parents):
            if self.by_depth:
                d = depth.get(i)
                if d is not None and d < len(self.names):
                    levels[i] = d
                elif d is not None:
                    problems[i].append(f"it stands at depth {d + 1}, below the last level ({self.names[-1]})")
                elif not problems[i]:
                    problems[i].append("its chain of parents does not reach the top of the tree")
            elif parent is not None and parent in where and levels[i] is not None:
                plevel = levels[where[parent]]
                if plevel is not None and plevel >= levels[i]:  # type: ignore[operator]
                    problems[i].append(
                        f"its parent {parent} is of level {self.names[plevel]}, "
                        f"not above {self.names[levels[i]]}"  # type: ignore[index]
                    )

    def _grade_level(
        self,
        level: int,
        members: list[int],
        ids: list[str | None],
        parents: list[str | None],
        levels: list[int | None],
        facts: list[dict[str, Any] | None],
        problems: list[list[str]],
        states: dict[int, _State],
        evaluations: list[Evaluation | None],
        demotions: list[tuple[Any, ...]],
    ) -> None:
        ruleset = self.rulesets[level]
        aggregates = aggregates_of(ruleset)
        inputs = {s.name for s in ruleset.inputs}
        graded: list[int] = []
        for i in members:
            row_facts = facts[i]
            if problems[i] or row_facts is None:
                continue
            if aggregates:
                state = states.pop(i, None)
                computed = self._computed(level, aggregates, state, problems[i])
                if problems[i]:
                    continue
                for spec, _ in aggregates:
                    given = row_facts.get(spec.name)
                    if given is not None and given != "" and not _same(spec, given, computed[spec.name]):
                        problems[i].append(
                            f"it gives {spec.name} = {given}, but its children make {_shown(spec, computed[spec.name])}"
                        )
                row_facts.update(computed)
                if problems[i]:
                    continue
            # the row holds every level's columns: give the ruleset its own inputs, an empty cell as not given
            given = {k: row_facts[k] for k in inputs if k in row_facts and row_facts[k] not in (None, "")}
            try:
                evaluations[i] = ruleset.evaluate(given)
                graded.append(i)
            except FactsError as exc:
                problems[i].extend(f"{p.input}: {p.message}" for p in exc.problems)
        if ruleset.quotas and graded:
            from partyrules.quota import QuotaError

            batch = []
            for i in graded:
                columns = {k: v for k, v in (facts[i] or {}).items() if k not in inputs}
                batch.append((ids[i], evaluations[i], columns))
            try:
                for i, placement in zip(graded, ruleset.apply_quotas(batch)):
                    evaluations[i] = placement.evaluation
                    demotions[i] = placement.demotions
            except QuotaError as exc:
                for i in graded:
                    problems[i].append(f"the quotas of level {self.names[level]} cannot apply: {exc}")
        for i in members:
            parent = self._where.get(parents[i] or "")
            if parent is None:
                continue
            rejected = str(ids[i] or f"row {i + 1}") if problems[i] else None
            self._feed(parent, level, evaluations[i], rejected, states)

    def _feed(self, parent: int, level: int, child: Evaluation | None, rejected: str | None, states: dict[int, _State]) -> None:
        """Add one child to its parent's running aggregates (rules compiled for the pair of levels)."""
        state = states.get(parent)
        if state is None:
            state = states[parent] = _State()
        if rejected is not None:
            state.rejected.append(rejected)
            return
        assert child is not None and self._levels[parent] is not None
        rules, errors = self._pair(self._levels[parent], level)  # type: ignore[arg-type]
        if errors:
            state.rejected.append(f"(level {self.names[level]}: {'; '.join(errors)})")
            return
        state.add(rules, child)

    def _computed(
        self, level: int, aggregates: tuple[tuple[InputSpec, n.Aggregate], ...], state: _State | None, mine: list[str]
    ) -> dict[str, Any]:
        if state is not None and state.rejected:
            state.rejected.sort()  # named the same in any row order
            shown = ", ".join(state.rejected[:3]) + (f" and {len(state.rejected) - 3} more" if len(state.rejected) > 3 else "")
            names = ", ".join(spec.name for spec, _ in aggregates)
            mine.append(f"its children {shown} were not graded: {names} unknown")
            return {}
        state = state or _State()
        values: dict[str, Any] = {}
        for k, (spec, a) in enumerate(aggregates):
            matched = state.matched[k] if k < len(state.matched) else 0
            accumulated = state.accumulated[k] if k < len(state.accumulated) else None
            f = a.function
            if f == "count":
                values[spec.name] = matched
            elif f == "any":
                values[spec.name] = matched > 0
            elif f == "all":
                values[spec.name] = matched == state.children
            elif f == "share":
                if not state.children:
                    mine.append(f"{spec.name}: it has no children to take a share of")
                    continue
                places = spec.places if spec.places is not None else SHARE_PLACES
                share = Decimal(100 * matched) / Decimal(state.children)
                values[spec.name] = share.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP).normalize()
            elif f == "sum":
                values[spec.name] = _to_input(spec, accumulated if accumulated is not None else 0)
            elif accumulated is None:
                mine.append(f"{spec.name}: it has no children to take the {'least' if f == 'min' else 'greatest'} of")
            else:
                values[spec.name] = _to_input(spec, accumulated)
        return values


_ABSENT = object()


def _to_input(spec: InputSpec, value: Any) -> Any:
    """A computed number as the parent's input takes it: percents in percent units."""
    if spec.kind == "percent":
        return (Decimal(value) * 100).normalize()
    if spec.kind == "integer" and isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


def _same(spec: InputSpec, given: Any, computed: Any) -> bool:
    from partyrules import runtime

    problems: list[FactProblem] = []
    if spec.kind == "boolean":
        value = runtime.coerce_boolean(spec.name, given, problems)
    elif spec.kind == "integer":
        value = runtime.coerce_integer(spec.name, given, None, None, problems)
    elif spec.kind == "percent":
        value = runtime.coerce_percent(spec.name, given, None, None, None, problems)
    else:
        value = runtime.coerce_decimal(spec.name, given, None, None, None, problems)
    return not problems and bool(value == computed)


def _shown(spec: InputSpec, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value}%" if spec.kind == "percent" else str(value)
