"""Packaging: the grammar and the shipped files are found in an editable install and in a wheel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import partyrules
from partyrules import parser
from partyrules.catalog import shipped_ids

ROOT = Path(__file__).resolve().parents[1]


def test_grammar_is_found_from_this_install() -> None:
    text = parser.grammar_text()
    assert text == (ROOT / "grammars" / "criteria.lark").read_text(encoding="utf-8")


def test_every_shipped_file_loads_with_its_own_id() -> None:
    ids = shipped_ids()
    assert {"vn/annual-collective", "vn/cell-meeting", "vn.hatinh/chi-bo-4-tot"} <= set(ids)
    for ruleset_id in ids:
        ruleset = partyrules.shipped(ruleset_id)
        assert ruleset.id == ruleset_id  # the path names the ruleset it holds
        errors = [d for d in partyrules.check(partyrules.shipped_path(ruleset_id)) if d.severity == "error"]
        assert errors == []


def test_unknown_shipped_id_is_a_diagnostic() -> None:
    with pytest.raises(partyrules.CriteriaError, match=r"did you mean `vn\.hatinh/chi-bo-4-tot`"):
        partyrules.shipped("vn.hatinh/chi-bo-4tot")


@pytest.mark.skipif(os.environ.get("PARTYRULES_SKIP_WHEEL") == "1", reason="wheel test switched off by the caller")
def test_wheel_in_a_fresh_environment_loads_every_shipped_file(tmp_path: Path) -> None:
    """Build a wheel, install it in a new virtual environment outside the checkout, load everything."""
    wheels = tmp_path / "wheels"
    env_dir = tmp_path / "env"
    python = env_dir / ("Scripts" if os.name == "nt" else "bin") / "python"
    # uv where the environment has it (CI installs it): the same wheel and install in about a tenth of
    # pip's CPU (pip builds the wheel in an isolated environment and resolves again); pip otherwise
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv:
        subprocess.run([uv, "build", "-q", "--wheel", "-o", str(wheels), str(ROOT)], check=True, capture_output=True)
        subprocess.run([uv, "venv", "-q", "-p", sys.executable, str(env_dir)], check=True, capture_output=True)
    else:
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
            check=True,
            capture_output=True,
        )
        venv.create(env_dir, with_pip=True)
    (wheel,) = wheels.glob("partyrules-*.whl")
    install = [uv, "pip", "install", "-q", "--python", str(python)] if uv else [str(python), "-m", "pip", "install", "-q"]
    subprocess.run([*install, str(wheel)], check=True, capture_output=True)
    script = (
        "import partyrules, partyrules.parser as p\n"
        "from partyrules.catalog import shipped_ids\n"
        "assert 'site-packages' in partyrules.__file__, partyrules.__file__\n"
        "assert p.grammar_text().startswith('// The partyrules criteria language')\n"
        "from partyrules.parser import grammar as g\n"
        "assert g._grammar_file(g.SAVED_NAME).is_file()  # the saved parser is in the wheel\n"
        "for i in shipped_ids(): print(partyrules.shipped(i).id)\n"
    )
    out = subprocess.run([str(python), "-c", script], check=True, capture_output=True, text=True, cwd=tmp_path)
    assert sorted(out.stdout.split()) == sorted(shipped_ids())
