"""The grammar of criteria files (``grammars/criteria.lark``) and the one LALR parser built from it."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import lark

from partyrules.parser.spans import keep_comment

GRAMMAR_NAME = "criteria.lark"


def grammar_text() -> str:
    """The grammar, from inside the installed package or, in a source checkout, from ``grammars/``.

    A wheel carries the grammar as ``partyrules/grammars/criteria.lark``; an
    editable install runs from ``src/partyrules/parser/``, three levels below ``grammars/``.
    """
    packaged = resources.files("partyrules").joinpath("grammars").joinpath(GRAMMAR_NAME)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parents[3] / "grammars" / GRAMMAR_NAME
    return checkout.read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def lalr() -> lark.Lark:
    return lark.Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        # the grammar ignores comments; the formatter still needs them (and where they stood)
        lexer_callbacks={"COMMENT": keep_comment},
    )
