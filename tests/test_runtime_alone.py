"""The runtime stands alone: a ruleset pickled here loads, scores and explains where lark is not installed.

The other process runs in a fresh virtual environment that has partyrules and attrs installed
and nothing else: lark, cattrs and hypothesis cannot be imported there.
"""

from __future__ import annotations

import json
import operator
import os
import pickle
import subprocess
import venv
from decimal import Decimal
from pathlib import Path
from typing import Any

import attr
import attrs
import pytest

import partyrules

RULESET = "vn.hatinh/chi-bo-4-tot"

# run in the other process: read the pickle, check what it can import, score, explain, apply quotas
CHILD = r"""
import importlib.util, json, pickle, sys
facts_list = json.loads(sys.argv[2])
with open(sys.argv[1], "rb") as handle:
    data = handle.read()
ruleset = pickle.loads(data)
out = {
    "lark_importable": importlib.util.find_spec("lark") is not None,
    "cattrs_importable": importlib.util.find_spec("cattrs") is not None,
    "fingerprint": ruleset.fingerprint,
    "totals": [],
    "explained": [],
}
rows = []
for facts in facts_list:
    e = ruleset.evaluate(facts)
    out["totals"].append([str(e.total), e.grade, {k: str(v) for k, v in e.points.items()}])
    out["explained"].append(e.explain())
    rows.append((str(len(rows)), e, {"district": "x"}))
out["placements"] = [[p.grade, p.grade_before, p.explain()] for p in ruleset.apply_quotas(rows)]
out["many"] = [str(e.total) for e in ruleset.evaluate_many(facts_list, id_key=None)]
out["front_end_loaded"] = sorted(
    m for m in sys.modules if m in ("lark", "partyrules.parser", "partyrules.checker", "partyrules.compiler", "partyrules.api")
)
print(json.dumps(out, ensure_ascii=False))
"""


def _venv_without_lark(tmp_path: Path) -> Path:
    """A fresh virtual environment with partyrules and attrs installed (linked into its site-packages)
    and nothing else: no lark, no cattrs, no pip. Its Python is returned."""
    folder = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(folder)
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = subprocess.run(
        [str(python), "-I", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    for module in (partyrules, attr, attrs):
        source = Path(module.__file__ or "").parent
        (Path(site) / source.name).symlink_to(source, target_is_directory=True)
    return python


def _facts(ruleset: partyrules.Ruleset) -> list[dict[str, Any]]:
    """Three organisations: everything at its lowest, at its highest, and in the middle."""
    out: list[dict[str, Any]] = []
    for pick in (0, 1, 2):
        facts: dict[str, Any] = {}
        for spec in ruleset.inputs:
            if spec.kind == "boolean":
                facts[spec.name] = pick != 0
            elif spec.kind in ("enum", "level"):
                facts[spec.name] = spec.members[min(pick, len(spec.members) - 1)]
            elif spec.kind in ("integer", "decimal", "percent"):
                low, high = spec.low or 0, spec.high if spec.high is not None else 100
                value = (low, high, (low + high) // 2 if spec.kind == "integer" else (Decimal(low) + high) / 2)[pick]
                facts[spec.name] = str(value)
        out.append(facts)
    return out


def test_a_pickled_ruleset_runs_without_lark(tmp_path: Path) -> None:
    ruleset = partyrules.shipped(RULESET)
    facts = _facts(ruleset)
    pickled = tmp_path / "ruleset.pickle"
    pickled.write_bytes(pickle.dumps(ruleset))
    python = _venv_without_lark(tmp_path)
    # -I: no user site, no PYTHON* variables: the venv's site-packages is all there is
    done = subprocess.run(
        [str(python), "-I", "-c", CHILD, str(pickled), json.dumps(facts)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": "0"},
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["lark_importable"] is False and out["cattrs_importable"] is False
    assert out["front_end_loaded"] == []
    assert out["fingerprint"] == ruleset.fingerprint
    here = [ruleset.evaluate(f) for f in facts]
    assert out["totals"] == [[str(e.total), e.grade, {k: str(v) for k, v in e.points.items()}] for e in here]
    assert out["explained"] == [e.explain() for e in here]
    rows = [(str(i), e, {"district": "x"}) for i, e in enumerate(here)]
    assert out["placements"] == [[p.grade, p.grade_before, p.explain()] for p in ruleset.apply_quotas(rows)]
    assert out["many"] == [str(e.total) for e in here]
    assert len({t[0] for t in out["totals"]}) == 3  # three different organisations, not one scored thrice


def test_unpickling_links_the_program_and_compiles_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unpickling must not go through the front end (parse, link, check, compile the criteria)."""
    from partyrules import api, checker, compiler, parser

    ruleset = partyrules.shipped(RULESET)
    data = pickle.dumps(ruleset)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("unpickling ran the front end")

    for module, name in ((parser, "parse"), (checker, "check_tree"), (api, "loads"), (compiler, "build")):
        monkeypatch.setattr(module, name, refuse)
    again = pickle.loads(data)
    assert again == ruleset and again.model is None
    assert again.code == ruleset.code

    def comparable(constants: tuple[Any, ...]) -> list[Any]:  # itemgetters never compare equal
        return [repr(c) if isinstance(c, operator.itemgetter) else c for c in constants]

    assert comparable(again.constants) == comparable(ruleset.constants)


def test_the_same_ruleset_unpickled_twice_is_linked_once() -> None:
    ruleset = partyrules.shipped(RULESET)
    data = pickle.dumps(ruleset)
    first, second = pickle.loads(data), pickle.loads(data)
    assert first is second
    # another file with the same program text but other sources is a ruleset of its own
    other = pickle.loads(pickle.dumps(attrs.evolve(ruleset, sources=(("other.criteria", "x"),))))
    assert other is not first and other.sources == (("other.criteria", "x"),)


def test_tools_get_the_model_of_an_unpickled_ruleset_back() -> None:
    """A province's file that extends the national one: its model is checked again from the pickled files."""
    from partyrules import api, compiler

    ruleset = partyrules.shipped("vn.hatinh/cell-meeting")
    assert ruleset.bases  # it extends a base: the model needs the base's file too
    again = pickle.loads(pickle.dumps(ruleset))
    assert again.model is None
    model = api.checked_model(again)
    assert compiler.fingerprint(model.file) == ruleset.fingerprint
    assert [i.name for i in model.inputs] == [i.name for i in ruleset.model.inputs]
    assert api.checked_model(again) is model  # checked once
