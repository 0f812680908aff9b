"""The parse loop of our own (``partyrules.parser.lalr``) against lark's parse of the same tables.

Every text the loop parses must give the very nodes lark's tree and the builder give (spans and the
files they name included, deep, not by ``==``, which leaves spans out), the same problems, statement
blocks and comments; every text lark refuses, the loop must stop on (so that lark's diagnostics are
the ones reported). Shipped files, the benchmarks' files and a generated scale; then, with
hypothesis, sentences of the grammar, mutated shipped files and shipped files with their blanks
changed (tokens run together, comments and line breaks put in).
"""

from __future__ import annotations

import datetime
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, strategies as st

import partyrules
from partyrules import parser
from partyrules.catalog import shipped_path
from partyrules.diagnostics import CriteriaError, Source
from partyrules.parser import Builder, _parsed_by_lark, _parsed_by_our_loop, grammar, lalr
from partyrules.parser.spans import FILE
from shipped_cache import shipped_ids
from test_fuzz import FILES, _mutant, fuzz

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_load import generated_criteria  # noqa: E402

SHIPPED = {rid: shipped_path(rid).read_text(encoding="utf-8") for rid in shipped_ids()}
BENCHMARKS = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "benchmarks").glob("*.criteria")}


def deep(value: Any) -> Any:
    """A value with everything in it, spans and their files too, as nested tuples of plain data."""
    if attrs.has(type(value)):
        return (type(value).__name__, *((f.name, deep(getattr(value, f.name))) for f in attrs.fields(type(value))))
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, *(deep(v) for v in value))
    if isinstance(value, dict):
        return ("dict", *((deep(k), deep(v)) for k, v in value.items()))
    assert value is None or type(value) in (str, int, bool, Decimal, datetime.date), type(value)  # no token left in
    return (type(value).__name__, repr(value))


def both(text: str, filename: str = "t.criteria") -> tuple[Any, Any]:
    """What the loop and lark make of ``text``: (result, problems, blocks, comments), deep; the loop's is
    None where it stops, lark's the diagnostics it raises."""
    text = parser.normalise(text)
    ours, theirs = Builder(filename), Builder(filename)
    our_comments: list[Any] = []
    their_comments: list[Any] = []
    built = _parsed_by_our_loop(text, filename, ours, our_comments)
    loop = None if built is None else deep((built, ours.problems, ours.blocks, our_comments))
    try:
        made = _parsed_by_lark(text, filename, Source(filename, text), theirs, their_comments)
    except CriteriaError as exc:
        return loop, [(d.code, d.span.line, d.span.column, d.message) for d in exc.diagnostics]
    return loop, deep((made, theirs.problems, theirs.blocks, their_comments))


def agree(text: str) -> bool:
    """The loop and lark agree on ``text``; whether it parsed."""
    loop, lark_made = both(text)
    if isinstance(lark_made, list):  # lark refused it: the loop stopped, and lark's diagnostics are reported
        assert loop is None, lark_made
        return False
    assert loop is not None, "the loop stopped on a text lark parses"
    assert loop == lark_made
    return True


@pytest.mark.parametrize("name", sorted(SHIPPED) + sorted(BENCHMARKS))
def test_the_loop_builds_what_lark_builds_on_every_shipped_file(name: str) -> None:
    assert agree(SHIPPED.get(name) or BENCHMARKS[name])


def test_the_loop_builds_what_lark_builds_on_a_generated_scale_with_comments() -> None:
    text = generated_criteria(10)
    assert "#" in text and agree(text)
    loop, _ = both(text)
    assert "Comment" in repr(loop)  # the comments were compared, not absent


def test_problems_the_builder_finds_are_the_same() -> None:
    text = SHIPPED["vn/annual-collective"].replace("max 100", "max 1" + "0" * 60, 1)  # PR013
    loop, lark_made = both(text)
    assert loop == lark_made and "PR013" in repr(loop)


@pytest.mark.parametrize(
    "text",
    [
        'ruleset "x" {',
        'input a "A": integer 0..;',
        'criteria "T" max 10 { item a "A" max 1 { points = 1 +; } }',
        "@",
        'input a "A": integers;',  # a keyword run into a word: lark's contextual lexer refuses it
        'ruleset "x" { points officials; }',
        "let x = " + "not " * 130 + "b;",  # too deep: PR002, from lark's tree
        "let x = " + " + ".join(["1"] * 200) + ";",
    ],
)
def test_the_loop_stops_where_lark_refuses_and_lark_says_why(text: str) -> None:
    assert not agree(text)
    with pytest.raises(CriteriaError) as raised:
        parser.parse(text, "t.criteria")
    assert raised.value.diagnostics[0].code in ("PR002", "PR003", "PR004", "PR005")


def test_words_glued_or_split_lex_as_lark_lexes_them() -> None:
    """Keywords that are names elsewhere, priorities (a date before a number), blanks of every kind."""
    texts = [
        'input item "Item": integer 0..5;\tinput official "O": boolean;',
        "let from_x = 2024-01-01;let y=1..2;",
        "let z = 12.5%*3-2;let w=-1.5;# c\n#\nlet v=x>=1and y<2;",
        'ruleset "x" {\r\n title "T"; }\n\n\n',
    ]
    assert [agree(t) for t in texts] == [True, False, True, True]


def test_an_empty_file_and_one_of_comments() -> None:
    assert agree("") and agree("# only a comment\n\n   # and another")


def test_the_fast_path_is_taken_when_lark_keeps_its_tables_where_the_loop_reads_them() -> None:
    assert grammar.lalr_tables() is not None
    token = FILE.set("")
    try:
        assert isinstance(
            _parsed_by_our_loop("", "t.criteria", Builder("t.criteria"), []), partyrules.nodes.RulesetFile
        )
    finally:
        FILE.reset(token)


# ---------------------------------------------------------------- generated texts

BLANKS = ["", " ", "\n", "\t", "  ", " # c\n", "\n\n", "\r\n"]


@st.composite
def _reblanked(draw: st.DrawFn) -> str:
    """A shipped file with some of its blanks changed: removed (tokens run together), or other blanks."""
    text = SHIPPED[draw(st.sampled_from(sorted(SHIPPED)))]
    runs = [m.span() for m in re.finditer(r"[ \t\n]+", text)]
    chosen = draw(st.lists(st.integers(0, len(runs) - 1), min_size=1, max_size=8, unique=True))
    for i in sorted(chosen, reverse=True):
        start, end = runs[i]
        text = text[:start] + draw(st.sampled_from(BLANKS)) + text[end:]
    return text


@fuzz(0.05)
@given(FILES.map("".join))
def test_the_loop_agrees_with_lark_on_sentences_of_the_grammar(text: str) -> None:
    agree(text)


@fuzz(0.1)
@given(_mutant())
def test_the_loop_agrees_with_lark_on_mutated_shipped_files(text: str) -> None:
    agree(text)


@fuzz(0.1)
@given(_reblanked())
def test_the_loop_agrees_with_lark_on_shipped_files_with_their_blanks_changed(text: str) -> None:
    agree(text)


def test_the_scanner_takes_blanks_only_where_lark_would() -> None:
    """A terminal before the blanks in lark's order that matches a blank wins over them, as in lark."""

    @attrs.frozen
    class Pattern:
        value: str
        type: str = "re"
        flags: frozenset[str] = frozenset()
        max_width: int = 10

        def to_regexp(self) -> str:
            return self.value

    @attrs.frozen
    class Terminal:
        name: str
        pattern: Pattern
        priority: int = 0

    blanks = Terminal("WS", Pattern(r"[ \n]+", max_width=99))
    spaced = Terminal("SPACED", Pattern(r" x"), priority=1)
    scanner = lalr.Scanner([blanks, spaced, Terminal("X", Pattern("x"))], 0, "WS")
    found = scanner.match(" x", 0)
    assert found is not None and (found.lastgroup, found.span()) == ("SPACED", (0, 2))
    found = scanner.match("  x", 0)  # lark: blanks, then `x`
    assert found is not None and (found.lastgroup, found.span("X")) == ("X", (2, 3))


# ---------------------------------------------------------------- each rule's own reduction


def _children(rule: lalr.Rule, placeless: bool) -> list[Any]:
    """Entries on the stack for the rule's children: tokens, trees of depths 1 to 3, lark's lists of
    repeats where the rule splices one; with ``placeless``, the first tree has no place (an empty rule)."""
    spliced = {i for i, splice, _ in rule.include if splice}
    entries: list[Any] = []
    for i, is_term in enumerate(rule.terms):
        place = (i + 1, 2 * i + 1, i + 1, 2 * i + 3)
        if is_term:
            entries.append((f"token {i}", place, 0))
        elif i in spliced:
            entries.append(([(f"repeat {i}", place, 2)], place, lalr.SPLICED))
        else:
            first_tree = all(t for t in rule.terms[:i])
            entries.append((f"tree {i}", None if placeless and first_tree else place, i % 3 + 1))
    return entries


def test_each_rules_own_reduction_does_what_the_general_one_does() -> None:
    """For every rule of the grammar (not only those the shipped files use), :func:`lalr.reducer`'s
    function leaves the stack, the states and the builder's call as :func:`lalr._reduce` does, and
    stops where it stops (nesting too deep)."""
    tables = grammar.lalr_tables()
    assert tables is not None
    compared = 0
    for rule in tables.rules:
        if rule.pass_through:
            continue
        under = next(s for s, row in tables.actions.items() if rule.origin in row)
        for placeless in (False, True):
            for max_depth in (120, 1):
                made: list[Any] = []
                for reduce in (lalr.reducer(rule, tables.actions), None):
                    stack: list[Any] = [("below", (1, 1, 1, 2), 0), *_children(rule, placeless)]
                    states = [tables.start, under, *range(rule.size)]

                    def method(position: Any, kept: list[Any]) -> Any:
                        return ("node", position, tuple(kept))

                    try:
                        if reduce is None:
                            state = lalr._reduce(rule, states, stack, method, max_depth, tables.actions)
                        else:
                            state = reduce(stack, states, method, max_depth)
                    except lalr.Stop:
                        made.append("stopped")
                        continue
                    made.append((state, states, repr(stack)))
                assert made[0] == made[1], rule.name
                compared += 1
    assert compared > 4 * 300  # every rule of the grammar, four ways


def test_each_maker_makes_what_attrs_makes() -> None:
    """The builder makes its nodes through ``parser.making`` (the slots' setters, not attrs's ``__init__``):
    for every node class, its maker takes the same arguments and sets every field to the very value attrs
    sets, given them all, by name, or left to their defaults (a default factory called anew)."""
    import inspect

    from partyrules import nodes
    from partyrules.parser.making import made, maker

    classes = [
        c for c in vars(nodes).values() if isinstance(c, type) and c.__module__ == nodes.__name__ and attrs.has(c)
    ]
    assert len(classes) > 50
    for cls in classes:
        make = maker(cls)
        assert make is not cls, cls  # none of them needs attrs's own __init__
        assert [(p.name, p.kind, p.default) for p in inspect.signature(make).parameters.values()] == [
            (p.name, p.kind, p.default) for p in inspect.signature(cls).parameters.values()
        ]
        fields = attrs.fields(cls)
        given_ = {f.name: object() for f in fields}  # a distinct value for each field: a swap shows
        required = {f.name: given_[f.name] for f in fields if f.default is attrs.NOTHING}
        for args, kwargs in (((*given_.values(),), {}), ((), given_), ((), required)):
            ours, theirs = make(*args, **kwargs), cls(*args, **kwargs)
            assert type(ours) is cls
            for f in fields:
                mine, attrs_ = getattr(ours, f.name), getattr(theirs, f.name)
                factory_made = f.name not in kwargs and not args  # a new default each: equal, not the same
                assert mine is attrs_ or (factory_made and deep(mine) == deep(attrs_)), (cls, f.name)
    assert made.Binary is made.Binary and made.Binary is not nodes.Binary  # made once, kept
