"""Printable score sheets (“phiếu chấm điểm”): a ruleset laid out as an officer prints the scale.

    >>> from partyrules import render, shipped
    >>> html = render.render_html(shipped("vn.hatinh/chi-bo-4-tot"))   # doctest: +SKIP

The sheet's texts come from :func:`partyrules.scoresheet.sheet` (the rules
quoted in the file's own notation); here they are laid out as Markdown or as
a self-contained HTML5 page made for A4 paper: no scripts, no external
resources, every text escaped. The same ruleset always gives the same bytes.
"""

from __future__ import annotations

import functools
import html
import os
from pathlib import Path
from typing import IO

from partyrules.model import Model
from partyrules.runtime import Ruleset
from partyrules.scoresheet import QUOTA_INTRO, CriterionRow, Line, Sheet, sheet

__all__ = ["Sheet", "page_head", "render_html", "render_markdown", "sheet"]


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


def _md_rule_cell(row: CriterionRow) -> str:
    parts = [_md_line(line) for line in row.rule]
    if row.applicable is not None:
        parts.append("*" + _md_line(row.applicable) + "*")
    parts += [f"Căn cứ: {_md(c)}" for c in row.citations]
    parts += [f"Ghi chú: {_md(note)}" for note in row.notes]
    return "<br>".join(parts)


def _md_label(row: CriterionRow) -> str:
    label = _md(row.label)
    if row.kind == "group":
        label = f"**{label}**"
    if row.status:
        label += f" ({row.status})"
    return label


def render_markdown(source: Ruleset | Model | Sheet | str | os.PathLike[str], code: bool = False) -> str:
    """The score sheet as Markdown (GitHub tables); ``code`` quotes every rule in the file's notation."""
    s = source if isinstance(source, Sheet) else sheet(source, code=code)
    parts = (
        _md_head,
        _md_criteria,
        _md_adjustments,
        _md_summary,
        _md_grades,
        _md_rules,
        _md_quotas,
        _md_values,
        _md_glossary,
    )
    out = [line for part in parts for line in part(s)]
    out += [
        "| Đại diện tổ chức tự chấm (ký, ghi rõ họ tên) | Đại diện cấp trên chấm (ký, ghi rõ họ tên) |",
        "|---|---|",
        "|  |  |",
        "",
        "---",
        "",
        f"Dấu vân tay bộ tiêu chí: `{s.fingerprint}`",
    ]
    return "\n".join(out) + "\n"


def _md_head(s: Sheet) -> list[str]:
    out = ["PHIẾU CHẤM ĐIỂM", "", f"# {_md(s.title)}", ""]
    out.append(f"- Bộ tiêu chí: `{s.ruleset_id}`, phiên bản {_md(s.version)}")
    out.append(f"- Căn cứ: {_md(s.basis)}")
    if s.extends:
        out.append(f"- Mở rộng từ: {_md(s.extends)}")
    out.append(f"- Hiệu lực: {s.effective}")
    out.append(f"- Điểm số: {s.status}" + (f" ({_md(s.status_note)})" if s.status_note else ""))
    if s.differing:
        out.append("- Riêng các mục: " + "; ".join(_md(d) for d in s.differing))
    out += [f"- Ghi chú: {_md(note)}" for note in s.notes]
    out += ["", "Tên tổ chức đảng: ………………………………………  Kỳ đánh giá: ………………", ""]
    return out


def _md_criteria(s: Sheet) -> list[str]:
    out = [f"## {_md(s.criteria_label)} (tối đa {s.criteria_maximum} điểm)", ""]
    for cite in s.criteria_citations:
        out += [f"Căn cứ: {_md(cite)}", ""]
    out.append("| STT | Tiêu chí | Điểm tối đa | Cách chấm | Điểm tự chấm | Điểm cấp trên chấm |")
    out.append("|---|---|--:|---|---|---|")
    for row in s.criteria:
        out.append(f"| {row.number} | {_md_label(row)} | {row.maximum} | {_md_rule_cell(row)} |  |  |")
    out += [f"|  | **Tổng điểm tiêu chí** | {s.criteria_maximum} |  |  |  |", ""]
    return out


def _md_adjustments(s: Sheet) -> list[str]:
    out: list[str] = []
    for title, cap, rows in (
        (s.deductions_label, s.deductions_cap, s.deductions),
        (s.bonuses_label, s.bonuses_cap, s.bonuses),
    ):
        if title is None:
            continue
        out += [f"## {_md(title)} (tối đa {cap} điểm)", ""]
        out.append("| Nội dung | Điểm tối đa | Cách chấm | Điểm tự chấm | Điểm cấp trên chấm |")
        out.append("|---|--:|---|---|---|")
        out += [f"| {_md_label(row)} | {row.maximum} | {_md_rule_cell(row)} |  |  |" for row in rows]
        out.append("")
    return out


def _md_summary(s: Sheet) -> list[str]:
    out = ["## Tổng hợp", "", "| Nội dung | Điểm tự chấm | Điểm cấp trên chấm |", "|---|---|---|"]
    out.append(f"| {_md(s.criteria_label)} (tối đa {s.criteria_maximum}) |  |  |")
    if s.deductions_label is not None:
        out.append(f"| {_md(s.deductions_label)} (tối đa {s.deductions_cap}) |  |  |")
    if s.bonuses_label is not None:
        out.append(f"| {_md(s.bonuses_label)} (tối đa {s.bonuses_cap}) |  |  |")
    out += ["| **Tổng điểm** |  |  |", "| **Xếp loại** |  |  |", ""]
    return out


def _md_grades(s: Sheet) -> list[str]:
    out = ["## Xếp loại", "", "| Xếp loại | Tổng điểm | Điều kiện kèm theo |", "|---|---|---|"]
    for g in s.grades:
        parts = [f"{_md(label)}: {_md_line(rule)}" for label, rule in g.requirements] or ["—"]
        if g.fallback and g.requirements:
            parts.append(f"Không đủ điều kiện: xếp loại “{_md(g.fallback)}”")
        parts += [f"Căn cứ: {_md(c)}" for c in g.citations]
        parts += [f"Ghi chú: {_md(note)}" for note in g.notes]
        out.append(f"| {_md(g.label)} | {g.band} | {'<br>'.join(parts)} |")
    out.append("")
    return out


def _md_rules(s: Sheet) -> list[str]:
    """Knock-outs and not-graded rules, numbered."""
    out: list[str] = []
    for title, rules in (("Loại trừ", s.knockouts), ("Không xếp loại", s.exemptions)):
        if not rules:
            continue
        out += [f"## {title}", ""]
        for i, r in enumerate(rules, 1):
            outcome = f": {r.outcome}" if r.outcome else ""
            out.append(f"{i}. **{_md(r.label)}** — khi {_md_line(r.condition)}{outcome}")
            out += _md_extra(r.citations, r.notes)
        out.append("")
    return out


def _md_quotas(s: Sheet) -> list[str]:
    if not s.quotas:
        return []
    out = ["## Hạn mức xếp loại", "", QUOTA_INTRO, ""]
    for i, q in enumerate(s.quotas, 1):
        out.append(f"{i}. **{_md(q.label)}** ({_md_code(q.name)})")
        out += [f"   - {_md_line(line)}" for line in q.lines]
        out += _md_extra(q.citations, q.notes)
    out.append("")
    return out


def _md_extra(citations: tuple[str, ...], notes: tuple[str, ...]) -> list[str]:
    """A rule's citations and notes, as items of its numbered entry."""
    return [f"   - Căn cứ: {_md(c)}" for c in citations] + [f"   - Ghi chú: {_md(note)}" for note in notes]


def _md_values(s: Sheet) -> list[str]:
    """The named values: how each is computed, and from which inputs."""
    if not s.values:
        return []
    out = ["## Giá trị tính từ dữ liệu", "", "| Giá trị | Cách tính | Dữ liệu dùng |", "|---|---|---|"]
    for v in s.values:
        formula = "<br>".join(_md_line(line) for line in v.formula)
        inputs = "<br>".join(f"{_md(label)} ({_md_code(name)})" for name, label in v.inputs) or "—"
        out.append(f"| {_md(v.label)} ({_md_code(v.name)}) | {formula} | {inputs} |")
    out.append("")
    return out


def _md_glossary(s: Sheet) -> list[str]:
    if not s.glossary:
        return []
    out = ["## Dữ liệu dùng trong cách chấm", "", "| Tên | Nội dung |", "|---|---|"]
    out += [f"| {_md_code(name)} | {_md(label)} |" for name, label in s.glossary]
    out.append("")
    return out


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


def _h_rule_cell(row: CriterionRow) -> str:
    parts = []
    for i, line in enumerate(row.rule):
        band = i > 0 and not line[0].startswith(("Mức đạt", "Theo"))
        parts.append(f'<p class="band">{_h_line(line)}</p>' if band else f"<p>{_h_line(line)}</p>")
    if row.applicable is not None:
        parts.append(f'<p class="applicable">{_h_line(row.applicable)}</p>')
    parts += _h_extra(row.citations, row.notes)
    return f'<td class="rule">{"".join(parts)}</td>'


def _h_label(row: CriterionRow) -> str:
    status = f' <span class="status">({escape(row.status)})</span>' if row.status else ""
    return f'<td class="label">{escape(row.label)}{status}</td>'


def render_html(source: Ruleset | Model | Sheet | str | os.PathLike[str], code: bool = False) -> str:
    """The score sheet as one self-contained HTML5 page for printing on A4; ``code`` as in :func:`render_markdown`."""
    s = source if isinstance(source, Sheet) else sheet(source, code=code)
    out = page_head(f"Phiếu chấm điểm — {s.title}", _CSS)
    parts = (_h_criteria, _h_adjustments, _h_summary, _h_grades, _h_rules, _h_quotas, _h_values, _h_glossary)
    out += ["<header>", *_h_head(s), "</header>", "<main>"]
    out += [line for part in parts for line in part(s)]
    out += [
        '<table class="sign"><tr>',
        "<td>Đại diện tổ chức tự chấm<br>(ký, ghi rõ họ tên)</td><td>Đại diện cấp trên chấm<br>(ký, ghi rõ họ tên)</td>",
        "</tr></table>",
        "</main>",
        f"<footer>Dấu vân tay bộ tiêu chí: <code>{escape(s.fingerprint)}</code></footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(out) + "\n"


def _h_head(s: Sheet) -> list[str]:
    out = ['<p class="form">PHIẾU CHẤM ĐIỂM</p>', f"<h1>{escape(s.title)}</h1>", '<dl class="meta">']
    out.append(f"<dt>Bộ tiêu chí</dt><dd><code>{escape(s.ruleset_id)}</code>, phiên bản {escape(s.version)}</dd>")
    out.append(f"<dt>Căn cứ</dt><dd>{escape(s.basis)}</dd>")
    if s.extends:
        out.append(f"<dt>Mở rộng từ</dt><dd>{escape(s.extends)}</dd>")
    out.append(f"<dt>Hiệu lực</dt><dd>{escape(s.effective)}</dd>")
    note = f" ({escape(s.status_note)})" if s.status_note else ""
    out.append(f"<dt>Điểm số</dt><dd><strong>{escape(s.status)}</strong>{note}</dd>")
    if s.differing:
        out.append(f"<dt>Riêng các mục</dt><dd>{escape('; '.join(s.differing))}</dd>")
    out += [f"<dt>Ghi chú</dt><dd>{escape(text)}</dd>" for text in s.notes]
    out.append("</dl>")
    out.append('<p class="fill">Tên tổ chức đảng: …………………………………………… Kỳ đánh giá: ………………</p>')
    return out


def _h_criteria(s: Sheet) -> list[str]:
    out = [f"<h2>{escape(s.criteria_label)} (tối đa {escape(s.criteria_maximum)} điểm)</h2>"]
    out.append("".join(_h_extra(s.criteria_citations, ())))
    out.append('<table class="criteria">')
    out.append(
        '<colgroup><col class="no"><col class="label"><col class="max"><col><col class="fill"><col class="fill"></colgroup>'
    )
    out.append(
        "<thead><tr><th>STT</th><th>Tiêu chí</th><th>Điểm tối đa</th><th>Cách chấm</th>"
        "<th>Điểm tự chấm</th><th>Điểm cấp trên chấm</th></tr></thead>"
    )
    out.append("<tbody>")
    for row in s.criteria:
        kind = "group" if row.kind == "group" else "item"
        out.append(
            f'<tr class="{kind} depth-{row.depth + 1}"><td class="num">{escape(row.number)}</td>{_h_label(row)}'
            f'<td class="num">{escape(row.maximum)}</td>{_h_rule_cell(row)}<td class="score"></td><td class="score"></td></tr>'
        )
    out.append("</tbody>")
    out.append(
        f'<tfoot><tr><td></td><td>Tổng điểm tiêu chí</td><td class="num">{escape(s.criteria_maximum)}</td>'
        '<td></td><td class="score"></td><td class="score"></td></tr></tfoot>'
    )
    out.append("</table>")
    return out


def _h_adjustments(s: Sheet) -> list[str]:
    out: list[str] = []
    for title, cap, rows, kind in (
        (s.deductions_label, s.deductions_cap, s.deductions, "deductions"),
        (s.bonuses_label, s.bonuses_cap, s.bonuses, "bonuses"),
    ):
        if title is None:
            continue
        out.append(f"<h2>{escape(title)} (tối đa {escape(cap or '')} điểm)</h2>")
        out.append(f'<table class="adjustments {kind}">')
        out.append('<colgroup><col class="label"><col class="max"><col><col class="fill"><col class="fill"></colgroup>')
        out.append(
            "<thead><tr><th>Nội dung</th><th>Điểm tối đa</th><th>Cách chấm</th>"
            "<th>Điểm tự chấm</th><th>Điểm cấp trên chấm</th></tr></thead>"
        )
        out.append("<tbody>")
        for row in rows:
            out.append(
                f'<tr>{_h_label(row)}<td class="num">{escape(row.maximum)}</td>{_h_rule_cell(row)}'
                '<td class="score"></td><td class="score"></td></tr>'
            )
        out += ["</tbody>", "</table>"]
    return out


def _h_summary(s: Sheet) -> list[str]:
    out = [
        "<h2>Tổng hợp</h2>",
        '<table class="summary">',
        '<colgroup><col><col class="fill"><col class="fill"></colgroup>',
    ]
    out.append("<thead><tr><th>Nội dung</th><th>Điểm tự chấm</th><th>Điểm cấp trên chấm</th></tr></thead>")
    out.append("<tbody>")
    out.append(
        f'<tr><td>{escape(s.criteria_label)} (tối đa {escape(s.criteria_maximum)})</td><td class="score"></td><td></td></tr>'
    )
    for title, cap in ((s.deductions_label, s.deductions_cap), (s.bonuses_label, s.bonuses_cap)):
        if title is not None:
            out.append(
                f'<tr><td>{escape(title)} (tối đa {escape(cap or "")})</td><td class="score"></td><td></td></tr>'
            )
    out.append('<tr><td><strong>Tổng điểm</strong></td><td class="score"></td><td></td></tr>')
    out.append('<tr><td><strong>Xếp loại</strong></td><td class="score"></td><td></td></tr>')
    out += ["</tbody>", "</table>"]
    return out


def _h_grades(s: Sheet) -> list[str]:
    out = ["<h2>Xếp loại</h2>", '<table class="grades">']
    out.append("<thead><tr><th>Xếp loại</th><th>Tổng điểm</th><th>Điều kiện kèm theo</th></tr></thead>")
    out.append("<tbody>")
    for g in s.grades:
        parts = [f"<p>{escape(label)}: {_h_line(rule)}</p>" for label, rule in g.requirements] or ["<p>—</p>"]
        if g.fallback and g.requirements:
            parts.append(f"<p>Không đủ điều kiện: xếp loại “{escape(g.fallback)}”</p>")
        parts += _h_extra(g.citations, g.notes)
        out.append(
            f'<tr><td class="label"><strong>{escape(g.label)}</strong></td><td class="num">{escape(g.band)}</td>'
            f'<td class="rule">{"".join(parts)}</td></tr>'
        )
    out += ["</tbody>", "</table>"]
    return out


def _h_rules(s: Sheet) -> list[str]:
    """Knock-outs and not-graded rules, numbered."""
    out: list[str] = []
    for title, rules, kind in (("Loại trừ", s.knockouts, "knockouts"), ("Không xếp loại", s.exemptions, "exemptions")):
        if not rules:
            continue
        out += [f"<h2>{title}</h2>", f'<ol class="rules {kind}">']
        for r in rules:
            outcome = f": <strong>{escape(r.outcome)}</strong>" if r.outcome else ""
            extra = "".join(_h_extra(r.citations, r.notes))
            out.append(
                f"<li><p><strong>{escape(r.label)}</strong> — khi {_h_line(r.condition)}{outcome}</p>{extra}</li>"
            )
        out.append("</ol>")
    return out


def _h_quotas(s: Sheet) -> list[str]:
    if not s.quotas:
        return []
    out = ["<h2>Hạn mức xếp loại</h2>", f"<p>{escape(QUOTA_INTRO)}</p>", '<ol class="rules quotas">']
    for q in s.quotas:
        lines = "".join(f"<p>{_h_line(line)}</p>" for line in q.lines)
        extra = "".join(_h_extra(q.citations, q.notes))
        out.append(f"<li><p><strong>{escape(q.label)}</strong> <code>{escape(q.name)}</code></p>{lines}{extra}</li>")
    out.append("</ol>")
    return out


def _h_values(s: Sheet) -> list[str]:
    if not s.values:
        return []
    out = ["<h2>Giá trị tính từ dữ liệu</h2>", '<table class="values">']
    out += ["<thead><tr><th>Giá trị</th><th>Cách tính</th><th>Dữ liệu dùng</th></tr></thead>", "<tbody>"]
    for v in s.values:
        formula = "".join(f"<p>{_h_line(line)}</p>" for line in v.formula)
        inputs = "".join(f"<p>{escape(label)} (<code>{escape(name)}</code>)</p>" for name, label in v.inputs)
        out.append(
            f'<tr><td class="label">{escape(v.label)} (<code>{escape(v.name)}</code>)</td>'
            f'<td class="rule">{formula}</td><td class="rule">{inputs or "<p>—</p>"}</td></tr>'
        )
    out += ["</tbody>", "</table>"]
    return out


def _h_glossary(s: Sheet) -> list[str]:
    if not s.glossary:
        return []
    out = ["<h2>Dữ liệu dùng trong cách chấm</h2>", '<table class="glossary">']
    out += ["<thead><tr><th>Tên</th><th>Nội dung</th></tr></thead>", "<tbody>"]
    out += [f"<tr><td><code>{escape(name)}</code></td><td>{escape(label)}</td></tr>" for name, label in s.glossary]
    out += ["</tbody>", "</table>"]
    return out


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
