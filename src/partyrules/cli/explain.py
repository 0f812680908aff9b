"""``partyrules explain RULES FACTS``: one organisation's score sheet, in Vietnamese."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from partyrules.cli.common import UsageError, add_lookup_options, load_ruleset, report_bad_row, warn

if TYPE_CHECKING:
    from partyrules.cli.common import Commands


def add_parser(commands: Commands) -> None:
    explain = commands.add_parser(
        "explain",
        help="explain one organisation's score",
        description="Print one organisation's score sheet. FACTS is a JSON file with one object of facts, "
        "or a data file with --row N (the row number score reports) or --id ID.",
    )
    explain.add_argument("rules", metavar="RULES", help="a .criteria file or a shipped ruleset id")
    explain.add_argument("facts", metavar="FACTS", help="JSON facts, or a data file with --row / --id")
    which = explain.add_mutually_exclusive_group()
    which.add_argument("--row", type=int, metavar="N", help="the row numbered N (a CSV's first data row is 2)")
    which.add_argument("--id", metavar="ID", help="the row whose id is ID")
    explain.add_argument(
        "--id-column", metavar="NAME", help="column holding the row ids (default: the first *_id column)"
    )
    explain.add_argument(
        "--what-it-takes",
        action="store_true",
        help="also print the smallest change of one input that reaches the next better grade",
    )
    explain.add_argument(
        "--json",
        action="store_true",
        help="print JSON: the explanation's text, each named value (let) with its value, and the evaluation",
    )
    add_lookup_options(explain, cache=True)
    explain.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from partyrules import data

    ruleset = load_ruleset(args.rules, args)
    table = data.read(args.facts, ruleset.inputs, id_column=args.id_column)
    for warning in table.warnings:
        warn(warning)
    if args.row is not None:
        row = table.find(number=args.row)
    elif args.id is not None:
        row = table.find(id=args.id)
    elif len(table.rows) == 1:
        row = table.rows[0]
    elif not table.rows:
        raise UsageError(f"{args.facts}: holds no facts")
    else:
        raise UsageError(f"{args.facts}: holds {len(table.rows)} rows; choose one with --row N or --id ID")
    outcome = next(data.score(ruleset, [row]))
    if isinstance(outcome, data.BadRow):
        report_bad_row(table, outcome)
        return 1
    from partyrules.explain import explain_text
    from partyrules.scoresheet import named_values

    evaluation = outcome.evaluation
    values = named_values(ruleset, evaluation)  # the lets, which the evaluation does not keep
    text = explain_text(evaluation, values=values)
    further = None
    if args.what_it_takes:
        from partyrules.ranking import what_it_takes

        further = what_it_takes(ruleset, evaluation).text()
    if args.json:
        from partyrules import serialize

        document = {
            "explanation": text,
            "values": [v.data() for v in values],
            "evaluation": serialize.unstructure(evaluation),
        }
        if further is not None:
            document["what_it_takes"] = further
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=serialize.json_default) + "\n")
        return 0
    sys.stdout.write(text)
    if further is not None:
        sys.stdout.write("\n" + further)
    return 0
