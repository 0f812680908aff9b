"""A large ruleset's program written once, in its batch loop, against the same program written twice.

Past ``LARGE_MODEL`` inputs and criteria the compiler writes the body of the program once, inside the
batch loop ``many``, and ``program(facts)`` runs a batch of one row; the facts are fetched in one call
(text read there), tested in functions of a few hundred facts, and the values computed in functions
of a few hundred lines (Python's ``compile()`` of a long function costs more than linear in its length). ``generate(..., once=True)`` writes any ruleset that way:
every shipped ruleset and a generated large one must score every organisation the same either way,
and refuse bad facts with the same error, alone, in a batch, and under a caller's own decimal context.
"""

from __future__ import annotations

import decimal
import functools
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import partyrules
from partyrules import api, serialize
from partyrules.catalog import shipped_ids
from partyrules.compiler import generate, program as compiler_program
from partyrules.facts import MISSING
from partyrules.runtime import Ruleset, link_program
from partyrules.testing import facts as drawn_facts

Run = Any


@functools.cache  # written and compiled once a ruleset and a way: each hypothesis example compiled it again (10 s)
def _written(ruleset: Ruleset, once: bool) -> tuple[Run, Run, str]:
    """The ruleset's program and batch loop compiled again, the body written once or twice."""
    text = ruleset.source
    model = api.model_of(text, ruleset.filename) if ruleset.model is None else ruleset.model
    code, constants, _ = generate(model, once=once)
    program, batch = link_program(code, constants, ruleset.layout, f"once={once}")
    return program, batch, code


def _shown(run: Run, facts: Any) -> str:
    try:
        result = run(facts)
    except partyrules.FactsError as exc:
        return "error: " + str(exc)
    return json.dumps(serialize.unstructure(result), ensure_ascii=False, sort_keys=True)


def _batch_shown(batch: Run, rows: list[Any]) -> list[str]:
    def row_error(exc: partyrules.FactsError, number: int, row: Any) -> partyrules.RowError:
        return partyrules.RowError(exc.problems, number, row.get("id") if isinstance(row, dict) else None)

    out = []
    for result in batch(rows, "id", 0, row_error):
        if isinstance(result, partyrules.RowError):
            out.append(f"row {result.number}: " + str(partyrules.FactsError(result.problems)))
        else:
            out.append(json.dumps(serialize.unstructure(result), ensure_ascii=False, sort_keys=True))
    return out


def _wild(ruleset: Ruleset) -> st.SearchStrategy[dict[str, Any]]:
    """Facts that are often wrong: a drawn organisation with one value replaced, one name dropped or added."""
    odd = st.sampled_from([None, "", "x", "12", "87.5", "true", -1, 10**6, Decimal("NaN"), Decimal("1E+3"), 2.5, True])
    names = [spec.name for spec in ruleset.inputs]

    @st.composite
    def mutated(draw: st.DrawFn) -> dict[str, Any]:
        org = dict(draw(drawn_facts(ruleset)))
        action = draw(st.sampled_from(["replace", "drop", "add", "keep"]))
        if action == "replace" and names:
            org[draw(st.sampled_from(names))] = draw(odd)
        elif action == "drop" and names:
            org.pop(draw(st.sampled_from(names)), None)
        elif action == "add":
            org["not_an_input"] = 1
        return org

    return mutated()


@pytest.mark.parametrize("ruleset_id", shipped_ids())
def test_every_shipped_ruleset_scores_the_same_written_once(ruleset_id: str) -> None:
    ruleset = partyrules.shipped(ruleset_id)
    once, once_batch, code = _written(ruleset, True)
    twice, twice_batch, _ = _written(ruleset, False)
    assert "for result in many((facts,), None, 0, raise_row_error)" in code

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(_wild(ruleset), min_size=1, max_size=4))
    def agree(rows: list[dict[str, Any]]) -> None:
        for row in rows:
            assert _shown(once, row) == _shown(twice, row) == _shown(ruleset.evaluate, row)
        with_ids = [row | {"id": f"o{i}"} for i, row in enumerate(rows)]
        assert _batch_shown(once_batch, with_ids) == _batch_shown(twice_batch, with_ids)

    agree()


@pytest.mark.parametrize("ruleset_id", shipped_ids())
def test_rows_in_order_score_as_rows_by_name(ruleset_id: str) -> None:
    """The batch loop given each row as a tuple in the inputs' order (``ordered``, MISSING where a fact is
    absent; what ``partyrules score`` gives it from a CSV file) scores and refuses every row as it does the
    row by name, the body written once and twice: wrong values, absent facts and all."""
    ruleset = partyrules.shipped(ruleset_id)
    names = ruleset.layout.inputs

    def shown(batch: Run, rows: list[Any], ordered: bool) -> list[str]:
        def row_error(exc: partyrules.FactsError, number: int, row: Any) -> partyrules.RowError:
            return partyrules.RowError(exc.problems, number)

        out = []
        for result in batch(rows, None, 0, row_error, ordered):
            if isinstance(result, partyrules.RowError):
                out.append(f"row {result.number}: " + str(partyrules.FactsError(result.problems)))
            else:
                out.append(json.dumps(serialize.unstructure(result), ensure_ascii=False, sort_keys=True))
        return out

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(_wild(ruleset), min_size=1, max_size=4))
    def agree(rows: list[dict[str, Any]]) -> None:
        by_name = [{k: v for k, v in row.items() if k in names} for row in rows]  # a row in order has no other key
        in_order = [tuple(row.get(name, MISSING) for name in names) for row in by_name]
        expected = shown(ruleset.batch, by_name, False)
        assert shown(ruleset.batch, in_order, True) == expected
        for once in (True, False):
            assert shown(_written(ruleset, once)[1], in_order, True) == expected

    agree()


def _large_file(groups: int) -> str:
    """A scale of ``groups`` groups of six items over their own five inputs, with rates and a Decimal sum."""
    lines = [
        'ruleset "t/large" { title "Large"; version "1"; basis "B"; effective from 2024-01-01; points illustrative; }'
    ]
    items = []
    for g in range(groups):
        lines += [
            f'input m{g} "Members {g}": integer 1..200;',
            f'input p{g} "Present {g}": integer 0..200 = 0;',
            f'input r{g} "Rate {g}": percent;',
            f'input d{g} "Marks {g}": decimal 0..5 places 2 = 0;',
            f'input b{g} "Minutes {g}": boolean = true;',
            f'constraint "present {g}": p{g} <= m{g};',
            f'constraint "rates {g}": r{g} + r{g} <= 190%;',  # Decimal arithmetic: the Inexact trap
        ]
        items.append(
            f'  group g{g} "Group {g}" max 12 {{\n'
            f'    item a{g} "A" max 2 {{ points = bands p{g} / m{g} {{ from 95%: 2; from 80%: 1; otherwise: 0; }}; }}\n'
            f'    item c{g} "C" max 2 {{ points = if b{g} and r{g} >= 90% then 2 else 0; }}\n'
            f'    item e{g} "E" max 2 {{ points = round(r{g} * 2, 2); }}\n'
            f'    item f{g} "F" max 2 {{ points = min(m{g}, 2); }}\n'
            f'    item h{g} "H" max 2 {{ points = if d{g} + r{g} / 100% >= 3 then 2 else 1; }}\n'
            f'    item k{g} "K" max 2 {{ points = if b{g} then 1 else 0; }}\n'
            "  }"
        )
    total = 12 * groups
    lines.append(f'criteria "C" max {total} {{')
    lines += items
    lines.append("}")
    lines.append(
        f'grades {{ grade top "Top" {{ band from {total // 2}; }} grade rest "Rest" {{ band below {total // 2}; }} }}'
    )
    return "\n".join(lines) + "\n"


# Loaded, and its strategies built, when a test first asks (not at collection, which every xdist worker
# does for every file: about 1 s of CPU in each, for tests that run in one of them)
@functools.cache
def _large() -> Ruleset:
    return partyrules.loads(_large_file(80), "large.criteria")


def _large_rows() -> st.SearchStrategy[dict[str, Any]]:
    return st.deferred(lambda: st.one_of(drawn_facts(_large()), drawn_facts(_large()), _wild(_large())))


def test_a_large_program_is_written_once_and_reads_as_before() -> None:
    large = _large()
    assert len(large.inputs) + len(large.criteria) > compiler_program.LARGE_MODEL
    assert "for result in many((facts,), None, 0, raise_row_error)" in large.code
    assert "armed = not traps[Inexact]" in large.code  # Decimal arithmetic, checked exact on every row
    program_part = large.code.split("    def many(")[0]
    assert "fast = True if" not in program_part  # the fact tests are written in the batch loop only
    assert large.code.count("fast = True if") == 1  # and once there, after the text facts are read
    # in short functions: the fact tests, CHUNK_LINES facts each, and the values, CHUNK_LINES lines each
    assert "    def facts0(x0, x1," in large.code and "    def facts200(x200," in large.code
    assert "    def values0(" in large.code and "    def values2(" in large.code
    assert "fetch_facts(facts, " in large.code and "scaled_texts" not in large.code
    with pytest.raises(partyrules.FactsError, match="must be a mapping"):
        large.evaluate([1, 2])  # type: ignore[arg-type]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_large_rows(), min_size=1, max_size=3))
def test_a_large_program_written_once_scores_as_written_twice(rows: list[dict[str, Any]]) -> None:
    large = _large()
    twice, twice_batch, code = _written(large, False)
    assert "for result in many(" not in code
    for row in rows:
        assert _shown(large.evaluate, row) == _shown(twice, row)
        text_row = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in row.items()}
        assert _shown(large.evaluate, text_row) == _shown(twice, text_row)
    with_ids = [row | {"id": f"o{i}"} for i, row in enumerate(rows)]
    assert _batch_shown(large.batch, with_ids) == _batch_shown(twice_batch, with_ids)


def test_a_large_program_under_a_callers_context_retries_as_before() -> None:
    large = _large()
    twice, _, _ = _written(large, False)
    row: dict[str, Any] = {}
    for spec in large.inputs:
        if spec.name.startswith("m"):
            row[spec.name] = 7
        elif spec.name.startswith("r"):
            row[spec.name] = Decimal("91.123456789")
        elif spec.name.startswith("d"):
            row[spec.name] = Decimal("2.5")
    # a narrow context that traps Rounded: the program runs again in its own context, with the same result
    with decimal.localcontext(prec=3, traps=[decimal.Rounded, decimal.InvalidOperation]):
        once_result = _shown(large.evaluate, row)
        twice_result = _shown(twice, row)
    assert once_result == twice_result == _shown(large.evaluate, row)
    assert not once_result.startswith("error")
