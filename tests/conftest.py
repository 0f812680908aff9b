"""Shared fixtures and settings of the test session."""

from __future__ import annotations

import atexit
import datetime
import os
import random
import shutil
import tempfile
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
# ci: a short search for every push; quick: the same with a sixth of the examples, for CI's second job
# (the lowest Python and dependencies: every test runs, each search is shorter); thorough: many more
# examples, for a release, a nightly run or a new scale.
#
# One seed drives every hypothesis test of the session (hypothesis's --hypothesis-seed), so that the
# search is not the same few examples forever and any failure can be replayed: PARTYRULES_FUZZ_SEED
# if set, else, in the ci and quick profiles, the day's date (20261203: CI searches anew each day, and
# a failure replays all that day), in the thorough profile a random number. The pytest header prints
# it; `PARTYRULES_FUZZ_SEED=N pytest ...` (same profile) replays the run. The seed is put in the
# environment, so xdist's workers and tests/test_fuzz_data.py use the same one.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=False,
    database=None,  # the seed alone decides the examples: a replay is exact
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "quick",
    max_examples=10,
    deadline=None,
    derandomize=False,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    derandomize=False,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE = os.environ.get("PARTYRULES_HYPOTHESIS", "ci")
settings.load_profile(PROFILE)


def _session_seed() -> int:
    given = os.environ.get("PARTYRULES_FUZZ_SEED", "").strip()
    if given:
        return int(given)
    if PROFILE == "thorough":
        return random.SystemRandom().randrange(10**8)
    return int(datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d"))


SEED = _session_seed()
os.environ["PARTYRULES_FUZZ_SEED"] = str(SEED)  # before xdist starts its workers: they inherit it
# the commands that score keep compiled rulesets in a cache: the tests' own folder, never the user's
# (set before xdist starts its workers, so they share it; entries are written whole and renamed)
if "PARTYRULES_CACHE_DIR" not in os.environ:
    os.environ["PARTYRULES_CACHE_DIR"] = tempfile.mkdtemp(prefix="partyrules-test-cache-")
    atexit.register(shutil.rmtree, os.environ["PARTYRULES_CACHE_DIR"], ignore_errors=True)


@pytest.hookimpl(tryfirst=True)  # before hypothesis's own pytest_configure reads the option
def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("hypothesis_seed", None) is None:
        config.option.hypothesis_seed = str(SEED)


def _seed_line(config: pytest.Config) -> str:
    seed = config.getoption("hypothesis_seed", None)
    return (
        f"partyrules: hypothesis profile {PROFILE!r}, seed {seed} "
        f"(replay: PARTYRULES_HYPOTHESIS={PROFILE} PARTYRULES_FUZZ_SEED={seed} pytest ...)"
    )


def pytest_report_header(config: pytest.Config) -> str:
    return _seed_line(config)


# the project's pytest options include -q, which hides the header: the seed is then written at the
# start anyway (by the main process only, not by each xdist worker), and again beside any failure
def pytest_sessionstart(session: pytest.Session) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and session.config.option.verbose < 0 and not hasattr(session.config, "workerinput"):
        reporter.write_line(_seed_line(session.config))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if exitstatus == pytest.ExitCode.TESTS_FAILED:
        terminalreporter.write_line(_seed_line(config))


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


# With xdist (-n, --dist loadfile) the files go to the workers whole, in the order collected: a long
# file handed out last keeps one worker busy while the other, with nothing left, waits (a tail of up
# to that file's time on a 2-core machine). So the longest files, by their CPU time in CI (measured
# 2026-12-04: 21, 21, 20, 10, 9, 8, 8, 8 and 8 s of the newest job's 215 s), are collected first and the
# short ones fill in at the end; the order of the tests within a file, and of the other files, stays.
LONGEST_FIRST = (
    "test_proving.py",
    "test_fuzz.py",
    "test_batch.py",
    "test_shipped_examples.py",
    "test_large_program.py",
    "test_data_formats.py",
    "test_dask.py",
    "test_schema.py",
    "test_workbench_browser.py",
)


def _longest_first(items: list[pytest.Item]) -> None:
    rank = {name: index for index, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order


# PARTYRULES_ONE_CASE=1 runs each test function once: the first case of a parametrized one, the others
# deselected (and counted as such). CI's second job (the lowest Python and dependencies) runs so, to
# fit beside the first, which runs every case.
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _longest_first(items)
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
