"""Examples and properties of a criteria file, as the checker made them: what ``partyrules test`` runs.

A criteria file may carry worked examples (``example``, or ``examples ... from
"table.csv"``) and stated properties (``property``). They never change a score. The
checker checks them (:mod:`partyrules.checker.examples`) and attaches a :class:`Casebook`
to the model; ``partyrules test`` runs it (:mod:`partyrules.proving`), rule coverage and
mutation testing read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from partyrules import nodes as n
from partyrules.model import Model


@attrs.frozen
class Expect:
    """One expectation of an example: ``what`` of ``target`` is ``value``.

    ``value`` is a Decimal (total, points), a grade, level or rule name, or None for
    ``knockout`` (the rule named by ``target`` must apply).
    """

    what: str  # total grade band points level knockout not_graded
    target: str | None
    value: Decimal | str | None

    @property
    def text(self) -> str:
        """The expectation as a file would write it."""
        if self.what in ("points", "level"):
            return f"expect {self.what} {self.target} = {self.value}"
        if self.what == "knockout":
            return f"expect knockout {self.target}"
        return f"expect {self.what} {self.value}"


@attrs.frozen(hash=False)
class ExampleCase:
    """A checked example: the facts as :meth:`Ruleset.evaluate` takes them, and what must come out."""

    name: str
    label: str
    facts: Mapping[str, Any]  # only the facts given; absent inputs, and None (`= default`), take their defaults
    expectations: tuple[Expect, ...]
    location: str  # file:line:column of the example, or of the table row


@attrs.frozen
class RowExpect:
    """One expectation of a batch about one row, once the quotas applied: its ``grade`` is ``value``, it was
    ``demoted`` by the quota ``value``, or it is ``not_demoted``."""

    row: str
    what: str  # grade demoted not_demoted
    value: str | None

    @property
    def text(self) -> str:
        """The expectation as a file would write it."""
        if self.what == "demoted":
            return f"expect {self.row} demoted by {self.value}"
        if self.what == "not_demoted":
            return f"expect {self.row} not demoted"
        return f"expect {self.row} grade {self.value}"


@attrs.frozen(hash=False)
class BatchRowCase:
    """One row of a batch: its facts as :meth:`Ruleset.evaluate` takes them, and its group."""

    name: str
    facts: Mapping[str, Any]
    group: str  # the value of every `within column` of the quotas ("" when the row names none)
    location: str


@attrs.frozen(hash=False)
class BatchCase:
    """A checked batch example: the rows scored, the file's quotas applied over them, then each row checked."""

    name: str
    label: str
    rows: tuple[BatchRowCase, ...]
    expectations: tuple[RowExpect, ...]
    location: str


@attrs.frozen(hash=False)
class PropertyCase:
    """A checked property: conditions are nodes resolved in :attr:`Casebook.model`."""

    name: str
    label: str
    assuming: tuple[n.Expr, ...]
    claims: tuple[n.Claim, ...]
    location: str


@attrs.frozen(hash=False)
class Casebook:
    """Every example and property of one file, in file order (table rows where the table is named)."""

    examples: tuple[ExampleCase | BatchCase, ...]  # a batch among them where the file writes one
    properties: tuple[PropertyCase, ...]
    #: the model the property conditions were checked against; the reference interpreter evaluates them in it
    model: Model = attrs.field(eq=False, repr=False)
    #: examples tables that could not be found where the file was loaded: (location, why); a test run fails on them
    unread: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.examples or self.properties or self.unread)
