"""Hand-written baseline scorer for ``vn.hatinh/chi-bo-4-tot.criteria``.

This module scores the shipped "Chi bộ 4 tốt" scale
(``src/partyrules/criteria/vn.hatinh/chi-bo-4-tot.criteria``) in plain Python, the
way a developer would code one scale by hand without the criteria language. It is
the baseline of the evaluator benchmark: the compiled evaluator is timed against
it, and every total and grade must agree with it.

Two versions are given:

* :func:`score` works in exact :class:`decimal.Decimal` points;
* :func:`score_fixed_point` works in integers, in hundredths of a point, with each
  percent input converted once to a whole number of percent, in hundredths.

Conventions (those of the compiled evaluator's facts): integers are ``int``;
``percent`` inputs are given in percent units (``Decimal("87.5")`` is 87.5 %);
booleans are ``bool``; ``one of`` inputs are member identifiers (``"bang_khen"``).
Optional inputs may be missing and then take their declared default. Nothing is
validated.

The fixed-point conversion of a percent rounds down to a whole percent
(``floor(p) * 100`` hundredths). The scale only ever asks ``p >= t`` of its percents, with
thresholds ``t`` that are whole percents (100, 95, 90, 85, 80, 70, 50), and for those
``p >= t`` holds exactly when ``floor(p) >= t``, so the result is exact even for inputs with
decimals. A threshold with decimals (``>= 87.5%``) would need ``floor(p * 100)`` instead.

Grades, best first: ``bon_tot``, ``kha``, ``trung_binh``, ``chua_dat``; ``None``
means "not graded" (a chi bộ established less than 6 months ago).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["GRADES", "score", "score_fixed_point"]

GRADES: tuple[str, ...] = ("bon_tot", "kha", "trung_binh", "chua_dat")
_BON_TOT, _KHA, _TRUNG_BINH, _CHUA_DAT = range(4)

_D0 = Decimal(0)
_D2 = Decimal(2)
_D3 = Decimal(3)
_D4 = Decimal(4)
_D5 = Decimal(5)
_D6 = Decimal(6)
_D7 = Decimal(7)
_D9 = Decimal(9)
_D10 = Decimal(10)
_D12 = Decimal(12)
_D14 = Decimal(14)
_D15 = Decimal(15)
_D16 = Decimal(16)
_D17 = Decimal(17)
_D20 = Decimal(20)
_D24 = Decimal(24)
_D2_5 = Decimal("2.5")

_EMULATION = {"bang_khen": _D10, "giay_khen": _D7, "khong": _D3}
_EMULATION_FIXED = {"bang_khen": 1000, "giay_khen": 700, "khong": 300}


def _grade(
    at_least_90: bool, at_least_70: bool, at_least_50: bool, all_tot: bool, disunity: bool, disciplined: bool
) -> str:
    """Grade from the total's band, the requirement of ``bon_tot`` and the knock-outs."""
    if at_least_90:
        # bon_tot requires every criterion at level tot; otherwise fall to kha (no requirement).
        grade = _BON_TOT if all_tot else _KHA
    elif at_least_70:
        grade = _KHA
    elif at_least_50:
        grade = _TRUNG_BINH
    else:
        grade = _CHUA_DAT
    # Knock-outs: each one that applies gives a resulting grade; the worst of them wins.
    results: list[int] = []
    if disunity:  # mat_doan_ket: force chua_dat
        results.append(_CHUA_DAT)
    if disciplined:  # co_ky_luat: cap kha (no better than kha)
        results.append(max(grade, _KHA))
    if results:
        grade = max(results)
    return GRADES[grade]


def score(facts: Mapping[str, Any]) -> tuple[Decimal, str | None]:
    """Score one chi bộ: ``(total points, grade id or None if not graded)``, in exact Decimals."""
    task_completion = facts["task_completion"]
    emulation = facts.get("emulation", "khong")
    meetings_good = facts["meetings_good"]
    thematic_meetings = facts["thematic_meetings"]
    attendance_rate = facts["attendance_rate"]
    unexcused_absences = facts.get("unexcused_absences", 0)
    disunity = facts.get("disunity", False)
    members_disciplined = facts.get("members_disciplined", 0)
    members_good_rate = facts["members_good_rate"]
    new_members = facts.get("new_members", 0)
    dues_on_time = facts.get("dues_on_time", True)
    late_reports = facts.get("late_reports", 0)
    commended = facts.get("commended", False)
    model_practice = facts.get("model_practice", False)
    months_established = facts.get("months_established", 120)

    # 1. Thi đua hoàn thành tốt nhiệm vụ (max 30)
    if task_completion >= 100:
        chi_tieu = _D20
    elif task_completion >= 90:
        chi_tieu = _D17
    elif task_completion >= 80:
        chi_tieu = _D14
    elif task_completion >= 70:
        chi_tieu = _D10
    elif task_completion >= 50:
        chi_tieu = _D5
    else:
        chi_tieu = _D0
    nhiem_vu = chi_tieu + _EMULATION[emulation]

    # 2. Chất lượng sinh hoạt tốt (max 30)
    if meetings_good >= 10:
        thang_tot = _D15
    elif meetings_good >= 8:
        thang_tot = _D12
    elif meetings_good >= 6:
        thang_tot = _D9
    elif meetings_good >= 4:
        thang_tot = _D5
    else:
        thang_tot = _D0
    chuyen_de = min(thematic_meetings, 4) * _D2_5
    if attendance_rate >= 95 and unexcused_absences == 0:
        du_hop = _D5
    elif attendance_rate >= 85 and unexcused_absences == 0:
        du_hop = _D4
    elif attendance_rate >= 85:
        du_hop = _D3
    elif attendance_rate >= 70:
        du_hop = _D2
    else:
        du_hop = _D0
    sinh_hoat = thang_tot + chuyen_de + du_hop

    # 3. Đoàn kết tốt, kỷ luật tốt (max 20)
    noi_bo = _D0 if disunity else _D10
    if members_disciplined <= 0:
        ky_luat = _D10
    elif members_disciplined <= 2:
        ky_luat = _D6
    else:
        ky_luat = _D0
    doan_ket = noi_bo + ky_luat

    # 4. Cán bộ, đảng viên tốt (max 20)
    if members_good_rate >= 90:
        xep_loai = _D12
    elif members_good_rate >= 80:
        xep_loai = _D9
    elif members_good_rate >= 70:
        xep_loai = _D6
    else:
        xep_loai = _D2
    ket_nap = min(new_members, 2) * _D2
    dang_phi = _D4 if dues_on_time else _D0
    dang_vien = xep_loai + ket_nap + dang_phi

    criteria = nhiem_vu + sinh_hoat + doan_ket + dang_vien
    deductions = min(min(late_reports * 2, 6), 6)  # cham_bao_cao, block cap 6
    bonuses = min((3 if commended else 0) + (2 if model_practice else 0), 5)  # block cap 5
    total = criteria - deductions + bonuses

    if months_established < 6:  # not_graded moi_thanh_lap
        return total, None
    all_tot = nhiem_vu >= _D24 and sinh_hoat >= _D24 and doan_ket >= _D16 and dang_vien >= _D16
    grade = _grade(total >= 90, total >= 70, total >= 50, all_tot, disunity, members_disciplined > 0)
    return total, grade


def score_fixed_point(facts: Mapping[str, Any]) -> tuple[int, str | None]:
    """Same as :func:`score`, in integer hundredths of a point: ``(total * 100, grade id or None)``."""
    # Percent inputs, once, to whole percents in hundredths (rounded down; exact for `>=` whole-percent tests).
    task_completion = math.floor(facts["task_completion"]) * 100
    attendance_rate = math.floor(facts["attendance_rate"]) * 100
    members_good_rate = math.floor(facts["members_good_rate"]) * 100
    emulation = facts.get("emulation", "khong")
    meetings_good = facts["meetings_good"]
    thematic_meetings = facts["thematic_meetings"]
    unexcused_absences = facts.get("unexcused_absences", 0)
    disunity = facts.get("disunity", False)
    members_disciplined = facts.get("members_disciplined", 0)
    new_members = facts.get("new_members", 0)
    dues_on_time = facts.get("dues_on_time", True)
    late_reports = facts.get("late_reports", 0)
    commended = facts.get("commended", False)
    model_practice = facts.get("model_practice", False)
    months_established = facts.get("months_established", 120)

    # 1. Thi đua hoàn thành tốt nhiệm vụ (max 3000)
    if task_completion >= 10000:
        chi_tieu = 2000
    elif task_completion >= 9000:
        chi_tieu = 1700
    elif task_completion >= 8000:
        chi_tieu = 1400
    elif task_completion >= 7000:
        chi_tieu = 1000
    elif task_completion >= 5000:
        chi_tieu = 500
    else:
        chi_tieu = 0
    nhiem_vu = chi_tieu + _EMULATION_FIXED[emulation]

    # 2. Chất lượng sinh hoạt tốt (max 3000)
    if meetings_good >= 10:
        thang_tot = 1500
    elif meetings_good >= 8:
        thang_tot = 1200
    elif meetings_good >= 6:
        thang_tot = 900
    elif meetings_good >= 4:
        thang_tot = 500
    else:
        thang_tot = 0
    chuyen_de = min(thematic_meetings, 4) * 250
    if attendance_rate >= 9500 and unexcused_absences == 0:
        du_hop = 500
    elif attendance_rate >= 8500 and unexcused_absences == 0:
        du_hop = 400
    elif attendance_rate >= 8500:
        du_hop = 300
    elif attendance_rate >= 7000:
        du_hop = 200
    else:
        du_hop = 0
    sinh_hoat = thang_tot + chuyen_de + du_hop

    # 3. Đoàn kết tốt, kỷ luật tốt (max 2000)
    noi_bo = 0 if disunity else 1000
    if members_disciplined <= 0:
        ky_luat = 1000
    elif members_disciplined <= 2:
        ky_luat = 600
    else:
        ky_luat = 0
    doan_ket = noi_bo + ky_luat

    # 4. Cán bộ, đảng viên tốt (max 2000)
    if members_good_rate >= 9000:
        xep_loai = 1200
    elif members_good_rate >= 8000:
        xep_loai = 900
    elif members_good_rate >= 7000:
        xep_loai = 600
    else:
        xep_loai = 200
    ket_nap = min(new_members, 2) * 200
    dang_phi = 400 if dues_on_time else 0
    dang_vien = xep_loai + ket_nap + dang_phi

    criteria = nhiem_vu + sinh_hoat + doan_ket + dang_vien
    deductions = min(min(late_reports * 200, 600), 600)  # cham_bao_cao, block cap 6
    bonuses = min((300 if commended else 0) + (200 if model_practice else 0), 500)  # block cap 5
    total = criteria - deductions + bonuses

    if months_established < 6:  # not_graded moi_thanh_lap
        return total, None
    all_tot = nhiem_vu >= 2400 and sinh_hoat >= 2400 and doan_ket >= 1600 and dang_vien >= 1600
    grade = _grade(total >= 9000, total >= 7000, total >= 5000, all_tot, disunity, members_disciplined > 0)
    return total, grade


if __name__ == "__main__":
    # Totals worked out by hand from the criteria file (see the comments).
    examples: list[tuple[str, dict[str, object], Decimal, str | None]] = [
        (
            "top grade",
            {
                "district": "tp_ha_tinh",
                "members": 25,
                "task_completion": Decimal("100"),  # chi_tieu 20
                "emulation": "bang_khen",  # thi_dua 10 -> nhiem_vu 30 (tot)
                "meetings_good": 11,  # thang_tot 15
                "thematic_meetings": 3,  # chuyen_de 7.5
                "attendance_rate": Decimal("96.5"),  # du_hop 5 (with 0 unexcused) -> sinh_hoat 27.5 (tot)
                # disunity, members_disciplined defaulted: noi_bo 10, ky_luat 10 -> doan_ket 20 (tot)
                "members_good_rate": Decimal("92"),  # xep_loai 12
                "new_members": 1,  # ket_nap 2; dues_on_time defaulted: dang_phi 4 -> dang_vien 18 (tot)
                "late_reports": 1,  # deduction 2
                "commended": True,  # bonus 3
            },
            # 30 + 27.5 + 20 + 18 = 95.5; 95.5 - 2 + 3 = 96.5 >= 90, all four at tot
            Decimal("96.5"),
            "bon_tot",
        ),
        (
            "knock-out",
            {
                "district": "can_loc",
                "members": 40,
                "task_completion": Decimal("95"),  # chi_tieu 17
                "emulation": "giay_khen",  # thi_dua 7 -> nhiem_vu 24
                "meetings_good": 12,  # thang_tot 15
                "thematic_meetings": 5,  # chuyen_de min(5, 4) * 2.5 = 10
                "attendance_rate": Decimal("88.25"),
                "unexcused_absences": 3,  # du_hop 3 (>= 85 % but absences) -> sinh_hoat 28
                "disunity": True,  # noi_bo 0
                "members_disciplined": 1,  # ky_luat 6 -> doan_ket 6 (noi_bo 0 + 6)
                "members_good_rate": Decimal("85"),  # xep_loai 9
                "new_members": 3,  # ket_nap min(3, 2) * 2 = 4
                "dues_on_time": True,  # dang_phi 4 -> dang_vien 17
                "late_reports": 4,  # min(8, 6) = 6, block cap 6
                "commended": True,  # bonus 3
                "model_practice": True,  # bonus 2, block cap 5
            },
            # 24 + 28 + 6 + 17 = 75; 75 - 6 + 5 = 74 -> band kha;
            # knock-outs: cap kha gives kha, force chua_dat gives chua_dat; the worst wins
            Decimal("74"),
            "chua_dat",
        ),
        (
            "not graded",
            {
                "district": "huong_khe",
                "members": 8,
                "task_completion": Decimal("72.5"),  # chi_tieu 10
                # emulation defaulted to khong: thi_dua 3 -> nhiem_vu 13
                "meetings_good": 7,  # thang_tot 9
                "thematic_meetings": 2,  # chuyen_de 5
                "attendance_rate": Decimal("84.99"),  # du_hop 2 (>= 70 %, not >= 85 %) -> sinh_hoat 16
                # disunity, members_disciplined defaulted -> doan_ket 20
                "members_good_rate": Decimal("79.99"),  # xep_loai 6
                # new_members 0, dues_on_time true defaulted: ket_nap 0, dang_phi 4 -> dang_vien 10
                "months_established": 4,  # < 6: not graded
            },
            # 13 + 16 + 20 + 10 = 59, no deductions or bonuses (band trung_binh, but not graded)
            Decimal("59"),
            None,
        ),
    ]
    for name, facts, expected_total, expected_grade in examples:
        total, grade = score(facts)
        fixed_total, fixed_grade = score_fixed_point(facts)
        assert (total, grade) == (expected_total, expected_grade), (name, total, grade)
        assert fixed_total == expected_total * 100 and fixed_grade == expected_grade, (name, fixed_total, fixed_grade)
        print(f"{name}: total {total}, grade {grade}")
    print("ok")
