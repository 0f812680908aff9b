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
    text = json.dumps(canonical_form(tree), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_form(tree: n.RulesetFile) -> Any:
    """What ``attrs.asdict(tree, filter=_meaningful, value_serializer=_canonical)`` gives, as the
    fingerprint writes it in JSON (``tests/test_loading.py`` compares the two texts): nodes as dicts
    of their meaningful fields, collections as lists, decimals and dates tagged. ``attrs.asdict``
    looks the fields up and calls the filter and the serializer for every field of every node;
    here each class's fields are looked up once (0.056 s against 0.076-0.119 s on 1,000 criteria).
    """
    return _form(tree)


#: each node class's fields but the span, with their defaults
_FIELDS: dict[type, tuple[tuple[str, Any], ...]] = {}


def _form(value: Any) -> Any:
    cls = type(value)
    fields = _FIELDS.get(cls)
    if fields is None and attrs.has(cls):
        fields = _FIELDS[cls] = tuple((a.name, a.default) for a in attrs.fields(cls) if a.name != "span")
    if fields is not None:
        form = {}
        for name, default in fields:
            field = getattr(value, name)
            if default is attrs.NOTHING or isinstance(default, attrs.Factory) or field != default:  # type: ignore[arg-type]
                form[name] = _form(field)
        return form
    if cls is str or cls is int or cls is bool or value is None:
        return value
    if isinstance(value, (tuple, list, set, frozenset)):
        return [_form(item) for item in value]
    if isinstance(value, dict):
        return {_form(key): _form(item) for key, item in value.items()}
    return _canonical(None, None, value)


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
