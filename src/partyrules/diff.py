"""What a change of rules changes: between two rulesets, and for the organisations of a data set.

An officer asks two questions when a scale is revised: what moved (criteria
added, removed, re-weighted, bands and conditions shifted), and whose grade it
changes. :func:`compare` answers the first from the two checked models;
:func:`impact` the second by scoring the same rows under both.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from partyrules.model import CriterionInfo, GradeInfo, Model, RuleInfo
from partyrules.printer import expr_text, number_text
from partyrules.runtime import FactsError, Ruleset


@attrs.frozen
class Difference:
    """One thing that differs: ``what`` changed about ``subject`` (``old`` → ``new``)."""

    subject: str  # "item du_hop", "grade tot", "knockout k", "input x", "parameter p", "ruleset"
    what: str  # added, removed, maximum, label, rule, level rule, applicability, band, requirement ...
    old: str | None = None
    new: str | None = None

    def text(self) -> str:
        if self.what == "added":
            return f"+ {self.subject}" + (f": {self.new}" if self.new else "")
        if self.what == "removed":
            return f"- {self.subject}" + (f": {self.old}" if self.old else "")
        return f"~ {self.subject}: {self.what} {self.old or '—'} → {self.new or '—'}"


def _number(value: Decimal | None) -> str | None:
    return None if value is None else number_text(value)


def _band(grade: GradeInfo) -> str:
    low, high = _number(grade.low), _number(grade.high)
    if low and high:
        return f"from {low} below {high}"
    if low:
        return f"from {low}"
    if high:
        return f"below {high}"
    return "any"


def _rule(info: RuleInfo, grades: tuple[GradeInfo, ...]) -> str:
    action = f"{info.action} {grades[info.grade].name}" if info.action and info.grade is not None else "not graded"
    return f"when {expr_text(info.condition)}: {action}"


def _criteria(old: Model, new: Model) -> list[Difference]:
    out: list[Difference] = []
    before = {c.name: c for c in (*old.criteria, *old.deductions, *old.bonuses)}
    after = {c.name: c for c in (*new.criteria, *new.deductions, *new.bonuses)}

    def subject(c: CriterionInfo) -> str:
        return f"{c.kind} {c.name}"

    for name, c in before.items():
        if name not in after:
            out.append(Difference(subject(c), "removed", f"{c.label} (max {_number(c.maximum) or '—'})"))
    for name, c in after.items():
        if name not in before:
            where = f" in {c.parent}" if c.parent else ""
            out.append(Difference(subject(c), "added", None, f"{c.label} (max {_number(c.maximum) or '—'}){where}"))
            continue
        b = before[name]
        if b.kind != c.kind:
            out.append(Difference(f"criterion {name}", "kind", b.kind, c.kind))
        if b.maximum != c.maximum:
            out.append(Difference(subject(c), "maximum", _number(b.maximum), _number(c.maximum)))
        if b.label != c.label:
            out.append(Difference(subject(c), "label", b.label, c.label))
        if b.parent != c.parent:
            out.append(Difference(subject(c), "moved", b.parent or "(top)", c.parent or "(top)"))
        for field, what in (("points", "rule"), ("level", "level rule")):
            x, y = getattr(b, field), getattr(c, field)
            if x != y:
                out.append(Difference(subject(c), what, expr_text(x) if x else None, expr_text(y) if y else None))
        if b.applicable != c.applicable:
            show = [f"when {expr_text(a.condition)} else {a.mode}" if a else None for a in (b.applicable, c.applicable)]
            out.append(Difference(subject(c), "applicability", *show))
    return out


def _grades(old: Model, new: Model) -> list[Difference]:
    out: list[Difference] = []
    before = {g.name: g for g in old.grades}
    after = {g.name: g for g in new.grades}
    for name, g in before.items():
        if name not in after:
            out.append(Difference(f"grade {name}", "removed", g.label))
    for name, g in after.items():
        if name not in before:
            out.append(Difference(f"grade {name}", "added", None, f"{g.label}, {_band(g)}"))
            continue
        b = before[name]
        if _band(b) != _band(g):
            out.append(Difference(f"grade {name}", "band", _band(b), _band(g)))
        if b.label != g.label:
            out.append(Difference(f"grade {name}", "label", b.label, g.label))
        reqs_before = {r.label: expr_text(r.condition) for r in b.requirements}
        reqs_after = {r.label: expr_text(r.condition) for r in g.requirements}
        for label, text in reqs_before.items():
            if label not in reqs_after:
                out.append(Difference(f"grade {name} requirement “{label}”", "removed", text))
            elif reqs_after[label] != text:
                out.append(Difference(f"grade {name}", f"requirement “{label}”", text, reqs_after[label]))
        for label, text in reqs_after.items():
            if label not in reqs_before:
                out.append(Difference(f"grade {name} requirement “{label}”", "added", None, text))
        fb = [
            grades[g_.fallback].name if g_.fallback is not None else None
            for grades, g_ in ((old.grades, b), (new.grades, g))
        ]
        if fb[0] != fb[1]:
            out.append(Difference(f"grade {name}", "when a requirement fails, goes to", fb[0], fb[1]))
    return out


def _rules(old: Model, new: Model) -> list[Difference]:
    out: list[Difference] = []
    before = {r.name: r for r in (*old.knockouts, *old.exemptions)}
    after = {r.name: r for r in (*new.knockouts, *new.exemptions)}
    for name, r in before.items():
        word = "knockout" if r.kind == "knockout" else "not_graded"
        if name not in after:
            out.append(Difference(f"{word} {name}", "removed", _rule(r, old.grades)))
    for name, r in after.items():
        word = "knockout" if r.kind == "knockout" else "not_graded"
        if name not in before:
            out.append(Difference(f"{word} {name}", "added", None, _rule(r, new.grades)))
        elif _rule(before[name], old.grades) != _rule(r, new.grades):
            out.append(Difference(f"{word} {name}", "rule", _rule(before[name], old.grades), _rule(r, new.grades)))
    return out


def _inputs(old: Model, new: Model) -> list[Difference]:
    out: list[Difference] = []
    before = {i.name: i for i in old.inputs}
    after = {i.name: i for i in new.inputs}

    def shown(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return number_text(value) if isinstance(value, Decimal) else str(value)

    def shape(i: Any) -> str:
        text = i.type.kind if i.type.kind not in ("enum", "level") else f"one of {{{', '.join(i.type.members)}}}"
        if i.low is not None or i.high is not None:
            text += f" {shown(i.low)}..{shown(i.high)}"
        if i.has_default:
            text += f" = {shown(i.default)}"
        return text

    for name, i in before.items():
        if name not in after:
            out.append(Difference(f"input {name}", "removed", i.label))
    for name, i in after.items():
        if name not in before:
            out.append(Difference(f"input {name}", "added", None, f"{i.label}: {shape(i)}"))
        elif shape(before[name]) != shape(i):
            out.append(Difference(f"input {name}", "type", shape(before[name]), shape(i)))
    values_before = {k: expr_text(v.value) for k, v in old.lets.items()}
    values_after = {k: expr_text(v.value) for k, v in new.lets.items()}
    for name in sorted(values_before.keys() & values_after.keys()):
        if values_before[name] != values_after[name]:
            kind = "parameter" if new.lets[name].parameter else "value"
            out.append(Difference(f"{kind} {name}", "value", values_before[name], values_after[name]))
    return out


def compare(old: Ruleset, new: Ruleset) -> list[Difference]:
    """Every difference between two rulesets, in score-sheet order: criteria, grades, rules, inputs."""
    a, b = old.model, new.model
    out: list[Difference] = []
    if old.layout.maximum != new.layout.maximum:
        out.append(Difference("criteria", "maximum", _number(old.layout.maximum), _number(new.layout.maximum)))
    for kind in ("deductions", "bonuses"):
        x, y = getattr(a, f"{kind}_cap"), getattr(b, f"{kind}_cap")
        if x != y:
            out.append(Difference(kind, "cap", _number(x), _number(y)))
    return out + _criteria(a, b) + _grades(a, b) + _rules(a, b) + _inputs(a, b)


# ---------------------------------------------------------------- impact on data


@attrs.frozen
class Moved:
    """One organisation scored under both rulesets."""

    number: int
    id: str
    old_total: Decimal
    new_total: Decimal
    old_grade: str | None
    new_grade: str | None

    @property
    def delta(self) -> Decimal:
        return self.new_total - self.old_total


@attrs.frozen
class Impact:
    """What the new rules do to a data set."""

    scored: int
    transitions: Mapping[tuple[str | None, str | None], int]  # (old grade, new grade) → organisations
    changed: tuple[Moved, ...]  # organisations whose grade changes, in row order
    rejected: tuple[tuple[int, str, str], ...]  # (row number, id, which side: old / new / both, with the problems)
    scored_both: tuple[Moved, ...] = ()  # every organisation scored under both, in row order (changed or not)


def impact(old: Ruleset, new: Ruleset, rows: Iterable[tuple[int, str, Mapping[str, Any]]]) -> Impact:
    """Score ``(row number, id, facts)`` under both rulesets (each through its batch loop,
    :meth:`Ruleset.evaluate_many`); facts an input of only one side are given to that side only."""
    items = list(rows)
    old_inputs = {i.name for i in old.inputs}
    new_inputs = {i.name for i in new.inputs}
    before = old.evaluate_many(({k: v for k, v in f.items() if k in old_inputs} for _, _, f in items), id_key=None)
    after = new.evaluate_many(({k: v for k, v in f.items() if k in new_inputs} for _, _, f in items), id_key=None)
    transitions: Counter[tuple[str | None, str | None]] = Counter()
    both: list[Moved] = []
    rejected: list[tuple[int, str, str]] = []
    scored = 0
    for (number, org, _), a, b in zip(items, before, after, strict=True):
        if isinstance(a, FactsError) or isinstance(b, FactsError):
            refused = [r for r in (a, b) if isinstance(r, FactsError)]
            side = "both" if len(refused) == 2 else "old" if isinstance(a, FactsError) else "new"
            # the report names the row: the problems alone, as the evaluation of one organisation says them
            rejected.append((number, org, f"{side}: {FactsError(refused[0].problems)}"))
            continue
        scored += 1
        transitions[(a.grade, b.grade)] += 1
        both.append(Moved(number, org, a.total, b.total, a.grade, b.grade))
    return Impact(
        scored,
        dict(sorted(transitions.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1])))),
        tuple(m for m in both if m.old_grade != m.new_grade),
        tuple(rejected),
        tuple(both),
    )


def report(old: Ruleset, new: Ruleset, differences: list[Difference], result: Impact | None = None) -> str:
    """The differences and the impact as plain text, for the terminal."""
    lines = [
        f"{old.id} {old.version} ({old.fingerprint[:12]}) → {new.id} {new.version} ({new.fingerprint[:12]})",
        "",
    ]
    if not differences:
        lines.append("no difference in the rules")
    lines.extend(d.text() for d in differences)
    if result is not None:
        labels = {g.id: g.label for g in (*old.grades, *new.grades)}
        lines += ["", f"{result.scored} organisations scored under both; {len(result.changed)} change grade"]
        for (a, b), count in result.transitions.items():
            if a != b:
                lines.append(
                    f"  {labels.get(a or '', 'không xếp loại')} → {labels.get(b or '', 'không xếp loại')}: {count}"
                )
        for moved in result.changed:
            sign = "+" if moved.delta >= 0 else ""
            lines.append(
                f"  {moved.id}: {number_text(moved.old_total)} → {number_text(moved.new_total)} ({sign}{number_text(moved.delta)}), "
                f"{moved.old_grade} → {moved.new_grade}"
            )
        for number, org, problem in result.rejected:
            lines.append(f"  row {number} ({org}) rejected by {problem}")
    return "\n".join(lines) + "\n"
