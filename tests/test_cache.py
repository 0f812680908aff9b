"""The cache of compiled rulesets: the same ruleset back, and a fresh load whenever anything it was built from changed."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import partyrules
from partyrules import CriteriaError, cache as cache_module, runtime
from partyrules.cache import RulesetCache
from partyrules.loader import Loader
from partyrules.serialize import dumps

BASE = """
ruleset "vn.t/base" { title "Gốc"; version "1"; effective from 2024-01-01; basis "Thử"; points illustrative "thử"; }
input a "A": integer 0..10;
criteria "Phiếu" max 10 {
  item i1 "Mục 1" max 10 { points = if a >= 5 then 10 else 0; }
}
grades { grade tot "Tốt" { band from 5; } grade kem "Kém" { band below 5; } }
"""

CHILD = """
ruleset "vn.t/child" { extends "vn.t/base"; title "Con"; version "1"; effective from 2024-06-01; basis "Thử"; points illustrative "thử"; }
"""

ALONE = """
ruleset "vn.t/alone" { title "Một mình"; version "1"; effective from 2024-01-01; basis "Thử"; points illustrative "thử"; }
input a "A": integer 0..10;
criteria "Phiếu" max 10 {
  item i1 "Mục 1" max 10 { points = min(a, 10); }
}
grades { grade tot "Tốt" { band from 5; } grade kem "Kém" { band below 5; } }
example bay "Bảy" { given { a = 7; } expect total 7; }
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    made = tmp_path / "cache"
    made.mkdir(mode=0o700)
    return made


@pytest.fixture
def root(tmp_path: Path) -> Path:
    top = tmp_path / "root"
    (top / "vn.t").mkdir(parents=True)
    (top / "vn.t" / "base.criteria").write_text(BASE, encoding="utf-8")
    (top / "vn.t" / "child.criteria").write_text(CHILD, encoding="utf-8")
    return top


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.ruleset"))


def _fresh() -> None:
    """Forget the rulesets restored in this process, so a hit is read from the folder, not memory."""
    runtime._RESTORED.clear()


def test_a_second_load_is_the_cached_ruleset_with_the_same_results(folder: Path) -> None:
    for ruleset_id in ("vn.hatinh/chi-bo-4-tot", "vn/annual-member", "vn/cell-meeting"):
        first = partyrules.load(ruleset_id, cache=folder)
        _fresh()
        again = partyrules.load(ruleset_id, cache=folder)
        assert again is not first and again.model is None  # from the folder: no checked model in it
        assert (again.fingerprint, again.code, again.sources, again.layout) == (
            first.fingerprint,
            first.code,
            first.sources,
            first.layout,
        )
        examples = [case.facts for case in first.tests.examples if hasattr(case, "facts")]
        assert examples, ruleset_id
        for facts in examples:  # the file's own examples, scored by both, to the byte
            assert dumps(again.evaluate(facts)) == dumps(first.evaluate(facts))
    assert len(_entries(folder)) == 3


def test_a_hit_reads_no_criteria_and_never_imports_lark(folder: Path) -> None:
    partyrules.load("vn.hatinh/chi-bo-4-tot", cache=folder)
    script = (
        "import sys, partyrules\n"
        f"r = partyrules.load('vn.hatinh/chi-bo-4-tot', cache={str(folder)!r})\n"
        "assert r.model is None, 'loaded again, not from the cache'\n"
        "print(sorted(m for m in ('lark', 'partyrules.parser', 'partyrules.checker') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_editing_a_base_gives_a_fresh_load(folder: Path, root: Path) -> None:
    before = partyrules.load("vn.t/child", path=[root], cache=folder)
    assert before.evaluate({"a": 5}).total == 10
    base = root / "vn.t" / "base.criteria"
    base.write_text(BASE.replace("a >= 5", "a >= 6"), encoding="utf-8")
    _fresh()
    after = partyrules.load("vn.t/child", path=[root], cache=folder)
    assert after.evaluate({"a": 5}).total == 0
    assert after.fingerprint != before.fingerprint


def test_a_new_version_of_an_id_gives_a_fresh_load(folder: Path, root: Path) -> None:
    partyrules.load("vn.t/base", path=[root], cache=folder)
    newer = BASE.replace('version "1"; effective from 2024-01-01;', 'version "2"; effective from 2030-01-01;').replace("then 10", "then 8")
    (root / "vn.t" / "base.criteria").write_text(
        BASE.replace('effective from 2024-01-01;', 'effective from 2024-01-01 to 2029-12-31;'), encoding="utf-8"
    )
    (root / "vn.t" / "base@2030.criteria").write_text(newer, encoding="utf-8")
    _fresh()
    assert partyrules.load("vn.t/base", path=[root], cache=folder).evaluate({"a": 9}).total == 8


def test_an_earlier_root_that_now_holds_the_id_gives_a_fresh_load(folder: Path, root: Path, tmp_path: Path) -> None:
    nearer = tmp_path / "nearer"
    partyrules.load("vn.t/base", path=[nearer, root], cache=folder)
    (nearer / "vn.t").mkdir(parents=True)
    (nearer / "vn.t" / "base.criteria").write_text(BASE.replace("then 10", "then 7"), encoding="utf-8")
    _fresh()
    assert partyrules.load("vn.t/base", path=[nearer, root], cache=folder).evaluate({"a": 9}).total == 7


def test_a_changed_examples_table_is_checked_again(folder: Path, tmp_path: Path) -> None:
    source = tmp_path / "alone.criteria"
    table = tmp_path / "alone.examples.csv"
    source.write_text(ALONE + 'examples "Bảng" from "alone.examples.csv";\n', encoding="utf-8")
    table.write_text("example,a,total\nba,3,3\n", encoding="utf-8")
    partyrules.load(source, cache=folder)
    assert len(_entries(folder)) == 1
    table.write_text("example,b,total\nba,3,3\n", encoding="utf-8")  # no input b: loading must say so
    _fresh()
    with pytest.raises(CriteriaError, match="PR8"):
        partyrules.load(source, cache=folder)
    table.unlink()  # a missing table is noted in the ruleset's tests: never the old entry
    ruleset = partyrules.load(source, cache=folder)
    assert ruleset.model is not None and ruleset.tests.unread


def test_a_file_with_an_error_is_not_cached(folder: Path) -> None:
    for _ in range(2):
        with pytest.raises(CriteriaError) as raised:
            partyrules.loads(ALONE.replace("min(a, 10)", "min(a, b)"), "bad.criteria", cache=folder)
        assert any(d.code.startswith("PR") for d in raised.value.diagnostics)
    assert _entries(folder) == []


def test_text_is_cached_by_its_content(folder: Path) -> None:
    one = partyrules.loads(ALONE, "alone.criteria", cache=folder)
    _fresh()
    assert partyrules.loads(ALONE, "alone.criteria", cache=folder).model is None
    other = partyrules.loads(ALONE.replace("min(a, 10)", "min(a * 2, 10)"), "alone.criteria", cache=folder)
    assert other.model is not None and other.fingerprint != one.fingerprint
    assert len(_entries(folder)) == 2


def test_a_damaged_entry_is_a_miss_and_is_replaced(folder: Path) -> None:
    partyrules.loads(ALONE, "alone.criteria", cache=folder)
    (entry,) = _entries(folder)
    data = entry.read_bytes()
    for damaged in (data[: len(data) // 2], data[:-1] + bytes([data[-1] ^ 1]), b"not a cache entry", b""):
        entry.write_bytes(damaged)
        _fresh()
        ruleset = partyrules.loads(ALONE, "alone.criteria", cache=folder)
        assert ruleset.model is not None  # loaded from the text
        assert entry.read_bytes() == data  # and written again whole
    assert ruleset.evaluate({"a": 7}).total == 7


def test_an_entry_of_another_shape_is_a_miss(folder: Path) -> None:
    partyrules.loads(ALONE, "alone.criteria", cache=folder)
    (entry,) = _entries(folder)
    payload = pickle.dumps(("not", "an", "entry"))
    import hashlib

    entry.write_bytes(cache_module.FORMAT + hashlib.sha256(payload).digest() + payload)
    _fresh()
    assert partyrules.loads(ALONE, "alone.criteria", cache=folder).model is not None


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_folder_others_can_write_to_is_never_read(folder: Path) -> None:
    partyrules.loads(ALONE, "alone.criteria", cache=folder)
    folder.chmod(0o777)
    _fresh()
    assert partyrules.loads(ALONE, "alone.criteria", cache=folder).model is not None
    folder.chmod(0o700)
    _fresh()
    assert partyrules.loads(ALONE, "alone.criteria", cache=folder).model is None


def test_no_cache_with_a_loader_of_its_own(folder: Path) -> None:
    loader = Loader(environment=False, installed=False, builtin=False, files={"alone.criteria": ALONE})
    partyrules.loads(ALONE, "alone.criteria", loader=loader, cache=folder)
    assert _entries(folder) == []


def test_the_folder_keeps_at_most_max_entries(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "MAX_ENTRIES", 2)
    for points in range(4):
        partyrules.loads(ALONE.replace("min(a, 10)", f"min(a + {points}, 10)"), "alone.criteria", cache=folder)
    assert len(_entries(folder)) == 2
    assert RulesetCache(folder).clear() == 2
    assert _entries(folder) == []


def test_the_default_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PARTYRULES_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_module.default_folder() == tmp_path / "mine"
    monkeypatch.delenv("PARTYRULES_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_module.default_folder() == tmp_path / "xdg" / "partyrules"
    partyrules.loads(ALONE, "alone.criteria", cache=True)
    assert len(_entries(tmp_path / "xdg" / "partyrules")) == 1
    assert oct((tmp_path / "xdg" / "partyrules").stat().st_mode & 0o777) == oct(0o700)


def test_the_commands_that_score_use_the_cache_unless_told_not_to(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from partyrules import cli
    from partyrules.catalog import data_path

    monkeypatch.setenv("PARTYRULES_CACHE_DIR", str(tmp_path / "kept"))
    cells = data_path("hatinh-cells-2024.csv")
    outputs = []
    for flags in (["--no-cache"], [], []):
        output = tmp_path / f"results{len(outputs)}.csv"
        assert cli.main(["score", "vn.hatinh/chi-bo-4-tot", str(cells), "-o", str(output), *flags]) == 0
        outputs.append(output.read_bytes())
        kept = _entries(tmp_path / "kept") if (tmp_path / "kept").exists() else []
        assert len(kept) == (0 if flags else 1)
        _fresh()
    assert outputs[0] == outputs[1] == outputs[2]  # the same bytes, from a fresh load and from the cache
    assert cli.main(["score", "vn.hatinh/no-such-id", str(cells)]) != 0
    assert "no ruleset has this id" in capsys.readouterr().err


def test_partyrules_cache_shows_and_clears_the_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from partyrules import cli

    monkeypatch.setenv("PARTYRULES_CACHE_DIR", str(tmp_path / "kept"))
    partyrules.loads(ALONE, "alone.criteria", cache=True)
    partyrules.loads(ALONE.replace("min(a, 10)", "min(a + 1, 10)"), "alone.criteria", cache=True)
    assert cli.main(["cache"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"{tmp_path / 'kept'}: 2 compiled rulesets, ") and shown.endswith(" MiB\n")
    assert cli.main(["cache", "--clear"]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'kept'}: removed 2 compiled rulesets\n"
    assert _entries(tmp_path / "kept") == []


def test_a_folder_that_cannot_be_listed_now_is_a_miss_not_a_crash(
    folder: Path, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from partyrules import reads

    partyrules.load("vn.t/base", path=[root], cache=folder)

    listed = reads.candidates
    calls = []

    def refused_once(root_: Path, folders: list[str], last: str) -> list[Path]:
        calls.append(last)
        if len(calls) == 1:  # the first look is the cache checking its entry
            raise PermissionError(13, "Permission denied")
        return listed(root_, folders, last)

    monkeypatch.setattr(reads, "candidates", refused_once)
    _fresh()
    assert partyrules.load("vn.t/base", path=[root], cache=folder).model is not None  # loaded afresh
    assert len(calls) >= 2


def test_installed_packages_looked_at_again_only_when_their_files_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record's installed roots stand while no folder of sys.path, entry_points.txt or .pth file changed
    (the entry points are not read again); a criteria package installed, or its entry point edited in
    place, makes the record stale."""
    from partyrules import reads

    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    with reads.recording() as record:
        reads.search_roots([])
    assert record.installed is not None and record.roots
    looked: list[int] = []
    real = reads.installed_roots
    monkeypatch.setattr(reads, "installed_roots", lambda: looked.append(1) or real())
    assert record.still() and looked == []  # nothing changed: not looked at again

    package = site / "partyrules_vn_stamp"
    (package / "vn.stamp").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    info = site / "partyrules_vn_stamp-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: partyrules-vn-stamp\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[partyrules.criteria]\n", encoding="utf-8")
    assert record.still() and looked == [1]  # a folder more: looked at again, and no root came of it
    os.utime(info / "entry_points.txt", ns=(0, 0))  # an edit within a tick of the clock changes the time too
    with reads.recording() as again:
        reads.search_roots([])
    sys.modules.pop("partyrules_vn_stamp", None)
    (info / "entry_points.txt").write_text("[partyrules.criteria]\nstamp = partyrules_vn_stamp\n", encoding="utf-8")
    assert not again.still()  # the entry point, edited in place, gives a root more
    assert str(package) in [str(r) for r in reads.search_roots([])]
