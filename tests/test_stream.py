"""partyrules score as a stream: rows read once and dropped, outputs as the whole-file path wrote them,
quotas through the spool, compact and full JSON lines, and no .tmp left after SIGTERM."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import partyrules
from partyrules import cli, data, quota, serialize
from partyrules.batch import Batch
from partyrules.catalog import builtin_root
from partyrules.printer import number_text

RULES = "vn.hatinh/chi-bo-4-tot"
CELLS = builtin_root().parent / "data" / "hatinh-cells-2024.csv"


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    status = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def head_rows(path: Path, count: int) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return [row for _, row in zip(range(count + 1), csv.reader(stream))]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator="\r\n").writerows(rows)
    return path


def test_rows_are_read_once_and_not_held(tmp_path: Path) -> None:
    """The batch pulls rows one at a time: when a row is scored, few rows after it have been read, and the
    rows before it are no longer referenced by anything the batch keeps."""
    ruleset = partyrules.load(RULES)
    path = write_csv(tmp_path / "cells.csv", head_rows(CELLS, 300))
    head, rows = data.open_rows(path, ruleset.inputs)
    read = 0
    live: set[int] = set()

    def counted() -> Iterator[data.Row | data.BadRow]:
        nonlocal read
        for row in rows():
            read += 1
            live.add(row.number)
            yield row

    passes = 0

    def once() -> Iterator[data.Row | data.BadRow]:
        nonlocal passes
        passes += 1
        assert passes == 1, "the rows were read twice"
        return counted()

    ahead = []
    with Batch(ruleset, head, once) as batch:
        for result in batch.results():
            ahead.append(read - (result.number - 1))  # rows read past this one (row 2 is the first)
            live.discard(result.number)
    assert batch.scored == 300 and passes == 1
    assert max(ahead) <= 2  # the batch loop reads a row, scores it, gives it: no read-ahead of the file
    assert not live
    assert batch.repeated_ids() == []  # every id differs: the file is not read again


def test_streamed_results_are_the_whole_file_results(tmp_path: Path) -> None:
    """The CSV and JSON lines the stream writes are the bytes of the old path: read whole, score, write."""
    ruleset = partyrules.load(RULES)
    table = data.read(CELLS, ruleset.inputs)
    results = [r for r in data.score(ruleset, table.rows) if isinstance(r, data.Scored)]
    for kind in ("csv", "jsonl"):
        whole = tmp_path / f"whole.{kind}"
        data.write_results(whole, kind, ruleset, table.kept, results)
        streamed = tmp_path / f"streamed.{kind}"
        head, rows = data.open_rows(CELLS, ruleset.inputs)
        with Batch(ruleset, head, rows) as batch:
            data.write_results(streamed, kind, ruleset, batch.kept, batch.results())
        assert streamed.read_bytes() == whole.read_bytes()


QUOTA_RULES = """
ruleset "demo/q" {
  title "Q"; version "1"; basis "b"; effective from 2024-01-01; points illustrative;
}
input score "Điểm": integer 0..100;
input district "Huyện": one of { a "A", b "B" };
criteria "C" max 100 {
  item diem "Điểm" max 100 { points = score; }
}
grades {
  grade xs "Xuất sắc" { band from 90; }
  grade tot "Tốt" { band from 70 below 90; }
  grade dat "Đạt" { band from 50 below 70; }
  grade kem "Kém" { band below 50; }
}
quota top "Xuất sắc không quá 20% số Tốt" {
  grade xs at most 20% of tot;
  within district;
  order by total desc;
}
"""


def test_quotas_through_the_spool_match_apply_quotas(tmp_path: Path) -> None:
    """With a quota, the stream spools every result and applies the demotions in a second pass: the same
    results, columns and demotions as data.apply_quotas over the whole batch held in memory."""
    rules = tmp_path / "q.criteria"
    rules.write_text(QUOTA_RULES, encoding="utf-8")
    ruleset = partyrules.load(rules)
    lines = [["org_id", "district", "score", "note"]]
    lines += [[f"o{i:03d}", "ab"[i % 2], str(40 + (i * 37) % 61), f"n{i}"] for i in range(120)]
    path = write_csv(tmp_path / "d.csv", lines)
    table = data.read(path, ruleset.inputs)
    scored = [r for r in data.score(ruleset, table.rows) if isinstance(r, data.Scored)]
    held, kept, placements = data.apply_quotas(ruleset, table, scored)
    head, rows = data.open_rows(path, ruleset.inputs)
    with Batch(ruleset, head, rows, folder=str(tmp_path)) as batch:
        streamed = list(batch.results())
        assert batch.kept == kept
    assert streamed == held
    assert sum(1 for p in placements if p.demotions) == len(batch.placements) > 0
    assert [p.demotions for p in batch.placements] == [p.demotions for p in placements if p.demotions]
    assert isinstance(batch.placements[0], quota.Placement)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "q.criteria"]  # spools have no name


def test_jsonl_compact_by_default_full_on_request(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cells.csv", head_rows(CELLS, 5))
    status, _, err = run(capsys, "score", RULES, path, "-o", tmp_path / "brief.jsonl")
    assert status == 0, err
    status, _, err = run(capsys, "score", RULES, path, "--full", "-o", tmp_path / "full.jsonl")
    assert status == 0, err
    brief = [json.loads(line) for line in (tmp_path / "brief.jsonl").read_text(encoding="utf-8").splitlines()]
    full = [json.loads(line) for line in (tmp_path / "full.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(brief) == len(full) == 5
    for b, f in zip(brief, full, strict=True):
        assert list(b) == ["row", "id", "columns", "total", "grade", "not_graded", "points", "demotions", "ruleset"]
        e = serialize.structure(f, partyrules.Evaluation)
        assert (b["row"], b["id"], b["columns"]) == (f["row"], f["id"], f["columns"])
        assert (b["total"], b["grade"], b["ruleset"]) == (f["total"], f["grade"], f["ruleset"])
        assert b["points"] == {c.id: number_text(c.points) for c in e.criteria if c.points is not None} | {
            a.id: number_text(a.points) for a in e.adjustments
        }
        assert b["demotions"] == []
    assert (tmp_path / "brief.jsonl").stat().st_size * 4 < (tmp_path / "full.jsonl").stat().st_size


def test_sigterm_removes_the_half_written_output(tmp_path: Path) -> None:
    """A kill (SIGTERM) while results are written leaves the old results file and no .tmp beside it."""
    rows = head_rows(CELLS, 4131)
    body = rows[1:]
    lines = [rows[0], *([f"{body[i % len(body)][0]}-{i}", *body[i % len(body)][1:]] for i in range(60_000))]
    path = write_csv(tmp_path / "big.csv", lines)
    output = tmp_path / "out" / "results.csv"
    output.parent.mkdir()
    output.write_text("last year\n", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "partyrules", "score", RULES, str(path), "-o", str(output), "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not any(p.suffix == ".tmp" for p in output.parent.iterdir()):  # wait until it writes
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    status = process.wait(timeout=120)
    assert status == 128 + signal.SIGTERM
    assert sorted(p.name for p in output.parent.iterdir()) == ["results.csv"]
    assert output.read_text(encoding="utf-8") == "last year\n"
    assert os.path.exists(path)


def test_a_batch_of_good_and_bad_rows_counts_and_rejects_each(tmp_path: Path) -> None:
    """Good rows between a row the rules refuse (a constraint), one with a number that is not one and one
    that is not a row of the table (a field too many): each bad row is rejected with its number, id and
    problem, every other row scored, and the counts are the good rows' (also when the reading stops early)."""
    ruleset = partyrules.load(RULES)
    rows = head_rows(CELLS, 8)
    header = rows[0]
    constraint, number, wide = list(rows[2]), list(rows[4]), [*rows[6], "9"]
    constraint[header.index("members_disciplined")] = "400"  # more than the chi bộ's members
    number[header.index("new_members")] = "mười"
    path = write_csv(tmp_path / "mixed.csv", [header, rows[1], constraint, rows[3], number, rows[5], wide, rows[7]])
    head, read = data.open_rows(path, ruleset.inputs)
    with Batch(ruleset, head, read) as batch:
        scored = list(batch.results())
        rejected = list(batch.rejected())
    assert [r.number for r in scored] == [2, 4, 6, 8]
    assert [r.id for r in scored] == [rows[i][0] for i in (1, 3, 5, 7)]
    assert [(b.number, b.id) for b in rejected] == [(3, rows[2][0]), (5, rows[4][0]), (7, rows[6][0])]
    assert [p.input for p in rejected[1].problems] == ["new_members"]
    assert "kỷ luật" in rejected[0].problems[0].message  # the constraint's own words
    assert "field" in rejected[2].problems[0].message
    assert batch.scored == 4 and batch.rejected_count == 3
    assert batch.not_graded == sum(r.evaluation.grade is None for r in scored)
    assert sum(batch.totals.values()) == 4
    assert sum(sum(c.values()) for _, c in batch.counts().groups) == 4

    head, read = data.open_rows(path, ruleset.inputs)
    with Batch(ruleset, head, read) as early:
        results = early.results()
        next(results)
        next(results)  # row 4: rows 2 and 4 given, row 3 rejected on the way
        del results  # a reader that stops: the rows given so far are counted
    assert early.scored == 2 and early.rejected_count == 1


@pytest.mark.parametrize("dropped", [None, "late_reports", "model_practice"])
def test_facts_in_order_score_and_reject_as_facts_by_name(tmp_path: Path, dropped: str | None) -> None:
    """A CSV file read with its facts as tuples in the inputs' order (as ``partyrules score`` reads it) gives
    the results and rejections of the same file read as facts by name: empty cells of inputs with and
    without a default, a text new to its column, a number out of range, a text that is no number, a
    broken constraint, no member of an enum, and a column left out (inputs with a default: one edited, one not)."""
    ruleset = partyrules.load(RULES)
    rows = head_rows(CELLS, 20)
    header = rows[0]
    at = header.index
    edits = [
        ("late_reports", ""),  # a default applies
        ("members", ""),  # required: missing
        ("new_members", "7"),  # a text read for the first time (maybe), in range
        ("unexcused_absences", "100000"),  # out of range
        ("attendance_rate", "chín mươi"),  # no number
        ("members_disciplined", "400"),  # breaks the constraint
        ("dues_on_time", ""),
        ("emulation", "khong_co"),  # no member of the enum
    ]
    body = [list(r) for r in rows[1:]]
    for row, (column, text) in zip(body[1::2], edits):
        row[at(column)] = text
    if dropped is not None:
        header = [c for c in header if c != dropped]
        body = [[cell for c, cell in zip(rows[0], row) if c != dropped] for row in body]
    path = write_csv(tmp_path / "cases.csv", [header, *body])

    def scored(ordered: tuple[str, ...] | None) -> tuple[list[object], list[object], list[int]]:
        head, read = data.open_rows(path, ruleset.inputs, ordered=ordered)
        assert head.ordered == ordered
        with Batch(ruleset, head, read) as batch:
            results = [(r.number, r.id, dict(r.columns), r.evaluation) for r in batch.results()]
            rejected = list(batch.rejected())
            return results, rejected, [batch.scored, batch.rejected_count, batch.not_graded]

    by_name, in_order = scored(None), scored(ruleset.layout.inputs)
    assert in_order == by_name
    refused = [(5, "members"), (9, "unexcused_absences"), (11, "attendance_rate"), (13, "members, members_disciplined")]
    assert [(b.number, b.problems[0].input) for b in by_name[1]] == [*refused, (17, "emulation")]
    first = next(read for read in data.open_rows(path, ruleset.inputs, ordered=ruleset.layout.inputs)[1]())
    assert isinstance(first, data.Row) and type(first.facts) is tuple and len(first.facts) == len(ruleset.inputs)
