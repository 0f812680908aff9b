"""``partyrules serve``: the real server on a loopback port, every endpoint called over HTTP.

The server runs in a thread of the test process (uvicorn on a socket bound to port 0); the
client is the standard library's urllib, so what is tested is what any HTTP client sees.
"""

from __future__ import annotations

import datetime
import http.client
import io
import json
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import uvicorn

import partyrules
from partyrules import data, diff, serialize
from partyrules.catalog import data_path, shipped_path
from partyrules.cli import main
from partyrules.render import render_html, render_markdown
from partyrules.schema import inputs_schema
from partyrules.server.app import create_app
from partyrules.server.openapi import openapi_document

FOUR_GOOD = "vn.hatinh/chi-bo-4-tot"
QUOTA_RULES = """ruleset "demo/q" {
  title "Q"; version "1"; basis "b"; effective from 2024-01-01; points illustrative;
}
input score "Điểm": integer 0..100;
input district "Huyện": one of { a "A", b "B" };
input extra "Vượt mức": integer 0..10 = 0;
criteria "C" max 100 {
  item diem "Điểm" max 100 { points = score; }
}
grades {
  grade xs "Xuất sắc" { band from 90; }
  grade tot "Tốt" { band from 70 below 90; }
  grade kem "Kém" { band below 70; }
}
quota top "Xuất sắc không quá 20% số Tốt" {
  grade xs at most 20% of tot;
  within district;
  order by total desc, extra desc;
}
"""


class Server:
    """A running server: its base URL and a few ways to call it."""

    def __init__(self, base: str, app: Any) -> None:
        self.base = base
        self.app = app

    def request(
        self, path: str, body: bytes | None = None, headers: dict[str, str] | None = None, method: str | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def get(self, path: str, **headers: str) -> tuple[int, Any]:
        status, _, body = self.request(path, headers=headers)
        return status, json.loads(body)

    def post(self, path: str, value: Any) -> tuple[int, Any]:
        raw = json.dumps(value, ensure_ascii=False, default=serialize.json_default).encode("utf-8")
        status, _, body = self.request(path, raw, {"Content-Type": "application/json"})
        return status, json.loads(body)


def start(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


def serving(app: Any) -> Iterator[Server]:
    server, thread, base = start(app)
    try:
        yield Server(base, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local search root holding `demo/q`, a small scale with a quota."""
    root = tmp_path_factory.mktemp("criteria")
    (root / "demo").mkdir()
    (root / "demo" / "q.criteria").write_text(QUOTA_RULES, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def api(local: Path) -> Iterator[Server]:
    yield from serving(create_app([str(local)], max_body=2 * 1024 * 1024, cache_size=8))


def first_row(ruleset: partyrules.Ruleset) -> dict[str, Any]:
    """The facts of the first cell of the shipped Hà Tĩnh data, as JSON data."""
    table = data.read(data_path("hatinh-cells-2024.csv"), ruleset.inputs)
    row = table.rows[0]
    assert isinstance(row, data.Row)
    return serialize.facts_to_data(ruleset, row.facts)


# ---------------------------------------------------------------- rulesets


def test_rulesets_lists_the_search_path_with_versions_and_dates(api: Server) -> None:
    status, body = api.get("/api/rulesets")
    assert status == 200
    by_id = {r["id"]: r for r in body["rulesets"]}
    assert {"demo/q", FOUR_GOOD, "vn/annual-collective"} <= set(by_id)
    assert "vn/collective-facts" not in by_id  # a library: nothing to score
    annual = by_id["vn/annual-collective"]["versions"]
    assert [(v["effective_from"], v["effective_to"]) for v in annual] == [
        ("2023-10-04", "2025-08-29"),
        ("2025-08-30", None),
    ]
    assert by_id["demo/q"]["versions"] == [
        {"version": "1", "title": "Q", "effective_from": "2024-01-01", "effective_to": None}
    ]


def test_a_ruleset_describes_its_inputs_for_a_form(api: Server) -> None:
    status, body = api.get(f"/api/rulesets/{FOUR_GOOD}")
    assert status == 200
    ruleset = partyrules.load(FOUR_GOOD)
    assert body["fingerprint"] == ruleset.fingerprint and body["max"] == "100"
    inputs = {i["name"]: i for i in body["inputs"]}
    assert [i["name"] for i in body["inputs"]] == [i.name for i in ruleset.inputs]
    assert inputs["members"] == {
        "name": "members",
        "label": inputs["members"]["label"],
        "kind": "integer",
        "low": 3,
        "high": 500,
        "places": None,
        "required": True,
        "default": None,
        "members": [],
    }
    assert inputs["task_completion"]["low"] == "0" and inputs["task_completion"]["high"] == "100"  # in percent
    emulation = inputs["emulation"]
    assert emulation["default"] == "khong" and not emulation["required"]
    spec = next(i for i in partyrules.load(FOUR_GOOD).inputs if i.name == "emulation")
    assert emulation["members"] == [{"name": m, "label": label} for m, label in zip(spec.members, spec.member_labels)]
    assert "khong" in [m["name"] for m in emulation["members"]]
    assert [g["id"] for g in body["grades"]] == [g.id for g in ruleset.grades]


def test_an_older_version_by_date_and_dates_no_version_covers(api: Server) -> None:
    status, body = api.get("/api/rulesets/vn/annual-collective?on=2024-12-31")
    assert status == 200
    assert body["fingerprint"] == partyrules.load("vn/annual-collective", on=datetime.date(2024, 12, 31)).fingerprint
    status, body = api.get("/api/rulesets/vn/annual-collective?on=2020-01-01")
    assert status == 404 and body["error"] == "not_found" and "2020-01-01" in body["message"]
    status, body = api.get("/api/rulesets/vn/annual-collective?on=31/12/2024")
    assert status == 400 and "YYYY-MM-DD" in body["message"]


def test_unknown_ids_are_404_with_a_hint(api: Server) -> None:
    status, body = api.get(urllib.parse.quote("/api/rulesets/vn.hatinh/chi-bo-4-tôt"))
    assert status == 422 and body["diagnostics"][0]["code"] == "PR702"  # not an id: ids are ASCII
    status, body = api.get("/api/rulesets/vn.hatinh/chi-bo-4-tot-x")
    assert status == 404 and body["error"] == "not_found"
    assert "vn.hatinh/chi-bo-4-tot" in body["hint"]  # did you mean
    assert body["diagnostics"][0]["code"] == "PR701"


def test_sheet_schema_and_source_are_those_of_the_library(api: Server) -> None:
    ruleset = partyrules.load(FOUR_GOOD)
    status, headers, body = api.request(f"/api/rulesets/{FOUR_GOOD}/sheet")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert body.decode("utf-8") == render_html(ruleset)
    status, headers, body = api.request(f"/api/rulesets/{FOUR_GOOD}/sheet?format=md")
    assert status == 200 and body.decode("utf-8") == render_markdown(ruleset)
    status, _, body = api.request(f"/api/rulesets/{FOUR_GOOD}/sheet?format=pdf")
    assert status == 400 and "html or md" in json.loads(body)["message"]
    status, schema = api.get(f"/api/rulesets/{FOUR_GOOD}/schema")
    assert status == 200 and schema == json.loads(json.dumps(inputs_schema(ruleset), default=serialize.json_default))
    status, schema = api.get(f"/api/rulesets/{FOUR_GOOD}/schema?part=evaluation")
    assert status == 200 and schema["type"] == "object"
    status, _, body = api.request(f"/api/rulesets/{FOUR_GOOD}/source")
    assert status == 200 and body.decode("utf-8") == shipped_path(FOUR_GOOD).read_text(encoding="utf-8")


# ---------------------------------------------------------------- check


def test_check_gives_what_check_format_json_gives(
    api: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = QUOTA_RULES.replace("points = score;", "points = scor;").replace("from 90", "from 190")
    path = tmp_path / "bad.criteria"
    path.write_text(text, encoding="utf-8")
    assert main(["check", "--format", "json", str(path)]) == 1
    expected = json.loads(capsys.readouterr().out)
    status, body = api.post("/api/check", {"text": text, "filename": str(path)})
    assert status == 200
    assert body["diagnostics"] == expected
    assert body["errors"] == sum(1 for d in expected if d["severity"] == "error") >= 1
    line = text.splitlines().index('  item diem "Điểm" max 100 { points = scor; }') + 1
    assert any(d["line"] == line and "score" in (d["hint"] or "") for d in body["diagnostics"])  # did you mean


def test_check_refuses_what_is_not_criteria_text(api: Server) -> None:
    assert api.post("/api/check", {"text": 12})[0] == 400
    assert api.post("/api/check", ["text"])[0] == 400
    status, _, body = api.request("/api/check", b"{not json", {"Content-Type": "application/json"})
    assert (
        status == 400 and "not JSON" in json.loads(body)["message"] and "line 1 column 2" in json.loads(body)["message"]
    )
    status, _, body = api.request("/api/check", b"\xff\xfe", {"Content-Type": "application/json"})
    assert status == 400 and "UTF-8" in json.loads(body)["message"]


# ---------------------------------------------------------------- one organisation


def test_evaluate_is_the_librarys_evaluation(api: Server) -> None:
    ruleset = partyrules.load(FOUR_GOOD)
    facts = first_row(ruleset)
    status, body = api.post("/api/evaluate", {"ruleset": FOUR_GOOD, "facts": facts})
    assert status == 200
    expected = ruleset.evaluate(serialize.facts_from_data(ruleset, facts))
    assert body == json.loads(json.dumps(serialize.unstructure(expected)))
    assert body["ruleset"]["fingerprint"] == ruleset.fingerprint
    assert body["total"] == serialize.json_default(expected.total) and body["grade"] == expected.grade


def test_numbers_with_a_fraction_are_read_exactly_never_as_floats(api: Server) -> None:
    ruleset = partyrules.load(FOUR_GOOD)
    facts = first_row(ruleset)
    raw = json.dumps({"ruleset": FOUR_GOOD, "facts": facts}).replace('"98.68"', "98.68").encode()
    assert b": 98.68" in raw
    status, _, body = api.request("/api/evaluate", raw, {"Content-Type": "application/json"})
    assert status == 200 and json.loads(body)["facts"]["attendance_rate"] == "98.68"


def test_explain_is_the_librarys_explanation(api: Server) -> None:
    ruleset = partyrules.load(FOUR_GOOD)
    facts = first_row(ruleset)
    status, body = api.post("/api/explain", {"ruleset": FOUR_GOOD, "facts": facts})
    assert status == 200
    assert body["explanation"] == ruleset.explain(serialize.facts_from_data(ruleset, facts))
    assert body["evaluation"]["grade"] == ruleset.evaluate(serialize.facts_from_data(ruleset, facts)).grade
    assert body["values"] == []  # 4 tốt names no value (let)


def test_explain_gives_the_named_values_as_partyrules_explain_does(
    api: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A ruleset with named values (let): their values beside the explanation, as `partyrules explain --json`."""
    facts = {
        "is_thematic_month": True, "thematic_quality": "tot", "combined": True, "duration_minutes": 100,
        "members": 40, "present": 38, "excused_streak": True, "prep_content": True, "prep_committee": True,
        "prep_draft_resolution": True, "prep_notice": True, "prep_materials": True, "steps_followed": True,
        "regular_content": True, "praise": True, "criticism": True, "speakers": 19, "self_criticism_time": True,
        "minutes_complete": True, "documents_shared": True, "chairing": "tot", "principles_kept": True,
        "resolution_rate": "90", "resolution_voted": True, "chair_concluded": True,
    }  # fmt: skip
    status, body = api.post("/api/explain", {"ruleset": "vn/cell-meeting", "on": "2025-12-01", "facts": facts})
    assert status == 200, body
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts), encoding="utf-8")
    capsys.readouterr()
    assert main(["explain", "vn/cell-meeting", str(path), "--on", "2025-12-01", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert body["values"] and body["values"] == printed["values"]
    assert body["explanation"] == printed["explanation"]
    assert "GIÁ TRỊ TÍNH TỪ DỮ LIỆU" in body["explanation"]


def test_bad_facts_are_422_with_every_problem_factserror_lists(api: Server) -> None:
    ruleset = partyrules.load(FOUR_GOOD)
    facts = {**first_row(ruleset), "members": 2, "district": "nowhere", "colour": "red"}
    del facts["attendance_rate"]
    with pytest.raises(partyrules.FactsError) as raised:
        ruleset.evaluate(serialize.facts_from_data(ruleset, facts))
    status, body = api.post("/api/evaluate", {"ruleset": FOUR_GOOD, "facts": facts})
    assert status == 422 and body["error"] == "facts"
    assert body["problems"] == [{"input": p.input, "message": p.message} for p in raised.value.problems]
    assert len(body["problems"]) == 4 and body["message"] == str(raised.value)
    assert api.post("/api/evaluate", {"ruleset": FOUR_GOOD, "facts": [1, 2]})[0] == 400


def test_criteria_text_then_its_fingerprint(api: Server) -> None:
    facts = {"score": 95, "district": "a"}
    status, body = api.post("/api/evaluate", {"text": QUOTA_RULES, "facts": facts})
    assert status == 200 and body["grade"] == "xs" and body["total"] == "95"
    fingerprint = body["ruleset"]["fingerprint"]
    assert fingerprint == partyrules.loads(QUOTA_RULES).fingerprint
    status, again = api.post("/api/evaluate", {"fingerprint": fingerprint, "facts": facts})
    assert status == 200 and again == body
    status, compiled = api.post("/api/compile", {"text": QUOTA_RULES})
    assert (
        status == 200 and compiled["fingerprint"] == fingerprint and compiled["inputs"][1]["members"][1]["label"] == "B"
    )
    status, missing = api.post("/api/evaluate", {"fingerprint": "0" * 64, "facts": facts})
    assert status == 404 and missing["error"] == "not_found"


def test_bad_criteria_text_is_422_with_its_diagnostics(api: Server) -> None:
    text = QUOTA_RULES.replace("points = score;", "points = scor;")
    status, body = api.post("/api/evaluate", {"text": text, "facts": {}})
    assert status == 422 and body["error"] == "criteria"
    errors = [d.code for d in partyrules.check("<request>", text=text) if d.severity == "error"]
    assert [d["code"] for d in body["diagnostics"]] == errors and errors
    status, body = api.post("/api/evaluate", {"text": "ruleset {", "facts": {}})
    assert status == 422 and body["diagnostics"][0]["line"] == 1


def test_criteria_text_cannot_reach_files_by_path(api: Server) -> None:
    text = QUOTA_RULES.replace('ruleset "demo/q" {', 'ruleset "demo/r" {\n  extends "../../etc/passwd";', 1)
    status, body = api.post("/api/check", {"text": text})
    assert status == 200 and body["errors"] >= 1
    assert any(d["code"] == "PR702" for d in body["diagnostics"]) or any(
        "not a ruleset id" in d["message"] for d in body["diagnostics"]
    ), body


def test_naming_the_rules_twice_or_not_at_all_is_400(api: Server) -> None:
    for params in ({}, {"ruleset": FOUR_GOOD, "text": QUOTA_RULES}, {"ruleset": 5}):
        status, body = api.post("/api/evaluate", {**params, "facts": {}})
        assert status == 400 and body["error"] == "bad_request", params


# ---------------------------------------------------------------- batches


def test_score_rows_applies_the_quota_and_counts_grades(api: Server) -> None:
    rows = [{"unit_id": f"u{i}", "score": s, "district": "a"} for i, s in enumerate([95, 93, 80, 80, 80, 80])]
    rows.append({"unit_id": "u6", "score": 101, "district": "a"})
    status, body = api.post("/api/score", {"ruleset": "demo/q", "rows": rows, "group": "district"})
    assert status == 200
    assert body["scored"] == 6 and body["rows"] == 7
    assert body["rejected"] == [
        {
            "row": 7,
            "id": "u6",
            "problems": [{"input": "score", "message": body["rejected"][0]["problems"][0]["message"]}],
        }
    ]
    assert [(g["id"], g["count"]) for g in body["grades"]] == [("xs", 1), ("tot", 5), ("kem", 0)]
    assert [(d["id"], d["quota"], d["from"], d["to"]) for d in body["demotions"]] == [("u1", "top", "xs", "tot")]
    assert body["quotas"] == [{"name": "top", "grade": "xs", "demote_to": "tot", "applied": True, "demotions": 1}]
    assert body["counts"]["header"][0] == "district" and body["counts"]["rows"][0][0] == "A"
    assert sum(b["count"] for b in body["histogram"]) == 6 and body["histogram"][-1]["count"] == 2
    assert [r["grade"] for r in body["results"]] == ["xs", "tot", "tot", "tot", "tot", "tot"]
    status, body = api.post("/api/score", {"ruleset": "demo/q", "rows": rows, "group": "distrct"})
    assert status == 422 and "district" in body["message"]
    assert api.post("/api/score", {"ruleset": "demo/q", "rows": "u1,95"})[0] == 400


def test_an_uploaded_file_is_summed_up_as_the_same_rows_sent_as_json(api: Server) -> None:
    """An upload is scored as a stream (its rows read, scored and counted one at a time, the quota applied
    from a spool); rows sent as JSON are held whole: the two summaries agree, quota, rejected row and all."""
    scores = [95, 93, 80, 80, 80, 80, 99, 71, 50, 91]
    rows = [{"unit_id": f"u{i}", "score": s, "district": "ab"[i % 2]} for i, s in enumerate(scores)]
    rows.insert(4, {"unit_id": "bad", "score": 101, "district": "a"})
    for group in ("district", None):
        sent: dict[str, Any] = {"ruleset": "demo/q", "rows": rows, **({"group": group} if group else {})}
        status, held = api.post("/api/score", sent)
        assert status == 200 and held["demotions"] and held["rejected"]
        jsonl = "".join(json.dumps(r) + "\n" for r in rows).encode()
        query = "/api/score/file?ruleset=demo/q&filename=d.jsonl" + (f"&group={group}" if group else "")
        status, _, raw = api.request(query, jsonl, method="POST")
        streamed = json.loads(raw)
        assert status == 200
        assert streamed == {k: v for k, v in held.items() if k != "results"}


def test_an_uploaded_csv_gives_the_results_partyrules_score_writes(api: Server, tmp_path: Path) -> None:
    source = data_path("hatinh-cells-2024.csv")
    out = tmp_path / "results.csv"
    assert main(["score", FOUR_GOOD, str(source), "--output", str(out)]) == 0
    content = source.read_bytes()
    query = f"/api/score/file?ruleset={FOUR_GOOD}&filename=hatinh.csv"
    status, headers, body = api.request(query + "&output=csv", content, method="POST")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert body == out.read_bytes()
    status, _, summary = api.request(query + "&group=district", content, method="POST")
    counted = json.loads(summary)
    assert status == 200 and counted["scored"] == 4131 and counted["rejected"] == []
    assert counted["counts"]["rows"][-1][-1] == "4,131" or counted["counts"]["rows"][-1][-1].replace(",", "") == "4131"


def test_an_uploaded_csv_with_a_cell_too_long_refuses_that_record_alone(api: Server) -> None:
    """The upload reads CSV as ``partyrules score`` does: a quoted cell longer than 131,072 characters is
    refused whole, the text inside it never read as rows."""
    header = "unit_id,score,district"
    note = "x" * 140_000 + "\nPHANTOM,99,a\nend"
    content = f'{header}\nu1,90,a\nu2,"{note}",b\nu3,80,b\n'.encode()
    status, _, raw = api.request("/api/score/file?ruleset=demo/q&filename=d.csv", content, method="POST")
    answer = json.loads(raw)
    assert status == 200 and answer["scored"] == 2
    (bad,) = answer["rejected"]
    assert bad["row"] == 3 and bad["id"] == "u2" and bad["problems"][0]["input"] == "score"
    assert "131,072 characters" in bad["problems"][0]["message"]


def test_uploads_as_workbook_jsonl_and_the_html_report(api: Server, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    rows = [{"unit_id": f"u{i}", "score": s, "district": "a"} for i, s in enumerate([95, 93, 80, 80, 80, 80])]
    jsonl = "".join(json.dumps(r) + "\n" for r in rows).encode()
    status, _, body = api.request("/api/score/file?ruleset=demo/q&filename=d.jsonl&output=xlsx", jsonl, method="POST")
    assert status == 200
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(table) == 7 and "quota_demotion" in table[0]
    workbook = openpyxl.Workbook()
    workbook.active.append(["unit_id", "score", "district"])
    for row in rows:
        workbook.active.append(list(row.values()))
    upload = io.BytesIO()
    workbook.save(upload)
    status, _, back = api.request(
        "/api/score/file?ruleset=demo/q&filename=d.xlsx&output=jsonl", upload.getvalue(), method="POST"
    )
    assert status == 200, back
    assert [json.loads(line)["grade"] for line in back.decode().splitlines()] == [
        "xs",
        "tot",
        "tot",
        "tot",
        "tot",
        "tot",
    ]
    status, headers, page = api.request(
        "/api/score/file?ruleset=demo/q&filename=d.jsonl&output=html", jsonl, method="POST"
    )
    assert status == 200 and headers["content-type"].startswith("text/html") and b'data-quota="top">1<' in page


def test_bad_uploads_are_4xx_naming_the_file(api: Server) -> None:
    status, _, body = api.request("/api/score/file?ruleset=demo/q&filename=d.txt", b"x", method="POST")
    assert status == 400 and "d.txt" in json.loads(body)["message"]
    status, _, body = api.request(
        "/api/score/file?ruleset=demo/q&filename=d.csv", b"unit_id,district\nu1,a\n", method="POST"
    )
    answer = json.loads(body)
    assert status == 422 and answer["error"] == "data" and "score" in answer["message"] and "d.csv" in answer["message"]
    assert "partyrules-upload" not in answer["message"]  # the temporary folder is not shown
    status, _, body = api.request("/api/score/file?ruleset=demo/q&filename=d.csv&output=pdf", b"", method="POST")
    assert status == 400


def test_oversize_bodies_are_413_and_the_server_goes_on() -> None:
    """Refused by the length it declares (before its body is read), or once a chunked body passes the limit.

    A raw connection sends exactly what each case needs, so the answer never races the upload.
    """
    for server in serving(create_app(max_body=1000)):
        host, port = server.base.removeprefix("http://").split(":")
        declared = http.client.HTTPConnection(host, int(port), timeout=30)
        declared.putrequest("POST", "/api/check")
        declared.putheader("Content-Type", "application/json")
        declared.putheader("Content-Length", str(50 * 1024 * 1024))
        declared.endheaders()  # and no body: the length alone decides
        response = declared.getresponse()
        assert response.status == 413 and json.loads(response.read())["error"] == "too_large"
        declared.close()
        chunked = http.client.HTTPConnection(host, int(port), timeout=30)
        chunked.request("POST", "/api/score/file?ruleset=demo/q&filename=d.csv", body=iter([b"x" * 600] * 3))
        response = chunked.getresponse()
        assert response.status == 413 and "1000 bytes" in json.loads(response.read())["message"]
        chunked.close()
        within = json.dumps({"text": "x" * 900}).encode()
        assert len(within) < 1000 and server.post("/api/check", {"text": "x" * 900})[0] == 200
        assert server.get("/api/rulesets")[0] == 200


# ---------------------------------------------------------------- two versions on one data set

NEW_BANDS = QUOTA_RULES.replace('version "1"', 'version "2"').replace("band from 90;", "band from 80;")
NEW_BANDS = NEW_BANDS.replace("band from 70 below 90;", "band from 70 below 80;")


def test_diff_on_rows_is_what_the_diff_module_finds(api: Server) -> None:
    rows = [{"score": s, "district": d} for s, d in [(95, "a"), (85, "a"), (82, "b"), (75, "b"), (10, "a")]]
    rows.append({"score": 500, "district": "a"})  # refused by both sides
    status, body = api.post("/api/diff", {"old": {"ruleset": "demo/q"}, "new": {"text": NEW_BANDS}, "rows": rows})
    assert status == 200, body
    old = partyrules.load("demo/q", path=[str(api.app.state.workspace.path[0])])
    new = partyrules.loads(NEW_BANDS)
    assert [d["text"] for d in body["differences"]] == [d.text() for d in diff.compare(old, new)]
    assert "~ grade xs: band from 90 → from 80" in [d["text"] for d in body["differences"]]
    expected = diff.impact(old, new, [(i + 1, str(i + 1), serialize.facts_from_data(old, r)) for i, r in enumerate(rows[:5])])
    assert [(o["old_total"], o["new_total"], o["old_grade"], o["new_grade"]) for o in body["organisations"]] == [
        (str(m.old_total), str(m.new_total), m.old_grade, m.new_grade) for m in expected.scored_both
    ]
    assert (body["rows"], body["scored"], body["grade_changed"]) == (6, 5, 2)  # 85 and 82: tốt → xuất sắc
    assert (body["higher"], body["lower"], body["same"]) == (0, 0, 5)  # the points do not move, the bands do
    moved = [t for t in body["transitions"] if t["from"] != t["to"]]
    assert moved == [{"from": "tot", "from_label": "Tốt", "to": "xs", "to_label": "Xuất sắc", "count": 2}]
    assert [(r["row"], r["side"]) for r in body["rejected"]] == [(6, "both")] and "score" in body["rejected"][0]["message"]
    status, body = api.post("/api/diff", {"old": {"ruleset": "demo/q"}, "new": {"text": NEW_BANDS}})
    assert status == 200 and "organisations" not in body and len(body["differences"]) == 2  # the rules alone: two bands


def test_diff_of_an_uploaded_file_gives_every_cell_and_a_csv(api: Server, tmp_path: Path) -> None:
    source = api.request(f"/api/rulesets/{FOUR_GOOD}/source")[2].decode("utf-8")
    revised = source.replace("band from 90;", "band from 85;").replace("band from 70 below 90;", "band from 70 below 85;")
    status, compiled = api.post("/api/compile", {"text": revised})
    assert status == 200
    csv_file = data_path("hatinh-cells-2024.csv")
    query = f"/api/diff/file?old={FOUR_GOOD}&old_on=2024-06-30&new_fingerprint={compiled['fingerprint']}&filename=cells.csv"
    status, _, raw = api.request(query, csv_file.read_bytes(), method="POST")
    body = json.loads(raw)
    assert status == 200 and body["rows"] == body["scored"] == 4131 == len(body["organisations"])
    # the numbers partyrules diff prints for the same two rulesets and file
    revised_file = tmp_path / "revised.criteria"
    revised_file.write_text(revised, encoding="utf-8")
    printed = subprocess.run(
        [sys.executable, "-m", "partyrules", "diff", FOUR_GOOD, str(revised_file), "--data", str(csv_file)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"{body['scored']} organisations scored under both; {body['grade_changed']} change grade" in printed
    assert body["grade_changed"] > 0
    for moved in (o for o in body["organisations"] if o["grade_changed"]):
        assert f"  {moved['id']}: {moved['old_total']} → {moved['new_total']}" in printed
    status, headers, table = api.request(query + "&output=csv", csv_file.read_bytes(), method="POST")
    assert status == 200 and headers["content-type"].startswith("text/csv")
    assert headers["content-disposition"] == 'attachment; filename="diff.csv"'
    lines = table.decode("utf-8").split("\r\n")
    assert lines[0] == "row,id,old_total,new_total,delta,old_grade,new_grade,grade_changed"
    first = body["organisations"][0]
    assert lines[1] == f"2,{first['id']},{first['old_total']},{first['new_total']},0,{first['old_grade']},{first['new_grade']},false"
    assert sum(1 for line in lines[1:] if line.endswith(",true")) == body["grade_changed"]


def test_diff_refuses_what_it_cannot_compare(api: Server) -> None:
    assert api.post("/api/diff", {"old": {"ruleset": "demo/q"}})[0] == 400
    status, body = api.post("/api/diff", {"old": {"ruleset": "demo/q"}, "new": {"ruleset": "demo/qq"}})
    assert status == 404 and "demo/q" in (body.get("hint") or "")
    assert api.post("/api/diff", {"old": {"ruleset": "demo/q"}, "new": {"text": "ruleset {"}})[0] == 422
    status, _, raw = api.request("/api/diff/file?old=demo/q&new=demo/q&filename=d.csv&output=pdf", b"", method="POST")
    assert status == 400
    status, _, raw = api.request("/api/diff/file?old=demo/q&new=demo/q&filename=d.csv", b"district\na\n", method="POST")
    assert status == 422 and "d.csv" in json.loads(raw)["message"]


# ---------------------------------------------------------------- the editor pane: colours, hover, completion


def test_highlight_gives_the_lexers_token_classes_covering_the_text(api: Server) -> None:
    from pygments.token import STANDARD_TYPES

    from partyrules.highlight import CriteriaLexer

    text = QUOTA_RULES + "# một ghi chú\n"
    status, body = api.post("/api/highlight", {"text": text})
    assert status == 200 and "".join(part for _, part in body["tokens"]) == text
    lexer = CriteriaLexer(stripnl=False, ensurenl=False)
    shown = [tuple(pair) for pair in body["tokens"] if pair[0] != "w"]
    assert shown[:4] == [("kd", "ruleset"), ("s2", '"demo/q"'), ("p", "{"), ("k", "title")]

    def short(token: Any) -> str:  # a token's class, or its nearest parent's that has one (Number.Percent: m)
        return STANDARD_TYPES.get(token) or short(token.parent)

    merged: list[list[str]] = []  # neighbours of one class are sent as one
    for _, token, value in lexer.get_tokens_unprocessed(text):
        if merged and merged[-1][0] == short(token):
            merged[-1][1] += value
        else:
            merged.append([short(token), value])
    assert body["tokens"] == merged and ("m", "20%") in shown
    assert ["c1", "# một ghi chú"] in body["tokens"] and ["nv", "score"] in body["tokens"]  # a declared input's name


def test_highlight_without_pygments_is_501_naming_the_extra(api: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "partyrules.highlight", None)  # as if Pygments were not installed
    status, body = api.post("/api/highlight", {"text": QUOTA_RULES})
    assert status == 501 and body["error"] == "unavailable" and "partyrules[highlight]" in body["message"]


def test_hover_and_completion_are_the_language_servers(api: Server) -> None:
    from partyrules.api import analyse
    from partyrules.lsp.index import Index

    index = Index(analyse(QUOTA_RULES, "workbench.criteria"))
    line = QUOTA_RULES.split("\n").index("  item diem \"Điểm\" max 100 { points = score; }") + 1
    status, body = api.post("/api/hover", {"text": QUOTA_RULES, "line": line, "column": 41})
    definition, place = index.hover_at("workbench.criteria", line, 41)  # type: ignore[misc]
    assert status == 200 and body == {
        "name": "score",
        "kind": "input",
        "hover": definition.hover,
        "line": line,
        "column": place.column,
        "end_column": place.end_column,
    }
    assert body["hover"].startswith("**Điểm**") and body["column"] == 39
    assert api.post("/api/hover", {"text": QUOTA_RULES, "line": 1, "column": 1})[1] == {"hover": None}  # a keyword

    # half typed: names from the document's last text that checked, as in the editor
    half = QUOTA_RULES.replace("points = score;", "points = sc")
    column = half.split("\n")[line - 1].index("sc") + 3
    status, body = api.post("/api/complete", {"text": half, "line": line, "column": column, "document": "t1"})
    assert status == 200 and body["items"] == []  # no text of this document has checked yet
    assert api.post("/api/check", {"text": QUOTA_RULES, "filename": "workbench.criteria", "document": "t1"})[0] == 200
    status, body = api.post("/api/complete", {"text": half, "line": line, "column": column, "document": "t1"})
    assert status == 200 and body == {"items": [{"label": "score", "kind": "input", "detail": "Điểm"}], "from": column - 2}
    # a ruleset id after extends: the ids of the server's search path (its local root included)
    text = 'ruleset "demo/r" {\n  extends "demo/'
    status, body = api.post("/api/complete", {"text": text, "line": 2, "column": 17})
    assert status == 200 and {i["label"] for i in body["items"]} == {"demo/q"} and body["from"] == 12


def test_check_of_a_document_is_the_check_of_its_text(api: Server) -> None:
    from test_workbench_browser import TYPED

    plain = api.post("/api/check", {"text": TYPED, "filename": "workbench.criteria"})
    keyed = api.post("/api/check", {"text": TYPED, "filename": "workbench.criteria", "document": "t2"})
    assert plain == keyed and plain[1]["errors"] == 1


def test_editor_requests_name_their_mistakes(api: Server) -> None:
    for body, words in [
        ({"text": 3}, "`text`"),
        ({"text": "x", "line": 0, "column": 1}, "`line`"),
        ({"text": "x", "line": 1, "column": True}, "`column`"),
        ({"text": "x\ny", "line": 3, "column": 1}, "it has 2 lines"),
        ({"text": "x\ny", "line": 2, "column": 5}, "line 2 1 characters"),
        ({"text": "x", "line": 1, "column": 1, "document": "d" * 65}, "64 characters"),
    ]:
        for path in ("/api/hover", "/api/complete"):
            status, answer = api.post(path, body)
            assert status == 400 and words in answer["message"], (path, body, answer)
    assert api.post("/api/highlight", {"text": None})[0] == 400
    assert api.post("/api/check", {"text": "x", "document": 5})[0] == 400


# ---------------------------------------------------------------- the time limit


def test_a_request_past_the_time_limit_is_503_its_work_stops_and_the_server_goes_on(local: Path) -> None:
    """41,310 rows take seconds to read and score on any machine: with a quarter of a second the
    client hears 503 at the limit, the work stops at its next look at the clock, well before the last row."""
    lines = data_path("hatinh-cells-2024.csv").read_text(encoding="utf-8").splitlines()
    batch = ("\n".join([lines[0], *lines[1:] * 10]) + "\n").encode("utf-8")
    app = create_app([str(local)], time_limit=0.25)
    for name in (FOUR_GOOD, "demo/q"):  # compiled beforehand: the limit falls on the batch alone
        app.state.workspace.ruleset(name)
    for server in serving(app):
        started = time.monotonic()
        status, _, raw = server.request(f"/api/score/file?ruleset={FOUR_GOOD}&filename=big.csv", batch, method="POST")
        answered = time.monotonic() - started
        body = json.loads(raw)
        assert status == 503 and body["error"] == "time_limit" and body["limit"] == 0.25, body
        assert "0.25 s" in body["message"] and "--time-limit" in body["message"]
        deadline = time.monotonic() + 120
        while app.state.stopped.count == 0:
            assert time.monotonic() < deadline, "the work did not stop"
            time.sleep(0.05)
        stopped = app.state.stopped.messages()[0]
        # the file is scored as a stream, whose total is not known: "after N rows"
        done = int(re.search(r"after (\d+) rows", stopped).group(1))  # type: ignore[union-attr]
        assert done < 41310, stopped
        assert server.get("/api/rulesets")[0] == 200
        status, body = server.post("/api/evaluate", {"ruleset": "demo/q", "facts": {"score": 95, "district": "a"}})
        assert status == 200 and body["grade"] == "xs"
        assert answered < 30  # answered at the limit, not when the work ended (generous: a loaded machine)


def test_serve_takes_a_time_limit_in_seconds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--time-limit", "0"]) == 2
    assert "--time-limit 0" in capsys.readouterr().err


# ---------------------------------------------------------------- the server as a whole


def test_concurrent_requests_give_the_librarys_results(api: Server) -> None:
    ruleset = partyrules.load(FOUR_GOOD)
    table = data.read(data_path("hatinh-cells-2024.csv"), ruleset.inputs)
    rows = [serialize.facts_to_data(ruleset, r.facts) for r in table.rows[:64] if isinstance(r, data.Row)]
    expected = [serialize.unstructure(ruleset.evaluate(serialize.facts_from_data(ruleset, f))) for f in rows]

    def one(i: int) -> Any:
        return api.post("/api/evaluate", {"ruleset": FOUR_GOOD, "facts": rows[i]})

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(len(rows))))
    assert [a[0] for a in answers] == [200] * len(rows)
    assert [a[1] for a in answers] == json.loads(json.dumps(expected))


def test_the_cache_is_bounded_and_found_by_fingerprint() -> None:
    app = create_app(cache_size=2)
    workspace = app.state.workspace
    texts = [QUOTA_RULES.replace('version "1"', f'version "{i}"') for i in range(3)]
    fingerprints = [workspace.ruleset(text=t).fingerprint for t in texts]
    assert len(set(fingerprints)) == 3 and workspace.cached() == 2
    assert workspace.ruleset(text=texts[2]) is workspace.ruleset(fingerprint=fingerprints[2])
    with pytest.raises(Exception, match="fingerprint"):
        workspace.ruleset(fingerprint=fingerprints[0])  # dropped: the oldest


def test_every_route_is_in_the_openapi_document(api: Server) -> None:
    status, document = api.get("/openapi.json")
    assert status == 200 and document == json.loads(json.dumps(openapi_document()))
    routes = {r.path.replace("{id:path}", "{id}") for r in api.app.routes}
    assert routes == set(document["paths"])
    for path, item in document["paths"].items():
        for operation in item.values():
            assert operation["summary"] and "200" in operation["responses"], path


def test_a_token_is_required_once_given() -> None:
    for server in serving(create_app(token="s3cret")):
        status, body = server.get("/api/rulesets")
        assert status == 401 and body["error"] == "unauthorized"
        assert server.get("/api/rulesets", Authorization="Bearer wrong")[0] == 401
        assert server.get("/api/rulesets", Authorization="Bearer s3cret")[0] == 200
        assert server.request("/?token=wrong")[0] == 401
        status, _, page = server.request("/?token=s3cret")
        assert status == 200 and b'<meta name="partyrules-token" content="s3cret">' in page
        assert server.request("/static/workbench.js")[0] == 200  # the page's code holds no data


def test_serve_refuses_other_hosts_without_a_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PARTYRULES_TOKEN", raising=False)
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    assert "token" in capsys.readouterr().err
    assert main(["serve", "--path", "/no/such/folder"]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_partyrules_serve_starts_and_answers_on_loopback() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "partyrules", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/rulesets", timeout=60) as response:
                    assert response.status == 200
                    assert FOUR_GOOD in {r["id"] for r in json.loads(response.read())["rulesets"]}
                    break
            except (urllib.error.URLError, ConnectionError):  # not listening yet
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=10)


# ---------------------------------------------------------------- the workbench page


def test_the_page_lists_the_rulesets_and_loads_only_its_own_script(api: Server) -> None:
    status, headers, page = api.request("/")
    text = page.decode("utf-8")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert f'<option value="{FOUR_GOOD}">' in text and '<option value="demo/q">' in text
    assert '<script type="module" src="/static/workbench.js"></script>' in text
    status, headers, script = api.request("/static/workbench.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    for body in (text, script.decode("utf-8")):
        assert "http://" not in body and "https://" not in body  # nothing fetched from elsewhere
    for endpoint in ("/api/explain", "/api/check", "/api/compile", "/api/score/file", "/api/rulesets/"):
        assert endpoint in script.decode("utf-8")
    assert "innerHTML" not in script.decode("utf-8")  # server text is shown as text only


def test_decimal_totals_in_the_histogram_are_exact(api: Server) -> None:
    rows = [{"score": s, "district": "b"} for s in (0, 9, 10, 99, 100)]
    status, body = api.post("/api/score", {"ruleset": "demo/q", "rows": rows})
    assert status == 200
    assert [b["count"] for b in body["histogram"]] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert body["histogram"][1] == {"from": "10", "below": "20", "count": 1}
    assert Decimal(body["histogram"][-1]["below"]) == 100


def test_the_histogram_is_the_batch_reports() -> None:
    """The API's bins are the batch report's (whole widths, the last holding the maximum), whatever the maximum."""
    from types import SimpleNamespace

    from partyrules import report
    from partyrules.server.service import histogram

    ruleset: Any = SimpleNamespace(layout=SimpleNamespace(maximum=Decimal(95)))
    totals = {Decimal(0): 1, Decimal("9.5"): 2, Decimal(95): 3, None: 4}
    bins = histogram(ruleset, totals)
    expected = report.histogram({Decimal(0): 1, Decimal("9.5"): 2, Decimal(95): 3}, Decimal(95), 10)
    assert [(b["from"], b["below"], b["count"]) for b in bins] == [(str(b.low), str(b.high), b.count) for b in expected]
    assert bins[0] == {"from": "0", "below": "10", "count": 3} and bins[-1] == {"from": "90", "below": "95", "count": 3}


# ---------------------------------------------------------------- the examples of docs/workbench.md

WORKBENCH_DOC = Path(__file__).resolve().parents[1] / "docs" / "workbench.md"
HTTP_BLOCK = re.compile(r"^```http\n(.*?)^```", re.MULTILINE | re.DOTALL)


def doc_examples() -> list[tuple[int, str, str]]:
    """(line, request, response) of each pair of ```http blocks in docs/workbench.md."""
    text = WORKBENCH_DOC.read_text(encoding="utf-8")
    blocks = [(text[: m.start()].count("\n") + 1, m.group(1)) for m in HTTP_BLOCK.finditer(text)]
    assert len(blocks) % 2 == 0, "every request block is followed by its response block"
    return [(blocks[i][0], blocks[i][1], blocks[i + 1][1]) for i in range(0, len(blocks), 2)]


def holds(shown: Any, real: Any) -> bool:
    """What the docs show is in the real answer: objects by the keys shown, lists by the items shown (in
    order, each matching one real item), text ending in `…` by its beginning."""
    if isinstance(shown, dict):
        return isinstance(real, dict) and all(k in real and holds(v, real[k]) for k, v in shown.items())
    if isinstance(shown, list):
        items = iter(real) if isinstance(real, list) else iter(())
        return isinstance(real, list) and all(any(holds(s, r) for r in items) for s in shown)
    if isinstance(shown, str) and shown.endswith("…"):
        return isinstance(real, str) and real.startswith(shown[:-1])
    return bool(shown == real)


def _message(block: str) -> tuple[str, dict[str, str], str]:
    head, _, body = block.partition("\n\n")
    first, *header_lines = head.splitlines()
    headers = dict(line.split(": ", 1) for line in header_lines)
    return first, headers, body.rstrip("\n")


@pytest.mark.parametrize(("line", "request_block", "response_block"), doc_examples(), ids=lambda v: str(v)[:30])
def test_the_examples_of_the_docs_are_what_the_server_answers(
    api: Server, line: int, request_block: str, response_block: str
) -> None:
    first, headers, body = _message(request_block)
    method, path = first.split(" ")[:2]
    content = (body + ("\n" if headers.get("Content-Type") == "text/csv" else "")).encode("utf-8") if body else None
    status, real_headers, real = api.request(path, content, headers, method=method)
    status_line, shown_headers, shown = _message(response_block)
    assert status == int(status_line.split(" ")[1]), (line, real[:500])
    assert real_headers["content-type"] == shown_headers["Content-Type"], line
    if shown_headers["Content-Type"] == "application/json":
        assert holds(json.loads(shown), json.loads(real)), (line, real[:2000])
    else:
        assert shown in real.decode("utf-8"), (line, real[:300])
