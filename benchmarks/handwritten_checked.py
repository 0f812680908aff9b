"""Hand-written Decimal scorers of the three benchmark sheets that check what partyrules checks.

The scorers of ``handwritten.py`` and ``handwritten_sheets.py`` check nothing: a row with a
negative member count, a percentage of 250, a mark with three decimals or a misspelt key is
scored anyway. partyrules refuses such a row (``FactsError``) before scoring it. The functions
here are the same scorers with the checks a careful developer would write by hand in front of
them, inline (no loop over a table of declarations), so that ``bench_evaluate.py`` can time
partyrules against a hand-written scorer that does the same work:

* every key of the row is an input of the sheet (the benchmark's rows carry no id key);
* every required input is there; an optional one left out takes its declared default;
* every value has its input's type: an integer ``type(x) is int`` (a bool is not a count), a
  boolean a ``bool``, a number or percentage a finite ``Decimal``, a ``one of`` input one of
  its members (a ``str``);
* every number is within its declared range (a percentage without one: 0..100 %, in percent
  units as the typed rows give them), and a ``decimal ... places 2`` input has at most two
  decimal places once trailing zeros are dropped (``Decimal("7.50")`` is 7.5, accepted), as
  partyrules reads ``places``;
* every ``constraint`` between facts of the criteria file (and of the library it imports) holds.

A problem raises :class:`ValueError` naming the fact (for a constraint, the first fact it names).
The scores then come from the unchecked scorers, called as they are.

The checks are those of the typed rows: partyrules also reads text (``"87.5"``, ``"true"``),
ints for percentages, ``0``/``1`` for booleans and ``None`` for "not given", which these refuse;
everything these refuse on such rows partyrules refuses too (``tests/test_bench_baselines.py``).
The ``require`` lines of the grades are conditions of a grade, not of the facts: the scorers
apply them, neither refuses a row for them.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from decimal import MAX_PREC, Context, Decimal, InvalidOperation
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

__all__ = ["annual_checked", "four_good_checked", "meeting_checked"]

Score = Callable[[Mapping[str, Any]], tuple[Decimal, str | None]]


def _sibling(name: str) -> ModuleType:
    """A module of this folder, under a name of its own (the benchmarks are scripts, not a package)."""
    path = Path(__file__).resolve().parent / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"partyrules_bench_checked_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_four_good_score: Score = _sibling("handwritten").score
_sheets = _sibling("handwritten_sheets")
_meeting_score: Score = _sheets.meeting_decimal
_annual_score: Score = _sheets.annual_decimal

_ABSENT: Any = object()
_D0, _D7, _D8, _D100 = Decimal(0), Decimal(7), Decimal(8), Decimal(100)
_HUNDREDTH = Decimal("0.01")
#: a sum of facts compared in a constraint, exact: the default context's 28 digits would round
#: 60.0000000000000000000000000001 + 40 to 100 and let the row through (partyrules refuses it)
_exact_add = Context(prec=MAX_PREC).add


def _refuse(name: str, value: object, expected: str) -> NoReturn:
    raise ValueError(f"{name}: {value!r} is not {expected}")


def _missing(error: KeyError) -> NoReturn:
    raise ValueError(f"{error.args[0]}: is missing") from None


def _unknown(facts: Mapping[str, Any], inputs: frozenset[str]) -> NoReturn:
    name = next(str(key) for key in facts if key not in inputs)
    raise ValueError(f"{name}: is not an input of this sheet")


def _not_finite(facts: Mapping[str, Any]) -> NoReturn:
    """A Decimal NaN: comparing it raised InvalidOperation; name the fact."""
    name = next(k for k, v in facts.items() if type(v) is Decimal and not v.is_finite())
    raise ValueError(f"{name}: {facts[name]!r} is not a finite number")


def _broken(name: str, rule: str) -> NoReturn:
    raise ValueError(f"{name}: the constraint {rule} does not hold")


# ---------------------------------------------------------------- 4 tốt (vn.hatinh/chi-bo-4-tot)

_FOUR_GOOD_INPUTS = frozenset(
    (
        "district",
        "members",
        "task_completion",
        "emulation",
        "meetings_good",
        "thematic_meetings",
        "attendance_rate",
        "unexcused_absences",
        "disunity",
        "members_disciplined",
        "members_good_rate",
        "new_members",
        "dues_on_time",
        "late_reports",
        "commended",
        "model_practice",
        "months_established",
    )
)
_DISTRICTS = frozenset(
    (
        "tp_ha_tinh",
        "tx_hong_linh",
        "tx_ky_anh",
        "can_loc",
        "cam_xuyen",
        "duc_tho",
        "huong_khe",
        "huong_son",
        "ky_anh",
        "loc_ha",
        "nghi_xuan",
        "thach_ha",
        "vu_quang",
    )
)
_EMULATIONS = frozenset(("bang_khen", "giay_khen", "khong"))


def four_good_checked(f: Mapping[str, Any]) -> tuple[Decimal, str | None]:
    """``handwritten.score`` after checking the row against ``chi-bo-4-tot.criteria``'s inputs and constraint."""
    try:
        district = f["district"]
        members = f["members"]
        task_completion = f["task_completion"]
        meetings_good = f["meetings_good"]
        thematic_meetings = f["thematic_meetings"]
        attendance_rate = f["attendance_rate"]
        members_good_rate = f["members_good_rate"]
    except KeyError as error:
        _missing(error)
    try:
        if type(district) is not str or district not in _DISTRICTS:
            _refuse("district", district, "one of the districts")
        if type(members) is not int or not 3 <= members <= 500:
            _refuse("members", members, "a whole number 3..500")
        if type(task_completion) is not Decimal or not _D0 <= task_completion <= _D100:
            _refuse("task_completion", task_completion, "a percentage 0..100")
        if type(meetings_good) is not int or not 0 <= meetings_good <= 12:
            _refuse("meetings_good", meetings_good, "a whole number 0..12")
        if type(thematic_meetings) is not int or not 0 <= thematic_meetings <= 12:
            _refuse("thematic_meetings", thematic_meetings, "a whole number 0..12")
        if type(attendance_rate) is not Decimal or not _D0 <= attendance_rate <= _D100:
            _refuse("attendance_rate", attendance_rate, "a percentage 0..100")
        if type(members_good_rate) is not Decimal or not _D0 <= members_good_rate <= _D100:
            _refuse("members_good_rate", members_good_rate, "a percentage 0..100")
    except InvalidOperation:
        _not_finite(f)
    get = f.get
    given = 7  # the required inputs, all there: with the optional ones given, every key of the row
    value = get("emulation", _ABSENT)
    if value is not _ABSENT:
        given += 1
        if type(value) is not str or value not in _EMULATIONS:
            _refuse("emulation", value, "one of bang_khen, giay_khen, khong")
    value = get("unexcused_absences", _ABSENT)
    if value is not _ABSENT:
        given += 1
        if type(value) is not int or not 0 <= value <= 6000:
            _refuse("unexcused_absences", value, "a whole number 0..6000")
    members_disciplined = get("members_disciplined", _ABSENT)
    if members_disciplined is _ABSENT:
        members_disciplined = 0
    else:
        given += 1
        if type(members_disciplined) is not int or not 0 <= members_disciplined <= 500:
            _refuse("members_disciplined", members_disciplined, "a whole number 0..500")
    value = get("new_members", _ABSENT)
    if value is not _ABSENT:
        given += 1
        if type(value) is not int or not 0 <= value <= 50:
            _refuse("new_members", value, "a whole number 0..50")
    value = get("late_reports", _ABSENT)
    if value is not _ABSENT:
        given += 1
        if type(value) is not int or not 0 <= value <= 12:
            _refuse("late_reports", value, "a whole number 0..12")
    value = get("months_established", _ABSENT)
    if value is not _ABSENT:
        given += 1
        if type(value) is not int or not 0 <= value <= 1200:
            _refuse("months_established", value, "a whole number 0..1200")
    value = get("disunity", _ABSENT)
    if value is not _ABSENT:
        given += 1
        if value is not True and value is not False:
            _refuse("disunity", value, "true or false")
    value = get("dues_on_time", _ABSENT)
    if value is not _ABSENT:
        given += 1
        if value is not True and value is not False:
            _refuse("dues_on_time", value, "true or false")
    value = get("commended", _ABSENT)
    if value is not _ABSENT:
        given += 1
        if value is not True and value is not False:
            _refuse("commended", value, "true or false")
    value = get("model_practice", _ABSENT)
    if value is not _ABSENT:
        given += 1
        if value is not True and value is not False:
            _refuse("model_practice", value, "true or false")
    if given != len(f):
        _unknown(f, _FOUR_GOOD_INPUTS)
    if members_disciplined > members:
        _broken("members_disciplined", "members_disciplined <= members")
    return _four_good_score(f)


# ---------------------------------------------------------------- meeting (benchmarks/meeting-rates.criteria)

_MEETING_INPUTS = frozenset(
    (
        "members",
        "present",
        "excused",
        "speakers",
        "targets",
        "targets_met",
        "resolutions",
        "resolutions_done",
        "duration_minutes",
        "thematic",
        "agenda_prepared",
        "minutes_recorded",
    )
)


def meeting_checked(f: Mapping[str, Any]) -> tuple[Decimal, str | None]:
    """``meeting_decimal`` after checking the row against ``meeting-rates.criteria``'s inputs and constraints."""
    try:
        members = f["members"]
        present = f["present"]
        speakers = f["speakers"]
        targets = f["targets"]
        targets_met = f["targets_met"]
        resolutions = f["resolutions"]
        resolutions_done = f["resolutions_done"]
        duration_minutes = f["duration_minutes"]
    except KeyError as error:
        _missing(error)
    if type(members) is not int or not 1 <= members <= 200:
        _refuse("members", members, "a whole number 1..200")
    if type(present) is not int or not 0 <= present <= 200:
        _refuse("present", present, "a whole number 0..200")
    if type(speakers) is not int or not 0 <= speakers <= 200:
        _refuse("speakers", speakers, "a whole number 0..200")
    if type(targets) is not int or not 1 <= targets <= 50:
        _refuse("targets", targets, "a whole number 1..50")
    if type(targets_met) is not int or not 0 <= targets_met <= 50:
        _refuse("targets_met", targets_met, "a whole number 0..50")
    if type(resolutions) is not int or not 1 <= resolutions <= 20:
        _refuse("resolutions", resolutions, "a whole number 1..20")
    if type(resolutions_done) is not int or not 0 <= resolutions_done <= 20:
        _refuse("resolutions_done", resolutions_done, "a whole number 0..20")
    if type(duration_minutes) is not int or not 0 <= duration_minutes <= 300:
        _refuse("duration_minutes", duration_minutes, "a whole number 0..300")
    get = f.get
    given = 8  # the required inputs, all there: with the optional ones given, every key of the row
    excused = get("excused", _ABSENT)
    if excused is _ABSENT:
        excused = 0
    else:
        given += 1
        if type(excused) is not int or not 0 <= excused <= 200:
            _refuse("excused", excused, "a whole number 0..200")
    value = get("thematic", _ABSENT)
    if value is not _ABSENT:
        given += 1
        if value is not True and value is not False:
            _refuse("thematic", value, "true or false")
    value = get("agenda_prepared", _ABSENT)
    if value is not _ABSENT:
        given += 1
        if value is not True and value is not False:
            _refuse("agenda_prepared", value, "true or false")
    value = get("minutes_recorded", _ABSENT)
    if value is not _ABSENT:
        given += 1
        if value is not True and value is not False:
            _refuse("minutes_recorded", value, "true or false")
    if given != len(f):
        _unknown(f, _MEETING_INPUTS)
    if present + excused > members:
        _broken("present", "present + excused <= members")
    if speakers > present:
        _broken("speakers", "speakers <= present")
    if targets_met > targets:
        _broken("targets_met", "targets_met <= targets")
    if resolutions_done > resolutions:
        _broken("resolutions_done", "resolutions_done <= resolutions")
    return _meeting_score(f)


# ---------------------------------------------------------------- 366 (vn/annual-collective, vn/collective-facts)

_ANNUAL_INPUTS = frozenset(
    (
        "tasks_done_rate",
        "key_targets_missed",
        "force_majeure",
        "subunits",
        "subunits_disciplined",
        "leaders_disciplined",
        "leadership_disciplined",
        "disunity",
        "degradation",
        "politics_points",
        "democracy_points",
        "organisation_points",
        "inspection_points",
        "tasks_on_time_rate",
        "tasks_late_rate",
        "tasks_exceeded_rate",
        "products",
    )
)


def annual_checked(f: Mapping[str, Any]) -> tuple[Decimal, str | None]:
    """``annual_decimal`` after checking the row against the 366 file's inputs and constraints (its import's too)."""
    try:
        done = f["tasks_done_rate"]
        on_time = f["tasks_on_time_rate"]
        subunits = f["subunits"]
        politics = f["politics_points"]
        democracy = f["democracy_points"]
        organisation = f["organisation_points"]
        inspection = f["inspection_points"]
    except KeyError as error:
        _missing(error)
    get = f.get
    given = 7  # the required inputs, all there: with the optional ones given, every key of the row
    late = get("tasks_late_rate", _ABSENT)
    exceeded = get("tasks_exceeded_rate", _ABSENT)
    try:
        if type(done) is not Decimal or not _D0 <= done <= _D100:
            _refuse("tasks_done_rate", done, "a percentage 0..100")
        if type(on_time) is not Decimal or not _D0 <= on_time <= _D100:
            _refuse("tasks_on_time_rate", on_time, "a percentage 0..100")
        # marks: declared `decimal 0..8 places 2` (0..7 for the last two)
        if type(politics) is not Decimal or not _D0 <= politics <= _D8 or politics != politics.quantize(_HUNDREDTH):
            _refuse("politics_points", politics, "a number 0..8 with at most 2 decimal places")
        if type(democracy) is not Decimal or not _D0 <= democracy <= _D8 or democracy != democracy.quantize(_HUNDREDTH):
            _refuse("democracy_points", democracy, "a number 0..8 with at most 2 decimal places")
        if (
            type(organisation) is not Decimal
            or not _D0 <= organisation <= _D7
            or organisation != organisation.quantize(_HUNDREDTH)
        ):
            _refuse("organisation_points", organisation, "a number 0..7 with at most 2 decimal places")
        if (
            type(inspection) is not Decimal
            or not _D0 <= inspection <= _D7
            or inspection != inspection.quantize(_HUNDREDTH)
        ):
            _refuse("inspection_points", inspection, "a number 0..7 with at most 2 decimal places")
        if late is _ABSENT:
            late = _D0
        else:
            given += 1
            if type(late) is not Decimal or not _D0 <= late <= _D100:
                _refuse("tasks_late_rate", late, "a percentage 0..100")
        if exceeded is _ABSENT:
            exceeded = _D0
        else:
            given += 1
            if type(exceeded) is not Decimal or not _D0 <= exceeded <= _D100:
                _refuse("tasks_exceeded_rate", exceeded, "a percentage 0..100")
    except InvalidOperation:
        _not_finite(f)
    if type(subunits) is not int or not 1 <= subunits <= 5000:
        _refuse("subunits", subunits, "a whole number 1..5000")
    subunits_disciplined = get("subunits_disciplined", _ABSENT)
    if subunits_disciplined is _ABSENT:
        subunits_disciplined = 0
    else:
        given += 1
        if type(subunits_disciplined) is not int or not 0 <= subunits_disciplined <= 5000:
            _refuse("subunits_disciplined", subunits_disciplined, "a whole number 0..5000")
    value = get("leaders_disciplined", _ABSENT)
    if value is not _ABSENT:
        given += 1
        if type(value) is not int or not 0 <= value <= 200:
            _refuse("leaders_disciplined", value, "a whole number 0..200")
    value = get("products", _ABSENT)
    if value is not _ABSENT:
        given += 1
        if type(value) is not int or not 0 <= value <= 100:
            _refuse("products", value, "a whole number 0..100")
    value = get("key_targets_missed", _ABSENT)
    if value is not _ABSENT:
        given += 1
        if value is not True and value is not False:
            _refuse("key_targets_missed", value, "true or false")
    value = get("force_majeure", _ABSENT)
    if value is not _ABSENT:
        given += 1
        if value is not True and value is not False:
            _refuse("force_majeure", value, "true or false")
    value = get("leadership_disciplined", _ABSENT)
    if value is not _ABSENT:
        given += 1
        if value is not True and value is not False:
            _refuse("leadership_disciplined", value, "true or false")
    value = get("disunity", _ABSENT)
    if value is not _ABSENT:
        given += 1
        if value is not True and value is not False:
            _refuse("disunity", value, "true or false")
    value = get("degradation", _ABSENT)
    if value is not _ABSENT:
        given += 1
        if value is not True and value is not False:
            _refuse("degradation", value, "true or false")
    if given != len(f):
        _unknown(f, _ANNUAL_INPUTS)
    if subunits_disciplined > subunits:
        _broken("subunits_disciplined", "subunits_disciplined <= subunits")
    if on_time > done:
        _broken("tasks_on_time_rate", "tasks_on_time_rate <= tasks_done_rate")
    if exceeded > done:
        _broken("tasks_exceeded_rate", "tasks_exceeded_rate <= tasks_done_rate")
    if _exact_add(on_time, late) > _D100:
        _broken("tasks_on_time_rate", "tasks_on_time_rate + tasks_late_rate <= 100%")
    return _annual_score(f)
