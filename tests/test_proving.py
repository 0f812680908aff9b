"""`partyrules test`: examples run, properties searched (smallest counterexample), rule coverage, mutants."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import pytest

import partyrules
from partyrules import cli, mutation, proving, rulecoverage

DEMO = """\
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

criteria "Buổi sinh hoạt" max 10 {
  item du_hop "Dự họp" max 6 {
    points = table first (attendance, unexcused) { >= 95%, 0: 6; > 85%, 0: 5; > 85%, -: 3; otherwise: 0; };
  }
  item thoi_luong "Thời lượng" max 4 {
    points = bands minutes { from 90: 4; from 60: 2; otherwise: 0; };
  }
}

grades {
  grade tot "Tốt" { band from 9; require "Không ai vắng không lý do": unexcused == 0; }
  grade kha "Khá" { band from 7 below 9; }
  grade kem "Kém" { band below 7; }
}

example tot_du "Đủ người, đủ giờ" {
  given { attendance = 96%; minutes = 95; }
  expect total 10;
  expect grade tot;
}
property bounds "Tổng trong khung" {
  total within 0..10;
  monotone increasing in minutes;
  grade tot requires unexcused == 0;
}
# more
"""


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    status = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, out, err


@pytest.fixture
def demo(write_criteria: Callable[..., Path]) -> Callable[..., Path]:
    def write(*pairs: tuple[str, str]) -> Path:
        text = DEMO
        for old, new in pairs:
            assert text.count(old) == 1
            text = text.replace(old, new)
        return write_criteria(text, "demo.criteria")

    return write


def test_a_passing_file(capsys: pytest.CaptureFixture[str], demo: Callable[..., Path]) -> None:
    path = demo()
    status, out, err = run(capsys, "test", path)
    assert (status, err) == (0, "")
    assert out == (
        f"{path}: 1 example, 3 property claims\n"
        f'  ok    example `tot_du` "Đủ người, đủ giờ" ({path}:28:1)\n'
        f'  ok    property `bounds` "Tổng trong khung": total within 0..10 ({path}:33:1)\n'
        f'  ok    property `bounds` "Tổng trong khung": monotone increasing in minutes ({path}:33:1)\n'
        f'  ok    property `bounds` "Tổng trong khung": grade tot requires unexcused == 0 ({path}:33:1)\n'
        "  all passed\n"
    )


def test_a_failing_example_shows_what_differs(capsys: pytest.CaptureFixture[str], demo: Callable[..., Path]) -> None:
    path = demo(("expect total 10;", "expect total 9;"))
    status, out, _ = run(capsys, "test", path)
    assert status == 1
    assert f'  FAIL  example `tot_du` "Đủ người, đủ giờ" ({path}:28:1)\n        expect total 9: got 10\n' in out
    assert "        Tỷ lệ dự họp [attendance] = 96%\n" in out
    assert "        Vắng không lý do [unexcused] = 0  (mặc định)\n" in out
    assert "TỔNG ĐIỂM: 10 / 10" in out  # the score sheet that broke it
    assert out.endswith("  1 of 4 failed\n")


def test_a_broken_property_shows_the_smallest_counterexample(
    capsys: pytest.CaptureFixture[str], demo: Callable[..., Path]
) -> None:
    path = demo(("total within 0..10;", "total within 0..9;"))
    status, out, _ = run(capsys, "test", path)
    assert status == 1
    # hypothesis shrinks to the least an organisation needs for 10 points: 95 % and 90 minutes
    assert (
        '  FAIL  property `bounds` "Tổng trong khung": total within 0..9'
        f" ({path}:33:1)\n"
        "        the total is 10\n"
        "        facts:\n"
        "          Tỷ lệ dự họp [attendance] = 95%\n"
        "          Thời lượng (phút) [minutes] = 90\n"
    ) in out


def test_a_monotone_property_compares_two_organisations(
    capsys: pytest.CaptureFixture[str], demo: Callable[..., Path]
) -> None:
    path = demo(("monotone increasing in minutes;", "monotone decreasing in attendance;"))
    status, out, _ = run(capsys, "test", path)
    assert status == 1
    # the smallest rise that changes a row: from 0 % just past the 85 % of the second row
    assert (
        "        when Tỷ lệ dự họp [attendance] grows from 0% to 85.01%, the total rose from 0 to 5\n"
        "        facts (before):\n"
        "          Tỷ lệ dự họp [attendance] = 0%\n"
        "          Thời lượng (phút) [minutes] = 0\n"
    ) in out
    assert "          1 Dự họp [du_hop]: 0 → 5\n" in out


def test_search_is_deterministic_unless_seeded(capsys: pytest.CaptureFixture[str], demo: Callable[..., Path]) -> None:
    path = demo(("total within 0..10;", "total within 0..9;"))
    first, second = (run(capsys, "test", path)[1] for _ in range(2))
    assert first == second
    status, out, _ = run(capsys, "test", path, "--seed", "7")
    assert status == 1 and "  (property search: 100 organisations per claim, seed 7)\n" in out
    assert proving.Search.thorough(3) == proving.Search(proving.THOROUGH_EXAMPLES, 3)


def test_an_always_claim_reports_the_condition(demo: Callable[..., Path]) -> None:
    path = demo(("grade tot requires unexcused == 0;", "always thoi_luong > 0 or unexcused > 0;"))
    claims = [o for o in proving.run(partyrules.load(path)) if o.kind == "property"]
    assert [o.passed for o in claims] == [True, True, False]
    assert claims[2].claim == "always thoi_luong > 0 or unexcused > 0"
    assert claims[2].detail.startswith(
        "the condition is false\nfacts:\n  Tỷ lệ dự họp [attendance] = 0%\n  Thời lượng (phút) [minutes] = 0\n"
    )


def test_files_with_errors_and_without_tests(
    capsys: pytest.CaptureFixture[str], demo: Callable[..., Path], write_criteria: Callable[..., Path]
) -> None:
    bad = demo(("expect grade tot;", "expect grade tott;"))
    status, out, err = run(capsys, "test", bad)
    assert status == 1 and out == ""
    assert "error PR806: there is no grade `tott`" in err
    plain = write_criteria(DEMO[: DEMO.index("example tot_du")], "plain.criteria")
    assert run(capsys, "test", plain) == (0, f"{plain}: no examples or properties\n", "")


def test_coverage_lists_the_rules_no_example_reaches(
    capsys: pytest.CaptureFixture[str], demo: Callable[..., Path]
) -> None:
    path = demo()
    status, out, _ = run(capsys, "test", path, "--coverage")
    assert status == 0
    assert out.endswith(
        "  rule coverage: 5/13 rules reached by the examples\n"
        f"    not reached: {path}:15:66: `> 85%, 0: 5` in points of `du_hop`\n"
        f"    not reached: {path}:15:79: `> 85%, -: 3` in points of `du_hop`\n"
        f"    not reached: {path}:15:103: `otherwise: 0` in points of `du_hop`\n"
        f"    not reached: {path}:18:42: `from 60: 2` in points of `thoi_luong`\n"
        f"    not reached: {path}:18:65: `otherwise: 0` in points of `thoi_luong`\n"
        f'    not reached: {path}:23:34: requirement "Không ai vắng không lý do" of `tot` fails\n'
        f"    not reached: {path}:24:3: grade `kha` is given\n"
        f"    not reached: {path}:25:3: grade `kem` is given\n"
    )


def test_full_coverage(demo: Callable[..., Path]) -> None:
    more = "\n".join(
        f'example e{i} "E{i}" {{ given {{ attendance = {a}; minutes = {m}; unexcused = {u}; }} expect grade {g}; }}'
        for i, (a, m, u, g) in enumerate(
            [("90%", "95", "0", "tot"), ("90%", "60", "1", "kem"), ("0", "0", "0", "kem"), ("96%", "90", "1", "kha")]
        )
    )
    ruleset = partyrules.load(demo(("# more", more)))
    report = rulecoverage.measure(ruleset.tests)
    # every rule but one: nobody with an unexcused absence reaches 9 points (3 + 4 at most), so the
    # requirement of `tot` never decides a grade; coverage shows the requirement is redundant
    assert [r.text for r in report.missed] == ['requirement "Không ai vắng không lý do" of `tot` fails']
    kinds = sorted({r.kind for r in report.reached})
    assert kinds == ["bands row", "criterion", "grade", "otherwise", "table row"]


def test_mutants_are_single_small_changes(demo: Callable[..., Path]) -> None:
    ruleset = partyrules.load(demo())
    descriptions = [m.description for m in mutation.mutants(ruleset.model)]
    assert descriptions[:4] == [
        "swap the results of two table rows: `6` ⇄ `5`",
        "flip a comparison: table cell `>= 95%` → `> 95%`",
        "swap the results of two table rows: `5` ⇄ `3`",
        "flip a comparison: table cell `> 85%` → `>= 85%`",
    ]
    assert "shift a threshold: `from 90` → `from 91`" in descriptions
    assert "shift the boundary between grades `tot` and `kha`: 9 → 10" in descriptions
    assert 'drop the requirement "Không ai vắng không lý do" of grade `tot`' in descriptions
    assert "flip a comparison: `unexcused == 0` → `unexcused != 0`" in descriptions
    assert len(descriptions) == 18


def test_mutation_report(capsys: pytest.CaptureFixture[str], demo: Callable[..., Path]) -> None:
    path = demo()
    status, out, _ = run(capsys, "test", path, "--mutate")
    assert status == 0
    lines = out.splitlines()
    summary = next(line for line in lines if line.startswith("  mutants:"))
    survived = [line for line in lines if line.startswith("    survived:")]
    killed = int(summary.split(", ")[1].split()[0])
    assert killed > 0 and len(survived) == int(summary.split(", ")[2].split()[0])
    # the example only tries 95 minutes, so the 60-minute row is not pinned down
    assert f"    survived: {path}:18:42: shift a threshold: `from 60` → `from 61`" in survived


def test_a_deduction_counted_as_a_bonus_is_caught(write_criteria: Callable[..., Path]) -> None:
    text = DEMO.replace(
        "grades {",
        'deductions "Trừ" cap 2 { deduction tre "Đến muộn" max 2 { points = if unexcused > 0 then 2 else 0; } }\n\ngrades {',
    ).replace(
        "# more",
        'example tre "Có người vắng" { given { attendance = 96%; minutes = 95; unexcused = 1; } expect total 5; }',
    )
    ruleset = partyrules.load(write_criteria(text))
    flipped = [m for m in mutation.mutants(ruleset.model) if m.description == "count the deduction `tre` as a bonus"]
    (mutant,) = flipped
    verdict = mutation.judge(mutant, ruleset.filename, ruleset.source, {})
    assert (verdict.status, verdict.by) == ("killed", "example `tre`")


def test_the_example_of_the_testing_guide_passes(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "testing.md").read_text(encoding="utf-8")
    block = text.split("```criteria\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "sinh-hoat.criteria"
    path.write_text(block, encoding="utf-8")
    ruleset = partyrules.load(path)
    assert [o.passed for o in proving.run(ruleset)] == [True] * 6


def test_a_table_missing_where_the_file_is_loaded_fails_the_test_run_but_not_scoring(
    capsys: pytest.CaptureFixture[str], demo: Callable[..., Path]
) -> None:
    path = demo(("# more", 'examples "Bảng" from "demo.examples.csv";'))
    (warning,) = partyrules.check(path)
    assert (warning.code, warning.severity, warning.message) == (
        "PR809",
        "warning",
        f"no such file: {path.parent / 'demo.examples.csv'}",
    )
    ruleset = partyrules.load(path)  # scoring goes on: examples never change a score
    assert ruleset.evaluate({"attendance": 96, "minutes": 95}).total == 10
    status, out, _ = run(capsys, "test", path, "--examples-only")
    assert status == 1
    assert f"  FAIL  example `(table)` \"no such file: {path.parent / 'demo.examples.csv'}\" ({path}:38:1)\n" in out


def test_a_value_an_assumption_fixes_is_drawn_not_waited_for(demo: Callable[..., Path]) -> None:
    """`assuming unexcused == 37`: the search draws 37 itself instead of filtering free draws for it
    (a speed-up, not a change of verdict: both claims are judged as before)."""
    rare = (
        'property rare "Khi 37 người vắng" {\n'
        "  assuming unexcused == 37 and minutes >= 90;\n"
        "  always thoi_luong == 4;\n"
        "  always du_hop > 0;\n"
        "}\n"
    )
    ruleset = partyrules.load(demo(("# more", rare)))
    claims = [o for o in proving.run(ruleset) if o.kind == "property" and o.name == "rare"]
    assert [o.passed for o in claims] == [True, False]
    assert "Vắng không lý do [unexcused] = 37" in claims[1].detail
    prop = next(p for p in ruleset.tests.properties if p.name == "rare")
    assert proving._pins(ruleset, prop) == {"unexcused": 37}  # minutes >= 90 is a range: left to the filter


def _verdicts(report: mutation.Report) -> list[tuple[str, str, str, str]]:
    return [(v.mutant.location, v.mutant.description, v.status, v.by) for v in report.verdicts]


def test_mutants_judged_in_worker_processes_give_the_serial_report(demo: Callable[..., Path]) -> None:
    ruleset = partyrules.load(demo())
    serial = mutation.run(ruleset, workers=1)
    parallel = mutation.run(ruleset, workers=2)
    assert _verdicts(parallel) == _verdicts(serial)
    assert parallel.summary() == serial.summary()
    statuses = {v.status for v in serial.verdicts}
    assert statuses == {"killed", "survived"}, statuses  # both verdicts are compared, not only one
    assert any(v.by.startswith("property") for v in serial.verdicts)  # a kill on the samples drawn in workers


def test_the_property_search_in_worker_processes_gives_the_outcomes_of_proving_run(demo: Callable[..., Path]) -> None:
    """`partyrules test --mutate` searches the claims in the mutation's workers: the same outcomes, in the
    same order, counterexamples included, and the same mutation report as without them."""
    broken = 'property lau "Luôn đủ giờ" {\n  always thoi_luong == 4;\n}\n'
    ruleset = partyrules.load(demo(("# more", broken)))
    outcomes, report = mutation.run_with_properties(ruleset, proving.Search(10), sample_size=10, workers=2)
    expected = proving.run(partyrules.load(demo(("# more", broken))), proving.Search(10))
    assert outcomes == expected
    assert {o.kind for o in outcomes} == {"example", "property"}
    assert [o.passed for o in outcomes if o.name == "lau"] == [False]  # a counterexample compared as well
    assert _verdicts(report) == _verdicts(mutation.run(ruleset, sample_size=10, workers=2))


def test_a_shipped_scale_mutated_in_three_processes_gives_the_serial_report() -> None:
    ruleset = partyrules.load("vn/annual-collective", on=datetime.date(2025, 12, 31))
    serial = mutation.run(ruleset, sample_size=25, workers=1)
    parallel = mutation.run(ruleset, sample_size=25, workers=3)
    assert _verdicts(parallel) == _verdicts(serial)
    assert {v.status for v in serial.verdicts} == {"killed", "survived", "refused"}
    kinds = {v.by.split(" ")[0] for v in serial.verdicts if v.status == "killed"}
    assert kinds == {"example", "the"}, kinds  # by an example, and by the checker through the examples
    with pytest.raises(ValueError, match="at least 1"):
        mutation.run(ruleset, workers=0)
