"""The documentation site (mkdocs.yml) builds with `mkdocs build --strict` and shows what it should.

Strict mode turns every warning into a failure: a link to a missing page or heading, a page
left out of the nav, a docstring mkdocstrings cannot read. Building needs the `docs` extra
(`pip install -e '.[docs]'`), which `.ci/run` installs: under CI (the variable `CI` set) a
missing mkdocs fails these tests; elsewhere they are skipped, saying why.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
NEEDED = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")
# one worker builds the site once for all these tests (pytest -n, with --dist loadfile in pyproject.toml:
# a file's tests run in one worker)
# pages in docs/ that the nav leaves out on purpose (none so far)
NOT_IN_NAV: set[str] = set()


def _missing() -> list[str]:
    missing = []
    for name in NEEDED:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:  # the parent package is not there
            found = False
        if not found:
            missing.append(name)
    return missing


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = _missing()
    if missing:
        message = f"the docs extra is not installed ({', '.join(missing)} missing): pip install -e '.[docs]'"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must build the site: .ci/run installs the extra)")
        pytest.skip(message)
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(ROOT / "mkdocs.yml"),
            "--site-dir",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=600,
    )
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}\n{done.stderr}"
    return out


def _page(site: Path, name: str) -> str:
    """The built HTML of docs/NAME.md."""
    built = site / ("index.html" if name == "index" else f"{name}/index.html")
    return built.read_text(encoding="utf-8")


def test_api_page_documents_load_and_ruleset(site: Path) -> None:
    html = _page(site, "api")
    for anchor in (
        "partyrules.api.load",
        "partyrules.api.loads",
        "partyrules.runtime.Ruleset",
        "partyrules.runtime.Ruleset.evaluate",
        "partyrules.evaluation.Evaluation",
        "partyrules.facts.FactsError",
        "partyrules.loader.Loader",
    ):
        assert f'id="{anchor}"' in html, anchor
    assert "Load a ruleset by id" in html  # load's docstring, not only its name
    # the hook (scripts/mkdocs_hooks.py) leaves no Sphinx role behind and links what it can
    assert not re.search(r":(class|func|meth|mod|attr|data):<code>", html)
    assert '<a href="#partyrules.runtime.Ruleset"><code>Ruleset</code></a>' in html


def test_criteria_blocks_are_highlighted_by_the_partyrules_lexer(site: Path) -> None:
    """Without the lexer (partyrules not installed) the blocks would be plain, unmarked text."""
    html = _page(site, "language")
    assert '<span class="kd">ruleset</span>' in html
    assert '<span class="kd">input</span>' in html


def test_every_page_is_in_the_nav(site: Path) -> None:
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"))

    def files(nav: object) -> list[str]:
        if isinstance(nav, str):
            return [nav]
        if isinstance(nav, dict):
            return [f for value in nav.values() for f in files(value)]
        if isinstance(nav, list):
            return [f for value in nav for f in files(value)]
        return []

    listed = files(config["nav"])
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    assert sorted(set(listed) - pages) == []
    assert sorted(pages - set(listed) - NOT_IN_NAV) == []
    assert len(listed) == len(set(listed))
    for page in sorted(pages - NOT_IN_NAV):
        assert "<h1" in _page(site, page.removesuffix(".md")), page


def test_score_sheets_and_editors_page(site: Path) -> None:
    for sheet in sorted((DOCS / "sheets").glob("*.md")):
        html = _page(site, f"sheets/{sheet.stem}")
        assert "PHIẾU CHẤM ĐIỂM" in html
        assert (site / "sheets" / f"{sheet.stem}.html").exists()  # the printable HTML, copied
    editors = _page(site, "editors")
    assert "Editor support for" in editors  # editors/README.md, included
    assert "--8&lt;--" not in editors and "--8<--" not in editors
