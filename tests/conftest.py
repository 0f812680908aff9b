"""Shared fixtures and settings of the test session."""

from __future__ import annotations

import os
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

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


# Hypothesis profiles, chosen with PARTYRULES_HYPOTHESIS=ci|quick|thorough (default: ci).
# ci: deterministic, for every push; quick: the same with a sixth of the examples, for CI's second job
# (the lowest Python and dependencies: every test runs, each search is shorter); thorough: many more
# examples, for a release or a new scale.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "quick",
    max_examples=10,
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


# Under CI (the variable CI set, as .ci/run does) a skipped test is a failure: CI installs everything
# the tests need, so a skip there means something is missing, never something to pass over.
def _failed_under_ci(report: pytest.CollectReport | pytest.TestReport) -> None:
    if report.skipped and os.environ.get("CI") and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI, where nothing may be skipped: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, None]:
    outcome = yield
    _failed_under_ci(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, None]:
    outcome = yield
    _failed_under_ci(outcome.get_result())


# PARTYRULES_ONE_CASE=1 runs each test function once: the first case of a parametrized one, the others
# deselected (and counted as such). CI's second job (the lowest Python and dependencies) runs so, to
# fit beside the first, which runs every case.
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("PARTYRULES_ONE_CASE") != "1":
        return
    seen: set[str] = set()
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        function = item.nodeid.split("[", 1)[0]
        (dropped if function in seen else kept).append(item)
        seen.add(function)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
