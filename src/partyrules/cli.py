"""The ``partyrules`` command: check criteria files, score data files, explain one organisation.

    partyrules check FILE...                 diagnostics, exit 1 if any error
    partyrules score RULES DATA [-o OUT]     grade every row, summary table, results file
    partyrules explain RULES FACTS           one organisation's score sheet, in Vietnamese
    partyrules schema RULES [--part P]       JSON Schema of the facts (or evaluations)
    partyrules render RULES [--to md|html]   printable score sheet (phiếu chấm điểm)
    partyrules diff OLD NEW [--data FILE]    what a change of rules changes, and for whom
    partyrules fmt FILE... [--check|--diff]  rewrite criteria files in the canonical layout
    partyrules test RULES... [--coverage]    run the files' examples and properties
    partyrules grade DATA --level N=RULES... grade a hierarchy bottom-up, per level, to a results file

RULES is a ``.criteria`` file or a ruleset id (``vn.hatinh/chi-bo-4-tot``),
looked up in ``--path`` folders, ``PARTYRULES_PATH``, installed criteria
packages and the shipped criteria; ``--on DATE`` picks the version in force
that day. Exit status: 0 when all is well; 1 when a criteria file has
errors (check, fmt), some rows were rejected (score, explain, grade), an
example or property failed (test) or a file is not formatted (fmt --check);
2 when the command could not run (bad arguments, unreadable or unusable files).
Output is plain UTF-8 text, the same bytes for the same input.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import difflib
import io
import json
import os
import sys
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import attrs

import partyrules
from partyrules import data
from partyrules.api import read_source
from partyrules.diagnostics import CriteriaError, Diagnostic, PartyrulesError, Source, did_you_mean, render
from partyrules.loader import Loader
from partyrules.parser import normalise
from partyrules.quota import Placement
from partyrules.runtime import FactProblem, FactsError, Ruleset

PROG = "partyrules"
NOT_GRADED = "Không xếp loại"
TOTAL = "Tổng"
EMPTY = "(trống)"
#: the results column that says which quota moved an organisation's grade, and why
QUOTA_COLUMN = "quota_demotion"


class UsageError(Exception):
    """An argument or file the command cannot use: a message, exit status 2."""


# ---------------------------------------------------------------- entry point


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (never raises for a user's mistake)."""
    _utf8(sys.stdout)
    _utf8(sys.stderr)
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error argparse has already printed
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        status: int = args.run(args)
        sys.stdout.flush()
        return status
    except BrokenPipeError:  # e.g. `partyrules score ... | head`
        _silence_stdout()
        return 1
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except UsageError as exc:
        _error(str(exc))
        return 2
    except FactsError as exc:
        _error(str(exc))
        return 1
    except CriteriaError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except PartyrulesError as exc:
        _error(str(exc))
        return 2
    except UnicodeDecodeError as exc:
        _error(f"not UTF-8 text: {exc}")
        return 2
    except OSError as exc:
        _error(_os_message(exc))
        return 2
    except ValueError as exc:
        _error(str(exc))
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Check criteria files, score organisations' data against them, and explain the scores.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {partyrules.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    check = commands.add_parser("check", help="check criteria files and print every problem")
    check.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="a .criteria file, a ruleset id, or a folder of criteria (every file in it, and the versions of each id)",
    )
    check.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or a JSON list")
    check.set_defaults(run=run_check)

    score = commands.add_parser(
        "score",
        help="score every row of a data file",
        description="Score every organisation in DATA (CSV, JSON lines, JSON or an Excel .xlsx workbook). Prints a "
        "summary of the grades; writes every organisation's result to --output and a batch report to --report. "
        "Rejected rows are reported on stderr as DATA:ROW (id): input: message, where ROW is the line number "
        "(the first data row of a CSV is 2; in a workbook, the row number Excel shows). See docs/data-formats.md.",
    )
    score.add_argument("rules", metavar="RULES", help="a .criteria file or a shipped ruleset id")
    score.add_argument("data", metavar="DATA", help="data file: .csv (`,` `;` or tab), .jsonl, .json or .xlsx")
    score.add_argument("-o", "--output", metavar="FILE", help="write every result to FILE (.csv, .jsonl or .xlsx)")
    score.add_argument(
        "--format",
        choices=("table", "csv", "jsonl", "xlsx"),
        default=None,
        help="format of --output (default: from its extension); without --output, csv or jsonl print "
        "the results on stdout and the summary on stderr",
    )
    score.add_argument("--summary", metavar="COLUMN", help="count grades per value of COLUMN (e.g. district)")
    score.add_argument(
        "--report",
        metavar="FILE",
        help="write a batch report to FILE (.html): grade counts (per --summary COLUMN), a histogram of totals, "
        "every organisation's breakdown and the rejected rows",
    )
    score.add_argument(
        "--id-column", metavar="NAME", help="column holding the row ids (default: the first *_id column)"
    )
    score.add_argument(
        "--columns",
        metavar="MAP.json",
        help='rename the file\'s columns to input names: a JSON object {"column in the file": "input", ...}',
    )
    score.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="COLUMN=INPUT",
        help='rename one column, e.g. --column "Tỷ lệ dự họp=attendance_rate" (repeatable; wins over --columns)',
    )
    score.add_argument(
        "--numbers",
        choices=data.NUMBER_STYLES,
        default="plain",
        help="how numbers written as text are read: plain (1234.5, the default) or vi (1.234,5); "
        "a number not written that way rejects its row",
    )
    score.add_argument("--sheet", metavar="NAME", help="the worksheet of an .xlsx workbook to read")
    score.add_argument(
        "--no-progress", action="store_true", help="no progress bar (it shows only when stderr is a terminal)"
    )
    score.set_defaults(run=run_score)

    explain = commands.add_parser(
        "explain",
        help="explain one organisation's score",
        description="Print one organisation's score sheet. FACTS is a JSON file with one object of facts, "
        "or a data file with --row N (the row number score reports) or --id ID.",
    )
    explain.add_argument("rules", metavar="RULES", help="a .criteria file or a shipped ruleset id")
    explain.add_argument("facts", metavar="FACTS", help="JSON facts, or a data file with --row / --id")
    which = explain.add_mutually_exclusive_group()
    which.add_argument("--row", type=int, metavar="N", help="the row numbered N (a CSV's first data row is 2)")
    which.add_argument("--id", metavar="ID", help="the row whose id is ID")
    explain.add_argument(
        "--id-column", metavar="NAME", help="column holding the row ids (default: the first *_id column)"
    )
    explain.add_argument(
        "--what-it-takes",
        action="store_true",
        help="also print the smallest change of one input that reaches the next better grade",
    )
    explain.set_defaults(run=run_explain)

    schema = commands.add_parser(
        "schema",
        help="print a JSON Schema for a ruleset's facts or evaluations",
        description="Print a JSON Schema (draft 2020-12) for the facts RULES takes (--part inputs, the default) "
        "or for the JSON data of its evaluations (--part evaluation).",
    )
    schema.add_argument("rules", metavar="RULES", help="a .criteria file or a shipped ruleset id")
    schema.add_argument(
        "--part", choices=("inputs", "evaluation"), default="inputs", help="inputs (default) or evaluation"
    )
    schema.set_defaults(run=run_schema)

    sheet = commands.add_parser(
        "render",
        help="print a blank score sheet (phiếu chấm điểm) for RULES",
        description="Lay RULES out as a printable score sheet: Markdown, or a self-contained HTML page for A4 paper; "
        "or, with --to xlsx, as an Excel fill-in workbook (one row per organisation, one column per input, "
        "with data validation) that `partyrules score RULES FILLED.xlsx` reads back. "
        "Prints it on stdout, or writes it to --output (all at once: the file is replaced only when complete).",
    )
    sheet.add_argument("rules", metavar="RULES", help="a .criteria file or a shipped ruleset id")
    sheet.add_argument(
        "--to",
        choices=("md", "html", "xlsx"),
        default="md",
        help="md (Markdown, the default), html, or xlsx (a fill-in workbook; needs --output)",
    )
    sheet.add_argument("-o", "--output", metavar="FILE", help="write the sheet to FILE instead of stdout")
    sheet.set_defaults(run=run_render)

    test = commands.add_parser(
        "test",
        help="run the examples and test the properties written in criteria files",
        description="Run every example of each RULES file and test its properties with generated organisations "
        "(hypothesis; the same organisations on every run unless --thorough or --seed). A broken property is "
        "reported with the smallest counterexample found and its score sheet. Exit 1 when anything fails.",
    )
    test.add_argument("rules", nargs="+", metavar="RULES", help="a .criteria file or a shipped ruleset id")
    test.add_argument("--coverage", action="store_true", help="report the rules no example reaches")
    test.add_argument("--mutate", action="store_true", help="report small changes to the rules that no test notices")
    test.add_argument(
        "--thorough", action="store_true", help="try many more organisations per property, from a random seed"
    )
    test.add_argument("--seed", type=int, metavar="N", help="search from seed N (repeats a --thorough run)")
    test.add_argument(
        "--examples-only", action="store_true", help="run the examples but not the properties (quick, while editing)"
    )
    test.set_defaults(run=run_test)

    diff = commands.add_parser(
        "diff",
        help="what a change of rules changes: criteria, points, bands, conditions; and whose grade",
        description="Compare two rulesets (files or ids; the same id twice with --old-on/--on compares two versions). "
        "With --data, score every row under both and list the organisations whose grade changes.",
    )
    diff.add_argument("old", metavar="OLD", help="the rules before (a .criteria file or a ruleset id)")
    diff.add_argument("new", metavar="NEW", help="the rules after")
    diff.add_argument("--old-on", type=_date, metavar="DATE", help="the version of OLD in force on DATE")
    diff.add_argument("--data", metavar="FILE", help="a data file (CSV, JSON lines, JSON, .xlsx) to score under both")
    diff.add_argument("--id-column", metavar="COLUMN", help="the column holding each organisation's id")
    diff.set_defaults(run=run_diff)

    fmt = commands.add_parser(
        "fmt",
        help="rewrite criteria files in the canonical layout (comments and meaning kept)",
        description="Rewrite each criteria file in the one canonical layout, in place; a file already "
        "formatted is left untouched. A folder means every .criteria file in it; `-` reads standard input "
        "and writes standard output. Exit 1 when a file does not parse (it is left as it was) or, with "
        "--check, when a file would change.",
    )
    fmt.add_argument("files", nargs="+", metavar="FILE", help="a .criteria file, a folder of them, or - for stdin")
    fmt.add_argument("--check", action="store_true", help="write nothing; list the files that would change")
    fmt.add_argument("--diff", action="store_true", help="write nothing; print what would change as a unified diff")
    fmt.set_defaults(run=run_fmt)

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
    grade.add_argument(
        "--format",
        choices=("table", "csv", "jsonl", "xlsx"),
        default=None,
        help="format of --output (default: from its extension); without --output, csv or jsonl print "
        "the results on stdout and the summary on stderr",
    )
    grade.add_argument(
        "--columns",
        metavar="MAP.json",
        help='rename the file\'s columns to input names: a JSON object {"column in the file": "input", ...}',
    )
    grade.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="COLUMN=INPUT",
        help='rename one column, e.g. --column "Tỷ lệ dự họp=attendance_rate" (repeatable; wins over --columns)',
    )
    grade.add_argument(
        "--numbers",
        choices=data.NUMBER_STYLES,
        default="plain",
        help="how numbers written as text are read: plain (1234.5, the default) or vi (1.234,5)",
    )
    grade.add_argument("--sheet", metavar="NAME", help="the worksheet of an .xlsx workbook to read")
    grade.add_argument(
        "--no-progress", action="store_true", help="no progress bar (it shows only when stderr is a terminal)"
    )
    grade.add_argument(
        "--on", type=_date, metavar="DATE", help="use the version of each ruleset in force on DATE (YYYY-MM-DD)"
    )
    grade.add_argument(
        "--path",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder of criteria files to look ids up in, before the installed and shipped ones (repeatable)",
    )
    grade.set_defaults(run=run_grade)

    for name, sub in commands.choices.items():
        if name in ("check", "score", "explain", "schema", "render", "test", "diff"):
            sub.add_argument(
                "--on", type=_date, metavar="DATE", help="use the version of each ruleset in force on DATE (YYYY-MM-DD)"
            )
            sub.add_argument(
                "--path",
                action="append",
                default=[],
                metavar="DIR",
                help="a folder of criteria files to look ids up in, before the installed and shipped ones (repeatable)",
            )
    return parser


def _date(text: str) -> datetime.date:
    try:
        if len(text) != 10:
            raise ValueError
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD") from None


# ---------------------------------------------------------------- check


def run_check(args: argparse.Namespace) -> int:
    everything: list[Diagnostic] = []
    failed = False
    blocks: list[str] = []
    for name, diagnostics in _checked(args):
        everything += diagnostics
        errors = sum(1 for d in diagnostics if d.severity == "error")
        warnings = len(diagnostics) - errors
        failed = failed or errors > 0
        if args.format == "text":
            blocks.extend(render(d, _source(d.file)) + "\n\n" for d in diagnostics)
            counts = [_plural(errors, "error")] if errors else ["ok"]
            if warnings:
                counts.append(_plural(warnings, "warning"))
            blocks.append(f"{name}: {', '.join(counts)}\n")
    if args.format == "json":
        print(json.dumps([_diagnostic_data(d) for d in everything], ensure_ascii=False, indent=2))
    else:
        sys.stdout.write("".join(blocks))
    return 1 if failed else 0


def _checked(args: argparse.Namespace) -> Iterator[tuple[str, list[Diagnostic]]]:
    """Each file's diagnostics; a folder is every file under it, plus each id's versions together
    (overlapping effective ranges are a problem of no single file)."""
    for name in args.files:
        if not os.path.isdir(name):
            yield name, partyrules.check(_rules_path(name, must_exist=False, args=args), path=args.path)
            continue
        for path in sorted(Path(name).rglob("*.criteria")):
            yield str(path), partyrules.check(path, path=args.path)
        loader = Loader([name], environment=False, installed=False, builtin=False)
        for ruleset_id in loader.known_ids():
            try:
                loader.versions(ruleset_id)
            except CriteriaError as exc:
                yield f"{name} ({ruleset_id}, its versions)", list(exc.diagnostics)


def _diagnostic_data(d: Diagnostic) -> dict[str, Any]:
    return {
        "file": d.file,
        "line": d.span.line,
        "column": d.span.column,
        "end_line": d.span.end_line,
        "end_column": d.span.end_column,
        "code": d.code,
        "severity": d.severity,
        "message": d.message,
        "hint": d.hint,
    }


def _source(path: str) -> Source | None:
    try:
        return Source(path, normalise(read_source(path)))
    except CriteriaError:
        return None


# ---------------------------------------------------------------- score


def run_score(args: argparse.Namespace) -> int:
    output_format = _output_format(args)
    if args.output is not None:
        _check_output(args.output, args.data)
        if output_format == "xlsx":
            data.openpyxl_module()  # a missing extra is said before the scoring, not after
    if args.report is not None:
        _check_output(args.report, args.data)
        if args.output is not None and _same_path(args.report, args.output):
            raise UsageError(f"{args.report}: --report and --output name the same file")
    mapping = data.read_column_map(args.columns) if args.columns is not None else {}
    mapping.update(data.parse_column(c) for c in args.column)
    ruleset = _ruleset(args.rules, args)
    table = data.read(
        args.data, ruleset.inputs, id_column=args.id_column, columns=mapping, numbers=args.numbers, sheet=args.sheet
    )
    if args.summary is not None:
        _check_summary_column(args.summary, ruleset, table)
    for warning in table.warnings:
        _warn(warning)
    made_for = _made_for_warning(table, ruleset)
    if made_for:
        _warn(made_for)

    results: list[data.Scored] = []
    rejected: list[data.BadRow] = []
    with _progress(len(table.rows), enabled=not args.no_progress) as advance:
        for outcome in data.score(ruleset, table.rows):
            if isinstance(outcome, data.BadRow):
                rejected.append(outcome)
            else:
                results.append(outcome)
            advance()
    for bad in rejected:
        _report_bad_row(table, bad)
    kept: tuple[str, ...] = table.kept
    placements: tuple[Placement, ...] = ()
    if ruleset.quotas:  # rules across organisations: over the whole batch, once every row is scored
        results, kept, placements = _apply_quotas(ruleset, table, results)

    summary = _summary(ruleset, table, results, args.summary) + _quota_summary(ruleset, table, placements)
    counts = [
        f"rows scored: {len(results)} (not graded: {sum(1 for r in results if r.evaluation.grade is None)})",
        f"rows rejected: {len(rejected)}",
    ]
    if args.report is not None:
        from partyrules.report import render_report

        page = render_report(ruleset, table, results, rejected, args.summary, placements=placements)
        data.write_atomic(args.report, lambda stream: stream.write(page))
        counts.append(f"report: {args.report}")
    if args.output is not None:
        assert output_format is not None
        data.write_results(args.output, output_format, ruleset, kept, results)
        counts.append(f"results: {args.output} ({output_format}, {_plural(len(results), 'row')})")
        sys.stdout.write(summary + "\n".join(counts) + "\n")
    elif output_format is not None:  # results on stdout, summary on stderr
        if output_format == "csv":
            data.format_csv(sys.stdout, ruleset, kept, results)
        else:
            data.format_jsonl(sys.stdout, results)
        sys.stdout.flush()
        sys.stderr.write(summary + "\n".join(counts) + "\n")
    else:
        sys.stdout.write(summary + "\n".join(counts) + "\n")
    return 1 if rejected else 0


def _apply_quotas(
    ruleset: Ruleset, table: data.Table, results: list[data.Scored]
) -> tuple[list[data.Scored], tuple[str, ...], tuple[Placement, ...]]:
    """Results with their final grades, a results column saying every demotion, and the placements."""
    column = QUOTA_COLUMN
    while column in table.columns:
        column += "_"
    from partyrules import quota

    # a quota grouped by a column the data lacks is not applied; the summary and the report say so
    rules = [r for r in ruleset.quotas if r.within != "column" or r.group in table.columns]
    placements = quota.apply(rules, [(r.id, r.evaluation, r.columns) for r in results])
    out = []
    for result, placed in zip(results, placements):
        text = "; ".join(
            f"{d.quota}: {d.from_grade} → {d.to_grade} (thứ {d.rank}/{d.candidates}, được giữ {d.allowed})"
            for d in placed.demotions
        )
        out.append(attrs.evolve(result, evaluation=placed.evaluation, columns={**result.columns, column: text}))
    return out, (*table.kept, column), placements


def _quota_summary(ruleset: Ruleset, table: data.Table, placements: Sequence[Placement]) -> str:
    lines = []
    for rule in ruleset.quotas:
        if rule.within == "column" and rule.group not in table.columns:
            lines.append(f"quota {rule.name}: not applied (the data has no column `{rule.group}` to group by)")
            continue
        moved = [d for p in placements for d in p.demotions if d.quota == rule.name]
        lines.append(f"quota {rule.name}: {_plural(len(moved), 'demotion')} ({rule.grade} → {rule.demote_to})")
    return "\n".join(lines) + "\n" if lines else ""


def _same_path(a: str, b: str) -> bool:
    return os.path.abspath(a) == os.path.abspath(b)


def _made_for_warning(table: data.Table, ruleset: Ruleset) -> str | None:
    """A fill-in workbook made for another ruleset (or another version of it) is worth a word."""
    if table.made_for is None:
        return None
    made_id, _, rest = table.made_for.partition("|")
    version, _, fingerprint = rest.partition("|")
    if fingerprint == ruleset.fingerprint:
        return None
    if made_id != ruleset.id:
        return f"{table.path}: this workbook was made for the ruleset `{made_id}`, not `{ruleset.id}`"
    return (
        f"{table.path}: this workbook was made for version {version} of `{made_id}` "
        f"(fingerprint {fingerprint[:16]}), not for the rules scoring it (version {ruleset.version}, "
        f"fingerprint {ruleset.fingerprint[:16]})"
    )


@contextlib.contextmanager
def _progress(total: int, *, enabled: bool) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr while rows are scored: only on a terminal, and only when rich is installed."""
    if not enabled or total == 0 or not _is_terminal(sys.stderr):
        yield _nothing
        return
    try:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    except ImportError:  # the `progress` extra is not installed: score without a bar
        yield _nothing
        return
    console = Console(file=sys.stderr, force_terminal=True)
    columns = (TextColumn("scoring"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("scoring", total=total)
        # one refresh call per row would cost more than scoring it: advance in steps
        step = max(1, total // 200)
        done = 0

        def advance() -> None:
            nonlocal done
            done += 1
            if done % step == 0 or done == total:
                bar.update(task, completed=done)

        yield advance


def _nothing() -> None:
    pass


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except (ValueError, OSError):  # a closed stream
        return False


def _output_format(args: argparse.Namespace) -> str | None:
    """csv or jsonl for the results, or None for the summary alone."""
    if args.format == "xlsx" and args.output is None:
        raise UsageError("--format xlsx: a workbook is written to a file; give --output FILE.xlsx")
    if args.format in data.OUTPUT_FORMATS:
        return str(args.format)
    if args.output is None:
        return None
    kind = data.SUFFIXES.get(Path(args.output).suffix.lower())
    if kind not in data.OUTPUT_FORMATS:
        raise UsageError(
            f"{args.output}: cannot tell the output format from the name; use .csv, .jsonl or .xlsx, or --format"
        )
    return kind


def _check_output(output: str, source: str) -> None:
    target = Path(output)
    if target.is_dir():
        raise UsageError(f"{output}: is a folder; give a file name for the results")
    parent = target.parent
    if not parent.is_dir():
        raise UsageError(f"{output}: the folder {parent} does not exist")
    try:
        same = target.exists() and os.path.samefile(target, source)
    except OSError:
        same = False
    if same:
        raise UsageError(f"{output}: this is the data file; write the results to another file")


def _check_summary_column(column: str, ruleset: Ruleset, table: data.Table) -> None:
    known = [i.name for i in ruleset.inputs] + list(table.columns)
    if column not in known:
        hint = did_you_mean(column, known)
        raise UsageError(f"--summary {column}: no input or column of that name" + (f"; {hint}" if hint else ""))


def _report_bad_row(table: data.Table, bad: data.BadRow) -> None:
    where = f"{table.path}:{bad.number}"
    if bad.id is not None and bad.id != str(bad.number):
        where += f" ({bad.id})"
    for problem in bad.problems:
        print(f"{where}: {_problem_text(problem, table.sources)}", file=sys.stderr)


def _problem_text(problem: FactProblem, sources: Mapping[str, str] | None = None) -> str:
    if not problem.input:
        return problem.message
    source = (sources or {}).get(problem.input)
    name = f"{problem.input} (column `{source}`)" if source else problem.input
    return f"{name}: {problem.message}"


def _summary(ruleset: Ruleset, table: data.Table, results: Sequence[data.Scored], column: str | None) -> str:
    """Grade counts per value of ``column`` (or overall), as an aligned plain-text table."""
    from partyrules.report import count_rows, grade_counts

    return _layout(count_rows(grade_counts(ruleset, table, results, column)))


def _width(text: str) -> int:
    """Columns a terminal gives the text: combining marks take none, wide characters two."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _layout(rows: list[list[str]]) -> str:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    rule = ["-" * w for w in widths]
    lines = []
    for row in [rows[0], rule, *rows[1:]]:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - _width(cell))
            cells.append(cell + pad if i == 0 else pad + cell)
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- grade

#: the results columns of `grade` after the id, the parent, the level and the kept columns
GRADE_COLUMNS = ("total", "grade", "grade_label", "not_graded", QUOTA_COLUMN, "problems")


def run_grade(args: argparse.Namespace) -> int:
    from partyrules.hierarchy import Hierarchy, aggregates_of

    output_format = _output_format(args)
    if args.output is not None:
        _check_output(args.output, args.data)
        if output_format == "xlsx":
            data.openpyxl_module()  # a missing extra is said before the grading, not after
    levels: list[tuple[str, Ruleset]] = []
    for text in args.levels:
        name, sep, rules = text.partition("=")
        if not sep or not name.strip() or not rules.strip():
            raise UsageError(f"--level {text!r}: write it as NAME=RULES, e.g. --level cell=vn/annual-collective")
        levels.append((name.strip(), _ruleset(rules.strip(), args)))
    Hierarchy(levels)  # levels that do not fit together are said before the data is read
    mapping = data.read_column_map(args.columns) if args.columns is not None else {}
    mapping.update(data.parse_column(c) for c in args.column)

    # every level's inputs, read as score reads them; an aggregate need not have a column
    specs: dict[str, Any] = {}
    required: set[str] = set()
    for _, ruleset in levels:
        computed = {spec.name for spec, _ in aggregates_of(ruleset)}
        for spec in ruleset.inputs:
            specs.setdefault(spec.name, attrs.evolve(spec, required=False))
            if spec.required and spec.name not in computed:
                required.add(spec.name)
    inputs = [attrs.evolve(spec, required=spec.name in required) for spec in specs.values()]
    table = data.read(
        args.data, inputs, id_column=args.id_column, columns=mapping, numbers=args.numbers, sheet=args.sheet
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
    for warning in table.warnings:
        _warn(warning)
    hierarchy = Hierarchy(
        levels,
        by_depth=args.by_depth,
        id_key=table.id_column,
        parent_key=args.parent_column,
        level_key=args.level_column,
    )

    numbers = [row.number for row in table.rows]
    refused: dict[int, list[str]] = {}
    unplaced: list[str] = []
    for position, row in enumerate(table.rows):
        if row.problems:  # read, but not as the file meant it: never graded
            refused[position] = [_problem_text(p, table.sources) for p in row.problems]
        if isinstance(row, data.BadRow):
            unplaced.append(str(row.number))

    id_column = table.id_column

    def rows() -> Iterator[dict[str, Any]]:
        for row in table.rows:
            if isinstance(row, data.BadRow):  # not read at all: its id at most
                yield {} if row.id is None else {id_column: row.id}
            else:
                yield {**row.columns, **row.facts, id_column: row.id}

    with _progress(len(table.rows), enabled=not args.no_progress) as advance:
        results = hierarchy.grade(rows(), numbers=numbers, refused=refused, advance=advance)
    rejected = [g for g in results if g.problems]
    for g in rejected:
        where = f"{table.path}:{g.number}" + (f" ({g.id})" if g.id is not None and g.id != str(g.number) else "")
        for problem in g.problems:
            print(f"{where}: {problem}", file=sys.stderr)
    if unplaced:
        _warn(
            f"{table.path}: {_plural(len(unplaced), 'row')} could not be read (row {', '.join(unplaced[:5])}"
            f"{' ...' if len(unplaced) > 5 else ''}): their parents are not known, and a parent counting its "
            "children may have been graded without them"
        )

    kept = tuple(c for c in table.kept if c not in (args.parent_column, args.level_column))
    summary = _grade_summary(hierarchy, results)
    counts = [f"rows graded: {len(results) - len(rejected)}", f"rows rejected: {len(rejected)}"]
    if args.output is not None:
        assert output_format is not None
        _write_graded(args.output, output_format, results, table, kept)
        counts.append(f"results: {args.output} ({output_format}, {_plural(len(results), 'row')})")
        sys.stdout.write(summary + "\n".join(counts) + "\n")
    elif output_format is not None:  # results on stdout, summary on stderr
        if output_format == "csv":
            _graded_csv(sys.stdout, results, table, kept)
        else:
            _graded_jsonl(sys.stdout, results, table, kept)
        sys.stdout.flush()
        sys.stderr.write(summary + "\n".join(counts) + "\n")
    else:
        sys.stdout.write(summary + "\n".join(counts) + "\n")
    return 1 if rejected else 0


def _grade_summary(hierarchy: Any, results: Sequence[Any]) -> str:
    """One line per level, top down: its grades counted, the rows rejected, the total; then each quota's demotions."""
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
            lines.append(f"quota {rule.name} ({name}): {_plural(n, 'demotion')} ({rule.grade} → {rule.demote_to})")
    return _layout(table) + "".join(line + "\n" for line in lines)


def _demotions_text(demotions: Sequence[Any]) -> str:
    return "; ".join(
        f"{d.quota}: {d.from_grade} → {d.to_grade} (thứ {d.rank}/{d.candidates}, được giữ {d.allowed})"
        for d in demotions
    )


def _graded_header(kept: Sequence[str]) -> list[str]:
    """id, parent, level, the kept columns (renamed if one is called like a results column), then the results."""
    fixed = ["id", "parent", "level", *GRADE_COLUMNS]
    return [*fixed[:3], *data.kept_names(kept, set(fixed)), *fixed[3:]]


def _graded_cells(g: Any, columns: Mapping[str, Any], kept: Sequence[str]) -> list[Any]:
    """One row's cells in :func:`_graded_header` order: texts, and the total as a Decimal (None when not graded)."""
    e = g.evaluation
    return [
        g.id or "",
        g.parent or "",
        g.level or "",
        *(data.cell_text(columns.get(c)) for c in kept),
        e.total if e is not None else None,
        e.grade or "" if e is not None else "",
        e.grade_label or "" if e is not None else "",
        e.not_graded.id if e is not None and e.not_graded is not None else "",
        _demotions_text(g.demotions),
        "; ".join(g.problems),
    ]


def _graded_rows(results: Sequence[Any], table: data.Table) -> Iterator[tuple[Any, Mapping[str, Any]]]:
    """Each result with its row's kept columns (the results are in the order of the rows)."""
    for g, row in zip(results, table.rows, strict=True):
        yield g, row.columns if isinstance(row, data.Row) else {}


def _graded_csv(stream: Any, results: Sequence[Any], table: data.Table, kept: Sequence[str]) -> None:
    rows = (_graded_cells(g, columns, kept) for g, columns in _graded_rows(results, table))
    data.csv_table(stream, _graded_header(kept), rows)


def _json_text(value: Any) -> Any:
    if isinstance(value, Decimal):
        return data.plain(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON data")


def _graded_jsonl(stream: Any, results: Sequence[Any], table: data.Table, kept: Sequence[str]) -> None:
    """One JSON object a line: the row's number, id, parent, level, kept columns, grade, total, demotions and
    problems, and its whole evaluation (``partyrules.serialize``), or null when it was not graded."""
    from partyrules import serialize

    for g, columns in _graded_rows(results, table):
        e = g.evaluation
        item = {
            "row": g.number,
            "id": g.id,
            "parent": g.parent,
            "level": g.level,
            "columns": {c: columns.get(c) for c in kept if c in columns},
            "total": data.plain(e.total) if e is not None else None,
            "grade": e.grade if e is not None else None,
            "demotions": [serialize.unstructure(d) for d in g.demotions],
            "problems": list(g.problems),
            "evaluation": serialize.unstructure(e) if e is not None else None,
        }
        stream.write(json.dumps(item, ensure_ascii=False, separators=(",", ":"), default=_json_text) + "\n")


def _graded_xlsx(stream: Any, results: Sequence[Any], table: data.Table, kept: Sequence[str]) -> None:
    rows = (_graded_cells(g, columns, kept) for g, columns in _graded_rows(results, table))
    data.xlsx_table(stream, _graded_header(kept), rows)


def _write_graded(
    path: str, output_format: str, results: Sequence[Any], table: data.Table, kept: Sequence[str]
) -> None:
    """The results file, written atomically: CSV (with a BOM, for Excel), JSON lines or a workbook."""
    if output_format == "csv":

        def produce(stream: Any) -> None:
            stream.write("\ufeff")
            _graded_csv(stream, results, table, kept)

    elif output_format == "jsonl":

        def produce(stream: Any) -> None:
            _graded_jsonl(stream, results, table, kept)

    else:

        def produce(stream: Any) -> None:
            _graded_xlsx(stream, results, table, kept)

    data.write_atomic(path, produce, binary=output_format == "xlsx")


# ---------------------------------------------------------------- explain


def run_explain(args: argparse.Namespace) -> int:
    ruleset = _ruleset(args.rules, args)
    table = data.read(args.facts, ruleset.inputs, id_column=args.id_column)
    for warning in table.warnings:
        _warn(warning)
    if args.row is not None:
        row = table.find(number=args.row)
    elif args.id is not None:
        row = table.find(id=args.id)
    elif len(table.rows) == 1:
        row = table.rows[0]
    elif not table.rows:
        raise UsageError(f"{args.facts}: holds no facts")
    else:
        raise UsageError(f"{args.facts}: holds {len(table.rows)} rows; choose one with --row N or --id ID")
    outcome = next(data.score(ruleset, [row]))
    if isinstance(outcome, data.BadRow):
        _report_bad_row(table, outcome)
        return 1
    sys.stdout.write(outcome.evaluation.explain())
    if args.what_it_takes:
        from partyrules.ranking import what_it_takes

        sys.stdout.write("\n" + what_it_takes(ruleset, outcome.evaluation).text())
    return 0


# ---------------------------------------------------------------- schema


def run_schema(args: argparse.Namespace) -> int:
    from partyrules.schema import evaluation_schema, inputs_schema

    ruleset = _ruleset(args.rules, args)
    document = inputs_schema(ruleset) if args.part == "inputs" else evaluation_schema(ruleset)
    print(json.dumps(document, ensure_ascii=False, indent=2))
    return 0


# ---------------------------------------------------------------- test


def run_test(args: argparse.Namespace) -> int:
    from partyrules.proving import Search
    from partyrules.testreport import test_ruleset

    search = Search.thorough(args.seed) if args.thorough else Search() if args.seed is None else Search(seed=args.seed)
    passed = True
    for spec in args.rules:
        try:
            ruleset = _ruleset(spec, args)
        except CriteriaError as exc:
            if {d.code for d in exc.diagnostics} == {"PR718"}:  # a library: its rules are tested where imported
                sys.stdout.write(f"{spec}: a library of shared definitions: nothing to test\n")
                continue
            print(f"{spec}: the file has errors; nothing was run\n{exc}", file=sys.stderr)
            passed = False
            continue
        result = test_ruleset(
            ruleset,
            spec,
            search=search,
            coverage=args.coverage,
            mutate=args.mutate,
            properties=not args.examples_only,
        )
        sys.stdout.write(result.text)
        passed = passed and result.passed
    return 0 if passed else 1


# ---------------------------------------------------------------- diff


def run_diff(args: argparse.Namespace) -> int:
    from partyrules import diff

    old = _ruleset(args.old, argparse.Namespace(on=args.old_on or args.on, path=args.path))
    new = _ruleset(args.new, args)
    differences = diff.compare(old, new)
    result = None
    if args.data is not None:
        inputs = {i.name: i for i in (*new.inputs, *old.inputs)}  # read every column either side uses
        table = data.read(args.data, list(inputs.values()), id_column=args.id_column)
        for warning in table.warnings:
            _warn(warning)
        for row in table.rows:
            if isinstance(row, data.BadRow):
                _report_bad_row(args.data, row)
        rows = ((r.number, r.id, r.facts) for r in table.rows if isinstance(r, data.Row))
        result = diff.impact(old, new, rows)
    sys.stdout.write(diff.report(old, new, differences, result))
    return 0


# ---------------------------------------------------------------- render


def run_render(args: argparse.Namespace) -> int:
    from partyrules.render import render_html, render_markdown

    path = _rules_path(args.rules, args=args)
    if args.output is not None:
        _check_output(args.output, path)
    elif args.to == "xlsx":
        raise UsageError("--to xlsx: a workbook is written to a file; give --output FILE.xlsx")
    ruleset = _ruleset(args.rules, args)
    if args.to == "xlsx":
        from partyrules.render import write_fill_in

        data.openpyxl_module()  # a missing extra is said before any file is created
        data.write_atomic(args.output, lambda stream: write_fill_in(ruleset, stream), binary=True)
        return 0
    text = render_html(ruleset) if args.to == "html" else render_markdown(ruleset)
    if args.output is None:
        sys.stdout.write(text)
    else:
        data.write_atomic(args.output, lambda stream: stream.write(text))
    return 0


# ---------------------------------------------------------------- fmt


def run_fmt(args: argparse.Namespace) -> int:
    from partyrules.formatter import format_text

    if args.files.count("-") > 1 or ("-" in args.files and len(args.files) > 1):
        raise UsageError("`-` (standard input) cannot be given with other files")
    names: list[str] = []
    for name in args.files:
        if name != "-" and os.path.isdir(name):
            names += sorted(str(p) for p in Path(name).rglob("*.criteria"))
        else:
            names.append(name)
    status = 0
    for name in names:
        try:
            old = sys.stdin.read() if name == "-" else read_source(name)
        except CriteriaError as exc:  # unreadable: not the formatter's to judge
            print(str(exc), file=sys.stderr)
            status = 2
            continue
        try:
            new = format_text(old, "<stdin>" if name == "-" else name)
        except CriteriaError as exc:
            print(str(exc), file=sys.stderr)
            status = max(status, 1)
            if name == "-" and not (args.check or args.diff):
                sys.stdout.write(old)  # a filter must not swallow its input
            continue
        if args.diff and new != old:
            shown = "<stdin>" if name == "-" else name
            sys.stdout.writelines(
                difflib.unified_diff(
                    old.splitlines(keepends=True), new.splitlines(keepends=True), shown, f"{shown} (formatted)"
                )
            )
        if args.check and new != old:
            if not args.diff:
                print(f"would reformat {'<stdin>' if name == '-' else name}")
            status = max(status, 1)
        if args.check or args.diff:
            continue
        if name == "-":
            sys.stdout.write(new)
        elif new != old:
            _replace(name, new)
            print(f"reformatted {name}", file=sys.stderr)
    return status


def _replace(path: str, text: str) -> None:
    """Write the whole file at once (temporary file, then rename): never a half-formatted file."""
    data.write_atomic(path, lambda stream: stream.write(text))


# ---------------------------------------------------------------- shared


def _rules_path(spec: str, *, must_exist: bool = True, args: argparse.Namespace | None = None) -> str:
    """A criteria file's path: the file itself, or the file of a ruleset id (the version in force
    on ``--on``, or the newest)."""
    if os.path.exists(spec):
        return spec
    on = getattr(args, "on", None)
    loader = Loader(getattr(args, "path", None) or ())
    try:
        return loader.pick(spec, on).filename
    except CriteriaError as exc:
        if not must_exist:
            return spec  # the checker reports the missing file
        if spec.endswith(".criteria"):
            raise UsageError(f"{spec}: no such file") from None
        code = exc.diagnostics[0].code if exc.diagnostics else ""
        if code == "PR701":
            known = loader.known_ids()
            hint = did_you_mean(spec, known) or "known: " + ", ".join(known)
            raise UsageError(f"{spec}: no such file, and no ruleset has this id; {hint}") from None
        raise


def _ruleset(spec: str, args: argparse.Namespace | None = None) -> Ruleset:
    on = getattr(args, "on", None)
    path = getattr(args, "path", None) or ()
    if os.path.exists(spec):
        return partyrules.load(Path(spec), on=on, path=path)
    _rules_path(spec, args=args)  # a missing id is a usage error with a hint
    return partyrules.load(spec, on=on, path=path)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _error(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


def _warn(message: str) -> None:
    print(f"{PROG}: warning: {message}", file=sys.stderr)


def _os_message(exc: OSError) -> str:
    if exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc) or type(exc).__name__


def _utf8(stream: TextIO) -> None:
    """Print Vietnamese on any terminal: switch a text stream that is not UTF-8 to UTF-8."""
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
    reconfigure = getattr(stream, "reconfigure", None)
    if encoding != "utf8" and reconfigure is not None:
        with contextlib.suppress(ValueError, io.UnsupportedOperation):  # a stream that cannot switch
            reconfigure(encoding="utf-8")


def _silence_stdout() -> None:
    """After a closed pipe: send what is left to /dev/null so that exiting does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):  # pragma: no cover
        pass
