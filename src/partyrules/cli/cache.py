"""``partyrules cache``: where the compiled rulesets are kept, how many, and clearing them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from partyrules.cli.common import plural

if TYPE_CHECKING:
    from partyrules.cli.common import Commands


def add_parser(commands: Commands) -> None:
    cache = commands.add_parser(
        "cache",
        help="show or clear the cache of compiled rulesets",
        description="Show the folder of compiled rulesets that score, grade, explain and schema keep "
        "(PARTYRULES_CACHE_DIR, else $XDG_CACHE_HOME/partyrules, else ~/.cache/partyrules), "
        "how many entries it holds and their size; --clear removes them. An entry is used only while "
        "every file it was built from is unchanged, so clearing is never needed for correct results.",
    )
    cache.add_argument("--clear", action="store_true", help="remove every compiled ruleset kept")
    cache.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from partyrules.cache import RulesetCache

    kept = RulesetCache()
    if args.clear:
        print(f"{kept.folder}: removed {plural(kept.clear(), 'compiled ruleset')}")
        return 0
    count, size = kept.size()
    print(f"{kept.folder}: {plural(count, 'compiled ruleset')}, {size / (1024 * 1024):.1f} MiB")
    return 0
