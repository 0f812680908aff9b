"""``partyrules diff OLD NEW``: what a change of rules changes, and, on a data set, for whom."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from partyrules.cli.common import add_lookup_options, date, load_ruleset, report_bad_row, warn

if TYPE_CHECKING:
    from partyrules.cli.common import Commands


def add_parser(commands: Commands) -> None:
    diff = commands.add_parser(
        "diff",
        help="what a change of rules changes: criteria, points, bands, conditions; and whose grade",
        description="Compare two rulesets (files or ids; the same id twice with --old-on/--on compares two versions). "
        "With --data, score every row under both and list the organisations whose grade changes.",
    )
    diff.add_argument("old", metavar="OLD", help="the rules before (a .criteria file or a ruleset id)")
    diff.add_argument("new", metavar="NEW", help="the rules after")
    diff.add_argument("--old-on", type=date, metavar="DATE", help="the version of OLD in force on DATE")
    diff.add_argument("--data", metavar="FILE", help="a data file (CSV, JSON lines, JSON, .xlsx) to score under both")
    diff.add_argument("--id-column", metavar="COLUMN", help="the column holding each organisation's id")
    add_lookup_options(diff)
    diff.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from partyrules import data, diff

    old = load_ruleset(args.old, argparse.Namespace(on=args.old_on or args.on, path=args.path))
    new = load_ruleset(args.new, args)
    differences = diff.compare(old, new)
    result = None
    if args.data is not None:
        inputs = {i.name: i for i in (*new.inputs, *old.inputs)}  # read every column either side uses
        table = data.read(args.data, list(inputs.values()), id_column=args.id_column)
        for warning in table.warnings:
            warn(warning)
        for row in table.rows:
            if isinstance(row, data.BadRow):
                report_bad_row(table, row)
        rows = ((r.number, r.id, r.facts) for r in table.rows if isinstance(r, data.Row))
        result = diff.impact(old, new, rows)
    sys.stdout.write(diff.report(old, new, differences, result))
    return 0
