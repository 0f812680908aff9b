"""``partyrules grade DATA --level NAME=RULES...``: a whole hierarchy graded bottom-up from one data file."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from partyrules.cli.common import (
    UsageError,
    add_format_option,
    add_lookup_options,
    add_reading_options,
    aligned,
    check_output,
    column_mapping,
    deliver,
    load_ruleset,
    output_format,
    plural,
    problem_text,
    progress,
    rules_files,
    warn,
)

if TYPE_CHECKING:
    from partyrules import data
    from partyrules.cli.common import Commands
    from partyrules.hierarchy import GradedRow, Hierarchy
    from partyrules.runtime import InputSpec, Ruleset


def add_parser(commands: Commands) -> None:
    grade = commands.add_parser(
        "grade",
        help="grade a whole hierarchy bottom-up: each level with its ruleset, parents counting their children",
        description="Grade every organisation of a tree in DATA (CSV, JSON lines, JSON or .xlsx), one row each with "
        "its id, its parent (empty at the top) and its level. Each level's ruleset is given top down with --level "
        "NAME=RULES; children are graded first, their level's quotas applied, then their parents, whose aggregate "
        "inputs (`from count of children ...`) are computed from them. Prints the grades per level; writes every "
        "row's level, grade, total, demotions and problems to --output. Rejected rows are reported on stderr as "
        "DATA:ROW (id): problem. See docs/batch.md (Hierarchies).",
    )
    grade.add_argument("data", metavar="DATA", help="data file: .csv (`,` `;` or tab), .jsonl, .json or .xlsx")
    grade.add_argument(
        "--level",
        dest="levels",
        action="append",
        required=True,
        metavar="NAME=RULES",
        help="a level and its ruleset (a .criteria file or a ruleset id), from the top of the tree down, "
        "e.g. --level grassroots=vn/grassroots-annual --level cell=vn/annual-collective (repeatable)",
    )
    grade.add_argument(
        "--by-depth",
        action="store_true",
        help="a row's level is its depth (a row without a parent is at the first --level), not its level column",
    )
    grade.add_argument(
        "--id-column", metavar="NAME", help="column holding the row ids (default: a column `id` or the first *_id)"
    )
    grade.add_argument(
        "--parent-column",
        metavar="NAME",
        default="parent",
        help="column holding each row's parent id (default: parent)",
    )
    grade.add_argument(
        "--level-column", metavar="NAME", default="level", help="column holding each row's level name (default: level)"
    )
    grade.add_argument(
        "-o", "--output", metavar="FILE", help="write every row's result to FILE (.csv, .jsonl or .xlsx)"
    )
    add_format_option(grade)
    add_reading_options(grade, "how numbers written as text are read: plain (1234.5, the default) or vi (1.234,5)")
    add_lookup_options(grade, cache=True)
    grade.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from partyrules import data
    from partyrules.hierarchy import Hierarchy

    kind = output_format(args)
    if args.output is not None:
        check_output(args.output, (args.data, "the data file"))
        if kind == "xlsx":
            data.openpyxl_module()  # a missing extra is said before the grading, not after
    levels = _levels(args)
    if args.output is not None:  # nor over the rules of a level
        check_output(args.output, *(f for _, ruleset in levels for f in rules_files(ruleset)))
    Hierarchy(levels)  # levels that do not fit together are said before the data is read
    table, id_column = _read(args, levels)
    for warning in table.warnings:
        warn(warning)
    hierarchy = Hierarchy(
        levels,
        by_depth=args.by_depth,
        id_key=id_column,
        parent_key=args.parent_column,
        level_key=args.level_column,
    )
    results = _grade(args, hierarchy, table, id_column)
    rejected = [g for g in results if g.problems]
    kept = tuple(c for c in table.kept if c not in (args.parent_column, args.level_column))
    counts = [f"rows graded: {len(results) - len(rejected)}", f"rows rejected: {len(rejected)}"]
    deliver(
        args,
        kind,
        _summary(hierarchy, results),
        counts,
        rows=len(results),
        to_file=lambda path, kind: data.write_graded(path, kind, results, table, kept),
        to_stdout=lambda kind: (
            data.format_graded_csv(sys.stdout, results, table, kept)
            if kind == "csv"
            else data.format_graded_jsonl(sys.stdout, results, table, kept)
        ),
    )
    return 1 if rejected else 0


def _levels(args: argparse.Namespace) -> list[tuple[str, Ruleset]]:
    """Each ``--level NAME=RULES``, top down, with its ruleset loaded."""
    levels: list[tuple[str, Ruleset]] = []
    for text in args.levels:
        name, sep, rules = text.partition("=")
        if not sep or not name.strip() or not rules.strip():
            raise UsageError(f"--level {text!r}: write it as NAME=RULES, e.g. --level cell=vn/annual-collective")
        levels.append((name.strip(), load_ruleset(rules.strip(), args)))
    return levels


def _inputs(levels: Sequence[tuple[str, Ruleset]]) -> list[InputSpec]:
    """Every level's inputs, read as score reads them; an input that is required somewhere is required,
    unless it is an aggregate (computed from the children: it needs no column)."""
    import attrs

    from partyrules.hierarchy import aggregates_of

    specs: dict[str, InputSpec] = {}
    required: set[str] = set()
    ids = {ruleset.id for _, ruleset in levels}
    for _, ruleset in levels:
        # over the children, and over periods graded at another level (a year's quarters)
        overs = [None, *(d.name for d in ruleset.periods if d.source.ruleset_id in ids)]
        computed = {spec.name for over in overs for spec, _ in aggregates_of(ruleset, over)}
        for spec in ruleset.inputs:
            specs.setdefault(spec.name, attrs.evolve(spec, required=False))
            if spec.required and spec.name not in computed:
                required.add(spec.name)
    return [attrs.evolve(spec, required=spec.name in required) for spec in specs.values()]


def _read(args: argparse.Namespace, levels: Sequence[tuple[str, Ruleset]]) -> tuple[data.Table, str]:
    """The data file, which has the id, parent and level columns the tree needs; and its id column."""
    from partyrules import data
    from partyrules.diagnostics import did_you_mean

    mapping = column_mapping(args)
    table = data.read(
        args.data, _inputs(levels), id_column=args.id_column, columns=mapping, numbers=args.numbers, sheet=args.sheet
    )
    if table.id_column is None:
        raise UsageError(
            f"{args.data}: no column holds the ids (a column `id` or ending in `_id`); name it with --id-column"
        )
    wanted = [("--parent-column", args.parent_column)]
    if not args.by_depth:
        wanted.append(("--level-column", args.level_column))
    for option, column in wanted:
        if column not in table.columns:
            hint = did_you_mean(column, list(table.columns))
            raise UsageError(
                f"{args.data}: there is no column `{column}` ({option}); the columns are: {', '.join(table.columns)}"
                + (f"; {hint}" if hint else "")
            )
    return table, table.id_column


def _grade(args: argparse.Namespace, hierarchy: Hierarchy, table: data.Table, id_column: str) -> Sequence[GradedRow]:
    """Every row graded (the rows read wrongly refused, with their problems); rejected rows said on stderr."""
    from partyrules import data

    numbers = [row.number for row in table.rows]
    refused: dict[int, list[str]] = {}
    unplaced: list[str] = []
    for position, row in enumerate(table.rows):
        if row.problems:  # read, but not as the file meant it: never graded
            refused[position] = [problem_text(p, table.sources) for p in row.problems]
        if isinstance(row, data.BadRow):
            unplaced.append(str(row.number))

    def rows() -> Iterator[dict[str, Any]]:
        for row in table.rows:
            if isinstance(row, data.BadRow):  # not read at all: its id at most
                yield {} if row.id is None else {id_column: row.id}
            else:
                yield {**row.columns, **row.facts, id_column: row.id}

    with progress(len(table.rows), enabled=not args.no_progress) as advance:
        results = hierarchy.grade(rows(), numbers=numbers, refused=refused, advance=advance)
    for g in results:
        where = f"{table.path}:{g.number}" + (f" ({g.id})" if g.id is not None and g.id != str(g.number) else "")
        for problem in g.problems:
            print(f"{where}: {problem}", file=sys.stderr)
    if unplaced:
        warn(
            f"{table.path}: {plural(len(unplaced), 'row')} could not be read (row {', '.join(unplaced[:5])}"
            f"{' ...' if len(unplaced) > 5 else ''}): their parents are not known, and a parent counting its "
            "children may have been graded without them"
        )
    return results


def _summary(hierarchy: Hierarchy, results: Sequence[GradedRow]) -> str:
    """One line per level, top down: its grades counted, the rows rejected, the total; then each quota's demotions."""
    from partyrules.report import EMPTY, NOT_GRADED, TOTAL  # the words of score's summary

    grades: dict[str, str] = {}  # id: label, in the order the levels list them
    for ruleset in hierarchy.rulesets:
        for spec in ruleset.grades:
            grades.setdefault(spec.id, spec.label)
    counts: dict[str | None, dict[str | None, int]] = {name: {} for name in hierarchy.names}
    moved: dict[tuple[str | None, str], int] = {}
    for g in results:
        level = counts.setdefault(g.level, {})
        key = g.evaluation.grade if g.evaluation is not None else "rejected"
        level[key] = level.get(key, 0) + 1
        for d in g.demotions:
            moved[(g.level, d.quota)] = moved.get((g.level, d.quota), 0) + 1
    not_graded = any(None in c for c in counts.values())
    header = ["level", *grades.values(), *([NOT_GRADED] if not_graded else []), "rejected", TOTAL]
    table = [header]
    for name, c in counts.items():
        cells = [str(c.get(g, 0)) for g in grades] + ([str(c.get(None, 0))] if not_graded else [])
        table.append([name or EMPTY, *cells, str(c.get("rejected", 0)), str(sum(c.values()))])
    lines = []
    for name, ruleset in zip(hierarchy.names, hierarchy.rulesets):
        for rule in ruleset.quotas:
            n = moved.get((name, rule.name), 0)
            lines.append(f"quota {rule.name} ({name}): {plural(n, 'demotion')} ({rule.grade} → {rule.demote_to})")
    return aligned(table) + "".join(line + "\n" for line in lines)
