"""Editor support: the Pygments lexer, its entry point, and the VS Code extension's TextMate grammar."""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

pygments = pytest.importorskip("pygments")

from pygments.token import (  # noqa: E402
    Comment,
    Error,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
    _TokenType,
)

import partyrules  # noqa: E402
from partyrules.highlight import CriteriaLexer  # noqa: E402
from partyrules.nodes import BUILTINS, RESERVED  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VSCODE = ROOT / "editors" / "vscode"
GRAMMAR = VSCODE / "syntaxes" / "criteria.tmLanguage.json"
DOCS = ROOT / "docs" / "language.md"


def sources() -> list[tuple[str, str]]:
    """Every shipped criteria file, and every complete example (```criteria blocks) of the reference."""
    out = [(rid, partyrules.shipped_path(rid).read_text(encoding="utf-8")) for rid in partyrules.shipped_ids()]
    if DOCS.exists():
        blocks = re.findall(r"^```criteria\n(.*?)^```", DOCS.read_text(encoding="utf-8"), re.S | re.M)
        out += [(f"language.md block {i}", block) for i, block in enumerate(blocks, 1)]
    return out


SOURCES = sources()


def tokens(text: str) -> list[tuple[Any, str]]:
    return list(CriteriaLexer(stripnl=False, ensurenl=False).get_tokens(text))


# ---------------------------------------------------------------- the Pygments lexer


@pytest.mark.parametrize(("name", "text"), SOURCES, ids=[name for name, _ in SOURCES])
def test_lexer_reads_every_example_without_errors(name: str, text: str) -> None:
    result = tokens(text)
    assert "".join(value for _, value in result) == text
    errors = [(kind, value) for kind, value in result if kind in Error]
    assert errors == [], f"{name}: {errors[:5]}"


def test_examples_were_found() -> None:
    assert len(SOURCES) >= len(partyrules.shipped_ids()) + 3


def kinds(text: str) -> list[tuple[Any, str]]:
    return [(kind, value) for kind, value in tokens(text) if kind not in Whitespace]


def test_every_reserved_word_is_a_keyword_or_builtin() -> None:
    for word in sorted(RESERVED):
        (kind, value), *_ = kinds(word)
        assert value == word
        assert kind in Keyword or kind in Name.Builtin or kind in Operator.Word, (word, kind)
    for word in BUILTINS:
        assert kinds(f"{word}(x)")[0] == (Name.Builtin, word)


def test_token_classes() -> None:
    text = (
        '# chú thích\ninput ty_le "Tỷ lệ": percent 10%..90% places 1 = 50%;\n'
        'input q "Q": level muc = dat;\n'
        'item x "X" max 10 { points = if ty_le >= 80% and not f then max(2.5, 3) else 0; level = tot; }\n'
        'knockout k "K" { when total < 50 or d > 2025-01-01; cap kha; }\n'
        "table first (a, b) { >= 95%, -: 5; x | y, true: 1; otherwise: 0; }\n"
    )
    got = kinds(text)
    expect = [
        (Comment.Single, "# chú thích"),
        (Keyword.Declaration, "input"),
        (Name.Variable, "ty_le"),
        (String.Double, '"Tỷ lệ"'),
        (Punctuation, ":"),
        (Keyword.Type, "percent"),
        (Number.Percent, "10%"),
        (Operator, ".."),
        (Number.Percent, "90%"),
        (Keyword.Type, "places"),
        (Number.Integer, "1"),
        (Operator, "="),
        (Number.Percent, "50%"),
        (Punctuation, ";"),
    ]
    assert got[: len(expect)] == expect
    assert (Keyword.Type, "level") in got and (Name.Class, "muc") in got
    assert (Keyword, "max") in got and (Name.Builtin, "max") in got  # `max 10` and `max(2.5, 3)`
    assert (Keyword, "level") in got  # `level = tot;`
    assert (Number.Float, "2.5") in got and (Literal.Date, "2025-01-01") in got
    assert (Operator.Word, "and") in got and (Operator.Word, "not") in got and (Operator.Word, "or") in got
    assert (Name.Builtin.Pseudo, "total") in got and (Name.Label, "kha") in got and (Name.Function, "x") in got
    assert (Keyword.Constant, "true") in got and (Operator, "|") in got and (Operator, ">=") in got
    assert (Name, "ty_le") in got  # a use, not the declaration
    assert [k for k, v in kinds("0..12")] == [Number.Integer, Operator, Number.Integer]
    assert (Name, "not_graded_x") in kinds("not_graded_x")  # a keyword's prefix is not a keyword
    # curly quotes do not delimit a label: the lexer marks them, as the parser refuses them (PR004)
    assert any(kind in Error for kind, _ in tokens("title \u201cTốt\u201d;"))


def test_lexer_is_registered_with_pygments() -> None:
    from pygments.lexers import find_lexer_class_for_filename, get_lexer_by_name

    declared = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(
        r'^\[project\.entry-points\."pygments\.lexers"\]\ncriteria = "partyrules\.highlight:CriteriaLexer"$',
        declared,
        re.M,
    )
    try:
        importlib.metadata.distribution("partyrules")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("partyrules is not installed: Pygments finds lexers through installed entry points")
    lexer = get_lexer_by_name("criteria")
    assert type(lexer).__name__ == "CriteriaLexer"
    assert find_lexer_class_for_filename("chi-bo.criteria").__name__ == "CriteriaLexer"


def test_nothing_else_imports_pygments() -> None:
    code = (
        "import sys, partyrules, partyrules.cli, partyrules.schema, partyrules.serialize\n"
        "partyrules.shipped('vn/cell-meeting')\n"
        "assert 'pygments' not in sys.modules, sorted(m for m in sys.modules if 'pygments' in m)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# ---------------------------------------------------------------- the TextMate grammar

needs_editors = pytest.mark.skipif(not VSCODE.exists(), reason="editors/ is not part of this copy (e.g. an sdist)")


@cache
def grammar() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GRAMMAR.read_text(encoding="utf-8"))
    return data


def regexes(node: Any) -> list[str]:
    """Every regular expression of a grammar."""
    if isinstance(node, dict):
        found = [node[k] for k in ("match", "begin", "end", "while") if isinstance(node.get(k), str)]
        return found + [r for value in node.values() for r in regexes(value)]
    if isinstance(node, list):
        return [r for value in node for r in regexes(value)]
    return []


def scopes(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["name"]} if isinstance(node.get("name"), str) and "." in node["name"] else set()
        return found | {s for value in node.values() for s in scopes(value)}
    if isinstance(node, list):
        return {s for value in node for s in scopes(value)}
    return set()


@needs_editors
def test_grammar_is_valid_and_its_regexes_compile() -> None:
    g = grammar()
    assert g["scopeName"] == "source.criteria"
    found = regexes(g)
    assert len(found) > 20
    for pattern in found:
        if "(?<" in pattern.replace("(?<=", "(?<").replace("(?<!", "(?<"):  # pragma: no cover - none today
            continue  # Oniguruma lookbehinds need not compile in Python
        re.compile(pattern)
    for include in re.findall(r'"include": "#([^"]+)"', GRAMMAR.read_text(encoding="utf-8")):
        assert include in g["repository"]
    expected = {
        "comment.line.number-sign.criteria",
        "string.quoted.double.criteria",
        "storage.type.declaration.criteria",
        "support.type.criteria",
        "keyword.control.criteria",
        "keyword.other.criteria",
        "constant.language.boolean.criteria",
        "keyword.operator.logical.criteria",
        "support.function.builtin.criteria",
        "variable.language.total.criteria",
        "constant.other.date.criteria",
        "constant.numeric.percent.criteria",
        "constant.numeric.decimal.criteria",
        "constant.numeric.integer.criteria",
        "keyword.operator.comparison.criteria",
        "keyword.operator.range.criteria",
        "punctuation.terminator.statement.criteria",
        "variable.other.criteria",
    }
    assert expected <= scopes(g)


@needs_editors
def test_extension_manifest() -> None:
    manifest = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    (language,) = manifest["contributes"]["languages"]
    assert language["id"] == "criteria" and language["extensions"] == [".criteria"]
    assert (VSCODE / language["configuration"]).exists()
    json.loads((VSCODE / language["configuration"]).read_text(encoding="utf-8"))
    (contributed,) = manifest["contributes"]["grammars"]
    assert contributed["language"] == "criteria" and contributed["scopeName"] == grammar()["scopeName"]
    assert (VSCODE / contributed["path"]).resolve() == GRAMMAR.resolve()


def _patterns(g: dict[str, Any], node: dict[str, Any]) -> list[dict[str, Any]]:
    """The grammar's top-level match rules, includes expanded, in order."""
    out: list[dict[str, Any]] = []
    for rule in node["patterns"]:
        if "include" in rule:
            out += _patterns(g, g["repository"][rule["include"].lstrip("#")])
        else:
            assert "match" in rule, "only single-line match rules are emulated"
            out.append(rule)
    return out


def textmate_scopes(text: str) -> list[str | None]:
    """A scope for every character, by a small emulation of a TextMate engine (single-line match rules)."""
    rules = [(re.compile(r["match"]), r) for r in _patterns(grammar(), grammar())]
    out: list[str | None] = []
    for line in text.split("\n"):
        scoped: list[str | None] = [None] * len(line)
        pos = 0
        while pos < len(line):
            best = None
            for regex, rule in rules:  # the earliest match wins; on a tie, the first rule
                m = regex.search(line, pos)
                if m and (best is None or m.start() < best[0].start()):
                    best = (m, rule)
            if best is None:
                break
            m, rule = best
            for i in range(m.start(), m.end()):
                scoped[i] = rule.get("name")
            for group, capture in rule.get("captures", {}).items():
                if m.start(int(group)) >= 0:
                    for i in range(m.start(int(group)), m.end(int(group))):
                        scoped[i] = capture["name"]
            pos = max(m.end(), pos + 1)
        out += [*scoped, None]
    return out[:-1]


TEXTMATE_CLASSES = [
    ("punctuation.definition.comment", "comment"),
    ("comment", "comment"),
    ("punctuation.definition.string", "string"),
    ("string", "string"),
    ("invalid", "error"),
    ("constant.other.date", "date"),
    ("constant.numeric.percent", "percent"),
    ("constant.numeric", "number"),
    ("support.function.builtin", "builtin"),
    ("variable.language.total", "total"),
    ("storage.type.declaration", "declaration"),
    ("support.type", "type"),
    ("constant.language", "constant"),
    ("keyword.operator.logical", "operator word"),
    ("keyword.operator", "operator"),
    ("keyword", "keyword"),
    ("punctuation", "punctuation"),
    ("variable.other.definition", "variable"),
    ("entity.name.type", "class"),
    ("entity.name.function", "function"),
    ("entity.name.label", "label"),
    ("variable.other", "name"),
]
PYGMENTS_CLASSES: list[tuple[_TokenType, str | None]] = [
    (Whitespace, None),
    (Comment, "comment"),
    (String, "string"),
    (Error, "error"),
    (Literal.Date, "date"),
    (Number.Percent, "percent"),
    (Number, "number"),
    (Name.Builtin.Pseudo, "total"),
    (Name.Builtin, "builtin"),
    (Keyword.Declaration, "declaration"),
    (Keyword.Type, "type"),
    (Keyword.Constant, "constant"),
    (Operator.Word, "operator word"),
    (Operator, "operator"),
    (Keyword, "keyword"),
    (Punctuation, "punctuation"),
    (Name.Variable, "variable"),
    (Name.Class, "class"),
    (Name.Function, "function"),
    (Name.Label, "label"),
    (Name, "name"),
]


def textmate_class(scope: str | None) -> str | None:
    if scope is None:
        return None
    return next(cls for prefix, cls in TEXTMATE_CLASSES if scope.startswith(prefix + ".") or scope == prefix)


def pygments_class(kind: _TokenType) -> str | None:
    return next(cls for parent, cls in PYGMENTS_CLASSES if kind in parent)


@needs_editors
@pytest.mark.parametrize(("name", "text"), SOURCES, ids=[name for name, _ in SOURCES])
def test_textmate_grammar_agrees_with_the_lexer(name: str, text: str) -> None:
    by_lexer = [pygments_class(kind) for kind, value in tokens(text) for _ in value]
    by_grammar = [textmate_class(scope) for scope in textmate_scopes(text)]
    assert len(by_lexer) == len(by_grammar) == len(text)
    differences = [
        (text.count("\n", 0, i) + 1, text[max(0, i - 10) : i + 10], a, b)
        for i, (a, b) in enumerate(zip(by_lexer, by_grammar))
        if a != b
    ]
    assert differences == [], f"{name}: {differences[:5]}"
