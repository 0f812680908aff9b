"""Printable score sheets (“phiếu chấm điểm”): a ruleset laid out as an officer prints the scale.

    >>> from partyrules import render, shipped
    >>> html = render.render_html(shipped("vn.hatinh/chi-bo-4-tot"))   # doctest: +SKIP

The sheet is built from the checked model (so rules are quoted in the file's
own notation, through :mod:`partyrules.printer`) and comes out as Markdown or
as a self-contained HTML5 page made for A4 paper: no scripts, no external
resources, every text escaped. The same ruleset always gives the same bytes.
"""

from __future__ import annotations

import datetime
import functools
import html
import os
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import attrs

from partyrules import compiler, nodes as n
from partyrules.data import plain
from partyrules.explain import ROUNDING_WORDS
from partyrules.model import CriterionInfo, GradeInfo, Model, RuleInfo
from partyrules.printer import cell_text, expr_text, literal_text, number_text
from partyrules.quota import QuotaRule, SortKey
from partyrules.runtime import InputSpec, Ruleset

__all__ = ["Sheet", "model_of", "page_head", "render_html", "render_markdown", "sheet"]

# A line of text: segments alternating plain text (even positions) and criteria-language code (odd positions).
Line = tuple[str, ...]

STATUS = {"official": "chính thức", "illustrative": "minh họa"}
APPLICABLE_MODE = {"zero": "0 điểm", "full": "đủ điểm tối đa", "rescale": "không tính, quy đổi tổng điểm về thang điểm"}


@attrs.frozen
class Row:
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
    requirements: tuple[tuple[str, str], ...]  # (label, rule)
    fallback: str | None
    citations: tuple[str, ...]
    notes: tuple[str, ...]


@attrs.frozen
class RuleRow:
    """A knock-out (``outcome`` says what it does to the grade) or a not-graded rule."""

    label: str
    condition: str
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
    criteria: tuple[Row, ...]
    deductions_label: str | None
    deductions_cap: str | None
    deductions: tuple[Row, ...]
    bonuses_label: str | None
    bonuses_cap: str | None
    bonuses: tuple[Row, ...]
    grades: tuple[GradeRow, ...]
    knockouts: tuple[RuleRow, ...]
    exemptions: tuple[RuleRow, ...]
    glossary: tuple[tuple[str, str], ...]  # (name, label) of the inputs and named values the rules read
    fingerprint: str
    quotas: tuple[QuotaRow, ...] = ()


# ---------------------------------------------------------------- the model


def model_of(source: Ruleset | Model | str | os.PathLike[str], filename: str | None = None) -> Model:
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
        return model_of(source, filename or "<string>")
    return load(source).model  # type: ignore[no-any-return]


# ---------------------------------------------------------------- the sheet as text


def _num(value: Decimal | None) -> str:
    return "—" if value is None else number_text(Decimal(value))


def _date(value: datetime.date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def _extends(header: n.Header) -> str | None:
    if header.extends is None:
        return None
    on = header.extends.on
    return f"bộ tiêu chí {header.extends.ruleset_id}" + (
        f", bản có hiệu lực ngày {on.strftime('%d/%m/%Y')}" if on else ""
    )


def _effective(header: n.Header) -> str:
    if header.effective_from and header.effective_to:
        return f"từ ngày {_date(header.effective_from)} đến ngày {_date(header.effective_to)}"
    if header.effective_from:
        return f"từ ngày {_date(header.effective_from)}"
    if header.effective_to:
        return f"đến ngày {_date(header.effective_to)}"
    return "không ghi"


def band_text(grade: GradeInfo) -> str:
    """``từ 90 trở lên``, ``từ 70 đến dưới 90``, ``dưới 50``."""
    if grade.low is not None and grade.high is not None:
        return f"từ {number_text(grade.low)} đến dưới {number_text(grade.high)}"
    if grade.low is not None:
        return f"từ {number_text(grade.low)} trở lên"
    if grade.high is not None:
        return f"dưới {number_text(grade.high)}"
    return "không theo khung điểm"


class _Words:
    """Turns the rules of one model into lines of words, with the file's notation where words would be guesses."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.member_labels: dict[str, dict[str, str]] = {}
        for decl in model.file.declarations:
            if isinstance(decl, n.Levels):
                self.member_labels[decl.name] = {m.name: m.label or m.name for m in decl.members}
        for i in model.inputs:
            if i.type.kind == "enum" and i.type.name:
                self.member_labels[i.type.name] = {
                    m: label or m for m, label in zip(i.type.members, i.member_labels, strict=False)
                }
        self.inputs = {i.name: i.label for i in model.inputs}
        self.criteria = {c.name: c for c in model.criteria + model.deductions + model.bonuses}
        self.used: set[str] = set()  # inputs and named values the sheet quotes

    def code(self, node: n.Expr) -> str:
        for sub in n.walk(node):
            r = self.model.resolutions.get(id(sub))
            if r is not None and r.kind in ("input", "let") and r.target:
                self.used.add(r.target)
        return expr_text(node)

    def member(self, node: n.Expr) -> str | None:
        r = self.model.resolutions.get(id(node))
        if r is None or r.kind != "member" or r.type is None or r.target is None:
            return None
        return self.member_labels.get(r.type.name or "", {}).get(r.target, r.target)

    def result(self, node: n.Expr, unit: str) -> Line:
        if isinstance(node, n.Number) and not node.percent:
            return (f"{number_text(node.value)}{unit}",)
        label = self.member(node)
        if label is not None:
            return (label,)
        return ("", self.code(node), "")

    def subject(self, node: n.Expr, lead: str) -> Line:
        r = self.model.resolutions.get(id(node))
        if isinstance(node, n.Name) and r is not None and r.target:
            if r.kind == "input":
                self.used.add(r.target)
                return (f"{lead} “{self.inputs[r.target]}” (", r.target, "):")
            if r.kind == "points" and r.target in self.criteria:
                c = self.criteria[r.target]
                return (f"{lead} điểm của mục {c.number} (", r.target, "):")
        return (f"{lead} ", self.code(node), ":")

    def rule(self, node: n.Expr, unit: str = " điểm", lead: str = "Theo") -> tuple[Line, ...]:
        """One line for a plain rule; a heading line and one line per row for bands, match and table."""
        if isinstance(node, n.Bands):
            lines = [self.subject(node.subject, lead)]
            for band in node.bands:
                where = "từ {} trở lên" if band.direction == "from" else "đến {}"
                lines.append(_cat((f"{where.format(literal_text(band.threshold))}: ",), self.result(band.result, unit)))
            if node.otherwise is not None:
                lines.append(_cat(("còn lại: ",), self.result(node.otherwise, unit)))
            return tuple(lines)
        if isinstance(node, n.Match):
            lines = [self.subject(node.subject, lead)]
            for arm in node.arms:
                names = ", ".join(self.member(p) or literal_text(p) for p in arm.patterns)
                lines.append(_cat((f"{names}: ",), self.result(arm.result, unit)))
            if node.otherwise is not None:
                lines.append(_cat(("còn lại: ",), self.result(node.otherwise, unit)))
            return tuple(lines)
        if isinstance(node, n.Table):
            columns = [self.code(c) for c in node.columns]
            lines = [("Theo bảng (xét từ trên xuống, lấy dòng đầu tiên khớp):",)]
            if node.hit_policy != "first":
                lines = [("Theo bảng (mỗi trường hợp khớp đúng một dòng):",)]
            for row in node.rows:
                tests = [_cell(col, cell) for col, cell in zip(columns, row.cells, strict=False)]
                tests = [t for t in tests if t]
                condition = ", ".join(tests) if tests else "mọi trường hợp"
                lines.append(_cat(("khi ", condition, ": "), self.result(row.result, unit)))
            if node.otherwise is not None:
                lines.append(_cat(("còn lại: ",), self.result(node.otherwise, unit)))
            return tuple(lines)
        return (("", self.code(node), ""),)


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


def _row(words: _Words, c: CriterionInfo, depth: int, mixed: bool) -> Row:
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
        applicable = ("Chỉ áp dụng khi ", words.code(c.applicable.condition), f"; nếu không: {mode}.")
    return Row(
        number=c.number,
        label=c.label,
        kind=c.kind,
        depth=depth,
        maximum=_num(c.maximum),
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
    return RuleRow(k.label, words.code(k.condition), outcome, k.citations, k.notes)


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
    share = _percent_text(rule.share)
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


def sheet(source: Ruleset | Model | str | os.PathLike[str]) -> Sheet:
    """The texts of the score sheet, from a ruleset, a checked model, a path or criteria text."""
    model = model_of(source)
    header = model.header
    words = _Words(model)
    everything = model.criteria + model.deductions + model.bonuses
    mixed = len({c.status for c in everything}) > 1
    depth = {c.name: c.number.count(".") for c in model.criteria}
    criteria = tuple(_row(words, c, depth[c.name], mixed) for c in model.criteria)
    deductions = tuple(_row(words, c, 0, mixed) for c in model.deductions)
    bonuses = tuple(_row(words, c, 0, mixed) for c in model.bonuses)
    grades = tuple(
        GradeRow(
            label=g.label,
            band=band_text(g),
            requirements=tuple((r.label, words.code(r.condition)) for r in g.requirements),
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
    glossary: list[tuple[str, str]] = [(i.name, i.label) for i in model.inputs if i.name in words.used]
    glossary += [(name, let.label or "") for name, let in model.lets.items() if name in words.used]
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
        criteria_maximum=_num(model.criteria_maximum),
        criteria_citations=model.criteria_citations,
        criteria=criteria,
        deductions_label=model.deductions_label,
        deductions_cap=_num(model.deductions_cap) if model.deductions_label is not None else None,
        deductions=deductions,
        bonuses_label=model.bonuses_label,
        bonuses_cap=_num(model.bonuses_cap) if model.bonuses_label is not None else None,
        bonuses=bonuses,
        grades=grades,
        knockouts=knockouts,
        exemptions=exemptions,
        glossary=tuple(glossary),
        fingerprint=compiler.fingerprint(model.file)[:16],
        quotas=quotas,
    )


# ---------------------------------------------------------------- Markdown


def _md(text: str) -> str:
    """Plain text inside a Markdown table cell or paragraph."""
    for ch in "\\`*_[]<>|":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", " ")


def _md_code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    escaped = text.replace("|", "\\|")  # a pipe ends a table cell, even inside code
    return f"{fence}{pad}{escaped}{pad}{fence}"


def _md_line(line: Line) -> str:
    return "".join(_md_code(s) if i % 2 else _md(s) for i, s in enumerate(line) if s)


def _md_rule_cell(row: Row) -> str:
    parts = [_md_line(line) for line in row.rule]
    if row.applicable is not None:
        parts.append("*" + _md_line(row.applicable) + "*")
    parts += [f"Căn cứ: {_md(c)}" for c in row.citations]
    parts += [f"Ghi chú: {_md(note)}" for note in row.notes]
    return "<br>".join(parts)


def _md_label(row: Row) -> str:
    label = _md(row.label)
    if row.kind == "group":
        label = f"**{label}**"
    if row.status:
        label += f" ({row.status})"
    return label


def render_markdown(source: Ruleset | Model | Sheet | str | os.PathLike[str]) -> str:
    """The score sheet as Markdown (GitHub tables)."""
    s = source if isinstance(source, Sheet) else sheet(source)
    out: list[str] = []
    add = out.append
    add("PHIẾU CHẤM ĐIỂM")
    add("")
    add(f"# {_md(s.title)}")
    add("")
    add(f"- Bộ tiêu chí: `{s.ruleset_id}`, phiên bản {_md(s.version)}")
    add(f"- Căn cứ: {_md(s.basis)}")
    if s.extends:
        add(f"- Mở rộng từ: {_md(s.extends)}")
    add(f"- Hiệu lực: {s.effective}")
    add(f"- Điểm số: {s.status}" + (f" ({_md(s.status_note)})" if s.status_note else ""))
    if s.differing:
        add("- Riêng các mục: " + "; ".join(_md(d) for d in s.differing))
    for note in s.notes:
        add(f"- Ghi chú: {_md(note)}")
    add("")
    add("Tên tổ chức đảng: ………………………………………  Kỳ đánh giá: ………………")
    add("")
    add(f"## {_md(s.criteria_label)} (tối đa {s.criteria_maximum} điểm)")
    add("")
    for cite in s.criteria_citations:
        add(f"Căn cứ: {_md(cite)}")
        add("")
    add("| STT | Tiêu chí | Điểm tối đa | Cách chấm | Điểm tự chấm | Điểm cấp trên chấm |")
    add("|---|---|--:|---|---|---|")
    for row in s.criteria:
        add(f"| {row.number} | {_md_label(row)} | {row.maximum} | {_md_rule_cell(row)} |  |  |")
    add(f"|  | **Tổng điểm tiêu chí** | {s.criteria_maximum} |  |  |  |")
    add("")
    for title, cap, rows in (
        (s.deductions_label, s.deductions_cap, s.deductions),
        (s.bonuses_label, s.bonuses_cap, s.bonuses),
    ):
        if title is None:
            continue
        add(f"## {_md(title)} (tối đa {cap} điểm)")
        add("")
        add("| Nội dung | Điểm tối đa | Cách chấm | Điểm tự chấm | Điểm cấp trên chấm |")
        add("|---|--:|---|---|---|")
        for row in rows:
            add(f"| {_md_label(row)} | {row.maximum} | {_md_rule_cell(row)} |  |  |")
        add("")
    add("## Tổng hợp")
    add("")
    add("| Nội dung | Điểm tự chấm | Điểm cấp trên chấm |")
    add("|---|---|---|")
    add(f"| {_md(s.criteria_label)} (tối đa {s.criteria_maximum}) |  |  |")
    if s.deductions_label is not None:
        add(f"| {_md(s.deductions_label)} (tối đa {s.deductions_cap}) |  |  |")
    if s.bonuses_label is not None:
        add(f"| {_md(s.bonuses_label)} (tối đa {s.bonuses_cap}) |  |  |")
    add("| **Tổng điểm** |  |  |")
    add("| **Xếp loại** |  |  |")
    add("")
    add("## Xếp loại")
    add("")
    add("| Xếp loại | Tổng điểm | Điều kiện kèm theo |")
    add("|---|---|---|")
    for g in s.grades:
        parts = [f"{_md(label)} {_md_code(rule)}" for label, rule in g.requirements] or ["—"]
        if g.fallback and g.requirements:
            parts.append(f"Không đủ điều kiện: xếp loại “{_md(g.fallback)}”")
        parts += [f"Căn cứ: {_md(c)}" for c in g.citations]
        parts += [f"Ghi chú: {_md(note)}" for note in g.notes]
        add(f"| {_md(g.label)} | {g.band} | {'<br>'.join(parts)} |")
    add("")
    for title, rules in (("Loại trừ", s.knockouts), ("Không xếp loại", s.exemptions)):
        if not rules:
            continue
        add(f"## {title}")
        add("")
        for i, r in enumerate(rules, 1):
            outcome = f": {r.outcome}" if r.outcome else ""
            add(f"{i}. **{_md(r.label)}** — khi {_md_code(r.condition)}{outcome}")
            for cite in r.citations:
                add(f"   - Căn cứ: {_md(cite)}")
            for note in r.notes:
                add(f"   - Ghi chú: {_md(note)}")
        add("")
    if s.quotas:
        add("## Hạn mức xếp loại")
        add("")
        add(QUOTA_INTRO)
        add("")
        for i, q in enumerate(s.quotas, 1):
            add(f"{i}. **{_md(q.label)}** ({_md_code(q.name)})")
            for line in q.lines:
                add(f"   - {_md_line(line)}")
            for cite in q.citations:
                add(f"   - Căn cứ: {_md(cite)}")
            for note in q.notes:
                add(f"   - Ghi chú: {_md(note)}")
        add("")
    if s.glossary:
        add("## Dữ liệu dùng trong cách chấm")
        add("")
        add("| Tên | Nội dung |")
        add("|---|---|")
        for name, label in s.glossary:
            add(f"| {_md_code(name)} | {_md(label)} |")
        add("")
    add("| Đại diện tổ chức tự chấm (ký, ghi rõ họ tên) | Đại diện cấp trên chấm (ký, ghi rõ họ tên) |")
    add("|---|---|")
    add("|  |  |")
    add("")
    add("---")
    add("")
    add(f"Dấu vân tay bộ tiêu chí: `{s.fingerprint}`")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- HTML

#: Tables as every printed page of partyrules draws them (score sheets, batch reports).
TABLE_CSS = """
table { width: 100%; border-collapse: collapse; margin: 0 0 2mm; }
thead { display: table-header-group; }
tfoot { display: table-footer-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
th, td { border: 0.6pt solid #000; padding: 1mm 1.5mm; vertical-align: top; text-align: left; }
th { background: #eee; font-weight: bold; text-align: center; }
td.num, th.num { text-align: center; white-space: nowrap; }
""".strip()

_SHEET_CSS_HEAD = """
@page { size: A4; margin: 15mm 12mm 15mm 15mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Times New Roman", "Liberation Serif", "DejaVu Serif", serif; font-size: 11.5pt;
  line-height: 1.3; color: #000; background: #fff; margin: 0 auto; max-width: 190mm; padding: 6mm 0; }
p.form { text-align: center; font-weight: bold; letter-spacing: 0.08em; margin: 0; font-size: 12.5pt; }
h1 { text-align: center; font-size: 14pt; margin: 1mm 0 4mm; }
h2 { font-size: 12pt; margin: 5mm 0 2mm; page-break-after: avoid; break-after: avoid; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.5mm 3mm; margin: 0 0 3mm; }
dl.meta dt { font-weight: bold; }
dl.meta dd { margin: 0; }
p.fill { margin: 2mm 0; }
""".strip()

_SHEET_CSS_TAIL = """
td.score { width: 17mm; }
col.no { width: 10mm; } col.label { width: 52mm; } col.max { width: 13mm; } col.fill { width: 17mm; }
tr.group td { background: #f4f4f4; }
tr.group td.label { font-weight: bold; }
tr.depth-2 td.label { padding-left: 4mm; } tr.depth-3 td.label { padding-left: 7mm; }
tfoot td { font-weight: bold; }
.rule p { margin: 0; }
.rule p.band { padding-left: 3mm; }
.cite, .note, .applicable { font-size: 9.5pt; }
.cite { color: #333; }
.applicable { font-style: italic; }
.status { font-size: 9pt; font-weight: normal; }
code { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 8.5pt; overflow-wrap: anywhere; }
ol.rules { margin: 0 0 2mm; padding-left: 6mm; }
ol.rules li { margin-bottom: 1.5mm; page-break-inside: avoid; break-inside: avoid; }
ol.rules p { margin: 0; }
table.sign { margin-top: 6mm; }
table.sign td { border: none; text-align: center; height: 28mm; width: 50%; font-style: italic; }
footer { margin-top: 4mm; border-top: 0.6pt solid #000; padding-top: 1mm; font-size: 9pt; }
@media screen { body { padding: 10mm; } }
""".strip()

_CSS = "\n".join((_SHEET_CSS_HEAD, TABLE_CSS, _SHEET_CSS_TAIL))


def escape(text: str) -> str:
    """Text for HTML content or a quoted attribute value."""
    return html.escape(text, quote=True)


def page_head(title: str, css: str) -> list[str]:
    """The opening lines of every HTML page partyrules writes, up to and including ``<body>``.

    A self-contained Vietnamese page: doctype, UTF-8, a viewport for screens, ``title``
    (plain text, escaped here) and ``css`` inline, so that the page needs nothing else.
    """
    return [
        "<!DOCTYPE html>",
        '<html lang="vi">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>\n{css}\n</style>",
        "</head>",
        "<body>",
    ]


def _h_line(line: Line) -> str:
    return "".join(f"<code>{escape(s)}</code>" if i % 2 else escape(s) for i, s in enumerate(line) if s)


def _h_extra(citations: tuple[str, ...], notes: tuple[str, ...]) -> list[str]:
    parts = [f'<p class="cite">Căn cứ: {escape(c)}</p>' for c in citations]
    parts += [f'<p class="note">Ghi chú: {escape(note)}</p>' for note in notes]
    return parts


def _h_rule_cell(row: Row) -> str:
    parts = []
    for i, line in enumerate(row.rule):
        band = i > 0 and not line[0].startswith(("Mức đạt", "Theo"))
        parts.append(f'<p class="band">{_h_line(line)}</p>' if band else f"<p>{_h_line(line)}</p>")
    if row.applicable is not None:
        parts.append(f'<p class="applicable">{_h_line(row.applicable)}</p>')
    parts += _h_extra(row.citations, row.notes)
    return f'<td class="rule">{"".join(parts)}</td>'


def _h_label(row: Row) -> str:
    status = f' <span class="status">({escape(row.status)})</span>' if row.status else ""
    return f'<td class="label">{escape(row.label)}{status}</td>'


def render_html(source: Ruleset | Model | Sheet | str | os.PathLike[str]) -> str:
    """The score sheet as one self-contained HTML5 page for printing on A4."""
    s = source if isinstance(source, Sheet) else sheet(source)
    out = page_head(f"Phiếu chấm điểm — {s.title}", _CSS)
    add = out.append
    add("<header>")
    add('<p class="form">PHIẾU CHẤM ĐIỂM</p>')
    add(f"<h1>{escape(s.title)}</h1>")
    add('<dl class="meta">')
    add(f"<dt>Bộ tiêu chí</dt><dd><code>{escape(s.ruleset_id)}</code>, phiên bản {escape(s.version)}</dd>")
    add(f"<dt>Căn cứ</dt><dd>{escape(s.basis)}</dd>")
    if s.extends:
        add(f"<dt>Mở rộng từ</dt><dd>{escape(s.extends)}</dd>")
    add(f"<dt>Hiệu lực</dt><dd>{escape(s.effective)}</dd>")
    note = f" ({escape(s.status_note)})" if s.status_note else ""
    add(f"<dt>Điểm số</dt><dd><strong>{escape(s.status)}</strong>{note}</dd>")
    if s.differing:
        add(f"<dt>Riêng các mục</dt><dd>{escape('; '.join(s.differing))}</dd>")
    for text in s.notes:
        add(f"<dt>Ghi chú</dt><dd>{escape(text)}</dd>")
    add("</dl>")
    add('<p class="fill">Tên tổ chức đảng: …………………………………………… Kỳ đánh giá: ………………</p>')
    add("</header>")
    add("<main>")
    add(f"<h2>{escape(s.criteria_label)} (tối đa {escape(s.criteria_maximum)} điểm)</h2>")
    add("".join(_h_extra(s.criteria_citations, ())))
    add('<table class="criteria">')
    add(
        '<colgroup><col class="no"><col class="label"><col class="max"><col><col class="fill"><col class="fill"></colgroup>'
    )
    add(
        "<thead><tr><th>STT</th><th>Tiêu chí</th><th>Điểm tối đa</th><th>Cách chấm</th>"
        "<th>Điểm tự chấm</th><th>Điểm cấp trên chấm</th></tr></thead>"
    )
    add("<tbody>")
    for row in s.criteria:
        kind = "group" if row.kind == "group" else "item"
        add(
            f'<tr class="{kind} depth-{row.depth + 1}"><td class="num">{escape(row.number)}</td>{_h_label(row)}'
            f'<td class="num">{escape(row.maximum)}</td>{_h_rule_cell(row)}<td class="score"></td><td class="score"></td></tr>'
        )
    add("</tbody>")
    add(
        f'<tfoot><tr><td></td><td>Tổng điểm tiêu chí</td><td class="num">{escape(s.criteria_maximum)}</td>'
        '<td></td><td class="score"></td><td class="score"></td></tr></tfoot>'
    )
    add("</table>")
    for title, cap, rows, kind in (
        (s.deductions_label, s.deductions_cap, s.deductions, "deductions"),
        (s.bonuses_label, s.bonuses_cap, s.bonuses, "bonuses"),
    ):
        if title is None:
            continue
        add(f"<h2>{escape(title)} (tối đa {escape(cap or '')} điểm)</h2>")
        add(f'<table class="adjustments {kind}">')
        add('<colgroup><col class="label"><col class="max"><col><col class="fill"><col class="fill"></colgroup>')
        add(
            "<thead><tr><th>Nội dung</th><th>Điểm tối đa</th><th>Cách chấm</th>"
            "<th>Điểm tự chấm</th><th>Điểm cấp trên chấm</th></tr></thead>"
        )
        add("<tbody>")
        for row in rows:
            add(
                f'<tr>{_h_label(row)}<td class="num">{escape(row.maximum)}</td>{_h_rule_cell(row)}'
                '<td class="score"></td><td class="score"></td></tr>'
            )
        add("</tbody>")
        add("</table>")
    add("<h2>Tổng hợp</h2>")
    add('<table class="summary">')
    add('<colgroup><col><col class="fill"><col class="fill"></colgroup>')
    add("<thead><tr><th>Nội dung</th><th>Điểm tự chấm</th><th>Điểm cấp trên chấm</th></tr></thead>")
    add("<tbody>")
    add(
        f'<tr><td>{escape(s.criteria_label)} (tối đa {escape(s.criteria_maximum)})</td><td class="score"></td><td></td></tr>'
    )
    for title, cap in ((s.deductions_label, s.deductions_cap), (s.bonuses_label, s.bonuses_cap)):
        if title is not None:
            add(f'<tr><td>{escape(title)} (tối đa {escape(cap or "")})</td><td class="score"></td><td></td></tr>')
    add('<tr><td><strong>Tổng điểm</strong></td><td class="score"></td><td></td></tr>')
    add('<tr><td><strong>Xếp loại</strong></td><td class="score"></td><td></td></tr>')
    add("</tbody>")
    add("</table>")
    add("<h2>Xếp loại</h2>")
    add('<table class="grades">')
    add("<thead><tr><th>Xếp loại</th><th>Tổng điểm</th><th>Điều kiện kèm theo</th></tr></thead>")
    add("<tbody>")
    for g in s.grades:
        parts = [f"<p>{escape(label)} <code>{escape(rule)}</code></p>" for label, rule in g.requirements] or [
            "<p>—</p>"
        ]
        if g.fallback and g.requirements:
            parts.append(f"<p>Không đủ điều kiện: xếp loại “{escape(g.fallback)}”</p>")
        parts += _h_extra(g.citations, g.notes)
        add(
            f'<tr><td class="label"><strong>{escape(g.label)}</strong></td><td class="num">{escape(g.band)}</td>'
            f'<td class="rule">{"".join(parts)}</td></tr>'
        )
    add("</tbody>")
    add("</table>")
    for title, rules, kind in (("Loại trừ", s.knockouts, "knockouts"), ("Không xếp loại", s.exemptions, "exemptions")):
        if not rules:
            continue
        add(f"<h2>{title}</h2>")
        add(f'<ol class="rules {kind}">')
        for r in rules:
            outcome = f": <strong>{escape(r.outcome)}</strong>" if r.outcome else ""
            extra = "".join(_h_extra(r.citations, r.notes))
            add(
                f"<li><p><strong>{escape(r.label)}</strong> — khi <code>{escape(r.condition)}</code>{outcome}</p>{extra}</li>"
            )
        add("</ol>")
    if s.quotas:
        add("<h2>Hạn mức xếp loại</h2>")
        add(f"<p>{escape(QUOTA_INTRO)}</p>")
        add('<ol class="rules quotas">')
        for q in s.quotas:
            lines = "".join(f"<p>{_h_line(line)}</p>" for line in q.lines)
            extra = "".join(_h_extra(q.citations, q.notes))
            add(f"<li><p><strong>{escape(q.label)}</strong> <code>{escape(q.name)}</code></p>{lines}{extra}</li>")
        add("</ol>")
    if s.glossary:
        add("<h2>Dữ liệu dùng trong cách chấm</h2>")
        add('<table class="glossary">')
        add("<thead><tr><th>Tên</th><th>Nội dung</th></tr></thead>")
        add("<tbody>")
        for name, label in s.glossary:
            add(f"<tr><td><code>{escape(name)}</code></td><td>{escape(label)}</td></tr>")
        add("</tbody>")
        add("</table>")
    add('<table class="sign"><tr>')
    add(
        "<td>Đại diện tổ chức tự chấm<br>(ký, ghi rõ họ tên)</td><td>Đại diện cấp trên chấm<br>(ký, ghi rõ họ tên)</td>"
    )
    add("</tr></table>")
    add("</main>")
    add(f"<footer>Dấu vân tay bộ tiêu chí: <code>{escape(s.fingerprint)}</code></footer>")
    add("</body>")
    add("</html>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- xlsx fill-in workbook

DATA_SHEET = "Dữ liệu"
GUIDE_SHEET = "Hướng dẫn"
LISTS_SHEET = "Danh mục"
ID_COLUMN = ("org_id", "Mã tổ chức đảng")
NAME_COLUMN = ("org_name", "Tên tổ chức đảng")
FIRST_DATA_ROW = 3  # row 1: labels for people; row 2 (hidden): input names for partyrules
LAST_ROW = 1048576  # validation covers every row Excel has
YES, NO = "Có", "Không"  # what the boolean drop-downs offer; the runtime reads both
_HUGE = "999999999999999"  # the runtime's limit on a number without declared bounds (10**15 - 1)


def choices(spec: InputSpec) -> tuple[str, ...]:
    """What a drop-down offers for an enumeration or level: the members' labels, or their names.

    Labels only when every member has one, no two are alike and none is
    another member's name: then reading a label back gives one member for sure.
    """
    labels = spec.member_labels
    if (
        len(labels) == len(spec.members)
        and all(labels)
        and len(set(labels)) == len(labels)
        and not any(label in spec.members and label != m for m, label in zip(spec.members, labels))
    ):
        return tuple(str(label) for label in labels)
    return spec.members


def _percent_text(fraction: Any) -> str:
    return number_text(Decimal(fraction) * 100) + "%"


def _allowed(spec: InputSpec) -> str:
    """The values an input accepts, in words (the instructions and the cell prompts)."""
    low, high = spec.low, spec.high
    if spec.kind == "integer":
        return "Số nguyên" + _between(low, high, str)
    if spec.kind == "decimal":
        places = f", tối đa {spec.places} chữ số thập phân" if spec.places is not None else ""
        return "Số" + _between(low, high, lambda v: number_text(Decimal(v))) + places
    if spec.kind == "percent":
        places = f", tối đa {spec.places} chữ số thập phân" if spec.places is not None else ""
        return "Tỷ lệ phần trăm" + _between(low, high, _percent_text) + places
    if spec.kind == "boolean":
        return f"{YES} hoặc {NO}"
    if spec.kind in ("enum", "level"):
        return "Một trong: " + "; ".join(choices(spec))
    if spec.kind == "date":
        return "Ngày" + _between(low, high, _date)
    return spec.kind  # pragma: no cover - every kind is listed above


def _between(low: Any, high: Any, show: Any) -> str:
    if low is not None and high is not None:
        return f" từ {show(low)} đến {show(high)}"
    if low is not None:
        return f" từ {show(low)} trở lên"
    if high is not None:
        return f" đến {show(high)}"
    return ""


def _default_text(spec: InputSpec) -> str:
    if spec.required:
        return "Bắt buộc"
    value = spec.default
    if spec.kind == "percent":
        shown = _percent_text(value)
    elif spec.kind == "boolean":
        shown = YES if value else NO
    elif spec.kind in ("enum", "level"):
        shown = dict(zip(spec.members, choices(spec))).get(value, str(value))
    elif spec.kind == "date":
        shown = _date(value)
    else:
        shown = number_text(Decimal(value))
    return f"Để trống: {shown}"


def _number_format(spec: InputSpec) -> str | None:
    decimals = "" if not spec.places else "." + "0" * spec.places
    if spec.kind == "integer":
        return "0"
    if spec.kind == "decimal":
        return "0" + decimals if spec.places is not None else None
    if spec.kind == "percent":
        # the cell holds a fraction shown as a percentage: Excel's own way of writing 87.5%
        return "0" + (decimals if spec.places is not None else ".00") + "%"
    if spec.kind == "date":
        return "dd/mm/yyyy"
    return None


def _validation(spec: InputSpec, list_range: str | None) -> Any:
    from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]

    kind, operator, first, second = "", "between", "", ""
    low, high = spec.low, spec.high
    if spec.kind == "integer":
        kind = "whole"
        first = str(low) if low is not None else "-" + _HUGE
        second = str(high) if high is not None else _HUGE
    elif spec.kind in ("decimal", "percent"):
        kind = "decimal"
        first = plain(Decimal(low)) if low is not None else "-" + _HUGE
        second = plain(Decimal(high)) if high is not None else _HUGE
    elif spec.kind == "date":
        kind = "date"
        first = _excel_date(low) if low is not None else "DATE(1900,1,1)"
        second = _excel_date(high) if high is not None else "DATE(9999,12,31)"
    elif spec.kind == "boolean":
        kind, first, second = "list", f'"{YES},{NO}"', ""
    else:
        kind, first, second = "list", list_range or "", ""
    allowed = _allowed(spec)
    title = spec.label if len(spec.label) <= 32 else spec.label[:31] + "…"
    return DataValidation(
        type=kind,
        operator=operator if kind != "list" else None,
        formula1=first,
        formula2=second or None,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="Giá trị không hợp lệ",
        error=_clip(f"{spec.label}: {allowed}"),
        promptTitle=title,
        prompt=_clip(f"{allowed}. {_default_text(spec)}."),
    )


def _clip(text: str, limit: int = 255) -> str:
    """Excel refuses a workbook whose validation messages pass 255 characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _excel_date(value: datetime.date) -> str:
    return f"DATE({value.year},{value.month},{value.day})"


def _quoted(sheet_name: str) -> str:
    return "'" + sheet_name.replace("'", "''") + "'"


def fill_in_workbook(ruleset: Ruleset) -> Any:
    """The fill-in workbook of a ruleset (an openpyxl ``Workbook``; needs the ``xlsx`` extra).

    Sheets: ``Dữ liệu``, one row per organisation (row 1 the inputs' labels,
    row 2, hidden, their names, which the defined name ``partyrules_inputs``
    points at; data validation from each input's type and range);
    ``Hướng dẫn``, the scale's title, basis, effective dates and every column
    explained; ``Danh mục`` (hidden), the drop-down lists.
    """
    from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
    from openpyxl.workbook.defined_name import DefinedName  # type: ignore[import-untyped]

    from partyrules.data import FILL_IN_INPUTS, FILL_IN_RULESET, openpyxl_module

    openpyxl = openpyxl_module()
    s = sheet(ruleset)
    book = openpyxl.Workbook()
    sheet_ = book.active
    sheet_.title = DATA_SHEET
    guide = book.create_sheet(GUIDE_SHEET)
    lists = book.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"

    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDDDDD")
    wrap = Alignment(wrap_text=True, vertical="top")
    columns: list[tuple[str, str, InputSpec | None]] = [(*ID_COLUMN, None), (*NAME_COLUMN, None)]
    columns += [(spec.name, spec.label + (" (*)" if spec.required else ""), spec) for spec in ruleset.inputs]
    list_column = 0
    for index, (name, label, spec) in enumerate(columns, 1):
        letter = get_column_letter(index)
        head = sheet_.cell(row=1, column=index, value=label)
        head.font, head.fill, head.alignment = bold, header_fill, wrap
        sheet_.cell(row=2, column=index, value=name)
        dimension = sheet_.column_dimensions[letter]
        dimension.width = 16 if spec is None or spec.kind not in ("enum", "level") else 24
        if spec is None:
            dimension.number_format = "@"  # ids stay text: "0012" keeps its zeros
            continue
        number_format = _number_format(spec)
        if number_format is not None:
            dimension.number_format = number_format
        list_range = None
        if spec.kind in ("enum", "level"):
            list_column += 1
            list_letter = get_column_letter(list_column)
            lists.cell(row=1, column=list_column, value=spec.name).font = bold
            for row, text in enumerate(choices(spec), 2):
                lists.cell(row=row, column=list_column, value=text)
            last = len(spec.members) + 1
            list_range = f"{_quoted(LISTS_SHEET)}!${list_letter}$2:${list_letter}${last}"
        validation = _validation(spec, list_range)
        validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_ROW}")
        sheet_.add_data_validation(validation)
    sheet_.row_dimensions[1].height = 60
    sheet_.row_dimensions[2].hidden = True
    sheet_.freeze_panes = f"C{FIRST_DATA_ROW}"
    last_letter = get_column_letter(len(columns))
    book.defined_names[FILL_IN_INPUTS] = DefinedName(
        FILL_IN_INPUTS, attr_text=f"{_quoted(DATA_SHEET)}!$A$2:${last_letter}$2"
    )
    made_for = f"{ruleset.id}|{ruleset.version}|{ruleset.fingerprint}".replace('"', '""')
    book.defined_names[FILL_IN_RULESET] = DefinedName(FILL_IN_RULESET, attr_text=f'"{made_for}"')

    lines: list[tuple[str, str]] = [
        ("PHIẾU NHẬP LIỆU CHẤM ĐIỂM", ""),
        ("Tên", s.title),
        ("Bộ tiêu chí", f"{s.ruleset_id}, phiên bản {s.version}"),
        ("Căn cứ", s.basis),
        ("Hiệu lực", s.effective),
        ("Điểm số", s.status + (f" ({s.status_note})" if s.status_note else "")),
        ("Dấu vân tay", ruleset.fingerprint[:16]),
        ("", ""),
        ("Cách nhập", f"Mỗi dòng của trang “{DATA_SHEET}” (từ dòng {FIRST_DATA_ROW}) là một tổ chức đảng."),
        ("", "Cột có dấu (*) là bắt buộc; cột khác để trống thì lấy giá trị mặc định ghi dưới đây."),
        ("", "Tỷ lệ nhập theo phần trăm (ví dụ 87,5%). Ô có danh sách thì chọn trong danh sách."),
        ("", "Không sửa, không xóa dòng 2 (ẩn): partyrules đọc tên dữ liệu ở đó."),
        ("Chấm điểm", f"partyrules score {s.ruleset_id} <tệp đã điền>.xlsx --output ket-qua.xlsx"),
        ("", ""),
    ]
    if s.quotas:
        lines.append(("Hạn mức", QUOTA_INTRO))
        for q in s.quotas:
            lines.append(("", f"{q.label} ({q.name})"))
            lines += [("", "- " + "".join(line)) for line in q.lines]
            if q.column is not None:
                lines.append(
                    (
                        "",
                        f"- Để áp dụng: thêm một cột vào trang “{DATA_SHEET}”, ghi {q.column} ở dòng 2 (dòng ẩn) "
                        f"và nhóm của từng tổ chức từ dòng {FIRST_DATA_ROW}.",
                    )
                )
        lines.append(("", ""))
    for row, (key, value) in enumerate(lines, 1):
        guide.cell(row=row, column=1, value=key or None).font = bold
        guide.cell(row=row, column=2, value=value or None).alignment = wrap
    guide["A1"].font = Font(bold=True, size=13)
    table_row = len(lines) + 1
    heads = ("Cột", "Nội dung", "Tên dữ liệu", "Giá trị cho phép", "Bỏ trống")
    for column, text in enumerate(heads, 1):
        cell = guide.cell(row=table_row, column=column, value=text)
        cell.font, cell.fill = bold, header_fill
    for offset, (name, label, spec) in enumerate(columns, 1):
        allowed = _allowed(spec) if spec is not None else "Chữ, số (mã hoặc tên tự do)"
        blank = _default_text(spec) if spec is not None else ("Số dòng" if name == ID_COLUMN[0] else "")
        values = (get_column_letter(offset), label, name, allowed, blank)
        for column, text in enumerate(values, 1):
            guide.cell(row=table_row + offset, column=column, value=text or None).alignment = wrap
    for letter, width in zip("ABCDE", (14, 60, 24, 50, 24)):
        guide.column_dimensions[letter].width = width
    book.active = 0
    return book


def write_fill_in(ruleset: Ruleset, stream: IO[bytes]) -> None:
    """Write the fill-in workbook of a ruleset to a binary stream, the same bytes every time."""
    from partyrules.data import save_workbook

    save_workbook(fill_in_workbook(ruleset), stream)


def _write(stream: IO[str], text: str) -> None:
    stream.write(text)


def sheet_name(ruleset_id: str, suffix: str) -> str:
    """File name of a generated sheet: ``vn.hatinh__chi-bo-4-tot.html``."""
    return ruleset_id.replace("/", "__") + suffix


def shipped_sheets() -> list[tuple[str, Path]]:
    """(sheet name without suffix, criteria file) for every version of every shipped ruleset.

    The newest version of an id has the id's own name (``vn__annual-collective``); an older one
    adds its tag (``vn__annual-collective@124``), so a link to a scale always shows the one in force.
    """
    from partyrules.catalog import shipped_ids, shipped_versions

    out = []
    for ruleset_id in shipped_ids():
        versions = shipped_versions(ruleset_id)
        for path in versions:
            tag = path.stem.partition("@")[2]
            name = sheet_name(ruleset_id, "")
            out.append((name if path == versions[-1] or not tag else f"{name}@{tag}", path))
    return out


def write_sheets(folder: str | os.PathLike[str]) -> list[Path]:
    """Write the Markdown and HTML sheets of every shipped ruleset's versions into ``folder``; returns the paths."""
    from partyrules.data import write_atomic

    written = []
    for name, criteria in shipped_sheets():
        s = sheet(criteria)
        for suffix, text in ((".md", render_markdown(s)), (".html", render_html(s))):
            path = Path(folder) / (name + suffix)
            write_atomic(path, functools.partial(_write, text=text))
            written.append(path)
    return written


if __name__ == "__main__":  # regenerate the sheets of the shipped rulesets: python -m partyrules.render docs/sheets
    import sys

    for written in write_sheets(sys.argv[1] if len(sys.argv) > 1 else "docs/sheets"):
        print(written)
