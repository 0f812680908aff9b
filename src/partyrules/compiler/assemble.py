"""Assembling a :class:`~partyrules.runtime.Ruleset` from a checked model.

The layout that names every slot of an evaluation, the inputs as forms and
fact checks see them, the texts explanations quote, and the compiled program:
everything the runtime needs, so that it never reads the model again.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from partyrules import nodes as n
from partyrules.compiler.details import details
from partyrules.compiler.fingerprint import fingerprint
from partyrules.compiler.program import compile_program
from partyrules.diagnostics import Source
from partyrules.model import Model
from partyrules.runtime import InputSpec, Layout, Ruleset, RulesetRef


def build(
    model: Model,
    source: str,
    *,
    fixed_point: bool = True,
    rates: bool = True,
    sources: Sequence[Source] = (),
    bases: Sequence[str] = (),
) -> Ruleset:
    """Compile a checked model into a :class:`Ruleset`.

    ``fixed_point=False`` forces Decimal arithmetic for points; the default uses exact integers
    in fixed point whenever the scale allows (the results are the same; tests compare both).
    ``rates=False`` computes every quotient with Fractions instead of integer pairs (the same results).
    """
    header = model.header
    level_labels = _level_labels(model)
    unscaled = _layout(model, level_labels)
    compiled = compile_program(model, lambda scale: attrs.evolve(unscaled, scale=scale), fixed_point, rates)
    layout = compiled.layout
    inputs = _inputs(model, level_labels)
    return Ruleset(
        id=layout.ruleset.id,
        version=layout.ruleset.version,
        title=layout.title,
        basis=header.basis or "",
        effective_from=header.effective_from,
        effective_to=header.effective_to,
        status=model.status,
        fingerprint=layout.ruleset.fingerprint,
        inputs=inputs,
        layout=layout,
        source=source,
        filename=model.filename,
        code=compiled.code,
        constants=compiled.constants,
        program=compiled.program,
        batch=compiled.batch,
        sources=tuple((s.name, s.text) for s in sources) or ((model.filename, source),),
        bases=tuple(bases),
        model=model,
        quotas=model.quotas,
        aggregates=tuple(
            (d.name, d.aggregate) for d in model.file.declarations if isinstance(d, n.Input) and d.aggregate is not None
        ),
        periods=tuple(d for d in model.file.declarations if isinstance(d, n.Periods)),
    )


def _level_labels(model: Model) -> dict[str, tuple[str, ...]]:
    """Each level scale's member labels (the name where a member has no label), by scale name."""
    return {
        decl.name: tuple(m.label or m.name for m in decl.members)
        for decl in model.file.declarations
        if isinstance(decl, n.Levels)
    }


def _layout(model: Model, level_labels: dict[str, tuple[str, ...]]) -> Layout:
    """What each slot of an evaluation means (the fixed-point scale is set once the program is written)."""
    header = model.header
    ref = RulesetRef(header.ruleset_id, header.version or "", fingerprint(model.file))
    levels = {
        c.name: model.levels.get(c.level_type.name) if c.level_type and c.level_type.name else None
        for c in model.criteria
    }
    return Layout(
        ruleset=ref,
        title=header.title or header.ruleset_id,
        inputs=tuple(i.name for i in model.inputs),
        input_kinds=tuple(i.type.kind for i in model.inputs),
        level_members=tuple(i.type.members if i.type.kind == "level" else None for i in model.inputs),
        criteria=tuple((c.name, c.number, c.label, c.kind, c.maximum) for c in model.criteria),
        level_scales=tuple(levels[c.name].members if levels[c.name] else None for c in model.criteria),  # type: ignore[union-attr]
        level_labels=tuple(
            level_labels.get(c.level_type.name) if c.level_type and c.level_type.name else None for c in model.criteria
        ),
        adjustments=tuple((c.name, c.label, c.kind, c.maximum or 0) for c in model.deductions + model.bonuses),  # type: ignore[misc]
        grades=tuple((g.name, g.label) for g in model.grades),
        requirements=tuple((i, r.label) for i, g in enumerate(model.grades) for r in g.requirements),
        knockouts=tuple((k.name, k.label, k.action or "", k.grade or 0) for k in model.knockouts),
        exemptions=tuple((k.name, k.label) for k in model.exemptions),
        conditional=tuple(c.applicable is not None for c in model.criteria + model.deductions + model.bonuses),
        scored=model.scored,
        maximum=model.criteria_maximum,
        deductions_cap=model.deductions_cap,
        bonuses_cap=model.bonuses_cap,
        details=details(model),
    )


def _inputs(model: Model, level_labels: dict[str, tuple[str, ...]]) -> tuple[InputSpec, ...]:
    """The declared inputs as forms, schemas and fact checks see them."""
    return tuple(
        InputSpec(
            name=i.name,
            label=i.label,
            kind=i.type.kind,
            low=i.low,
            high=i.high,
            places=i.places,
            required=not i.has_default,
            default=i.default,
            members=i.type.members,
            member_labels=i.member_labels
            or (level_labels.get(i.type.name or "", ()) if i.type.kind == "level" else ()),
        )
        for i in model.inputs
    )
