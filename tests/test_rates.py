"""Quotients in integers (compiler/rates.py) against quotients in Fractions, on generated rate expressions.

A rate compared, banded, tabled or rounded compiles to integer arithmetic (``a / b >= 0.9`` as
``10 * a >= 9 * b``); ``build(..., rates=False)`` compiles every quotient with Fractions, as the
compiler did before. Both programs come from one checked model, and the reference interpreter
checks both.
"""

from __future__ import annotations

import json
from decimal import Decimal, localcontext
from typing import Any

import pytest
from hypothesis import assume, given, settings, strategies as st

import partyrules
from partyrules import api, compiler, parser, reference, serialize
from partyrules.catalog import shipped_path
from partyrules.compiler import generate
from partyrules.diagnostics import CriteriaError
from partyrules.runtime import half_away, round_half_up, round_ratio
from partyrules.testing import facts
from shipped_cache import shipped_ids

HEAD = """ruleset "t/rates" { title "T"; version "1"; basis "B"; effective from 2024-01-01; points illustrative; }
input a "A": integer -50..200;
input b "B": integer 1..60;
input c "C": integer -40..-1;
input k "K": integer 0..30;
input r "R": percent 0%..100% places 1;
input d "D": decimal -5..5 places 2;
"""

# quotients of every shape the integer pairs hold: sums, products, negation, negative divisors,
# percentages and decimals, guarded divisors, a named quotient
QUOTIENTS = (
    "a / b",
    "(a + k) / b",
    "a / c",
    "min(k, 12) * 10 / 12",
    "(a - k) / (b + k)",
    "r / b",
    "d / b",
    "a / b + k / 12",
    "-(a / b)",
    "a / b * 3",
    "a / b / c",
    "a / (b * 2)",
    "(if k > 0 then a / k else 0)",
    "(if k > 2 then d / (k - 2) else r)",
    "share",
    "r * 35",
    "d * k / 7",
)
THRESHOLDS = st.sampled_from(["0", "0.9", "1", "-1.25", "2", "3", "33%", "90%"])


@st.composite
def rate_files(draw: st.DrawFn) -> str:
    """A valid file whose items band, table, round and compare generated quotients."""
    lines = [HEAD, "let share = (a + 50) / (b + k);"]
    items = []
    for i in range(draw(st.integers(1, 4))):
        q = draw(st.sampled_from(QUOTIENTS))
        high, low = sorted(draw(st.lists(THRESHOLDS, min_size=2, max_size=2, unique=True)), key=_value, reverse=True)
        shape = draw(st.sampled_from(["bands", "table", "round", "if"]))
        if shape == "bands":
            rule = f"bands {q} {{ from {high}: 5; from {low}: 2; otherwise: 0; }}"
        elif shape == "table":
            rule = f"table first ({q}, k) {{ >= {high}, >= 3: 5; < {low}, -: 1; otherwise: 2; }}"
        elif shape == "round":
            places = draw(st.integers(0, 3))
            rule = f"min(max(round({q}, {places}), 0), 5)"
        else:
            rule = f"if {q} > {low} and {q} != {high} then 4 else 1"
        items.append(f'  item i{i} "I{i}" max 5 {{ points = {rule}; }}')
    lines.append(f'criteria "C" max {5 * len(items)} {{')
    lines += items
    lines.append("}")
    top = draw(st.sampled_from(QUOTIENTS))
    lines.append(
        f'grades {{ grade g "G" {{ band from 1; require "R": {top} >= 0.5; }} grade h "H" {{ band below 1; }} }}'
    )
    return "\n".join(lines) + "\n"


def _value(text: str) -> Decimal:
    return Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)


def _programs(text: str) -> tuple[partyrules.Ruleset, partyrules.Ruleset, Any]:
    text = parser.normalise(text)
    try:
        model = api.model_of(text, "rates.criteria")
    except CriteriaError as exc:  # a drawn threshold no value of its quotient reaches: the checker refuses the file
        assume(False)
        raise AssertionError from exc  # pragma: no cover
    return compiler.build(model, text), compiler.build(model, text, rates=False), model


def _result(ruleset: partyrules.Ruleset, org: dict[str, Any]) -> str:
    """Everything an evaluation says, as text (the numbering aside), or the facts error."""
    try:
        data = serialize.unstructure(ruleset.evaluate(org))
    except partyrules.FactsError as exc:
        return str(exc)
    data.pop("fixed_point")
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_integer_rates_score_as_fractions_and_the_reference(data: st.DataObject) -> None:
    integers, fractions, model = _programs(data.draw(rate_files()))
    assert "to_fraction" not in integers.code and "Fraction" not in integers.code
    assert api.numbering(model).fractions == ()
    # the baseline compiled without integer rates does use Fractions where its numbering says so (it
    # may use them elsewhere too: a `let` quotient no rule reads is not recorded as a reason)
    if generate(model, rates=False)[2].fractions:
        assert "to_fraction" in fractions.code
    for _ in range(5):
        org: dict[str, Any] = data.draw(facts(integers))
        assert _result(integers, org) == _result(fractions, org)
        total, grade, points = reference.evaluate(model, org)
        e = integers.evaluate(org)
        assert (e.total, e.grade) == (total, grade)
        assert dict(e.points) == points
    rows = [data.draw(facts(integers)) for _ in range(5)]
    many = [serialize.unstructure(e) for e in integers.evaluate_many(rows)]  # type: ignore[arg-type]
    assert many == [serialize.unstructure(integers.evaluate(org)) for org in rows]


@pytest.mark.parametrize("ruleset_id", shipped_ids())
def test_shipped_files_hold_every_quotient_in_integers(ruleset_id: str) -> None:
    path = shipped_path(ruleset_id)
    text = parser.normalise(path.read_text(encoding="utf-8"))
    model = api.model_of(text, str(path))
    numbering = api.numbering(model)
    assert numbering.fractions == ()
    assert "to_fraction" not in compiler.build(model, text).code


def test_fractions_of_the_old_compilation_are_each_named() -> None:
    """With every quotient in Fractions (rates=False), each site is listed: the rescale of HD 12 too."""
    path = shipped_path("vn/cell-meeting")
    model = api.model_of(parser.normalise(path.read_text(encoding="utf-8")), str(path))
    whats = {what for _, what in generate(model, rates=False)[2].fractions}
    assert {"the rescaled total", "a comparison", "bands over a quotient"} <= whats


@given(st.integers(-(10**30), 10**30), st.integers(1, 10**12), st.integers(0, 6))
def test_round_ratio_is_round_half_up_of_the_fraction(numerator: int, denominator: int, places: int) -> None:
    from fractions import Fraction

    with localcontext() as ctx:  # as a program runs them: with digits enough (the trap retries with 1000)
        ctx.prec = 1000
        expected = round_half_up(Fraction(numerator, denominator), places)
        got = round_ratio(numerator * 10**places, denominator, places)
    assert repr(got) == repr(expected)  # the same value, type and exponent
    assert half_away(numerator, -denominator) == half_away(-numerator, denominator)


def test_a_quotient_inside_min_is_named_with_its_position() -> None:
    text = (
        HEAD
        + """criteria "C" max 5 {
  item i "I" max 5 { points = if min(a / b, 2) >= 1 then 5 else 0; }
}
grades { grade g "G" { band from 1; } grade h "H" { band below 1; } }
"""
    )
    found = [d for d in partyrules.check("rates.criteria", text=text) if d.code == "PR902"]
    assert [(d.severity, d.span.line, d.span.column) for d in found] == [("warning", 9, 34)]
    assert "a comparison is computed with exact Fractions" in found[0].message
    numbering = api.numbering(api.model_of(text, "rates.criteria"))
    assert numbering.scale == 0 and len(numbering.fractions) == 1


def test_a_divisor_known_negative_flips_the_comparison() -> None:
    integers, _, _ = _programs(
        HEAD
        + """criteria "C" max 5 {
  item i "I" max 5 { points = if a / c >= 2 then 5 else 0; }
}
grades { grade g "G" { band from 1; } grade h "H" { band below 1; } }
"""
    )
    assert "to_fraction" not in integers.code
    base = {"b": 1, "k": 0, "r": Decimal("0"), "d": Decimal("0")}
    assert integers.evaluate(base | {"a": -4, "c": -2}).total == 5  # -4 / -2 = 2
    assert integers.evaluate(base | {"a": 4, "c": -2}).total == 0  # -2
    assert integers.evaluate(base | {"a": -3, "c": -2}).total == 0  # 1.5


def test_check_explain_says_the_numbering_and_what_decided_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    from partyrules import cli

    rates = tmp_path / "rates.criteria"
    rates.write_text(
        HEAD
        + """criteria "C" max 5 {
  item i "I" max 5 { points = if min(a / b, 2) >= 1 then 5 else 0; }
}
grades { grade g "G" { band from 1; } grade h "H" { band below 1; } }
""",
        encoding="utf-8",
    )
    status = cli.main(["check", "--explain", "vn/annual-collective", "vn/cell-meeting", str(rates)])
    out = capsys.readouterr().out
    assert status == 0
    assert "vn/annual-collective: ok\n  numbering: integers in fixed point (scale 2: points in units of 0.01)\n" in out
    assert "  quotients: in integers (no Fractions)\n" in out
    assert "  numbering: Decimal points\n    because `is_thematic_month` at " in out  # the `else rescale`
    assert "cell-meeting@hd12.criteria:122:23 drops its criterion and rescales the total" in out
    assert "warning PR902: a comparison is computed with exact Fractions" in out
    assert f"  quotients: Fractions for a comparison, `min(a / b, 2) >= 1` at {rates}:9:34\n" in out
    cli.main(["check", "vn/annual-collective"])
    assert "numbering" not in capsys.readouterr().out  # only asked for
