"""Periods: a ruleset graded from the earlier periods of the same subject (a year from its quarters).

The same idea as a hierarchy's aggregates (:mod:`partyrules.hierarchy`), along time instead of along
the tree. A criteria file declares the periods it reads and the ruleset that grades each of them::

    periods quy "Quý I–III" { ruleset "vn/member-quarter"; count 3; missing error; }
    input quarters_good "...": integer 0..3 from count of quy where grade >= httnv;
    input quarters_mean "...": decimal 0..100 places 2 from mean of total over quy;

Alone, the ruleset takes such inputs as ordinary facts of their declared type (examples, properties,
``evaluate`` all work). :class:`Periods` grades each period with its ruleset, computes the inputs
from the periods' evaluations and grades the whole: the names a filter uses are resolved against
the periods' ruleset once, when :class:`Periods` is made, and a period missing is an error naming
it, unless the file says ``missing skip;`` (then the inputs are computed over the periods given).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from partyrules import api, nodes as n
from partyrules.children import AggregateRule, compile_aggregates, values_over
from partyrules.diagnostics import PartyrulesError
from partyrules.runtime import Evaluation, FactsError, Ruleset

__all__ = ["PeriodResult", "Periods", "PeriodsError"]


class PeriodsError(PartyrulesError, ValueError):
    """Periods that do not fit: a ruleset whose names the file's filters use is missing, a period
    missing or out of range, a period's facts refused, or a given input the periods contradict."""


@attrs.frozen
class PeriodResult:
    """The whole period's evaluation, the earlier periods' evaluations (by declaration name, in period
    order, with their numbers) and the inputs computed from them."""

    evaluation: Evaluation
    periods: Mapping[str, tuple[tuple[int, Evaluation], ...]]
    computed: Mapping[str, Any]


@attrs.frozen
class _Declared:
    declaration: n.Periods
    ruleset: Ruleset
    rules: tuple[AggregateRule, ...]


class Periods:
    """A ruleset with the rulesets of the periods it reads, their names resolved once.

    ``rulesets`` gives a period's ruleset by declaration name; the others are loaded by the id (and
    ``on`` date) the declaration names, searching ``path`` first. Raises :class:`PeriodsError` when
    a filter names what the period's ruleset does not offer.
    """

    def __init__(
        self,
        ruleset: Ruleset,
        rulesets: Mapping[str, Ruleset] | None = None,
        *,
        path: Sequence[str | Path] = (),
    ) -> None:
        self.ruleset = ruleset
        given = dict(rulesets or {})
        declared = {d.name: d for d in ruleset.periods}
        unknown = sorted(set(given) - set(declared))
        if unknown:
            raise PeriodsError(f"{ruleset.id} declares no periods {', '.join(unknown)}")
        self._declared: dict[str, _Declared] = {}
        problems: list[str] = []
        for name, d in declared.items():
            assert d.source is not None and d.count is not None  # the checker refuses a declaration without them
            period = given.get(name) or api.load(d.source.ruleset_id, on=d.source.on, path=list(path))
            rules, errors = compile_aggregates(ruleset, period, over=name)
            problems += errors
            self._declared[name] = _Declared(d, period, rules)
        if problems:
            raise PeriodsError("; ".join(problems))

    def ruleset_of(self, name: str) -> Ruleset:
        """The ruleset that grades the periods declared as ``name``."""
        return self._declared[name].ruleset

    def evaluate(
        self,
        facts: Mapping[str, Any],
        periods: Mapping[str, Mapping[int, Mapping[str, Any] | Evaluation]],
    ) -> PeriodResult:
        """Grade each earlier period (facts, or an evaluation already made by the period's ruleset), compute
        the inputs read from them and evaluate the whole with ``facts`` and those inputs."""
        unknown = sorted(set(periods) - set(self._declared))
        if unknown:
            raise PeriodsError(f"{self.ruleset.id} declares no periods {', '.join(unknown)}")
        computed: dict[str, Any] = {}
        graded: dict[str, tuple[tuple[int, Evaluation], ...]] = {}
        for name, declared in self._declared.items():
            evaluations = self._graded(declared, periods.get(name, {}))
            graded[name] = evaluations
            values, problems = values_over(declared.rules, [e for _, e in evaluations])
            if problems:
                raise PeriodsError(f"`{name}` of {self.ruleset.id}: {'; '.join(problems)}")
            computed.update(values)
        clashes = [name for name in computed if name in facts and facts[name] is not None]
        if clashes:
            raise PeriodsError(
                f"{', '.join(clashes)} of {self.ruleset.id} are computed from the periods: leave them out of the facts"
            )
        return PeriodResult(self.ruleset.evaluate({**facts, **computed}), graded, computed)

    def _graded(
        self, declared: _Declared, given: Mapping[int, Mapping[str, Any] | Evaluation]
    ) -> tuple[tuple[int, Evaluation], ...]:
        d = declared.declaration
        count = d.count or 0
        where = f"`{d.name}` ({d.label}) of {self.ruleset.id}"
        outside = sorted(k for k in given if not (isinstance(k, int) and 1 <= k <= count))
        if outside:
            raise PeriodsError(f"{where}: periods are numbered 1 to {count}, not {', '.join(map(str, outside))}")
        missing = [k for k in range(1, count + 1) if given.get(k) is None]
        if missing and d.missing != "skip":
            said = ", ".join(map(str, missing))
            raise PeriodsError(
                f"{where}: period {said} of 1..{count} is missing; the file says `missing error` "
                "(with `missing skip;` it would be graded from the periods given)"
            )
        out: list[tuple[int, Evaluation]] = []
        for k in range(1, count + 1):
            value = given.get(k)
            if value is None:
                continue
            if isinstance(value, Evaluation):
                if value.ruleset.id != declared.ruleset.id:
                    raise PeriodsError(
                        f"{where}: period {k} was graded by {value.ruleset.id}, not {declared.ruleset.id}"
                    )
                out.append((k, value))
                continue
            try:
                out.append((k, declared.ruleset.evaluate(value)))
            except FactsError as exc:
                raise PeriodsError(f"{where}: period {k}: {exc}") from exc
        return tuple(out)
