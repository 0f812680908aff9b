"""Reading text data files: CSV, JSON lines and JSON, into a :class:`~partyrules.tables.Table`.

CSV is read through :func:`partyrules.delimited.csv_reader` (``,`` ``;`` or tab,
told from the header line); a JSON number is read as an exact Decimal. Row
numbers are what a person finds in an editor: the line of a CSV record or of
a JSON line, the position of an object in a JSON array.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from operator import itemgetter
from typing import Any, NamedTuple

import attrs

from partyrules.delimited import (
    CELL_LIMIT,
    csv_reader,
    next_fields,
    overflow,
    sniff_delimiter,
    too_long_cell,
    too_long_message,
)
from partyrules.diagnostics import did_you_mean
from partyrules.facts import MAX_DIGITS, MISSING, FactProblem, too_many_digits
from partyrules.tables import (
    SAVE_AS_UTF8,
    SURROGATE,
    BadRow,
    DataError,
    Header,
    Reader,
    Row,
    Table,
    default_id_column,
    nfc,
    undecodable,
    value_text,
)


def read_csv(reader: Reader, text: str, id_column: str | None) -> Table:
    head, rows = stream_csv(reader, io.StringIO(text, newline=""), id_column, sniff_delimiter(text))
    return attrs.evolve(head, rows=tuple(rows))


def stream_csv(
    reader: Reader,
    lines: Iterable[str],
    id_column: str | None,
    delimiter: str,
    ordered: tuple[str, ...] | None = None,
) -> tuple[Table, Iterator[Row | BadRow]]:
    """The header of CSV ``lines`` (from a file opened with ``newline=""``) read and checked now, as a
    :class:`Table` without rows, and its rows as they are read: nothing is held but the row at hand.

    ``ordered``: input names; each row's facts are then a tuple of the facts of these inputs in this
    order, :data:`~partyrules.facts.MISSING` for one not given (an empty cell, a missing column, a text
    read with a problem), what a compiled batch takes without a dict (``Table.ordered`` says so)."""
    name = reader.name
    found = csv_reader(lines, delimiter)
    first = next_fields(found)
    if isinstance(first, csv.Error):
        raise DataError(f"{name}:1: the header line cannot be read: {overflow(first) or first}")
    if first is not None and too_long_cell(first) is not None:
        raise DataError(f"{name}:1: the header line cannot be read: {too_long_message()}")
    if first is None:
        raise DataError(f"{name}: the file is empty; the first line should name the columns")
    bad = undecodable("".join(first))
    if bad is not None:
        raise DataError(f"{name}:1: the header is not UTF-8 text (byte {bad}); {SAVE_AS_UTF8}")
    head = reader.header(first, id_column, f"{name}:1")
    table = Table(name, "csv", head.id_name, tuple(head.named), head.kept, (), tuple(head.warnings), head.sources)
    if ordered is not None:
        table = attrs.evolve(table, ordered=ordered)
    return table, _csv_rows(reader, head, found, ordered)


def _csv_rows(reader: Reader, head: Header, found: Any, ordered: tuple[str, ...] | None) -> Iterator[Row | BadRow]:
    """The rows of a CSV file after its header, read from ``found`` (its :func:`csv_reader`) by a plan made
    once per file: which fields are inputs (each column with the texts it has already read, by their text
    as written) and which are kept aside. Each record's lines are counted as :func:`records` counts them."""
    columns = head.columns
    width = len(columns)
    id_index = columns.index(head.id_name) if head.id_name is not None else None
    inputs = [(i, c) for i, c in enumerate(columns) if c and c in reader.specs]
    kept = [(i, c) for i, c in enumerate(columns) if c and c not in reader.specs and c != head.id_name]
    names = [c for _, c in inputs]
    columns_read = [_ColumnTexts(reader, c) for c in names]
    input_texts = _picker([i for i, _ in inputs])
    # in order: each input's place among the file's input columns (None: the file has no column of it)
    places = [names.index(n) if n in names else None for n in ordered] if ordered is not None else None
    known_facts, kept_values_of, kept_nfc_of = _row_readers(
        [(i, c, column.known) for (i, c), column in zip(inputs, columns_read)], kept, places
    )
    make = tuple.__new__  # a Row without the Python-level __new__ of a named tuple
    line = found.line_num
    while True:
        fields = next_fields(found)  # the csv module's field limit raised for this read only
        if fields is None:
            return
        start, line = line + 1, found.line_num
        if isinstance(fields, csv.Error):  # the reader goes on after a record it cannot read
            stop = overflow(fields)
            yield BadRow(start, None, (FactProblem("", stop or f"cannot be read as CSV: {fields}"),))
            if stop:
                return
            continue
        if (len(fields) != width or width == 1) and (not fields or (len(fields) == 1 and not fields[0].strip())):
            continue  # a blank line
        text = "".join(fields)
        ascii = text.isascii()  # most rows: no byte that was not UTF-8, nothing to normalise
        if id_index is None:
            row_id: str | None = str(start)
        elif len(fields) > id_index and (ascii or fields[id_index].isascii()):
            row_id = fields[id_index].strip() or str(start)
        else:
            row_id = _cell_id(fields, id_index, start)
        if len(text) > CELL_LIMIT and (long := too_long_cell(fields)) is not None:  # seldom: one cell or more
            yield _long_cell(columns, long, start, row_id)
            continue
        if len(fields) != width or (not ascii and not _utf8(text)):  # seldom: the whole check then
            problem = _unfit(fields, columns, start, line)
            if problem is not None:
                yield BadRow(start, row_id, (problem,))
                continue
        problems: list[FactProblem] = []
        try:  # every text of the row read before, with no problem: each looked up in its column's
            facts = known_facts(fields)
        except KeyError:  # a text new to its column (or one with a problem): read one by one
            facts = {}
            for name, column_texts, t in zip(names, columns_read, input_texts(fields)):
                value = column_texts.read(t, problems)
                if value is not _EMPTY:
                    facts[name] = value
            if places is not None:
                facts = tuple(_EMPTY if p is None else facts.get(names[p], _EMPTY) for p in places)
        else:
            # an empty cell (of an input, maybe): no fact (the input's default applies); in order, MISSING
            if places is None and "" in fields:
                facts = {name: value for name, value in facts.items() if value is not _EMPTY}
        kept_values = kept_values_of(fields) if ascii else kept_nfc_of(fields)
        number_id = row_id if row_id is not None else str(start)
        yield make(Row, (start, number_id, facts, kept_values, tuple(problems) if problems else ()))


def _long_cell(columns: Sequence[str], index: int, start: int, row_id: str | None) -> BadRow:
    """A record whose cell at ``index`` is longer than a cell may be, rejected (its id, unless that is the cell)."""
    column = columns[index] if index < len(columns) and columns[index] else f"column {index + 1}"
    row_id = row_id if row_id is not None and len(row_id) <= CELL_LIMIT else None
    return BadRow(start, row_id, (FactProblem(column, too_long_message(cell=False)),))


def _utf8(text: str) -> bool:
    """Whether ``text`` holds no byte that was not UTF-8 (kept as a lone surrogate by surrogateescape):
    encoding it is the quick test, a search of the whole text for one the slow one."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _row_readers(
    inputs: Sequence[tuple[int, str, dict[str, Any]]],
    kept: Sequence[tuple[int, str]],
    places: Sequence[int | None] | None = None,
) -> tuple[Callable[[list[str]], Any], ...]:
    """Three functions of a record's fields, made once per file: the facts of the input fields (each text
    looked up in its column's ``known`` texts: KeyError for a text not there), the kept fields as they
    are, and the kept fields normalised (NFC). With ``places`` (each input's place in ``inputs``, in the
    order the facts are wanted, None for an input without a column), the facts are a tuple in that
    order, ``MISSING`` where there is no column (and, from ``known``, where a cell is empty).

    Each is a dict display written for this file's columns (``{N0: K0[f[3]], N1: K1[f[4]]}``): Python
    builds it presized, looking each field up by a specialised subscript, about half the instructions
    of ``dict(zip(names, map(...)))``. The generated text holds only names made here and field
    positions; the file's column names and texts reach it as arguments, never as code."""
    facts = "{" + ", ".join(f"N{n}: K{n}[f[{i}]]" for n, (i, _, _) in enumerate(inputs)) + "}"
    if places is not None:  # a tuple display (a trailing comma: one input is still a tuple)
        at = [i for i, _, _ in inputs]
        facts = "(" + "".join("MISSING, " if p is None else f"K{p}[f[{at[p]}]], " for p in places) + ")"
    plain = ", ".join(f"M{n}: f[{i}]" for n, (i, _) in enumerate(kept))
    normal = ", ".join(f"M{n}: nfc(f[{i}])" for n, (i, _) in enumerate(kept))
    parameters = ", ".join([*(f"N{n}, K{n}" for n in range(len(inputs))), *(f"M{n}" for n in range(len(kept)))])
    code = (
        f"def make(nfc, {parameters}):\n"
        f"    def facts(f):\n        return {facts}\n"
        f"    def kept(f):\n        return {{{plain}}}\n"
        f"    def kept_nfc(f):\n        return {{{normal}}}\n"
        "    return facts, kept, kept_nfc\n"
    )
    namespace: dict[str, Any] = {"MISSING": _EMPTY}
    exec(compile(code, "<partyrules row readers>", "exec"), namespace)
    arguments = [*(x for _, name, known in inputs for x in (name, known)), *(name for _, name in kept)]
    made: tuple[Callable[[list[str]], Any], ...] = namespace["make"](nfc, *arguments)
    return made


def _picker(indexes: Sequence[int]) -> Callable[[Sequence[str]], tuple[str, ...]]:
    """The fields at these indexes, as a tuple (``itemgetter`` gives a lone field bare)."""
    if len(indexes) > 1:
        return itemgetter(*indexes)
    if indexes:
        index = indexes[0]
        return lambda fields: (fields[index],)
    return lambda fields: ()


#: the fact of an empty cell, as :class:`_ColumnTexts` keeps it: none (the input's default applies); the
#: runtime's MISSING, which a row of facts in order (``ordered``) holds for a fact not given
_EMPTY: Any = MISSING


class _ColumnTexts:
    """One input column's texts, each read once: a column repeats few texts (yes/no, small counts, rates).

    ``known`` maps a cell's text as written (before normalising) to its fact, :data:`_EMPTY` for the
    empty text. Not kept: a text read with a problem (every row it is in gets its problem) and blank
    text other than the empty one (a row without ``""`` has a fact in every input column). At most
    :attr:`KEPT_TEXTS` texts are kept a column (then the reader's own memory answers).
    """

    KEPT_TEXTS = 4096

    def __init__(self, reader: Reader, column: str) -> None:
        self.fact = reader.fact
        self.column = column
        self.known: dict[str, Any] = {}

    def read(self, text: str, problems: list[FactProblem]) -> Any:
        """The fact of ``text`` (:data:`_EMPTY` when blank), its problem added to ``problems``."""
        value = self.known.get(text)
        if value is not None:
            return value
        found = len(problems)
        value = self.fact(self.column, text if text.isascii() else nfc(text), problems)
        if value is None:
            value = _EMPTY
        if len(problems) == found and len(self.known) < self.KEPT_TEXTS and (value is not _EMPTY or not text):
            self.known[text] = value
        return value


def _unfit(fields: list[str], columns: list[str], start: int, end: int) -> FactProblem | None:
    """What makes a record (lines ``start`` to ``end``) no row of the table, if anything: its number
    of fields, or bytes that are not UTF-8. Trailing empty fields, as spreadsheets sometimes write, are
    dropped from ``fields``."""
    width = len(columns)
    if len(fields) > width and not any(f.strip() for f in fields[width:]):
        del fields[width:]
    if len(fields) != width:
        message = f"has {len(fields)} field{'s' if len(fields) != 1 else ''} where the header has {width}"
        if end > start:
            message += f" (it runs over lines {start}-{end}: is a quote left open?)"
        return FactProblem("", message)
    if SURROGATE.search("".join(fields)):
        where = ", ".join(
            f"`{c or f'column {i + 1}'}` (byte {b})"
            for i, (c, f) in enumerate(zip(columns, fields, strict=True))
            if (b := undecodable(f))
        )
        return FactProblem("", f"is not UTF-8 text in {where}; {SAVE_AS_UTF8}")
    return None


def _cell_id(fields: Sequence[str], index: int, number: int) -> str | None:
    """A row's id from a cell that is not all ASCII (its line number when the cell is empty); None when the
    id cell is missing or not UTF-8."""
    if index >= len(fields):
        return None
    value = nfc(fields[index].strip())
    if undecodable(value) is not None:
        return None
    return value or str(number)


class _RepeatedKeys(dict[str, Any]):
    """A JSON object in which some key appears more than once (``repeated``): a plain dict would keep
    the last value without a word."""

    repeated: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) == len(pairs):
        return found
    repeated = _RepeatedKeys(pairs)
    repeated.repeated = (_first_repeated(k for k, _ in pairs),)
    return repeated


def _first_repeated(keys: Iterable[str]) -> str:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            return key
        seen.add(key)
    raise ValueError("no key is repeated")  # pragma: no cover - called only when one is


class _TooManyDigits(Exception):
    """A JSON number of more than facts.MAX_DIGITS digits (or as far from 1) met while parsing."""


class _Marked:
    """Where a number of too many digits stood, in a value parsed again to find its column."""


_MARKED = _Marked()
TOO_MANY_DIGITS = f"is a number of more than {MAX_DIGITS} digits, more than partyrules reads"


def _json_int(text: str) -> int:
    # a number past facts.MAX_DIGITS is refused as it is parsed, in any column (an input, a kept column,
    # the id): written out, 1e999999999 would take gigabytes; int() of a long text would be slow too
    if len(text) > MAX_DIGITS and len(text.lstrip("-")) > MAX_DIGITS:
        raise _TooManyDigits
    return int(text)


def _json_float(text: str) -> Decimal:
    value = Decimal(text)
    if (len(text) > MAX_DIGITS or "e" in text or "E" in text) and too_many_digits(value):
        raise _TooManyDigits
    return value


def _marked_int(text: str) -> Any:
    try:
        return _json_int(text)
    except _TooManyDigits:
        return _MARKED


def _marked_float(text: str) -> Any:
    try:
        return _json_float(text)
    except _TooManyDigits:
        return _MARKED


def _loads(text: str) -> Any:
    """A JSON text as values, numbers exact; raises _TooManyDigits for a number of too many digits."""
    return json.loads(text, parse_float=_json_float, parse_int=_json_int, object_pairs_hook=_object)


def _loads_marked(text: str) -> Any:
    """A JSON text as :func:`_loads` reads it, a number of too many digits read as ``_MARKED``."""
    return json.loads(text, parse_float=_marked_float, parse_int=_marked_int, object_pairs_hook=_object)


def _marked_column(value: Any) -> str | None:
    """The key (as written) of the first top-level value of an object that holds ``_MARKED`` at any
    depth, ``""`` when the value is not an object and holds it, None when nothing does."""
    items = value.items() if isinstance(value, dict) else [("", value)]
    for key, item in items:
        stack = [item]
        while stack:
            found = stack.pop()
            if found is _MARKED:
                return str(key)
            if isinstance(found, dict):
                stack.extend(found.values())
            elif isinstance(found, list):
                stack.extend(found)
    return None


def _digits_problem(value: Any) -> FactProblem | None:
    column = _marked_column(value)
    return None if column is None else FactProblem(column, TOO_MANY_DIGITS)


class _Refused(NamedTuple):
    """An object read with a number of too many digits (``_MARKED`` where it stood): a rejected row, given
    to :func:`_object_rows` as an object so that the row's id is found as for any other."""

    obj: Any
    problem: FactProblem


# a JSON escape that may stand for half of a surrogate pair (a whole pair becomes one character)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
NESTED_TOO_DEEPLY = "is nested too deeply to be read (JSON of organisations' facts needs a few levels)"


def _lone_surrogate(value: Any) -> str | None:
    """The first lone surrogate (``\\ud800``, from a JSON escape: not a character) in a JSON value, if any."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found = _LONE_SURROGATE.search(item)
            if found:
                return f"\\u{ord(found.group()):04x}"
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _surrogate_problem(value: Any) -> FactProblem | None:
    escape = _lone_surrogate(value)
    if escape is None:
        return None
    return FactProblem("", f"holds {escape}, half of a surrogate pair, which is no character; fix the text")


def read_jsonl(reader: Reader, text: str, id_column: str | None) -> Table:
    head, rows = stream_jsonl(reader, lambda: text.split("\n"), id_column)
    return attrs.evolve(head, rows=tuple(rows()))


def stream_jsonl(
    reader: Reader, lines: Callable[[], Iterable[str]], id_column: str | None
) -> tuple[Table, Callable[[], Iterator[Row | BadRow]]]:
    """JSON lines read twice, nothing held: once for the columns (every object's keys, in order of first
    appearance: the kept columns and the id column need them all), then row by row. ``lines`` gives the
    file's lines (without their ``\n``) afresh each time it is called; so does the rows' function."""
    head = _objects_head(reader, "jsonl", _jsonl_objects(lines()), id_column)
    return head, lambda: _object_rows(reader, head, _jsonl_objects(lines()))


def _jsonl_objects(lines: Iterable[str]) -> Iterator[tuple[int, Any] | BadRow]:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        byte = undecodable(line)
        if byte is not None:
            problem = FactProblem("", f"is not UTF-8 text (byte {byte}); save the file as UTF-8")
            yield BadRow(number, None, (problem,))
            continue
        try:
            obj = _loads(line)
        except json.JSONDecodeError as exc:
            yield BadRow(number, None, (FactProblem("", f"is not valid JSON: {exc.msg} (column {exc.colno})"),))
            continue
        except RecursionError:
            yield BadRow(number, None, (FactProblem("", NESTED_TOO_DEEPLY),))
            continue
        except _TooManyDigits:  # seldom: the line read again to name the column
            marked = _loads_marked(line)
            yield number, _Refused(marked, _digits_problem(marked) or FactProblem("", TOO_MANY_DIGITS))
            continue
        halves = _surrogate_problem(obj) if _SURROGATE_ESCAPE.search(line) else None
        if halves is not None:
            yield BadRow(number, None, (halves,))
            continue
        yield number, obj


def read_json(reader: Reader, text: str, id_column: str | None) -> Table:
    name = reader.name
    byte = undecodable(text)
    if byte is not None:
        raise DataError(f"{name}: the file is not UTF-8 text (byte {byte}); save it as UTF-8")
    marked = False  # whether some number has too many digits: its object is then a rejected row
    try:
        try:
            data = _loads(text)
        except _TooManyDigits:  # seldom: the file read again, each such number marked where it stands
            data, marked = _loads_marked(text), True
    except json.JSONDecodeError as exc:
        raise DataError(f"{name}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise DataError(f"{name}: the file {NESTED_TOO_DEEPLY}") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise DataError(f"{name}: expected a JSON array of objects (one per organisation) or one object of facts")
    check = _SURROGATE_ESCAPE.search(text) is not None

    def objects() -> Iterator[tuple[int, Any] | BadRow]:
        for number, obj in enumerate(data, 1):
            problem = _surrogate_problem(obj) if check else None
            digits = _digits_problem(obj) if problem is None and marked else None
            if digits is not None:
                yield number, _Refused(obj, digits)
                continue
            yield (number, obj) if problem is None else BadRow(number, None, (problem,))

    head = _objects_head(reader, "json", objects(), id_column)
    return attrs.evolve(head, rows=tuple(_object_rows(reader, head, objects())))


def _cleaned(reader: Reader, number: int, obj: Any) -> tuple[Any, dict[str, str]] | BadRow:
    """An object with its keys trimmed, normalised and renamed (and the file's name of each renamed key),
    or the row rejected for a key it has twice; anything else as it is."""
    if not isinstance(obj, dict):
        return obj, {}
    keys = [nfc(str(k)).strip() for k in obj]
    repeated = _repeated(keys, getattr(obj, "repeated", ()))
    if repeated:  # which of the values is meant? none is guessed
        return BadRow(number, None, (FactProblem("", repeated),))
    renamed, found = reader.rename(keys, everywhere=False)
    return {new: nfc(v) if isinstance(v, str) else v for new, v in zip(renamed, obj.values())}, found


def _objects_head(
    reader: Reader, kind: str, objects: Iterable[tuple[int, Any] | BadRow], id_column: str | None
) -> Table:
    """The table's columns, id column and warnings, from every object's keys (a first pass)."""
    columns: dict[str, None] = {}
    sources: dict[str, str] = {}
    for item in objects:
        if isinstance(item, BadRow):
            continue
        cleaned = _cleaned(reader, *item)
        if isinstance(cleaned, BadRow):
            continue
        obj, found = cleaned
        sources.update(found)
        if isinstance(obj, dict):
            columns.update(dict.fromkeys(obj))
    all_columns = tuple(columns)
    unused = [
        source for source, target in reader.mapping.items() if target not in sources and source not in all_columns
    ]
    if unused and all_columns:
        hint = did_you_mean(unused[0], list(all_columns))
        raise DataError(
            f"{reader.name}: the column mapping names `{unused[0]}`, which no object has"
            + (f"; {hint}" if hint else "")
        )
    id_name = id_column if id_column is not None else default_id_column(all_columns)
    kept_columns = tuple(c for c in all_columns if c not in reader.specs and c != id_name)
    warnings = reader.column_checks(all_columns, id_name, strict=False) if all_columns else []
    return Table(reader.name, kind, id_name, all_columns, kept_columns, (), tuple(warnings), sources)


def _object_rows(reader: Reader, head: Table, objects: Iterable[tuple[int, Any] | BadRow]) -> Iterator[Row | BadRow]:
    """Each object as a row, in the file's order (a second pass)."""
    id_name = head.id_column
    for item in objects:
        if isinstance(item, BadRow):
            yield item
            continue
        number = item[0]
        cleaned = _cleaned(reader, *item)
        if isinstance(cleaned, BadRow):
            yield cleaned
            continue
        obj = cleaned[0]
        if isinstance(obj, _Refused):
            yield BadRow(number, _refused_id(reader, obj.obj, id_name), (obj.problem,))
            continue
        if not isinstance(obj, dict):
            yield BadRow(number, None, (FactProblem("", f"is not a JSON object but {_json_kind(obj)}"),))
            continue
        raw_id = obj.get(id_name) if id_name is not None else None
        row_id = value_text(raw_id).strip() if raw_id is not None else ""
        facts: dict[str, Any] = {}
        kept: dict[str, Any] = {}
        problems: list[FactProblem] = []
        for key, value in obj.items():
            if key in reader.specs:
                value = reader.fact(key, value, problems)
                if value is not None:
                    facts[key] = value
            elif key != id_name:
                kept[key] = value
        yield Row(number, row_id or str(number), facts, kept, tuple(problems))


def _refused_id(reader: Reader, obj: Any, id_name: str | None) -> str | None:
    """The id of a refused object, when it has one that is plain text or a number (not the one refused)."""
    cleaned = _cleaned(reader, 0, obj)
    if isinstance(cleaned, BadRow) or not isinstance(cleaned[0], dict) or id_name is None:
        return None
    raw_id = cleaned[0].get(id_name)
    if isinstance(raw_id, (str, int, Decimal)) and not isinstance(raw_id, bool):
        return value_text(raw_id).strip() or None
    return None


def _repeated(keys: Sequence[str], repeated: Sequence[str]) -> str | None:
    """What is wrong with an object's keys when some key appears twice, as written or once trimmed and
    normalised (``"minutes"`` and ``" minutes"``), or None."""
    if repeated:
        return f"has the key `{repeated[0]}` more than once; keep one"
    if len(set(keys)) == len(keys):
        return None
    return (
        f"has the key `{_first_repeated(keys)}` more than once (once its spaces and accents are normalised); keep one"
    )


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    return "a number"
