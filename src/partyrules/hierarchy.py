"""Hierarchies: grading organisations bottom-up, parents reading aggregates of their children.

Organisations form a tree (members → cells → grassroots organisations → superior committees;
docs/batch.md "Hierarchies"). A criteria file may declare an input as an aggregate of the
organisation's children (``input subunits "...": integer 1..5000 from count of children;``,
docs/language.md §16). Alone, the ruleset takes such an input as an ordinary fact of the
declared type, so every other API keeps working. When a hierarchy is graded (:class:`Hierarchy`)
the children are graded first, the quotas of their level applied, and then each parent's
aggregate inputs are computed from its children's facts and results and merged into its facts.
A level whose ruleset declares ``periods`` graded by the ruleset of a level below reads them from
those rows the same way (a member's year from its quarter rows; docs/language.md §17).

What a child offers lives in another file, so checking is split: the checker checks the form
within one file (:mod:`partyrules.checker.aggregates`); :class:`Hierarchy` resolves the names
against the children's ruleset when the levels are assembled.
"""

from __future__ import annotations

import gc
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from partyrules import facts, nodes as n
from partyrules.children import AggregateRule, Get, aggregates_of, compile_aggregates, mean_value
from partyrules.diagnostics import PartyrulesError
from partyrules.runtime import TEXT_READERS, Evaluation, FactProblem, FactsError, InputSpec, Ruleset

__all__ = ["GradedRow", "Hierarchy", "HierarchyError", "aggregates_of"]

#: Places a share is rounded to (half up, in percent units) when its input declares none.
SHARE_PLACES = 2


class HierarchyError(PartyrulesError, ValueError):
    """Levels that do not fit together: an aggregate naming what the level below does not offer."""


# ---------------------------------------------------------------- grading a hierarchy


@attrs.frozen
class GradedRow:
    """One row of a hierarchy once graded: its evaluation (quotas applied), or the problems that stopped it."""

    number: int
    id: str | None
    parent: str | None
    level: str | None
    evaluation: Evaluation | None = None
    demotions: tuple[Any, ...] = ()  # partyrules.quota.Demotion
    problems: tuple[str, ...] = ()

    @property
    def graded(self) -> bool:
        return self.evaluation is not None


class _State:
    """Running aggregates of one parent: children seen, per aggregate the children matched and the
    value so far, and the children that were not graded."""

    __slots__ = ("accumulated", "children", "matched", "rejected")

    def __init__(self, size: int) -> None:
        self.children = 0
        self.matched = [0] * size
        self.accumulated: list[Any] = [None] * size
        self.rejected: list[str] | None = None


_Feed = tuple[tuple[int, str, "Get | None", "Get | None"], ...]  # per aggregate: index, function, value, condition


class Hierarchy:
    """Levels from the top down, each with its ruleset: ``Hierarchy([("grassroots", a), ("cell", b)])``.

    A row's level is its ``level_key`` column, or with ``by_depth`` its depth (a row without a
    parent is at the first level). A row's parent must stand at a level above its own. Raises
    :class:`HierarchyError` when a level's aggregates name what the level just below does not offer.
    """

    def __init__(
        self,
        levels: Sequence[tuple[str, Ruleset]],
        *,
        by_depth: bool = False,
        id_key: str = "id",
        parent_key: str = "parent",
        level_key: str = "level",
    ) -> None:
        if not levels:
            raise HierarchyError("a hierarchy needs at least one level")
        names = [name for name, _ in levels]
        if len(set(names)) != len(names):
            raise HierarchyError(f"a level is named twice: {', '.join(names)}")
        self.names = tuple(names)
        self.rulesets = tuple(r for _, r in levels)
        self.by_depth = by_depth
        self.keys = (id_key, parent_key, level_key)
        # a level reads its periods (a year its quarters) from the rows below graded by the periods' ruleset
        self._periods = tuple(
            tuple(d for d in r.periods if any(c.id == d.source.ruleset_id for c in self.rulesets[i + 1 :]))
            for i, r in enumerate(self.rulesets)
        )
        self._aggregates = tuple(
            aggregates_of(r) + tuple(a for d in self._periods[i] for a in aggregates_of(r, d.name))
            for i, r in enumerate(self.rulesets)
        )
        self._rules: dict[tuple[int, int], tuple[tuple[AggregateRule, ...], list[str]]] = {}
        problems = [p for i in range(len(levels) - 1) for p in self._pair(i, i + 1)[1]]
        if problems:
            raise HierarchyError("the levels do not fit together:\n  " + "\n  ".join(problems))

    def _pair(self, parent: int, child: int) -> tuple[tuple[AggregateRule, ...], list[str]]:
        key = (parent, child)
        if key not in self._rules:
            upper, lower = self.rulesets[parent], self.rulesets[child]
            rules, problems = compile_aggregates(upper, lower)
            for d in self._periods[parent]:
                if d.source.ruleset_id != lower.id:
                    problems.append(f"`{d.name}` of {upper.id} are graded by {d.source.ruleset_id}, not {lower.id}")
                    continue
                more, wrong = compile_aggregates(upper, lower, d.name)
                rules, problems = rules + more, problems + wrong
            self._rules[key] = (() if problems else rules), problems
        return self._rules[key]

    def _count_periods(self, level: int, state: _State | None, mine: list[str]) -> None:
        """A row reading periods from the rows below has each of them: ``count`` rows, or fewer with ``missing skip``."""
        for d in self._periods[level]:
            found = state.children if state is not None else 0
            if found > d.count or (found < d.count and d.missing != "skip"):
                said = "more than" if found > d.count else "a period missing of"
                mine.append(
                    f"it has {found} rows of `{d.name}` ({d.label}), {said} the {d.count} that "
                    f"{self.rulesets[level].id} reads" + ("" if found > d.count else " (the file says `missing error`)")
                )

    def grade(
        self,
        rows: Iterable[Mapping[str, Any]],
        *,
        start: int = 1,
        numbers: Sequence[int] | None = None,
        refused: Mapping[int, Sequence[str]] | None = None,
        advance: Callable[[], object] | None = None,
        timings: dict[str, tuple[float, float]] | None = None,
    ) -> tuple[GradedRow, ...]:
        """Grade every row, children before parents; one :class:`GradedRow` per row, in input order.

        A row that cannot be graded carries its problems and the others go on: no id or a
        repeated one, a level without a ruleset, a parent not among the rows, a cycle, a parent
        not above it, facts the ruleset refuses, a given aggregate that disagrees with its
        children, and a parent with aggregates one of whose children was not graded.

        Rows are numbered from ``start``, or by ``numbers`` (one per row, e.g. a file's line
        numbers). ``refused`` holds rows already known to be bad (by position, from 0, with their
        problems, e.g. from reading a file): they take their place in the tree but are not graded,
        and a missing id, parent or level of theirs is not reported again. ``advance`` is called
        once per row as it is settled (a progress bar); ``timings``, when given, receives the
        seconds (wall clock, and CPU time of this process) spent reading the rows (``"read"``),
        placing them in the tree (``"tree"``), on each level (``"level NAME"``) and making the
        results (``"results"``).

        The rows are kept (not copied) only until their level is graded; text facts are read
        as the ruleset reads them, each distinct text once. The cyclic garbage collector is paused
        during the call, which makes millions of objects and no cycles (benchmarks/bench_hierarchy.py
        at a tenth of the national size: 7.2 s of CPU instead of 13.2).
        """
        paused = gc.isenabled()
        gc.disable()
        try:
            return self._grade(rows, start, numbers, refused or {}, advance, timings)
        finally:
            if paused:
                gc.enable()

    def _grade(
        self,
        rows: Iterable[Mapping[str, Any]],
        start: int,
        numbers: Sequence[int] | None,
        refused: Mapping[int, Sequence[str]],
        advance: Callable[[], object] | None,
        timings: dict[str, tuple[float, float]] | None,
    ) -> tuple[GradedRow, ...]:
        clock = _Clock()
        ids, parents, levels, kept, problems, where = self._read(rows, start, numbers, refused)
        count = len(ids)
        if numbers is not None and len(numbers) != count:
            raise ValueError(f"numbers: {len(numbers)} numbers for {count} rows")
        read = clock.lap()
        up = array("q", [where.get(p, -1) if p is not None else -1 for p in parents])
        self._check_tree(ids, parents, up, levels, problems)
        del where
        members: list[list[int]] = [[] for _ in self.names]
        states: dict[int, _State] = {}
        for i in range(count):
            level = levels[i]
            if level >= 0:
                members[level].append(i)
            elif (p := up[i]) >= 0:  # a row placed at no level never gets graded: its parent must know
                self._reject(p, _named(ids[i], i, start, numbers), levels, states)
                if advance is not None:
                    advance()
        placed = clock.lap()
        if timings is not None:
            timings["read"], timings["tree"] = read, placed
        evaluations: list[Evaluation | None] = [None] * count
        demotions: dict[int, tuple[Any, ...]] = {}
        for level in reversed(range(len(self.names))):
            self._grade_level(
                level,
                members[level],
                ids,
                up,
                levels,
                kept,
                problems,
                states,
                evaluations,
                demotions,
                start,
                numbers,
                advance,
            )
            spent = clock.lap()
            if timings is not None:
                timings[f"level {self.names[level]}"] = spent
        names: tuple[str | None, ...] = (*self.names, None)  # index -1: no level
        numbered = numbers if numbers is not None else range(start, start + count)
        results = tuple(
            GradedRow(
                number,
                rid,
                parent,
                names[level],
                None if i in problems else evaluation,
                demotions.get(i, ()),
                tuple(problems[i]) if i in problems else (),
            )
            for i, number, rid, parent, level, evaluation in zip(
                range(count), numbered, ids, parents, levels, evaluations
            )
        )
        if timings is not None:
            timings["results"] = clock.lap()
        return results

    def _read(
        self,
        rows: Iterable[Mapping[str, Any]],
        start: int,
        numbers: Sequence[int] | None,
        refused: Mapping[int, Sequence[str]],
    ) -> tuple[
        list[str | None],
        list[str | None],
        array[int],
        list[Mapping[str, Any] | None],
        dict[int, list[str]],
        dict[str, int],
    ]:
        """One pass over the rows: ids, parents, level indexes and the rows kept (until their level is
        graded), every problem of a row's own, and where each id stands."""
        id_key, parent_key, level_key = self.keys
        by_name = {name: k for k, name in enumerate(self.names)}
        ids: list[str | None] = []
        parents: list[str | None] = []
        levels = array("h")  # the level's index; -1 for none
        kept: list[Mapping[str, Any] | None] = []  # the row itself, until its level is graded
        problems: dict[int, list[str]] = {}
        where: dict[str, int] = {}
        for i, row in enumerate(rows):
            quiet = i in refused  # a row refused already: what it lacks is no news
            mine: list[str] = list(refused[i]) if quiet else []
            raw_id, raw_parent = row.get(id_key), row.get(parent_key, _ABSENT)
            rid = None if raw_id is None else (raw_id if type(raw_id) is str else str(raw_id)).strip() or None
            if rid is None:
                if not quiet:
                    mine.append(f"it has no `{id_key}`")
            elif rid in where:
                mine.append(f"its id {rid} is also row {_number(where[rid], start, numbers)}")
            else:
                where[rid] = i
            if raw_parent is _ABSENT and not quiet:
                mine.append(f"it has no `{parent_key}` column (leave it empty for the top of the tree)")
            parent = (
                None
                if raw_parent is _ABSENT or raw_parent is None
                else (raw_parent if type(raw_parent) is str else str(raw_parent)).strip() or None
            )
            level = -1
            if not self.by_depth:
                name = row.get(level_key)
                name = "" if name is None else str(name).strip()
                found = by_name.get(name)
                if found is not None:
                    level = found
                elif not (quiet and not name):
                    mine.append(f"its level `{name}` has no ruleset (levels: {', '.join(self.names)})")
            ids.append(rid)
            parents.append(parent)
            levels.append(level)
            kept.append(row)
            if mine:
                problems[i] = mine
        return ids, parents, levels, kept, problems, where

    def _check_tree(
        self,
        ids: list[str | None],
        parents: list[str | None],
        up: array[int],
        levels: array[int],
        problems: dict[int, list[str]],
    ) -> None:
        """Dangling parents and cycles; with ``by_depth`` the levels, else that each parent stands above."""
        if self.by_depth:
            self._place_by_depth(ids, parents, up, levels, problems)
            return
        # a parent must stand above its child: a cycle can only pass through a row whose parent does
        # not (or a row or parent at no level), so the walks up the tree start from those rows alone
        starts: list[int] = []
        for i in range(len(ids)):
            parent = up[i]
            if parent < 0:
                if parents[i] is not None:
                    problems.setdefault(i, []).append(f"its parent {parents[i]} is not among the rows")
            elif (level := levels[i]) < 0 or (plevel := levels[parent]) < 0 or plevel >= level:
                starts.append(i)
        settled: set[int] = set()
        for first in starts:
            path: list[int] = []
            on_path: dict[int, int] = {}
            i = first
            while i >= 0 and i not in settled:
                if i in on_path:
                    _cycle(path[on_path[i] :], ids, problems)
                    break
                on_path[i] = len(path)
                path.append(i)
                i = up[i]
            settled.update(path)
        for i in starts:
            level, plevel = levels[i], levels[up[i]]
            if 0 <= level <= plevel:
                problems.setdefault(i, []).append(
                    f"its parent {parents[i]} is of level {self.names[plevel]}, not above {self.names[level]}"
                )

    def _place_by_depth(
        self,
        ids: list[str | None],
        parents: list[str | None],
        up: array[int],
        levels: array[int],
        problems: dict[int, list[str]],
    ) -> None:
        """Every row's depth, walking up once (the walks remember where they have been): its level."""
        unknown, visiting, nowhere = -3, -2, -1  # nowhere: no way to the top (dangling parent or cycle)
        depth = array("q", [unknown]) * len(ids)
        for first in range(len(ids)):
            if depth[first] != unknown:
                continue
            path: list[int] = []
            i = first
            while depth[i] == unknown:
                depth[i] = visiting
                path.append(i)
                parent = up[i]
                if parent < 0:
                    break
                i = parent
            if depth[i] == visiting and up[i] >= 0:  # back on this walk: a cycle
                cycle = path[path.index(i) :]
                _cycle(cycle, ids, problems)
                for j in cycle:
                    depth[j] = nowhere
                below = nowhere
            elif depth[i] == visiting:  # the walk's end: the top, or a parent not among the rows
                if parents[i] is None:
                    depth[i] = below = 0
                else:
                    problems.setdefault(i, []).append(f"its parent {parents[i]} is not among the rows")
                    depth[i] = below = nowhere
            else:  # a row placed by an earlier walk
                below = depth[i]
            for j in reversed(path):
                if depth[j] != visiting:
                    below = depth[j]
                    continue
                below = nowhere if below == nowhere else below + 1
                depth[j] = below
        last = len(self.names) - 1
        for i in range(len(ids)):
            d = depth[i]
            if 0 <= d <= last:
                levels[i] = d
            elif d > last:
                problems.setdefault(i, []).append(
                    f"it stands at depth {d + 1}, below the last level ({self.names[-1]})"
                )
            elif i not in problems:
                problems[i] = ["its chain of parents does not reach the top of the tree"]

    def _reject(self, parent: int, child: str, levels: array[int], states: dict[int, _State]) -> None:
        """Tell a parent with aggregates that one of its children was not graded."""
        plevel = levels[parent]
        if plevel < 0 or not self._aggregates[plevel]:
            return
        state = states.get(parent)
        if state is None:
            state = states[parent] = _State(len(self._aggregates[plevel]))
        if state.rejected is None:
            state.rejected = []
        state.rejected.append(child)

    def _grade_level(
        self,
        level: int,
        members: list[int],
        ids: list[str | None],
        up: array[int],
        levels: array[int],
        kept: list[Mapping[str, Any] | None],
        problems: dict[int, list[str]],
        states: dict[int, _State],
        evaluations: list[Evaluation | None],
        demotions: dict[int, tuple[Any, ...]],
        start: int,
        numbers: Sequence[int] | None,
        advance: Callable[[], object] | None,
    ) -> None:
        ruleset = self.rulesets[level]
        aggregates = self._aggregates[level]
        names = frozenset(s.name for s in ruleset.inputs)
        fields = tuple((s.name, TEXT_READERS.get(s.kind)) for s in ruleset.inputs)
        quotas = bool(ruleset.quotas)
        skip = frozenset(self.keys)
        graded: list[int] = []  # in the order the evaluations come
        columns: list[Mapping[str, Any]] = []  # for the quotas: each graded row's columns that are no input

        def given() -> Iterator[dict[str, Any]]:
            """The facts of each row to evaluate: its ruleset's inputs, an empty cell as not given, text typed once."""
            for i in members:
                row = kept[i]
                kept[i] = None  # graded now: only its evaluation and its parent's running aggregates remain
                if row is None or i in problems:
                    continue
                computed: dict[str, Any] | None = None
                if aggregates:
                    mine: list[str] = []
                    state = states.pop(i, None)
                    computed = self._computed(aggregates, state, mine)
                    if self._periods[level]:
                        self._count_periods(level, state, mine)
                    if not mine:
                        for spec, _ in aggregates:
                            value = row.get(spec.name)
                            if value is not None and value != "" and not _same(spec, value, computed[spec.name]):
                                mine.append(
                                    f"it gives {spec.name} = {value}, "
                                    f"but its children make {_shown(spec, computed[spec.name])}"
                                )
                    if mine:
                        problems[i] = mine
                        continue
                facts: dict[str, Any] = {}
                get = row.get
                for name, typed in fields:
                    value = get(name)
                    if value is None or value == "":
                        continue
                    if typed is not None and type(value) is str:
                        value = typed(value)
                    facts[name] = value
                if computed:
                    facts.update(computed)
                if quotas:
                    columns.append({k: v for k, v in row.items() if k not in names and k not in skip})
                graded.append(i)
                yield facts

        for position, result in enumerate(ruleset.evaluate_many(given(), id_key=None)):
            i = graded[position]  # the generator has just put it there
            if isinstance(result, FactsError):
                problems[i] = [f"{p.input}: {p.message}" for p in result.problems]
            else:
                evaluations[i] = result
        if quotas and graded:
            self._level_quotas(level, graded, columns, ids, evaluations, demotions, problems)
        self._feed_parents(level, members, ids, up, levels, problems, states, evaluations, start, numbers, advance)

    def _level_quotas(
        self,
        level: int,
        graded: list[int],
        columns: list[Mapping[str, Any]],
        ids: list[str | None],
        evaluations: list[Evaluation | None],
        demotions: dict[int, tuple[Any, ...]],
        problems: dict[int, list[str]],
    ) -> None:
        """The level's quotas over its graded rows: final grades and demotions, or a problem for each row."""
        ruleset = self.rulesets[level]
        from partyrules.quota import QuotaError

        # the rows the ruleset refused take no part
        batch = [(ids[i], e, c) for i, c in zip(graded, columns) if (e := evaluations[i]) is not None]
        graded = [i for i in graded if evaluations[i] is not None]
        try:
            for i, placement in zip(graded, ruleset.apply_quotas(batch)):
                evaluations[i] = placement.evaluation
                if placement.demotions:
                    demotions[i] = placement.demotions
        except QuotaError as exc:
            for i in graded:
                problems.setdefault(i, []).append(f"the quotas of level {self.names[level]} cannot apply: {exc}")

    def _feed_parents(
        self,
        level: int,
        members: list[int],
        ids: list[str | None],
        up: array[int],
        levels: array[int],
        problems: dict[int, list[str]],
        states: dict[int, _State],
        evaluations: list[Evaluation | None],
        start: int,
        numbers: Sequence[int] | None,
        advance: Callable[[], object] | None,
    ) -> None:
        """Each graded row of the level added to its parent's running aggregates (or its refusal noted)."""
        # the parents read the final grades (after the quotas)
        feeds: dict[int, _Feed | str | None] = {}  # per parent level
        for i in members:
            if advance is not None:
                advance()
            parent = up[i]
            if parent < 0:
                continue
            plevel = levels[parent]
            feed = feeds.get(plevel, _UNSET)
            if feed is _UNSET:
                feed = feeds[plevel] = self._feed(plevel, level)
            if feed is None:  # the parent has no aggregates
                continue
            state = states.get(parent)
            if state is None:
                state = states[parent] = _State(len(self._aggregates[plevel]))
            if i in problems or isinstance(feed, str):
                if state.rejected is None:
                    state.rejected = []
                state.rejected.append(_named(ids[i], i, start, numbers) if i in problems else str(feed))
                continue
            e = evaluations[i]
            state.children += 1
            matched, accumulated = state.matched, state.accumulated
            for k, function, value, condition in feed:
                if condition is not None and not condition(e):
                    continue
                matched[k] += 1
                if value is None:
                    continue
                v = value(e)
                old = accumulated[k]
                if old is None:
                    accumulated[k] = v
                elif function in ("sum", "mean"):
                    accumulated[k] = old + v
                elif v < old if function == "min" else v > old:
                    accumulated[k] = v

    def _feed(self, parent: int, child: int) -> _Feed | str | None:
        """How a child of level ``child`` adds to a parent of level ``parent``: None when the parent has no
        aggregates, the reason when the levels do not fit."""
        if parent < 0 or not self._aggregates[parent]:
            return None
        rules, errors = self._pair(parent, child)
        if errors:
            return f"(level {self.names[child]}: {'; '.join(errors)})"
        return tuple((k, rule.function, rule.value, rule.condition) for k, rule in enumerate(rules))

    def _computed(
        self, aggregates: tuple[tuple[InputSpec, n.Aggregate], ...], state: _State | None, mine: list[str]
    ) -> dict[str, Any]:
        if state is not None and state.rejected:
            state.rejected.sort()  # named the same in any row order
            rejected = state.rejected
            shown = ", ".join(rejected[:3]) + (f" and {len(rejected) - 3} more" if len(rejected) > 3 else "")
            names = ", ".join(spec.name for spec, _ in aggregates)
            mine.append(f"its children {shown} were not graded: {names} unknown")
            return {}
        state = state or _State(len(aggregates))
        values: dict[str, Any] = {}
        for k, (spec, a) in enumerate(aggregates):
            matched = state.matched[k]
            accumulated = state.accumulated[k]
            f = a.function
            if f == "count":
                values[spec.name] = matched
            elif f == "any":
                values[spec.name] = matched > 0
            elif f == "all":
                values[spec.name] = matched == state.children
            elif f == "share":
                if not state.children:
                    mine.append(f"{spec.name}: it has no children to take a share of")
                    continue
                places = spec.places if spec.places is not None else SHARE_PLACES
                share = Decimal(100 * matched) / Decimal(state.children)
                values[spec.name] = share.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP).normalize()
            elif f == "sum":
                values[spec.name] = _to_input(spec, accumulated if accumulated is not None else 0)
            elif f == "mean":
                if accumulated is None:
                    mine.append(f"{spec.name}: it has no children to take the mean of")
                    continue
                values[spec.name] = mean_value(spec, accumulated, matched)
            elif accumulated is None:
                mine.append(f"{spec.name}: it has no children to take the {'least' if f == 'min' else 'greatest'} of")
            else:
                values[spec.name] = _to_input(spec, accumulated)
        return values


def _cycle(cycle: list[int], ids: list[str | None], problems: dict[int, list[str]]) -> None:
    """Every row on a cycle is its own ancestor; the cycle is named from its least id, the same in any row order."""
    turn = min(range(len(cycle)), key=lambda k: str(ids[cycle[k]]))
    cycle = cycle[turn:] + cycle[:turn]
    text = " → ".join(str(ids[j]) for j in [*cycle, cycle[0]])
    for j in cycle:
        problems.setdefault(j, []).append(f"it is its own ancestor: {text}")


def _number(i: int, start: int, numbers: Sequence[int] | None) -> int:
    return numbers[i] if numbers is not None else i + start


def _named(rid: str | None, i: int, start: int, numbers: Sequence[int] | None) -> str:
    """A row as a parent's problem names it: its id, or its number."""
    return rid if rid is not None else f"row {_number(i, start, numbers)}"


class _Clock:
    """Wall and CPU seconds since the last lap."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        spent = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return spent


_UNSET: Any = object()


_ABSENT = object()


def _to_input(spec: InputSpec, value: Any) -> Any:
    """A computed number as the parent's input takes it: percents in percent units."""
    if spec.kind == "percent":
        return (Decimal(value) * 100).normalize()
    if spec.kind == "integer" and isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


def _same(spec: InputSpec, given: Any, computed: Any) -> bool:
    problems: list[FactProblem] = []
    if spec.kind == "boolean":
        value = facts.coerce_boolean(spec.name, given, problems)
    elif spec.kind == "integer":
        value = facts.coerce_integer(spec.name, given, None, None, problems)
    elif spec.kind == "percent":
        value = facts.coerce_percent(spec.name, given, None, None, None, problems)
    else:
        value = facts.coerce_decimal(spec.name, given, None, None, None, problems)
    return not problems and bool(value == computed)


def _shown(spec: InputSpec, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value}%" if spec.kind == "percent" else str(value)
