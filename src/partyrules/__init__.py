"""partyrules: grading criteria for party organisations, as checked and compiled code.

    >>> import partyrules
    >>> ruleset = partyrules.load("chi-bo-4-tot.criteria")      # doctest: +SKIP
    >>> result = ruleset.evaluate({"members": 25, ...})          # doctest: +SKIP
    >>> result.total, result.grade, print(result.explain())      # doctest: +SKIP

Pipeline: :mod:`~partyrules.parser` (text → syntax tree) →
:mod:`~partyrules.checker` (→ checked model, diagnostics) →
:mod:`~partyrules.compiler` (→ program) → :mod:`~partyrules.runtime`
(:class:`Ruleset`, :class:`Evaluation`).
"""

from partyrules.api import check, load, loads
from partyrules.diagnostics import CriteriaError, Diagnostic, PartyrulesError
from partyrules.loader import Loader
from partyrules.runtime import (
    AdjustmentResult,
    CriterionResult,
    CriterionSpec,
    Evaluation,
    FactProblem,
    FactsError,
    GradeSpec,
    InputSpec,
    RequirementResult,
    RowError,
    RuleResult,
    Ruleset,
    RulesetRef,
)
from partyrules.shipped import data_path, shipped, shipped_ids, shipped_path

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
