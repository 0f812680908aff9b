"""Data files as offices keep them: reading rows of facts, writing results.

Reading: CSV (UTF-8 with or without a BOM, ``,`` ``;`` or tab sniffed from
the header line), JSON lines (``.jsonl``), JSON (an array of objects, or one
object) and Excel workbooks (``.xlsx``, with the ``xlsx`` extra). Empty cells
and JSON nulls are absent facts, so defaults apply. Every row becomes a
:class:`Row` (its number, its id, the facts for the ruleset's inputs and the
other columns, kept aside) or a :class:`BadRow` saying what is wrong with it;
one broken row never stops the others. Problems with the whole file (no
header, a required input with no column, a JSON file that does not parse)
raise :class:`DataError`.

Columns are matched to inputs by name; a ``columns`` mapping renames the
file's columns first (``{"Tỷ lệ dự họp": "attendance_rate"}``). Numbers
written as text are read one way only, chosen by ``numbers``: ``plain``
(the default: ``1234.5``) or ``vi`` (``1.234,5``: ``.`` between thousands,
``,`` before the decimals). Nothing is guessed: text that is not a number in
the chosen way is a problem of its row. An enumeration or level may be given
by its member's name or by the member's label exactly as the criteria file
writes it (what the fill-in workbook's drop-down lists hold).

Row numbers are what a person finds in an editor or a spreadsheet: for CSV
and JSON lines the line number in the file (the header of a CSV is line 1,
so its first organisation is row 2), for a JSON array the position of the
object (1 for the first), for a workbook the row number Excel shows.

Writing: CSV, JSON lines and ``.xlsx``, deterministic (same input, same
bytes) and atomic (a temporary file in the same folder, then
:func:`os.replace`; a run that fails leaves no half-written file and the
previous file intact). Numbers are written exactly (:func:`partyrules.printer.number_text`);
in JSON as text (:func:`partyrules.serialize.json_default`), never as a float.

The formats have one home each: CSV, JSON lines and JSON are read in
:mod:`partyrules.readers` (CSV through :mod:`partyrules.delimited`), workbooks
read and written in :mod:`partyrules.workbook` (the fill-in workbook too);
what they read into is :mod:`partyrules.tables`. This module chooses the
reader, scores what was read and writes the results.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import stat
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import attrs

from partyrules.delimited import sniff_delimiter
from partyrules.evaluation import Layout, point_amount, raw_points
from partyrules.facts import FactProblem, RowError
from partyrules.printer import number_text
from partyrules.readers import read_json, stream_csv, stream_jsonl
from partyrules.runtime import InputSpec, Ruleset
from partyrules.tables import (
    NUMBER_STYLES as NUMBER_STYLES,
    SAVE_AS_UTF8,
    BadRow as BadRow,
    DataError as DataError,
    Reader,
    Row as Row,
    Scored as Scored,
    Table as Table,
    read_number_text as read_number_text,
    repeated_ids,
    value_text,
)
from partyrules.workbook import (
    FILL_IN_INPUTS as FILL_IN_INPUTS,
    FILL_IN_RULESET as FILL_IN_RULESET,
    FORMULA_FIRST,
    RESULTS_SHEET as RESULTS_SHEET,
    openpyxl_module as openpyxl_module,
    read_xlsx,
    save_workbook as save_workbook,
    spreadsheet_text,
    xlsx_table as xlsx_table,
)

FORMATS = ("csv", "jsonl", "json", "xlsx")
OUTPUT_FORMATS = ("csv", "jsonl", "xlsx")
SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".xlsx": "xlsx"}
#: the results column that says which quota moved an organisation's grade, and why
QUOTA_COLUMN = "quota_demotion"
#: the results columns of `grade` after the id, the parent, the level and the kept columns
GRADE_COLUMNS = ("total", "grade", "grade_label", "not_graded", QUOTA_COLUMN, "problems")


# ---------------------------------------------------------------- reading


def detect_format(path: str | os.PathLike[str], head: bytes = b"") -> str:
    """``csv``, ``jsonl``, ``json`` or ``xlsx``: from the file name, else from the first bytes."""
    suffix = Path(path).suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        return "jsonl"
    return "csv"


def read(
    path: str | os.PathLike[str],
    inputs: Sequence[InputSpec],
    *,
    id_column: str | None = None,
    format: str | None = None,
    columns: Mapping[str, str] | None = None,
    numbers: str = "plain",
    sheet: str | None = None,
) -> Table:
    """Read every row of a data file for a ruleset with these inputs.

    ``columns`` renames the file's columns (file name → input name) before
    they are matched to inputs; ``numbers`` is ``plain`` or ``vi``;
    ``sheet`` names the worksheet of a workbook (default: the fill-in sheet
    of a workbook made by ``partyrules render``, else the first sheet).
    Raises :class:`DataError` (or :class:`OSError`) when the file as a whole
    cannot be used; problems with single rows become :class:`BadRow`.
    :func:`open_rows` reads the same rows one at a time.
    """
    head, rows = open_rows(
        path, inputs, id_column=id_column, format=format, columns=columns, numbers=numbers, sheet=sheet
    )
    table = attrs.evolve(head, rows=tuple(rows()))
    repeated = repeated_ids(table)
    return attrs.evolve(table, warnings=(*table.warnings, *repeated)) if repeated else table


#: a fresh pass over a data file's rows, read as they are asked for
Rows = Callable[[], Iterator[Row | BadRow]]


def open_rows(
    path: str | os.PathLike[str],
    inputs: Sequence[InputSpec],
    *,
    id_column: str | None = None,
    format: str | None = None,
    columns: Mapping[str, str] | None = None,
    numbers: str = "plain",
    sheet: str | None = None,
    ordered: Sequence[str] | None = None,
) -> tuple[Table, Rows]:
    """A data file's header read and checked now (a :class:`Table` without rows: its columns, id column
    and warnings), and its rows, each call a new pass over the file.

    ``ordered`` (input names): a CSV file's rows then hold their facts as a tuple in this order (see
    :func:`partyrules.readers.stream_csv`; ``Table.ordered`` says so), what :class:`partyrules.batch.Batch`
    scores without a dict a row; other formats' facts stay mappings.

    CSV and JSON lines are read from the file as the rows are asked for, so memory does not grow with
    the file (JSON lines are read twice: the columns are the keys of every object); a JSON array and a
    workbook are read whole first. The warnings of ids given twice are not in the header: they need
    every row (:func:`read` adds them; ``partyrules score`` finds them as it goes).
    """
    name = str(path)
    if numbers not in NUMBER_STYLES:
        raise DataError(f"unknown number style `{numbers}` (known: {', '.join(NUMBER_STYLES)})")
    if Path(path).suffix.lower() == ".xls":
        raise DataError(f"{name}: this is an old Excel 97-2003 workbook; save it as .xlsx (Excel Workbook) first")
    with open(path, "rb") as stream:
        start = stream.read(64)
    kind = format or detect_format(path, start)
    if kind not in FORMATS:
        raise DataError(f"{name}: unknown data format `{kind}` (known: {', '.join(FORMATS)})")
    if sheet is not None and kind != "xlsx":
        raise DataError(f"{name}: --sheet is for .xlsx workbooks; this file is {kind}")
    reader = Reader(name, tuple(inputs), dict(columns or {}), numbers)
    reader.check_targets()
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text": one encoding is read, UTF-8
        raise DataError(f"{name}: the file is UTF-16 text; {SAVE_AS_UTF8}")
    encoding = "utf-8-sig"
    if kind == "csv":
        delimiter = sniff_delimiter(next(_lines(path, encoding, "\n"), ""))
        order = tuple(ordered) if ordered is not None else None
        head = stream_csv(reader, _lines(path, encoding, ""), id_column, delimiter, order)[0]
        return head, lambda: stream_csv(reader, _lines(path, encoding, ""), id_column, delimiter, order)[1]
    if kind == "jsonl":
        return stream_jsonl(
            reader, lambda: (line.removesuffix("\n") for line in _lines(path, encoding, "\n")), id_column
        )
    data = Path(path).read_bytes()
    if kind == "xlsx":
        table = read_xlsx(reader, data, id_column, sheet)
    else:
        table = read_json(
            reader, data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="surrogateescape"), id_column
        )
    return attrs.evolve(table, rows=()), lambda: iter(table.rows)


def _lines(path: str | os.PathLike[str], encoding: str, newline: str) -> Iterator[str]:
    """A text file's lines as they are read (bytes that are not UTF-8 kept as lone surrogates); the file
    is closed when the lines run out or are dropped."""
    with open(path, encoding=encoding, errors="surrogateescape", newline=newline) as stream:
        yield from stream


# ---------------------------------------------------------------- scoring


def score(ruleset: Ruleset, rows: Iterable[Row | BadRow]) -> Iterator[Scored | BadRow]:
    """Score every good row, in order, through :meth:`Ruleset.evaluate_many` (the compiled batch
    loop); a row whose facts are wrong becomes a :class:`BadRow` with its own number and id, and
    the others go on. Lazy: a row is scored when its result is asked for."""
    order = {spec.name: i for i, spec in enumerate(ruleset.inputs)}
    waiting: deque[Row | BadRow] = deque()  # rows read, in order, whose outcome is not yet given

    def facts() -> Iterator[Mapping[str, Any]]:
        for row in rows:
            waiting.append(row)
            if isinstance(row, Row):
                yield row.facts

    # the facts hold no id (it stays on the row): nothing to take out of them
    for result in ruleset.evaluate_many(facts(), id_key=None):
        row = waiting.popleft()
        while isinstance(row, BadRow):  # not read: nothing was scored for it
            yield row
            row = waiting.popleft()
        if isinstance(result, RowError):
            yield BadRow(row.number, row.id, merged_problems(order, row.problems, result.problems))
        elif row.problems:  # read as something, but not as the file meant it: never scored
            yield BadRow(row.number, row.id, row.problems)
        else:
            yield Scored(row.number, row.id, row.columns, result)
    for row in waiting:  # the rows after the last good one: none was read
        if isinstance(row, BadRow):
            yield row


def merged_problems(
    order: Mapping[str, int], found: tuple[FactProblem, ...], checked: tuple[FactProblem, ...]
) -> tuple[FactProblem, ...]:
    """Reading's problems and the ruleset's, one account per input (reading's, which says more), in input order."""
    own = {p.input for p in found}
    merged = [*found, *(p for p in checked if p.input not in own)]
    merged.sort(key=lambda p: order.get(p.input, len(order)))
    return tuple(merged)


# ---------------------------------------------------------------- writing


def csv_header(ruleset: Ruleset, kept: Sequence[str]) -> list[str]:
    """Columns of the results CSV: id, kept columns, total, grade ..., then each criterion's and adjustment's points."""
    fixed = ["id", "total", "grade", "grade_label", "not_graded"]
    points = [c[0] for c in ruleset.layout.criteria] + [a[0] for a in ruleset.layout.adjustments]
    return [fixed[0], *kept_names(kept, {*fixed, *points}), *fixed[1:], *points]


def kept_names(kept: Sequence[str], taken: set[str]) -> list[str]:
    """The kept columns' names in a results file: ``_data`` added to one called like a results column."""
    taken = set(taken)
    renamed = []
    for column in kept:
        while column in taken:
            column = f"{column}_data"
        taken.add(column)
        renamed.append(column)
    return renamed


def _result_cells(ruleset: Ruleset, kept: Sequence[str], result: Scored) -> list[str | Decimal | None]:
    """One result's cells, in :func:`csv_header` order: texts, and points as Decimals (None when not scored)."""
    e = result.evaluation
    not_graded = e.not_graded
    points = e.points_in_order()
    return [
        result.id,
        *(cell_text(result.columns.get(c)) for c in kept),
        e.total,
        e.grade or "",
        e.grade_label or "",
        not_graded.id if not_graded is not None else "",
        *points,
    ]


def format_csv(stream: IO[str], ruleset: Ruleset, kept: Sequence[str], results: Iterable[Scored]) -> None:
    """Results as CSV on an open text stream (opened with ``newline=""``): the cells of
    :func:`_result_cells` as :func:`csv_table` writes them, the same bytes.

    A batch writes a row per organisation, so what every row shares is made once: each grade's two
    cells, the text of each number met (a sheet gives few distinct points: each is looked up by the
    value the program holds, :func:`partyrules.evaluation.raw_points`, without a Decimal per point).
    A row whose id and kept columns are texts that need no change and no quotes (the common case) is
    joined as it is; any other goes through the csv module's writer. Lines are written a thousand at
    a time."""
    lines = _Lines()
    writer = csv.writer(lines, lineterminator="\r\n")
    writer.writerow([_csv_text(h) for h in csv_header(ruleset, kept)])
    layout = ruleset.layout
    grades: dict[str | None, tuple[str, str]] = {g: (_csv_text(g), _csv_text(label)) for g, label in layout.grades}
    grades[None] = ("", "")
    fields = {g: _csv_fields(*cells) for g, cells in grades.items()}  # each grade's two cells as CSV
    exemptions = bool(layout.exemptions)
    totals: dict[Decimal, str] = {}
    points, texts = raw_points(layout), {None: ""}
    text_of = texts.__getitem__
    # the points cells of each set of points met (a sheet gives few: one lookup of the program's tuple of
    # points, not a text for each), kept while there is room
    known: dict[tuple[Any, ...], str] = {}
    known_cells = known.get
    first, plain, add = FORMULA_FIRST, _plain_cells, lines.append
    for result in results:
        e = result.evaluation
        raw = points(e)
        cells = known_cells(raw)
        if cells is None:
            try:
                cells = ",".join(map(text_of, raw))
            except KeyError:  # a value not met before (kept while there is room: memory stays flat)
                cells = ",".join([text_of(v) if v in texts else _point_text(texts, layout, v) for v in raw])
            if len(known) < _CELLS_KEPT:
                known[raw] = cells
        total = totals.get(e.total) or _kept_text(totals, e.total, number_text(e.total))
        # an exempt organisation is never graded (the program sets no grade when a not_graded rule holds)
        not_graded = e.not_graded if exemptions and e.grade is None else None
        ungraded = "" if not_graded is None else _csv_text(not_graded.id)
        row = [result.id, *map(result.columns.get, kept)]
        joined = plain(row)
        if joined is not None and not ungraded:
            add(f"{joined},{total},{fields[e.grade]},,{cells}\r\n")
        else:  # a cell to change (a formula, a NUL, not a text) or to quote: the csv module writes the row
            row = [c if type(c) is str and c[:1] not in first and "\x00" not in c else _text_cell(c) for c in row]
            writer.writerow([*row, total, *grades[e.grade], ungraded, *cells.split(",")])
        if len(lines) >= 1000:
            stream.write("".join(lines))
            lines.clear()
    stream.write("".join(lines))


class _Lines(list[str]):
    """Lines of CSV as the csv module's writer writes them (its ``write``), to be written together."""

    write = list.append


def _plain_cells(cells: list[Any]) -> str | None:
    """The cells joined by commas as the csv module writes them, when each is a text that needs neither a
    change (:func:`_csv_text`: no formula, no NUL) nor quotes; None otherwise."""
    try:
        joined = ",".join(cells)
    except TypeError:  # not a text (a JSON number, a list)
        return None
    # a quote, a comma inside a cell, or a character that is not printable (a line break, a NUL, a tab:
    # stricter than CSV needs, and the csv module writes those rows the same bytes): one scan each
    if '"' in joined or not joined.isprintable() or joined.count(",") != len(cells) - 1:
        return None
    for cell in cells:  # no cell may begin as a formula (a tab or a line break is not printable)
        if cell[:1] in FORMULA_FIRST:
            return None
    return joined


def _csv_fields(*texts: str) -> str:
    """Texts as fields of a CSV line with more than one field, quoted where the csv module quotes them."""
    line = _Lines()
    csv.writer(line, lineterminator="").writerow([*texts, ""])
    return line[0][:-1]


#: distinct numbers a results writer keeps the text of (points and totals): a sheet gives few
_TEXTS_KEPT = 1 << 16
#: distinct sets of points a results writer keeps the cells of (a few hundred bytes each: about 1 MB)
_CELLS_KEPT = 1 << 12


def _kept_text(texts: dict[Any, str], value: Any, text: str) -> str:
    """``text``, the text of ``value``, remembered in ``texts`` while it holds fewer than :data:`_TEXTS_KEPT`."""
    if len(texts) < _TEXTS_KEPT:
        texts[value] = text
    return text


def _point_text(texts: dict[Any, str], layout: Layout, value: Any) -> str:
    """The text of a points value as the program holds it (not None), kept in ``texts`` (:func:`_kept_text`)."""
    amount = point_amount(layout, value)
    assert amount is not None
    return _kept_text(texts, value, number_text(amount))


def _text_cell(value: Any) -> str:
    """A text cell as :func:`csv_table` writes what :func:`_result_cells` gives for it."""
    return _csv_text(cell_text(value))


def csv_table(stream: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A results table as CSV: texts as they are (but a text a spreadsheet would run as a formula with a
    leading ``'``: :func:`partyrules.workbook.spreadsheet_text`), numbers (Decimals) as plain text, None
    as an empty cell."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([_csv_text(h) for h in header])
    # a table repeats few numbers (points): each one's text is looked up here after its first cell,
    # a dict lookup instead of a call per cell
    texts: dict[Decimal, str] = {}
    for cells in rows:
        writer.writerow(
            [
                ""
                if c is None
                else (texts.get(c) or texts.setdefault(c, number_text(c)))
                if isinstance(c, Decimal)
                else _csv_text(c)
                if isinstance(c, str) and (c[:1] in FORMULA_FIRST or "\x00" in c)
                else c
                for c in cells
            ]
        )


def _csv_text(text: str) -> str:
    """A text as a CSV cell: formula-free, and a NUL shown as its picture ``␀`` (Python's CSV writer
    before 3.11 cannot write one at all, and later ones would write bytes no spreadsheet keeps)."""
    return spreadsheet_text(text.replace("\x00", "\u2400"))


def cell_text(value: Any) -> str:
    """A kept column's value as CSV text (JSON data as compact JSON, numbers exactly)."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        from partyrules import serialize

        return serialize.json_line(value)
    return value_text(value)


def result_data(result: Scored) -> dict[str, Any]:
    """One result as JSON-ready data: ``row``, ``id``, ``columns``, then :func:`serialize.unstructure`."""
    from partyrules import serialize

    data: dict[str, Any] = {"row": result.number, "id": result.id, "columns": dict(result.columns)}
    data.update(serialize.unstructure(result.evaluation))
    return data


def compact_data(result: Scored) -> dict[str, Any]:
    """One result in brief, as JSON-ready data: ``row``, ``id``, ``columns``, ``total``, ``grade``,
    ``not_graded`` (the rule's id, or null), ``points`` (each criterion's and adjustment's, null when not
    scored), ``demotions`` (by the file's quotas) and ``ruleset`` (id, version, fingerprint)."""
    e = result.evaluation
    layout = e.layout
    not_graded = e.not_graded
    names = [c[0] for c in layout.criteria] + [a[0] for a in layout.adjustments]
    ref = layout.ruleset
    return {
        "row": result.number,
        "id": result.id,
        "columns": dict(result.columns),
        "total": number_text(e.total),
        "grade": e.grade,
        "not_graded": not_graded.id if not_graded is not None else None,
        "points": {n: None if p is None else number_text(p) for n, p in zip(names, e.points_in_order())},
        "demotions": _demotions_data(result.demotions),
        "ruleset": {"id": ref.id, "version": ref.version, "fingerprint": ref.fingerprint},
    }


def _demotions_data(demotions: Sequence[Any]) -> list[Any]:
    if not demotions:  # most rows: the serialiser (cattrs) is imported only for a row a quota moved
        return []
    from partyrules import serialize

    return [serialize.unstructure(d) for d in demotions]


def format_jsonl(stream: IO[str], results: Iterable[Scored], *, full: bool = True) -> None:
    """Results as JSON lines (UTF-8 characters kept, one object a line) on an open text stream: each
    result's whole evaluation (:func:`result_data`), or with ``full=False`` its brief (:func:`compact_data`,
    what ``partyrules score`` writes unless given ``--full``)."""
    from partyrules import serialize

    line, write = serialize.json_line, stream.write
    data = result_data if full else compact_data
    for result in results:
        write(line(data(result)))
        write("\n")


def format_xlsx(stream: IO[bytes], ruleset: Ruleset, kept: Sequence[str], results: Iterable[Scored]) -> None:
    """Results as a workbook on an open binary stream: the columns of the CSV, points as numbers."""
    xlsx_table(stream, csv_header(ruleset, kept), (_result_cells(ruleset, kept, r) for r in results))


def writable_target(path: str | os.PathLike[str]) -> int | None:
    """The permissions of the regular file at ``path`` (None when there is none yet); :class:`DataError`
    when ``path`` is a symbolic link or not a regular file (a folder, a pipe, a device such as /dev/null),
    which replacing would destroy."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(found.st_mode):
        raise DataError(f"{os.fspath(path)}: is a symbolic link; give the path of a regular file to write")
    if not stat.S_ISREG(found.st_mode):
        raise DataError(
            f"{os.fspath(path)}: is not a regular file (a folder, a pipe or a device); give a file to write"
        )
    return stat.S_IMODE(found.st_mode)


def write_atomic(path: str | os.PathLike[str], produce: Callable[[IO[Any]], object], *, binary: bool = False) -> None:
    """Write a file all at once: ``produce`` writes to a temporary file that replaces ``path`` at the end.

    The stream is UTF-8 text (opened with ``newline=""``), or bytes with
    ``binary``. If ``produce`` raises, the temporary file is removed and
    ``path`` is untouched. A file that already exists keeps its permissions.
    ``path`` must be a regular file or none (:func:`writable_target`).
    """
    with AtomicFile(path, binary=binary) as pending:
        produce(pending.stream)
        pending.commit()


class AtomicFile:
    """A file written beside ``path`` under a temporary name (``.NAME.RANDOM.tmp``) that replaces ``path``
    only on :meth:`commit`: until then (a failure, another output that fails, an interruption) ``path``
    keeps its old contents. Leaving the ``with`` block without a commit removes the temporary file; so does
    SIGTERM or Ctrl-C in ``partyrules score`` and ``grade`` (they unwind through here). A process killed
    outright (SIGKILL, a power cut) can leave the temporary file behind, never a half-written ``path``."""

    def __init__(self, path: str | os.PathLike[str], *, binary: bool = False) -> None:
        self.target = Path(path)
        self._mode = writable_target(self.target)
        while True:
            # secrets.token_hex(6) without importing secrets (and the hmac and random modules it imports)
            temporary = self.target.parent / f".{self.target.name}.{os.urandom(6).hex()}.tmp"
            try:
                fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            except FileExistsError:  # pragma: no cover - 48 random bits
                continue
            break
        self.temporary = temporary
        try:
            self.stream: IO[Any] = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        except BaseException:  # pragma: no cover - fdopen of a fresh descriptor
            os.close(fd)
            self.discard()
            raise
        self.done = False

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.done:
            self.discard()

    def commit(self) -> None:
        """The file written: flushed to disk, then put in the place of ``path``."""
        try:
            with self.stream:
                self.stream.flush()
                os.fsync(self.stream.fileno())
            if self._mode is not None:
                os.chmod(self.temporary, self._mode)
            os.replace(self.temporary, self.target)
        except BaseException:
            self.discard()
            raise
        self.done = True

    def discard(self) -> None:
        """Nothing written: the temporary file removed, ``path`` untouched."""
        self.done = True
        with contextlib.suppress(OSError, ValueError):
            self.stream.close()
        with contextlib.suppress(OSError):
            os.unlink(self.temporary)


def write_results(
    path: str | os.PathLike[str],
    format: str,
    ruleset: Ruleset,
    kept: Sequence[str],
    results: Iterable[Scored],
    *,
    bom: bool = True,
    full: bool = True,
    then: Callable[[], object] | None = None,
) -> None:
    """Write results atomically as ``csv`` (with a BOM by default, so that Excel reads it as UTF-8), ``jsonl``
    (whole evaluations, or briefs with ``full=False``: :func:`format_jsonl`) or ``xlsx``. ``results`` are
    written as they come (a generator of results is fine). ``then`` runs once they are written, before they
    replace ``path``: if it fails, ``path`` is left as it was (a batch report written after the results)."""
    _write_table(
        path,
        format,
        csv=lambda stream: format_csv(stream, ruleset, kept, results),
        jsonl=lambda stream: format_jsonl(stream, results, full=full),
        xlsx=lambda stream: format_xlsx(stream, ruleset, kept, results),
        bom=bom,
        then=then,
    )


def _write_table(
    path: str | os.PathLike[str],
    format: str,
    *,
    csv: Callable[[IO[str]], None],
    jsonl: Callable[[IO[str]], None],
    xlsx: Callable[[IO[bytes]], None],
    bom: bool,
    then: Callable[[], object] | None = None,
) -> None:
    """A results file written atomically by the writer of its format (``then`` run before it is in place)."""
    writer: Callable[[IO[Any]], None]
    if format == "csv":

        def writer(stream: IO[Any]) -> None:
            if bom:
                stream.write("\ufeff")
            csv(stream)

    elif format == "jsonl":
        writer = jsonl
    elif format == "xlsx":
        openpyxl_module()  # a missing extra is said before any file is created
        writer = xlsx
    else:
        raise DataError(f"unknown output format `{format}` (known: {', '.join(OUTPUT_FORMATS)})")

    def produce(stream: IO[Any]) -> None:
        writer(stream)
        if then is not None:
            then()

    write_atomic(path, produce, binary=format == "xlsx")


# ---------------------------------------------------------------- results of a hierarchy (partyrules grade)


def apply_quotas(
    ruleset: Ruleset, table: Table, results: Sequence[Scored]
) -> tuple[list[Scored], tuple[str, ...], tuple[Any, ...]]:
    """A batch's results with the file's quotas applied (``partyrules score``, the HTTP API): the results
    with their final grades and a column saying each demotion, the kept columns with it, and the
    placements (:class:`partyrules.quota.Placement`). Raises :class:`partyrules.quota.QuotaError`."""
    from partyrules import quota

    renamed, kept = quota_names(table.columns, table.kept)
    # a quota grouped by a column the data lacks is not applied; the summary and the report say so
    rules = [r for r in ruleset.quotas if r.within != "column" or r.group in table.columns]
    placements = quota.apply(rules, [(r.id, r.evaluation, r.columns) for r in results])
    placed = [
        r._replace(
            evaluation=p.evaluation,
            columns=with_quota_column(r.columns, renamed, demotions_text(p.demotions)),
            demotions=p.demotions,
        )
        for r, p in zip(results, placements)
    ]
    return placed, kept, tuple(placements)


def quota_names(columns: Sequence[str], kept: Sequence[str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """The quota column keeps its documented name (:data:`QUOTA_COLUMN`), as ``total`` does: a kept data column
    so called is renamed (``_data`` added while the file has the name). The renaming, the kept columns then it."""
    if QUOTA_COLUMN not in kept:
        return {}, (*kept, QUOTA_COLUMN)
    taken = set(columns)
    name = QUOTA_COLUMN
    while name in taken:
        name = f"{name}_data"
    renamed = {QUOTA_COLUMN: name}
    return renamed, (*(renamed.get(c, c) for c in kept), QUOTA_COLUMN)


def with_quota_column(columns: Mapping[str, Any], renamed: Mapping[str, str], text: str) -> dict[str, Any]:
    """A row's kept columns with the quota column's text, a data column renamed by :func:`quota_names`."""
    if renamed:  # seldom: the file has a column called like the quota column
        return {**{renamed.get(k, k): v for k, v in columns.items()}, QUOTA_COLUMN: text}
    return {**columns, QUOTA_COLUMN: text}


def demotions_text(demotions: Iterable[Any]) -> str:
    """A row's quota demotions (:class:`partyrules.quota.Demotion`) in one results cell."""
    return "; ".join(
        f"{d.quota}: {d.from_grade} → {d.to_grade} (thứ {d.rank}/{d.candidates}, được giữ {d.allowed})"
        for d in demotions
    )


def graded_header(kept: Sequence[str]) -> list[str]:
    """id, parent, level, the kept columns (renamed if one is called like a results column), then the results."""
    fixed = ["id", "parent", "level", *GRADE_COLUMNS]
    return [*fixed[:3], *kept_names(kept, set(fixed)), *fixed[3:]]


def _graded_cells(g: Any, columns: Mapping[str, Any], kept: Sequence[str]) -> list[Any]:
    """One row's cells in :func:`graded_header` order: texts, and the total as a Decimal (None when not graded)."""
    e = g.evaluation
    return [
        g.id or "",
        g.parent or "",
        g.level or "",
        *(cell_text(columns.get(c)) for c in kept),
        e.total if e is not None else None,
        e.grade or "" if e is not None else "",
        e.grade_label or "" if e is not None else "",
        e.not_graded.id if e is not None and e.not_graded is not None else "",
        demotions_text(g.demotions),
        "; ".join(g.problems),
    ]


def _graded_rows(results: Sequence[Any], table: Table) -> Iterator[tuple[Any, Mapping[str, Any]]]:
    """Each result (a :class:`partyrules.hierarchy.GradedRow`) with its row's kept columns (the results
    are in the order of the rows)."""
    for g, row in zip(results, table.rows, strict=True):
        yield g, row.columns if isinstance(row, Row) else {}


def format_graded_csv(stream: IO[str], results: Sequence[Any], table: Table, kept: Sequence[str]) -> None:
    """A hierarchy's results as CSV: a row's id, parent, level, kept columns, total, grade, demotions, problems."""
    rows = (_graded_cells(g, columns, kept) for g, columns in _graded_rows(results, table))
    csv_table(stream, graded_header(kept), rows)


def format_graded_jsonl(stream: IO[str], results: Sequence[Any], table: Table, kept: Sequence[str]) -> None:
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
            "total": number_text(e.total) if e is not None else None,
            "grade": e.grade if e is not None else None,
            "demotions": [serialize.unstructure(d) for d in g.demotions],
            "problems": list(g.problems),
            "evaluation": serialize.unstructure(e) if e is not None else None,
        }
        stream.write(serialize.json_line(item) + "\n")


def format_graded_xlsx(stream: IO[bytes], results: Sequence[Any], table: Table, kept: Sequence[str]) -> None:
    rows = (_graded_cells(g, columns, kept) for g, columns in _graded_rows(results, table))
    xlsx_table(stream, graded_header(kept), rows)


def write_graded(path: str, format: str, results: Sequence[Any], table: Table, kept: Sequence[str]) -> None:
    """A hierarchy's results file, written atomically: CSV (with a BOM, for Excel), JSON lines or a workbook."""
    _write_table(
        path,
        format,
        csv=lambda stream: format_graded_csv(stream, results, table, kept),
        jsonl=lambda stream: format_graded_jsonl(stream, results, table, kept),
        xlsx=lambda stream: format_graded_xlsx(stream, results, table, kept),
        bom=True,
    )


# ---------------------------------------------------------------- column mappings


def read_column_map(path: str | os.PathLike[str]) -> dict[str, str]:
    """A column mapping from a JSON file: one object, the file's column names to input names."""
    name = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{name}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except UnicodeDecodeError:
        raise DataError(f"{name}: the file is not UTF-8 text") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) and v.strip() for v in data.values()):
        raise DataError(
            f'{name}: a column mapping is one JSON object of column names to input names, e.g. {{"Tỷ lệ dự họp": "attendance_rate"}}'
        )
    return {str(k): v for k, v in data.items()}


def parse_column(text: str) -> tuple[str, str]:
    """``COLUMN=INPUT`` as a pair; the column name may hold ``=`` itself (an input name never does)."""
    column, sep, target = text.rpartition("=")
    if not sep or not column.strip() or not target.strip():
        raise DataError(f'--column {text!r}: write it as COLUMN=INPUT, e.g. --column "Tỷ lệ dự họp=attendance_rate"')
    return column.strip(), target.strip()
