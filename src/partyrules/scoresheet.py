"""The texts of a score sheet (“phiếu chấm điểm”): a ruleset's rules in words, as an officer reads the scale.

:func:`sheet` turns the checked model into a :class:`Sheet`: every criterion
with its maximum and how it is scored (in words, with the rules quoted in the
file's own notation through :mod:`partyrules.printer`), the adjustments, the
grades, knock-outs, quotas and a glossary of the inputs the rules read.
:mod:`partyrules.render` lays a sheet out as Markdown or HTML, and the guide
of the fill-in workbook (:mod:`partyrules.workbook`) quotes it.
"""

from __future__ import annotations

import datetime
import os
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import TYPE_CHECKING

import attrs

from partyrules import compiler, nodes as n
from partyrules.explain import ROUNDING_WORDS, NamedValue
from partyrules.model import CriterionInfo, GradeInfo, Model, RuleInfo
from partyrules.printer import band_words, cell_text, date_text, expr_text, literal_text, number_text, points_text
from partyrules.quota import QuotaRule, SortKey
from partyrules.runtime import Ruleset
from partyrules.wording import Wording

if TYPE_CHECKING:
    from partyrules.evaluation import Evaluation

__all__ = ["QUOTA_INTRO", "Sheet", "ValueRow", "band_text", "named_values", "sheet"]

# A line of text: segments alternating plain text (even positions) and criteria-language code (odd positions).
Line = tuple[str, ...]

STATUS = {"official": "chính thức", "illustrative": "minh họa"}
APPLICABLE_MODE = {"zero": "0 điểm", "full": "đủ điểm tối đa", "rescale": "không tính, quy đổi tổng điểm về thang điểm"}


@attrs.frozen
class CriterionRow:
    """One line of a table of criteria, deductions or bonuses."""

    number: str
    label: str
    kind: str  # group item deduction bonus
    depth: int
    maximum: str
    rule: tuple[Line, ...]
    applicable: Line | None
    citations: tuple[str, ...]
    notes: tuple[str, ...]
    status: str | None  # shown only when the file mixes official and illustrative points


@attrs.frozen
class GradeRow:
    label: str
    band: str
    requirements: tuple[tuple[str, Line], ...]  # (label, rule)
    fallback: str | None
    citations: tuple[str, ...]
    notes: tuple[str, ...]


@attrs.frozen
class RuleRow:
    """A knock-out (``outcome`` says what it does to the grade) or a not-graded rule."""

    label: str
    condition: Line
    outcome: str | None
    citations: tuple[str, ...]
    notes: tuple[str, ...]


@attrs.frozen
class QuotaRow:
    """A quota (a rule across organisations) in words: one sentence a line, as the sheet prints them."""

    label: str
    name: str
    lines: tuple[Line, ...]
    citations: tuple[str, ...]
    notes: tuple[str, ...]
    column: str | None = None  # the data column naming the groups (``within column "..."``), not an input


@attrs.frozen
class ValueRow:
    """A named value (``let``): how it is computed from the data, and the inputs it reads (directly or
    through other named values), as (name, label)."""

    name: str
    label: str
    formula: tuple[Line, ...]
    inputs: tuple[tuple[str, str], ...]


@attrs.frozen
class Sheet:
    """Everything a score sheet shows, as text, in order; the Markdown and HTML writers only lay it out."""

    title: str
    ruleset_id: str
    version: str
    basis: str
    extends: str | None  # the base this scale extends, as a person reads it
    effective: str
    status: str
    status_note: str | None
    differing: tuple[str, ...]  # criteria whose points are not of the file's status
    notes: tuple[str, ...]
    criteria_label: str
    criteria_maximum: str
    criteria_citations: tuple[str, ...]
    criteria: tuple[CriterionRow, ...]
    deductions_label: str | None
    deductions_cap: str | None
    deductions: tuple[CriterionRow, ...]
    bonuses_label: str | None
    bonuses_cap: str | None
    bonuses: tuple[CriterionRow, ...]
    grades: tuple[GradeRow, ...]
    knockouts: tuple[RuleRow, ...]
    exemptions: tuple[RuleRow, ...]
    glossary: tuple[tuple[str, str], ...]  # (name, label) of the inputs the rules read, also through named values
    fingerprint: str
    quotas: tuple[QuotaRow, ...] = ()
    values: tuple[ValueRow, ...] = ()  # the named values the rules read, in declaration order


def _checked_model(source: Ruleset | Model | str | os.PathLike[str]) -> Model:
    """The checked model of a :class:`Ruleset`, a ``.criteria`` path, or criteria text.

    A ``str`` is criteria text when it holds a line break, otherwise the path of a file.
    Raises :class:`~partyrules.diagnostics.CriteriaError` when the criteria do not check.
    """
    if isinstance(source, Model):
        return source
    from partyrules.api import load, model_of

    if isinstance(source, Ruleset):
        return source.model if source.model is not None else model_of(source.source, source.filename)
    if isinstance(source, str) and "\n" in source:
        return model_of(source, "<string>")
    return load(source).model  # type: ignore[no-any-return]


# ---------------------------------------------------------------- the sheet as text


def _extends(header: n.Header) -> str | None:
    if header.extends is None:
        return None
    on = header.extends.on
    return f"bộ tiêu chí {header.extends.ruleset_id}" + (f", bản có hiệu lực ngày {date_text(on)}" if on else "")


def _effective(header: n.Header) -> str:
    if header.effective_from and header.effective_to:
        return f"từ ngày {date_text(header.effective_from)} đến ngày {date_text(header.effective_to)}"
    if header.effective_from:
        return f"từ ngày {date_text(header.effective_from)}"
    if header.effective_to:
        return f"đến ngày {date_text(header.effective_to)}"
    return "không ghi"


def band_text(grade: GradeInfo) -> str:
    """``từ 90 trở lên``, ``từ 70 đến dưới 90``, ``dưới 50``."""
    return band_words(grade.low, grade.high) or "không theo khung điểm"


class _Words:
    """Turns the rules of one model into lines: in words (:mod:`partyrules.wording`) where it has sure words,
    else (and everywhere with ``code``) in the file's own notation."""

    def __init__(self, model: Model, code: bool = False) -> None:
        self.model = model
        self.wording = Wording(model)
        self.words = not code
        self.inputs = {i.name: i.label for i in model.inputs}
        self.criteria = self.wording.criteria
        self.used: set[str] = set()  # inputs and named values the sheet quotes

    def number(self, value: Decimal | None) -> str:
        """Points as the sheet prints them: ``2,5`` in words, ``2.5`` in the file's notation."""
        text = points_text(value)
        return text.replace(".", ",") if self.words else text

    def note(self, node: n.Expr) -> None:
        """Remember the inputs and named values ``node`` reads (the glossary lists them)."""
        for sub in n.walk(node):
            r = self.model.resolutions.get(id(sub))
            if r is not None and r.kind in ("input", "let") and r.target:
                self.used.add(r.target)

    def code(self, node: n.Expr) -> str:
        self.note(node)
        return expr_text(node)

    def condition(self, node: n.Expr) -> Line:
        """A condition: words, or the code."""
        self.note(node)
        words = self.wording.condition(node) if self.words else None
        return (words,) if words is not None else ("", expr_text(node), "")

    def formula(self, node: n.Expr) -> tuple[Line, ...]:
        """A named value's formula: a condition, an amount, or bands, match and table of them."""
        if isinstance(node, (n.Bands, n.Match, n.Table)):
            return self.rule(node, unit="", lead="Theo")
        self.note(node)
        words = None
        if self.words:
            boolean = self.model.types.get(id(node))
            is_condition = boolean is not None and boolean.kind == "boolean"
            words = self.wording.condition(node) if is_condition else self.wording.amount(node)
        return ((words,),) if words is not None else (("", expr_text(node), ""),)

    def result(self, node: n.Expr, unit: str) -> Line:
        self.note(node)
        if self.words:
            words = (
                self.wording.points_phrase(node)
                if unit
                else self.wording.member_label(node) or self.wording.amount(node)
            )
            if words is not None:
                return (words,)
        if isinstance(node, n.Number) and not node.percent:
            return (f"{number_text(node.value)}{unit}",)
        label = self.wording.member_label(node)
        if label is not None:
            return (label,)
        return ("", self.code(node), "")

    def subject(self, node: n.Expr, lead: str) -> Line:
        r = self.model.resolutions.get(id(node))
        self.note(node)
        if isinstance(node, n.Name) and r is not None and r.target:
            if r.kind == "input":
                if self.words:
                    return (f"{lead} “{self.inputs[r.target]}”:",)
                return (f"{lead} “{self.inputs[r.target]}” (", r.target, "):")
            if r.kind == "points" and r.target in self.criteria:
                c = self.criteria[r.target]
                if self.words:
                    return (f"{lead} điểm của mục {c.number}:",)
                return (f"{lead} điểm của mục {c.number} (", r.target, "):")
        words = self.wording.amount(node) if self.words else None
        if words is not None:
            return (f"{lead} {words}:",)
        return (f"{lead} ", self.code(node), ":")

    def threshold(self, band: n.Band) -> str:
        if self.words:
            return self.wording.band(band)
        where = {"from": "từ {} trở lên", "above": "trên {}", "upto": "đến {}"}[band.direction]
        return where.format(literal_text(band.threshold))

    def rule(self, node: n.Expr, unit: str = " điểm", lead: str = "Theo") -> tuple[Line, ...]:
        """One line for a plain rule; a heading line and one line per row for bands, match and table."""
        if isinstance(node, n.Bands):
            lines = [self.subject(node.subject, lead)]
            for band in node.bands:
                lines.append(_cat((f"{self.threshold(band)}: ",), self.result(band.result, unit)))
            if node.otherwise is not None:
                lines.append(_cat(("còn lại: ",), self.result(node.otherwise, unit)))
            return tuple(lines)
        if isinstance(node, n.Match):
            lines = [self.subject(node.subject, lead)]
            for arm in node.arms:
                names = ", ".join(self.wording.member_label(p) or literal_text(p) for p in arm.patterns)
                lines.append(_cat((f"{names}: ",), self.result(arm.result, unit)))
            if node.otherwise is not None:
                lines.append(_cat(("còn lại: ",), self.result(node.otherwise, unit)))
            return tuple(lines)
        if isinstance(node, n.Table):
            return self.table(node, unit)
        if self.words and unit:
            self.note(node)
            words = self.wording.points(node)
            if words is not None:
                return tuple((line,) for line in words)
        if self.words and not unit:
            return self.formula(node)
        return (("", self.code(node), ""),)

    def table(self, node: n.Table, unit: str) -> tuple[Line, ...]:
        columns = [self.code(c) for c in node.columns]
        lines: list[Line] = [("Theo bảng (xét từ trên xuống, lấy dòng đầu tiên khớp):",)]
        if node.hit_policy != "first":
            lines = [("Theo bảng (mỗi trường hợp khớp đúng một dòng):",)]
        for row in node.rows:
            words = [self.wording.cell(col, cell) for col, cell in zip(node.columns, row.cells, strict=False)]
            if self.words and None not in words:
                tests = [w for w in words if w]
                condition: Line = ("khi " + (" và ".join(tests) if tests else "mọi trường hợp") + ": ",)
            else:
                codes = [_cell(col, cell) for col, cell in zip(columns, row.cells, strict=False)]
                codes = [t for t in codes if t]
                condition = ("khi ", ", ".join(codes) if codes else "mọi trường hợp", ": ")
            lines.append(_cat(condition, self.result(row.result, unit)))
        if node.otherwise is not None:
            lines.append(_cat(("còn lại: ",), self.result(node.otherwise, unit)))
        return tuple(lines)


def _cell(column: str, cell: n.Cell) -> str:
    if isinstance(cell, n.AnyCell):
        return ""
    if isinstance(cell, n.EqualCell):
        return f"{column} == {cell_text(cell)}"
    if isinstance(cell, n.MemberCell):
        return f"{column} ∈ {{{', '.join(cell.members)}}}"
    return " and ".join(f"{column} {op} {literal_text(lit)}" for op, lit in cell.tests)


def _cat(*lines: Line) -> Line:
    """Lines joined end to end: each has odd length (text, code, text ...), so the texts at the seams merge."""
    out: tuple[str, ...] = ("",)
    for line in lines:
        out = (*out[:-1], out[-1] + line[0], *line[1:])
    return out


def _row(words: _Words, c: CriterionInfo, depth: int, mixed: bool) -> CriterionRow:
    rule: tuple[Line, ...] = ()
    if c.kind == "group":
        rule = (("Tổng điểm các mục con",),) if c.maximum is not None else ()
    elif c.points is not None:
        rule = words.rule(c.points)
    if c.level is not None:
        rule += words.rule(c.level, unit="", lead="Mức đạt theo")
    applicable = None
    if c.applicable is not None:
        mode = APPLICABLE_MODE[c.applicable.mode]
        applicable = _cat(("Chỉ áp dụng khi ",), words.condition(c.applicable.condition), (f"; nếu không: {mode}.",))
    return CriterionRow(
        number=c.number,
        label=c.label,
        kind=c.kind,
        depth=depth,
        maximum=words.number(c.maximum),
        rule=rule,
        applicable=applicable,
        citations=c.citations,
        notes=c.notes,
        status=STATUS.get(c.status, c.status) if mixed else None,
    )


def _knockout(words: _Words, k: RuleInfo, grades: tuple[GradeInfo, ...]) -> RuleRow:
    outcome = None
    if k.action is not None and k.grade is not None:
        verb = "buộc xếp loại" if k.action == "force" else "xếp loại không cao hơn"
        outcome = f"{verb} “{grades[k.grade].label}”"
    return RuleRow(k.label, words.condition(k.condition), outcome, k.citations, k.notes)


#: What a quota's order says, per kind of value: (highest first, lowest first).
_ORDER_WORDS = {
    "boolean": ("“Có” trước", "“Không” trước"),
    "date": ("ngày muộn hơn trước", "ngày sớm hơn trước"),
    "level": ("mức tốt hơn trước", "mức kém hơn trước"),
    "number": ("từ cao xuống thấp", "từ thấp lên cao"),
}
QUOTA_INTRO = (
    "Hạn mức không thay đổi điểm của từng tổ chức: chấm xong cả danh sách, tổ chức vượt hạn mức "
    "được chuyển xuống xếp loại thấp hơn."
)


def _sort_key(words: _Words, key: SortKey) -> Line:
    """One key of a quota's order in words: ``tổng điểm từ cao xuống thấp``."""
    kind = "number"
    if key.kind == "total":
        subject: Line = ("tổng điểm",)
    elif key.kind == "input":
        words.used.add(key.name)
        spec = next(i for i in words.model.inputs if i.name == key.name)
        kind = spec.type.kind if spec.type.kind in _ORDER_WORDS else "number"
        subject = (f"“{words.inputs[key.name]}” (", key.name, ")")
    else:
        c = words.criteria[key.name]
        kind = "level" if key.kind == "level" else "number"
        subject = (f"{'mức đạt' if key.kind == 'level' else 'điểm'} của mục {c.number} “{c.label}”",)
    high, low = _ORDER_WORDS[kind]
    return _cat(subject, (f" {high if key.descending else low}",))


def _quota(words: _Words, rule: QuotaRule, grades: tuple[GradeInfo, ...]) -> QuotaRow:
    labels = {g.name: g.label for g in grades}
    top, to = labels[rule.grade], labels[rule.demote_to]
    base = f"“{labels[rule.base]}”" + (" trở lên" if rule.or_better else "")
    share = number_text(Decimal(rule.share), percent=True)
    if rule.within == "input" and rule.group is not None:
        words.used.add(rule.group)
        where: Line = (f"Tính riêng trong từng nhóm tổ chức có cùng “{words.inputs[rule.group]}” (", rule.group, ").")
    elif rule.within == "column" and rule.group is not None:
        where = (
            "Tính riêng trong từng nhóm tổ chức có cùng giá trị ở cột dữ liệu ",
            rule.group,
            " (dữ liệu không có cột này thì hạn mức chưa được áp dụng).",
        )
    else:
        where = ("Tính trên toàn bộ danh sách tổ chức được chấm cùng đợt.",)
    counted = "đếm sau khi áp dụng hạn mức"
    if rule.demote_to in rule.base_grades and rule.grade not in rule.base_grades:
        counted += ", kể cả tổ chức bị chuyển xuống"
    order: Line = ("Được giữ xếp loại theo thứ tự: ",)
    for key in rule.order:
        order = _cat(order, _sort_key(words, key), (", rồi ",))
    order = _cat(order, (f"mã tổ chức; tổ chức vượt hạn mức chuyển xuống “{to}”.",))
    lines: tuple[Line, ...] = (
        (f"Số tổ chức xếp loại “{top}” không quá {share} số tổ chức xếp loại {base}.",),
        where,
        (f"Số được giữ: {share} × số tổ chức xếp loại {base} ({counted}), {ROUNDING_WORDS[rule.rounding]}.",),
        order,
    )
    column = rule.group if rule.within == "column" else None
    return QuotaRow(rule.label, rule.name, lines, rule.citations, rule.notes, column)


def sheet(source: Ruleset | Model | str | os.PathLike[str], code: bool = False) -> Sheet:
    """The texts of the score sheet, from a ruleset, a checked model, a path or criteria text.

    The rules are in words where :mod:`partyrules.wording` has sure words for them, numbers the
    Vietnamese way (``2,5``); with ``code`` every rule is quoted in the file's own notation.
    """
    model = _checked_model(source)
    header = model.header
    words = _Words(model, code)
    everything = model.criteria + model.deductions + model.bonuses
    mixed = len({c.status for c in everything}) > 1
    depth = {c.name: c.number.count(".") for c in model.criteria}
    criteria = tuple(_row(words, c, depth[c.name], mixed) for c in model.criteria)
    deductions = tuple(_row(words, c, 0, mixed) for c in model.deductions)
    bonuses = tuple(_row(words, c, 0, mixed) for c in model.bonuses)
    grades = tuple(
        GradeRow(
            label=g.label,
            band=band_text(g).replace(".", ",") if words.words else band_text(g),
            requirements=tuple((r.label, words.condition(r.condition)) for r in g.requirements),
            fallback=model.grades[g.fallback].label if g.fallback is not None else None,
            citations=g.citations,
            notes=g.notes,
        )
        for g in model.grades
    )
    knockouts = tuple(_knockout(words, k, model.grades) for k in model.knockouts)
    exemptions = tuple(_knockout(words, k, model.grades) for k in model.exemptions)
    quotas = tuple(_quota(words, q, model.grades) for q in model.quotas)
    differing = tuple(
        f"{c.number} {c.label} ({STATUS.get(c.status, c.status)})" for c in everything if c.status != model.status
    )
    values = _values(words)
    glossary = [(i.name, i.label) for i in model.inputs if i.name in words.used]
    return Sheet(
        title=header.title or header.ruleset_id,
        ruleset_id=header.ruleset_id,
        version=header.version or "",
        basis=header.basis or "không ghi",
        extends=_extends(header),
        effective=_effective(header),
        status=STATUS.get(model.status, model.status),
        status_note=header.status_note,
        differing=differing,
        notes=header.notes,
        criteria_label=model.criteria_label,
        criteria_maximum=words.number(model.criteria_maximum),
        criteria_citations=model.criteria_citations,
        criteria=criteria,
        deductions_label=model.deductions_label,
        deductions_cap=words.number(model.deductions_cap) if model.deductions_label is not None else None,
        deductions=deductions,
        bonuses_label=model.bonuses_label,
        bonuses_cap=words.number(model.bonuses_cap) if model.bonuses_label is not None else None,
        bonuses=bonuses,
        grades=grades,
        knockouts=knockouts,
        exemptions=exemptions,
        glossary=tuple(glossary),
        fingerprint=compiler.fingerprint(model.file)[:16],
        quotas=quotas,
        values=values,
    )


def _values(words: _Words) -> tuple[ValueRow, ...]:
    """The named values the sheet quotes, and those they read in turn, each with its formula and inputs;
    every input they read is added to ``words.used`` so that the glossary lists it."""
    model = words.model
    rows: dict[str, ValueRow] = {}
    while True:
        pending = [name for name in model.lets if name in words.used and name not in rows]
        if not pending:
            break
        for name in pending:
            let = model.lets[name]
            formula = words.formula(let.value)
            rows[name] = ValueRow(name, let.label or "", formula, _inputs_read(model, let.value))
    for row in rows.values():
        words.used.update(name for name, _ in row.inputs)
    return tuple(rows[name] for name in model.lets if name in rows)


def _inputs_read(model: Model, expr: n.Expr) -> tuple[tuple[str, str], ...]:
    """(name, label) of the inputs ``expr`` reads, directly or through named values, in declaration order."""
    found: set[str] = set()
    seen: set[str] = set()
    pending = [expr]
    while pending:
        for node in n.walk(pending.pop()):
            r = model.resolutions.get(id(node))
            if r is None or not r.target:
                continue
            if r.kind == "input":
                found.add(r.target)
            elif r.kind == "let" and r.target not in seen:
                seen.add(r.target)
                pending.append(model.lets[r.target].value)
    return tuple((i.name, i.label) for i in model.inputs if i.name in found)


# ---------------------------------------------------------------- named values of one evaluation


def named_values(source: Ruleset | Model, evaluation: Evaluation) -> tuple[NamedValue, ...]:
    """Every named value (``let``) of ``evaluation``'s ruleset, computed from its facts, for
    :func:`partyrules.explain.explain_text`: a rate as a percentage (the attendance rate an officer checks).

    The values are computed by the reference interpreter (:func:`partyrules.reference.let_values`)
    from the facts as validated: the compiled program keeps them in locals and its output stays as it is.
    """
    from partyrules import reference

    model = _checked_model(source)
    computed = reference.let_values(model, evaluation.facts)
    wording = Wording(model)
    out = []
    for name, let in model.lets.items():
        kind = model.types.get(id(let.value))
        percent = kind is not None and (kind.kind == "percent" or (kind.kind == "ratio" and _is_rate(model, name)))
        labels = wording.member_labels.get(kind.name or "", {}) if kind is not None else {}
        members = kind.members if kind is not None else ()
        text, exact = _value_texts(computed[name], members, labels, percent)
        facts = tuple(f for f, _ in _inputs_read(model, let.value))
        out.append(NamedValue(name, let.label or "", text, exact, percent, expr_text(let.value), facts))
    return tuple(out)


def _is_rate(model: Model, name: str) -> bool:
    """A quotient is a rate when the file calls it one (“tỷ lệ” in its label) or compares it with a percentage."""
    label = model.lets[name].label or ""
    if "tỷ lệ" in label.lower():
        return True

    def names_it(node: n.Expr) -> bool:
        r = model.resolutions.get(id(node))
        return isinstance(node, n.Name) and r is not None and r.kind == "let" and r.target == name

    roots: list[n.Expr] = [let.value for let in model.lets.values()]
    for c in model.criteria + model.deductions + model.bonuses:
        roots += [e for e in (c.points, c.level, c.applicable.condition if c.applicable else None) if e is not None]
    roots += [r.condition for g in model.grades for r in g.requirements]
    roots += [k.condition for k in model.knockouts + model.exemptions]
    for node in (sub for root in roots for sub in n.walk(root)):
        sides: tuple[n.Expr, ...] = (node.left, node.right) if isinstance(node, n.Compare) else ()
        if any(names_it(side) for side in sides) and any(isinstance(x, n.Number) and x.percent for x in sides):
            return True
        if (
            isinstance(node, n.Bands)
            and names_it(node.subject)
            and any(isinstance(b.threshold, n.Number) and b.threshold.percent for b in node.bands)
        ):
            return True
        if isinstance(node, n.Table):
            for i, column in enumerate(node.columns):
                if names_it(column) and any(_percent_cell(row.cells[i]) for row in node.rows):
                    return True
    return False


def _percent_cell(cell: n.Cell) -> bool:
    if isinstance(cell, n.CompareCell):
        return any(isinstance(lit, n.Number) and lit.percent for _, lit in cell.tests)
    return isinstance(cell, n.EqualCell) and isinstance(cell.value, n.Number) and cell.value.percent


def _value_texts(value: object, members: tuple[str, ...], labels: dict[str, str], percent: bool) -> tuple[str, str]:
    """(text for a person, exact text for a program) of a computed named value."""
    if value is None:
        return "không có", ""
    if isinstance(value, bool):
        return ("có" if value else "không"), ("true" if value else "false")
    if isinstance(value, datetime.date):
        return date_text(value), value.isoformat()
    if isinstance(value, str):  # a choice
        return labels.get(value, value), value
    if isinstance(value, int) and members:  # a level: its index, 0 the best
        return labels.get(members[value], members[value]), members[value]
    assert isinstance(value, (Fraction, int, Decimal)), value
    number = Fraction(value)
    exact = _decimal(number)
    exact_text = number_text(exact) if exact is not None else f"{number.numerator}/{number.denominator}"
    shown = number * 100 if percent else number
    shown_exact = _decimal(shown)
    if shown_exact is not None:
        text = number_text(shown_exact)
    else:  # 7/9: no decimal is exact; two places, marked as rounded
        text = "≈ " + number_text(round(Decimal(shown.numerator) / Decimal(shown.denominator), 2))
    return (text + "%" if percent else text), exact_text


def _decimal(number: Fraction) -> Decimal | None:
    """The exact decimal of a fraction, or None when its denominator has a prime factor other than 2 and 5."""
    d = number.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    if d != 1:
        return None
    with localcontext() as context:
        context.prec = len(str(number.numerator)) + len(str(number.denominator)) * 4  # enough for every digit
        return Decimal(number.numerator) / Decimal(number.denominator)
