"""The report of ``partyrules test`` for one ruleset: examples, properties, rule coverage, mutants.

Plain text, the same bytes for the same file and options (the property search
is derandomised unless a seed is given). The command line prints it; the
pytest plugin reuses the pieces.
"""

from __future__ import annotations

import attrs

from partyrules import mutation, proving, rulecoverage
from partyrules.casebook import Casebook
from partyrules.proving import Outcome, Search
from partyrules.runtime import Ruleset


@attrs.frozen
class Result:
    text: str
    passed: bool  # every example and property claim passed


def test_ruleset(
    ruleset: Ruleset,
    name: str,
    *,
    search: Search | None = None,
    coverage: bool = False,
    mutate: bool = False,
    properties: bool = True,
) -> Result:
    search = search or Search()
    book: Casebook | None = ruleset.tests
    if not book:
        return Result(f"{name}: no examples or properties\n", True)
    mutated: mutation.Report | None = None
    if mutate and properties:
        # the property search runs in the mutation's worker processes, beside its samples
        outcomes, mutated = mutation.run_with_properties(ruleset, search)
    else:
        outcomes = proving.run(ruleset, search, properties=properties)
    examples = sum(1 for o in outcomes if o.kind == "example")
    claims = len(outcomes) - examples
    head = f"{name}: {_count(examples, 'example')}, {_count(claims, 'property claim')}"
    lines = [head if properties else f"{name}: {_count(examples, 'example')} (properties not tested)"]
    for o in outcomes:
        lines.append(f"  {'ok  ' if o.passed else 'FAIL'}  {describe(o)}")
        if not o.passed:
            lines.append(_indent(o.detail, "        "))
    failed = sum(1 for o in outcomes if not o.passed)
    lines.append(f"  {'all passed' if not failed else f'{failed} of {len(outcomes)} failed'}")
    if search.seed is not None:
        lines.append(f"  (property search: {search.max_examples} organisations per claim, seed {search.seed})")
    if coverage:
        report = rulecoverage.measure(book, ruleset)
        lines.append("  " + report.summary())
        lines += [f"    not reached: {r.location}: {r.text}" for r in report.missed]
    if mutate:
        verdicts = mutated if mutated is not None else mutation.run(ruleset)
        lines.append("  " + verdicts.summary())
        lines += [f"    survived: {v.mutant.location}: {v.mutant.description}" for v in verdicts.of("survived")]
    return Result("\n".join(lines) + "\n", failed == 0)


def describe(o: Outcome) -> str:
    if o.kind == "example":
        return f'example `{o.name}` "{o.label}" ({o.location})'
    return f'property `{o.name}` "{o.label}": {o.claim} ({o.location})'


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())
