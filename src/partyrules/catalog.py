"""The criteria files and example data shipped inside the package."""

from __future__ import annotations

import datetime
import functools
from importlib import resources
from pathlib import Path

from partyrules.loader import Loader, builtin_root
from partyrules.runtime import Ruleset


def _root() -> Path:
    return Path(str(resources.files("partyrules")))


@functools.lru_cache(maxsize=1)
def _loader() -> Loader:
    return Loader(environment=False, installed=False)


def shipped_ids(*, libraries: bool = False) -> list[str]:
    """Ids of the shipped rulesets, e.g. ``vn.hatinh/chi-bo-4-tot`` (one id for all versions of a ruleset).

    ``libraries=True`` also lists the shared-definition libraries, which cannot be scored.
    """
    loader = _loader()
    return [
        i for i in loader.known_ids() if libraries or any(v.header.kind == "ruleset" for v in loader.versions(i))
    ]


def shipped_versions(ruleset_id: str) -> list[Path]:
    """Paths of every version of a shipped ruleset, oldest first."""
    return [Path(v.filename) for v in _loader().versions(ruleset_id)]


def shipped_path(ruleset_id: str, on: datetime.date | None = None) -> Path:
    """Path of a shipped criteria file by its id: the version in force on ``on``, or the newest."""
    return Path(_loader().pick(ruleset_id, on).filename)


def shipped(ruleset_id: str, on: datetime.date | None = None) -> Ruleset:
    """Load a shipped ruleset by id (the version in force on ``on``, or the newest)."""
    from partyrules.api import load

    return load(ruleset_id, on=on, loader=_loader())


def data_path(name: str) -> Path:
    """Path of a shipped example data file."""
    return _root() / "data" / name


__all__ = ["builtin_root", "data_path", "shipped", "shipped_ids", "shipped_path", "shipped_versions"]
