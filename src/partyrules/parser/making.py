"""The nodes the builder makes, made for less: ``made.Binary("+", left, right, span)`` is
``n.Binary("+", left, right, span)``, the same object, without attrs's ``__init__``.

attrs's ``__init__`` of a frozen class sets each field through ``object.__setattr__`` by name; a
maker here sets it through the slot's own setter, as :func:`partyrules.nodes.span_at` sets a span's
(0.43 against 0.79 us for a node of four fields; a parse of 1,000 criteria makes about 15,000 nodes).
Each maker has its class's signature (the same names, defaults and default factories) and is made
from it the first time the builder asks for it; a class whose ``__init__`` does more than set its
fields (a validator, a converter, a field left out of ``__init__``, a post-init hook) is made by
attrs as before. ``tests/test_parse_loop.py`` compares every maker's node with attrs's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from partyrules import nodes as n

__all__ = ["made", "maker"]


def maker(cls: type) -> Callable[..., Any]:
    """A function that makes ``cls`` as ``cls(...)`` does, through the slots' setters; ``cls`` itself
    where that would not be the same."""
    if not attrs.has(cls) or hasattr(cls, "__attrs_post_init__"):
        return cls
    fields = attrs.fields(cls)
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls, "NOTHING": attrs.NOTHING}
    params: list[str] = []
    lines: list[str] = []
    for i, field in enumerate(fields):
        slot = getattr(cls, field.name, None)
        if (
            not field.init
            or field.kw_only
            or field.validator is not None
            or field.converter is not None
            or type(slot).__name__ != "member_descriptor"
        ):
            return cls
        name = field.alias or field.name
        namespace[f"s{i}"] = slot.__set__  # type: ignore[union-attr]
        default = field.default
        if default is attrs.NOTHING:
            params.append(name)
        elif isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            if default.takes_self:
                return cls
            namespace[f"f{i}"] = default.factory
            params.append(f"{name}=NOTHING")
            lines.append(f"    if {name} is NOTHING: {name} = f{i}()")
        else:
            namespace[f"d{i}"] = default
            params.append(f"{name}=d{i}")
        lines.append(f"    s{i}(self, {name})")
    source = "\n".join([f"def make({', '.join(params)}):", "    self = new(cls)", *lines, "    return self"])
    exec(compile(source, f"<partyrules maker of {cls.__name__}>", "exec"), namespace)
    made: Callable[..., Any] = namespace["make"]
    return made


class _Makers:
    """Each node class's maker as an attribute of the same name, made at its first use."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        found = maker(getattr(n, name))
        setattr(self, name, found)  # an attribute from now on: found without __getattr__
        return found


if TYPE_CHECKING:  # to the type checker a maker is its class: it takes the same arguments and makes one
    from partyrules import nodes as made
else:
    made = _Makers()
