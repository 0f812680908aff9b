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
