"""Building the typed nodes of :mod:`partyrules.nodes` from lark's parse tree (a :class:`lark.Transformer`)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from lark import Token, v_args
from lark.tree import Meta

from partyrules import nodes as n
from partyrules.diagnostics import Diagnostic
from partyrules.parser.casebook import CasebookBuilder
from partyrules.parser.errors import statement_word
from partyrules.parser.lalr import Lexeme
from partyrules.parser.making import made
from partyrules.parser.spans import span_key, span_of_meta, span_of_token, text_of

# ---------------------------------------------------------------- tree building


@v_args(meta=True)
class Builder(CasebookBuilder):
    """Builds nodes from lark's tree; collects problems it can see locally."""

    def __init__(self, filename: str, layout: bool = True) -> None:
        super().__init__()
        self.filename = filename
        self.problems: list[Diagnostic] = []
        self.blocks: dict[tuple[int, int, int, int], tuple[Any, ...]] = {}
        self.layout = layout  # whether the blocks are kept (the formatter reads them; a load does not)

    def _block(self, meta: Meta | tuple[int, int, int, int], stmts: list[Any]) -> None:
        """Remember a block's statements in file order, for the formatter."""
        if not self.layout:
            return
        if isinstance(meta, tuple):  # the parse loop's place is the key already
            self.blocks[meta] = tuple(stmts)
        else:
            self.blocks[span_key(span_of_meta(meta))] = tuple(stmts)

    def _problem(self, code: str, message: str, span: n.Span, hint: str | None = None) -> None:
        self.problems.append(Diagnostic(code, message, self.filename, span, hint))

    def _short(self, token: Token) -> bool:
        """Whether a number is written with at most :data:`MAX_NUMBER_DIGITS` digits (PR013 if not):
        longer ones would only cost time, and past 4,300 digits an int cannot even be written back."""
        text = str(token)
        if len(text) <= MAX_NUMBER_DIGITS:
            return True
        digits = sum(ch.isdigit() for ch in text)
        if digits > MAX_NUMBER_DIGITS:
            message = f"this number has {digits} digits; numbers in criteria have at most {MAX_NUMBER_DIGITS}"
            self._problem("PR013", message, span_of_token(token))
        return digits <= MAX_NUMBER_DIGITS

    # -- literals
    def decimal(self, meta: Meta, c: list[Token]) -> n.Number:
        text = str(c[0])  # a short number needs no counting (the commonest node of a file)
        value = Decimal(text) if len(text) <= MAX_NUMBER_DIGITS or self._short(c[0]) else Decimal(0)
        return made.Number(value, False, span_of_token(c[0]))

    def percent(self, meta: Meta, c: list[Token]) -> n.Number:
        text = str(c[0])
        value = Decimal(text[:-1]).scaleb(-2) if len(text) <= MAX_NUMBER_DIGITS or self._short(c[0]) else Decimal(0)
        return made.Number(value, True, span_of_token(c[0]))

    def negative(self, meta: Meta, c: list[Any]) -> n.Number:
        number: n.Number = c[0]
        return made.Number(-number.value, number.percent, span_of_meta(meta))

    def date(self, meta: Meta, c: list[Token]) -> n.DateLiteral:
        span = span_of_token(c[0])
        try:
            value = datetime.date.fromisoformat(str(c[0]))
        except ValueError:
            self._problem("PR006", f"`{c[0]}` is not a real date", span, "write dates as YYYY-MM-DD")
            value = datetime.date(1, 1, 1)
        return made.DateLiteral(value, span)

    def boolean(self, meta: Meta, c: list[Token]) -> n.BooleanLiteral:
        return made.BooleanLiteral(str(c[0]) == "true", span_of_token(c[0]))

    # -- expressions
    def name(self, meta: Meta, c: list[Token]) -> n.Name:
        return made.Name(str(c[0]), span_of_token(c[0]))

    def call(self, meta: Meta, c: list[Any]) -> n.Call:
        args = tuple(a for a in c[1:] if a is not None)
        return made.Call(str(c[0]), args, span_of_meta(meta))

    def if_expr(self, meta: Meta, c: list[Any]) -> n.If:
        return made.If(c[0], c[1], c[2], span_of_meta(meta))

    def or_op(self, meta: Meta, c: list[Any]) -> n.Binary:
        return made.Binary("or", c[0], c[1], span_of_meta(meta))

    def and_op(self, meta: Meta, c: list[Any]) -> n.Binary:
        return made.Binary("and", c[0], c[1], span_of_meta(meta))

    def not_op(self, meta: Meta, c: list[Any]) -> n.Unary:
        return made.Unary("not", c[0], span_of_meta(meta))

    def negate(self, meta: Meta, c: list[Any]) -> n.Expr:
        operand = c[0]
        if isinstance(operand, n.Number):
            return made.Number(-operand.value, operand.percent, span_of_meta(meta))
        return made.Unary("-", operand, span_of_meta(meta))

    def compare(self, meta: Meta, c: list[Any]) -> n.Compare:
        return made.Compare(str(c[1]), c[0], c[2], span_of_meta(meta))

    def add(self, meta: Meta, c: list[Any]) -> n.Binary:
        return made.Binary("+", c[0], c[1], span_of_meta(meta))

    def sub(self, meta: Meta, c: list[Any]) -> n.Binary:
        return made.Binary("-", c[0], c[1], span_of_meta(meta))

    def mul(self, meta: Meta, c: list[Any]) -> n.Binary:
        return made.Binary("*", c[0], c[1], span_of_meta(meta))

    def div(self, meta: Meta, c: list[Any]) -> n.Binary:
        return made.Binary("/", c[0], c[1], span_of_meta(meta))

    def otherwise_row(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        return ("otherwise", c[0], span_of_meta(meta))

    def _otherwise(self, rows: list[Any], kind: str) -> tuple[list[Any], n.Expr | None]:
        regular = [r for r in rows if not (isinstance(r, tuple) and r[0] == "otherwise")]
        others = [r for r in rows if isinstance(r, tuple) and r[0] == "otherwise"]
        for extra in others[1:]:
            self._problem(
                "PR007",
                f"{'these bands have' if kind == 'bands' else f'this {kind} has'} more than one `otherwise`",
                extra[2],
            )
        if others and rows[-1] is not others[-1]:
            self._problem(
                "PR008", f"`otherwise` must be the last row of the {kind}", others[0][2], "move it to the end"
            )
        if len(regular) > MAX_ARMS:  # each is a conditional nested in the one before, in the generated code
            self._problem(
                "PR015",
                f"{len(regular)} bands; at most {MAX_ARMS}"
                if kind == "bands"
                else f"this {kind} has {len(regular)} rows; at most {MAX_ARMS}",
                regular[MAX_ARMS].span,
                "split it in two, or group its values",
            )
            regular = regular[:MAX_ARMS]
        return regular, (others[0][1] if others else None)

    def band_row(self, meta: Meta, c: list[Any]) -> n.Band:
        return made.Band(str(c[0]), c[1], c[2], span_of_meta(meta))

    def bands(self, meta: Meta, c: list[Any]) -> n.Bands:
        rows, otherwise = self._otherwise(c[1:], "bands")
        return made.Bands(c[0], tuple(rows), otherwise, span_of_meta(meta))

    def match_arm(self, meta: Meta, c: list[Any]) -> n.MatchArm:
        return made.MatchArm(tuple(c[:-1]), c[-1], span_of_meta(meta))

    def match(self, meta: Meta, c: list[Any]) -> n.Match:
        arms, otherwise = self._otherwise(c[1:], "match")
        return made.Match(c[0], tuple(arms), otherwise, span_of_meta(meta))

    def any_cell(self, meta: Meta, c: list[Any]) -> n.AnyCell:
        return made.AnyCell(span_of_meta(meta))

    def compare_cell(self, meta: Meta, c: list[Any]) -> n.CompareCell:
        tests = [(str(c[0]), c[1])]
        if c[2] is not None:
            tests.append((str(c[2]), c[3]))
        return made.CompareCell(tuple(tests), span_of_meta(meta))

    def equal_cell(self, meta: Meta, c: list[Any]) -> n.EqualCell:
        return made.EqualCell(c[0], span_of_meta(meta))

    def member_cell(self, meta: Meta, c: list[Token]) -> n.MemberCell:
        return made.MemberCell(tuple(str(t) for t in c), span_of_meta(meta))

    def table_row(self, meta: Meta, c: list[Any]) -> n.TableRow:
        return made.TableRow(tuple(c[:-1]), c[-1], span_of_meta(meta))

    def table(self, meta: Meta, c: list[Any]) -> n.Table:
        policy = str(c[0])
        columns = [x for x in c[1:] if not isinstance(x, (n.TableRow, tuple))]
        rows, otherwise = self._otherwise([x for x in c[1:] if isinstance(x, (n.TableRow, tuple))], "table")
        return made.Table(policy, tuple(columns), tuple(rows), otherwise, span_of_meta(meta))

    # -- header
    def title(self, meta: Meta, c: list[Token]) -> tuple[str, Any, n.Span]:
        return ("title", text_of(c[0]), span_of_meta(meta))

    def version(self, meta: Meta, c: list[Token]) -> tuple[str, Any, n.Span]:
        return ("version", text_of(c[0]), span_of_meta(meta))

    def basis(self, meta: Meta, c: list[Token]) -> tuple[str, Any, n.Span]:
        return ("basis", text_of(c[0]), span_of_meta(meta))

    def note(self, meta: Meta, c: list[Token]) -> tuple[str, Any, n.Span]:
        return ("note", text_of(c[0]), span_of_meta(meta))

    def cite(self, meta: Meta, c: list[Token]) -> tuple[str, Any, n.Span]:
        return ("cite", text_of(c[0]), span_of_meta(meta))

    def effective(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        start = self.date(meta, [c[0]])
        end = self.date(meta, [c[1]]) if c[1] is not None else None
        return ("effective", (start, end), span_of_meta(meta))

    def status(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        return ("status", (str(c[0]), text_of(c[1]) if c[1] is not None else None), span_of_meta(meta))

    def reference(self, meta: Meta, c: list[Any]) -> n.Reference:
        on = self.date(meta, [c[1]]).value if c[1] is not None else None
        return made.Reference(text_of(c[0]), on, span_of_meta(meta))

    def extends(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        return ("extends", c[0], span_of_meta(meta))

    def header(self, meta: Meta, c: list[Any]) -> n.Header:
        fields: dict[str, Any] = {}
        notes: list[str] = []
        kind = c[0]
        c = c[1:]
        self._block(meta, c[1:])
        for key, value, span in c[1:]:
            if key == "note":
                notes.append(value)
                continue
            if key in fields:
                self._problem("PR009", f"the header says `{statement_word(key, value)}` twice", span, "keep one")
            fields[key] = value
        effective = fields.get("effective", (None, None))
        status = fields.get("status", (None, None))
        return made.Header(
            ruleset_id=text_of(c[0]),
            title=fields.get("title"),
            version=fields.get("version"),
            basis=fields.get("basis"),
            effective_from=effective[0].value if effective[0] is not None else None,
            effective_to=effective[1].value if effective[1] is not None else None,
            status=status[0],
            status_note=status[1],
            notes=tuple(notes),
            span=span_of_meta(meta),
            kind=kind,
            extends=fields.get("extends"),
        )

    # -- inputs
    def range(self, meta: Meta, c: list[Any]) -> n.Range:
        return made.Range(c[0], c[1], span_of_meta(meta))

    def places(self, meta: Meta, c: list[Token]) -> int:
        return int(str(c[0])) if self._short(c[0]) else 0

    def member(self, meta: Meta, c: list[Any]) -> n.Member:
        return made.Member(str(c[0]), text_of(c[1]) if c[1] is not None else None, span_of_meta(meta))

    def integer_type(self, meta: Meta, c: list[Any]) -> n.TypeSpec:
        return made.TypeSpec("integer", range=c[0], span=span_of_meta(meta))

    def decimal_type(self, meta: Meta, c: list[Any]) -> n.TypeSpec:
        return made.TypeSpec("decimal", range=c[0], places=c[1], span=span_of_meta(meta))

    def percent_type(self, meta: Meta, c: list[Any]) -> n.TypeSpec:
        return made.TypeSpec("percent", range=c[0], places=c[1], span=span_of_meta(meta))

    def boolean_type(self, meta: Meta, c: list[Any]) -> n.TypeSpec:
        return made.TypeSpec("boolean", span=span_of_meta(meta))

    def date_type(self, meta: Meta, c: list[Any]) -> n.TypeSpec:
        return made.TypeSpec("date", range=c[0], span=span_of_meta(meta))

    def enum_type(self, meta: Meta, c: list[Any]) -> n.TypeSpec:
        members = tuple(m for m in c if isinstance(m, n.Member))
        return made.TypeSpec("enum", members=members, span=span_of_meta(meta))

    def level_type(self, meta: Meta, c: list[Token]) -> n.TypeSpec:
        return made.TypeSpec("level", scale=str(c[0]), span=span_of_meta(meta))

    def input_decl(self, meta: Meta, c: list[Any]) -> n.Input:
        return made.Input(str(c[0]), text_of(c[1]), c[2], c[3], span_of_meta(meta))

    def levels_decl(self, meta: Meta, c: list[Any]) -> n.Levels:
        members = tuple(m for m in c[2:] if isinstance(m, n.Member))
        return made.Levels(str(c[0]), text_of(c[1]), members, span_of_meta(meta))

    def constraint_decl(self, meta: Meta, c: list[Any]) -> n.Constraint:
        return made.Constraint(text_of(c[0]), c[1], span_of_meta(meta))

    def let_decl(self, meta: Meta, c: list[Any]) -> n.Let:
        return made.Let(str(c[0]), text_of(c[1]) if c[1] is not None else None, c[2], span_of_meta(meta))

    def param_decl(self, meta: Meta, c: list[Any]) -> n.Let:
        return made.Let(str(c[0]), text_of(c[1]), c[2], span_of_meta(meta), parameter=True)

    def lock_all(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        return ("lock", "all", span_of_meta(meta))

    def lock_max(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        return ("lock", "max", span_of_meta(meta))

    # -- criteria
    def points_rule(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        return ("points", c[0], span_of_meta(meta))

    def level_rule(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        return ("level", c[0], span_of_meta(meta))

    def applicable(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        span = span_of_meta(meta)
        return ("applicable", made.Applicability(c[0], str(c[1]), span), span)

    def node_status(self, meta: Meta, c: list[Token]) -> tuple[str, Any, n.Span]:
        return ("status", str(c[0]), span_of_meta(meta))

    def rescale_rounding(self, meta: Meta, c: list[Token]) -> tuple[str, Any, n.Span]:
        places = int(str(c[0])) if self._short(c[0]) else 0
        if places > MAX_PLACES:  # every row would be rounded to that many places: a million took 35 s a row
            self._problem(
                "PR014",
                f"`rescale round {places}` keeps more decimal places than the {MAX_PLACES} partyrules keeps",
                span_of_token(c[0]),
                "write `rescale round 2;`",
            )
            places = MAX_PLACES
        return ("rescale", places, span_of_meta(meta))

    def _statements(self, stmts: list[Any], allowed: set[str] | frozenset[str], where: str) -> dict[str, Any]:
        fields: dict[str, Any] = {"cite": [], "note": [], "children": []}
        for stmt in stmts:
            if isinstance(stmt, n.Criterion):
                fields["children"].append(stmt)
                continue
            key, value, span = stmt
            if key not in allowed:
                self._problem("PR010", f"`{statement_word(key, value)}` cannot be used in {where}", span)
                continue
            if key in ("cite", "note"):
                fields[key].append(value)
            elif key in fields:
                if key == "action":
                    self._problem("PR009", f"{where} says more than one of `force` and `cap`", span, "keep one")
                else:
                    self._problem("PR009", f"{where} says `{statement_word(key, value)}` twice", span, "keep one")
            else:
                fields[key] = value
                fields[key + "_span"] = span
        return fields

    def _criterion(self, kind: str, meta: Meta, c: list[Any]) -> n.Criterion:
        allowed = _ITEM_STATEMENTS if kind == "item" else _GROUP_STATEMENTS
        where = f"{kind} `{c[0]}`"
        statements = c[3:]
        self._block(meta, statements)
        fields = self._statements(statements, allowed, where)
        return made.Criterion(
            kind=kind,
            name=str(c[0]),
            label=text_of(c[1]),
            maximum=c[2],
            citations=tuple(fields["cite"]),
            notes=tuple(fields["note"]),
            points=fields.get("points"),
            level=fields.get("level"),
            applicable=fields.get("applicable"),
            status=fields.get("status"),
            children=tuple(fields["children"]),
            span=span_of_meta(meta),
            lock=fields.get("lock"),
        )

    def group(self, meta: Meta, c: list[Any]) -> n.Criterion:
        return self._criterion("group", meta, c)

    def item(self, meta: Meta, c: list[Any]) -> n.Criterion:
        return self._criterion("item", meta, c)

    def criteria_decl(self, meta: Meta, c: list[Any]) -> n.CriteriaTree:
        self._block(meta, c[2:])
        fields = self._statements(c[2:], {"cite", "note", "status", "rescale", "lock"}, "the criteria")
        return made.CriteriaTree(
            label=text_of(c[0]),
            maximum=c[1],
            children=tuple(fields["children"]),
            citations=tuple(fields["cite"]),
            notes=tuple(fields["note"]),
            status=fields.get("status"),
            rescale_places=fields.get("rescale"),
            span=span_of_meta(meta),
            lock=fields.get("lock"),
        )

    # -- adjustments
    def adjustment(self, meta: Meta, c: list[Any]) -> n.Adjustment:
        kind = str(c[0])
        where = f"{kind} `{c[1]}`"
        self._block(meta, c[4:])
        fields = self._statements(c[4:], {"cite", "note", "points", "applicable", "status", "lock"}, where)
        return made.Adjustment(
            kind=kind,
            name=str(c[1]),
            label=text_of(c[2]),
            maximum=c[3],
            citations=tuple(fields["cite"]),
            notes=tuple(fields["note"]),
            points=fields.get("points"),
            applicable=fields.get("applicable"),
            status=fields.get("status"),
            span=span_of_meta(meta),
            lock=self._whole_lock(fields, where),
        )

    def _whole_lock(self, fields: dict[str, Any], where: str) -> str | None:
        """Only criteria have a maximum to lock on its own; elsewhere `locked` locks everything."""
        lock: str | None = fields.get("lock")
        if lock == "max":
            self._problem("PR010", f"`locked max` cannot be used in {where}", fields["lock_span"], "write `locked;`")
        return "all" if lock else None

    def _adjustments(self, kind: str, meta: Meta, c: list[Any]) -> n.Adjustments:
        items = tuple(c[2:])
        singular = "deduction" if kind == "deductions" else "bonus"
        for item in items:
            if item.kind != singular:
                self._problem(
                    "PR011",
                    f"a `{item.kind}` cannot stand among the {kind}",
                    item.span,
                    f"write `{singular}` here, or move it to the {'bonuses' if singular == 'deduction' else 'deductions'}",
                )
        return made.Adjustments(kind, text_of(c[0]), c[1], items, span_of_meta(meta))

    def deductions_decl(self, meta: Meta, c: list[Any]) -> n.Adjustments:
        return self._adjustments("deductions", meta, c)

    def bonuses_decl(self, meta: Meta, c: list[Any]) -> n.Adjustments:
        return self._adjustments("bonuses", meta, c)

    # -- grades
    def band_between(self, meta: Meta, c: list[Any]) -> n.ScoreBand:
        return made.ScoreBand(c[0], c[1], span_of_meta(meta))

    def band_from(self, meta: Meta, c: list[Any]) -> n.ScoreBand:
        return made.ScoreBand(c[0], None, span_of_meta(meta))

    def band_below(self, meta: Meta, c: list[Any]) -> n.ScoreBand:
        return made.ScoreBand(None, c[0], span_of_meta(meta))

    def band_any(self, meta: Meta, c: list[Any]) -> n.ScoreBand:
        return made.ScoreBand(None, None, span_of_meta(meta))

    def band(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        return ("band", c[0], span_of_meta(meta))

    def requirement(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        span = span_of_meta(meta)
        return ("require", made.Requirement(text_of(c[0]), c[1], span), span)

    def fallback(self, meta: Meta, c: list[Token]) -> tuple[str, Any, n.Span]:
        return ("else", made.Name(str(c[0]), span_of_token(c[0])), span_of_meta(meta))

    def grade(self, meta: Meta, c: list[Any]) -> n.Grade:
        self._block(meta, c[2:])
        requirements = [s[1] for s in c[2:] if s[0] == "require"]
        fields = self._statements(
            [s for s in c[2:] if s[0] != "require"], {"cite", "note", "band", "else", "lock"}, f"grade `{c[0]}`"
        )
        return made.Grade(
            name=str(c[0]),
            label=text_of(c[1]),
            band=fields.get("band"),
            requirements=tuple(requirements),
            fallback=fields.get("else"),
            citations=tuple(fields["cite"]),
            notes=tuple(fields["note"]),
            span=span_of_meta(meta),
            lock=self._whole_lock(fields, f"grade `{c[0]}`"),
        )

    def grades_decl(self, meta: Meta, c: list[Any]) -> n.Grades:
        return made.Grades(tuple(c), span_of_meta(meta))

    def when(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        return ("when", c[0], span_of_meta(meta))

    def action(self, meta: Meta, c: list[Token]) -> tuple[str, Any, n.Span]:
        return ("action", (str(c[0]), made.Name(str(c[1]), span_of_token(c[1]))), span_of_meta(meta))

    def _knockout(self, kind: str, meta: Meta, c: list[Any]) -> n.Knockout:
        allowed = {"cite", "note", "when", "lock"} | ({"action"} if kind == "knockout" else set())
        where = f"{'knockout' if kind == 'knockout' else 'not_graded'} `{c[0]}`"
        self._block(meta, c[2:])
        fields = self._statements(c[2:], allowed, where)
        span = span_of_meta(meta)
        if "when" not in fields:
            self._problem("PR012", f"{where} says no `when`", span, "add `when <condition>;`")
        action = fields.get("action")
        if kind == "knockout" and action is None:
            self._problem("PR012", f"{where} says neither `force` nor `cap`", span, "add `force <grade>;`")
        return made.Knockout(
            kind=kind,
            name=str(c[0]),
            label=text_of(c[1]),
            condition=fields.get("when"),
            action=action[0] if action else None,
            grade=action[1] if action else None,
            citations=tuple(fields["cite"]),
            notes=tuple(fields["note"]),
            span=span,
            lock=self._whole_lock(fields, where),
        )

    def knockout_decl(self, meta: Meta, c: list[Any]) -> n.Knockout:
        return self._knockout("knockout", meta, c)

    def exemption_decl(self, meta: Meta, c: list[Any]) -> n.Knockout:
        return self._knockout("exemption", meta, c)

    # -- extension
    def import_decl(self, meta: Meta, c: list[Any]) -> n.Import:
        names = tuple(made.Name(str(t), span_of_token(t)) for t in c[1:] if isinstance(t, (Token, Lexeme)))
        return made.Import(c[0], names, span_of_meta(meta))

    def item_target(self, meta: Meta, c: list[Any]) -> str:
        return "item"

    def group_target(self, meta: Meta, c: list[Any]) -> str:
        return "group"

    def grade_target(self, meta: Meta, c: list[Any]) -> str:
        return "grade"

    def knockout_target(self, meta: Meta, c: list[Any]) -> str:
        return "knockout"

    def not_graded_target(self, meta: Meta, c: list[Any]) -> str:
        return "not_graded"

    def input_target(self, meta: Meta, c: list[Any]) -> str:
        return "input"

    def deduction_target(self, meta: Meta, c: list[Any]) -> str:
        return "deduction"

    def bonus_target(self, meta: Meta, c: list[Any]) -> str:
        return "bonus"

    def relabel(self, meta: Meta, c: list[Token]) -> tuple[str, Any, n.Span]:
        return ("label", text_of(c[0]), span_of_meta(meta))

    def new_maximum(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        return ("max", c[0], span_of_meta(meta))

    def new_cap(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        span = span_of_meta(meta)
        if str(c[0]) != "cap":
            self._problem(
                "PR010", f"`{c[0]}` needs a grade, not a number", span, "write `force <grade>;` or `cap <points>;`"
            )
        return ("cap", c[1], span)

    def drop_requirement(self, meta: Meta, c: list[Token]) -> tuple[str, Any, n.Span]:
        return ("drop", text_of(c[0]), span_of_meta(meta))

    def _change(self, target: str, name: str | None, meta: Meta, stmts: list[Any]) -> n.Change:
        updates: list[n.Update] = []
        seen: set[str] = set()
        where = f"`change {target}{' ' + name if name else ''}`"
        for key, value, span in stmts:
            if key in seen and key not in ("cite", "note", "require", "drop"):
                self._problem("PR009", f"{where} says `{statement_word(key, value)}` twice", span, "keep one")
                continue
            seen.add(key)
            updates.append(made.Update(key, value, span))
        return made.Change(target, name, tuple(updates), span_of_meta(meta))

    def change_decl(self, meta: Meta, c: list[Any]) -> n.Change:
        return self._change(c[0], str(c[1]), meta, c[2:])

    def change_whole(self, meta: Meta, c: list[Any]) -> n.Change:
        return self._change(c[0], None, meta, c[1:])

    def ruleset_kind(self, meta: Meta, c: list[Any]) -> str:
        return "ruleset"

    def library_kind(self, meta: Meta, c: list[Any]) -> str:
        return "library"

    def criteria_target(self, meta: Meta, c: list[Any]) -> str:
        return "criteria"

    def deductions_target(self, meta: Meta, c: list[Any]) -> str:
        return "deductions"

    def bonuses_target(self, meta: Meta, c: list[Any]) -> str:
        return "bonuses"

    def place_in(self, meta: Meta, c: list[Token]) -> tuple[str, n.Name]:
        return ("in", made.Name(str(c[0]), span_of_token(c[0])))

    def place_before(self, meta: Meta, c: list[Token]) -> tuple[str, n.Name]:
        return ("before", made.Name(str(c[0]), span_of_token(c[0])))

    def place_after(self, meta: Meta, c: list[Token]) -> tuple[str, n.Name]:
        return ("after", made.Name(str(c[0]), span_of_token(c[0])))

    def _add(self, node: Any, placement: tuple[str, n.Name] | None, meta: Meta) -> n.Add:
        word, anchor = placement if placement is not None else (None, None)
        return made.Add(node, word, anchor, span_of_meta(meta))

    def add_item(self, meta: Meta, c: list[Any]) -> n.Add:
        return self._add(self._criterion("item", meta, [*c[:3], *c[4:]]), c[3], meta)

    def add_group(self, meta: Meta, c: list[Any]) -> n.Add:
        return self._add(self._criterion("group", meta, [*c[:3], *c[4:]]), c[3], meta)

    def add_adjustment(self, meta: Meta, c: list[Any]) -> n.Add:
        return self._add(self.adjustment(meta, [*c[:4], *c[5:]]), c[4], meta)

    def add_grade(self, meta: Meta, c: list[Any]) -> n.Add:
        return self._add(self.grade(meta, [*c[:2], *c[3:]]), c[2], meta)

    def remove_decl(self, meta: Meta, c: list[Any]) -> n.Remove:
        return made.Remove(c[0], made.Name(str(c[1]), span_of_token(c[1])), span_of_meta(meta))

    def set_decl(self, meta: Meta, c: list[Any]) -> n.SetParameter:
        return made.SetParameter(str(c[0]), c[1], span_of_meta(meta))

    # -- quotas
    def _quota_limit(self, meta: Meta, c: list[Any], or_better: bool) -> tuple[str, Any, n.Span]:
        grade = made.Name(str(c[0]), span_of_token(c[0]))
        base = made.Name(str(c[2]), span_of_token(c[2]))
        return ("grade", (grade, c[1], base, or_better), span_of_meta(meta))

    def quota_limit(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        return self._quota_limit(meta, c, False)

    def quota_limit_or_better(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        return self._quota_limit(meta, c, True)

    def quota_within(self, meta: Meta, c: list[Token]) -> tuple[str, Any, n.Span]:
        return ("within", ("input", made.Name(str(c[0]), span_of_token(c[0]))), span_of_meta(meta))

    def quota_within_column(self, meta: Meta, c: list[Token]) -> tuple[str, Any, n.Span]:
        return ("within", ("column", made.Name(text_of(c[0]), span_of_token(c[0]))), span_of_meta(meta))

    def quota_within_all(self, meta: Meta, c: list[Token]) -> tuple[str, Any, n.Span]:
        return ("within", ("all", None), span_of_meta(meta))

    def quota_rounding(self, meta: Meta, c: list[Token]) -> tuple[str, Any, n.Span]:
        return ("round", str(c[0]), span_of_meta(meta))

    def quota_demote(self, meta: Meta, c: list[Token]) -> tuple[str, Any, n.Span]:
        return ("demote", made.Name(str(c[0]), span_of_token(c[0])), span_of_meta(meta))

    def order_key(self, meta: Meta, c: list[Any]) -> n.OrderKey:
        descending = c[1] is None or str(c[1]) == "desc"
        return made.OrderKey(made.Name(str(c[0]), span_of_token(c[0])), descending, span_of_meta(meta))

    def quota_order(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        return ("order", tuple(c), span_of_meta(meta))

    def quota_decl(self, meta: Meta, c: list[Any]) -> n.Quota:
        where = f"quota `{c[0]}`"
        fields = self._statements(c[2:], {"cite", "note", "grade", "within", "round", "demote", "order"}, where)
        limit = fields.get("grade")
        within = fields.get("within", (None, None))
        return made.Quota(
            name=str(c[0]),
            label=text_of(c[1]),
            grade=limit[0] if limit else None,
            share=limit[1] if limit else None,
            base=limit[2] if limit else None,
            or_better=limit[3] if limit else False,
            within=within[0],
            group=within[1],
            rounding=fields.get("round"),
            demote_to=fields.get("demote"),
            order=fields.get("order", ()),
            citations=tuple(fields["cite"]),
            notes=tuple(fields["note"]),
            span=span_of_meta(meta),
        )

    def remove_quota(self, meta: Meta, c: list[Token]) -> n.Remove:
        return made.Remove("quota", made.Name(str(c[0]), span_of_token(c[0])), span_of_meta(meta))

    # -- hierarchies (aggregates of children)
    def aggregate_input(self, meta: Meta, c: list[Any]) -> n.Input:
        return made.Input(str(c[0]), text_of(c[1]), c[2], None, span_of_meta(meta), aggregate=c[3])

    def child_filter(self, meta: Meta, c: list[Any]) -> n.Expr:
        return c[0]  # type: ignore[no-any-return]

    def _aggregate(self, function: str, meta: Meta, c: list[Any]) -> n.Aggregate:
        if function in ("sum", "min", "max", "mean"):
            value, over, condition = made.Name(str(c[0]), span_of_token(c[0])), c[1], c[2]
        else:
            value, over, condition = None, c[0], c[1]
        return made.Aggregate(function, value, condition, span_of_meta(meta), over=over)

    def children_source(self, meta: Meta, c: list[Any]) -> None:
        return None

    def periods_source(self, meta: Meta, c: list[Token]) -> n.Name:
        return made.Name(str(c[0]), span_of_token(c[0]))

    def aggregate_mean(self, meta: Meta, c: list[Any]) -> n.Aggregate:
        return self._aggregate("mean", meta, c)

    # -- periods
    def periods_ruleset(self, meta: Meta, c: list[Any]) -> tuple[str, Any, n.Span]:
        return ("ruleset", c[0], span_of_meta(meta))

    def periods_count(self, meta: Meta, c: list[Token]) -> tuple[str, Any, n.Span]:
        return ("count", int(str(c[0])), span_of_meta(meta))

    def periods_missing(self, meta: Meta, c: list[Token]) -> tuple[str, Any, n.Span]:
        return ("missing", str(c[0]), span_of_meta(meta))

    def periods_decl(self, meta: Meta, c: list[Any]) -> n.Periods:
        self._block(meta, c[2:])
        fields = self._statements(c[2:], {"cite", "note", "ruleset", "count", "missing"}, f"periods `{c[0]}`")
        return made.Periods(
            name=str(c[0]),
            label=text_of(c[1]),
            source=fields.get("ruleset"),
            count=fields.get("count"),
            missing=fields.get("missing"),
            citations=tuple(fields["cite"]),
            notes=tuple(fields["note"]),
            span=span_of_meta(meta),
        )

    def aggregate_count(self, meta: Meta, c: list[Any]) -> n.Aggregate:
        return self._aggregate("count", meta, c)

    def aggregate_share(self, meta: Meta, c: list[Any]) -> n.Aggregate:
        return self._aggregate("share", meta, c)

    def aggregate_any(self, meta: Meta, c: list[Any]) -> n.Aggregate:
        return self._aggregate("any", meta, c)

    def aggregate_all(self, meta: Meta, c: list[Any]) -> n.Aggregate:
        return self._aggregate("all", meta, c)

    def aggregate_sum(self, meta: Meta, c: list[Any]) -> n.Aggregate:
        return self._aggregate("sum", meta, c)

    def aggregate_min(self, meta: Meta, c: list[Any]) -> n.Aggregate:
        return self._aggregate("min", meta, c)

    def aggregate_max(self, meta: Meta, c: list[Any]) -> n.Aggregate:
        return self._aggregate("max", meta, c)

    def start(self, meta: Meta, c: list[Any]) -> n.RulesetFile:
        return made.RulesetFile(tuple(c), span_of_meta(meta))


#: the most digits a number in a criteria file is written with (PR013)
MAX_NUMBER_DIGITS = 40
#: the statements a group may hold, and an item
_GROUP_STATEMENTS = frozenset({"cite", "note", "level", "applicable", "status", "lock"})
_ITEM_STATEMENTS = _GROUP_STATEMENTS | {"points"}
#: the most bands, match arms or table rows in one bands, match or table (PR015)
MAX_ARMS = 500
#: the most decimal places a ruleset keeps (`places`, `round`, `rescale round`)
MAX_PLACES = 12


def parse_decimal(text: str) -> Decimal | None:
    """A Decimal from text, or None when the text is not a finite number."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
