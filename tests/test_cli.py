"""The command line and data files: check, score, explain; reading and writing data as offices keep it."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import partyrules
from partyrules import cli, data, serialize
from partyrules.catalog import data_path, shipped_path
from shipped_cache import shipped

RULES = "vn.hatinh/chi-bo-4-tot"
CELLS = data_path("hatinh-cells-2024.csv")
N_CELLS = 4131
SRC = Path(partyrules.__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def ruleset() -> partyrules.Ruleset:
    return shipped(RULES)


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    status = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, out, err


def cell_rows() -> list[dict[str, str]]:
    with open(CELLS, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def facts_of(row: dict[str, str], ruleset: partyrules.Ruleset) -> dict[str, str]:
    names = {i.name for i in ruleset.inputs}
    return {k: v for k, v in row.items() if k in names and v != ""}


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",", bom: bool = False) -> Path:
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        csv.writer(f, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return path


def sample(n: int = 6) -> list[list[str]]:
    """The header and the first n rows of the shipped data."""
    with open(CELLS, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        return [next(reader) for _ in range(n + 1)]


def summary_rows(out: str) -> dict[str, list[int]]:
    """The summary table's rows: label -> counts (grades, not graded, total)."""
    lines = out.splitlines()
    assert set(lines[1]) <= {"-", " "}
    rows = {}
    for line in lines[2:]:
        if line.startswith("rows ") or line.startswith("results"):
            break
        cells = line.split("  ")
        cells = [c.strip() for c in cells if c.strip()]
        rows[cells[0]] = [int(c) for c in cells[1:]]
    return rows


def no_temporaries(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


# ---------------------------------------------------------------- check


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--version")
    assert status == 0
    assert out.strip() == f"partyrules {partyrules.__version__}"


def test_check_good_file(capsys: pytest.CaptureFixture[str]) -> None:
    path = shipped_path(RULES)
    status, out, err = run(capsys, "check", path)
    assert status == 0
    assert err == ""
    assert out.splitlines()[-1].startswith(f"{path}: ok")
    # warnings are rendered with the source line and a caret
    assert "warning PR901" in out and " | " in out and "^" in out


def test_check_shipped_id(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "check", RULES)
    assert status == 0
    assert out.splitlines()[-1].startswith(f"{RULES}: ok")


@pytest.fixture
def bad_rules(tmp_path: Path) -> Path:
    text = shipped_path(RULES).read_text(encoding="utf-8")
    text = text.replace("points = if commended then 3 else 0;", "points = if commende then 3 else 0;")
    path = tmp_path / "bad.criteria"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_bad_file(capsys: pytest.CaptureFixture[str], bad_rules: Path) -> None:
    good = shipped_path(RULES)
    status, out, _ = run(capsys, "check", good, bad_rules)
    assert status == 1
    assert f"{bad_rules}:171:17: error PR211: `commende` is not declared" in out
    assert "points = if commende then 3 else 0;" in out
    assert "^^^^^^^^" in out
    assert "hint: did you mean `commended`?" in out
    assert f"{good}: ok" in out
    assert f"{bad_rules}: 1 error, 2 warnings" in out
    assert "\x1b[" not in out


def test_check_json(capsys: pytest.CaptureFixture[str], bad_rules: Path) -> None:
    status, out, _ = run(capsys, "check", "--format", "json", bad_rules)
    assert status == 1
    diagnostics = json.loads(out)
    assert {d["severity"] for d in diagnostics} == {"error", "warning"}
    error = next(d for d in diagnostics if d["severity"] == "error")
    assert error == {
        "file": str(bad_rules),
        "line": 171,
        "column": 17,
        "end_line": 171,
        "end_column": 25,
        "code": "PR211",
        "severity": "error",
        "message": "`commende` is not declared",
        "hint": "did you mean `commended`?",
    }
    status, out, _ = run(capsys, "check", "--format", "json", shipped_path(RULES))
    assert status == 0
    assert [d["severity"] for d in json.loads(out)] == ["warning"]


def test_check_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, _ = run(capsys, "check", tmp_path / "nope.criteria")
    assert status == 1
    assert "error PR000: no such file" in out


# ---------------------------------------------------------------- score


def test_score_shipped_data(capsys: pytest.CaptureFixture[str], tmp_path: Path, ruleset: partyrules.Ruleset) -> None:
    output = tmp_path / "results.csv"
    status, out, err = run(capsys, "score", RULES, CELLS, "--summary", "district", "--output", output)
    assert status == 0, err
    assert err == ""
    rows = summary_rows(out)
    total = rows.pop("Tổng")
    assert len(rows) == 13
    assert "TP Hà Tĩnh" in rows and "Vũ Quang" in rows  # labels, not ids
    assert sum(r[-1] for r in rows.values()) == N_CELLS == total[-1]
    for counts in [*rows.values(), total]:
        assert sum(counts[:-1]) == counts[-1]
    header = out.splitlines()[0]
    assert "Đạt “Chi bộ 4 tốt”" in header and "Khá" in header and "Không xếp loại" in header
    assert f"rows scored: {N_CELLS}" in out and "rows rejected: 0" in out

    with open(output, encoding="utf-8-sig", newline="") as f:
        written = list(csv.DictReader(f))
    assert len(written) == N_CELLS
    assert list(written[0])[:6] == ["id", "cell_name", "total", "grade", "grade_label", "not_graded"]
    assert "district" not in written[0]  # an input, not a kept column
    source = cell_rows()
    for got, row in zip(written[:50], source[:50], strict=True):
        e = ruleset.evaluate(facts_of(row, ruleset))
        assert got["id"] == row["cell_id"] and got["cell_name"] == row["cell_name"]
        assert Decimal(got["total"]) == e.total
        assert got["grade"] == (e.grade or "") and got["grade_label"] == (e.grade_label or "")
        assert got["not_graded"] == (e.not_graded.id if e.not_graded else "")
        for c in e.criteria:
            assert Decimal(got[c.id]) == c.points
    graded = sum(1 for w in written if w["grade"])
    not_graded = [w for w in written if w["not_graded"]]
    assert graded + len(not_graded) == N_CELLS
    assert total[-2] == len(not_graded)


def test_score_is_deterministic(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    outputs = []
    for name in ("a.csv", "b.csv", "a.jsonl", "b.jsonl"):
        status, out, _ = run(capsys, "score", RULES, CELLS, "--summary", "district", "-o", tmp_path / name)
        assert status == 0
        outputs.append(out.replace(name, "X"))
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert outputs[0] == outputs[1]


def test_score_jsonl_round_trips(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ruleset: partyrules.Ruleset
) -> None:
    output = tmp_path / "results.jsonl"
    status, _, err = run(capsys, "score", RULES, CELLS, "--full", "--output", output)
    assert status == 0, err
    lines = output.read_text(encoding="utf-8").splitlines()
    assert len(lines) == N_CELLS
    for number, (line, row) in enumerate(zip(lines, cell_rows(), strict=True), 2):
        record = json.loads(line)
        assert record["row"] == number
        assert record["id"] == row["cell_id"]
        assert record["columns"] == {"cell_name": row["cell_name"]}
        restored = serialize.structure(record, partyrules.Evaluation)
        assert restored == ruleset.evaluate(facts_of(row, ruleset))


def test_score_results_on_stdout(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cells.csv", sample(3))
    status, out, err = run(capsys, "score", RULES, path, "--format", "jsonl")
    assert status == 0
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["HT-TPHT-0001", "HT-TPHT-0002", "HT-TPHT-0003"]
    assert "rows scored: 3" in err  # the summary goes to stderr, out of the way of the data


def test_score_semicolons_and_bom(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = sample(5)
    plain = write_csv(tmp_path / "plain.csv", rows)
    excel = [
        [cell.replace(".", ",") if i and cell.replace(".", "").isdigit() else cell for cell in row]
        for i, row in enumerate(rows)
    ]
    assert any("," in cell for cell in excel[1])  # decimal commas, as Vietnamese Excel writes them
    semi = write_csv(tmp_path / "excel.csv", excel, delimiter=";", bom=True)
    assert semi.read_bytes().startswith(b"\xef\xbb\xbfcell_id;cell_name;")
    status, _, err = run(capsys, "score", RULES, plain, "-o", tmp_path / "plain.jsonl")
    assert status == 0, err
    # decimal commas are read only when asked: a `;` file need not be written the Vietnamese way
    status, _, err = run(capsys, "score", RULES, semi, "-o", tmp_path / "excel.jsonl")
    assert status == 1
    assert "attendance_rate: '98,68' has a comma" in err and "--numbers vi" in err
    status, _, err = run(capsys, "score", RULES, semi, "--numbers", "vi", "-o", tmp_path / "excel.jsonl")
    assert status == 0, err
    assert (tmp_path / "plain.jsonl").read_bytes() == (tmp_path / "excel.jsonl").read_bytes()
    first = json.loads((tmp_path / "excel.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["id"] == "HT-TPHT-0001" and first["columns"]["cell_name"] == "Chi bộ TDP Quang Trung"


def test_score_reports_bad_rows_and_writes_the_others(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ruleset: partyrules.Ruleset
) -> None:
    rows = sample(6)
    members = rows[0].index("members")
    rows[2][members] = "mười"  # line 3: a bad fact
    rows[4] = rows[4][:-2]  # line 5: two fields missing
    rows[5][rows[0].index("attendance_rate")] = "120"  # line 6: out of range
    path = write_csv(tmp_path / "cells.csv", rows)
    output = tmp_path / "out.csv"
    status, out, err = run(capsys, "score", RULES, path, "-o", output)
    assert status == 1
    assert err.splitlines() == [
        f"{path}:3 (HT-TPHT-0002): members: 'mười' is not a whole number",
        f"{path}:5 (HT-TPHT-0004): has 17 fields where the header has 19",
        f"{path}:6 (HT-TPHT-0005): attendance_rate: 120% is outside the allowed range 0%..100%",
    ]
    assert "rows scored: 3" in out and "rows rejected: 3" in out
    with open(output, encoding="utf-8-sig", newline="") as f:
        written = list(csv.DictReader(f))
    assert [w["id"] for w in written] == ["HT-TPHT-0001", "HT-TPHT-0003", "HT-TPHT-0006"]


def test_score_empty_cells_take_defaults(tmp_path: Path, ruleset: partyrules.Ruleset) -> None:
    rows = sample(1)
    for name in ("emulation", "late_reports", "months_established"):
        rows[1][rows[0].index(name)] = ""
    path = write_csv(tmp_path / "cells.csv", rows)
    table = data.read(path, ruleset.inputs)
    (row,) = table.rows
    assert isinstance(row, data.Row)
    assert "emulation" not in row.facts and "late_reports" not in row.facts
    e = ruleset.evaluate(row.facts)
    assert e.facts["emulation"] == "khong" and e.facts["late_reports"] == 0 and e.facts["months_established"] == 120


def test_score_not_utf8_row(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = sample(3)
    path = write_csv(tmp_path / "cells.csv", rows)
    text = path.read_bytes().replace("Chi bộ TDP 15".encode(), b"Chi b\xe9 TDP 15")
    path.write_bytes(text)
    status, out, err = run(capsys, "score", RULES, path)
    assert status == 1
    assert err.startswith(f"{path}:3 (HT-TPHT-0002): is not UTF-8 text in `cell_name` (byte 0xE9)")
    assert "rows scored: 2" in out


def test_score_json_lines_and_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ruleset: partyrules.Ruleset
) -> None:
    source = cell_rows()[:3]
    objects: list[dict[str, Any]] = [{k: v for k, v in row.items() if v != ""} for row in source]
    objects[1]["members"] = 22  # JSON numbers work too
    objects[1]["attendance_rate"] = "92.54"
    lines = [json.dumps(o, ensure_ascii=False) for o in objects]
    jsonl = tmp_path / "cells.jsonl"
    jsonl.write_text("\n".join([lines[0], "{not json", lines[1], "", lines[2]]) + "\n", encoding="utf-8")
    status, _, err = run(capsys, "score", RULES, jsonl, "-o", tmp_path / "a.jsonl")
    assert status == 1
    assert err.splitlines() == [
        f"{jsonl}:2: is not valid JSON: Expecting property name enclosed in double quotes (column 2)"
    ]
    got = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(g["row"], g["id"]) for g in got] == [(1, "HT-TPHT-0001"), (3, "HT-TPHT-0002"), (5, "HT-TPHT-0003")]

    array = tmp_path / "cells.json"
    array.write_text(json.dumps([*objects, 7], ensure_ascii=False, indent=1), encoding="utf-8")
    status, _, err = run(capsys, "score", RULES, array, "--full", "-o", tmp_path / "b.jsonl")
    assert status == 1
    assert err.splitlines() == [f"{array}:4: is not a JSON object but a number"]
    again = [json.loads(line) for line in (tmp_path / "b.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [serialize.structure(g, partyrules.Evaluation) for g in again] == [
        ruleset.evaluate(facts_of(row, ruleset)) for row in source
    ]


def test_score_unusable_arguments(capsys: pytest.CaptureFixture[str], tmp_path: Path, bad_rules: Path) -> None:
    path = write_csv(tmp_path / "cells.csv", sample(2))
    cases: list[tuple[list[object], str]] = [
        (["vn.hatinh/chi-bo-4", path], "did you mean `vn.hatinh/chi-bo-4-tot` or `vn.hatinh/cell-meeting`?"),
        ([tmp_path / "missing.criteria", path], "no such file"),
        ([bad_rules, path], "error PR211"),
        ([RULES, tmp_path / "missing.csv"], "No such file or directory"),
        ([RULES, path, "--summary", "distric"], "did you mean `district`?"),
        ([RULES, path, "-o", tmp_path / "out.txt"], "cannot tell the output format"),
        ([RULES, path, "-o", path], "this is the data file"),
        ([RULES, path, "-o", tmp_path / "no" / "out.csv"], "does not exist"),
        ([RULES, path, "--id-column", "cell"], "there is no column `cell`"),
    ]
    for args, message in cases:
        status, out, err = run(capsys, "score", *args)
        assert status == 2, (args, err)
        assert message in err, (args, err)
        assert out == ""
    assert path.read_bytes() == write_csv(tmp_path / "again.csv", sample(2)).read_bytes()


def test_score_missing_required_column(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = sample(2)
    rows[0][rows[0].index("members")] = "member"
    path = write_csv(tmp_path / "cells.csv", rows)
    status, _, err = run(capsys, "score", RULES, path)
    assert status == 2
    assert "no column for the required input" in err and "members" in err and "did you mean `member`?" in err


def test_score_summary_by_kept_column_and_overall(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cells.csv", sample(4))
    status, out, _ = run(capsys, "score", RULES, path, "--summary", "cell_name")
    assert status == 0
    rows = summary_rows(out)
    assert rows.pop("Tổng")[-1] == 4
    assert sorted(rows) == list(rows) and len(rows) == 4
    status, out, _ = run(capsys, "score", RULES, path)
    assert summary_rows(out) == {"Tổng": rows_total(path)}


def rows_total(path: Path) -> list[int]:
    ruleset = shipped(RULES)
    with open(path, encoding="utf-8", newline="") as f:
        evaluations = [ruleset.evaluate(facts_of(r, ruleset)) for r in csv.DictReader(f)]
    grades = [g for g, _ in ruleset.layout.grades]
    counts = [sum(1 for e in evaluations if e.grade == g) for g in grades]
    return [*counts, sum(1 for e in evaluations if e.grade is None), len(evaluations)]


# ---------------------------------------------------------------- atomic output


@pytest.fixture
def failing_writer(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Writing results fails half-way: some rows are written, then the disk is full."""
    real = data.format_csv

    def half(stream: Any, ruleset: Any, kept: Any, results: Any) -> None:
        real(stream, ruleset, kept, list(results)[:10])
        stream.flush()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(data, "format_csv", half)
    yield


@pytest.mark.usefixtures("failing_writer")
def test_failed_write_leaves_no_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    output = tmp_path / "out" / "results.csv"
    output.parent.mkdir()
    status, out, err = run(capsys, "score", RULES, CELLS, "-o", output)
    assert status == 2
    assert "No space left on device" in err
    assert not output.exists()
    assert list(output.parent.iterdir()) == []
    assert out == ""  # no summary claiming success


@pytest.mark.usefixtures("failing_writer")
def test_failed_write_keeps_previous_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    output = tmp_path / "results.csv"
    output.write_text("last year's results\n", encoding="utf-8")
    status, _, _ = run(capsys, "score", RULES, CELLS, "-o", output)
    assert status == 2
    assert output.read_text(encoding="utf-8") == "last year's results\n"
    assert no_temporaries(tmp_path)


def test_write_atomic_replaces_and_keeps_mode(tmp_path: Path) -> None:
    target = tmp_path / "x.txt"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o640)

    def boom(stream: Any) -> None:
        stream.write("partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        data.write_atomic(target, boom)
    assert target.read_text(encoding="utf-8") == "old"
    data.write_atomic(target, lambda s: s.write("new\n"))
    assert target.read_bytes() == b"new\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert no_temporaries(tmp_path)


# ---------------------------------------------------------------- explain


def test_explain_json_facts(capsys: pytest.CaptureFixture[str], tmp_path: Path, ruleset: partyrules.Ruleset) -> None:
    row = cell_rows()[0]
    facts = facts_of(row, ruleset)
    path = tmp_path / "facts.json"
    path.write_text(json.dumps({**facts, "members": 19, "attendance_rate": 98.68}), encoding="utf-8")
    status, out, err = run(capsys, "explain", RULES, path)
    assert status == 0, err
    assert out == ruleset.evaluate(facts).explain()
    assert "TỔNG ĐIỂM" in out and "XẾP LOẠI" in out


def test_explain_row_and_id(capsys: pytest.CaptureFixture[str], ruleset: partyrules.Ruleset) -> None:
    row = cell_rows()[2]  # line 4 of the file
    expected = ruleset.evaluate(facts_of(row, ruleset)).explain()
    status, out, _ = run(capsys, "explain", RULES, CELLS, "--row", 4)
    assert (status, out) == (0, expected)
    status, out, _ = run(capsys, "explain", RULES, CELLS, "--id", row["cell_id"])
    assert (status, out) == (0, expected)


def test_explain_problems(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, _, err = run(capsys, "explain", RULES, CELLS)
    assert status == 2 and f"holds {N_CELLS} rows; choose one with --row N or --id ID" in err
    status, _, err = run(capsys, "explain", RULES, CELLS, "--row", 1)
    assert status == 2 and "row 1 is the header" in err
    status, _, err = run(capsys, "explain", RULES, CELLS, "--id", "HT-TPHT-000")
    assert status == 2 and "no row has the id `HT-TPHT-000`" in err
    facts = tmp_path / "facts.json"
    facts.write_text('{"members": 2, "district": "tp_ha_tinh"}', encoding="utf-8")
    status, out, err = run(capsys, "explain", RULES, facts)
    assert status == 1 and out == ""
    assert f"{facts}:1: members: 2 is outside the allowed range 3..500" in err.splitlines()
    assert f"{facts}:1: task_completion: is missing" in err.splitlines()
    facts.write_text('{"members": 2,', encoding="utf-8")
    status, _, err = run(capsys, "explain", RULES, facts)
    assert status == 2 and f"{facts}:1:15: not valid JSON" in err


# ---------------------------------------------------------------- python -m partyrules


def test_python_m_prints_utf8_on_any_terminal(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cells.csv", sample(3))
    env = {**os.environ, "PYTHONPATH": str(SRC), "PYTHONIOENCODING": "ascii", "LC_ALL": "C"}
    done = subprocess.run(
        [sys.executable, "-m", "partyrules", "score", RULES, path, "--summary", "district"],
        capture_output=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    out = done.stdout.decode("utf-8")
    assert "TP Hà Tĩnh" in out and "rows scored: 3" in out
    done = subprocess.run(
        [sys.executable, "-m", "partyrules", "explain", RULES, path], capture_output=True, env=env, check=False
    )
    assert done.returncode == 2
    assert done.stderr.decode("utf-8").startswith("partyrules: ") and b"Traceback" not in done.stderr


def test_test_without_hypothesis_says_what_to_install() -> None:
    """`partyrules test` where hypothesis is not installed: what to install, usage status 2, no traceback;
    the examples alone and the other commands do not need it."""
    # one process for the four commands (each started its own: four starts of 1-2 s of CPU), each run
    # as `partyrules` runs it, its output and status kept; a traceback would end the process
    code = """import sys; sys.modules['hypothesis'] = None  # as if it were not installed
import contextlib, io, json
from partyrules.cli import main
results = []
for argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv)
        except SystemExit as exc:
            status = exc.code
    results.append([status, out.getvalue(), err.getvalue()])
sys.stdout.write(json.dumps(results))
"""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    commands = [
        (["test", RULES], 2),
        (["test", RULES, "--examples-only", "--mutate"], 2),
        (["test", RULES, "--examples-only", "--coverage"], 0),
        (["render", RULES], 0),
    ]
    argvs = json.dumps([argv for argv, _ in commands])
    done = subprocess.run([sys.executable, "-c", code, argvs], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    results = json.loads(done.stdout)
    assert len(results) == len(commands)
    for (argv, status), (got, stdout, stderr) in zip(commands, results, strict=True):
        assert got == status, (argv, stderr)
        assert "Traceback" not in stderr
        if status == 2:
            assert stdout == ""
            assert stderr == (
                "partyrules: `partyrules test` needs hypothesis to test properties and mutations: "
                "pip install 'partyrules[testing]' (or run the examples alone: --examples-only)\n"
            )


def test_score_rejects_bad_rows_alone_with_their_numbers(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Rows go through the batch loop (Ruleset.evaluate_many): a bad row, wherever it stands (first, between
    good rows, last, several in a row), is rejected alone with its own line number; the others are scored."""
    rows = sample(8)
    header = rows[0]
    bad = dict(zip(header, rows[1]))
    bad["members"] = "-5"
    broken = list(bad.values())
    lines = [header, broken, rows[2], ["too", "few"], broken, rows[3], rows[4], [], rows[5], broken]
    path = write_csv(tmp_path / "cells.csv", lines)
    status, out, err = run(capsys, "score", RULES, path, "--format", "csv")
    assert status == 1
    warnings = [line for line in err.splitlines() if line.startswith("partyrules: warning:")]
    assert warnings == [f"partyrules: warning: {path}:{n}: the id `{bad['cell_id']}` is also row 2's" for n in (5, 10)]
    problems = [line for line in err.splitlines() if line not in warnings]
    assert [line.split(":")[1].split(" ")[0] for line in problems[:4]] == ["2", "4", "5", "10"]
    results = list(csv.DictReader(out.splitlines()))
    assert [r["id"] for r in results] == [rows[i][0] for i in (2, 3, 4, 5)]
    assert "rows scored: 4 (not graded: 0)\nrows rejected: 4\n" in err


def test_diff_with_data_reports_unreadable_rows(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A row the data file cannot give (too few fields) is said on stderr as score says it, not a traceback;
    the others are scored under both rulesets."""
    rows = sample(4)
    path = write_csv(tmp_path / "cells.csv", [*rows[:3], ["too", "few"], rows[3]])
    status, out, err = run(capsys, "diff", RULES, RULES, "--data", path)
    assert status == 0
    assert err == f"{path}:4 (too): has 2 fields where the header has {len(rows[0])}\n"
    assert "3 organisations scored under both; 0 change grade" in out


def test_a_command_parsed_alone_reads_and_helps_as_among_all() -> None:
    """`partyrules score ...` builds only its command's parser (the others are not imported): each command's
    help, and the arguments it reads, are those of the parser of every command."""
    from partyrules.cli import COMMANDS, _parser

    def command_parser(parser: Any, name: str) -> Any:
        return next(a for a in parser._actions if a.dest == "command").choices[name]

    every = _parser()
    for name in COMMANDS:
        alone = _parser(name)
        assert command_parser(alone, name).format_help() == command_parser(every, name).format_help()
    arguments = ["score", "vn.hatinh/chi-bo-4-tot", "cells.csv", "-o", "out.csv", "--summary", "district"]
    read = vars(_parser("score").parse_args(arguments))
    assert read == vars(every.parse_args(arguments))
