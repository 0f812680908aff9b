"""Parsing: criteria text to the syntax tree, and the syntax diagnostics (PR000-PR012).

Golden messages are pinned word for word: a changed message is a changed
interface for the committee officers who read them.
"""

from __future__ import annotations

import datetime
import unicodedata
from decimal import Decimal

import pytest

import partyrules
from partyrules import nodes as n, parser

SOURCE = """\
ruleset "t/min" {
  title "T";
  version "1";
  basis "B";
  effective from 2024-01-01;
  points official;
}
input done "Đã làm": boolean;
input n "N": integer 0..5 = 0;
criteria "C" max 10 {
  item x "X" max 10 {
    cite "Điều 1";
    points = if done then 10 else n * 2;
  }
}
grades {
  grade ok "Đạt" { band from 5; }
  grade no "Không" { band below 5; }
}
"""


def edit(*pairs: tuple[str, str], base: str = SOURCE) -> str:
    """The base text with each ``old`` (which must occur exactly once) replaced by ``new``."""
    text = base
    for old, new in pairs:
        assert text.count(old) == 1, f"{old!r} must occur once"
        text = text.replace(old, new)
    return text


def num(value: str, percent: bool = False) -> n.Number:
    return n.Number(Decimal(value), percent)


def problems(text: str) -> list[tuple[str, str, str, str | None]]:
    """(code, "line:column", message, hint) of every diagnostic, errors and warnings."""
    return [
        (d.code, f"{d.span.line}:{d.span.column}", d.message, d.hint) for d in partyrules.check("t.criteria", text=text)
    ]


def rendered(text: str) -> str:
    with pytest.raises(partyrules.CriteriaError) as info:
        partyrules.loads(text, "t.criteria")
    return str(info.value)


def parse_expr(source: str) -> n.Expr:
    tree = parser.parse(f"let v = {source};")
    (let,) = tree.declarations
    assert isinstance(let, n.Let)
    return let.value


# ---------------------------------------------------------------- the tree

EXPECTED_DECLARATIONS = (
    n.Input("done", "Đã làm", n.TypeSpec("boolean"), None),
    n.Input("n", "N", n.TypeSpec("integer", range=n.Range(num("0"), num("5"))), num("0")),
    n.CriteriaTree(
        label="C",
        maximum=num("10"),
        children=(
            n.Criterion(
                kind="item",
                name="x",
                label="X",
                maximum=num("10"),
                citations=("Điều 1",),
                points=n.If(n.Name("done"), num("10"), n.Binary("*", n.Name("n"), num("2"))),
            ),
        ),
    ),
    n.Grades(
        (
            n.Grade("ok", "Đạt", band=n.ScoreBand(num("5"), None)),
            n.Grade("no", "Không", band=n.ScoreBand(None, num("5"))),
        )
    ),
)


def test_the_minimal_file_is_valid() -> None:
    assert problems(SOURCE) == []
    partyrules.loads(SOURCE, "t.criteria")


def test_minimal_file_builds_the_expected_tree() -> None:
    tree = parser.parse(SOURCE)
    header = n.Header(
        "t/min", title="T", version="1", basis="B", effective_from=datetime.date(2024, 1, 1), status="official"
    )
    assert tree == n.RulesetFile((header, *EXPECTED_DECLARATIONS))


def test_header_dates_are_dates() -> None:
    header = parser.parse(edit(("2024-01-01;", "2024-01-01 to 2025-12-31;"))).declarations[0]
    assert isinstance(header, n.Header)
    assert (header.effective_from, header.effective_to) == (datetime.date(2024, 1, 1), datetime.date(2025, 12, 31))


def test_spans_are_left_out_of_equality() -> None:
    relaid = "# a comment first\n\n" + SOURCE.replace("  ", "      ").replace(";", " ;")
    first, second = parser.parse(SOURCE), parser.parse(relaid)
    assert first == second
    assert first.declarations[1].span != second.declarations[1].span


def test_positions_of_nodes() -> None:
    tree = parser.parse(SOURCE)
    header, done, count, criteria, grades = tree.declarations
    assert isinstance(done, n.Input) and isinstance(count, n.Input)
    assert isinstance(criteria, n.CriteriaTree) and isinstance(grades, n.Grades)
    assert tree.span == n.Span(1, 1, 19, 2)
    assert header.span == n.Span(1, 1, 7, 2)
    assert done.span == n.Span(8, 1, 8, 30)
    # columns count characters, not UTF-8 bytes: "Đã làm" is 6 characters
    assert done.type.span == n.Span(8, 22, 8, 29)
    assert count.type.range is not None and count.type.range.span == n.Span(9, 22, 9, 26)
    assert count.default is not None and count.default.span == n.Span(9, 29, 9, 30)
    item = criteria.children[0]
    assert item.span == n.Span(11, 3, 14, 4)
    points = item.points
    assert isinstance(points, n.If)
    assert points.span == n.Span(13, 14, 13, 40)
    assert points.condition.span == n.Span(13, 17, 13, 21)
    assert isinstance(points.otherwise, n.Binary)
    assert points.otherwise.span == n.Span(13, 35, 13, 40)
    assert points.otherwise.right.span == n.Span(13, 39, 13, 40)
    ok = grades.grades[0]
    assert ok.span == n.Span(17, 3, 17, 34)
    assert ok.band is not None and ok.band.span == n.Span(17, 25, 17, 31)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", n.Binary("+", num("1"), n.Binary("*", num("2"), num("3")))),
        ("(1 + 2) * 3", n.Binary("*", n.Binary("+", num("1"), num("2")), num("3"))),
        ("10 - 2 - 3", n.Binary("-", n.Binary("-", num("10"), num("2")), num("3"))),
        ("a / b * 2", n.Binary("*", n.Binary("/", n.Name("a"), n.Name("b")), num("2"))),
        (
            "not a and b or c",
            n.Binary("or", n.Binary("and", n.Unary("not", n.Name("a")), n.Name("b")), n.Name("c")),
        ),
        ("a + 1 >= 90%", n.Compare(">=", n.Binary("+", n.Name("a"), num("1")), num("0.9", True))),
        ("-5", num("-5")),
        ("-2.5%", num("-0.025", True)),
        ("-a", n.Unary("-", n.Name("a"))),
        ("2024-02-29", n.DateLiteral(datetime.date(2024, 2, 29))),
        ("true", n.BooleanLiteral(True)),
        ("if a then 1 else 2", n.If(n.Name("a"), num("1"), num("2"))),
        ("worst_level()", n.Call("worst_level", ())),
        # `max`, `round`, `level`, `full` and `applicable` are keywords elsewhere;
        # the contextual lexer lets them name functions inside formulas
        ("max(0, n - 1)", n.Call("max", (num("0"), n.Binary("-", n.Name("n"), num("1"))))),
        ("round(a / 3, 2)", n.Call("round", (n.Binary("/", n.Name("a"), num("3")), num("2")))),
        ("level(a) >= tot", n.Compare(">=", n.Call("level", (n.Name("a"),)), n.Name("tot"))),
        (
            "full(a) and applicable(b)",
            n.Binary("and", n.Call("full", (n.Name("a"),)), n.Call("applicable", (n.Name("b"),))),
        ),
        (
            "bands r { from 90%: 10; from 50%: 5; otherwise: 0; }",
            n.Bands(
                n.Name("r"),
                (n.Band("from", num("0.9", True), num("10")), n.Band("from", num("0.5", True), num("5"))),
                num("0"),
            ),
        ),
        ("bands r { upto -1: 0; }", n.Bands(n.Name("r"), (n.Band("upto", num("-1"), num("0")),), None)),
        (
            "match k { x, y: 1; true: 2; otherwise: 0; }",
            n.Match(
                n.Name("k"),
                (n.MatchArm((n.Name("x"), n.Name("y")), num("1")), n.MatchArm((n.BooleanLiteral(True),), num("2"))),
                num("0"),
            ),
        ),
        (
            "table unique (a, b) { >= 80% < 90%, -: 1; x | y, 3: 2; true, -1: 3; otherwise: 0; }",
            n.Table(
                "unique",
                (n.Name("a"), n.Name("b")),
                (
                    n.TableRow(
                        (n.CompareCell(((">=", num("0.8", True)), ("<", num("0.9", True)))), n.AnyCell()),
                        num("1"),
                    ),
                    n.TableRow((n.MemberCell(("x", "y")), n.EqualCell(num("3"))), num("2")),
                    n.TableRow((n.EqualCell(n.BooleanLiteral(True)), n.EqualCell(num("-1"))), num("3")),
                ),
                num("0"),
            ),
        ),
    ],
)
def test_expressions(source: str, expected: n.Expr) -> None:
    assert parse_expr(source) == expected


# ---------------------------------------------------------------- keywords and names


@pytest.mark.parametrize("word", ["title", "from", "max", "first", "band", "level", "otherwise", "then"])
def test_keywords_parse_as_names_but_the_checker_reserves_them(word: str) -> None:
    text = SOURCE + f'input {word} "K": boolean = false;\n'
    declared = parser.parse(text).declarations[-1]
    assert isinstance(declared, n.Input) and declared.name == word
    errors = [p for p in problems(text) if p[0] != "PR901"]
    assert errors == [
        ("PR203", "20:1", f"`{word}` is a word of the language and cannot name anything", "choose another name")
    ]


@pytest.mark.parametrize("name", ["iffy", "notes", "from_date", "total_x", "band2", "Input"])
def test_names_that_begin_with_a_keyword_are_plain_names(name: str) -> None:
    text = edit(("input done ", f"input {name} "), ("if done then", f"if {name} then"))
    assert problems(text) == []


def test_keywords_are_case_sensitive() -> None:
    assert problems(edit(("input n ", "Input n "))) == [
        (
            "PR005",
            "9:1",
            "found `Input` where the file expects one of `add`, `bonuses`, `change`, `constraint`, `criteria`, "
            "`deductions`, `example`, `examples`, ...",
            "did you mean `input`?",
        )
    ]


def test_builtins_named_by_keywords_load() -> None:
    text = edit(("else n * 2", "else max(0, min(round(n * 2, 0), 10))"))
    assert problems(text) == []


# ---------------------------------------------------------------- normalisation


def test_decomposed_labels_equal_composed_ones() -> None:
    decomposed = unicodedata.normalize("NFD", SOURCE)
    assert decomposed != SOURCE
    assert parser.parse(decomposed) == parser.parse(SOURCE)
    done = parser.parse(decomposed).declarations[1]
    assert isinstance(done, n.Input) and done.label == "Đã làm"
    assert unicodedata.is_normalized("NFC", done.label)


def test_columns_of_decomposed_text_count_composed_characters() -> None:
    decomposed = unicodedata.normalize("NFD", edit(('grade ok "Đạt" {', 'grade ok "Đạt" x {')))
    assert problems(decomposed) == [("PR005", "17:18", "found `x` where the file expects `{`", None)]


def test_bom_and_crlf_are_tolerated() -> None:
    windows = "\ufeff" + SOURCE.replace("\n", "\r\n")
    assert parser.parse(windows) == parser.parse(SOURCE)
    assert parser.parse(windows).declarations[3].span == parser.parse(SOURCE).declarations[3].span
    assert problems(windows) == []
    assert problems(SOURCE.replace("\n", "\r")) == []


def test_bom_and_crlf_in_a_file(write_criteria) -> None:
    path = write_criteria(b"\xef\xbb\xbf" + SOURCE.replace("\n", "\r\n").encode("utf-8"))
    assert partyrules.check(path) == []
    assert partyrules.load(path).id == "t/min"


def test_positions_in_crlf_text_match_lf_text() -> None:
    wrong = edit(('version "1";', 'version "1"'))
    assert problems(wrong.replace("\n", "\r\n")) == problems(wrong)


# ---------------------------------------------------------------- PR000: reading the file


def test_pr000_no_such_file(tmp_path) -> None:
    missing = tmp_path / "missing.criteria"
    assert partyrules.check(missing) == [
        partyrules.Diagnostic("PR000", "no such file", str(missing), n.Span(1, 1, 1, 2))
    ]


def test_pr000_folder(tmp_path) -> None:
    (diagnostic,) = partyrules.check(tmp_path)
    assert (diagnostic.code, diagnostic.message) == ("PR000", "this is a folder, not a criteria file")


def test_pr000_not_utf8(write_criteria) -> None:
    path = write_criteria(b'ruleset "x" {\n  title "T\xff";\n')
    with pytest.raises(partyrules.CriteriaError) as info:
        partyrules.load(path)
    assert str(info.value) == (
        f"{path}:2:11: error PR000: the file is not UTF-8 text\n"
        '   2 |   title "T\ufffd";\n'
        "     |           ^\n"
        "  hint: save it as UTF-8 (in Word: Save As → Plain Text → Unicode (UTF-8))\n"
        "\n"
        "1 problem found"
    )


def test_pr000_not_utf8_column_counts_characters(write_criteria) -> None:
    path = write_criteria('ruleset "x" {\n  title "Đạt '.encode() + b'\xff";\n')
    (diagnostic,) = partyrules.check(path)
    assert diagnostic.span.column == 14


# ---------------------------------------------------------------- PR001, PR002: limits


def test_pr001_text_too_large() -> None:
    huge = "#" * (parser.MAX_SOURCE_BYTES + 1)
    expected = [
        ("PR001", "1:1", "the file is larger than 4 MiB; criteria files are small text files", None),
    ]
    assert problems(huge) == expected
    with pytest.raises(partyrules.CriteriaError):
        parser.parse(huge)


def test_pr001_at_the_limit_is_parsed() -> None:
    text = SOURCE + "#" * (parser.MAX_SOURCE_BYTES - len(SOURCE.encode()))
    assert len(text.encode()) == parser.MAX_SOURCE_BYTES
    assert problems(text) == []


def test_pr001_file_too_large(write_criteria) -> None:
    path = write_criteria(b"#" * (parser.MAX_SOURCE_BYTES + 1))
    assert [(d.code, d.message) for d in partyrules.check(path)] == [
        ("PR001", "the file is larger than 4 MiB; criteria files are small text files")
    ]


def deep(levels: int) -> str:
    return edit(("input n ", f"let deep = {'not ' * levels}true;\ninput n "))


def test_pr002_nesting_below_the_limit_is_accepted() -> None:
    assert problems(deep(117)) == []


def test_pr002_nested_too_deep() -> None:
    assert problems(deep(118)) == [
        (
            "PR002",
            "9:484",
            "this formula is too long or too deeply nested (121 levels; at most 120)",
            "split the formula into named values with `let`",
        )
    ]


def test_pr002_very_deep_nesting_is_refused_without_recursion_error() -> None:
    ((code, where, message, _),) = problems(deep(5000))
    assert (code, where, message) == (
        "PR002",
        "9:20012",
        "this formula is too long or too deeply nested (5003 levels; at most 120)",
    )


# ---------------------------------------------------------------- PR003-PR005: syntax errors


def test_pr003_file_ends_early() -> None:
    assert rendered(SOURCE[: SOURCE.index("  grade no")]) == (
        "t.criteria:17:34: error PR003: the file ends too early; expected one of `grade` or `}`\n"
        '  17 |   grade ok "Đạt" { band from 5; }\n'
        "     |                                  ^\n"
        "  hint: is a closing `}` or `;` missing?\n"
        "\n"
        "1 problem found"
    )


def test_pr003_file_ends_inside_a_block() -> None:
    assert problems(SOURCE + 'knockout k "K" {') == [
        (
            "PR003",
            "20:17",
            "the file ends too early; expected one of `cap`, `cite`, `force`, `locked`, `note`, `when` or `}`",
            "is a closing `}` or `;` missing?",
        )
    ]


def test_pr004_curly_quotes() -> None:
    assert rendered(edit(('title "T";', "title “T”;"))) == (
        't.criteria:2:9: error PR004: `“` cannot stand here; expected a text in double quotes ("...")\n'
        "   2 |   title “T”;\n"
        "     |         ^\n"
        '  hint: write labels between straight double quotes "..."\n'
        "\n"
        "1 problem found"
    )


def test_pr004_unterminated_text() -> None:
    assert problems(edit(('title "T";', 'title "T;'))) == [
        (
            "PR004",
            "2:9",
            '`"` cannot stand here; expected a text in double quotes ("...")',
            'a quoted text must end with `"` on the same line',
        )
    ]


def test_pr004_names_are_ascii() -> None:
    """The message says names are ASCII (it said "cannot stand here; expected a name"), the hint the name to write."""
    assert problems(edit(("input done ", "input điểm "))) == [
        (
            "PR004",
            "8:7",
            "`đ` cannot stand in a name: names are ASCII letters, digits and `_`",
            "write `diem` and keep the Vietnamese in the quoted label",
        )
    ]
    assert problems(edit(("input done ", "input thông_tin "))) == [
        (
            "PR004",
            "8:9",
            "`ô` cannot stand in a name: names are ASCII letters, digits and `_`",
            "write `thong_tin` and keep the Vietnamese in the quoted label",
        )
    ]


def test_pr005_a_bare_if_inside_a_sum_explains_the_parentheses() -> None:
    """`n + if ...` said "found `x` where the file expects one of `(`, `*` ..."; now it names the rule."""
    text = (
        'ruleset "t/s" { title "t"; version "1"; basis "b"; effective from 2024-01-01; points illustrative "x"; }\n'
        'input thematic_month "T": boolean;\ninput n "N": integer 0..3;\n'
        'criteria "C" max 10 {\n  item a "A" max 10 { points = n * 2 + if thematic_month then 1 else 0; }\n}\n'
        'grades { grade g "G" { band from 0; } }\n'
    )
    assert problems(text) == [
        (
            "PR005",
            "5:40",
            "a bare `if` cannot stand inside a sum, a product or a comparison",
            "put it in parentheses: `(if ... then ... else ...)`; bare, it may only be a whole formula or a row's result",
        )
    ]
    fixed = text.replace("+ if thematic_month then 1 else 0", "+ (if thematic_month then 1 else 0)")
    assert problems(fixed) == []
    named = text.replace("if thematic_month then 1 else 0", "iffy")  # a name that starts like `if` is a name
    assert "`iffy` is not declared" in [p[2] for p in problems(named)]


def test_pr004_stray_character() -> None:
    assert problems(edit(("else n * 2;", "else n * 2.;"))) == [
        (
            "PR004",
            "13:40",
            "`.` cannot stand here; expected one of `*`, `+`, `-`, `/`, `;`, `and`, `or` "
            "or a comparison (>=, >, <=, <, ==, !=)",
            None,
        )
    ]


def test_pr005_missing_semicolon() -> None:
    assert rendered(edit(('version "1";', 'version "1"'))) == (
        "t.criteria:4:3: error PR005: found `basis` where the file expects `;`\n"
        '   4 |   basis "B";\n'
        "     |   ^^^^^\n"
        "  hint: is a `;` missing at the end of the previous line?\n"
        "\n"
        "1 problem found"
    )


def test_pr005_misspelt_keyword() -> None:
    assert rendered(edit(("input n ", "inptu n "))) == (
        "t.criteria:9:1: error PR005: found `inptu` where the file expects one of `add`, `bonuses`, "
        "`change`, `constraint`, `criteria`, `deductions`, `example`, `examples`, ...\n"
        '   9 | inptu n "N": integer 0..5 = 0;\n'
        "     | ^^^^^\n"
        "  hint: did you mean `input`?\n"
        "\n"
        "1 problem found"
    )


def test_pr005_statement_without_semicolon_before_brace() -> None:
    assert problems(edit(("band from 5; }", "band from 5 }"))) == [
        ("PR005", "17:32", "found `}` where the file expects one of `;` or `below`", "every statement ends with `;`")
    ]


def test_pr005_single_equals_in_a_comparison() -> None:
    assert problems(edit(("if done then", "if n = 3 then"))) == [
        (
            "PR005",
            "13:19",
            "found `=` where the file expects one of `(`, `*`, `+`, `-`, `/`, `and`, `or`, `then`, ...",
            "to compare, write `==`; `=` gives a rule its formula",
        )
    ]


def test_pr005_negative_maximum_is_a_syntax_error() -> None:
    assert problems(edit(('item x "X" max 10', 'item x "X" max -10'))) == [
        (
            "PR005",
            "11:18",
            "found `-` where the file expects one of a number, a percentage such as 90% or a whole number",
            None,
        )
    ]


# ---------------------------------------------------------------- PR006-PR012: the tree builder


def test_pr006_bad_date() -> None:
    assert rendered(edit(("integer 0..5 = 0", "date 2024-01-01..2024-13-01"))) == (
        "t.criteria:9:31: error PR006: `2024-13-01` is not a real date\n"
        '   9 | input n "N": date 2024-01-01..2024-13-01;\n'
        "     |                               ^^^^^^^^^^\n"
        "  hint: write dates as YYYY-MM-DD\n"
        "\n"
        "1 problem found"
    )


def test_pr006_bad_date_in_a_formula() -> None:
    assert problems(edit(("if done then", "if 2024-02-30 > 2024-01-01 then"))) == [
        ("PR006", "13:17", "`2024-02-30` is not a real date", "write dates as YYYY-MM-DD")
    ]


def test_pr006_bad_date_in_the_header() -> None:
    assert problems(edit(("2024-01-01;", "2024-02-30 to 2025-13-01;"))) == [
        ("PR006", "5:18", "`2024-02-30` is not a real date", "write dates as YYYY-MM-DD"),
        ("PR006", "5:32", "`2025-13-01` is not a real date", "write dates as YYYY-MM-DD"),
    ]


@pytest.mark.parametrize(
    ("formula", "where", "message"),
    [
        ("match done { true: 10; otherwise: 0; otherwise: 1; }", "13:51", "this match has more than one `otherwise`"),
        (
            "table first (done) { true: 10; otherwise: 0; otherwise: 1; }",
            "13:59",
            "this table has more than one `otherwise`",
        ),
    ],
)
def test_pr007_otherwise_twice(formula: str, where: str, message: str) -> None:
    assert problems(edit(("if done then 10 else n * 2", formula))) == [("PR007", where, message, None)]


@pytest.mark.parametrize(
    ("formula", "where", "message"),
    [
        ("bands n { from 3: 10; otherwise: 0; from 1: 5; }", "13:36", "`otherwise` must be the last row of the bands"),
        ("match done { otherwise: 0; true: 10; }", "13:27", "`otherwise` must be the last row of the match"),
        ("table first (done) { otherwise: 0; true: 10; }", "13:35", "`otherwise` must be the last row of the table"),
    ],
)
def test_pr008_otherwise_not_last(formula: str, where: str, message: str) -> None:
    assert problems(edit(("if done then 10 else n * 2", formula))) == [("PR008", where, message, "move it to the end")]


def test_pr008_rendered() -> None:
    assert rendered(edit(("if done then 10 else n * 2", "bands n { from 3: 10; otherwise: 0; from 1: 5; }"))) == (
        "t.criteria:13:36: error PR008: `otherwise` must be the last row of the bands\n"
        "  13 |     points = bands n { from 3: 10; otherwise: 0; from 1: 5; };\n"
        "     |                                    ^^^^^^^^^^^^^\n"
        "  hint: move it to the end\n"
        "\n"
        "1 problem found"
    )


def test_pr009_header_says_twice() -> None:
    assert rendered(edit(('version "1";', 'version "1";\n  version "2";'))) == (
        "t.criteria:4:3: error PR009: the header says `version` twice\n"
        '   4 |   version "2";\n'
        "     |   ^^^^^^^^^^^^\n"
        "  hint: keep one\n"
        "\n"
        "1 problem found"
    )


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        (
            "  effective from 2024-01-01;",
            "  effective from 2024-01-01;\n  effective from 2025-01-01;",
            "6:3",
            "the header says `effective` twice",
        ),
        ("    points = if", "    points = 1;\n    points = if", "14:5", "item `x` says `points` twice"),
        ("band from 5; }", "band from 5; band from 6; }", "17:33", "grade `ok` says `band` twice"),
    ],
)
def test_pr009_said_twice(old: str, new: str, where: str, message: str) -> None:
    assert problems(edit((old, new))) == [("PR009", where, message, "keep one")]


GROUPED = ("  }\n}\ngrades", "  }\n  }\n}\ngrades")


@pytest.mark.parametrize(
    ("pairs", "where", "message"),
    [
        (
            [("  item x", '  group g "G" max 10 {\n  points = 3;\n  item x'), GROUPED],
            "12:3",
            "`points` cannot be used in group `g`",
        ),
        (
            [("  item x", '  group g "G" max 10 {\n  rescale round 2;\n  item x'), GROUPED],
            "12:3",
            "`rescale` cannot be used in group `g`",
        ),
        (
            [('criteria "C" max 10 {', 'criteria "C" max 10 {\n  level = 3;')],
            "11:3",
            "`level` cannot be used in the criteria",
        ),
    ],
)
def test_pr010_statement_not_allowed_here(pairs: list[tuple[str, str]], where: str, message: str) -> None:
    assert problems(edit(*pairs)) == [("PR010", where, message, None)]


def test_pr010_valid_group() -> None:
    assert problems(edit(("  item x", '  group g "G" max 10 {\n  cite "c";\n  item x'), GROUPED)) == []


def test_pr010_in_an_adjustment() -> None:
    text = SOURCE + 'deductions "D" cap 1 {\n  deduction d "D" max 1 { points = 0; level = 3; }\n}\n'
    assert problems(text) == [("PR010", "21:39", "`level` cannot be used in deduction `d`", None)]


def test_pr011_bonus_among_deductions() -> None:
    text = SOURCE + 'deductions "D" cap 1 {\n  bonus d "D" max 1 { points = 0; }\n}\n'
    assert rendered(text) == (
        "t.criteria:21:3: error PR011: a `bonus` cannot stand among the deductions\n"
        '  21 |   bonus d "D" max 1 { points = 0; }\n'
        "     |   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "  hint: write `deduction` here, or move it to the bonuses\n"
        "\n"
        "1 problem found"
    )


def test_pr011_deduction_among_bonuses() -> None:
    text = SOURCE + 'bonuses "C" cap 1 {\n  deduction d "D" max 1 { points = 0; }\n}\n'
    assert problems(text) == [
        (
            "PR011",
            "21:3",
            "a `deduction` cannot stand among the bonuses",
            "write `bonus` here, or move it to the deductions",
        )
    ]


def test_pr012_knockout_without_when() -> None:
    assert rendered(SOURCE + 'knockout k "K" { force no; }\n') == (
        "t.criteria:20:1: error PR012: knockout `k` says no `when`\n"
        '  20 | knockout k "K" { force no; }\n'
        "     | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "  hint: add `when <condition>;`\n"
        "\n"
        "1 problem found"
    )


def test_pr012_knockout_without_force_or_cap() -> None:
    assert problems(SOURCE + 'knockout k "K" { when done; }\n') == [
        ("PR012", "20:1", "knockout `k` says neither `force` nor `cap`", "add `force <grade>;`")
    ]


def test_pr012_knockout_without_anything_gets_both() -> None:
    assert problems(SOURCE + 'knockout k "K" { cite "x"; }\n') == [
        ("PR012", "20:1", "knockout `k` says no `when`", "add `when <condition>;`"),
        ("PR012", "20:1", "knockout `k` says neither `force` nor `cap`", "add `force <grade>;`"),
    ]


def test_pr012_not_graded_without_when() -> None:
    assert problems(SOURCE + 'not_graded k "K" { cite "x"; }\n') == [
        ("PR012", "20:1", "not_graded `k` says no `when`", "add `when <condition>;`")
    ]


def test_valid_knockouts_next_to_the_wrong_ones() -> None:
    text = SOURCE + 'knockout k "K" { when done; force no; }\nnot_graded e "E" { when n > 3; }\n'
    assert problems(text) == []


def test_builder_problems_are_reported_together_in_file_order() -> None:
    text = edit(('version "1";', 'version "1";\n  version "2";')) + 'knockout k "K" { when done; }\n'
    assert [(code, where) for code, where, _, _ in problems(text)] == [("PR009", "4:3"), ("PR012", "21:1")]
    assert rendered(text).endswith("\n\n2 problems found")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            SOURCE + 'not_graded k "K" { when done; force no; }\n',
            ("PR010", "20:31", "`force` cannot be used in not_graded `k`", None),
        ),
        (
            edit(("    points = if", "    official;\n    illustrative;\n    points = if")),
            ("PR009", "14:5", "item `x` says `illustrative` twice", "keep one"),
        ),
    ],
)
def test_pr009_pr010_name_the_statement_as_written(text: str, expected: tuple[str, str, str, str | None]) -> None:
    assert problems(text) == [expected]


def test_pr009_header_names_points_as_written() -> None:
    ((code, _, message, _),) = problems(edit(('version "1";', 'version "1";\n  points official;')))
    assert (code, message) == ("PR009", "the header says `points` twice")


def test_pr005_misspelt_alternative_keyword() -> None:
    assert problems(edit(("  points official;", "  points offical;"))) == [
        (
            "PR005",
            "6:10",
            "found `offical` where the file expects one of `illustrative` or `official`",
            "did you mean `official`?",
        )
    ]


def test_the_builder_walk_builds_what_lark_transformer_builds() -> None:
    """``parser._built`` (the builder's methods looked up once a parse) gives the very nodes, spans
    (in ``repr``, which equality leaves out), problems and statement blocks of ``Builder.transform``."""
    from pathlib import Path

    from partyrules.catalog import shipped_ids, shipped_path
    from partyrules.parser import Builder, _built, grammar
    from partyrules.parser.spans import FILE

    sources = [shipped_path(i).read_text(encoding="utf-8") for i in shipped_ids()]
    sources += [p.read_text(encoding="utf-8") for p in (Path(__file__).parents[1] / "benchmarks").glob("*.criteria")]
    sources.append(SOURCE.replace("integer 0..5", "integer 0..5" + "9" * 5000))  # PR013, found by the builder
    for source in sources:
        tree = grammar.lalr().parse(parser.normalise(source))
        token = FILE.set("f.criteria")
        try:
            transformer, walker = Builder("f.criteria"), Builder("f.criteria")
            expected, built = transformer.transform(tree), _built(walker, tree, {})
        finally:
            FILE.reset(token)
        assert repr(built) == repr(expected)
        assert walker.problems == transformer.problems and repr(walker.blocks) == repr(transformer.blocks)
    assert transformer.problems  # the last source's problem was compared, not absent
