"""Fuzzing the data readers (CSV, JSON lines, JSON, xlsx) and the output writers (issue 13).

Whatever bytes a data file holds, reading it either refuses the whole file with a
:class:`~partyrules.data.DataError` or gives rows and rejected rows; scoring them never raises;
every results file is written, and no cell of it is a formula. The ``ci`` profile runs a short
search; ``PARTYRULES_HYPOTHESIS=thorough`` a long one.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, note, settings, strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

import partyrules
from partyrules import data
from partyrules.workbook import formula_like

RULES = """\
ruleset "test/fuzz-data" {
  title "Thử dữ liệu";
  version "1";
  basis "Thử";
  effective from 2024-01-01;
  points illustrative "thử";
}

input minutes "Thời lượng (phút)": integer 0..600;
input rate "Tỷ lệ": percent places 1 = 50%;
input held "Ngày": date = 2024-01-01;
input ok "Đạt": boolean = false;

criteria "Buổi" max 10 {
  item t "Thời lượng" max 10 { points = if ok then 10 else bands minutes { from 90: 10; otherwise: 0; }; }
}

grades {
  grade tot "Tốt" { band from 5; }
  grade kem "Kém" { band below 5; }
}
"""

# A quarter of the profile's examples (every example writes three results files, a workbook among them).
# The seed is the session's (tests/conftest.py: the day's date in CI, printed in the pytest header), so
# that CI searches anew each day and a failure can be replayed with PARTYRULES_FUZZ_SEED.
FUZZ_SEED = os.environ.get("PARTYRULES_FUZZ_SEED", "(see the pytest header)")
FUZZ = settings(
    max_examples=max(10, settings.default.max_examples // 4),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="module")
def ruleset() -> partyrules.Ruleset:
    return partyrules.loads(RULES, "fuzz.criteria")


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


# texts as offices and attackers write them: formulas, numbers of any length, control characters
HOSTILE = st.sampled_from(
    ["=1+1", '=HYPERLINK("http://x","y")', "+1", "-5", "@SUM(A1)", "\t=1", "9" * 5000, "1e999999", "\x0b", "Tốt"]
)
TEXT = st.one_of(st.text(max_size=12), HOSTILE)
CELL = st.one_of(TEXT, st.integers(), st.decimals(allow_nan=False, allow_infinity=False).map(str), st.booleans())
JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=8,
)
KEYS = st.sampled_from(["org_id", "minutes", "rate", "held", "ok", "note", " minutes", "=x"])


def outcome(ruleset: partyrules.Ruleset, path: Path, folder: Path) -> None:
    """Read, score and write the file: only DataError may refuse it; every output is written formula-free."""
    note(f"replay with PARTYRULES_FUZZ_SEED={FUZZ_SEED}")
    try:
        table = data.read(path, ruleset.inputs)
    except data.DataError as exc:
        assert str(exc).startswith(str(path)) or "unknown" in str(exc)
        return
    results = [r for r in data.score(ruleset, table.rows) if isinstance(r, data.Scored)]
    for kind in data.OUTPUT_FORMATS:
        target = folder / f"out.{kind}"
        data.write_results(target, kind, ruleset, table.kept, results)
    with open(folder / "out.csv", encoding="utf-8-sig", newline="") as stream:
        for row in csv.reader(stream):
            assert not any(formula_like(cell) for cell in row), row
    with zipfile.ZipFile(folder / "out.xlsx") as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


@FUZZ
@given(
    header=st.lists(KEYS, min_size=1, max_size=5, unique=True), rows=st.lists(st.lists(CELL, max_size=6), max_size=5)
)
def test_csv_reader(ruleset: partyrules.Ruleset, folder: Path, header: list[str], rows: list[list[Any]]) -> None:
    text = io.StringIO()
    if sys.version_info < (3, 11):  # its CSV writer cannot write a NUL (test_csv_reader_raw_bytes reads them)
        rows = [[c.replace("\x00", "") if isinstance(c, str) else c for c in row] for row in rows]
    csv.writer(text).writerows([header, *rows])
    path = folder / "in.csv"
    path.write_text(text.getvalue(), encoding="utf-8", errors="surrogatepass")
    outcome(ruleset, path, folder)


@FUZZ
@given(raw=st.binary(max_size=200))
def test_csv_reader_raw_bytes(ruleset: partyrules.Ruleset, folder: Path, raw: bytes) -> None:
    path = folder / "raw.csv"
    path.write_bytes(b"org_id,minutes,note\r\n" + raw)
    outcome(ruleset, path, folder)


@FUZZ
@given(objects=st.lists(st.one_of(st.dictionaries(KEYS, JSON, max_size=5), JSON), max_size=5), mutate=st.data())
def test_json_readers(ruleset: partyrules.Ruleset, folder: Path, objects: list[Any], mutate: st.DataObject) -> None:
    lines = [json.dumps(o) for o in objects]
    if lines and mutate.draw(st.booleans()):  # a line damaged: a byte cut or doubled
        i = mutate.draw(st.integers(0, len(lines) - 1))
        cut = mutate.draw(st.integers(0, len(lines[i])))
        lines[i] = lines[i][:cut] + lines[i][cut:][1:]
    jsonl = folder / "in.jsonl"
    jsonl.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    outcome(ruleset, jsonl, folder)
    array = folder / "in.json"
    array.write_text("[" + ",".join(lines) + "]", encoding="utf-8", errors="surrogatepass")
    outcome(ruleset, array, folder)


@FUZZ
@given(
    header=st.lists(KEYS, min_size=1, max_size=4, unique=True),
    rows=st.lists(
        st.lists(st.one_of(st.none(), st.integers(-(10**20), 10**20), st.floats(allow_nan=False), TEXT), max_size=5),
        max_size=4,
    ),
    damage=st.one_of(st.none(), st.tuples(st.integers(0, 10**6), st.integers(0, 255))),
)
def test_xlsx_reader(
    ruleset: partyrules.Ruleset,
    folder: Path,
    header: list[str],
    rows: list[list[Any]],
    damage: tuple[int, int] | None,
) -> None:
    book = openpyxl.Workbook()
    for row in [header, *rows]:
        for column, value in enumerate(row, 1):
            cell = book.active.cell(row=book.active.max_row + (column == 1 and row is not header), column=column)
            try:
                cell.value = value
            except (IllegalCharacterError, ValueError, TypeError):  # a text openpyxl refuses to hold
                cell.value = None
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"
    stream = io.BytesIO()
    book.save(stream)
    raw = bytearray(stream.getvalue())
    if damage is not None:
        at, byte = damage
        raw[at % len(raw)] = byte
    path = folder / "in.xlsx"
    path.write_bytes(bytes(raw))
    outcome(ruleset, path, folder)
