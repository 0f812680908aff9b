"""What the commands share: loading rules, reading data options, reporting rows, printing tables."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import os
import re
import signal
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import partyrules  # light: its names are imported when read
from partyrules.terminal import terminal_text

PROG = "partyrules"

if TYPE_CHECKING:
    from partyrules import data
    from partyrules.facts import FactProblem
    from partyrules.runtime import Ruleset

    #: what each command module's ``add_parser`` adds its parser to
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]


class UsageError(Exception):
    """An argument or file the command cannot use: a message, exit status 2."""


# ---------------------------------------------------------------- options


def date(text: str) -> datetime.date:
    """An argument that is a date, YYYY-MM-DD."""
    try:
        if len(text) != 10:
            raise ValueError
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD") from None


def add_lookup_options(parser: argparse.ArgumentParser, *, cache: bool = False) -> None:
    """``--on`` and ``--path``: which version of a ruleset id, and where else to look ids up.

    ``cache``: the command only scores, so its rulesets are kept compiled on disk and used again
    while their files are unchanged (``--no-cache`` to load them afresh; see partyrules.cache).
    """
    parser.add_argument(
        "--on", type=date, metavar="DATE", help="use the version of each ruleset in force on DATE (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--path",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder of criteria files to look ids up in, before the installed and shipped ones (repeatable)",
    )
    if cache:
        parser.add_argument(
            "--no-cache",
            dest="cache",
            action="store_false",
            help="check and compile the rules afresh instead of using the compiled copy kept from an earlier "
            "run (kept in PARTYRULES_CACHE_DIR, else ~/.cache/partyrules; used only while every file is unchanged)",
        )


def add_format_option(parser: argparse.ArgumentParser) -> None:
    """``--format`` of a command that writes results (score, grade)."""
    parser.add_argument(
        "--format",
        choices=("table", "csv", "jsonl", "xlsx"),
        default=None,
        help="format of --output (default: from its extension); without --output, csv or jsonl print "
        "the results on stdout and the summary on stderr",
    )


def add_reading_options(parser: argparse.ArgumentParser, numbers_help: str) -> None:
    """How a data file is read (score, grade): its columns renamed, its numbers, its sheet; the progress bar."""
    from partyrules.printer import NUMBER_STYLES

    parser.add_argument(
        "--columns",
        metavar="MAP.json",
        help='rename the file\'s columns to input names: a JSON object {"column in the file": "input", ...}',
    )
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="COLUMN=INPUT",
        help='rename one column, e.g. --column "Tỷ lệ dự họp=attendance_rate" (repeatable; wins over --columns)',
    )
    parser.add_argument("--numbers", choices=NUMBER_STYLES, default="plain", help=numbers_help)
    parser.add_argument("--sheet", metavar="NAME", help="the worksheet of an .xlsx workbook to read")
    parser.add_argument(
        "--no-progress", action="store_true", help="no progress bar (it shows only when stderr is a terminal)"
    )


def column_mapping(args: argparse.Namespace) -> dict[str, str]:
    """The renaming of the data file's columns: ``--columns`` MAP.json, then each ``--column``."""
    from partyrules import data

    mapping = data.read_column_map(args.columns) if args.columns is not None else {}
    mapping.update(data.parse_column(c) for c in args.column)
    return mapping


# ---------------------------------------------------------------- rules


def rules_path(spec: str, *, must_exist: bool = True, args: argparse.Namespace | None = None) -> str:
    """A criteria file's path: the file itself, or the file of a ruleset id (the version in force
    on ``--on``, or the newest)."""
    from partyrules.diagnostics import CriteriaError, did_you_mean
    from partyrules.loader import Loader

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


def load_ruleset(spec: str, args: argparse.Namespace | None = None) -> Ruleset:
    """The ruleset of a file or an id, as ``--on``, ``--path`` and ``--no-cache`` choose it."""
    from partyrules.diagnostics import CriteriaError

    on = getattr(args, "on", None)
    path = getattr(args, "path", None) or ()
    cache = getattr(args, "cache", False)
    if os.path.exists(spec):
        return partyrules.load(Path(spec), on=on, path=path, cache=cache)
    try:
        return partyrules.load(spec, on=on, path=path, cache=cache)
    except CriteriaError as exc:
        if spec.endswith(".criteria") or any(d.code == "PR701" and d.file == "<load>" for d in exc.diagnostics):
            rules_path(spec, args=args)  # the id itself is unknown: a usage error with a hint
        raise


# ---------------------------------------------------------------- output files


def output_format(args: argparse.Namespace) -> str | None:
    """csv or jsonl for the results, or None for the summary alone."""
    from partyrules import data

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


def check_output(output: str, *inputs: tuple[str, str]) -> None:
    """An output file the command can write: not a folder, in a folder that exists, a regular file (or
    none yet), and none of the command's inputs, given as (path, what it is: "the data file")."""
    from partyrules import data

    target = Path(output)
    if target.is_dir():
        raise UsageError(f"{output}: is a folder; give a file name for the results")
    parent = target.parent
    if not parent.is_dir():
        raise UsageError(f"{output}: the folder {parent} does not exist")
    try:
        data.writable_target(output)
    except data.DataError as exc:
        raise UsageError(str(exc)) from None
    for path, what in inputs:
        try:
            same = target.exists() and os.path.samefile(target, path)
        except OSError:
            same = False
        if same:
            raise UsageError(f"{output}: this is {what}; write the results to another file")


#: a text in a criteria file that may name an examples table (``examples "..." from "x.csv";``): a table
#: is read from the folder of the file that names it, by a name without a folder (checker PR809)
_TABLE_NAME = re.compile(r'"([^"\n/\\:]+\.csv)"', re.IGNORECASE)


def rules_files(ruleset: Ruleset) -> list[tuple[str, str]]:
    """The files a ruleset was read from (its own, its bases, its imports, and the examples tables they
    name), as inputs no output may replace.

    The tables are found in the files' text, not in their checked model (a ruleset from the cache has
    none, and the front end is not loaded to score): every quoted ``.csv`` name of a file counts, a
    label that happens to end in ".csv" too, which only ever protects a file more."""
    names = [ruleset.filename, *(name for name, _ in ruleset.sources)]
    files = [(name, "a criteria file of the rules") for name in dict.fromkeys(names)]
    for name, text in ruleset.sources:
        folder = Path(name).parent
        files += [(str(folder / table), "an examples table of the rules") for table in _TABLE_NAME.findall(text)]
    return files


def deliver(
    args: argparse.Namespace,
    output_format: str | None,
    summary: str,
    counts: list[str],
    *,
    rows: int,
    to_file: Callable[[str, str], None],
    to_stdout: Callable[[str], None],
) -> None:
    """The results to ``--output`` and the summary on stdout; or, with ``--format csv|jsonl`` alone, the
    results on stdout and the summary on stderr; or the summary alone."""
    if args.output is not None:
        assert output_format is not None
        to_file(args.output, output_format)
        counts.append(f"results: {args.output} ({output_format}, {plural(rows, 'row')})")
        sys.stdout.write(summary + "\n".join(counts) + "\n")
    elif output_format is not None:  # results on stdout, summary on stderr
        to_stdout(output_format)
        sys.stdout.flush()
        sys.stderr.write(summary + "\n".join(counts) + "\n")
    else:
        sys.stdout.write(summary + "\n".join(counts) + "\n")


# ---------------------------------------------------------------- messages


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def error(message: str) -> None:
    print(f"{PROG}: {terminal_text(message)}", file=sys.stderr)


def warn(message: str) -> None:
    print(f"{PROG}: warning: {terminal_text(message)}", file=sys.stderr)


def os_message(exc: OSError) -> str:
    if exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    return str(exc) or type(exc).__name__


def report_bad_row(table: data.Table, bad: data.BadRow) -> None:
    """A rejected row on stderr, one line a problem: ``DATA:ROW (id): input: message``."""
    where = f"{table.path}:{bad.number}"
    if bad.id is not None and bad.id != str(bad.number):
        where += f" ({bad.id})"
    for problem in bad.problems:
        print(terminal_text(f"{where}: {problem_text(problem, table.sources)}"), file=sys.stderr)


def problem_text(problem: FactProblem, sources: Mapping[str, str] | None = None) -> str:
    """A problem with a fact, naming the file's own column when the input was renamed."""
    if not problem.input:
        return problem.message
    source = (sources or {}).get(problem.input)
    name = f"{problem.input} (column `{source}`)" if source else problem.input
    return f"{name}: {problem.message}"


def _width(text: str) -> int:
    """Columns a terminal gives the text: combining marks take none, wide characters two."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def aligned(rows: list[list[str]]) -> str:
    """Rows of cells as a plain-text table: the first column to the left, the others to the right."""
    rows = [[terminal_text(cell) for cell in row] for row in rows]  # cells may come from the data
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


# ---------------------------------------------------------------- terminals


@contextlib.contextmanager
def terminating() -> Iterator[None]:
    """SIGTERM (a ``kill``, a service stopping) unwinds like Ctrl-C instead of ending the process on the
    spot, so that half-written outputs (``.NAME.RANDOM.tmp``) and spool files are removed on the way out;
    the exit status is 143 (128 + SIGTERM). The handler before is put back after."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set a handler
        return

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    before = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


@contextlib.contextmanager
def progress(total: int | None, *, enabled: bool) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr while rows are scored: only on a terminal, and only when rich is installed.
    ``total`` None: rows read as they are scored, their number unknown until the end (a count, no bar)."""
    if not enabled or total == 0 or not is_terminal(sys.stderr):
        yield no_progress
        return
    try:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    except ImportError:  # the `progress` extra is not installed: score without a bar
        yield no_progress
        return
    console = Console(file=sys.stderr, force_terminal=True)
    columns = (TextColumn("scoring"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("scoring", total=total)
        # one refresh call per row would cost more than scoring it: advance in steps
        step = max(1, total // 200) if total is not None else 100
        done = 0

        def advance() -> None:
            nonlocal done
            done += 1
            if done % step == 0 or done == total:
                bar.update(task, completed=done)

        yield advance
        if total is None:  # the number is known at the end: the bar's last picture says it
            bar.update(task, total=done, completed=done)


def no_progress() -> None:
    """What :func:`progress` gives when it shows no bar: callers may skip calling it per row."""


def is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except (ValueError, OSError):  # a closed stream
        return False


def utf8(stream: TextIO) -> None:
    """Print Vietnamese on any terminal: switch a text stream that is not UTF-8 to UTF-8."""
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
    reconfigure = getattr(stream, "reconfigure", None)
    if encoding != "utf8" and reconfigure is not None:
        with contextlib.suppress(ValueError, io.UnsupportedOperation):  # a stream that cannot switch
            reconfigure(encoding="utf-8")


def silence_stdout() -> None:
    """After a closed pipe: send what is left to /dev/null so that exiting does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):  # pragma: no cover
        pass
