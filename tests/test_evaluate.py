"""Compile and evaluate: worked examples checked by hand, fact validation, exactness, explanations."""

from __future__ import annotations

import pickle
from decimal import Decimal, localcontext
from typing import Any

import pytest

import partyrules
from partyrules import FactsError
from shipped_cache import shipped

FOUR_GOOD = "vn.hatinh/chi-bo-4-tot"

# Worked by hand from chi-bo-4-tot.criteria (groups: nhiem_vu, sinh_hoat, doan_ket, dang_vien).
TOP: dict[str, Any] = {
    "district": "tp_ha_tinh",
    "members": 25,
    "task_completion": Decimal("100"),  # chi_tieu 20
    "emulation": "bang_khen",  # thi_dua 10 -> nhiem_vu 30 (tot)
    "meetings_good": 11,  # thang_tot 15
    "thematic_meetings": 3,  # chuyen_de 3 * 2.5 = 7.5
    "attendance_rate": Decimal("96.5"),  # du_hop 5 -> sinh_hoat 27.5 (tot)
    "members_good_rate": Decimal("92"),  # xep_loai 12
    "new_members": 1,  # ket_nap 2; dang_phi 4 (default) -> dang_vien 18 (tot); doan_ket 20 (defaults)
    "late_reports": 1,  # deduction 2
    "commended": True,  # bonus 3
}
# 30 + 27.5 + 20 + 18 = 95.5; 95.5 - 2 + 3 = 96.5 -> band bon_tot, all four criteria at Tốt

KNOCKED_OUT: dict[str, Any] = {
    "district": "can_loc",
    "members": 40,
    "task_completion": Decimal("95"),  # 17
    "emulation": "giay_khen",  # 7 -> nhiem_vu 24
    "meetings_good": 12,  # 15
    "thematic_meetings": 5,  # min(5, 4) * 2.5 = 10
    "attendance_rate": Decimal("88.25"),
    "unexcused_absences": 3,  # du_hop 3 -> sinh_hoat 28
    "disunity": True,  # noi_bo 0
    "members_disciplined": 1,  # ky_luat 6 -> doan_ket 6
    "members_good_rate": Decimal("85"),  # 9
    "new_members": 3,  # 4
    "dues_on_time": True,  # 4 -> dang_vien 17
    "late_reports": 4,  # min(8, 6) = 6
    "commended": True,  # 3
    "model_practice": True,  # 2 -> bonuses 5 (cap 5)
}
# 24 + 28 + 6 + 17 = 75; 75 - 6 + 5 = 74 -> band kha; cap kha (discipline) and force chua_dat (disunity): chua_dat

NEW_CELL: dict[str, Any] = {
    "district": "huong_khe",
    "members": 8,
    "task_completion": Decimal("72.5"),  # 10; emulation default khong 3 -> 13
    "meetings_good": 7,  # 9
    "thematic_meetings": 2,  # 5
    "attendance_rate": Decimal("84.99"),  # 2 -> sinh_hoat 16
    "members_good_rate": Decimal("79.99"),  # 6; ket_nap 0; dang_phi 4 -> 10
    "months_established": 4,
}
# 13 + 16 + 20 + 10 = 59 -> band trung_binh, but established under 6 months: not graded


@pytest.fixture(scope="module")
def four_good() -> partyrules.Ruleset:
    return shipped(FOUR_GOOD)


def test_top_grade_worked_by_hand(four_good: partyrules.Ruleset) -> None:
    e = four_good.evaluate(TOP)
    assert e.total == Decimal("96.5")
    assert e.grade == "bon_tot"
    assert e.grade_label == "Đạt “Chi bộ 4 tốt”"
    points = e.points
    assert (points["nhiem_vu"], points["sinh_hoat"], points["doan_ket"], points["dang_vien"]) == (
        30,
        Decimal("27.5"),
        20,
        18,
    )
    assert points["chuyen_de"] == Decimal("7.5")
    assert e.levels == {"nhiem_vu": "tot", "sinh_hoat": "tot", "doan_ket": "tot", "dang_vien": "tot"}
    assert (e.criteria_points, e.deducted, e.added) == (Decimal("95.5"), 2, 3)
    assert [(r.label, r.held) for r in e.requirements] == [("Cả bốn tiêu chí đạt mức Tốt", True)]
    assert e.knockouts == ()
    assert e.not_graded is None


def test_knockouts_worst_wins(four_good: partyrules.Ruleset) -> None:
    e = four_good.evaluate(KNOCKED_OUT)
    assert e.total == 74
    assert e.band_grade == "kha"
    assert [k.id for k in e.knockouts] == ["mat_doan_ket", "co_ky_luat"]
    assert e.grade == "chua_dat"
    assert e.levels["doan_ket"] == "chua_dat"


def test_cap_alone_lowers_the_grade(four_good: partyrules.Ruleset) -> None:
    facts = dict(TOP, members_disciplined=1)  # ky_luat 6 -> doan_ket 16, still Tốt; total 92.5
    e = four_good.evaluate(facts)
    assert e.total == Decimal("92.5")
    assert e.band_grade == "bon_tot"
    assert e.requirements[0].held
    assert e.grade == "kha"


def test_failed_requirement_falls_back(four_good: partyrules.Ruleset) -> None:
    # sinh_hoat 12 + 5 + 5 = 22 (Đạt, not Tốt); 30 + 22 + 20 + 18 = 90; 90 - 2 + (3 + 2) = 93
    facts = dict(TOP, meetings_good=9, thematic_meetings=2, model_practice=True)
    e = four_good.evaluate(facts)
    assert e.total == 93
    assert e.levels["sinh_hoat"] == "dat"
    assert e.band_grade == "bon_tot"
    assert not e.requirements[0].held
    assert e.grade == "kha"
    assert "Điều kiện của “Đạt “Chi bộ 4 tốt””: Cả bốn tiêu chí đạt mức Tốt — KHÔNG ĐẠT  [worst_level() >= tot]" in (
        e.explain()
    )


def test_not_graded_keeps_points(four_good: partyrules.Ruleset) -> None:
    e = four_good.evaluate(NEW_CELL)
    assert e.total == 59
    assert e.grade is None
    assert e.not_graded is not None and e.not_graded.id == "moi_thanh_lap"
    assert e.band_grade == "trung_binh"


def test_facts_given_as_strings_score_the_same(four_good: partyrules.Ruleset) -> None:
    as_text = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in TOP.items()}
    as_text["attendance_rate"] = "96.5%"
    assert four_good.evaluate(as_text) == four_good.evaluate(TOP)


def test_every_problem_with_the_facts_at_once(four_good: partyrules.Ruleset) -> None:
    bad = dict(TOP, members=2.5, district="ha_noi", meetings_good=13, colour="red")
    del bad["task_completion"]
    with pytest.raises(FactsError) as info:
        four_good.evaluate(bad)
    problems = {p.input: p.message for p in info.value.problems}
    assert problems == {
        "district": "'ha_noi' is not one of: tp_ha_tinh, tx_hong_linh, tx_ky_anh, can_loc, cam_xuyen, duc_tho, "
        "huong_khe, huong_son, ky_anh, loc_ha, nghi_xuan, thach_ha, vu_quang",
        "members": "2.5 is a float, which is not exact; give a whole number as an int, a Decimal or a string",
        "task_completion": "is missing",
        "meetings_good": "13 is outside the allowed range 0..12",
        "colour": "is not an input of this ruleset",
    }


def test_floats_are_refused_everywhere(four_good: partyrules.Ruleset) -> None:
    with pytest.raises(FactsError, match=r"attendance_rate: 96\.5 is a float"):
        four_good.evaluate(dict(TOP, attendance_rate=96.5))


def test_cross_input_constraint(four_good: partyrules.Ruleset) -> None:
    with pytest.raises(FactsError) as info:
        four_good.evaluate(dict(TOP, members=5, members_disciplined=6))
    assert [(p.input, p.message) for p in info.value.problems] == [
        ("members, members_disciplined", "breaks the rule: Số đảng viên bị kỷ luật không thể nhiều hơn số đảng viên")
    ]


def test_mistyped_values(four_good: partyrules.Ruleset) -> None:
    with pytest.raises(FactsError) as info:
        four_good.evaluate(dict(TOP, disunity="maybe", members=True, attendance_rate="NaN", new_members=[1]))
    assert {p.input for p in info.value.problems} == {"disunity", "members", "attendance_rate", "new_members"}


def test_not_a_mapping(four_good: partyrules.Ruleset) -> None:
    with pytest.raises(FactsError, match="facts must be a mapping"):
        four_good.evaluate([("members", 3)])  # type: ignore[arg-type]


def test_narrow_decimal_context_does_not_round(four_good: partyrules.Ruleset) -> None:
    expected = four_good.evaluate(TOP)
    with localcontext() as ctx:
        ctx.prec = 2  # 27.5 needs 3 digits: the program must notice and recompute exactly
        got = four_good.evaluate(TOP)
        assert not ctx.traps[__import__("decimal").Inexact]
    assert got == expected
    assert got.total == Decimal("96.5")


@pytest.mark.parametrize("maximum", ["100", "100000"])  # a table of every total, and past the table's size
def test_narrow_context_never_rounds_a_fixed_point_total(maximum: str) -> None:
    ruleset = partyrules.loads(
        'ruleset "t/wide" { title "t"; version "1"; basis "minh họa"; effective from 2025-01-01; points illustrative "t"; }\n'
        f'input n "n": integer 0..{maximum};\n'
        f'criteria "C" max {maximum} {{ item a "A" max {maximum} {{ points = min(n, {maximum} - 1) + 0.5; }} }}\n'
        'grades { grade ok "Đạt" { band from 0; } }\n',
        "wide.criteria",
    )
    assert ruleset.layout.scale == 1  # tenths: the total is turned into a Decimal when the evaluation is made
    expected = ruleset.evaluate({"n": 97})
    with localcontext() as ctx:
        ctx.prec = 2  # 97.5 has three digits
        got = ruleset.evaluate({"n": 97})
        (many,) = ruleset.evaluate_many([{"n": 97}])
    assert got.total == many.total == expected.total == Decimal("97.5")  # type: ignore[union-attr]
    assert got == expected == many


def test_evaluation_is_immutable_and_hashable(four_good: partyrules.Ruleset) -> None:
    e = four_good.evaluate(TOP)
    with pytest.raises(AttributeError):
        e.total = Decimal(0)  # type: ignore[misc]
    assert hash(e) == hash(four_good.evaluate(dict(TOP)))


def test_ruleset_identity(four_good: partyrules.Ruleset) -> None:
    e = four_good.evaluate(TOP)
    assert e.ruleset.id == "vn.hatinh/chi-bo-4-tot"
    assert e.ruleset.version == "2023.1"
    assert len(e.ruleset.fingerprint) == 64
    # the fingerprint follows meaning, not layout: comments and spacing do not change it
    text = partyrules.shipped_path(FOUR_GOOD).read_text(encoding="utf-8")
    relaid = partyrules.loads("# another comment\n" + text.replace("  ", "    "), "copy.criteria")
    assert relaid.fingerprint == four_good.fingerprint
    changed = partyrules.loads(text.replace("from 100%: 20;", "from 99%: 20;"), "changed.criteria")
    assert changed.fingerprint != four_good.fingerprint


def test_pickle_round_trip(four_good: partyrules.Ruleset) -> None:
    again = pickle.loads(pickle.dumps(four_good))
    assert again == four_good
    e = four_good.evaluate(TOP)
    assert again.evaluate(TOP) == e
    assert pickle.loads(pickle.dumps(e)) == e


def test_explanation_names_rules_facts_and_citations(four_good: partyrules.Ruleset) -> None:
    text = four_good.evaluate(KNOCKED_OUT).explain()
    assert "TỔNG ĐIỂM: 74 / 100  (tiêu chí 75, trừ 6, cộng 5)" in text
    assert "XẾP LOẠI: Chưa đạt [chua_dat]" in text
    assert "  2.2    Sinh hoạt chuyên đề (ít nhất mỗi quý một lần): 10 / 10" in text
    assert "quy tắc: (if thematic_meetings <= 4 then thematic_meetings else 4) * 2.5" not in text
    assert "quy tắc: min(thematic_meetings, 4) * 2.5" in text
    assert "dữ liệu: Số buổi sinh hoạt chuyên đề trong năm = 5" in text
    assert "căn cứ: Hướng dẫn 12-HD/BTCTW: sinh hoạt chuyên đề ít nhất mỗi quý một lần" in text
    assert "Tổng điểm 74 thuộc khung từ 70 đến dưới 90: Khá" in text
    # the band gave Khá: the requirement of the best grade played no part and is not listed
    assert "Cả bốn tiêu chí đạt mức Tốt" not in text
    assert "Loại trừ: Mất đoàn kết nội bộ — buộc xếp loại “Chưa đạt”" in text
    assert "Loại trừ: Có đảng viên bị kỷ luật trong năm — xếp loại không cao hơn “Khá”" in text


def test_evaluate_many_keeps_order_and_reports_bad_rows(four_good: partyrules.Ruleset) -> None:
    rows = [TOP, dict(TOP, members="many"), NEW_CELL]
    out = list(four_good.evaluate_many(rows))
    assert isinstance(out[0], partyrules.Evaluation) and out[0].grade == "bon_tot"
    assert isinstance(out[1], FactsError) and out[1].row == "row 2"
    assert isinstance(out[2], partyrules.Evaluation) and out[2].grade is None


def _features(body: str, grades: str = "") -> partyrules.Ruleset:
    head = """
ruleset "test/features" {
  title "Features"; version "1"; basis "test"; effective from 2024-01-01; points illustrative;
}
input kind "Kind": one of { a "A", b "B", c "C" };
input done "Done": integer 0..10;
input total_tasks "Tasks": integer 1..10;
input thematic "Thematic month": boolean;
input rate "Rate": percent;
input lv "Given level": level q;
levels q "Quality" { good "Good", fair "Fair", poor "Poor" }
let share "Share done" = done / total_tasks;
"""
    grades = grades or 'grades { grade ok "OK" { band from 5; } grade no "No" { band below 5; } }'
    return partyrules.loads(head + body + grades, "features.criteria")


def test_division_is_exact_and_rounded_half_up_only_where_written() -> None:
    r = _features(
        """criteria "All" max 10 {
             item s "Share" max 10 { points = round(min(share, 1) * 10, 2); }
           }"""
    )
    facts = {"kind": "a", "done": 2, "total_tasks": 3, "thematic": True, "rate": 50, "lv": "good"}
    assert r.evaluate(facts).total == Decimal("6.67")  # 20/3 = 6.666..., half up at 2 places
    assert r.evaluate(dict(facts, done=1, total_tasks=8)).total == Decimal("1.25")
    # 1/8 * 10 = 1.25 exactly; and 0.125 -> 0.13 half up at 2 places:
    r2 = _features(
        'criteria "All" max 1 { item s "S" max 1 { points = round(min(share, 1), 2); } }',
        'grades { grade ok "OK" { band from 1; } grade no "No" { band below 1; } }',
    )
    assert r2.evaluate(dict(facts, done=1, total_tasks=8)).total == Decimal("0.13")


def test_not_applicable_modes() -> None:
    r = _features(
        """criteria "All" max 20 {
             rescale round 2;
             item regular "Regular" max 10 { points = done; }
             item thematic_item "Thematic" max 5 { applicable when thematic else rescale; points = 5; }
             item bonus_like "Other" max 5 { applicable when thematic else full; points = 0; }
           }""",
        'grades { grade ok "OK" { band from 10; } grade no "No" { band below 10; } }',
    )
    facts = {"kind": "a", "done": 6, "total_tasks": 3, "thematic": True, "rate": 50, "lv": "good"}
    on = r.evaluate(facts)
    assert on.total == 11  # 6 + 5 + 0
    off = r.evaluate(dict(facts, thematic=False))
    # thematic_item drops out (rescaled), bonus_like gets its full 5: (6 + 0 + 5) * 20 / 15 = 14.666... -> 14.67
    assert off.total == Decimal("14.67")
    assert not off.criterion("thematic_item").applicable


def test_match_table_and_levels() -> None:
    r = _features(
        """criteria "All" max 10 {
             group g "G" max 10 {
               level = bands g { from 8: good; from 5: fair; otherwise: poor; };
               item m "M" max 4 { points = match kind { a: 4; b, c: 1; }; }
               item t "T" max 6 {
                 points = table unique (rate, kind) {
                   >= 80%, a: 6;
                   >= 80%, b | c: 4;
                   < 80%, -: 1;
                 };
               }
             }
           }""",
        """grades {
             grade ok "OK" { band from 5; require "at least fair and given good": level(g) >= fair and lv == good; }
             grade no "No" { band below 5; }
           }""",
    )
    base = {"kind": "a", "done": 6, "total_tasks": 3, "thematic": True, "rate": 85, "lv": "good"}
    e = r.evaluate(base)
    assert (e.total, e.levels["g"], e.grade) == (10, "good", "ok")
    e = r.evaluate(dict(base, kind="c", rate=Decimal("79.99")))
    assert (e.total, e.levels["g"], e.grade) == (2, "poor", "no")
    e = r.evaluate(dict(base, kind="b", lv="fair"))
    assert (e.total, e.levels["g"], e.grade) == (5, "fair", "no")


def test_ruleset_describes_itself(four_good: partyrules.Ruleset) -> None:
    assert [g.id for g in four_good.grades] == ["bon_tot", "kha", "trung_binh", "chua_dat"]
    criteria = four_good.criteria
    assert [(c.id, c.number, c.maximum) for c in criteria[:3]] == [
        ("nhiem_vu", "1", 30),
        ("chi_tieu", "1.1", 20),
        ("thi_dua", "1.2", 10),
    ]
    assert criteria[0].levels == ("tot", "dat", "chua_dat")
    assert [c.id for c in criteria if c.kind == "deduction"] == ["cham_bao_cao"]
    assert [e.id for e in four_good.exemptions] == ["moi_thanh_lap"]


def test_round_rounds_halves_away_from_zero_as_the_language_reference_says() -> None:
    """0.125 -> 0.13, 0.5 -> 1, 1.5 -> 2 (never half to even), -2.5 -> -3; docs/language.md says so."""
    from pathlib import Path

    rules = partyrules.loads(
        """
ruleset "t/round" { title "t"; version "1"; basis "b"; effective from 2024-01-01; points illustrative "x"; }
input a "A": integer 0..8;
input b "B": decimal -5..5 places 1;
let rounded_b "B làm tròn" = round(b, 0);
criteria "C" max 7 {
  item eighths "A / 8" max 1 { points = round(a / 8, 2); }
  item halves "B" max 6 {
    points = table first (rounded_b) { -3: 1; 1: 2; 2: 3; 3: 4; -2: 5; otherwise: 0; };
  }
}
grades { grade g "G" { band from 0; } }
""",
        "round.criteria",
    )
    assert rules.evaluate({"a": 1, "b": "0"}).points["eighths"] == Decimal("0.13")
    expected = {"-2.5": 1, "0.5": 2, "1.5": 3, "2.5": 4, "-1.5": 5}
    assert {b: rules.evaluate({"a": 0, "b": b}).points["halves"] for b in expected} == {
        b: Decimal(p) for b, p in expected.items()
    }
    reference = (Path(__file__).resolve().parents[1] / "docs" / "language.md").read_text(encoding="utf-8")
    assert "round a half **away from zero**" in reference and "0.125 → 0.13" in reference


STRICT = """
ruleset "t/strict" { title "t"; version "1"; basis "b"; effective from 2024-01-01; points illustrative "x"; }
input rate "Tỷ lệ đảng viên dự": percent;
criteria "C" max 3 {
  item du_hop "Dự họp" max 3 { points = bands rate { above 50%: 3; from 50%: 2; above 30%: 1; otherwise: 0; }; }
}
grades { grade g "G" { band from 0; } }
"""


@pytest.mark.parametrize(
    ("rate", "points"), [("100", 3), ("50.1", 3), ("50", 2), ("49.9", 1), ("30.1", 1), ("30", 0), ("0", 0)]
)
def test_above_is_a_strict_lower_bound_compiled_and_in_the_reference(rate: str, points: int) -> None:
    """`above 50%` ("trên 50 %") takes 50.1 % but not 50 %, which falls to `from 50%`; the reference agrees."""
    from partyrules import api, reference

    rules = partyrules.loads(STRICT, "strict.criteria")
    assert rules.evaluate({"rate": rate}).points["du_hop"] == points
    total, _, _ = reference.evaluate(api.model_of(STRICT, "strict.criteria"), {"rate": Decimal(rate)})
    assert total == points


def test_a_strict_band_prints_as_tren_and_formats_back_as_written() -> None:
    from partyrules.formatter import format_text
    from partyrules.render import render_markdown as markdown

    formatted = format_text(STRICT)
    assert "    points = bands rate {\n      above 50%: 3;\n      from 50%: 2;\n      above 30%: 1;\n" in formatted
    assert format_text(formatted) == formatted
    sheet = markdown(partyrules.loads(STRICT, "strict.criteria"))
    assert "trên 50%: 3 điểm<br>từ 50% trở lên: 2 điểm<br>trên 30%: 1 điểm" in sheet


def test_a_refused_value_is_named_as_the_data_writes_it() -> None:
    """A Decimal, a date and time, a yes/no and a long text as a problem names them: not Python's reprs,
    and a long text cut short."""
    import datetime

    rules = partyrules.loads(
        'ruleset "t/shown" { title "T"; version "1"; basis "B"; effective from 2024-01-01; points illustrative "t"; }\n'
        'input n "N": integer 0..10;\n'
        'criteria "C" max 10 { item i "I" max 10 { points = n; } }\n'
        'grades { grade a "A" { band from 5; } grade b "B" { band below 5; } }\n'
    )
    shown = {}
    for value in (Decimal("-1E-300"), datetime.datetime(2024, 5, 6, 9, 30), True, "x" * 500):
        with pytest.raises(FactsError) as caught:
            rules.evaluate({"n": value})
        shown[str(value)[:8]] = caught.value.problems[0].message
    assert list(shown.values()) == [
        "-1E-300 is not a whole number",
        "2024-05-06 09:30:00 is not a whole number",
        "true is not a whole number",
        "'" + "x" * 78 + "… is not a whole number",
    ]
