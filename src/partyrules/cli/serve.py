"""``partyrules serve``: the HTTP API and the workbench page, on uvicorn (the ``serve`` extra)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from partyrules.cli.common import UsageError

if TYPE_CHECKING:
    from partyrules.cli.common import Commands

#: hosts that only this machine reaches: served without a token
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def add_parser(commands: Commands) -> None:
    serve = commands.add_parser(
        "serve",
        help="serve the HTTP API and the workbench page in the browser",
        description="Serve the HTTP API (JSON; its OpenAPI document at /openapi.json) and the workbench page at /. "
        "Binds to 127.0.0.1 by default; any other host needs a token (--token or PARTYRULES_TOKEN), which every "
        "request must then carry (Authorization: Bearer TOKEN, or ?token=TOKEN to open the page). "
        "Needs the serve extra: pip install 'partyrules[serve]'. See docs/workbench.md.",
    )
    serve.add_argument(
        "--path",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder of criteria files to serve, before the installed and shipped ones (repeatable)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="the port to listen on (default 8000)")
    serve.add_argument("--token", help="the token requests must carry (default: PARTYRULES_TOKEN, if set)")
    serve.add_argument(
        "--max-body", type=int, default=32, metavar="MIB", help="the largest request body accepted, in MiB (default 32)"
    )
    serve.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="the longest a request may work (checking, compiling, scoring) before it is stopped and answered "
        "503 (default 60)",
    )
    serve.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from partyrules.server.app import TOKEN_VARIABLE, create_app
    except ImportError:
        raise UsageError("serve needs Starlette and uvicorn: pip install 'partyrules[serve]'") from None
    token = args.token or os.environ.get(TOKEN_VARIABLE) or None
    if args.host not in LOOPBACK and not token:
        raise UsageError(
            f"--host {args.host}: other machines could reach this server; give a token with --token or {TOKEN_VARIABLE}"
        )
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: not a port number (0 to 65535)")
    if not args.time_limit > 0:
        raise UsageError(f"--time-limit {args.time_limit:g}: give a number of seconds above 0")
    for folder in args.path:
        if not os.path.isdir(folder):
            raise UsageError(f"--path {folder}: no such folder")
    app = create_app(args.path, token=token, max_body=args.max_body * 1024 * 1024, time_limit=args.time_limit)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"partyrules: the workbench is at http://{shown}:{args.port}/ (Ctrl+C stops it)", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
