"""Examples in the README and docs/ are run, so they cannot go stale."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest

import partyrules

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```criteria\n(.*?)^```", re.MULTILINE | re.DOTALL)
# A ```python block right after the comment `<!-- run ... -->` is executed, in a fresh folder that
# holds the page's ```criteria blocks marked `<!-- file: PATH ... -->` (both comments are invisible
# when the page is shown); a page's blocks run in order and share their names.
RUN = re.compile(r"^<!-- run\b[^\n]*-->\n+```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
FILE = re.compile(r"^<!-- file: (\S+)[^\n]*-->\n+```criteria\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _blocks() -> list[tuple[str, int, str]]:
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            line = text[: match.start()].count("\n") + 2
            found.append((path.name, line, match.group(1)))
    return found


@pytest.mark.parametrize(("name", "line", "source"), _blocks(), ids=lambda v: str(v)[:40])
def test_criteria_examples_load(name: str, line: int, source: str) -> None:
    ruleset = partyrules.loads(source, f"{name}:{line}")
    assert ruleset.id


def test_province_tutorial_diff_is_what_diff_prints() -> None:
    """docs/provinces.md shows `partyrules diff` on its example: the lines must be the real ones."""
    from partyrules import diff

    text = (ROOT / "docs" / "provinces.md").read_text(encoding="utf-8")
    example = BLOCK.search(text)
    assert example is not None
    new = partyrules.loads(example.group(1), "provinces.md")
    printed = [d.text() for d in diff.compare(partyrules.load("vn/cell-meeting"), new)]
    shown = text.split("```text\n+ item dung_ky", 1)[1].split("```", 1)[0]
    shown_lines = ["+ item dung_ky" + shown.splitlines()[0], *shown.splitlines()[1:]]
    assert len(printed) == len(shown_lines)
    for real, doc in zip(printed, shown_lines):
        assert real == doc or (doc.endswith("... }") and real.startswith(doc.split("...")[0]))


def _runnable_pages() -> list[Path]:
    return [path for path in DOCS if RUN.search(path.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("path", _runnable_pages(), ids=lambda p: p.name)
def test_python_examples_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    for match in FILE.finditer(text):
        target = tmp_path / match.group(1)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(match.group(2), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__main__"}
    for match in RUN.finditer(text):
        line = text[: match.start(1)].count("\n") + 1
        exec(compile(match.group(1), f"{path.name}:{line}", "exec"), namespace)


def test_tutorials_have_runnable_python() -> None:
    """The quick start and the province tutorial keep their Python examples under test."""
    assert {p.name for p in _runnable_pages()} >= {"index.md", "provinces.md"}


def test_there_are_examples() -> None:
    assert len(_blocks()) >= 2


def test_readme_python_example() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    source = BLOCK.search(text)
    assert source is not None
    rules = partyrules.loads(source.group(1), "meeting.criteria")
    result = rules.evaluate({"attendance": Decimal("96.5"), "minutes": 95})
    assert (result.total, result.grade) == (Decimal("10"), "tot")
    assert "(Decimal('10'), 'tot')" in text


def test_no_file_points_outside_the_repository() -> None:
    """Users have the repository only: domain facts are cited from docs/sources.md, never from a
    folder beside the checkout (the lead's notes)."""
    outside = ("../" + "shared", "/work/" + "shared")
    texts = (".py", ".md", ".criteria", ".csv", ".toml", ".yml", ".lark", ".json", ".txt")
    tracked = []
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = [s for s in subfolders if not s.startswith(".") and s not in ("site", "build", "__pycache__")]
        tracked += [Path(folder, name) for name in names if name.endswith(texts)]
    found = []
    for path in tracked:
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{path.relative_to(ROOT)}: {o}" for o in outside if o in text]
    assert not found
    assert "docs/sources.md" in (ROOT / "src/partyrules/criteria/vn/annual-collective@366.criteria").read_text("utf-8")
