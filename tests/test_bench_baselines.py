"""The benchmark's hand-written checking scorers (benchmarks/handwritten_checked.py) check what partyrules checks.

bench_evaluate.py times partyrules against them as the baseline that does the same work: this
holds them to it. On the rows the benchmark builds they accept every row and agree with
partyrules and with the unchecked scorers; for every input, a row made bad in each way that
applies (missing, wrong type, out of range, too many decimal places, unknown key, each constraint
between facts broken) is refused by both partyrules and the checked scorer, which names the
fact; and on valid facts with one value redrawn at random (in and around its range) they refuse
the same rows and score the others the same.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

import partyrules
from partyrules.testing import facts as valid_facts

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
Checked = Callable[[Mapping[str, Any]], tuple[Decimal, str | None]]


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"partyrules_test_bench_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCH = _load("bench_evaluate")  # puts benchmarks/ on sys.path: its ``import sheets`` is the one below
SHEETS: Any = sys.modules["sheets"]
CHECKED = _load("handwritten_checked")
HAND = SHEETS.load_module("handwritten_sheets")
FOUR_GOOD = partyrules.shipped(BENCH.RULESET_ID)
MEETING = partyrules.load(SHEETS.MEETING_FILE)
ANNUAL = partyrules.load(SHEETS.ANNUAL_ID, on=SHEETS.ANNUAL_ON)
SEED = 2024

#: sheet name -> (ruleset, checked scorer, unchecked Decimal scorer)
SCORERS: dict[str, tuple[partyrules.Ruleset, Checked, Checked]] = {
    "4 tốt": (FOUR_GOOD, CHECKED.four_good_checked, BENCH.load_handwritten()[0]),
    "meeting": (MEETING, CHECKED.meeting_checked, HAND.meeting_decimal),
    "366": (ANNUAL, CHECKED.annual_checked, HAND.annual_decimal),
}


def benchmark_rows(sheet: str, count: int) -> list[dict[str, Any]]:
    """Rows as bench_evaluate.py builds them (4 tốt: the shipped data, then perturbed draws)."""
    if sheet == "4 tốt":
        base, _ = BENCH.read_base_rows(FOUR_GOOD, BENCH.shipped_data_path(BENCH.DATA_FILE))
        rows: list[dict[str, Any]] = BENCH.build_rows(FOUR_GOOD, base, len(base) + count, SEED)[0]
        return rows
    made: list[dict[str, Any]] = (SHEETS.meeting_rows if sheet == "meeting" else SHEETS.annual_rows)(count, SEED)
    return made


def outcome(sheet: str, facts: dict[str, Any]) -> tuple[Any, Any]:
    """What partyrules and the checked scorer make of a row: (total, grade), or the names of the facts refused.

    partyrules's: the facts its problems name (a constraint names each of its facts); the checked
    scorer's: the one fact its ValueError names.
    """
    ruleset, checked, _ = SCORERS[sheet]
    try:
        evaluation = ruleset.evaluate(facts)
        theirs: Any = (evaluation.total, evaluation.grade)
    except partyrules.FactsError as exc:
        theirs = frozenset(name for problem in exc.problems for name in problem.input.split(", "))
    try:
        ours: Any = checked(facts)
    except ValueError as exc:
        ours = frozenset([str(exc).split(":")[0]])
    return theirs, ours


def same(theirs: Any, ours: Any) -> bool:
    """Both scored alike, or both refused and the checked scorer names a fact partyrules names."""
    if isinstance(theirs, frozenset) and isinstance(ours, frozenset):
        return ours <= theirs
    return bool(theirs == ours)


@pytest.mark.parametrize("sheet", list(SCORERS))
def test_the_benchmark_rows_pass_and_agree(sheet: str) -> None:
    ruleset, checked, unchecked = SCORERS[sheet]
    rows = benchmark_rows(sheet, 1500)
    for facts in rows:
        evaluation = ruleset.evaluate(facts)
        assert checked(facts) == unchecked(facts) == (evaluation.total, evaluation.grade), facts


def bad_values(spec: partyrules.InputSpec) -> list[Any]:
    """Values of the wrong type, out of range or with too many places, for one input: all refused by partyrules."""
    kind = spec.kind
    if kind == "integer":
        return [spec.low - 1, spec.high + 1, 1.5, "many", True, Decimal("1.5"), [1]]
    if kind == "boolean":
        return [2, -1, 1.0, "maybe", Decimal(1)]
    if kind == "enum":
        return ["nowhere", spec.members[0].upper(), 1, True]
    numbers = [1.5, True, "many", Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity")]
    if kind == "percent":  # bounds as fractions, the facts in percent units
        return [*numbers, Decimal("-0.01"), Decimal("100.001"), Decimal(spec.high) * 100 + 1]
    assert kind == "decimal" and spec.places == 2, spec
    return [*numbers, spec.low - Decimal("0.01"), spec.high + Decimal("0.01"), Decimal("1.005"), Decimal("0.001")]


def good_values(spec: partyrules.InputSpec) -> list[Any]:
    """Values at the edges of what the input accepts."""
    kind = spec.kind
    if kind == "integer":
        return [spec.low, spec.high]
    if kind == "boolean":
        return [True, False]
    if kind == "enum":
        return list(spec.members)
    if kind == "percent":
        return [Decimal(0), Decimal(100), Decimal("99.999999"), Decimal("0E-7"), Decimal("50.000")]
    return [spec.low, spec.high, Decimal("1.25"), Decimal("1.230"), Decimal("7.500000"), Decimal("0E-5")]


#: per sheet: rows breaking one constraint each, as changes to a valid row
BROKEN: dict[str, list[dict[str, Any]]] = {
    "4 tốt": [{"members": 10, "members_disciplined": 11}],
    "meeting": [
        {"members": 10, "present": 8, "excused": 3, "speakers": 2},
        {"members": 10, "present": 8, "excused": 0, "speakers": 9},
        {"targets": 5, "targets_met": 6},
        {"resolutions": 5, "resolutions_done": 6},
    ],
    "366": [
        {"subunits": 5, "subunits_disciplined": 6},
        {
            "tasks_done_rate": Decimal(50),
            "tasks_on_time_rate": Decimal("50.01"),
            "tasks_late_rate": Decimal(0),
            "tasks_exceeded_rate": Decimal(0),
        },
        {
            "tasks_done_rate": Decimal(50),
            "tasks_on_time_rate": Decimal(40),
            "tasks_late_rate": Decimal(0),
            "tasks_exceeded_rate": Decimal("50.5"),
        },
        {"tasks_done_rate": Decimal(100), "tasks_on_time_rate": Decimal(70), "tasks_late_rate": Decimal("30.01")},
        # over 100 % by less than the default context's 28 digits see: the sum must be exact
        {
            "tasks_done_rate": Decimal(100),
            "tasks_on_time_rate": Decimal("60." + "0" * 27 + "1"),
            "tasks_late_rate": Decimal(40),
        },
    ],
}


@pytest.mark.parametrize("sheet", list(SCORERS))
def test_every_bad_row_is_refused_by_both(sheet: str) -> None:
    """Each bad row is refused by both for what is wrong with it: partyrules names only that, the checked scorer too."""
    ruleset, _, unchecked = SCORERS[sheet]
    base = benchmark_rows(sheet, 1)[0]
    full = {spec.name: base.get(spec.name, spec.default) for spec in ruleset.inputs}
    if sheet == "366":  # every optional fact given, within the constraints
        full.update(tasks_late_rate=Decimal(0), tasks_exceeded_rate=min(full["tasks_done_rate"], Decimal(10)))
    bad: list[tuple[dict[str, Any], set[str]]] = []  # a bad row and the facts that make it bad
    for row in (base, full):  # the benchmark's row as it is, and with every optional fact given
        assert outcome(sheet, row) == (unchecked(row),) * 2, row
        bad += [({**row, "not_an_input": 1}, {"not_an_input"}), ({**row, "id": "C1"}, {"id"})]
        for spec in ruleset.inputs:
            name = spec.name
            if spec.required:
                bad += [({k: v for k, v in row.items() if k != name}, {name}), ({**row, name: None}, {name})]
            bad += [({**row, name: value}, {name}) for value in bad_values(spec)]
            for value in good_values(spec):  # the edges: scored alike (or refused alike for a constraint)
                theirs, ours = outcome(sheet, {**row, name: value})
                assert same(theirs, ours), (name, value, theirs, ours)
        bad += [({**row, **change}, set(change)) for change in BROKEN[sheet]]
    for row, wrong in bad:
        theirs, ours = outcome(sheet, row)
        assert isinstance(theirs, frozenset) and isinstance(ours, frozenset), (wrong, row, theirs, ours)
        assert ours <= theirs <= wrong, (wrong, row, theirs, ours)


def value_near(spec: partyrules.InputSpec) -> st.SearchStrategy[Any]:
    """A value of the input's type in and around its range (a decimal with a place too many now and then)."""
    kind = spec.kind
    if kind == "integer":
        return st.integers(spec.low - 2, spec.high + 2)
    if kind == "boolean":
        return st.booleans()
    if kind == "enum":
        return st.sampled_from([*spec.members, "nowhere"])
    low, high = (Decimal(0), Decimal(100)) if kind == "percent" else (spec.low, spec.high)
    return st.one_of([st.decimals(low - 1, high + 1, places=places) for places in (0, 1, 2, 3)])


@st.composite
def mutated(draw: st.DrawFn, sheet: str) -> dict[str, Any]:
    """Valid facts of the sheet, then one value redrawn, dropped or a key added (or none)."""
    ruleset = SCORERS[sheet][0]
    row = dict(draw(valid_facts(ruleset)))
    spec = draw(st.sampled_from(ruleset.inputs))
    change = draw(st.sampled_from(["none", "redraw", "redraw", "redraw", "drop", "unknown"]))
    if change == "redraw":
        row[spec.name] = draw(value_near(spec))
    elif change == "drop":
        row.pop(spec.name, None)
    elif change == "unknown":
        row["not_an_input"] = 1
    return row


@pytest.mark.parametrize("sheet", list(SCORERS))
@settings(max_examples=150)
@given(data=st.data())
def test_refuse_the_same_rows_and_score_the_others_the_same(sheet: str, data: st.DataObject) -> None:
    row = data.draw(mutated(sheet))
    theirs, ours = outcome(sheet, row)
    assert same(theirs, ours), (row, theirs, ours)
