"""CI runs what the README says, on the Python versions and dependency bounds that pyproject.toml claims."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 (pytest needs tomli there)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
RUN = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _readme_test_command() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", quick_start, re.S)
    assert len(blocks) == 2, "the quick start has two commands: score the shipped data, run the tests"
    (command,) = [line for line in blocks[1].splitlines() if line and not line.startswith("#")]
    return command


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    command = _readme_test_command()
    assert "pytest" in command and "'.[test]'" in command
    assert command in RUN.splitlines()


def _direct(extra: str, seen: set[str]) -> list[Requirement]:
    """The requirements of the project and of ``extra``, its extras that name the project expanded."""
    out = []
    for text in PROJECT["optional-dependencies"][extra]:
        requirement = Requirement(text)
        if requirement.name == PROJECT["name"]:
            for inner in sorted(requirement.extras - seen):
                seen.add(inner)
                out += _direct(inner, seen)
        else:
            out.append(requirement)
    return out


def test_lowest_constraints_pin_every_direct_dependency_at_its_lower_bound() -> None:
    pins = {}
    for line in (ROOT / ".ci" / "lowest.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower()] = Version(version)
    direct = [Requirement(text) for text in PROJECT["dependencies"]] + _direct("test", {"test"})
    assert {r.name.lower() for r in direct} == set(pins), "one pin per direct dependency, and no other"
    for requirement in direct:
        (bound,) = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
        pin = pins[requirement.name.lower()]
        assert pin in requirement.specifier, (requirement, pin)
        # the first release at the bound: 23.2 allows 23.2.1 when there was no 23.2.0
        assert pin.release[: len(bound.release)] == bound.release, (requirement, pin)


def test_ci_runs_the_lowest_python_that_pyproject_claims() -> None:
    lowest = Version(PROJECT["requires-python"].removeprefix(">="))
    assert re.search(rf"^LOWEST={re.escape(str(lowest))}(\s|$)", RUN, re.M), f"LOWEST={lowest} in .ci/run"


def _lowest_tests() -> dict[str, list[str]]:
    """.ci/lowest-tests.txt: what each line exercises at its lowest version -> its test files (or node ids)."""
    out: dict[str, list[str]] = {}
    for line in (ROOT / ".ci" / "lowest-tests.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            what, paths = line.split(": ", 1)
            out[what] = paths.split("  (", 1)[0].split()
    return out


def test_the_lowest_job_tests_every_pinned_dependency_and_the_lowest_python() -> None:
    lines = _lowest_tests()
    pins = {
        line.split("==")[0].lower()
        for line in (ROOT / ".ci" / "lowest.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert set(lines) - {"leave out"} == pins | {"python"}, "a line for each pin of .ci/lowest.txt and the Python"
    for what, paths in lines.items():
        assert paths, what
        for path in paths:
            file, _, name = path.partition("::")
            text = (ROOT / file).read_text(encoding="utf-8")  # the file exists
            assert not name or f"def {name}(" in text, (what, path)
    # what is left out is a test of a file the job runs (else it would not need leaving out)
    selected = {p for what, paths in lines.items() if what != "leave out" for p in paths}
    assert all(p.partition("::")[0] in selected for p in lines.get("leave out", [])), lines["leave out"]
    assert "tests/test_python_version.py" in lines["python"]
    assert ".ci/lowest-tests.txt" in RUN


def test_the_longest_files_are_collected_first(request: pytest.FixtureRequest) -> None:
    """conftest.py's LONGEST_FIRST names files that exist, and the session collected them in that order first."""
    from conftest import LONGEST_FIRST

    assert all((ROOT / "tests" / name).is_file() for name in LONGEST_FIRST), "a stale name in LONGEST_FIRST"
    files = list(dict.fromkeys(item.path.name for item in request.session.items))
    present = [name for name in LONGEST_FIRST if name in files]
    assert files[: len(present)] == present
