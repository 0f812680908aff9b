"""Shared fixtures: only what both test modules need."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write_criteria(tmp_path: Path) -> Callable[..., Path]:
    """Write text (UTF-8) or raw bytes to a criteria file in a temporary folder and return its path."""

    def write(content: str | bytes, name: str = "t.criteria") -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", newline="")
        else:
            path.write_bytes(content)
        return path

    return write


# Hypothesis profiles, chosen with PARTYRULES_HYPOTHESIS=ci|thorough (default: ci).
# ci: quick and deterministic for every push; thorough: many more examples, for a release or a new scale.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(__import__("os").environ.get("PARTYRULES_HYPOTHESIS", "ci"))
