"""The fast paths of ``partyrules score`` and ``check`` give what the plain ones gave: CSV rows read by a plan
made once per file (each column's texts read once, a row's dicts built by displays written for its
columns), records counted from the csv module's reader, a batch scored in one loop, results CSV
written from shared cells and joined lines (points looked up by the values the program holds), and
"did you mean" hints found among names grouped by their letters."""

from __future__ import annotations

import csv
import difflib
import io
import random
import unicodedata
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import partyrules
from partyrules import data, readers, testing
from partyrules.batch import Batch
from partyrules.catalog import builtin_root
from partyrules.delimited import records
from partyrules.diagnostics import close_matches, did_you_mean
from partyrules.evaluation import point_amount, raw_points
from partyrules.facts import FactProblem
from partyrules.printer import number_text
from partyrules.tables import SURROGATE, BadRow, Reader, Row, nfc
from shipped_cache import shipped

RULES = """
ruleset "test/paths" {
  title "Đường đọc";
  version "1";
  basis "test";
  effective from 2024-01-01;
  points illustrative "test";
}
input members "Số đảng viên": integer 1..200;
input rate "Tỷ lệ": percent = 0%;
input thematic "Chuyên đề": boolean = false;
input kind "Loại": one of { a "Loại A", b "Loại B" } = a;
criteria "Buổi họp" max 10 {
  item du_hop "Dự họp" max 10 {
    points = if thematic then 10 else min(members, 10);
  }
}
grades {
  grade dat "Đạt" { band from 5; }
  grade chua "Chưa đạt" { band from 0 below 5; }
}
"""

# cells that read well, badly (a comma in a number, a word for a count), blank, not NFC, not UTF-8
CELLS = {
    "members": ["12", "12", "7", " 9 ", "", "  ", "1,5", "mười", "300", "\udce9"],
    "rate": ["95.5", "95.5%", "100", "", "1,5", "abc", " 80 "],
    "thematic": ["true", "false", "", "yes", "maybe", "TRUE"],
    "kind": ["a", "b", "Loại A", unicodedata.normalize("NFD", "Loại B"), "", "c"],
    "note": ["", "Chi bộ Quang Trung", unicodedata.normalize("NFD", "Đảng ủy"), "=1+1", "a,b"],
}
HEADER = ["row_id", "members", "note", "rate", "thematic", "kind"]


def plain_rows(reader: Reader, text: str) -> Iterator[tuple[Any, ...]]:
    """The rows as reading them cell by cell gives them (the loop before the plan), as comparable tuples."""
    found = csv.reader(io.StringIO(text, newline=""))
    next(found)
    for number, fields in enumerate(found, 2):
        if SURROGATE.search("".join(fields)):
            yield ("bad", number)
            continue
        facts: dict[str, Any] = {}
        kept: dict[str, Any] = {}
        problems: list[FactProblem] = []
        for column, value in zip(HEADER, fields):
            value = nfc(value)
            if column in reader.specs:
                value = reader.fact(column, value, problems)
                if value is not None:
                    facts[column] = value
            elif column != "row_id":
                kept[column] = value
        yield ("row", number, nfc(fields[0].strip()) or str(number), facts, kept, tuple(problems))


def seen(rows: Iterator[Row | BadRow]) -> Iterator[tuple[Any, ...]]:
    for row in rows:
        if isinstance(row, BadRow):
            yield ("bad", row.number)
        else:
            yield ("row", row.number, row.id, dict(row.facts), dict(row.columns), row.problems)


def test_csv_rows_read_by_plan_equal_cell_by_cell() -> None:
    """Every row of a file whose texts repeat (so that most are looked up, not read) is what reading each
    cell on its own gives: facts, kept columns (normalised), ids, and each row's own problems, every time a
    text with a problem comes back."""
    ruleset = partyrules.loads(RULES)
    rnd = random.Random(14)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for i in range(250):
        row_id = rnd.choice([f"R{i}", f" R{i} ", "", unicodedata.normalize("NFD", f"Đ{i}")])
        writer.writerow([row_id, *(rnd.choice(CELLS[c]) for c in HEADER[1:])])
    text = out.getvalue()
    planned = readers.stream_csv(Reader("t.csv", ruleset.inputs, {}, "plain"), io.StringIO(text, newline=""), None, ",")
    expected = list(plain_rows(Reader("t.csv", ruleset.inputs, {}, "plain"), text))
    got = list(seen(planned[1]))
    assert got == expected
    assert sum(1 for r in got if r[0] == "row" and r[5]) > 30  # rows with problems, again and again
    assert sum(1 for r in got if r[0] == "bad") > 10


def test_results_csv_equal_the_general_table() -> None:
    """The results CSV made from shared cells is the table the general writer gives for the same cells,
    texts that need a change (a formula, a NUL) included."""
    ruleset = shipped("vn.hatinh/chi-bo-4-tot")
    head, rows = data.open_rows(builtin_root().parent / "data" / "hatinh-cells-2024.csv", ruleset.inputs)
    results = [r for r in data.score(ruleset, rows()) if isinstance(r, data.Scored)][:60]
    odd = ["=SUM(A1)", "a\x00b", "-5", "+x", "plain", "a,b", 'say "hi"']
    results = [
        data.Scored(
            r.number, odd[i % len(odd)] if i % 3 == 0 else r.id, {**r.columns, "cell_name": odd[i % 7]}, r.evaluation
        )
        for i, r in enumerate(results)
    ]
    fast, general = io.StringIO(), io.StringIO()
    data.format_csv(fast, ruleset, head.kept, results)
    data.csv_table(
        general, data.csv_header(ruleset, head.kept), (data._result_cells(ruleset, head.kept, r) for r in results)
    )
    assert fast.getvalue() == general.getvalue()
    assert "'=SUM(A1)" in fast.getvalue() and "a\u2400b" in fast.getvalue()


#: id and kept cells the results CSV must change or quote: formulas (first cell or later), NUL, quotes,
#: delimiters, line breaks, numbers written with a sign, and values that are not texts (JSON data)
ODD_CELLS: list[Any] = [
    "=SUM(A1)", "a\x00b", "-5", "+x", "@me", "\tx", "plain", "a,b", 'say "hi"', "two\nlines", "cr\rhere", "",
    " lead", "Chi bộ", "x,=y", Decimal("12.50"), 7, True, None, [1, "a"], {"k": "v"},
]  # fmt: skip


def _general_csv(ruleset: partyrules.Ruleset, kept: tuple[str, ...], results: list[data.Scored]) -> str:
    out = io.StringIO()
    data.csv_table(out, data.csv_header(ruleset, kept), (data._result_cells(ruleset, kept, r) for r in results))
    return out.getvalue()


@pytest.mark.parametrize("ruleset_id", partyrules.shipped_ids())
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(draw=st.data())
def test_shipped_rulesets_results_csv_equal_the_general_table(ruleset_id: str, draw: st.DataObject) -> None:
    """For every shipped ruleset (points in fixed point and in Decimals, levels, not-graded rules), drawn
    organisations' results CSV is the general writer's, byte for byte, whatever the id and kept cells
    hold; each point the program holds gives the amount and text ``points_in_order`` gives."""
    ruleset = shipped(ruleset_id)
    facts = draw.draw(st.lists(testing.facts(ruleset), min_size=3, max_size=5), label="facts")
    cells = draw.draw(st.lists(st.sampled_from(ODD_CELLS), min_size=15, max_size=15), label="cells")
    layout, points = ruleset.layout, raw_points(ruleset.layout)
    results = []
    for n, evaluation in enumerate(ruleset.evaluate_many(facts, id_key=None)):
        assert isinstance(evaluation, partyrules.Evaluation), evaluation
        amounts = [point_amount(layout, v) for v in points(evaluation)]
        assert amounts == list(evaluation.points_in_order())
        assert [None if a is None else number_text(a) for a in amounts] == [
            None if p is None else number_text(p) for p in evaluation.points_in_order()
        ]
        row_id = cells[3 * n] if type(cells[3 * n]) is str else f"R{n}"
        results.append(data.Scored(n + 2, row_id, {"note": cells[3 * n + 1], "district": cells[3 * n + 2]}, evaluation))
    for kept in [("note", "district"), ("district",), ()]:
        fast = io.StringIO()
        data.format_csv(fast, ruleset, kept, results)
        assert fast.getvalue() == _general_csv(ruleset, kept, results)


def test_many_results_csv_written_in_pieces_equal_the_general_table() -> None:
    """More rows than one write holds (a thousand lines), rows needing the csv module among rows joined
    as they are: the same bytes, in the same order."""
    ruleset = shipped("vn.hatinh/chi-bo-4-tot")
    head, rows = data.open_rows(builtin_root().parent / "data" / "hatinh-cells-2024.csv", ruleset.inputs)
    results = [r for r in data.score(ruleset, rows()) if isinstance(r, data.Scored)][:2500]
    results = [
        r._replace(columns={**r.columns, "cell_name": ODD_CELLS[i % len(ODD_CELLS)]}) if i % 97 == 0 else r
        for i, r in enumerate(results)
    ]
    fast = io.StringIO()
    data.format_csv(fast, ruleset, head.kept, results)
    assert fast.getvalue() == _general_csv(ruleset, head.kept, results)
    assert fast.getvalue().count("\r\n") > 2500


def test_records_counted_from_the_csv_reader_as_records_counts_them() -> None:
    """Rows read straight from the csv module's reader have the line numbers :func:`records` gives: quoted
    line breaks, blank lines, a record with a cell past partyrules' limit (rejected, the next ones read)
    and the rows after it."""
    ruleset = partyrules.loads(RULES)
    text = (
        "row_id,members,note,rate,thematic,kind\r\n"
        "a,12,x,95,true,a\r\n"
        "\r\n"
        'b,7,"two\nlines",80,false,b\r\n'
        f"c,9,{'x' * 140_000},80,false,b\r\n"
        "d,9,y,80,false,b\r\n"
        "  \r\n"
        'e,9,"a\r\nb\r\nc",80,false,b\r\n'
        "f,9,z,80\r\n"
    )
    _, rows = readers.stream_csv(Reader("t.csv", ruleset.inputs, {}, "plain"), io.StringIO(text, newline=""), None, ",")
    got = [(r.number, r.id, isinstance(r, BadRow)) for r in rows]
    expected = [
        (record.start, None if record.error else record.fields[0], record.error is not None)
        for record in list(records(text, ","))[1:]
        if record.error is not None or (record.fields and record.fields != ["  "])
    ]
    expected = [(n, row_id, bad or row_id == "f") for n, row_id, bad in expected]  # row f: four fields of six
    expected[2] = (6, "c", True)  # the cell past the limit: the record is read whole, so its id is known
    assert got == expected
    assert [n for n, _, _ in got] == [2, 4, 6, 7, 9, 12]


def test_a_batch_scores_as_data_score_does() -> None:
    """The batch's one loop (rows read, scored, rejected, counted) gives the results, the rejected rows and
    the counts that scoring the rows through :func:`partyrules.data.score` gives."""
    ruleset = partyrules.loads(RULES)
    rnd = random.Random(8)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for i in range(300):
        cells = [rnd.choice(CELLS[c]) for c in HEADER[1:]]
        writer.writerow([f"R{i % 280}", *cells] if i % 50 else [f"R{i}", *cells[:2]])  # some rows too short
    reader = Reader("t.csv", ruleset.inputs, {}, "plain")
    table, _ = readers.stream_csv(reader, io.StringIO(out.getvalue(), newline=""), None, ",")

    def rows() -> Iterator[Row | BadRow]:
        return readers.stream_csv(reader, io.StringIO(out.getvalue(), newline=""), None, ",")[1]

    outcomes = list(data.score(ruleset, rows()))
    scored = [o for o in outcomes if isinstance(o, data.Scored)]
    with Batch(ruleset, table, rows, summary="kind") as batch:
        results = list(batch.results())
        rejected = list(batch.rejected())
        assert results == scored
        assert rejected == [o for o in outcomes if isinstance(o, BadRow)]
        assert len(rejected) > 20 and batch.rejected_count == len(rejected)
        assert batch.scored == len(scored)
        assert batch.not_graded == sum(1 for r in scored if r.evaluation.grade is None)
        assert sum(batch.totals.values()) == len(scored)
        counts = batch.counts()
        assert sum(counts.total.values()) == len(scored)
        assert batch.repeated_ids()  # ids given twice (R0 .. R19), found from their hashes
    with Batch(ruleset, table, rows) as overall:
        list(overall.results())
        assert overall.counts().total == counts.total


def test_close_matches_are_difflibs() -> None:
    """The grouped search finds difflib's matches in difflib's order, letters repeated or not."""
    rnd = random.Random(7)
    names = ["".join(rnd.choice("aabbcdeé_12") for _ in range(rnd.randint(0, 10))) for _ in range(150)]
    for word in names[:40]:
        for cutoff in (0.0, 0.6, 0.8):
            assert close_matches(word, names, 3, cutoff) == difflib.get_close_matches(word, names, 3, cutoff)
    assert did_you_mean("memebrs", ["members", "minutes", "rate"]) == "did you mean `members`?"
    assert did_you_mean("zzz", ["members"]) is None
