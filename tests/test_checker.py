"""The checker: one small wrong file per diagnostic code, next to a valid variant.

Every wrong file is the valid BASE with one or two replacements; its errors
are pinned exactly (code, line:column, message, hint), and a nearby valid
variant loads, so each case shows that the diagnostic is specific.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import partyrules
from partyrules import cli
from partyrules.diagnostics import render

BASE = """\
ruleset "test/base" {
  title "Base";
  version "1";
  basis "Test basis";
  effective from 2024-01-01;
  points illustrative "test";
}

input rate "Rate": percent;
input count_a "Count": integer 0..10;
input flag "Flag": boolean = false;

criteria "Base" max 20 {
  item a "A" max 10 {
    points = bands rate { from 90%: 10; from 50%: 5; otherwise: 0; };
  }
  item b "B" max 10 {
    points = if flag then 10 else count_a;
  }
}

grades {
  grade good "Good" { band from 15; }
  grade poor "Poor" { band below 15; }
}
# more rules
"""
MORE = "# more rules"  # an anchor on line 26 where declarations are added
HEADER = BASE[: BASE.index("input rate")]
CRITERIA = BASE[BASE.index("criteria ") : BASE.index("grades {")]
GRADES = BASE[BASE.index("grades {") : BASE.index(MORE)]
LEVELS = (MORE, 'levels q "Q" { hi, lo }')
DEDUCTION = 'deductions "D" cap 1 { deduction d1 "D1" max 1 { points = 0; } }'
B_POINTS = "if flag then 10 else count_a"

Problem = tuple[str, str, str, "str | None"]


def edit(*pairs: tuple[str, str], base: str = BASE) -> str:
    """The base text with each ``old`` (which must occur exactly once) replaced by ``new``."""
    text = base
    for old, new in pairs:
        assert text.count(old) == 1, f"{old!r} must occur once"
        text = text.replace(old, new)
    return text


def problems(text: str, severity: str = "error") -> list[Problem]:
    """(code, "line:column", message, hint) of each diagnostic of the severity, in position order.

    A related place follows the message as `` [label at line:column]``.
    """
    return [
        (d.code, f"{d.span.line}:{d.span.column}", message(d), d.hint)
        for d in partyrules.check("t.criteria", text=text)
        if d.severity == severity
    ]


def message(d: partyrules.Diagnostic) -> str:
    return d.message + "".join(f" [{r.label} at {r.span.line}:{r.span.column}]" for r in d.related)


def rendered(text: str) -> str:
    with pytest.raises(partyrules.CriteriaError) as info:
        partyrules.loads(text, "t.criteria")
    return str(info.value)


def table(policy: str, rows: str, columns: str = "(flag, count_a)") -> tuple[str, str]:
    return (B_POINTS, f"table {policy} {columns} {{ {rows} }}")


def test_base_is_valid_and_clean() -> None:
    assert partyrules.check("t.criteria", text=BASE) == []
    partyrules.loads(BASE, "t.criteria")


def test_the_shipped_example_has_no_errors() -> None:
    path = partyrules.shipped_path("vn.hatinh/chi-bo-4-tot")
    assert [(d.code, d.message) for d in partyrules.check(path)] == [("PR901", "input `district` is never used")]


# ---------------------------------------------------------------- one case per diagnostic

NO_HINT = None
TWICE = "give each input, value and criterion its own name"
CYCLE = "a value cannot depend on itself"
TOTAL = "use it in grades and knock-outs"
ROUND = "`round` takes a value and a number of decimal places: round(x, 2)"
LEVEL_HINT = "use a bands or match whose results are level names, or an input of type `level`"
ORDER_HINT = "declare a level scale (`levels`) if the values are ordered"
UNIQUE_HINT = "make the rows exclusive, or use `table first` if the first matching row should win"
NEVER_ROW = "earlier rows already match every case it matches, or it contradicts the inputs' ranges"
NO_GRADE = "no total falls in its band and no rule leads to it"
AMBIGUOUS_HINT = "compare it with something of the scale you mean, e.g. `level(c1) >= tot`, or rename one of the values"
DIVIDE_HINT = "declare the divisor's range so it cannot be 0, or write `if X > 0 then ... / X else ...`"

CASES = [
    # -- header
    pytest.param(
        [(HEADER, "")],
        [],
        [
            (
                "PR101",
                "1:1",
                "the file has no `ruleset` header",
                'start the file with `ruleset "province/scale" { title "..."; version "1"; ... }`',
            )
        ],
        id="PR101-no-header",
    ),
    pytest.param(
        [(MORE, HEADER)], [], [("PR102", "26:1", "the file has two `ruleset` headers", "keep one")], id="PR102"
    ),
    pytest.param(
        [('"test/base"', '"Test Base"')],
        [('"test/base"', '"vn.test/base-2_x.y"')],
        [
            (
                "PR103",
                "1:1",
                '"Test Base" is not a valid ruleset id',
                'use lower-case letters, digits, `-`, `_` and `.`, parts separated by `/`: "vn.hatinh/chi-bo-4-tot"',
            )
        ],
        id="PR103-ruleset-id",
    ),
    pytest.param(
        [('  title "Base";\n', "")],
        [],
        [("PR104", "1:1", "the header says no `title`", 'add `title "...";`')],
        id="PR104-title",
    ),
    pytest.param(
        [('  version "1";\n', "")],
        [],
        [("PR104", "1:1", "the header says no `version`", 'add `version "...";`')],
        id="PR104-version",
    ),
    pytest.param(
        [('  basis "Test basis";\n', "")],
        [],
        [("PR104", "1:1", "the header says no `basis`", 'add `basis "...";`')],
        id="PR104-basis",
    ),
    pytest.param(
        [('  points illustrative "test";\n', "")],
        [('  points illustrative "test";', "  points official;")],
        [
            (
                "PR104",
                "1:1",
                "the header does not say whether its points are official or illustrative",
                'add `points official;` or `points illustrative "why";`',
            )
        ],
        id="PR104-status",
    ),
    pytest.param(
        [("  effective from 2024-01-01;\n", "")],
        [],
        [("PR104", "1:1", "the header says no `effective from` date", "add `effective from 2025-08-30;`")],
        id="PR104-effective",
    ),
    pytest.param(
        [("from 2024-01-01;", "from 2024-01-01 to 2023-12-31;")],
        [("from 2024-01-01;", "from 2024-01-01 to 2024-01-01;")],
        [("PR105", "1:1", "the ruleset ends (2023-12-31) before it starts (2024-01-01)", NO_HINT)],
        id="PR105-ends-before-start",
    ),
    # -- blocks and names
    pytest.param(
        [(MORE, 'criteria "More" max 0 { }')],
        [],
        [("PR201", "26:1", "the file has two `criteria` blocks", "put every criterion in one block")],
        id="PR201-criteria",
    ),
    pytest.param(
        [(MORE, DEDUCTION + "\n" + DEDUCTION.replace("d1", "d2"))],
        [(MORE, DEDUCTION)],
        [("PR201", "27:1", "the file has two `deductions` blocks", "put them in one block")],
        id="PR201-deductions",
    ),
    pytest.param(
        [(MORE, 'bonuses "C" cap 1 { bonus c1 "C1" max 1 { points = 0; } }\nbonuses "C" cap 1 { }')],
        [(MORE, 'bonuses "C" cap 1 { bonus c1 "C1" max 1 { points = 0; } }')],
        [("PR201", "27:1", "the file has two `bonuses` blocks", "put them in one block")],
        id="PR201-bonuses",
    ),
    pytest.param(
        [(MORE, 'grades { grade g3 "G" { band any; } }')],
        [],
        [("PR201", "26:1", "the file has two `grades` blocks", "put every grade in one block")],
        id="PR201-grades",
    ),
    pytest.param(
        [(MORE, 'input max "M": boolean;')],
        [(MORE, 'input maximum "M": boolean;')],
        [("PR203", "26:1", "`max` is a word of the language and cannot name anything", "choose another name")],
        id="PR203-input",
    ),
    pytest.param(
        [(MORE, 'input kind "K": one of { x, then };')],
        [(MORE, 'input kind "K": one of { x, thence };')],
        [("PR203", "26:29", "`then` is a word of the language and cannot name a value", NO_HINT)],
        id="PR203-member",
    ),
    pytest.param(
        [("grade poor", "grade any")],
        [("grade poor", "grade anyone")],
        [("PR203", "24:3", "`any` is a word of the language and cannot name a grade", NO_HINT)],
        id="PR203-grade",
    ),
    pytest.param(
        [(MORE, 'knockout band "K" { when flag; force poor; }')],
        [(MORE, 'knockout banned "K" { when flag; force poor; }')],
        [("PR203", "26:1", "`band` is a word of the language and cannot name a rule", NO_HINT)],
        id="PR203-rule",
    ),
    pytest.param(
        [(MORE, 'input rate "R2": percent;')],
        [(MORE, 'input rate2 "R2": percent;')],
        [("PR204", "26:1", "`rate` is declared twice [first declared here at 9:1]", TWICE)],
        id="PR204-input",
    ),
    pytest.param(
        [('item b "B"', 'item rate "B"')],
        [('item b "B"', 'item rate_b "B"')],
        [("PR204", "17:3", "`rate` is declared twice [first declared here at 9:1]", TWICE)],
        id="PR204-item-named-like-an-input",
    ),
    pytest.param(
        [(MORE, 'levels lv "L" { hi, lo }\nlevels lv "L" { hi, lo }')],
        [(MORE, 'levels lv "L" { hi, lo }\nlevels lv2 "L" { top, bottom }')],
        [("PR204", "27:1", "the level scale `lv` is declared twice", NO_HINT)],
        id="PR204-levels",
    ),
    pytest.param(
        [(MORE, 'input kind "K": one of { x, y, x };')],
        [(MORE, 'input kind "K": one of { x, y, z };')],
        [("PR204", "26:32", "`x` is listed twice", NO_HINT)],
        id="PR204-member",
    ),
    pytest.param(
        [('grade poor "Poor"', 'grade good "Poor"')],
        [('grade poor "Poor"', 'grade bad "Poor"')],
        [("PR204", "24:3", "grade `good` is declared twice", NO_HINT)],
        id="PR204-grade",
    ),
    pytest.param(
        [(MORE, 'levels quality "Q" { hi, lo }\ninput q "Q": level qualty;')],
        [(MORE, 'levels quality "Q" { hi, lo }\ninput q "Q": level quality;')],
        [("PR205", "27:14", "there is no level scale `qualty`", "did you mean `quality`?")],
        id="PR205-unknown-scale",
    ),
    pytest.param(
        [(f"    points = {B_POINTS};\n", "")],
        [(B_POINTS, "10")],
        [
            ("PR206", "17:3", "item `b` says neither `points` nor `level`", "add `points = ...;` or `level = ...;`"),
            ("PR206", "17:3", "item `b` has a `max` but no `points` rule", "add `points = ...;`"),
        ],
        id="PR206-neither-points-nor-level",
    ),
    pytest.param(
        [('item b "B" max 10', 'item b "B"'), ("max 20", "max 10"), ("from 15", "from 5"), ("below 15", "below 5")],
        [],
        [("PR206", "17:3", "item `b` has points but no `max`", "write `max N` after its label")],
        id="PR206-points-without-max",
    ),
    pytest.param(
        [(f"points = {B_POINTS};", "level = if flag then hi else lo;"), LEVELS],
        [(f"points = {B_POINTS};", f"points = {B_POINTS};\n    level = if flag then hi else lo;"), LEVELS],
        [("PR206", "17:3", "item `b` has a `max` but no `points` rule", "add `points = ...;`")],
        id="PR206-max-without-points",
    ),
    pytest.param(
        [('  item b "B" max 10 {', '  group e "E" { }\n  item b "B" max 10 {')],
        [],
        [("PR206", "17:3", "group `e` is empty", NO_HINT)],
        id="PR206-empty-group",
    ),
    pytest.param(
        [("else count_a", "else a"), ("from 50%: 5", "from 50%: min(b, 5)")],
        [("else count_a", "else a")],
        [("PR207", "14:3", "circular definition: a → b → a", CYCLE)],
        id="PR207-criteria",
    ),
    pytest.param(
        [(MORE, "let x = y + 1;\nlet y = x + 1;")],
        [(MORE, "let x = 1;\nlet y = x + 1;")],
        [("PR207", "26:1", "circular definition: x → y → x", CYCLE)],
        id="PR207-lets",
    ),
    pytest.param(
        [("else count_a", "else total")],
        [(MORE, 'knockout low "Low" { when total < 5; force poor; }')],
        [("PR208", "18:35", "`total` is only known once every criterion is scored", TOTAL)],
        id="PR208-total-in-points",
    ),
    pytest.param(
        [(MORE, 'constraint "c": a > 0;')],
        [(MORE, 'constraint "c": count_a > 0 or flag;')],
        [("PR209", "26:17", "a constraint can only use inputs, and `a` is not one", NO_HINT)],
        id="PR209-constraint-uses-a-criterion",
    ),
    pytest.param(
        [(MORE, 'levels q1 "Q" { hi, lo }\nlevels q2 "Q" { hi, lo }'), ("if flag then", "if flag and hi == lo then")],
        [
            (MORE, 'levels q1 "Q" { hi, lo }\nlevels q2 "Q" { hi, lo }\ninput lv "L": level q1;'),
            ("if flag then", "if flag and lv == hi then"),
        ],
        [
            (
                "PR210",
                "18:26",
                "`hi` is a value of several scales (q1, q2)",
                AMBIGUOUS_HINT,
            ),
            (
                "PR210",
                "18:32",
                "`lo` is a value of several scales (q1, q2)",
                AMBIGUOUS_HINT,
            ),
        ],
        id="PR210-ambiguous-member",
    ),
    pytest.param(
        [("else count_a", "else coutn_a")],
        [],
        [("PR211", "18:35", "`coutn_a` is not declared", "did you mean `count_a`?")],
        id="PR211-undeclared",
    ),
    pytest.param(
        [("else count_a", "else mni(count_a, 3)")],
        [("else count_a", "else min(count_a, 3)")],
        [("PR212", "18:35", "there is no function `mni`", "did you mean `min`?")],
        id="PR212-unknown-function",
    ),
    pytest.param(
        [("else count_a", "else min()")],
        [("else count_a", "else min(count_a)")],
        [("PR213", "18:35", "`min` needs at least one value", NO_HINT)],
        id="PR213-min",
    ),
    pytest.param(
        [("else count_a", "else clamp(count_a, 0)")],
        [("else count_a", "else clamp(count_a, 0, 10)")],
        [("PR213", "18:35", "`clamp` takes three values: clamp(x, low, high)", NO_HINT)],
        id="PR213-clamp",
    ),
    pytest.param(
        [("else count_a", "else round(count_a)")],
        [("else count_a", "else round(count_a, 0)")],
        [("PR213", "18:35", ROUND, NO_HINT)],
        id="PR213-round",
    ),
    pytest.param(
        [("else count_a", "else round(count_a, 13)")],
        [("else count_a", "else round(count_a, 12)")],
        [("PR213", "18:50", "`round` keeps 0 to 12 decimal places", NO_HINT)],
        id="PR213-round-places",
    ),
    pytest.param(
        [("else count_a", "else min(days_between(2024-01-01), 10)")],
        [("else count_a", "else min(days_between(2024-01-01, 2024-01-05), 10)")],
        [("PR213", "18:39", "`days_between` takes two dates", NO_HINT)],
        id="PR213-days-between",
    ),
    pytest.param(
        [("if flag then", "if full(a, a) then")],
        [("if flag then", "if full(a) then")],
        [("PR213", "18:17", "`full` takes one criterion", NO_HINT)],
        id="PR213-full",
    ),
    pytest.param(
        [LEVELS, ("if flag then", "if worst_level() == hi then")],
        [
            LEVELS,
            ("if flag then", "if worst_level() == hi then"),
            ("    points = bands rate", "    level = if flag then hi else lo;\n    points = bands rate"),
        ],
        [("PR214", "18:17", "no criterion has a `level` rule", NO_HINT)],
        id="PR214-worst-level",
    ),
    pytest.param(
        [("if flag then", "if full(rate) then")],
        [("if flag then", "if full(a) then")],
        [("PR214", "18:22", "`full` takes criteria by name", NO_HINT)],
        id="PR214-not-a-criterion",
    ),
    pytest.param(
        [("if flag then", "if full(aa) then")],
        [("if flag then", "if full(a) then")],
        [("PR214", "18:22", "`full` takes criteria by name", "did you mean `a`?")],
        id="PR214-misspelt-criterion",
    ),
    pytest.param(
        [LEVELS, ("if flag then", "if level(a) == hi then")],
        [
            LEVELS,
            ("if flag then", "if level(a) == hi then"),
            ("    points = bands rate", "    level = if flag then hi else lo;\n    points = bands rate"),
        ],
        [("PR214", "18:17", "`a` has no `level` rule", NO_HINT)],
        id="PR214-no-level-rule",
    ),
    pytest.param(
        [("band from 15; }", 'band from 15; require "r": flag; else pooor; }')],
        [("band from 15; }", 'band from 15; require "r": flag; else poor; }')],
        [("PR215", "23:61", "there is no grade `pooor`", "did you mean `poor`?")],
        id="PR215-else",
    ),
    pytest.param(
        [(MORE, 'knockout k "K" { when flag; force pooor; }')],
        [(MORE, 'knockout k "K" { when flag; force poor; }')],
        [("PR215", "26:35", "there is no grade `pooor`", "did you mean `poor`?")],
        id="PR215-knockout",
    ),
    pytest.param(
        [(MORE, DEDUCTION.replace("points = 0;", 'cite "x";'))],
        [(MORE, DEDUCTION)],
        [("PR206", "26:24", "deduction `d1` has no `points` rule", "add `points = ...;`")],
        id="PR206-deduction-without-points",
    ),
    pytest.param(
        [(MORE, 'knockout k "K" { when flag; force poor; }\nnot_graded k "K2" { when count_a > 5; }')],
        [(MORE, 'knockout k "K" { when flag; force poor; }\nnot_graded k2 "K2" { when count_a > 5; }')],
        [("PR204", "27:1", "the rule `k` is declared twice [first declared here at 26:1]", NO_HINT)],
        id="PR204-rule",
    ),
    pytest.param(
        [
            LEVELS,
            (f'item b "B" max 10 {{\n    points = {B_POINTS};', 'item b "B" {\n    level = if flag then hi else lo;'),
            ("max 20", "max 10"),
            ("band from 15; }", 'band from 5; require "r": b > 3; }'),
            ("band below 15;", "band below 5;"),
        ],
        [
            LEVELS,
            (f'item b "B" max 10 {{\n    points = {B_POINTS};', 'item b "B" {\n    level = if flag then hi else lo;'),
            ("max 20", "max 10"),
            ("band from 15; }", 'band from 5; require "r": level(b) == hi; }'),
            ("band below 15;", "band below 5;"),
        ],
        [("PR214", "23:49", "`b` has no points to use here", "it is rated on levels: write `level(b)`")],
        id="PR214-level-only-criterion-as-points",
    ),
    pytest.param(
        [
            ("  item a", '  group g "G" max 10 {\n  applicable when flag else zero;\n  item a'),
            ('  item b "B"', '  }\n  item b "B"'),
        ],
        [("  item a", '  group g "G" max 10 {\n  item a'), ('  item b "B"', '  }\n  item b "B"')],
        [
            (
                "PR216",
                "15:3",
                "`applicable when` goes on items, not on group `g`",
                "put it on each item of the group that may not apply",
            )
        ],
        id="PR216-applicable-on-a-group",
    ),
    pytest.param(
        [
            (MORE, DEDUCTION.replace("{ points", "{ applicable when flag else rescale; points")),
            ('criteria "Base" max 20 {', 'criteria "Base" max 20 {\n  rescale round 2;'),
        ],
        [
            (MORE, DEDUCTION.replace("{ points", "{ applicable when flag else zero; points")),
            ('criteria "Base" max 20 {', 'criteria "Base" max 20 {\n  rescale round 2;'),
        ],
        [("PR216", "27:50", "a deduction cannot be rescaled when it does not apply", "write `else zero;`")],
        id="PR216-rescaled-deduction",
    ),
    pytest.param(
        [
            LEVELS,
            ('item b "B" max 10 {', 'item b "B" max 10 {\n    applicable when flag else zero;'),
            (f"    points = {B_POINTS};", f"    level = if flag then hi else lo;\n    points = {B_POINTS};"),
            ("    points = bands rate", "    level = match level(b) { hi: hi; lo: lo; };\n    points = bands rate"),
        ],
        [
            LEVELS,
            ('item b "B" max 10 {', 'item b "B" max 10 {\n    applicable when flag else zero;'),
            (f"    points = {B_POINTS};", f"    level = if flag then hi else lo;\n    points = {B_POINTS};"),
            ("    points = bands rate", "    level = if level(b) >= hi then hi else lo;\n    points = bands rate"),
        ],
        [
            (
                "PR217",
                "15:19",
                "`b` has no level when it does not apply, so this cannot choose a row",
                "compare instead, e.g. `level(c) >= tot` (false when c does not apply)",
            )
        ],
        id="PR217-level-of-a-criterion-that-may-not-apply",
    ),
    pytest.param(
        [LEVELS, ("input flag", 'input hi "H": boolean;\ninput flag'), ("if flag then", "if flag and hi then")],
        [LEVELS, ("input flag", 'input high "H": boolean;\ninput flag'), ("if flag then", "if flag and high then")],
        [
            (
                "PR218",
                "11:1",
                "`hi` names both an input and a value of `q`",
                "rename one of them, so that every name means one thing",
            )
        ],
        id="PR218-input-named-like-a-member",
    ),
    pytest.param(
        [(MORE, DEDUCTION.replace("cap 1", "cap 1%"))],
        [(MORE, DEDUCTION)],
        [("PR401", "26:20", "a cap is a number of points, not a percentage", NO_HINT)],
        id="PR401-percentage-cap",
    ),
    # -- types
    pytest.param(
        [(MORE, 'input kind "K": one of { x, y } = z;')],
        [(MORE, 'input kind "K": one of { x, y } = y;')],
        [("PR301", "26:35", "`z` is not one of {x, y}", NO_HINT)],
        id="PR301-default-member",
    ),
    pytest.param(
        [("integer 0..10", "integer 0..10 = 2.5")],
        [("integer 0..10", "integer 0..10 = 2")],
        [("PR301", "10:40", "2.5 is not a whole number", NO_HINT)],
        id="PR301-default-not-whole",
    ),
    pytest.param(
        [("integer 0..10", "integer 0..10 = true")],
        [("integer 0..10", "integer 0..10 = 0")],
        [("PR301", "10:40", "this value is not a whole number", NO_HINT)],
        id="PR301-default-kind",
    ),
    pytest.param(
        [("if flag then", "if flag == 3 then")],
        [("if flag then", "if flag == true then")],
        [("PR301", "18:17", "this compares true or false with a whole number", NO_HINT)],
        id="PR301-comparison",
    ),
    pytest.param(
        [(B_POINTS, "match flag { true: 10; flase: count_a; }")],
        [(B_POINTS, "match flag { true: 10; false: count_a; }")],
        [
            (
                "PR409",
                "18:14",
                "this match does not say what happens for `false`",
                "add rows for them or `otherwise: ...;`",
            ),
            ("PR301", "18:37", "`flase` is not true or false", "did you mean `false`?"),
        ],
        id="PR301-match-pattern",
    ),
    pytest.param(
        [("if flag then 10", "if flag then true")],
        [("if flag then 10", "if flag then 10.0")],
        [
            (
                "PR301",
                "18:37",
                "the two branches of this `if` give different kinds of value: true or false and a whole number",
                NO_HINT,
            )
        ],
        id="PR301-branches",
    ),
    pytest.param(
        [table("first", "yes, 3: 10; otherwise: 0;")],
        [table("first", "true, 3: 10; otherwise: 0;")],
        [("PR301", "18:44", "this column is true or false, not a choice", NO_HINT)],
        id="PR301-table-cell",
    ),
    pytest.param(
        [("integer 0..10", "integer 10..0")],
        [],
        [("PR302", "10:32", "the range starts above where it ends (10 > 0)", NO_HINT)],
        id="PR302-range",
    ),
    pytest.param(
        [("percent;", "percent places 13;")],
        [("percent;", "percent places 12;")],
        [("PR302", "9:20", "13 decimal places is more than the 12 supported", NO_HINT)],
        id="PR302-places",
    ),
    pytest.param(
        [("integer 0..10", "integer 0..10 = 11")],
        [("integer 0..10", "integer 0..10 = 10")],
        [("PR302", "10:40", "the default 11 lies outside the range 0..10", NO_HINT)],
        id="PR302-default-outside",
    ),
    pytest.param(
        [("percent;", "percent = 90;")],
        [("percent;", "percent = 90%;")],
        [("PR303", "9:30", "this input is a percentage but 90 is a plain number", "write 90%")],
        id="PR303-default",
    ),
    pytest.param(
        [("if flag then", "if flag and rate >= 90 then")],
        [("if flag then", "if flag and rate >= 90% then")],
        [("PR303", "18:26", "this compares a percentage with a plain number", "write 90%")],
        id="PR303-comparison",
    ),
    pytest.param(
        [("if flag then", "if flag and rate > 0 then")],
        [("if flag then", "if flag and rate > 0 then")],
        [],
        id="PR303-zero-compares-with-a-percentage",
    ),
    pytest.param(
        [("from 90%: 10", "from 90: 10")],
        [],
        [("PR303", "15:32", "`90` is a plain number but the value compared is a percentage", "write 90%")],
        id="PR303-band-threshold",
    ),
    pytest.param(
        [("else count_a", "else bands count_a { from 50%: 10; otherwise: 0; }")],
        [("else count_a", "else bands count_a { from 5: 10; otherwise: 0; }")],
        [("PR303", "18:56", "`50%` is a percentage but the value compared is a plain number", NO_HINT)],
        id="PR303-band-percentage",
    ),
    pytest.param(
        [("else count_a", "else min(count_a + rate, 10)")],
        [("else count_a", "else min(count_a + round(rate * 10, 0), 10)")],
        [
            (
                "PR303",
                "18:39",
                "`+` mixes a percentage with a plain number",
                "write both sides as percentages (90%) or both as numbers",
            )
        ],
        id="PR303-addition",
    ),
    pytest.param(
        [("else count_a", "else (if flag then rate else 3)")],
        [("else count_a", "else (if flag then rate * 10 else 3)")],
        [("PR303", "18:59", "the two branches of this `if` mix percentages and plain numbers", NO_HINT)],
        id="PR303-branches",
    ),
    pytest.param(
        [("else count_a", "else count_a / 2")],
        [("else count_a", "else round(count_a / 2, 1)")],
        [
            (
                "PR304",
                "18:14",
                "points must be a number, but this is an unrounded quotient",
                "a division must be rounded before it becomes points: write `round(..., 2)`",
            )
        ],
        id="PR304-quotient",
    ),
    pytest.param(
        [(B_POINTS, "flag")],
        [(B_POINTS, "if flag then 10 else 0")],
        [("PR304", "18:14", "points must be a number, but this is true or false", NO_HINT)],
        id="PR304-boolean",
    ),
    pytest.param(
        [LEVELS, ('item b "B" max 10 {', 'item b "B" max 10 {\n    level = count_a;')],
        [LEVELS, ('item b "B" max 10 {', 'item b "B" max 10 {\n    level = bands b { from 5: hi; otherwise: lo; };')],
        [("PR305", "18:13", "a `level` rule must give a level, but this is a whole number", LEVEL_HINT)],
        id="PR305-level-rule",
    ),
    pytest.param(
        [("if flag then", "if count_a then")],
        [("if flag then", "if count_a > 0 then")],
        [("PR306", "18:17", "an `if` condition must be true or false, but this is a whole number", NO_HINT)],
        id="PR306-if",
    ),
    pytest.param(
        [(MORE, 'constraint "c": count_a;')],
        [(MORE, 'constraint "c": count_a > 0 or flag;')],
        [("PR306", "26:17", "a constraint must be true or false, but this is a whole number", NO_HINT)],
        id="PR306-constraint",
    ),
    pytest.param(
        [("if flag then", "if flag and count_a then")],
        [("if flag then", "if flag and count_a > 1 then")],
        [("PR306", "18:26", "`and`'s right side must be true or false, but this is a whole number", NO_HINT)],
        id="PR306-and",
    ),
    pytest.param(
        [("if flag then", "if -flag then")],
        [("if flag then", "if not flag then")],
        [("PR306", "18:17", "only numbers can be negated, not true or false", NO_HINT)],
        id="PR306-negate",
    ),
    pytest.param(
        [("else count_a", "else min(count_a + flag, 10)")],
        [("else count_a", "else min(count_a + 1, 10)")],
        [("PR306", "18:49", "`+` needs numbers, but its right side is true or false", NO_HINT)],
        id="PR306-arithmetic",
    ),
    pytest.param(
        [("bands rate", "bands flag")],
        [],
        [("PR306", "15:20", "bands need a number or a date, not true or false", NO_HINT)],
        id="PR306-bands-subject",
    ),
    pytest.param(
        [(B_POINTS, "match count_a { true: 10; otherwise: 0; }")],
        [(B_POINTS, "match flag { true: 10; otherwise: count_a; }")],
        [
            (
                "PR306",
                "18:20",
                "`match` needs a choice (one of ..., a level, true/false), not a whole number",
                NO_HINT,
            )
        ],
        id="PR306-match-subject",
    ),
    pytest.param(
        [("if flag then", "if min(flag, flag) then")],
        [("if flag then", "if min(count_a, 3) > 1 then")],
        [("PR306", "18:17", "`min` needs numbers", NO_HINT)],
        id="PR306-min",
    ),
    pytest.param(
        [("else count_a", "else round(rate, 0)")],
        [("else count_a", "else round(rate * 10, 0)")],
        [("PR306", "18:41", "`round` rounds numbers, not a percentage", "multiply a percentage by its points first")],
        id="PR306-round-percentage",
    ),
    pytest.param(
        [("if flag then", "if days_between(count_a, 2024-01-01) > 0 then")],
        [("if flag then", "if days_between(2023-01-01, 2024-01-01) > 0 then")],
        [("PR306", "18:30", "`days_between` needs dates, not a whole number", NO_HINT)],
        id="PR306-days-between",
    ),
    pytest.param(
        [(MORE, 'input kind "K": one of { x, y };'), ("if flag then", "if flag and kind > x then")],
        [(MORE, 'input kind "K": one of { x, y };'), ("if flag then", "if flag and kind != x then")],
        [("PR307", "18:26", "one of {x, y} has no order; only `==` and `!=` compare it", ORDER_HINT)],
        id="PR307-choice",
    ),
    pytest.param(
        [("if flag then", "if flag > false then")],
        [("if flag then", "if flag != false then")],
        [("PR307", "18:17", "true or false has no order; only `==` and `!=` compare it", ORDER_HINT)],
        id="PR307-boolean",
    ),
    # -- maxima, bands, match, tables
    pytest.param(
        [("  item a", '  group g "G" max 12 {\n  item a'), ('  item b "B"', '  }\n  item b "B"')],
        [("  item a", '  group g "G" max 10 {\n  item a'), ('  item b "B"', '  }\n  item b "B"')],
        [
            (
                "PR402",
                "13:1",
                "the criteria's maxima add up to 22, not 20",
                "correct the `max` of the criteria or of its groups",
            ),
            (
                "PR402",
                "14:3",
                "the maxima inside group `g` add up to 10, not 12",
                "correct the group's `max` or its items' maxima",
            ),
        ],
        id="PR402-group",
    ),
    pytest.param(
        [("max 20", "max 25")],
        [],
        [
            (
                "PR402",
                "13:1",
                "the criteria's maxima add up to 20, not 25",
                "correct the `max` of the criteria or of its groups",
            )
        ],
        id="PR402-criteria",
    ),
    pytest.param(
        [('item b "B" max 10 {', 'item b "B" max 10 {\n    applicable when flag else rescale;')],
        [
            ('item b "B" max 10 {', 'item b "B" max 10 {\n    applicable when flag else rescale;'),
            ('criteria "Base" max 20 {', 'criteria "Base" max 20 {\n  rescale round 2;'),
        ],
        [
            (
                "PR403",
                "18:5",
                "`b` is rescaled when not applicable, but the criteria say no rounding for it",
                "add `rescale round 2;` inside `criteria { ... }`",
            )
        ],
        id="PR403-rescale-without-rounding",
    ),
    pytest.param(
        [("from 50%: 5", "upto 50%: 5")],
        [],
        [("PR404", "15:14", "bands mix `from` and `upto`", "use `from` (highest first) or `upto` (lowest first)")],
        id="PR404-mixed-directions",
    ),
    pytest.param(
        [("from 90%: 10; from 50%: 5", "from 50%: 5; from 90%: 10")],
        [],
        [
            (
                "PR405",
                "15:40",
                "bands overlap: `from 90%` comes after `from 50%`",
                "list `from` bands from the highest threshold down",
            )
        ],
        id="PR405-order",
    ),
    pytest.param(
        [("from 90%: 10; from 50%: 5", "from 50%: 10; above 50%: 5")],
        [("from 90%: 10; from 50%: 5", "above 50%: 10; from 50%: 5")],
        [
            (
                "PR405",
                "15:41",
                "bands overlap: `above 50%` comes after `from 50%`",
                "list `from` and `above` bands from the highest threshold down; at one threshold, `above` before `from`",
            )
        ],
        id="PR405-above-after-from-at-one-threshold",
    ),
    pytest.param(
        [("from 50%: 5", "upto 50%: 5"), ("from 90%: 10", "above 90%: 10")],
        [("from 90%: 10", "above 90%: 10")],
        [("PR404", "15:14", "bands mix `above` and `upto`", "use `above` (highest first) or `upto` (lowest first)")],
        id="PR404-above-and-upto",
    ),
    pytest.param(
        [("from 90%: 10", "above 100%: 10")],
        [("from 90%: 10", "above 99%: 10")],
        [("PR406", "15:27", "the band `above 100%` can never apply: the value never goes above 100%", NO_HINT)],
        id="PR406-above-the-top-of-the-range",
    ),
    pytest.param(
        [("from 50%: 5; otherwise: 0; }", "from 50%: 5; above 0%: 1; }")],
        [("from 50%: 5; otherwise: 0; }", "from 50%: 5; from 0%: 1; }")],
        [("PR407", "15:14", "these bands give nothing to values at or below 0%", "add `otherwise: ...;` as the last row")],
        id="PR407-above",
    ),
    pytest.param(
        [("else count_a", "else bands count_a { upto 3: 0; upto 2: 5; otherwise: 10; }")],
        [("else count_a", "else bands count_a { upto 2: 5; upto 3: 0; otherwise: 10; }")],
        [
            (
                "PR405",
                "18:62",
                "bands overlap: `upto 2` comes after `upto 3`",
                "list `upto` bands from the lowest threshold up",
            )
        ],
        id="PR405-order-upto",
    ),
    pytest.param(
        [("from 90%: 10", "from 120%: 10")],
        [("from 90%: 10", "from 100%: 10")],
        [("PR406", "15:27", "the band `from 120%` can never apply: the value never goes above 100%", NO_HINT)],
        id="PR406-above-the-range",
    ),
    pytest.param(
        [("from 50%: 5; otherwise: 0;", "from 0%: 5; from -5%: 1;")],
        [("from 50%: 5; otherwise: 0;", "from 0%: 5;")],
        [
            (
                "PR406",
                "15:53",
                "the band `from -5%` can never apply: an earlier band already takes every value",
                NO_HINT,
            )
        ],
        id="PR406-covered",
    ),
    pytest.param(
        [("else count_a", "else bands count_a { upto -1: 0; upto 10: 5; }")],
        [("else count_a", "else bands count_a { upto 0: 0; upto 10: 5; }")],
        [("PR406", "18:51", "the band `upto -1` can never apply: the value never goes below 0", NO_HINT)],
        id="PR406-below-the-range",
    ),
    pytest.param(
        [("otherwise: 0; }", "}")],
        [("from 50%: 5; otherwise: 0; }", "from 0%: 5; }")],
        [("PR407", "15:14", "these bands give nothing to values below 50%", "add `otherwise: ...;` as the last row")],
        id="PR407-from",
    ),
    pytest.param(
        [("else count_a", "else bands count_a { upto 3: 0; upto 8: 5; }")],
        [("else count_a", "else bands count_a { upto 3: 0; upto 10: 5; }")],
        [("PR407", "18:35", "these bands give nothing to values above 8", "add `otherwise: ...;` as the last row")],
        id="PR407-upto",
    ),
    pytest.param(
        [(B_POINTS, "match flag { true: 10; false, true: count_a; }")],
        [(B_POINTS, "match flag { true: 10; false: count_a; }")],
        [("PR408", "18:44", "`true` is matched twice [first matched here at 18:27]", "each case may appear in one row only")],
        id="PR408-matched-twice",
    ),
    pytest.param(
        [(MORE, 'input kind "K": one of { x, y, z };'), (B_POINTS, "match kind { x: 10; }")],
        [(MORE, 'input kind "K": one of { x, y, z };'), (B_POINTS, "match kind { x: 10; y, z: count_a; }")],
        [
            (
                "PR409",
                "18:14",
                "this match does not say what happens for `y`, `z`",
                "add rows for them or `otherwise: ...;`",
            )
        ],
        id="PR409-missing-cases",
    ),
    pytest.param(
        [table("first", "true: 10; otherwise: 0;")],
        [table("first", "true, -: 10; otherwise: 0;")],
        [("PR410", "18:44", "this row has 1 cell but the table has 2 columns", NO_HINT)],
        id="PR410-cells",
    ),
    pytest.param(
        [table("unique", "true, <= 5: 10; true, >= 5: 5; false, -: 0;")],
        [table("unique", "true, <= 5: 10; true, > 5: 5; false, -: 0;")],
        [("PR412", "18:61", "rows 1 and 2 of this `unique` table both match flag = true, count_a = 5", UNIQUE_HINT)],
        id="PR412-unique-overlap",
    ),
    pytest.param(
        [table("first", "true, -: 10; false, >= 5: 5;")],
        [table("first", "true, -: 10; false, >= 5: 5; false, < 5: 0;")],
        [
            (
                "PR413",
                "18:14",
                "no row of this table matches flag = false, count_a = 0",
                "add a row for it or `otherwise: ...;`",
            )
        ],
        id="PR413-gap",
    ),
    pytest.param(
        [table("first", "true, -: 10; true, >= 5: 5; otherwise: 0;")],
        [table("first", "true, >= 5: 5; true, -: 10; otherwise: 0;")],
        [("PR414", "18:57", "row 2 of this table can never apply", NEVER_ROW)],
        id="PR414-shadowed-row",
    ),
    pytest.param(
        [table("first", "true, -: 10; false, > 10: 5; otherwise: 0;")],
        [table("first", "true, -: 10; false, > 8: 5; otherwise: 0;")],
        [("PR414", "18:57", "row 2 of this table can never apply", NEVER_ROW)],
        id="PR414-outside-the-range",
    ),
    pytest.param(
        [table("first", "true, == 3: 10; otherwise: 0;")],
        [table("first", "true, 3: 10; otherwise: 0;")],
        [("PR415", "18:50", "write `==` cells as a plain value", NO_HINT)],
        id="PR415-equal-cell",
    ),
    # -- interval reasoning
    pytest.param(
        [("else count_a", "else count_a * 2")],
        [("else count_a", "else min(count_a * 2, 10)")],
        [
            (
                "PR501",
                "18:14",
                "the points of `b` can reach 20, above the item's maximum of 10",
                "correct the formula, or cap it: `min(..., 10)`",
            )
        ],
        id="PR501-above-the-maximum",
    ),
    pytest.param(
        [("integer 0..10", "integer")],
        [("integer 0..10", "integer 0..10")],
        [
            (
                "PR501",
                "18:14",
                "the points of `b` have no upper limit; its maximum is 10",
                "declare ranges for the inputs it uses, or cap it: `min(..., 10)`",
            ),
            (
                "PR502",
                "18:14",
                "the points of `b` have no lower limit and can go below zero",
                "declare ranges for the inputs it uses, or write `max(0, ...)`",
            ),
        ],
        id="PR501-PR502-unbounded-input",
    ),
    pytest.param(
        [("integer 0..10", "integer")],
        [("integer 0..10", "integer"), ("else count_a", "else clamp(count_a, 0, 10)")],
        [
            (
                "PR501",
                "18:14",
                "the points of `b` have no upper limit; its maximum is 10",
                "declare ranges for the inputs it uses, or cap it: `min(..., 10)`",
            ),
            (
                "PR502",
                "18:14",
                "the points of `b` have no lower limit and can go below zero",
                "declare ranges for the inputs it uses, or write `max(0, ...)`",
            ),
        ],
        id="PR501-PR502-fixed-by-clamp",
    ),
    pytest.param(
        [("else count_a", "else count_a - 5")],
        [("else count_a", "else max(0, count_a - 5)")],
        [
            (
                "PR502",
                "18:14",
                "the points of `b` can go below zero (down to -5)",
                "correct the formula, or write `max(0, ...)`",
            )
        ],
        id="PR502-below-zero",
    ),
    pytest.param(
        [("else count_a", "else (if count_a == 0 then 0 else round(10 / count_a, 0))")],
        [("else count_a", "else (if count_a == 0 or flag then 0 else round(10 / count_a, 0))")],
        [],
        id="PR503-else-branch-narrowing",
    ),
    # -- grades
    pytest.param(
        [(GRADES, "")],
        [],
        [("PR601", "1:1", "the file declares no grades", "add `grades { grade ... }`")],
        id="PR601-no-grades",
    ),
    pytest.param(
        [(GRADES, "grades { }\n")],
        [],
        [("PR601", "22:1", "the grades block is empty", NO_HINT)],
        id="PR601-empty-grades",
    ),
    pytest.param(
        [('grade poor "Poor" { band below 15; }', 'grade poor "Poor" { }')],
        [('grade poor "Poor" { band below 15; }', 'grade poor "Poor" { band below 15; }')],
        [
            (
                "PR602",
                "24:3",
                "grade `poor` has no `band` while other grades have one",
                "give every grade a band, or none",
            )
        ],
        id="PR602-mixed-bands",
    ),
    pytest.param(
        [("band from 15; }", 'band from 15; require "r": flag; else good; }')],
        [("band from 15; }", 'band from 15; require "r": flag; else poor; }')],
        [("PR603", "23:61", "`else` must name a lower grade than `good`", NO_HINT)],
        id="PR603-fallback-upwards",
    ),
    pytest.param(
        [("band below 15; }", 'band below 15; require "r": flag; }')],
        [("band from 15; }", 'band from 15; require "r": flag; }')],
        [
            (
                "PR604",
                "24:3",
                "the last grade `poor` has requirements: an organisation that fails them would get no grade",
                "move the requirements to a better grade, or add a lower grade",
            )
        ],
        id="PR604-requirements-on-the-last-grade",
    ),
    pytest.param(
        [("band from 15;", "band from 15 below 18;")],
        [("band from 15;", "band from 15 below 21;")],
        [
            (
                "PR606",
                "23:28",
                "totals from 18 up reach no grade",
                "let the best grade's band have no upper end: `band from 15;`",
            )
        ],
        id="PR606-closed-top",
    ),
    pytest.param(
        [("band below 15;", "band from 5 below 15;")],
        [("band below 15;", "band from 0 below 15;")],
        [
            (
                "PR606",
                "24:28",
                "totals below 5 reach no grade",
                "let the last grade's band have no lower end: `band below 15;`",
            )
        ],
        id="PR606-closed-bottom",
    ),
    pytest.param(
        [("band below 15;", "band below 12;")],
        [],
        [("PR606", "24:28", "totals from 12 below 15 reach no grade", "make `poor`'s band end at 15")],
        id="PR606-gap",
    ),
    pytest.param(
        [("band below 15;", "band below 17;")],
        [],
        [("PR607", "24:28", "totals from 15 below 17 fall in both `good` and `poor`", "make `poor`'s band end at 15")],
        id="PR607-overlap",
    ),
    pytest.param(
        [("band below 15;", "band any;")],
        [],
        [
            (
                "PR607",
                "24:28",
                "the bands of `good` and `poor` overlap",
                "list grades from best to worst, each band starting where the next one ends",
            )
        ],
        id="PR607-open-band",
    ),
    pytest.param(
        [(MORE, 'knockout k "K" { when count_a > 10; force poor; }')],
        [(MORE, 'knockout k "K" { when count_a >= 10; force poor; }')],
        [("PR608", "26:23", "`k` can never apply: its condition is never true", NO_HINT)],
        id="PR608-knockout",
    ),
    pytest.param(
        [(MORE, 'knockout k "K" { when total > 20; cap poor; }')],
        [(MORE, 'knockout k "K" { when total >= 20; cap poor; }')],
        [("PR608", "26:23", "`k` can never apply: its condition is never true", NO_HINT)],
        id="PR608-knockout-on-total",
    ),
    pytest.param(
        [(MORE, 'not_graded k "K" { when rate > 100%; }')],
        [(MORE, 'not_graded k "K" { when rate < 1%; }')],
        [("PR608", "26:25", "`k` can never apply: its condition is never true", NO_HINT)],
        id="PR608-not-graded",
    ),
    pytest.param(
        [("band from 15;", "band from 25;"), ("band below 15;", "band below 25;")],
        [
            ("band from 15;", "band from 25;"),
            ("band below 15;", "band below 25;"),
            (MORE, 'knockout k "K" { when flag; force good; }'),
        ],
        [("PR609", "23:3", f"grade `good` can never be given: {NO_GRADE}", NO_HINT)],
        id="PR609-band-out-of-reach",
    ),
    pytest.param(
        [("band from 15; }", 'band from 15; require "r": count_a > 10; }')],
        [("band from 15; }", 'band from 15; require "r": count_a >= 10; }')],
        [
            (
                "PR609",
                "23:50",  # at the requirement that can never hold (it was at the grade)
                'grade `good` can never be given: its requirement "r" can never hold [the grade `good` at 23:3]',
                "no value the inputs may take (their declared ranges) and no points within their maxima "
                "make this condition true: is a number beyond a maximum or outside a range?",
            )
        ],
        id="PR609-requirement-never-holds",
    ),
]


@pytest.mark.parametrize(("wrong", "right", "expected"), CASES)
def test_diagnostic(wrong: list[tuple[str, str]], right: list[tuple[str, str]], expected: list[Problem]) -> None:
    assert problems(edit(*wrong)) == expected
    partyrules.loads(edit(*right), "t.criteria")


# ---------------------------------------------------------------- cases with follow-on errors
# These diagnostics come with further ones caused by the same mistake; the test only
# pins the diagnostic itself (the follow-on ones are listed in the report to the lead).


@pytest.mark.parametrize(
    ("wrong", "right", "expected"),
    [
        pytest.param(
            [(CRITERIA, "")],
            [],
            ("PR202", "1:1", "the file declares no `criteria`", 'add `criteria "..." max 100 { ... }`'),
            id="PR202-no-criteria",
        ),
        pytest.param(
            [(B_POINTS, "rate")],
            [(B_POINTS, "rate * 10")],
            (
                "PR304",
                "18:14",
                "points must be a number, but this is a percentage",
                "multiply the percentage by the points it is worth, e.g. `rate * 30`",
            ),
            id="PR304-percentage",
        ),
        pytest.param(
            [("  item a", '  group g "G" {\n  item a'), ('  item b "B"', '  }\n  item b "B"')],
            [("  item a", '  group g "G" max 10 {\n  item a'), ('  item b "B"', '  }\n  item b "B"')],
            ("PR402", "14:3", "group `g` has scored criteria but no `max`", "write `max 10`"),
            id="PR402-group-without-max",
        ),
        pytest.param(
            [('criteria "Base" max 20', 'criteria "Base"')],
            [],
            ("PR402", "13:1", "the criteria have points but no `max`", 'write `criteria "..." max 100 {`'),
            id="PR402-criteria-without-max",
        ),
        pytest.param(
            [("max 20", "max 20%")],
            [],
            (
                "PR401",
                "13:21",
                "a maximum is a number of points, not a percentage",
                "write 20 if you mean that many points",
            ),
            id="PR401-percentage-maximum",
        ),
        pytest.param(
            [("grade poor", 'grade mid "Mid" { band from 15 below 10; }\n  grade poor')],
            [
                ("grade poor", 'grade mid "Mid" { band from 10 below 15; }\n  grade poor'),
                ("band below 15", "band below 10"),
            ],
            ("PR605", "24:26", "the band of `mid` is empty (from 15 below 10)", NO_HINT),
            id="PR605-empty-band",
        ),
        pytest.param(
            [
                (
                    '  grade good "Good" { band from 15; }\n  grade poor "Poor" { band below 15; }',
                    '  grade poor "Poor" { band below 15; }\n  grade good "Good" { band from 15; }',
                )
            ],
            [],
            (
                "PR607",
                "24:28",
                "the bands of `poor` and `good` overlap",
                "list grades from best to worst, each band starting where the next one ends",
            ),
            id="PR607-grades-worst-first",
        ),
        pytest.param(
            [("else count_a", "else round(10 / count_a, 0)")],
            [("else count_a", "else (if count_a > 0 then round(10 / count_a, 0) else 0)")],
            ("PR503", "18:46", "this can divide by zero", DIVIDE_HINT),
            id="PR503-in-points",
        ),
        pytest.param(
            [("else count_a", "else (if count_a >= 0 then round(10 / count_a, 0) else 0)")],
            [("else count_a", "else (if count_a != 0 then round(10 / count_a, 0) else 0)")],
            ("PR503", "18:68", "this can divide by zero", DIVIDE_HINT),
            id="PR503-narrowing-that-keeps-zero",
        ),
        pytest.param(
            [("else count_a", "else (if flag or count_a >= 1 then round(10 / count_a, 0) else 0)")],
            [("else count_a", "else (if flag and count_a >= 1 then round(10 / count_a, 0) else 0)")],
            ("PR503", "18:76", "this can divide by zero", DIVIDE_HINT),
            id="PR503-or-does-not-narrow",
        ),
    ],
)
def test_diagnostic_among_follow_on_errors(
    wrong: list[tuple[str, str]], right: list[tuple[str, str]], expected: Problem
) -> None:
    assert expected in problems(edit(*wrong))
    partyrules.loads(edit(*right), "t.criteria")


def test_pr602_bands_without_scored_criteria() -> None:
    text = edit(
        LEVELS,
        ('criteria "Base" max 20 {', 'criteria "Base" {'),
        ('  item a "A" max 10 {\n    points = bands rate { from 90%: 10; from 50%: 5; otherwise: 0; };\n  }\n', ""),
        ('item b "B" max 10 {', 'item b "B" {'),
        (f"points = {B_POINTS};", "level = if flag and rate > 50% and count_a > 3 then hi else lo;"),
        ("band from 15; }", 'band from 15; require "r": worst_level() == hi; }'),
    )
    assert ("PR602", "20:3", "grades have score bands but the criteria have no points", NO_HINT) in problems(text)
    partyrules.loads(edit(("band from 15; ", ""), ("band below 15; ", ""), base=text), "t.criteria")


def test_pr305_worst_level_over_different_scales() -> None:
    text = edit(
        (MORE, 'levels q1 "Q" { hi, lo }\nlevels q2 "Q" { top, bottom }'),
        ('item a "A" max 10 {', 'item a "A" max 10 {\n    level = if flag then top else bottom;'),
        ('item b "B" max 10 {', 'item b "B" max 10 {\n    level = if flag then hi else lo;'),
        ("band from 15; }", 'band from 15; require "r": worst_level() == hi; }'),
    )
    assert problems(text) == [
        ("PR305", "25:50", "`worst_level` compares criteria rated on different level scales", NO_HINT)
    ]
    partyrules.loads(edit(("worst_level()", "worst_level(b)"), base=text), "t.criteria")


def test_pr901_unused_input_is_a_warning() -> None:
    text = edit((MORE, 'input spare "Spare": integer 0..3;'))
    assert problems(text) == []
    assert problems(text, "warning") == [("PR901", "26:1", "input `spare` is never used", NO_HINT)]
    partyrules.loads(text, "t.criteria")


def test_pr901_not_reported_for_inputs_used_only_in_conditions() -> None:
    text = edit(
        (
            MORE,
            'input late "Late": boolean = false;\ninput minor "M": integer 0..3 = 0;\n'
            'knockout k "K" { when late; force poor; }\nconstraint "c": minor <= 3;',
        )
    )
    assert partyrules.check("t.criteria", text=text) == []


# ---------------------------------------------------------------- whole messages


def test_rendered_did_you_mean_input() -> None:
    assert rendered(edit(("else count_a", "else coutn_a"))) == (
        "t.criteria:18:35: error PR211: `coutn_a` is not declared\n"
        "  18 |     points = if flag then 10 else coutn_a;\n"
        "     |                                   ^^^^^^^\n"
        "  hint: did you mean `count_a`?\n"
        "\n"
        "1 problem found"
    )


def test_rendered_did_you_mean_function() -> None:
    assert rendered(edit(("else count_a", "else mni(count_a, 3)"))) == (
        "t.criteria:18:35: error PR212: there is no function `mni`\n"
        "  18 |     points = if flag then 10 else mni(count_a, 3);\n"
        "     |                                   ^^^^^^^^^^^^^^^\n"
        "  hint: did you mean `min`?\n"
        "\n"
        "1 problem found"
    )


def test_rendered_percentage_compared_with_a_number() -> None:
    assert rendered(edit(("if flag then", "if flag and rate >= 90 then"))) == (
        "t.criteria:18:26: error PR303: this compares a percentage with a plain number\n"
        "  18 |     points = if flag and rate >= 90 then 10 else count_a;\n"
        "     |                          ^^^^^^^^^^\n"
        "  hint: write 90%\n"
        "\n"
        "1 problem found"
    )


def test_rendered_points_above_the_maximum() -> None:
    assert rendered(edit(("else count_a", "else count_a * 2"))) == (
        "t.criteria:18:14: error PR501: the points of `b` can reach 20, above the item's maximum of 10\n"
        "  18 |     points = if flag then 10 else count_a * 2;\n"
        "     |              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "  hint: correct the formula, or cap it: `min(..., 10)`\n"
        "\n"
        "1 problem found"
    )


def test_rendered_second_place_is_a_note_with_its_line() -> None:
    """Where a name was first declared is a note after the diagnostic's own line, not message text."""
    assert rendered(edit((MORE, 'input rate "R2": percent;'))) == (
        "t.criteria:26:1: error PR204: `rate` is declared twice\n"
        '  26 | input rate "R2": percent;\n'
        "     | ^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "t.criteria:9:1: note: first declared here\n"
        '   9 | input rate "Rate": percent;\n'
        "     | ^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "  hint: give each input, value and criterion its own name\n"
        "\n"
        "1 problem found"
    )


def test_a_note_without_its_source_is_its_location_alone() -> None:
    (found,) = [d for d in partyrules.check("t.criteria", text=edit((MORE, 'input rate "R2": percent;')))]
    assert [(r.label, r.file, r.span.line, r.span.column) for r in found.related] == [
        ("first declared here", "t.criteria", 9, 1)
    ]
    assert render(found, None) == (
        "t.criteria:26:1: error PR204: `rate` is declared twice\n"
        "t.criteria:9:1: note: first declared here\n"
        "  hint: give each input, value and criterion its own name"
    )


def test_check_json_carries_the_note(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "t.criteria"
    path.write_text(edit((MORE, 'input rate "R2": percent;')), encoding="utf-8")
    assert cli.main(["check", "--format", "json", str(path)]) == 1
    (found,) = [d for d in json.loads(capsys.readouterr().out) if d["severity"] == "error"]
    assert (found["code"], found["line"], found["message"]) == ("PR204", 26, "`rate` is declared twice")
    assert found["related"] == [
        {"label": "first declared here", "file": str(path), "line": 9, "column": 1, "end_line": 9, "end_column": 28}
    ]
    assert cli.main(["check", str(path)]) == 1
    assert f"{path}:9:1: note: first declared here\n   9 | input rate" in capsys.readouterr().out


def test_rendered_grade_gap() -> None:
    assert rendered(edit(("band below 15;", "band below 12;"))) == (
        "t.criteria:24:28: error PR606: totals from 12 below 15 reach no grade\n"
        '  24 |   grade poor "Poor" { band below 12; }\n'
        "     |                            ^^^^^^^^\n"
        "  hint: make `poor`'s band end at 15\n"
        "\n"
        "1 problem found"
    )


def test_rendered_circular_definition() -> None:
    assert rendered(edit((MORE, "let x = y + 1;\nlet y = x + 1;"))) == (
        "t.criteria:26:1: error PR207: circular definition: x → y → x\n"
        "  26 | let x = y + 1;\n"
        "     | ^^^^^^^^^^^^^^\n"
        "  hint: a value cannot depend on itself\n"
        "\n"
        "1 problem found"
    )


# ---------------------------------------------------------------- all at once


def test_every_problem_is_reported_at_once_in_position_order() -> None:
    text = edit(
        (MORE, 'knockout k "K" { when flag; force pooor; }'),
        ("else count_a", "else coutn_a"),
        ('"test/base"', '"Test Base"'),
    )
    with pytest.raises(partyrules.CriteriaError) as info:
        partyrules.loads(text, "t.criteria")
    assert [(d.code, d.location) for d in info.value.diagnostics] == [
        ("PR103", "t.criteria:1:1"),
        ("PR211", "t.criteria:18:35"),
        ("PR215", "t.criteria:26:35"),
    ]
    assert str(info.value).endswith("\n\n3 problems found")
    assert [p[0] for p in problems(text)] == ["PR103", "PR211", "PR215"]


def test_narrowing_makes_a_division_safe() -> None:
    for guard in ("count_a > 0", "count_a >= 1", "count_a != 0", "0 < count_a", "not (count_a == 0)"):
        text = edit(("else count_a", f"else (if {guard} then round(10 / count_a, 0) else 0)"))
        assert problems(text) == [], guard
    partyrules.loads(text, "t.criteria")


# ---------------------------------------------------------------- bugs found while writing these tests, now fixed


def test_cycle_through_arithmetic_is_a_diagnostic() -> None:
    text = edit(("else count_a", "else a"), ("from 50%: 5", "from 50%: b / 2"))
    # the cycle, and (rightly) the unrounded division that would become points
    assert [p[0] for p in problems(text)] == ["PR207", "PR304"]


def test_wrong_criterion_used_in_arithmetic_is_a_diagnostic() -> None:
    text = edit(("else count_a", "else nope"), ("from 50%: 5", "from 50%: b - 5"))
    assert [p[0] for p in problems(text)] == ["PR211"]


@pytest.mark.parametrize(("rows", "missing"), [(">= 1: 5;", "count_a = 0"), ("<= 9: 5;", "count_a = 10")])
def test_pr413_gap_at_the_end_of_a_whole_number_range(rows: str, missing: str) -> None:
    text = edit(table("first", rows, "(count_a)"))
    ((code, _, message, _),) = problems(text)
    assert (code, message) == ("PR413", f"no row of this table matches {missing}")


def test_pr414_row_reaching_only_the_top_of_the_range_can_apply() -> None:
    assert problems(edit(table("first", "true, -: 10; false, > 9: 5; otherwise: 0;"))) == []


def test_pr218_message_for_a_let_value() -> None:
    ((code, where, message, _),) = problems(edit((MORE, 'levels q "Q" { hi, lo }\nlet lo = 3;')))
    assert (code, where) == ("PR218", "27:1")
    assert "an value" not in message
