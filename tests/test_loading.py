"""Start-up and loading costs that are behaviour, not timings: what ``partyrules --help`` imports, the
cycle collector paused during a load and left as it was, and the fingerprint's faster canonical form."""

from __future__ import annotations

import gc
import json
import subprocess
import sys

import pytest

import partyrules

HEAVY = ("attr", "attrs", "lark", "cattrs", "hypothesis", "openpyxl", "rich", "partyrules.parser", "partyrules.runtime")

RULES = """
ruleset "t/gc" { title "T"; version "1"; basis "b"; effective from 2024-01-01; points illustrative "t"; }
input a "A": integer 0..10;
criteria "T" max 10 { item x "X" max 10 { points = a; } }
grades { grade ok "Đạt" { band any; } }
"""


@pytest.mark.parametrize("argv", [["--help"], ["score", "--help"], ["check", "--help"], ["--version"]])
def test_help_imports_nothing_heavy(argv: list[str]) -> None:
    """``partyrules --help`` (and each command's) is read without attrs, lark or the runtime."""
    probe = (
        "import contextlib, io, json, sys\n"
        "from partyrules.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    status = main({argv!r})\n"
        "print(json.dumps([status, out.getvalue(), sorted(sys.modules)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    status, shown, modules = json.loads(done.stdout)
    assert status == 0 and ("usage: partyrules" in shown or shown.startswith("partyrules "))
    assert [m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY)] == []


def test_a_load_pauses_the_collector_and_restores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from partyrules import parser

    during: list[bool] = []
    parse = parser.parse

    def watched(text: str, filename: str = "<string>") -> object:
        during.append(gc.isenabled())
        return parse(text, filename)

    monkeypatch.setattr(parser, "parse", watched)
    assert gc.isenabled()
    ruleset = partyrules.loads(RULES)
    assert ruleset.evaluate({"a": 3}).total == 3
    assert during == [False] and gc.isenabled()
    with pytest.raises(partyrules.CriteriaError):
        partyrules.loads(RULES.replace("points = a", "points = b"))
    assert gc.isenabled()  # on again after a failed load too
    gc.disable()
    try:
        partyrules.loads(RULES)
        after = gc.isenabled()  # a caller that turned it off keeps it off
    finally:
        gc.enable()
    assert after is False and during == [False, False, False]


def test_the_canonical_form_is_what_attrs_asdict_gives() -> None:
    """The fingerprint's canonical form, written as JSON, is the text ``attrs.asdict`` gave before it."""
    import importlib
    import json
    from pathlib import Path

    import attrs

    from partyrules import parser
    from partyrules.catalog import shipped_ids, shipped_path

    fingerprint = importlib.import_module("partyrules.compiler.fingerprint")  # the package names a function so

    def text(data: object) -> str:
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    sources = [shipped_path(i).read_text(encoding="utf-8") for i in shipped_ids()]
    sources += [p.read_text(encoding="utf-8") for p in (Path(__file__).parents[1] / "benchmarks").glob("*.criteria")]
    for source in sources:
        tree = parser.parse(parser.normalise(source))
        expected = attrs.asdict(tree, filter=fingerprint._meaningful, value_serializer=fingerprint._canonical)
        assert text(fingerprint.canonical_form(tree)) == text(expected)
