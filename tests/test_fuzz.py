"""Fuzzing the criteria language.

Whatever text it is given, ``partyrules.loads`` returns a ruleset or raises a ``CriteriaError``
whose every diagnostic has a place in the file; and whatever loads scores facts of the declared
kinds and ranges as the reference interpreter does, refusing exactly those that break a declared
constraint (which the reference decides, not the ruleset under test). Texts come from the grammar
itself (``hypothesis.extra.lark``: they never fail to parse), from mutated shipped files, and from
generated expressions put into a small file at every place a formula can stand; the last two must
load often enough to be scored. Facts that break one declared rule must be refused, naming that
rule's input.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from typing import Any

import lark
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra.lark import from_lark
from lark.lexer import PatternStr

import partyrules
from partyrules import api, parser, reference
from partyrules.catalog import shipped_path
from partyrules.testing import disagreements, invalid_facts, value
from shipped_cache import shipped, shipped_ids


def fuzz(share: float = 1.0) -> settings:
    """The profile's settings (tests/conftest.py), with ``share`` of its examples: budgets stay proportional.

    No strategy here filters; generated texts can be long (a grammar sentence, a shipped file), which
    hypothesis would otherwise report as data_too_large.
    """
    return settings(
        max_examples=max(1, int(settings.default.max_examples * share)),  # type: ignore[union-attr]
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# ---------------------------------------------------------------- checks shared by every fuzzer


def _load(text: str) -> partyrules.Ruleset | None:
    """Load text; anything but a ruleset or a well-placed CriteriaError fails the test."""
    try:
        return partyrules.loads(text, "fuzz.criteria")
    except partyrules.CriteriaError as exc:
        assert exc.diagnostics, "a CriteriaError without diagnostics"
        lines = text.count("\n") + 1
        for d in exc.diagnostics:
            assert d.span.line >= 1 and d.span.column >= 1, f"{d.code} at {d.span}: {d.message}"
            if d.file == "fuzz.criteria":  # a mutated extending file can break its base: that file's lines
                assert d.span.line <= lines + 1, f"{d.code} at line {d.span.line} of a {lines}-line text"
        assert str(exc)  # the report renders
        return None


@st.composite
def _declared(draw: st.DrawFn, ruleset: partyrules.Ruleset) -> dict[str, Any]:
    """Facts of each input's declared kind, range and places, optional ones sometimes left out.

    Drawn without asking the ruleset under test (no filter): whether they break a constraint is
    the reference interpreter's call, so a valid organisation wrongly refused is seen.
    """
    out: dict[str, Any] = {}
    for spec in ruleset.inputs:
        if spec.required or draw(st.integers(0, 3)) > 0:
            out[spec.name] = draw(value(spec))
    return out


def _exercise(ruleset: partyrules.Ruleset, text: str, data: st.DataObject, draws: int = 2) -> None:
    """Facts no constraint breaks evaluate as the reference scores them; the others are refused under
    the inputs of each broken constraint (as ``FactsError`` names them: joined by ", ")."""
    # the checked model the ruleset was compiled from (parsing and checking ``text`` again, as this did,
    # gives the same model and cost a fifth of every fuzzer's time); ``text`` is shown on a failure
    model = api.checked_model(ruleset)
    for _ in range(draws):
        org = data.draw(_declared(ruleset), label="facts")
        broken = reference.broken_constraints(model, org)
        if not broken:
            result = ruleset.evaluate(org)  # a FactsError here is a valid organisation refused
            assert disagreements(result, reference.trace(model, org)) == [], (org, text)
            continue
        with pytest.raises(partyrules.FactsError) as caught:
            ruleset.evaluate(org)
        expected = {", ".join(reference.constraint_inputs(model, c)) or "*" for c in broken}
        assert {p.input for p in caught.value.problems} == expected, (org, caught.value.problems)


# ---------------------------------------------------------------- (a) files from the grammar

@functools.cache
def _grammar() -> lark.Lark:
    """The criteria grammar for ``from_lark``, built on first use: building it took about 2 s of CPU in
    every process that collected this module (each xdist worker, and the modules importing it)."""
    return lark.Lark(parser.grammar_text(), parser="lalr", start=["start", "expr"])

#: Names that mean something in the expression template below, a few that do not, and reserved words.
NAMES = tuple(
    re.findall(
        r"\S+",
        "n m d p b day ch ja nein lv muc tot dat kem i1 i2 t1 c1 v g1 g2 g3 total min max clamp round count "
        "level worst_level full applicable days_between months_between x y a1 grade if",
    )
)


def _padded(words: list[str] | tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.sampled_from([f" {w} " for w in words])


def _explicit(start: str) -> dict[str, st.SearchStrategy[str]]:
    """A strategy for every terminal reachable from ``start``, padded so tokens never run together."""
    terminals, _, _ = _grammar().grammar.compile([start], ())
    out: dict[str, st.SearchStrategy[str]] = {}
    for t in terminals:
        if isinstance(t.pattern, PatternStr):
            out[t.name] = st.just(f" {t.pattern.value} ")
        elif (alternatives := re.fullmatch(r"\(\?:([^()]*)\)", t.pattern.value)) is not None:
            out[t.name] = _padded(alternatives.group(1).split("|"))  # STATUS, NA_MODE, BOOLEAN, COMPARE ...
    out.update(
        NAME=_padded(NAMES),
        STRING=_padded(['"a"', '""', '"Tiêu chí “một”"', '"x; y { }"', '"t/x"', '"vn/fuzz"']),
        DATE=_padded(["2024-01-01", "2024-12-31", "2025-02-30", "2024-06-15", "0000-00-00"]),
        INT=st.one_of(st.integers(0, 200).map(lambda i: f" {i} "), _padded(["12", "99999999999999999999"])),
        DECIMAL=_padded(["0.5", "2.25", "0.001", "100.0", "7.5"]),
        PERCENT=_padded(["0%", "50%", "85%", "87.5%", "100%", "150%"]),
        WS=st.sampled_from([" ", "\n", "\t"]),
        COMMENT=st.just(" # chú thích\n"),
    )
    known = {t.name for t in terminals} | {"WS", "COMMENT"}
    return {name: strategy for name, strategy in out.items() if name in known}


#: Half the files start with a valid header, so that the checker goes on to the declarations.
HEADER = 'ruleset "vn/fuzz" { title "T"; version "1"; basis "B"; effective from 2024-01-01; points official; }\n'
FILES = st.deferred(
    lambda: st.tuples(st.sampled_from(["", HEADER]), from_lark(_grammar(), start="start", explicit=_explicit("start")))
)


#: Syntax errors: a file that ends early, a character or a word where it cannot stand.
SYNTAX_ERRORS = {"PR003", "PR004", "PR005"}


@fuzz()
@given(FILES.map("".join), st.data())
def test_grammar_files_load_or_fail_cleanly(text: str, data: st.DataObject) -> None:
    # a sentence of the grammar is never a syntax error: only the checks after parsing may refuse it
    # (and they practically always do: random sentences declare names they never define)
    try:
        parser.parse(parser.normalise(text), "fuzz.criteria")
    except partyrules.CriteriaError as exc:
        assert not {d.code for d in exc.diagnostics} & SYNTAX_ERRORS, [d.message for d in exc.diagnostics]
    ruleset = _load(text)
    if ruleset is not None:
        _exercise(ruleset, text, data)


# ---------------------------------------------------------------- (b) mutated shipped files

SHIPPED = {rid: shipped_path(rid).read_text(encoding="utf-8") for rid in shipped_ids()}
PUNCTUATION = ';{}()"%=<>'


@st.composite
def _mutant(draw: st.DrawFn) -> str:
    text = SHIPPED[draw(st.sampled_from(sorted(SHIPPED)))]
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        how = draw(st.sampled_from(["delete", "duplicate", "swap", "drop char", "insert char", "number"]))
        i = draw(st.integers(0, len(lines) - 1))
        if how == "delete":
            del lines[i]
        elif how == "duplicate":
            lines.insert(i, lines[i])
        elif how == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        text = "\n".join(lines)
        if how == "drop char":
            places = [k for k, c in enumerate(text) if c in PUNCTUATION]
            k = draw(st.sampled_from(places))
            text = text[:k] + text[k + 1 :]
        elif how == "insert char":
            k = draw(st.integers(0, len(text)))
            text = text[:k] + draw(st.sampled_from(PUNCTUATION)) + text[k:]
        elif how == "number":
            numbers = list(re.finditer(r"\d+(\.\d+)?", text))
            found = draw(st.sampled_from(numbers))
            new = draw(st.sampled_from(["0", "1", "3", "10", "49", "50", "90", "101", "2.5", "0.001", "1000000"]))
            text = text[: found.start()] + new + text[found.end() :]
    return text


def test_mutated_shipped_files_load_or_fail_cleanly() -> None:
    loaded: list[bool] = []

    @fuzz()
    @given(_mutant(), st.data())
    def mutants(text: str, data: st.DataObject) -> None:
        ruleset = _load(text)
        loaded.append(ruleset is not None)
        if ruleset is not None:
            _exercise(ruleset, text, data, draws=1)

    mutants()
    # many mutations keep a file valid (a line repeated, a number changed): those must load and score
    assert loaded.count(True) >= len(loaded) // 10, f"{loaded.count(True)} of {len(loaded)} mutated files loaded"


# ---------------------------------------------------------------- (c) generated formulas in a file

TEMPLATE = """
ruleset "fuzz/expr" { title "T"; version "1"; basis "B"; effective from 2024-01-01; points illustrative; }
input n "N": integer 0..10;
input m "M": integer 1..5;
input d "D": decimal 0..8 places 1;
input p "P": percent places 1;
input b "B": boolean = false;
input day "Day": date 2024-01-01..2024-12-31 = 2024-06-15;
input ch "Ch": one of { ja "Ja", nein "Nein" } = ja;
levels muc "Muc" { tot "Tot", dat "Dat", kem "Kem" }
input lv "Lv": level muc = dat;
constraint "c": m <= n or n == 0;
LET
criteria "C" max 20 {
  rescale round 2;
  item i1 "I1" max 10 {
    applicable when b else rescale;
    points = min(n, 10);
    level = bands n { from 8: tot; from 4: dat; otherwise: kem; };
  }
  item i2 "I2" max 10 { points = POINTS; level = LEVEL; }
}
deductions "T" cap 2 { deduction t1 "T1" max 3 { applicable when b else full; points = min(m, 3); } }
bonuses "C" cap 1 { bonus c1 "C1" max 2 { points = if ch == ja then 2 else 0; } }
grades {
  grade g1 "G1" { band from 12; require "r": REQUIRE; }
  grade g2 "G2" { band from 5 below 12; }
  grade g3 "G3" { band below 5; }
}
knockout k1 "K1" { when WHEN; cap g2; }
not_graded x1 "X1" { when d > 7.5 and not b; }
"""
SLOTS = {
    "LET": "",
    "POINTS": "min(m * 2, 10)",
    "LEVEL": "if lv >= dat then tot else kem",
    "REQUIRE": "worst_level() >= dat and p >= 50% and day < 2024-12-01",
    "WHEN": "n == 3",
}
#: Where a generated formula goes: the let takes any value, the others a formula of their kind.
PLACES = {"LET": "let v = {};", "POINTS": "{}", "LEVEL": "{}", "REQUIRE": "{}", "WHEN": "{}"}


def _filled(**formulas: str) -> str:
    """The template with formulas in some places (LET, POINTS, LEVEL, REQUIRE, WHEN) and defaults elsewhere."""
    text = TEMPLATE
    for name, default in SLOTS.items():
        text = text.replace(name, PLACES[name].format(formulas[name]) if name in formulas else default, 1)
    return text


def test_expression_template_loads_as_is() -> None:
    text = _filled()
    ruleset = partyrules.loads(text)
    assert ruleset.evaluate({"n": 5, "m": 2, "d": 1, "p": 60}).grade == "g2"


# Formulas of each kind, built from the names of the template; one operand in 25 is of any kind or
# refers to something it may not, so the checker's refusals are exercised too. Depth is bounded, so every draw stays small.
LEAVES = {
    "num": ["n", "m", "d", "i1", "t1", "c1", "0", "1", "3", "2.5", "0.001", "12", "-1"],
    "pct": ["p", "0%", "50%", "87.5%", "100%"],
    "bool": ["b", "true", "false", "full(i1)", "applicable(i1)", "applicable(t1)"],
    "level": ["lv", "tot", "dat", "kem", "level(i1)", "level(i2)", "worst_level()", "worst_level(i1)", "level(i1)"],
    "enum": ["ch", "ja", "nein"],
    "date": ["day", "2024-01-01", "2024-12-31"],
}
KINDS = tuple(LEAVES)
#: Names that are wrong somewhere: the let itself, points of the item holding the formula, `total`, unknown.
RISKY = ["v", "i2", "full(i2)", "total", "x", "level(i2)", "level(d)", "round(d)", "min()"]
THRESHOLDS = {"num": ["8", "5", "2.5", "0", "-1"], "pct": ["90%", "50%", "0%"], "date": ["2024-09-01", "2024-03-01"]}


def _shapes(kind: str, sub: Any) -> list[st.SearchStrategy[str]]:
    """Composite formulas of ``kind`` whose operands come from ``sub(kind)``."""
    num, pct, boolean, level = sub("num"), sub("pct"), sub("bool"), sub("level")
    same = sub(kind)

    def fmt(template: str, *parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.tuples(*parts).map(lambda xs: template.format(*xs))

    word = st.sampled_from
    out = [fmt("(if {} then {} else {})", boolean, same, same)]
    if kind == "num":
        out += [
            fmt("({} {} {})", num, word(["+", "-", "*", "/"]), num),
            fmt("({} * {})", pct, num),
            fmt("(-{})", num),
            fmt("{}({}, {})", word(["min", "max"]), num, num),
            fmt("clamp({}, {}, {})", num, num, num),
            fmt("round({}, {})", num, word(["0", "1", "2"])),
            fmt("count({}, {})", boolean, boolean),
            fmt("{}({}, {})", word(["days_between", "months_between"]), sub("date"), sub("date")),
            fmt("(if n > 0 then {} / n else 0)", num),
        ]
    if kind == "pct":
        out += [fmt("({} {} {})", pct, word(["+", "-", "*"]), pct), fmt("{}({}, {})", word(["min", "max"]), pct, pct)]
    if kind == "bool":
        compare = word([">=", ">", "<=", "<", "==", "!="])
        out += [
            fmt("({} {} {})", num, compare, num),
            fmt("({} {} {})", pct, compare, pct),
            # levels twice as often: a criterion that does not apply has none, a case worth reaching
            fmt("({} {} {})", level, compare, level),
            fmt("({} {} {})", level, compare, level),
            fmt("({} {} {})", sub("date"), compare, sub("date")),
            fmt("({} {} {})", sub("enum"), word(["==", "!="]), sub("enum")),
            fmt("({} {} {})", boolean, word(["and", "or", "==", "!="]), boolean),
            fmt("(not {})", boolean),
        ]
    if kind != "date":
        # bands over a number, a percentage or a date, giving this kind
        over = word(["num", "pct", "date"])
        out.append(
            over.flatmap(
                lambda o: fmt(
                    "(bands {} {{ from {}: {}; from {}: {}; otherwise: {}; }})",
                    sub(o),
                    st.just(THRESHOLDS[o][0]),
                    same,
                    st.just(THRESHOLDS[o][1]),
                    same,
                    same,
                )
            )
        )
    out += [
        fmt("(match {} {{ ja: {}; nein: {}; }})", sub("enum"), same, same),
        fmt("(match {} {{ tot, dat: {}; otherwise: {}; }})", level, same, same),
        fmt("(match {} {{ true: {}; false: {}; }})", boolean, same, same),
        fmt(
            "(table {} ({}, {}) {{ >= 5, -: {}; < 5, true: {}; otherwise: {}; }})",
            word(["first", "unique"]),
            num,
            boolean,
            same,
            same,
            same,
        ),
        fmt("(table first ({}) {{ tot: {}; dat | kem: {}; }})", level, same, same),
    ]
    return out


def _formulas(kind: str, depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from(LEAVES[kind])
    if depth == 0:
        return leaves

    def sub(k: str) -> st.SearchStrategy[str]:
        # one operand in 25 is of any kind or risky: the checker must refuse it cleanly
        other = st.one_of(st.sampled_from(KINDS).flatmap(lambda a: _formula(a, 0)), st.sampled_from(RISKY))
        return st.integers(0, 24).flatmap(lambda i: other if i == 0 else _formula(k, depth - 1))

    return st.one_of(leaves, *_shapes(kind, sub))


_CACHE: dict[tuple[str, int], st.SearchStrategy[str]] = {}


def _formula(kind: str, depth: int) -> st.SearchStrategy[str]:
    key = (kind, depth)
    if key not in _CACHE:
        _CACHE[key] = st.deferred(lambda: _formulas(kind, depth))
    return _CACHE[key]


#: Which places take a formula of each kind (the let takes them all).
FITS = {"num": ["POINTS"], "pct": ["POINTS"], "bool": ["REQUIRE", "WHEN"], "level": ["LEVEL"], "enum": [], "date": []}
#: Uses of the let `v` by kind, so that a formula also reaches its place through a named value.
USES = {
    "num": {"POINTS": "v", "REQUIRE": "v >= 1"},
    "pct": {"POINTS": "v", "REQUIRE": "v > 50%"},
    "bool": {"REQUIRE": "v", "WHEN": "not v"},
    "level": {"LEVEL": "v", "REQUIRE": "v >= dat", "WHEN": "v == kem"},
    "enum": {"REQUIRE": "v == ja", "WHEN": "v != nein"},
    "date": {"REQUIRE": "v < 2024-06-01", "WHEN": "days_between(v, day) > 30"},
}


def _fit(points: str) -> str:
    """Any number made into points between 0 and 10."""
    return f"clamp(round(({points}) * 1, 2), 0, 10)"


def _variants(kind: str, formula: str) -> list[str]:
    """The template with the formula in the let, in each place its kind fits, and used through the let.

    Points take any number made to fit and, for plain numbers, the formula itself: a file that then
    loads has points the checker proved to lie within 0 and 10, which the reference verifies.
    """
    texts = [_filled(LET=formula)]
    texts += [_filled(**{place: _fit(formula) if place == "POINTS" else formula}) for place in FITS[kind]]
    if kind == "num":
        texts.append(_filled(POINTS=formula))
    uses = {place: _fit(use) if place == "POINTS" else use for place, use in USES[kind].items()}
    texts.append(_filled(LET=formula, **uses))
    return texts


@pytest.mark.parametrize("kind", KINDS)
def test_generated_formulas_load_or_fail_cleanly_and_evaluate(kind: str) -> None:
    loaded: list[bool] = []

    @fuzz()
    @given(st.integers(1, 3).flatmap(lambda depth: _formula(kind, depth)), st.data())
    def formulas(formula: str, data: st.DataObject) -> None:
        for text in _variants(kind, formula):
            ruleset = _load(text)
            loaded.append(ruleset is not None)
            if ruleset is not None:
                _exercise(ruleset, text, data, draws=1)

    formulas()
    # formulas are built of the right kinds, so many files load and are scored (others are refused
    # for good reasons: a band or row no value reaches, a level that may be missing, a risky operand)
    assert loaded.count(True) >= len(loaded) // 10, f"{loaded.count(True)} of {len(loaded)} files loaded"


# ---------------------------------------------------------------- facts that break one rule


@pytest.mark.parametrize("ruleset_id", shipped_ids())
def test_invalid_facts_are_refused_naming_the_input(ruleset_id: str) -> None:
    ruleset = shipped(ruleset_id)

    @fuzz()
    @given(invalid_facts(ruleset))
    def refused(case: tuple[dict[str, Any], str]) -> None:
        org, name = case
        with pytest.raises(partyrules.FactsError) as caught:
            ruleset.evaluate(org)
        assert [p.input for p in caught.value.problems] == [name], caught.value.problems

    refused()


# ---------------------------------------------------------------- bugs the fuzzers found
# The smallest file found for each, kept as regression tests.

HEAD = 'ruleset "t/bug" { title "T"; version "1"; basis "B"; effective from 2024-01-01; points illustrative; }\n'


def test_too_many_decimal_places_in_a_decimal_fact_names_the_input() -> None:
    """Was `*: a value needs more than 1000 digits`: the inline `places` test rounded a Decimal under the
    program's armed Inexact trap (found by invalid_facts on vn/annual-collective)."""
    ruleset = partyrules.loads(
        HEAD
        + """
input d "D": decimal 0..8 places 2;
criteria "C" max 8 { item a "A" max 8 { points = d; } }
grades { grade g "G" { band from 4; } grade h "H" { band below 4; } }
"""
    )
    for fact in ("0.001", Decimal("0.001")):
        with pytest.raises(partyrules.FactsError) as caught:
            ruleset.evaluate({"d": fact})
        assert [p.input for p in caught.value.problems] == ["d"], caught.value.problems


def test_a_let_holding_the_level_of_a_criterion_that_does_not_apply_compares_false() -> None:
    """Was a TypeError (`None <= 0`): the compiler did not see a missing level through a `let`."""
    ruleset = partyrules.loads(
        HEAD
        + """
levels muc "M" { tot "T", kem "K" }
input on "On": boolean;
let lv = level(x);
criteria "C" { item x "X" { applicable when on else zero; level = tot; } }
grades { grade g1 "G1" { require "r": lv >= tot; } grade g2 "G2" { } }
"""
    )
    assert ruleset.evaluate({"on": True}).grade == "g1"
    assert ruleset.evaluate({"on": False}).grade == "g2"


def test_a_broken_constraint_names_its_inputs_only() -> None:
    """Was reported under `b, ch`: the member `b` was taken for an input."""
    ruleset = partyrules.loads(
        HEAD
        + """
input ch "Ch": one of { a "A", b "B" };
constraint "c": ch != b;
criteria "C" max 1 { item i "I" max 1 { points = if ch == a then 1 else 0; } }
grades { grade g "G" { band any; } }
"""
    )
    with pytest.raises(partyrules.FactsError) as caught:
        ruleset.evaluate({"ch": "b"})
    assert [p.input for p in caught.value.problems] == ["ch"], caught.value.problems


@pytest.mark.parametrize(
    "formula",
    [
        "match b { true: p; false: 1 / m; }",
        "bands m { from 5: p; otherwise: 1 / m; }",
        "table first (b) { true: p; false: 1 / m; }",
    ],
)
def test_a_percentage_among_quotients_is_a_fraction(formula: str) -> None:
    """Was 50 (percent units) for 50 %, so `v < 60%` failed (and arithmetic raised TypeError): rows of a
    match, bands or table giving a percentage and a quotient were not made fractions, as `if` branches are."""
    ruleset = partyrules.loads(
        HEAD
        + f"""
input p "P": percent;
input b "B": boolean;
input m "M": integer 1..10;
let v = {formula};
criteria "C" max 10 {{ item i "I" max 10 {{ points = clamp(round(v * 10, 0), 0, 10); }} }}
grades {{ grade g "G" {{ band from 0; require "Dưới 60%": v < 60%; }} grade h "H" {{ band below 0; }} }}
"""
    )
    result = ruleset.evaluate({"p": 50, "b": True, "m": 5})
    assert (result.total, result.grade) == (5, "g")  # 50 % × 10, and 50 % < 60 %


@pytest.mark.parametrize("formula", ["clamp(b, b, b)", "clamp(day, day, day)", "clamp(lv, tot, tot)"])
def test_clamp_of_non_numbers_is_refused(formula: str) -> None:
    """Was a KeyError from the compiler: the checker left such a call untyped without a diagnostic."""
    text = (
        HEAD
        + f"""
input b "B": boolean;
input day "D": date;
levels muc "M" {{ tot "T", kem "K" }}
input lv "L": level muc;
let v = {formula};
criteria "C" max 1 {{ item i "I" max 1 {{ points = if b and day > 2024-01-01 and lv == tot then 1 else 0; }} }}
grades {{ grade g "G" {{ band any; }} }}
"""
    )
    with pytest.raises(partyrules.CriteriaError) as caught:
        partyrules.loads(text)
    assert [d.code for d in caught.value.diagnostics] == ["PR306"]
