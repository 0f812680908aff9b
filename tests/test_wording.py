"""Rules in words (`partyrules.wording`): each covered form, and the file's notation where words would be guesses."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings

from partyrules import api, nodes as n, render, testing
from partyrules.model import Model
from partyrules.wording import Wording, vn_number

FORMS = """\
ruleset "test/words" {
  title "Thử cách viết bằng lời";
  version "1";
  basis "Thử";
  effective from 2024-01-01;
  points illustrative "thử";
}

levels muc "Mức" { tot "Tốt", kha "Khá", dat "Đạt" }

input members "Số đảng viên phải dự": integer 1..100;
input present "Số đảng viên có mặt": integer 0..100;
input unexcused "Số đảng viên vắng không lý do": integer 0..100 = 0;
input thematic "Số buổi sinh hoạt chuyên đề": integer 0..12;
input tasks "Số nhiệm vụ hoàn thành": integer 0..10;
input late "Số lần chậm nộp báo cáo": integer 0..10 = 0;
input minutes "Thời lượng (phút)": integer 0..600;
input praise "Biểu dương đảng viên có thành tích": boolean = false;
input criticism "Có phê bình đảng viên có khuyết điểm": boolean = false;
input streak "Có đảng viên vắng 3 lần liên tiếp": boolean = false;
input rate "Tỷ lệ chỉ tiêu đạt": percent;
input chairing "Điều hành buổi sinh hoạt": level muc;
input kind "Loại chi bộ": one of { xa "Chi bộ xã", phuong "Chi bộ phường" };
input held "Ngày họp": date 2024-01-01..2025-12-31;

let attendance "Tỷ lệ đảng viên dự" = present / members;
let required "Thời lượng tối thiểu (phút)" = if streak then 120 else 90;
let unnamed = present + unexcused;

constraint "Có mặt không quá số phải dự": present <= members;

criteria "Thang" max 100 {
  item per_unit "Chuyên đề" max 10 { points = min(thematic, 4) * 2.5; }
  item per_unit_plain "Nhiệm vụ" max 10 { points = 1 * min(tasks, 10); }
  item counted "Chuẩn bị" max 6 { points = count(praise, criticism, not streak) * 2; }
  item summed "Biểu dương, phê bình" max 4 { points = (if praise then 2 else 0) + (if criticism then 2 else 0); }
  item iffed "Thời lượng" max 5 { points = if minutes >= required then 5 else 0; }
  item capped "Trừ dần" max 10 { points = max(0, 10 - late * 2); }
  item table_rows "Dự họp" max 10 {
    points = table first (attendance, unexcused, chairing, kind, streak) {
      >= 95%, 0, -, -, false: 10;
      > 85%, -, tot | kha, xa | phuong, -: 8;
      >= 70% < 85%, -, -, -, -: 5;
      otherwise: 0;
    };
  }
  item banded "Kết quả" max 20 { points = bands rate { from 90%: 20; above 50%: 10; otherwise: 0; }; }
  item matched "Điều hành" max 10 { points = match chairing { tot: 10; kha: 6; otherwise: 2; }; }
  item fallback "Khác" max 15 { points = min(15, unnamed); }
}

grades {
  grade tot "Tốt" {
    band from 90;
    require "Dự đủ": attendance >= 95% and unexcused == 0;
    require "Có mặt hoặc không vắng": not streak or (present > 0 and unexcused <= 0);
    require "Họp đúng hạn": held <= 2025-06-30 and kind == xa and chairing >= kha;
    require "Đủ điểm": full(per_unit) and applicable(banded) and not (late > 2);
  }
  grade kem "Kém" { band below 90; }
}
"""


@pytest.fixture(scope="module")
def model() -> Model:
    return api.model_of(FORMS, "forms.criteria")


def points(model: Model, name: str) -> n.Expr:
    expr = next(c.points for c in model.criteria if c.name == name)
    assert expr is not None
    return expr


def requirement(model: Model, label: str) -> n.Expr:
    return next(r.condition for g in model.grades for r in g.requirements if r.label == label)


def test_numbers_the_vietnamese_way() -> None:
    assert vn_number(Decimal("2.5")) == "2,5"
    assert vn_number(Decimal("0.95"), percent=True) == "95%"
    assert vn_number(Decimal("0.875"), percent=True) == "87,5%"
    assert vn_number(Decimal("10")) == "10"


def test_per_unit_points_with_a_cap(model: Model) -> None:
    words = Wording(model)
    assert words.points(points(model, "per_unit")) == (
        "2,5 điểm mỗi buổi (theo “Số buổi sinh hoạt chuyên đề”), tối đa 4 buổi",
    )
    # a count whose label names no unit the words know: counted without one, never a guessed unit
    assert words.points(points(model, "per_unit_plain")) == ("1 điểm × “Số nhiệm vụ hoàn thành” (tính tối đa 10)",)


def test_count_of_conditions(model: Model) -> None:
    assert Wording(model).points(points(model, "counted")) == (
        "2 điểm cho mỗi điều kiện đúng trong: “Biểu dương đảng viên có thành tích”; "
        "“Có phê bình đảng viên có khuyết điểm”; không “Có đảng viên vắng 3 lần liên tiếp”",
    )


def test_sum_of_parts_and_if(model: Model) -> None:
    words = Wording(model)
    assert words.points(points(model, "summed")) == (
        "Cộng điểm các phần sau:",
        "– 2 điểm nếu “Biểu dương đảng viên có thành tích”",
        "– 2 điểm nếu “Có phê bình đảng viên có khuyết điểm”",
    )
    assert words.points(points(model, "iffed")) == (
        "5 điểm nếu “Thời lượng (phút)” từ “Thời lượng tối thiểu (phút)” trở lên; còn lại 0 điểm",
    )


def test_floor_and_difference(model: Model) -> None:
    assert Wording(model).points(points(model, "capped")) == (
        "(10 điểm trừ 2 điểm mỗi lần (theo “Số lần chậm nộp báo cáo”)), không dưới 0 điểm",
    )


def test_comparisons_with_labels_and_and(model: Model) -> None:
    words = Wording(model)
    assert words.condition(requirement(model, "Dự đủ")) == (
        "“Tỷ lệ đảng viên dự” từ 95% trở lên và không có đảng viên vắng không lý do"
    )
    assert words.condition(requirement(model, "Có mặt hoặc không vắng")) == (
        "không “Có đảng viên vắng 3 lần liên tiếp” hoặc (có đảng viên có mặt và không có đảng viên vắng không lý do)"
    )


def test_dates_choices_and_levels(model: Model) -> None:
    assert Wording(model).condition(requirement(model, "Họp đúng hạn")) == (
        "“Ngày họp” không sau ngày 30/06/2025 và “Loại chi bộ” là “Chi bộ xã” "
        "và “Điều hành buổi sinh hoạt” từ mức “Khá” trở lên"
    )


def test_functions_of_criteria_and_negated_comparison(model: Model) -> None:
    assert Wording(model).condition(requirement(model, "Đủ điểm")) == (
        "mục 1 đạt điểm tối đa và mục 8 được áp dụng và “Số lần chậm nộp báo cáo” không quá 2"
    )


def test_named_values_as_amounts(model: Model) -> None:
    words = Wording(model)
    assert words.amount(model.lets["attendance"].value) == "tỷ lệ “Số đảng viên có mặt” so với “Số đảng viên phải dự”"
    assert words.amount(model.lets["required"].value) == "120 nếu “Có đảng viên vắng 3 lần liên tiếp”, còn lại 90"


def test_table_cells(model: Model) -> None:
    words = Wording(model)
    table = points(model, "table_rows")
    assert isinstance(table, n.Table)
    rows = [[words.cell(col, cell) for col, cell in zip(table.columns, row.cells, strict=True)] for row in table.rows]
    assert rows[0] == [
        "“Tỷ lệ đảng viên dự” từ 95% trở lên",
        "không có đảng viên vắng không lý do",
        "",
        "",
        "không “Có đảng viên vắng 3 lần liên tiếp”",
    ]
    assert rows[1] == [
        "“Tỷ lệ đảng viên dự” trên 85%",
        "",
        "“Điều hành buổi sinh hoạt” là “Tốt” hoặc “Khá”",
        "“Loại chi bộ” là “Chi bộ xã” hoặc “Chi bộ phường”",
        "",
    ]
    assert rows[2][0] == "“Tỷ lệ đảng viên dự” từ 70% trở lên và “Tỷ lệ đảng viên dự” dưới 85%"


def test_the_sheet_in_words_and_in_code(model: Model) -> None:
    text = render.render_markdown(model)
    assert "khi “Tỷ lệ đảng viên dự” từ 95% trở lên và không có đảng viên vắng không lý do" in text
    assert "Theo “Tỷ lệ chỉ tiêu đạt”:<br>từ 90% trở lên: 20 điểm<br>trên 50%: 10 điểm<br>còn lại: 0 điểm" in text
    assert "Theo “Điều hành buổi sinh hoạt”:<br>Tốt: 10 điểm<br>Khá: 6 điểm<br>còn lại: 2 điểm" in text
    assert "| 1 | Chuyên đề | 10 | 2,5 điểm mỗi buổi" in text
    code = render.render_markdown(model, code=True)
    assert "`min(thematic, 4) * 2.5`" in code and "2,5 điểm" not in code
    assert "khi `attendance >= 95%, unexcused == 0, streak == false`: 10 điểm" in code


def test_no_sure_words_falls_back_to_the_code(model: Model) -> None:
    """A let without a label has no words: the rule reading it is quoted in the file's notation, whole."""
    words = Wording(model)
    assert words.points(points(model, "fallback")) is None
    assert "| 10 | Khác | 15 | `min(15, unnamed)` |" in render.render_markdown(model)
    # forms without words: a table inside an amount, a bare boolean literal
    table = points(model, "table_rows")
    assert words.amount(table) is None
    assert words.condition(n.BooleanLiteral(True)) is None


@settings(max_examples=25, deadline=None)
@given(testing.rulesets())
def test_generated_files_render_in_both_forms(text: str) -> None:
    """Every generated file gives a sheet in words and in code, and both name every input the rules read."""
    model = api.model_of(text, "generated.criteria")
    words, code = render.render_markdown(model), render.render_markdown(model, code=True)
    for name in read_inputs(model):
        assert f"`{name}`" in words and f"`{name}`" in code


def read_inputs(model: Model) -> set[str]:
    """The inputs the rules read, directly or through named values (computed here, apart from the sheet's code)."""
    roots: list[n.Expr] = []
    for c in model.criteria + model.deductions + model.bonuses:
        roots += [e for e in (c.points, c.level, c.applicable.condition if c.applicable else None) if e is not None]
    roots += [r.condition for g in model.grades for r in g.requirements]
    roots += [k.condition for k in model.knockouts + model.exemptions]
    found: set[str] = set()
    lets: set[str] = set()
    while roots:
        for node in n.walk(roots.pop()):
            r = model.resolutions.get(id(node))
            if r is None or r.target is None:
                continue
            if r.kind == "input":
                found.add(r.target)
            elif r.kind == "let" and r.target not in lets:
                lets.add(r.target)
                roots.append(model.lets[r.target].value)
    found.update(q.group for q in model.quotas if q.within == "input" and q.group is not None)
    found.update(k.name for q in model.quotas for k in q.order if k.kind == "input")
    return found


EDGES = """\
ruleset "test/edges" {
  title "Thử";
  version "1";
  basis "Thử";
  effective from 2024-01-01;
  points illustrative "thử";
}

levels muc "Mức" { tot "Tốt", dat "Đạt" }

input a "Số việc loại A": integer 0..5;
input b "Số việc loại B": integer 0..5;
input growth "Số đảng viên tăng thêm": integer -5..5;
input share "Số vốn góp": decimal 0..10;

criteria "Thang" max 30 {
  item tong "Tổng" max 20 { points = 2 * (a + b); level = bands tong { from 10: tot; otherwise: dat; }; }
  item rest "Còn lại" max 10 { points = if growth <= 0 then 0 else 5; }
}

grades {
  grade tot "Tốt" {
    band from 25;
    require "Cả hai mục Tốt": worst_level() >= tot;
    require "Mục 1 Tốt": worst_level(tong) == tot;
    require "Có tăng": growth >= 1 and share >= 1 and share != 0 and a <= 0;
  }
  grade kem "Kém" { band below 25; }
}
"""


def test_words_only_where_they_are_sure() -> None:
    """`<= 0` is “không có” only for a count that cannot go below zero; `>= 1` is “có” only for whole
    numbers; a product keeps its brackets; the worst level of the criteria."""
    model = api.model_of(EDGES, "edges.criteria")
    words = Wording(model)
    assert words.points(points(model, "tong")) == ("2 điểm × (“Số việc loại A” cộng “Số việc loại B”)",)
    assert words.points(points(model, "rest")) == (
        "0 điểm nếu “Số đảng viên tăng thêm” không quá 0; còn lại 5 điểm",  # it can be negative: no “không có”
    )
    assert words.condition(requirement(model, "Cả hai mục Tốt")) == (
        "mức đạt thấp nhất của các mục có xếp mức từ mức “Tốt” trở lên"
    )
    assert words.condition(requirement(model, "Mục 1 Tốt")) == "mức đạt thấp nhất của các mục 1 là “Tốt”"
    assert words.condition(requirement(model, "Có tăng")) == (
        "có đảng viên tăng thêm và “Số vốn góp” từ 1 trở lên và có vốn góp và không có việc loại A"
    )


def test_points_given_as_a_number() -> None:
    """Points read from an input (the 366 scales' self-assessed points) are that input, by its label."""
    lower = EDGES.replace("band from 25;", "band from 12;").replace("band below 25;", "band below 12;")
    model = api.model_of(lower.replace("points = 2 * (a + b);", "points = min(2 * a, 20);"), "edges.criteria")
    assert Wording(model).points(points(model, "tong")) == ("2 điểm mỗi việc (theo “Số việc loại A”), tối đa 20 điểm",)
    text = render.render_markdown(
        render.sheet(next(p for name, p in render.shipped_sheets() if name == "vn__annual-collective"))
    )
    assert "| 8 | số điểm bằng “Điểm chấm: chính trị tư tưởng; quán triệt, thực hiện chủ trương" in text
    plain = api.model_of(lower.replace("points = 2 * (a + b);", "points = min(a + b, 10) + b;"), "edges.criteria")
    assert Wording(plain).points(points(plain, "tong")) == (
        "Cộng điểm các phần sau:",
        "– số điểm bằng “Số việc loại A” cộng “Số việc loại B”, tối đa 10 điểm",
        "– số điểm bằng “Số việc loại B”",
    )


INLINE = """\
ruleset "test/inline" {
  title "Thử bands trong công thức";
  version "1";
  basis "Thử";
  effective from 2024-01-01;
  points illustrative "thử";
}

levels muc "Mức" { tot "Tốt", kha "Khá", dat "Đạt" }

input members "Số đảng viên phải dự": integer 1..100;
input present "Số đảng viên có mặt": integer 0..100;
input streak "Có đảng viên vắng 3 lần liên tiếp": boolean = false;
input chairing "Điều hành buổi sinh hoạt": level muc;

constraint "Có mặt không quá số phải dự": present <= members;

criteria "Thang" max 15 {
  item attended "Dự họp" max 5 {
    points = min(5, bands present / members { from 95%: 4; above 85%: 3; otherwise: 1; } + (if streak then 0 else 1));
  }
  item chaired "Điều hành" max 10 { points = 2 * match chairing { tot: 5; kha: 3; otherwise: 1; }; }
}

grades {
  grade tot "Tốt" { band from 12; }
  grade kem "Kém" { band below 12; }
}
"""


def test_bands_and_match_inside_a_formula_in_words() -> None:
    """Bands or match within a formula: one phrase, each row's points and threshold, the parts parenthesised."""
    model = api.model_of(INLINE, "inline.criteria")
    words = Wording(model)
    assert words.points(points(model, "attended")) == (
        "(theo tỷ lệ “Số đảng viên có mặt” so với “Số đảng viên phải dự”: 4 điểm nếu từ 95% trở lên, "
        "3 điểm nếu trên 85%, còn lại 1 điểm) cộng (0 điểm nếu “Có đảng viên vắng 3 lần liên tiếp”; "
        "còn lại 1 điểm), tối đa 5 điểm",
    )
    match = points(model, "chaired")
    assert isinstance(match, n.Binary) and isinstance(match.right, n.Match)
    assert words.amount(match.right) == "theo “Điều hành buổi sinh hoạt”: 5 nếu là Tốt, 3 nếu là Khá, còn lại 1"
    assert "`" not in render.render_markdown(model).split("| 1 | Dự họp |")[1].split("\n")[0]
