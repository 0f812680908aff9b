"""Batches: Ruleset.evaluate_many in one process and in worker processes, and pickling for workers."""

from __future__ import annotations

import csv
import itertools
import pickle
from collections.abc import Iterator
from decimal import Decimal, Inexact, getcontext, localcontext
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

import partyrules
from partyrules import serialize
from partyrules.runtime import FactsError, RowError
from partyrules.testing import facts, invalid_facts
from shipped_cache import shipped, shipped_ids

RULESET = "vn.hatinh/chi-bo-4-tot"


@pytest.fixture(scope="module")
def four_good() -> partyrules.Ruleset:
    return shipped(RULESET)


@pytest.fixture(scope="module")
def cells(four_good: partyrules.Ruleset) -> list[dict[str, Any]]:
    """The shipped cells with typed facts (ints, Decimals, bools) and their id under `id`."""
    specs = {spec.name: spec for spec in four_good.inputs}
    rows = []
    with partyrules.data_path("hatinh-cells-2024.csv").open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            row: dict[str, Any] = {"id": record["cell_id"]}
            for name, text in record.items():
                spec = specs.get(name)
                if spec is None or not text:
                    continue
                if spec.kind == "integer":
                    row[name] = int(text)
                elif spec.kind == "percent":
                    row[name] = Decimal(text)
                elif spec.kind == "boolean":
                    row[name] = text == "true"
                else:
                    row[name] = text
            rows.append(row)
    assert len(rows) == 4131
    return rows


def without_id(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "id"}


def outcome(result: partyrules.Evaluation | RowError) -> str:
    """A result as text to compare: the serialised evaluation, or everything an error says."""
    if isinstance(result, RowError):
        return f"error {result.number} {result.id} {result.problems!r} {result}"
    return serialize.dumps(result)


def broken(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first 50 cells with three bad rows among them."""
    rows = [dict(row) for row in cells[:50]]
    rows[0]["members"] = "many"
    rows[20]["attendance_rate"] = 0.95  # a float, and a constraint broken too
    rows[20]["members_disciplined"] = 500
    del rows[49]["meetings_good"]
    return rows


# ---------------------------------------------------------------- one process


def test_results_in_input_order_equal_evaluate(four_good: partyrules.Ruleset, cells: list[dict[str, Any]]) -> None:
    results = list(four_good.evaluate_many(cells))
    assert len(results) == len(cells)
    assert results == [four_good.evaluate(without_id(row)) for row in cells]
    assert all(r.layout is four_good.layout for r in results)  # type: ignore[union-attr]


def test_bad_rows_give_errors_with_number_id_and_every_problem(
    four_good: partyrules.Ruleset, cells: list[dict[str, Any]]
) -> None:
    rows = broken(cells)
    results = list(four_good.evaluate_many(rows, start=2))
    errors = [r for r in results if isinstance(r, RowError)]
    assert [(e.number, e.id) for e in errors] == [(2, rows[0]["id"]), (22, rows[20]["id"]), (51, rows[49]["id"])]
    assert all(isinstance(e, partyrules.FactsError) for e in errors)
    assert [p.input for p in errors[0].problems] == ["members"]
    assert [p.input for p in errors[1].problems] == ["attendance_rate"]  # the constraint waits for valid facts
    assert "is a float" in errors[1].problems[0].message
    assert [(p.input, p.message) for p in errors[2].problems] == [("meetings_good", "is missing")]
    assert str(errors[0]).startswith(f"row 2 ({rows[0]['id']}): 1 problem with the facts:")
    # every other row was scored, in its place
    others = [r for r in results if not isinstance(r, RowError)]
    assert others == [four_good.evaluate(without_id(row)) for i, row in enumerate(rows) if i not in (0, 20, 49)]
    assert isinstance(results[1], partyrules.Evaluation) and isinstance(results[48], partyrules.Evaluation)


def test_a_broken_constraint_is_a_row_error(four_good: partyrules.Ruleset, cells: list[dict[str, Any]]) -> None:
    row = dict(cells[3], members_disciplined=cells[3]["members"] + 1)
    (error,) = four_good.evaluate_many([row])
    assert isinstance(error, RowError) and (error.number, error.id) == (1, row["id"])
    assert [p.input for p in error.problems] == ["members, members_disciplined"]


def test_id_key(four_good: partyrules.Ruleset, cells: list[dict[str, Any]]) -> None:
    row = without_id(cells[0])
    bad = dict(row, members=2)
    expected = four_good.evaluate(row)
    # another key, a read-only mapping, a row without the key
    assert list(four_good.evaluate_many([dict(row, cell="X1")], id_key="cell")) == [expected]
    assert list(four_good.evaluate_many([MappingProxyType(dict(row, id="X2"))])) == [expected]
    (error,) = four_good.evaluate_many([MappingProxyType(dict(bad, id="X3"))])
    assert isinstance(error, RowError) and error.id == "X3" and str(error).startswith("row 1 (X3): ")
    (error,) = four_good.evaluate_many([bad])
    assert isinstance(error, RowError) and error.id is None and error.row == "row 1"
    # no id key: `id` is then an unknown input like any other
    (error,) = four_good.evaluate_many([dict(row, id="X4")], id_key=None)
    assert isinstance(error, RowError) and error.id is None
    assert [p.input for p in error.problems] == ["id"]
    # an id key that is an input stays a fact and still names the row
    (error,) = four_good.evaluate_many([bad], id_key="district")
    assert isinstance(error, RowError) and error.id == bad["district"]
    assert [p.input for p in error.problems] == ["members"]
    # an id that is not text is shown as text
    (error,) = four_good.evaluate_many([dict(bad, id=17)])
    assert isinstance(error, RowError) and error.id == "17"


def one_by_one(ruleset: partyrules.Ruleset, rows: list[Any], id_key: str | None = "id") -> list[str]:
    """What evaluate_many must give: each row through evaluate, its id taken out, a FactsError as a RowError."""
    out = []
    for number, row in enumerate(rows, 1):
        has_id = id_key is not None and isinstance(row, dict) and id_key in row
        try:
            result: partyrules.Evaluation | RowError = ruleset.evaluate(
                {k: v for k, v in row.items() if k != id_key} if has_id else row
            )
        except FactsError as exc:
            result = RowError(exc.problems, number, str(row[id_key]) if has_id and row[id_key] is not None else None)
        out.append(outcome(result))
    return out


def rows_of(ruleset: partyrules.Ruleset) -> st.SearchStrategy[list[Any]]:
    """Good and bad rows mixed, some with an id (or an id of None), some without."""
    good = facts(ruleset)
    bad = invalid_facts(ruleset).map(lambda pair: pair[0])
    row = st.tuples(st.one_of(good, good, bad), st.sampled_from([None, "absent", "C-7", 12])).map(
        lambda pair: pair[0] if pair[1] == "absent" else {**pair[0], "id": pair[1]}
    )
    return st.lists(row, min_size=1, max_size=12)


@pytest.mark.parametrize("ruleset_id", shipped_ids())
@settings(max_examples=25)
@given(data=st.data())
def test_the_compiled_batch_loop_agrees_with_evaluate_row_by_row(ruleset_id: str, data: st.DataObject) -> None:
    # evaluate_many runs its own compiled loop (compiler.Writer.batch), not evaluate: the two must
    # agree on every row, good or bad, with or without an id column, and the loop must leave the
    # caller's decimal context as it found it between rows (the Inexact trap is armed per row)
    ruleset = shipped(ruleset_id)
    rows = data.draw(rows_of(ruleset))
    expected = one_by_one(ruleset, rows)
    got = []
    for result in ruleset.evaluate_many(rows):
        assert not getcontext().traps[Inexact]
        got.append(outcome(result))
    assert got == expected
    with localcontext() as ctx:
        ctx.prec = 2  # too few digits for most points: each row must be recomputed exactly
        assert [outcome(r) for r in ruleset.evaluate_many(rows)] == expected
        assert not ctx.traps[Inexact] and ctx.prec == 2


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_the_batch_loop_of_generated_rulesets(data: st.DataObject) -> None:
    from partyrules.testing import rulesets

    ruleset = partyrules.loads(data.draw(rulesets()), "generated.criteria")
    rows = data.draw(rows_of(ruleset))
    assert [outcome(r) for r in ruleset.evaluate_many(rows)] == one_by_one(ruleset, rows)


def test_an_id_that_is_an_input_stays_a_fact() -> None:
    ruleset = partyrules.loads(
        'ruleset "t/id" { title "t"; version "1"; basis "minh họa"; effective from 2025-01-01; points illustrative "t"; }\n'
        'input id "Mã": integer 1..99;\n'
        'criteria "C" max 99 { item a "A" max 99 { points = id; } }\n'
        'grades { grade ok "Đạt" { band from 0; } }\n',
        "id.criteria",
    )
    results = list(ruleset.evaluate_many([{"id": 7}, {"id": 100}]))
    assert results[0] == ruleset.evaluate({"id": 7}) and results[0].total == 7  # type: ignore[union-attr]
    assert isinstance(results[1], RowError) and results[1].id == "100" and "id" in str(results[1])


def test_rows_that_are_not_mappings(four_good: partyrules.Ruleset, cells: list[dict[str, Any]]) -> None:
    results = list(four_good.evaluate_many([["id", "x"], None, cells[0]]))  # type: ignore[list-item]
    assert [(r.number, r.id) for r in results[:2]] == [(1, None), (2, None)]  # type: ignore[union-attr]
    assert "facts must be a mapping" in str(results[0])
    assert results[2] == four_good.evaluate(without_id(cells[0]))


def test_the_rows_given_are_not_changed(four_good: partyrules.Ruleset, cells: list[dict[str, Any]]) -> None:
    row = dict(cells[0])
    list(four_good.evaluate_many([row]))
    assert row == cells[0]


def test_rows_are_read_lazily(four_good: partyrules.Ruleset, cells: list[dict[str, Any]]) -> None:
    read = 0

    def endless() -> Iterator[dict[str, Any]]:
        nonlocal read
        for row in itertools.cycle(cells[:7]):
            read += 1
            yield row

    results = four_good.evaluate_many(endless())
    assert read == 0  # nothing happens before the first result is asked for
    first = list(itertools.islice(results, 10))
    assert read == 10
    assert first == [four_good.evaluate(without_id(row)) for row in itertools.islice(itertools.cycle(cells[:7]), 10)]


@pytest.mark.parametrize(("option", "value"), [("chunk_size", 0), ("workers", 0), ("workers", -2)])
def test_options_are_checked(four_good: partyrules.Ruleset, option: str, value: int) -> None:
    with pytest.raises(ValueError, match=f"{option} must be at least 1"):
        four_good.evaluate_many([], **{option: value})


# ---------------------------------------------------------------- worker processes


def test_workers_give_the_same_results_and_errors(four_good: partyrules.Ruleset, cells: list[dict[str, Any]]) -> None:
    rows = broken(cells) + cells[50:1000]
    single = list(four_good.evaluate_many(rows, start=2))
    pooled = list(four_good.evaluate_many(iter(rows), start=2, workers=2, chunk_size=64))
    assert [outcome(r) for r in pooled] == [outcome(r) for r in single]
    assert [r for r in pooled if not isinstance(r, RowError)] == [r for r in single if not isinstance(r, RowError)]
    # the evaluations share this process's layout, as in one process (explanations need it)
    evaluations = [r for r in pooled if isinstance(r, partyrules.Evaluation)]
    assert all(r.layout is four_good.layout for r in evaluations)
    assert evaluations[0].explain() == single[1].explain()  # type: ignore[union-attr]


def test_workers_read_rows_lazily(four_good: partyrules.Ruleset, cells: list[dict[str, Any]]) -> None:
    read = 0

    def endless() -> Iterator[dict[str, Any]]:
        nonlocal read
        for row in itertools.cycle(cells[:7]):
            read += 1
            yield row

    results = four_good.evaluate_many(endless(), workers=2, chunk_size=4)
    first = list(itertools.islice(results, 10))
    results.close()  # type: ignore[attr-defined]
    assert first == [four_good.evaluate(without_id(row)) for row in itertools.islice(itertools.cycle(cells[:7]), 10)]
    assert read <= 10 + 2 * 2 * 4 + 1  # the results taken, two chunks per worker in flight, one row looked at


@pytest.mark.parametrize("ruleset_id", shipped_ids())
@settings(max_examples=2)
@given(data=st.data())
def test_workers_agree_on_every_shipped_ruleset(ruleset_id: str, data: st.DataObject) -> None:
    ruleset = shipped(ruleset_id)
    rows = data.draw(st.lists(facts(ruleset), min_size=1, max_size=40))
    single = [outcome(r) for r in ruleset.evaluate_many(rows)]
    assert [outcome(r) for r in ruleset.evaluate_many(rows, workers=2, chunk_size=7)] == single


# ---------------------------------------------------------------- pickling


@pytest.mark.parametrize("ruleset_id", shipped_ids())
def test_rulesets_pickle(ruleset_id: str) -> None:
    ruleset = shipped(ruleset_id)
    again = pickle.loads(pickle.dumps(ruleset))
    assert again == ruleset and again.fingerprint == ruleset.fingerprint
    assert again.layout == ruleset.layout and again.inputs == ruleset.inputs

    @settings(max_examples=20)
    @given(facts(ruleset))
    def same_scores(org: dict[str, Any]) -> None:
        assert outcome(again.evaluate(org)) == outcome(ruleset.evaluate(org))

    same_scores()


@pytest.mark.parametrize("ruleset_id", shipped_ids())
def test_evaluations_pickle(ruleset_id: str) -> None:
    ruleset = shipped(ruleset_id)

    @settings(max_examples=10)
    @given(st.lists(facts(ruleset), min_size=2, max_size=3))
    def round_trip(orgs: list[dict[str, Any]]) -> None:
        evaluations = [ruleset.evaluate(org) for org in orgs]
        again = pickle.loads(pickle.dumps(evaluations))
        assert again == evaluations
        assert [outcome(e) for e in again] == [outcome(e) for e in evaluations]
        assert again[-1].explain() == evaluations[-1].explain()  # the texts that are not compared by ==
        # one layout for them all, as before: pickle writes it once, not once per evaluation
        assert all(e.layout is again[0].layout for e in again)

    round_trip()


def test_an_evaluation_pickles_its_layout_once(four_good: partyrules.Ruleset, cells: list[dict[str, Any]]) -> None:
    evaluations = [four_good.evaluate(without_id(row)) for row in cells[:101]]
    one = len(pickle.dumps(evaluations[:1]))
    more = len(pickle.dumps(evaluations))
    layout = len(pickle.dumps(four_good.layout))
    assert layout < one < layout + 1000  # the values of one evaluation are a few hundred bytes
    assert (more - one) / 100 < 1000  # each further evaluation adds its values only


def test_row_errors_pickle(four_good: partyrules.Ruleset, cells: list[dict[str, Any]]) -> None:
    errors = [r for r in four_good.evaluate_many(broken(cells)) if isinstance(r, RowError)]
    again = pickle.loads(pickle.dumps(errors))
    assert [outcome(e) for e in again] == [outcome(e) for e in errors]
    assert all(type(e) is RowError for e in again)


def test_facts_error_pickles_with_its_problems() -> None:
    rules = shipped("vn.hatinh/chi-bo-4-tot")
    try:
        rules.evaluate({"members": "many"})
    except partyrules.FactsError as exc:
        again = pickle.loads(pickle.dumps(exc))
        assert type(again) is partyrules.FactsError
        assert again.problems == exc.problems and str(again) == str(exc)
    else:  # pragma: no cover - the facts above are wrong
        raise AssertionError("no FactsError")


def as_text(value: Any) -> Any:
    """A fact as a CSV file would give it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@pytest.mark.parametrize("ruleset_id", shipped_ids())
@settings(max_examples=30)
@given(data=st.data())
def test_text_facts_score_as_the_typed_facts(ruleset_id: str, data: st.DataObject) -> None:
    # text takes the slow path: read there once per distinct text and checked without the coercers
    # when plainly valid; the evaluation must be the one of the typed facts, and a name that is no
    # input must still be refused with the rest of the row well read
    ruleset = shipped(ruleset_id)
    typed = data.draw(facts(ruleset))
    texts = {k: as_text(v) if data.draw(st.booleans()) else v for k, v in typed.items()}
    assert outcome(ruleset.evaluate(texts)) == outcome(ruleset.evaluate(typed))
    with pytest.raises(FactsError) as info:
        ruleset.evaluate({**texts, "not_an_input": "1"})
    assert [p.input for p in info.value.problems] == ["not_an_input"]
