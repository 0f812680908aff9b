"""Batch reports: the grades of a whole data file, counted and shown, in one self-contained HTML page.

    partyrules score RULES DATA --summary district --report report.html

:func:`grade_counts` counts grades per value of a column (or overall); the
command line lays the counts out as its summary table and :func:`render_report`
as the report's first table. The report also holds a histogram of the totals
(inline SVG), every organisation's breakdown (collapsed ``<details>``), and the
rows that were not scored with their problems. No scripts and no external
resources: the file can be mailed or archived as it is. The same results give
the same bytes.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from html import escape  # as partyrules.render's escape: quotes escaped too
from pathlib import Path
from typing import Any

import attrs

from partyrules.data import BadRow, Scored, Table, cell_text
from partyrules.printer import number_text, points_text
from partyrules.quota import Placement
from partyrules.runtime import Evaluation, Ruleset

__all__ = ["GradeCounter", "GradeCounts", "Tallies", "grade_counts", "render_report", "write_report"]

NOT_GRADED = "Không xếp loại"
TOTAL = "Tổng"
EMPTY = "(trống)"
HISTOGRAM_BINS = 20


# ---------------------------------------------------------------- counting


@attrs.frozen
class GradeCounts:
    """Grade counts per value of a column: what the summary table and the report show."""

    column: str | None  # None: one overall count
    grades: tuple[tuple[str, str], ...]  # (id, label), best first
    show_not_graded: bool
    groups: tuple[tuple[str, Counter[str | None]], ...]  # (label of the value, counts by grade id; None: not graded)
    total: Counter[str | None]


def grade_counts(ruleset: Ruleset, table: Table, results: Iterable[Scored], column: str | None) -> GradeCounts:
    """Count the grades per value of ``column`` (an input, a kept column or the id column), or overall.

    An enumeration or level input lists every member, in declared order, with
    its label; other values are sorted (numbers before text, empty last).
    """
    counter = GradeCounter(ruleset, table, column)
    for result in results:
        counter.add(result)
    return counter.counts()


class GradeCounter:
    """:func:`grade_counts` one result at a time (a batch scored as a stream keeps no results)."""

    def __init__(self, ruleset: Ruleset, table: Table, column: str | None) -> None:
        self.ruleset = ruleset
        self.column = column
        self.groups: dict[Any, Counter[str | None]] = {}
        self.labels: dict[Any, str] = {}
        spec = next((i for i in ruleset.inputs if i.name == column), None)
        self.input = spec is not None
        self.listed = spec is not None and spec.kind in ("enum", "level")
        self.by_id = column is not None and spec is None and column == table.id_column
        if spec is not None and self.listed:
            member_labels = dict(zip(spec.members, spec.member_labels, strict=False))
            for member in spec.members:
                self.groups[member] = Counter()
                self.labels[member] = member_labels.get(member) or member

    def add(self, result: Scored) -> None:
        column = self.column
        if column is None:
            key: Any = None
        elif self.input:
            key = result.evaluation.facts.get(column)
        elif self.by_id:
            key = result.id
        else:
            value = result.columns.get(column)
            key = "" if value is None else cell_text(value)
        counts = self.groups.get(key)
        if counts is None:
            counts = self.groups[key] = Counter()
        counts[result.evaluation.grade] += 1

    def overall(self) -> Counter[str | None] | None:
        """When grades are counted overall (no column): the one count, which a result adds to by its grade
        id (None: not graded), as :meth:`add` would; None when they are counted by a column."""
        if self.column is not None:
            return None
        counts = self.groups.get(None)
        if counts is None:
            counts = self.groups[None] = Counter()
        return counts

    def counts(self) -> GradeCounts:
        groups, labels, column = self.groups, self.labels, self.column
        if not self.listed:
            keys = sorted(groups, key=_sort_key)
            groups = {k: groups[k] for k in keys}
            labels = {k: _value_text(k) for k in keys}
        total: Counter[str | None] = Counter()
        for counts in groups.values():
            total.update(counts)
        show_not_graded = bool(self.ruleset.layout.exemptions) or total[None] > 0
        named = tuple((labels.get(k, "") if column is not None else TOTAL, c) for k, c in groups.items())
        return GradeCounts(column, self.ruleset.layout.grades, show_not_graded, named, total)


def count_rows(counts: GradeCounts) -> list[list[str]]:
    """The counts as rows of cells: a header, one row per value, then the total (when there are values)."""
    header = [counts.column or "", *(label for _, label in counts.grades)]
    if counts.show_not_graded:
        header.append(NOT_GRADED)
    header.append(TOTAL)
    rows = [header]
    for label, c in counts.groups:
        rows.append(_count_cells(label, c, counts))
    if counts.column is not None or not counts.groups:
        rows.append(_count_cells(TOTAL, counts.total, counts))
    return rows


def _count_cells(label: str, c: Counter[str | None], counts: GradeCounts) -> list[str]:
    cells = [label, *(str(c[g]) for g, _ in counts.grades)]
    if counts.show_not_graded:
        cells.append(str(c[None]))
    cells.append(str(sum(c.values())))
    return cells


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None or value == "":
        return (1, "")
    if isinstance(value, bool):
        return (0, (0, int(value), ""))
    if isinstance(value, (int, Decimal)):
        return (0, (1, value, ""))
    return (0, (2, 0, str(value)))


def _value_text(value: Any) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    if isinstance(value, Decimal):
        return number_text(value)
    return str(value)


# ---------------------------------------------------------------- the quota


def _quota_section(ruleset: Ruleset, placements: Sequence[Placement], table: Table) -> list[str]:
    """QUOTA: what the file's quotas did (partyrules.quota): per quota and group, the count the
    limit was computed from, the number allowed, the candidates and each demotion with its rank.
    Without a quota in the file it says plainly that none was applied, so that no reader takes
    the grades for more than the scale gives."""
    out = ['<section id="quota" class="quota">', "<h2>Hạn mức xếp loại</h2>"]
    if not ruleset.quotas:
        out.append(
            "<p>Chưa áp dụng: bộ tiêu chí này không khai báo hạn mức (chẳng hạn số tổ chức xếp loại cao "
            "nhất không vượt quá 20 % số xếp loại Hoàn thành tốt nhiệm vụ trong cùng nhóm), nên các xếp "
            "loại trên là kết quả chấm theo bộ tiêu chí, chưa qua hạn mức nào.</p>"
        )
        out.append("</section>")
        return out
    labels = dict(ruleset.layout.grades)
    for rule in ruleset.quotas:
        moved = [(p, d) for p in placements for d in p.demotions if d.quota == rule.name]
        base = " hoặc ".join(labels[g] for g in rule.base_grades)
        groups = (
            "toàn bộ danh sách" if rule.within == "all" else f"từng nhóm theo <code>{escape(rule.group or '')}</code>"
        )
        out.append(f'<h3 id="quota-{escape(rule.name)}">{escape(rule.label)} <code>{escape(rule.name)}</code></h3>')
        out.append(
            f"<p>“{escape(labels[rule.grade])}” không quá {escape(number_text(rule.share * 100))} % số "
            f"“{escape(base)}”, tính trong {groups}; làm tròn: {escape(rule.rounding)}; "
            f"tổ chức vượt hạn mức chuyển xuống “{escape(labels[rule.demote_to])}”, xét theo "
            f"{escape(', '.join(k.text for k in rule.order))}, rồi theo mã.</p>"
        )
        out.extend(f'<p class="cite">Căn cứ: {escape(c)}</p>' for c in rule.citations)
        if rule.within == "column" and rule.group not in table.columns:
            out.append(
                f'<p class="not-applied">Chưa áp dụng: dữ liệu không có cột <code>{escape(rule.group or "")}</code> '
                "để chia nhóm; các xếp loại trên chưa qua hạn mức này.</p>"
            )
            continue
        if not moved:
            out.append(
                f'<p><span class="demoted" data-quota="{escape(rule.name)}">0</span> tổ chức bị chuyển xuống.</p>'
            )
            continue
        out.append(
            f'<p><span class="demoted" data-quota="{escape(rule.name)}">{len(moved)}</span> tổ chức bị chuyển xuống.</p>'
        )
        out.append('<table class="quota">')
        out.append(
            "<thead><tr><th>Nhóm</th><th>Mã</th><th>Thứ tự</th><th>Số đạt</th><th>Cơ sở tính</th>"
            "<th>Được giữ</th><th>Tổng điểm</th><th>Từ</th><th>Xuống</th></tr></thead>"
        )
        out.append("<tbody>")
        for placed, d in sorted(moved, key=lambda m: (m[1].group or "", m[1].rank, m[0].id)):
            cells = [
                EMPTY if d.group == "" else d.group or TOTAL,
                placed.id,
                f"{d.rank}/{d.candidates}",
                str(d.candidates),
                str(d.base),
                str(d.allowed),
                number_text(placed.evaluation.total),
                labels.get(d.from_grade, d.from_grade),
                labels.get(d.to_grade, d.to_grade),
            ]
            out.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
        out.append("</tbody>")
        out.append("</table>")
    out.append("</section>")
    return out


# ---------------------------------------------------------------- histogram


@attrs.frozen
class Bin:
    low: Decimal
    high: Decimal
    count: int
    last: bool  # the last bin holds its upper end too


def histogram(
    totals: Iterable[Decimal] | Mapping[Decimal, int], maximum: Decimal, bins: int = HISTOGRAM_BINS
) -> list[Bin]:
    """Totals counted in bins of a whole width from 0 to ``maximum`` (values outside go to the end bins);
    ``totals`` may be given counted, as a mapping of each total to how many organisations have it."""
    width = max(Decimal(1), (maximum / bins).to_integral_value(rounding="ROUND_CEILING"))
    count = int((maximum / width).to_integral_value(rounding="ROUND_CEILING"))
    counts = [0] * count
    counted = totals.items() if isinstance(totals, Mapping) else ((total, 1) for total in totals)
    for total, n in counted:
        index = int((total / width).to_integral_value(rounding="ROUND_FLOOR")) if total > 0 else 0
        counts[min(index, count - 1)] += n
    return [Bin(width * i, min(width * (i + 1), maximum), counts[i], i == count - 1) for i in range(count)]


def _svg_histogram(bins: Sequence[Bin]) -> str:
    """Bars with their counts and ranges; whole-pixel geometry, so the same counts draw the same bytes."""
    bar, gap, left, top, plot, bottom = 32, 4, 40, 20, 180, 44
    width = left + len(bins) * (bar + gap) + gap
    height = top + plot + bottom
    tallest = max((b.count for b in bins), default=0) or 1
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="histogram" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Phân bố tổng điểm">',
        f'<line x1="{left}" y1="{top + plot}" x2="{width}" y2="{top + plot}" class="axis"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot}" class="axis"/>',
        f'<text x="{left - 4}" y="{top + 4}" class="tick" text-anchor="end">{tallest}</text>',
        f'<text x="{left - 4}" y="{top + plot}" class="tick" text-anchor="end">0</text>',
    ]
    for i, b in enumerate(bins):
        x = left + gap + i * (bar + gap)
        h = b.count * plot // tallest
        upper = "]" if b.last else ")"
        span = f"[{number_text(b.low)}; {number_text(b.high)}{upper}"
        out.append(
            f'<g class="bin" data-low="{number_text(b.low)}" data-high="{number_text(b.high)}" data-count="{b.count}">'
            f"<title>{escape(span)}: {b.count}</title>"
            f'<rect x="{x}" y="{top + plot - h}" width="{bar}" height="{h}"/>'
            f'<text x="{x + bar // 2}" y="{top + plot - h - 3}" text-anchor="middle" class="count">{b.count}</text>'
            f'<text x="{x + bar // 2}" y="{top + plot + 14}" text-anchor="middle" class="tick">'
            f"{escape(number_text(b.low))}</text></g>"
        )
    out.append(
        f'<text x="{(left + width) // 2}" y="{height - 6}" text-anchor="middle" class="label">'
        "Tổng điểm (mỗi cột: từ mốc ghi dưới cột đến dưới mốc cột sau)</text>"
    )
    out.append("</svg>")
    return "".join(out)


# ---------------------------------------------------------------- the page

#: the report's own style, around the score sheets' table style (partyrules.render, imported only when a
#: report is written: ``partyrules score`` without ``--report`` starts without the render module)
_CSS_BEFORE = """
* { box-sizing: border-box; }
body { font-family: "Times New Roman", "Liberation Serif", "DejaVu Serif", serif; font-size: 11.5pt;
  line-height: 1.3; color: #000; background: #fff; margin: 0 auto; max-width: 270mm; padding: 8mm; }
p.form { text-align: center; font-weight: bold; letter-spacing: 0.08em; margin: 0; font-size: 12.5pt; }
h1 { text-align: center; font-size: 14pt; margin: 1mm 0 4mm; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.5mm 3mm; margin: 0 0 3mm; }
dl.meta dt { font-weight: bold; }
dl.meta dd { margin: 0; }
""".strip()
_CSS_AFTER = """
td.count, th.count { text-align: right; white-space: nowrap; }
tr.total td { font-weight: bold; }
code { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 9pt; }
section.quota { border: 0.6pt solid #000; padding: 1mm 3mm; }
svg.histogram rect { fill: #4a6fa5; }
svg.histogram .axis { stroke: #000; stroke-width: 1; }
svg.histogram text { font-family: sans-serif; font-size: 10px; }
details.org { border-bottom: 0.6pt solid #ccc; padding: 1mm 0; }
details.org summary { cursor: pointer; }
details.org table { margin-top: 1mm; width: auto; min-width: 60mm; }
table.breakdown td:nth-child(2) { text-align: right; }
ul.problems { margin: 0; padding-left: 5mm; }
p.why { margin: 1mm 0; }
@media print { details.org { break-inside: avoid; } }
""".strip()


def _css() -> str:
    from partyrules.render import TABLE_CSS

    return "\n".join((_CSS_BEFORE, TABLE_CSS, _CSS_AFTER))


def __getattr__(name: str) -> str:
    if name == "_CSS":  # the whole style sheet, as the module held it before it was made when needed
        return _css()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def render_report(
    ruleset: Ruleset,
    table: Table,
    results: Sequence[Scored],
    rejected: Sequence[BadRow],
    column: str | None = None,
    *,
    placements: Sequence[Placement] = (),
) -> str:
    """The batch report of one scoring run as a self-contained HTML5 page; ``placements``: what
    the file's quotas did to ``results`` (whose evaluations hold the final grades)."""
    page = io.StringIO()
    write_report(
        page.write,
        ruleset,
        table,
        Tallies(
            grade_counts(ruleset, table, results, column),
            Counter(r.evaluation.total for r in results),
            len(results),
            sum(1 for r in results if r.evaluation.grade is None),
            len(rejected),
        ),
        results,
        rejected,
        placements=placements,
    )
    return page.getvalue()


@attrs.frozen
class Tallies:
    """What a report counts over a whole batch, known before its organisations are listed."""

    counts: GradeCounts
    totals: Mapping[Decimal, int]  # each total, and how many organisations have it
    scored: int
    not_graded: int
    rejected: int


def write_report(
    write: Callable[[str], object],
    ruleset: Ruleset,
    table: Table,
    tallies: Tallies,
    results: Iterable[Scored],
    rejected: Iterable[BadRow],
    *,
    placements: Sequence[Placement] = (),
) -> None:
    """:func:`render_report` written piece by piece, ``results`` and ``rejected`` read as they are written
    (a batch scored as a stream reads them back from its spool); ``placements`` need hold only the
    organisations a quota moved."""
    from partyrules.render import page_head

    column = tallies.counts.column
    out = page_head(f"Báo cáo kết quả chấm điểm — {ruleset.title}", _css())
    add = out.append
    add("<header>")
    add('<p class="form">BÁO CÁO KẾT QUẢ CHẤM ĐIỂM</p>')
    add(f"<h1>{escape(ruleset.title)}</h1>")
    add('<dl class="meta">')
    add(
        f"<dt>Bộ tiêu chí</dt><dd><code>{escape(ruleset.id)}</code>, phiên bản {escape(ruleset.version)}, "
        f"dấu vân tay <code>{escape(ruleset.fingerprint[:16])}</code></dd>"
    )
    add(f"<dt>Dữ liệu</dt><dd><code>{escape(Path(table.path).name)}</code></dd>")
    add(
        f'<dt>Đã chấm</dt><dd><span id="scored">{tallies.scored}</span> tổ chức'
        f' (không xếp loại: <span id="not-graded">{tallies.not_graded}</span>)</dd>'
    )
    add(f'<dt>Không chấm được</dt><dd><span id="rejected">{tallies.rejected}</span> dòng dữ liệu</dd>')
    add("</dl>")
    add("</header>")
    add("<main>")
    add(_counts_section(tallies.counts, next((i.label for i in ruleset.inputs if i.name == column), None)))
    out.extend(_quota_section(ruleset, placements, table))
    add(_histogram_section(ruleset, tallies.totals, tallies.scored))
    for line in out:
        write(line + "\n")
    if tallies.rejected:
        for line in _rejected_section(rejected, tallies.rejected):
            write(line + "\n")
    for line in _breakdown_section(ruleset, results, tallies.scored):
        write(line + "\n")
    write("</main>\n</body>\n</html>\n")


def _counts_section(counts: GradeCounts, label: str | None) -> str:
    rows = count_rows(counts)
    title = "Số lượng theo xếp loại"
    if counts.column is not None:
        named = f"{label} ({counts.column})" if label else counts.column
        title += f", theo {escape(named)}"
    parts = [f"<h2>{title}</h2>", '<table class="counts">']
    parts.append("<thead><tr>" + "".join(f"<th>{escape(c)}</th>" for c in rows[0]) + "</tr></thead>")
    parts.append("<tbody>")
    last = len(rows) - 1 if counts.column is not None or not counts.groups else None
    for i, row in enumerate(rows[1:], 1):
        cls = ' class="total"' if i == last else ""
        cells = [f"<td>{escape(row[0])}</td>", *(f'<td class="count">{c}</td>' for c in row[1:])]
        parts.append(f"<tr{cls}>{''.join(cells)}</tr>")
    parts.append("</tbody>")
    parts.append("</table>")
    return "\n".join(parts)


def _histogram_section(ruleset: Ruleset, totals: Mapping[Decimal, int], scored: int) -> str:
    parts = ["<h2>Phân bố tổng điểm</h2>"]
    maximum = ruleset.layout.maximum
    if maximum is None or maximum <= 0 or not ruleset.layout.scored:
        parts.append("<p>Bộ tiêu chí này không chấm theo điểm.</p>")
    elif not scored:
        parts.append("<p>Không có tổ chức nào được chấm.</p>")
    else:
        parts.append(_svg_histogram(histogram(totals, maximum)))
    return "\n".join(parts)


def _rejected_section(rejected: Iterable[BadRow], count: int) -> Iterator[str]:
    parts = [f"<h2>Dòng dữ liệu không chấm được ({count})</h2>", '<table class="rejected">']
    parts.append("<thead><tr><th>Dòng</th><th>Mã</th><th>Vấn đề</th></tr></thead>")
    parts.append("<tbody>")
    yield from parts
    for bad in rejected:
        items = "".join(
            f"<li>{f'<code>{escape(p.input)}</code>: ' if p.input else ''}{escape(p.message)}</li>"
            for p in bad.problems
        )
        yield (
            f'<tr><td class="num">{bad.number}</td><td>{escape(bad.id or "")}</td>'
            f'<td><ul class="problems">{items}</ul></td></tr>'
        )
    yield "</tbody>"
    yield "</table>"


def _breakdown_section(ruleset: Ruleset, results: Iterable[Scored], scored: int) -> Iterator[str]:
    parts = [f"<h2>Kết quả từng tổ chức ({scored})</h2>"]
    # the criteria's labels once, not in every organisation's table: a province's report stays a few MB
    parts.append('<table class="legend">')
    parts.append("<thead><tr><th>STT</th><th>Tiêu chí</th><th>Tối đa</th></tr></thead>")
    parts.append("<tbody>")
    for c in ruleset.criteria:
        if c.kind in ("group", "item"):
            parts.append(
                f'<tr><td class="num">{escape(c.number)}</td><td>{escape(c.label)}</td>'
                f'<td class="count">{escape(points_text(c.maximum))}</td></tr>'
            )
    parts.append("</tbody>")
    parts.append("</table>")
    yield from parts
    for result in results:
        yield _organisation(result)


def _organisation(result: Scored) -> str:
    e = result.evaluation
    outcome = e.grade_label if e.grade_label is not None else NOT_GRADED
    parts = [
        f'<details class="org" id="row-{result.number}" data-grade="{escape(e.grade or "")}">',
        f"<summary><strong>{escape(result.id)}</strong> — {escape(number_text(e.total))} điểm — "
        f"{escape(outcome)}</summary>",
    ]
    parts.extend(_why(e))
    parts.append('<table class="breakdown">')
    parts.append("<thead><tr><th>STT</th><th>Điểm</th><th>Mức</th></tr></thead>")
    parts.append("<tbody>")
    for c in e.criteria:
        points = points_text(c.points) if c.applicable else "không áp dụng"
        level = c.level_label or c.level or ""
        parts.append(f"<tr><td>{escape(c.number)}</td><td>{escape(points)}</td><td>{escape(level)}</td></tr>")
    for a in e.adjustments:
        if a.points:
            sign = "−" if a.kind == "deduction" else "+"
            parts.append(f"<tr><td>{escape(a.label)}</td><td>{sign}{escape(number_text(a.points))}</td><td></td></tr>")
    parts.append(f'<tr class="total"><td>Tổng điểm</td><td>{escape(number_text(e.total))}</td><td></td></tr>')
    parts.append("</tbody>")
    parts.append("</table>")
    parts.append("</details>")
    return "".join(parts)


def _why(e: Evaluation) -> list[str]:
    """Why the grade is not simply the band's: not graded, unmet conditions, knock-outs."""
    out: list[str] = []
    not_graded = e.not_graded
    if not_graded is not None:
        out.append(f'<p class="why">Không xếp loại: {escape(not_graded.label)}</p>')
    for r in e.requirements:
        if not r.held and e.band_grade == r.grade:
            out.append(f'<p class="why">Chưa đạt điều kiện: {escape(r.label)}</p>')
    for k in e.knockouts:
        out.append(f'<p class="why">Loại trừ: {escape(k.label)}</p>')
    return out
