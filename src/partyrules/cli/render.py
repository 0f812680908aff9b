"""``partyrules render RULES``: the printable score sheet of a ruleset, or its fill-in workbook."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from partyrules.cli.common import (
    UsageError,
    add_lookup_options,
    check_output,
    load_ruleset,
    rules_files,
    rules_path,
)

if TYPE_CHECKING:
    from partyrules.cli.common import Commands


def add_parser(commands: Commands) -> None:
    sheet = commands.add_parser(
        "render",
        help="print a blank score sheet (phiếu chấm điểm) for RULES",
        description="Lay RULES out as a printable score sheet: Markdown, or a self-contained HTML page for A4 paper; "
        "or, with --to xlsx, as an Excel fill-in workbook (one row per organisation, one column per input, "
        "with data validation) that `partyrules score RULES FILLED.xlsx` reads back. "
        "Prints it on stdout, or writes it to --output (all at once: the file is replaced only when complete).",
    )
    sheet.add_argument("rules", metavar="RULES", help="a .criteria file or a shipped ruleset id")
    sheet.add_argument(
        "--to",
        choices=("md", "html", "xlsx"),
        default="md",
        help="md (Markdown, the default), html, or xlsx (a fill-in workbook; needs --output)",
    )
    sheet.add_argument(
        "--code",
        action="store_true",
        help="quote every rule in the criteria file's own notation instead of in words",
    )
    sheet.add_argument("-o", "--output", metavar="FILE", help="write the sheet to FILE instead of stdout")
    add_lookup_options(sheet)
    sheet.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from partyrules import data
    from partyrules.render import render_html, render_markdown

    path = rules_path(args.rules, args=args)
    if args.output is not None:
        check_output(args.output, (path, "the criteria file"))
    elif args.to == "xlsx":
        raise UsageError("--to xlsx: a workbook is written to a file; give --output FILE.xlsx")
    ruleset = load_ruleset(args.rules, args)
    if args.output is not None:  # nor over a base or an import of the rules
        check_output(args.output, *rules_files(ruleset))
    if args.to == "xlsx":
        from partyrules.workbook import write_fill_in

        data.openpyxl_module()  # a missing extra is said before any file is created
        data.write_atomic(args.output, lambda stream: write_fill_in(ruleset, stream), binary=True)
        return 0
    render = render_html if args.to == "html" else render_markdown
    text = render(ruleset, code=args.code)
    if args.output is None:
        sys.stdout.write(text)
    else:
        data.write_atomic(args.output, lambda stream: stream.write(text))
    return 0
