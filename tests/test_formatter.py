"""The formatter (``partyrules fmt``): one canonical layout that never changes the meaning.

Every shipped file is already formatted; formatting keeps the tree (numbers with their digits),
is idempotent, and keeps every comment with the statement it belonged to. Texts come from the
shipped files, from the grammar and from mutated shipped files (the fuzzers' strategies), kept
when they parse.
"""

from __future__ import annotations

import io
import subprocess
import sys
import typing
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import given

from partyrules import cli, nodes as n
from partyrules.catalog import shipped_path
from partyrules.diagnostics import CriteriaError
from partyrules.formatter import attachments, format_text
from partyrules.parser import parse, parse_layout
from shipped_cache import shipped_ids
from test_fuzz import FILES, _mutant, fuzz

SHIPPED = sorted({str(p) for rid in shipped_ids() for p in shipped_path(rid).parent.glob("*.criteria")})


def _same_meaning(a: str, b: str) -> None:
    # repr leaves spans out and shows each Decimal with its digits: 2.50 and 2.5 differ here
    assert repr(parse(a)) == repr(parse(b))


def _properties(text: str) -> None:
    formatted = format_text(text)
    _same_meaning(formatted, text)
    assert format_text(formatted) == formatted
    assert attachments(formatted) == attachments(text)
    kept = sorted(c.text for c in parse_layout(formatted).comments)
    assert kept == sorted(c.text for c in parse_layout(text).comments)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: Path(p).name)
def test_shipped_files_are_formatted(path: str) -> None:
    text = Path(path).read_text(encoding="utf-8")
    assert format_text(text) == text
    _properties(text)


def _parses(text: str) -> bool:
    try:
        parse(text)
    except CriteriaError:
        return False
    return True


@fuzz(0.5)
@given(FILES.map("".join).filter(_parses))
def test_generated_files_keep_their_meaning(text: str) -> None:
    _properties(text)


@fuzz(0.5)
@given(_mutant().filter(_parses))
def test_mutated_shipped_files_keep_their_meaning(text: str) -> None:
    _properties(text)


MESSY = """\
# file header


ruleset "t/x" {  # on the opening line
  title "T";   # trailing title
  # before version
  version "1"; basis "B";
  effective from 2024-01-01;
  points official;
  # end of header
}
# before input
input ch "Ch": one of { a "A", # inside enum
   b "B" } = a;
levels muc "M" { tot "T", kem "K" }


criteria "C" max 20.0 {
  item i "I" max 2.50 {
    points = bands x { # head of bands
      from 90.0%: 2.50;   # row one
      # before otherwise
      otherwise: table first (a, b) { >= 1, -: 1; # cell row
          - , 007: 2;
          # end of table
        };
      # end of bands
    }; # after points
  }
  group g "G" {} # empty group
}
let y = ((a)) +  # inside let
  b;
grades { grade a "A" { band any; } }
# the end
"""

TIDY = """\
# file header

ruleset "t/x" {
  # on the opening line
  title "T";  # trailing title
  # before version
  version "1";
  basis "B";
  effective from 2024-01-01;
  points official;
  # end of header
}
# before input
# inside enum
input ch "Ch": one of { a "A", b "B" } = a;
levels muc "M" { tot "T", kem "K" }

criteria "C" max 20.0 {
  item i "I" max 2.50 {
    points = bands x {
      # head of bands
      from 90.0%: 2.50;  # row one
      # before otherwise
      otherwise: table first (a, b) {
        >= 1, -: 1;  # cell row
        -,    7: 2;
        # end of table
      };
      # end of bands
    };  # after points
  }
  group g "G" {
  }  # empty group
}
# inside let
let y = a + b;
grades {
  grade a "A" {
    band any;
  }
}
# the end
"""


def test_the_canonical_layout() -> None:
    assert format_text(MESSY) == TIDY
    _properties(MESSY)


def test_numbers_keep_their_digits() -> None:
    """The checker and compiler read a literal's decimal places: 2.50 is not written 2.5."""
    text = 'let a = 2.50 + 90.0% + 007 + 0.10;\ninput x "X": decimal 0.0..8.50 places 2 = 1.00;\n'
    assert format_text(text) == 'let a = 2.50 + 90.0% + 7 + 0.10;\ninput x "X": decimal 0.0..8.50 places 2 = 1.00;\n'


def test_long_member_lists_go_one_per_line() -> None:
    members = ", ".join(f'm{i} "Thành viên số {i}"' for i in range(8))
    out = format_text(f'input x "X": one of {{ {members} }} = m1;')
    assert out.splitlines()[0] == 'input x "X": one of {'
    assert out.splitlines()[1:3] == ['  m0 "Thành viên số 0",', '  m1 "Thành viên số 1",']
    assert out.endswith("} = m1;\n")


def test_blank_lines_at_most_one_and_none_inside_braces() -> None:
    text = "\n\nlet a = 1;\n\n\n\nlet b = 2;\nlet c = 3;\ngrades {\n\n  grade g \"G\" { band any; }\n\n}\n\n"
    assert format_text(text) == 'let a = 1;\n\nlet b = 2;\nlet c = 3;\ngrades {\n  grade g "G" {\n    band any;\n  }\n}\n'


#: One text per kind of declaration: a new declaration in the grammar fails here until it is printed.
SAMPLES = {
    "Header": 'library "vn/x" { extends "vn/y" on 2024-01-01; title "T"; version "1"; basis "B"; '
    'effective from 2024-01-01 to 2024-12-31; points illustrative "why"; note "n"; }',
    "Input": 'input a "A": percent 0%..100% places 1 = 50%;',
    "Levels": 'levels m "M" { a "A", b }',
    "Constraint": 'constraint "c": a <= b;',
    "Let": 'param p "P" = 90;',
    "CriteriaTree": 'criteria "C" max 10 { rescale round 2; locked max; group g "G" max 10 { item i "I" { '
    'applicable when a else zero; level = match m { a, b: x; otherwise: y; }; official; locked; } } }',
    "Adjustments": 'deductions "D" cap 2 { deduction d "D" max 2 { points = 1; } }',
    "Grades": 'grades { grade g "G" { band from 1 below 2; require "r": a; else h; cite "c"; } }',
    "Knockout": 'not_graded k "K" { when a; note "n"; }',
    "Import": 'import "vn/x" on 2024-01-01 { a, b };',
    "Change": 'change grade g { label "L"; max 3; drop require "r"; cap 2; when a; force h; band below 5; }',
    "Add": 'add bonus b "B" max 1 before c { points = 1; }',
    "Remove": "remove item x;",
    "SetParameter": "set p = -2.50;",
    "Example": 'example e "E" { given { a = 1; b = x; } expect total 5; expect points i = 2.0; expect level i = x; }',
    "ExampleTable": 'examples "E" from "e.csv";',
    "Property": 'property p "P" { assuming a > 1; total within 0..100; monotone increasing in a; '
    "grade g requires a; always a or b; }",
    "Quota": 'quota q "Q" { cite "c"; grade a at most 20% of b and better; within column "g"; round down; '
    "demote to b; order by x desc, y asc; }",
    "Periods": 'periods quy "Q" { cite "c"; ruleset "vn/q" on 2025-01-01; count 3; missing skip; note "n"; }',
}


def test_every_kind_of_declaration_is_printed() -> None:
    kinds = {cls.__name__ for cls in typing.get_args(n.Declaration)}
    missing = kinds - set(SAMPLES)
    assert not missing, f"add a sample (and a printer in partyrules.formatter) for {sorted(missing)}"
    for kind in sorted(kinds):
        text = SAMPLES[kind]
        assert type(parse(text).declarations[0]).__name__ == kind
        _properties(text)


def test_a_syntax_error_is_reported_not_formatted() -> None:
    with pytest.raises(CriteriaError) as caught:
        format_text("let x = ;", "bad.criteria")
    assert "bad.criteria:1:9" in str(caught.value)


# ---------------------------------------------------------------- the command


def _run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = cli.sys.stdin
    cli.sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8")  # as a real one: bytes below
    try:
        with redirect_stdout(out), redirect_stderr(err):
            status = cli.main(list(argv))
    finally:
        cli.sys.stdin = old
    return status, out.getvalue(), err.getvalue()


def test_fmt_rewrites_checks_and_diffs(tmp_path: Path) -> None:
    messy, tidy, bad = tmp_path / "messy.criteria", tmp_path / "tidy.criteria", tmp_path / "bad.criteria"
    messy.write_text(MESSY, encoding="utf-8")
    tidy.write_text(TIDY, encoding="utf-8")
    bad.write_text("let x = ;\n", encoding="utf-8")

    status, out, _ = _run("fmt", "--check", str(messy), str(tidy))
    assert (status, out) == (1, f"would reformat {messy}\n")
    status, out, _ = _run("fmt", "--diff", str(messy))
    assert status == 0 and out.startswith(f"--- {messy}\n+++ {messy} (formatted)\n") and "+  basis \"B\";" in out
    assert messy.read_text(encoding="utf-8") == MESSY  # --check and --diff write nothing

    before = tidy.stat().st_mtime_ns
    status, _, err = _run("fmt", str(tmp_path))
    assert status == 1  # bad.criteria does not parse
    assert "bad.criteria:1:9: error PR005" in err and f"reformatted {messy}" in err
    assert messy.read_text(encoding="utf-8") == TIDY
    assert tidy.stat().st_mtime_ns == before  # already formatted: untouched
    assert bad.read_text(encoding="utf-8") == "let x = ;\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_fmt_reads_stdin() -> None:
    assert _run("fmt", "-", stdin="let  x=1;") == (0, "let x = 1;\n", "")


def test_fmt_of_stdin_not_utf8_says_so_at_its_place_and_passes_the_bytes_through() -> None:
    """As for a file: PR000 "not UTF-8 text" at the byte's line and column (not a stray surrogate named
    as a character of the text); as a filter, the input's bytes on stdout as they came."""
    sent = 'let x = 1;\nlet y = "caf\xe9";\n'.encode("latin-1")
    done = subprocess.run([sys.executable, "-m", "partyrules", "fmt", "-"], input=sent, capture_output=True, check=False)
    assert done.returncode == 2
    assert done.stdout == sent
    assert done.stderr.decode("utf-8").startswith("<stdin>:2:13: error PR000: the file is not UTF-8 text\n")
    assert _run("fmt", "--check", "-", stdin="let x = 1;\n") == (0, "", "")
    status, _, err = _run("fmt", "-", "x.criteria")
    assert status == 2 and "standard input" in err
    status, _, err = _run("fmt", "missing.criteria")
    assert status == 2 and "no such file" in err
