"""Input defaults in examples: a declared default fills an example's missing fact, and `= default`
gives an input back its default in an example built `like` another."""

from __future__ import annotations

from pathlib import Path

import partyrules
from partyrules.proving import run, run_example

SCALE = """\
ruleset "vn.vidu/mac-dinh" { title "X"; version "1"; basis "B"; effective from 2025-01-01; points illustrative; }
input members "Số đảng viên": integer 1..50 = 10;
input present "Số có mặt": integer 0..50 = 10;
input minutes "Thời lượng": integer 0..600;
input chair "Chủ trì": one of { tot "Tốt", yeu "Yếu" } = tot;
constraint "Có mặt không quá số đảng viên": present <= members;
criteria "C" max 10 {
  item du "Dự họp" max 6 { points = round(present / members * 6, 0); }
  item gio "Thời lượng" max 4 { points = if minutes >= 90 and chair == tot then 4 else 0; }
}
grades { grade tot "Tốt" { band from 9; } grade kem "Kém" { band below 9; } }
example du "Đủ người: số có mặt và số đảng viên lấy mặc định" { given { minutes = 95; } expect total 10; }
example nua "Như du, nửa số có mặt" like du { given { present = 5; } expect total 7; }
example lai "Như nua, số có mặt trở lại mặc định" like nua { given { present = default; chair = default; } expect total 10; }
"""


def _outcomes(text: str) -> dict[str, bool]:
    ruleset = partyrules.loads(text, "t.criteria")
    return {o.name: o.passed for o in run(ruleset, properties=False)}


def test_defaults_fill_the_facts_an_example_leaves_out() -> None:
    assert partyrules.check("t.criteria", text=SCALE) == []
    assert _outcomes(SCALE) == {"du": True, "nua": True, "lai": True}
    # the declared default is what is used: another default changes the outcome
    changed = SCALE.replace("integer 1..50 = 10;", "integer 1..50 = 20;")
    assert _outcomes(changed) == {"du": False, "nua": False, "lai": False}


def test_equals_default_undoes_the_base_fact() -> None:
    ruleset = partyrules.loads(SCALE, "t.criteria")
    lai = next(c for c in ruleset.tests.examples if c.name == "lai")
    assert dict(lai.facts) == {"minutes": 95, "present": None, "chair": None}
    outcome = run_example(ruleset, lai)
    assert outcome.passed
    wrong = partyrules.loads(SCALE.replace("expect total 10; }\n", "expect total 7; }\n", 2), "t.criteria")
    failed = run_example(wrong, next(c for c in wrong.tests.examples if c.name == "lai"))
    assert not failed.passed
    assert "Số có mặt [present] = 10  (mặc định)" in failed.detail


def test_a_default_counts_in_the_constraints_an_example_must_keep() -> None:
    text = SCALE.replace("given { present = 5; }", "given { present = 11; }")
    ((problem,),) = [[d for d in partyrules.check("t.criteria", text=text)]]
    assert problem.code == "PR805"  # 11 present of the default 10 members


def test_default_of_an_input_without_one_is_refused() -> None:
    text = SCALE.replace("present = default;", "minutes = default;")
    (problem,) = partyrules.check("t.criteria", text=text)
    assert (problem.code, problem.message) == ("PR803", "`minutes` has no default")
    assert problem.hint == "give `minutes` a value, or declare a default: `input minutes ...: ... = VALUE;`"


def test_an_empty_cell_of_a_table_takes_the_default(tmp_path: Path) -> None:
    (tmp_path / "cases.csv").write_text("minutes,present,total\n95,,10\n95,5,7\n", encoding="utf-8")
    path = tmp_path / "t.criteria"
    path.write_text(SCALE + 'examples "Bảng" from "cases.csv";\n', encoding="utf-8")
    ruleset = partyrules.load(path)
    assert [o.passed for o in run(ruleset, properties=False)] == [True] * 5
