"""Explanations: why an organisation got its points and its grade.

At compile time :func:`partyrules.compiler.details.details` extracts from the checked
model what an explanation quotes (each rule in the file's notation, its citations,
the facts it reads) into a :class:`Details`, which the ruleset's layout carries (and
a pickle with it); :func:`explain_text` lays one evaluation out for a person, in
Vietnamese, as an officer reads a score sheet. Nothing here reads the syntax tree or
the checker's model, so a ruleset explains wherever it runs.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import TYPE_CHECKING, Any

import attrs

from partyrules.facts import EXACT
from partyrules.printer import number_text, points_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from partyrules.evaluation import Evaluation
    from partyrules.quota import Demotion


@attrs.frozen
class RuleText:
    rule: str | None
    level_rule: str | None
    applicable: str | None
    citations: tuple[str, ...]
    facts: tuple[str, ...]
    status: str
    notes: tuple[str, ...] = ()


@attrs.frozen
class Details:
    """The texts an explanation quotes, by criterion, grade and rule."""

    basis: str
    status: str
    status_note: str | None
    input_labels: dict[str, str]
    criteria: dict[str, RuleText]
    bands: tuple[str | None, ...]
    requirement_rules: tuple[str, ...]
    knockout_rules: tuple[tuple[str, tuple[str, ...]], ...]
    exemption_rules: tuple[tuple[str, tuple[str, ...]], ...]
    criteria_label: str
    member_labels: dict[str, dict[str, str]] = attrs.field(factory=dict)  # input -> member -> label
    fallbacks: tuple[int | None, ...] = ()  # per grade: the grade given when a requirement fails
    rescaled: tuple[str, ...] = ()  # criteria dropped from the scale (and the total rescaled) when not applicable
    mixed: bool = False  # official and illustrative points in one file: mark each criterion
    knockout_notes: tuple[tuple[str, ...], ...] = ()
    exemption_notes: tuple[tuple[str, ...], ...] = ()


@attrs.frozen
class NamedValue:
    """A named value (``let``) computed for one organisation, as an explanation shows it.

    ``text`` is the value for a person (a rate as a percentage, ``87.5%``; ``có``/``không``; a
    level's label); ``value`` its exact text for a program (``0.875``, ``7/9`` when no decimal is
    exact, ``true``, a member's name, an ISO date; empty for no value); ``facts`` the inputs it
    reads, directly or through other named values.
    """

    name: str
    label: str
    text: str
    value: str
    percent: bool
    formula: str
    facts: tuple[str, ...]

    def data(self) -> dict[str, Any]:
        """JSON-ready data, as ``partyrules explain --json`` writes it."""
        return attrs.asdict(self)


def _fact(value: Any, kind: str, labels: dict[str, str] | None = None) -> str:
    if labels is not None and isinstance(value, str):
        return labels.get(value, value)
    if isinstance(value, bool):
        return "có" if value else "không"
    if kind == "percent":
        return number_text(Decimal(value)) + "%"
    if isinstance(value, Decimal):
        return number_text(value)
    return str(value)


def explain_text(
    evaluation: Evaluation, demotions: Sequence[Demotion] = (), values: Sequence[NamedValue] = ()
) -> str:
    """The breakdown; ``demotions`` are the quotas that moved the grade in a batch (partyrules.quota);
    ``values`` the named values computed from the facts (:func:`partyrules.scoresheet.named_values`).

    Its sums (the rescaling's) are computed in an exact context of its own: a caller's context of
    3 digits or ROUND_FLOOR would print other numbers than the evaluation holds.
    """
    info: Details | None = evaluation.layout.details
    lines: list[str] = []
    with localcontext(EXACT):
        _head_lines(lines, evaluation, info, demotions)
        _value_lines(lines, evaluation, info, values)
        _criteria_lines(lines, evaluation, info)
        _adjustment_lines(lines, evaluation, info)
        _band_lines(lines, evaluation, info)
        _rule_applied_lines(lines, evaluation, info)
    if demotions:
        for demotion in demotions:
            lines.extend(demotion_lines(demotion, evaluation.layout.grades))
    if evaluation.grade is not None:
        lines.append(f"  Kết quả: {evaluation.grade_label}")
    return "\n".join(lines) + "\n"


def _head_lines(lines: list[str], evaluation: Evaluation, info: Details | None, demotions: Sequence[Demotion]) -> None:
    """The ruleset, its basis, the total and the grade."""
    layout = evaluation.layout
    ref = layout.ruleset
    lines.append(layout.title)
    lines.append(f"Bộ tiêu chí {ref.id}, phiên bản {ref.version}, dấu vân tay {ref.fingerprint[:16]}")
    if info is not None:
        lines.append(f"Căn cứ: {info.basis}")
        status = "chính thức" if info.status == "official" else "minh họa"
        lines.append(f"Điểm số: {status}" + (f" ({info.status_note})" if info.status_note else ""))
    lines.append("")
    if layout.scored:
        lines.append(
            f"TỔNG ĐIỂM: {points_text(evaluation.total)} / {points_text(layout.maximum)}"
            f"  (tiêu chí {points_text(evaluation.criteria_points)}, trừ {points_text(evaluation.deducted)}, cộng {points_text(evaluation.added)})"
        )
    if evaluation.grade is not None:
        before = f" (do hạn mức; theo điểm: {dict(layout.grades)[demotions[0].from_grade]})" if demotions else ""
        lines.append(f"XẾP LOẠI: {evaluation.grade_label} [{evaluation.grade}]{before}")
    else:
        exempt = evaluation.not_graded
        lines.append(f"KHÔNG XẾP LOẠI: {exempt.label if exempt else ''}")
    lines.append("")


def _value_lines(lines: list[str], evaluation: Evaluation, info: Details | None, values: Sequence[NamedValue]) -> None:
    """The named values (``let``): each with its value, its formula and the facts it reads."""
    if not values:
        return
    kinds = dict(zip(evaluation.layout.inputs, evaluation.layout.input_kinds))
    facts = evaluation.facts
    labels = info.input_labels if info is not None else {}
    members = info.member_labels if info is not None else {}
    lines.append("GIÁ TRỊ TÍNH TỪ DỮ LIỆU")
    for v in values:
        equals = "" if v.text.startswith("≈") else "= "  # ≈ 77.78%: no decimal is exact
        lines.append(f"  {v.label or v.name} [{v.name}] {equals}{v.text}")
        lines.append(f"           cách tính: {v.formula}")
        if v.facts:
            shown = ", ".join(f"{labels.get(f, f)} = {_fact(facts[f], kinds[f], members.get(f))}" for f in v.facts)
            lines.append(f"           dữ liệu: {shown}")
    lines.append("")


def _criteria_lines(lines: list[str], evaluation: Evaluation, info: Details | None) -> None:
    """Every criterion with its points, level and rule; the rescaling when some do not apply."""
    layout = evaluation.layout
    facts = evaluation.facts
    kinds = dict(zip(layout.inputs, layout.input_kinds))
    lines.append("TIÊU CHÍ")
    for c in evaluation.criteria:
        head = f"  {c.number:<6} {c.label}"
        score = f"{points_text(c.points)} / {points_text(c.maximum)}" if c.maximum is not None else ""
        level = f"  mức: {c.level_label}" if c.level_label else ""
        na = "  (không áp dụng)" if not c.applicable else ""
        status = ""
        if info is not None and info.mixed and c.id in info.criteria:
            status = "  [chính thức]" if info.criteria[c.id].status == "official" else "  [minh họa]"
        lines.append(f"{head}: {score}{level}{na}{status}".rstrip())
        if info is not None:
            _rule_lines(lines, info.criteria.get(c.id), facts, kinds, info)
    if info is not None and layout.maximum is not None:
        dropped = [c for c in evaluation.criteria if c.id in info.rescaled and not c.applicable]
        if dropped:
            top = [c for c in evaluation.criteria if "." not in c.number and c.points is not None]
            raw = sum((c.points or Decimal(0) for c in top), Decimal(0))
            remaining = layout.maximum - sum((c.maximum or Decimal(0) for c in dropped), Decimal(0))
            lines.append(
                f"  Quy đổi: {', '.join(c.number for c in dropped)} không áp dụng nên không tính; "
                f"{points_text(raw)} / {points_text(remaining)} điểm quy về thang {points_text(layout.maximum)}: "
                f"{points_text(raw)} × {points_text(layout.maximum)} / {points_text(remaining)} = {points_text(evaluation.criteria_points)}"
            )


def _adjustment_lines(lines: list[str], evaluation: Evaluation, info: Details | None) -> None:
    """Deductions and bonuses, each with its rule."""
    layout = evaluation.layout
    facts = evaluation.facts
    kinds = dict(zip(layout.inputs, layout.input_kinds))
    for title, cap, adjustments in (
        ("ĐIỂM TRỪ", layout.deductions_cap, evaluation.deductions),
        ("ĐIỂM CỘNG", layout.bonuses_cap, evaluation.bonuses),
    ):
        if not adjustments:
            continue
        lines.append("")
        lines.append(f"{title} (tối đa {points_text(cap)})")
        for a in adjustments:
            lines.append(
                f"  {a.label}: {points_text(a.points)} / {points_text(a.maximum)}" + ("" if a.applicable else "  (không áp dụng)")
            )
            if info is not None:
                _rule_lines(lines, info.criteria.get(a.id), facts, kinds, info)
    lines.append("")


def _band_lines(lines: list[str], evaluation: Evaluation, info: Details | None) -> None:
    """The total's band, then the requirements of each grade considered, down the fall-back chain."""
    layout = evaluation.layout
    lines.append("XẾP LOẠI TỪNG BƯỚC")
    band = evaluation.band_grade
    if band is not None:
        index = [g[0] for g in layout.grades].index(band)
        band_text = info.bands[index] if info is not None else None
        if band_text:
            lines.append(f"  Tổng điểm {points_text(evaluation.total)} thuộc khung {band_text}: {layout.grades[index][1]}")
    rules = info.requirement_rules if info is not None else ()
    grade_ids = [g[0] for g in layout.grades]
    # the grades actually considered: from the band's grade down the fall-back chain
    visited: list[int] = []
    current: int | None = grade_ids.index(band) if band is not None else 0
    requirements = evaluation.requirements
    while current is not None and current not in visited:
        visited.append(current)
        held = [r.held for r in requirements if r.grade == grade_ids[current]]
        if all(held) or info is None:
            break
        current = info.fallbacks[current] if current < len(info.fallbacks) else None
    for i, req in enumerate(requirements):
        index = grade_ids.index(req.grade)
        if index not in visited:
            continue
        mark = "ĐẠT" if req.held else "KHÔNG ĐẠT"
        rule = f"  [{rules[i]}]" if i < len(rules) else ""
        lines.append(f"  Điều kiện của “{layout.grades[index][1]}”: {req.label} — {mark}{rule}")


def _rule_applied_lines(lines: list[str], evaluation: Evaluation, info: Details | None) -> None:
    """The knock-outs that applied and the not-graded rule, each with its rule and citations."""
    layout = evaluation.layout
    applied = {k.id for k in evaluation.knockouts}
    for i, (name, label, action, grade) in enumerate(layout.knockouts):
        if name not in applied:
            continue
        verb = "buộc xếp loại" if action == "force" else "xếp loại không cao hơn"
        lines.append(f"  Loại trừ: {label} — {verb} “{layout.grades[grade][1]}”")
        if info is not None:
            rule, cites = info.knockout_rules[i]
            lines.append(f"      quy tắc: {rule}")
            lines.extend(f"      căn cứ: {c}" for c in cites)
            if i < len(info.knockout_notes):
                lines.extend(f"      ghi chú: {note}" for note in info.knockout_notes[i])
    exempt = evaluation.not_graded
    if exempt is not None:
        lines.append(f"  Không xếp loại: {exempt.label}")
        index = [e[0] for e in layout.exemptions].index(exempt.id)
        if info is not None:
            rule, cites = info.exemption_rules[index]
            lines.append(f"      quy tắc: {rule}")
            lines.extend(f"      căn cứ: {c}" for c in cites)
            lines.extend(f"      ghi chú: {note}" for note in info.exemption_notes[index])


def _rule_lines(lines: list[str], text: RuleText | None, facts: Any, kinds: dict[str, str], info: Details) -> None:
    if text is None:
        return
    if text.rule:
        lines.append(f"           quy tắc: {text.rule}")
    if text.level_rule:
        lines.append(f"           mức: {text.level_rule}")
    if text.applicable:
        lines.append(f"           {text.applicable}")
    if text.facts:
        shown = ", ".join(
            f"{info.input_labels.get(f, f)} = {_fact(facts[f], kinds[f], info.member_labels.get(f))}"
            for f in text.facts
        )
        lines.append(f"           dữ liệu: {shown}")
    for cite in text.citations:
        lines.append(f"           căn cứ: {cite}")
    for note in text.notes:
        lines.append(f"           ghi chú: {note}")


# ---------------------------------------------------------------- quota demotions

#: How a quota rounds the number it keeps, as an explanation and a score sheet say it.
ROUNDING_WORDS = {"down": "làm tròn xuống", "up": "làm tròn lên", "half_up": "làm tròn (từ 0,5 lên)"}



def demotion_lines(demotion: Demotion, grades: Sequence[tuple[str, str]]) -> list[str]:
    """A demotion in Vietnamese, as the explanation of an evaluation shows it."""
    labels = dict(grades)
    top, to = labels.get(demotion.from_grade, demotion.from_grade), labels.get(demotion.to_grade, demotion.to_grade)
    base = " hoặc ".join(f"“{labels.get(g, g)}”" for g in demotion.base_grades)
    where = "trong toàn bộ danh sách" if demotion.group is None else f"trong nhóm “{demotion.group or '(trống)'}”"
    exact = demotion.share * demotion.base
    lines = [
        f"  Hạn mức: {demotion.label} [{demotion.quota}]",
        f"      {where}: {demotion.candidates} tổ chức đạt “{top}”; số xếp loại {base} (sau khi áp dụng hạn mức): "
        f"{demotion.base}",
        f"      được giữ tối đa {number_text(demotion.share, percent=True, comma=True)} × {demotion.base} = "
        f"{number_text(exact, comma=True)}, {ROUNDING_WORDS[demotion.rounding]}: {demotion.allowed}",
        f"      thứ tự xét: {', '.join(demotion.order)}, rồi theo mã tổ chức; tổ chức này đứng thứ "
        f"{demotion.rank}/{demotion.candidates}"
        + (" (bằng tổ chức đứng trên ở mọi tiêu chí xét, phân định theo mã)" if demotion.tied else ""),
        f"      nên chuyển từ “{top}” xuống “{to}”",
    ]
    lines.extend(f"      căn cứ: {c}" for c in demotion.citations)
    return lines
