"""The registry of diagnostic codes is the one list: the source uses it, the docs show it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from partyrules import codes
from partyrules.diagnostics import Diagnostic
from partyrules.nodes import Span

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "partyrules"
LANGUAGE = ROOT / "docs" / "language.md"
CODE = re.compile(r"\bPR\d{3}\b")
BEGIN = "<!-- codes:"
END = "<!-- end of codes -->"


def _used() -> dict[str, list[str]]:
    """Every code literal in the source (the registry itself aside), with the files that use it."""
    found: dict[str, list[str]] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        if path.name == "codes.py" and path.parent == SOURCE:
            continue
        for code in set(CODE.findall(path.read_text(encoding="utf-8"))):
            found.setdefault(code, []).append(str(path.relative_to(ROOT)))
    return found


def test_every_code_the_source_uses_is_registered() -> None:
    unknown = {code: files for code, files in _used().items() if code not in codes.CODES}
    assert unknown == {}


def test_every_registered_code_is_used() -> None:
    assert sorted(set(codes.CODES) - set(_used())) == []


def test_the_registry_is_well_formed() -> None:
    entries = list(codes.CODES.values())
    assert [c.code for c in entries] == sorted(c.code for c in entries)  # the table reads in order
    for c in entries:
        assert CODE.fullmatch(c.code), c
        assert c.severity in ("error", "warning"), c
        assert c.title and c.meaning and c.example, c
        assert not c.title.endswith("."), c  # the table adds the full stop
    titles = [c.title for c in entries]
    assert len(set(titles)) == len(titles)


def test_the_docs_table_is_the_registry() -> None:
    """docs/language.md §12 shows markdown_table() between its markers; regenerate with
    ``python -m partyrules.codes`` and paste it there when a code is added or reworded."""
    text = LANGUAGE.read_text(encoding="utf-8")
    start = text.index(BEGIN)
    start = text.index("\n", start) + 1
    end = text.index(END, start)
    assert text[start:end] == codes.markdown_table()


def test_the_docs_table_lists_codes_with_titles() -> None:
    text = LANGUAGE.read_text(encoding="utf-8")
    rows = re.findall(r"^\| (PR\d{3}) \| \*\*(.+?)\.\*\* ", text, re.MULTILINE)
    assert rows == [(c.code, c.title) for c in codes.CODES.values()]


def test_an_unregistered_code_is_refused() -> None:
    if not __debug__:  # pragma: no cover - python -O drops the check
        pytest.skip("checked only when assertions are on")
    with pytest.raises(ValueError, match="PR999"):
        Diagnostic("PR999", "made up", "t.criteria", Span(1, 1, 1, 2))
    Diagnostic("PR204", "a registered code", "t.criteria", Span(1, 1, 1, 2))
