"""Syntax highlighting of criteria files with Pygments (needs the ``highlight`` extra).

``CriteriaLexer`` is registered as the Pygments lexer ``criteria`` (entry point
``pygments.lexers``), so once partyrules is installed::

    pygmentize -l criteria chi-bo-4-tot.criteria
    pygmentize -f html -O full -o chi-bo-4-tot.html chi-bo-4-tot.criteria

and Sphinx, MkDocs or any other Pygments user highlights ```` ```criteria ````
code blocks. Nothing else in partyrules imports this module, so Pygments is
needed only here. The words come from the checker (:data:`checker.RESERVED`,
:data:`checker.BUILTINS`), so the lexer follows the language.

Token classes: comments, strings (labels), keywords (declarations, types,
constants, operator words, the rest), built-in functions, ``total``, dates,
percentages, decimals, integers, operators, punctuation, and names (a declared
name right after its declaration keyword is set apart: inputs and values as
variables, level scales as classes, criteria and adjustments as functions,
grades and rules as labels).
"""

from __future__ import annotations

try:
    from pygments.lexer import RegexLexer, bygroups, words
    from pygments.token import (
        Comment,
        Keyword,
        Literal,
        Name,
        Number,
        Operator,
        Punctuation,
        String,
        Whitespace,
    )
except ImportError as exc:  # pragma: no cover - depends on what is installed
    raise ImportError(
        "partyrules.highlight needs Pygments: pip install 'partyrules[highlight]' (or pip install pygments)"
    ) from exc

from partyrules.nodes import BUILTINS, RESERVED

__all__ = ["CriteriaLexer"]

NAME = r"[A-Za-z_][A-Za-z0-9_]*"

#: Words that open a declaration or an entry.
DECLARATIONS = (
    "ruleset",
    "library",
    "import",
    "param",
    "change",
    "remove",
    "input",
    "levels",
    "constraint",
    "let",
    "criteria",
    "group",
    "item",
    "deductions",
    "bonuses",
    "deduction",
    "bonus",
    "grades",
    "grade",
    "knockout",
    "not_graded",
    "example",
    "examples",
    "property",
)
#: Words of input types (``level`` is one too, but also a statement and a function: see the rules).
TYPES = ("integer", "decimal", "percent", "boolean", "date", "one", "of", "places")
CONSTANTS = ("true", "false")
OPERATOR_WORDS = ("and", "or", "not")
PSEUDO = ("total",)
#: Built-in functions that are not also keywords (``max``, ``round``, ``level`` ... are both).
FUNCTIONS_ONLY = tuple(sorted(set(BUILTINS) - {"max", "round", "level", "full", "applicable"}))
#: Every other reserved word: header fields, statements, modes, directions ...
KEYWORDS = tuple(sorted(RESERVED - {*DECLARATIONS, *TYPES, *CONSTANTS, *OPERATOR_WORDS, *PSEUDO, *FUNCTIONS_ONLY}))

# declaration keyword → token of the name it declares
_DECLARED = {
    ("input", "let"): Name.Variable,
    ("levels",): Name.Class,
    ("group", "item", "deduction", "bonus"): Name.Function,
    ("grade", "knockout", "not_graded"): Name.Label,
    ("example", "property"): Name.Label,
}


def _declared_name_rules() -> list[tuple[str, object]]:
    return [
        (rf"({'|'.join(keywords)})(\s+)({NAME})\b", bygroups(Keyword.Declaration, Whitespace, token))
        for keywords, token in _DECLARED.items()
    ]


class CriteriaLexer(RegexLexer):
    """Pygments lexer for the partyrules criteria language (``.criteria`` files)."""

    name = "Criteria"
    aliases = ["criteria"]  # noqa: RUF012 - Pygments reads these as plain class attributes
    filenames = ["*.criteria"]  # noqa: RUF012
    mimetypes = ["text/x-criteria"]  # noqa: RUF012
    url = "https://pypi.org/project/partyrules/"

    tokens = {  # noqa: RUF012
        "root": [
            (r"\s+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r'"[^"\n]*"', String.Double),
            (r"\d{4}-\d{2}-\d{2}", Literal.Date),
            (r"\d+(?:\.\d+)?%", Number.Percent),
            (r"\d+\.\d+", Number.Float),
            (r"\d+", Number.Integer),
            # a built-in function: a name followed by `(` (max, round, level ... are keywords otherwise)
            (words(BUILTINS, suffix=r"\b(?=\s*\()"), Name.Builtin),
            # `level muc`: an input whose values are the members of a level scale
            (rf"(level)(\s+)({NAME})\b", bygroups(Keyword.Type, Whitespace, Name.Class)),
            *_declared_name_rules(),
            # `force kem;` `cap kha;`: a grade named by a knock-out
            (rf"(force|cap)(\s+)({NAME})\b", bygroups(Keyword, Whitespace, Name.Label)),
            (words(DECLARATIONS, suffix=r"\b"), Keyword.Declaration),
            (words(TYPES, suffix=r"\b"), Keyword.Type),
            (words(CONSTANTS, suffix=r"\b"), Keyword.Constant),
            (words(OPERATOR_WORDS, suffix=r"\b"), Operator.Word),
            (words(PSEUDO, suffix=r"\b"), Name.Builtin.Pseudo),
            (words(FUNCTIONS_ONLY, suffix=r"\b"), Name.Builtin),
            (words(KEYWORDS, suffix=r"\b"), Keyword),
            (NAME, Name),
            (r"\.\.", Operator),
            (r">=|<=|==|!=|>|<", Operator),
            (r"[-+*/=|]", Operator),
            (r"[{}();:,]", Punctuation),
        ],
    }
