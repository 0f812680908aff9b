"""What every data file is read into, and the reading of one column's facts.

A data file becomes a :class:`Table` of :class:`Row` (its number, its id, the
facts for the ruleset's inputs and the other columns, kept aside) and
:class:`BadRow` (what is wrong with it); problems with the whole file raise
:class:`DataError`. :class:`Reader` is what every format shares: the inputs,
the renaming of columns, the checking of a header and the reading of one
fact (numbers in the chosen style, labels to members). The formats themselves
are read in :mod:`partyrules.readers` (CSV, JSON lines, JSON) and
:mod:`partyrules.workbook` (``.xlsx``); :mod:`partyrules.data` chooses one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

import attrs

from partyrules.diagnostics import PartyrulesError, did_you_mean
from partyrules.evaluation import Evaluation
from partyrules.facts import TEXT_READERS, FactProblem
from partyrules.printer import NUMBER_STYLES as NUMBER_STYLES, number_text
from partyrules.runtime import InputSpec

NUMERIC = ("integer", "decimal", "percent")
SAVE_AS_UTF8 = "save it as UTF-8 (in Excel: Save As → CSV UTF-8 (Comma delimited))"

READ_FACTS_KEPT = 1 << 16  # distinct (input, text) pairs a reader remembers
SURROGATE = re.compile("[\udc80-\udcff]")  # a byte that was not UTF-8, kept by surrogateescape
# What might be meant as a number: digits with separators, a sign, a percent sign.
_NUMBER_LIKE = re.compile(r"[+-]?[\d.,]*\d[\d.,]*%?", re.ASCII)
# Vietnamese: groups of three after a `.`, a `,` before the decimals; a leading group has no leading zero.
_VI_NUMBER = re.compile(r"([+-]?)([1-9]\d{0,2}(?:\.\d{3})+|\d+)(?:,(\d+))?(%?)", re.ASCII)


class DataError(PartyrulesError, ValueError):
    """A data file cannot be used at all (as opposed to one bad row in it)."""


class Row(NamedTuple):
    """One organisation's row: where it is, its id, its facts and the columns kept aside.

    ``problems`` are what reading already found wrong with some facts (text
    that is not a number in the chosen style, an Excel error value); scoring
    reports them together with the problems the ruleset finds.

    A named tuple (read by name; ``_replace`` makes a changed copy): a data file has a row per
    organisation, and one is made in a fraction of the time of an attrs instance.

    ``facts`` is a tuple instead (the facts in the inputs' order, ``MISSING`` for one not given) when the
    table was read with ``ordered`` (:attr:`Table.ordered`): what ``partyrules score`` hands the batch loop.
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
    #: when the rows' facts are tuples (a CSV file read with ``ordered``): the inputs they follow, in order
    ordered: tuple[str, ...] | None = None

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


class Scored(NamedTuple):
    """A row and its evaluation (with its final grade, and what the file's quotas did to it). A named tuple,
    as :class:`Row` is."""

    number: int
    id: str
    columns: Mapping[str, Any]
    evaluation: Evaluation
    demotions: tuple[Any, ...] = ()  # partyrules.quota.Demotion, in the order the quotas applied


def repeated_ids(table: Table) -> list[str]:
    """A warning for each row whose id an earlier row has (ids read from a column only: row numbers
    never repeat); results and reports could not tell the two apart."""
    if table.id_column is None:
        return []
    first: dict[str, int] = {}
    warnings = []
    for row in table.rows:
        if row.id is None:
            continue
        seen = first.setdefault(row.id, row.number)
        if seen != row.number:
            warnings.append(f"{table.path}:{row.number}: the id `{row.id}` is also row {seen}'s")
    return warnings


def nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def undecodable(text: str) -> str | None:
    """The first byte that was not UTF-8 (kept as a lone surrogate by surrogateescape), as ``0xE9``."""
    found = SURROGATE.search(text)
    return None if found is None else f"0x{ord(found.group()) - 0xDC00:02X}"


def default_id_column(columns: Iterable[str]) -> str | None:
    for column in columns:
        if column == "id" or column.endswith("_id"):
            return column
    return None


def read_number_text(text: str, style: str) -> tuple[str, str | None]:
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


class Reader:
    """What every format shares: the inputs, the column renaming and the reading of one fact."""

    def __init__(self, name: str, inputs: tuple[InputSpec, ...], mapping: dict[str, str], numbers: str) -> None:
        self.name = name
        self.inputs = inputs
        self.specs = {i.name: i for i in inputs}
        self.mapping = {nfc(k.strip()): nfc(v.strip()) for k, v in mapping.items()}
        self.numbers = numbers
        self._read_facts: dict[tuple[str, str], tuple[Any, str | None]] = {}
        self.members: dict[str, dict[str, str]] = {}
        for spec in inputs:
            if spec.kind in ("enum", "level"):
                labels: dict[str, list[str]] = {}
                for member, label in zip(spec.members, spec.member_labels):
                    if label:
                        labels.setdefault(nfc(label.strip()), []).append(member)
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
            value, problem = read_number_text(value, self.numbers)
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
                by_label = [c for c in others if c == nfc(spec.label.strip())]
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

    def header(self, raw: Sequence[str], id_column: str | None, where: str) -> Header:
        """Checks and renames a header line; ``where`` is how messages name its place (``name:1``)."""
        columns = [nfc(c.strip()) for c in raw]
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
        id_name = id_column if id_column is not None else default_id_column(named)
        warnings = self.column_checks(named, id_name)
        kept = tuple(c for c in named if c not in self.specs and c != id_name)
        return Header(columns, named, id_name, kept, sources, warnings)


@attrs.frozen
class Header:
    """A header line read: its columns renamed, the id column, the kept columns and what to warn about."""

    columns: list[str]  # every column, renamed; "" for an unnamed one
    named: list[str]
    id_name: str | None
    kept: tuple[str, ...]
    sources: dict[str, str]
    warnings: list[str]


def value_text(value: Any) -> str:
    """A scalar read from a file as the text a CSV would hold: ``true``/``false``, numbers exactly."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return number_text(value)
    return str(value)
