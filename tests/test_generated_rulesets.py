"""`partyrules.testing.rulesets()`: random valid criteria files, for testing the compiler itself."""

from __future__ import annotations

from typing import Any

from hypothesis import given, strategies as st

import partyrules
from partyrules import nodes, reference, testing


@given(testing.rulesets())
def test_generated_files_are_valid_and_score_within_their_maximum(text: str) -> None:
    rules = partyrules.loads(text, "generated.criteria")
    assert rules.layout.maximum is not None
    assert [d for d in partyrules.check("generated.criteria", text=text) if d.severity == "error"] == []


@given(st.data())
def test_compiled_evaluator_agrees_with_the_reference_on_generated_files(data: st.DataObject) -> None:
    rules = partyrules.loads(data.draw(testing.rulesets()), "generated.criteria")
    facts: dict[str, Any] = data.draw(testing.facts(rules))
    total, grade, points = reference.evaluate(rules.model, facts)
    e = rules.evaluate(facts)
    assert (e.total, e.grade) == (total, grade)
    assert {name: e.points[name] for name in points} == points
    assert 0 <= e.total <= rules.layout.maximum


@given(testing.ruleset_trees(max_items=3))
def test_trees_come_parsed(tree: nodes.RulesetFile) -> None:
    assert isinstance(tree, nodes.RulesetFile)
    assert sum(isinstance(d, nodes.CriteriaTree) for d in tree.declarations) == 1
