"""``evaluate_many(rows, columns=...)``: rows as sequences of values (a database cursor's rows, csv.reader's
records), scored as the same rows given as mappings would be: the same evaluations, the same refusals with
the same row numbers and ids, a row of the wrong shape refused alone and in its place."""

from __future__ import annotations

import csv
import functools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import partyrules
from partyrules.catalog import shipped_ids
from partyrules.facts import RowError
from partyrules.runtime import Ruleset
from partyrules.testing import facts as drawn_facts

DATA = Path(partyrules.__file__).parent / "data" / "hatinh-cells-2024.csv"


@functools.cache
def _ruleset(ruleset_id: str) -> Ruleset:
    return partyrules.load(ruleset_id)


def _same(left: list[Any], right: list[Any]) -> None:
    assert len(left) == len(right)
    for a, b in zip(left, right):
        if isinstance(a, RowError) or isinstance(b, RowError):
            assert isinstance(a, RowError) and isinstance(b, RowError), (a, b)
            assert (a.problems, a.number, a.id) == (b.problems, b.number, b.id)
        else:
            assert a == b


def test_the_shipped_cells_as_csv_records_score_as_csv_dict_rows() -> None:
    ruleset = _ruleset("vn.hatinh/chi-bo-4-tot")
    with DATA.open(encoding="utf-8-sig", newline="") as f:
        records = list(csv.reader(f))
    header, body = records[0], records[1:]
    body[5][header.index("members")] = "many"  # a text no reader reads: refused in both ways, with its id
    columns = [None if name == "cell_name" else name for name in header]
    by_name = [{c: v for c, v in zip(columns, record) if c is not None} for record in body]
    expected = list(ruleset.evaluate_many(by_name, id_key="cell_id"))
    got = list(ruleset.evaluate_many(body, id_key="cell_id", columns=columns))
    _same(got, expected)
    assert isinstance(got[5], RowError) and got[5].number == 6 and got[5].id == body[5][0]
    assert sum(isinstance(r, RowError) for r in got) == 1


@pytest.mark.parametrize("ruleset_id", sorted(shipped_ids()))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_columns_in_any_order_and_subset_score_as_mappings(ruleset_id: str, data: st.DataObject) -> None:
    ruleset = _ruleset(ruleset_id)
    rows = data.draw(st.lists(drawn_facts(ruleset), min_size=1, max_size=4))
    # the columns: every input some row gives, in a drawn order, an ignored column and an id column among them
    given_names = sorted({name for row in rows for name in row})
    order = data.draw(st.permutations([*given_names, None, "id"]))
    # an input a row leaves out must then have its default: only inputs every row gives, or defaults
    specs = {spec.name: spec for spec in ruleset.inputs}
    records, mappings = [], []
    for k, row in enumerate(rows):
        full = dict(row)
        for name in given_names:
            if name not in full:
                full[name] = specs[name].default
        records.append(tuple(f"org-{k}" if c == "id" else "ignored" if c is None else full[c] for c in order))
        mappings.append({"id": f"org-{k}", **full})
    _same(
        list(ruleset.evaluate_many(records, columns=order)),
        list(ruleset.evaluate_many(mappings)),
    )


def test_a_row_of_the_wrong_shape_is_refused_alone_in_its_place() -> None:
    ruleset = _ruleset("vn.hatinh/chi-bo-4-tot")
    with DATA.open(encoding="utf-8-sig", newline="") as f:
        records = list(csv.reader(f))
    header, body = records[0], records[1:6]
    columns = [None if name == "cell_name" else name for name in header]
    rows: list[Any] = [body[0], body[1][:-1], {"members": "10"}, "text", body[2], list(body[3]), body[4] + ["x"]]
    results = list(ruleset.evaluate_many(rows, id_key="cell_id", columns=columns, start=10))
    assert [r.number for r in results if isinstance(r, RowError)] == [11, 12, 13, 16]
    short, mapping, text, long = (r for r in results if isinstance(r, RowError))
    assert short.id == body[1][0] and "has 18 values where its columns name 19" in str(short)
    assert "is a dict, not a sequence" in str(mapping) and mapping.id is None
    assert "is a str" in str(text)
    assert "has 20 values" in str(long)
    scored = [r for r in results if not isinstance(r, RowError)]
    by_name = [{c: v for c, v in zip(columns, b) if c is not None} for b in (body[0], body[2], body[3])]
    expected = list(ruleset.evaluate_many(by_name, id_key="cell_id"))
    assert scored == expected
    assert [isinstance(r, RowError) for r in results] == [False, True, True, True, False, False, True]


def test_an_empty_text_is_a_fact_not_given_as_in_a_mapping() -> None:
    ruleset = _ruleset("vn.hatinh/chi-bo-4-tot")
    with DATA.open(encoding="utf-8-sig", newline="") as f:
        records = list(csv.reader(f))
    header, body = records[0], [list(r) for r in records[1:4]]
    columns = [None if name == "cell_name" else name for name in header]
    body[0][header.index("months_established")] = ""  # optional: its default (120) applies
    body[1][header.index("members")] = ""  # required: missing
    by_name = [{c: v for c, v in zip(columns, b) if c is not None and v != ""} for b in body]
    got = list(ruleset.evaluate_many(body, id_key="cell_id", columns=columns))
    _same(got, list(ruleset.evaluate_many(by_name, id_key="cell_id")))
    assert not isinstance(got[0], RowError) and got[0].facts["months_established"] == 120
    assert isinstance(got[1], RowError) and "members: is missing" in str(got[1])


def test_unknown_and_repeated_columns_are_refused_before_any_row() -> None:
    ruleset = _ruleset("vn.hatinh/chi-bo-4-tot")
    with pytest.raises(ValueError, match=r"'membres' are not inputs of vn\.hatinh/chi-bo-4-tot"):
        ruleset.evaluate_many([], columns=["id", "membres"])
    with pytest.raises(ValueError, match="'members' are named more than once"):
        ruleset.evaluate_many([], columns=["members", "members"])


def test_one_input_a_column() -> None:
    ruleset = partyrules.loads(
        'ruleset "t/one" { title "t"; version "1"; basis "minh họa"; effective from 2025-01-01; points illustrative "t"; }\n'
        'input n "n": integer 0..10;\n'
        'criteria "C" max 10 { item a "A" max 10 { points = n; } }\n'
        'grades { grade ok "Đạt" { band from 0; } }\n',
        "one.criteria",
    )
    got = list(ruleset.evaluate_many([(3,), (11,), ("4",)], columns=["n"], id_key=None))
    assert [r.total if not isinstance(r, RowError) else r.number for r in got] == [3, 2, 4]


def test_in_worker_processes_the_same() -> None:
    ruleset = _ruleset("vn.hatinh/chi-bo-4-tot")
    with DATA.open(encoding="utf-8-sig", newline="") as f:
        records = list(csv.reader(f))
    header, body = records[0], records[1:41]
    body[7] = body[7][:3]
    columns = [None if name == "cell_name" else name for name in header]
    here = list(ruleset.evaluate_many(body, id_key="cell_id", columns=columns))
    there = list(ruleset.evaluate_many(body, id_key="cell_id", columns=columns, workers=2, chunk_size=16))
    _same(there, here)
