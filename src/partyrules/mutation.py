"""Mutation testing of a scale: do its examples and properties notice a small mistake?

Each mutant is the checked syntax tree with one small change of the kind a
person makes when typing a scale from a Word document: a threshold shifted by
one step (a ``bands`` row, or the boundary between two grades), a comparison
flipped (``>=`` for ``>``), the results of two neighbouring rows swapped, a
``+`` written as ``-``, a deduction counted as a bonus, a requirement, a
knock-out or a not-graded rule left out, a quota's share mistyped by ten points (checked by the
file's batch examples). A mutant counts only when the checker
accepts it (a change the checker refuses is caught already). A mutant is killed
when an example fails, a property is broken, or an example no longer makes sense
to the checker (PR8xx); a mutant that survives shows a rule the file's examples
and properties do not pin down. Only the rules a file states itself are mutated: a
file that extends a base does not inherit the base's examples, which test the base's rules.
"""

from __future__ import annotations

import datetime
import itertools
import os
import pickle
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import attrs

from partyrules import nodes as n, proving
from partyrules.api import checked_model
from partyrules.casebook import Casebook
from partyrules.diagnostics import CriteriaError
from partyrules.model import Model
from partyrules.printer import cell_text, expr_text, literal_text
from partyrules.proving import Outcome, Search, breaks, claim_text, run_example, sample
from partyrules.runtime import Ruleset

#: Organisations (or pairs, for a monotone claim) per property claim, drawn once from the scale
#: and replayed against every mutant: the same sample for all, deterministic.
SAMPLE_SIZE = 200

_FLIP = {">=": ">", ">": ">=", "<=": "<", "<": "<=", "==": "!=", "!=": "=="}
_TESTS = (n.Example, n.ExampleTable, n.Property)
_DROP: Any = object()


@attrs.frozen
class Mutant:
    description: str
    location: str
    tree: n.RulesetFile = attrs.field(eq=False, repr=False)


@attrs.frozen
class Verdict:
    mutant: Mutant
    status: str  # killed survived refused (the checker refuses the mutant: not counted)
    by: str = ""  # what killed it


@attrs.frozen
class Report:
    verdicts: tuple[Verdict, ...]

    def of(self, status: str) -> list[Verdict]:
        return [v for v in self.verdicts if v.status == status]

    def summary(self) -> str:
        killed, survived, refused = (len(self.of(s)) for s in ("killed", "survived", "refused"))
        counted = killed + survived
        return (
            f"mutants: {counted} counted, {killed} killed, {survived} survived "
            f"({refused} more refused by the checker, not counted)"
        )


def run(ruleset: Ruleset, sample_size: int = SAMPLE_SIZE, workers: int | None = None) -> Report:
    """Judge every mutant of the ruleset's model against the ruleset's own examples and properties.

    ``workers``: processes to draw the samples and judge the mutants in (``None``: one per core;
    1: in this process). Each sample is derandomised and each mutant judged on its own, so the
    report is the same, in the same order, whatever the number of workers.
    """
    return run_with_properties(ruleset, None, sample_size, workers)[1]


def run_with_properties(
    ruleset: Ruleset, search: Search | None, sample_size: int = SAMPLE_SIZE, workers: int | None = None
) -> tuple[list[Outcome], Report]:
    """:func:`partyrules.proving.run` on the ruleset (unless ``search`` is None: no outcomes), then :func:`run`.

    The property search of the unchanged ruleset runs in the worker processes beside the samples,
    one task a claim: it costs as much as drawing the samples, and run alone it kept one core busy.
    The outcomes are those of :func:`partyrules.proving.run`, in its order, whatever the workers.
    """
    model: Model = checked_model(ruleset)
    book: Casebook | None = model.tests
    claims = _claims(book)
    found = list(mutants(model))
    if workers is None:
        workers = _cores()
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    if workers == 1 or len(found) < 2 or _in_daemon():
        outcomes = proving.run(ruleset, search) if search is not None else []
        samples = {key: _draw(ruleset, book, key, sample_size) for key in claims}
        return outcomes, Report(tuple(judge(m, model.filename, ruleset.source, samples) for m in found))
    return _run_in_processes(ruleset, found, claims, sample_size, workers, search)


Samples = dict[tuple[str, int], list[Any]]


def _claims(book: Casebook | None) -> list[tuple[str, int]]:
    """(property name, claim index) of every claim, in file order: what a sample is drawn for."""
    if not book:
        return []
    return [(prop.name, i) for prop in book.properties for i, _ in enumerate(prop.claims)]


def _draw(ruleset: Ruleset, book: Casebook | None, key: tuple[str, int], size: int) -> list[Any]:
    assert book is not None
    prop = next(p for p in book.properties if p.name == key[0])
    return sample(ruleset, book.model, prop, prop.claims[key[1]], size)


def _in_daemon() -> bool:
    """Whether this is a daemonic worker process, which may not start processes of its own."""
    import multiprocessing

    return bool(multiprocessing.current_process().daemon)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


# ---------------------------------------------------------------- in worker processes
# The ruleset travels pickled (its program linked again from its text, its model checked again from
# its files, once a worker); every worker lists the same mutants from that model, in the same order,
# so a task is a mutant's number and only verdicts come back. The samples are drawn first, one task
# a claim, then sent to every worker with the mutants to judge.

_worker: dict[str, Any] = {}


def _start_worker(pickled: bytes) -> None:
    ruleset: Ruleset = pickle.loads(pickled)
    model = checked_model(ruleset)
    _worker.clear()
    _worker.update(ruleset=ruleset, model=model, mutants=None, samples=None)


def _sample_task(key: tuple[str, int], size: int) -> list[Any]:
    ruleset: Ruleset = _worker["ruleset"]
    return _draw(ruleset, _worker["model"].tests, key, size)


def _claim_task(key: tuple[str, int], search: Search) -> Outcome:
    ruleset: Ruleset = _worker["ruleset"]
    book = _worker["model"].tests
    prop = next(p for p in book.properties if p.name == key[0])
    return proving.check_claim(ruleset, book.model, prop, prop.claims[key[1]], search)


def _judge_task(numbers: list[int], pickled_samples: bytes) -> list[tuple[str, str, str]]:
    ruleset: Ruleset = _worker["ruleset"]
    model: Model = _worker["model"]
    if _worker["mutants"] is None:
        _worker["mutants"] = list(mutants(model))
    if _worker["samples"] is None:  # unpickled once a worker, not once a task (a pool serves one run)
        _worker["samples"] = pickle.loads(pickled_samples)
    out = []
    for number in numbers:
        mutant: Mutant = _worker["mutants"][number]
        verdict = judge(mutant, model.filename, ruleset.source, _worker["samples"])
        out.append((mutant.description, verdict.status, verdict.by))
    return out


def _run_in_processes(
    ruleset: Ruleset,
    found: list[Mutant],
    claims: list[tuple[str, int]],
    size: int,
    workers: int,
    search: Search | None,
) -> tuple[list[Outcome], Report]:
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(pickle.dumps(ruleset),)) as pool:
        sampling = [pool.submit(_sample_task, key, size) for key in claims]
        # queued behind the samples, the claims keep the workers busy while the last samples are drawn
        checking = [pool.submit(_claim_task, key, search) for key in claims] if search is not None else []
        # the examples are quick: here, while the workers search
        outcomes = proving.run(ruleset, search, properties=False) if search is not None else []
        pickled_samples = pickle.dumps(dict(zip(claims, (future.result() for future in sampling))))
        # a few mutants a task (a task carries the samples), more tasks than workers (mutants differ in cost)
        per_task = max(1, len(found) // (4 * workers))
        tasks = [list(range(i, min(i + per_task, len(found)))) for i in range(0, len(found), per_task)]
        judged = [v for part in pool.map(_judge_task, tasks, [pickled_samples] * len(tasks)) for v in part]
        outcomes += [future.result() for future in checking]
    verdicts = []
    for mutant, (description, status, by) in zip(found, judged, strict=True):
        if description != mutant.description:  # pragma: no cover - the workers list the mutants as this process does
            raise RuntimeError(f"a worker judged `{description}` in the place of `{mutant.description}`")
        verdicts.append(Verdict(mutant, status, by))
    return outcomes, Report(tuple(verdicts))


def judge(mutant: Mutant, filename: str, source: str, samples: Samples) -> Verdict:
    """Check, compile and test one mutant; ``samples`` are the organisations each claim is tried on."""
    from partyrules.checker import check_tree
    from partyrules.compiler import build

    try:
        model = check_tree(mutant.tree, filename, source)
    except CriteriaError as exc:
        errors = [d for d in exc.diagnostics if d.severity == "error"]
        if errors and all(d.code.startswith("PR8") for d in errors):
            return Verdict(mutant, "killed", f"the checker, through the examples ({errors[0].code})")
        return Verdict(mutant, "refused")
    ruleset = build(model, source)
    book: Casebook | None = ruleset.tests
    if book is None:
        return Verdict(mutant, "survived")
    for case in book.examples:
        if not run_example(ruleset, case).passed:
            return Verdict(mutant, "killed", f"example `{case.name}`")
    for prop in book.properties:
        for i, claim in enumerate(prop.claims):
            if breaks(ruleset, book.model, prop, claim, samples.get((prop.name, i), [])):
                return Verdict(mutant, "killed", f"property `{prop.name}` ({claim_text(claim)})")
    return Verdict(mutant, "survived")


# ---------------------------------------------------------------- the mutants


def mutants(model: Model) -> Iterator[Mutant]:
    """Every single-change mutant of the model's tree, in file order of the change."""
    tree = model.file

    def where(span: n.Span) -> str:
        return f"{getattr(span, 'file', '') or model.filename}:{span.line}:{span.column}"

    found: list[tuple[n.Span, Mutant]] = []

    def add(span: n.Span, description: str, new_tree: n.RulesetFile) -> None:
        # a rule inherited from a base is mutated when the base is tested, with the base's examples
        if getattr(span, "file", "") in ("", model.filename):
            found.append((span, Mutant(description, where(span), new_tree)))

    for decl in tree.declarations:
        if isinstance(decl, (*_TESTS, n.Constraint)):
            continue  # a constraint only decides which facts are refused: it scores nothing
        if isinstance(decl, n.Knockout):
            kind = "knock-out" if decl.kind == "knockout" else "not_graded rule"
            add(decl.span, f"drop the {kind} `{decl.name}`", _replace(tree, decl, _DROP))
        if isinstance(decl, n.Adjustments):
            for adj in decl.items:
                add(adj.span, f"count the {adj.kind} `{adj.name}` as a {_other(adj.kind)}", _flip_sign(tree, decl, adj))
        if isinstance(decl, n.Grades):
            _grade_mutants(tree, decl, add)
        if isinstance(decl, n.Quota) and decl.share is not None:
            _quota_mutants(tree, decl, decl.share, add)
        for node in _nodes(decl):
            _node_mutants(tree, node, add)
    found.sort(key=lambda item: (item[0].line, item[0].column))
    yield from (m for _, m in found)


def _node_mutants(tree: n.RulesetFile, node: Any, add: Any) -> None:
    if isinstance(node, n.Bands):
        for band in node.bands:
            for shifted in _shifts(band.threshold):
                new = attrs.evolve(band, threshold=shifted)
                add(
                    band.span,
                    f"shift a threshold: `{band.direction} {literal_text(band.threshold)}` → "
                    f"`{band.direction} {literal_text(shifted)}`",
                    _replace(tree, band, new),
                )
        _swaps(tree, node, "bands", add, "bands rows")
    elif isinstance(node, n.Match):
        _swaps(tree, node, "arms", add, "match arms")
    elif isinstance(node, n.Table):
        _swaps(tree, node, "rows", add, "table rows")
    elif isinstance(node, n.Compare):
        flipped = attrs.evolve(node, op=_FLIP[node.op])
        add(
            node.span, f"flip a comparison: `{expr_text(node)}` → `{expr_text(flipped)}`", _replace(tree, node, flipped)
        )
    elif isinstance(node, n.CompareCell):
        for i, (op, lit) in enumerate(node.tests):
            tests = list(node.tests)
            tests[i] = (_FLIP[op], lit)
            flipped_cell = attrs.evolve(node, tests=tuple(tests))
            add(
                node.span,
                f"flip a comparison: table cell `{cell_text(node)}` → `{cell_text(flipped_cell)}`",
                _replace(tree, node, flipped_cell),
            )
    elif isinstance(node, n.Binary) and node.op in ("+", "-"):
        other = attrs.evolve(node, op="-" if node.op == "+" else "+")
        add(node.span, f"change a sign: `{expr_text(node)}` → `{expr_text(other)}`", _replace(tree, node, other))
    elif isinstance(node, n.Grade):
        for r in node.requirements:
            kept = tuple(x for x in node.requirements if x is not r)
            add(
                r.span,
                f'drop the requirement "{r.label}" of grade `{node.name}`',
                _replace(tree, node, attrs.evolve(node, requirements=kept)),
            )


def _swaps(tree: n.RulesetFile, node: n.Bands | n.Match | n.Table, field: str, add: Any, what: str) -> None:
    """Swap the results of each pair of neighbouring rows (the last regular row with `otherwise` too)."""
    rows = getattr(node, field)
    results = [r.result for r in rows] + ([node.otherwise] if node.otherwise is not None else [])
    for i in range(len(results) - 1):
        first, second = results[i], results[i + 1]
        if expr_text(first) == expr_text(second):
            continue  # the same result: swapping changes nothing
        swapped = list(results)
        swapped[i], swapped[i + 1] = second, first
        new_rows = tuple(attrs.evolve(r, result=x) for r, x in zip(rows, swapped))
        otherwise = swapped[-1] if node.otherwise is not None else None
        changes: dict[str, Any] = {field: new_rows, "otherwise": otherwise}
        changed = attrs.evolve(node, **changes)
        add(
            rows[i].span,
            f"swap the results of two {what}: `{expr_text(first)}` ⇄ `{expr_text(second)}`",
            _replace(tree, node, changed),
        )


def _grade_mutants(tree: n.RulesetFile, decl: n.Grades, add: Any) -> None:
    grades = decl.grades
    for upper, lower in itertools.pairwise(grades):
        low = upper.band.low if upper.band is not None else None
        high = lower.band.high if lower.band is not None else None
        if low is None or high is None or low.value != high.value:
            continue
        for shifted in _shifts(low):
            assert isinstance(shifted, n.Number)
            moved = _replace(tree, low, shifted)
            moved = _replace(moved, high, attrs.evolve(high, value=shifted.value))
            add(
                low.span,
                f"shift the boundary between grades `{upper.name}` and `{lower.name}`: "
                f"{literal_text(low)} → {literal_text(shifted)}",
                moved,
            )


#: How far a quota's share moves: its tens digit mistyped (20% → 30% or 10%). One point either way
#: changes the number allowed only in groups of 25 or more, more rows than a file's batch examples write.
QUOTA_STEP = Decimal("0.1")


def _quota_mutants(tree: n.RulesetFile, decl: n.Quota, share: n.Number, add: Any) -> None:
    """The quota's share ten points up and (while it stays above nothing) ten points down."""
    for value in (share.value + QUOTA_STEP, share.value - QUOTA_STEP):
        if 0 < value <= 1:
            moved = attrs.evolve(share, value=value)
            add(
                share.span,
                f"change the share of quota `{decl.name}`: {literal_text(share)} → {literal_text(moved)}",
                _replace(tree, share, moved),
            )


def _flip_sign(tree: n.RulesetFile, block: n.Adjustments, adj: n.Adjustment) -> n.RulesetFile:
    """The adjustment moved to the other block: a deduction added, a bonus taken off."""
    kind = _other(adj.kind)
    moved = attrs.evolve(adj, kind=kind)
    plural = "bonuses" if kind == "bonus" else "deductions"
    tree = _replace(tree, adj, _DROP)
    assert isinstance(tree, n.RulesetFile)
    target = next((d for d in tree.declarations if isinstance(d, n.Adjustments) and d.kind == plural), None)
    if target is not None:
        grown: n.RulesetFile = _replace(tree, target, attrs.evolve(target, items=(*target.items, moved)))
        return grown
    label = "Điểm cộng" if plural == "bonuses" else "Điểm trừ"
    block_new = n.Adjustments(plural, label, adj.maximum, (moved,), adj.span)
    return attrs.evolve(tree, declarations=(*tree.declarations, block_new))


def _other(kind: str) -> str:
    return "bonus" if kind == "deduction" else "deduction"


def _shifts(lit: n.Literal) -> list[n.Literal]:
    """The threshold one step up and one step down, in the threshold's own kind and precision."""
    if isinstance(lit, n.DateLiteral):
        day = datetime.timedelta(days=1)
        return [attrs.evolve(lit, value=lit.value + day), attrs.evolve(lit, value=lit.value - day)]
    if not isinstance(lit, n.Number):
        return []
    if lit.percent:
        step = Decimal("0.01")
    else:
        exponent = lit.value.normalize().as_tuple().exponent
        step = Decimal(1).scaleb(min(0, exponent)) if isinstance(exponent, int) else Decimal(1)
    return [attrs.evolve(lit, value=lit.value + step), attrs.evolve(lit, value=lit.value - step)]


# ---------------------------------------------------------------- tree surgery


def _nodes(root: Any) -> Iterator[Any]:
    """Every node under ``root`` (itself included), without recursion."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, tuple):
            stack.extend(node)
        elif attrs.has(type(node)) and not isinstance(node, n.Span):
            yield node
            stack.extend(getattr(node, f.name) for f in attrs.fields(type(node)))


def _replace(root: Any, target: object, new: object) -> Any:
    """``root`` with the node ``target`` (found by identity) replaced by ``new``, or removed for ``_DROP``."""
    if root is target:
        return new
    if isinstance(root, tuple):
        items = [_replace(x, target, new) for x in root]
        if all(a is b for a, b in zip(items, root)):
            return root
        return tuple(x for x in items if x is not _DROP)
    if attrs.has(type(root)) and not isinstance(root, n.Span):
        changes = {}
        for field in attrs.fields(type(root)):
            value = getattr(root, field.name)
            replaced = _replace(value, target, new)
            if replaced is not value:
                changes[field.name] = replaced
        return attrs.evolve(root, **changes) if changes else root
    return root
