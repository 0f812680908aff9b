"""The criteria files and example data shipped inside the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from partyrules.diagnostics import CriteriaError, Diagnostic, did_you_mean
from partyrules.nodes import Span
from partyrules.runtime import Ruleset


def _root() -> Path:
    return Path(str(resources.files("partyrules")))


def shipped_ids() -> list[str]:
    """Ids of the shipped criteria files, e.g. ``vn.hatinh/chi-bo-4-tot``."""
    base = _root() / "criteria"
    return sorted(p.relative_to(base).with_suffix("").as_posix() for p in base.rglob("*.criteria"))


def shipped_path(ruleset_id: str) -> Path:
    """Path of a shipped criteria file by its id."""
    if ruleset_id not in shipped_ids():
        hint = did_you_mean(ruleset_id, shipped_ids()) or "shipped: " + ", ".join(shipped_ids())
        raise CriteriaError(
            [Diagnostic("PR000", f"no shipped ruleset `{ruleset_id}`", ruleset_id, Span(1, 1, 1, 2), hint)]
        )
    return _root() / "criteria" / f"{ruleset_id}.criteria"


def shipped(ruleset_id: str) -> Ruleset:
    """Load a shipped ruleset by id."""
    from partyrules.api import load

    return load(shipped_path(ruleset_id))


def data_path(name: str) -> Path:
    """Path of a shipped example data file."""
    return _root() / "data" / name
