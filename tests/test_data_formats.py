"""Data files as offices keep them: every input format, column mapping, Vietnamese numbers, workbooks in and out."""

from __future__ import annotations

import csv
import datetime
import io
import json
import shutil
import sys
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import partyrules
from partyrules import cli, data, serialize, workbook
from partyrules.cli import common as cli_common
from partyrules.loader import builtin_root
from partyrules.testing import facts
from shipped_cache import shipped, shipped_ids
from test_cli import CELLS, RULES, cell_rows, facts_of, no_temporaries, run, sample, write_csv

SMALL = """\
ruleset "test/formats" {
  title "Thử định dạng";
  version "1";
  basis "Thử";
  effective from 2024-01-01;
  points illustrative "thử";
}

levels muc "Mức" { tot "Tốt", dat "Đạt", kem "Kém" }

input rate "Tỷ lệ": percent;
input amount "Số lượng": integer 0..5000;
input score "Điểm": decimal 0..10 places 2;
input held "Ngày họp": date 2024-01-01..2025-12-31;
input rating "Mức tự đánh giá": level muc = dat;
input kind "Loại": one of { a "Loại A, có dấu phẩy", b "Loại B" } = a;
input flag "Cờ": boolean = false;

criteria "Thang" max 10 {
  item x "Mục x" max 10 {
    points = if flag then 10 else bands rate { from 50%: 5; otherwise: 0; };
  }
}

grades {
  grade tot "Tốt" { band from 5; }
  grade kem "Kém" { band below 5; }
}
"""


@pytest.fixture(scope="module")
def ruleset() -> partyrules.Ruleset:
    return shipped(RULES)


@pytest.fixture(scope="module")
def small() -> partyrules.Ruleset:
    return partyrules.loads(SMALL, "small.criteria")


@pytest.fixture
def small_rules(tmp_path: Path) -> Path:
    path = tmp_path / "small.criteria"
    path.write_text(SMALL, encoding="utf-8")
    return path


def jsonl_results(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def evaluations(path: Path) -> list[partyrules.Evaluation]:
    return [serialize.structure(r, partyrules.Evaluation) for r in jsonl_results(path)]


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "style", "expected"),
    [
        ("1234.5", "plain", "1234.5"),
        ("87.5%", "plain", "87.5%"),
        ("-3", "plain", "-3"),
        ("1.234,5", "vi", "1234.5"),
        ("87,5", "vi", "87.5"),
        ("87,5%", "vi", "87.5%"),
        ("1.234", "vi", "1234"),
        ("1.234.567", "vi", "1234567"),
        ("-1.234,05", "vi", "-1234.05"),
        ("1234", "vi", "1234"),
        ("0,5", "vi", "0.5"),
        ("mười", "vi", "mười"),  # not a number at all: the ruleset says what it expected
        ("mười", "plain", "mười"),
    ],
)
def test_number_text(text: str, style: str, expected: str) -> None:
    assert data.read_number_text(text, style) == (expected, None)


@pytest.mark.parametrize(
    ("text", "style", "words"),
    [
        ("87,5", "plain", "has a comma"),
        ("1,234", "plain", "has a comma"),
        ("1.234,5", "plain", "has a comma"),
        ("12.5", "vi", "not a number written the Vietnamese way"),  # plain decimal point in a vi file: ambiguous
        ("1.23", "vi", "Vietnamese way"),
        ("1.2345", "vi", "Vietnamese way"),
        ("0.125", "vi", "Vietnamese way"),  # a group with a leading zero
        ("1,234.5", "vi", "Vietnamese way"),
        ("1,2,3", "vi", "Vietnamese way"),
        (",5", "vi", "Vietnamese way"),
    ],
)
def test_number_text_refuses(text: str, style: str, words: str) -> None:
    value, problem = data.read_number_text(text, style)
    assert value == text
    assert problem is not None and words in problem


def vi_rows(rows: list[list[str]]) -> list[list[str]]:
    """The rows as a Vietnamese spreadsheet writes them: decimal commas (and no thousands here)."""
    return [
        [cell.replace(".", ",") if i and cell.replace(".", "").isdigit() else cell for cell in row]
        for i, row in enumerate(rows)
    ]


def test_vietnamese_numbers_with_thousands(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = sample(4)
    absences = rows[0].index("unexcused_absences")
    members = rows[0].index("members")
    rows[1][absences] = "1234"  # within 0..6000
    plain = write_csv(tmp_path / "plain.csv", rows)
    vi = vi_rows(rows)
    vi[1][absences] = "1.234"  # thousands separator
    vi_file = write_csv(tmp_path / "vi.csv", vi, delimiter=";", bom=True)
    assert run(capsys, "score", RULES, plain, "--full", "-o", tmp_path / "plain.jsonl")[0] == 0
    status, _, err = run(capsys, "score", RULES, vi_file, "--numbers", "vi", "--full", "-o", tmp_path / "vi.jsonl")
    assert status == 0, err
    assert evaluations(tmp_path / "plain.jsonl") == evaluations(tmp_path / "vi.jsonl")

    # a value ambiguous under the chosen style rejects its row, naming every problem; the others go on
    vi[2][rows[0].index("attendance_rate")] = "92.54"
    vi[2][members] = "2"
    bad = write_csv(tmp_path / "bad.csv", vi, delimiter=";")
    status, out, err = run(capsys, "score", RULES, bad, "--numbers", "vi")
    assert status == 1
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0] == f"{bad}:3 (HT-TPHT-0002): members: 2 is outside the allowed range 3..500"
    assert lines[1].startswith(
        f"{bad}:3 (HT-TPHT-0002): attendance_rate: '92.54' is not a number written the Vietnamese way"
    )
    assert "rows scored: 3" in out


def test_numbers_style_is_checked(ruleset: partyrules.Ruleset) -> None:
    with pytest.raises(data.DataError, match="unknown number style"):
        data.read(CELLS, ruleset.inputs, numbers="en")


# ---------------------------------------------------------------- per-row errors in every format


def broken_rows() -> list[list[str]]:
    """Six rows of the shipped data; rows 3 and 6 (file lines) have several problems, row 5 is short."""
    rows = sample(6)
    head = rows[0]
    rows[2][head.index("members")] = "mười"
    rows[2][head.index("attendance_rate")] = "120"
    rows[2][head.index("emulation")] = "co_thi_dua"
    rows[4] = rows[4][:-2]
    rows[5][head.index("meetings_good")] = "13"
    return rows


BROKEN_PROBLEMS = [
    "(HT-TPHT-0002): members: 'mười' is not a whole number",
    "(HT-TPHT-0002): emulation: 'co_thi_dua' is not one of: bang_khen, giay_khen, khong",
    "(HT-TPHT-0002): attendance_rate: 120% is outside the allowed range 0%..100%",
    "(HT-TPHT-0005): meetings_good: 13 is outside the allowed range 0..12",
]


@pytest.mark.parametrize("flavour", ["comma", "semicolon-bom"])
def test_csv_row_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path, flavour: str) -> None:
    semicolon = flavour != "comma"
    path = write_csv(tmp_path / "cells.csv", broken_rows(), delimiter=";" if semicolon else ",", bom=semicolon)
    status, out, err = run(capsys, "score", RULES, path, "-o", tmp_path / "out.jsonl")
    assert status == 1
    assert err.splitlines() == [
        *(f"{path}:3 {p}" for p in BROKEN_PROBLEMS[:3]),
        f"{path}:5 (HT-TPHT-0004): has 17 fields where the header has 19",
        f"{path}:6 {BROKEN_PROBLEMS[3]}",
    ]
    assert [r["id"] for r in jsonl_results(tmp_path / "out.jsonl")] == ["HT-TPHT-0001", "HT-TPHT-0003", "HT-TPHT-0006"]
    assert "rows scored: 3" in out and "rows rejected: 3" in out


def objects_of(rows: list[list[str]]) -> list[dict[str, str]]:
    head = rows[0]
    return [{k: v for k, v in zip(head, row) if v != ""} for row in rows[1:]]


def test_jsonl_and_json_row_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = broken_rows()
    rows[4] = sample(6)[4]
    objects: list[Any] = objects_of(rows)
    lines = [json.dumps(o, ensure_ascii=False) for o in objects]
    lines[3] = '{"cell_id": "HT-TPHT-0004", '  # a broken line
    jsonl = tmp_path / "cells.jsonl"
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, out, err = run(capsys, "score", RULES, jsonl)
    assert status == 1
    assert err.splitlines() == [
        *(f"{jsonl}:2 {p}" for p in BROKEN_PROBLEMS[:3]),
        f"{jsonl}:4: is not valid JSON: Expecting property name enclosed in double quotes (column 29)",
        f"{jsonl}:5 {BROKEN_PROBLEMS[3]}",
    ]
    assert "rows scored: 3" in out

    objects[3] = ["not", "an", "object"]
    array = tmp_path / "cells.json"
    array.write_text(json.dumps(objects, ensure_ascii=False, indent=1), encoding="utf-8")
    status, out, err = run(capsys, "score", RULES, array)
    assert status == 1
    assert err.splitlines() == [
        *(f"{array}:2 {p}" for p in BROKEN_PROBLEMS[:3]),
        f"{array}:4: is not a JSON object but a list",
        f"{array}:5 {BROKEN_PROBLEMS[3]}",
    ]


def workbook_of(rows: list[list[Any]], path: Path, title: str = "Sheet") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def typed(rows: list[list[str]]) -> list[list[Any]]:
    """Cells as a person types them into Excel: numbers as numbers, the rest as text."""
    out: list[list[Any]] = [rows[0]]
    for row in rows[1:]:
        cells: list[Any] = []
        for cell in row:
            if cell.isdigit():
                cells.append(int(cell))
            elif cell.replace(".", "", 1).isdigit():
                cells.append(float(cell))  # what Excel stores; read back as the 15 digits it shows
            else:
                cells.append(cell)
        out.append(cells)
    return out


def test_kept_json_numbers_are_written_exactly(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A kept JSON number with a fraction never passes through a float: as exact text in every results file
    (JSON lines, CSV, workbook), inside kept objects too; a whole JSON number stays a number."""
    header, first = sample(1)
    row = dict(zip(header, first))
    text = (
        json.dumps(row, ensure_ascii=False)[:-1]
        + ', "weight": 2.50, "fine": 0.1000000000000000055511151231257827, "huge": 1e400, "n": 3,'
        + ' "meta": {"score": 12.5, "list": [0.25, 7]}}'
    )
    source = tmp_path / "cells.json"
    source.write_text(text, encoding="utf-8")
    status, _, err = run(capsys, "score", RULES, source, "-o", tmp_path / "r.jsonl")
    assert status == 0, err
    (record,) = jsonl_results(tmp_path / "r.jsonl")
    assert {k: record["columns"][k] for k in ("weight", "fine", "huge", "n", "meta")} == {
        "weight": "2.5",
        "fine": "0.1000000000000000055511151231257827",
        "huge": "1" + "0" * 400,
        "n": 3,
        "meta": {"score": "12.5", "list": ["0.25", 7]},
    }
    status, out, err = run(capsys, "score", RULES, source, "--format", "csv")
    assert status == 0, err
    (cells,) = csv.DictReader(out.splitlines())
    assert (cells["weight"], cells["fine"], cells["n"]) == ("2.5", "0.1000000000000000055511151231257827", "3")
    assert cells["meta"] == '{"score":"12.5","list":["0.25",7]}'
    status, _, err = run(capsys, "score", RULES, source, "-o", tmp_path / "r.xlsx")
    assert status == 0, err
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx")[data.RESULTS_SHEET]
    values = dict(zip((c.value for c in sheet[1]), (c.value for c in sheet[2])))
    assert values["meta"] == '{"score":"12.5","list":["0.25",7]}'


def test_xlsx_row_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = typed(broken_rows())
    rows[4] = [*typed(sample(6))[4], None, "stray"]  # a value beyond the named columns
    path = workbook_of(rows, tmp_path / "cells.xlsx")
    status, out, err = run(capsys, "score", RULES, path, "-o", tmp_path / "out.jsonl")
    assert status == 1
    assert err.splitlines() == [
        *(f"{path}:3 {p}" for p in BROKEN_PROBLEMS[:3]),
        f"{path}:5 (HT-TPHT-0004): has a value in column U, which has no name in the header",
        f"{path}:6 {BROKEN_PROBLEMS[3]}",
    ]
    assert "rows scored: 3" in out
    assert [(r["row"], r["id"]) for r in jsonl_results(tmp_path / "out.jsonl")] == [
        (2, "HT-TPHT-0001"),
        (4, "HT-TPHT-0003"),
        (7, "HT-TPHT-0006"),
    ]


# ---------------------------------------------------------------- workbooks in


def test_xlsx_reads_like_the_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = sample(40)
    path = workbook_of(typed(rows), tmp_path / "cells.xlsx")
    csv_path = write_csv(tmp_path / "cells.csv", rows)
    assert run(capsys, "score", RULES, csv_path, "--full", "-o", tmp_path / "a.jsonl")[0] == 0
    status, _, err = run(capsys, "score", RULES, path, "--full", "-o", tmp_path / "b.jsonl")
    assert status == 0, err
    assert evaluations(tmp_path / "a.jsonl") == evaluations(tmp_path / "b.jsonl")
    a, b = jsonl_results(tmp_path / "a.jsonl"), jsonl_results(tmp_path / "b.jsonl")
    assert [(r["id"], r["columns"]) for r in a] == [(r["id"], r["columns"]) for r in b]


def test_xlsx_cells_of_every_kind(small: partyrules.Ruleset, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "rate", "amount", "score", "held", "rating", "kind", "flag", "note"])
    sheet.append(["r1", 0.875, 12, 7.25, datetime.date(2024, 5, 6), "Tốt", "Loại A, có dấu phẩy", True, 3.5])
    sheet["B2"].number_format = "0.0%"  # shows 87.5%: holds 0.875
    sheet.append(["r2", 87.5, "1.234", "7,25", datetime.datetime(2024, 5, 6, 0, 0), "kem", "b", "Có", None])
    sheet.append(["r3", "=1/0", "=A1", "7,255", datetime.datetime(2024, 5, 6, 9, 30), "Giỏi", 1, "không", "x"])
    sheet["B4"].value = "#DIV/0!"
    sheet["B4"].data_type = "e"
    sheet.append([None, None, None, None, None, None, None, None, None])  # skipped
    sheet.append(["r5", 0.5, 3, 0.1 + 0.2, datetime.date(2025, 1, 1), None, None, None, None])
    sheet["B6"].number_format = "0%"
    path = tmp_path / "kinds.xlsx"
    book.save(path)

    table = data.read(path, small.inputs, numbers="vi")
    assert [r.number for r in table.rows] == [2, 3, 4, 6]
    r1, r2, r3, r5 = table.rows
    assert isinstance(r1, data.Row) and isinstance(r2, data.Row) and isinstance(r3, data.Row)
    assert r1.facts == {
        "rate": Decimal("87.5"),
        "amount": 12,
        "score": Decimal("7.25"),
        "held": datetime.date(2024, 5, 6),
        "rating": "tot",  # the label, read as its member
        "kind": "a",
        "flag": True,
    }
    assert r1.columns == {"note": "3.5"}
    assert r1.problems == ()
    assert r2.facts["rate"] == Decimal("87.5")  # a plain cell holds percent units
    # text cells in the vi style, read as the ruleset reads text (typed once per distinct text)
    assert r2.facts["amount"] == 1234 and r2.facts["score"] == Decimal("7.25")
    assert r2.facts["held"] == datetime.date(2024, 5, 6)
    assert r2.facts["flag"] is True
    outcomes = list(data.score(small, table.rows))
    assert [o.id for o in outcomes] == ["r1", "r2", "r3", "r5"]
    assert isinstance(outcomes[0], data.Scored) and outcomes[0].evaluation.facts["rate"] == Decimal("87.5")
    assert isinstance(outcomes[1], data.Scored) and outcomes[1].evaluation.facts["amount"] == 1234
    bad = outcomes[2]
    assert isinstance(bad, data.BadRow)
    assert [(p.input, p.message) for p in bad.problems] == [
        ("rate", "the cell holds the Excel error #DIV/0!"),
        ("amount", "the cell holds a formula (=A1) that was never calculated; open the file in Excel and save it"),
        ("score", "7.255 has more decimal places than the 2 this input accepts"),
        ("held", "2024-05-06 09:30:00 is not a date (without a time)"),
        ("rating", "'Giỏi' is not one of: tot, dat, kem"),
        ("kind", "'1' is not one of: a, b"),
    ]
    r5_out = outcomes[3]
    assert isinstance(r5_out, data.Scored)
    assert r5_out.evaluation.facts["rate"] == Decimal("50")
    # 0.1 + 0.2 is 0.30000000000000004 as a float; Excel shows 0.3, and 0.3 is what is read
    assert isinstance(r5, data.Row) and r5.facts["score"] == Decimal("0.3")


def test_xlsx_sheet_choice_and_unusable_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ruleset: partyrules.Ruleset
) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Ghi chú"
    book.active["A1"] = "Danh sách chi bộ"
    cells = book.create_sheet("Chi bộ")
    for row in typed(sample(3)):
        cells.append(row)
    path = tmp_path / "two.xlsx"
    book.save(path)
    status, out, err = run(capsys, "score", RULES, path, "--sheet", "Chi bộ")
    assert status == 0, err
    assert "rows scored: 3" in out
    cases: list[tuple[list[Any], str]] = [
        ([path], "no column for the required input"),  # the first sheet is not the data
        ([path, "--sheet", "Chi bo"], "there is no sheet `Chi bo`; did you mean `Chi bộ`?"),
        ([write_csv(tmp_path / "x.csv", sample(1)), "--sheet", "A"], "--sheet is for .xlsx workbooks"),
    ]
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    cases.append(([tmp_path / "old.xls"], "old Excel 97-2003 workbook; save it as .xlsx"))
    (tmp_path / "fake.xlsx").write_text("cell_id,members\n", encoding="utf-8")
    cases.append(([tmp_path / "fake.xlsx"], "not an Excel .xlsx workbook"))
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    cases.append(([tmp_path / "broken.xlsx"], "cannot be read as an Excel .xlsx workbook"))
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    cases.append(([empty], "is empty; its first row should name the columns"))
    for args, message in cases:
        status, out, err = run(capsys, "score", RULES, *args)
        assert status == 2, (args, err)
        assert message in err, (args, err)


def test_missing_openpyxl_names_the_extra(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = workbook_of(typed(sample(2)), tmp_path / "cells.xlsx")
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # import openpyxl now raises ImportError
    csv_path = write_csv(tmp_path / "cells.csv", sample(2))
    for args in (
        ["score", RULES, path],
        ["score", RULES, csv_path, "-o", tmp_path / "out.xlsx"],
        ["render", RULES, "--to", "xlsx", "-o", tmp_path / "sheet.xlsx"],
    ):
        status, out, err = run(capsys, *args)
        assert status == 2, args
        assert "needs openpyxl: pip install 'partyrules[xlsx]'" in err
        assert out == ""
    assert not (tmp_path / "out.xlsx").exists() and not (tmp_path / "sheet.xlsx").exists()
    assert no_temporaries(tmp_path)


# ---------------------------------------------------------------- column mapping


def office_rows() -> tuple[list[list[str]], dict[str, str]]:
    """The sample with some columns named as an office names them, and the mapping back."""
    rows = sample(4)
    renames = {"Tỷ lệ dự họp": "attendance_rate", "Số đảng viên": "members", "Mã chi bộ": "cell_id"}
    back = {v: k for k, v in renames.items()}
    rows[0] = [back.get(c, c) for c in rows[0]]
    return rows, renames


def test_column_mapping(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    plain = write_csv(tmp_path / "plain.csv", sample(4))
    assert run(capsys, "score", RULES, plain, "--full", "-o", tmp_path / "plain.jsonl")[0] == 0
    rows, renames = office_rows()
    office = write_csv(tmp_path / "office.csv", rows)
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps(renames, ensure_ascii=False), encoding="utf-8")

    status, _, err = run(capsys, "score", RULES, office, "--columns", mapping, "--full", "-o", tmp_path / "a.jsonl")
    assert status == 0, err
    by_flags = ["--column", "Tỷ lệ dự họp=attendance_rate", "--column", "Số đảng viên=members"]
    by_flags += ["--column", "Mã chi bộ=cell_id"]
    status, _, err = run(capsys, "score", RULES, office, *by_flags, "--full", "-o", tmp_path / "b.jsonl")
    assert status == 0, err
    expected = (tmp_path / "plain.jsonl").read_bytes()
    assert (tmp_path / "a.jsonl").read_bytes() == expected == (tmp_path / "b.jsonl").read_bytes()

    # --column wins over --columns; a problem names the input and the file's column
    wrong = dict(renames, **{"Số đảng viên": "new_members"})
    mapping.write_text(json.dumps(wrong, ensure_ascii=False), encoding="utf-8")
    status, _, err = run(capsys, "score", RULES, office, "--columns", mapping, "--column", "Số đảng viên=members")
    assert status == 0, err
    rows[2][rows[0].index("Tỷ lệ dự họp")] = "abc"
    office = write_csv(tmp_path / "office.csv", rows)
    status, _, err = run(capsys, "score", RULES, office, *by_flags)
    assert status == 1
    assert (
        err
        == f"{office}:3 (HT-TPHT-0002): attendance_rate (column `Tỷ lệ dự họp`): 'abc' is not a percentage (87.5 means 87.5 %)\n"
    )

    # the same mapping reads JSON lines and workbooks
    jsonl = tmp_path / "office.jsonl"
    jsonl.write_text(
        "\n".join(json.dumps(o, ensure_ascii=False) for o in objects_of(office_rows()[0])) + "\n", encoding="utf-8"
    )
    status, _, err = run(capsys, "score", RULES, jsonl, *by_flags, "--full", "-o", tmp_path / "c.jsonl")
    assert status == 0, err
    assert evaluations(tmp_path / "c.jsonl") == evaluations(tmp_path / "plain.jsonl")
    book = workbook_of(typed(office_rows()[0]), tmp_path / "office.xlsx")
    status, _, err = run(capsys, "score", RULES, book, "--columns", tmp_path / "map.json", *by_flags)
    assert status == 0, err


def test_column_mapping_mistakes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows, _ = office_rows()
    office = write_csv(tmp_path / "office.csv", rows)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"a": 1}', encoding="utf-8")
    cases: list[tuple[list[Any], str]] = [
        (
            ["--column", "Tỷ lệ dự hop=attendance_rate"],
            "names `Tỷ lệ dự hop`, which is not a column of the file; did you mean `Tỷ lệ dự họp`?",
        ),
        (
            ["--column", "Tỷ lệ dự họp=attendence_rate"],
            "maps `Tỷ lệ dự họp` to `attendence_rate`, which is not an input; did you mean `attendance_rate`?",
        ),
        (["--column", "Tỷ lệ dự họp"], "write it as COLUMN=INPUT"),
        (["--column", "=members"], "write it as COLUMN=INPUT"),
        (["--column", "Số đảng viên=members", "--column", "cell_name=members"], "would both be `members`"),
        (["--columns", bad_json], "a column mapping is one JSON object of column names to input names"),
        (["--columns", tmp_path / "missing.json"], "No such file or directory"),
    ]
    for args, message in cases:
        status, out, err = run(capsys, "score", RULES, office, *args)
        assert status == 2, (args, err)
        assert message in err, (args, err)
        assert out == ""
    # without a mapping, a column holding an input's label is pointed out
    rows = sample(2)
    rows[0][rows[0].index("members")] = "Số đảng viên của chi bộ"
    status, _, err = run(capsys, "score", RULES, write_csv(tmp_path / "labels.csv", rows))
    assert status == 2
    assert 'map it with --column "Số đảng viên của chi bộ=members"' in err


# ---------------------------------------------------------------- workbooks out, atomically


def test_xlsx_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cells.csv", sample(30))
    assert run(capsys, "score", RULES, path, "-o", tmp_path / "r.csv")[0] == 0
    status, out, err = run(capsys, "score", RULES, path, "-o", tmp_path / "r.xlsx")
    assert status == 0, err
    assert f"results: {tmp_path / 'r.xlsx'} (xlsx, 30 rows)" in out
    with open(tmp_path / "r.csv", encoding="utf-8-sig", newline="") as f:
        expected = list(csv.reader(f))
    book = openpyxl.load_workbook(tmp_path / "r.xlsx", read_only=True)
    assert book.sheetnames == [data.RESULTS_SHEET]
    got = [["" if v is None else str(v) for v in row] for row in book.active.iter_rows(values_only=True)]
    # points are numbers in the workbook, so that Excel can sum them; their text is the CSV's
    assert [[c if not c.endswith(".0") else c[:-2] for c in row] for row in got] == expected
    assert run(capsys, "score", RULES, path, "-o", tmp_path / "again.xlsx")[0] == 0
    assert (tmp_path / "r.xlsx").read_bytes() == (tmp_path / "again.xlsx").read_bytes()
    status, _, err = run(capsys, "score", RULES, path, "--format", "xlsx")
    assert status == 2 and "give --output FILE.xlsx" in err


@pytest.fixture
def failing_xlsx(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing the workbook fails half-way: some bytes are written, then the disk is full."""

    def half(*args: Any) -> None:
        stream = next(a for a in args if hasattr(a, "write"))
        stream.write(b"PK\x03\x04 half a workbook")
        stream.flush()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(data, "format_xlsx", half)
    monkeypatch.setattr(workbook, "write_fill_in", half)


@pytest.mark.usefixtures("failing_xlsx")
def test_failed_xlsx_write_leaves_no_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    path = write_csv(tmp_path / "cells.csv", sample(5))
    for args in (
        ["score", RULES, path, "-o", folder / "r.xlsx"],
        ["render", RULES, "--to", "xlsx", "-o", folder / "s.xlsx"],
    ):
        status, out, err = run(capsys, *args)
        assert status == 2
        assert "No space left on device" in err
        assert list(folder.iterdir()) == []
        assert out == ""
    previous = folder / "r.xlsx"
    previous.write_bytes(b"last year's workbook")
    status, _, _ = run(capsys, "score", RULES, path, "-o", previous)
    assert status == 2
    assert previous.read_bytes() == b"last year's workbook"
    assert no_temporaries(folder)


# ---------------------------------------------------------------- the fill-in workbook


def fill_in(ruleset_id: str, tmp_path: Path, root: Path | None = None) -> Path:
    path = tmp_path / f"{ruleset_id.replace('/', '__')}.xlsx"
    if not path.exists():
        where = ["--path", str(root)] if root is not None else []
        assert cli.main(["render", ruleset_id, "--to", "xlsx", "--output", str(path), *where]) == 0
    return path


def test_fill_in_workbook_layout(capsys: pytest.CaptureFixture[str], tmp_path: Path, small_rules: Path) -> None:
    small = partyrules.load(small_rules)
    path = tmp_path / "small.xlsx"
    assert cli.main(["render", str(small_rules), "--to", "xlsx", "-o", str(path)]) == 0
    assert capsys.readouterr().out == ""
    again = tmp_path / "again.xlsx"
    assert cli.main(["render", str(small_rules), "--to", "xlsx", "-o", str(again)]) == 0
    assert path.read_bytes() == again.read_bytes()
    with zipfile.ZipFile(path) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [workbook.DATA_SHEET, workbook.GUIDE_SHEET, workbook.LISTS_SHEET]
    assert book[workbook.LISTS_SHEET].sheet_state == "hidden"
    sheet = book[workbook.DATA_SHEET]
    names = [c.value for c in sheet[2]]
    labels = [c.value for c in sheet[1]]
    assert names == ["org_id", "org_name", *(i.name for i in small.inputs)]
    assert labels[2:] == [i.label + (" (*)" if i.required else "") for i in small.inputs]
    assert sheet.row_dimensions[2].hidden
    assert book.defined_names[data.FILL_IN_INPUTS].attr_text == f"'{workbook.DATA_SHEET}'!$A$2:$I$2"
    assert book.defined_names[data.FILL_IN_RULESET].attr_text == f'"test/formats|1|{small.fingerprint}"'

    validations = {str(v.sqref).split(":")[0][:-1]: v for v in sheet.data_validations.dataValidation}
    by_name = {name: validations.get(openpyxl.utils.get_column_letter(i)) for i, name in enumerate(names, 1)}
    assert by_name["org_id"] is None
    rate, count, score, held = by_name["rate"], by_name["amount"], by_name["score"], by_name["held"]
    assert rate is not None and (rate.type, rate.formula1, rate.formula2) == ("decimal", "0", "1")
    assert count is not None and (count.type, count.formula1, count.formula2) == ("whole", "0", "5000")
    assert score is not None and (score.type, score.formula1, score.formula2) == ("decimal", "0", "10")
    assert held is not None and (held.type, held.formula1, held.formula2) == (
        "date",
        "DATE(2024,1,1)",
        "DATE(2025,12,31)",
    )
    flag, level, kind = by_name["flag"], by_name["rating"], by_name["kind"]
    assert flag is not None and (flag.type, flag.formula1) == ("list", '"Có,Không"')
    assert level is not None and level.type == "list" and kind is not None and kind.type == "list"
    lists = book[workbook.LISTS_SHEET]
    assert [c.value for c in lists["A"]] == ["rating", "Tốt", "Đạt", "Kém"]
    assert [c.value for c in lists["B"]] == ["kind", "Loại A, có dấu phẩy", "Loại B", None]
    assert level.formula1 == f"'{workbook.LISTS_SHEET}'!$A$2:$A$4"
    assert all(v.showErrorMessage and v.prompt for v in validations.values())
    assert sheet.column_dimensions["C"].number_format == "0.00%"
    assert sheet.column_dimensions["F"].number_format == "dd/mm/yyyy"

    guide = "\n".join(
        " ".join(str(v) for v in row if v is not None) for row in book[workbook.GUIDE_SHEET].iter_rows(values_only=True)
    )
    assert "Thử định dạng" in guide and "Căn cứ Thử" in guide and "từ ngày 01/01/2024" in guide
    assert "Số nguyên từ 0 đến 5000" in guide and "Tỷ lệ phần trăm từ 0% đến 100%" in guide
    assert "Để trống: Đạt" in guide and "Để trống: Không" in guide and "Bắt buộc" in guide


def fill(template: Path, target: Path, ruleset: partyrules.Ruleset, organisations: list[dict[str, Any]]) -> None:
    """Fill a rendered workbook as a person would in Excel: numbers typed, lists chosen, percentages as shown."""
    book = openpyxl.load_workbook(template)
    sheet = book[workbook.DATA_SHEET]
    names = [c.value for c in sheet[2]]
    specs = {i.name: i for i in ruleset.inputs}
    for offset, facts_ in enumerate(organisations):
        row = workbook.FIRST_DATA_ROW + offset
        sheet.cell(row=row, column=1, value=f"ORG-{offset + 1:04d}")
        sheet.cell(row=row, column=2, value=f"Chi bộ số {offset + 1}")
        for index, name in enumerate(names, 1):
            if name not in facts_:
                continue
            spec, value = specs[name], facts_[name]
            cell = sheet.cell(row=row, column=index)
            # a cell typed into a formatted column takes the column's format, as in Excel
            cell.number_format = sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].number_format
            if spec.kind == "percent":
                cell.value = Decimal(value) / 100  # a percentage cell holds the fraction
            elif spec.kind == "boolean":
                cell.value = workbook.YES if value else workbook.NO
            elif spec.kind in ("enum", "level"):
                cell.value = dict(zip(spec.members, workbook.choices(spec)))[value]
            else:
                cell.value = value
    book.save(target)


@pytest.fixture(scope="module")
def criteria_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped criteria as they were when this module started, copied once for the round trips.

    Both sides of a round trip read this copy: the expected evaluations (``partyrules.load(id,
    path=[root])``) and the CLI (``--path root``). They used to read the checkout, each its own
    way: ``partyrules.shipped`` keeps every file as its process-wide loader first read it, the CLI
    reads the disk on every run. A criteria file edited while the tests ran (in a shared checkout,
    a commit landing: a9dc435 changed the header note of vn/grassroots-annual, hence its
    fingerprint) then made every organisation differ by its ruleset's fingerprint alone, and
    hypothesis reported the simplest, the all-zero organisation, with totals printed ``0`` and
    ``0.00``: equal numbers, each written with the digits it was computed from.
    """
    return snapshot_criteria(builtin_root(), tmp_path_factory.mktemp("criteria"))


def snapshot_criteria(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, dirs_exist_ok=True)
    return target


def lowest_facts(ruleset: partyrules.Ruleset) -> dict[str, Any]:
    """The simplest organisation: every required input at its lowest value, written with its declared places."""
    out: dict[str, Any] = {}
    for spec in ruleset.inputs:
        if not spec.required:
            continue
        if spec.kind in ("decimal", "percent"):
            low = Decimal(spec.low or 0) * (100 if spec.kind == "percent" else 1)
            out[spec.name] = low.quantize(Decimal(1).scaleb(-(spec.places if spec.places is not None else 2)))
        elif spec.kind == "integer":
            out[spec.name] = spec.low if spec.low is not None else 0
        elif spec.kind == "boolean":
            out[spec.name] = False
        elif spec.kind in ("enum", "level"):
            out[spec.name] = spec.members[-1]
        else:
            out[spec.name] = spec.low if spec.low is not None else datetime.date(2025, 1, 1)
    return out


def differences(got: partyrules.Evaluation, expected: partyrules.Evaluation) -> list[str]:
    """Where two evaluations differ, as data (an evaluation's repr shows only its total and grade)."""
    out = [f"facts: {dict(got.facts)} != {dict(expected.facts)}"] if dict(got.facts) != dict(expected.facts) else []
    a, b = serialize.unstructure(got), serialize.unstructure(expected)
    return out + [
        f"{key}: {a.get(key)!r} != {value!r}" for key, value in b.items() if key != "facts" and a.get(key) != value
    ]


def score_filled(
    ruleset: partyrules.Ruleset, root: Path, template: Path, folder: Path, organisations: list[dict[str, Any]]
) -> None:
    """Fill the workbook with ``organisations``, score it with the CLI (rules found in ``root`` first), compare."""
    filled = folder / "filled.xlsx"
    fill(template, filled, ruleset, organisations)
    output = folder / "results.jsonl"
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        status = cli.main(["score", ruleset.id, str(filled), "--full", "-o", str(output), "--path", str(root)])
    finally:
        sys.stdout, sys.stderr = saved
    assert status == 0, err.getvalue()
    assert err.getvalue() == ""
    records = jsonl_results(output)
    assert [(r["row"], r["id"]) for r in records] == [
        (workbook.FIRST_DATA_ROW + i, f"ORG-{i + 1:04d}") for i in range(len(organisations))
    ]
    scored_with = {(r["ruleset"]["id"], r["ruleset"]["version"], r["ruleset"]["fingerprint"]) for r in records}
    assert scored_with == {(ruleset.id, ruleset.version, ruleset.fingerprint)}, (
        "the CLI scored with other rules than the expected evaluations come from (a criteria file changed on disk?)"
    )
    for facts_, record in zip(organisations, records, strict=True):
        got, expected = serialize.structure(record, partyrules.Evaluation), ruleset.evaluate(facts_)
        assert got == expected, differences(got, expected)


@pytest.mark.parametrize("ruleset_id", shipped_ids())
def test_fill_in_round_trip(ruleset_id: str, tmp_path_factory: pytest.TempPathFactory, criteria_root: Path) -> None:
    ruleset = partyrules.load(ruleset_id, path=[criteria_root])
    folder = tmp_path_factory.mktemp("round")
    template = fill_in(ruleset_id, folder, criteria_root)
    # the organisation CI once reported, then six drawn lists of 1 to 25 organisations, all in one workbook
    # scored once: each comparison is per row, and the CLI compiles the rules again on every run (a
    # workbook per list took 7 compilations, 2-3 s of CPU for each ruleset; now one)
    drawn: list[dict[str, Any]] = []

    @settings(max_examples=6, suppress_health_check=list(HealthCheck))
    @given(st.lists(facts(ruleset), min_size=1, max_size=25))
    def collect(organisations: list[dict[str, Any]]) -> None:
        drawn.extend(organisations)

    collect()
    score_filled(ruleset, criteria_root, template, folder, [lowest_facts(ruleset), *drawn])


def test_round_trip_reads_the_rules_it_compares_with(tmp_path: Path) -> None:
    """A criteria file edited in the checkout during the run changes neither side of a round trip."""
    checkout = snapshot_criteria(builtin_root(), tmp_path / "checkout")  # stands for the working tree
    root = snapshot_criteria(checkout, tmp_path / "snapshot")
    ruleset = partyrules.load("vn/grassroots-annual", path=[root])
    template = fill_in(ruleset.id, tmp_path, root)
    zero = lowest_facts(ruleset)
    assert zero == {
        "tasks_done_rate": Decimal("0.00"),
        "politics_points": Decimal("0.00"),
        "democracy_points": Decimal("0.00"),
        "organisation_points": Decimal("0.00"),
        "inspection_points": Decimal("0.00"),
        "tasks_on_time_rate": Decimal("0.00"),
        "subunits": 1,
        "subunits_disciplined": 0,
    }
    edited = checkout / "vn" / "grassroots-annual.criteria"  # a commit lands: a header note changes
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text.replace('note "Chấm cùng', 'note "Đã sửa: chấm cùng', 1), encoding="utf-8")
    assert partyrules.load(ruleset.id, path=[checkout]).fingerprint != ruleset.fingerprint
    score_filled(ruleset, root, template, tmp_path, [zero])
    # what the test used to do: the workbook made and scored from the edited checkout, compared with
    # rules read before the edit; the failure now names its cause instead of printing `0` and `0.00`
    made_after = tmp_path / "made-after"
    made_after.mkdir()
    with pytest.raises(AssertionError, match="other rules than the expected evaluations come from"):
        score_filled(ruleset, checkout, fill_in(ruleset.id, made_after, checkout), made_after, [zero])


def test_fill_in_made_for_another_version(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    template = fill_in(RULES, tmp_path)
    ruleset = shipped(RULES)
    rows = cell_rows()[:2]
    fill(template, tmp_path / "filled.xlsx", ruleset, [ruleset.evaluate(facts_of(r, ruleset)).facts for r in rows])
    status, _, err = run(capsys, "score", RULES, tmp_path / "filled.xlsx")
    assert status == 0 and err == ""
    text = partyrules.shipped_path(RULES).read_text(encoding="utf-8").replace('version "2023.1"', 'version "2024.1"')
    changed = tmp_path / "changed.criteria"
    changed.write_text(text, encoding="utf-8")
    status, out, err = run(capsys, "score", changed, tmp_path / "filled.xlsx")
    assert status == 0
    assert "warning: " in err and "was made for version 2023.1 of `vn.hatinh/chi-bo-4-tot`" in err
    assert "rows scored: 2" in out


# ---------------------------------------------------------------- progress bar


def test_progress_bar_only_on_a_terminal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "cells.csv", sample(20))
    status, out, err = run(capsys, "score", RULES, path)
    assert status == 0 and err == ""  # not a terminal: no bar
    monkeypatch.setattr(cli_common, "is_terminal", lambda stream: True)
    status, out_tty, err = run(capsys, "score", RULES, path)
    assert status == 0
    assert "scoring" in err and "20/20" in err
    assert out_tty == out  # the bar goes to stderr only
    status, _, err = run(capsys, "score", RULES, path, "--no-progress")
    assert status == 0 and err == ""


def test_text_facts_are_typed_once_and_bad_text_is_left_for_the_ruleset() -> None:
    from partyrules.runtime import TEXT_READERS, TextReader

    integer, percent, boolean, date = (TEXT_READERS[k] for k in ("integer", "percent", "boolean", "date"))
    assert integer("95") == 95 and type(integer("95")) is int
    assert integer("1.5") == "1.5" and integer("nhiều") == "nhiều"  # the ruleset says what it expected
    assert percent("87.5%") == Decimal("87.5") and str(percent("0.50")) == "0.50"  # the digits given are kept
    assert boolean("có") is True and boolean("không") is False and boolean("maybe") == "maybe"
    assert date("2024-05-06") == datetime.date(2024, 5, 6) and date("06/05/2024") == "06/05/2024"
    calls: list[str] = []
    reader = TextReader(lambda text, problems: calls.append(text) or int(text))
    reader.LIMIT = 2
    assert [reader(t) for t in ("1", "1", "2", "3", "3")] == [1, 1, 2, 3, 3]
    assert calls == ["1", "2", "3", "3"]  # each text read once, and no more than LIMIT remembered


def test_text_rows_score_as_their_typed_facts(ruleset: partyrules.Ruleset) -> None:
    # the reader types text once per distinct text; the scores must be those of the typed facts,
    # and text the reader leaves alone must still be refused in the ruleset's own words
    kinds = {spec.name: spec.kind for spec in ruleset.inputs}
    table = data.read(CELLS, ruleset.inputs)
    rows = [r for r in table.rows if isinstance(r, data.Row)][:300]
    assert all(type(v) is not str or kinds[k] == "enum" for row in rows for k, v in row.facts.items())
    with open(CELLS, encoding="utf-8", newline="") as handle:
        texts = [{k: v for k, v in record.items() if k in kinds and v} for record in csv.DictReader(handle)][:300]
    scored = [o.evaluation for o in data.score(ruleset, rows) if isinstance(o, data.Scored)]
    assert scored == [ruleset.evaluate(text) for text in texts]  # the program's own reading of the text
    bad = data.Row(2, "x", {**rows[0].facts, "members": "nhiều"}, {}, ())
    (outcome,) = data.score(ruleset, [bad])
    assert isinstance(outcome, data.BadRow) and [p.input for p in outcome.problems] == ["members"]
