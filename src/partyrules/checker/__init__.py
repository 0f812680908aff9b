"""Checking: the syntax tree to a resolved, typed, bounded :class:`~partyrules.model.Model`.

The checker finds every problem it can in one run and reports them all: unknown and
duplicate names, type errors, maxima that do not add up, formulas that can leave ``[0, max]``
given the declared input ranges (interval reasoning), bands, matches and tables that miss
cases or overlap, grade bands with gaps or overlaps, grades that nothing can reach, and then,
on a scale with no error, its aggregate inputs, quotas, examples and properties.

It is a list of passes over shared tables (:class:`~partyrules.checker.state.State`), in
:data:`PASSES` and :data:`MODEL_PASSES`; each module holds the passes of one concern:

- :mod:`~partyrules.checker.names`: the header and every declaration (names, types of inputs);
- :mod:`~partyrules.checker.order`: which value needs which, and the order they are computed in;
- :mod:`~partyrules.checker.values`: each value in that order (through the expression checker:
  :mod:`~partyrules.checker.expressions`, :mod:`~partyrules.checker.calls`,
  :mod:`~partyrules.checker.coverage`), narrowed by what conditions and constraints say of sums of
  values (:mod:`~partyrules.checker.linear`);
- :mod:`~partyrules.checker.totals`: maxima, caps and the total's interval;
- :mod:`~partyrules.checker.grades`: constraints, grades, knock-outs, reachability;
- on the built model: :mod:`~partyrules.checker.aggregates`, :mod:`~partyrules.checker.quotas`,
  :mod:`~partyrules.checker.examples`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from partyrules import nodes as n
from partyrules.checker import grades, names, order, totals, values
from partyrules.checker.aggregates import aggregates
from partyrules.checker.coverage import MAX_TABLE_REGIONS
from partyrules.checker.examples import examples
from partyrules.checker.expressions import Expressions
from partyrules.checker.quotas import quotas
from partyrules.checker.state import FACT_MAGNITUDE, UNKNOWN, Info, Scope, State, Symbol
from partyrules.diagnostics import CriteriaError, Diagnostic, Source
from partyrules.model import Model

__all__ = [
    "FACT_MAGNITUDE",
    "MAX_TABLE_REGIONS",
    "MODEL_PASSES",
    "PASSES",
    "UNKNOWN",
    "Checker",
    "Info",
    "Scope",
    "State",
    "Symbol",
    "check_tree",
]

Pass = Callable[[Expressions], None]
ModelPass = Callable[[Expressions, Model], "Model | None"]

#: The passes over the scale, in order. Every pass runs, so that one run reports every problem
#: it can; a later pass reads the tables the earlier ones filled (each module says which).
PASSES: tuple[Pass, ...] = (
    names.header,  # first: a library (shared definitions) needs no criteria, grades, basis or dates
    names.levels,  # level scales before inputs: `input x: level q` names a scale
    names.inputs,  # inputs with their ranges: the intervals every formula is bounded from
    names.lets,  # named values are declared before any is checked: one may use another declared below it
    names.blocks,  # the criteria, deductions and bonuses blocks (one of each)
    names.criteria,  # every criterion declared and numbered: the last names of the shared space
    names.clashes,  # a name both a symbol and a member: only once every name of both is declared
    order.order,  # the dependencies between values: needs to know which names are values and criteria
    values.facts,  # what the constraints say of sums of inputs: before any value is bounded
    values.values,  # each value checked in that order, after everything it reads is typed and bounded
    totals.maxima,  # sums of maxima; the model's maximum (grade bands need it)
    totals.rescale,
    totals.caps,
    totals.total,  # the total's interval and type: sums the intervals the values pass proved
    grades.constraints,
    grades.grades,  # grade bands against the total, requirements (which may read `total`)
    grades.rules,  # knock-outs and not-graded rules: name grades, so after them
    grades.reachability,  # derived from everything else: only on a file with no other error
    names.unused,  # inputs nothing reads: once every expression has recorded what it resolves to
)

#: The passes over the model built from a scale with no error; one that returns None (after an
#: error) stops the run there.
MODEL_PASSES: tuple[ModelPass, ...] = (
    aggregates,  # the form of aggregate inputs (the children's names are resolved by a hierarchy)
    quotas,  # after names.unused: an input a quota reads is used after all
    examples,  # last: examples expect totals, grades and rules of the final model, quotas included
)


class Checker(Expressions):
    """One run of the checker over a parsed (and linked) file: :meth:`run`, then :attr:`problems`."""

    def run(self) -> Model | None:
        """The checked model, or None when the file has an error (every problem is in :attr:`problems`)."""
        for check_pass in PASSES:
            check_pass(self)
        model = self.model()
        for model_pass in MODEL_PASSES:
            if model is None:
                break
            model = model_pass(self, model)
        return model

    def model(self) -> Model | None:
        if self.failed or self.root is None:
            return None
        root = self.root
        return Model(
            filename=self.filename,
            file=self.tree,
            header=self.header,
            status=self.status,
            inputs=tuple(self.inputs),
            levels=dict(self.levels),
            constraints=self.constraints,
            lets=self.lets,
            criteria_label=root.label,
            criteria_maximum=self.maximum,
            criteria_citations=root.citations,
            rescale_places=self.rescale,
            criteria=tuple(self.criterion_infos),
            deductions_label=self.deductions[0].label if self.deductions else None,
            deductions_cap=self.deductions_cap,
            deductions=tuple(self.deduction_infos),
            bonuses_label=self.bonuses[0].label if self.bonuses else None,
            bonuses_cap=self.bonuses_cap,
            bonuses=tuple(self.bonus_infos),
            order=self.order,
            grades=self.grades,
            knockouts=self.knockouts,
            exemptions=self.exemptions,
            total=self.total,
            types=self.types,
            resolutions=self.resolutions,
            proved=self.proved,
        )


def check_tree(
    tree: n.RulesetFile, filename: str = "<string>", source: str | None = None, sources: Iterable[Source] = ()
) -> Model:
    """Check a parsed (and linked) file; raise :class:`CriteriaError` listing every problem.

    ``sources`` are the texts of the files a linked tree was made of, so that
    diagnostics in a base can quote their line.
    """
    checker = Checker(tree, filename)
    model = checker.run()
    errors = [d for d in checker.problems if d.severity == "error"]
    if errors or model is None:
        texts = [*([Source(filename, source)] if source is not None else []), *sources]
        raise CriteriaError(sorted(errors, key=lambda d: _position(d, filename)), texts)
    return model


def _position(d: Diagnostic, filename: str = "") -> tuple[bool, str, int, int, str]:
    # the file being checked first, then its bases
    return (d.file != filename, d.file, d.span.line, d.span.column, d.code)
