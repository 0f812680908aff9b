"""Checking: the syntax tree to a resolved, typed, bounded :class:`~partyrules.model.Model`.

The checker finds every problem it can in one pass and reports them all:
unknown and duplicate names, type errors, maxima that do not add up,
formulas that can leave ``[0, max]`` given the declared input ranges
(interval reasoning), bands, matches and tables that miss cases or overlap,
grade bands with gaps or overlaps, and grades that nothing can reach.
"""

from __future__ import annotations

import datetime
import itertools
import math
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from partyrules import nodes as n
from partyrules.diagnostics import CriteriaError, Diagnostic, Source, did_you_mean
from partyrules.model import CriterionInfo, GradeInfo, InputInfo, Model, Resolution, RuleInfo, ValueKey
from partyrules.nodes import BUILTINS, RESERVED, RULESET_ID, walk
from partyrules.types import (
    BOOLEAN,
    DATE,
    DECIMAL,
    INTEGER,
    PERCENT,
    RATIO,
    Interval,
    Type,
    format_fraction,
    multiply_type,
    unify_numeric,
)

#: Numeric facts without a declared range are refused beyond this magnitude.
FACT_MAGNITUDE = Decimal(10) ** 15
MAX_TABLE_REGIONS = 200_000


@attrs.define
class Info:
    """What the checker knows of an expression."""

    type: Type | None
    interval: Interval | None = None
    truth: bool | None = None


UNKNOWN = Info(None)


@attrs.frozen
class Scope:
    where: str  # constraint let points level applicable grade knockout
    narrow: Mapping[str, Interval] = attrs.field(factory=dict)


@attrs.define
class Symbol:
    kind: str  # input let points
    type: Type | None
    span: n.Span
    info: Info | None = None


def check(
    tree: n.RulesetFile, filename: str = "<string>", source: str | None = None, sources: Iterable[Source] = ()
) -> Model:
    """Check a parsed (and linked) file; raise :class:`CriteriaError` listing every problem.

    ``sources`` are the texts of the files a linked tree was made of, so that
    diagnostics in a base can quote their line.
    """
    checker = Checker(tree, filename)
    model = checker.run()
    errors = [d for d in checker.problems if d.severity == "error"]
    if errors or model is None:
        texts = [*([Source(filename, source)] if source is not None else []), *sources]
        raise CriteriaError(sorted(errors, key=lambda d: _position(d, filename)), texts)
    return model


def _position(d: Diagnostic, filename: str = "") -> tuple[bool, str, int, int, str]:
    # the file being checked first, then its bases
    return (d.file != filename, d.file, d.span.line, d.span.column, d.code)


def _show(value: Fraction | Decimal | None, percent: bool = False) -> str:
    if value is None:
        return "no limit"
    fraction = Fraction(value)
    if percent:
        return format_fraction(fraction * 100) + "%"
    return format_fraction(fraction)


class Checker:
    def __init__(self, tree: n.RulesetFile, filename: str) -> None:
        self.tree = tree
        self.filename = filename
        self.problems: list[Diagnostic] = []
        self.symbols: dict[str, Symbol] = {}
        self.levels: dict[str, Type] = {}
        self.members: dict[str, list[Type]] = {}
        self.types: dict[int, Type] = {}
        self.resolutions: dict[int, Resolution] = {}
        self.criteria: dict[str, n.Criterion | n.Adjustment] = {}
        self.level_types: dict[str, Type] = {}
        self.intervals: dict[str, Interval] = {}
        self.total = Interval(Fraction(0), Fraction(0))
        self.grade_names: dict[str, int] = {}
        self.truths: dict[int, bool | None] = {}
        self.rule_names: dict[str, n.Span] = {}
        self.total_type = DECIMAL
        self.library = False

    # ------------------------------------------------------------ reporting
    def error(self, code: str, message: str, span: n.Span, hint: str | None = None) -> None:
        if span.line == 0:  # a whole-file problem: point at the start
            span = n.Span(1, 1, 1, 2, span.file)
        self.problems.append(Diagnostic(code, message, span.file or self.filename, span, hint))

    def warn(self, code: str, message: str, span: n.Span, hint: str | None = None) -> None:
        self.problems.append(Diagnostic(code, message, span.file or self.filename, span, hint, "warning"))

    # ------------------------------------------------------------ driver
    def run(self) -> Model | None:
        decls = self.tree.declarations
        header = self._header([d for d in decls if isinstance(d, n.Header)])
        self.library = header.kind == "library"
        for levels in (d for d in decls if isinstance(d, n.Levels)):
            self._declare_levels(levels)
        inputs = [self._declare_input(d) for d in decls if isinstance(d, n.Input)]
        lets = {d.name: d for d in decls if isinstance(d, n.Let)}
        for let in (d for d in decls if isinstance(d, n.Let)):
            self._declare(let.name, Symbol("let", None, let.span), let.span)

        trees = [d for d in decls if isinstance(d, n.CriteriaTree)]
        for extra in trees[1:]:
            self.error("PR201", "the file has two `criteria` blocks", extra.span, "put every criterion in one block")
        root = trees[0] if trees else None
        if root is None and header.kind != "library":
            self.error(
                "PR202", "the file declares no `criteria`", self.tree.span, 'add `criteria "..." max 100 { ... }`'
            )
        adjustments = [d for d in decls if isinstance(d, n.Adjustments)]
        deductions = [a for a in adjustments if a.kind == "deductions"]
        bonuses = [a for a in adjustments if a.kind == "bonuses"]
        for repeated in deductions[1:] + bonuses[1:]:
            self.error("PR201", f"the file has two `{repeated.kind}` blocks", repeated.span, "put them in one block")

        status = header.status or "illustrative"
        criteria: list[CriterionInfo] = []
        if root is not None:
            self._collect(root.children, None, "", status if root.status is None else root.status, criteria)
        deduction_infos: list[CriterionInfo] = []
        bonus_infos: list[CriterionInfo] = []
        for block, sink in ((deductions[:1], deduction_infos), (bonuses[:1], bonus_infos)):
            for adjustments_block in block:
                for i, adj in enumerate(adjustments_block.items, 1):
                    self._declare(adj.name, Symbol("points", DECIMAL, adj.span), adj.span)
                    self.criteria[adj.name] = adj
                    if adj.points is None:
                        self.error(
                            "PR206", f"{adj.kind} `{adj.name}` has no `points` rule", adj.span, "add `points = ...;`"
                        )
                    if adj.applicable is not None and adj.applicable.mode == "rescale":
                        self.error(
                            "PR216",
                            f"a {adj.kind} cannot be rescaled when it does not apply",
                            adj.applicable.span,
                            "write `else zero;`",
                        )
                    sink.append(
                        self._info(adj, f"{'T' if adj.kind == 'deduction' else 'C'}{i}", None, (), adj.status or status)
                    )

        for name, symbol in self.symbols.items():
            for scale in dict.fromkeys(self.members.get(name, [])):
                self.error(
                    "PR218",
                    f"`{name}` names both {'an input' if symbol.kind == 'input' else 'a named value or criterion'} "
                    f"and a value of `{scale.name}`",
                    symbol.span,
                    "rename one of them, so that every name means one thing",
                )
        order = self._order(lets, criteria + deduction_infos + bonus_infos)
        self._check_values(order, lets)
        criteria = [self._finish(c) for c in criteria]
        deduction_infos = [self._finish(c) for c in deduction_infos]
        bonus_infos = [self._finish(c) for c in bonus_infos]
        maximum = self._check_maxima(root, criteria) if root is not None else None
        rescale = self._check_rescale(root, criteria) if root is not None else None

        deductions_cap = self._adjustments_cap(deductions[:1], deduction_infos)
        bonuses_cap = self._adjustments_cap(bonuses[:1], bonus_infos)
        self.total = self._total_interval(root, criteria, deductions_cap, bonuses_cap, deduction_infos, bonus_infos)
        parts = [c for c in criteria if c.parent is None and c.maximum is not None] + deduction_infos + bonus_infos
        caps = [cap for cap in (deductions_cap, bonuses_cap) if cap is not None]
        whole = all(self.symbols.get(c.name) and self.symbols[c.name].type == INTEGER for c in parts) and all(
            cap == cap.to_integral_value() for cap in caps
        )
        rescaled = any(c.applicable is not None and c.applicable.mode == "rescale" for c in criteria)
        self.total_type = INTEGER if whole and not rescaled else DECIMAL

        constraints = tuple(d for d in decls if isinstance(d, n.Constraint))
        for constraint in constraints:
            self._condition(constraint.condition, Scope("constraint"), "a constraint")
        grades = self._grades([d for d in decls if isinstance(d, n.Grades)], maximum)
        rules = [d for d in decls if isinstance(d, n.Knockout)]
        knockouts = tuple(self._rule(r) for r in rules if r.kind == "knockout")
        exemptions = tuple(self._rule(r) for r in rules if r.kind == "exemption")
        if not any(p.severity == "error" for p in self.problems):
            # derived from everything else: reported once the rest is right, so it never piles onto another error
            self._reachability(grades, knockouts)
        self._unused(inputs)

        if any(p.severity == "error" for p in self.problems) or root is None:
            return None
        model = Model(
            filename=self.filename,
            file=self.tree,
            header=header,
            status=status,
            inputs=tuple(inputs),
            levels=dict(self.levels),
            constraints=constraints,
            lets=lets,
            criteria_label=root.label,
            criteria_maximum=maximum,
            criteria_citations=root.citations,
            rescale_places=rescale,
            criteria=tuple(criteria),
            deductions_label=deductions[0].label if deductions else None,
            deductions_cap=deductions_cap,
            deductions=tuple(deduction_infos),
            bonuses_label=bonuses[0].label if bonuses else None,
            bonuses_cap=bonuses_cap,
            bonuses=tuple(bonus_infos),
            order=order,
            grades=grades,
            knockouts=knockouts,
            exemptions=exemptions,
            total=self.total,
            types=self.types,
            resolutions=self.resolutions,
        )
        # examples and properties, and quotas, are checked against the finished model, in their own modules
        from partyrules import casebook, hierarchy, quota

        hierarchy.check(model, self.problems)  # aggregate inputs: their form (the children's names: when assembled)
        with_quotas = quota.attach(model, self.problems)
        if with_quotas is None:
            return None
        return casebook.attach(with_quotas, self.problems, lambda e, what: self._condition(e, Scope("knockout"), what))

    # ------------------------------------------------------------ header
    def _header(self, headers: list[n.Header]) -> n.Header:
        if not headers:
            self.error(
                "PR101",
                "the file has no `ruleset` header",
                n.Span(1, 1, 1, 2),
                'start the file with `ruleset "province/scale" { title "..."; version "1"; ... }`',
            )
            return n.Header("unnamed")
        for extra in headers[1:]:
            self.error("PR102", "the file has two `ruleset` headers", extra.span, "keep one")
        header = headers[0]
        if not RULESET_ID.match(header.ruleset_id):
            self.error(
                "PR103",
                f'"{header.ruleset_id}" is not a valid ruleset id',
                header.span,
                'use lower-case letters, digits, `-`, `_` and `.`, parts separated by `/`: "vn.hatinh/chi-bo-4-tot"',
            )
        if header.kind == "library":  # shared definitions: nothing is scored, so no basis, status or dates needed
            for field in ("title", "version"):
                if getattr(header, field) is None:
                    self.error("PR104", f"the header says no `{field}`", header.span, f'add `{field} "...";`')
            return header
        for field in ("title", "version", "basis"):
            if getattr(header, field) is None:
                self.error("PR104", f"the header says no `{field}`", header.span, f'add `{field} "...";`')
        if header.status is None:
            self.error(
                "PR104",
                "the header does not say whether its points are official or illustrative",
                header.span,
                'add `points official;` or `points illustrative "why";`',
            )
        if header.effective_from is None:
            self.error(
                "PR104", "the header says no `effective from` date", header.span, "add `effective from 2025-08-30;`"
            )
        if header.effective_from and header.effective_to and header.effective_to < header.effective_from:
            self.error(
                "PR105",
                f"the ruleset ends ({header.effective_to}) before it starts ({header.effective_from})",
                header.span,
            )
        return header

    # ------------------------------------------------------------ names
    def _declare(self, name: str, symbol: Symbol, span: n.Span) -> None:
        if name in RESERVED:
            self.error(
                "PR203", f"`{name}` is a word of the language and cannot name anything", span, "choose another name"
            )
            # still registered below, so that its uses do not each report it as undeclared
        if name in self.symbols:
            first = self.symbols[name].span
            where = f"line {first.line}" if first.file == span.file else f"{first.file or self.filename}:{first.line}"
            self.error(
                "PR204",
                f"`{name}` is declared twice (first at {where})",
                span,
                "give each input, value and criterion its own name",
            )
            return
        self.symbols[name] = symbol

    def _declare_levels(self, levels: n.Levels) -> None:
        if levels.name in self.levels:
            self.error("PR204", f"the level scale `{levels.name}` is declared twice", levels.span)
            return
        names = [m.name for m in levels.members]
        self._unique_members(levels.members)
        scale = Type("level", levels.name, tuple(names))
        self.levels[levels.name] = scale
        for member in names:
            self.members.setdefault(member, []).append(scale)

    def _unique_members(self, members: tuple[n.Member, ...]) -> None:
        seen: set[str] = set()
        for m in members:
            if m.name in seen:
                self.error("PR204", f"`{m.name}` is listed twice", m.span)
            if m.name in RESERVED:
                self.error("PR203", f"`{m.name}` is a word of the language and cannot name a value", m.span)
            seen.add(m.name)

    def _literal_value(self, lit: n.Literal | n.Name, type_: Type, span: n.Span) -> object:
        """The Python value of a literal used as a range end or default; reports a mismatch."""
        kind = type_.kind
        if isinstance(lit, n.Name):
            if kind in ("enum", "level") and lit.name in type_.members:
                return lit.name
            self.error(
                "PR301", f"`{lit.name}` is not {type_.describe()}", lit.span, did_you_mean(lit.name, type_.members)
            )
            return None
        if isinstance(lit, n.BooleanLiteral):
            if kind == "boolean":
                return lit.value
        elif isinstance(lit, n.DateLiteral):
            if kind == "date":
                return lit.value
        elif kind == "percent":
            if lit.percent or lit.value == 0:
                return lit.value
            self.error(
                "PR303",
                f"this input is a percentage but {lit.value} is a plain number",
                lit.span,
                f"write {_as_percent(lit.value)}",
            )
            return None
        elif kind in ("integer", "decimal") and not lit.percent:
            if kind == "integer" and lit.value != lit.value.to_integral_value():
                self.error("PR301", f"{lit.value} is not a whole number", lit.span)
                return None
            return int(lit.value) if kind == "integer" else lit.value
        self.error("PR301", f"this value is not {type_.describe()}", lit.span)
        return None

    def _declare_input(self, decl: n.Input) -> InputInfo:
        spec = decl.type
        labels: tuple[str | None, ...] = ()
        if spec.kind == "enum":
            self._unique_members(spec.members)
            type_ = Type("enum", decl.name, tuple(m.name for m in spec.members))
            labels = tuple(m.label for m in spec.members)
            for member in type_.members:
                self.members.setdefault(member, []).append(type_)
        elif spec.kind == "level":
            assert spec.scale is not None
            found = self.levels.get(spec.scale)
            if found is None:
                self.error(
                    "PR205",
                    f"there is no level scale `{spec.scale}`",
                    spec.span,
                    did_you_mean(spec.scale, self.levels) or 'declare it with `levels NAME "label" { ... }`',
                )
                type_ = Type("level", spec.scale, ())
            else:
                type_ = found
        else:
            type_ = Type(spec.kind)
        low: Any = None
        high: Any = None
        if spec.range is not None:
            low = self._literal_value(spec.range.low, type_, spec.range.low.span)
            high = self._literal_value(spec.range.high, type_, spec.range.high.span)
            if low is not None and high is not None and low > high:
                self.error("PR302", f"the range starts above where it ends ({low} > {high})", spec.range.span)
        elif spec.kind == "percent":
            low, high = Decimal(0), Decimal(1)
        places = spec.places  # None: any exact decimal is accepted
        if places is not None and places > 12:
            self.error("PR302", f"{places} decimal places is more than the 12 supported", spec.span)
        default: Any = None
        if decl.default is not None:
            default = self._literal_value(decl.default, type_, decl.default.span)
            if default is not None and low is not None and high is not None and not low <= default <= high:
                self.error("PR302", f"the default {default} lies outside the range {low}..{high}", decl.default.span)
        interval = None
        if type_.numeric:
            interval = Interval(
                None if low is None else Fraction(low),
                None if high is None else Fraction(high),
            )
        elif type_.kind == "date":
            interval = Interval(
                None if low is None else Fraction(low.toordinal()),
                None if high is None else Fraction(high.toordinal()),
            )
        info = Info(type_, interval)
        self._declare(decl.name, Symbol("input", type_, decl.span, info), decl.span)
        return InputInfo(
            name=decl.name,
            label=decl.label,
            type=type_,
            low=low,
            high=high,
            places=places,
            has_default=decl.default is not None,
            default=default,
            member_labels=labels,
            interval=interval,
            span=decl.span,
        )

    # ------------------------------------------------------------ the criteria tree
    def _collect(
        self,
        children: tuple[n.Criterion, ...],
        parent: str | None,
        prefix: str,
        status: str,
        out: list[CriterionInfo],
    ) -> None:
        for i, child in enumerate(children, 1):
            number = f"{prefix}{i}"
            self._declare(child.name, Symbol("points", DECIMAL, child.span), child.span)
            self.criteria[child.name] = child
            child_status = child.status or status
            out.append(self._info(child, number, parent, tuple(c.name for c in child.children), child_status))
            if child.kind == "item" and child.points is None and child.level is None:
                self.error(
                    "PR206",
                    f"item `{child.name}` says neither `points` nor `level`",
                    child.span,
                    "add `points = ...;` or `level = ...;`",
                )
            if child.kind == "item" and child.points is not None and child.maximum is None:
                self.error(
                    "PR206", f"item `{child.name}` has points but no `max`", child.span, "write `max N` after its label"
                )
            if child.kind == "item" and child.points is None and child.maximum is not None:
                self.error(
                    "PR206", f"item `{child.name}` has a `max` but no `points` rule", child.span, "add `points = ...;`"
                )
            if child.kind == "group" and not child.children:
                self.error("PR206", f"group `{child.name}` is empty", child.span)
            if child.kind == "group" and child.applicable is not None:
                self.error(
                    "PR216",
                    f"`applicable when` goes on items, not on group `{child.name}`",
                    child.applicable.span,
                    "put it on each item of the group that may not apply",
                )
            self._collect(child.children, child.name, number + ".", child_status, out)

    def _info(
        self,
        node: n.Criterion | n.Adjustment,
        number: str,
        parent: str | None,
        children: tuple[str, ...],
        status: str,
    ) -> CriterionInfo:
        return CriterionInfo(
            name=node.name,
            label=node.label,
            kind=node.kind,
            number=number,
            parent=parent,
            children=children,
            maximum=node.maximum.value if node.maximum is not None else None,
            points=node.points,
            level=node.level if isinstance(node, n.Criterion) else None,
            level_type=None,
            applicable=node.applicable,
            citations=node.citations,
            notes=node.notes,
            status=status,
            interval=None,
            span=node.span,
        )

    def _finish(self, info: CriterionInfo) -> CriterionInfo:
        return attrs.evolve(info, level_type=self.level_types.get(info.name), interval=self.intervals.get(info.name))

    def _check_maxima(self, root: n.CriteriaTree, criteria: list[CriterionInfo]) -> Decimal | None:
        by_name = {c.name: c for c in criteria}
        numbers = [root.maximum] + [node.maximum for node in self.criteria.values()]
        for number in numbers:
            if number is not None and number.percent:
                self.error(
                    "PR401",
                    "a maximum is a number of points, not a percentage",
                    number.span,
                    f"write {format((number.value * 100).normalize(), 'f')} if you mean that many points",
                )
        for c in criteria:
            if c.kind != "group":
                continue
            scored = [by_name[ch] for ch in c.children if by_name[ch].maximum is not None]
            if c.maximum is None:
                if scored:
                    self.error(
                        "PR402",
                        f"group `{c.name}` has scored criteria but no `max`",
                        c.span,
                        f"write `max {sum((s.maximum or Decimal(0)) for s in scored)}`",
                    )
                continue
            total = sum((s.maximum or Decimal(0) for s in scored), Decimal(0))
            if total != c.maximum:
                where = self._blame(c.span, c.children)
                self.error(
                    "PR402",
                    f"the maxima inside group `{c.name}` add up to {total}, not {c.maximum}{self._elsewhere(where, c.span)}",
                    where,
                    "correct the group's `max` or its items' maxima",
                )
        top = [by_name[c.name] for c in root.children if by_name.get(c.name) and by_name[c.name].maximum is not None]
        declared = root.maximum.value if root.maximum is not None else None
        if declared is None:
            if top:
                self.error(
                    "PR402", "the criteria have points but no `max`", root.span, 'write `criteria "..." max 100 {`'
                )
            return None
        total = sum((c.maximum or Decimal(0) for c in top), Decimal(0))
        if total != declared:
            where = self._blame(root.span, [c.name for c in top])
            self.error(
                "PR402",
                f"the criteria's maxima add up to {total}, not {declared}{self._elsewhere(where, root.span)}",
                where,
                "correct the `max` of the criteria or of its groups",
            )
        return declared

    def _blame(self, span: n.Span, names: Iterable[str]) -> n.Span:
        """In a file that extends another, a sum that no longer adds up is the fault of the
        criterion the extending file added or changed: point there, not at the base's group."""
        for name in names:
            node = self.criteria.get(name)
            if node is None:
                continue
            for candidate in (node.maximum.span if node.maximum is not None else None, node.span):
                if candidate is not None and candidate.file != span.file and candidate.line:
                    return candidate
        return span

    @staticmethod
    def _elsewhere(where: n.Span, declared: n.Span) -> str:
        if where.file == declared.file:
            return ""
        return f" (declared at {declared.file}:{declared.line})"

    def _check_rescale(self, root: n.CriteriaTree, criteria: list[CriterionInfo]) -> int | None:
        rescaled = [c for c in criteria if c.applicable is not None and c.applicable.mode == "rescale"]
        if rescaled and root.rescale_places is None:
            self.error(
                "PR403",
                f"`{rescaled[0].name}` is rescaled when not applicable, but the criteria say no rounding for it",
                rescaled[0].applicable.span if rescaled[0].applicable else rescaled[0].span,
                "add `rescale round 2;` inside `criteria { ... }`",
            )
        return root.rescale_places

    def _adjustments_cap(self, block: list[n.Adjustments], infos: list[CriterionInfo]) -> Decimal | None:
        if not block:
            return None
        cap = block[0].cap.value
        if block[0].cap.percent:
            self.error("PR401", "a cap is a number of points, not a percentage", block[0].cap.span)
        return cap

    def _total_interval(
        self,
        root: n.CriteriaTree | None,
        criteria: list[CriterionInfo],
        deductions_cap: Decimal | None,
        bonuses_cap: Decimal | None,
        deductions: list[CriterionInfo],
        bonuses: list[CriterionInfo],
    ) -> Interval:
        if root is None or root.maximum is None:
            return Interval(Fraction(0), Fraction(0))
        top = [c for c in criteria if c.parent is None and c.maximum is not None]
        total = Interval(Fraction(0), Fraction(0))
        for c in top:
            total = total + (c.interval or Interval(Fraction(0), Fraction(c.maximum or 0)))
        if any(c.applicable is not None and c.applicable.mode == "rescale" for c in criteria):
            total = Interval(total.low, Fraction(root.maximum.value))
        for infos, cap, sign in ((deductions, deductions_cap, -1), (bonuses, bonuses_cap, 1)):
            if cap is None:
                continue
            reach = sum(
                (
                    c.interval.high if c.interval and c.interval.high is not None else Fraction(c.maximum or 0)
                    for c in infos
                ),
                Fraction(0),
            )
            amount = Interval(Fraction(0), min(Fraction(cap), reach))
            total = total - amount if sign < 0 else total + amount
        return total

    # ------------------------------------------------------------ evaluation order
    def _deps(self, expr: n.Expr) -> set[ValueKey]:
        deps: set[ValueKey] = set()
        for node in walk(expr):
            if isinstance(node, n.Name):
                symbol = self.symbols.get(node.name)
                if symbol is not None and symbol.kind in ("let", "points"):
                    deps.add((symbol.kind if symbol.kind == "let" else "points", node.name))
            elif isinstance(node, n.Call):
                refs = [a.name for a in node.args if isinstance(a, n.Name) and a.name in self.criteria]
                if node.function == "level":
                    deps.update(("level", r) for r in refs)
                elif node.function == "applicable":
                    deps.update(("applicable", r) for r in refs)
                elif node.function == "worst_level":
                    targets = (
                        refs
                        if node.args
                        else [c for c, v in self.criteria.items() if isinstance(v, n.Criterion) and v.level is not None]
                    )
                    deps.update(("level", r) for r in targets)
        return deps

    def _order(self, lets: dict[str, n.Let], infos: list[CriterionInfo]) -> tuple[ValueKey, ...]:
        graph: dict[ValueKey, set[ValueKey]] = {}
        spans: dict[ValueKey, n.Span] = {}
        for name, let in lets.items():
            graph[("let", name)] = self._deps(let.value)
            spans[("let", name)] = let.span
        for c in infos:
            own: set[ValueKey] = set()
            if c.applicable is not None:
                graph[("applicable", c.name)] = self._deps(c.applicable.condition)
                spans[("applicable", c.name)] = c.applicable.span
                own.add(("applicable", c.name))
            if c.kind == "group":
                deps = {("points", ch) for ch in c.children if self.criteria[ch].maximum is not None}
            elif c.points is not None:
                deps = self._deps(c.points)
            else:
                deps = set()
            if c.maximum is not None:
                graph[("points", c.name)] = deps | own
                spans[("points", c.name)] = c.span
            if c.level is not None:
                graph[("level", c.name)] = self._deps(c.level) | own
                spans[("level", c.name)] = c.level.span
        order: list[ValueKey] = []
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
                            self.error(
                                "PR207", f"circular definition: {shown}", spans[dep], "a value cannot depend on itself"
                            )
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
                    order.append(key)

        for key in graph:
            if key not in state:
                visit(key)
        return tuple(order)

    # ------------------------------------------------------------ values in order
    def _check_values(self, order: tuple[ValueKey, ...], lets: dict[str, n.Let]) -> None:
        for kind, name in order:
            if kind == "let":
                info = self._expr(lets[name].value, Scope("let"))
                symbol = self.symbols.get(name)
                if symbol is not None and symbol.kind == "let":
                    symbol.type = info.type
                    symbol.info = info
            elif kind == "applicable":
                node = self.criteria[name]
                assert node.applicable is not None
                self._condition(node.applicable.condition, Scope("applicable"), "an `applicable when` condition")
            elif kind == "points":
                self._points(name)
            elif kind == "level":
                self._level(name)

    def _points(self, name: str) -> None:
        node = self.criteria[name]
        maximum = Fraction(node.maximum.value) if node.maximum is not None else None
        symbol = self.symbols.get(name)
        if isinstance(node, n.Criterion) and node.kind == "group":
            interval = Interval(Fraction(0), Fraction(0))
            whole = True
            for child in node.children:
                if child.maximum is None:
                    continue
                interval = interval + self.intervals.get(
                    child.name, Interval(Fraction(0), Fraction(child.maximum.value))
                )
                child_info = self.symbols[child.name].info if child.name in self.symbols else None
                whole = whole and child_info is not None and child_info.type == INTEGER
            info = Info(INTEGER if whole else DECIMAL, interval)
        else:
            if node.points is None:
                return
            info = self._expr(node.points, Scope("points"))
            if info.type is not None and info.type.kind not in ("integer", "decimal"):
                hint = {
                    "ratio": "a division must be rounded before it becomes points: write `round(..., 2)`",
                    "percent": "multiply the percentage by the points it is worth, e.g. `rate * 30`",
                }.get(info.type.kind)
                self.error(
                    "PR304", f"points must be a number, but this is {info.type.describe()}", node.points.span, hint
                )
            elif info.interval is not None and maximum is not None:
                self._within(node, info.interval, maximum)
        if maximum is not None and node.applicable is not None:
            mode = node.applicable.mode
            extra = Fraction(0) if mode in ("zero", "rescale") else maximum
            if info.interval is not None:
                info = attrs.evolve(info, interval=info.interval.union(Interval(extra, extra)))
        if info.interval is not None and maximum is not None:
            clipped = info.interval.intersect(Interval(Fraction(0), maximum))
            self.intervals[name] = clipped if clipped is not None else Interval(Fraction(0), maximum)
        if symbol is not None:
            # whole-number points stay whole: the compiled program then compares ints with ints
            whole = info.type == INTEGER and (
                node.maximum is None or node.maximum.value == node.maximum.value.to_integral_value()
            )
            symbol.type = INTEGER if whole else DECIMAL
            symbol.info = attrs.evolve(info, type=symbol.type, interval=self.intervals.get(name, info.interval))

    def _within(self, node: n.Criterion | n.Adjustment, interval: Interval, maximum: Fraction) -> None:
        assert node.points is not None
        what = "item" if node.kind == "item" else node.kind
        if interval.high is None:
            self.error(
                "PR501",
                f"the points of `{node.name}` have no upper limit; its maximum is {_show(maximum)}",
                node.points.span,
                f"declare ranges for the inputs it uses, or cap it: `min(..., {_show(maximum)})`",
            )
        elif interval.high > maximum:
            self.error(
                "PR501",
                f"the points of `{node.name}` can reach {_show(interval.high)}, above the {what}'s maximum of {_show(maximum)}",
                node.points.span,
                f"correct the formula, or cap it: `min(..., {_show(maximum)})`",
            )
        if interval.low is None:
            self.error(
                "PR502",
                f"the points of `{node.name}` have no lower limit and can go below zero",
                node.points.span,
                "declare ranges for the inputs it uses, or write `max(0, ...)`",
            )
        elif interval.low < 0:
            self.error(
                "PR502",
                f"the points of `{node.name}` can go below zero (down to {_show(interval.low)})",
                node.points.span,
                "correct the formula, or write `max(0, ...)`",
            )

    def _level(self, name: str) -> None:
        node = self.criteria[name]
        assert isinstance(node, n.Criterion) and node.level is not None
        info = self._expr(node.level, Scope("level"))
        if info.type is None:
            return
        if info.type.kind != "level":
            self.error(
                "PR305",
                f"a `level` rule must give a level, but this is {info.type.describe()}",
                node.level.span,
                "use a bands or match whose results are level names, or an input of type `level`",
            )
            return
        self.level_types[name] = info.type

    def _condition(self, expr: n.Expr, scope: Scope, what: str) -> Info:
        info = self._expr(expr, scope)
        if info.type is not None and info.type.kind != "boolean":
            self.error("PR306", f"{what} must be true or false, but this is {info.type.describe()}", expr.span)
        return info

    # ------------------------------------------------------------ expressions
    def _record(self, node: n.Expr, info: Info) -> Info:
        self.truths[id(node)] = info.truth
        if info.type is not None:
            self.types[id(node)] = info.type
        return info

    def _expr(self, node: n.Expr, scope: Scope, expected: Type | None = None) -> Info:
        method = getattr(self, "_expr_" + type(node).__name__.lower())
        info: Info = method(node, scope, expected)
        return self._record(node, info)

    def _expr_number(self, node: n.Number, scope: Scope, expected: Type | None) -> Info:
        value = Fraction(node.value)
        exponent = node.value.as_tuple().exponent
        places = max(0, -exponent) if isinstance(exponent, int) else 0
        if node.percent:
            type_ = PERCENT
        elif value.denominator == 1 and places == 0:
            type_ = INTEGER
        else:
            type_ = DECIMAL
        return Info(type_, Interval.point(value))

    def _expr_dateliteral(self, node: n.DateLiteral, scope: Scope, expected: Type | None) -> Info:
        return Info(DATE, Interval.point(Fraction(node.value.toordinal())))

    def _expr_booleanliteral(self, node: n.BooleanLiteral, scope: Scope, expected: Type | None) -> Info:
        return Info(BOOLEAN, None, node.value)

    def _expr_name(self, node: n.Name, scope: Scope, expected: Type | None) -> Info:
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
            self.resolutions[id(node)] = Resolution(kind, node.name, type=symbol.type)
            info = symbol.info
            if info is None:
                return UNKNOWN
            interval = scope.narrow.get(node.name, info.interval)
            return Info(info.type, interval)
        return self._member(node, expected)

    def _member(self, node: n.Name, expected: Type | None) -> Info:
        if expected is not None and expected.kind in ("enum", "level"):
            if node.name in expected.members:
                return self._resolve_member(node, expected)
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
            return self._resolve_member(node, unique[0])
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

    def _resolve_member(self, node: n.Name, type_: Type) -> Info:
        index = type_.members.index(node.name)
        self.resolutions[id(node)] = Resolution("member", node.name, index, type_)
        return Info(type_)

    def _is_bare(self, node: n.Expr) -> bool:
        return isinstance(node, n.Name) and node.name not in self.symbols and node.name != "total"

    def _expr_unary(self, node: n.Unary, scope: Scope, expected: Type | None) -> Info:
        if node.op == "not":
            info = self._condition(node.operand, scope, "`not`'s operand")
            return Info(BOOLEAN, None, None if info.truth is None else not info.truth)
        info = self._expr(node.operand, scope)
        if info.type is None:
            return UNKNOWN
        if not info.type.numeric:
            self.error("PR306", f"only numbers can be negated, not {info.type.describe()}", node.span)
            return UNKNOWN
        return Info(info.type, -info.interval if info.interval else None)

    def _expr_binary(self, node: n.Binary, scope: Scope, expected: Type | None) -> Info:
        if node.op in ("and", "or"):
            left = self._condition(node.left, scope, f"`{node.op}`'s left side")
            if node.op == "and":
                right = self._condition(
                    node.right,
                    Scope(scope.where, {**scope.narrow, **self._narrowing(node.left, True)}),
                    "`and`'s right side",
                )
            else:
                right = self._condition(node.right, scope, "`or`'s right side")
            return Info(BOOLEAN, None, _logic(node.op, left.truth, right.truth))
        left = self._expr(node.left, scope)
        right = self._expr(node.right, scope)
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
        if right.interval.contains(Fraction(0)):
            hint = "declare the divisor's range so it cannot be 0, or write `if X > 0 then ... / X else ...`"
            self.error("PR503", "this can divide by zero", node.right.span, hint)
            return Info(RATIO)  # no range: the division is the problem, not the points it feeds
        return Info(RATIO, left.interval.divide(right.interval))

    def _expr_compare(self, node: n.Compare, scope: Scope, expected: Type | None) -> Info:
        if self._is_bare(node.left) and not self._is_bare(node.right):
            right = self._expr(node.right, scope)
            left = self._expr(node.left, scope, right.type)
        else:
            left = self._expr(node.left, scope)
            right = self._expr(node.right, scope, left.type)
        if left.type is None or right.type is None:
            return Info(BOOLEAN)
        lt, rt = left.type, right.type
        if lt.numeric and rt.numeric:
            if (lt.kind == "percent") != (rt.kind == "percent") and "ratio" not in (lt.kind, rt.kind):
                plain = node.right if lt.kind == "percent" else node.left
                if not (isinstance(plain, n.Number) and plain.value == 0):
                    hint = (
                        f"write {_as_percent(plain.value)}"
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

    def _narrowing(self, cond: n.Expr, positive: bool) -> dict[str, Interval]:
        """Intervals known inside the branch where ``cond`` is (positive) true or false."""
        if isinstance(cond, n.Unary) and cond.op == "not":
            return self._narrowing(cond.operand, not positive)
        if isinstance(cond, n.Binary) and cond.op == ("and" if positive else "or"):
            left = self._narrowing(cond.left, positive)
            right = self._narrowing(cond.right, positive)
            merged = dict(left)
            for name, interval in right.items():
                merged[name] = merged[name].intersect(interval) or interval if name in merged else interval
            return merged
        if not isinstance(cond, n.Compare):
            return {}
        op = cond.op
        if isinstance(cond.left, n.Name) and isinstance(cond.right, n.Number):
            name, value = cond.left.name, Fraction(cond.right.value)
        elif isinstance(cond.right, n.Name) and isinstance(cond.left, n.Number):
            name, value = cond.right.name, Fraction(cond.left.value)
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
        whole = symbol.type.kind == "integer"
        if op == ">":
            bound = Interval(Fraction(math.floor(value) + 1) if whole else value, None)
        elif op == ">=":
            bound = Interval(value, None)
        elif op == "<":
            bound = Interval(None, Fraction(math.ceil(value) - 1) if whole else value)
        elif op == "<=":
            bound = Interval(None, value)
        elif op == "==":
            bound = Interval(value, value)
        else:
            if whole and current.low == value:
                bound = Interval(value + 1, None)
            elif whole and current.high == value:
                bound = Interval(None, value - 1)
            else:
                return {}
        narrowed = current.intersect(Interval(_f(bound.low), _f(bound.high)))
        return {name: narrowed} if narrowed is not None else {}

    def _expr_if(self, node: n.If, scope: Scope, expected: Type | None) -> Info:
        cond = self._condition(node.condition, scope, "an `if` condition")
        then_scope = Scope(scope.where, {**scope.narrow, **self._narrowing(node.condition, True)})
        else_scope = Scope(scope.where, {**scope.narrow, **self._narrowing(node.condition, False)})
        then = self._expr(node.then, then_scope, expected)
        other = self._expr(node.otherwise, else_scope, expected or then.type)
        if cond.truth is True:
            other = attrs.evolve(other, interval=then.interval)
        elif cond.truth is False:
            then = attrs.evolve(then, interval=other.interval)
        return self._unify([then, other], [node.then, node.otherwise], "the two branches of this `if`", node.span)

    def _unify(self, infos: list[Info], where: list[n.Expr], what: str, span: n.Span) -> Info:
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
        interval = None
        if all(i.interval is not None for i in known):
            interval = known[0].interval
            for i in known[1:]:
                assert interval is not None and i.interval is not None
                interval = interval.union(i.interval)
        truth = known[0].truth if all(i.truth == known[0].truth for i in known) else None
        return Info(
            type_,
            interval,
            truth,
        )

    # -- built-in functions
    def _expr_call(self, node: n.Call, scope: Scope, expected: Type | None) -> Info:
        fn = node.function
        if fn not in BUILTINS:
            self.error("PR212", f"there is no function `{fn}`", node.span, did_you_mean(fn, BUILTINS))
            for arg in node.args:  # still checked: their own problems and uses count
                self._expr(arg, scope)
            return UNKNOWN
        args = node.args
        if fn in ("min", "max"):
            if not args:
                self.error("PR213", f"`{fn}` needs at least one value", node.span)
                return UNKNOWN
            infos = [self._expr(a, scope) for a in args]
            info = self._unify(infos, list(args), f"the values of `{fn}`", node.span)
            if info.type is None:
                return info
            if not info.type.numeric:
                self.error("PR306", f"`{fn}` needs numbers", node.span)
                return UNKNOWN
            intervals = [i.interval for i in infos]
            if all(i is not None for i in intervals):
                info.interval = _extreme(fn, intervals)  # type: ignore[arg-type]
            return info
        if fn == "clamp":
            if len(args) != 3:
                self.error("PR213", "`clamp` takes three values: clamp(x, low, high)", node.span)
                return UNKNOWN
            infos = [self._expr(a, scope) for a in args]
            info = self._unify(infos, list(args), "the values of `clamp`", node.span)
            if info.type is None:
                return UNKNOWN
            if not info.type.numeric:
                self.error("PR306", "`clamp` needs numbers", node.span)
                return UNKNOWN
            x, lo, hi = (i.interval for i in infos)
            if x is not None and lo is not None and hi is not None:
                info.interval = _extreme("min", [_extreme("max", [x, lo]), hi])
            return info
        if fn == "round":
            if len(args) != 2 or not isinstance(args[1], n.Number) or args[1].percent:
                self.error("PR213", "`round` takes a value and a number of decimal places: round(x, 2)", node.span)
                return UNKNOWN
            places = int(args[1].value)
            if places != args[1].value or not 0 <= places <= 12:
                self.error("PR213", "`round` keeps 0 to 12 decimal places", args[1].span)
                return UNKNOWN
            info = self._expr(args[0], scope)
            if info.type is None:
                return UNKNOWN
            if not info.type.numeric or info.type.kind == "percent":
                self.error(
                    "PR306",
                    f"`round` rounds numbers, not {info.type.describe()}",
                    args[0].span,
                    "multiply a percentage by its points first",
                )
                return UNKNOWN
            interval = info.interval
            if interval is not None:
                interval = Interval(_round_fraction(interval.low, places), _round_fraction(interval.high, places))
            return Info(INTEGER if places == 0 else DECIMAL, interval)
        if fn == "count":
            for a in args:
                self._condition(a, scope, "each value of `count`")
            return Info(INTEGER, Interval(Fraction(0), Fraction(len(args))))
        if fn in ("days_between", "months_between"):
            if len(args) != 2:
                self.error("PR213", f"`{fn}` takes two dates", node.span)
                return UNKNOWN
            infos = [self._expr(a, scope) for a in args]
            for a, i in zip(args, infos):
                if i.type is not None and i.type.kind != "date":
                    self.error("PR306", f"`{fn}` needs dates, not {i.type.describe()}", a.span)
                    return UNKNOWN
            interval = Interval.unbounded()
            start, end = infos[0].interval, infos[1].interval
            if start is not None and end is not None:
                days = end - start
                if fn == "days_between":
                    interval = days
                elif days.low is not None and days.high is not None:
                    # a month has 28 to 31 days: a sound, slightly wide bound on whole months
                    low = min(days.low / 28, days.low / 31)
                    high = max(days.high / 28, days.high / 31)
                    interval = Interval(Fraction(math.floor(low) - 1), Fraction(math.ceil(high) + 1))
            return Info(INTEGER, interval)
        # functions of criteria
        if fn == "worst_level" and not args:
            targets = [c for c, v in self.criteria.items() if isinstance(v, n.Criterion) and v.level is not None]
            if not targets:
                self.error("PR214", "no criterion has a `level` rule", node.span)
                return UNKNOWN
            return self._same_scale(targets, node)
        refs: list[str] = []
        for a in args:
            if not isinstance(a, n.Name) or a.name not in self.criteria:
                self.error(
                    "PR214",
                    f"`{fn}` takes criteria by name",
                    a.span,
                    did_you_mean(a.name, self.criteria) if isinstance(a, n.Name) else None,
                )
                return UNKNOWN
            self.resolutions[id(a)] = Resolution("criterion", a.name)
            refs.append(a.name)
        if fn == "worst_level":
            return self._same_scale(refs, node)
        if len(refs) != 1:
            self.error("PR213", f"`{fn}` takes one criterion", node.span)
            return UNKNOWN
        target = self.criteria[refs[0]]
        if fn == "level":
            if not isinstance(target, n.Criterion) or target.level is None:
                self.error("PR214", f"`{refs[0]}` has no `level` rule", node.span)
                return UNKNOWN
            type_ = self.level_types.get(refs[0])
            return Info(type_) if type_ is not None else UNKNOWN
        if fn == "full":
            if target.maximum is None:
                self.error("PR214", f"`{refs[0]}` has no points", node.span)
                return UNKNOWN
            return Info(BOOLEAN)
        if fn == "applicable":
            return Info(BOOLEAN, None, True if target.applicable is None else None)
        return UNKNOWN  # pragma: no cover - every builtin is handled above

    def _same_scale(self, names: list[str], node: n.Call) -> Info:
        types = []
        for name in names:
            target = self.criteria[name]
            if not isinstance(target, n.Criterion) or target.level is None:
                self.error("PR214", f"`{name}` has no `level` rule", node.span)
                return UNKNOWN
            t = self.level_types.get(name)
            if t is None:
                return UNKNOWN
            types.append(t)
        if len(set(types)) > 1:
            self.error("PR305", "`worst_level` compares criteria rated on different level scales", node.span)
            return UNKNOWN
        return Info(types[0])

    # -- bands, match, table
    def _threshold(self, lit: n.Literal, subject: Type, span: n.Span) -> Fraction | None:
        if isinstance(lit, n.DateLiteral):
            if subject.kind == "date":
                return Fraction(lit.value.toordinal())
        elif isinstance(lit, n.Number) and subject.numeric:
            if subject.kind == "percent" and not lit.percent and lit.value != 0:
                self.error(
                    "PR303",
                    f"`{lit.value}` is a plain number but the value compared is a percentage",
                    span,
                    f"write {_as_percent(lit.value)}",
                )
                return None
            if subject.kind in ("integer", "decimal") and lit.percent:
                self.error(
                    "PR303",
                    f"`{_show(lit.value, True)}` is a percentage but the value compared is a plain number",
                    span,
                )
                return None
            return Fraction(lit.value)
        self.error("PR301", f"this threshold does not fit {subject.describe()}", span)
        return None

    def _missing_level(self, subject: n.Expr) -> bool:
        """Report a subject that is the level of a criterion that may not apply (then it has none)."""
        if isinstance(subject, n.Call) and subject.function == "level" and subject.args:
            target = subject.args[0]
            node = self.criteria.get(target.name) if isinstance(target, n.Name) else None
            if node is not None and node.applicable is not None:
                self.error(
                    "PR217",
                    f"`{subject.args[0].name}` has no level when it does not apply, so this cannot choose a row",  # type: ignore[union-attr]
                    subject.span,
                    "compare instead, e.g. `level(c) >= tot` (false when c does not apply)",
                )
                return True
        return False

    def _expr_bands(self, node: n.Bands, scope: Scope, expected: Type | None) -> Info:
        subject = self._expr(node.subject, scope)
        if subject.type is None or self._missing_level(node.subject):
            return UNKNOWN
        if not (subject.type.numeric or subject.type.kind == "date"):
            self.error("PR306", f"bands need a number or a date, not {subject.type.describe()}", node.subject.span)
            return UNKNOWN
        directions = {b.direction for b in node.bands}
        if len(directions) > 1:
            self.error(
                "PR404", "bands mix `from` and `upto`", node.span, "use `from` (highest first) or `upto` (lowest first)"
            )
            return UNKNOWN
        direction = directions.pop() if directions else "from"
        dom = subject.interval or Interval.unbounded()
        infos: list[Info] = []
        results: list[n.Expr] = []
        previous: Fraction | None = None
        covered = False  # a band already takes every remaining value
        percent = subject.type.kind == "percent"
        for band in node.bands:
            threshold = self._threshold(band.threshold, subject.type, band.threshold.span)
            result = self._expr(band.result, scope, expected)
            if threshold is None:
                return UNKNOWN
            if previous is not None and (threshold >= previous if direction == "from" else threshold <= previous):
                order = "from the highest threshold down" if direction == "from" else "from the lowest threshold up"
                self.error(
                    "PR405",
                    f"bands overlap: `{direction} {_show(threshold, percent)}` comes after `{direction} {_show(previous, percent)}`",
                    band.span,
                    f"list `{direction}` bands {order}",
                )
                return UNKNOWN
            reachable = not covered and (
                (direction == "from" and (dom.high is None or threshold <= dom.high))
                or (direction == "upto" and (dom.low is None or threshold >= dom.low))
            )
            if not reachable:
                why = (
                    "an earlier band already takes every value"
                    if covered
                    else f"the value never goes {'above' if direction == 'from' else 'below'} {_show(dom.high if direction == 'from' else dom.low, percent)}"
                )
                self.error(
                    "PR406", f"the band `{direction} {_show(threshold, percent)}` can never apply: {why}", band.span
                )
            else:
                infos.append(result)
                results.append(band.result)
            if (direction == "from" and dom.low is not None and threshold <= dom.low) or (
                direction == "upto" and dom.high is not None and threshold >= dom.high
            ):
                covered = True
            previous = threshold
        if node.otherwise is not None:
            other = self._expr(node.otherwise, scope, expected or (infos[0].type if infos else None))
            if not covered:
                infos.append(other)
                results.append(node.otherwise)
        elif not covered and previous is not None:
            gap = f"below {_show(previous, percent)}" if direction == "from" else f"above {_show(previous, percent)}"
            self.error(
                "PR407", f"these bands give nothing to values {gap}", node.span, "add `otherwise: ...;` as the last row"
            )
        if not infos:
            return UNKNOWN
        return self._unify(infos, results, "the bands", node.span)

    def _expr_match(self, node: n.Match, scope: Scope, expected: Type | None) -> Info:
        subject = self._expr(node.subject, scope)
        if subject.type is None or self._missing_level(node.subject):
            return UNKNOWN
        if subject.type.kind not in ("enum", "level", "boolean"):
            self.error(
                "PR306",
                f"`match` needs a choice (one of ..., a level, true/false), not {subject.type.describe()}",
                node.subject.span,
            )
            return UNKNOWN
        domain = list(subject.type.members) if subject.type.kind != "boolean" else ["true", "false"]
        seen: dict[str, n.Span] = {}
        infos: list[Info] = []
        results: list[n.Expr] = []
        for arm in node.arms:
            for pattern in arm.patterns:
                key = pattern.name if isinstance(pattern, n.Name) else str(getattr(pattern, "value", "")).lower()
                if key not in domain:
                    self.error(
                        "PR301", f"`{key}` is not {subject.type.describe()}", pattern.span, did_you_mean(key, domain)
                    )
                    continue
                if key in seen:
                    self.error(
                        "PR408",
                        f"`{key}` is matched twice (first at line {seen[key].line})",
                        pattern.span,
                        "each case may appear in one row only",
                    )
                    continue
                seen[key] = pattern.span
                if isinstance(pattern, n.Name):
                    self.resolutions[id(pattern)] = Resolution("member", key, domain.index(key), subject.type)
            infos.append(self._expr(arm.result, scope, expected or (infos[0].type if infos else None)))
            results.append(arm.result)
        missing = [d for d in domain if d not in seen]
        if node.otherwise is not None:
            other = self._expr(node.otherwise, scope, expected or (infos[0].type if infos else None))
            if missing:
                infos.append(other)
                results.append(node.otherwise)
        elif missing:
            self.error(
                "PR409",
                f"this match does not say what happens for {', '.join(f'`{m}`' for m in missing)}",
                node.span,
                "add rows for them or `otherwise: ...;`",
            )
        return self._unify(infos, results, "the rows of this match", node.span)

    def _expr_table(self, node: n.Table, scope: Scope, expected: Type | None) -> Info:
        columns = [self._expr(c, scope) for c in node.columns]
        if any(c.type is None for c in columns) or any([self._missing_level(c) for c in node.columns]):
            return UNKNOWN
        ok = True
        tests: list[list[Any]] = []
        for row in node.rows:
            if len(row.cells) != len(columns):
                self.error(
                    "PR410",
                    f"this row has {len(row.cells)} cell{'s' if len(row.cells) != 1 else ''} "
                    f"but the table has {len(columns)} column{'s' if len(columns) != 1 else ''}",
                    row.span,
                )
                ok = False
                continue
            tests.append([self._cell(cell, col.type) for cell, col in zip(row.cells, columns)])  # type: ignore[arg-type]
        infos = [self._expr(r.result, scope, expected) for r in node.rows]
        results: list[n.Expr] = [r.result for r in node.rows]
        if not ok or any(t is None for row in tests for t in row):
            return UNKNOWN
        pieces = [
            self._pieces(col, set().union(*(row[i][1] for row in tests)) if tests else set())
            for i, col in enumerate(columns)
        ]
        size = math.prod(len(p) for p in pieces)
        if size > MAX_TABLE_REGIONS:
            self.error(
                "PR411",
                f"this table has too many combinations to check ({size})",
                node.span,
                "split it into smaller tables",
            )
            return UNKNOWN
        won = [False] * len(tests)
        overlap_reported: set[tuple[int, int]] = set()
        gap_reported = False
        otherwise_used = False
        for region in itertools.product(*pieces):
            hits = [i for i, row in enumerate(tests) if all(t[0](value) for t, (value, _) in zip(row, region))]
            if hits:
                won[hits[0]] = True
                if node.hit_policy == "unique" and len(hits) > 1:
                    pair = (hits[0], hits[1])
                    if pair not in overlap_reported:
                        overlap_reported.add(pair)
                        self.error(
                            "PR412",
                            f"rows {hits[0] + 1} and {hits[1] + 1} of this `unique` table both match {_region(node, region)}",
                            node.rows[hits[1]].span,
                            "make the rows exclusive, or use `table first` if the first matching row should win",
                        )
            elif node.otherwise is None:
                if not gap_reported:
                    gap_reported = True
                    self.error(
                        "PR413",
                        f"no row of this table matches {_region(node, region)}",
                        node.span,
                        "add a row for it or `otherwise: ...;`",
                    )
            else:
                otherwise_used = True
        for i, has_won in enumerate(won):
            if not has_won:
                self.error(
                    "PR414",
                    f"row {i + 1} of this table can never apply",
                    node.rows[i].span,
                    "earlier rows already match every case it matches, or it contradicts the inputs' ranges",
                )
        kept_infos = [info for info, w in zip(infos, won) if w]
        kept = [r for r, w in zip(results, won) if w]
        if node.otherwise is not None:
            other = self._expr(node.otherwise, scope, expected or (infos[0].type if infos else None))
            if otherwise_used:
                kept_infos.append(other)
                kept.append(node.otherwise)
        if not kept_infos:
            return UNKNOWN
        return self._unify(kept_infos, kept, "the rows of this table", node.span)

    def _cell(self, cell: n.Cell, column: Type) -> Any:
        """A cell as a test of one column value (numbers and dates as Fractions, choices as names)."""
        if isinstance(cell, n.AnyCell):
            return (lambda v: True), set()
        if isinstance(cell, n.MemberCell):
            if column.kind not in ("enum", "level"):
                self.error("PR301", f"this column is {column.describe()}, not a choice", cell.span)
                return None
            for m in cell.members:
                if m not in column.members:
                    self.error("PR301", f"`{m}` is not {column.describe()}", cell.span, did_you_mean(m, column.members))
                    return None
            members = frozenset(cell.members)
            return (lambda v: v in members), set()
        if isinstance(cell, n.EqualCell):
            if isinstance(cell.value, n.BooleanLiteral):
                if column.kind != "boolean":
                    self.error("PR301", f"this column is {column.describe()}, not true/false", cell.span)
                    return None
                expected_bool = cell.value.value
                return (lambda v: v == expected_bool), set()
            value = self._threshold(cell.value, column, cell.span)
            if value is None:
                return None
            return (lambda v: v == value), {value}
        checks = []
        for op, lit in cell.tests:
            if op in ("==", "!="):
                self.error("PR415", f"write `{op}` cells as a plain value", cell.span)
                return None
            if column.kind == "boolean" or not (column.numeric or column.kind == "date"):
                self.error("PR301", f"this column is {column.describe()}; it cannot be compared with `{op}`", cell.span)
                return None
            value = self._threshold(lit, column, cell.span)
            if value is None:
                return None
            checks.append((op, value))
        return (lambda v: all(_apply(op, v, t) for op, t in checks)), {t for _, t in checks}

    def _pieces(self, column: Info, thresholds: set[Fraction]) -> list[tuple[Any, str]]:
        """Representative values of the regions in which every cell of the column behaves the same."""
        type_ = column.type
        assert type_ is not None
        if type_.kind == "boolean":
            return [(True, "true"), (False, "false")]
        if type_.kind in ("enum", "level"):
            return [(m, m) for m in type_.members]
        # numbers and dates: cut the column's range at every threshold its cells use
        dom = column.interval or Interval.unbounded()
        whole = type_.kind in ("integer", "date")
        cuts = sorted(c for c in thresholds if dom.contains(c))
        pieces: list[Fraction] = list(cuts)
        # the ends of the range are values too (0 and 10 of 0..10), and so is what lies between cuts
        pieces += [end for end in (dom.low, dom.high) if end is not None]
        for lo, hi in zip([dom.low, *cuts], [*cuts, dom.high]):
            rep = _inside(lo, hi, whole)
            if rep is not None:
                pieces.append(rep)
        if not pieces:
            pieces = [dom.low if dom.low is not None else Fraction(0)]
        if type_.kind == "date":
            return [(p, str(datetime.date.fromordinal(int(p)))) for p in sorted(set(pieces))]
        return [(p, _show(p, type_.kind == "percent")) for p in sorted(set(pieces))]

    # ------------------------------------------------------------ grades
    def _grades(self, blocks: list[n.Grades], maximum: Decimal | None) -> tuple[GradeInfo, ...]:
        if not blocks and self.library:
            return ()
        if not blocks:
            self.error("PR601", "the file declares no grades", self.tree.span, "add `grades { grade ... }`")
            return ()
        for extra in blocks[1:]:
            self.error("PR201", "the file has two `grades` blocks", extra.span, "put every grade in one block")
        grades = blocks[0].grades
        if not grades:
            self.error("PR601", "the grades block is empty", blocks[0].span)
            return ()
        for i, g in enumerate(grades):
            if g.name in self.grade_names:
                self.error("PR204", f"grade `{g.name}` is declared twice", g.span)
            elif g.name in RESERVED:
                self.error("PR203", f"`{g.name}` is a word of the language and cannot name a grade", g.span)
            else:
                self.grade_names[g.name] = i
        banded = [g for g in grades if g.band is not None]
        if banded and len(banded) != len(grades):
            first = next(g for g in grades if g.band is None)
            self.error(
                "PR602",
                f"grade `{first.name}` has no `band` while other grades have one",
                first.span,
                "give every grade a band, or none",
            )
        if banded and maximum is None:
            self.error("PR602", "grades have score bands but the criteria have no points", banded[0].span)
        if len(banded) == len(grades) and maximum is not None:
            self._check_bands(grades)
        infos: list[GradeInfo] = []
        for i, g in enumerate(grades):
            for req in g.requirements:
                self._condition(req.condition, Scope("grade"), f'the requirement "{req.label}"')
            fallback: int | None = i + 1 if i + 1 < len(grades) else None
            if g.fallback is not None:
                target = self.grade_names.get(g.fallback.name)
                if target is None:
                    self.error(
                        "PR215",
                        f"there is no grade `{g.fallback.name}`",
                        g.fallback.span,
                        did_you_mean(g.fallback.name, self.grade_names),
                    )
                elif target <= i:
                    self.error("PR603", f"`else` must name a lower grade than `{g.name}`", g.fallback.span)
                else:
                    fallback = target
            if g.requirements and fallback is None:
                self.error(
                    "PR604",
                    f"the last grade `{g.name}` has requirements: an organisation that fails them would get no grade",
                    g.span,
                    "move the requirements to a better grade, or add a lower grade",
                )
            low = g.band.low.value if g.band and g.band.low is not None else None
            high = g.band.high.value if g.band and g.band.high is not None else None
            infos.append(GradeInfo(g.name, g.label, low, high, g.requirements, fallback, g.citations, g.notes, g.span))
        return tuple(infos)

    def _check_bands(self, grades: tuple[n.Grade, ...]) -> None:
        total = self.total
        for g in grades:
            band = g.band
            assert band is not None
            for end in (band.low, band.high):
                if end is not None and end.percent:
                    self.error(
                        "PR303",
                        "grade bands are in points, not percentages",
                        end.span,
                        f"write {format((end.value * 100).normalize(), 'f')}",
                    )
            if band.low is not None and band.high is not None and band.low.value >= band.high.value:
                self.error(
                    "PR605",
                    f"the band of `{g.name}` is empty (from {band.low.value} below {band.high.value})",
                    band.span,
                )
                return  # gaps around an empty band would only repeat it
        lows = [g.band.low.value if g.band and g.band.low is not None else None for g in grades]
        known = [v for v in lows if v is not None]
        if known != sorted(known, reverse=True):
            self.error(
                "PR607",
                "grades must be listed from best to worst, each band below the one before",
                grades[0].span,
                "put the grade with the highest band first",
            )
            return
        top = grades[0].band
        assert top is not None
        if top.high is not None and (total.high is None or Fraction(top.high.value) <= total.high):
            self.error(
                "PR606",
                f"totals from {top.high.value} up reach no grade",
                top.span,
                f"let the best grade's band have no upper end: `band from {top.low.value if top.low else 0};`",
            )
        bottom = grades[-1].band
        assert bottom is not None
        if bottom.low is not None and (total.low is None or Fraction(bottom.low.value) > total.low):
            self.error(
                "PR606",
                f"totals below {bottom.low.value} reach no grade",
                bottom.span,
                f"let the last grade's band have no lower end: `band below {bottom.high.value if bottom.high else bottom.low.value};`",
            )
        for upper, lower in itertools.pairwise(grades):
            ub, lb = upper.band, lower.band
            assert ub is not None and lb is not None
            if ub.low is None or lb.high is None:
                self.error(
                    "PR607",
                    f"the bands of `{upper.name}` and `{lower.name}` overlap",
                    lb.span,
                    "list grades from best to worst, each band starting where the next one ends",
                )
                continue
            # in a file that extends another, the band this file moved is the one to mend
            moved = ub.span if ub.span.file != lb.span.file and ub.span.file == self.filename else lb.span
            fix = (
                f"make `{upper.name}`'s band start at {lb.high.value}"
                if moved is ub.span
                else f"make `{lower.name}`'s band end at {ub.low.value}"
            )
            if lb.high.value < ub.low.value:
                self.error("PR606", f"totals from {lb.high.value} below {ub.low.value} reach no grade", moved, fix)
            elif lb.high.value > ub.low.value:
                self.error(
                    "PR607",
                    f"totals from {ub.low.value} below {lb.high.value} fall in both `{upper.name}` and `{lower.name}`",
                    moved,
                    fix,
                )

    def _rule(self, rule: n.Knockout) -> RuleInfo:
        if rule.name in RESERVED:
            self.error("PR203", f"`{rule.name}` is a word of the language and cannot name a rule", rule.span)
        elif rule.name in self.rule_names:
            first = self.rule_names[rule.name]
            self.error("PR204", f"the rule `{rule.name}` is declared twice (first at line {first.line})", rule.span)
        else:
            self.rule_names[rule.name] = rule.span
        condition = rule.condition or n.BooleanLiteral(False)
        info = self._condition(condition, Scope("knockout"), "a `when` condition")
        if info.truth is False:
            self.error("PR608", f"`{rule.name}` can never apply: its condition is never true", condition.span)
        grade: int | None = None
        if rule.grade is not None:
            grade = self.grade_names.get(rule.grade.name)
            if grade is None:
                self.error(
                    "PR215",
                    f"there is no grade `{rule.grade.name}`",
                    rule.grade.span,
                    did_you_mean(rule.grade.name, self.grade_names),
                )
        return RuleInfo(
            rule.name, rule.label, rule.kind, condition, rule.action, grade, rule.citations, rule.notes, rule.span
        )

    def _reachability(self, grades: tuple[GradeInfo, ...], knockouts: tuple[RuleInfo, ...]) -> None:
        if not grades:
            return
        reached: set[int] = set()
        total = self.total
        for i, g in enumerate(grades):
            low = Fraction(g.low) if g.low is not None else None
            high = Fraction(g.high) if g.high is not None else None
            in_band = (low is None or total.high is None or low <= total.high) and (
                high is None or total.low is None or high > total.low
            )
            if in_band:
                reached.add(i)
        # a grade whose requirement can never hold is granted only by a knock-out
        never = set()
        for i, g in enumerate(grades):
            for req in g.requirements:
                t = self._truth_of(req.condition)
                if t is False:
                    never.add(i)
        frontier = list(reached)
        while frontier:
            i = frontier.pop()
            g = grades[i]
            can_fail = any(self._truth_of(r.condition) is not True for r in g.requirements)
            if g.requirements and g.fallback is not None and g.fallback not in reached and can_fail:
                reached.add(g.fallback)
                frontier.append(g.fallback)
        granted = (reached - never) | {k.grade for k in knockouts if k.grade is not None and k.action == "force"}
        # a cap lowers a grade to its target, so the target is granted whenever a better one could be
        for k in knockouts:
            if k.action == "cap" and k.grade is not None and any(j <= k.grade for j in reached - never):
                granted.add(k.grade)
        for i, g in enumerate(grades):
            if i not in granted:
                why = (
                    "its requirements can never hold"
                    if i in never
                    else "no total falls in its band and no rule leads to it"
                )
                self.error("PR609", f"grade `{g.name}` can never be given: {why}", g.span)

    def _truth_of(self, expr: n.Expr) -> bool | None:
        return self.truths.get(id(expr))

    def _unused(self, inputs: list[InputInfo]) -> None:
        if self.library:  # a library declares for others to use
            return
        used = {r.target for r in self.resolutions.values() if r.kind == "input"}
        for i in inputs:
            if i.name not in used:
                self.warn("PR901", f"input `{i.name}` is never used", i.span)


def _as_percent(value: Decimal) -> str:
    """The percentage a plain number most likely meant: 0.9 -> 90%, 90 -> 90%."""
    shown = value * 100 if abs(value) < 1 else value
    return format(shown.normalize(), "f") + "%"


def _key_name(key: ValueKey) -> str:
    kind, name = key
    return {"let": name, "points": name, "level": f"level({name})", "applicable": f"applicable({name})"}[kind]


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


def _extreme(fn: str, intervals: list[Interval]) -> Interval:
    lows = [i.low for i in intervals]
    highs = [i.high for i in intervals]
    if fn == "min":
        low = None if any(v is None for v in lows) else min(v for v in lows if v is not None)
        finite = [v for v in highs if v is not None]
        high = min(finite) if finite else None
    else:
        finite = [v for v in lows if v is not None]
        low = max(finite) if finite else None
        high = None if any(v is None for v in highs) else max(v for v in highs if v is not None)
    return Interval(low, high)


def _round_fraction(value: Fraction | None, places: int) -> Fraction | None:
    if value is None:
        return None
    scaled = value * 10**places
    whole = math.floor(abs(scaled) + Fraction(1, 2))
    return Fraction(whole if scaled >= 0 else -whole, 10**places)


def _f(value: Any) -> Fraction | None:
    return None if value is None else Fraction(value)


def _apply(op: str, value: Fraction, threshold: Fraction) -> bool:
    return {
        ">": value > threshold,
        ">=": value >= threshold,
        "<": value < threshold,
        "<=": value <= threshold,
    }[op]


def _inside(low: Fraction | None, high: Fraction | None, whole: bool) -> Fraction | None:
    """A value strictly between low and high (whole when the column is whole), or None."""
    if low is None and high is None:
        return Fraction(0)
    if low is None:
        assert high is not None
        return Fraction(math.ceil(high) - 1)
    if high is None:
        return Fraction(math.floor(low) + 1)
    if whole:
        candidate = Fraction(math.floor(low) + 1)
        return candidate if candidate < high else None
    return (low + high) / 2 if low < high else None


def _region(table: n.Table, region: tuple[tuple[Any, str], ...]) -> str:
    parts = []
    for column, (_, shown) in zip(table.columns, region):
        label = column.name if isinstance(column, n.Name) else "column"
        parts.append(f"{label} = {shown}")
    return ", ".join(parts)
