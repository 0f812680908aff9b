"""``partyrules check FILE...``: every problem of criteria files, as text or JSON."""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from partyrules.cli.common import add_lookup_options, plural, rules_path

if TYPE_CHECKING:
    from partyrules.cli.common import Commands
    from partyrules.diagnostics import Diagnostic, Source


def add_parser(commands: Commands) -> None:
    check = commands.add_parser("check", help="check criteria files and print every problem")
    check.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="a .criteria file, a ruleset id, or a folder of criteria (every file in it, and the versions of each id)",
    )
    check.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or a JSON list")
    check.add_argument(
        "--explain",
        action="store_true",
        help="also say how each file's numbers are computed: integers in fixed point (at which scale) or "
        "Decimals (and the expression that needs them), and every quotient computed with Fractions",
    )
    add_lookup_options(check)
    check.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from partyrules.diagnostics import render

    everything: list[Diagnostic] = []
    failed = False
    blocks: list[str] = []
    # each file read, decoded and split once, however many diagnostics quote it (or their notes)
    source = functools.cache(_source)
    for name, diagnostics, numbering in _checked(args):
        everything += diagnostics
        errors = sum(1 for d in diagnostics if d.severity == "error")
        warnings = len(diagnostics) - errors
        failed = failed or errors > 0
        if args.format == "text":
            blocks.extend(render(d, source(d.file), source) + "\n\n" for d in diagnostics)
            counts = [plural(errors, "error")] if errors else ["ok"]
            if warnings:
                counts.append(plural(warnings, "warning"))
            blocks.append(f"{name}: {', '.join(counts)}\n")
            if args.explain and numbering is not None:
                blocks.extend(f"  {line}\n" for line in numbering)
    if args.format == "json":
        print(json.dumps([d.data() for d in everything], ensure_ascii=False, indent=2))
    else:
        sys.stdout.write("".join(blocks))
    return 1 if failed else 0


def _checked(args: argparse.Namespace) -> Iterator[tuple[str, list[Diagnostic], list[str] | None]]:
    """Each file's diagnostics (and, with --explain, the lines saying its numbering); a folder is
    every file under it, plus each id's versions together (overlapping effective ranges are a
    problem of no single file)."""
    from partyrules.diagnostics import CriteriaError
    from partyrules.loader import Loader

    for name in args.files:
        if not os.path.isdir(name):
            yield name, *_one(rules_path(name, must_exist=False, args=args), args)
            continue
        for path in sorted(Path(name).rglob("*.criteria")):
            yield str(path), *_one(str(path), args)
        loader = Loader([name], environment=False, installed=False, builtin=False)
        for ruleset_id in loader.known_ids():
            try:
                loader.versions(ruleset_id)
            except CriteriaError as exc:
                yield f"{name} ({ruleset_id}, its versions)", list(exc.diagnostics), None


def _one(path: str, args: argparse.Namespace) -> tuple[list[Diagnostic], list[str] | None]:
    from partyrules import api
    from partyrules.compiler.program import numbering_lines

    diagnostics, model = api.checked(path, path=args.path)
    if not args.explain or model is None or model.header.kind == "library":
        return diagnostics, None
    return diagnostics, numbering_lines(api.numbering(model), path)


def _source(path: str) -> Source | None:
    from partyrules.diagnostics import CriteriaError, Source
    from partyrules.loader import read_source
    from partyrules.parser import normalise

    try:
        return Source(path, normalise(read_source(path)))
    except CriteriaError:
        return None
