"""The shipped member rulesets: vn/annual-member in two versions (Quy định 124 and 366) and the 366
appendices that extend it (a leader or manager; a member outside the political system).

Every expected total and grade below was worked out by hand from the criteria files; the arithmetic
is in the comments. Percent facts are in percent units (95 means 95 %).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

import partyrules
from partyrules import diff, render, workbook
from shipped_cache import shipped

BEFORE = datetime.date(2024, 12, 31)
AFTER = datetime.date(2025, 12, 31)

# 10 + 10 + 10 = 30; round(100% * 40, 2) + round(100% * 20, 2) + 10 (30 % exceeded) = 70
FULL: dict[str, Any] = {
    "politics_points": 10,
    "innovation_points": 10,
    "self_criticism_points": 10,
    "tasks_done_rate": 100,
    "tasks_on_time_rate": 100,
    "tasks_exceeded_rate": 30,
    "months_in_party": 120,
}


def test_the_two_versions_are_picked_by_date() -> None:
    old = partyrules.load("vn/annual-member", on=BEFORE)
    new = partyrules.load("vn/annual-member", on=AFTER)
    assert (old.version, old.effective_from, old.effective_to) == (
        "2023.1",
        datetime.date(2023, 10, 4),
        datetime.date(2025, 8, 29),
    )
    assert (new.version, new.effective_from, new.effective_to) == ("2025.1", datetime.date(2025, 8, 30), None)
    assert old.status == "official" and new.status == "illustrative"
    assert partyrules.load("vn/annual-member", on=datetime.date(2025, 8, 30)).version == "2025.1"
    # both versions declare the members' facts once, in the library they import
    for r in (old, new):
        assert any(name.endswith("member-facts.criteria") for name, _ in r.sources)
        assert {"disciplined", "suspended", "exempted", "months_in_party", "sick_leave_months"} <= {
            i.name for i in r.inputs
        }


def test_366_member_hand_computed() -> None:
    rules = shipped("vn/annual-member", on=AFTER)
    assert rules.evaluate(FULL).total == 100 and rules.evaluate(FULL).grade == "htxsnv"
    # 8 + 7 + 6 = 21; 40 + round(90% * 20, 2) = 18 + 7 (25 % exceeded) = 65: 86, httnv band, 90 % on time -> htnv
    facts = FULL | {"politics_points": 8, "innovation_points": 7, "self_criticism_points": 6}
    late = rules.evaluate(facts | {"tasks_on_time_rate": 90, "tasks_exceeded_rate": 25})
    assert (late.total, late.band_grade, late.grade) == (Decimal(86), "httnv", "htnv")
    # the same on time: 21 + 40 + 20 + 7 = 88 -> httnv
    assert rules.evaluate(facts | {"tasks_exceeded_rate": 25}).grade == "httnv"


@pytest.mark.parametrize(
    ("change", "grade", "rule"),
    [
        ({"disciplined": True}, "khtnv", "bi_ky_luat"),
        ({"disciplined": True, "violation_counted_before": True}, "htxsnv", None),  # one violation counts once
        ({"sick_leave_months": 3}, "htnv", "nghi_om"),
        ({"sick_leave_months": 2}, "htxsnv", None),
        ({"prohibitions_broken": True}, "khtnv", "suy_thoai"),
    ],
)
def test_knockouts_in_both_versions(change: dict[str, Any], grade: str, rule: str | None) -> None:
    old_facts = {
        "politics_level": "xuat_sac",
        "discipline_level": "xuat_sac",
        "tasks_level": "xuat_sac",
        "tasks_done_rate": 100,
        "tasks_on_time_rate": 100,
        "tasks_exceeded_rate": 50,
        "months_in_party": 120,
    }
    for rules, facts in (
        (shipped("vn/annual-member", on=BEFORE), old_facts),
        (shipped("vn/annual-member", on=AFTER), FULL),
    ):
        e = rules.evaluate(facts | change)
        assert e.grade == grade
        assert [k.id for k in e.knockouts] == ([rule] if rule else [])


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"suspended": True}, "dinh_chi"),
        ({"exempted": True}, "mien_sinh_hoat"),
        ({"months_in_party": 5}, "moi_vao_dang"),
    ],
)
def test_not_graded_in_both_versions(change: dict[str, Any], rule: str) -> None:
    new = shipped("vn/annual-member", on=AFTER).evaluate(FULL | change)
    assert new.grade is None and new.not_graded is not None and new.not_graded.id == rule
    assert new.total == 100  # points are still computed
    assert shipped("vn/annual-member", on=AFTER).evaluate(FULL | {"months_in_party": 6}).grade == "htxsnv"


def test_124_needs_half_of_the_tasks_exceeded_and_366_thirty_percent() -> None:
    old = shipped("vn/annual-member", on=BEFORE)
    best = {"politics_level": "xuat_sac", "discipline_level": "tot", "tasks_level": "xuat_sac"}
    rates = {"tasks_done_rate": 100, "tasks_on_time_rate": 100, "months_in_party": 60}
    assert old.evaluate(best | rates | {"tasks_exceeded_rate": 50}).grade == "htxsnv"
    assert old.evaluate(best | rates | {"tasks_exceeded_rate": 49}).grade == "httnv"
    new = shipped("vn/annual-member", on=AFTER)
    assert new.evaluate(FULL | {"tasks_exceeded_rate": 30}).grade == "htxsnv"
    # 29 % exceeded: vuot_muc 7 -> 97, band htxsnv, requirement fails -> httnv
    assert new.evaluate(FULL | {"tasks_exceeded_rate": 29}).grade == "httnv"


def _members(
    rules: partyrules.Ruleset, org: str, politics: list[int], good: int
) -> list[tuple[str, Any, dict[str, str]]]:
    rows = []
    for i, points in enumerate(politics):  # candidates for htxsnv: 30 % exceeded, total 90 + points
        rows.append((f"{org}-x{i}", rules.evaluate(FULL | {"politics_points": points}), {"grassroots_org": org}))
    for i in range(good):  # httnv: 30 + 40 + 20 + 0 = 90 ... less 10 exceeded points = 80
        rows.append((f"{org}-t{i}", rules.evaluate(FULL | {"tasks_exceeded_rate": 0}), {"grassroots_org": org}))
    return rows


def test_the_quota_counts_within_each_grassroots_organisation() -> None:
    rules = shipped("vn/annual-member", on=AFTER)
    (quota,) = rules.quotas
    assert (quota.grade, quota.base, quota.share, quota.within, quota.group) == (
        "htxsnv",
        "httnv",
        Decimal("0.20"),
        "column",
        "grassroots_org",
    )
    assert any("unconfirmed for 366" in note for note in quota.notes)
    # xa_a: 4 candidates (99, 98, 97, 96) and 10 httnv. Kept k is the largest with k <= floor(20% x (10 + 4 - k)):
    # k = 2 (2 <= floor(2.4)); k = 3 fails (floor(2.2) = 2). xa_b: 1 candidate (100), no httnv: k = 0.
    # Counted across both the 100 of xa_b would be kept first: the group decides.
    rows = _members(rules, "xa_a", [9, 8, 7, 6], 10) + _members(rules, "xa_b", [10], 0)
    placed = {p.id: p for p in rules.apply_quotas(rows)}
    assert [i for i, p in placed.items() if p.grade == "htxsnv"] == ["xa_a-x0", "xa_a-x1"]
    assert sorted(i for i, p in placed.items() if p.demoted) == ["xa_a-x2", "xa_a-x3", "xa_b-x0"]
    assert all(placed[i].grade == "httnv" for i in ("xa_a-x2", "xa_a-x3", "xa_b-x0"))
    assert "Hoàn thành tốt nhiệm vụ" in placed["xa_a-x2"].explain()


def test_the_124_quota_is_declared_within_the_grassroots_organisation() -> None:
    (quota,) = shipped("vn/annual-member", on=BEFORE).quotas
    assert (quota.share, quota.group, quota.demote_to) == (Decimal("0.20"), "grassroots_org", "httnv")


# ---------------------------------------------------------------- the 366 appendices extending the member file

LEADER: dict[str, Any] = FULL | {"units_done_rate": 100, "units_on_time_rate": 100, "units_exceeded_rate": 30}


def test_leader_hand_computed() -> None:
    rules = shipped("vn/annual-leader")
    assert rules.bases == ("vn/annual-member",)
    assert rules.evaluate(LEADER).grade == "htxsnv"
    # 30 + round(100% * 30, 2) + 20 + 10 + round(65% * 10, 2) = 96.5, but units under 70 %: khtnv
    weak = rules.evaluate(LEADER | {"units_done_rate": 65, "units_on_time_rate": 65, "units_exceeded_rate": 0})
    assert (weak.total, weak.grade) == (Decimal("96.5"), "khtnv")
    assert "don_vi_duoi_70" in [k.id for k in weak.knockouts]
    assert rules.evaluate(LEADER | {"units_exceeded_rate": 29}).grade == "httnv"
    assert rules.evaluate(LEADER | {"units_on_time_rate": 99}).grade == "htnv"
    assert rules.evaluate(LEADER | {"units_overseen": 3, "units_overseen_khtnv": 2}).grade == "khtnv"
    assert (
        rules.evaluate(LEADER | {"units_overseen": 2, "units_overseen_khtnv": 1}).grade == "htxsnv"
    )  # 50 % is not over
    # a leader is a member: discipline and not-graded cases of the member file hold for them too
    assert rules.evaluate(LEADER | {"disciplined": True}).grade == "khtnv"
    assert rules.evaluate(LEADER | {"suspended": True}).not_graded is not None


def test_member_outside_the_political_system() -> None:
    rules = shipped("vn/annual-member-outside")
    # 30 + round(100% * 30, 2) + round(100% * 10, 2) + 20 + 10 = 100
    assert rules.evaluate(FULL | {"residence_duties_points": 20}).total == 100
    e = rules.evaluate(FULL | {"residence_duties_points": 5})  # 85: httnv
    assert (e.total, e.grade) == (Decimal(85), "httnv")


@pytest.mark.parametrize(
    "change",
    [
        "change grade htxsnv { band from 85; }",
        "remove knockout bi_ky_luat;",
        "remove not_graded moi_vao_dang;",
        "change group nhiem_vu { max 60; }",
    ],
)
def test_what_is_national_is_locked(change: str) -> None:
    header = 'ruleset "vn.vidu/annual-member" { extends "vn/annual-member"; title "t"; version "1"; effective from 2025-09-01; }\n'
    with pytest.raises(partyrules.CriteriaError) as info:
        partyrules.loads(header + change, "vidu.criteria")
    assert "PR713" in {d.code for d in info.value.diagnostics}


def test_render_explain_and_diff_work_for_the_member_files() -> None:
    for ruleset_id, on in (("vn/annual-member", BEFORE), ("vn/annual-member", AFTER), ("vn/annual-leader", None)):
        rules = shipped(ruleset_id, on=on)
        assert "PHIẾU" in render.render_markdown(render.sheet(rules))
        assert workbook.fill_in_workbook(rules) is not None
    text = shipped("vn/annual-member", on=AFTER).evaluate(FULL | {"sick_leave_months": 4}).explain()
    assert "Nghỉ ốm từ 3 tháng trở lên" in text and "Hoàn thành nhiệm vụ" in text
    old, new = shipped("vn/annual-member", on=BEFORE), shipped("vn/annual-member", on=AFTER)
    changes = diff.report(old, new, diff.compare(old, new))
    assert "+ group chung: Nhóm tiêu chí chung (max 30)" in changes
    assert "~ grade htxsnv: band any → from 90" in changes
