"""Examples and properties of a criteria file, checked against the finished model.

A criteria file may carry worked examples (``example``, or ``examples ... from
"table.csv"``) and stated properties (``property``). They never change a score;
``partyrules test`` runs them (:mod:`partyrules.proving`). This pass checks them once the
scale itself has no error and its quotas are checked (the last pass: the model it attaches
the :class:`~partyrules.casebook.Casebook` to is final), the way a test must make sense before
it is run: facts that name real inputs and fit them (the run-time's own fact checks, and the
constraints through the reference interpreter), expectations that name real grades,
criteria and rules and could ever happen, property conditions typed like any other condition
(in the scope of knock-outs, where ``total`` is known). Problems are diagnostics PR801-PR811
(docs/language.md §13); batch examples, with rows, are checked by :mod:`partyrules.checker.batches`.

An examples table is untrusted text naming a file, so it is read only from the folder of the
criteria file itself: a bare file name ending in ``.csv``, never a path, and never a link that
leads elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs

from partyrules import nodes as n, reference
from partyrules.casebook import BatchCase, Casebook, ExampleCase, Expect, PropertyCase
from partyrules.checker.batches import batch
from partyrules.checker.expressions import Expressions
from partyrules.checker.state import Scope
from partyrules.delimited import records
from partyrules.diagnostics import Diagnostic, Related, did_you_mean
from partyrules.model import CriterionInfo, InputInfo, Model
from partyrules.nodes import RESERVED
from partyrules.printer import number_text
from partyrules.reads import note_read
from partyrules.runtime import MISSING, FactProblem, FactsError, FactSpec, check_facts
from partyrules.types import Exact

#: Largest examples table read (the same limit as a criteria file).
MAX_TABLE_BYTES = 4 * 1024 * 1024
#: Columns of an examples table that hold expectations rather than facts.
TABLE_EXPECTATIONS = ("total", "grade", "band", "knockout", "not_graded")
#: Orderable kinds of input: what "the input grows" means for a monotone property.
ORDERED_KINDS = ("integer", "decimal", "percent", "date", "boolean", "level")

Condition = Callable[[n.Expr, str], object]  # checks a condition in the checker's own scope (total allowed)


def examples(c: Expressions, model: Model) -> Model | None:
    """Check the model's examples and properties; the model with its casebook, or None after an error."""
    before = len(c.problems)
    book = _Casebook(model, c.problems, lambda e, what: c.condition(e, Scope("knockout"), what)).run()
    if any(p.severity == "error" for p in c.problems[before:]):
        return None
    return attrs.evolve(model, tests=book)


def fact_spec(info: InputInfo) -> FactSpec:
    """How the run-time checks one input: bounds and default in percent units for a percentage."""
    kind = info.type.kind
    low, high, default = info.low, info.high, info.default if info.has_default else MISSING
    if kind == "percent":
        low, high = _percent_units(low), _percent_units(high)
        default = _percent_units(default) if info.has_default else MISSING
    elif kind == "level" and info.has_default:
        default = info.type.members.index(str(default))
    return FactSpec(info.name, kind, low, high, info.places, default, info.type.members)


def _percent_units(value: Any) -> Any:
    return None if value is None else Decimal(value).scaleb(2)


class _Casebook:
    def __init__(self, model: Model, problems: list[Diagnostic], condition: Condition) -> None:
        self.model = model
        self.problems = problems
        self.condition = condition
        self.inputs = {i.name: i for i in model.inputs}
        self.specs = {i.name: fact_spec(i) for i in model.inputs}
        self.grades = [g.name for g in model.grades]
        self.scored = {c.name: c for c in model.criteria + model.deductions + model.bonuses if c.maximum is not None}
        self.rated = {c.name: c for c in model.criteria if c.level is not None}
        self.knockouts = [k.name for k in model.knockouts]
        self.exemptions = [k.name for k in model.exemptions]
        self.unread: list[tuple[str, str]] = []
        # examples by name (the first of a name), and the facts each resolves to, `like` included
        self.example_decls: dict[str, n.Example] = {}
        for decl in model.file.declarations:
            if isinstance(decl, n.Example):
                self.example_decls.setdefault(decl.name, decl)
        self.resolved: dict[int, tuple[dict[str, Any], dict[str, n.Span]] | None] = {}
        self.row_examples: list[n.Example] = []  # the rows of batches, resolved as examples: kept alive for their ids

    def error(
        self,
        code: str,
        message: str,
        span: n.Span,
        hint: str | None = None,
        file: str | None = None,
        severity: str = "error",
        related: tuple[Related, ...] = (),
    ) -> None:
        if span.line == 0:
            span = n.Span(1, 1, 1, 2)
        where = file or self.file_of(span)
        self.problems.append(Diagnostic(code, message, where, span, hint, severity, related))

    def file_of(self, span: n.Span) -> str:
        return getattr(span, "file", "") or self.model.filename

    def missing(self, message: str, span: n.Span, hint: str | None = None) -> None:
        """A table not found where the file was loaded (copied alone, or given as text): a warning, since
        examples never change a score and scoring must go on; a test run reports it as a failure."""
        self.error("PR809", message, span, hint, severity="warning")
        self.unread.append((self.location(span), message))

    def location(self, span: n.Span) -> str:
        return f"{self.file_of(span)}:{span.line}:{span.column}"

    # ------------------------------------------------------------ driver
    def run(self) -> Casebook:
        examples: list[ExampleCase | BatchCase] = []
        properties: list[PropertyCase] = []
        names: dict[str, n.Span] = {}
        for decl in self.model.file.declarations:
            if isinstance(decl, (n.Example, n.Property)):
                kind = "example" if isinstance(decl, n.Example) else "property"
                if decl.name in RESERVED:
                    self.error(
                        "PR801",
                        f"`{decl.name}` is a word of the language and cannot name an {kind}"
                        if kind == "example"
                        else f"`{decl.name}` is a word of the language and cannot name a property",
                        decl.span,
                    )
                elif decl.name in names:
                    first = names[decl.name]
                    self.error(
                        "PR801",
                        f"`{decl.name}` names two examples or properties",
                        decl.span,
                        "give each example and property its own name",
                        related=(Related("first named here", self.file_of(first), first),),
                    )
                names.setdefault(decl.name, decl.span)
            if isinstance(decl, n.Example):
                case = batch(self, decl) if decl.rows else self.example(decl)
                if case is not None:
                    examples.append(case)
            elif isinstance(decl, n.ExampleTable):
                examples.extend(self.table(decl))
            elif isinstance(decl, n.Property):
                properties.append(self.property(decl))
        return Casebook(tuple(examples), tuple(properties), self.model, tuple(self.unread))

    # ------------------------------------------------------------ facts
    def literal_fact(self, fact: n.GivenFact) -> tuple[bool, Any]:
        """The fact a literal stands for, as evaluate takes it; (False, None) after a diagnostic."""
        info = self.inputs[fact.name]
        kind, value = info.type.kind, fact.value
        if isinstance(value, n.Name) and value.name == "default" and value.name not in info.type.members:
            # the input's declared default: in an example built `like` another, it undoes the base's fact
            if info.has_default:
                return True, None  # the run-time gives an absent (None) fact its default
            self.error(
                "PR803",
                f"`{fact.name}` has no default",
                value.span,
                f"give `{fact.name}` a value, or declare a default: `input {fact.name} ...: ... = VALUE;`",
            )
            return False, None
        if isinstance(value, n.Name):
            if kind in ("enum", "level"):
                if value.name in info.type.members:
                    return True, value.name
                self.error(
                    "PR803",
                    f"`{value.name}` is not {info.type.describe()}",
                    value.span,
                    did_you_mean(value.name, info.type.members),
                )
                return False, None
            self.error("PR803", f"`{fact.name}` takes {info.type.describe()}, not the name `{value.name}`", value.span)
            return False, None
        if isinstance(value, n.Number):
            if kind == "percent":
                if value.percent or value.value == 0:
                    return True, value.value.scaleb(2).normalize()
                self.error(
                    "PR803",
                    f"`{fact.name}` is a percentage but {number_text(value.value)} is a plain number",
                    value.span,
                    f"write {number_text(value.value)}%",
                )
                return False, None
            if value.percent:
                self.error("PR803", f"`{fact.name}` takes {info.type.describe()}, not a percentage", value.span)
                return False, None
            if kind == "integer" and value.value == value.value.to_integral_value():
                return True, int(value.value)
            return True, value.value
        return True, value.value

    def validate(
        self,
        given: dict[str, Any],
        spans: dict[str, n.Span],
        whole: n.Span,
        what: str,
        file: str | None = None,
        inherited: frozenset[str] = frozenset(),
    ) -> bool:
        """Report what the run-time would refuse in these facts: kind, range, places, missing, constraints."""
        ok = True
        missing = [i.name for i in self.model.inputs if not i.has_default and i.name not in given]
        if missing:
            ok = False
            shown = ", ".join(f"`{m}`" for m in missing)
            self.error(
                "PR804",
                f"{what} does not give {'the required input' if len(missing) == 1 else 'the required inputs'} {shown}",
                whole,
                "give a value to every input without a default",
                file,
            )
        try:
            check_facts(tuple(self.specs.values()), given)
        except FactsError as exc:
            for problem in exc.problems:
                ok = False
                if problem.input in missing or problem.input in inherited:
                    continue  # a fact of the example built on is reported there
                self.error(
                    "PR803", f"`{problem.input}`: {problem.message}", spans.get(problem.input, whole), None, file
                )
        if ok:
            for constraint in reference.broken_constraints(self.model, given):
                ok = False
                self.error(
                    "PR805",
                    f'{what} breaks the constraint "{constraint.label}"',
                    whole,
                    "no organisation can have these facts: correct them",
                    file,
                )
        return ok

    # ------------------------------------------------------------ examples
    def facts_of(self, decl: n.Example, chain: tuple[int, ...] = ()) -> tuple[dict[str, Any], dict[str, n.Span]] | None:
        """The facts of an example (with ``like``: its base's, those given here in their place) and where
        each is written; None after a diagnostic. Each example is resolved once, so a base's problem is
        reported at the base only."""
        if id(decl) in self.resolved:
            return self.resolved[id(decl)]
        given: dict[str, Any] = {}
        spans: dict[str, n.Span] = {}
        ok = True
        if decl.like is not None:
            base = self.example_decls.get(decl.like.name)
            if base is None:
                known = [name for name in self.example_decls if name != decl.name]
                hint = did_you_mean(decl.like.name, known) or "build on an example of this file, by its name"
                self.error("PR812", f"there is no example `{decl.like.name}` to build on", decl.like.span, hint)
                ok = False
            elif base is decl or id(base) in chain:
                self.error(
                    "PR812",
                    f"example `{decl.name}` is built like `{base.name}`, which is built like it",
                    decl.like.span,
                    "build both on an example with facts of its own",
                )
                ok = False
            else:
                found = self.facts_of(base, (*chain, id(decl)))
                ok = found is not None  # the base's own problems are reported at the base
                if found is not None:
                    given.update(found[0])
                    spans.update(found[1])
        own: set[str] = set()
        for fact in decl.facts:
            if fact.name in own:
                self.error("PR802", f"`{fact.name}` is given twice", fact.span, "keep one")
                ok = False
                continue
            own.add(fact.name)
            spans[fact.name] = fact.span
            if fact.name not in self.inputs:
                self.error("PR802", f"`{fact.name}` is not an input", fact.span, did_you_mean(fact.name, self.inputs))
                ok = False
                continue
            good, value = self.literal_fact(fact)
            if good:
                given[fact.name] = value
            ok = ok and good
        self.resolved[id(decl)] = (given, spans) if ok else None
        return self.resolved[id(decl)]

    def example(self, decl: n.Example) -> ExampleCase | None:
        found = self.facts_of(decl)
        ok = found is not None
        given, spans = found if found is not None else ({}, {})
        if ok:
            inherited = frozenset(given) - {fact.name for fact in decl.facts}
            ok = self.validate(given, spans, decl.span, f"example `{decl.name}`", inherited=inherited)
        expectations = [self.expectation(e) for e in decl.expectations]
        if not decl.expectations:
            self.error(
                "PR808",
                f"example `{decl.name}` expects nothing",
                decl.span,
                "add `expect total ...;` or `expect grade ...;`",
            )
        if not ok or any(e is None for e in expectations):
            return None
        return ExampleCase(
            decl.name, decl.label, given, tuple(e for e in expectations if e is not None), self.location(decl.span)
        )

    def expectation(self, e: n.Expectation) -> Expect | None:
        target = e.target.name if e.target is not None else None
        span = e.target.span if e.target is not None else e.span
        if e.what == "total":
            value = self.amount(e.value, e.span, "the total")
            if value is None:
                return None
            total = self.model.total
            if not total.contains(Fraction(value)):
                self.error(
                    "PR807",
                    f"no organisation can have a total of {number_text(value)}: totals lie in "
                    f"{_bound(total.low)}..{_bound(total.high)}",
                    e.span,
                )
                return None
            return Expect("total", None, value)
        assert target is not None
        if e.what in ("grade", "band"):
            return Expect(e.what, None, target) if self.named(e.what, target, span, self.grades, "grade") else None
        if e.what == "knockout":
            return (
                Expect(e.what, target, None) if self.named(e.what, target, span, self.knockouts, "knock-out") else None
            )
        if e.what == "not_graded":
            return (
                Expect(e.what, None, target)
                if self.named(e.what, target, span, self.exemptions, "not_graded rule")
                else None
            )
        if e.what == "points":
            info = self.criterion(target, span, self.scored, "points")
            value = self.amount(e.value, e.value.span if e.value is not None else e.span, f"the points of `{target}`")
            if info is None or value is None:
                return None
            return Expect("points", target, value) if self.points(info, value, e.span) else None
        assert e.what == "level" and isinstance(e.value, n.Name)
        info = self.criterion(target, span, self.rated, "level rule")
        if info is None:
            return None
        return Expect("level", target, e.value.name) if self.level(info, e.value.name, e.value.span) else None

    def amount(self, value: n.Literal | n.Name | None, span: n.Span, what: str) -> Decimal | None:
        if isinstance(value, n.Number) and not value.percent:
            return value.value
        self.error("PR807", f"{what} is a number of points", span, "write a plain number such as 90 or 87.5")
        return None

    def named(self, what: str, name: str, span: n.Span, known: list[str], kind: str, file: str | None = None) -> bool:
        if name in known:
            return True
        self.error("PR806", f"there is no {kind} `{name}`", span, did_you_mean(name, known), file)
        return False

    def criterion(
        self, name: str, span: n.Span, known: dict[str, CriterionInfo], needs: str, file: str | None = None
    ) -> CriterionInfo | None:
        if name in known:
            return known[name]
        every = [c.name for c in self.model.criteria + self.model.deductions + self.model.bonuses]
        if name in every:
            self.error("PR806", f"`{name}` has no {needs}", span, None, file)
        else:
            self.error("PR806", f"there is no criterion `{name}`", span, did_you_mean(name, every), file)
        return None

    def points(self, info: CriterionInfo, value: Decimal, span: n.Span, file: str | None = None) -> bool:
        assert info.maximum is not None
        if 0 <= value <= info.maximum:
            return True
        self.error(
            "PR807",
            f"`{info.name}` gives 0 to {number_text(info.maximum)} points, never {number_text(value)}",
            span,
            None,
            file,
        )
        return False

    def level(self, info: CriterionInfo, member: str, span: n.Span, file: str | None = None) -> bool:
        members = info.level_type.members if info.level_type is not None else ()
        if member in members:
            return True
        self.error("PR806", f"`{member}` is not a level of `{info.name}`", span, did_you_mean(member, members), file)
        return False

    # ------------------------------------------------------------ tables
    def table(self, decl: n.ExampleTable) -> list[ExampleCase]:
        text, shown = self.read_table(decl)
        if text is None:
            return []
        # commas only, as examples tables have always been read (data files also take `;` and tabs)
        rows = list(records(text, ","))
        if not rows:
            self.error(
                "PR808", f"the table {decl.path} is empty", decl.span, "add a header row and one row per example"
            )
            return []
        header_line, header = rows[0].start, rows[0].fields
        columns = [c.strip() for c in header]
        allowed = [*self.inputs, "example", *TABLE_EXPECTATIONS]
        allowed += [f"points.{c}" for c in self.scored] + [f"level.{c}" for c in self.rated]
        ok = True
        for i, column in enumerate(columns):
            where = n.Span(header_line, 1, header_line, 2)
            if columns.index(column) != i:
                self.error("PR802", f"the column `{column}` appears twice", where, "keep one", shown)
                ok = False
            elif column not in allowed:
                self.error(
                    "PR802",
                    f"the column `{column}` is neither an input nor an expectation",
                    where,
                    did_you_mean(column, allowed)
                    or "expectations: total, grade, band, knockout, not_graded, points.CRITERION, level.CRITERION",
                    shown,
                )
                ok = False
        if not ok:
            return []
        cases = []
        for line, _, cells, unreadable in rows[1:]:
            if unreadable is not None:
                where = n.Span(line, 1, line, 2)
                self.error("PR810", f"row {line} is not CSV: {unreadable}", where, None, shown)
                continue
            if not any(c.strip() for c in cells):
                continue
            case = self.row(decl, shown, columns, line, [c.strip() for c in cells])
            if case is not None:
                cases.append(case)
        if len(rows) == 1:
            self.error("PR808", f"the table {decl.path} has no rows", decl.span, None)
        return cases

    def read_table(self, decl: n.ExampleTable) -> tuple[str | None, str]:
        name = decl.path
        folder = Path(self.model.filename).parent
        shown = str(folder / name) if name else name
        unsafe = not name or any(c in name for c in "/\\:") or name.startswith(".") or "\x00" in name
        if unsafe:
            self.error(
                "PR809",
                f'"{name}" is not a file name: an examples table is read only from the folder of the criteria file',
                decl.span,
                'write the file name alone, e.g. "cell-meeting.examples.csv"',
            )
            return None, shown
        if not name.lower().endswith(".csv"):
            self.error("PR809", f'"{name}" is not a .csv file', decl.span, "save the table as CSV (UTF-8)")
            return None, shown
        source = Path(self.model.filename)
        if not source.is_file():
            note_read(source, None)
            self.missing(
                "criteria text given without its file has no folder to read an examples table from",
                decl.span,
                "load the file by its path",
            )
            return None, shown
        real_folder = source.resolve().parent
        path = real_folder / name
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            note_read(path, None)  # a compiled ruleset kept in the cache is stale once the table appears
            self.missing(f"no such file: {shown}", decl.span, "keep the table beside the criteria file")
            return None, shown
        if real.parent != real_folder:
            self.error(
                "PR809",
                f"{shown} leads outside the folder of the criteria file",
                decl.span,
                "copy the table into the folder instead of linking to it",
            )
            return None, shown
        if not real.is_file():
            self.error("PR809", f"{shown} is not a file", decl.span)
            return None, shown
        try:
            with open(real, "rb") as handle:
                data = handle.read(MAX_TABLE_BYTES + 1)
            note_read(real, data)
        except OSError as exc:
            self.error("PR809", f"cannot read {shown}: {exc.strerror}", decl.span)
            return None, shown
        if len(data) > MAX_TABLE_BYTES:
            self.error("PR809", f"{shown} is larger than {MAX_TABLE_BYTES // (1024 * 1024)} MiB", decl.span)
            return None, shown
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.error("PR809", f"{shown} is not UTF-8 text", decl.span, "save it as CSV UTF-8")
            return None, shown
        return text, shown

    def row(
        self, decl: n.ExampleTable, shown: str, columns: list[str], line: int, cells: list[str]
    ) -> ExampleCase | None:
        where = n.Span(line, 1, line, 2)
        if len(cells) != len(columns):
            self.error(
                "PR810",
                f"row {line} has {len(cells)} cells but the header has {len(columns)}",
                where,
                "every row needs one cell per column (an empty cell leaves a fact to its default)",
                shown,
            )
            return None
        given: dict[str, Any] = {}
        expectations: list[Expect] = []
        name = f"row {line}"
        ok = True
        for column, cell in zip(columns, cells):
            if not cell:
                continue
            if column == "example":
                name = cell
            elif column in self.inputs:
                given[column] = cell
            else:
                expect = self.cell_expectation(column, cell, line, shown)
                ok = ok and expect is not None
                if expect is not None:
                    expectations.append(expect)
        what = f"row {line}"
        if given:
            try:
                values = check_facts(tuple(self.specs.values()), given)
            except FactsError as exc:
                values = None
                self._row_problems(exc.problems, what, where, shown, given)
                ok = False
            if values is not None:
                given = self._typed(given, values)
        if ok:
            ok = self.validate(given, {}, where, what, shown)
        if not expectations and ok:
            self.error("PR808", f"row {line} expects nothing", where, "fill in the total, the grade or points", shown)
            ok = False
        if not ok:
            return None
        return ExampleCase(name, decl.label, given, tuple(expectations), f"{shown}:{line}:1")

    def _row_problems(
        self, problems: tuple[FactProblem, ...], what: str, where: n.Span, shown: str, given: dict[str, Any]
    ) -> None:
        for problem in problems:
            if problem.input in given:
                self.error("PR803", f"{what}: `{problem.input}`: {problem.message}", where, None, shown)
        missing = [p.input for p in problems if p.input not in given]
        if missing:
            self.error(
                "PR804",
                f"{what} does not give the required input{'s' if len(missing) > 1 else ''} "
                + ", ".join(f"`{m}`" for m in missing),
                where,
                "fill in every input without a default",
                shown,
            )

    def _typed(self, given: dict[str, Any], values: tuple[Any, ...]) -> dict[str, Any]:
        """Text cells as the typed facts the run-time made of them (a level by name, not by rank)."""
        out: dict[str, Any] = {}
        for spec, value in zip(self.specs.values(), values):
            if spec.name in given:
                out[spec.name] = spec.members[value] if spec.kind == "level" else value
        return out

    def cell_expectation(self, column: str, cell: str, line: int, shown: str) -> Expect | None:
        where = n.Span(line, 1, line, 2)
        what, _, target = column.partition(".")
        if what in ("total", "points"):
            value = _decimal(cell)
            if value is None:
                self.error("PR810", f"row {line}, column `{column}`: `{cell}` is not a number", where, None, shown)
                return None
            if what == "total":
                if not self.model.total.contains(Fraction(value)):
                    total = self.model.total
                    self.error(
                        "PR807",
                        f"row {line}: no organisation can have a total of {number_text(value)}: totals lie in "
                        f"{_bound(total.low)}..{_bound(total.high)}",
                        where,
                        None,
                        shown,
                    )
                    return None
                return Expect("total", None, value)
            return Expect("points", target, value) if self.points(self.scored[target], value, where, shown) else None
        if what == "level":
            return Expect("level", target, cell) if self.level(self.rated[target], cell, where, shown) else None
        if what in ("grade", "band"):
            return Expect(what, None, cell) if self.named(what, cell, where, self.grades, "grade", shown) else None
        if what == "not_graded":
            return (
                Expect(what, None, cell)
                if self.named(what, cell, where, self.exemptions, "not_graded rule", shown)
                else None
            )
        assert what == "knockout"
        rules = cell.replace("|", " ").split()
        if not all(self.named(what, r, where, self.knockouts, "knock-out", shown) for r in rules):
            return None
        # several knock-outs in one cell: the target lists them all, each must apply
        return Expect("knockout", " ".join(rules), None)

    # ------------------------------------------------------------ properties
    def property(self, decl: n.Property) -> PropertyCase:
        for condition in decl.assuming:
            self.condition(condition, "an `assuming` condition")
        if not decl.claims:
            self.error(
                "PR808",
                f"property `{decl.name}` claims nothing",
                decl.span,
                "add `always ...;`, `total within A..B;`, `monotone increasing in INPUT;` or `grade G requires ...;`",
            )
        for claim in decl.claims:
            self.claim(claim)
        return PropertyCase(decl.name, decl.label, decl.assuming, decl.claims, self.location(decl.span))

    def claim(self, claim: n.Claim) -> None:
        if claim.kind == "within":
            assert claim.range is not None
            ends = [
                self.amount(end, end.span, "a total") if isinstance(end, n.Number) else None
                for end in (claim.range.low, claim.range.high)
            ]
            for end, lit in zip(ends, (claim.range.low, claim.range.high)):
                if end is None and not isinstance(lit, n.Number):
                    self.error("PR807", "a total is a number of points", lit.span)
            low, high = ends
            if low is not None and high is not None and low > high:
                self.error(
                    "PR811",
                    f"the range {number_text(low)}..{number_text(high)} is empty",
                    claim.range.span,
                    "write the smaller end first",
                )
        elif claim.kind == "monotone":
            assert claim.subject is not None
            name = claim.subject.name
            info = self.inputs.get(name)
            if info is None:
                self.error(
                    "PR806",
                    f"there is no input `{name}`",
                    claim.subject.span,
                    did_you_mean(name, self.inputs) or "a monotone property varies one input",
                )
            elif info.type.kind not in ORDERED_KINDS:
                self.error(
                    "PR811",
                    f"`{name}` is {info.type.describe()}, whose values have no order: it cannot grow",
                    claim.subject.span,
                    "state what each choice should give with examples, or compare two choices with `always`",
                )
        elif claim.kind == "requires":
            assert claim.subject is not None and claim.condition is not None
            self.named("requires", claim.subject.name, claim.subject.span, self.grades, "grade")
            self.condition(claim.condition, "a requirement of a property")
        else:
            assert claim.condition is not None
            self.condition(claim.condition, "an `always` condition")


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _bound(value: Exact | None) -> str:
    if value is None:
        return "…"
    if value.denominator == 1:
        return str(value.numerator)
    return number_text(Decimal(value.numerator) / Decimal(value.denominator))
