"""JSON Schemas (draft 2020-12) for a ruleset's facts and for its evaluations' data.

:func:`inputs_schema` describes the facts a ruleset takes, in the JSON form of
:func:`partyrules.serialize.facts_to_data`; :func:`evaluation_schema` describes
``serialize.unstructure(ruleset.evaluate(facts))``. Forms, editors and data
pipelines can check their documents with any JSON Schema validator, without
Python; ``partyrules schema RULES`` prints either schema.

How facts appear in the schema:

* ``integer`` — a JSON integer with ``minimum``/``maximum``.
* ``decimal`` and ``percent`` — a number written as a string (``"87.5"``) or a
  JSON integer; never a JSON number with a fraction, which most readers turn
  into a binary float (the evaluator refuses floats). A percentage is in
  percent units (``"87.5"`` is 87.5 %) and may end with ``%``. JSON Schema
  cannot compare strings as numbers, so for the string form the range is given
  as the annotations ``x-minimum``/``x-maximum`` (exact decimal text) which a
  validator does not check; the ``pattern`` checks the form and the declared
  decimal places, and the integer form carries a real ``minimum``/``maximum``.
  ``partyrules`` checks the range when it scores. Without a declared range,
  numbers of 10**15 or more are refused (checked in the integer form only).
* ``boolean`` — ``true``/``false``.
* ``date`` — a string with ``format: date`` and a ``YYYY-MM-DD`` pattern; the
  range, if any, again as ``x-minimum``/``x-maximum``.
* ``one of`` choices and ``level`` inputs — ``enum`` of the member names, their
  Vietnamese labels in ``x-labels`` (member to label) and in the description.

Every property has the input's label as ``title``; optional inputs have a
``default`` (in the same JSON form) and also accept ``null`` (an absent fact,
so the default applies); unknown keys are refused (``additionalProperties:
false``). The schema describes the canonical JSON form and is stricter than
:meth:`Ruleset.evaluate`, which also takes ``"có"`` for true, integers as text
and so on. One difference goes the other way: JSON does not tell ``3.0`` from
``3``, so a validator accepts ``3.0`` for an integer where the evaluator, given
a Python float, refuses it.
"""

from __future__ import annotations

import datetime
import math
from decimal import Decimal
from typing import Any

from partyrules.evaluation import Layout
from partyrules.facts import FACT_MAGNITUDE
from partyrules.printer import number_text
from partyrules.runtime import InputSpec, Ruleset

__all__ = ["DIALECT", "evaluation_schema", "inputs_schema"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Numbers the evaluation's data writes: canonical decimal text, no exponent, no trailing zeros.
NUMBER_TEXT = r"^-?\d+(?:\.\d*[1-9])?$"
DATE_TEXT = r"^\d{4}-\d{2}-\d{2}$"

_KIND_WORDS = {
    "integer": "số nguyên",
    "decimal": 'số thập phân, viết dạng chuỗi ("87.5") hoặc số nguyên',
    "percent": 'tỷ lệ phần trăm, viết dạng chuỗi ("87.5" là 87,5 %) hoặc số nguyên',
    "boolean": "đúng hoặc sai (true/false)",
    "date": "ngày, dạng YYYY-MM-DD",
    "enum": "một trong",
    "level": "một mức trong",
}


# ---------------------------------------------------------------- facts


def inputs_schema(ruleset: Ruleset) -> dict[str, Any]:
    """A JSON Schema for the facts of ``ruleset``, as :func:`serialize.facts_to_data` writes them."""
    labels: dict[str, dict[str, str]] = {}  # InputSpec.member_labels carries choice and level labels
    properties: dict[str, Any] = {}
    for spec in ruleset.inputs:
        prop = _titled(spec, labels, optional=not spec.required)
        if not spec.required:
            prop["default"] = _default(spec)
            _allow_null(prop)
        properties[spec.name] = prop
    return {
        "$schema": DIALECT,
        "title": ruleset.title,
        "description": f"Dữ liệu đầu vào của bộ tiêu chí {ruleset.id}, phiên bản {ruleset.version}",
        "type": "object",
        "properties": properties,
        "required": [spec.name for spec in ruleset.inputs if spec.required],
        "additionalProperties": False,
        "x-ruleset": _ref(ruleset),
    }


def _titled(spec: InputSpec, labels: dict[str, dict[str, str]], *, optional: bool) -> dict[str, Any]:
    """The value schema of one input, with its label as title and a Vietnamese description."""
    value = _value_schema(spec, labels)
    details = [_KIND_WORDS.get(spec.kind, spec.kind)]
    member_labels = value.get("x-labels")
    if member_labels:
        details[0] += ": " + ", ".join(f"{m} ({label})" for m, label in member_labels.items())
    shown = _range_words(spec)
    if shown:
        details.append(shown)
    if spec.places is not None:
        details.append(f"tối đa {spec.places} chữ số thập phân")
    if optional:
        details.append(f"không bắt buộc, mặc định {_shown(_default(spec))}")
    return {"title": spec.label, "description": f"{spec.label} — {'; '.join(details)}", **value}


def _value_schema(spec: InputSpec, labels: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The schema of one fact's JSON value (no title, no default, no null)."""
    kind = spec.kind
    out: dict[str, Any]
    if kind == "integer":
        out = {"type": "integer"}
        if spec.low is None and spec.high is None:
            out["exclusiveMinimum"] = -int(FACT_MAGNITUDE)
            out["exclusiveMaximum"] = int(FACT_MAGNITUDE)
        if spec.low is not None:
            out["minimum"] = int(spec.low)
        if spec.high is not None:
            out["maximum"] = int(spec.high)
    elif kind in ("decimal", "percent"):
        low, high = _bounds(spec)
        text: dict[str, Any] = {"type": "string", "pattern": _decimal_pattern(spec.places, low, kind == "percent")}
        whole: dict[str, Any] = {"type": "integer"}
        if low is not None:
            text["x-minimum"] = number_text(low)
            whole["minimum"] = math.ceil(low)
        if high is not None:
            text["x-maximum"] = number_text(high)
            whole["maximum"] = math.floor(high)
        if low is None and high is None:
            whole["exclusiveMinimum"] = -int(FACT_MAGNITUDE)
            whole["exclusiveMaximum"] = int(FACT_MAGNITUDE)
        out = {"anyOf": [text, whole]}
    elif kind == "boolean":
        out = {"type": "boolean"}
    elif kind == "date":
        out = {"type": "string", "format": "date", "pattern": DATE_TEXT}
        if isinstance(spec.low, datetime.date):
            out["x-minimum"] = spec.low.isoformat()
        if isinstance(spec.high, datetime.date):
            out["x-maximum"] = spec.high.isoformat()
    elif kind in ("enum", "level"):
        names = labels.get(spec.name, {})
        member_labels = {
            m: (label or names.get(m) or m) for m, label in zip(spec.members, _padded(spec.member_labels, spec.members))
        }
        out = {"type": "string", "enum": list(spec.members), "x-labels": member_labels}
    else:  # pragma: no cover - the checker knows no other kinds
        raise ValueError(f"unknown input kind {kind!r}")
    out["x-kind"] = kind
    return out


def _padded(labels: tuple[str | None, ...], members: tuple[str, ...]) -> tuple[str | None, ...]:
    return tuple(labels) + (None,) * (len(members) - len(labels))


def _bounds(spec: InputSpec) -> tuple[Decimal | None, Decimal | None]:
    """Bounds of a decimal or percent input in the units of its facts (percent bounds are fractions in a spec)."""
    unit = 100 if spec.kind == "percent" else 1
    low = None if spec.low is None else Decimal(spec.low) * unit
    high = None if spec.high is None else Decimal(spec.high) * unit
    return low, high


def _decimal_pattern(places: int | None, low: Decimal | None, percent: bool) -> str:
    """Plain decimal text as the evaluator reads it: no exponent; at most ``places`` decimals (trailing zeros aside)."""
    sign = r"\+?" if low is not None and low >= 0 else "[+-]?"
    fraction = r"\d*" if places is None else rf"\d{{0,{places}}}0*"
    suffix = "%?" if percent else ""
    return rf"^{sign}(?:\d+(?:\.{fraction})?|\.(?=\d){fraction}){suffix}$"


def _default(spec: InputSpec) -> Any:
    """An optional input's default in the JSON form of facts."""
    value = spec.default
    if value is None:
        return None
    if spec.kind == "percent":
        return number_text(Decimal(value) * 100)
    if spec.kind == "decimal":
        return number_text(Decimal(value))
    if spec.kind == "integer":
        return int(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _allow_null(prop: dict[str, Any]) -> None:
    """An optional fact may be null: absent, so its default applies."""
    if "anyOf" in prop:
        prop["anyOf"] = [*prop["anyOf"], {"type": "null"}]
    elif "enum" in prop:
        prop["type"] = [prop["type"], "null"]
        prop["enum"] = [*prop["enum"], None]
    else:
        prop["type"] = [prop["type"], "null"]


def _range_words(spec: InputSpec) -> str:
    if spec.kind in ("decimal", "percent"):
        low, high = _bounds(spec)
        lo, hi = (None if low is None else number_text(low)), (None if high is None else number_text(high))
    elif spec.kind == "date":
        lo = spec.low.isoformat() if isinstance(spec.low, datetime.date) else None
        hi = spec.high.isoformat() if isinstance(spec.high, datetime.date) else None
    elif spec.kind == "integer":
        lo, hi = (None if spec.low is None else str(spec.low)), (None if spec.high is None else str(spec.high))
    else:
        return ""
    if lo is not None and hi is not None:
        return f"từ {lo} đến {hi}"
    if lo is not None:
        return f"từ {lo}"
    if hi is not None:
        return f"đến {hi}"
    return ""


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _ref(ruleset: Ruleset) -> dict[str, str]:
    return {"id": ruleset.id, "version": ruleset.version, "fingerprint": ruleset.fingerprint}


# ---------------------------------------------------------------- evaluations


def evaluation_schema(ruleset: Ruleset) -> dict[str, Any]:
    """A JSON Schema for ``serialize.unstructure(evaluation)`` of an evaluation of ``ruleset``.

    Everything fixed by the ruleset (ids, labels, maxima, caps, the order of
    criteria, requirements and rules) is a ``const``; what varies with the facts
    (points, levels, grades, outcomes) is typed and, where the ruleset lists
    the choices, enumerated. Points are canonical decimal text (``"87.5"``).
    """
    layout = ruleset.layout
    labels: dict[str, dict[str, str]] = {}  # InputSpec.member_labels carries choice and level labels
    grade_ids = [g for g, _ in layout.grades]
    facts = {spec.name: _titled(spec, labels, optional=False) for spec in ruleset.inputs}
    number = {"type": "string", "pattern": NUMBER_TEXT}
    inputs = [
        _record(
            {"name": _const(name), "kind": _const(kind)}
            | ({} if members is None else {"levels": _const(list(members))})
        )
        for name, kind, members in zip(layout.inputs, layout.input_kinds, layout.level_members)
    ]
    criteria = _criteria(layout)
    adjustments = _adjustments(layout)
    requirements, knockouts, exemptions = _rules(layout)
    grade = {"enum": [*grade_ids, None], "x-labels": dict(layout.grades)}
    properties: dict[str, Any] = {
        "ruleset": _record({key: _const(value) for key, value in _ref(ruleset).items()}),
        "title": _const(layout.title),
        "facts": {
            "title": "Dữ liệu đã kiểm tra, đã điền giá trị mặc định",
            "type": "object",
            "properties": facts,
            "required": list(facts),
            "additionalProperties": False,
        },
        "inputs": _tuple(inputs),
        "scored": _const(layout.scored),
        "max": _const(_number(layout.maximum)),
        "total": {"title": "Tổng điểm", **number},
        "criteria_points": {"title": "Điểm các tiêu chí", **number},
        "deducted": {"title": "Điểm trừ", **number},
        "added": {"title": "Điểm cộng", **number},
        "fixed_point": {"type": ["integer", "null"], "minimum": 0},
        "deductions_cap": _const(_number(layout.deductions_cap)),
        "bonuses_cap": _const(_number(layout.bonuses_cap)),
        "grade": {"title": "Xếp loại", **grade},
        "band_grade": {"title": "Xếp loại theo khung điểm", **grade},
        "grades": _const([{"id": g, "label": label} for g, label in layout.grades]),
        "criteria": _tuple(criteria),
        "adjustments": _tuple(adjustments),
        "requirements": _tuple(requirements),
        "knockouts": _tuple(knockouts),
        "not_graded": _tuple(exemptions),
    }
    return {
        "$schema": DIALECT,
        "title": f"Kết quả chấm điểm — {layout.title}",
        "description": f"Kết quả chấm điểm theo bộ tiêu chí {ruleset.id}, phiên bản {ruleset.version} "
        "(dạng JSON của partyrules.serialize)",
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
        "x-ruleset": _ref(ruleset),
    }


def _criteria(layout: Layout) -> list[dict[str, Any]]:
    """Each criterion's record: fixed id, number, label, kind and maximum; its points, level and applicability."""
    criteria = []
    for i, (name, numbering, label, kind, maximum) in enumerate(layout.criteria):
        fields: dict[str, Any] = {
            "id": _const(name),
            "number": _const(numbering),
            "label": _const(label),
            "kind": _const(kind),
            "points": {"type": "null"} if maximum is None else _points(maximum),
            "max": _const(_number(maximum)),
        }
        scale = layout.level_scales[i]
        if scale is not None:
            fields["level"] = {"enum": [*scale, None]}
            fields["scale"] = _const(list(scale))
            fields["scale_labels"] = _const(list(layout.level_labels[i] or scale))
        if layout.conditional[i]:
            fields["applicable"] = {"type": "boolean"}
        criteria.append(_record(fields, title=label))
    return criteria


def _adjustments(layout: Layout) -> list[dict[str, Any]]:
    """Each deduction's and bonus's record."""
    offset = len(layout.criteria)
    adjustments = []
    for j, (name, label, kind, maximum) in enumerate(layout.adjustments):
        fields = {
            "id": _const(name),
            "label": _const(label),
            "kind": _const(kind),
            "points": _points(maximum),
            "max": _const(_number(maximum)),
        }
        if layout.conditional[offset + j]:
            fields["applicable"] = {"type": "boolean"}
        adjustments.append(_record(fields, title=label))
    return adjustments


def _rules(layout: Layout) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The records of the grades' requirements, the knock-outs and the not-graded rules: whether each held."""
    requirements = [
        _record(
            {"grade": _const(layout.grades[g][0]), "label": _const(label), "held": {"type": "boolean"}}, title=label
        )
        for g, label in layout.requirements
    ]
    knockouts = [
        _record(
            {
                "id": _const(name),
                "label": _const(label),
                "action": _const(action),
                "grade": _const(layout.grades[g][0]),
                "applied": {"type": "boolean"},
            },
            title=label,
        )
        for name, label, action, g in layout.knockouts
    ]
    exemptions = [
        _record({"id": _const(name), "label": _const(label), "applied": {"type": "boolean"}}, title=label)
        for name, label in layout.exemptions
    ]
    return requirements, knockouts, exemptions


def _const(value: Any) -> dict[str, Any]:
    return {"const": value}


def _number(value: Decimal | None) -> str | None:
    return None if value is None else number_text(Decimal(value))


def _points(maximum: Decimal) -> dict[str, Any]:
    return {"type": "string", "pattern": NUMBER_TEXT, "x-minimum": "0", "x-maximum": number_text(Decimal(maximum))}


def _record(fields: dict[str, Any], title: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {} if title is None else {"title": title}
    out |= {"type": "object", "properties": fields, "required": list(fields), "additionalProperties": False}
    return out


def _tuple(items: list[dict[str, Any]]) -> dict[str, Any]:
    """An array of exactly these items, in this order."""
    if not items:
        return {"type": "array", "maxItems": 0}  # prefixItems may not be empty
    return {"type": "array", "prefixItems": items, "minItems": len(items), "items": False}
