"""Fuzzing the criteria language from the whole space of names, texts, numbers and sizes (issue 13).

Three fuzzers beside those of tests/test_fuzz.py, sharing its checks (a file loads, or is refused with
diagnostics that have places; a file that loads scores as the reference interpreter does):

* names, texts and numbers drawn from the whole space, and nothing of them reaching the program;
* sizes up to and past the limits of docs/language.md;
* files from a grammar tuned so that a real share of them load and reach the differential check.
"""

from __future__ import annotations

import ast
import builtins
import functools
import itertools
import keyword
import re

import lark
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra.lark import from_lark

import partyrules
from partyrules.nodes import RESERVED
from test_fuzz import HEAD, _exercise, _filled, _fit, _load, _padded, fuzz

# ---------------------------------------------------------------- (a) names, texts and numbers from the whole space
# Every name, text and number of one file comes from the whole space: the language's reserved words,
# Python's keywords, dunders and builtins, the names the compiled program itself uses, very long
# names, Unicode (letters, combining marks, bidi and control characters), texts holding quotes,
# braces, line breaks and code, numbers of any length. Whatever loads must compile to the very same
# program as the file with plain names and texts: nothing of the text reaches generated code.

#: Names Python or the generated program give a meaning to.
PYTHON_NAMES = sorted(
    set(keyword.kwlist)
    | set(getattr(keyword, "softkwlist", []))
    | {name for name in dir(builtins) if not name.startswith("_")}
    | {"__import__", "__builtins__", "__class__", "__dict__", "__init__", "__globals__", "__subclasses__"}
    | {"os", "sys", "self", "cls", "subprocess", "facts", "program", "make", "LAYOUT", "C0", "x0", "p0", "t1"}
    | {"getcontext", "retry_exactly", "Decimal", "Evaluation", "MISSING", "traps", "armed", "result"}
)
UNICODE_NAMES = st.text(
    alphabet=st.one_of(
        st.sampled_from("đĐơưăâêôáàảãạếềểễệ"),
        st.sampled_from(["\u0300", "\u0301", "\u0323", "\u200b", "\u200d", "\ufeff"]),  # combining, zero width
        st.sampled_from(["\u202e", "\u202a", "\u2066", "\u2069", "\u061c"]),  # bidi
        st.sampled_from(["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u2028"]),  # control, separators
        st.sampled_from("ＡＢｘ１２"),  # full width
        st.characters(codec="utf-8"),
        st.sampled_from("abc_"),
    ),
    min_size=1,
    max_size=6,
)
VALID_NAMES = st.one_of(
    st.sampled_from(PYTHON_NAMES),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True),
    st.integers(200, 5000).map(lambda k: "n" + "_x9" * (k // 3)),  # very long
)
#: One name in 20 is one the language refuses (a reserved word, Unicode), so that many files still load
#: (a weighted choice: hypothesis's one_of would merge equal branches).
ANY_NAME = st.sampled_from([VALID_NAMES] * 38 + [st.sampled_from(sorted(RESERVED)), UNICODE_NAMES]).flatmap(lambda s: s)
#: Texts as hostile authors write them: quotes and braces that end the text early, code, format strings.
HOSTILE_TEXTS = [
    '"',
    "\\",
    "{}",
    "};",
    "a\nb",
    "\x1b[31mđỏ\x1b[0m",
    "\u202eabc",
    "e\u0301" * 40,
    '__import__("os").system("true")',
    "'''",
    '"""',
    "{0.__class__}",
    "%s%n",
    "\x00",
    "\ud800",
    "x" * 20_000,
    "Tiêu chí “một”",
]
SAFE_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cc", "Cf", "Cs", "Zl", "Zp"], exclude_characters='"'), max_size=30
)
#: One text in 25 is any text or a hostile one, the others hold no quote, line break or control.
ANY_TEXT = st.sampled_from([SAFE_TEXT] * 48 + [st.text(max_size=30), st.sampled_from(HOSTILE_TEXTS)]).flatmap(
    lambda s: s
)
ANY_NUMBER = st.one_of(
    st.integers(0, 10**60).map(str),
    st.integers(0, 60).map(lambda k: "9" * k or "0"),
    st.tuples(st.integers(0, 10**6), st.integers(0, 10**45)).map(lambda p: f"{p[0]}.{p[1]}"),
    st.sampled_from(["0", "1", "5", "10", "100"]),
)

NAMED = """\
ruleset "{t0}" {{ title "{t1}"; version "{t2}"; basis "{t3}"; effective from 2024-01-01; points illustrative "{t4}"; }}
input {n0} "{t5}": integer 0..{k0};
input {n1} "{t6}": one of {{ {n2} "{t7}", {n3} "{t8}" }} = {n2};
input {n4} "{t9}": decimal 0..{k1} places {k2};
levels {n5} "{t10}" {{ {n6} "{t11}", {n7} "{t12}" }}
let {n8} "{t13}" = min({n0}, 10);
constraint "{t14}": {n0} >= 0;
criteria "{t15}" max 20 {{
  rescale round {k3};
  group {n9} "{t16}" max 20 {{
    item {n10} "{t17}" max 10 {{ points = clamp({n8}, 0, 10); level = if {n1} == {n2} then {n6} else {n7}; cite "{t18}"; }}
    item {n11} "{t19}" max 10 {{ applicable when {n0} > 1 else rescale; points = bands {n4} {{ from {k4}: 10; otherwise: 0; }}; }}
  }}
}}
grades {{
  grade {n12} "{t20}" {{ band from 10; require "{t21}": level({n10}) == {n6}; }}
  grade {n13} "{t22}" {{ band below 10; }}
}}
knockout {n14} "{t23}" {{ when {n0} > 9 and {n1} == {n3}; cap {n13}; note "{t24}"; }}
"""
NAME_SLOTS, TEXT_SLOTS, NUMBER_SLOTS = 15, 25, 5
#: Numbers for files whose numbers are not drawn.
PLAIN_NUMBERS = ["10", "8", "2", "2", "5"]


def _named(names: list[str], texts: list[str], numbers: list[str]) -> str:
    return NAMED.format(
        **{f"n{i}": v for i, v in enumerate(names)},
        **{f"t{i}": v for i, v in enumerate(texts)},
        **{f"k{i}": v for i, v in enumerate(numbers)},
    )


def _plain(numbers: list[str]) -> str:
    """The same file with plain names and texts (the ruleset id aside, which must look like one)."""
    return _named([f"v{i}" for i in range(NAME_SLOTS)], ["t/plain"] + ["T"] * (TEXT_SLOTS - 1), numbers)


def _code_names(code: str) -> set[str]:
    """Every name the generated program uses; it holds no text constant."""
    tree = ast.parse(code)
    texts = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    assert texts == [], texts[:5]
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} | {
        node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)
    }


#: Characters that must not reach a terminal as they are, in a diagnostic's rendering.
TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def test_names_texts_and_numbers_from_the_whole_space() -> None:
    loaded: list[bool] = []

    @fuzz(share=0.5)
    @given(
        st.lists(ANY_NAME, min_size=NAME_SLOTS, max_size=NAME_SLOTS, unique=True),
        st.lists(ANY_TEXT, min_size=TEXT_SLOTS, max_size=TEXT_SLOTS),
        st.lists(ANY_NUMBER, min_size=NUMBER_SLOTS, max_size=NUMBER_SLOTS),
        st.integers(0, 2),
        st.data(),
    )
    def files(names: list[str], texts: list[str], numbers: list[str], drawn: int, data: st.DataObject) -> None:
        # names alone drawn (0), names and texts (1), or numbers too (2): each part also meets valid others
        if drawn == 0:
            texts = ["t/fuzz"] + ["T"] * (TEXT_SLOTS - 1)
        elif drawn == 1:
            texts = ["t/fuzz", *texts[1:]]  # the ruleset id is drawn only with the numbers: rarely an id
        if drawn < 2:
            numbers = PLAIN_NUMBERS
        text = _named(names, texts, numbers)
        ruleset = _load(text)
        loaded.append(ruleset is not None)
        if ruleset is None:
            with pytest.raises(partyrules.CriteriaError) as caught:
                partyrules.loads(text, "fuzz.criteria")
            unsafe = TERMINAL_UNSAFE.search(str(caught.value))
            assert unsafe is None, f"a diagnostic shows {unsafe.group()!r} as it is"
            return
        plain = partyrules.loads(_plain(numbers), "fuzz.criteria")
        # the same statements (their order may follow the names: some are emitted sorted by name)
        assert sorted(ruleset.code.splitlines()) == sorted(plain.code.splitlines()), "names or texts reach the program"
        assert _code_names(ruleset.code) == _code_names(plain.code)
        _exercise(ruleset, text, data, draws=1)

    files()
    # Python's keywords, builtins and dunders are names like any other here: many such files load
    assert loaded.count(True) >= len(loaded) // 20, f"{loaded.count(True)} of {len(loaded)} files loaded"


# ---------------------------------------------------------------- (b) sizes up to and past the limits


def _sized(items: int, rows: int, depth: int, grades: int) -> str:
    """A file of ``items`` items, a ``bands`` of ``rows`` rows, a formula nested ``depth`` deep, ``grades`` grades."""
    criteria = "\n".join(f'  item i{k} "I" max 1 {{ points = if n > {k % 997} then 1 else 0; }}' for k in range(items))
    bands = " ".join(f"from {rows - r}: {(rows - r) % 2};" for r in range(rows))
    thresholds = sorted({(items + 1) * j // grades for j in range(1, grades)} - {0}, reverse=True)
    names = [f"g{g}" for g in range(len(thresholds) + 1)]
    if thresholds:
        bounds = [f"from {thresholds[0]}"]
        bounds += [f"from {low} below {high}" for high, low in itertools.pairwise(thresholds)]
        bounds += [f"below {thresholds[-1]}"]
    else:
        bounds = ["any"]
    grade_blocks = "\n".join(f'  grade {name} "G" {{ band {bound}; }}' for name, bound in zip(names, bounds))
    return (
        HEAD
        + 'input n "N": integer 0..1000;\n'
        + f"let deep = {'-' * depth}n;\n"
        + f'criteria "C" max {items + 1} {{\n{criteria}\n'
        + f'  item b "B" max 1 {{ points = bands n {{ {bands} otherwise: 0; }}; }}\n}}\n'
        + f"grades {{\n{grade_blocks}\n}}\n"
        + f'knockout k "K" {{ when deep > 500 or deep < -500; cap {names[-1]}; }}\n'
    )


#: Sizes at, below and past each limit of docs/language.md (500 bands, 120 levels of nesting), and
#: long flat lists, which have none.
SIZES = st.tuples(
    st.sampled_from([1, 2, 40, 700]),  # more than the 500 of a bands: lists of items have no limit
    st.sampled_from([1, 2, 499, 500, 501]),  # `rows` rows and `otherwise`: the limit counts the rows
    st.sampled_from([0, 1, 60, 116, 117, 118, 400]),  # `let deep = ---n;` is nested 3 levels more than `depth`
    st.sampled_from([1, 2, 3, 33, 120]),
)


def test_sizes_up_to_and_past_the_limits_load_or_fail_cleanly() -> None:
    @fuzz(share=0.1)
    @given(SIZES, st.data())
    def files(size: tuple[int, int, int, int], data: st.DataObject) -> None:
        items, rows, depth, grades = size
        text = _sized(items, rows, depth, grades)
        ruleset = _load(text)
        if ruleset is None:
            with pytest.raises(partyrules.CriteriaError) as caught:
                partyrules.loads(text, "fuzz.criteria")
            codes = {d.code for d in caught.value.diagnostics}
            # only the limits refuse these files, and only when passed; nesting too deep is a syntax
            # error, so a file past both limits is refused for its nesting before anything counts its rows
            assert codes <= {"PR002", "PR015"}, codes
            assert ("PR002" in codes) == (depth > 117), (size, codes)
            assert ("PR015" in codes) == (rows > 500 and depth <= 117), (size, codes)
            return
        assert rows <= 500 and depth <= 117, size
        _exercise(ruleset, text, data, draws=1)

    files()


# ---------------------------------------------------------------- (c) files from a tuned grammar
# Sentences of the whole grammar practically never load (of 10,196 none did: they use names they never
# declare, and mix kinds). This grammar is the language's expression grammar with every name and
# literal typed by the template's declarations, so that a real share of its files load and reach the
# comparison with the reference interpreter; the real parser and checker read every file it makes.


def _tuned_rules(depth: int) -> str:
    """Rules ``num``, ``boolean`` and ``level`` of each depth up to ``depth``, each built of the one below
    (a layered grammar keeps every sentence small: a recursive one makes hypothesis draw too much)."""
    rules = [
        "num0: NUM_NAME | NUMBER",
        'boolean0: BOOL_NAME | "ch" EQUAL MEMBER',
        "level0: LEVEL_NAME",
        'pct: "p" | PERCENT | MINMAX "(" PERCENT "," "p" ")"',
        'date: "day" | DATE',
    ]
    for k in range(1, depth + 1):
        n, b, lv = f"num{k - 1}", f"boolean{k - 1}", f"level{k - 1}"
        rules += [
            f"""num{k}: {n} | "(" {n} ADD {n} ")" | "(" {n} "*" {n} ")" | "(" {n} "/" "m" ")" | "(" "-" {n} ")"
                | MINMAX "(" {n} "," {n} ")" | "clamp" "(" {n} "," {n} "," {n} ")" | "round" "(" {n} "," PLACES ")"
                | "count" "(" {b} "," {b} ")" | DATES "(" date "," date ")" | "(" pct "*" {n} ")"
                | "(" "if" {b} "then" {n} "else" {n} ")"
                | "(" "bands" {n} "{{" "from" NUMBER ":" {n} ";" "otherwise" ":" {n} ";" "}}" ")"
                | "(" "match" "ch" "{{" "ja" ":" {n} ";" "nein" ":" {n} ";" "}}" ")"
                | "(" "match" {lv} "{{" "tot" "," "dat" ":" {n} ";" "otherwise" ":" {n} ";" "}}" ")"
                | "(" "table" HIT "(" {n} "," {b} ")" "{{" ">=" NUMBER "," "-" ":" {n} ";" "otherwise" ":" {n} ";" "}}" ")" """,
            f"""boolean{k}: {b} | "(" {b} LOGIC {b} ")" | "(" "not" {b} ")" | "(" {n} COMPARE {n} ")"
                | "(" pct COMPARE pct ")" | "(" {lv} COMPARE {lv} ")" | "(" date COMPARE date ")" """,
            f"""level{k}: {lv} | "(" "if" {b} "then" {lv} "else" {lv} ")"
                | "(" "bands" {n} "{{" "from" NUMBER ":" {lv} ";" "otherwise" ":" {lv} ";" "}}" ")"
                | "(" "match" "ch" "{{" "ja" ":" {lv} ";" "nein" ":" {lv} ";" "}}" ")" """,
        ]
    return "\n".join(rules) + "\n"


TUNED_DEPTH = 2


#: The typed names and literals: each a terminal of its own.
TUNED_TOKENS = {
    "NUM_NAME": ["n", "m", "d", "i1", "t1", "c1"],
    "BOOL_NAME": ["b", "true", "false", "full(i1)", "applicable(i1)", "applicable(t1)"],
    "LEVEL_NAME": ["lv", "tot", "dat", "kem", "worst_level()"],
    "MEMBER": ["ja", "nein"],
    "NUMBER": ["0", "1", "3", "2.5", "0.001", "12"],
    "PERCENT": ["0%", "50%", "87.5%", "100%"],
    "DATE": ["2024-01-01", "2024-06-15", "2024-12-31"],
    "PLACES": ["0", "1", "2"],
    "MINMAX": ["min", "max"],
    "ADD": ["+", "-"],
    "LOGIC": ["and", "or"],
    "DATES": ["days_between", "months_between"],
    "HIT": ["first", "unique"],
    "COMPARE": [">=", ">", "<=", "<", "==", "!="],
    "EQUAL": ["==", "!="],
}


# built when the test runs (about 1 s of CPU for lark's Earley grammar), not by every xdist worker that collects
@functools.cache
def tuned_grammar() -> lark.Lark:
    return lark.Lark(
        _tuned_rules(TUNED_DEPTH)
        + "".join(f"{name}: " + " | ".join(f'"{w}"' for w in words) + "\n" for name, words in TUNED_TOKENS.items())
        + '%ignore " "\n',
        start=[f"{kind}{TUNED_DEPTH}" for kind in ("num", "boolean", "level")],
        parser="earley",
    )


def _sentence(start: str) -> st.SearchStrategy[str]:
    # tokens padded with spaces, so that `n` and `+` never run together; from_lark joins them as drawn
    grammar = tuned_grammar()
    explicit = {name: _padded(words) for name, words in TUNED_TOKENS.items()}
    explicit |= {t.name: st.just(f" {t.pattern.value} ") for t in grammar.terminals if t.name not in TUNED_TOKENS}
    return from_lark(grammar, start=start, explicit=explicit)


def tuned_files() -> st.SearchStrategy[str]:
    """One file: a formula of each kind from the tuned grammar in every place the template has for it."""
    return st.fixed_dictionaries(
        {
            "LET": _sentence(f"num{TUNED_DEPTH}"),
            "POINTS": _sentence(f"num{TUNED_DEPTH}").map(_fit),
            "LEVEL": _sentence(f"level{TUNED_DEPTH}"),
            "REQUIRE": _sentence(f"boolean{TUNED_DEPTH}"),
            "WHEN": _sentence(f"boolean{TUNED_DEPTH}"),
        }
    ).map(lambda formulas: _filled(**formulas))


def test_tuned_grammar_files_load_and_score_as_the_reference() -> None:
    loaded: list[bool] = []

    @fuzz(share=0.5)
    @given(tuned_files(), st.data())
    def files(text: str, data: st.DataObject) -> None:
        ruleset = _load(text)
        loaded.append(ruleset is not None)
        if ruleset is not None:
            _exercise(ruleset, text, data, draws=2)

    files()
    # about 45 % load (measured: 143 of 315 files, seed 7); a fifth leaves room for a day's draw
    assert loaded.count(True) >= len(loaded) // 5, f"{loaded.count(True)} of {len(loaded)} files loaded"
