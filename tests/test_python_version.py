"""Every file of the project compiles, and every module of partyrules imports, under the running Python.

CI's lowest job runs this under the lowest Python that pyproject.toml claims (.ci/run): with mypy's
``python_version = "3.10"`` (which refuses standard library names that Python lacks) it is what keeps
the code of the modules no test of that job reaches working on that Python (.ci/lowest-tests.txt).
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import partyrules

ROOT = Path(__file__).resolve().parents[1]
#: the project's Python files: the package, its tests, benchmarks and scripts, and the docs site's hooks
FOLDERS = ("src", "tests", "benchmarks", "scripts")


def test_every_python_file_compiles() -> None:
    files = sorted(p for folder in FOLDERS for p in (ROOT / folder).rglob("*.py") if ".venv" not in p.parts)
    assert len(files) > 100, files  # the folders were found
    for path in files:
        compile(path.read_bytes(), str(path), "exec", dont_inherit=True)  # a SyntaxError names the file and line


def test_every_module_of_partyrules_imports() -> None:
    names = [m.name for m in pkgutil.walk_packages(partyrules.__path__, "partyrules.")]
    assert "partyrules.compiler.program" in names and "partyrules.cli.score" in names  # the walk went down
    for name in names:
        if name != "partyrules.__main__":  # runs the command line when imported: `python -m partyrules` tests it
            importlib.import_module(name)
