"""``bands``, ``match`` and ``table``: every allowed value must reach exactly the rows it should.

Besides the kind and interval of their results (as any expression), these check coverage:
bands in order that leave no gap and none that can never apply; matches that list every
member once; tables whose every combination of facts some row (or ``otherwise``) matches,
whose ``unique`` rows never overlap and whose every row can apply. A table is checked by
cutting each column's range at the thresholds its cells use and trying one value of every
region (at most :data:`MAX_TABLE_REGIONS` combinations).
"""

from __future__ import annotations

import datetime
import functools
import itertools
import math
import operator
from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from partyrules import nodes as n
from partyrules.checker.state import UNKNOWN, Info, Scope, as_percent, exact, show
from partyrules.diagnostics import did_you_mean
from partyrules.model import Resolution
from partyrules.types import Exact, Interval, Type, quotient, whole as exact_whole

if TYPE_CHECKING:
    from partyrules.checker.expressions import Expressions

MAX_TABLE_REGIONS = 200_000

#: How one cell tests its column's value, and the thresholds it cuts the column's range at (a tuple,
#: not a set: hashing a Fraction is slow, and sorting finds the equal ones).
Test = tuple[Callable[[Any], bool], tuple[Exact, ...]]


def threshold(c: Expressions, lit: n.Literal, subject: Type, span: n.Span) -> Exact | None:
    """A band threshold or a cell's value as a number (a date as its ordinal); None after a diagnostic."""
    if isinstance(lit, n.DateLiteral):
        if subject.kind == "date":
            return lit.value.toordinal()
    elif isinstance(lit, n.Number) and subject.numeric:
        if subject.kind == "percent" and not lit.percent and lit.value != 0:
            c.error(
                "PR303",
                f"`{lit.value}` is a plain number but the value compared is a percentage",
                span,
                f"write {as_percent(lit.value)}",
            )
            return None
        if subject.kind in ("integer", "decimal") and lit.percent:
            c.error(
                "PR303",
                f"`{show(lit.value, True)}` is a percentage but the value compared is a plain number",
                span,
            )
            return None
        return exact(lit.value)
    c.error("PR301", f"this threshold does not fit {subject.describe()}", span)
    return None


def missing_level(c: Expressions, subject: n.Expr) -> bool:
    """Report a subject that is the level of a criterion that may not apply (then it has none)."""
    if isinstance(subject, n.Call) and subject.function == "level" and subject.args:
        target = subject.args[0]
        node = c.criteria.get(target.name) if isinstance(target, n.Name) else None
        if node is not None and node.applicable is not None:
            c.error(
                "PR217",
                f"`{subject.args[0].name}` has no level when it does not apply, so this cannot choose a row",  # type: ignore[union-attr]
                subject.span,
                "compare instead, e.g. `level(c) >= tot` (false when c does not apply)",
            )
            return True
    return False


# ---------------------------------------------------------------- bands


def bands(c: Expressions, node: n.Bands, scope: Scope, expected: Type | None) -> Info:
    subject = c.expr(node.subject, scope)
    if subject.type is None or missing_level(c, node.subject):
        return UNKNOWN
    if not (subject.type.numeric or subject.type.kind == "date"):
        c.error("PR306", f"bands need a number or a date, not {subject.type.describe()}", node.subject.span)
        return UNKNOWN
    lower = _lower_bounds(c, node)
    if lower is None or (subject.type.kind == "ratio" and _mixed(c, node)):
        return UNKNOWN
    dom = subject.interval or Interval.unbounded()
    infos: list[Info] = []
    results: list[n.Expr] = []
    previous: tuple[Exact, bool] | None = None  # the last threshold, and whether it was strict
    last: n.Band | None = None
    covered = False  # a band already takes every remaining value
    percent = subject.type.kind == "percent"
    for band in node.bands:
        value = threshold(c, band.threshold, subject.type, band.threshold.span)
        result = c.expr(band.result, scope, expected)
        if value is None:
            return UNKNOWN
        strict = band.direction == "above"
        if previous is not None and last is not None and _out_of_order(c, node, band, value, last, previous, percent):
            return UNKNOWN
        if covered or not _reaches(band.direction, value, dom):
            why = (
                "an earlier band already takes every value"
                if covered
                else f"the value never goes {'above' if lower else 'below'} {show(dom.high if lower else dom.low, percent)}"
            )
            c.error("PR406", f"the band `{band.direction} {show(value, percent)}` can never apply: {why}", band.span)
        else:
            infos.append(result)
            results.append(band.result)
        covered = covered or _takes_the_rest(band.direction, value, dom)
        previous, last = (value, strict), band
    if node.otherwise is not None:
        other = c.expr(node.otherwise, scope, expected or (infos[0].type if infos else None))
        if not covered:
            infos.append(other)
            results.append(node.otherwise)
    elif not covered and previous is not None:
        gap = (
            f"{'at or below' if previous[1] else 'below'} {show(previous[0], percent)}"
            if lower
            else f"above {show(previous[0], percent)}"
        )
        c.error(
            "PR407", f"these bands give nothing to values {gap}", node.span, "add `otherwise: ...;` as the last row"
        )
    if not infos:
        return UNKNOWN
    return c.unify(infos, results, "the bands", node.span)


def _mixed(c: Expressions, node: n.Bands) -> bool:
    """PR416 when some thresholds of a quotient's bands are percentages and others plain numbers (0 is
    both). A quotient takes either (a percentage or a plain number gets PR303 row by row), so only this says that `from 90` among `from 75%` rows means 9,000 %, not 90 %."""
    numbers = [b.threshold for b in node.bands if isinstance(b.threshold, n.Number) and b.threshold.value != 0]
    percents = [t for t in numbers if t.percent]
    plain = [t for t in numbers if not t.percent]
    if not percents or not plain:
        return False
    first = plain[0]
    assert isinstance(first, n.Number)
    c.error(
        "PR416",
        f"these bands mix percentages ({show(Fraction(percents[0].value), True)}) and plain numbers ({first.value})",
        first.span,
        f"write every threshold as a percentage: `{as_percent(first.value)}` for `{first.value}`",
    )
    return True


def _lower_bounds(c: Expressions, node: n.Bands) -> bool | None:
    """Whether the rows are lower bounds (`from`, `above`: highest first) or `upto` (lowest first); None
    after PR404 (the two mixed)."""
    families = {"upto" if b.direction == "upto" else "from" for b in node.bands}
    if len(families) > 1:
        lowers = sorted({b.direction for b in node.bands} - {"upto"}, key=("from", "above").index)
        c.error(
            "PR404",
            f"bands mix {' and '.join(f'`{d}`' for d in lowers)} and `upto`",
            node.span,
            f"use {' or '.join(f'`{d}`' for d in lowers)} (highest first) or `upto` (lowest first)",
        )
        return None
    return "upto" not in families


def _out_of_order(
    c: Expressions,
    node: n.Bands,
    band: n.Band,
    value: Exact,
    last: n.Band,
    previous: tuple[Exact, bool],
    percent: bool,
) -> bool:
    """PR405 when a row takes values an earlier one took: lower bounds must take ever less (`above 50` takes
    more than `from 50`, so it comes first), `upto` ever more."""
    lower = band.direction != "upto"
    strict = band.direction == "above"
    if (value, strict) < previous if lower else value > previous[0]:
        return False
    order = "from the highest threshold down" if lower else "from the lowest threshold up"
    same = (
        "; at one threshold, `above` before `from`" if lower and value == previous[0] and strict != previous[1] else ""
    )
    c.error(
        "PR405",
        f"bands overlap: `{band.direction} {show(value, percent)}` comes after "
        f"`{last.direction} {show(previous[0], percent)}`",
        band.span,
        f"list {_band_words(node, lower)} bands {order}{same}",
    )
    return True


def _reaches(direction: str, value: Exact, dom: Interval) -> bool:
    """Whether some value of the subject's interval meets a row's threshold."""
    if direction == "from":
        return dom.high is None or value <= dom.high
    if direction == "above":
        return dom.high is None or value < dom.high
    return dom.low is None or value >= dom.low


def _takes_the_rest(direction: str, value: Exact, dom: Interval) -> bool:
    """Whether a row takes every value of the subject's interval (no later row can apply)."""
    if direction == "from":
        return dom.low is not None and value <= dom.low
    if direction == "above":
        return dom.low is not None and value < dom.low
    return dom.high is not None and value >= dom.high


def _band_words(node: n.Bands, lower: bool) -> str:
    if not lower:
        return "`upto`"
    return "`from` and `above`" if any(b.direction == "above" for b in node.bands) else "`from`"


# ---------------------------------------------------------------- match


def match(c: Expressions, node: n.Match, scope: Scope, expected: Type | None) -> Info:
    subject = c.expr(node.subject, scope)
    if subject.type is None or missing_level(c, node.subject):
        return UNKNOWN
    if subject.type.kind not in ("enum", "level", "boolean"):
        c.error(
            "PR306",
            f"`match` needs a choice (one of ..., a level, true/false), not {subject.type.describe()}",
            node.subject.span,
        )
        return UNKNOWN
    domain = list(subject.type.members) if subject.type.kind != "boolean" else ["true", "false"]
    seen: dict[str, n.Span] = {}
    infos: list[Info] = []
    results: list[n.Expr] = []
    for arm in node.arms:
        for pattern in arm.patterns:
            key = pattern.name if isinstance(pattern, n.Name) else str(getattr(pattern, "value", "")).lower()
            if key not in domain:
                c.error("PR301", f"`{key}` is not {subject.type.describe()}", pattern.span, did_you_mean(key, domain))
                continue
            if key in seen:
                c.error(
                    "PR408",
                    f"`{key}` is matched twice",
                    pattern.span,
                    "each case may appear in one row only",
                    c.related("first matched here", seen[key]),
                )
                continue
            seen[key] = pattern.span
            if isinstance(pattern, n.Name):
                c.resolutions[id(pattern)] = Resolution("member", key, domain.index(key), subject.type)
        infos.append(c.expr(arm.result, scope, expected or (infos[0].type if infos else None)))
        results.append(arm.result)
    missing = [d for d in domain if d not in seen]
    if node.otherwise is not None:
        other = c.expr(node.otherwise, scope, expected or (infos[0].type if infos else None))
        if missing:
            infos.append(other)
            results.append(node.otherwise)
    elif missing:
        c.error(
            "PR409",
            f"this match does not say what happens for {', '.join(f'`{m}`' for m in missing)}",
            node.span,
            "add rows for them or `otherwise: ...;`",
        )
    return c.unify(infos, results, "the rows of this match", node.span)


# ---------------------------------------------------------------- table


def table(c: Expressions, node: n.Table, scope: Scope, expected: Type | None) -> Info:
    columns = [c.expr(column, scope) for column in node.columns]
    if any(column.type is None for column in columns) or any([missing_level(c, col) for col in node.columns]):
        return UNKNOWN
    ok = True
    tests: list[list[Test | None]] = []
    for row in node.rows:
        if len(row.cells) != len(columns):
            c.error(
                "PR410",
                f"this row has {len(row.cells)} cell{'s' if len(row.cells) != 1 else ''} "
                f"but the table has {len(columns)} column{'s' if len(columns) != 1 else ''}",
                row.span,
            )
            ok = False
            continue
        tests.append([cell(c, value, col.type) for value, col in zip(row.cells, columns)])  # type: ignore[arg-type]
    infos = [c.expr(r.result, scope, expected) for r in node.rows]
    results: list[n.Expr] = [r.result for r in node.rows]
    if not ok or any(t is None for row in tests for t in row):
        return UNKNOWN
    checked: list[list[Test]] = tests  # type: ignore[assignment]  # no None left
    cut = [_pieces(col, [t for row in checked for t in row[i][1]]) for i, col in enumerate(columns)]
    pieces = [values for values, _ in cut]
    size = math.prod(len(p) for p in pieces)
    if size > MAX_TABLE_REGIONS:
        c.error(
            "PR411",
            f"this table has too many combinations to check ({size})",
            node.span,
            "split it into smaller tables",
        )
        return UNKNOWN
    won, otherwise_used = _regions(c, node, checked, pieces, [label for _, label in cut])
    for i, has_won in enumerate(won):
        if not has_won:
            c.error(
                "PR414",
                f"row {i + 1} of this table can never apply",
                node.rows[i].span,
                "earlier rows already match every case it matches, or it contradicts the inputs' ranges",
            )
    kept_infos = [info for info, w in zip(infos, won) if w]
    kept = [r for r, w in zip(results, won) if w]
    if node.otherwise is not None:
        other = c.expr(node.otherwise, scope, expected or (infos[0].type if infos else None))
        if otherwise_used:
            kept_infos.append(other)
            kept.append(node.otherwise)
    if not kept_infos:
        return UNKNOWN
    return c.unify(kept_infos, kept, "the rows of this table", node.span)


def _regions(
    c: Expressions,
    node: n.Table,
    tests: list[list[Test]],
    pieces: list[list[Any]],
    labels: list[Callable[[Any], str]],
) -> tuple[list[bool], bool]:
    """Try every combination of regions: which rows win one, and whether ``otherwise`` takes one.

    Reports overlapping rows of a ``unique`` table (each pair once) and the first combination
    no row matches when there is no ``otherwise``.

    Each cell is tried once on each region of its column, not once in every combination: the rows a
    region of a column lets through are bits of an int, and the rows a combination lets through
    are the bits all its regions let through.
    """
    won = [False] * len(tests)
    overlap_reported: set[tuple[int, int]] = set()
    gap_reported = False
    otherwise_used = False
    columns = [_passing(tests, col, column) for col, column in enumerate(pieces)]
    everyone = (1 << len(tests)) - 1
    for combination in itertools.product(*columns):
        hits = everyone
        for through, _ in combination:
            hits &= through
        if hits:
            first = (hits & -hits).bit_length() - 1
            won[first] = True
            others = hits & (hits - 1)
            if node.hit_policy == "unique" and others:
                pair = (first, (others & -others).bit_length() - 1)
                if pair not in overlap_reported:
                    overlap_reported.add(pair)
                    region = tuple(piece for _, piece in combination)
                    c.error(
                        "PR412",
                        f"rows {pair[0] + 1} and {pair[1] + 1} of this `unique` table both match {_region(node, region, labels)}",
                        node.rows[pair[1]].span,
                        "make the rows exclusive, or use `table first` if the first matching row should win",
                    )
        elif node.otherwise is None:
            if not gap_reported:
                gap_reported = True
                region = tuple(piece for _, piece in combination)
                c.error(
                    "PR413",
                    f"no row of this table matches {_region(node, region, labels)}",
                    node.span,
                    "add a row for it or `otherwise: ...;`",
                )
        else:
            otherwise_used = True
    return won, otherwise_used


def _passing(tests: list[list[Test]], col: int, pieces: list[Any]) -> list[tuple[int, Any]]:
    """Each region of column ``col`` with the rows whose cell in that column lets it through, as bits."""
    cells = [row[col][0] for row in tests]
    passing = []
    for piece in pieces:
        rows = 0
        for i, test in enumerate(cells):
            if test(piece):
                rows |= 1 << i
        passing.append((rows, piece))
    return passing


def _always(value: Any) -> bool:
    return True


def cell(c: Expressions, value: n.Cell, column: Type) -> Test | None:
    """A cell as a test of one column value (numbers and dates as Fractions, choices as names)."""
    if isinstance(value, n.AnyCell):
        return _always, ()
    if isinstance(value, n.MemberCell):
        if column.kind not in ("enum", "level"):
            c.error("PR301", f"this column is {column.describe()}, not a choice", value.span)
            return None
        for m in value.members:
            if m not in column.members:
                c.error("PR301", f"`{m}` is not {column.describe()}", value.span, did_you_mean(m, column.members))
                return None
        members = frozenset(value.members)
        return members.__contains__, ()
    if isinstance(value, n.EqualCell):
        if isinstance(value.value, n.BooleanLiteral):
            if column.kind != "boolean":
                c.error("PR301", f"this column is {column.describe()}, not true/false", value.span)
                return None
            expected_bool = value.value.value
            return (lambda v: v == expected_bool), ()
        equal = threshold(c, value.value, column, value.span)
        if equal is None:
            return None
        return (lambda v: v == equal), (equal,)
    checks = []
    for op, lit in value.tests:
        if op in ("==", "!="):
            c.error("PR415", f"write `{op}` cells as a plain value", value.span)
            return None
        if column.kind == "boolean" or not (column.numeric or column.kind == "date"):
            c.error("PR301", f"this column is {column.describe()}; it cannot be compared with `{op}`", value.span)
            return None
        limit = threshold(c, lit, column, value.span)
        if limit is None:
            return None
        checks.append((_COMPARISONS[op], limit))
    limits = tuple(t for _, t in checks)
    if len(checks) == 1:  # nearly every cell: one comparison
        compare, limit = checks[0]
        return functools.partial(compare, limit), limits
    return (lambda v: all(compare(t, v) for compare, t in checks)), limits


def _pieces(column: Info, thresholds: list[Exact]) -> tuple[list[Any], Callable[[Any], str]]:
    """Representative values of the regions in which every cell of the column behaves the same, and how
    a message shows one (shown only in a message: most tables have none)."""
    type_ = column.type
    assert type_ is not None
    if type_.kind == "boolean":
        return [True, False], _shown_boolean
    if type_.kind in ("enum", "level"):
        return list(type_.members), str
    # numbers and dates: cut the column's range at every threshold its cells use
    dom = column.interval or Interval.unbounded()
    pieces = list(_cut(type_.kind in ("integer", "date"), dom, tuple(thresholds)))
    if type_.kind == "date":
        return pieces, _shown_date
    return pieces, _shown_percent if type_.kind == "percent" else show


@functools.lru_cache(maxsize=1024)
def _cut(whole: bool, dom: Interval, thresholds: tuple[Exact, ...]) -> tuple[Exact, ...]:
    """A value of each region of ``dom`` cut at the thresholds, in increasing order: made once for
    the columns of many tables alike (a sheet's tables test the same ranges at the same numbers)."""
    cuts = _distinct(sorted(t for t in thresholds if dom.contains(t)))
    # the ends of the range are values too (0 and 10 of 0..10), and so is what lies between cuts:
    # the low end, then each value between two cuts followed by the upper one
    pieces: list[Exact] = [] if dom.low is None else [dom.low]
    for lo, hi in zip([dom.low, *cuts], [*cuts, dom.high]):
        rep = _inside(lo, hi, whole)
        if rep is not None:
            pieces.append(rep)
        if hi is not None:
            pieces.append(hi)
    if not pieces:
        pieces = [dom.low if dom.low is not None else 0]
    return tuple(_distinct(pieces))


def _distinct(ordered: list[Exact]) -> list[Exact]:
    """``ordered`` (non-decreasing) without repeats: a cut at an end of the range is that end."""
    return [value for i, value in enumerate(ordered) if i == 0 or value != ordered[i - 1]]


def _shown_boolean(value: bool) -> str:
    return "true" if value else "false"


def _shown_date(value: Exact) -> str:
    return str(datetime.date.fromordinal(int(value)))


def _shown_percent(value: Exact) -> str:
    return show(value, True)


#: a cell's comparison, as a function of the cell's limit and the column's value (a partial
#: of the limit then tests a value): ``v > limit`` is ``limit < v``
_COMPARISONS: dict[str, Callable[[Exact, Exact], bool]] = {
    ">": operator.lt,
    ">=": operator.le,
    "<": operator.gt,
    "<=": operator.ge,
}


def _inside(low: Exact | None, high: Exact | None, whole: bool) -> Exact | None:
    """A value strictly between low and high (whole when the column is whole), or None."""
    if low is None and high is None:
        return 0
    if low is None:
        assert high is not None
        return math.ceil(high) - 1
    if high is None:
        return math.floor(low) + 1
    if whole:
        candidate = math.floor(low) + 1
        return candidate if candidate < high else None
    if not low < high:
        return None
    total = low + high
    if isinstance(total, int):
        return quotient(total, 2)
    return exact_whole(total / 2)


def _region(table: n.Table, region: tuple[Any, ...], labels: list[Callable[[Any], str]]) -> str:
    parts = []
    for column, value, shown in zip(table.columns, region, labels):
        label = column.name if isinstance(column, n.Name) else "column"
        parts.append(f"{label} = {shown(value)}")
    return ", ".join(parts)
