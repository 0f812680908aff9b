"""Hand-written baseline scorers for two more sheets of the evaluator benchmark.

* ``meeting_*``: ``benchmarks/meeting-rates.criteria``, a 100-point monthly meeting sheet made of
  rates (attendance, members with a reason for their absence, speakers among those present,
  targets met, resolutions carried out) in bands, a duration rule and a gate on the top grade;
* ``annual_*``: the shipped ``vn/annual-collective`` in its Quy định 366 version
  (``src/partyrules/criteria/vn/annual-collective@366.criteria``): marks given with two decimals,
  rates times points rounded to hundredths, bands, requirements and knock-outs (its quota is a
  rule over a batch, not part of one organisation's score).

Each comes as a developer would write it by hand: ``*_decimal`` in exact Decimals (rates as
Decimal quotients, as ``Decimal(present) / members >= Decimal("0.95")``), ``*_integer`` in
integers (rates cross-multiplied, points in hundredths). Both take typed facts (ints, bools,
Decimals; percentages in percent units); ``*_parse`` reads a row of text as a CSV file gives it
into typed facts, as a hand-written scorer of a data file would first do. Optional inputs may be
missing and take their declared default; nothing is validated. Each returns ``(total, grade)``:
the Decimal total, or the integer one in hundredths of a point.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

__all__ = [
    "annual_decimal",
    "annual_integer",
    "annual_parse",
    "four_good_parse",
    "meeting_decimal",
    "meeting_integer",
    "meeting_parse",
]

_D = {k: Decimal(k) for k in (0, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 15, 17, 20, 21, 25, 30, 35, 50, 70, 90, 100)}
_HUNDREDTH = Decimal("0.01")
_R95, _R90, _R85, _R80, _R75, _R70, _R50, _R30, _R15 = (
    Decimal(t) for t in ("0.95", "0.9", "0.85", "0.8", "0.75", "0.7", "0.5", "0.3", "0.15")
)
_TRUE = frozenset(("true", "1", "yes"))

# ---------------------------------------------------------------- the meeting sheet

MEETING_GRADES = ("tot", "kha", "trung_binh", "kem")


def meeting_decimal(f: Mapping[str, Any]) -> tuple[Decimal, str]:
    members = f["members"]
    present = f["present"]
    excused = f.get("excused", 0)
    speakers = f["speakers"]
    duration = f["duration_minutes"]
    thematic = f.get("thematic", False)
    d = _D
    attendance = Decimal(present) / members
    if attendance >= _R95:
        du_hop = d[20]
    elif attendance >= _R90:
        du_hop = d[17]
    elif attendance >= _R80:
        du_hop = d[12]
    elif attendance >= _R70:
        du_hop = d[6]
    else:
        du_hop = d[0]
    accounted = Decimal(present + excused) / members
    co_ly_do = d[5] if accounted >= 1 else d[3] if accounted >= _R90 else d[0]
    if duration >= 120 or (duration >= 90 and not thematic):
        thoi_luong = d[10]
    elif duration >= 90:
        thoi_luong = d[6]
    elif duration >= 60:
        thoi_luong = d[3]
    else:
        thoi_luong = d[0]
    chuan_bi = d[5] if f.get("agenda_prepared", True) else d[0]
    if present > 0:
        share = Decimal(speakers) / present
        phat_bieu = d[20] if share >= _R50 else d[14] if share >= _R30 else d[8] if share >= _R15 else d[2]
    else:
        phat_bieu = d[0]
    met = Decimal(f["targets_met"]) / f["targets"]
    if met >= 1:
        chi_tieu = d[25]
    elif met >= _R90:
        chi_tieu = d[21]
    elif met >= _R75:
        chi_tieu = d[15]
    elif met >= _R50:
        chi_tieu = d[8]
    else:
        chi_tieu = d[0]
    done = Decimal(f["resolutions_done"]) / f["resolutions"]
    nghi_quyet = d[10] if done >= 1 else d[7] if done >= _R80 else d[4] if done >= _R50 else d[0]
    bien_ban = d[5] if f.get("minutes_recorded", True) else d[0]
    total = du_hop + co_ly_do + thoi_luong + chuan_bi + phat_bieu + chi_tieu + nghi_quyet + bien_ban
    if total >= d[90]:
        grade = 0 if attendance > _R85 and duration >= 90 else 1
    elif total >= d[70]:
        grade = 1
    elif total >= d[50]:
        grade = 2
    else:
        grade = 3
    return total, MEETING_GRADES[grade]


def meeting_integer(f: Mapping[str, Any]) -> tuple[int, str]:
    members = f["members"]
    present = f["present"]
    excused = f.get("excused", 0)
    speakers = f["speakers"]
    duration = f["duration_minutes"]
    thematic = f.get("thematic", False)
    if present * 20 >= 19 * members:
        du_hop = 20
    elif present * 10 >= 9 * members:
        du_hop = 17
    elif present * 5 >= 4 * members:
        du_hop = 12
    elif present * 10 >= 7 * members:
        du_hop = 6
    else:
        du_hop = 0
    accounted = present + excused
    co_ly_do = 5 if accounted >= members else 3 if accounted * 10 >= 9 * members else 0
    if duration >= 120 or (duration >= 90 and not thematic):
        thoi_luong = 10
    elif duration >= 90:
        thoi_luong = 6
    elif duration >= 60:
        thoi_luong = 3
    else:
        thoi_luong = 0
    chuan_bi = 5 if f.get("agenda_prepared", True) else 0
    if present > 0:
        if speakers * 2 >= present:
            phat_bieu = 20
        elif speakers * 10 >= 3 * present:
            phat_bieu = 14
        elif speakers * 20 >= 3 * present:
            phat_bieu = 8
        else:
            phat_bieu = 2
    else:
        phat_bieu = 0
    met, targets = f["targets_met"], f["targets"]
    if met >= targets:
        chi_tieu = 25
    elif met * 10 >= 9 * targets:
        chi_tieu = 21
    elif met * 4 >= 3 * targets:
        chi_tieu = 15
    elif met * 2 >= targets:
        chi_tieu = 8
    else:
        chi_tieu = 0
    done, resolutions = f["resolutions_done"], f["resolutions"]
    nghi_quyet = (
        10 if done >= resolutions else 7 if done * 5 >= 4 * resolutions else 4 if done * 2 >= resolutions else 0
    )
    bien_ban = 5 if f.get("minutes_recorded", True) else 0
    total = du_hop + co_ly_do + thoi_luong + chuan_bi + phat_bieu + chi_tieu + nghi_quyet + bien_ban
    if total >= 90:
        grade = 0 if present * 20 > 17 * members and duration >= 90 else 1
    elif total >= 70:
        grade = 1
    elif total >= 50:
        grade = 2
    else:
        grade = 3
    return total * 100, MEETING_GRADES[grade]


_MEETING_INTEGERS = (
    "members",
    "present",
    "excused",
    "speakers",
    "targets",
    "targets_met",
    "resolutions",
    "resolutions_done",
    "duration_minutes",
)
_MEETING_BOOLEANS = ("thematic", "agenda_prepared", "minutes_recorded")
#: every input of the meeting sheet, in the order its CSV columns are written
MEETING_INPUTS = _MEETING_INTEGERS + _MEETING_BOOLEANS


def meeting_parse(row: Mapping[str, str]) -> dict[str, Any]:
    facts: dict[str, Any] = {name: int(row[name]) for name in _MEETING_INTEGERS if row.get(name)}
    for name in _MEETING_BOOLEANS:
        text = row.get(name)
        if text:
            facts[name] = text.strip().lower() in _TRUE
    return facts


# ---------------------------------------------------------------- the annual sheet (Quy định 366)

ANNUAL_GRADES = ("htxsnv", "httnv", "htnv", "khtnv")


def annual_decimal(f: Mapping[str, Any]) -> tuple[Decimal, str]:
    d = _D
    done = f["tasks_done_rate"]
    on_time = f["tasks_on_time_rate"]
    late = f.get("tasks_late_rate", d[0])
    exceeded = f.get("tasks_exceeded_rate", d[0])
    chung = f["politics_points"] + f["democracy_points"] + f["organisation_points"] + f["inspection_points"]
    hoan_thanh = (done * d[35] / d[100]).quantize(_HUNDREDTH, ROUND_HALF_UP)
    tien_do = (on_time * d[15] / d[100]).quantize(_HUNDREDTH, ROUND_HALF_UP)
    vuot_muc = d[10] if exceeded >= d[30] else d[7] if exceeded >= d[20] else d[4] if exceeded >= d[10] else d[0]
    san_pham = min(f.get("products", 0), 5) * d[2]
    total = chung + hoan_thanh + tien_do + vuot_muc + san_pham
    subunits_disciplined = f.get("subunits_disciplined", 0)
    leaders_disciplined = f.get("leaders_disciplined", 0)
    if total >= d[90]:
        grade = 0
        if not (on_time >= d[100] and exceeded >= d[30] and subunits_disciplined == 0 and leaders_disciplined == 0):
            grade = 1
    elif total >= d[70]:
        grade = 1
    elif total >= d[50]:
        grade = 2
    else:
        grade = 3
    if grade == 1 and not on_time >= d[100]:
        grade = 2
    if grade == 2 and not (done >= d[100] and late <= d[20]):
        grade = 3
    if (
        f.get("leadership_disciplined", False)
        or Decimal(subunits_disciplined) / f["subunits"] > Decimal("0.2")
        or f.get("disunity", False)
        or f.get("degradation", False)
        or (done < d[50] and f.get("key_targets_missed", False) and not f.get("force_majeure", False))
    ):
        grade = 3
    return total, ANNUAL_GRADES[grade]


def _hundredths_of(rate: Decimal, points: int) -> int:
    """round(rate% * points, 2) in hundredths of a point: rate * points rounded half up to a whole."""
    numerator, denominator = rate.as_integer_ratio()
    return (2 * numerator * points + denominator) // (2 * denominator)


def annual_integer(f: Mapping[str, Any]) -> tuple[int, str]:
    zero = _D[0]
    done = f["tasks_done_rate"]
    on_time = f["tasks_on_time_rate"]
    late = f.get("tasks_late_rate", zero)
    exceeded = f.get("tasks_exceeded_rate", zero)
    # marks with two decimals, once each, as hundredths
    chung = int(
        (f["politics_points"] + f["democracy_points"] + f["organisation_points"] + f["inspection_points"]) * 100
    )
    hoan_thanh = _hundredths_of(done, 35)
    tien_do = _hundredths_of(on_time, 15)
    vuot_muc = 1000 if exceeded >= 30 else 700 if exceeded >= 20 else 400 if exceeded >= 10 else 0
    san_pham = min(f.get("products", 0), 5) * 200
    total = chung + hoan_thanh + tien_do + vuot_muc + san_pham
    subunits_disciplined = f.get("subunits_disciplined", 0)
    leaders_disciplined = f.get("leaders_disciplined", 0)
    if total >= 9000:
        grade = 0
        if not (on_time >= 100 and exceeded >= 30 and subunits_disciplined == 0 and leaders_disciplined == 0):
            grade = 1
    elif total >= 7000:
        grade = 1
    elif total >= 5000:
        grade = 2
    else:
        grade = 3
    if grade == 1 and not on_time >= 100:
        grade = 2
    if grade == 2 and not (done >= 100 and late <= 20):
        grade = 3
    if (
        f.get("leadership_disciplined", False)
        or subunits_disciplined * 5 > f["subunits"]
        or f.get("disunity", False)
        or f.get("degradation", False)
        or (done < 50 and f.get("key_targets_missed", False) and not f.get("force_majeure", False))
    ):
        grade = 3
    return total, ANNUAL_GRADES[grade]


_ANNUAL_INTEGERS = ("subunits", "subunits_disciplined", "leaders_disciplined", "products")
_ANNUAL_DECIMALS = (
    "tasks_done_rate",
    "tasks_on_time_rate",
    "tasks_late_rate",
    "tasks_exceeded_rate",
    "politics_points",
    "democracy_points",
    "organisation_points",
    "inspection_points",
)
_ANNUAL_BOOLEANS = (
    "leadership_disciplined",
    "disunity",
    "degradation",
    "key_targets_missed",
    "force_majeure",
)


def annual_parse(row: Mapping[str, str]) -> dict[str, Any]:
    facts: dict[str, Any] = {name: int(row[name]) for name in _ANNUAL_INTEGERS if row.get(name)}
    for name in _ANNUAL_DECIMALS:
        text = row.get(name)
        if text:
            facts[name] = Decimal(text.strip().removesuffix("%"))
    for name in _ANNUAL_BOOLEANS:
        text = row.get(name)
        if text:
            facts[name] = text.strip().lower() in _TRUE
    return facts


# ---------------------------------------------------------------- the 4 tốt sheet (scored in handwritten.py)

_FOUR_GOOD_INTEGERS = (
    "members",
    "meetings_good",
    "thematic_meetings",
    "unexcused_absences",
    "members_disciplined",
    "new_members",
    "late_reports",
    "months_established",
)
_FOUR_GOOD_PERCENTS = ("task_completion", "attendance_rate", "members_good_rate")
_FOUR_GOOD_BOOLEANS = ("disunity", "dues_on_time", "commended", "model_practice")
_FOUR_GOOD_MEMBERS = ("district", "emulation")


def four_good_parse(row: Mapping[str, str]) -> dict[str, Any]:
    facts: dict[str, Any] = {name: int(row[name]) for name in _FOUR_GOOD_INTEGERS if row.get(name)}
    for name in _FOUR_GOOD_PERCENTS:
        text = row.get(name)
        if text:
            facts[name] = Decimal(text.strip().removesuffix("%"))
    for name in _FOUR_GOOD_BOOLEANS:
        text = row.get(name)
        if text:
            facts[name] = text.strip().lower() in _TRUE
    for name in _FOUR_GOOD_MEMBERS:
        text = row.get(name)
        if text:
            facts[name] = text.strip()
    return facts
