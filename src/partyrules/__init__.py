"""partyrules: grading criteria for party organisations, as checked and compiled code.

    >>> import partyrules
    >>> ruleset = partyrules.load("chi-bo-4-tot.criteria")      # doctest: +SKIP
    >>> result = ruleset.evaluate({"members": 25, ...})          # doctest: +SKIP
    >>> result.total, result.grade, print(result.explain())      # doctest: +SKIP

Pipeline: :mod:`~partyrules.parser` (text → syntax tree) →
:mod:`~partyrules.link` (bases and imports) → :mod:`~partyrules.checker`
(→ checked model, diagnostics) → :mod:`~partyrules.compiler` (→ program) →
:mod:`~partyrules.runtime` (:class:`Ruleset`, :class:`Evaluation`).
docs/architecture.md maps the stages and what each may import.

Importing the package loads nothing else: each public name is imported the
first time it is read. The runtime's names (:class:`Ruleset`, :class:`Evaluation`,
the errors) bring the runtime alone; the front end (lark, the parser, the checker,
the compiler) is imported the first time :func:`load`, :func:`loads`,
:func:`check`, :class:`Loader` or a shipped ruleset is asked for, so a process
that only unpickles and runs rulesets never imports it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from partyrules.api import check, load, loads
    from partyrules.catalog import data_path, shipped, shipped_ids, shipped_path
    from partyrules.diagnostics import CriteriaError, Diagnostic, PartyrulesError
    from partyrules.evaluation import (
        AdjustmentResult,
        CriterionResult,
        Evaluation,
        RequirementResult,
        RuleResult,
        RulesetRef,
    )
    from partyrules.facts import FactProblem, FactsError, RowError
    from partyrules.loader import Loader
    from partyrules.runtime import CriterionSpec, GradeSpec, InputSpec, Ruleset

#: the public names, by the module that defines them, each imported the first time it is read: the
#: runtime's (a few attrs classes) as well as the front end's (lark, the parser, the checker, the
#: compiler), so that ``import partyrules`` itself, and ``partyrules --help``, load neither
_PUBLIC = {
    "CriteriaError": "partyrules.diagnostics",
    "Diagnostic": "partyrules.diagnostics",
    "PartyrulesError": "partyrules.diagnostics",
    "AdjustmentResult": "partyrules.evaluation",
    "CriterionResult": "partyrules.evaluation",
    "Evaluation": "partyrules.evaluation",
    "RequirementResult": "partyrules.evaluation",
    "RuleResult": "partyrules.evaluation",
    "RulesetRef": "partyrules.evaluation",
    "FactProblem": "partyrules.facts",
    "FactsError": "partyrules.facts",
    "RowError": "partyrules.facts",
    "CriterionSpec": "partyrules.runtime",
    "GradeSpec": "partyrules.runtime",
    "InputSpec": "partyrules.runtime",
    "Ruleset": "partyrules.runtime",
    "check": "partyrules.api",
    "load": "partyrules.api",
    "loads": "partyrules.api",
    "Loader": "partyrules.loader",
    "data_path": "partyrules.catalog",
    "shipped": "partyrules.catalog",
    "shipped_ids": "partyrules.catalog",
    "shipped_path": "partyrules.catalog",
}


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'partyrules' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later reads are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))


__all__ = [
    "AdjustmentResult",
    "CriteriaError",
    "CriterionResult",
    "CriterionSpec",
    "Diagnostic",
    "Evaluation",
    "FactProblem",
    "FactsError",
    "GradeSpec",
    "InputSpec",
    "Loader",
    "PartyrulesError",
    "RequirementResult",
    "RowError",
    "RuleResult",
    "Ruleset",
    "RulesetRef",
    "check",
    "data_path",
    "load",
    "loads",
    "shipped",
    "shipped_ids",
    "shipped_path",
]
__version__ = "0.1.0"
