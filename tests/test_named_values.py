"""`partyrules explain` shows each named value (`let`) computed for the organisation: text and JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import partyrules
from partyrules import cli, scoresheet
from partyrules.explain import explain_text

RULES = """\
ruleset "test/values" {
  title "Thử giá trị tính";
  version "1";
  basis "Thử";
  effective from 2024-01-01;
  points illustrative "thử";
}

levels muc "Mức" { tot "Tốt", dat "Đạt" }

input members "Số đảng viên phải dự": integer 1..100;
input present "Số đảng viên có mặt": integer 0..100;
input unexcused "Số đảng viên vắng không lý do": integer 0..100 = 0;
input held "Ngày họp": date 2024-01-01..2025-12-31;

let attendance "Tỷ lệ đảng viên dự" = present / members;
let per_member = present / members;
let full_house "Không ai vắng không lý do" = unexcused == 0;
let standing "Mức dự họp" = bands attendance { from 90%: tot; otherwise: dat; };
let day "Ngày họp (ghi lại)" = held;

constraint "Có mặt không quá số phải dự": present <= members;

criteria "Thang" max 10 {
  item du "Dự họp" max 10 {
    points = table first (attendance, full_house) {
      >= 95%, true: 10;
      > 85%, -: 5;
      otherwise: 0;
    };
  }
}

grades {
  grade tot "Tốt" { band from 9; require "Dự đủ": standing == tot; }
  grade kem "Kém" { band below 9; }
}
"""


@pytest.fixture
def rules_path(write_criteria: Callable[..., Path]) -> Path:
    return write_criteria(RULES)


def values_of(path: Path, facts: dict[str, object]) -> dict[str, scoresheet.NamedValue]:
    rules = partyrules.load(path)
    evaluation = rules.evaluate(facts)
    return {v.name: v for v in scoresheet.named_values(rules, evaluation)}


def test_each_named_value_with_its_value(rules_path: Path) -> None:
    values = values_of(rules_path, {"members": 8, "present": 7, "unexcused": 1, "held": "2025-03-01"})
    rate = values["attendance"]
    assert (rate.text, rate.value, rate.percent) == ("87.5%", "0.875", True)  # a rate, as a percentage
    assert rate.formula == "present / members" and rate.facts == ("members", "present")
    # the same quotient, neither called a rate nor compared with a percentage, stays a number
    assert (values["per_member"].text, values["per_member"].percent) == ("0.875", False)
    assert (values["full_house"].text, values["full_house"].value) == ("không", "false")
    assert (values["standing"].text, values["standing"].value) == ("Đạt", "dat")  # a level (87.5% < 90%), by its label
    assert (values["day"].text, values["day"].value) == ("01/03/2025", "2025-03-01")
    assert values["standing"].facts == ("members", "present")  # read through `attendance`


def test_a_rate_with_no_exact_decimal(rules_path: Path) -> None:
    rate = values_of(rules_path, {"members": 9, "present": 7, "held": "2025-03-01"})["attendance"]
    assert (rate.text, rate.value) == ("≈ 77.78%", "7/9")


def test_the_explanation_shows_them(rules_path: Path) -> None:
    rules = partyrules.load(rules_path)
    evaluation = rules.evaluate({"members": 8, "present": 7, "held": "2025-03-01"})
    text = explain_text(evaluation, values=scoresheet.named_values(rules, evaluation))
    section = text[text.index("GIÁ TRỊ TÍNH TỪ DỮ LIỆU") : text.index("TIÊU CHÍ")]
    assert "  Tỷ lệ đảng viên dự [attendance] = 87.5%\n           cách tính: present / members\n" in section
    assert "           dữ liệu: Số đảng viên phải dự = 8, Số đảng viên có mặt = 7\n" in section
    assert "  Không ai vắng không lý do [full_house] = có\n" in section
    assert "  per_member [per_member] = 0.875\n" in section
    # without values the explanation is as before: Evaluation.explain() has no model to compute them with
    assert "GIÁ TRỊ TÍNH TỪ DỮ LIỆU" not in evaluation.explain()


def test_cli_explain_text_and_json(
    rules_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    facts = tmp_path / "f.json"
    facts.write_text(json.dumps({"members": 20, "present": 19, "held": "2025-03-01"}), encoding="utf-8")
    assert cli.main(["explain", str(rules_path), str(facts)]) == 0
    text = capsys.readouterr().out
    assert "Tỷ lệ đảng viên dự [attendance] = 95%" in text
    assert cli.main(["explain", str(rules_path), str(facts), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["explanation"] == text
    attendance = next(v for v in document["values"] if v["name"] == "attendance")
    assert attendance == {
        "name": "attendance",
        "label": "Tỷ lệ đảng viên dự",
        "text": "95%",
        "value": "0.95",
        "percent": True,
        "formula": "present / members",
        "facts": ["members", "present"],
    }
    assert document["evaluation"]["total"] == "10"


def test_shipped_meeting_sheet_explains_the_required_minutes() -> None:
    """The national meeting sheet (HD 42) needs 120 minutes for a combined meeting: explain shows it."""
    rules = partyrules.shipped("vn/cell-meeting")
    casebook = partyrules.api.checked_model(rules).tests
    assert casebook is not None
    given = dict(casebook.examples[0].facts)
    given["combined"] = True
    given["is_thematic_month"] = True
    evaluation = rules.evaluate(given)
    values = {v.name: v for v in scoresheet.named_values(rules, evaluation)}
    assert values["required_minutes"].text == "120"
    assert values["required_minutes"].facts == ("combined",)
    assert values["combined_minutes"].text == "120"
