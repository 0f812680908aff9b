"""A pytest plugin: the examples and properties of ``*.criteria`` files as test items.

A province keeps its scales in a repository and runs ``pytest`` in CI with no
Python code of its own. Collection is **opt-in**, so that installing partyrules
never changes another project's test run: set ``partyrules_criteria = true``
in the pytest configuration, or pass ``--criteria``. pytest then collects every
``.criteria`` file it meets under its arguments or ``testpaths`` (its usual
rules for finding files), one item per example (``example NAME``) and one per
property claim (``property NAME: CLAIM``); a file with errors is one failing
item, ``check``, showing the diagnostics. The property search follows
``PARTYRULES_HYPOTHESIS`` like the project's own tests: ``ci`` (the default,
derandomised) or ``thorough``.

    # pyproject.toml of a province's repository
    [tool.pytest.ini_options]
    partyrules_criteria = true
    testpaths = ["criteria"]
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

INI = "partyrules_criteria"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("partyrules")
    group.addoption(
        "--criteria",
        action="store_true",
        default=False,
        help="collect the examples and properties of *.criteria files as tests",
    )
    parser.addini(INI, type="bool", default=False, help="collect the examples and properties of *.criteria files")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix != ".criteria" or not _enabled(parent.config):
        return None
    collector: pytest.Collector = CriteriaFile.from_parent(parent, path=file_path)
    return collector


def _enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("criteria") or config.getini(INI))


def _search() -> Any:
    from partyrules.proving import CI, Search

    return Search.thorough() if os.environ.get("PARTYRULES_HYPOTHESIS") == "thorough" else CI


class CaseFailed(Exception):
    """An example or a property claim failed; the message is its report."""


class CriteriaFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from partyrules.api import load
        from partyrules.diagnostics import CriteriaError
        from partyrules.proving import claim_text

        try:
            ruleset = load(self.path)
        except CriteriaError as exc:
            yield CheckItem.from_parent(self, name="check", report=str(exc))
            return
        book = ruleset.tests
        if not book:
            return
        taken: set[str] = set()

        def unique(name: str, location: str) -> str:
            if name in taken:
                name = f"{name} ({location})"
            taken.add(name)
            return name

        for case in book.examples:
            yield CaseItem.from_parent(
                self, name=unique(f"example {case.name}", case.location), ruleset=ruleset, case=case, claim=None
            )
        for prop in book.properties:
            for claim in prop.claims:
                name = unique(f"property {prop.name}: {claim_text(claim)}", prop.location)
                yield CaseItem.from_parent(self, name=name, ruleset=ruleset, case=prop, claim=claim)


class _Item(pytest.Item):
    """An item of a criteria file: its failure is the report of the case, not a Python traceback."""

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))


class CheckItem(_Item):
    def __init__(self, *, report: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.report = report

    def runtest(self) -> None:
        raise CaseFailed(self.report)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"{self.path.name}: check"


class CaseItem(_Item):
    def __init__(self, *, ruleset: Any, case: Any, claim: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ruleset = ruleset
        self.case = case
        self.claim = claim

    def runtest(self) -> None:
        from partyrules import proving

        if self.claim is None:
            outcome = proving.run_example(self.ruleset, self.case)
        else:
            outcome = proving.check_claim(self.ruleset, self.ruleset.tests.model, self.case, self.claim, _search())
        if not outcome.passed:
            raise CaseFailed(f"{self.case.location}: {self.name} failed\n{outcome.detail}")

    def reportinfo(self) -> tuple[Any, int | None, str]:
        line = self.case.location.rsplit(":", 2)[-2]
        return self.path, int(line) - 1 if line.isdigit() else None, f"{self.path.name}: {self.name}"
