"""What the HTTP API does, with no web framework in it: rulesets looked up and compiled once, scored.

A :class:`Workspace` holds one :class:`~partyrules.loader.Loader` over the search path the server
was started with (criteria text from a request refers to other files by id, found there only: a
request never names a file) and a bounded cache of compiled rulesets, found by the file they were
compiled from and by their fingerprint. Rulesets are immutable, so any number of requests score
with one at once; looking up and compiling take a lock (the loader keeps what it has read).

Every mistake in a request raises :class:`ApiError`: an HTTP status and JSON data naming what is
wrong, the same problems :class:`~partyrules.facts.FactsError` lists or the diagnostics of
``partyrules check --format json``; the application turns it into a response, never a traceback.
"""

from __future__ import annotations

import collections
import datetime
import hashlib
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import attrs

from partyrules import api, data, quota, report, serialize
from partyrules.diagnostics import CriteriaError, Diagnostic
from partyrules.facts import FactProblem, FactsError
from partyrules.loader import Loader
from partyrules.runtime import InputSpec, Ruleset

#: the data formats a batch may be uploaded in, by the name's suffix
UPLOAD_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".xlsx": "xlsx"}
#: the codes that mean "there is no such ruleset (in force then)": 404, not a mistake in the text
NOT_FOUND_CODES = frozenset({"PR701", "PR706"})


class ApiError(Exception):
    """A request the API cannot serve: its HTTP status and the JSON body that says why."""

    def __init__(self, status: int, error: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"error": error, "message": message, **details}


class Checkpoint(Protocol):
    """What long work checks between rows: raises once the request's time is up (``limits.Deadline``)."""

    def check(self, what: str, done: int | None = None, total: int | None = None) -> None: ...


def criteria_error(exc: CriteriaError) -> ApiError:
    """A ruleset that cannot be loaded: 404 when it does not exist, else 422 with every diagnostic."""
    diagnostics = [d.data() for d in exc.diagnostics]
    if exc.diagnostics and all(d.code in NOT_FOUND_CODES for d in exc.diagnostics):
        first = exc.diagnostics[0]
        return ApiError(404, "not_found", first.message, hint=first.hint, diagnostics=diagnostics)
    return ApiError(422, "criteria", "the criteria have errors", diagnostics=diagnostics)


def facts_error(problems: Sequence[FactProblem], row: str | None = None) -> ApiError:
    """Facts that cannot be scored: 422 with every problem, by input name (as FactsError lists them)."""
    listed = [{"input": p.input, "message": p.message} for p in problems]
    return ApiError(422, "facts", str(FactsError(problems, row)), problems=listed)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


# ---------------------------------------------------------------- the workspace


class Workspace:
    """The rulesets a server serves: the search path's, and criteria text sent by clients."""

    def __init__(self, path: Sequence[str] = (), *, cache_size: int = 64) -> None:
        self.path = tuple(str(p) for p in path)
        self.cache_size = cache_size
        self._loader = Loader(self.path)
        self._lock = threading.Lock()
        self._compiled: collections.OrderedDict[str, Ruleset] = collections.OrderedDict()
        self._by_fingerprint: dict[str, Ruleset] = {}

    # ------------------------------------------------------------ finding rulesets
    def ruleset(
        self,
        ruleset_id: str | None = None,
        *,
        on: datetime.date | None = None,
        text: str | None = None,
        fingerprint: str | None = None,
    ) -> Ruleset:
        """The compiled ruleset a request names: by id (the version in force ``on``), by criteria
        text, or by the fingerprint of one compiled before (while it is in the cache)."""
        given = [x for x in (ruleset_id, text, fingerprint) if x is not None]
        if len(given) != 1:
            raise bad_request("name the rules once: `ruleset` (an id), `text` (criteria text) or `fingerprint`")
        if fingerprint is not None:
            with self._lock:
                found = self._by_fingerprint.get(fingerprint)
            if found is None:
                raise ApiError(404, "not_found", f"no ruleset with the fingerprint {fingerprint} is compiled here")
            return found
        try:
            if text is not None:
                key = "text:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
                return self._compile(key, lambda: api.loads(text, "<request>", loader=self._loader))
            assert ruleset_id is not None
            with self._lock:
                version = self._loader.pick(ruleset_id, on)
            key = "file:" + hashlib.sha256(f"{version.filename}\0{version.text}".encode()).hexdigest()
            return self._compile(key, lambda: api.load(ruleset_id, on=on, loader=self._loader))
        except CriteriaError as exc:
            raise criteria_error(exc) from None

    def _compile(self, key: str, compile: Any) -> Ruleset:
        with self._lock:
            found = self._compiled.get(key)
            if found is not None:
                self._compiled.move_to_end(key)
                return found
            ruleset: Ruleset = compile()
            self._compiled[key] = ruleset
            self._by_fingerprint[ruleset.fingerprint] = ruleset
            while len(self._compiled) > self.cache_size:
                _, dropped = self._compiled.popitem(last=False)
                if not any(r.fingerprint == dropped.fingerprint for r in self._compiled.values()):
                    self._by_fingerprint.pop(dropped.fingerprint, None)
            return ruleset

    def source(self, ruleset_id: str, on: datetime.date | None = None) -> str:
        """The criteria text of a ruleset's version in force ``on`` (or its newest), for the editor."""
        try:
            with self._lock:
                return self._loader.pick(ruleset_id, on).text
        except CriteriaError as exc:
            raise criteria_error(exc) from None

    def cached(self) -> int:
        """How many compiled rulesets the cache holds."""
        with self._lock:
            return len(self._compiled)

    def rulesets(self) -> list[dict[str, Any]]:
        """Every ruleset on the search path with its versions (libraries left out: nothing to score)."""
        out = []
        with self._lock:
            for ruleset_id in self._loader.known_ids():
                try:
                    versions = self._loader.versions(ruleset_id)
                except CriteriaError as exc:
                    out.append({"id": ruleset_id, "versions": [], "problems": [d.data() for d in exc.diagnostics]})
                    continue
                if all(v.header.kind != "ruleset" for v in versions):
                    continue
                out.append({"id": ruleset_id, "versions": [_version_data(v) for v in versions]})
        return out

    def known_ids(self) -> list[str]:
        """Every id on the search path (what ``extends "`` and ``import "`` may name)."""
        with self._lock:
            return self._loader.known_ids()

    # ------------------------------------------------------------ what the endpoints do
    def analyse(self, text: str, filename: str) -> api.Analysis:
        """Criteria text parsed, linked and checked without raising, as the language server does."""
        with self._lock:  # the loader keeps the files it reads: one request at a time fills it
            return api.analyse(text, filename, loader=self._loader)

    def check(self, text: str, filename: str = "<request>") -> dict[str, Any]:
        """Every diagnostic of criteria text, as ``partyrules check --format json`` gives them."""
        with self._lock:  # the loader keeps the files it reads: one request at a time fills it
            found = api.check(filename, text=text, loader=self._loader)
        return diagnostics_data(found)

    def evaluate(self, ruleset: Ruleset, facts: Mapping[str, Any]) -> dict[str, Any]:
        """One organisation's evaluation as JSON data (:func:`partyrules.serialize.unstructure`)."""
        return serialize.unstructure(_evaluated(ruleset, facts))  # type: ignore[no-any-return]

    def explain(self, ruleset: Ruleset, facts: Mapping[str, Any]) -> dict[str, Any]:
        """One organisation's evaluation and its explanation in Vietnamese, with the value of each named
        value (``let``), as ``partyrules explain --json`` gives them."""
        from partyrules.explain import explain_text
        from partyrules.scoresheet import named_values

        evaluation = _evaluated(ruleset, facts)
        values = named_values(ruleset, evaluation)  # the lets, which the evaluation does not keep
        return {
            "explanation": explain_text(evaluation, values=values),
            "values": [v.data() for v in values],
            "evaluation": serialize.unstructure(evaluation),
        }

    def score(
        self,
        ruleset: Ruleset,
        name: str,
        content: bytes,
        options: Mapping[str, Any],
        deadline: Checkpoint | None = None,
    ) -> Batch:
        """A data file's rows scored, the quotas applied over the batch (as ``partyrules score`` does);
        ``deadline`` is checked between rows."""
        table = read_upload(name, content, ruleset.inputs, options)
        results: list[data.Scored] = []
        rejected: list[data.BadRow] = []
        total = len(table.rows)
        for done, outcome in enumerate(data.score(ruleset, table.rows)):
            if deadline is not None:
                deadline.check("scoring", done, total)
            (rejected if isinstance(outcome, data.BadRow) else results).append(outcome)  # type: ignore[arg-type]
        return _with_quotas(ruleset, table, results, rejected)


    def score_file(
        self,
        ruleset: Ruleset,
        name: str,
        path: Path,
        options: Mapping[str, Any],
        output: str,
        group: str | None,
        deadline: Checkpoint | None = None,
    ) -> dict[str, Any] | Path:
        """An uploaded data file (saved at ``path``, in a folder of its own) scored as a stream, as
        ``partyrules score`` scores it (:class:`partyrules.batch.Batch`): rows read, scored, counted and
        written one at a time, so memory stays flat in the number of rows. ``output`` ``summary`` gives
        the summary; ``csv``, ``jsonl``, ``xlsx`` or ``html`` the path of the results file or the report,
        written beside the upload (the caller sends it and removes the folder)."""
        from partyrules.batch import Batch as Stream

        _check_suffix(name)
        try:
            head, rows = data.open_rows(
                path,
                list(ruleset.inputs),
                id_column=options.get("id_column"),
                numbers=str(options.get("numbers") or "plain"),
                columns=options.get("columns"),
                ordered=ruleset.layout.inputs,  # a CSV row's facts as a tuple, as `partyrules score` reads them
            )
        except (data.DataError, OSError) as exc:
            raise ApiError(422, "data", str(exc).replace(str(path), name)) from None
        head = attrs.evolve(head, path=name)
        if group is not None:
            _check_group(ruleset, head, group)
        folder = str(path.parent)
        with Stream(ruleset, head, rows, summary=group, spool=output == "html", folder=folder) as batch:
            results = _checked_rows(batch.results(), deadline)
            try:
                if output == "summary":
                    return _stream_summary(batch, results)
                if output == "html":
                    return _stream_report(batch, results, path.parent / "report.html")
                written = path.parent / f"results.{output}"
                data.write_results(written, output, ruleset, batch.kept, results)
                return written
            except quota.QuotaError as exc:
                raise ApiError(422, "data", str(exc)) from None
            except (data.DataError, OSError) as exc:  # the file found unusable only once its rows are read
                raise ApiError(422, "data", str(exc).replace(str(path), name)) from None


def _checked_rows(results: Iterator[data.Scored], deadline: Checkpoint | None) -> Iterator[data.Scored]:
    for done, result in enumerate(results):
        if deadline is not None:
            deadline.check("scoring", done)
        yield result


def _stream_summary(batch: Any, results: Iterator[data.Scored]) -> dict[str, Any]:
    """The summary of :meth:`Batch.summary`, counted as the rows stream by."""
    from partyrules.report import count_rows

    ruleset: Ruleset = batch.ruleset
    final: Counter[str | None] = Counter()
    demotions: list[dict[str, Any]] = []
    for result in results:
        final[result.evaluation.grade] += 1
        demotions.extend({"row": result.number, "id": result.id, **_demotion_data(d)} for d in result.demotions)
    rows = count_rows(batch.counts())
    return {
        "ruleset": ruleset_ref(ruleset),
        "rows": batch.scored + batch.rejected_count,
        "scored": batch.scored,
        "grades": [{"id": g.id, "label": g.label, "count": final.get(g.id, 0)} for g in ruleset.grades]
        + ([{"id": None, "label": "không xếp loại", "count": final[None]}] if final.get(None) else []),
        "counts": {"header": rows[0], "rows": rows[1:]},
        "quotas": [_quota_line(rule, batch.head, demotions) for rule in ruleset.quotas],
        "demotions": demotions,
        "histogram": histogram(ruleset, batch.totals),
        "rejected": [_rejected_data(b) for b in batch.rejected()],
    }


def _stream_report(batch: Any, results: Iterator[data.Scored], path: Path) -> Path:
    """The batch report of ``partyrules score --report``, written from the batch's spool."""
    for _ in results:  # the counts and the quotas' placements are known once every row is scored
        pass
    batch.write_report(path)
    return path


def _rejected_data(bad: data.BadRow) -> dict[str, Any]:
    return {"row": bad.number, "id": bad.id, "problems": [{"input": p.input, "message": p.message} for p in bad.problems]}


def _check_suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise bad_request(f"{name}: cannot tell the data format; send a .csv, .jsonl, .json or .xlsx file")
    return suffix


def _check_group(ruleset: Ruleset, table: data.Table, group: str) -> None:
    from partyrules.diagnostics import did_you_mean

    known = [i.name for i in ruleset.inputs] + list(table.columns)
    if group not in known:
        hint = did_you_mean(group, known) or "known: " + ", ".join(known)
        raise ApiError(422, "data", f"group {group}: no input or column of that name; {hint}")


def read_upload(name: str, content: bytes, inputs: Sequence[InputSpec], options: Mapping[str, Any]) -> data.Table:
    """An uploaded data file read as a table of ``inputs``.

    The file is written into a temporary folder of its own (under a fixed name with the
    upload's suffix: nothing of a client's name reaches a path), read and removed.
    """
    suffix = _check_suffix(name)
    with tempfile.TemporaryDirectory(prefix="partyrules-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            table = data.read(
                path,
                list(inputs),
                id_column=options.get("id_column"),
                numbers=str(options.get("numbers") or "plain"),
                columns=options.get("columns"),
            )
        except (data.DataError, OSError) as exc:
            raise ApiError(422, "data", str(exc).replace(str(path), name)) from None
    return attrs.evolve(table, path=name)


def diagnostics_data(found: Sequence[Diagnostic]) -> dict[str, Any]:
    """Diagnostics as ``partyrules check --format json`` gives them, with the counts of errors and warnings."""
    diagnostics = [d.data() for d in found]
    errors = sum(1 for d in diagnostics if d["severity"] == "error")
    return {"diagnostics": diagnostics, "errors": errors, "warnings": len(diagnostics) - errors}


def _evaluated(ruleset: Ruleset, facts: Mapping[str, Any]) -> Any:
    if not isinstance(facts, Mapping):
        raise bad_request("`facts` must be a JSON object of input names and values")
    try:
        return ruleset.evaluate(serialize.facts_from_data(ruleset, facts))
    except FactsError as exc:
        raise facts_error(exc.problems) from None


def _version_data(version: Any) -> dict[str, Any]:
    header = version.header
    return {
        "version": header.version,
        "title": header.title,
        "effective_from": _iso(version.effective_from),
        "effective_to": _iso(version.effective_to),
    }


def _iso(day: datetime.date | None) -> str | None:
    return None if day is None else day.isoformat()


# ---------------------------------------------------------------- a batch


@attrs.frozen
class Batch:
    """A scored batch: the table as read, its results with their final grades, the rejected rows,
    the quotas' placements, and the results' columns kept from the file (with the demotions column)."""

    ruleset: Ruleset
    table: data.Table
    results: tuple[data.Scored, ...]
    rejected: tuple[data.BadRow, ...]
    placements: tuple[quota.Placement, ...]
    kept: tuple[str, ...]

    def summary(self, group: str | None = None) -> dict[str, Any]:
        """Counts per grade (per value of ``group``), the demotions, a histogram of totals, the rejected rows."""
        from partyrules.report import count_rows, grade_counts

        if group is not None:
            _check_group(self.ruleset, self.table, group)
        rows = count_rows(grade_counts(self.ruleset, self.table, list(self.results), group))
        final = Counter(r.evaluation.grade for r in self.results)
        demotions = (
            [
                {"row": r.number, "id": r.id, **_demotion_data(d)}
                for r, p in zip(self.results, self.placements)
                for d in p.demotions
            ]
            if self.placements
            else []
        )
        return {
            "ruleset": ruleset_ref(self.ruleset),
            "rows": len(self.results) + len(self.rejected),
            "scored": len(self.results),
            "grades": [{"id": g.id, "label": g.label, "count": final.get(g.id, 0)} for g in self.ruleset.grades]
            + ([{"id": None, "label": "không xếp loại", "count": final[None]}] if final.get(None) else []),
            "counts": {"header": rows[0], "rows": rows[1:]},
            "quotas": [_quota_line(rule, self.table, demotions) for rule in self.ruleset.quotas],
            "demotions": demotions,
            "histogram": histogram(self.ruleset, Counter(r.evaluation.total for r in self.results)),
            "rejected": [_rejected_data(b) for b in self.rejected],
        }

    def results_file(self, kind: str) -> bytes:
        """The results file ``partyrules score --output`` writes (csv, jsonl or xlsx): written by the same
        function into a temporary folder, the same bytes."""
        with tempfile.TemporaryDirectory(prefix="partyrules-results-") as folder:
            path = Path(folder) / f"results.{kind}"
            data.write_results(path, kind, self.ruleset, self.kept, self.results)
            return path.read_bytes()

    def report(self, group: str | None = None) -> str:
        """The HTML batch report of ``partyrules score --report``."""
        from partyrules.report import render_report

        return render_report(
            self.ruleset, self.table, list(self.results), list(self.rejected), group, placements=self.placements
        )


def _with_quotas(ruleset: Ruleset, table: data.Table, results: list[data.Scored], rejected: list[data.BadRow]) -> Batch:
    """The quotas applied once every row is scored, a results column saying each demotion (as the CLI does)."""
    if not ruleset.quotas:
        return Batch(ruleset, table, tuple(results), tuple(rejected), (), table.kept)
    try:
        placed, kept, placements = data.apply_quotas(ruleset, table, results)
    except quota.QuotaError as exc:
        raise ApiError(422, "data", str(exc)) from None
    return Batch(ruleset, table, tuple(placed), tuple(rejected), placements, kept)


def _demotion_data(d: quota.Demotion) -> dict[str, Any]:
    return {
        "quota": d.quota,
        "from": d.from_grade,
        "to": d.to_grade,
        "rank": d.rank,
        "candidates": d.candidates,
        "allowed": d.allowed,
        "group": d.group,
    }


def _quota_line(rule: Any, table: data.Table, demotions: list[dict[str, Any]]) -> dict[str, Any]:
    applied = rule.within != "column" or rule.group in table.columns
    moved = sum(1 for d in demotions if d["quota"] == rule.name)
    return {"name": rule.name, "grade": rule.grade, "demote_to": rule.demote_to, "applied": applied, "demotions": moved}


def ruleset_ref(ruleset: Ruleset) -> dict[str, Any]:
    return {"id": ruleset.id, "version": ruleset.version, "fingerprint": ruleset.fingerprint, "title": ruleset.title}


def histogram(ruleset: Ruleset, totals: Mapping[Decimal | None, int], bins: int = 10) -> list[dict[str, Any]]:
    """How many totals fall in each of about ``bins`` bins of a whole width (a tenth of the maximum, rounded
    up: :func:`partyrules.report.histogram`, the batch report's; the last bin includes the maximum);
    ``totals``: how many rows have each total."""
    maximum = ruleset.layout.maximum
    if not maximum or maximum <= 0:
        return []
    counted = {total: count for total, count in totals.items() if total is not None}
    return [
        {"from": serialize.json_default(b.low), "below": serialize.json_default(b.high), "count": b.count}
        for b in report.histogram(counted, Decimal(maximum), bins)
    ]


# ---------------------------------------------------------------- descriptions of a ruleset


def ruleset_data(ruleset: Ruleset) -> dict[str, Any]:
    """A compiled ruleset as a form needs it: its header, inputs (labels, types, ranges, choices) and grades."""
    return {
        **ruleset_ref(ruleset),
        "basis": ruleset.basis,
        "effective_from": _iso(ruleset.effective_from),
        "effective_to": _iso(ruleset.effective_to),
        "max": serialize.json_default(ruleset.layout.maximum) if ruleset.layout.maximum is not None else None,
        "inputs": [input_data(spec) for spec in ruleset.inputs],
        "grades": [{"id": g.id, "label": g.label} for g in ruleset.grades],
    }


def input_data(spec: InputSpec) -> dict[str, Any]:
    """One input for a form: bounds and default in the units of its facts (a percent's in percent, not fractions)."""
    unit = 100 if spec.kind == "percent" else 1

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal) or (spec.kind in ("decimal", "percent") and isinstance(value, int)):
            return serialize.json_default(Decimal(value) * unit)
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value

    return {
        "name": spec.name,
        "label": spec.label,
        "kind": spec.kind,
        "low": plain(spec.low),
        "high": plain(spec.high),
        "places": spec.places,
        "required": spec.required,
        "default": None if spec.required else plain(spec.default),
        "members": [
            {"name": m, "label": label or m}
            for m, label in zip(spec.members, (*spec.member_labels, *([None] * len(spec.members))))
        ],
    }
