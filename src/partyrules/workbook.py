"""Excel workbooks (``.xlsx``, with the ``xlsx`` extra), both ways: the one home of the format.

Reading: any workbook's sheet as a :class:`~partyrules.tables.Table` (numbers
as Excel shows them, a %-formatted cell in percent units, dates without time,
error values and formulas never calculated reported on their rows). A
workbook made by ``partyrules render --to xlsx`` (:func:`fill_in_workbook`)
is found by its defined names: the sheet and row of the input names, and the
ruleset it was made for.

Writing: a results table (:func:`xlsx_table`) and the fill-in workbook of a
ruleset; both deterministic (:func:`save_workbook`: no clock in the file).
"""

from __future__ import annotations

import datetime
import io
import itertools
import os
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO, Any

import attrs

from partyrules.diagnostics import did_you_mean
from partyrules.facts import FACT_MAGNITUDE, FactProblem
from partyrules.printer import date_text, number_text
from partyrules.runtime import InputSpec, Ruleset
from partyrules.tables import BadRow, DataError, Reader, Row, Table, nfc

XLSX_EXTRA = "pip install 'partyrules[xlsx]'"

# Defined names of a fill-in workbook (partyrules render --to xlsx): the row of input names
# above the data, and the ruleset the workbook was made for ("id|version|fingerprint").
FILL_IN_INPUTS = "partyrules_inputs"
FILL_IN_RULESET = "partyrules_ruleset"

RESULTS_SHEET = "Kết quả"

# Limits on a workbook read: a file of a few kilobytes must not take gigabytes or hours.
XLSX_MAX_UNPACKED = 1 << 30  # bytes all the archive's parts unpack to, as they declare
XLSX_MAX_RATIO = 100  # unpacked / packed of one part (spreadsheets save about 10; a zip bomb 1,000)
XLSX_RATIO_FROM = 1 << 20  # ... for parts that unpack to more than 1 MiB
XLSX_MAX_CELLS = 50_000_000  # cells of the sheet read, the empty ones within its rows included


def openpyxl_module() -> Any:
    """The openpyxl module, imported only when a workbook is read or written."""
    try:
        import openpyxl  # type: ignore[import-untyped]
    except ImportError:
        raise DataError(f"reading and writing .xlsx workbooks needs openpyxl: {XLSX_EXTRA}") from None
    return openpyxl


# ---------------------------------------------------------------- reading


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
            return number_text(number)
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
        return number_text(_excel_number(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return nfc(str(value).strip())


def _open_workbook(name: str, data: bytes, *, formulas: bool) -> Any:
    openpyxl = openpyxl_module()
    if not data.startswith(b"PK"):
        raise DataError(f"{name}: not an Excel .xlsx workbook (an .xlsx file is a zip archive)")
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=not formulas)
    except UNREADABLE as exc:
        raise DataError(f"{name}: cannot be read as an Excel .xlsx workbook ({_reason(exc)})") from None


#: What openpyxl, zipfile, zlib and the XML parser raise for a damaged workbook (truncated or
#: malformed XML, an undefined entity, a missing part, a bad checksum), while opening it or reading rows.
UNREADABLE: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    NotImplementedError,  # zipfile: a damaged header names an unknown compression method or zip version
    RuntimeError,  # zipfile: a member marked as encrypted
    SyntaxError,  # xml.etree.ElementTree.ParseError
    EOFError,
    KeyError,
    IndexError,
    OSError,
    ValueError,
    TypeError,
    AttributeError,
)


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def _check_archive(name: str, data: bytes) -> None:
    """Refuse an archive that would unpack to more than the limits allow, before anything is unpacked.

    zipfile never yields more bytes than a member declares, so the declared sizes bound what reading costs.
    """
    if not data.startswith(b"PK"):
        raise DataError(f"{name}: not an Excel .xlsx workbook (an .xlsx file is a zip archive)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except UNREADABLE as exc:  # e.g. a damaged directory naming a zip version zipfile cannot read
        # (NotImplementedError; found by the thorough data fuzzers, seed 1818188405)
        raise DataError(f"{name}: cannot be read as an Excel .xlsx workbook ({_reason(exc)})") from None
    total = 0
    for member in members:
        total += member.file_size
        packed = max(member.compress_size, 1)
        if member.file_size > XLSX_RATIO_FROM and member.file_size > XLSX_MAX_RATIO * packed:
            raise DataError(
                f"{name}: the part {member.filename} would unpack {member.file_size:,} bytes from {packed:,} "
                f"(more than {XLSX_MAX_RATIO} times): not a workbook a spreadsheet saves; refused"
            )
    if total > XLSX_MAX_UNPACKED:
        raise DataError(
            f"{name}: the workbook unpacks to {total:,} bytes, more than the {XLSX_MAX_UNPACKED:,} partyrules "
            "reads; save the data as CSV, or split it"
        )


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


def read_xlsx(reader: Reader, data: bytes, id_column: str | None, sheet: str | None) -> Table:
    name = reader.name
    openpyxl_module()  # a missing extra is said first
    _check_archive(name, data)
    try:
        return _read_book(reader, data, id_column, sheet)
    except DataError:
        raise
    except UNREADABLE as exc:  # a part found damaged only when its rows are read
        raise DataError(f"{name}: cannot be read as an Excel .xlsx workbook ({_reason(exc)})") from None


def _read_book(reader: Reader, data: bytes, id_column: str | None, sheet: str | None) -> Table:
    name = reader.name
    book = _open_workbook(name, data, formulas=False)
    formulas_book = None
    try:
        # a second, lock-step read sees the formulas, so that one never calculated (no saved value)
        # is reported instead of read as an empty cell that silently takes its default; only
        # workbooks that hold formulas at all pay for it
        formulas_book = _open_workbook(name, data, formulas=True) if _has_formulas(data) else None
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
        table = _read_sheet(reader, _unsized(book[title]), _unsized(formulas), header_row, id_column, title)
        return attrs.evolve(table, made_for=_made_for(book))
    finally:
        book.close()
        if formulas_book is not None:
            formulas_book.close()


def _unsized(worksheet: Any) -> Any:
    """A read-only worksheet that reads every row and cell its XML holds, whatever size it records.

    openpyxl's read-only mode trusts the sheet's ``<dimension ref="A1:G2">``: rows below it and
    cells right of it would be dropped without a word, and a sheet declaring A1:XFD1048576 would
    be padded to 17 billion cells.
    """
    if worksheet is not None:
        worksheet.reset_dimensions()
    return worksheet


def _has_formulas(data: bytes) -> bool:
    """Whether any worksheet of an .xlsx archive holds a formula (an ``<f>`` element); read in pieces."""
    formula = re.compile(rb"<(?:\w+:)?f[ >/]")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        for sheet in sheets:
            with archive.open(sheet) as part:
                tail = b""
                while piece := part.read(1 << 20):
                    if formula.search(tail + piece):
                        return True
                    tail = piece[-16:]  # a tag cut between two pieces
    return False


def _read_sheet(
    reader: Reader, values: Any, formulas: Any, header_row: int | None, id_column: str | None, title: str
) -> Table:
    name = reader.name
    rows_in = zip(
        _bounded(name, values.iter_rows()), formulas.iter_rows() if formulas is not None else itertools.repeat(())
    )
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
        beyond = next((i for i in range(width, len(raw)) if raw[i] is not None and _cell_text(raw[i])), None)
        if beyond is not None:
            letter = column_letter(beyond + 1)
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


def _bounded(name: str, rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    """The rows of a sheet, until they have handed over more than :data:`XLSX_MAX_CELLS` cells."""
    cells = 0
    for row in rows:
        cells += len(row)
        if cells > XLSX_MAX_CELLS:
            raise DataError(
                f"{name}: the sheet holds more than {XLSX_MAX_CELLS:,} cells (empty cells within its rows "
                "counted), more than partyrules reads; save the data as CSV, or split it"
            )
        yield row


def column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# ---------------------------------------------------------------- writing

#: How a text may begin that a spreadsheet takes as a formula when the text is opened or typed
#: back (OWASP's list for CSV injection): ``=`` ``+`` ``-`` ``@``, a tab, a carriage return.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_FIRST = frozenset(FORMULA_STARTS)  # the same, for a quick look at a cell's first character
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*%?")  # "-5", "+84912345678": a number, never a formula
#: characters XML 1.0 cannot hold (openpyxl refuses them): shown as their Control Pictures (U+2400...)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet could run the text as a formula (a plain number cannot be one)."""
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)


def spreadsheet_text(text: str) -> str:
    """A text cell of a CSV file that no spreadsheet runs: a formula-like text gets a leading ``'``."""
    return "'" + text if formula_like(text) else text


def xml_text(text: str) -> str:
    """A text a workbook can hold: each control character XML forbids shown as its picture (``\\x0b`` → ``␋``)."""
    return _CONTROL.sub(lambda m: chr(0x2400 + ord(m.group())), text) if _CONTROL.search(text) else text


def put(sheet: Any, row: int, column: int, value: Any) -> Any:
    """Write one cell of a workbook: a text is always text (never a formula, even when it begins with
    ``=``), kept text when typed over (Excel's quote prefix), and free of characters XML forbids."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        value = xml_text(value)
        cell.value = value
        if value.startswith("="):
            cell.data_type = "s"  # openpyxl would write it as a live formula
        if formula_like(value):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def xlsx_table(stream: IO[bytes], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A results table as a workbook (sheet ``Kết quả``): a bold header row, frozen, numbers as numbers,
    texts as texts (:func:`put`: never a formula)."""
    openpyxl = openpyxl_module()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = RESULTS_SHEET
    bold = _style().bold
    for column, name in enumerate(header, 1):
        put(sheet, 1, column, name).font = bold
    for number, cells in enumerate(rows, 2):
        # Decimals as plain text first: no exponent ("1E+2") ever reaches the file
        values = [Decimal(number_text(c)) if isinstance(c, Decimal) else c for c in cells]
        risky = [
            i for i, c in enumerate(values) if isinstance(c, str) and (c[:1] in FORMULA_FIRST or _CONTROL.search(c))
        ]
        texts = {i: values[i] for i in risky}  # seldom: written the careful way, after the others
        for i in risky:
            values[i] = None
        sheet.append(values)
        for i, text in texts.items():
            put(sheet, number, i + 1, text)
    sheet.freeze_panes = "B2"
    for index, name in enumerate(header, 1):
        sheet.column_dimensions[column_letter(index)].width = max(8, min(40, len(name) + 2))
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


# ---------------------------------------------------------------- the fill-in workbook

DATA_SHEET = "Dữ liệu"
GUIDE_SHEET = "Hướng dẫn"
LISTS_SHEET = "Danh mục"
ID_COLUMN = ("org_id", "Mã tổ chức đảng")
NAME_COLUMN = ("org_name", "Tên tổ chức đảng")
FIRST_DATA_ROW = 3  # row 1: labels for people; row 2 (hidden): input names for partyrules
LAST_ROW = 1048576  # validation covers every row Excel has
YES, NO = "Có", "Không"  # what the boolean drop-downs offer; the runtime reads both
_HUGE = str(int(FACT_MAGNITUDE) - 1)  # the largest number accepted without declared bounds


def choices(spec: InputSpec) -> tuple[str, ...]:
    """What a drop-down offers for an enumeration or level: the members' labels, or their names.

    Labels only when every member has one, no two are alike and none is
    another member's name: then reading a label back gives one member for sure.
    """
    labels = spec.member_labels
    if (
        len(labels) == len(spec.members)
        and all(labels)
        and len(set(labels)) == len(labels)
        and not any(label in spec.members and label != m for m, label in zip(spec.members, labels))
    ):
        return tuple(str(label) for label in labels)
    return spec.members


def _percent_text(fraction: Any) -> str:
    return number_text(Decimal(fraction), percent=True)


def _allowed(spec: InputSpec) -> str:
    """The values an input accepts, in words (the instructions and the cell prompts)."""
    low, high = spec.low, spec.high
    if spec.kind == "integer":
        return "Số nguyên" + _between(low, high, str)
    if spec.kind == "decimal":
        places = f", tối đa {spec.places} chữ số thập phân" if spec.places is not None else ""
        return "Số" + _between(low, high, lambda v: number_text(Decimal(v))) + places
    if spec.kind == "percent":
        places = f", tối đa {spec.places} chữ số thập phân" if spec.places is not None else ""
        return "Tỷ lệ phần trăm" + _between(low, high, _percent_text) + places
    if spec.kind == "boolean":
        return f"{YES} hoặc {NO}"
    if spec.kind in ("enum", "level"):
        return "Một trong: " + "; ".join(choices(spec))
    if spec.kind == "date":
        return "Ngày" + _between(low, high, date_text)
    return spec.kind  # pragma: no cover - every kind is listed above


def _between(low: Any, high: Any, show: Any) -> str:
    if low is not None and high is not None:
        return f" từ {show(low)} đến {show(high)}"
    if low is not None:
        return f" từ {show(low)} trở lên"
    if high is not None:
        return f" đến {show(high)}"
    return ""


def _default_text(spec: InputSpec) -> str:
    if spec.required:
        return "Bắt buộc"
    value = spec.default
    if spec.kind == "percent":
        shown = _percent_text(value)
    elif spec.kind == "boolean":
        shown = YES if value else NO
    elif spec.kind in ("enum", "level"):
        shown = dict(zip(spec.members, choices(spec))).get(value, str(value))
    elif spec.kind == "date":
        shown = date_text(value)
    else:
        shown = number_text(Decimal(value))
    return f"Để trống: {shown}"


def _number_format(spec: InputSpec) -> str | None:
    decimals = "" if not spec.places else "." + "0" * spec.places
    if spec.kind == "integer":
        return "0"
    if spec.kind == "decimal":
        return "0" + decimals if spec.places is not None else None
    if spec.kind == "percent":
        # the cell holds a fraction shown as a percentage: Excel's own way of writing 87.5%
        return "0" + (decimals if spec.places is not None else ".00") + "%"
    if spec.kind == "date":
        return "dd/mm/yyyy"
    return None


def _validation(spec: InputSpec, list_range: str | None) -> Any:
    from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]

    kind, operator, first, second = "", "between", "", ""
    low, high = spec.low, spec.high
    if spec.kind == "integer":
        kind = "whole"
        first = str(low) if low is not None else "-" + _HUGE
        second = str(high) if high is not None else _HUGE
    elif spec.kind in ("decimal", "percent"):
        kind = "decimal"
        first = number_text(Decimal(low)) if low is not None else "-" + _HUGE
        second = number_text(Decimal(high)) if high is not None else _HUGE
    elif spec.kind == "date":
        kind = "date"
        first = _excel_date(low) if low is not None else "DATE(1900,1,1)"
        second = _excel_date(high) if high is not None else "DATE(9999,12,31)"
    elif spec.kind == "boolean":
        kind, first, second = "list", f'"{YES},{NO}"', ""
    else:
        kind, first, second = "list", list_range or "", ""
    allowed = _allowed(spec)
    title = spec.label if len(spec.label) <= 32 else spec.label[:31] + "…"
    return DataValidation(
        type=kind,
        operator=operator if kind != "list" else None,
        formula1=first,
        formula2=second or None,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle="Giá trị không hợp lệ",
        error=_clip(xml_text(f"{spec.label}: {allowed}")),
        promptTitle=xml_text(title),
        prompt=_clip(xml_text(f"{allowed}. {_default_text(spec)}.")),
    )


def _clip(text: str, limit: int = 255) -> str:
    """Excel refuses a workbook whose validation messages pass 255 characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _excel_date(value: datetime.date) -> str:
    return f"DATE({value.year},{value.month},{value.day})"


def _quoted(sheet_name: str) -> str:
    return "'" + sheet_name.replace("'", "''") + "'"


def fill_in_workbook(ruleset: Ruleset) -> Any:
    """The fill-in workbook of a ruleset (an openpyxl ``Workbook``; needs the ``xlsx`` extra).

    Sheets: ``Dữ liệu``, one row per organisation (row 1 the inputs' labels,
    row 2, hidden, their names, which the defined name ``partyrules_inputs``
    points at; data validation from each input's type and range);
    ``Hướng dẫn``, the scale's title, basis, effective dates and every column
    explained; ``Danh mục`` (hidden), the drop-down lists.
    """
    openpyxl = openpyxl_module()
    lines = _guide_lines(ruleset)
    book = openpyxl.Workbook()
    data_sheet = book.active
    data_sheet.title = DATA_SHEET
    guide = book.create_sheet(GUIDE_SHEET)
    lists = book.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    style = _style()
    columns: list[tuple[str, str, InputSpec | None]] = [(*ID_COLUMN, None), (*NAME_COLUMN, None)]
    columns += [(spec.name, spec.label + (" (*)" if spec.required else ""), spec) for spec in ruleset.inputs]
    _data_columns(data_sheet, lists, columns, style)
    _defined_names(book, ruleset, len(columns))
    _guide(guide, lines, columns, style)
    book.active = 0
    return book


@attrs.frozen
class _Style:
    """The few styles partyrules' workbooks use (openpyxl objects)."""

    bold: Any
    title: Any
    header_fill: Any
    wrap: Any


def _style() -> _Style:
    from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]

    return _Style(
        Font(bold=True),
        Font(bold=True, size=13),
        PatternFill("solid", fgColor="DDDDDD"),
        Alignment(wrap_text=True, vertical="top"),
    )


def _data_columns(sheet: Any, lists: Any, columns: list[tuple[str, str, InputSpec | None]], style: _Style) -> None:
    """The data sheet's two header rows, number formats and validation; the drop-down lists they offer."""
    list_column = 0
    for index, (name, label, spec) in enumerate(columns, 1):
        letter = column_letter(index)
        head = put(sheet, 1, index, label)
        head.font, head.fill, head.alignment = style.bold, style.header_fill, style.wrap
        put(sheet, 2, index, name)
        dimension = sheet.column_dimensions[letter]
        dimension.width = 16 if spec is None or spec.kind not in ("enum", "level") else 24
        if spec is None:
            dimension.number_format = "@"  # ids stay text: "0012" keeps its zeros
            continue
        number_format = _number_format(spec)
        if number_format is not None:
            dimension.number_format = number_format
        list_range = None
        if spec.kind in ("enum", "level"):
            list_column += 1
            list_letter = column_letter(list_column)
            put(lists, 1, list_column, spec.name).font = style.bold
            for row, text in enumerate(choices(spec), 2):
                put(lists, row, list_column, text)
            last = len(spec.members) + 1
            list_range = f"{_quoted(LISTS_SHEET)}!${list_letter}$2:${list_letter}${last}"
        validation = _validation(spec, list_range)
        validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_ROW}")
        sheet.add_data_validation(validation)
    sheet.row_dimensions[1].height = 60
    sheet.row_dimensions[2].hidden = True
    sheet.freeze_panes = f"C{FIRST_DATA_ROW}"


def _defined_names(book: Any, ruleset: Ruleset, width: int) -> None:
    """The names by which :func:`read_xlsx` knows a fill-in workbook: the row of input names, the ruleset."""
    from openpyxl.workbook.defined_name import DefinedName  # type: ignore[import-untyped]

    last_letter = column_letter(width)
    book.defined_names[FILL_IN_INPUTS] = DefinedName(
        FILL_IN_INPUTS, attr_text=f"{_quoted(DATA_SHEET)}!$A$2:${last_letter}$2"
    )
    made_for = xml_text(f"{ruleset.id}|{ruleset.version}|{ruleset.fingerprint}").replace('"', '""')
    book.defined_names[FILL_IN_RULESET] = DefinedName(FILL_IN_RULESET, attr_text=f'"{made_for}"')


def _guide_lines(ruleset: Ruleset) -> list[tuple[str, str]]:
    """The guide's lines above its table of columns: the scale, how to fill the sheet, the quotas."""
    # the score sheet's texts need the checked model: imported here, so that reading data does not load it
    from partyrules.scoresheet import QUOTA_INTRO, sheet

    s = sheet(ruleset)
    lines: list[tuple[str, str]] = [
        ("PHIẾU NHẬP LIỆU CHẤM ĐIỂM", ""),
        ("Tên", s.title),
        ("Bộ tiêu chí", f"{s.ruleset_id}, phiên bản {s.version}"),
        ("Căn cứ", s.basis),
        ("Hiệu lực", s.effective),
        ("Điểm số", s.status + (f" ({s.status_note})" if s.status_note else "")),
        ("Dấu vân tay", ruleset.fingerprint[:16]),
        ("", ""),
        ("Cách nhập", f"Mỗi dòng của trang “{DATA_SHEET}” (từ dòng {FIRST_DATA_ROW}) là một tổ chức đảng."),
        ("", "Cột có dấu (*) là bắt buộc; cột khác để trống thì lấy giá trị mặc định ghi dưới đây."),
        ("", "Tỷ lệ nhập theo phần trăm (ví dụ 87,5%). Ô có danh sách thì chọn trong danh sách."),
        ("", "Không sửa, không xóa dòng 2 (ẩn): partyrules đọc tên dữ liệu ở đó."),
        ("Chấm điểm", f"partyrules score {s.ruleset_id} <tệp đã điền>.xlsx --output ket-qua.xlsx"),
        ("", ""),
    ]
    if s.quotas:
        lines.append(("Hạn mức", QUOTA_INTRO))
        for q in s.quotas:
            lines.append(("", f"{q.label} ({q.name})"))
            lines += [("", "- " + "".join(line)) for line in q.lines]
            if q.column is not None:
                lines.append(
                    (
                        "",
                        f"- Để áp dụng: thêm một cột vào trang “{DATA_SHEET}”, ghi {q.column} ở dòng 2 (dòng ẩn) "
                        f"và nhóm của từng tổ chức từ dòng {FIRST_DATA_ROW}.",
                    )
                )
        lines.append(("", ""))
    if s.values:  # what the rules compute from the columns: nothing to fill in, but an officer checks it
        lines.append(("Giá trị tính", "Tính từ dữ liệu đã nhập (không nhập vào trang dữ liệu):"))
        for v in s.values:
            formula = " ".join("".join(line) for line in v.formula)
            read = ", ".join(f"{label} ({name})" for name, label in v.inputs) or "không"
            lines.append(("", f"{v.label or v.name} ({v.name}) = {formula}; dữ liệu dùng: {read}"))
        lines.append(("", ""))
    return lines


def _guide(
    guide: Any, lines: list[tuple[str, str]], columns: list[tuple[str, str, InputSpec | None]], style: _Style
) -> None:
    """The guide sheet: its lines, then a table of every column of the data sheet."""
    for row, (key, value) in enumerate(lines, 1):
        put(guide, row, 1, key or None).font = style.bold
        put(guide, row, 2, value or None).alignment = style.wrap
    guide["A1"].font = style.title
    table_row = len(lines) + 1
    heads = ("Cột", "Nội dung", "Tên dữ liệu", "Giá trị cho phép", "Bỏ trống")
    for column, text in enumerate(heads, 1):
        cell = put(guide, table_row, column, text)
        cell.font, cell.fill = style.bold, style.header_fill
    for offset, (name, label, spec) in enumerate(columns, 1):
        allowed = _allowed(spec) if spec is not None else "Chữ, số (mã hoặc tên tự do)"
        blank = _default_text(spec) if spec is not None else ("Số dòng" if name == ID_COLUMN[0] else "")
        values = (column_letter(offset), label, name, allowed, blank)
        for column, text in enumerate(values, 1):
            put(guide, table_row + offset, column, text or None).alignment = style.wrap
    for letter, width in zip("ABCDE", (14, 60, 24, 50, 24)):
        guide.column_dimensions[letter].width = width


def write_fill_in(ruleset: Ruleset, stream: IO[bytes]) -> None:
    """Write the fill-in workbook of a ruleset to a binary stream, the same bytes every time."""
    save_workbook(fill_in_workbook(ruleset), stream)
