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


@functools.cache
def shipped_ids() -> tuple[str, ...]:
    """``partyrules.shipped_ids()``, sorted, read once in this process (each call reads every file's header).

    For a test's parameters: collecting them compiles nothing (each xdist worker collects every test file;
    compiling every shipped scale there cost about 1 s of CPU in each, for the file's parameters alone).
    """
    return tuple(sorted(partyrules.shipped_ids()))


def every_shipped() -> dict[str, partyrules.Ruleset]:
    """Every shipped ruleset (the newest version of each id), by id."""
    return {rid: shipped(rid) for rid in shipped_ids()}
