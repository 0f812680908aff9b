"""``partyrules schema RULES``: the JSON Schema of a ruleset's facts or of its evaluations."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from partyrules.cli.common import add_lookup_options, load_ruleset

if TYPE_CHECKING:
    from partyrules.cli.common import Commands


def add_parser(commands: Commands) -> None:
    schema = commands.add_parser(
        "schema",
        help="print a JSON Schema for a ruleset's facts or evaluations",
        description="Print a JSON Schema (draft 2020-12) for the facts RULES takes (--part inputs, the default) "
        "or for the JSON data of its evaluations (--part evaluation).",
    )
    schema.add_argument("rules", metavar="RULES", help="a .criteria file or a shipped ruleset id")
    schema.add_argument(
        "--part", choices=("inputs", "evaluation"), default="inputs", help="inputs (default) or evaluation"
    )
    add_lookup_options(schema, cache=True)
    schema.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from partyrules.schema import evaluation_schema, inputs_schema

    ruleset = load_ruleset(args.rules, args)
    document = inputs_schema(ruleset) if args.part == "inputs" else evaluation_schema(ruleset)
    print(json.dumps(document, ensure_ascii=False, indent=2))
    return 0
