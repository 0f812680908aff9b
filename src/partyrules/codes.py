"""Every diagnostic code: its severity, a title, what it means and an example.

A code is a promise: tools and tests match on it, and docs/language.md lists it. This
registry is the one list: :class:`~partyrules.diagnostics.Diagnostic` refuses a code not
in it, tests/test_codes.py checks that every code the source uses is here and every code
here is used, and the table of docs/language.md §12 is :func:`markdown_table`'s output
(``python -m partyrules.codes`` prints it).

It imports nothing of partyrules, so that anything may import it.

Codes by hundred: PR0xx reading and parsing, PR1xx the header, PR2xx names (PR25x quotas,
PR260 aggregates, PR261-PR262 periods), PR3xx types, PR4xx sums and coverage of bands, matches and tables, PR5xx
ranges of formulas, PR6xx grades and rules, PR7xx files that extend or import others, PR8xx
examples and properties, PR9xx warnings.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    """One diagnostic code. ``meaning`` and ``example`` are Markdown (a snippet or a message)."""

    code: str
    severity: str  # error warning: the usual one (PR809 is a warning in one case, said in its meaning)
    title: str
    meaning: str
    example: str


_ALL = (
    # ---------------------------------------------------------------- reading and parsing
    Code(
        "PR000",
        "error",
        "Unreadable file",
        "The file cannot be read: no such file, a folder, not UTF-8 text; or no shipped ruleset with that id",
        "no such file",
    ),
    Code("PR001", "error", "File too large", "The file is larger than 4 MiB", "a 5 MiB file"),
    Code(
        "PR002",
        "error",
        "Nested too deep",
        "Nested more than 120 levels deep",
        "a sum of 200 terms: `a + a + a + …`",
    ),
    Code(
        "PR003",
        "error",
        "File ends too early",
        "The file ends too early (a `}` or `;` missing at the end); the message lists what may come",
        '`grades { grade tot "Tốt" { band from 9; }` (no closing `}`)',
    ),
    Code(
        "PR004",
        "error",
        "Character not allowed",
        "A character that cannot stand here (e.g. curly quotes around a label, an unterminated text, a non-ASCII "
        "name); a control character (a tab and line breaks aside), a bidirectional control (U+202A–U+202E, "
        "U+2066–U+2069) or half a surrogate pair cannot stand anywhere",
        "`item đảng_viên ...`",
    ),
    Code(
        "PR005",
        "error",
        "Unexpected word or sign",
        "A word or sign where the file expects something else; the message lists what may come",
        "`band from 9 }` (no `;`)",
    ),
    Code("PR006", "error", "Date that does not exist", "A date that does not exist (`2025-02-30`)", "`2024-02-30`"),
    Code(
        "PR007",
        "error",
        "Two `otherwise`",
        "More than one `otherwise` in a `bands`, `match` or `table`",
        "`bands x { from 5: 2; otherwise: 1; otherwise: 0; }`",
    ),
    Code(
        "PR008",
        "error",
        "`otherwise` not last",
        "`otherwise` is not the last row",
        "`bands x { otherwise: 0; from 5: 2; }`",
    ),
    Code(
        "PR009",
        "error",
        "Statement given twice",
        "A statement given twice (a header field, `points`, `level`, `when`, `band`, …)",
        '`version "1"; version "2";`',
    ),
    Code(
        "PR010",
        "error",
        "Statement not allowed here",
        "A statement not allowed here (`points` in a group, `level` in a deduction, `force` in `not_graded`)",
        '`deduction d "D" max 1 { level = …; }`',
    ),
    Code(
        "PR011",
        "error",
        "Deduction among bonuses",
        "A `bonus` among the deductions or a `deduction` among the bonuses",
        '`deductions "T" cap 5 { bonus b "B" max 1 { … } }`',
    ),
    Code(
        "PR012",
        "error",
        "Rule incomplete",
        "A knock-out without `when` or without `force`/`cap`; a `not_graded` without `when`",
        '`knockout k "K" { when ky_luat; }` (no `force` or `cap`)',
    ),
    Code(
        "PR013",
        "error",
        "Number too long",
        "A number written with more than 40 digits",
        "`integer 0..1" + "0" * 40 + "`",
    ),
    Code("PR014", "error", "Too many places", "`rescale round N` with N above 12", "`rescale round 1000000;`"),
    Code(
        "PR015",
        "error",
        "Too many bands",
        "More than 500 bands, arms or rows in one `bands`, `match` or `table`",
        "600 bands",
    ),
    # ---------------------------------------------------------------- the header
    Code(
        "PR101",
        "error",
        "No header",
        "No `ruleset` header",
        "a file that starts with `input …`",
    ),
    Code("PR102", "error", "Two headers", "Two `ruleset` headers", '`ruleset "a/b" { … } ruleset "a/c" { … }`'),
    Code("PR103", "error", "Invalid ruleset id", "Invalid ruleset id", '`ruleset "Test Base" { … }`'),
    Code(
        "PR104",
        "error",
        "Header incomplete",
        "Header lacks `title`, `version`, `basis`, `effective from` or `points official`/`illustrative`",
        'a header without `basis "…";`',
    ),
    Code(
        "PR105",
        "error",
        "Ends before it starts",
        "The ruleset ends before it starts",
        "`effective from 2024-01-01 to 2023-12-31;`",
    ),
    # ---------------------------------------------------------------- names
    Code(
        "PR201",
        "error",
        "Block given twice",
        "Two `criteria`, `deductions`, `bonuses` or `grades` blocks",
        "two `grades { … }` blocks",
    ),
    Code("PR202", "error", "No criteria", "No `criteria` block", "a ruleset with inputs and grades only"),
    Code(
        "PR203",
        "error",
        "Reserved word as a name",
        "A reserved word used as a name (of an input, value, criterion, member, grade or rule)",
        '`input band "Band": integer;`',
    ),
    Code(
        "PR204",
        "error",
        "Declared twice",
        "A name declared twice (also a member listed twice, a level scale, a grade or a knock-out/not-graded "
        "rule declared twice); a note points at the first declaration",
        "`input rate …;` twice",
    ),
    Code(
        "PR205",
        "error",
        "No such level scale",
        "`level SCALE` names an undeclared scale",
        '`input q "Q": level qualty;`',
    ),
    Code(
        "PR206",
        "error",
        "Criterion incomplete",
        "An item with neither `points` nor `level`, with points but no `max`, with a `max` but no points; a "
        "deduction or bonus without `points`; an empty group",
        '`item a "A" max 10 { cite "…"; }`',
    ),
    Code(
        "PR207",
        "error",
        "Circular definition",
        "A circular definition (`a → b → a`)",
        "`let v = v + 1;`",
    ),
    Code(
        "PR208",
        "error",
        "`total` too early",
        "`total` used outside requirements, knock-outs and not-graded rules",
        "`points = if total > 50 then 10 else 0;`",
    ),
    Code(
        "PR209",
        "error",
        "Constraint on a non-input",
        "A constraint that uses something other than inputs",
        '`constraint "…": a <= 5;` where `a` is a criterion',
    ),
    Code(
        "PR210",
        "error",
        "Ambiguous member",
        "A member name that belongs to several scales or choices, used where the context does not tell which",
        "`lo` in two level scales, compared with nothing of either",
    ),
    Code("PR211", "error", "Undeclared name", "An undeclared name", "`points = atendance * 10;`"),
    Code("PR212", "error", "Unknown function", "An unknown function", "`mni(a, b)`"),
    Code(
        "PR213",
        "error",
        "Wrong arguments",
        "Wrong arguments: `min`/`max` without values, `clamp` without three, `round` without a literal 0–12, "
        "date functions without two dates, `level`/`full`/`applicable` with more than one criterion",
        "`round(x)`",
    ),
    Code(
        "PR214",
        "error",
        "Not a criterion with that",
        "A criterion function given something that is not a criterion, or a criterion without the needed "
        "level rule or points; `worst_level()` when no criterion has a level rule; the name of a criterion "
        "rated only on levels used as points",
        "`level(a)` where `a` has no `level` rule",
    ),
    Code(
        "PR215",
        "error",
        "No such grade",
        "An unknown grade in `else`, `force` or `cap`",
        "`force pooor;`",
    ),
    Code(
        "PR216",
        "error",
        "Applicability misplaced",
        "`applicable when` on a group; `else rescale` on a deduction or bonus",
        '`group g "G" max 10 { applicable when …; … }`',
    ),
    Code(
        "PR217",
        "error",
        "Level that may be missing",
        "A `bands`, `match` or `table` on `level(c)` of a criterion that may not apply",
        "`match level(b) { … }` where `b` has `applicable when`",
    ),
    Code(
        "PR218",
        "error",
        "Name and member at once",
        "A name that is both an input, value or criterion and a member of a choice or level scale",
        '`input hi …;` and `levels q "Q" { hi, lo }`',
    ),
    # ---------------------------------------------------------------- quotas and aggregates
    Code(
        "PR250",
        "error",
        "Quota without limit",
        "A quota without `grade … at most …`",
        '`quota q "Q" { within all; }`',
    ),
    Code(
        "PR251",
        "error",
        "Quota: no such grade",
        "A quota names a grade that does not exist",
        "`grade xx at most 20% of tot;`",
    ),
    Code(
        "PR252",
        "error",
        "Quota base not below",
        "The grade a quota counts is not below the grade it limits",
        "`grade tot at most 20% of xs;` when `xs` is better than `tot`",
    ),
    Code(
        "PR253",
        "error",
        "Quota share",
        "The share of a quota is not a percentage above 0 % and at most 100 %",
        "`grade xs at most 0.2 of tot;`",
    ),
    Code(
        "PR254",
        "error",
        "Quota without groups",
        "A quota that does not say `within` which groups it counts",
        "a quota without `within …;`",
    ),
    Code(
        "PR255",
        "error",
        "Quota: no such input",
        "A quota counts within an input that does not exist, or a column without a name",
        "`within distrct;`",
    ),
    Code(
        "PR256",
        "error",
        "Quota groups by a number",
        "A quota's groups are an input that is a number or a date, not a list of values",
        "`within score;` where `score` is an integer",
    ),
    Code(
        "PR257",
        "error",
        "Quota demotes nowhere",
        "A quota's `demote to` is not below the limited grade, or the limited grade is the lowest",
        "`demote to xs;` in a quota on `xs`",
    ),
    Code(
        "PR258",
        "error",
        "Quota order",
        "A quota's order key is unknown, repeated or has no order",
        "`order by district;` where `district` is a choice",
    ),
    Code("PR259", "error", "Quota named twice", "Two quotas of one name", "two `quota q …` blocks"),
    Code(
        "PR260",
        "error",
        "Aggregate of the wrong type",
        "An aggregate input of a type its function cannot fill (§16)",
        '`input y "Y": integer from any of children;`',
    ),
    Code(
        "PR261",
        "error",
        "Unknown periods",
        "An aggregate over a name that no `periods` declaration of the file declares (§17)",
        '`input q "Q": integer from count of quy;` without `periods quy "..." { ... }`',
    ),
    Code(
        "PR262",
        "error",
        "Periods declared wrong",
        "A `periods` declaration without the ruleset that grades each period or its count, a count "
        "outside 1..12, or two declarations of one name (§17)",
        '`periods quy "Các quý" { count 3; }`',
    ),
    # ---------------------------------------------------------------- types
    Code(
        "PR301",
        "error",
        "Wrong kind of value",
        "A value of the wrong kind (range end, default, comparison, member, threshold, cell, branch)",
        '`input x "X": integer 0..10 = true;`',
    ),
    Code(
        "PR302",
        "error",
        "Bad range",
        "A bad range (start above end), a default outside the range, more than 12 `places`",
        "`integer 0..10 = 11`",
    ),
    Code(
        "PR303",
        "error",
        "Percentage and plain number",
        "A percentage mixed with a plain number (input ranges and defaults, `+`/`-`, comparisons, thresholds, "
        "branches, grade bands)",
        "`bands rate { from 80: 45; … }` on a percent input",
    ),
    Code(
        "PR304",
        "error",
        "Points not a plain number",
        "Points that are not a plain number (a percentage or an unrounded division)",
        "`points = rate;` where `rate` is a percent",
    ),
    Code(
        "PR305",
        "error",
        "Not a level",
        "A `level` rule that does not give a level; `worst_level` over different scales",
        "`level = 3;`",
    ),
    Code(
        "PR306",
        "error",
        "Operation on the wrong kind",
        "An operation on the wrong kind of value (a non-boolean condition, arithmetic on non-numbers, `round` "
        "of a percentage, `bands` on a choice, `match` on a number, date functions on non-dates)",
        "`if count_a then 1 else 0`",
    ),
    Code(
        "PR307",
        "error",
        "No order",
        "`<`, `>`, `<=`, `>=` on a choice or a boolean",
        "`kind > x` where `kind` is `one of { x, y }`",
    ),
    # ---------------------------------------------------------------- sums and coverage
    Code(
        "PR401", "error", "Maximum as a percentage", "A maximum or cap written as a percentage (`max 10%`)", "`max 10%`"
    ),
    Code(
        "PR402",
        "error",
        "Maxima do not add up",
        "Maxima that do not add up, or a group/criteria block with scored children but no `max`; in a file "
        "that extends another, a note points at the base's group",
        '`group g "G" max 10 { item a … max 6 …; item b … max 5 … }`',
    ),
    Code(
        "PR403",
        "error",
        "Rescale without rounding",
        "`else rescale` without `rescale round N;` in the `criteria` block",
        "`applicable when …; else rescale;` and no `rescale round 2;`",
    ),
    Code(
        "PR404",
        "error",
        "Bands mix directions",
        "A `bands` mixing lower bounds (`from`, `above`) and `upto`",
        "`bands x { from 5: 1; upto 2: 0; }`",
    ),
    Code(
        "PR405",
        "error",
        "Bands out of order",
        "`bands` thresholds out of order (`above T` comes before `from T`)",
        "`bands x { upto 3: 0; upto 2: 1; … }`",
    ),
    Code(
        "PR406",
        "error",
        "Band never applies",
        "A band that can never apply",
        "`from 8` on an input of range `0..2`",
    ),
    Code(
        "PR407",
        "error",
        "Bands leave a gap",
        "`bands` that give nothing for some values (no `otherwise`)",
        "`bands x { from 8: 2; from 5: 1; }` on `0..10`",
    ),
    Code(
        "PR408",
        "error",
        "Case matched twice",
        "A `match` case listed twice; a note points at the first",
        "`match flag { true: 1; true: 2; … }`",
    ),
    Code("PR409", "error", "Match misses cases", "A `match` that misses cases", "`match flag { true: 1; }`"),
    Code(
        "PR410",
        "error",
        "Row with wrong cells",
        "A table row with the wrong number of cells",
        "`table first (a, b) { 5: 1; … }`",
    ),
    Code(
        "PR411",
        "error",
        "Table too large",
        "A table with too many combinations to check (over 200,000)",
        "a table of six columns with many thresholds each",
    ),
    Code(
        "PR412",
        "error",
        "Unique rows overlap",
        "Two rows of a `table unique` match the same facts",
        "`table unique (flag) { true: 1; -: 0; }`",
    ),
    Code(
        "PR413",
        "error",
        "No row matches",
        "Facts that no table row matches (no `otherwise`)",
        "`table first (count_a) { >= 5: 1; }` on `0..10`",
    ),
    Code(
        "PR414",
        "error",
        "Row never applies",
        "A table row that can never apply",
        "`table first (flag) { -: 1; true: 2; }`",
    ),
    Code("PR415", "error", "`==` in a cell", "`==` or `!=` in a table cell", "`== 5` as a cell (write `5`)"),
    Code(
        "PR416",
        "error",
        "Bands mix percentages and numbers",
        "A `bands` whose thresholds mix percentages and plain numbers (a quotient takes both, so `from 90` "
        "means 9,000 %), whatever the ranges",
        "`bands present / members { from 90: 5; from 75%: 3; otherwise: 0; }`",
    ),
    # ---------------------------------------------------------------- ranges of formulas
    Code(
        "PR501",
        "error",
        "Points above the maximum",
        "Points that can exceed the maximum, or have no upper limit",
        '`item a "A" max 10 { points = count_a * 2; }` with `count_a` in `0..10`',
    ),
    Code(
        "PR502",
        "error",
        "Points below zero",
        "Points that can go below zero, or have no lower limit",
        "`points = 5 - count_a;`",
    ),
    Code(
        "PR503",
        "error",
        "Division by zero",
        "A division whose divisor can be zero",
        "`points = round(a / b, 2);` with `b` in `0..10`",
    ),
    Code(
        "PR504",
        "error",
        "Number too large",
        "A formula whose value can reach 10^100 or more, or need a denominator of 10^100 or more, for the facts "
        "the ranges allow; or that multiplies or divides more than 64 numbers together, counting those of the "
        "named values it uses (a chain of `let`s that squares at each step)",
        "`let a1 = a0 * a0; let a2 = a1 * a1; …` seven times over an input without a range",
    ),
    # ---------------------------------------------------------------- grades and rules
    Code("PR601", "error", "No grades", "No `grades` block, or an empty one", "`grades { }`"),
    Code(
        "PR602",
        "error",
        "Bands for some grades",
        "Some grades have bands and others not; bands without scored criteria",
        '`grade good "Good" { band from 15; } grade poor "Poor" { }`',
    ),
    Code(
        "PR603", "error", "`else` not lower", "`else` names a grade that is not lower", "`grade kha … { …; else tot; }`"
    ),
    Code(
        "PR604",
        "error",
        "Last grade with requirements",
        "The last grade has requirements",
        '`grade kem "Kém" { band below 5; require "…": …; }` as the last grade',
    ),
    Code("PR605", "error", "Empty band", "An empty band (`from 60 below 50`)", "`band from 60 below 50;`"),
    Code(
        "PR606",
        "error",
        "Totals without a grade",
        "Totals that reach no grade (a gap, a closed top or bottom band)",
        "`band from 9;` then `band from 5 below 7;`",
    ),
    Code(
        "PR607",
        "error",
        "Totals in two grades",
        "Totals that fall in two grades; grades not listed from best to worst",
        "`band from 7;` then `band from 5 below 8;`",
    ),
    Code(
        "PR608",
        "error",
        "Rule never applies",
        "A knock-out or not-graded rule whose condition is never true",
        "`when count_a > 10;` with `count_a` in `0..10`",
    ),
    Code(
        "PR609",
        "error",
        "Grade never given",
        "A grade that can never be given (no total in its band, requirements that never hold, and no rule "
        "leading to it), reported at the requirement that can never hold when that is why; only on a file "
        "with no other error",
        "`band from 30;` when totals reach 20",
    ),
    # ---------------------------------------------------------------- files that extend or import others
    Code(
        "PR701",
        "error",
        "No file with that id",
        'No criteria file has the id an `extends`, `import` or `load` names (with a "did you mean")',
        '`extends "vn/cell-meting";`',
    ),
    Code(
        "PR702",
        "error",
        "Not a ruleset id",
        "A reference that is not a ruleset id (`..`, an absolute path, capitals, a leading dot)",
        '`extends "../vn/cell-meeting";`',
    ),
    Code(
        "PR703",
        "error",
        "Link outside the root",
        "A file found for an id leads outside its search root (a symbolic link)",
        "a link to `/etc/…` among the criteria",
    ),
    Code(
        "PR704",
        "error",
        "Circle of files",
        "Files that extend or import one another in a circle",
        "`a` extends `b`, which extends `a`",
    ),
    Code(
        "PR705",
        "error",
        "Versions overlap",
        "Two versions of one id in force on the same day, or a version without `effective from` among several",
        "two versions both `effective from 2024-01-01;`",
    ),
    Code(
        "PR706",
        "error",
        "No version in force",
        "No version of an id is in force on the date asked",
        '`load("vn/annual-collective", on=date(2020, 1, 1))`',
    ),
    Code(
        "PR707",
        "error",
        "Base version not chosen",
        "A base with several versions, and a file that says no date to choose one",
        '`extends "vn/cell-meeting";` in a file with no `effective from`',
    ),
    Code(
        "PR708",
        "error",
        "Id and place differ",
        "A file found as one id whose header says another",
        '`vn/x.criteria` that says `ruleset "vn/y"`',
    ),
    Code(
        "PR710",
        "error",
        "Change without base",
        "`change`, `add`, `remove` or `set` in a file that extends nothing",
        "`remove item a;` without `extends`",
    ),
    Code(
        "PR711",
        "error",
        "Base has no such thing",
        "A `change`, `remove` or placement naming something the base does not have",
        "`change item i_1 { max 6; }`",
    ),
    Code(
        "PR712",
        "error",
        "Item and group confused",
        "`change item` on a group, `remove group` on an item",
        "`change item g1 { … }` where `g1` is a group",
    ),
    Code(
        "PR713",
        "error",
        "Locked by the base",
        "A change to something the base has `locked`; a note points at the lock",
        "`change group g1 { max 12; }` when the base says `locked max`",
    ),
    Code(
        "PR714",
        "error",
        "Not a parameter",
        "`set` of a name that is not a `param`, or to a value of another kind",
        "`set treshold = 3;`",
    ),
    Code(
        "PR715",
        "error",
        "Misplaced `add`",
        "A misplaced `add` (`in` an item, a grade `in` something)",
        '`add item x "X" max 1 in i3 { … }` where `i3` is an item',
    ),
    Code(
        "PR716",
        "error",
        "Outlasts its base",
        "A file in force outside the period of the base version it extends",
        "`effective from 2020-01-01;` extending a base in force from 2024",
    ),
    Code(
        "PR717",
        "error",
        "Bad import",
        "`import` of a ruleset (not a library), or of a name the library does not declare",
        '`import "vn/cell-meeting";`',
    ),
    Code(
        "PR718",
        "error",
        "Library used as a ruleset",
        "`extends` of a library, or loading a library to score",
        '`extends "vn/collective-facts";`',
    ),
    Code(
        "PR719",
        "error",
        "Change not possible",
        "A `change` statement the target cannot take (`band` on an item)",
        "`change item a { band from 5; }`",
    ),
    Code(
        "PR720",
        "error",
        "Chain too long",
        "A chain of more than 16 files extending one another",
        "17 files, each extending the next",
    ),
    # ---------------------------------------------------------------- examples and properties
    Code(
        "PR801",
        "error",
        "Example named twice",
        "An example or property named twice, or with a reserved word (§13); a note points at the first",
        "two `example tot_du …`",
    ),
    Code(
        "PR802",
        "error",
        "Unknown or repeated fact",
        "An example gives an input that does not exist, or gives one twice; an examples table has an unknown "
        "or repeated column",
        "`given { praise = 1; praise = 2; }`",
    ),
    Code(
        "PR803",
        "error",
        "Fact refused",
        "A fact of an example that its input refuses: wrong kind (a plain number for a percentage), outside "
        "the range, too many decimals, not a member",
        "`given { attendance = 90; }` for a percent input",
    ),
    Code(
        "PR804",
        "error",
        "Required fact missing",
        "An example (or a table row) does not give a required input",
        "an example without `attendance`, which has no default",
    ),
    Code(
        "PR805",
        "error",
        "Facts break a constraint",
        "The facts of an example break a `constraint`",
        "`given { absent = 2; all_present = true; }`",
    ),
    Code(
        "PR806",
        "error",
        "Expectation names nothing",
        "An expectation or property names a grade, criterion, level, input or rule that does not exist, or a "
        "criterion without points or a level rule",
        "`expect grade tott;`",
    ),
    Code(
        "PR807",
        "error",
        "Expectation impossible",
        "An expected value that can never happen: a total outside what the checker knows totals can be, "
        "points outside 0 and the maximum, a percentage where points are meant",
        "`expect total 120;` when totals reach 100",
    ),
    Code(
        "PR808",
        "error",
        "Expects nothing",
        "An example (or table row) that expects nothing, a property that claims nothing, an empty table",
        '`example e "E" { given { … } }`',
    ),
    Code(
        "PR809",
        "error",
        "Examples table unreadable",
        "An examples table that cannot be read: not a plain `.csv` file name in the folder of the criteria "
        "file (no folder, `..`, absolute path or link leading elsewhere), not UTF-8, over 4 MiB. A table that "
        "is missing where the file is loaded (the file copied alone, or loaded as text) is only a warning, "
        "since examples never change a score; `partyrules test` then fails",
        '`examples "E" from "cases.txt";`',
    ),
    Code(
        "PR810",
        "error",
        "Examples row malformed",
        "A row of an examples table with the wrong number of cells, or a cell that is not a number where one "
        "is expected",
        "a row of 2 cells under a header of 3",
    ),
    Code(
        "PR811",
        "error",
        "Property untestable",
        "A property that cannot be tested as written: `monotone` in a choice (no order), an empty `total within` range",
        "`total within 10..0;`",
    ),
    Code(
        "PR812",
        "error",
        "Example like nothing",
        "An example built `like` another that does not exist in the file, or examples built like each other in "
        "a circle",
        '`example b "B" like fulll { ... }`',
    ),
    Code(
        "PR813",
        "error",
        "Batch without a quota",
        "An example with rows (a batch) in a file that declares no quota: rows are scored together only to "
        "apply the file's quotas over them",
        '`example lot "L" { row a like top; expect a grade tot; }` in a file with no `quota`',
    ),
    Code(
        "PR814",
        "error",
        "Rows and expectations that do not fit",
        "In a batch example: two rows of one name, a row named by a word of the language, an expectation "
        "that names no row of the batch (or no row at all), or `given` and `like` on the batch itself instead "
        "of on its rows",
        "`expect d grade httnv;` in a batch whose rows are a, b and c",
    ),
    # ---------------------------------------------------------------- warnings
    Code("PR901", "warning", "Input never used", "Warning: an input that no formula uses", "input `x` is never used"),
    Code(
        "PR902",
        "warning",
        "Quotient in Fractions",
        "Warning: a quotient the compiled program cannot hold as a pair of integers (inside `min` or `max`, "
        "or given as a rule's result) is computed with exact Fractions, several times slower; "
        "`partyrules check --explain` shows which numbering a file compiled to and why",
        "`min(speakers / present, 1) >= 50%`",
    ),
)

#: Every code, by its name.
CODES: dict[str, Code] = {c.code: c for c in _ALL}


def markdown_table() -> str:
    """The table of docs/language.md §12: code, meaning (title and what it means), example."""
    lines = ["| Code | Meaning | Example |", "|---|---|---|"]
    for c in _ALL:
        lines.append(f"| {c.code} | **{_cell(c.title)}.** {_cell(c.meaning)} | {_cell(c.example)} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


if __name__ == "__main__":
    print(markdown_table(), end="")
