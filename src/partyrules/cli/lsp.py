"""``partyrules lsp``: the language server for editors, over standard input and output."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from partyrules.cli.common import UsageError

if TYPE_CHECKING:
    from partyrules.cli.common import Commands


def add_parser(commands: Commands) -> None:
    lsp = commands.add_parser(
        "lsp",
        help="run the language server for editors (diagnostics, hover, completion, ... as you type)",
        description="Run the language server of criteria files over standard input and output, as editors "
        "start it (docs/editors.md). Needs the `lsp` extra: pip install 'partyrules[lsp]'.",
    )
    lsp.add_argument(
        "--stdio", action="store_true", help="talk over standard input and output (the default; editors pass it)"
    )
    lsp.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        from partyrules.lsp.server import serve
    except ImportError as exc:
        raise UsageError(
            f"the language server needs pygls ({exc.name} is not installed): pip install 'partyrules[lsp]'"
        ) from None
    serve()
    return 0
