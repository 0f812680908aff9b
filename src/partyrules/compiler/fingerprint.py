"""A ruleset's identity: the SHA-256 of its canonical form, which every evaluation carries."""

from __future__ import annotations

import datetime
import hashlib
import json
from decimal import Decimal
from typing import Any

import attrs

from partyrules import nodes as n


def fingerprint(tree: n.RulesetFile) -> str:
    """SHA-256 of the canonical form: the syntax tree without positions or comments.

    Examples and properties are left out: they never change a score, so adding one
    keeps the identity that every evaluation carries.
    """
    tests = (n.Example, n.ExampleTable, n.Property)
    tree = attrs.evolve(tree, declarations=tuple(d for d in tree.declarations if not isinstance(d, tests)))
    data = attrs.asdict(tree, filter=_meaningful, value_serializer=_canonical)
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _meaningful(attribute: Any, value: Any) -> bool:
    """Positions never count; a field left at its default is left out, so that adding a
    field to the syntax tree does not change the fingerprint of files that do not use it."""
    if attribute.name == "span":
        return False
    default = attribute.default
    return default is attrs.NOTHING or isinstance(default, attrs.Factory) or value != default  # type: ignore[arg-type]


def _canonical(instance: Any, attribute: Any, value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    return value
