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
previous file intact).
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import itertools
import json
import os
import re
import secrets
import stat
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import attrs

from partyrules import serialize
from partyrules.diagnostics import PartyrulesError, did_you_mean
from partyrules.runtime import EXACT, TEXT_READERS, Evaluation, FactProblem, FactsError, InputSpec, Ruleset

FORMATS = ("csv", "jsonl", "json", "xlsx")
OUTPUT_FORMATS = ("csv", "jsonl", "xlsx")
SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".xlsx": "xlsx"}
DELIMITERS = (",", ";", "\t")
NUMBER_STYLES = ("plain", "vi")
NUMERIC = ("integer", "decimal", "percent")
SAVE_AS_UTF8 = "save it as UTF-8 (in Excel: Save As → CSV UTF-8 (Comma delimited))"
XLSX_EXTRA = "pip install 'partyrules[xlsx]'"

# Defined names of a fill-in workbook (partyrules render --to xlsx): the row of input names
# above the data, and the ruleset the workbook was made for ("id|version|fingerprint").
FILL_IN_INPUTS = "partyrules_inputs"
FILL_IN_RULESET = "partyrules_ruleset"

# What might be meant as a number: digits with separators, a sign, a percent sign.
READ_FACTS_KEPT = 1 << 16  # distinct (input, text) pairs a reader remembers
_SURROGATE = re.compile("[\udc80-\udcff]")  # a byte that was not UTF-8, kept by surrogateescape
_NUMBER_LIKE = re.compile(r"[+-]?[\d.,]*\d[\d.,]*%?")
# Vietnamese: groups of three after a `.`, a `,` before the decimals; a leading group has no leading zero.
_VI_NUMBER = re.compile(r"([+-]?)([1-9]\d{0,2}(?:\.\d{3})+|\d+)(?:,(\d+))?(%?)")


class DataError(PartyrulesError, ValueError):
    """A data file cannot be used at all (as opposed to one bad row in it)."""


@attrs.frozen
class Row:
    """One organisation's row: where it is, its id, its facts and the columns kept aside.

    ``problems`` are what reading already found wrong with some facts (text
    that is not a number in the chosen style, an Excel error value); scoring
    reports them together with the problems the ruleset finds.
    """

    number: int
    id: str
    facts: Mapping[str, Any]
    columns: Mapping[str, Any]
    problems: tuple[FactProblem, ...] = ()


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
    columns: tuple[str, ...]  # every column (after renaming), in file order (JSON: keys in order of first appearance)
    kept: tuple[str, ...]  # columns that are neither inputs nor the id column, in file order
    rows: tuple[Row | BadRow, ...]
    warnings: tuple[str, ...] = ()
    #: the file's own name of each renamed column, by its new name
    sources: Mapping[str, str] = attrs.field(factory=dict)
    #: for a fill-in workbook: the ruleset it was made for, "id|version|fingerprint"
    made_for: str | None = None

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
    """
    name = str(path)
    if numbers not in NUMBER_STYLES:
        raise DataError(f"unknown number style `{numbers}` (known: {', '.join(NUMBER_STYLES)})")
    if Path(path).suffix.lower() == ".xls":
        raise DataError(f"{name}: this is an old Excel 97-2003 workbook; save it as .xlsx (Excel Workbook) first")
    data = Path(path).read_bytes()
    kind = format or detect_format(path, data[:64])
    if kind not in FORMATS:
        raise DataError(f"{name}: unknown data format `{kind}` (known: {', '.join(FORMATS)})")
    if sheet is not None and kind != "xlsx":
        raise DataError(f"{name}: --sheet is for .xlsx workbooks; this file is {kind}")
    reader = _Reader(name, tuple(inputs), dict(columns or {}), numbers)
    reader.check_targets()
    if kind == "xlsx":
        return _read_xlsx(reader, data, id_column, sheet)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        if kind != "csv":
            raise DataError(f"{name}: the file is UTF-16 text; {SAVE_AS_UTF8}")
        text = data.decode("utf-16")
    else:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="surrogateescape")
    if kind == "csv":
        return _read_csv(reader, text, id_column)
    if kind == "jsonl":
        return _read_jsonl(reader, text, id_column)
    return _read_json(reader, text, id_column)


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _undecodable(text: str) -> str | None:
    """The first byte that was not UTF-8 (kept as a lone surrogate by surrogateescape), as ``0xE9``."""
    found = _SURROGATE.search(text)
    return None if found is None else f"0x{ord(found.group()) - 0xDC00:02X}"


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


def number_text(text: str, style: str) -> tuple[str, str | None]:
    """Number text in ``style`` as plain text (``1.234,5`` → ``1234.5`` for ``vi``), or a problem with it.

    Text that does not look like a number at all is returned unchanged with
    no problem: the ruleset then says what it expected.
    """
    if not _NUMBER_LIKE.fullmatch(text):
        return text, None
    if style == "vi":
        match = _VI_NUMBER.fullmatch(text)
        if match is None:
            return text, (
                f"{text!r} is not a number written the Vietnamese way (--numbers vi): "
                "`.` only between groups of three digits, `,` before the decimals, as in 1.234,5"
            )
        sign, whole, decimals, percent = match.groups()
        return f"{sign}{whole.replace('.', '')}{'.' + decimals if decimals else ''}{percent}", None
    if "," in text:
        return text, (
            f"{text!r} has a comma: numbers are read the plain way (1234.5); if the file writes them "
            "the Vietnamese way (1.234,5), read it with --numbers vi"
        )
    return text, None


class _Reader:
    """What every format shares: the inputs, the column renaming and the reading of one fact."""

    def __init__(self, name: str, inputs: tuple[InputSpec, ...], mapping: dict[str, str], numbers: str) -> None:
        self.name = name
        self.inputs = inputs
        self.specs = {i.name: i for i in inputs}
        self.mapping = {_nfc(k.strip()): _nfc(v.strip()) for k, v in mapping.items()}
        self.numbers = numbers
        self._read_facts: dict[tuple[str, str], tuple[Any, str | None]] = {}
        self.members: dict[str, dict[str, str]] = {}
        for spec in inputs:
            if spec.kind in ("enum", "level"):
                labels: dict[str, list[str]] = {}
                for member, label in zip(spec.members, spec.member_labels):
                    if label:
                        labels.setdefault(_nfc(label.strip()), []).append(member)
                # a label names its member only when no other member has that label or name
                self.members[spec.name] = {
                    label: found[0] for label, found in labels.items() if len(found) == 1 and label not in spec.members
                }

    def check_targets(self) -> None:
        """A mapping onto a name close to an input's (but not one) is a misspelling, not a new column."""
        for source, target in self.mapping.items():
            if target not in self.specs:
                hint = did_you_mean(target, list(self.specs))
                if hint:
                    raise DataError(
                        f"{self.name}: the column mapping maps `{source}` to `{target}`, which is not an input; {hint}"
                    )

    def rename(self, columns: Sequence[str], *, everywhere: bool = True) -> tuple[list[str], dict[str, str]]:
        """Columns renamed by the mapping, and the file's name of each renamed column.

        Raises :class:`DataError` for a mapped column the file lacks (when
        ``everywhere``, as for a header line) or two columns ending with one name.
        """
        if not self.mapping:
            return list(columns), {}
        if everywhere:
            present = [c for c in columns if c]
            for source in self.mapping:
                if source not in present:
                    hint = did_you_mean(source, present)
                    raise DataError(
                        f"{self.name}: the column mapping names `{source}`, which is not a column of the file"
                        + (f"; {hint}" if hint else "")
                    )
        renamed = [self.mapping.get(c, c) for c in columns]
        sources = {self.mapping[c]: c for c in columns if c in self.mapping}
        seen: dict[str, str] = {}
        for original, new in zip(columns, renamed):
            if not new:
                continue
            if new in seen and (original in self.mapping or seen[new] in self.mapping):
                raise DataError(
                    f"{self.name}: the columns `{seen[new]}` and `{original}` would both be `{new}`; map only one of them"
                )
            seen.setdefault(new, original)
        return renamed, sources

    def fact(self, name: str, value: Any, problems: list[FactProblem]) -> Any:
        """One input's value as read (text stripped, numbers in the chosen style, labels to members); None if empty."""
        if not isinstance(value, str):
            return value
        # a column repeats few texts (yes/no, small counts, rates): each is read once
        known = self._read_facts.get((name, value))
        if known is None:
            known = self._read_fact(name, value)
            if len(self._read_facts) < READ_FACTS_KEPT:
                self._read_facts[name, value] = known
        value, problem = known
        if problem is not None:
            problems.append(FactProblem(name, problem))
        return value

    def _read_fact(self, name: str, value: str) -> tuple[Any, str | None]:
        value = value.strip()
        if not value:
            return None, None
        spec = self.specs[name]
        if spec.kind in NUMERIC:
            value, problem = number_text(value, self.numbers)
            if problem is not None:
                return value, problem
        elif spec.kind in ("enum", "level") and value not in spec.members:
            value = self.members[name].get(value, value)
        # typed here, the facts take the program's inline test instead of its slow path for text
        reader = TEXT_READERS.get(spec.kind)
        return (value if reader is None else reader(value)), None

    def column_checks(self, columns: Sequence[str], id_column: str | None, *, strict: bool = True) -> list[str]:
        """Raise for a required input with no column (if strict); warnings for other inputs that may be misspelt."""
        present = set(columns)
        others = [c for c in columns if c not in self.specs and c != id_column]
        missing: list[str] = []
        warnings: list[str] = []
        for spec in self.inputs:
            if spec.name in present:
                continue
            hint = did_you_mean(spec.name, others)
            if not hint and others:
                by_label = [c for c in others if c == _nfc(spec.label.strip())]
                if by_label:
                    hint = f'the column `{by_label[0]}` has its label; map it with --column "{by_label[0]}={spec.name}"'
            if spec.required and strict:
                missing.append(f"  {spec.name} ({spec.label})" + (f": {hint}" if hint else ""))
            elif hint:
                then = "every row takes its default" if not spec.required else "rows without it are rejected"
                warnings.append(f"{self.name}: there is no column `{spec.name}` ({spec.label}), so {then}; {hint}")
        if missing:
            s = "s" if len(missing) != 1 else ""
            raise DataError(f"{self.name}: no column for the required input{s}:\n" + "\n".join(missing))
        return warnings

    def header(self, raw: Sequence[str], id_column: str | None, where: str) -> _Header:
        """Checks and renames a header line; ``where`` is how messages name its place (``name:1``)."""
        columns = [_nfc(c.strip()) for c in raw]
        if not any(columns):
            raise DataError(f"{where}: the first line should name the columns")
        seen: dict[str, int] = {}
        for position, column in enumerate(columns, 1):
            if column and column in seen:
                raise DataError(f"{where}: the column `{column}` appears twice (columns {seen[column]} and {position})")
            seen[column] = position
        columns, sources = self.rename(columns)
        named = [c for c in columns if c]
        if id_column is not None and id_column not in named:
            hint = did_you_mean(id_column, named)
            raise DataError(
                f"{self.name}: there is no column `{id_column}` for the ids" + (f"; {hint}" if hint else "")
            )
        id_name = id_column if id_column is not None else _default_id_column(named)
        warnings = self.column_checks(named, id_name)
        kept = tuple(c for c in named if c not in self.specs and c != id_name)
        return _Header(columns, named, id_name, kept, sources, warnings)


@attrs.frozen
class _Header:
    columns: list[str]  # every column, renamed; "" for an unnamed one
    named: list[str]
    id_name: str | None
    kept: tuple[str, ...]
    sources: dict[str, str]
    warnings: list[str]


def _read_csv(reader: _Reader, text: str, id_column: str | None) -> Table:
    name = reader.name
    delimiter = _sniff_delimiter(text)
    stream = io.StringIO(text, newline="")
    rows_in = csv.reader(stream, delimiter=delimiter)
    try:
        raw_header = next(rows_in)
    except StopIteration:
        raise DataError(f"{name}: the file is empty; the first line should name the columns") from None
    except csv.Error as exc:
        raise DataError(f"{name}:1: the header line cannot be read: {exc}") from None
    bad = _undecodable("".join(raw_header))
    if bad is not None:
        raise DataError(f"{name}:1: the header is not UTF-8 text (byte {bad}); {SAVE_AS_UTF8}")
    head = reader.header(raw_header, id_column, f"{name}:1")
    columns = head.columns
    id_index = columns.index(head.id_name) if head.id_name is not None else None
    width = len(columns)

    rows: list[Row | BadRow] = []
    line = rows_in.line_num
    while True:
        start = line + 1
        try:
            fields = next(rows_in)
        except StopIteration:
            break
        except csv.Error as exc:
            line = rows_in.line_num
            rows.append(BadRow(start, None, (FactProblem("", f"cannot be read as CSV: {exc}"),)))
            continue
        line = rows_in.line_num
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
        undecodable = (
            [
                (c or f"column {i + 1}", b)
                for i, (c, f) in enumerate(zip(columns, fields, strict=True))
                if (b := _undecodable(f))
            ]
            if _SURROGATE.search("".join(fields))
            else ()
        )
        if undecodable:
            where = ", ".join(f"`{c}` (byte {b})" for c, b in undecodable)
            rows.append(BadRow(start, row_id, (FactProblem("", f"is not UTF-8 text in {where}; {SAVE_AS_UTF8}"),)))
            continue
        facts: dict[str, Any] = {}
        kept_values: dict[str, Any] = {}
        problems: list[FactProblem] = []
        for column, value in zip(columns, fields, strict=True):
            if not column:
                continue
            value = _nfc(value)
            if column in reader.specs:
                value = reader.fact(column, value, problems)
                if value is not None:
                    facts[column] = value
            elif column != head.id_name:
                kept_values[column] = value
        number_id = row_id if row_id is not None else str(start)
        rows.append(Row(start, number_id, facts, kept_values, tuple(problems)))
    return Table(
        name, "csv", head.id_name, tuple(head.named), head.kept, tuple(rows), tuple(head.warnings), head.sources
    )


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


def _read_jsonl(reader: _Reader, text: str, id_column: str | None) -> Table:
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
    return _table_of_objects(reader, "jsonl", objects, bad, id_column)


def _read_json(reader: _Reader, text: str, id_column: str | None) -> Table:
    name = reader.name
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
    return _table_of_objects(reader, "json", list(enumerate(data, 1)), [], id_column)


def _table_of_objects(
    reader: _Reader,
    kind: str,
    objects: Sequence[tuple[int, Any]],
    bad: Sequence[BadRow],
    id_column: str | None,
) -> Table:
    cleaned: list[tuple[int, dict[str, Any] | Any]] = []
    columns: dict[str, None] = {}
    sources: dict[str, str] = {}
    for number, obj in objects:
        if isinstance(obj, dict):
            keys = [_nfc(str(k)).strip() for k in obj]
            renamed, found = reader.rename(keys, everywhere=False)
            sources.update(found)
            obj = {new: _nfc(v) if isinstance(v, str) else v for new, v in zip(renamed, obj.values())}
            columns.update(dict.fromkeys(obj))
        cleaned.append((number, obj))
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
        problems: list[FactProblem] = []
        for key, value in obj.items():
            if key in reader.specs:
                value = reader.fact(key, value, problems)
                if value is not None:
                    facts[key] = value
            elif key != id_name:
                kept[key] = value
        rows.append(Row(number, row_id or str(number), facts, kept, tuple(problems)))
    rows.sort(key=lambda r: r.number)
    kept_columns = tuple(c for c in all_columns if c not in reader.specs and c != id_name)
    warnings = reader.column_checks(all_columns, id_name, strict=False) if all_columns else []
    return Table(reader.name, kind, id_name, all_columns, kept_columns, tuple(rows), tuple(warnings), sources)


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


# ---------------------------------------------------------------- reading workbooks


def openpyxl_module() -> Any:
    """The openpyxl module, imported only when a workbook is read or written."""
    try:
        import openpyxl  # type: ignore[import-untyped]
    except ImportError:
        raise DataError(f"reading and writing .xlsx workbooks needs openpyxl: {XLSX_EXTRA}") from None
    return openpyxl


def _excel_number(value: float) -> Decimal:
    """A workbook's number as the Decimal Excel shows: 15 significant digits (the rest is binary noise)."""
    return Decimal(format(Decimal(format(value, ".15g")), "f"))


def _cell_fact(value: Any, number_format: str | None, spec: InputSpec) -> Any:
    """A workbook cell's value as a fact: numbers exact, a %-formatted cell in percent units, dates without time."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        number = Decimal(value) if isinstance(value, int) else _excel_number(value)
        if spec.kind == "percent" and number_format and "%" in number_format:
            number = Decimal(format(number.scaleb(2), "f"))  # the cell shows 87.5% and holds 0.875
        if spec.kind in ("enum", "level"):
            return plain(number)
        return int(number) if isinstance(value, int) and spec.kind != "percent" else number
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0) and spec.kind == "date":
            return value.date()
        return value
    return value


def _cell_text(value: Any) -> str:
    """A workbook cell as the text a CSV would hold (for ids and kept columns)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return plain(_excel_number(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return _nfc(str(value).strip())


def _open_workbook(name: str, data: bytes, *, formulas: bool) -> Any:
    openpyxl = openpyxl_module()
    if not data.startswith(b"PK"):
        raise DataError(f"{name}: not an Excel .xlsx workbook (an .xlsx file is a zip archive)")
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=not formulas)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise DataError(f"{name}: cannot be read as an Excel .xlsx workbook ({exc})") from None


def _fill_in_place(book: Any) -> tuple[str, int] | None:
    """The sheet and row of the input names in a workbook made by ``partyrules render --to xlsx``."""
    defined = book.defined_names.get(FILL_IN_INPUTS)
    if defined is None:
        return None
    for title, reference in defined.destinations:
        match = re.fullmatch(r"\$?[A-Z]+\$?(\d+)(?::\$?[A-Z]+\$?\d+)?", reference)
        if match and title in book.sheetnames:
            return title, int(match.group(1))
    return None


def _made_for(book: Any) -> str | None:
    defined = book.defined_names.get(FILL_IN_RULESET)
    if defined is None:
        return None
    text = str(defined.attr_text)
    return text[1:-1].replace('""', '"') if text.startswith('"') and text.endswith('"') else text


def _read_xlsx(reader: _Reader, data: bytes, id_column: str | None, sheet: str | None) -> Table:
    name = reader.name
    book = _open_workbook(name, data, formulas=False)
    # a second, lock-step read sees the formulas, so that one never calculated (no saved value)
    # is reported instead of read as an empty cell that silently takes its default; only
    # workbooks that hold formulas at all pay for it
    formulas_book = _open_workbook(name, data, formulas=True) if _has_formulas(data) else None
    try:
        place = _fill_in_place(book)
        if sheet is not None:
            if sheet not in book.sheetnames:
                hint = did_you_mean(sheet, book.sheetnames) or "sheets: " + ", ".join(book.sheetnames)
                raise DataError(f"{name}: there is no sheet `{sheet}`; {hint}")
            title = sheet
            header_row = place[1] if place is not None and place[0] == sheet else None
        elif place is not None:
            title, header_row = place
        else:
            title, header_row = book.sheetnames[0], None
        formulas = formulas_book[title] if formulas_book is not None else None
        table = _read_sheet(reader, book[title], formulas, header_row, id_column, title)
        return attrs.evolve(table, made_for=_made_for(book))
    finally:
        book.close()
        if formulas_book is not None:
            formulas_book.close()


def _has_formulas(data: bytes) -> bool:
    """Whether any worksheet of an .xlsx archive holds a formula (an ``<f>`` element)."""
    formula = re.compile(rb"<(?:\w+:)?f[ >/]")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        return any(formula.search(archive.read(n)) for n in sheets)


def _read_sheet(
    reader: _Reader, values: Any, formulas: Any, header_row: int | None, id_column: str | None, title: str
) -> Table:
    name = reader.name
    rows_in = zip(values.iter_rows(), formulas.iter_rows() if formulas is not None else itertools.repeat(()))
    header: list[str] | None = None
    number = 0
    for number, (cells, _) in enumerate(rows_in, 1):
        if header_row is not None and number < header_row:
            continue
        texts = [_cell_text(c.value) for c in cells]
        if any(texts) or header_row is not None:
            header = texts
            break
    if header is None or not any(header):
        raise DataError(f"{name}: the sheet `{title}` is empty; its first row should name the columns")
    while header and not header[-1]:
        header.pop()
    head = reader.header(header, id_column, f"{name}:{number}")
    columns = head.columns
    width = len(columns)
    id_index = columns.index(head.id_name) if head.id_name is not None else None

    rows: list[Row | BadRow] = []
    first = number + 1
    for number, (cells, formula_cells) in enumerate(rows_in, first):
        raw = [c.value for c in cells]
        blank = all(v is None or (isinstance(v, str) and not v.strip()) for v in raw)
        if blank and not any(getattr(f, "data_type", None) == "f" for f in formula_cells):
            continue  # an empty row
        row_id = _cell_text(raw[id_index]) if id_index is not None and id_index < len(raw) else ""
        row_id = row_id or str(number)
        beyond = [i for i in range(width, len(raw)) if _cell_text(raw[i])]
        if beyond:
            letter = _column_letter(beyond[0] + 1)
            message = f"has a value in column {letter}, which has no name in the header"
            rows.append(BadRow(number, row_id, (FactProblem("", message),)))
            continue
        facts: dict[str, Any] = {}
        kept: dict[str, Any] = {}
        problems: list[FactProblem] = []
        for index, column in enumerate(columns):
            if not column or column == head.id_name:
                continue
            cell = cells[index] if index < len(cells) else None
            value = cell.value if cell is not None else None
            if column not in reader.specs:
                kept[column] = _cell_text(value)
                continue
            if getattr(cell, "data_type", None) == "e":
                problems.append(FactProblem(column, f"the cell holds the Excel error {value}"))
                continue
            formula: Any = formula_cells[index] if index < len(formula_cells) else None
            if value is None and formula is not None and getattr(formula, "data_type", None) == "f":
                problems.append(
                    FactProblem(
                        column,
                        f"the cell holds a formula ({formula.value}) that was never calculated; "
                        "open the file in Excel and save it",
                    )
                )
                continue
            spec = reader.specs[column]
            fact = reader.fact(column, _cell_fact(value, getattr(cell, "number_format", None), spec), problems)
            if fact is not None:
                facts[column] = fact
        rows.append(Row(number, row_id, facts, kept, tuple(problems)))
    return Table(
        name, "xlsx", head.id_name, tuple(head.named), head.kept, tuple(rows), tuple(head.warnings), head.sources
    )


def _column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# ---------------------------------------------------------------- scoring


def score(ruleset: Ruleset, rows: Iterable[Row | BadRow]) -> Iterator[Scored | BadRow]:
    """Score every good row, in order; a row whose facts are wrong becomes a :class:`BadRow`."""
    order = {spec.name: i for i, spec in enumerate(ruleset.inputs)}
    for row in rows:
        if isinstance(row, BadRow):
            yield row
            continue
        try:
            evaluation = ruleset.evaluate(row.facts)
        except FactsError as exc:
            yield BadRow(row.number, row.id, _merge(order, row.problems, exc.problems))
        else:
            if row.problems:  # read as something, but not as the file meant it: never scored
                yield BadRow(row.number, row.id, row.problems)
            else:
                yield Scored(row.number, row.id, row.columns, evaluation)


def _merge(
    order: Mapping[str, int], found: tuple[FactProblem, ...], checked: tuple[FactProblem, ...]
) -> tuple[FactProblem, ...]:
    """Reading's problems and the ruleset's, one account per input (reading's, which says more), in input order."""
    own = {p.input for p in found}
    merged = [*found, *(p for p in checked if p.input not in own)]
    merged.sort(key=lambda p: order.get(p.input, len(order)))
    return tuple(merged)


# ---------------------------------------------------------------- writing


def plain(number: Decimal) -> str:
    """A number as plain text, without trailing zeros or exponent: ``27``, ``12.5``, ``100``."""
    text = _PLAIN.get(number)  # equal numbers (12.50 and 12.5) have equal hashes and one text
    if text is None:
        text = format(number.normalize(EXACT), "f") if number else "0"
        if len(_PLAIN) < READ_FACTS_KEPT:
            _PLAIN[number] = text
    return text


_PLAIN: dict[Decimal, str] = {}  # points come from few values: each is written once


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
    """Results as CSV on an open text stream (opened with ``newline=""``)."""
    csv_table(stream, csv_header(ruleset, kept), (_result_cells(ruleset, kept, r) for r in results))


def csv_table(stream: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A results table as CSV: texts as they are, numbers (Decimals) as plain text, None as an empty cell."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(header)
    for cells in rows:
        writer.writerow(["" if c is None else plain(c) if isinstance(c, Decimal) else c for c in cells])


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


RESULTS_SHEET = "Kết quả"


def format_xlsx(stream: IO[bytes], ruleset: Ruleset, kept: Sequence[str], results: Iterable[Scored]) -> None:
    """Results as a workbook on an open binary stream: the columns of the CSV, points as numbers."""
    xlsx_table(stream, csv_header(ruleset, kept), (_result_cells(ruleset, kept, r) for r in results))


def xlsx_table(stream: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A results table as a workbook (sheet ``Kết quả``): a bold header row, frozen, numbers as numbers."""
    openpyxl = openpyxl_module()
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = RESULTS_SHEET
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cells in rows:
        # Decimals as plain text first: no exponent ("1E+2") ever reaches the file
        sheet.append([Decimal(plain(c)) if isinstance(c, Decimal) else c for c in cells])
    sheet.freeze_panes = "B2"
    for index, name in enumerate(header, 1):
        sheet.column_dimensions[_column_letter(index)].width = max(8, min(40, len(name) + 2))
    save_workbook(book, stream)


class _SteadyZip(zipfile.ZipFile):
    """A zip archive whose members carry a fixed time, so that the same workbook gives the same bytes."""

    def writestr(self, zinfo_or_arcname: Any, data: Any, compress_type: Any = None, compresslevel: Any = None) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = self.compression
            info.external_attr = 0o644 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename: Any, arcname: Any = None, compress_type: Any = None, compresslevel: Any = None) -> None:
        # openpyxl writes each worksheet through a temporary file, whose time would go into the archive
        with open(filename, "rb") as source:
            self.writestr(arcname if arcname is not None else os.path.basename(filename), source.read())


WORKBOOK_TIME = datetime.datetime(2000, 1, 1)


def save_workbook(book: Any, stream: IO[bytes]) -> None:
    """Save an openpyxl workbook to a binary stream, the same bytes every time (no clock in the file)."""
    from openpyxl.writer.excel import ExcelWriter  # type: ignore[import-untyped]

    book.properties.creator = "partyrules"
    book.properties.created = book.properties.modified = WORKBOOK_TIME
    archive = _SteadyZip(stream, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(book, archive).save()  # not openpyxl.save_workbook, which stamps the time of saving


def write_atomic(path: str | os.PathLike[str], produce: Callable[[IO[Any]], object], *, binary: bool = False) -> None:
    """Write a file all at once: ``produce`` writes to a temporary file that replaces ``path`` at the end.

    The stream is UTF-8 text (opened with ``newline=""``), or bytes with
    ``binary``. If ``produce`` raises, the temporary file is removed and
    ``path`` is untouched. A file that already exists keeps its permissions.
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
        stream: IO[Any] = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        with stream:
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
    """Write results atomically as ``csv`` (with a BOM by default, so that Excel reads it as UTF-8), ``jsonl`` or ``xlsx``."""
    if format == "csv":

        def produce(stream: IO[Any]) -> None:
            if bom:
                stream.write("\ufeff")
            format_csv(stream, ruleset, kept, results)

    elif format == "jsonl":

        def produce(stream: IO[Any]) -> None:
            format_jsonl(stream, results)

    elif format == "xlsx":
        openpyxl_module()  # a missing extra is said before any file is created

        def produce(stream: IO[Any]) -> None:
            format_xlsx(stream, ruleset, kept, results)

    else:
        raise DataError(f"unknown output format `{format}` (known: {', '.join(OUTPUT_FORMATS)})")
    write_atomic(path, produce, binary=format == "xlsx")


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
