"""What an explanation quotes, taken from the checked model at compile time.

Each criterion's rule in the file's own notation, its citations and notes, the
facts it reads (directly or through ``let`` values), the rules of grades,
knock-outs and exemptions: plain text in an :class:`~partyrules.explain.Details`
that the layout carries, so that explaining needs neither the model nor the
checker (see :mod:`partyrules.explain`).
"""

from __future__ import annotations

from partyrules import nodes as n
from partyrules.explain import Details, RuleText
from partyrules.model import CriterionInfo, Model
from partyrules.printer import band_words, expr_text


def _facts_of(model: Model, *exprs: n.Expr | None) -> tuple[str, ...]:
    """The inputs a rule reads, directly or through named values (``let``), in order of use."""
    names: list[str] = []
    pending = [e for e in exprs if e is not None]
    seen_lets: set[str] = set()
    while pending:
        for node in n.nodes_in(pending.pop(0)):
            r = model.resolutions.get(id(node))
            if r is None or not r.target:
                continue
            if r.kind == "input" and r.target not in names:
                names.append(r.target)
            elif r.kind == "let" and r.target not in seen_lets:
                seen_lets.add(r.target)
                pending.append(model.lets[r.target].value)
    return tuple(names)


def details(model: Model) -> Details:
    level_labels = {
        d.name: tuple(m.label for m in d.members) for d in model.file.declarations if isinstance(d, n.Levels)
    }
    criteria: dict[str, RuleText] = {}
    for c in model.criteria + model.deductions + model.bonuses:
        criteria[c.name] = _rule_text(model, c)
    bands = [band_words(g.low, g.high) for g in model.grades]
    requirement_rules = tuple(expr_text(r.condition) for g in model.grades for r in g.requirements)
    return Details(
        basis=model.header.basis or "",
        status=model.status,
        status_note=model.header.status_note,
        input_labels={i.name: i.label for i in model.inputs},
        criteria=criteria,
        bands=tuple(bands),
        requirement_rules=requirement_rules,
        knockout_rules=tuple((expr_text(k.condition), k.citations) for k in model.knockouts),
        exemption_rules=tuple((expr_text(k.condition), k.citations) for k in model.exemptions),
        criteria_label=model.criteria_label,
        member_labels={
            i.name: {
                m: label or m
                for m, label in zip(i.type.members, i.member_labels or level_labels.get(i.type.name or "", ()))
            }
            for i in model.inputs
            if i.type.kind in ("enum", "level")
        },
        fallbacks=tuple(g.fallback for g in model.grades),
        rescaled=tuple(c.name for c in model.criteria if c.applicable is not None and c.applicable.mode == "rescale"),
        mixed=len({c.status for c in model.criteria + model.deductions + model.bonuses}) > 1,
        knockout_notes=tuple(k.notes for k in model.knockouts),
        exemption_notes=tuple(k.notes for k in model.exemptions),
    )


def _rule_text(model: Model, c: CriterionInfo) -> RuleText:
    # a group has no rule of its own: its points are the sum of its parts, each listed with its rule
    rule = expr_text(c.points) if c.points is not None else None
    applicable = None
    if c.applicable is not None:
        mode = {"zero": "0 điểm", "full": "đủ điểm tối đa", "rescale": "không tính, quy đổi tổng điểm"}[
            c.applicable.mode
        ]
        applicable = f"chỉ áp dụng khi {expr_text(c.applicable.condition)}; nếu không: {mode}"
    return RuleText(
        rule=rule,
        level_rule=expr_text(c.level) if c.level is not None else None,
        applicable=applicable,
        citations=c.citations,
        facts=_facts_of(model, c.points, c.level, c.applicable.condition if c.applicable else None),
        status=c.status,
        notes=c.notes,
    )
