"""The pytest plugin: a province's criteria files tested by `pytest` alone, opt-in."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

pytest_plugins = ["pytester"]

SCALE = """\
ruleset "demo/p" { title "P"; version "1"; basis "Ví dụ"; effective from 2024-01-01; points illustrative; }
input minutes "Thời lượng (phút)": integer 0..600;
criteria "C" max 4 { item t "Thời lượng" max 4 { points = bands minutes { from 90: 4; from 60: 2; otherwise: 0; }; } }
grades { grade tot "Tốt" { band from 4; } grade kem "Kém" { band below 4; } }
example du "Đủ giờ" { given { minutes = 95; } expect total 4; expect grade tot; }
example thieu "Thiếu giờ" { given { minutes = 70; } expect total 3; }
property bounds "Trong khung" { total within 0..4; monotone increasing in minutes; }
"""


def _args() -> list[str]:
    """Load the plugin explicitly unless it is installed (then pytest loads it from its entry point)."""
    installed = any(e.name == "partyrules" for e in entry_points(group="pytest11"))
    return [] if installed else ["-p", "partyrules.pytest_plugin"]


def test_collection_is_opt_in(pytester: pytest.Pytester) -> None:
    pytester.makefile(".criteria", scale=SCALE)
    result = pytester.runpytest(*_args())
    result.assert_outcomes()  # nothing collected: installing partyrules changes no one's test run
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_examples_and_claims_are_items(pytester: pytest.Pytester) -> None:
    pytester.makefile(".criteria", scale=SCALE)
    pytester.makeini("[pytest]\npartyrules_criteria = true\n")
    result = pytester.runpytest(*_args(), "-v")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*scale.criteria::example du PASSED*",
            "*scale.criteria::example thieu FAILED*",
            "*scale.criteria::property bounds: total within 0..4 PASSED*",
            "*scale.criteria::property bounds: monotone increasing in minutes PASSED*",
        ]
    )
    result.stdout.fnmatch_lines(["*scale.criteria:6:1: example thieu failed", "expect total 3: got 2"])


def test_the_command_line_switch_and_a_broken_file(pytester: pytest.Pytester) -> None:
    pytester.makefile(".criteria", broken=SCALE.replace("expect grade tot;", "expect grade tott;"))
    result = pytester.runpytest(*_args(), "--criteria")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*broken.criteria:5:76: error PR806: there is no grade `tott`", "*did you mean `tot`?"]
    )


def test_a_broken_property_fails_with_its_counterexample(pytester: pytest.Pytester) -> None:
    pytester.makefile(".criteria", scale=SCALE.replace("monotone increasing", "monotone decreasing"))
    result = pytester.runpytest(*_args(), "--criteria", "-k", "monotone")
    result.assert_outcomes(failed=1, deselected=3)
    # the smallest rise that changes the total; lines compared whole (`[` is special to fnmatch)
    assert "when Thời lượng (phút) [minutes] grows from 0 to 60, the total rose from 0 to 2" in result.stdout.lines
