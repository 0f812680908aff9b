"""The grammar of criteria files (``grammars/criteria.lark``) and the one LALR parser built from it.

Building the LALR tables from the grammar takes lark about a quarter of a second, in every process
that parses. The tables are therefore saved next to the grammar (``grammars/criteria-lalr.json``,
written by ``scripts/save_parser.py``) and read instead, when they were saved from
this very grammar text by this very lark version; otherwise the parser is built from the grammar
as before, so a stale or missing file costs time, never correctness. The file is JSON (lark's own
serialisation of the tables, its tuples and integer keys tagged), read with :func:`json.loads`:
nothing in it can run code.
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

import lark
from lark.exceptions import LarkError
from lark.grammar import Rule
from lark.lexer import TerminalDef

from partyrules.parser.lalr import Tables
from partyrules.parser.spans import keep_comment

GRAMMAR_NAME = "criteria.lark"
SAVED_NAME = "criteria-lalr.json"

#: how the parser is built; the options lark lets a saved parser take again are given at loading
OPTIONS: dict[str, Any] = {"parser": "lalr", "lexer": "contextual", "maybe_placeholders": True}
#: what lark cannot save (a function) or lets be given again to a saved parser
LOAD_OPTIONS: dict[str, Any] = {
    "propagate_positions": True,
    # the grammar ignores comments; the formatter still needs them (and where they stood)
    "lexer_callbacks": {"COMMENT": keep_comment},
}


def _grammar_file(name: str) -> Any:
    """A file of ``grammars/``: inside the installed package (a wheel) or, in a source checkout, the
    folder three levels above ``src/partyrules/parser/`` (an editable install)."""
    packaged = resources.files("partyrules").joinpath("grammars").joinpath(name)
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[3] / "grammars" / name


def grammar_text() -> str:
    """The grammar, from inside the installed package or, in a source checkout, from ``grammars/``."""
    text: str = _grammar_file(GRAMMAR_NAME).read_text(encoding="utf-8")
    return text


def grammar_key(text: str) -> str:
    """What a saved parser must have been saved from: the grammar's SHA-256 (lark's version is apart)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build(text: str) -> lark.Lark:
    """The parser, built from the grammar text (what lark does in a quarter of a second)."""
    return lark.Lark(text, **OPTIONS, **LOAD_OPTIONS)


@functools.lru_cache(maxsize=1)
def lalr() -> lark.Lark:
    text = grammar_text()
    saved = read_saved(text)
    return saved if saved is not None else build(text)


@functools.lru_cache(maxsize=1)
def lalr_tables() -> Tables | None:
    """The parser's tables as :mod:`partyrules.parser.lalr`'s loop reads them; None if this lark keeps
    them where the loop does not look (then every text is parsed by lark itself)."""
    try:
        return Tables(lalr())
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def read_saved(text: str, path: Any = None) -> lark.Lark | None:
    """The saved parser, if it was saved from ``text`` by the lark installed; None otherwise."""
    try:
        raw = (path if path is not None else _grammar_file(SAVED_NAME)).read_text(encoding="utf-8")
        saved = json.loads(raw, object_hook=_untag)
    except (OSError, ValueError):
        return None
    if (
        not isinstance(saved, dict)
        or saved.get("grammar") != grammar_key(text)
        or saved.get("lark") != lark.__version__
    ):
        return None
    # Lark.load reads a pickle, which can run code; _load takes the same tables as plain data
    loaded = lark.Lark.__new__(lark.Lark)
    try:
        return loaded._load({"data": saved["data"], "memo": saved["memo"]}, **LOAD_OPTIONS)
    except (KeyError, TypeError, ValueError, LarkError):  # damaged after all: build it
        return None


def saved_text(parser: lark.Lark, text: str) -> str:
    """``parser`` (built from the grammar ``text``) as the saved file holds it."""
    data, memo = parser.memo_serialize([TerminalDef, Rule])
    data["options"] = {k: v for k, v in data["options"].items() if k not in LOAD_OPTIONS}
    document = {"grammar": grammar_key(text), "lark": lark.__version__, "data": data, "memo": memo}
    return json.dumps(_tag(document), ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def _tag(value: Any) -> Any:
    """JSON keeps neither tuples nor integer keys, which lark's tables have: tag them."""
    if isinstance(value, tuple):
        return {"(": [_tag(v) for v in value]}
    if isinstance(value, list):
        return [_tag(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            if len(value) == 1 and next(iter(value)) in ("(", "#"):  # would read back as a tag
                raise ValueError(f"cannot save a dict keyed {next(iter(value))!r}")
            return {k: _tag(v) for k, v in value.items()}
        return {"#": [[k, _tag(v)] for k, v in value.items()]}
    if value is None or isinstance(value, (str, int, bool)):
        return value
    raise TypeError(f"lark's tables hold a {type(value).__name__}; the saved parser cannot")


def _untag(value: dict[str, Any]) -> Any:
    if len(value) == 1:
        if "(" in value:
            return tuple(value["("])
        if "#" in value:
            return {k: v for k, v in value["#"]}
    return value


def main() -> int:
    """Write the saved parser next to the grammar of this source checkout."""
    text = grammar_text()
    target = Path(__file__).resolve().parents[3] / "grammars" / SAVED_NAME
    target.write_text(saved_text(build(text), text), encoding="utf-8")
    print(f"wrote {target} (grammar {grammar_key(text)[:12]}, lark {lark.__version__})")
    return 0
