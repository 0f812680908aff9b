"""The national shipped criteria files: worked examples computed by hand from the files.

- criteria/vn/annual-collective@366.criteria (Quy định 366-QĐ/TW, annual grading of a collective)
- criteria/vn/cell-meeting@hd42.criteria (monthly cell-meeting quality from HD 42, extending the
  HD 12 version criteria/vn/cell-meeting@hd12.criteria; illustrative sheet)

Every expected total below was worked out by hand from the criteria file; the arithmetic is in
the comments. Percent facts are in percent units (95 means 95 %).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import partyrules

CRITERIA = Path(partyrules.__file__).parent / "criteria"
COLLECTIVE = CRITERIA / "vn" / "annual-collective@366.criteria"
MEETING = CRITERIA / "vn" / "cell-meeting@hd42.criteria"


@pytest.fixture(scope="module")
def collective() -> partyrules.Ruleset:
    return partyrules.load(COLLECTIVE)


@pytest.fixture(scope="module")
def meeting() -> partyrules.Ruleset:
    return partyrules.load(MEETING)


# ---------------------------------------------------------------- loading, status, citations


@pytest.mark.parametrize("path", [COLLECTIVE, MEETING], ids=["collective-366", "cell-meeting"])
def test_loads_without_warnings_other_than_unused_inputs(path: Path) -> None:
    partyrules.load(path)  # raises CriteriaError on any error
    diagnostics = partyrules.check(path)
    assert [d for d in diagnostics if d.severity == "error"] == []
    assert [d for d in diagnostics if d.code != "PR901"] == []


@pytest.mark.parametrize(
    ("path", "ruleset_id"),
    [(COLLECTIVE, "vn/annual-collective"), (MEETING, "vn/cell-meeting")],
)
def test_ids_match_shipped_paths(path: Path, ruleset_id: str) -> None:
    ruleset = partyrules.load(path)
    assert ruleset.id == ruleset_id
    assert partyrules.shipped_path(ruleset_id) == path  # the newest version
    assert ruleset.status == "illustrative"


def test_every_shipped_file_stands_where_its_id_says() -> None:
    from partyrules.loader import Loader

    loader = Loader(environment=False, installed=False)
    for ruleset_id in partyrules.shipped_ids(libraries=True):
        for version in loader.versions(ruleset_id):
            relative = Path(version.filename).relative_to(CRITERIA).as_posix()
            assert relative.split("@")[0].removesuffix(".criteria") == ruleset_id == version.header.ruleset_id


@pytest.mark.parametrize("path", [COLLECTIVE, MEETING], ids=["collective-366", "cell-meeting"])
def test_every_criterion_cites_its_clause(path: Path) -> None:
    details = partyrules.load(path).layout.details
    for name, text in details.criteria.items():
        assert text.citations, f"{name} has no citation"


def test_collective_official_groups_illustrative_items(collective: partyrules.Ruleset) -> None:
    details = collective.layout.details
    kinds = {c[0]: c[3] for c in collective.layout.criteria}
    for name, text in details.criteria.items():
        expected = "official" if kinds[name] == "group" else "illustrative"
        assert text.status == expected, name
    maxima = {c[0]: c[4] for c in collective.layout.criteria}
    assert maxima["chung"] == 30 and maxima["nhiem_vu"] == 70 and collective.layout.maximum == 100


def test_meeting_everything_illustrative(meeting: partyrules.Ruleset) -> None:
    assert {t.status for t in meeting.layout.details.criteria.values()} == {"illustrative"}


def test_knockouts_of_366_are_marked_unconfirmed() -> None:
    text = COLLECTIVE.read_text(encoding="utf-8")
    assert text.count("[unconfirmed for 366]") >= 8  # cite and note of each of the four knock-outs


# ---------------------------------------------------------------- Quy định 366: annual grading of a collective

COLLECTIVE_BASE: dict[str, Any] = {
    "politics_points": Decimal("7.5"),  # chinh_tri 7.5
    "democracy_points": 8,  # dan_chu 8
    "organisation_points": Decimal("6.5"),  # to_chuc 6.5
    "inspection_points": 7,  # kiem_tra 7  -> chung 29
    "tasks_done_rate": Decimal("100"),  # hoan_thanh round(100% * 35, 2) = 35
    "tasks_on_time_rate": Decimal("100"),  # tien_do round(100% * 15, 2) = 15
    "tasks_exceeded_rate": Decimal("35"),  # vuot_muc: from 30% -> 10
    "products": 3,  # san_pham min(3, 5) * 2 = 6  -> nhiem_vu 66
    "subunits": 12,
}


def test_366_excellent(collective: partyrules.Ruleset) -> None:
    # 29 + (35 + 15 + 10 + 6) = 29 + 66 = 95 -> band htxsnv (>= 90);
    # on time 100 % >= 100 %, exceeded 35 % >= 30 %, nobody disciplined -> htxsnv
    e = collective.evaluate(COLLECTIVE_BASE)
    assert e.points["chung"] == 29
    assert e.points["nhiem_vu"] == 66
    assert e.total == 95
    assert e.band_grade == "htxsnv"
    assert all(r.held for r in e.requirements)
    assert e.knockouts == ()
    assert e.grade == "htxsnv"
    assert e.grade_label == "Hoàn thành xuất sắc nhiệm vụ"


def test_366_excellent_band_but_too_few_tasks_exceeded(collective: partyrules.Ruleset) -> None:
    facts = {
        **COLLECTIVE_BASE,
        "politics_points": 8,
        "organisation_points": 7,  # chung 8 + 8 + 7 + 7 = 30
        "tasks_exceeded_rate": Decimal("25"),  # vuot_muc: from 20% -> 7
        "products": 7,  # min(7, 5) * 2 = 10
    }
    # 30 + (35 + 15 + 7 + 10) = 30 + 67 = 97 -> band htxsnv;
    # requirement "at least 30 % exceeded" fails (25 %) -> falls to httnv; on time 100 % holds -> httnv
    e = collective.evaluate(facts)
    assert e.total == 97
    assert e.band_grade == "htxsnv"
    held = {(r.grade, r.label): r.held for r in e.requirements}
    assert held[("htxsnv", "Ít nhất 30% nhiệm vụ hoàn thành vượt mức yêu cầu")] is False
    assert e.grade == "httnv"


def test_366_exactly_20_percent_of_subunits_disciplined(collective: partyrules.Ruleset) -> None:
    facts = {**COLLECTIVE_BASE, "subunits": 10, "subunits_disciplined": 2}
    # points unchanged: 95 -> band htxsnv; 2 / 10 = 20 %, not "more than 20 %" -> no knock-out;
    # but "no subordinate unit disciplined" fails -> httnv (on time 100 % holds)
    e = collective.evaluate(facts)
    assert e.total == 95
    assert e.knockouts == ()
    assert e.grade == "httnv"


def test_366_knockout_more_than_20_percent_of_subunits_disciplined(collective: partyrules.Ruleset) -> None:
    facts = {**COLLECTIVE_BASE, "subunits": 12, "subunits_disciplined": 3}
    # 95 -> band htxsnv; 3 / 12 = 25 % > 20 % -> knock-out forces khtnv
    e = collective.evaluate(facts)
    assert e.total == 95
    assert [k.id for k in e.knockouts] == ["tren_20_phan_tram_ky_luat"]
    assert e.grade == "khtnv"


def test_366_knockout_disunity(collective: partyrules.Ruleset) -> None:
    # 95 -> band htxsnv, requirements hold; disunity concluded -> force khtnv
    e = collective.evaluate({**COLLECTIVE_BASE, "disunity": True})
    assert e.total == 95
    assert e.band_grade == "htxsnv"
    assert [k.id for k in e.knockouts] == ["mat_doan_ket_suy_thoai"]
    assert e.grade == "khtnv"


def test_366_good_band_with_late_tasks_gives_htnv(collective: partyrules.Ruleset) -> None:
    facts = {
        "politics_points": 6,
        "democracy_points": Decimal("6.5"),
        "organisation_points": 5,
        "inspection_points": Decimal("5.25"),  # chung 6 + 6.5 + 5 + 5.25 = 22.75
        "tasks_done_rate": 100,  # hoan_thanh 35
        "tasks_on_time_rate": 85,  # tien_do round(85 * 15 / 100, 2) = 12.75
        "tasks_late_rate": 15,
        "tasks_exceeded_rate": 5,  # vuot_muc: otherwise -> 0
        "products": 1,  # san_pham 2
        "subunits": 6,
    }
    # 22.75 + (35 + 12.75 + 0 + 2) = 22.75 + 49.75 = 72.5 -> band httnv (70..<90);
    # on time 85 % < 100 % -> falls to htnv; done 100 % and late 15 % <= 20 % -> htnv
    e = collective.evaluate(facts)
    assert e.points["tien_do"] == Decimal("12.75")
    assert e.total == Decimal("72.5")
    assert e.band_grade == "httnv"
    assert e.grade == "htnv"


def test_366_too_many_late_tasks_gives_khtnv(collective: partyrules.Ruleset) -> None:
    facts = {
        "politics_points": 6,
        "democracy_points": Decimal("6.5"),
        "organisation_points": 5,
        "inspection_points": Decimal("5.25"),  # chung 22.75
        "tasks_done_rate": 100,  # 35
        "tasks_on_time_rate": 75,  # round(75 * 15 / 100, 2) = 11.25
        "tasks_late_rate": 25,
        "products": 1,  # 2; tasks_exceeded_rate default 0 % -> 0
        "subunits": 6,
    }
    # 22.75 + 35 + 11.25 + 0 + 2 = 71 -> band httnv; on time 75 % fails -> htnv;
    # late 25 % > 20 % fails -> khtnv (no knock-out involved)
    e = collective.evaluate(facts)
    assert e.total == 71
    assert e.knockouts == ()
    assert e.grade == "khtnv"


def test_366_under_half_of_targets_and_key_targets_missed(collective: partyrules.Ruleset) -> None:
    facts = {
        "politics_points": 8,
        "democracy_points": 8,
        "organisation_points": 7,
        "inspection_points": 7,  # chung 30
        "tasks_done_rate": 48,  # round(48 * 35 / 100, 2) = 16.8
        "tasks_on_time_rate": 40,  # round(40 * 15 / 100, 2) = 6
        "tasks_exceeded_rate": 40,  # 10
        "products": 5,  # 10
        "key_targets_missed": True,
        "subunits": 4,
    }
    # 30 + 16.8 + 6 + 10 + 10 = 72.8 -> band httnv; on time 40 % fails, done 48 % fails -> khtnv,
    # and the 124 knock-out (under 50 %, key targets missed, no force majeure) applies as well
    e = collective.evaluate(facts)
    assert e.total == Decimal("72.8")
    assert [k.id for k in e.knockouts] == ["duoi_50_phan_tram_chi_tieu"]
    assert e.grade == "khtnv"
    # force majeure lifts the knock-out, not the failed requirements of 366
    e = collective.evaluate({**facts, "force_majeure": True})
    assert e.knockouts == ()
    assert e.grade == "khtnv"


def test_366_constraints_refuse_inconsistent_rates(collective: partyrules.Ruleset) -> None:
    with pytest.raises(partyrules.FactsError):
        collective.evaluate({**COLLECTIVE_BASE, "tasks_done_rate": 90})  # on time 100 % > done 90 %


# ---------------------------------------------------------------- cell meeting (HD 12 / HD 42)

MEETING_GOOD: dict[str, Any] = {
    # not a thematic month, not combined: minimum 90 minutes
    "duration_minutes": 95,  # thoi_luong 5
    "members": 20,
    "present": 19,  # 19/20 = 95 % -> 5, + 1 (no excused streak) = 6, min(5, 6) = 5
    "prep_content": True,
    "prep_committee": True,
    "prep_draft_resolution": True,
    "prep_notice": True,
    "prep_materials": True,  # chuan_bi count 5 * 2 = 10
    "steps_followed": True,  # trinh_tu 3
    "regular_content": True,  # thuong_ky 5; chuyen_de not applicable (0, rescaled)
    "praise": True,
    "criticism": True,  # phe_binh 4
    "speakers": 5,  # 5/19 = 26.3 % -> from 15 %: 2
    "self_criticism_time": True,  # tu_phe_binh 2
    "minutes_complete": True,  # bien_ban 3
    "documents_shared": True,  # tai_lieu 2 -> tien_hanh 3+5+0+4+2+2+3+2 = 21
    "chairing": "tot",  # chu_tri 10
    "principles_kept": True,  # nguyen_tac 5
    "resolution_rate": 92,  # ket_qua from 90% -> 30
    "resolution_voted": True,
    "chair_concluded": True,  # ket_thuc 3 + 2 = 5
}


def test_meeting_good_in_a_month_without_thematic_content(meeting: partyrules.Ruleset) -> None:
    # criteria 5 + 5 + 10 + 21 + 10 + 5 + 30 + 5 = 91; chuyen_de (max 5) not applicable ->
    # 91 * 100 / (100 - 5) = 95.789... -> round 2 = 95.79 -> band tot;
    # 19/20 = 95 % > 85 %, no unexcused absence, 95 >= 90 minutes -> tot
    e = meeting.evaluate(MEETING_GOOD)
    assert e.criterion("chuyen_de").applicable is False
    assert e.points["chuyen_de"] == 0
    assert e.points["du_hop"] == 5
    assert e.points["tien_hanh"] == 21
    assert e.criteria_points == Decimal("95.79")
    assert e.total == Decimal("95.79")
    assert all(r.held for r in e.requirements)
    assert e.grade == "tot"


def test_meeting_combined_too_short_fails_the_requirement(meeting: partyrules.Ruleset) -> None:
    facts = {
        **MEETING_GOOD,
        "is_thematic_month": True,
        "combined": True,  # minimum 120 minutes (HD 42)
        "duration_minutes": 100,  # thoi_luong 0
        "members": 25,
        "present": 23,  # 23/25 = 92 %: > 85% -> 4
        "excused_streak": True,  # no + 1 -> du_hop 4
        "prep_materials": False,  # chuan_bi 4 * 2 = 8
        "thematic_quality": "tot",  # chuyen_de 5 (applicable)
        "speakers": 12,  # 12/23 = 52.2 % -> 6  -> tien_hanh 3+5+5+4+6+2+3+2 = 30
        "resolution_rate": 95,  # 30
    }
    # 0 + 4 + 8 + 30 + 10 + 5 + 30 + 5 = 92, thematic month so nothing rescaled -> band tot;
    # 100 < 120 minutes fails "Đủ thời lượng tối thiểu" -> falls to kha
    e = meeting.evaluate(facts)
    assert e.points["thoi_luong"] == 0
    assert e.points["du_hop"] == 4
    assert e.criterion("chuyen_de").applicable is True
    assert e.total == 92
    assert e.band_grade == "tot"
    held = {r.label: r.held for r in e.requirements}
    assert held["Đủ thời lượng tối thiểu"] is False
    assert e.grade == "kha"


def test_meeting_exactly_85_percent_attendance_is_not_over_85(meeting: partyrules.Ruleset) -> None:
    facts = {
        **MEETING_GOOD,
        "is_thematic_month": True,  # thematic meeting held separately: still 90 minutes
        "duration_minutes": 90,  # 5
        "members": 20,
        "present": 17,  # 17/20 = 85 %: not > 85 %, >= 70 % -> 3, + 1 = 4
        "thematic_quality": "dat",  # chuyen_de 3
        "speakers": 9,  # 9/17 = 52.9 % -> 6  -> tien_hanh 3+5+3+4+6+2+3+2 = 28
        "resolution_rate": 100,  # 30
    }
    # 5 + 4 + 10 + 28 + 10 + 5 + 30 + 5 = 97 -> band tot; "trên 85%" fails at exactly 85 % -> kha
    e = meeting.evaluate(facts)
    assert e.points["du_hop"] == 4
    assert e.total == 97
    assert e.band_grade == "tot"
    assert e.grade == "kha"


def test_meeting_unexcused_absence_and_weak_resolution(meeting: partyrules.Ruleset) -> None:
    facts = {
        **MEETING_GOOD,
        "duration_minutes": 90,  # 5
        "members": 30,
        "present": 24,
        "absent_unexcused": 2,  # du_hop: any unexcused absence -> 1 (no + 1)
        "prep_committee": False,
        "prep_draft_resolution": False,
        "prep_materials": False,  # chuan_bi 2 * 2 = 4
        "regular_content": False,  # 0
        "praise": False,  # phe_binh 0 + 2 = 2
        "speakers": 3,  # 3/24 = 12.5 % -> 0
        "self_criticism_time": False,  # 0
        "documents_shared": False,  # 0 -> tien_hanh 3+0+0+2+0+0+3+0 = 8
        "chairing": "kha",  # 8
        "resolution_rate": 60,  # from 50% -> 15
        "chair_concluded": False,  # ket_thuc 3
    }
    # 5 + 1 + 4 + 8 + 8 + 5 + 15 + 3 = 49; not a thematic month ->
    # 49 * 100 / 95 = 51.578... -> 51.58 -> trung_binh (50..<70)
    e = meeting.evaluate(facts)
    assert e.points["du_hop"] == 1
    assert e.points["tien_hanh"] == 8
    assert e.total == Decimal("51.58")
    assert e.grade == "trung_binh"


def test_meeting_resolution_floor_and_kem(meeting: partyrules.Ruleset) -> None:
    facts = {
        **MEETING_GOOD,
        "duration_minutes": 60,  # 0
        "members": 10,
        "present": 6,  # 60 %: otherwise 2, + 1 = 3
        "prep_content": False,
        "prep_committee": False,
        "prep_draft_resolution": False,
        "prep_notice": False,
        "prep_materials": False,  # 0
        "steps_followed": False,
        "regular_content": False,
        "praise": False,
        "criticism": False,
        "speakers": 0,
        "self_criticism_time": False,
        "minutes_complete": False,
        "documents_shared": False,  # tien_hanh 0
        "chairing": "yeu",  # 2
        "principles_kept": False,  # 0
        "resolution_rate": Decimal("49.9"),  # below 50 % -> floor 10
        "resolution_voted": False,
        "chair_concluded": False,  # 0
    }
    # 0 + 3 + 0 + 0 + 2 + 0 + 10 + 0 = 15 -> 15 * 100 / 95 = 15.789... -> 15.79 -> kem
    e = meeting.evaluate(facts)
    assert e.points["ket_qua"] == 10
    assert e.total == Decimal("15.79")
    assert e.grade == "kem"


def test_meeting_combined_needs_a_thematic_month(meeting: partyrules.Ruleset) -> None:
    with pytest.raises(partyrules.FactsError):
        meeting.evaluate({**MEETING_GOOD, "combined": True})
