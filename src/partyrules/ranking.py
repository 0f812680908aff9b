"""Rankings and "what would it take": where an organisation stands, and the least that would lift it.

:func:`rank` ranks a batch within groups by total, then declared tie-breaks (ties share a
rank: 1, 2, 2, 4); :func:`what_it_takes` finds, for one organisation, the smallest change of
one input that reaches the next better grade.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import attrs

from partyrules.printer import number_text
from partyrules.quota import BatchRow, SortKey, sort_key_of
from partyrules.runtime import Evaluation, FactsError, InputSpec, Ruleset

__all__ = ["Change", "Ranked", "WhatItTakes", "rank", "sort_keys", "what_it_takes"]

#: Values of one input tried one by one; a wider range is searched by bisection.
MAX_STEPS = 20_000


@attrs.frozen
class Ranked:
    id: str
    group: str | None
    rank: int  # 1 the best; organisations equal on every key share a rank
    evaluation: Evaluation


def sort_keys(ruleset: Ruleset, order: Sequence[str]) -> tuple[SortKey, ...]:
    """Keys from text such as ``["total desc", "tasks_exceeded_rate"]`` (descending unless ``asc``)."""
    inputs = {i.name: i for i in ruleset.inputs}
    criteria = {c.id: c for c in ruleset.criteria}
    out: list[SortKey] = []
    for text in order:
        words = text.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise ValueError(f"an order key is a name, then `desc` or `asc`: not {text!r}")
        name, descending = words[0], len(words) == 1 or words[1] == "desc"
        if name == "total":
            out.append(SortKey("total", name, descending))
        elif name in inputs:
            spec = inputs[name]
            out.append(SortKey("input", name, descending, spec.members if spec.kind == "level" else ()))
        elif name in criteria:
            c = criteria[name]
            if c.maximum is None and c.levels:
                out.append(SortKey("level", name, descending, c.levels))
            else:
                out.append(SortKey("points", name, descending))
        else:
            raise ValueError(f"`{name}` is neither `total`, an input nor a criterion of {ruleset.id}")
    return tuple(out)


def rank(
    ruleset: Ruleset, rows: Iterable[BatchRow], *, within: str | None = None, order: Sequence[str] = ("total desc",)
) -> tuple[Ranked, ...]:
    """Rank ``(id, evaluation[, columns])`` rows within each value of ``within`` (an input, or a
    key of the rows' columns; None: one ranking), best first, by ``order``; equal rows share a
    rank and are listed by id. Not-graded organisations are ranked like the others."""
    keys = sort_keys(ruleset, order)
    groups: dict[str | None, list[tuple[tuple[Any, ...], str, Evaluation]]] = {}
    for row in rows:
        id, evaluation = str(row[0]), row[1]
        columns: Mapping[str, Any] = row[2] if len(row) == 3 else {}
        group: str | None = None
        if within is not None:
            value = evaluation.facts[within] if within in evaluation.facts else columns.get(within)
            group = "" if value is None else str(value)
        groups.setdefault(group, []).append((sort_key_of(evaluation, keys), id, evaluation))
    out: list[Ranked] = []
    for group in sorted(groups, key=lambda g: (g is not None, g or "")):
        members = sorted(groups[group], key=lambda m: (m[0], m[1]))
        place = 0
        for i, (key, id, evaluation) in enumerate(members):
            if i == 0 or key != members[i - 1][0]:
                place = i + 1
            out.append(Ranked(id, group, place, evaluation))
    return tuple(out)


# ---------------------------------------------------------------- what would it take


@attrs.frozen
class Change:
    """One input changed alone: from ``before`` to ``after``, and the total and grade it gives."""

    input: str
    label: str
    before: Any
    after: Any
    total: Decimal
    grade: str
    grade_label: str
    size: Decimal  # the change as a share of the input's range (members: steps over the list)


@attrs.frozen
class WhatItTakes:
    """The next better grade and every single-input change that reaches it, smallest first."""

    grade: str | None
    target: str | None
    target_label: str | None
    changes: tuple[Change, ...]

    @property
    def best(self) -> Change | None:
        return self.changes[0] if self.changes else None

    def text(self) -> str:
        if self.target is None:
            if self.grade is None:
                return "Tổ chức không được xếp loại: không có mức xếp loại cao hơn để xét.\n"
            return "Tổ chức đã ở mức xếp loại cao nhất.\n"
        if not self.changes:
            return f"Không có thay đổi của một dữ liệu đơn lẻ nào đưa tổ chức lên “{self.target_label}”.\n"
        lines = [f"ĐỂ ĐẠT “{self.target_label}” (thay đổi nhỏ nhất của một dữ liệu):"]
        for c in self.changes:
            lines.append(
                f"  {c.label} ({c.input}): {_shown(c.before)} → {_shown(c.after)}; "
                f"tổng điểm {_shown(c.total)}, xếp loại “{c.grade_label}”"
            )
        return "\n".join(lines) + "\n"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, Decimal):
        return number_text(value, comma=True)
    return str(value)


def what_it_takes(ruleset: Ruleset, facts: Mapping[str, Any] | Evaluation) -> WhatItTakes:
    """For one organisation, the smallest change of ONE input that reaches the next better grade.

    Each input is searched over its declared range or members, nearest values first: integers
    one by one, decimals and percentages at their declared places (whole units when none are
    declared), booleans flipped, members in list order (levels nearest first). Values the
    ruleset refuses (a constraint, a range) are skipped. A range of more than ``MAX_STEPS``
    values is searched by bisection, which assumes the grade moves one way along the input.
    Dates and unbounded numbers are not searched. ``changes`` lists, smallest first (as a
    share of each input's range), every input that can do it alone; empty when none can.
    """
    evaluation = facts if isinstance(facts, Evaluation) else ruleset.evaluate(facts)
    grades = [g for g, _ in ruleset.layout.grades]
    labels = dict(ruleset.layout.grades)
    current = evaluation.grade
    if current is None or grades.index(current) == 0:
        return WhatItTakes(current, None, None, ())
    goal = grades.index(current) - 1
    base = dict(evaluation.facts)

    def reaches(name: str, value: Any) -> Evaluation | None:
        try:
            result = ruleset.evaluate({**base, name: value})
        except FactsError:
            return None
        if result.grade is not None and grades.index(result.grade) <= goal:
            return result
        return None

    changes: list[Change] = []
    for spec in ruleset.inputs:
        found = _search(spec, base[spec.name], reaches)
        if found is not None:
            value, result, size = found
            grade = result.grade or ""
            changes.append(
                Change(spec.name, spec.label, base[spec.name], value, result.total, grade, labels[grade], size)
            )
    order = {s.name: i for i, s in enumerate(ruleset.inputs)}
    changes.sort(key=lambda c: (c.size, order[c.input]))
    return WhatItTakes(current, grades[goal], labels[grades[goal]], tuple(changes))


def _search(spec: InputSpec, current: Any, reaches: Any) -> tuple[Any, Evaluation, Decimal] | None:
    if spec.kind == "boolean":
        result = reaches(spec.name, not current)
        return (not current, result, Decimal(1)) if result is not None else None
    if spec.kind in ("enum", "level"):
        members = list(spec.members)
        position = members.index(current)
        # nearest first; a level scale lists the best first, so on equal distance try the better one
        for other in sorted(range(len(members)), key=lambda m: (abs(m - position), m)):
            if other == position:
                continue
            result = reaches(spec.name, members[other])
            if result is not None:
                return members[other], result, Decimal(abs(other - position)) / len(members)
        return None
    if spec.kind not in ("integer", "decimal", "percent") or spec.low is None or spec.high is None:
        return None
    unit = Decimal(100) if spec.kind == "percent" else Decimal(1)  # percentages travel in percent units
    step = Decimal(1).scaleb(-(spec.places or 0))
    low, high = Decimal(spec.low) * unit, Decimal(spec.high) * unit
    here: Decimal = Decimal(current)
    width = high - low or Decimal(1)

    def value(x: Decimal) -> Any:
        return int(x) if spec.kind == "integer" else x

    def found(x: Decimal) -> tuple[Any, Evaluation, Decimal] | None:
        result = reaches(spec.name, value(x))
        return (value(x), result, abs(x - here) / width) if result is not None else None

    if (high - low) / step <= MAX_STEPS:
        # values on the grid of the declared places, nearest first (up first on equal distance)
        up = _on_grid(here, step, "up")
        up = up + step if up == here else up
        down = _on_grid(here, step, "down")
        down = down - step if down == here else down
        while down >= low or up <= high:
            if up <= high and (down < low or up - here <= here - down):
                x, up = up, up + step
            else:
                x, down = down, down - step
            hit = found(x)
            if hit is not None:
                return hit
        return None
    best: tuple[Any, Evaluation, Decimal] | None = None
    for end in (high, low):
        if end == here or found(end) is None:
            continue
        near: Decimal = here
        far: Decimal = end  # reaches at `far`, not at `near`: close the gap to one step
        while abs(far - near) > step:
            middle = _on_grid(near + (far - near) / 2, step, "up" if far > near else "down")
            if middle in (near, far):
                break
            if found(middle) is None:
                near = middle
            else:
                far = middle
        hit = found(far)
        if hit is not None and (best is None or hit[2] < best[2]):
            best = hit
    return best


def _on_grid(x: Decimal, step: Decimal, direction: str) -> Decimal:
    """The nearest multiple of ``step`` at or beyond ``x`` in ``direction``."""
    units = (x / step).to_integral_value(rounding=ROUND_CEILING if direction == "up" else ROUND_FLOOR)
    return units * step
