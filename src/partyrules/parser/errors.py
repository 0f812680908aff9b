"""Syntax errors: lark's token names translated into words a committee officer understands."""

from __future__ import annotations

import unicodedata
from typing import Any

import lark
from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from partyrules import nodes as n
from partyrules.diagnostics import Diagnostic, did_you_mean
from partyrules.parser.grammar import lalr

# ---------------------------------------------------------------- syntax errors

WORDS = {
    "SEMICOLON": "`;`",
    "COLON": "`:`",
    "COMMA": "`,`",
    "LBRACE": "`{`",
    "RBRACE": "`}`",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "EQUAL": "`=`",
    "MINUS": "`-`",
    "PLUS": "`+`",
    "STAR": "`*`",
    "SLASH": "`/`",
    "VBAR": "`|`",
    "NAME": "a name",
    "STRING": 'a text in double quotes ("...")',
    "INT": "a whole number",
    "DECIMAL": "a number",
    "PERCENT": "a percentage such as 90%",
    "DATE": "a date written YYYY-MM-DD",
    "COMPARE": "a comparison (>=, >, <=, <, ==, !=)",
    "BOOLEAN": "`true` or `false`",
    "STATUS": "`official` or `illustrative`",
    "NA_MODE": "`zero`, `full` or `rescale`",
    "ADJUSTMENT_KIND": "`deduction` or `bonus`",
    "KNOCKOUT_ACTION": "`force` or `cap`",
    "HIT_POLICY": "`first` or `unique`",
    "BAND_DIRECTION": "`from`, `above` or `upto`",
    "$END": "the end of the file",
}


def statement_word(key: str, value: Any) -> str:
    """A statement as the file spells it, for messages (`force`, `official`, `applicable when` ...)."""
    if key == "action":
        return str(value[0])
    if key == "status":
        return str(value) if isinstance(value, str) else "points"  # in the header: `points official;`
    if key == "lock":
        return "locked" if value == "all" else "locked max"
    return {"applicable": "applicable when", "require": "require", "drop": "drop require"}.get(key, key)


#: Words a terminal with alternatives accepts, for "did you mean" hints.
_ALTERNATIVES = {
    "STATUS": ("official", "illustrative"),
    "NA_MODE": ("zero", "full", "rescale"),
    "ADJUSTMENT_KIND": ("deduction", "bonus"),
    "KNOCKOUT_ACTION": ("force", "cap"),
    "HIT_POLICY": ("first", "unique"),
    "BAND_DIRECTION": ("from", "above", "upto"),
    "BOOLEAN": ("true", "false"),
    "MISSING": ("error", "skip"),
}


def _word(terminal: str) -> str:
    if terminal in WORDS:
        return WORDS[terminal]
    try:
        pattern = lalr().get_terminal(terminal).pattern
    except KeyError:
        return terminal.lower()
    if isinstance(pattern, lark.lexer.PatternStr):
        return f"`{pattern.value}`"
    return terminal.lower()


def _keywords(expected: set[str]) -> list[str]:
    words = [w for terminal in expected for w in _ALTERNATIVES.get(terminal, ())]
    for terminal in expected:
        try:
            pattern = lalr().get_terminal(terminal).pattern
        except KeyError:
            continue
        if isinstance(pattern, lark.lexer.PatternStr) and pattern.value.isalpha():
            words.append(pattern.value)
    return words


def _expected_phrase(expected: set[str]) -> str:
    words = sorted(
        {f"`{w}`" for t in expected for w in _ALTERNATIVES.get(t, ())}
        | {_word(t) for t in expected if t not in _ALTERNATIVES}
    )
    if not words:
        return "nothing more here"
    if len(words) == 1:
        return words[0]
    if len(words) > 8:
        return "one of " + ", ".join(words[:8]) + ", ..."
    return "one of " + ", ".join(words[:-1]) + " or " + words[-1]


def _exact_expected(exc: UnexpectedInput) -> set[str]:
    """What may really come next: LALR's merged states over-report, so ask the parser."""
    interactive = getattr(exc, "interactive_parser", None)
    if interactive is not None:
        try:
            return set(interactive.accepts())
        except Exception:
            pass
    if isinstance(exc, UnexpectedToken):
        return set(exc.expected)
    return set(getattr(exc, "allowed", None) or ())


def _shown(token: Token) -> str:
    if token.type == "$END":
        return "the end of the file"
    return f"`{token.value}`"


def syntax_diagnostic(exc: UnexpectedInput, text: str, filename: str) -> Diagnostic:
    if isinstance(exc, UnexpectedEOF):
        lines = text.splitlines() or [""]
        line = len(lines)
        column = len(lines[-1]) + 1
        return Diagnostic(
            "PR003",
            f"the file ends too early; expected {_expected_phrase(set(exc.expected))}",
            filename,
            n.Span(line, column, line, column + 1),
            "is a closing `}` or `;` missing?",
        )
    if isinstance(exc, UnexpectedCharacters):
        position = exc.pos_in_stream or 0
        char = text[position] if position < len(text) else "?"
        hint = None
        if char == '"':
            hint = 'a quoted text must end with `"` on the same line'
        elif char in "“”":
            hint = 'write labels between straight double quotes "..."'
        elif char == "=" and "COMPARE" in (exc.allowed or set()):
            hint = "to compare, write `==`; `=` gives a rule its formula"
        allowed = _exact_expected(exc)
        if char.isalpha() and not char.isascii():
            return _not_ascii(exc, text, filename, char)
        return Diagnostic(
            "PR004",
            f"`{char}` cannot stand here; expected {_expected_phrase(allowed)}",
            filename,
            n.Span(exc.line, exc.column, exc.line, exc.column + 1),
            hint,
        )
    assert isinstance(exc, UnexpectedToken)
    token = exc.token
    expected = _exact_expected(exc)
    if token.type == "$END":
        lines = text.splitlines() or [""]
        return Diagnostic(
            "PR003",
            f"the file ends too early; expected {_expected_phrase(expected)}",
            filename,
            n.Span(len(lines), len(lines[-1]) + 1, len(lines), len(lines[-1]) + 2),
            "is a closing `}` or `;` missing?",
        )
    hint = None
    if "SEMICOLON" in expected and token.type != "$END":
        prev = exc.token_history[-1] if exc.token_history else None
        if prev is not None and prev.end_line is not None and prev.end_line < (token.line or 0):
            hint = "is a `;` missing at the end of the previous line?"
    prev = exc.token_history[-1] if exc.token_history else None
    if prev is not None and prev.type == "NAME" and str(prev.value) in _BRACKETED:
        return _bare(prev, filename)
    if hint is None and token.type == "NAME":
        hint = did_you_mean(str(token.value), _keywords(expected))
    if hint is None and token.type == "RBRACE" and "SEMICOLON" in expected:
        hint = "every statement ends with `;`"
    if hint is None and token.type == "EQUAL" and "COMPARE" in expected:
        hint = "to compare, write `==`; `=` gives a rule its formula"
    line = token.line if token.line is not None else 1
    column = token.column if token.column is not None else 1
    end_column = token.end_column if token.end_column is not None else column + 1
    return Diagnostic(
        "PR005",
        f"found {_shown(token)} where the file expects {_expected_phrase(expected)}",
        filename,
        n.Span(line, column, line, end_column),
        hint,
    )


#: Expressions that stand bare only as a whole formula (or a row's result): inside an operation they need
#: parentheses (`bands`, `match` and `table` may stand anywhere, their braces close them).
_BRACKETED = {"if": "if ... then ... else ..."}


def _not_ascii(exc: UnexpectedCharacters, text: str, filename: str, char: str) -> Diagnostic:
    """A letter outside ASCII where the file expects a name (``input thông_tin``): names are ASCII."""
    word = _word_around(text, exc.pos_in_stream or 0)
    return Diagnostic(
        "PR004",
        f"`{char}` cannot stand in a name: names are ASCII letters, digits and `_`",
        filename,
        n.Span(exc.line, exc.column, exc.line, exc.column + 1),
        f"write `{_ascii_name(word)}` and keep the Vietnamese in the quoted label"
        if word.isidentifier()
        else 'Vietnamese words go in quoted labels: "..."',
    )


def _bare(word_token: Token, filename: str) -> Diagnostic:
    """``n + if ...``: the `if` was read as a name, since an `if` cannot start an operand."""
    word = str(word_token.value)
    line, column = word_token.line or 1, word_token.column or 1
    return Diagnostic(
        "PR005",
        f"a bare `{word}` cannot stand inside a sum, a product or a comparison",
        filename,
        n.Span(line, column, line, word_token.end_column or column + 1),
        f"put it in parentheses: `({_BRACKETED[word]})`; bare, it may only be a whole formula or a row's result",
    )


def _word_around(text: str, position: int) -> str:
    """The word (letters of any script, digits, `_`) a position stands in."""
    start = end = position
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    return text[start:end]


def _ascii_name(word: str) -> str:
    """``thông_tin`` -> ``thong_tin``: the marks taken off, đ as d."""
    plain = unicodedata.normalize("NFD", word.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in plain if ch.isascii())


def words_expected(prefix: str) -> list[str] | None:
    """The keywords that may come right after ``prefix`` (the text of a file up to an editor's cursor),
    sorted; None when ``prefix`` itself is not valid text up to there (no guess is better than a wrong one).

    Names may stand where the list holds ``NAME``; a function call where it also holds ``(``.
    """
    try:
        interactive: Any = lalr().parse_interactive(prefix)  # lark leaves accepts() untyped
        interactive.exhaust_lexer()
        accepted = set(interactive.accepts())
    except (UnexpectedInput, lark.exceptions.LarkError):
        return None
    words = {w for t in accepted for w in _ALTERNATIVES.get(t, ())}
    for terminal in accepted:
        try:
            pattern = lalr().get_terminal(terminal).pattern
        except KeyError:
            continue
        if isinstance(pattern, lark.lexer.PatternStr) and pattern.value.replace("_", "").isalpha():
            words.add(pattern.value)
    if "NAME" in accepted:
        words.add("NAME")
    if "NAME" in accepted and "LPAR" in accepted:
        words.add("(")  # an operand: a call of a function may stand here
    return sorted(words)
