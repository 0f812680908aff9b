"""Delimited text (CSV) as records: the one CSV reader of partyrules.

Data files (:mod:`partyrules.data`) and the examples tables of criteria files
both read CSV through :func:`records`: every record carries the lines it spans,
for messages a person can follow in an editor, and a record that is not CSV is
reported, not raised. Data files may use ``,`` ``;`` or tab, as offices'
spreadsheets save them (the delimiter is told from the header line); examples
tables in a criteria file are written with commas (the checker passes ``,``).
Only the standard library is imported, so any stage (the checker included) may
use it.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

#: The delimiters a file may use, in order of preference when the header line holds as many of each.
DELIMITERS = (",", ";", "\t")

#: The longest cell partyrules reads (the csv module's default field limit): a record with a longer one is
#: refused whole, its quoted cell read to its closing quote (the text inside is never read as records).
CELL_LIMIT = 131_072

#: The csv module's field limit while partyrules reads a record (set around each read and put back before
#: anything else runs, so a host program's own limit is left as it was): far enough past
#: :data:`CELL_LIMIT` that a long cell is read to its end and refused; a cell longer still (a quote left
#: open in a large file) stops the reading, since where its record ends can no longer be told.
READ_LIMIT = 64 * CELL_LIMIT

#: held while the limit is raised: two threads reading CSV at once would otherwise put back each other's
#: raised limit (one left reading with the module's, the host program left with partyrules')
RAISED = threading.Lock()


def too_long_cell(fields: list[str]) -> int | None:
    """The index of the first field longer than :data:`CELL_LIMIT`, if any."""
    for i, field in enumerate(fields):
        if len(field) > CELL_LIMIT:
            return i
    return None


def too_long_message(cell: bool = True) -> str:
    """The problem of a record with a cell longer than :data:`CELL_LIMIT` (said of its column when not ``cell``)."""
    subject = "a cell is" if cell else "is"
    return f"{subject} longer than {CELL_LIMIT:,} characters, more than partyrules reads in a cell"


def overflow(exc: csv.Error) -> str | None:
    """When ``exc`` is the csv module's field limit (a cell longer than :data:`READ_LIMIT`), the problem to
    report, after which the reading stops (the rest of the cell would be read as records); else None."""
    if "field limit" not in str(exc):
        return None
    return (
        f"a cell is longer than {READ_LIMIT:,} characters (is a quote left open?); "
        "where its record ends cannot be told, so the rest of the file is not read"
    )


_limit, _acquire, _release = csv.field_size_limit, RAISED.acquire, RAISED.release


def next_fields(reader: Iterator[list[str]]) -> list[str] | csv.Error | None:
    """The next record's fields from a csv reader, the error it raised, or None at the end: read with the
    module's field limit at :data:`READ_LIMIT`, put back before this returns (the host program never runs
    with it; under :data:`RAISED`, taken and released by hand: a third of the cost of a ``with``, a row
    at a time)."""
    _acquire()
    try:
        host = _limit(READ_LIMIT)
        try:
            return next(reader, None)
        except csv.Error as exc:
            return exc
        finally:
            _limit(host)
    finally:
        _release()


class Record(NamedTuple):
    """One record: the line it starts on, the line it ends on, and its fields (or why it cannot be read).

    ``fields`` is empty for a blank line. When ``error`` is not None the record could not be
    read (``fields`` is then empty) and reading goes on with the next line.
    """

    start: int
    end: int
    fields: list[str]
    error: str | None = None


def sniff_delimiter(text: str) -> str:
    """The delimiter of the text: of ``,`` ``;`` and tab, the one its first line holds most of (``,`` if none)."""
    line = text.split("\n", 1)[0]
    counts = [(line.count(d), -i, d) for i, d in enumerate(DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] else ","


def records(text: str | Iterable[str], delimiter: str | None = None) -> Iterator[Record]:
    """Every record of the text, the header first, with its lines (a record may span several:
    a quoted field can hold line breaks). ``delimiter`` is sniffed from the first line when None.
    ``text`` may also be its lines, read as they come (a file opened with ``newline=""``): the
    delimiter must then be given.

    A record that is not CSV (a stray quote, a NUL byte) is a :class:`Record` with its ``error``,
    never an exception: the records after it are still read.
    """
    if isinstance(text, str):
        delimiter = delimiter or sniff_delimiter(text)
        text = io.StringIO(text, newline="")
    reader = csv_reader(text, delimiter or ",")
    # a data file has a record per organisation: made as a plain tuple, without the Python-level
    # __new__ of a NamedTuple (a third of the time of reading a record)
    make = tuple.__new__
    line = 0
    while True:
        start = line + 1
        fields = next_fields(reader)
        if fields is None:
            return
        line = reader.line_num
        if isinstance(fields, csv.Error):
            stop = overflow(fields)
            yield make(Record, (start, line, [], stop or str(fields)))
            if stop:
                return
            continue
        if too_long_cell(fields) is not None:
            yield make(Record, (start, line, [], too_long_message()))
            continue
        yield make(Record, (start, line, fields, None))


def csv_reader(lines: Iterable[str], delimiter: str) -> Any:
    """The csv module's reader of ``lines`` with this delimiter: what :func:`records` reads. A data file's
    rows (:mod:`partyrules.readers`) are read from it directly, one loop a file instead of a generator
    a record, and count each record's lines as :func:`records` does (from its ``line_num``)."""
    return csv.reader(lines, delimiter=delimiter)
