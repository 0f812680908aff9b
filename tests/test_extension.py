"""Files that extend a base, import a library, and are found by id and date.

Each kind of override, each lock, diagnostics through an extension chain (the
message names the file that is wrong), references that try to leave the search
roots, cycles, date resolution at the edges of effective ranges, and a criteria
package found through its entry point.
"""

from __future__ import annotations

import datetime
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import partyrules
from partyrules import CriteriaError
from partyrules.loader import Loader

BASE = """
ruleset "vn.t/base" {
  title "Phiếu gốc"; version "1"; basis "Quy định gốc"; effective from 2024-01-01;
  points illustrative "thử";
}
input a "A": integer 0..10;
input b "B": boolean = false;
input c "C": integer 0..5 = 0;
param threshold "Ngưỡng của A" = 5;
let pass_a = a >= threshold;
constraint "C không lớn hơn A": c <= a;

criteria "Phiếu" max 20 {
  locked max;
  group g1 "Nhóm 1" max 10 {
    locked max;
    item i1 "Mục 1" max 6 { points = if pass_a then 6 else 0; }
    item i2 "Mục 2" max 4 { points = if b then 4 else 0; }
  }
  group g2 "Nhóm 2" max 10 {
    locked;
    item i3 "Mục 3" max 10 { points = min(c * 2, 10); }
  }
}

deductions "Điểm trừ" cap 3 {
  deduction d1 "Trừ 1" max 3 { points = if c == 5 then 3 else 0; }
}

grades {
  grade tot "Tốt" { band from 15; require "A đạt ngưỡng": pass_a; }
  grade kha "Khá" { band from 10 below 15; }
  grade kem "Kém" { band below 10; locked; }
}

knockout ko "Loại trừ có khóa" { when b and c == 4; force kem; locked; }
knockout ko2 "Loại trừ không khóa" { when a == 0; cap kha; }
not_graded ng "Không xếp loại" { when a == 10 and c == 0; }
"""

HEADER = """
ruleset "vn.t2/child" {
  extends "vn.t/base";
  title "Phiếu tỉnh"; version "1"; effective from 2024-06-01;
}
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "vn.t").mkdir()
    (tmp_path / "vn.t" / "base.criteria").write_text(BASE, encoding="utf-8")
    (tmp_path / "vn.t2").mkdir()
    return tmp_path


def child(root: Path, body: str, header: str = HEADER) -> Path:
    path = root / "vn.t2" / "child.criteria"
    path.write_text(header + body, encoding="utf-8")
    return path


def load(root: Path, body: str, header: str = HEADER) -> partyrules.Ruleset:
    return partyrules.load(child(root, body, header))


def problems(root: Path, body: str, header: str = HEADER) -> list[tuple[str, str, int, str]]:
    """(code, file name, line, message) of every error, through the whole chain."""
    path = child(root, body, header)
    with pytest.raises(CriteriaError) as info:
        partyrules.load(path)
    return [(d.code, Path(d.file).name, d.span.line, d.message + _related(d)) for d in info.value.diagnostics]


def _related(d: partyrules.Diagnostic) -> str:
    """A related place, after the message: `` [label at file:line]``."""
    return "".join(f" [{r.label} at {Path(r.file).name}:{r.span.line}]" for r in d.related)


FULL = {"a": 7, "b": True, "c": 5}  # i1 6 + i2 4 + i3 10 - d1 3 = 17


# ---------------------------------------------------------------- the base alone


def test_base_scores_on_its_own(root: Path) -> None:
    base = partyrules.load(root / "vn.t" / "base.criteria")
    assert base.evaluate(FULL).total == 17
    assert base.evaluate(FULL).grade == "tot"


def test_child_changing_nothing_scores_like_its_base(root: Path) -> None:
    base = partyrules.load(root / "vn.t" / "base.criteria")
    same = load(root, "")
    assert same.bases == ("vn.t/base",)
    for facts in (FULL, {"a": 3}, {"a": 0}, {"a": 10}, {"a": 6, "b": True, "c": 4}):
        assert (same.evaluate(facts).total, same.evaluate(facts).grade) == (
            base.evaluate(facts).total,
            base.evaluate(facts).grade,
        )


# ---------------------------------------------------------------- each kind of override


def test_change_points_and_maxima_within_a_locked_total(root: Path) -> None:
    r = load(root, "change item i1 { max 5; points = if pass_a then 5 else 0; }\nchange item i2 { max 5; points = if b then 5 else 0; }")
    assert r.evaluate(FULL).points["i1"] == 5
    assert r.evaluate(FULL).points["i2"] == 5
    assert r.evaluate(FULL).total == 17


def test_relabel_and_cite(root: Path) -> None:
    r = load(root, 'change item i2 { label "Mục hai (tỉnh)"; cite "Quy định tỉnh"; }')
    assert [c.label for c in r.criteria if c.id == "i2"] == ["Mục hai (tỉnh)"]
    assert r.layout.details.criteria["i2"].citations == ("Quy định tỉnh",)


@pytest.mark.parametrize(
    ("placement", "order"),
    [
        ("after i1", ["g1", "i1", "i_new", "i2", "g2", "i3"]),
        ("before i1", ["g1", "i_new", "i1", "i2", "g2", "i3"]),
        ("in g1", ["g1", "i1", "i2", "i_new", "g2", "i3"]),
    ],
)
def test_add_criterion_anywhere(root: Path, placement: str, order: list[str]) -> None:
    body = f'change item i1 {{ max 4; points = if pass_a then 4 else 0; }}\nadd item i_new "Mới" max 2 {placement} {{ points = if c > 0 then 2 else 0; }}'
    r = load(root, body)
    assert [c.id for c in r.criteria if c.kind in ("group", "item")] == order
    assert r.evaluate(FULL).points["i_new"] == 2


def test_add_group_at_the_top_with_a_new_input(root: Path) -> None:
    body = """
input e "E": boolean = false;
change group g1 { max 5; }
change item i1 { max 3; points = if pass_a then 3 else 0; }
change item i2 { max 2; points = if b then 2 else 0; }
add group g3 "Nhóm 3 của tỉnh" max 5 { item i4 "Mục 4" max 5 { points = if e then 5 else 0; } }
"""
    with pytest.raises(CriteriaError) as info:
        load(root, body)
    # g1 has `locked max`: its maximum cannot change
    assert [d.code for d in info.value.diagnostics] == ["PR713"]


def test_remove_criterion_and_deduction(root: Path) -> None:
    body = """
remove deduction d1;
change item i1 { max 10; points = if pass_a then 10 else 0; }
remove item i2;
"""
    r = load(root, body)
    assert "i2" not in {c.id for c in r.criteria}
    assert "d1" not in {c.id for c in r.criteria}
    assert r.evaluate(FULL).total == 20


def test_change_grade_band_requirement_and_fallback(root: Path) -> None:
    body = """
change grade tot { band from 16; require "Có B": b; drop require "A đạt ngưỡng"; else kem; }
change grade kha { band from 10 below 16; }
"""
    r = load(root, body)
    e = r.evaluate({"a": 7, "b": False, "c": 5})  # 6 + 0 + 10 - 3 = 13
    assert (e.total, e.grade) == (13, "kha")
    assert r.evaluate(FULL).grade == "tot"
    failing = r.evaluate({"a": 7, "b": False, "c": 5}.copy() | {"a": 10})
    assert failing.grade == "kha"
    assert [req.label for req in r.evaluate(FULL).requirements] == ["Có B"]


def test_add_and_remove_grades(root: Path) -> None:
    body = """
add grade xuat_sac "Xuất sắc" before tot { band from 18; }
change grade tot { band from 15 below 18; }
"""
    r = load(root, body)
    assert [g.id for g in r.grades] == ["xuat_sac", "tot", "kha", "kem"]
    assert load(root, "remove knockout ko2;\nremove not_graded ng;").evaluate({"a": 10}).grade is not None


def test_change_knockout_and_not_graded(root: Path) -> None:
    r = load(root, "change knockout ko2 { when a <= 1; force kem; }\nchange not_graded ng { when a == 9; }")
    assert r.evaluate({"a": 1}).grade == "kem"
    assert r.evaluate({"a": 10}).grade is not None


def test_change_deductions_cap_and_whole_grades_block(root: Path) -> None:
    with pytest.raises(CriteriaError) as info:
        load(root, 'grades { grade dat "Đạt" { band from 10; } grade khong "Không đạt" { band below 10; } }')
    # the base locks grade `kem`: a whole new grades block would drop it
    assert [d.code for d in info.value.diagnostics] == ["PR713"]
    r = load(root, 'change deductions { cap 2; label "Trừ (tỉnh)"; }\nchange deduction d1 { max 2; points = if c == 5 then 2 else 0; }')
    assert r.evaluate(FULL).total == 18


def test_set_a_parameter(root: Path) -> None:
    assert load(root, "").evaluate({"a": 6}).points["i1"] == 6
    r = load(root, "set threshold = 8;")
    assert r.evaluate({"a": 6}).points["i1"] == 0
    assert r.evaluate({"a": 8}).points["i1"] == 6


def test_remove_input_takes_its_constraints(root: Path) -> None:
    body = """
remove input c;
input c "C (tỉnh)": integer 0..9 = 0;
remove item i3;
remove group g2;
"""
    assert [code for code, *_ in problems(root, body)] == ["PR713", "PR713"]  # g2 is locked


def test_relabel_an_input(root: Path) -> None:
    r = load(root, 'change input a { label "A của tỉnh"; }')
    assert [i.label for i in r.inputs if i.name == "a"] == ["A của tỉnh"]


# ---------------------------------------------------------------- locks


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("change group g1 { max 12; }", "group `g1` maximum is locked by its base"),
        ("change criteria { max 25; }", "the `criteria` block maximum is locked by its base"),
        ("remove group g1;", "group `g1` is locked by its base"),
        ("change item i3 { points = 0; }", "item `i3` is inside group `g2`, which is locked by its base"),
        ('add item x "X" max 1 in g2 { points = 0; }', "group `g2` is locked by its base"),
        ("remove item i3;", "item `i3` is inside group `g2`, which is locked by its base"),
        ("change grade kem { band below 8; }", "grade `kem` is locked by its base"),
        ("remove grade kem;", "grade `kem` is locked by its base"),
        ("change knockout ko { when false; }", "knockout `ko` is locked by its base"),
        ("remove knockout ko;", "knockout `ko` is locked by its base"),
        ('criteria "Của tỉnh" max 20 { item x "X" max 20 { points = 0; } }', "the `criteria` block is locked by its base"),
    ],
)
def test_locks_are_enforced(root: Path, body: str, message: str) -> None:
    found = problems(root, body)
    assert found[0][0] == "PR713"
    assert found[0][1] == "child.criteria"  # the change is wrong, not the base
    assert found[0][3].startswith(message), found
    assert "[locked here at base.criteria:" in found[0][3]  # and a note says where the lock is


def test_locked_max_still_lets_points_change(root: Path) -> None:
    assert load(root, "change group g1 { label \"Nhóm một\"; }").criteria[0].label == "Nhóm một"


# ---------------------------------------------------------------- diagnostics through the chain


def test_sum_broken_by_the_child_is_reported_in_the_child(root: Path) -> None:
    found = problems(root, "change item i1 { max 7; points = if pass_a then 7 else 0; }")
    assert found == [
        (
            "PR402",
            "child.criteria",
            6,
            "the maxima inside group `g1` add up to 11, not 10 [group `g1` is declared here at base.criteria:15]",
        )
    ]


def test_the_base_line_of_a_broken_sum_is_a_note_quoting_the_base(root: Path) -> None:
    path = child(root, "change item i1 { max 7; points = if pass_a then 7 else 0; }")
    with pytest.raises(CriteriaError) as info:
        partyrules.load(path)
    base = root / "vn.t" / "base.criteria"
    line = base.read_text(encoding="utf-8").splitlines()[14]
    note = f"{base}:15:3: note: group `g1` is declared here\n  15 | {line}\n"
    assert note in str(info.value)  # the base's own line, quoted from the base


def test_unknown_targets_have_hints(root: Path) -> None:
    found = problems(root, "change item i_1 { max 6; }\nremove knockout ko3;\nset treshold = 3;")
    assert [(c, f, line) for c, f, line, _ in found] == [
        ("PR711", "child.criteria", 6),
        ("PR711", "child.criteria", 7),
        ("PR714", "child.criteria", 8),
    ]


def test_problems_in_the_base_name_the_base(root: Path) -> None:
    (root / "vn.t" / "base.criteria").write_text(BASE.replace("if b then 4", "if bb then 4"), encoding="utf-8")
    found = problems(root, "")
    assert [(c, f) for c, f, *_ in found] == [("PR211", "base.criteria")]  # unknown name `bb`


def test_kind_and_field_mistakes(root: Path) -> None:
    found = problems(root, "change group i1 { label \"x\"; }\nchange item i1 { band from 3; }\nset threshold = true;")
    assert [c for c, *_ in found] == ["PR712", "PR719", "PR714"]


def test_changes_need_a_base(root: Path) -> None:
    header = '\nruleset "vn.t2/child" { title "x"; version "1"; basis "b"; effective from 2024-01-01; points illustrative; }\n'
    found = problems(root, "change item i1 { max 3; }", header)
    assert found[0][0] == "PR710"


def test_child_outside_its_base_period(root: Path) -> None:
    header = HEADER.replace("effective from 2024-06-01", "effective from 2023-01-01")
    assert problems(root, "", header)[0][0] == "PR716"


# ---------------------------------------------------------------- references that try to escape


@pytest.mark.parametrize("reference", ["../vn.t/base", "/etc/passwd", "vn.t/../vn.t/base", "vn.t/.base", "VN/base", "vn.t\\\\base", ""])
def test_references_are_ids_not_paths(root: Path, reference: str) -> None:
    header = HEADER.replace('extends "vn.t/base"', f'extends "{reference}"')
    assert problems(root, "", header)[0][0] in ("PR702",)


def test_symlink_out_of_the_root_is_refused(root: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.criteria").write_text(BASE.replace("vn.t/base", "vn.t/leak"), encoding="utf-8")
    os.symlink(outside / "secret.criteria", root / "vn.t" / "leak.criteria")
    header = HEADER.replace('extends "vn.t/base"', 'extends "vn.t/leak"')
    assert problems(root, "", header)[0][0] == "PR703"


def test_unknown_id_suggests_known_ones(root: Path) -> None:
    header = HEADER.replace('extends "vn.t/base"', 'extends "vn.t/bas"')
    found = problems(root, "", header)
    assert found[0][0] == "PR701"


def test_file_found_under_another_id(root: Path) -> None:
    (root / "vn.t" / "other.criteria").write_text(BASE, encoding="utf-8")  # says it is vn.t/base
    header = HEADER.replace('extends "vn.t/base"', 'extends "vn.t/other"')
    assert problems(root, "", header)[0][0] == "PR708"


# ---------------------------------------------------------------- cycles


def test_cycle_through_two_files(root: Path) -> None:
    (root / "vn.t" / "base.criteria").write_text(
        BASE.replace('ruleset "vn.t/base" {', 'ruleset "vn.t/base" {\n  extends "vn.t2/child";'), encoding="utf-8"
    )
    found = problems(root, "")
    assert found[0][0] == "PR704"
    assert "child.criteria → " in found[0][3] and "base.criteria → " in found[0][3]


def test_a_file_cannot_extend_itself(root: Path) -> None:
    header = HEADER.replace('extends "vn.t/base"', 'extends "vn.t2/child"')
    assert problems(root, "", header)[0][0] == "PR704"


# ---------------------------------------------------------------- libraries


def test_import_named_definitions_from_a_library(root: Path) -> None:
    (root / "vn.t" / "lib.criteria").write_text(
        'library "vn.t/lib" { title "Thư viện"; version "1"; }\n'
        'input x "X": integer 0..9;\ninput y "Y": integer 0..9 = 0;\nconstraint "y <= x": y <= x;\n'
        'levels muc "Mức" { tot "Tốt", kem "Kém" }\n',
        encoding="utf-8",
    )
    header = '\nruleset "vn.t2/child" { title "x"; version "1"; basis "b"; effective from 2024-01-01; points illustrative; }\n'
    body = """
import "vn.t/lib" { x };
criteria "P" max 9 { item i "I" max 9 { points = x; } }
grades { grade g "G" { band from 0; } }
"""
    r = load(root, body, header)
    assert [i.name for i in r.inputs] == ["x"]  # y and its constraint stay in the library
    assert problems(root, body.replace("{ x }", "{ z }"), header)[0][0] == "PR717"
    with pytest.raises(CriteriaError) as info:
        partyrules.load(root / "vn.t" / "lib.criteria")
    assert info.value.diagnostics[0].code == "PR718"  # a library has nothing to score


def test_national_library_is_declared_once() -> None:
    old = partyrules.load("vn/annual-collective", on=datetime.date(2024, 12, 31))
    new = partyrules.load("vn/annual-collective", on=datetime.date(2025, 12, 31))
    shared = {"subunits", "subunits_disciplined", "disunity", "tasks_done_rate"}
    assert shared <= {i.name for i in old.inputs} & {i.name for i in new.inputs}
    assert any(name.endswith("collective-facts.criteria") for name, _ in new.sources)


# ---------------------------------------------------------------- versions in time


@pytest.mark.parametrize(
    ("day", "version"),
    [
        (datetime.date(2023, 10, 4), "2023.1"),  # 124 takes effect
        (datetime.date(2024, 12, 31), "2023.1"),
        (datetime.date(2025, 8, 29), "2023.1"),  # the last day of 124
        (datetime.date(2025, 8, 30), "2025.1"),  # 366 takes effect
        (datetime.date(2025, 12, 31), "2025.1"),
    ],
)
def test_the_version_in_force_is_picked_by_date(day: datetime.date, version: str) -> None:
    assert partyrules.load("vn/annual-collective", on=day).version == version


def test_a_day_before_every_version_is_said() -> None:
    with pytest.raises(CriteriaError) as info:
        partyrules.load("vn/annual-collective", on=datetime.date(2023, 10, 3))
    assert info.value.diagnostics[0].code == "PR706"
    assert "2023-10-04 to 2025-08-29" in (info.value.diagnostics[0].hint or "")


def test_without_a_date_the_newest_version(root: Path) -> None:
    assert partyrules.load("vn/annual-collective").version == "2025.1"


def test_the_124_version_grades_by_levels() -> None:
    rules = partyrules.load("vn/annual-collective", on=datetime.date(2024, 12, 31))
    best: dict[str, Any] = {
        "politics_level": "tot",
        "organisation_level": "xuat_sac",
        "inspection_level": "tot",
        "tasks_level": "xuat_sac",
        "products": 1,
        "tasks_done_rate": 100,
        "subunits": 10,
    }
    assert rules.evaluate(best).grade == "htxsnv"
    assert rules.evaluate(best | {"products": 0}).grade == "httnv"
    # a disciplined sub-unit bars every grade but KHTNV, unless the unit found and remedied it itself
    assert rules.evaluate(best | {"subunits_disciplined": 1}).grade == "khtnv"
    assert rules.evaluate(best | {"subunits_disciplined": 1, "self_remedied": True}).grade == "httnv"
    remedied = best | {"self_remedied": True}
    assert rules.evaluate(remedied | {"subunits_disciplined": 2}).grade == "httnv"  # exactly 20 %: not over
    assert rules.evaluate(remedied | {"subunits_disciplined": 3}).grade == "khtnv"  # over 20 %: knock-out
    assert rules.evaluate(best | {"inspection_level": "kem"}).grade == "khtnv"


def test_overlapping_versions_are_rejected(root: Path) -> None:
    text = BASE.replace("effective from 2024-01-01", "effective from 2024-01-01 to 2024-12-31")
    (root / "vn.t" / "base.criteria").unlink()
    (root / "vn.t" / "base@1.criteria").write_text(text, encoding="utf-8")
    (root / "vn.t" / "base@2.criteria").write_text(BASE.replace("effective from 2024-01-01", "effective from 2024-12-31"), encoding="utf-8")
    with pytest.raises(CriteriaError) as info:
        partyrules.load("vn.t/base", path=[root])
    assert [d.code for d in info.value.diagnostics] == ["PR705"]
    assert info.value.diagnostics[0].file.endswith("base@2.criteria")
    (root / "vn.t" / "base@2.criteria").write_text(BASE.replace("effective from 2024-01-01", "effective from 2025-01-01"), encoding="utf-8")
    assert partyrules.load("vn.t/base", path=[root], on=datetime.date(2024, 12, 31)).evaluate(FULL).total == 17
    with pytest.raises(CriteriaError) as info:
        load(root, "", HEADER.replace(" effective from 2024-06-01;", ""))
    assert info.value.diagnostics[0].code == "PR707"  # two versions, and the child says no date


def test_cell_meeting_versions_differ_only_by_the_parameter() -> None:
    hd12 = partyrules.load("vn/cell-meeting", on=datetime.date(2025, 10, 27))
    hd42 = partyrules.load("vn/cell-meeting", on=datetime.date(2025, 10, 28))
    from partyrules import diff

    assert [d.text() for d in diff.compare(hd12, hd42)] == ["~ parameter combined_minutes: value 90 → 120"]


# ---------------------------------------------------------------- shipped provinces


def test_binh_thuan_tot_needs_full_marks_on_four_criteria() -> None:
    national = partyrules.load("vn/cell-meeting", on=datetime.date(2025, 1, 1))
    binh_thuan = partyrules.load("vn.binhthuan/cell-meeting")
    facts = {
        "duration_minutes": 95, "members": 20, "present": 19, "prep_content": True, "prep_committee": True,
        "prep_draft_resolution": True, "prep_notice": True, "prep_materials": True, "steps_followed": True,
        "regular_content": True, "praise": True, "criticism": True, "speakers": 8, "self_criticism_time": True,
        "minutes_complete": True, "documents_shared": True, "chairing": "tot", "principles_kept": True,
        "resolution_rate": 95, "resolution_voted": True, "chair_concluded": True,
    }  # fmt: skip
    # 19/20 = 95 % -> du_hop 5; speakers 8/19 = 42 % -> phat_bieu 4 (not full marks 6)
    a, b = national.evaluate(facts), binh_thuan.evaluate(facts)
    assert a.total == b.total
    assert a.total >= 90 and a.grade == "tot"
    assert b.grade == "kha"
    assert binh_thuan.evaluate(facts | {"speakers": 10}).grade == "tot"


def test_ha_tinh_annual_keeps_the_national_split() -> None:
    rules = partyrules.load("vn.hatinh/annual-collective")
    maxima = {c.id: c.maximum for c in rules.criteria}
    assert (maxima["chung"], maxima["nhiem_vu"], maxima["chuyen_doi_so"]) == (Decimal(30), Decimal(70), Decimal(5))


# ---------------------------------------------------------------- a package found through its entry point


def test_criteria_package_found_through_its_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed distribution (metadata on sys.path) that advertises `partyrules.criteria`."""
    package = tmp_path / "partyrules_vn_demo"
    (package / "vn.demo").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "vn.demo" / "meeting.criteria").write_text(
        """
ruleset "vn.demo/meeting" {
  extends "vn/cell-meeting";
  title "Tỉnh thử"; version "1"; effective from 2025-10-28;
}
set combined_minutes = 150;
""",
        encoding="utf-8",
    )
    info = tmp_path / "partyrules_vn_demo-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: partyrules-vn-demo\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[partyrules.criteria]\ndemo = partyrules_vn_demo\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("partyrules_vn_demo", None)
    rules = partyrules.load("vn.demo/meeting")
    assert rules.bases == ("vn/cell-meeting", "vn/cell-meeting")  # HD 42's version extends HD 12's
    assert rules.model.lets["combined_minutes"].value.value == 150
    assert "vn.demo/meeting" in Loader(environment=False, builtin=False).known_ids()


# ---------------------------------------------------------------- pickling keeps every file


def test_pickled_child_rebuilds_from_its_bundle(root: Path) -> None:
    import pickle

    r = load(root, "set threshold = 8;")
    (root / "vn.t" / "base.criteria").unlink()  # the bundle, not the disk, rebuilds it
    again = pickle.loads(pickle.dumps(r))
    assert again.fingerprint == r.fingerprint
    assert again.evaluate({"a": 7}) == r.evaluate({"a": 7})


def test_add_adjustments(root: Path) -> None:
    r = load(root, 'add deduction d2 "Trừ 2" max 1 after d1 { points = if b then 1 else 0; }')
    assert [c.id for c in r.criteria if c.kind == "deduction"] == ["d1", "d2"]
    assert r.evaluate(FULL).points["d2"] == 1
    assert r.evaluate(FULL).total == 17  # 3 + 1 deducted, capped at the block's 3
    found = problems(root, 'add bonus t1 "Cộng" max 1 { points = 1; }')
    assert [(code, name) for code, name, *_ in found] == [("PR711", "child.criteria")]  # no bonuses block to add to
    r = load(root, 'bonuses "Điểm cộng" cap 2 { bonus t1 "Cộng" max 2 { points = if b then 2 else 0; } }')
    assert r.evaluate(FULL).total == 19


def test_check_a_folder_checks_every_file_and_the_versions(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from partyrules import cli

    child(root, "set threshold = 6;")
    assert cli.main(["check", str(root)]) == 0
    out = capsys.readouterr().out
    assert "base.criteria: ok" in out and "child.criteria: ok" in out
    (root / "vn.t" / "base@2.criteria").write_text(BASE.replace("2024-01-01", "2024-03-01"), encoding="utf-8")
    assert cli.main(["check", str(root)]) == 1
    out = capsys.readouterr().out
    assert "error PR705: two versions of `vn.t/base` are in force on 2024-03-01" in out


def test_shipped_criteria_folder_checks_clean(capsys: pytest.CaptureFixture[str]) -> None:
    from partyrules import cli
    from partyrules.loader import builtin_root

    assert cli.main(["check", str(builtin_root())]) == 0
    assert "error" not in capsys.readouterr().out


def test_examples_of_the_base_are_not_inherited(root: Path) -> None:
    example = '\nexample du "Đủ" { given { a = 7; b = true; c = 5; } expect total 17; }\n'
    (root / "vn.t" / "base.criteria").write_text(BASE + example, encoding="utf-8")
    assert len(partyrules.load(root / "vn.t" / "base.criteria").tests.examples) == 1
    child_rules = load(root, "set threshold = 8;" + example.replace("17", "11").replace("du ", "du_tinh "))
    assert [e.name for e in child_rules.tests.examples] == ["du_tinh"]


def test_a_band_moved_by_the_child_is_reported_in_the_child(root: Path) -> None:
    found = problems(root, "change grade tot { band from 16; }")
    assert found == [("PR606", "child.criteria", 6, "totals from 15 below 16 reach no grade")]
    diagnostics = partyrules.check(child(root, "change grade tot { band from 16; }"))
    assert [d.hint for d in diagnostics] == ["make `tot`'s band start at 15"]


def test_checking_a_child_shows_only_its_own_warnings(root: Path) -> None:
    (root / "vn.t" / "base.criteria").write_text(BASE + '\ninput unused "Không dùng": boolean = false;\n', encoding="utf-8")
    assert [d.code for d in partyrules.check(root / "vn.t" / "base.criteria")] == ["PR901"]
    assert partyrules.check(child(root, "")) == []


def test_load_of_a_str_naming_a_file_not_an_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A str ending in `.criteria` is read as a path; one naming an existing file of another suffix stays an
    id (`vn/x.y` could be either), and its PR701 says a file of that name exists and how to pass it."""
    from partyrules.catalog import shipped_path

    text = shipped_path("vn.hatinh/chi-bo-4-tot").read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scale.criteria").write_text(text, encoding="utf-8")
    (tmp_path / "scale.partyrules").write_text(text, encoding="utf-8")
    assert partyrules.load("scale.criteria").fingerprint == partyrules.load(Path("scale.partyrules")).fingerprint
    with pytest.raises(CriteriaError) as raised:
        partyrules.load("scale.partyrules")
    (problem,) = raised.value.diagnostics
    assert problem.code == "PR701"
    assert problem.hint == (
        "a file of that name exists: pass a Path to read it, `partyrules.load(Path('scale.partyrules'))`, "
        "or name it `.criteria`"
    )
    with pytest.raises(CriteriaError) as raised:  # no such file: the usual hint, where it searched
        partyrules.load("other.partyrules")
    assert "searched:" in (raised.value.diagnostics[0].hint or "")
