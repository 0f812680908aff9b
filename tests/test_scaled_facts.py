"""Decimal facts read as integers by their text (runtime.scaled_texts) against the same program reading
them with ``as_integer_ratio()``, and against the reference interpreter.

A compiled program reads a Decimal fact a rule needs as integers by ``str()`` and one lookup in a table
of every value in its range (``generate(..., tables=False)`` compiles the older reading). Facts are
drawn in every form a Decimal takes (trailing zeros, negative zero, exponents, too many places, out of
range, NaN, infinities) and as text, typed and in a batch with an id column.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import given, settings, strategies as st

import partyrules
from partyrules import api, compiler, parser, reference, serialize
from partyrules.compiler import generate
from partyrules.runtime import link_program, scaled_fact, scaled_texts

TEXT = """ruleset "t/scaled" { title "T"; version "1"; basis "B"; effective from 2024-01-01; points illustrative; }
input m "M": decimal 0..8 places 2;
input q "Q": decimal -3..3 places 1;
input r "R": percent;
input w "W": percent 0%..100% places 1;
input k "K": integer 1..20;
constraint "R and W": r <= w + 50%;
criteria "C" max 56 {
  item a "A" max 8 { points = m; }
  item b "B" max 3 { points = max(q, 0); }
  item c "C" max 35 { points = round(r * 35, 2); }
  item d "D" max 10 { points = bands w / k { from 10%: 10; from 1%: 5; otherwise: 0; }; }
}
grades { grade g "G" { band from 30; require "R": r / k >= 2%; } grade h "H" { band below 30; } }
"""

NAMES = ("m", "q", "r", "w")


def _programs() -> tuple[partyrules.Ruleset, Any, Any]:
    text = parser.normalise(TEXT)
    model = api.model_of(text, "scaled.criteria")
    ruleset = compiler.build(model, text)
    code, constants, _ = generate(model, tables=False)
    program, batch = link_program(code, constants, ruleset.layout, "untabled")
    assert "scaled_texts" not in code and "x0.as_integer_ratio()" in code
    return ruleset, (program, batch), model


RULESET, UNTABLED, MODEL = _programs()


def _decimals() -> st.SearchStrategy[Any]:
    """A Decimal in any form: digits and exponent drawn apart, so 8, 8.0, 8.000 and 8E+0 all come."""
    finite = st.builds(
        lambda sign, digits, exponent: Decimal((sign, tuple(int(c) for c in str(digits)), exponent)),
        st.integers(0, 1),
        st.integers(0, 120_000),
        st.integers(-6, 2),
    )
    special = st.sampled_from([Decimal("-0"), Decimal("-0.00"), Decimal("NaN"), Decimal("Infinity"), Decimal("1E+3")])
    return st.one_of(finite, special)


#: values in range with their declared places (or two), in units, for each input: most rows valid
UNITS = {"m": (0, 800, 2), "q": (-30, 30, 1), "r": (0, 10_000, 2), "w": (0, 1000, 1)}


def _value(name: str) -> st.SearchStrategy[Any]:
    low, high, places = UNITS[name]
    fitting = st.builds(
        lambda units, more: Decimal(units).scaleb(-places) * more,
        st.integers(low, high),
        st.sampled_from([1, Decimal("1.0"), Decimal("1.00")]),
    )
    wild = st.one_of(_decimals(), _decimals().map(str), _decimals().map(lambda d: f" {d} "), st.integers(-2, 9))
    # mostly values that fit (typed or as text), so that most rows score; any form otherwise
    return st.one_of(fitting, fitting, fitting, fitting.map(str), wild)


VALUES = {name: _value(name) for name in NAMES}


def _result(run: Any, facts: dict[str, Any]) -> str:
    try:
        data = serialize.unstructure(run(facts))
    except partyrules.FactsError as exc:
        return str(exc)
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


@st.composite
def _facts(draw: st.DrawFn) -> dict[str, Any]:
    facts: dict[str, Any] = {"k": draw(st.integers(1, 20))}
    for name in NAMES:
        facts[name] = draw(VALUES[name])
    return facts


def test_the_program_reads_its_decimal_facts_by_their_text() -> None:
    code = RULESET.code
    for k in range(4):  # m, q, r, w: every Decimal input a rule reads as integers
        assert f"T{k} = scaled_texts(" in code and f"(s{k} := str(x{k})) in T{k}" in code


@settings(max_examples=80, deadline=None)
@given(_facts())
def test_text_tables_score_as_integer_ratios_and_the_reference(facts: dict[str, Any]) -> None:
    tabled = _result(RULESET.evaluate, facts)
    assert tabled == _result(UNTABLED[0], facts)
    if not tabled.startswith("{"):
        return
    total, grade, points = reference.evaluate(MODEL, facts)
    e = RULESET.evaluate(facts)
    assert (e.total, e.grade, dict(e.points)) == (total, grade, points)


@settings(max_examples=25, deadline=None)
@given(st.lists(_facts(), min_size=1, max_size=8))
def test_batches_read_tables_as_one_organisation_does(rows: list[dict[str, Any]]) -> None:
    rows = [row | {"id": f"o{i}"} for i, row in enumerate(rows)]
    many = [_shown(result) for result in RULESET.evaluate_many(rows)]
    untabled = [_shown(result) for result in UNTABLED[1](rows, "id", 0, _row_error)]
    assert many == untabled
    assert many == [_result(RULESET.evaluate, {k: v for k, v in row.items() if k != "id"}) for row in rows]


def _row_error(exc: partyrules.FactsError, number: int, row: Any) -> partyrules.RowError:
    return partyrules.RowError(exc.problems, number, row.get("id"))


def _shown(result: Any) -> str:
    if isinstance(result, partyrules.RowError):
        return str(partyrules.FactsError(result.problems))
    return json.dumps(serialize.unstructure(result), ensure_ascii=False, sort_keys=True)


def test_a_table_holds_each_value_in_every_form_str_writes_it() -> None:
    table = scaled_texts(-30, 30, 1)
    assert table["-3"] == table["-3.0"] == -30 and table["0"] == table["0.0"] == 0 and table["2.5"] == 25
    assert "-0" not in table and "-0.0" not in table and "3.00" not in table and "3.1" not in table
    assert all(Decimal(text) * 10 == units for text, units in table.items())
    assert all(str(Decimal(text)) == text for text in table)  # each key is what str() of its Decimal gives
    assert scaled_fact(Decimal("6.370"), 2) == 637 and scaled_fact(Decimal("-0.00"), 2) == 0
