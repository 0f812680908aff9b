"""A table's coverage, tried region by region and column by column (``checker.coverage._regions``),
against trying every cell in every combination of regions, as the checker did before.

The rows each region of a column lets through are bits of an int, and a combination's rows the AND
of its regions'; the rows that win, whether ``otherwise`` is used, and every diagnostic (the pairs of
a ``unique`` table that overlap, the first combination no row matches) must be what the plain way
finds, on tables drawn by hypothesis.
"""

from __future__ import annotations

import itertools
import operator
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import given, settings, strategies as st

from partyrules import nodes as n
from partyrules.checker import coverage

SPAN = n.Span(1, 1, 1, 2)
#: the function under test, given a stand-in for the checker and cells of plain ints
regions: Any = coverage._regions


@attrs.define
class Reports:
    """What the checker is told: each diagnostic's code, message and span."""

    seen: list[tuple[str, str, n.Span]] = attrs.field(factory=list)

    def error(self, code: str, message: str, span: n.Span, hint: str | None = None) -> None:
        self.seen.append((code, message, span))


def plainly(c: Reports, node: n.Table, tests: list[list[Any]], pieces: list[list[Any]], labels: list[Any]) -> Any:
    """The checker's way before: every cell of every row tried in every combination of regions."""
    won = [False] * len(tests)
    overlap_reported: set[tuple[int, int]] = set()
    gap_reported = False
    otherwise_used = False
    for region in itertools.product(*pieces):
        hits = [i for i, row in enumerate(tests) if all(t[0](value) for t, value in zip(row, region))]
        if hits:
            won[hits[0]] = True
            if node.hit_policy == "unique" and len(hits) > 1:
                pair = (hits[0], hits[1])
                if pair not in overlap_reported:
                    overlap_reported.add(pair)
                    shown = coverage._region(node, region, labels)
                    message = f"rows {hits[0] + 1} and {hits[1] + 1} of this `unique` table both match {shown}"
                    c.error("PR412", message, node.rows[hits[1]].span)
        elif node.otherwise is None:
            if not gap_reported:
                gap_reported = True
                c.error("PR413", f"no row of this table matches {coverage._region(node, region, labels)}", node.span)
        else:
            otherwise_used = True
    return won, otherwise_used


TESTS = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}


@st.composite
def tables(draw: st.DrawFn) -> tuple[n.Table, list[list[Any]], list[list[Any]]]:
    """A table of one to three integer columns, up to six rows of cells (any, or a comparison with a
    number), ``first`` or ``unique``, with or without ``otherwise``; and each column's regions."""
    width = draw(st.integers(1, 3))
    pieces = [sorted(set(draw(st.lists(st.integers(0, 9), min_size=1, max_size=5)))) for _ in range(width)]
    rows: list[list[Any]] = []
    for _ in range(draw(st.integers(0, 6))):
        row: list[Any] = []
        for _ in range(width):
            op = draw(st.sampled_from(["any", *TESTS]))
            limit = draw(st.integers(0, 9))
            if op == "any":
                row.append(((lambda v: True), set()))
            else:
                row.append(((lambda v, test=TESTS[op], limit=limit: test(v, limit)), {limit}))
        rows.append(row)
    columns = tuple(n.Name(f"c{i}", SPAN) for i in range(width))
    table_rows = tuple(n.TableRow((), n.Number(Decimal(0)), n.Span(i + 2, 1, i + 2, 9)) for i in range(len(rows)))
    otherwise = n.Number(Decimal(0)) if draw(st.booleans()) else None
    policy = draw(st.sampled_from(["first", "unique"]))
    return n.Table(policy, columns, table_rows, otherwise, SPAN), rows, pieces


@settings(max_examples=300, deadline=None)
@given(tables())
def test_regions_by_bits_find_what_every_combination_finds(
    drawn: tuple[n.Table, list[list[Any]], list[list[Any]]],
) -> None:
    node, tests, pieces = drawn
    labels = [str] * len(pieces)
    ours, theirs = Reports(), Reports()
    assert regions(ours, node, tests, pieces, labels) == plainly(theirs, node, tests, pieces, labels)
    assert ours.seen == theirs.seen


def test_an_overlap_and_a_gap_are_reported_as_before() -> None:
    """One table of each kind of finding, so the drawn ones are known to reach them."""
    below = ((lambda v: v < 5), {5})
    from_three = ((lambda v: v >= 3), {3})
    node = n.Table(
        "unique",
        (n.Name("x", SPAN),),
        tuple(n.TableRow((), n.Number(Decimal(0)), n.Span(i + 2, 1, i + 2, 9)) for i in range(2)),
        None,
        SPAN,
    )
    reports = Reports()
    won, otherwise_used = regions(reports, node, [[below], [from_three]], [[0, 3, 4, 5, 9]], [str])
    assert (won, otherwise_used) == ([True, True], False)
    assert [code for code, _, _ in reports.seen] == ["PR412"]  # 3 and 4 match both rows; 5 and 9 one
    gap = n.Table("first", node.columns, node.rows, None, SPAN)
    reports = Reports()
    regions(reports, gap, [[below], [((lambda v: v >= 6), {6})]], [[0, 5, 9]], [str])
    assert reports.seen == [("PR413", "no row of this table matches x = 5", SPAN)]
