"""The saved parser (``grammars/criteria-lalr.json``): made from this grammar, read back as the same
parser, and ignored (the parser built from the grammar instead) when it is stale or damaged."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import lark
import pytest
from lark.exceptions import UnexpectedInput

from partyrules.catalog import shipped_ids, shipped_path
from partyrules.parser import grammar

ROOT = Path(__file__).resolve().parents[1]
SAVED = ROOT / "grammars" / grammar.SAVED_NAME

BROKEN = [
    'ruleset "x" {',
    'input a "A": integer 0..;',
    'criteria "T" max 10 { item a "A" max 1 { points = 1 +; } }',
    "let x = bands a { from 90%: 1; otherwise 0; };",
    'grades { grade tot "Tốt" { band from; } }',
    "@",
]


@functools.cache
def _built() -> tuple[lark.Lark, str]:
    """The parser built from this grammar, and its saved text: built once for the module (about 1.3 s of
    CPU each time; a parser is not changed by parsing)."""
    text = grammar.grammar_text()
    built = grammar.build(text)
    return built, grammar.saved_text(built, text)


def _outcome(parser: lark.Lark, text: str) -> Any:
    try:
        return parser.parse(text)
    except UnexpectedInput as exc:
        return (type(exc).__name__, exc.line, exc.column, sorted(getattr(exc, "expected", None) or ()))


def test_the_saved_parser_was_made_from_this_grammar() -> None:
    saved = json.loads(SAVED.read_text(encoding="utf-8"))
    assert saved["grammar"] == grammar.grammar_key(grammar.grammar_text()), (
        "the grammar changed: run `python scripts/save_parser.py` to save its parser again"
    )


def test_the_saved_parser_parses_as_a_fresh_build_or_is_ignored() -> None:
    """With the lark it was saved by, the committed file parses every source as a fresh build of the
    grammar does (lark numbers its states differently from run to run, so the bytes may differ); with
    another lark it is not read at all (the parser is built from the grammar)."""
    text = grammar.grammar_text()
    saved = grammar.read_saved(text, SAVED)
    if json.loads(SAVED.read_text(encoding="utf-8"))["lark"] != lark.__version__:
        assert saved is None
        return
    assert saved is not None
    built, _ = _built()
    for source in _sources() + BROKEN:
        assert _outcome(saved, source) == _outcome(built, source)


def _sources() -> list[str]:
    sources = [shipped_path(i).read_text(encoding="utf-8") for i in shipped_ids()]
    return sources + [p.read_text(encoding="utf-8") for p in (ROOT / "benchmarks").glob("*.criteria")]


def test_a_saved_parser_parses_as_the_built_one(tmp_path: Path) -> None:
    """Trees (positions included) and syntax errors are the same from the saved parser and the built one."""
    text = grammar.grammar_text()
    built, saved_text = _built()
    path = tmp_path / grammar.SAVED_NAME
    path.write_text(saved_text, encoding="utf-8")
    saved = grammar.read_saved(text, path)
    assert saved is not None
    for source in _sources() + BROKEN:
        assert _outcome(saved, source) == _outcome(built, source)
    assert _outcome(saved, BROKEN[1])[0] == "UnexpectedToken"  # the errors are compared, not absent


@pytest.mark.parametrize(
    "damage",
    ["another grammar", "another lark", "not JSON", "no file", "a list", "no tables"],
)
def test_a_stale_or_damaged_saved_parser_is_ignored(tmp_path: Path, damage: str) -> None:
    text = grammar.grammar_text()
    path = tmp_path / grammar.SAVED_NAME
    document = json.loads(_built()[1])
    if damage == "another grammar":
        document["grammar"] = grammar.grammar_key(text + "\n// one more line\n")
    elif damage == "another lark":
        document["lark"] = "0.0.1"
    elif damage == "no tables":
        del document["data"]["parser"]
    if damage == "not JSON":
        path.write_text("{ not json", encoding="utf-8")
    elif damage == "a list":
        path.write_text("[1, 2]", encoding="utf-8")
    elif damage != "no file":
        path.write_text(json.dumps(document), encoding="utf-8")
    assert grammar.read_saved(text, path) is None


def test_the_parser_is_read_not_built_when_the_saved_one_fits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / grammar.SAVED_NAME
    path.write_text(_built()[1], encoding="utf-8")
    original = grammar._grammar_file
    monkeypatch.setattr(grammar, "_grammar_file", lambda name: path if name == grammar.SAVED_NAME else original(name))

    def no_build(text: str) -> lark.Lark:
        raise AssertionError("built from the grammar")

    monkeypatch.setattr(grammar, "build", no_build)
    grammar.lalr.cache_clear()
    try:
        parser = grammar.lalr()
        assert _outcome(parser, shipped_path("vn.hatinh/chi-bo-4-tot").read_text(encoding="utf-8")) is not None
    finally:
        grammar.lalr.cache_clear()  # the next test reads the parser the ordinary way
