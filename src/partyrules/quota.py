"""Quotas: rules across organisations, such as "HTXSNV at most 20 % of HTTNV" (Quy định 124).

A quota never changes one organisation's score. It is declared in the criteria file
(``quota x "..." { grade htxsnv at most 20% of httnv and better; within district; }``),
checked against the finished model by the checker (:mod:`partyrules.checker.quotas`), and
applied over a whole batch (:func:`apply`, also :meth:`Ruleset.apply_quotas`): within
each group the organisations holding the limited grade are put in the declared order
(then by id, never by input order) and those beyond the allowed number are moved down,
each carrying a :class:`Demotion` that says which quota, its rank, the number allowed and
the count it was computed from.

Counting reads the regulation literally: the number holding the grade *after* the quota
must not exceed the share of the base *after* the quota. When demoted organisations land
in the base (``demote to httnv`` with a base of ``httnv``) they count in it, so the number
kept is the largest ``k`` with ``k <= round(share x base(k))``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any, Union

import attrs

from partyrules.diagnostics import PartyrulesError
from partyrules.evaluation import GRADE, Evaluation
from partyrules.explain import explain_text

__all__ = [
    "Demotion",
    "Placement",
    "QuotaError",
    "QuotaRule",
    "SortKey",
    "apply",
    "sort_key_of",
]

ROUNDINGS = {"down": ROUND_FLOOR, "up": ROUND_CEILING, "half_up": ROUND_HALF_UP}


class QuotaError(PartyrulesError, ValueError):
    """A batch a quota cannot be applied to: a missing group column, ids that are not unique."""


# ---------------------------------------------------------------- the checked quota


@attrs.frozen
class SortKey:
    """One key of a declared order: ``total``, an input or a criterion (its points, or its level)."""

    kind: str  # total input points level
    name: str
    descending: bool = True
    members: tuple[str, ...] = ()  # a level scale, best first (level inputs and levelled criteria)

    @property
    def text(self) -> str:
        return f"{self.name} {'desc' if self.descending else 'asc'}"


@attrs.frozen
class QuotaRule:
    """A checked quota, grades by name (best first in the ruleset's order)."""

    name: str
    label: str
    grade: str
    share: Decimal  # 0.2 for 20%
    base: str
    or_better: bool
    base_grades: tuple[str, ...]  # the grades the base counts
    within: str  # input column all
    group: str | None
    rounding: str  # down up half_up
    demote_to: str
    order: tuple[SortKey, ...]
    citations: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


# ---------------------------------------------------------------- ordering organisations


def sort_value(evaluation: Evaluation, key: SortKey) -> Any:
    """The value a key reads from one evaluation, as a number (levels: higher is better); None when absent."""
    if key.kind == "total":
        return evaluation.total
    if key.kind == "input":
        value: Any = evaluation.facts.get(key.name)
    elif key.kind == "points":
        value = evaluation.points.get(key.name)
    else:
        value = evaluation.levels.get(key.name)
    if value is None:
        return None
    if key.members:  # a level: the best member is the highest value
        return len(key.members) - key.members.index(str(value))
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime.date):
        return value.toordinal()
    return value


def sort_key_of(evaluation: Evaluation, keys: Sequence[SortKey]) -> tuple[Any, ...]:
    """A sort key putting the best first: every declared key in turn, an absent value last."""
    out: list[Any] = []
    for key in keys:
        value = sort_value(evaluation, key)
        if value is None:
            out.append((1, 0))
        else:
            out.append((0, -value if key.descending else value))
    return tuple(out)


# ---------------------------------------------------------------- applying


@attrs.frozen
class Demotion:
    """Why an organisation's grade was lowered by a quota: everything needed to check it by hand.

    ``allowed`` = ``share`` x ``base`` rounded as ``rounding`` says; ``base`` counts the
    organisations of the group graded ``base_grades`` once the quota applied; ``rank`` is
    the organisation's place among the ``candidates`` (1 the best) in the declared order.
    ``tied``: the one kept just before it had the same values on every key, and ids decided.
    """

    quota: str
    label: str
    group: str | None
    rank: int
    candidates: int
    allowed: int
    base: int
    base_grades: tuple[str, ...]
    share: Decimal
    rounding: str
    from_grade: str
    to_grade: str
    order: tuple[str, ...]
    tied: bool = False
    citations: tuple[str, ...] = ()


@attrs.frozen
class Placement:
    """One organisation of a batch once the quotas applied.

    ``evaluation`` is the organisation's evaluation with its final grade (the one scored when
    no quota moved it; its band, requirements and knock-outs are those scored); ``demotions``
    says, in the order the quotas applied, every move. Serialises with :mod:`partyrules.serialize`.
    """

    id: str
    evaluation: Evaluation
    demotions: tuple[Demotion, ...] = ()

    @property
    def grade(self) -> str | None:
        return self.evaluation.grade

    @property
    def demoted(self) -> bool:
        return bool(self.demotions)

    @property
    def grade_before(self) -> str | None:
        """The grade scored, before any quota."""
        return self.demotions[0].from_grade if self.demotions else self.evaluation.grade

    def explain(self) -> str:
        return explain_text(self.evaluation, demotions=self.demotions)


#: One organisation of a batch: (id, evaluation) or (id, evaluation, its other columns).
BatchRow = Union[tuple[str, Evaluation], tuple[str, Evaluation, Mapping[str, Any]]]  # noqa: UP007 - a runtime alias


def group_value(rule: QuotaRule, evaluation: Evaluation, columns: Mapping[str, Any], id: str) -> str | None:
    """The group an organisation counts in, as text; None for ``within all``."""
    if rule.within == "all" or rule.group is None:
        return None
    if rule.within == "input":
        value = evaluation.facts.get(rule.group)
    elif rule.group in columns:
        value = columns[rule.group]
    else:
        raise QuotaError(
            f"quota `{rule.name}` counts within the column `{rule.group}`, which organisation `{id}` does not have"
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value).strip()


def allowed_count(share: Decimal, base: int, rounding: str) -> int:
    """``share`` x ``base`` rounded as declared: ``down`` never exceeds the share."""
    return int((share * base).to_integral_value(rounding=ROUNDINGS[rounding]))


def _kept(rule: QuotaRule, candidates: int, others_in_base: int) -> tuple[int, int, int]:
    """(kept, allowed, base): the most candidates that may keep the grade, counted on the final grades."""
    top_in_base = rule.grade in rule.base_grades
    demoted_in_base = rule.demote_to in rule.base_grades
    for kept in range(candidates, -1, -1):
        base = others_in_base + (kept if top_in_base else 0) + ((candidates - kept) if demoted_in_base else 0)
        allowed = allowed_count(rule.share, base, rule.rounding)
        if kept <= allowed:
            return kept, allowed, base
    raise AssertionError("keeping nobody always satisfies a quota")  # pragma: no cover


def regrade(evaluation: Evaluation, grade: str) -> Evaluation:
    """The same evaluation with another final grade (band, requirements and knock-outs unchanged)."""
    layout = evaluation.layout
    index = [g for g, _ in layout.grades].index(grade)
    raw = list(evaluation.raw)
    raw[layout.offsets[GRADE]] = index
    return Evaluation.from_raw(layout, tuple(raw))


def apply(rules: Sequence[QuotaRule], rows: Iterable[BatchRow]) -> tuple[Placement, ...]:
    """Apply ``rules`` in order over ``rows`` of ``(id, evaluation)`` or ``(id, evaluation, columns)``.

    ``columns`` holds the row's data columns that are no input (``within column "..."``).
    The result is one :class:`Placement` per row, in the order given; it does not depend on
    that order. Raises :class:`QuotaError` when a row lacks a group column or two candidates
    of one group share an id (ids decide the last ties).
    """
    tally = Tally(rules)
    placed: list[tuple[str, Evaluation]] = []
    for index, row in enumerate(rows):
        columns: Mapping[str, Any] = row[2] if len(row) == 3 else {}
        tally.add(index, str(row[0]), row[1], columns)
        placed.append((str(row[0]), row[1]))
    demotions = tally.demotions()
    out = []
    for index, (id, evaluation) in enumerate(placed):
        moved = demotions.get(index, ())
        if moved:
            evaluation = regrade(evaluation, moved[-1].to_grade)
        out.append(Placement(id, evaluation, tuple(moved)))
    return tuple(out)


class Tally:
    """What the quotas of a batch need of each organisation, kept as the rows are scored: the
    organisations that hold a limited grade (their id, group and sort key), and for the others
    only a count per group and grade. A batch of a million rows keeps a few values per top-graded
    organisation, never the evaluations."""

    def __init__(self, rules: Sequence[QuotaRule]) -> None:
        self.rules = tuple(rules)
        self._limited = {rule.grade for rule in rules}
        # (row index, id, grade, group per rule, sort key per rule): the possible candidates
        self._entries: list[tuple[int, str, str, tuple[str | None, ...], tuple[Any, ...]]] = []
        self._others: dict[tuple[int, str | None, str | None], int] = {}  # (rule, group, grade): count

    def add(self, index: int, id: str, evaluation: Evaluation, columns: Mapping[str, Any]) -> None:
        """One organisation, the ``index``-th of the batch (indices name it in :meth:`demotions`)."""
        groups = tuple(group_value(rule, evaluation, columns, id) for rule in self.rules)
        grade = evaluation.grade
        if grade in self._limited:
            keys = tuple(sort_key_of(evaluation, rule.order) for rule in self.rules)
            self._entries.append((index, id, grade, groups, keys))
            return
        others = self._others
        for position, group in enumerate(groups):  # a grade no quota limits never moves
            key = (position, group, grade)
            others[key] = others.get(key, 0) + 1

    def demotions(self) -> dict[int, list[Demotion]]:
        """Every demotion, by row index, in the order the quotas applied; the rows not moved are absent."""
        grades = [entry[2] for entry in self._entries]
        out: dict[int, list[Demotion]] = {}
        for position, rule in enumerate(self.rules):
            groups: dict[str | None, list[int]] = {}
            for i, entry in enumerate(self._entries):
                groups.setdefault(entry[3][position], []).append(i)
            for group in sorted(groups, key=lambda g: (g is not None, g or "")):
                members = groups[group]
                others = sum(self._others.get((position, group, g), 0) for g in rule.base_grades)
                for i, d in self._apply_group(position, rule, group, members, grades, others):
                    out.setdefault(self._entries[i][0], []).append(d)
                    grades[i] = rule.demote_to
        return out

    def _apply_group(
        self, position: int, rule: QuotaRule, group: str | None, members: list[int], grades: list[str], others: int
    ) -> list[tuple[int, Demotion]]:
        entries = self._entries
        candidates = [i for i in members if grades[i] == rule.grade]
        if not candidates:
            return []
        others += sum(1 for i in members if grades[i] in rule.base_grades and grades[i] != rule.grade)
        kept, allowed, base = _kept(rule, len(candidates), others)
        if kept == len(candidates):
            return []
        ids = [entries[i][1] for i in candidates]
        if len(set(ids)) != len(ids):
            twice = sorted({x for x in ids if ids.count(x) > 1})
            raise QuotaError(
                f"quota `{rule.name}`: ids must be unique to order organisations, and {', '.join(twice)} appear twice"
            )
        keyed = sorted((entries[i][4][position], entries[i][1], entries[i][0], i) for i in candidates)
        out: list[tuple[int, Demotion]] = []
        for rank, (key, _, _, i) in enumerate(keyed[kept:], kept + 1):
            tied = kept > 0 and keyed[kept - 1][0] == key
            demotion = Demotion(
                quota=rule.name,
                label=rule.label,
                group=group,
                rank=rank,
                candidates=len(candidates),
                allowed=allowed,
                base=base,
                base_grades=rule.base_grades,
                share=rule.share,
                rounding=rule.rounding,
                from_grade=rule.grade,
                to_grade=rule.demote_to,
                order=tuple(k.text for k in rule.order),
                tied=tied,
                citations=rule.citations,
            )
            out.append((i, demotion))
        return out
