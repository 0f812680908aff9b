"""The shipped scales carry examples and properties: they pass, reach every rule, and catch mistakes."""

from __future__ import annotations

import functools
import os
import re
import shutil
from pathlib import Path

import pytest

import partyrules
from partyrules import cli, proving, rulecoverage

CRITERIA = Path(partyrules.__file__).resolve().parent / "criteria"
SECTION = "# ---- ví dụ và tính chất"
# the scales that carry examples and properties (a library has none)
SCALES = sorted(p for p in CRITERIA.rglob("*.criteria") if SECTION in p.read_text(encoding="utf-8"))


# Every claim was checked with `partyrules test --thorough` when it was written; here, on every push,
# a short derandomised search guards against regressions (PARTYRULES_HYPOTHESIS=thorough: the full one).
SEARCH = proving.Search.thorough(0) if os.environ.get("PARTYRULES_HYPOTHESIS") == "thorough" else proving.Search(25)


def _id(path: Path) -> str:
    return path.relative_to(CRITERIA).as_posix()


@functools.cache
def _loaded(path: Path) -> partyrules.Ruleset:
    """Each scale compiled once for both tests below (a Ruleset is immutable; loading is tested elsewhere)."""
    return partyrules.load(path)


@pytest.mark.parametrize("path", SCALES, ids=_id)
def test_every_shipped_scale_passes_its_examples_and_properties(path: Path) -> None:
    ruleset = _loaded(path)
    assert ruleset.tests, "every shipped scale has examples and properties"
    failed = [o for o in proving.run(ruleset, SEARCH) if not o.passed]
    assert not failed, failed[0].detail if failed else ""


@pytest.mark.parametrize("path", SCALES, ids=_id)
def test_the_examples_reach_every_rule_of_the_file(path: Path) -> None:
    report = rulecoverage.measure(_loaded(path).tests)
    assert report.complete, [f"{r.location}: {r.text}" for r in report.missed]


def _broken_copy(tmp_path: Path, relative: str, breaking: object) -> Path:
    source = CRITERIA / relative
    folder = tmp_path / source.parent.name
    folder.mkdir()
    for table in source.parent.glob("*.csv"):
        shutil.copy(table, folder / table.name)
    text = source.read_text(encoding="utf-8")
    assert callable(breaking)
    broken = breaking(text)
    assert broken != text
    path = folder / source.name
    path.write_text(broken, encoding="utf-8")
    return path


def _typo_in_a_band(text: str) -> str:
    # 80 % of the targets typed as 85 %: the checker cannot know, the threshold examples do
    return text.replace("from 80%: 14;", "from 85%: 14;", 1)


def _deduction_as_a_bonus(text: str) -> str:
    # late reports entered among the bonuses: they add points instead of taking them off
    entry = re.search(r"  deduction (cham_bao_cao .*?\n  \})", text, re.S)
    assert entry is not None
    text = re.sub(r'deductions "Điểm trừ" cap 6 \{.*?\n\}\n', "", text, count=1, flags=re.S)
    return text.replace(
        'bonuses "Điểm cộng" cap 5 {\n', 'bonuses "Điểm cộng" cap 5 {\n  bonus ' + entry.group(1) + "\n", 1
    )


def _typo_in_the_meeting_sheet(text: str) -> str:
    return text.replace("from 80%: 25;", "from 85%: 25;", 1)


@pytest.mark.parametrize(
    ("relative", "breaking", "caught_by"),
    [
        ("vn.hatinh/chi-bo-4-tot.criteria", _typo_in_a_band, "  FAIL  example `nguong_80_6_70`"),
        ("vn/cell-meeting@hd12.criteria", _typo_in_the_meeting_sheet, "  FAIL  example `nguong_85_30_80`"),
        # the bonus makes a total of -1 impossible: the checker refuses the example before anything runs
        (
            "vn.hatinh/chi-bo-4-tot.criteria",
            _deduction_as_a_bonus,
            "error PR807: no organisation can have a total of -1: totals lie in 5..105",
        ),
    ],
    ids=["band typo", "meeting sheet typo", "deduction as a bonus"],
)
def test_broken_copies_are_caught(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], relative: str, breaking: object, caught_by: str
) -> None:
    path = _broken_copy(tmp_path, relative, breaking)
    assert cli.main(["test", "--examples-only", str(path)]) == 1
    out, err = capsys.readouterr()
    assert caught_by in out + err


def test_the_shipped_scales_keep_their_examples() -> None:
    """Each of these scales was given examples reaching every rule; none may lose them unnoticed."""
    assert {_id(p) for p in SCALES} >= {
        "vn.binhthuan/cell-meeting.criteria",
        "vn.hatinh/annual-collective.criteria",
        "vn.hatinh/cell-meeting.criteria",
        "vn.hatinh/chi-bo-4-tot.criteria",
        "vn/annual-collective@124.criteria",
        "vn/annual-collective@366.criteria",
        "vn/annual-leader.criteria",
        "vn/annual-member-outside.criteria",
        "vn/annual-member@124.criteria",
        "vn/annual-member@366.criteria",
        "vn/cell-meeting@hd12.criteria",
        "vn/cell-meeting@hd42.criteria",
        "vn/member-quarter.criteria",
        "vn/member-year.criteria",
    }


def test_the_hd42_minutes_are_pinned_by_an_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`combined_minutes = 120` typed as 110 is caught: an example sits at 119 combined minutes."""
    folder = tmp_path / "vn"
    folder.mkdir()
    for name in ("cell-meeting@hd12.criteria", "cell-meeting@hd12.examples.csv"):
        shutil.copy(CRITERIA / "vn" / name, folder / name)
    text = (CRITERIA / "vn" / "cell-meeting@hd42.criteria").read_text(encoding="utf-8")
    broken = text.replace("set combined_minutes = 120;", "set combined_minutes = 110;")
    assert broken != text
    (folder / "cell-meeting@hd42.criteria").write_text(broken, encoding="utf-8")
    assert cli.main(["test", "--examples-only", str(folder / "cell-meeting@hd42.criteria")]) == 1
    assert "  FAIL  example `ket_hop_119_phut`" in capsys.readouterr().out
