"""``partyrules test RULES...``: the examples and properties written in criteria files, run."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from typing import TYPE_CHECKING

from partyrules.cli.common import UsageError, add_lookup_options, load_ruleset

if TYPE_CHECKING:
    from partyrules.cli.common import Commands

#: what `partyrules test` says when hypothesis, which generates the organisations, is not installed
NEEDS_HYPOTHESIS = (
    "`partyrules test` needs hypothesis to test properties and mutations: pip install 'partyrules[testing]' "
    "(or run the examples alone: --examples-only)"
)


def add_parser(commands: Commands) -> None:
    test = commands.add_parser(
        "test",
        help="run the examples and test the properties written in criteria files",
        description="Run every example of each RULES file and test its properties with generated organisations "
        "(hypothesis; the same organisations on every run unless --thorough or --seed). A broken property is "
        "reported with the smallest counterexample found and its score sheet. Exit 1 when anything fails.",
    )
    test.add_argument("rules", nargs="+", metavar="RULES", help="a .criteria file or a shipped ruleset id")
    test.add_argument("--coverage", action="store_true", help="report the rules no example reaches")
    test.add_argument("--mutate", action="store_true", help="report small changes to the rules that no test notices")
    test.add_argument(
        "--thorough", action="store_true", help="try many more organisations per property, from a random seed"
    )
    test.add_argument("--seed", type=int, metavar="N", help="search from seed N (repeats a --thorough run)")
    test.add_argument(
        "--examples-only", action="store_true", help="run the examples but not the properties (quick, while editing)"
    )
    add_lookup_options(test)
    test.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # the examples run without hypothesis; properties and mutations are searched with it
    if (args.mutate or not args.examples_only) and importlib.util.find_spec("hypothesis") is None:
        raise UsageError(NEEDS_HYPOTHESIS)
    try:
        return _run(args)
    except ModuleNotFoundError as exc:  # imported where first needed: still a missing extra, not a traceback
        if (exc.name or "").partition(".")[0] == "hypothesis":
            raise UsageError(NEEDS_HYPOTHESIS) from None
        raise


def _run(args: argparse.Namespace) -> int:
    from partyrules.diagnostics import CriteriaError
    from partyrules.proving import Search
    from partyrules.testreport import test_ruleset

    search = Search.thorough(args.seed) if args.thorough else Search() if args.seed is None else Search(seed=args.seed)
    passed = True
    for spec in args.rules:
        try:
            ruleset = load_ruleset(spec, args)
        except CriteriaError as exc:
            if {d.code for d in exc.diagnostics} == {"PR718"}:  # a library: its rules are tested where imported
                sys.stdout.write(f"{spec}: a library of shared definitions: nothing to test\n")
                continue
            print(f"{spec}: the file has errors; nothing was run\n{exc}", file=sys.stderr)
            passed = False
            continue
        result = test_ruleset(
            ruleset,
            spec,
            search=search,
            coverage=args.coverage,
            mutate=args.mutate,
            properties=not args.examples_only,
        )
        sys.stdout.write(result.text)
        passed = passed and result.passed
    return 0 if passed else 1
