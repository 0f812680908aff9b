"""The ``partyrules`` command: check criteria files, score data files, explain one organisation.

    partyrules check FILE...                 diagnostics, exit 1 if any error
    partyrules score RULES DATA [-o OUT]     grade every row, summary table, results file
    partyrules explain RULES FACTS           one organisation's score sheet, in Vietnamese
    partyrules schema RULES [--part P]       JSON Schema of the facts (or evaluations)
    partyrules render RULES [--to md|html]   printable score sheet (phiếu chấm điểm)
    partyrules diff OLD NEW [--data FILE]    what a change of rules changes, and for whom
    partyrules fmt FILE... [--check|--diff]  rewrite criteria files in the canonical layout
    partyrules test RULES... [--coverage]    run the files' examples and properties
    partyrules grade DATA --level N=RULES... grade a hierarchy bottom-up, per level, to a results file
    partyrules lsp                          the language server for editors, over stdin and stdout
    partyrules serve [--host H --port P]    the HTTP API and the workbench page in the browser
    partyrules cache [--clear]               the compiled rulesets kept by score, grade, explain, schema

RULES is a ``.criteria`` file or a ruleset id (``vn.hatinh/chi-bo-4-tot``),
looked up in ``--path`` folders, ``PARTYRULES_PATH``, installed criteria
packages and the shipped criteria; ``--on DATE`` picks the version in force
that day. Exit status: 0 when all is well; 1 when a criteria file has
errors (check, fmt), some rows were rejected (score, explain, grade), an
example or property failed (test) or a file is not formatted (fmt --check);
2 when the command could not run (bad arguments, unreadable or unusable files).
Output is plain UTF-8 text, the same bytes for the same input.

Each command is a module of this package holding its parser (``add_parser``)
and what it runs; what they share is in :mod:`partyrules.cli.common`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

import partyrules
from partyrules.cli.common import PROG, UsageError, error, os_message, silence_stdout, utf8

__all__ = ["PROG", "UsageError", "main"]

#: Every command, in the order ``partyrules --help`` lists them: each is a module of this package that
#: adds its own parser (``add_parser``) whose ``run`` the command line calls.
COMMANDS = ("check", "score", "explain", "schema", "render", "test", "diff", "fmt", "grade", "lsp", "serve", "cache")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (never raises for a user's mistake)."""
    utf8(sys.stdout)
    utf8(sys.stderr)
    arguments = sys.argv[1:] if argv is None else argv
    parser = _parser(arguments[0] if arguments and arguments[0] in COMMANDS else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error argparse has already printed
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    # imported once the arguments are read, like everything a command needs: `--help` loads no attrs class
    from partyrules.diagnostics import CriteriaError, PartyrulesError
    from partyrules.facts import FactsError

    try:
        status: int = args.run(args)
        sys.stdout.flush()
        return status
    except BrokenPipeError:  # e.g. `partyrules score ... | head`
        silence_stdout()
        return 1
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except UsageError as exc:
        error(str(exc))
        return 2
    except FactsError as exc:
        error(str(exc))
        return 1
    except CriteriaError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except PartyrulesError as exc:
        error(str(exc))
        return 2
    except UnicodeDecodeError as exc:
        error(f"not UTF-8 text: {exc}")
        return 2
    except OSError as exc:
        error(os_message(exc))
        return 2
    except ValueError as exc:
        error(str(exc))
        return 2


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser: every command's, or only ``command``'s when the arguments begin with it
    (the others are then not imported: ``score`` starts sooner; its parsing, help and errors are the same)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Check criteria files, score organisations' data against them, and explain the scores.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {partyrules.__version__}")
    # prog given (what argparse would work out: no argument comes before the command): it would build a
    # help formatter for it, which imports shutil to ask the terminal's width
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, prog=PROG)
    for name in COMMANDS if command is None else (command,):
        importlib.import_module(f"partyrules.cli.{name}").add_parser(commands)
    return parser
