"""The fast paths of ``partyrules score`` and ``check`` give what the plain ones gave: CSV rows read by a plan
made once per file (each column's texts read once), results CSV written from shared cells, and "did you
mean" hints found among names grouped by their letters."""

from __future__ import annotations

import csv
import difflib
import io
import random
import unicodedata
from collections.abc import Iterator
from typing import Any

import partyrules
from partyrules import data, readers
from partyrules.catalog import builtin_root
from partyrules.diagnostics import close_matches, did_you_mean
from partyrules.facts import FactProblem
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


def test_close_matches_are_difflibs() -> None:
    """The grouped search finds difflib's matches in difflib's order, letters repeated or not."""
    rnd = random.Random(7)
    names = ["".join(rnd.choice("aabbcdeé_12") for _ in range(rnd.randint(0, 10))) for _ in range(150)]
    for word in names[:40]:
        for cutoff in (0.0, 0.6, 0.8):
            assert close_matches(word, names, 3, cutoff) == difflib.get_close_matches(word, names, 3, cutoff)
    assert did_you_mean("memebrs", ["members", "minutes", "rate"]) == "did you mean `members`?"
    assert did_you_mean("zzz", ["members"]) is None
