"""Benchmark: compiled evaluators of three sheets against hand-written scorers of the same sheets.

Usage::

    python benchmarks/bench_evaluate.py [--rows N] [--repeats R] [--seed S]

Steps:

1. load the sheets (``sheets.py``): the shipped ``vn.hatinh/chi-bo-4-tot`` (4 tốt, no division),
   the rate-heavy monthly meeting sheet ``meeting-rates.criteria`` next to this file, and the
   shipped ``vn/annual-collective`` in its Quy định 366 version;
2. build N organisations' facts for each as plain dicts (``int``, ``Decimal`` percents in percent
   units, ``bool``, member-id strings): for 4 tốt from the shipped synthetic data
   ``hatinh-cells-2024.csv``, the 4,131 rows as they are, then cycled and perturbed with a
   seeded :class:`random.Random` (numbers jittered within their declared ranges, other
   values occasionally redrawn from another row, optional inputs at their default
   sometimes left out; a perturbed row that the ruleset refuses is drawn again); for the other
   two seeded random organisations; and the same rows as text, as a CSV file holds them;
3. check that on every row of every sheet partyrules (typed and text rows), the hand-written
   Decimal scorer (typed rows and parsed text), the hand-written integer scorer (total x 100) and
   the hand-written checking Decimal scorer agree on total and grade;
4. time, best of R repeats, every sheet's candidates interleaved inside each repeat (their order
   rotated from one repeat to the next), ``gc.collect()`` before each timing, each result
   consumed into a checksum and dropped, each pass timed by the wall clock and by this
   process's CPU time (which moves less when other work shares the machine): on typed rows the
   two hand-written scorers, the hand-written Decimal scorer that checks what partyrules checks
   (``handwritten_checked.py``: every key an input, required inputs there, each value's type, range
   and declared places, one-of members, the file's constraints between facts; a bad row raises),
   ``evaluate`` and ``evaluate_many``, and ``evaluate_many(columns=...)`` on
   the same rows as tuples of every input's value, as a database cursor gives them (made before
   timing; the ratio still against the hand-written scorer of the dicts); on text rows the hand-written
   scorers (parsing each row first) and ``evaluate_many``; then, on its own, 4 tốt's
   ``evaluate_many(workers=2)`` (a new pool per pass, its start included: a pool forks, and
   after a fork the next candidate would pay a copy-on-write fault per page of rows it touches);
5. time loading a generated scale of 1,000 criteria (the whole load, and its compile stage
   alone), measure the tracemalloc peak while 10,000 and then 100,000 rows made one at a time
   stream through ``evaluate_many`` (flat memory: the two peaks are about the same), and the
   pickled sizes of the ruleset and of evaluations;
6. print a table (each ratio against the hand-written Decimal scorer of the same sheet and the
   same kind of rows: it checks nothing, partyrules checks every fact), then a second one of
   ``evaluate`` and ``evaluate_many`` on typed rows against the hand-written Decimal scorer that
   checks what partyrules checks, and those measures; ``ratio_cpu_vs_checked=X.XX`` is the lowest
   over the sheets of the checking scorer's CPU time / ``evaluate_many``'s; the last line is
   ``ratio_vs_handwritten=X.XX``: the lowest over the sheets of hand-written Decimal time /
   ``evaluate_many`` time on typed rows by the wall clock (higher is better), the line before it
   the same by CPU time.

Only the installed package is imported (``import partyrules``; ``partyrules.api`` and the
stages for the compile time), so this runs against an installed partyrules too; the baselines
are ``handwritten.py``, ``handwritten_sheets.py`` and ``handwritten_checked.py`` next to this file.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import gc
import importlib.util
import os
import pickle
import platform
import random
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import partyrules

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sheets

RULESET_ID = "vn.hatinh/chi-bo-4-tot"
DATA_FILE = "hatinh-cells-2024.csv"

Facts = dict[str, Any]
Score = Callable[[Mapping[str, Any]], tuple[Decimal, str | None]]
ScoreFixed = Callable[[Mapping[str, Any]], tuple[int, str | None]]
# A timed candidate: rows -> (checksum of totals in hundredths of a point, number of graded rows).
Runner = Callable[[Sequence[Any]], tuple[int, int]]

# Perturbation of the cycled rows.
NUMBER_JITTER_P = 0.5  # chance that a number is jittered
PERCENT_JITTER = 300  # +- hundredths of a percentage point (+- 3.00 %)
INTEGER_JITTER = 0.10  # +- this fraction of the value; small counts (span < 1) are redrawn instead
REDRAW_P = 0.05  # chance that a boolean, member id, date or small count is taken from another row
DROP_DEFAULT_P = 0.10  # chance that an optional input at its default is left out
MAX_DRAWS = 20  # perturbed draws of one row before keeping the row unperturbed

WORKERS = 2  # worker processes of the evaluate_many(workers=...) candidate
WORKER_CHUNK = 2000  # rows per chunk sent to a worker
LARGE_CRITERIA = 1000  # criteria in the generated scale whose loading is timed
MEMORY_ROWS = (10_000, 100_000)  # rows streamed through evaluate_many under tracemalloc


# ---------------------------------------------------------------- loading


def load_handwritten() -> tuple[Score, ScoreFixed]:
    """``score`` and ``score_fixed_point`` from ``handwritten.py`` in this script's folder."""
    path = Path(__file__).resolve().parent / "handwritten.py"
    spec = importlib.util.spec_from_file_location("partyrules_bench_handwritten", path)
    if spec is None or spec.loader is None:
        sys.exit(f"error: cannot load the hand-written baseline {path}")
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.score, module.score_fixed_point


def shipped_data_path(name: str) -> Path:
    """Path of a shipped data file."""
    path: Path = importlib.import_module("partyrules.catalog").data_path(name)
    return path


def convert(spec: partyrules.InputSpec, text: str, where: str) -> Any:
    """One CSV cell to the Python value the evaluator expects for this input's kind."""
    text = text.strip()
    kind = spec.kind
    try:
        if kind == "integer":
            return int(text)
        if kind in ("percent", "decimal"):
            return Decimal(text.removesuffix("%").strip())
        if kind == "boolean":
            lowered = text.lower()
            if lowered in ("true", "1", "yes"):
                return True
            if lowered in ("false", "0", "no"):
                return False
            raise ValueError(f"not a boolean: {text!r}")
        if kind in ("enum", "level"):
            if text not in spec.members:
                raise ValueError(f"{text!r} is not one of {', '.join(spec.members)}")
            return text
        if kind == "date":
            return datetime.date.fromisoformat(text)
    except (ValueError, ArithmeticError) as exc:
        sys.exit(f"error: {where}, column {spec.name}: {exc}")
    sys.exit(f"error: input {spec.name} has a kind this benchmark does not know: {kind}")


def read_base_rows(ruleset: partyrules.Ruleset, path: Path) -> tuple[list[Facts], list[str]]:
    """The shipped data as facts dicts (input columns only) and the rows' cell ids."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = set(reader.fieldnames or ())
        absent = [spec.name for spec in ruleset.inputs if spec.required and spec.name not in columns]
        if absent:
            sys.exit(f"error: {path.name} has no column for the required inputs {', '.join(absent)}")
        rows: list[Facts] = []
        ids: list[str] = []
        for line, record in enumerate(reader, 2):
            facts: Facts = {}
            for spec in ruleset.inputs:
                text = record.get(spec.name)
                if text is None or not text.strip():
                    if spec.required:
                        sys.exit(f"error: {path.name} line {line}: required input {spec.name} is empty")
                    continue  # optional and blank: the input's default applies
                facts[spec.name] = convert(spec, text, f"{path.name} line {line}")
            rows.append(facts)
            ids.append(record.get("cell_id") or f"line {line}")
    if not rows:
        sys.exit(f"error: {path.name} has no rows")
    return rows, ids


# ---------------------------------------------------------------- perturbation


def _clamp(value: Any, low: Any, high: Any) -> Any:
    if low is not None and value < low:
        return low
    if high is not None and value > high:
        return high
    return value


def _as_decimal(value: int | Decimal | Fraction) -> Decimal:
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value)


def _jitter_percent(spec: partyrules.InputSpec, value: Decimal, rng: random.Random) -> Decimal:
    places = 2 if spec.places is None else min(2, spec.places)
    unit = 10**places
    # percent bounds are stored as fractions 0..1; the facts are in percent units
    low = None if spec.low is None else _as_decimal(spec.low) * 100 * unit
    high = None if spec.high is None else _as_decimal(spec.high) * 100 * unit
    step = PERCENT_JITTER * unit // 100
    scaled = int((value * unit).to_integral_value()) + rng.randint(-step, step)
    return Decimal(int(_clamp(Decimal(scaled), low, high))).scaleb(-places)


def _jitter_decimal(spec: partyrules.InputSpec, value: Decimal, rng: random.Random) -> Decimal:
    places = 2 if spec.places is None else spec.places
    spread = max(abs(value) * Decimal(str(INTEGER_JITTER)), Decimal(1).scaleb(-places))
    jittered = (value + spread * Decimal(rng.uniform(-1, 1))).quantize(Decimal(1).scaleb(-places))
    result: Decimal = _clamp(jittered, spec.low, spec.high)
    return result


def perturb(base: Facts, specs: Sequence[partyrules.InputSpec], pool: Sequence[Facts], rng: random.Random) -> Facts:
    """A deterministic variation of one base row."""
    facts: Facts = {}
    for spec in specs:
        name = spec.name
        if name not in base:
            continue
        value = base[name]
        if spec.kind == "integer":
            span = round(abs(value) * INTEGER_JITTER)
            if span >= 1:
                if rng.random() < NUMBER_JITTER_P:
                    value = _clamp(value + rng.randint(-span, span), spec.low, spec.high)
            elif rng.random() < REDRAW_P:  # a small count (0 late reports, ...): keep the data's distribution
                value = rng.choice(pool).get(name, value)
        elif spec.kind == "percent":
            if rng.random() < NUMBER_JITTER_P:
                value = _jitter_percent(spec, value, rng)
        elif spec.kind == "decimal":
            if rng.random() < NUMBER_JITTER_P:
                value = _jitter_decimal(spec, value, rng)
        elif rng.random() < REDRAW_P:  # boolean, member id, date: keep the data's own distribution
            value = rng.choice(pool).get(name, value)
        if not spec.required and value == spec.default and rng.random() < DROP_DEFAULT_P:
            continue
        facts[name] = value
    return facts


def build_rows(
    ruleset: partyrules.Ruleset, base: Sequence[Facts], count: int, seed: int
) -> tuple[list[Facts], list[int], int]:
    """``count`` rows: the base rows as they are, then cycled and perturbed.

    Returns the rows, each row's base row index, and how many perturbed draws the ruleset
    refused (and were drawn again).
    """
    rng = random.Random(seed)
    specs = ruleset.inputs
    rows: list[Facts] = []
    origin: list[int] = []
    refused = 0
    for i in range(count):
        index = i % len(base)
        row = base[index]
        if i >= len(base):
            for _ in range(MAX_DRAWS):
                candidate = perturb(base[index], specs, base, rng)
                try:
                    ruleset.evaluate(candidate)
                except partyrules.FactsError:
                    refused += 1
                    continue
                row = candidate
                break
        rows.append(dict(row))
        origin.append(index)
    return rows, origin, refused


# ---------------------------------------------------------------- correctness


def check_agreement(
    ruleset: partyrules.Ruleset,
    rows: Sequence[Facts],
    labels: Sequence[str],
    score: Score,
    score_fixed_point: ScoreFixed,
) -> Counter[str]:
    """Abort unless partyrules and both hand-written scorers agree on every row; the grades seen."""
    problems: list[str] = []
    mismatches = 0
    grades: Counter[str] = Counter()
    hundred = Decimal(100)
    for i, facts in enumerate(rows):
        where = f"row {i + 1} ({labels[i]})"
        try:
            evaluation = ruleset.evaluate(facts)
        except partyrules.FactsError as exc:
            sys.exit(f"error: partyrules refused {where}:\n{exc}\nfacts: {facts!r}")
        total, grade = evaluation.total, evaluation.grade
        want_total, want_grade = score(facts)
        fixed_total, fixed_grade = score_fixed_point(facts)
        found: list[str] = []
        if total != want_total or grade != want_grade:
            found.append(
                f"partyrules total {total} grade {grade} != hand-written Decimal total {want_total} grade {want_grade}"
            )
        if fixed_total != want_total * hundred or fixed_grade != want_grade:
            found.append(
                f"fixed-point total {fixed_total} (hundredths) grade {fixed_grade} != "
                f"Decimal total {want_total} x 100 = {want_total * hundred} grade {want_grade}"
            )
        if found:
            mismatches += 1
            if len(problems) < 5:
                problems.append(f"{where}: " + "; ".join(found) + f"\n    facts: {facts!r}")
        grades[want_grade or "(not graded)"] += 1
    if mismatches:
        shown = "\n".join(f"  {p}" for p in problems)
        sys.exit(
            f"error: the scorers disagree on {mismatches} of {len(rows)} rows; not timing anything.\n"
            f"first {len(problems)}:\n{shown}"
        )
    return grades


def check_checked(sheet: sheets.Sheet, checked: Score) -> None:
    """Abort unless the checking scorer accepts every typed row and scores it as the unchecked one does."""
    for i, facts in enumerate(sheet.typed):
        try:
            found = checked(facts)
        except ValueError as exc:
            sys.exit(f"error: the checking {sheet.name} scorer refused row {i + 1}: {exc}\nfacts: {facts!r}")
        if found != sheet.decimal(facts):
            sys.exit(f"error: {sheet.name} row {i + 1}: checked {found} != unchecked {sheet.decimal(facts)}")


# ---------------------------------------------------------------- timed candidates
# Each consumes every result into a checksum (total in hundredths, graded rows) and keeps none.


def run_decimal(score: Score) -> Runner:
    def run(rows: Sequence[Facts]) -> tuple[int, int]:
        checksum = Decimal(0)
        graded = 0
        for facts in rows:
            total, grade = score(facts)
            checksum += total
            if grade is not None:
                graded += 1
        return int(checksum * 100), graded

    return run


def run_fixed_point(score_fixed_point: ScoreFixed) -> Runner:
    def run(rows: Sequence[Facts]) -> tuple[int, int]:
        checksum = 0
        graded = 0
        for facts in rows:
            total, grade = score_fixed_point(facts)
            checksum += total
            if grade is not None:
                graded += 1
        return checksum, graded

    return run


def run_evaluate(ruleset: partyrules.Ruleset) -> Runner:
    def run(rows: Sequence[Facts]) -> tuple[int, int]:
        evaluate = ruleset.evaluate
        checksum = Decimal(0)
        graded = 0
        for facts in rows:
            evaluation = evaluate(facts)
            checksum += evaluation.total
            if evaluation.grade is not None:
                graded += 1
        return int(checksum * 100), graded

    return run


def run_evaluate_many(
    ruleset: partyrules.Ruleset, workers: int | None = None, columns: Sequence[str] | None = None
) -> Runner:
    def run(rows: Sequence[Any]) -> tuple[int, int]:
        checksum = Decimal(0)
        graded = 0
        evaluation_type = partyrules.Evaluation
        for evaluation in ruleset.evaluate_many(rows, workers=workers, chunk_size=WORKER_CHUNK, columns=columns):
            if type(evaluation) is not evaluation_type:
                raise evaluation  # type: ignore[misc]  # a RowError: every row was checked before timing
            checksum += evaluation.total
            if evaluation.grade is not None:
                graded += 1
        return int(checksum * 100), graded

    return run


DECIMAL_TYPED = "hand-written Decimal"
CHECKED_TYPED = "hand-written Decimal, checked"
CHECKED = {"4 tốt": "four_good_checked", "meeting": "meeting_checked", "366": "annual_checked"}
DECIMAL_TEXT = "hand-written Decimal, text rows"
MANY_TYPED = "evaluate_many"


def sheet_candidates(sheet: sheets.Sheet, checked: Score) -> list[tuple[str, Runner, Sequence[Any]]]:
    """A sheet's candidates, named ``sheet|candidate``: typed rows, then text rows (parsed by the hand-written ones)."""
    parse = sheet.parse
    decimal, integer = sheet.decimal, sheet.integer
    # the typed rows as a database cursor gives them: a tuple of every input's value (its default where a row
    # leaves it out), scored with ``columns=``
    specs = sheet.ruleset.inputs
    names = [spec.name for spec in specs]
    tuples = [tuple(row.get(spec.name, spec.default) for spec in specs) for row in sheet.typed]
    return [
        (f"{sheet.name}|{DECIMAL_TYPED}", run_decimal(decimal), sheet.typed),
        (f"{sheet.name}|{CHECKED_TYPED}", run_decimal(checked), sheet.typed),
        (f"{sheet.name}|hand-written integer", run_fixed_point(integer), sheet.typed),
        (f"{sheet.name}|evaluate", run_evaluate(sheet.ruleset), sheet.typed),
        (f"{sheet.name}|{MANY_TYPED}", run_evaluate_many(sheet.ruleset), sheet.typed),
        (f"{sheet.name}|evaluate_many, tuples", run_evaluate_many(sheet.ruleset, columns=names), tuples),
        (f"{sheet.name}|{DECIMAL_TEXT}", run_decimal(lambda row: decimal(parse(row))), sheet.text),
        (f"{sheet.name}|hand-written integer, text rows", run_fixed_point(lambda row: integer(parse(row))), sheet.text),
        (f"{sheet.name}|evaluate_many, text rows", run_evaluate_many(sheet.ruleset), sheet.text),
    ]


def table_body(
    candidates: Sequence[tuple[str, Runner, Sequence[Any]]],
    best: Mapping[str, float],
    best_cpu: Mapping[str, float],
    count: int,
) -> list[list[str]]:
    """One line per candidate; each ratio against the hand-written Decimal scorer of its sheet and kind of rows."""
    body = []
    for name, _, _ in candidates:
        sheet, candidate = name.split("|")
        text = "text rows" in candidate
        baseline = f"{sheet}|{DECIMAL_TEXT if text else DECIMAL_TYPED}"
        pooled = "workers=" in candidate
        body.append(
            [
                sheet,
                "text" if text else "typed",
                candidate.removesuffix(", text rows"),
                f"{best[name] / count * 1e6:.2f}",
                f"{best[baseline] / best[name]:.2f}x",
                "-" if pooled else f"{best_cpu[name] / count * 1e6:.2f}",
                "-" if pooled else f"{best_cpu[baseline] / best_cpu[name]:.2f}x",
            ]
        )
    return body


def checked_body(
    names: Sequence[str], best: Mapping[str, float], best_cpu: Mapping[str, float], count: int
) -> list[list[str]]:
    """Per sheet, the checking scorer, ``evaluate`` and ``evaluate_many`` on typed rows; ratios against the first."""
    body = []
    for sheet in names:
        wall_base, cpu_base = best[f"{sheet}|{CHECKED_TYPED}"], best_cpu[f"{sheet}|{CHECKED_TYPED}"]
        for candidate in (CHECKED_TYPED, "evaluate", MANY_TYPED):
            wall, cpu = best[f"{sheet}|{candidate}"], best_cpu[f"{sheet}|{candidate}"]
            us, us_cpu = f"{wall / count * 1e6:.2f}", f"{cpu / count * 1e6:.2f}"
            body.append([sheet, candidate, us, f"{wall_base / wall:.2f}x", us_cpu, f"{cpu_base / cpu:.2f}x"])
    return body


def describe(ruleset: partyrules.Ruleset) -> str:
    numbering = "Decimal" if ruleset.layout.scale is None else f"fixed point, scale {ruleset.layout.scale}"
    fractions = "Fractions" if "to_fraction" in ruleset.code else "no Fractions"
    return f"{ruleset.id} {ruleset.version} ({numbering}, {fractions})"


def grade_counts(sheet: sheets.Sheet) -> str:
    counts = Counter(sheet.decimal(facts)[1] or "(not graded)" for facts in sheet.typed)
    return ", ".join(f"{grade} {n:,}" for grade, n in counts.most_common())


def time_candidates(
    candidates: Sequence[tuple[str, Runner, Sequence[Any]]], repeats: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Seconds per full pass over its rows, per candidate, ``repeats`` times, interleaved: wall and CPU time.

    CPU time is this process's (``time.process_time``): on a machine shared with other work it
    moves less than wall time; a worker pool's work is in its own processes, so only wall time
    says anything of it.
    """
    times: dict[str, list[float]] = {name: [] for name, _, _ in candidates}
    cpu_times: dict[str, list[float]] = {name: [] for name, _, _ in candidates}
    checksums: dict[str, tuple[int, int]] = {}
    for repeat in range(repeats):
        shift = repeat % len(candidates)
        for name, run, rows in [*candidates[shift:], *candidates[:shift]]:
            gc.collect()
            start, cpu_start = time.perf_counter(), time.process_time()
            checksum = run(rows)
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
            times[name].append(elapsed)
            cpu_times[name].append(cpu)
            if checksums.setdefault(name, checksum) != checksum:
                sys.exit(f"error: {name} gave checksum {checksum}, earlier {checksums[name]}")
    for sheet in {name.split("|")[0] for name in checksums}:  # the candidates of one sheet score the same rows
        of_sheet = {name: sums for name, sums in checksums.items() if name.split("|")[0] == sheet}
        if len(set(of_sheet.values())) != 1:
            sys.exit(f"error: the {sheet} candidates' checksums differ: {of_sheet}")
    return times, cpu_times


# ---------------------------------------------------------------- scale, memory, pickles


def large_criteria(count: int, per_group: int = 10, inputs: int = 50) -> str:
    """A valid criteria file with ``count`` items (in groups of ``per_group``) over ``inputs`` inputs.

    Items alternate between bands over a count, bands over a percentage and a formula, with
    half points, so the file compiles to fixed point in hundredths like a real large scale.
    """
    lines = [
        'ruleset "bench/large" {',
        '  title "Benchmark: a scale with many criteria"; version "1"; basis "generated";',
        '  effective from 2024-01-01; points illustrative "generated for the benchmark";',
        "}",
    ]
    for k in range(inputs):
        if k % 5 == 4:
            lines.append(f'input r{k:02d} "Tỷ lệ {k}": percent;')
        else:
            lines.append(f'input n{k:02d} "Số {k}": integer 0..100 = 0;')
    lines.append(f'criteria "Tổng" max {count} {{')
    for g in range(count // per_group):
        lines.append(f'  group g{g:03d} "Nhóm {g}" max {per_group} {{')
        for item in range(g * per_group, (g + 1) * per_group):
            k = item % inputs
            if k % 5 == 4:
                rule = f"bands r{k:02d} {{ from 90%: 1; from 70%: 0.5; otherwise: 0; }}"
            elif item % 3 == 0:
                rule = f"min(n{k:02d}, 4) * 0.25"
            else:
                rule = f"bands n{k:02d} {{ from 80: 1; from 50: 0.5; otherwise: 0; }}"
            lines.append(f'    item i{item:04d} "Mục {item}" max 1 {{ points = {rule}; }}')
        lines.append("  }")
    lines.append("}")
    top, good = count * 9 // 10, count * 7 // 10
    lines.append("grades {")
    lines.append(f'  grade tot "Tốt" {{ band from {top}; }}')
    lines.append(f'  grade kha "Khá" {{ band from {good} below {top}; }}')
    lines.append(f'  grade dat "Đạt" {{ band below {good}; }}')
    lines.append("}")
    return "\n".join(lines) + "\n"


def time_large_load(count: int, repeats: int) -> tuple[float, float, int]:
    """Best seconds to load a generated scale of ``count`` criteria: the whole load and its compile stage.

    The compile stage is the part after parsing and checking (``partyrules.compiler.build``):
    writing the program, compiling it and the layout. Also returns the criteria compiled.
    """
    compiler = importlib.import_module("partyrules.compiler")
    parser = importlib.import_module("partyrules.parser")
    checker = importlib.import_module("partyrules.checker")
    text = large_criteria(count)
    partyrules.loads(large_criteria(10, inputs=5))  # the grammar is built once per process: not timed
    whole: list[float] = []
    compiling: list[float] = []
    criteria = 0
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        ruleset = partyrules.loads(text, "large.criteria")
        whole.append(time.perf_counter() - start)
        criteria = sum(1 for c in ruleset.criteria if c.kind == "item")
        source = parser.normalise(text)
        model = checker.check_tree(parser.parse(source, "large.criteria"), "large.criteria", source)
        gc.collect()
        start = time.perf_counter()
        compiler.build(model, source)
        compiling.append(time.perf_counter() - start)
    return min(whole), min(compiling), criteria


def stream_rows(base: Sequence[Facts], count: int) -> Iterator[Facts]:
    """``count`` rows made one at a time (each a new dict, as a reader would make it)."""
    for i in range(count):
        yield dict(base[i % len(base)])


def memory_peak(ruleset: partyrules.Ruleset, base: Sequence[Facts], count: int) -> int:
    """Peak bytes allocated (tracemalloc) while ``count`` streamed rows go through evaluate_many."""
    gc.collect()
    tracemalloc.start()
    try:
        checksum = Decimal(0)
        for evaluation in ruleset.evaluate_many(stream_rows(base, count)):
            checksum += evaluation.total  # type: ignore[union-attr]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def pickled_sizes(ruleset: partyrules.Ruleset, rows: Sequence[Facts]) -> tuple[int, int, int, float]:
    """Pickled bytes: the ruleset, one evaluation alone, its layout alone, and each further evaluation of a list."""
    evaluations = [ruleset.evaluate(facts) for facts in rows[:1001]]
    one = len(pickle.dumps(evaluations[0]))
    layout = len(pickle.dumps(ruleset.layout))
    each = (len(pickle.dumps(evaluations)) - len(pickle.dumps(evaluations[:1]))) / (len(evaluations) - 1)
    return len(pickle.dumps(ruleset)), one, layout, each


def unpickle_times(ruleset: partyrules.Ruleset, repeats: int) -> tuple[float, float]:
    """Best seconds to unpickle the ruleset in a process that has not seen it (the program linked from its
    text, what a worker pays once), against loading it again from its files (parse, link, check, compile:
    what unpickling cost while a pickle carried only the files), side by side, interleaved."""
    from partyrules import api, loader, runtime

    data = pickle.dumps(ruleset)
    files = dict(ruleset.sources)
    unpickle, rebuild = [], []
    for _ in range(repeats):
        runtime._RESTORED.clear()  # a worker meets the ruleset once: no cache hit
        start = time.perf_counter()
        pickle.loads(data)
        unpickle.append(time.perf_counter() - start)
        start = time.perf_counter()
        quiet = loader.Loader(environment=False, installed=False, builtin=False, files=files)
        api.loads(files[ruleset.filename], ruleset.filename, loader=quiet)
        rebuild.append(time.perf_counter() - start)
    return min(unpickle), min(rebuild)


# ---------------------------------------------------------------- report


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def format_table(header: Sequence[str], body: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest])

    return [line(header), "  ".join("-" * w for w in widths), *(line(row) for row in body)]


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--rows", type=positive, default=50_000, help="organisations to score, on each sheet (default 50000)"
    )
    parser.add_argument("--repeats", type=positive, default=5, help="timed passes per candidate (default 5)")
    parser.add_argument("--seed", type=int, default=2024, help="seed of the row perturbation (default 2024)")
    args = parser.parse_args(argv)
    rows_wanted: int = args.rows
    repeats: int = args.repeats

    started = time.perf_counter()
    score, score_fixed_point = load_handwritten()
    ruleset = partyrules.shipped(RULESET_ID)
    data = shipped_data_path(DATA_FILE)
    base, ids = read_base_rows(ruleset, data)
    rows, origin, refused = build_rows(ruleset, base, rows_wanted, args.seed)
    labels = [ids[index] if i < len(base) else f"{ids[index]}, perturbed" for i, index in enumerate(origin)]
    built = time.perf_counter()

    grades = check_agreement(ruleset, rows, labels, score, score_fixed_point)
    del labels, origin
    hand = sheets.load_module("handwritten_sheets")
    four_good = sheets.Sheet(
        "4 tốt", ruleset, rows, sheets.text_rows(rows), score, score_fixed_point, hand.four_good_parse
    )
    all_sheets = [four_good, *sheets.more_sheets(rows_wanted, args.seed)]
    hand_checked = sheets.load_module("handwritten_checked")
    checked_of = {s.name: getattr(hand_checked, CHECKED[s.name]) for s in all_sheets}
    for sheet in all_sheets:
        sheets.check_sheet(sheet)  # typed and text rows, partyrules and both hand-written scorers
        check_checked(sheet, checked_of[sheet.name])
    checked = time.perf_counter()

    candidates: list[tuple[str, Runner, Sequence[Any]]] = []
    for sheet in all_sheets:
        candidates += sheet_candidates(sheet, checked_of[sheet.name])
    times, cpu_times = time_candidates(candidates, repeats)
    # the pool forks: afterwards this process's pages are copy-on-write, and whichever candidate
    # ran next would pay a page fault per page of the rows it touches. Timed on its own, after.
    pool = [(f"4 tốt|evaluate_many, workers={WORKERS}", run_evaluate_many(ruleset, WORKERS), rows)]
    pool_times, pool_cpu = time_candidates(pool, repeats)
    candidates += pool
    times.update(pool_times)
    cpu_times.update(pool_cpu)
    timed = time.perf_counter()

    large_whole, large_compile, large_count = time_large_load(LARGE_CRITERIA, max(3, repeats // 2))
    peaks = [(count, memory_peak(ruleset, base, count)) for count in MEMORY_ROWS]
    sizes = pickled_sizes(ruleset, rows)
    unpickled, rebuilt = unpickle_times(ruleset, max(5, repeats))
    finished = time.perf_counter()

    count = len(rows)
    best = {name: min(values) for name, values in times.items()}
    best_cpu = {name: min(values) for name, values in cpu_times.items()}
    table = format_table(
        ["sheet", "rows", "candidate", "µs/org", "vs Decimal", "CPU µs/org", "CPU vs Decimal"],
        table_body(candidates, best, best_cpu, count),
    )

    print(f"partyrules {partyrules.__version__} benchmark: " + "; ".join(describe(s.ruleset) for s in all_sheets))
    print(f"python:   {platform.python_implementation()} {platform.python_version()} ({sys.executable})")
    print(f"platform: {platform.platform()}; cpu: {cpu_name()}; {os.cpu_count()} cores")
    print(
        f"rows:     {count:,} a sheet; 4 tốt: {min(count, len(base)):,} from {data.name} as shipped, the rest cycled and "
        f"perturbed with seed {args.seed} ({refused} perturbed draws refused by the ruleset and drawn again); "
        f"meeting and 366: seeded random organisations (seed {args.seed}); text rows: the same rows as a CSV file "
        "holds them"
    )
    print(
        "grades:   "
        + "; ".join(f"{s.name}: " + grade_counts(s) for s in all_sheets)
        + f" (4 tốt: {sum(grades.values()):,} checked)"
    )
    print(
        "checked:  all rows of every sheet agree: partyrules (typed and text rows) = hand-written Decimal "
        "(typed and parsed text) = hand-written integer / 100 = hand-written Decimal, checked (total, grade)"
    )
    print(
        f"timing:   best of {repeats} repeats; candidates in one process interleaved, order rotated per repeat; "
        f"gc.collect() before each; workers={WORKERS}: timed after them (forking disturbs the others), "
        f"a new process pool per pass (its start included), chunks of {WORKER_CHUNK:,} rows; "
        "vs Decimal: the hand-written Decimal scorer of the same sheet and the same kind of rows"
    )
    print(f"load:     {load_average()}")
    print()
    for line in table:
        print(line)
    print()
    print(
        "typed rows against a hand-written Decimal scorer that checks what partyrules checks (handwritten_checked.py):"
    )
    header = ["sheet", "candidate", "µs/org", "vs checked", "CPU µs/org", "CPU vs checked"]
    for line in format_table(header, checked_body([s.name for s in all_sheets], best, best_cpu, count)):
        print(line)
    print()
    print(
        f"large:    a generated scale of {large_count:,} criteria loads in {large_whole:.3f} s "
        f"(parse, check, compile); its compile stage takes {large_compile:.3f} s (best of {max(3, repeats // 2)})"
    )
    shown = ", ".join(f"{count:,} rows {peak / 1024:,.0f} KiB" for count, peak in peaks)
    print(f"memory:   tracemalloc peak while rows stream through evaluate_many: {shown}")
    whole, one, layout, each = sizes
    print(
        f"pickles:  ruleset {whole:,} bytes; one evaluation {one:,} bytes, of which its layout {layout:,} "
        f"(written once per pickle); each further evaluation in a list {each:,.0f} bytes"
    )
    print(
        f"unpickle: the ruleset in {unpickled * 1e3:.1f} ms (its program linked from the pickled text), against "
        f"{rebuilt * 1e3:.1f} ms to load it again from its files ({rebuilt / unpickled:.1f}x; best of {max(5, repeats)})"
    )
    print(
        f"time:     build {built - started:.1f} s, check {checked - built:.1f} s, timing {timed - checked:.1f} s, "
        f"large, memory and pickles {finished - timed:.1f} s, total {finished - started:.1f} s"
    )
    # the lowest over the sheets: evaluate_many against the hand-written Decimal scorer, typed rows
    names = [s.name for s in all_sheets]
    ratio = min(best[f"{n}|{DECIMAL_TYPED}"] / best[f"{n}|{MANY_TYPED}"] for n in names)
    ratio_cpu = min(best_cpu[f"{n}|{DECIMAL_TYPED}"] / best_cpu[f"{n}|{MANY_TYPED}"] for n in names)
    ratio_checked = min(best_cpu[f"{n}|{CHECKED_TYPED}"] / best_cpu[f"{n}|{MANY_TYPED}"] for n in names)
    print(f"ratio_cpu_vs_checked={ratio_checked:.2f}")
    print(f"ratio_cpu_vs_handwritten={ratio_cpu:.2f}")
    print(f"ratio_vs_handwritten={ratio:.2f}")
    return 0


def load_average() -> str:
    try:
        one, five, fifteen = (f"{value:.2f}" for value in os.getloadavg())
    except (AttributeError, OSError):
        return "unknown"
    return f"{one} {five} {fifteen} (1, 5, 15 min) on {os.cpu_count()} cores"


if __name__ == "__main__":
    sys.exit(main())
