"""Shipped rulesets compiled once per test process (once per pytest-xdist worker), shared by the tests.

Compiling a shipped scale takes 50-210 ms, and many tests only read or evaluate one. A compiled
:class:`~partyrules.Ruleset` is immutable, so tests may share it; a test about loading itself
(looking a version up by date, compiling again, pickling a fresh object) calls ``partyrules``
directly instead.
"""

from __future__ import annotations

import datetime
import functools

import partyrules


@functools.cache
def shipped(ruleset_id: str, on: datetime.date | None = None) -> partyrules.Ruleset:
    """``partyrules.shipped(ruleset_id, on)``, compiled on first use in this process."""
    return partyrules.shipped(ruleset_id, on=on)


def every_shipped() -> dict[str, partyrules.Ruleset]:
    """Every shipped ruleset (the newest version of each id), by id."""
    return {rid: shipped(rid) for rid in partyrules.shipped_ids()}
