"""Hostile and careless data files, criteria and outputs (issue 13): nothing lost, nothing injected, nothing crashes.

Each test is named after the finding it answers (``test_finding_N_...``); each failed before its fix.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
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
    rewrite_member(path, SHEET, lambda xml: xml.replace(b"</row></sheetData>", b'<c r="XFD5"><v>7</v></c></row></sheetData>'))
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
}


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
def test_finding_9_corrupt_workbooks(capsys: pytest.CaptureFixture[str], rules: Path, tmp_path: Path, damage: str) -> None:
    path = workbook_of([["org_id", "minutes"], ["a", 90], ["b", 10]], tmp_path / "damaged.xlsx")
    DAMAGES[damage](path)
    status, _, err = run(capsys, "score", rules, path)
    assert status == 2
    assert err.startswith(f"partyrules: {path}: cannot be read as an Excel .xlsx workbook ("), err
    assert len(err.splitlines()) == 1
