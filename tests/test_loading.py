"""Start-up and loading costs that are behaviour, not timings: what ``partyrules --help`` imports, the
cycle collector paused during a load and left as it was, and the fingerprint's faster canonical form."""

from __future__ import annotations

import gc
import importlib
import importlib.util
import json
import subprocess
import sys

import pytest
from hypothesis import given, settings, strategies as st

import partyrules

HEAVY = ("attr", "attrs", "lark", "cattrs", "hypothesis", "openpyxl", "rich", "partyrules.parser", "partyrules.runtime")

RULES = """
ruleset "t/gc" { title "T"; version "1"; basis "b"; effective from 2024-01-01; points illustrative "t"; }
input a "A": integer 0..10;
criteria "T" max 10 { item x "X" max 10 { points = a; } }
grades { grade ok "Đạt" { band any; } }
"""


@pytest.mark.parametrize("argv", [["--help"], ["score", "--help"], ["check", "--help"], ["--version"]])
def test_help_imports_nothing_heavy(argv: list[str]) -> None:
    """``partyrules --help`` (and each command's) is read without attrs, lark or the runtime."""
    probe = (
        "import contextlib, io, json, sys\n"
        "from partyrules.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    status = main({argv!r})\n"
        "print(json.dumps([status, out.getvalue(), sorted(sys.modules)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    status, shown, modules = json.loads(done.stdout)
    assert status == 0 and ("usage: partyrules" in shown or shown.startswith("partyrules "))
    assert [m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY)] == []


def test_a_load_holds_off_full_collections_and_restores_them(monkeypatch: pytest.MonkeyPatch) -> None:
    from partyrules import api, parser

    during: list[tuple[bool, tuple[int, int, int]]] = []
    parse = parser.parse

    def watched(text: str, filename: str = "<string>") -> object:
        during.append((gc.isenabled(), gc.get_threshold()))
        return parse(text, filename)

    monkeypatch.setattr(parser, "parse", watched)
    before = gc.get_threshold()
    assert gc.isenabled()
    ruleset = partyrules.loads(RULES)
    assert ruleset.evaluate({"a": 3}).total == 3
    if api._GENERATIONS:  # the young collections go on, the full ones wait
        assert during == [(True, (before[0], before[1], api._FULL_HELD))]
    else:
        assert during == [(False, before)]
    assert gc.isenabled() and gc.get_threshold() == before
    with pytest.raises(partyrules.CriteriaError):
        partyrules.loads(RULES.replace("points = a", "points = b"))
    assert gc.isenabled() and gc.get_threshold() == before  # back after a failed load too
    gc.disable()
    try:
        partyrules.loads(RULES)
        after = gc.isenabled(), gc.get_threshold()  # a caller that turned it off keeps it off
    finally:
        gc.enable()
    assert after == (False, before) and during[-1] == (False, before)


def test_where_generations_may_not_be_classic_a_load_turns_the_collector_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.14 and later (an incremental collector ignores the full collections' threshold): the
    collector is off during a load and on again after it, a failed one too."""
    from partyrules import api, parser

    monkeypatch.setattr(api, "_GENERATIONS", False)
    during: list[bool] = []
    parse = parser.parse
    monkeypatch.setattr(parser, "parse", lambda text, filename="<string>": during.append(gc.isenabled()) or parse(text, filename))
    before = gc.get_threshold()
    partyrules.loads(RULES)
    with pytest.raises(partyrules.CriteriaError):
        partyrules.loads(RULES.replace("points = a", "points = b"))
    assert during == [False, False] and gc.isenabled() and gc.get_threshold() == before


def test_a_load_inside_a_load_leaves_the_outer_ones_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """A load made while another holds the full collections off (a nested call, another thread) keeps
    its hands off them, and the outer load restores them once, as they were before it."""
    from partyrules import api

    before = gc.get_threshold()
    if not api._GENERATIONS:  # Python 3.14 and later: the collector is off for a load, and for one inside it
        with api._collector_paused():
            partyrules.loads(RULES)
            inside = gc.isenabled()
        assert inside is False and gc.isenabled()
        return
    inner: list[tuple[int, int, int]] = []
    with api._collector_paused():
        held = gc.get_threshold()
        partyrules.loads(RULES)
        inner.append(gc.get_threshold())
    assert held == (before[0], before[1], api._FULL_HELD) and inner == [held]
    assert gc.get_threshold() == before
    # thresholds changed during the load (by the caller's other code) are theirs: not overwritten
    with api._collector_paused():
        gc.set_threshold(500, 5, 5)
    try:
        assert gc.get_threshold() == (500, 5, 5)
    finally:
        gc.set_threshold(*before)


def _reference_text(tree: object) -> str:
    """The canonical form as the fingerprint wrote it before it had a writer of its own: ``attrs.asdict``
    with the fingerprint's filter and serializer, then JSON."""
    import attrs

    fingerprint = importlib.import_module("partyrules.compiler.fingerprint")  # the package names a function so
    data = attrs.asdict(tree, filter=fingerprint._meaningful, value_serializer=fingerprint._canonical)  # type: ignore[arg-type]
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def test_the_canonical_form_is_what_attrs_asdict_gives() -> None:
    """The fingerprint's canonical text is the text ``attrs.asdict`` then JSON gave before it, on every
    shipped file, every benchmark file and a generated scale; so is the canonical form as data."""
    from pathlib import Path

    from partyrules import parser
    from partyrules.catalog import shipped_ids, shipped_path

    fingerprint = importlib.import_module("partyrules.compiler.fingerprint")
    spec = importlib.util.spec_from_file_location(
        "bench_load", Path(__file__).parents[1] / "benchmarks" / "bench_load.py"
    )
    assert spec is not None and spec.loader is not None
    bench_load = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_load)

    sources = [shipped_path(i).read_text(encoding="utf-8") for i in shipped_ids()]
    sources += [p.read_text(encoding="utf-8") for p in (Path(__file__).parents[1] / "benchmarks").glob("*.criteria")]
    sources.append(bench_load.generated_criteria(50))
    for source in sources:
        tree = parser.parse(parser.normalise(source))
        expected = _reference_text(tree)
        assert fingerprint.canonical_text(tree) == expected
        assert (
            json.dumps(fingerprint.canonical_form(tree), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            == expected
        )


def _node_classes() -> list[type]:
    import attrs

    from partyrules import nodes

    return [c for c in vars(nodes).values() if isinstance(c, type) and attrs.has(c) and c.__module__ == nodes.__name__]


@st.composite
def _nodes(draw: st.DrawFn, depth: int = 0) -> object:
    """A node of any class, each field its default or any value the canonical form meets (or a node),
    so every class's writer is tried with each of its fields written and left out."""
    import attrs

    cls = draw(st.sampled_from(_node_classes()))
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.text(max_size=5),
        st.decimals(allow_nan=False),
        st.dates(),
        st.just(0),
        st.just(""),
    )
    values = leaves if depth >= 2 else st.one_of(leaves, st.deferred(lambda: _nodes(depth + 1)))
    fields = {}
    for field in attrs.fields(cls):
        if field.name == "span":
            continue
        chosen = draw(st.one_of(values, st.lists(values, max_size=3).map(tuple)))
        if field.default is attrs.NOTHING or isinstance(field.default, attrs.Factory) or draw(st.booleans()):  # type: ignore[arg-type]
            fields[field.name] = chosen
    return cls(**fields)


@settings(max_examples=300, deadline=None)
@given(_nodes())
def test_every_node_class_is_written_as_attrs_asdict_gives(node: object) -> None:
    """Each node class's writer (compiled from its fields) writes what ``attrs.asdict`` then JSON gives,
    whichever of its fields are left at their defaults: the commas, the order, the values."""
    fingerprint = importlib.import_module("partyrules.compiler.fingerprint")
    assert fingerprint.canonical_text(node) == _reference_text(node)


@pytest.mark.parametrize("text", [None, b'ruleset "x" {}', 12])
def test_loads_given_no_text_says_so(text: object) -> None:
    """A program that hands `loads` bytes or None hears what it should give, not an AttributeError."""
    with pytest.raises(TypeError, match=r"^loads\(\) takes the criteria text as a str, not "):
        partyrules.loads(text)  # type: ignore[arg-type]
