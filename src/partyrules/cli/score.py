"""``partyrules score RULES DATA``: every row of a data file scored, counted, written and reported."""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

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
    no_progress,
    output_format,
    plural,
    progress,
    report_bad_row,
    rules_files,
    terminating,
    warn,
)

if TYPE_CHECKING:
    from partyrules import data, quota
    from partyrules.batch import Batch
    from partyrules.cli.common import Commands
    from partyrules.runtime import Ruleset
    from partyrules.tables import Scored


def add_parser(commands: Commands) -> None:
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
    add_format_option(score)
    score.add_argument(
        "--full",
        action="store_true",
        help="JSON lines results with each organisation's whole evaluation (every criterion, rule, condition "
        "and fact: what `explain` shows); without it, a compact line: total, grade, points per criterion, "
        "demotions and the ruleset",
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
    add_reading_options(
        score,
        "how numbers written as text are read: plain (1234.5, the default) or vi (1.234,5); "
        "a number not written that way rejects its row",
    )
    add_lookup_options(score, cache=True)
    score.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from partyrules import data
    from partyrules.batch import Batch
    from partyrules.report import count_rows

    kind = output_format(args)
    _check_outputs(args, kind, [])
    mapping = column_mapping(args)
    ruleset = load_ruleset(args.rules, args)
    _check_outputs(args, kind, rules_files(ruleset))  # nor over the rules and their bases
    head, rows = data.open_rows(
        args.data,
        ruleset.inputs,
        id_column=args.id_column,
        columns=mapping,
        numbers=args.numbers,
        sheet=args.sheet,
        ordered=ruleset.layout.inputs,  # a CSV row's facts as a tuple, what the batch loop takes without a dict
    )
    if args.summary is not None:
        _check_summary_column(args.summary, ruleset, head)
    for warning in head.warnings:
        warn(warning)
    # the spool files (results waiting for the quotas, the rejected rows) go beside the results
    folder = os.path.dirname(os.path.abspath(args.output)) if args.output is not None else None
    spool = args.report is not None
    with Batch(ruleset, head, rows, summary=args.summary, spool=spool, folder=folder) as batch, terminating():

        def said() -> None:  # once every row is scored: what the rows' problems were, and the report
            for warning in [*batch.repeated_ids(), *filter(None, [_made_for_warning(head, ruleset)])]:
                warn(warning)
            for bad in batch.rejected():
                report_bad_row(head, bad)
            if args.report is not None:  # before the results replace --output: a failed report leaves both
                batch.write_report(args.report)

        with progress(None, enabled=not args.no_progress) as advance, _settled():
            _write(args, kind, ruleset, batch, _advancing(batch.results(), advance), said)
        summary = aligned(count_rows(batch.counts())) + _quota_summary(ruleset, head, batch.placements)
        counts = [
            f"rows scored: {batch.scored} (not graded: {batch.not_graded})",
            f"rows rejected: {batch.rejected_count}",
        ]
        if args.report is not None:
            counts.append(f"report: {args.report}")
    deliver(args, kind, summary, counts, rows=batch.scored, to_file=_written, to_stdout=_written)
    return 1 if batch.rejected_count else 0


def _write(
    args: argparse.Namespace,
    kind: str | None,
    ruleset: Ruleset,
    batch: Batch,
    results: Iterator[Scored],
    then: Callable[[], None],
) -> None:
    """The results to --output, or to stdout as they are scored, or only counted; then ``then``."""
    from partyrules import data

    if args.output is not None:
        assert kind is not None
        data.write_results(args.output, kind, ruleset, batch.kept, results, full=args.full, then=then)
        return
    if kind == "csv":
        data.format_csv(sys.stdout, ruleset, batch.kept, results)
    elif kind == "jsonl":
        data.format_jsonl(sys.stdout, results, full=args.full)
    else:
        for _ in results:
            pass
    then()


@contextlib.contextmanager
def _settled() -> Iterator[None]:
    """While the rows are scored, what was made before them (the ruleset, the front end that built it) is
    left out of the cycle collector's full passes: they would walk it again and again, and a row makes no
    cycle with it (measured: 4 % of the instructions of 10,000 rows of 4 tốt). Put back after, so that a
    process calling the command again still collects it."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _written(*_: str) -> None:
    """The results are written as they are scored, before the summary: nothing is left for :func:`deliver`."""


def _advancing(results: Iterator[Scored], advance: Callable[[], None]) -> Iterator[Scored]:
    if advance is no_progress:  # no bar (not a terminal, or --no-progress): no call per row
        return results
    return _advanced(results, advance)


def _advanced(results: Iterator[Scored], advance: Callable[[], None]) -> Iterator[Scored]:
    for result in results:
        advance()
        yield result


def _check_outputs(args: argparse.Namespace, kind: str | None, rules: list[tuple[str, str]]) -> None:
    """The results file and the report can be written (said before anything is scored), over none of the
    inputs: the data file, its column mapping, the ``rules`` files."""
    from partyrules import data

    inputs = [(args.data, "the data file"), *rules]
    if args.columns is not None:
        inputs.append((args.columns, "the column mapping"))
    if args.output is not None:
        check_output(args.output, *inputs)
        if kind == "xlsx":
            data.openpyxl_module()  # a missing extra is said before the scoring, not after
    if args.report is not None:
        check_output(args.report, *inputs)
        if args.output is not None and os.path.abspath(args.report) == os.path.abspath(args.output):
            raise UsageError(f"{args.report}: --report and --output name the same file")


def _quota_summary(ruleset: Ruleset, table: data.Table, placements: Sequence[quota.Placement]) -> str:
    lines = []
    for rule in ruleset.quotas:
        if rule.within == "column" and rule.group not in table.columns:
            lines.append(f"quota {rule.name}: not applied (the data has no column `{rule.group}` to group by)")
            continue
        moved = [d for p in placements for d in p.demotions if d.quota == rule.name]
        lines.append(f"quota {rule.name}: {plural(len(moved), 'demotion')} ({rule.grade} → {rule.demote_to})")
    return "\n".join(lines) + "\n" if lines else ""


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


def _check_summary_column(column: str, ruleset: Ruleset, table: data.Table) -> None:
    from partyrules.diagnostics import did_you_mean

    known = [i.name for i in ruleset.inputs] + list(table.columns)
    if column not in known:
        hint = did_you_mean(column, known)
        raise UsageError(f"--summary {column}: no input or column of that name" + (f"; {hint}" if hint else ""))
