"""Serialisation: facts and evaluations to and from JSON-ready data, with cattrs.

This module owns the one configured :class:`cattrs.Converter`; everything
else converts through :func:`unstructure` and :func:`structure`. Decimals
travel as strings (JSON numbers are floats to most readers), dates as ISO
text. An evaluation's data is self-describing (labels, maxima, every rule's
outcome), so it can be stored, read back without the criteria file, and
compared: ``structure(unstructure(e), Evaluation) == e``. :func:`json_default`
is the one way partyrules writes a Decimal into JSON text, the same way.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

import cattrs

from partyrules.printer import number_text
from partyrules.runtime import (
    ADDED,
    BAND_GRADE,
    CRITERIA_TOTAL,
    DEDUCTED,
    EXACT,
    GRADE,
    PLAIN_NUMBER,  # the one definition of a number written as text
    TOTAL,
    Evaluation,
    FactProblem,
    FactsError,
    Layout,
    Ruleset,
    RulesetRef,
)

T = TypeVar("T")

converter = cattrs.Converter()
converter.register_unstructure_hook(Decimal, str)
converter.register_structure_hook(Decimal, lambda value, _: Decimal(str(value)))
converter.register_unstructure_hook(datetime.date, lambda d: d.isoformat())
converter.register_structure_hook(datetime.date, lambda value, _: datetime.date.fromisoformat(value))


def _number(value: Any) -> str | None:
    """A number as canonical text: 27.0 and 27 are the same points, written "27"; never an exponent."""
    return None if value is None else number_text(value)


def _fact_data(value: Any) -> Any:
    if isinstance(value, Decimal):
        return number_text(value, exact=True)  # a fact keeps the digits it was given
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def json_default(value: Any) -> Any:
    """The ``default`` of :func:`json.dumps` for partyrules' data: a Decimal as its exact text
    (``"12.5"``, never a float: JSON numbers are binary floats to most readers, and a float would
    lose digits or overflow), a date or time as ISO text."""
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON data")


def json_line(value: Any) -> str:
    """Compact JSON text on one line, UTF-8 characters kept, keys in the order they were built.

    Not sorted: :func:`structure` reads the facts and inputs of an evaluation by position, so
    their order must survive the trip through JSON.
    """
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=json_default)


def _fact_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind in ("decimal", "percent"):
        return Decimal(str(value))
    if kind == "date":
        return datetime.date.fromisoformat(value)
    return value


def _unstructure_evaluation(e: Evaluation) -> dict[str, Any]:
    layout = e.layout
    levels = e._levels()
    applicable = e._applicable()
    points = e.points_in_order()
    n = len(layout.criteria)
    criteria = []
    for i, (name, number, label, kind, maximum) in enumerate(layout.criteria):
        entry: dict[str, Any] = {
            "id": name,
            "number": number,
            "label": label,
            "kind": kind,
            "points": _number(points[i]),
            "max": _number(maximum),
        }
        if layout.level_scales[i] is not None:
            scale = layout.level_scales[i]
            assert scale is not None
            level = levels[i]
            entry["level"] = None if level is None else scale[level]
            entry["scale"] = list(scale)
            entry["scale_labels"] = list(layout.level_labels[i] or scale)
        if layout.conditional[i]:
            entry["applicable"] = applicable[i]
        criteria.append(entry)
    adjustments = []
    for j, (name, label, kind, maximum) in enumerate(layout.adjustments):
        entry = {"id": name, "label": label, "kind": kind, "points": _number(points[n + j]), "max": _number(maximum)}
        if layout.conditional[n + j]:
            entry["applicable"] = applicable[n + j]
        adjustments.append(entry)
    grade = e._one(GRADE)
    band = e._one(BAND_GRADE)
    return {
        "ruleset": {
            "id": layout.ruleset.id,
            "version": layout.ruleset.version,
            "fingerprint": layout.ruleset.fingerprint,
        },
        "title": layout.title,
        "facts": {name: _fact_data(value) for name, value in e.facts.items()},
        "inputs": [
            {"name": name, "kind": kind} | ({} if members is None else {"levels": list(members)})
            for name, kind, members in zip(layout.inputs, layout.input_kinds, layout.level_members)
        ],
        "scored": layout.scored,
        "max": _number(layout.maximum),
        "total": _number(e._amount(e._one(TOTAL))),
        "criteria_points": _number(e._amount(e._one(CRITERIA_TOTAL))),
        "deducted": _number(e._amount(e._one(DEDUCTED))),
        "added": _number(e._amount(e._one(ADDED))),
        "fixed_point": layout.scale,
        "deductions_cap": _number(layout.deductions_cap),
        "bonuses_cap": _number(layout.bonuses_cap),
        "grade": None if grade is None else layout.grades[grade][0],
        "band_grade": None if band is None else layout.grades[band][0],
        "grades": [{"id": g, "label": label} for g, label in layout.grades],
        "criteria": criteria,
        "adjustments": adjustments,
        "requirements": [
            {"grade": layout.grades[g][0], "label": label, "held": held}
            for (g, label), held in zip(layout.requirements, e._part(10))
        ],
        "knockouts": [
            {"id": name, "label": label, "action": action, "grade": layout.grades[g][0], "applied": applied}
            for (name, label, action, g), applied in zip(layout.knockouts, e._part(11))
        ],
        "not_graded": [
            {"id": name, "label": label, "applied": applied}
            for (name, label), applied in zip(layout.exemptions, e._part(12))
        ],
    }


def _structure_evaluation(data: Mapping[str, Any], _: Any) -> Evaluation:
    try:
        grades = [(g["id"], g["label"]) for g in data["grades"]]
        grade_index = {g: i for i, (g, _) in enumerate(grades)}
        inputs = data["inputs"]
        kinds = tuple(i["kind"] for i in inputs)
        level_members = tuple(tuple(i["levels"]) if "levels" in i else None for i in inputs)
        criteria = data["criteria"]
        adjustments = data["adjustments"]
        layout = Layout(
            ruleset=RulesetRef(**data["ruleset"]),
            title=data["title"],
            inputs=tuple(i["name"] for i in inputs),
            input_kinds=kinds,
            level_members=level_members,
            criteria=tuple((c["id"], c["number"], c["label"], c["kind"], _decimal(c["max"])) for c in criteria),
            level_scales=tuple(tuple(c["scale"]) if "scale" in c else None for c in criteria),
            level_labels=tuple(tuple(c["scale_labels"]) if "scale" in c else None for c in criteria),
            adjustments=tuple((a["id"], a["label"], a["kind"], Decimal(a["max"])) for a in adjustments),
            grades=tuple(grades),
            requirements=tuple((grade_index[r["grade"]], r["label"]) for r in data["requirements"]),
            knockouts=tuple((k["id"], k["label"], k["action"], grade_index[k["grade"]]) for k in data["knockouts"]),
            exemptions=tuple((x["id"], x["label"]) for x in data["not_graded"]),
            conditional=tuple("applicable" in c for c in [*criteria, *adjustments]),
            scored=data["scored"],
            maximum=_decimal(data["max"]),
            deductions_cap=_decimal(data["deductions_cap"]),
            scale=data.get("fixed_point"),
            bonuses_cap=_decimal(data["bonuses_cap"]),
        )
        facts = []
        for spec, kind, members in zip(inputs, kinds, level_members):
            value = _fact_value(data["facts"][spec["name"]], kind)
            facts.append(members.index(value) if members is not None else value)
        raw: list[Any] = list(facts)
        scale = data.get("fixed_point")

        def amount(text: Any) -> Any:
            # back into the representation the program used, so equal evaluations compare equal
            value = _decimal(text)
            if value is None or scale is None:
                return value
            return int(value.scaleb(scale, EXACT))

        raw += [amount(c["points"]) for c in criteria] + [amount(a["points"]) for a in adjustments]
        raw += [c["scale"].index(c["level"]) if c.get("level") is not None else None for c in criteria if "scale" in c]
        raw += [c["applicable"] for c in [*criteria, *adjustments] if "applicable" in c]
        raw += [amount(data[k]) for k in ("criteria_points", "deducted", "added", "total")]
        raw += [None if data["grade"] is None else grade_index[data["grade"]]]
        raw += [None if data["band_grade"] is None else grade_index[data["band_grade"]]]
        raw += [r["held"] for r in data["requirements"]]
        raw += [k["applied"] for k in data["knockouts"]]
        raw += [x["applied"] for x in data["not_graded"]]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise FactsError([FactProblem("evaluation", f"not an evaluation's data: {exc!r}")]) from None
    return Evaluation.from_raw(layout, tuple(raw))


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


converter.register_unstructure_hook(Evaluation, _unstructure_evaluation)
converter.register_structure_hook(Evaluation, _structure_evaluation)


def unstructure(value: Any) -> Any:
    """JSON-ready data (dicts, lists, strings, numbers, booleans) for an evaluation or any result."""
    return converter.unstructure(value)


def structure(data: Any, cls: type[T]) -> T:
    return converter.structure(data, cls)


def facts_to_data(ruleset: Ruleset, facts: Mapping[str, Any]) -> dict[str, Any]:
    """Facts as JSON-ready data: decimals as strings, dates as ISO text."""
    return {k: _fact_data(v) for k, v in facts.items()}


def facts_from_data(ruleset: Ruleset, data: Mapping[str, Any]) -> dict[str, Any]:
    """Facts from JSON-ready data, typed by the ruleset's inputs (strings to Decimals and dates)."""
    kinds = {i.name: i.kind for i in ruleset.inputs}
    out: dict[str, Any] = {}
    for name, value in data.items():
        kind = kinds.get(name)
        if kind in ("decimal", "percent") and isinstance(value, (str, int)) and not isinstance(value, bool):
            # plain decimal text only, as the evaluator accepts it; anything else is left for it to name
            text = str(value).strip()
            out[name] = Decimal(text) if PLAIN_NUMBER.fullmatch(text) else value
        elif kind == "date" and isinstance(value, str):
            try:
                out[name] = datetime.date.fromisoformat(value)
            except ValueError:
                out[name] = value
        else:
            out[name] = value
    return out


def dumps(evaluation: Evaluation) -> str:
    """One evaluation as canonical JSON text (sorted keys, UTF-8 characters kept)."""
    return json.dumps(
        unstructure(evaluation), ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=json_default
    )
