"""A data file scored as a stream: rows read, scored, counted and written one at a time.

    head, rows = data.open_rows("cells.csv", ruleset.inputs)
    batch = Batch(ruleset, head, rows, summary="district")
    with open("results.csv", "w", newline="") as out:
        data.format_csv(out, ruleset, batch.kept, batch.results())
    batch.counts(), batch.rejected(), batch.repeated_ids()

Every row is scored as :func:`partyrules.data.score` scores it (the compiled
batch loop, :meth:`Ruleset.evaluate_many`), in one loop that also rejects,
remembers and counts, and what is kept grows with nothing but the ruleset: the grade counts, the totals' counts (for the histogram), the
hashes of the ids (to find an id given twice). A rejected row goes to a
spool file (pickled, in the folder given, removed when the batch is closed),
said in full at the end.

A file's quotas are known only after its last row: then the first pass keeps
what the quotas compare (:class:`partyrules.quota.Tally`: id, group and
sort key of each organisation holding a limited grade, counts for the
others) and spools each result's row number, id, columns and raw values;
:meth:`Batch.results` then reads the spool back with the demotions applied.
So does a batch report (``spool=True``), whose breakdown comes after counts
known only at the end. The results, counts and report are the same bytes as
scoring the file held whole.

``partyrules score`` runs on it; the HTTP API's upload can too.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from array import array
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import IO, Any

import attrs

from partyrules import data, quota, report
from partyrules.evaluation import Evaluation
from partyrules.facts import FactsError, RowError
from partyrules.quota import Demotion, Placement
from partyrules.report import GradeCounter, GradeCounts, Tallies
from partyrules.runtime import Ruleset
from partyrules.tables import BadRow, Row, Scored, Table, repeated_ids

__all__ = ["Batch"]

#: ids are remembered by their hashes, spread over this many arrays: a set of one part at a time is enough
#: to find the hashes seen twice at the end
_ID_PARTS = 256


class Batch:
    """One data file scored once, as a stream (see the module's docstring).

    ``rows`` gives a fresh pass over the file's rows each time it is called (a second pass happens only
    to name the rows of an id given twice). ``summary``: the column the grades are counted by (None:
    overall). ``spool``: keep every result on disk for :meth:`organisations` (a report). ``folder``:
    where the spool files go (None: the system's temporary folder).
    """

    def __init__(
        self,
        ruleset: Ruleset,
        head: Table,
        rows: data.Rows,
        *,
        summary: str | None = None,
        spool: bool = False,
        folder: str | None = None,
    ) -> None:
        self.ruleset = ruleset
        self.head = head
        self._rows = rows
        self._folder = folder
        self._rules = [r for r in ruleset.quotas if r.within != "column" or r.group in head.columns]
        # a quota grouped by a column the data lacks is not applied; the summary and the report say so
        self.quota_column: str | None = None
        self.kept: tuple[str, ...] = head.kept
        self._renamed: dict[str, str] = {}  # a data column called like the quota column: its new name
        if ruleset.quotas:
            self.quota_column = data.QUOTA_COLUMN
            self._renamed, self.kept = data.quota_names(head.columns, head.kept)
        self._tally = quota.Tally(self._rules)
        self._counter = GradeCounter(ruleset, head, summary)
        self.totals: dict[Decimal, int] = {}
        self.scored = 0
        self.not_graded = 0
        self.rejected_count = 0
        # 8 bytes an id (a list of ints would hold an int object each: 40 MB for a million rows)
        self._ids = [array("q") for _ in range(_ID_PARTS)]
        self._bad: IO[bytes] | None = None
        self._spool: IO[bytes] | None = _spool_file(folder) if spool or ruleset.quotas else None
        self._demotions: dict[int, list[Demotion]] = {}
        self.placements: tuple[Placement, ...] = ()  # the demoted organisations, once :meth:`results` ran
        self._done = False

    def close(self) -> None:
        for stream in (self._spool, self._bad):
            if stream is not None:
                stream.close()

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- the passes

    def results(self) -> Iterator[Scored]:
        """Every scored row, in the file's order, with its final grade (and, when the file has quotas, the
        quota column in its columns); the counts are complete once it is exhausted. Once only."""
        if self._done:
            raise RuntimeError("a batch's results are given once")
        self._done = True
        if self.quota_column is None:  # nothing waits for the last row: each result is final as it comes
            return self._first_pass(count=True)
        return self._with_quotas()

    def _with_quotas(self) -> Iterator[Scored]:
        for _ in self._first_pass(count=False):  # the quotas need every row before any grade is final
            pass
        self._demotions = self._tally.demotions()
        placements: list[Placement] = []
        # grades counted by a data column the quota column's name took (seldom): by that column's own values
        undo = {new: old for old, new in self._renamed.items()} if self._counter.column in self._renamed else None
        for result in self.organisations():
            if undo is None:
                self._count(result)
            else:
                columns = {undo.get(k, k): v for k, v in result.columns.items() if k != data.QUOTA_COLUMN}
                self._count(result._replace(columns=columns))
            moved = self._demotions.get(result.number)
            if moved:
                placements.append(Placement(result.id, result.evaluation, tuple(moved)))
            yield result
        self.placements = tuple(placements)

    def _first_pass(self, *, count: bool) -> Iterator[Scored]:
        """Rows scored (as :func:`partyrules.data.score` scores them, in one loop): rejected ones spooled,
        ids remembered, the rest given (and spooled, when asked; counted, with ``count``)."""
        ruleset = self.ruleset
        order = {spec.name: i for i, spec in enumerate(ruleset.inputs)}
        pickler = pickle.Pickler(self._spool, pickle.HIGHEST_PROTOCOL) if self._spool is not None else None
        tally = self._tally if self._rules else None
        counter, overall, totals = self._counter.add, self._counter.overall(), self.totals
        make = tuple.__new__  # a Scored without the Python-level __new__ of a named tuple
        read: list[BadRow] = []  # rows that could not be read, waiting for the result of the row after them
        last: list[Row] = []  # the row whose facts the program took last (the program takes one at a time)
        # the compiled batch loop itself (what evaluate_many runs): the facts hold no id to take out, and a
        # CSV file read in the inputs' order gives them as tuples (no dict a row, no name looked up)
        ordered = self.head.ordered is not None
        if ordered and self.head.ordered != ruleset.layout.inputs:
            raise ValueError("the rows' facts are in another order than the ruleset's inputs")
        for result in ruleset.batch(self._facts(read, last), None, 0, _row_error, ordered):
            if read:
                self._reject_all(read)
            row = last[0]
            if isinstance(result, RowError):
                self._reject(BadRow(row.number, row.id, data.merged_problems(order, row.problems, result.problems)))
                continue
            if row.problems:  # read as something, but not as the file meant it: never scored
                self._reject(BadRow(row.number, row.id, row.problems))
                continue
            scored: Scored = make(Scored, (row.number, row.id, row.columns, result, ()))
            if pickler is not None:
                pickler.dump((row.number, row.id, row.columns, result.raw))
                pickler.clear_memo()  # a memo would keep every record alive
            if tally is not None:  # rows are known by their numbers, unique in a file
                tally.add(row.number, row.id, result, row.columns)
            if count:
                self.scored += 1
                grade = result.grade
                if grade is None:
                    self.not_graded += 1
                total = result.total
                totals[total] = totals.get(total, 0) + 1
                if overall is not None:  # counted overall: the count at hand, without a call
                    overall[grade] += 1
                else:
                    counter(scored)
            yield scored
        self._reject_all(read)  # the rows after the last good one

    def _facts(self, read: list[BadRow], last: list[Row]) -> Iterator[Mapping[str, Any]]:
        """The facts of each row read (its id remembered), the row in ``last``; a row that could not be read
        goes to ``read`` (with the id it has, if any)."""
        ids = self._ids if self.head.id_column is not None else None
        parts = _ID_PARTS
        last.append(None)  # type: ignore[arg-type]
        for row in self._rows():
            # a row scored has the id of the row read, and so has a row rejected: the ids of every row
            if ids is not None and row.id is not None:
                h = hash(row.id)
                ids[h % parts].append(h)
            if isinstance(row, BadRow):
                read.append(row)
                continue
            last[0] = row
            yield row.facts

    def _reject_all(self, rows: list[BadRow]) -> None:
        for bad in rows:
            self._reject(bad)
        rows.clear()

    def _reject(self, bad: BadRow) -> None:
        self.rejected_count += 1
        if self._bad is None:
            self._bad = _spool_file(self._folder)
        pickle.dump(bad, self._bad, pickle.HIGHEST_PROTOCOL)

    def _count(self, result: Scored) -> None:
        self.scored += 1
        evaluation = result.evaluation
        if evaluation.grade is None:
            self.not_graded += 1
        total = evaluation.total
        self.totals[total] = self.totals.get(total, 0) + 1
        self._counter.add(result)

    # ---------------------------------------------------------------- what the passes found

    def counts(self) -> GradeCounts:
        """The grades counted (final grades, after the quotas), per the summary column or overall."""
        return self._counter.counts()

    def rejected(self) -> Iterator[BadRow]:
        """The rows not scored, in the file's order, read back from their spool."""
        if self._bad is None:
            return
        yield from _records(self._bad)

    def organisations(self) -> Iterator[Scored]:
        """The scored rows again, read back from the spool (``spool=True``), with their final grades."""
        if self._spool is None:
            raise RuntimeError("the batch kept no spool of its results")
        layout = self.ruleset.layout
        column = self.quota_column
        for number, id, columns, raw in _records(self._spool):
            evaluation = Evaluation.from_raw(layout, raw)
            if column is not None:
                moved = self._demotions.get(number, ())
                if moved:
                    evaluation = quota.regrade(evaluation, moved[-1].to_grade)
                columns = data.with_quota_column(columns, self._renamed, data.demotions_text(moved))
                yield Scored(number, id, columns, evaluation, tuple(moved))
                continue
            yield Scored(number, id, columns, evaluation)

    def write_report(self, path: str | os.PathLike[str]) -> None:
        """The batch report of ``partyrules score --report`` (``spool=True``), written atomically piece by
        piece: its breakdown read back from the spool. Once :meth:`results` is exhausted."""
        tallies = Tallies(self.counts(), self.totals, self.scored, self.not_graded, self.rejected_count)
        data.write_atomic(
            path,
            lambda stream: report.write_report(
                stream.write,
                self.ruleset,
                self.head,
                tallies,
                self.organisations(),
                self.rejected(),
                placements=self.placements,
            ),
        )

    def repeated_ids(self) -> list[str]:
        """A warning for each row whose id an earlier row has (as :func:`partyrules.tables.repeated_ids`);
        the file is read again only when two ids share a hash."""
        twice: set[int] = set()
        for part in self._ids:
            if len(set(part)) != len(part):
                seen: set[int] = set()
                twice.update(h for h in part if h in seen or seen.add(h))  # type: ignore[func-returns-value]
        if not twice:
            return []
        rows = tuple(row for row in self._rows() if row.id is not None and hash(row.id) in twice)
        return repeated_ids(attrs.evolve(self.head, rows=rows))


def _row_error(exc: FactsError, number: int, row: Any) -> RowError:
    """A row the ruleset refuses (its number is the batch's count, not the file's: the row in hand says it)."""
    return RowError(exc.problems, number)


def _spool_file(folder: str | None) -> IO[bytes]:
    """A file with no name (unlinked as soon as made, on POSIX): nothing is left of it after the batch,
    even when the process is killed."""
    return tempfile.TemporaryFile(dir=folder, prefix=".partyrules-", suffix=".spool")


def _records(stream: IO[bytes]) -> Iterator[Any]:
    """Every record pickled into a spool, in order (the stream is read from its start)."""
    stream.flush()
    stream.seek(0)
    load = pickle.load
    while True:
        try:
            # one unpickler a record: the pickler's memo is cleared after each, and an unpickler kept
            # across records would number its memo on (protocol 4's MEMOIZE) and fetch old objects
            yield load(stream)
        except EOFError:
            return
