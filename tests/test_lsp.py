"""The language server (``partyrules lsp``) driven as an editor drives it: over stdio, with a real client.

One server runs for the whole module (starting one costs about half a second); each test opens
its own documents. Every feature is asked on a shipped file and on a broken one: a file that
does not check, or text that does not even parse (half-typed), where navigation keeps the names
of the last text that did.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import partyrules
from partyrules.catalog import shipped_path
from partyrules.formatter import format_text

ROOT = Path(__file__).resolve().parents[1]


def _load_client() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lspclient", ROOT / "benchmarks" / "lspclient.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("lspclient", module)
    spec.loader.exec_module(module)
    return module


lspclient = _load_client()
position_of = lspclient.position_of

CHI_BO = shipped_path("vn.hatinh/chi-bo-4-tot")
HATINH_MEETING = shipped_path("vn.hatinh/cell-meeting")
NATIONAL_MEETING = shipped_path("vn/cell-meeting", __import__("datetime").date(2019, 1, 1))

SMALL = """\
ruleset "t/small" {
  title "Phiếu nhỏ"; version "1"; basis "thử"; effective from 2024-01-01;
  points illustrative "thử";
}

input attendance "Tỷ lệ dự họp": percent;
input minutes "Thời lượng (phút)": integer 0..600;
let long_meeting "Họp đủ giờ" = minutes >= 90;

criteria "Buổi họp" max 10 {
  item du_hop "Dự họp" max 6 {
    points = bands attendance { from 95%: 6; from 85%: 4; otherwise: 0; };
  }
  item thoi_luong "Thời lượng" max 4 {
    points = if long_meeting then 4 else 0;
  }
}

grades {
  grade tot "Tốt" { band from 9; require "Họp đủ giờ": long_meeting; }
  grade kem "Kém" { band below 9; }
}
"""


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    running = lspclient.Client()
    try:
        yield running
    finally:
        running.close()


def _codes(diagnostics: list[dict[str, Any]]) -> list[str]:
    return [d["code"] for d in diagnostics]


def _apply(text: str, edits: list[dict[str, Any]]) -> str:
    """Text edits applied as an editor applies them (ranges in UTF-16 units of the original text)."""
    lines = text.split("\n")

    def offset(position: dict[str, int]) -> int:
        before = sum(len(line) + 1 for line in lines[: position["line"]])
        line = lines[position["line"]] if position["line"] < len(lines) else ""
        units = position["character"]
        characters = 0
        while units > 0 and characters < len(line):
            units -= len(line[characters].encode("utf-16-le")) // 2
            characters += 1
        return before + characters

    for edit in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        text = text[: offset(edit["range"]["start"])] + edit["newText"] + text[offset(edit["range"]["end"]) :]
    return text


# ------------------------------------------------------------------ diagnostics


def test_a_shipped_file_opens_clean_and_a_change_is_checked_as_typed(client: Any) -> None:
    uri, diagnostics = client.open(HATINH_MEETING)
    assert [d for d in diagnostics if d["severity"] == 1] == []
    text = HATINH_MEETING.read_text(encoding="utf-8")
    given = text.index("members = ")
    broken = text[:given] + "membres = " + text[given + len("members = ") :]
    diagnostics = client.change(uri, broken)
    assert _codes(diagnostics) == ["PR802"]
    (problem,) = diagnostics
    assert problem["message"] == "`membres` is not an input\nhint: did you mean `members`?"
    assert problem["data"] == {"hint": "did you mean `members`?"}
    assert problem["range"]["start"] == dict(zip(("line", "character"), position_of(broken, "membres = ")))
    restored = client.change(uri, text)
    assert [d for d in restored if d["severity"] == 1] == []


def test_a_diagnostic_points_at_the_declaration_in_the_base_file(client: Any, tmp_path: Path) -> None:
    """A name declared twice, once in the base: the related place is in the base file, by its URI."""
    text = HATINH_MEETING.read_text(encoding="utf-8")
    folder = tmp_path / "vn.hatinh"
    folder.mkdir()
    child = folder / "cell-meeting.criteria"
    child.write_text(text, encoding="utf-8")
    extra = '\ninput members "Số đảng viên (lần hai)": integer 0..9;\n'
    _, diagnostics = client.open(child, text + extra)
    duplicate = next(d for d in diagnostics if "members" in d["message"] and d.get("relatedInformation"))
    (related,) = duplicate["relatedInformation"]
    assert related["message"] == "first declared here"
    assert related["location"]["uri"] == NATIONAL_MEETING.resolve().as_uri()
    base = NATIONAL_MEETING.read_text(encoding="utf-8")
    assert related["location"]["range"]["start"]["line"] == position_of(base, "input members")[0]


def test_a_syntax_error_is_one_diagnostic_at_its_place(client: Any, tmp_path: Path) -> None:
    path = tmp_path / "small.criteria"
    broken = SMALL.replace("max 4 {", "max 4", 1)
    _, diagnostics = client.open(path, broken)
    assert len(diagnostics) == 1 and diagnostics[0]["severity"] == 1
    assert diagnostics[0]["range"]["start"]["line"] == position_of(broken, "points = if")[0]


# ------------------------------------------------------------------ hover


def _hover(client: Any, uri: str, text: str, needle: str, occurrence: int = 0) -> str:
    line, character = position_of(text, needle, occurrence, offset=1)
    answer = client.at("textDocument/hover", uri, line, character)
    assert answer is not None, needle
    value: str = answer["contents"]["value"]
    return value


def test_hover_shows_an_input_an_item_with_its_proved_interval_and_a_grade(client: Any) -> None:
    text = CHI_BO.read_text(encoding="utf-8")
    uri, _ = client.open(CHI_BO)
    shown = _hover(client, uri, text, "thematic_meetings, 4")
    assert shown.startswith("**Số buổi sinh hoạt chuyên đề trong năm**")
    assert "`input thematic_meetings`: integer 0..12" in shown
    shown = _hover(client, uri, text, "chuyen_de")
    assert "`item chuyen_de` max 10" in shown
    assert "points can be 0 to 10 (a number), as the checker proves" in shown
    assert "cite: Hướng dẫn 12-HD/BTCTW: sinh hoạt chuyên đề ít nhất mỗi quý một lần" in shown
    shown = _hover(client, uri, text, "bon_tot")
    assert "band: từ 90 trở lên" in shown
    assert "require Cả bốn tiêu chí đạt mức Tốt: `worst_level() >= tot`" in shown
    assert client.at("textDocument/hover", uri, 0, 3) is None  # a comment


def test_hover_on_a_base_name_and_on_text_that_does_not_parse(client: Any, tmp_path: Path) -> None:
    text = HATINH_MEETING.read_text(encoding="utf-8")
    uri, _ = client.open(HATINH_MEETING)
    shown = _hover(client, uri, text, "members", 1)
    assert "`input members`: integer" in shown and NATIONAL_MEETING.name in shown
    path = tmp_path / "small.criteria"
    uri, _ = client.open(path, SMALL)
    half = SMALL.replace("then 4 else 0;", "then 4 el")
    assert client.change(uri, half)  # a syntax error ...
    shown = _hover(client, uri, half, "long_meeting then")  # ... and the names of the last good text
    assert shown == "**Họp đủ giờ**\n\n`let long_meeting = minutes >= 90`\n\nis true or false"
    worse = half.replace("then 4 el", "then 4 e")  # typing on: a second text in a row that does not parse
    assert client.change(uri, worse)
    assert _hover(client, uri, worse, "long_meeting then") == shown  # still the last good text's names


# ------------------------------------------------------------------ definition and references


def test_definition_and_references_cross_into_the_base_file(client: Any) -> None:
    text = HATINH_MEETING.read_text(encoding="utf-8")
    uri, _ = client.open(HATINH_MEETING)
    line, character = position_of(text, "members", 1, offset=2)
    found = client.at("textDocument/definition", uri, line, character)
    base = NATIONAL_MEETING.read_text(encoding="utf-8")
    assert found["uri"] == NATIONAL_MEETING.resolve().as_uri()
    declared = position_of(base, "input members", offset=len("input "))
    assert (found["range"]["start"]["line"], found["range"]["start"]["character"]) == declared
    assert found["range"]["end"]["character"] == declared[1] + len("members")
    places = client.at("textDocument/references", uri, line, character, context={"includeDeclaration": True})
    uris = {p["uri"] for p in places}
    assert uris == {uri, NATIONAL_MEETING.resolve().as_uri()}
    in_child = [p for p in places if p["uri"] == uri]
    import re

    assert len(in_child) == len(re.findall(r"\bmembers\b", "\n".join(_code(text))))
    without = client.at("textDocument/references", uri, line, character, context={"includeDeclaration": False})
    assert len(without) == len(places) - 1


def _code(text: str) -> list[str]:
    """The lines of a file without comments and quoted texts (where names are not uses)."""
    import re

    return [re.sub(r'"[^"\n]*"', '""', line.split("#", 1)[0]) for line in text.split("\n")]


def test_definition_in_a_file_that_does_not_check(client: Any, tmp_path: Path) -> None:
    broken = SMALL.replace("otherwise: 0; };", "otherwise: 0; };\n    level = undefined_thing;", 1)
    uri, diagnostics = client.open(tmp_path / "small.criteria", broken)
    assert any(d["severity"] == 1 for d in diagnostics)
    line, character = position_of(broken, "long_meeting then", offset=3)
    found = client.at("textDocument/definition", uri, line, character)
    assert found["uri"] == uri
    assert (found["range"]["start"]["line"], found["range"]["start"]["character"]) == position_of(
        broken, "long_meeting"
    )
    assert client.at("textDocument/definition", uri, *position_of(broken, "undefined_thing")) is None


# ------------------------------------------------------------------ completion


def _labels(answer: dict[str, Any]) -> set[str]:
    return {item["label"] for item in answer["items"]}


def test_completion_offers_keywords_where_they_stand_and_names_in_formulas(client: Any, tmp_path: Path) -> None:
    uri, _ = client.open(tmp_path / "small.criteria", SMALL)
    line, _ = position_of(SMALL, "input attendance")
    top = _labels(client.at("textDocument/completion", uri, line, 0))
    assert {"input", "let", "criteria", "grades", "knockout"} <= top and "attendance" not in top
    formula = SMALL.replace("then 4 else 0;", "then 4 else 0 + at")
    client.change(uri, formula)
    line, character = position_of(formula, "0 + at", offset=len("0 + at"))
    names = _labels(client.at("textDocument/completion", uri, line, character))
    assert names == {"attendance"}
    line, character = position_of(formula, "0 + at", offset=len("0 + "))
    everything = _labels(client.at("textDocument/completion", uri, line, character))
    assert {"attendance", "minutes", "long_meeting", "du_hop", "min", "round", "bands", "table"} <= everything
    assert "input" not in everything and "if" not in everything  # a bare `if` cannot stand in a sum


def test_completion_offers_ruleset_ids_on_the_search_path(client: Any, tmp_path: Path) -> None:
    text = SMALL.replace('  points illustrative "thử";', '  points illustrative "thử";\n  extends "vn/cell')
    uri, _ = client.open(tmp_path / "small.criteria", text)
    line, character = position_of(text, 'extends "vn/cell', offset=len('extends "vn/cell'))
    expected = {rid for rid in partyrules.shipped_ids() if rid.startswith("vn/cell")}
    assert "vn/cell-meeting" in expected
    assert _labels(client.at("textDocument/completion", uri, line, character)) == expected


# ------------------------------------------------------------------ formatting


def _format(client: Any, uri: str) -> Any:
    return client.request(
        "textDocument/formatting", {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}}
    )


def test_formatting_is_partyrules_fmt(client: Any, tmp_path: Path) -> None:
    uri, _ = client.open(CHI_BO)
    assert _format(client, uri) == []  # shipped files are formatted
    messy = SMALL.replace("  item du_hop", "item   du_hop").replace("max 6 {", "max 6{")
    uri, _ = client.open(tmp_path / "messy.criteria", messy)
    edits = _format(client, uri)
    assert len(edits) == 1 and _apply(messy, edits) == format_text(messy) == format_text(SMALL)
    client.change(uri, messy.replace("max 6{", "max 6"))
    assert _format(client, uri) is None  # does not parse: left alone, its diagnostic says why


# ------------------------------------------------------------------ code actions


def test_a_did_you_mean_hint_is_a_quick_fix(client: Any, tmp_path: Path) -> None:
    text = HATINH_MEETING.read_text(encoding="utf-8")
    given = text.index("members = ")
    broken = text[:given] + "membres = " + text[given + len("members = ") :]
    uri, diagnostics = client.open(HATINH_MEETING, broken)
    (problem,) = [d for d in diagnostics if d["code"] == "PR802"]
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": problem["range"], "context": {"diagnostics": [problem]}},
    )
    (action,) = actions
    assert action["title"] == "Replace with `members`" and action["kind"] == "quickfix"
    fixed = _apply(broken, action["edit"]["changes"][uri])
    assert fixed == text
    assert [d for d in client.change(uri, fixed) if d["severity"] == 1] == []


def test_an_unknown_grade_gets_its_quick_fix(client: Any, tmp_path: Path) -> None:
    broken = SMALL.replace("band from 9;", 'band from 9;\n  }\n  grade kha "Khá" { band from 8 below 9;', 1)
    broken = broken.replace("band below 9;", "band below 8;")
    broken += 'knockout k "K" { when minutes < 10; force kme; }\n'
    uri, diagnostics = client.open(tmp_path / "small.criteria", broken)
    problem = next(d for d in diagnostics if "kme" in d["message"])
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": problem["range"], "context": {"diagnostics": [problem]}},
    )
    assert "Replace with `kem`" in [a["title"] for a in actions]
    chosen = next(a for a in actions if a["title"] == "Replace with `kem`")
    assert _apply(broken, chosen["edit"]["changes"][uri]) == broken.replace("force kme", "force kem")


def _actions(client: Any, uri: str, problem: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    actions = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": problem["range"], "context": {"diagnostics": [problem]}},
    )
    return {a["title"]: a["edit"]["changes"][uri] for a in actions}


def test_a_cap_hint_and_a_missing_header_statement_are_quick_fixes(client: Any, tmp_path: Path) -> None:
    broken = SMALL.replace("then 4 else 0", "then 5 else 0").replace(' basis "thử";', "")
    uri, diagnostics = client.open(tmp_path / "small.criteria", broken)
    assert sorted(_codes(diagnostics)) == ["PR104", "PR501"]
    cap = next(d for d in diagnostics if d["code"] == "PR501")
    edits = _actions(client, uri, cap)["Cap it with `min(..., 4)`"]
    capped = _apply(broken, edits)
    assert "points = min(if long_meeting then 5 else 0, 4);" in capped
    header = next(d for d in client.change(uri, capped) if d["code"] == "PR104")
    edits = _actions(client, uri, header)['Add `basis "...";`']
    fixed = _apply(capped, edits)
    assert 'points illustrative "thử";\n  basis "...";\n}' in fixed
    assert client.change(uri, fixed) == []


# ------------------------------------------------------------------ rename


def test_rename_rewrites_every_use_and_refuses_what_it_cannot(client: Any, tmp_path: Path) -> None:
    uri, _ = client.open(tmp_path / "small.criteria", SMALL)
    line, character = position_of(SMALL, "long_meeting then", offset=1)
    edit = client.at("textDocument/rename", uri, line, character, newName="du_gio")
    renamed = _apply(SMALL, edit["changes"][uri])
    assert renamed == SMALL.replace("long_meeting", "du_gio")
    assert [d for d in client.change(uri, renamed) if d["severity"] == 1] == []
    for new, reason in (("minutes", "already declared"), ("bands", "word of the language"), ("tỷ_lệ", "ASCII")):
        with pytest.raises(lspclient.ServerError, match=reason):
            client.at("textDocument/rename", uri, *position_of(renamed, "du_gio"), newName=new)
    text = HATINH_MEETING.read_text(encoding="utf-8")
    uri, _ = client.open(HATINH_MEETING)
    with pytest.raises(lspclient.ServerError, match="rename it there"):
        client.at("textDocument/rename", uri, *position_of(text, "members", 1), newName="so_dang_vien")


# ------------------------------------------------------------------ the editors' side


def test_the_vscode_extension_starts_this_server() -> None:
    """The extension runs `partyrules lsp --stdio` (the command the client above runs) for criteria files."""
    import json

    vscode = ROOT / "editors" / "vscode"
    manifest = json.loads((vscode / "package.json").read_text(encoding="utf-8"))
    assert manifest["activationEvents"] == ["onLanguage:criteria"]
    assert (vscode / manifest["main"]).is_file()
    settings = manifest["contributes"]["configuration"]["properties"]
    assert settings["partyrules.server.command"]["default"] == "partyrules"
    assert settings["partyrules.server.args"]["default"] == ["lsp", "--stdio"]
    assert "vscode-languageclient" in manifest["dependencies"]
    script = (vscode / manifest["main"]).read_text(encoding="utf-8")
    for setting in ("server.command", "server.args", "path"):
        assert f'config.get("{setting}"' in script
    assert 'language: "criteria"' in script


def test_the_command_line_names_the_server() -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "partyrules", "lsp", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "language server" in done.stdout


def test_a_problem_in_a_base_file_is_shown_at_the_top_pointing_at_the_base(client: Any, tmp_path: Path) -> None:
    folder = tmp_path / "vn.t"
    folder.mkdir()
    base = SMALL.replace('ruleset "t/small"', 'ruleset "vn.t/base"').replace("then 4 else 0", "then 5 else 0")
    (folder / "base.criteria").write_text(base, encoding="utf-8")
    child = (
        'ruleset "vn.t/child" {\n  title "Con"; version "1"; basis "thử"; effective from 2024-01-01;\n'
        '  points illustrative "thử";\n  extends "vn.t/base";\n}\n'
    )
    _, diagnostics = client.open(folder / "child.criteria", child)
    (problem,) = diagnostics
    assert problem["code"] == "PR501" and problem["range"]["start"] == {"line": 0, "character": 0}
    assert problem["message"].startswith(f"{folder / 'base.criteria'}:{position_of(base, 'if long_meeting')[0] + 1}:")
    where = problem["relatedInformation"][0]["location"]
    assert where["uri"] == (folder / "base.criteria").as_uri()
    assert where["range"]["start"] == dict(zip(("line", "character"), position_of(base, "if long_meeting then 5")))


# ------------------------------------------------------------------ bursts of changes


def _published(client: Any, uri: str) -> list[dict[str, Any]]:
    return [p for p in client.published if p["uri"] == uri]


def test_a_burst_of_changes_is_checked_at_its_start_and_once_after_a_quiet_period(tmp_path: Path) -> None:
    """Five changes sent at once (a paste, fast typing) give two checks: the first change at once (it
    follows a quiet spell), then one of the last text when they stop; none of the three between."""
    import time

    burst = lspclient.Client(initialization_options={"debounce_ms": 300})
    try:
        uri, _ = burst.open(tmp_path / "small.criteria", SMALL)
        before = len(_published(burst, uri))
        typed = [
            "minutes >= 9",
            "minutes >= 90 and",
            "minutes >= 90 and nope",
            "minutes >= 90 and nop",
            "minutse >= 90",
        ]
        burst.burst(uri, [SMALL.replace("minutes >= 90", t) for t in typed])
        diagnostics = burst.wait_diagnostics(uri)
        while _published(burst, uri)[-1]["version"] != burst.versions[uri]:
            diagnostics = burst.wait_diagnostics(uri)
        # the last text's problems: `minutse` is unknown, so `minutes` is used nowhere
        assert _codes(diagnostics) == ["PR901", "PR211"] and "`minutse` is not declared" in diagnostics[1]["message"]
        time.sleep(0.6)  # twice the quiet period: a second check would have been published by now
        assert burst.at("textDocument/hover", uri, 0, 0) is None  # a request: every message before it is read
        checked = _published(burst, uri)[before:]
        last = burst.versions[uri]
        assert [p["version"] for p in checked] == [last - 4, last]  # the first change's, then the last's
    finally:
        burst.close()


def test_a_request_during_the_quiet_period_is_answered_from_the_new_text(tmp_path: Path) -> None:
    """A hover right after a change does not wait for the quiet period, nor answer from the old text."""
    slow = lspclient.Client(initialization_options={"debounce_ms": 60_000})
    try:
        uri, _ = slow.open(tmp_path / "small.criteria", SMALL)
        before = len(_published(slow, uri))
        added = SMALL.replace(
            "let long_meeting", 'input speakers "Số người phát biểu": integer 0..50;\nlet long_meeting'
        )
        slow.burst(uri, [added.replace("0..50", "0..5"), added])
        line, character = position_of(added, "speakers")
        shown = slow.at("textDocument/hover", uri, line, character)["contents"]["value"]
        assert shown.startswith("**Số người phát biểu**") and "integer 0..50" in shown
        # the first change was checked at once (after a quiet spell); the second waited, and the
        # request checked it: its diagnostics (PR901, the input is unused) are out, once
        checked = _published(slow, uri)[before:]
        last = slow.versions[uri]
        assert [(p["version"], _codes(p["diagnostics"])) for p in checked] == [(last - 1, ["PR901"]), (last, ["PR901"])]
    finally:
        slow.close()
