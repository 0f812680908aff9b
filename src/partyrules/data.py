"""Data files as offices keep them: reading rows of facts, writing results.

Reading: CSV (UTF-8 with or without a BOM, ``,`` ``;`` or tab sniffed from
the header line; in a ``;`` file a number may have a decimal comma, ``87,5``,
as spreadsheets in Vietnamese and European locales write it), JSON lines
(``.jsonl``) and JSON (an array of objects, or one object). Empty cells and
JSON nulls are absent facts, so defaults apply. Every row becomes a
:class:`Row` (its number, its id, the facts for the ruleset's inputs and the
other columns, kept aside) or a :class:`BadRow` saying what is wrong with it;
one broken row never stops the others. Problems with the whole file (no
header, a required input with no column, a JSON file that does not parse)
raise :class:`DataError`.

Row numbers are what a person finds in an editor or a spreadsheet: for CSV
and JSON lines the line number in the file (the header of a CSV is line 1,
so its first organisation is row 2), for a JSON array the position of the
object (1 for the first).

Writing: CSV and JSON lines, deterministic (same input, same bytes) and
atomic (a temporary file in the same folder, then :func:`os.replace`; a run
that fails leaves no half-written file and the previous file intact).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import secrets
import stat
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import attrs

from partyrules import serialize
from partyrules.diagnostics import PartyrulesError, did_you_mean
from partyrules.runtime import Evaluation, FactProblem, FactsError, InputSpec, Ruleset

FORMATS = ("csv", "jsonl", "json")
OUTPUT_FORMATS = ("csv", "jsonl")
SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}
DELIMITERS = (",", ";", "\t")
DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+%?\Z")
SAVE_AS_UTF8 = "save it as UTF-8 (in Excel: Save As → CSV UTF-8 (Comma delimited))"


class DataError(PartyrulesError, ValueError):
    """A data file cannot be used at all (as opposed to one bad row in it)."""


@attrs.frozen
class Row:
    """One organisation's row: where it is, its id, its facts and the columns kept aside."""

    number: int
    id: str
    facts: Mapping[str, Any]
    columns: Mapping[str, Any]


@attrs.frozen
class BadRow:
    """A row that was not scored, with every problem found in it.

    A problem's ``input`` is the input it concerns, or ``""`` for a problem
    with the row itself (wrong number of fields, not UTF-8, not JSON).
    """

    number: int
    id: str | None
    problems: tuple[FactProblem, ...]


@attrs.frozen
class Table:
    """A data file read for one ruleset."""

    path: str
    format: str
    id_column: str | None  # the column the row ids came from, None for row numbers (or per-row JSON keys)
    columns: tuple[str, ...]  # every column, in file order (for JSON: keys in order of first appearance)
    kept: tuple[str, ...]  # columns that are neither inputs nor the id column, in file order
    rows: tuple[Row | BadRow, ...]
    warnings: tuple[str, ...] = ()

    def find(self, *, number: int | None = None, id: str | None = None) -> Row | BadRow:
        """The row with this number or id; :class:`DataError` if there is none (or several with the id)."""
        if number is not None:
            for row in self.rows:
                if row.number == number:
                    return row
            if self.format == "csv" and number == 1:
                raise DataError(f"{self.path}: row 1 is the header; the first organisation is row 2")
            numbers = [r.number for r in self.rows]
            span = f" (rows {numbers[0]}..{numbers[-1]})" if numbers else ""
            raise DataError(f"{self.path}: there is no row {number}{span}")
        matches = [r for r in self.rows if r.id == id]
        if not matches:
            ids = [r.id for r in self.rows if r.id is not None]
            hint = did_you_mean(str(id), ids)
            raise DataError(f"{self.path}: no row has the id `{id}`" + (f"; {hint}" if hint else ""))
        if len(matches) > 1:
            shown = ", ".join(str(r.number) for r in matches)
            raise DataError(f"{self.path}: several rows have the id `{id}` (rows {shown}); choose one with --row")
        return matches[0]


@attrs.frozen
class Scored:
    """A row and its evaluation."""

    number: int
    id: str
    columns: Mapping[str, Any]
    evaluation: Evaluation


# ---------------------------------------------------------------- reading


def detect_format(path: str | os.PathLike[str], head: bytes = b"") -> str:
    """``csv``, ``jsonl`` or ``json``: from the file name, else from the first character."""
    suffix = Path(path).suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
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
) -> Table:
    """Read every row of a data file for a ruleset with these inputs.

    Raises :class:`DataError` (or :class:`OSError`) when the file as a whole
    cannot be used; problems with single rows become :class:`BadRow`.
    """
    name = str(path)
    data = Path(path).read_bytes()
    kind = format or detect_format(path, data[:64])
    if kind not in FORMATS:
        raise DataError(f"{name}: unknown data format `{kind}` (known: {', '.join(FORMATS)})")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        if kind != "csv":
            raise DataError(f"{name}: the file is UTF-16 text; {SAVE_AS_UTF8}")
        text = data.decode("utf-16")
    else:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="surrogateescape")
    if kind == "csv":
        return _read_csv(name, text, inputs, id_column)
    if kind == "jsonl":
        return _read_jsonl(name, text, inputs, id_column)
    return _read_json(name, text, inputs, id_column)


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _undecodable(text: str) -> str | None:
    """The first byte that was not UTF-8 (kept as a lone surrogate by surrogateescape), as ``0xE9``."""
    for ch in text:
        if "\udc80" <= ch <= "\udcff":
            return f"0x{ord(ch) - 0xDC00:02X}"
    return None


def _sniff_delimiter(text: str) -> str:
    line = text.split("\n", 1)[0]
    counts = [(line.count(d), -i, d) for i, d in enumerate(DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] else ","


def _default_id_column(columns: Iterable[str]) -> str | None:
    for column in columns:
        if column == "id" or column.endswith("_id"):
            return column
    return None


def _column_checks(
    name: str, columns: Sequence[str], inputs: Sequence[InputSpec], id_column: str | None, *, strict: bool = True
) -> list[str]:
    """Raise for a required input with no column (if strict); warnings for other inputs that may be misspelt."""
    present = set(columns)
    others = [c for c in columns if c not in {i.name for i in inputs} and c != id_column]
    missing: list[str] = []
    warnings: list[str] = []
    for spec in inputs:
        if spec.name in present:
            continue
        hint = did_you_mean(spec.name, others)
        if spec.required and strict:
            missing.append(f"  {spec.name} ({spec.label})" + (f": {hint}" if hint else ""))
        elif hint:
            then = "every row takes its default" if not spec.required else "rows without it are rejected"
            warnings.append(f"{name}: there is no column `{spec.name}` ({spec.label}), so {then}; {hint}")
    if missing:
        s = "s" if len(missing) != 1 else ""
        raise DataError(f"{name}: no column for the required input{s}:\n" + "\n".join(missing))
    return warnings


def _read_csv(name: str, text: str, inputs: Sequence[InputSpec], id_column: str | None) -> Table:
    delimiter = _sniff_delimiter(text)
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise DataError(f"{name}: the file is empty; the first line should name the columns") from None
    except csv.Error as exc:
        raise DataError(f"{name}:1: the header line cannot be read: {exc}") from None
    bad = _undecodable("".join(header))
    if bad is not None:
        raise DataError(f"{name}:1: the header is not UTF-8 text (byte {bad}); {SAVE_AS_UTF8}")
    columns = [_nfc(c.strip()) for c in header]
    if not any(columns):
        raise DataError(f"{name}:1: the first line should name the columns")
    seen: dict[str, int] = {}
    for position, column in enumerate(columns, 1):
        if column and column in seen:
            raise DataError(f"{name}:1: the column `{column}` appears twice (columns {seen[column]} and {position})")
        seen[column] = position
    named = [c for c in columns if c]
    if id_column is not None and id_column not in seen:
        hint = did_you_mean(id_column, named)
        raise DataError(f"{name}: there is no column `{id_column}` for the ids" + (f"; {hint}" if hint else ""))
    id_name = id_column if id_column is not None else _default_id_column(named)
    input_names = {i.name for i in inputs}
    warnings = _column_checks(name, named, inputs, id_name)
    kept = tuple(c for c in named if c not in input_names and c != id_name)
    id_index = columns.index(id_name) if id_name is not None else None
    # a `;` CSV comes from a spreadsheet whose locale writes 87,5 for 87.5 (as Vietnamese Excel does)
    decimal_comma = delimiter == ";"
    numeric = {i.name for i in inputs if i.kind in ("integer", "decimal", "percent")}
    width = len(columns)

    rows: list[Row | BadRow] = []
    line = reader.line_num
    while True:
        start = line + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            line = reader.line_num
            rows.append(BadRow(start, None, (FactProblem("", f"cannot be read as CSV: {exc}"),)))
            continue
        line = reader.line_num
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # a blank line
        row_id = _cell_id(fields, id_index, start)
        if len(fields) > width and not any(f.strip() for f in fields[width:]):
            fields = fields[:width]  # trailing empty fields, as spreadsheets sometimes write
        if len(fields) != width:
            message = f"has {len(fields)} field{'s' if len(fields) != 1 else ''} where the header has {width}"
            if line > start:
                message += f" (it runs over lines {start}-{line}: is a quote left open?)"
            rows.append(BadRow(start, row_id, (FactProblem("", message),)))
            continue
        undecodable = [
            (c or f"column {i + 1}", b)
            for i, (c, f) in enumerate(zip(columns, fields, strict=True))
            if (b := _undecodable(f))
        ]
        if undecodable:
            where = ", ".join(f"`{c}` (byte {b})" for c, b in undecodable)
            rows.append(BadRow(start, row_id, (FactProblem("", f"is not UTF-8 text in {where}; {SAVE_AS_UTF8}"),)))
            continue
        facts: dict[str, Any] = {}
        kept_values: dict[str, Any] = {}
        for column, value in zip(columns, fields, strict=True):
            if not column:
                continue
            value = _nfc(value)
            if column in input_names:
                value = value.strip()
                if decimal_comma and column in numeric and DECIMAL_COMMA.match(value):
                    value = value.replace(",", ".")
                if value:
                    facts[column] = value
            elif column != id_name:
                kept_values[column] = value
        rows.append(Row(start, row_id if row_id is not None else str(start), facts, kept_values))
    return Table(name, "csv", id_name, tuple(named), kept, tuple(rows), tuple(warnings))


def _cell_id(fields: Sequence[str], index: int | None, number: int) -> str | None:
    if index is None:
        return str(number)
    if index >= len(fields):
        return None
    value = _nfc(fields[index].strip())
    if _undecodable(value) is not None:
        return None
    return value or str(number)


def _loads(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


def _read_jsonl(name: str, text: str, inputs: Sequence[InputSpec], id_column: str | None) -> Table:
    objects: list[tuple[int, Any]] = []
    bad: list[BadRow] = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        byte = _undecodable(line)
        if byte is not None:
            problem = FactProblem("", f"is not UTF-8 text (byte {byte}); save the file as UTF-8")
            bad.append(BadRow(number, None, (problem,)))
            continue
        try:
            objects.append((number, _loads(line)))
        except json.JSONDecodeError as exc:
            bad.append(BadRow(number, None, (FactProblem("", f"is not valid JSON: {exc.msg} (column {exc.colno})"),)))
    return _table_of_objects(name, "jsonl", objects, bad, inputs, id_column)


def _read_json(name: str, text: str, inputs: Sequence[InputSpec], id_column: str | None) -> Table:
    byte = _undecodable(text)
    if byte is not None:
        raise DataError(f"{name}: the file is not UTF-8 text (byte {byte}); save it as UTF-8")
    try:
        data = _loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{name}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise DataError(f"{name}: expected a JSON array of objects (one per organisation) or one object of facts")
    return _table_of_objects(name, "json", list(enumerate(data, 1)), [], inputs, id_column)


def _table_of_objects(
    name: str,
    kind: str,
    objects: Sequence[tuple[int, Any]],
    bad: Sequence[BadRow],
    inputs: Sequence[InputSpec],
    id_column: str | None,
) -> Table:
    input_names = {i.name for i in inputs}
    cleaned: list[tuple[int, dict[str, Any] | Any]] = []
    columns: dict[str, None] = {}
    for number, obj in objects:
        if isinstance(obj, dict):
            obj = {_nfc(str(k)).strip(): _nfc(v) if isinstance(v, str) else v for k, v in obj.items()}
            columns.update(dict.fromkeys(obj))
        cleaned.append((number, obj))
    all_columns = tuple(columns)
    id_name = id_column if id_column is not None else _default_id_column(all_columns)
    rows: list[Row | BadRow] = list(bad)
    for number, obj in cleaned:
        if not isinstance(obj, dict):
            rows.append(BadRow(number, None, (FactProblem("", f"is not a JSON object but {_json_kind(obj)}"),)))
            continue
        raw_id = obj.get(id_name) if id_name is not None else None
        row_id = _text(raw_id).strip() if raw_id is not None else ""
        facts: dict[str, Any] = {}
        kept: dict[str, Any] = {}
        for key, value in obj.items():
            if key in input_names:
                if isinstance(value, str):
                    value = value.strip()
                if value is not None and value != "":
                    facts[key] = value
            elif key != id_name:
                kept[key] = value
        rows.append(Row(number, row_id or str(number), facts, kept))
    rows.sort(key=lambda r: r.number)
    kept_columns = tuple(c for c in all_columns if c not in input_names and c != id_name)
    warnings = _column_checks(name, all_columns, inputs, id_name, strict=False) if all_columns else []
    return Table(name, kind, id_name, all_columns, kept_columns, tuple(rows), tuple(warnings))


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


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return plain(value)
    return str(value)


# ---------------------------------------------------------------- scoring


def score(ruleset: Ruleset, rows: Iterable[Row | BadRow]) -> Iterator[Scored | BadRow]:
    """Score every good row, in order; a row whose facts are wrong becomes a :class:`BadRow`."""
    for row in rows:
        if isinstance(row, BadRow):
            yield row
            continue
        try:
            evaluation = ruleset.evaluate(row.facts)
        except FactsError as exc:
            yield BadRow(row.number, row.id, exc.problems)
        else:
            yield Scored(row.number, row.id, row.columns, evaluation)


# ---------------------------------------------------------------- writing


def plain(number: Decimal) -> str:
    """A number as plain text, without trailing zeros or exponent: ``27``, ``12.5``, ``100``."""
    if not number:
        return "0"
    return format(number.normalize(), "f")


def csv_header(ruleset: Ruleset, kept: Sequence[str]) -> list[str]:
    """Columns of the results CSV: id, kept columns, total, grade ..., then each criterion's and adjustment's points."""
    fixed = ["id", "total", "grade", "grade_label", "not_graded"]
    points = [c[0] for c in ruleset.layout.criteria] + [a[0] for a in ruleset.layout.adjustments]
    taken = set(fixed) | set(points)
    renamed = []
    for column in kept:
        while column in taken:
            column = f"{column}_data"
        taken.add(column)
        renamed.append(column)
    return [fixed[0], *renamed, *fixed[1:], *points]


def format_csv(stream: IO[str], ruleset: Ruleset, kept: Sequence[str], results: Iterable[Scored]) -> None:
    """Results as CSV on an open text stream (opened with ``newline=""``)."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(csv_header(ruleset, kept))
    n_criteria = len(ruleset.layout.criteria)
    for result in results:
        e = result.evaluation
        not_graded = e.not_graded
        points = [c.points for c in e.criteria] + [a.points for a in e.adjustments]
        assert len(points) == n_criteria + len(ruleset.layout.adjustments)
        writer.writerow(
            [
                result.id,
                *(cell_text(result.columns.get(c)) for c in kept),
                plain(e.total),
                e.grade or "",
                e.grade_label or "",
                not_graded.id if not_graded is not None else "",
                *("" if p is None else plain(p) for p in points),
            ]
        )


def cell_text(value: Any) -> str:
    """A kept column's value as CSV text (JSON data as compact JSON)."""
    return "" if value is None else _text(value) if not isinstance(value, (dict, list)) else _dumps(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent == 0 else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON data")


def _dumps(value: Any) -> str:
    # keys in the order they were built, not sorted: serialize.structure reads the facts and
    # inputs of an evaluation by position, so their order must survive the trip through JSON
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def result_data(result: Scored) -> dict[str, Any]:
    """One result as JSON-ready data: ``row``, ``id``, ``columns``, then :func:`serialize.unstructure`."""
    data: dict[str, Any] = {"row": result.number, "id": result.id, "columns": dict(result.columns)}
    data.update(serialize.unstructure(result.evaluation))
    return data


def format_jsonl(stream: IO[str], results: Iterable[Scored]) -> None:
    """Results as JSON lines (UTF-8 characters kept, one object a line) on an open text stream."""
    for result in results:
        stream.write(_dumps(result_data(result)))
        stream.write("\n")


def write_atomic(path: str | os.PathLike[str], produce: Callable[[IO[str]], object]) -> None:
    """Write a UTF-8 text file all at once: ``produce`` writes to a temporary file that replaces ``path`` at the end.

    If ``produce`` raises, the temporary file is removed and ``path`` is
    untouched. A file that already exists keeps its permissions.
    """
    target = Path(path)
    directory = target.parent
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    while True:
        temporary = directory / f".{target.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue
        break
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            produce(stream)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_results(
    path: str | os.PathLike[str],
    format: str,
    ruleset: Ruleset,
    kept: Sequence[str],
    results: Sequence[Scored],
    *,
    bom: bool = True,
) -> None:
    """Write results atomically as ``csv`` (with a BOM by default, so that Excel reads it as UTF-8) or ``jsonl``."""
    if format == "csv":

        def produce(stream: IO[str]) -> None:
            if bom:
                stream.write("\ufeff")
            format_csv(stream, ruleset, kept, results)

    elif format == "jsonl":

        def produce(stream: IO[str]) -> None:
            format_jsonl(stream, results)

    else:
        raise DataError(f"unknown output format `{format}` (known: {', '.join(OUTPUT_FORMATS)})")
    write_atomic(path, produce)
