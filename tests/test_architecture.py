"""The import contract of docs/architecture.md: each stage imports only the stages below it.

Every import counts, those inside functions included; only imports under ``if TYPE_CHECKING:``
are left out (they never run). A module inside a package (``checker/names.py``) belongs to the
package's stage and may import its siblings. A new module must be given a place here, and in
the map of docs/architecture.md.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "partyrules"
ARCHITECTURE = ROOT / "docs" / "architecture.md"

#: Stages, lowest first. A stage may import the stages of lower rows only; stages of one row are
#: independent of each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    # the syntax tree and words, types of values, the registry of diagnostic codes, text a terminal may
    # show: import nothing
    ("nodes", "types", "codes", "delimited", "terminal"),
    ("diagnostics", "printer"),
    # the runtime: facts, explanations, evaluations, quotas, rulesets; neither lark nor the checker
    ("facts",),
    ("explain",),
    ("evaluation",),
    ("quota",),
    ("runtime",),
    ("serialize", "schema", "distributed", "ranking", "tables"),
    ("readers",),
    # the front end
    ("reads",),
    ("parser",),
    ("loader",),
    ("link",),
    ("model",),
    ("reference",),
    ("casebook",),
    ("checker",),
    ("compiler",),
    ("cache",),
    ("api",),
    ("catalog",),
    # tools on top of the pipeline
    ("wording",),
    ("children", "diff", "formatter", "highlight", "scoresheet", "testing"),
    ("hierarchy", "periods", "workbook", "proving"),
    ("data", "rulecoverage", "mutation"),
    ("render",),
    ("report",),
    ("batch",),
    ("testreport",),
    ("pytest_plugin",),
    ("lsp",),
    ("server",),
    ("cli",),
    ("__main__",),
)
RANK = {stage: rank for rank, row in enumerate(LAYERS) for stage in row}


def _runtime_imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """(line, imported module) of every import that can run, ``if TYPE_CHECKING:`` blocks left out."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                raise AssertionError(f"line {node.lineno}: relative import; the project imports by full name")
            module = node.module or ""
            if module == "partyrules":  # `from partyrules import runtime, nodes as n`
                for alias in node.names:
                    yield node.lineno, f"partyrules.{alias.name}"
            else:
                yield node.lineno, module
        elif (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) in ("importlib.import_module", "import_module")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def stage_of(module: str) -> str | None:
    """``partyrules.checker.names`` -> ``checker``; None outside the package or for the package itself."""
    parts = module.split(".")
    if parts[0] != "partyrules" or len(parts) == 1:
        return None
    return parts[1]


def violations(package: Path, ranks: dict[str, int]) -> list[str]:
    """Every import of a stage at or above the importing one (siblings inside one package excepted)."""
    out: list[str] = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        stage = relative.parts[0].removesuffix(".py")
        if stage == "__init__":
            continue  # the package's face: it may re-export any stage (lazily, see partyrules/__init__.py)
        if stage not in ranks:
            out.append(f"{relative}: the stage `{stage}` has no place in the contract")
            continue
        for line, module in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            target = stage_of(module)
            if target is None or target == stage or target == "__init__":
                continue
            if target not in ranks:
                out.append(f"{relative}:{line}: imports `{module}`, a stage with no place in the contract")
            elif ranks[target] >= ranks[stage]:
                out.append(f"{relative}:{line}: `{stage}` imports `{module}`, which is not below it")
    return out


def test_every_import_goes_down() -> None:
    assert violations(PACKAGE, RANK) == []


def test_the_package_face_imports_only_the_runtime_eagerly() -> None:
    """``import partyrules`` imports no module of its own (each public name is imported when first read),
    and reading the runtime's names never imports the front end."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    eager = [
        node.module
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("partyrules")
    ]
    assert eager == []
    probe = (
        "import json, sys, partyrules; bare = [m for m in sys.modules if m.startswith('partyrules')];"
        "from partyrules import Ruleset, Evaluation, CriteriaError, FactsError;"
        "print(json.dumps([bare, [m for m in sys.modules if m.startswith(('partyrules.', 'lark'))]]))"
    )
    done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    bare, runtime = json.loads(done.stdout)
    assert bare == ["partyrules"]
    stages = {stage_of(m) for m in runtime}
    assert stages and all(s is not None and RANK[s] < RANK["parser"] for s in stages), stages


def test_the_contract_catches_an_upward_import(tmp_path: Path) -> None:
    """The checker of the contract on a small bad package: upward imports, inside a function too."""
    package = tmp_path / "partyrules"
    (package / "checker").mkdir(parents=True)
    (package / "nodes.py").write_text("from partyrules import checker\n", encoding="utf-8")
    (package / "runtime.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from partyrules.api import load\n"  # never runs: allowed
        "def f():\n    from partyrules.api import load\n    return load\n",
        encoding="utf-8",
    )
    (package / "checker" / "__init__.py").write_text("from partyrules.checker.names import x\n", encoding="utf-8")
    (package / "checker" / "names.py").write_text("import partyrules.nodes\nx = 1\n", encoding="utf-8")
    (package / "newstage.py").write_text("", encoding="utf-8")
    found = violations(package, RANK)
    assert found == [
        "newstage.py: the stage `newstage` has no place in the contract",
        "nodes.py:1: `nodes` imports `partyrules.checker`, which is not below it",
        "runtime.py:5: `runtime` imports `partyrules.api`, which is not below it",
    ]


def test_the_map_in_the_docs_names_every_stage() -> None:
    """docs/architecture.md lists the same stages in the same order as the contract."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    table = re.search(r"<!-- layers -->\n(.*?)<!-- /layers -->", text, re.DOTALL)
    assert table, "docs/architecture.md has no table of layers between <!-- layers --> marks"
    rows = [
        tuple(re.findall(r"`([a-z_]+)`", line.split("|")[2]))
        for line in table.group(1).splitlines()
        if line.startswith("|") and not line.startswith("|--") and not line.startswith("| layer")
    ]
    assert tuple(rows) == LAYERS


@pytest.mark.parametrize("stage", ["runtime", "evaluation", "facts", "explain", "quota"])
def test_the_runtime_needs_neither_lark_nor_the_checker(stage: str) -> None:
    assert RANK[stage] < RANK["parser"] and RANK[stage] < RANK["checker"]


#: A module or function may grow past the limits only with a reason written here.
MODULE_LINES, FUNCTION_LINES = 800, 80
LONG_ALLOWED: dict[str, str] = {
    # data, not logic: one entry a code (the formatter writes most on five or six lines); split by
    # family, the one list that docs/language.md is made from would stand in several places
    "codes.py": "the registry of diagnostic codes",
}


def test_no_module_or_function_is_too_long_to_read() -> None:
    """One idea a module, one step a function: more than 800 lines or 80 lines means a seam was missed."""
    long: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = str(path.relative_to(PACKAGE))
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MODULE_LINES and relative not in LONG_ALLOWED:
            long.append(f"{relative}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno is not None:
                lines = node.end_lineno - node.lineno + 1
                where = f"{relative}:{node.lineno} {node.name}"
                if lines > FUNCTION_LINES and f"{relative}:{node.name}" not in LONG_ALLOWED:
                    long.append(f"{where}: {lines} lines")
    assert long == []
