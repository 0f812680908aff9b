"""``partyrules fmt FILE...``: criteria files rewritten in the one canonical layout."""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from partyrules.cli.common import UsageError

if TYPE_CHECKING:
    from partyrules.cli.common import Commands


def add_parser(commands: Commands) -> None:
    fmt = commands.add_parser(
        "fmt",
        help="rewrite criteria files in the canonical layout (comments and meaning kept)",
        description="Rewrite each criteria file in the one canonical layout, in place; a file already "
        "formatted is left untouched. A folder means every .criteria file in it; `-` reads standard input "
        "and writes standard output. Exit 1 when a file does not parse (it is left as it was) or, with "
        "--check, when a file would change.",
    )
    fmt.add_argument("files", nargs="+", metavar="FILE", help="a .criteria file, a folder of them, or - for stdin")
    fmt.add_argument("--check", action="store_true", help="write nothing; list the files that would change")
    fmt.add_argument("--diff", action="store_true", help="write nothing; print what would change as a unified diff")
    fmt.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.files.count("-") > 1 or ("-" in args.files and len(args.files) > 1):
        raise UsageError("`-` (standard input) cannot be given with other files")
    names: list[str] = []
    for name in args.files:
        if name != "-" and os.path.isdir(name):
            names += sorted(str(p) for p in Path(name).rglob("*.criteria"))
        else:
            names.append(name)
    status = 0
    for name in names:
        status = max(status, _format(name, args))
    return status


def _format(name: str, args: argparse.Namespace) -> int:
    """Format one file (``-``: standard input to standard output); its exit status."""
    from partyrules import data, parser
    from partyrules.diagnostics import CriteriaError
    from partyrules.formatter import format_text
    from partyrules.loader import read_source, source_text

    shown = "<stdin>" if name == "-" else name
    given = b""
    try:
        if name == "-":  # bytes, read as a file is: not UTF-8 is said as for a file, at its place
            given = sys.stdin.buffer.read(parser.MAX_SOURCE_BYTES + 1)
            old = source_text(given, shown)
        else:
            old = read_source(name)
    except CriteriaError as exc:  # unreadable: not the formatter's to judge
        print(str(exc), file=sys.stderr)
        if name == "-" and not (args.check or args.diff):
            sys.stdout.buffer.write(given)  # a filter must not swallow its input
        return 2
    try:
        new = format_text(old, shown)
    except CriteriaError as exc:
        print(str(exc), file=sys.stderr)
        if name == "-" and not (args.check or args.diff):
            sys.stdout.write(old)  # a filter must not swallow its input
        return 1
    if args.diff and new != old:
        sys.stdout.writelines(
            difflib.unified_diff(
                old.splitlines(keepends=True), new.splitlines(keepends=True), shown, f"{shown} (formatted)"
            )
        )
    if args.check and new != old:
        if not args.diff:
            print(f"would reformat {shown}")
        return 1
    if args.check or args.diff:
        return 0
    if name == "-":
        sys.stdout.write(new)
    elif new != old:
        # the whole file at once (temporary file, then rename): never a half-formatted file
        data.write_atomic(name, lambda stream: stream.write(new))
        print(f"reformatted {name}", file=sys.stderr)
    return 0
