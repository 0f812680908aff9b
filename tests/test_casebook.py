"""Examples and properties in criteria files: syntax, checking (PR801-PR811), tables beside the file.

Every wrong file is the valid BASE with one replacement, and its diagnostics are
pinned (code, place, message, hint), so each case shows what the checker says.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import partyrules
from partyrules.casebook import Expect

BASE = """\
ruleset "demo/meeting" {
  title "Sinh hoạt (ví dụ)";
  version "1";
  basis "Ví dụ";
  effective from 2024-01-01;
  points illustrative;
}

input attendance "Tỷ lệ dự họp": percent;
input minutes "Thời lượng (phút)": integer 0..600;
input unexcused "Vắng không lý do": integer 0..100 = 0;
input chair "Chủ trì": one of { tot "Tốt", yeu "Yếu" } = tot;
levels muc "Mức" { dat "Đạt", chua_dat "Chưa đạt" }
constraint "Vắng không lý do thì không thể dự đủ": unexcused == 0 or attendance < 100%;

criteria "Buổi sinh hoạt" max 10 {
  item du_hop "Dự họp" max 6 {
    points = table first (attendance, unexcused) { >= 95%, 0: 6; > 85%, 0: 5; > 85%, -: 3; otherwise: 0; };
  }
  item thoi_luong "Thời lượng" max 4 {
    level = bands minutes { from 90: dat; otherwise: chua_dat; };
    points = bands minutes { from 90: 4; from 60: 2; otherwise: 0; };
  }
}

deductions "Trừ" cap 2 { deduction chu_tri "Chủ trì yếu" max 2 { points = match chair { tot: 0; yeu: 2; }; } }

grades {
  grade tot "Tốt" { band from 9; require "Không ai vắng không lý do": unexcused == 0; }
  grade kha "Khá" { band from 7 below 9; }
  grade kem "Kém" { band below 7; }
}

knockout vang "Vắng không lý do quá nhiều" { when unexcused > 10; force kem; }

example tot_du "Đủ người, đủ giờ" {
  given { attendance = 96%; minutes = 95; }
  expect total 10;
  expect grade tot;
  expect points du_hop = 6;
  expect level thoi_luong = dat;
}
# tests
"""
MORE = "# tests"


def edit(*pairs: tuple[str, str], base: str = BASE) -> str:
    text = base
    for old, new in pairs:
        assert text.count(old) == 1, f"{old!r} must occur once"
        text = text.replace(old, new)
    return text


def problems(text: str, name: str = "t.criteria") -> list[tuple[str, str, str, str | None]]:
    """(code, "line:column", message, hint); a related place follows the message as `` [label at line:column]``."""
    return [
        (d.code, f"{d.span.line}:{d.span.column}", d.message + _related(d), d.hint)
        for d in partyrules.check(name, text=text)
    ]


def _related(d: partyrules.Diagnostic) -> str:
    return "".join(f" [{r.label} at {r.span.line}:{r.span.column}]" for r in d.related)


def test_examples_and_properties_reach_the_ruleset() -> None:
    text = edit(
        (
            MORE,
            'property bounds "Tổng trong khung" {\n'
            "  assuming minutes >= 0;\n"
            "  total within -2..10;\n"
            "  monotone increasing in minutes;\n"
            "  grade tot requires unexcused == 0 and total >= 9;\n"
            "  always du_hop <= 6;\n"
            "}\n",
        )
    )
    assert problems(text) == []
    ruleset = partyrules.loads(text, "t.criteria")
    book = ruleset.tests
    (case,) = book.examples
    assert case.name == "tot_du" and case.label == "Đủ người, đủ giờ"
    assert dict(case.facts) == {"attendance": Decimal("96"), "minutes": 95}
    assert case.expectations == (
        Expect("total", None, Decimal("10")),
        Expect("grade", None, "tot"),
        Expect("points", "du_hop", Decimal("6")),
        Expect("level", "thoi_luong", "dat"),
    )
    assert [e.text for e in case.expectations] == [
        "expect total 10",
        "expect grade tot",
        "expect points du_hop = 6",
        "expect level thoi_luong = dat",
    ]
    assert case.location == "t.criteria:36:1"
    (prop,) = book.properties
    assert [c.kind for c in prop.claims] == ["within", "monotone", "requires", "always"]
    assert len(prop.assuming) == 1


def test_examples_do_not_change_the_fingerprint() -> None:
    without = BASE[: BASE.index("example tot_du")]
    assert partyrules.loads(BASE).fingerprint == partyrules.loads(without).fingerprint
    assert partyrules.loads(without).tests is not None and not partyrules.loads(without).tests


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        (
            [("minutes = 95;", "minutes = 95; minuts = 3;")],
            [("PR802", "37:43", "`minuts` is not an input", "did you mean `minutes`?")],
        ),
        (
            [("minutes = 95;", "minutes = 95; minutes = 96;")],
            [("PR802", "37:43", "`minutes` is given twice", "keep one")],
        ),
        (
            [("attendance = 96%;", "attendance = 96;")],
            [("PR803", "37:24", "`attendance` is a percentage but 96 is a plain number", "write 96%")],
        ),
        (
            [("minutes = 95;", "minutes = 95%;")],
            [("PR803", "37:39", "`minutes` takes a whole number, not a percentage", None)],
        ),
        (
            [("minutes = 95;", "minutes = 700;")],
            [("PR803", "37:29", "`minutes`: 700 is outside the allowed range 0..600", None)],
        ),
        (
            [("attendance = 96%;", "attendance = 96%; chair = tott;")],
            [("PR803", "37:37", "`tott` is not one of {tot, yeu}", "did you mean `tot`?")],
        ),
        (
            [("given { attendance = 96%; minutes = 95; }", "given { minutes = 95; }")],
            [
                (
                    "PR804",
                    "36:1",
                    "example `tot_du` does not give the required input `attendance`",
                    "give a value to every input without a default",
                )
            ],
        ),
        (
            [("attendance = 96%;", "attendance = 100%; unexcused = 1;")],
            [
                (
                    "PR805",
                    "36:1",
                    'example `tot_du` breaks the constraint "Vắng không lý do thì không thể dự đủ"',
                    "no organisation can have these facts: correct them",
                )
            ],
        ),
        (
            [("expect grade tot;", "expect grade tott;")],
            [("PR806", "39:16", "there is no grade `tott`", "did you mean `tot`?")],
        ),
        (
            [("expect points du_hop = 6;", "expect points du_hopp = 6;")],
            [("PR806", "40:17", "there is no criterion `du_hopp`", "did you mean `du_hop`?")],
        ),
        (
            [("expect level thoi_luong = dat;", "expect level du_hop = dat;")],
            [("PR806", "41:16", "`du_hop` has no level rule", None)],
        ),
        (
            [("expect level thoi_luong = dat;", "expect level thoi_luong = da;")],
            [("PR806", "41:29", "`da` is not a level of `thoi_luong`", "did you mean `dat`?")],
        ),
        (
            [("expect total 10;", "expect total 11;")],
            [("PR807", "38:10", "no organisation can have a total of 11: totals lie in -2..10", None)],
        ),
        (
            [("expect points du_hop = 6;", "expect points du_hop = 7;")],
            [("PR807", "40:10", "`du_hop` gives 0 to 6 points, never 7", None)],
        ),
        (
            [("expect total 10;", "expect total 10%;")],
            [("PR807", "38:10", "the total is a number of points", "write a plain number such as 90 or 87.5")],
        ),
        (
            [(MORE, 'example empty "Trống" { given { attendance = 1%; minutes = 1; } }')],
            [("PR808", "43:1", "example `empty` expects nothing", "add `expect total ...;` or `expect grade ...;`")],
        ),
        (
            [(MORE, 'property tot_du "Trùng tên" { always true; }')],
            [
                (
                    "PR801",
                    "43:1",
                    "`tot_du` names two examples or properties [first named here at 36:1]",
                    "give each example and property its own name",
                )
            ],
        ),
        (
            [(MORE, 'property chair_up "Chủ trì" { monotone increasing in chair; }')],
            [
                (
                    "PR811",
                    "43:54",
                    "`chair` is one of {tot, yeu}, whose values have no order: it cannot grow",
                    "state what each choice should give with examples, or compare two choices with `always`",
                )
            ],
        ),
        (
            [(MORE, 'property p "P" { total within 10..0; }')],
            [("PR811", "43:31", "the range 10..0 is empty", "write the smaller end first")],
        ),
        (
            [(MORE, 'property p "P" { monotone increasing in minuts; }')],
            [("PR806", "43:41", "there is no input `minuts`", "did you mean `minutes`?")],
        ),
        (
            [(MORE, 'property p "P" { always minutes; }')],
            [("PR306", "43:25", "an `always` condition must be true or false, but this is a whole number", None)],
        ),
        (
            [(MORE, 'property p "P" { grade tott requires total > 0; }')],
            [("PR806", "43:24", "there is no grade `tott`", "did you mean `tot`?")],
        ),
        (
            [(MORE, 'property p "P" { }')],
            [
                (
                    "PR808",
                    "43:1",
                    "property `p` claims nothing",
                    "add `always ...;`, `total within A..B;`, `monotone increasing in INPUT;` or `grade G requires ...;`",
                )
            ],
        ),
    ],
)
def test_diagnostics(pairs: list[tuple[str, str]], expected: list[tuple[str, str, str, str | None]]) -> None:
    assert problems(edit(*pairs)) == expected


def test_examples_are_checked_once_the_scale_is_right() -> None:
    # a scale error first: the examples wait (their names may depend on the fix), like PR609
    text = edit(("expect grade tot;", "expect grade tott;"), ("band from 9;", "band from 9 below 9;"))
    assert [p[0] for p in problems(text)] == ["PR605"]


def test_new_keywords_are_reserved() -> None:
    text = edit((MORE, 'input given "Cho trước": boolean = false;\nconstraint "C": given or not given;'))
    assert problems(text) == [
        ("PR203", "43:1", "`given` is a word of the language and cannot name anything", "choose another name")
    ]


# ---------------------------------------------------------------- tables beside the file

TABLE = "example,attendance,minutes,unexcused,chair,total,grade,band,points.du_hop,level.thoi_luong,deducted\n"


@pytest.fixture
def with_table(write_criteria: Callable[..., Path]) -> Callable[[str, str], Path]:
    def write(table: str, reference: str = "cases.csv") -> Path:
        path = write_criteria(edit((MORE, f'examples "Bảng ví dụ" from "{reference}";')))
        (path.parent / "cases.csv").write_text(table, encoding="utf-8")
        return path

    return write


def test_a_table_gives_one_example_per_row(with_table: Callable[[str, str], Path]) -> None:
    path = with_table(
        "example,attendance,minutes,unexcused,chair,total,grade,band,points.du_hop,level.thoi_luong,knockout\n"
        "du,96,95,,,10,tot,tot,6,dat,\n"
        "\n"
        'vang,"90%",95,11,yeu,5,kem,kha,3,dat,vang\n'
    )
    ruleset = partyrules.load(path)
    tables = [c for c in ruleset.tests.examples if c.label == "Bảng ví dụ"]
    assert [(c.name, c.location.rsplit("/", 1)[-1]) for c in tables] == [
        ("du", "cases.csv:2:1"),
        ("vang", "cases.csv:4:1"),
    ]
    assert dict(tables[1].facts) == {"attendance": Decimal("90"), "minutes": 95, "unexcused": 11, "chair": "yeu"}
    assert Expect("knockout", "vang", None) in tables[1].expectations


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            "attendance,minuts,total\n96,95,10\n",
            [("PR802", "1:1", "the column `minuts` is neither an input nor an expectation", "did you mean `minutes`?")],
        ),
        (
            "attendance,minutes,total\n96,95\n",
            [
                (
                    "PR810",
                    "2:1",
                    "row 2 has 2 cells but the header has 3",
                    "every row needs one cell per column (an empty cell leaves a fact to its default)",
                )
            ],
        ),
        (
            "attendance,minutes,total\n96,nine,10\n",
            [("PR803", "2:1", "row 2: `minutes`: 'nine' is not a whole number", None)],
        ),
        (
            "attendance,minutes,total\n,95,10\n",
            [
                (
                    "PR804",
                    "2:1",
                    "row 2 does not give the required input `attendance`",
                    "fill in every input without a default",
                )
            ],
        ),
        (
            "attendance,minutes,total\n96,95,abc\n",
            [("PR810", "2:1", "row 2, column `total`: `abc` is not a number", None)],
        ),
        (
            "attendance,minutes,grade\n96,95,tott\n",
            [("PR806", "2:1", "there is no grade `tott`", "did you mean `tot`?")],
        ),
        (
            "attendance,minutes,total\n96,95,\n",
            [("PR808", "2:1", "row 2 expects nothing", "fill in the total, the grade or points")],
        ),
        ("attendance,minutes,total\n100,95,9\n".replace("100,95", "100,95"), []),
    ],
)
def test_bad_rows_name_the_table_and_row(
    with_table: Callable[[str, str], Path], table: str, expected: list[tuple[str, str, str, str | None]]
) -> None:
    path = with_table(table)
    found = [(d.code, f"{d.span.line}:{d.span.column}", d.message, d.hint) for d in partyrules.check(path)]
    assert found == expected
    assert all(d.file == str(path.parent / "cases.csv") for d in partyrules.check(path))


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        (
            "../cases.csv",
            '"../cases.csv" is not a file name: an examples table is read only from the folder of the criteria file',
        ),
        (
            "/etc/passwd.csv",
            '"/etc/passwd.csv" is not a file name: an examples table is read only from the folder of the criteria file',
        ),
        (
            "sub\\\\cases.csv",
            '"sub\\\\cases.csv" is not a file name: an examples table is read only from the folder of the criteria file',
        ),
        (
            ".hidden.csv",
            '".hidden.csv" is not a file name: an examples table is read only from the folder of the criteria file',
        ),
        ("cases.txt", '"cases.txt" is not a .csv file'),
    ],
)
def test_tables_are_read_only_beside_the_file(
    with_table: Callable[[str, str], Path], reference: str, message: str
) -> None:
    path = with_table("attendance,minutes,total\n96,95,10\n", reference)
    (d,) = partyrules.check(path)
    assert (d.code, d.message, d.span.line) == ("PR809", message, 43)


def test_a_link_leading_outside_the_folder_is_refused(write_criteria: Callable[..., Path], tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside.csv"
    outside.write_text("attendance,minutes,total\n96,95,10\n", encoding="utf-8")
    folder = tmp_path / "scales"
    folder.mkdir()
    path = folder / "t.criteria"
    path.write_text(edit((MORE, 'examples "Bảng" from "cases.csv";')), encoding="utf-8")
    os.symlink(outside, folder / "cases.csv")
    (d,) = partyrules.check(path)
    assert (d.code, d.message) == ("PR809", f"{folder / 'cases.csv'} leads outside the folder of the criteria file")
    os.remove(folder / "cases.csv")
    (d,) = partyrules.check(path)
    assert (d.code, d.message) == ("PR809", f"no such file: {folder / 'cases.csv'}")


def test_text_without_a_file_cannot_name_a_table() -> None:
    (d,) = partyrules.check("<string>", text=edit((MORE, 'examples "Bảng" from "cases.csv";')))
    assert (d.code, d.hint) == ("PR809", "load the file by its path")


LIKE = (
    MORE,
    'example ngan "Như tot_du, nhưng họp 70 phút" like tot_du {\n'
    "  given { minutes = 70; }\n"
    "  expect total 8;\n"
    "  expect grade kha;\n"
    "}\n"
    'example vang "Như ngan, thêm một người vắng không lý do" like ngan {\n'
    "  given { unexcused = 1; }\n"
    "  expect points du_hop = 3;\n"
    "}\n",
)


def test_an_example_built_like_another_takes_its_facts_and_replaces_those_it_gives() -> None:
    """`like tot_du` restates nothing but what changes: the facts of the base (and of its base), its own in their place."""
    from partyrules.proving import run_example

    text = edit(LIKE)
    assert problems(text) == []
    ruleset = partyrules.loads(text, "t.criteria")
    cases = {case.name: case for case in ruleset.tests.examples}
    assert dict(cases["ngan"].facts) == {"attendance": Decimal("96"), "minutes": 70}
    assert dict(cases["vang"].facts) == {"attendance": Decimal("96"), "minutes": 70, "unexcused": 1}
    assert [run_example(ruleset, case).passed for case in cases.values()] == [True, True, True]
    wrong = partyrules.loads(edit(LIKE, ("expect total 8;", "expect total 10;")), "t.criteria")
    outcome = run_example(wrong, next(c for c in wrong.tests.examples if c.name == "ngan"))
    assert not outcome.passed  # the base's facts are really used: 70 minutes give 8, not 10


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        (
            [("like tot_du", "like tot_duu")],
            [("PR812", "43:51", "there is no example `tot_duu` to build on", "did you mean `tot_du`?")],
        ),
        (
            [("like tot_du", "like vang")],
            [
                (
                    "PR812",
                    "48:63",
                    "example `vang` is built like `ngan`, which is built like it",
                    "build both on an example with facts of its own",
                )
            ],
        ),
        (
            [("given { minutes = 70; }", "given { minutes = 700; }")],  # reported once, at the base
            [("PR803", "44:11", "`minutes`: 700 is outside the allowed range 0..600", None)],
        ),
    ],
)
def test_an_example_like_nothing_or_in_a_circle(pairs: list[tuple[str, str]], expected: list[Any]) -> None:
    assert problems(edit(LIKE, *pairs)) == expected


def test_like_is_formatted_as_written() -> None:
    from partyrules.formatter import format_text

    text = edit(LIKE)
    assert 'example ngan "Như tot_du, nhưng họp 70 phút" like tot_du {\n' in format_text(text)
    assert format_text(format_text(text)) == format_text(text)
