"""The pipeline, stage by stage: text → parse → check → compile → :class:`Ruleset`.

Like Jinja's Environment, these functions only call the stages in order;
each stage lives in its own module.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import gc
import hashlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import attrs

from partyrules.cache import RulesetCache
from partyrules.diagnostics import CriteriaError, Diagnostic, Source
from partyrules.reads import ENVIRONMENT_VARIABLE, recording
from partyrules.runtime import Ruleset

if TYPE_CHECKING:
    from partyrules import nodes as n
    from partyrules.checker import Checker
    from partyrules.compiler.program import Numbering
    from partyrules.loader import Loader
    from partyrules.model import Model

# The front end (parser and lark, loader, link, checker, compiler) is imported inside the functions
# that use it: a load the cache answers needs none of it (see partyrules.cache).

_P = ParamSpec("_P")
_R = TypeVar("_R")


#: the full collections' threshold while a load holds them off: never reached in a load
_FULL_HELD = 2**31 - 1
#: three generations with their classic thresholds (3.10 to 3.13); elsewhere (3.14's collector may be
#: incremental, and set_threshold's third value then means nothing) a load turns the collector off
_GENERATIONS = sys.version_info < (3, 14)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cycle collector's full collections held off while a file is loaded, then back as they were.

    Loading allocates hundreds of thousands of long-lived objects (tokens, nodes, the model) and
    frees almost nothing in cycles: full collections would walk the growing heap again and again for
    no garbage (on a 5,000-criterion scale, a tenth of the load or more). The young collections go
    on: they walk each new object once while it is still in the processor's cache, and free the few
    cycles a load leaves early. (Turning the collector off for the load instead left its 375,000
    objects of a 10,000-criterion scale to one collection after it, walked out of cache: measured on
    benchmarks/bench_load.py's scales in one process, the two run alternately, 1.894 s of CPU against
    1.825 s a load of 10,000 criteria, 0.173 s against 0.174 s at 1,000.) A caller that turned the collector off, or holds the full collections off
    already (a load inside a load, or in another thread), keeps it so.
    """
    if not gc.isenabled():
        yield
        return
    if not _GENERATIONS:
        gc.disable()
        try:
            yield
        finally:
            gc.enable()
        return
    young, middle, full = gc.get_threshold()
    if young == 0 or full == _FULL_HELD:
        yield
        return
    gc.set_threshold(young, middle, _FULL_HELD)
    try:
        yield
    finally:
        if gc.get_threshold() == (young, middle, _FULL_HELD):  # nobody changed them meanwhile
            gc.set_threshold(young, middle, full)


def _paused(stage: Callable[_P, _R]) -> Callable[_P, _R]:
    @functools.wraps(stage)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with _collector_paused():
            return stage(*args, **kwargs)

    return run


#: what ``cache=`` takes: False (no cache), True (the default folder) or a folder
CacheChoice = bool | str | os.PathLike[str]


def _cache(choice: CacheChoice, loader: Loader | None) -> RulesetCache | None:
    """The cache a load uses, if any: none when a loader is given (its files may not be the disk's)."""
    if choice is False or loader is not None:
        return None
    return RulesetCache(None if choice is True else choice)


def _cached(
    cache: RulesetCache | None, request: tuple[object, ...], path: Sequence[str | os.PathLike[str]], load: Callable[[], Ruleset]
) -> Ruleset:
    """``load()``, or the ruleset ``cache`` kept from an earlier ``load()`` of the same request, if it still holds."""
    if cache is None:
        return load()
    key = cache.key(*request, tuple(str(p) for p in path), os.environ.get(ENVIRONMENT_VARIABLE, ""))
    kept = cache.get(key)
    if kept is not None:
        return kept
    with recording() as reads:
        ruleset = load()
    cache.put(key, ruleset, reads)
    return ruleset


@_paused
def loads(
    text: str,
    filename: str = "<string>",
    *,
    path: Sequence[str | os.PathLike[str]] = (),
    loader: Loader | None = None,
    cache: CacheChoice = False,
) -> Ruleset:
    """Check and compile criteria text. Raises :class:`CriteriaError` listing every problem.

    A file that ``extends`` a base or ``import``s a library finds them by id in
    ``path`` and the default search roots (see :mod:`partyrules.loader`).
    ``cache``: keep the compiled ruleset on disk and use it again while the text and every file it
    was built from are unchanged (True: the default folder; or a folder; see :mod:`partyrules.cache`).
    A ruleset read from the cache scores and explains the same, but like an unpickled one carries no
    checked model (``model`` and ``tests`` are None; :func:`checked_model` rebuilds it when a tool needs it).
    """
    if not isinstance(text, str):  # a program's mistake, said in its words, not as an AttributeError deep inside
        hint = " (bytes: decode them, or give the file's path to partyrules.load)" if isinstance(text, bytes) else ""
        raise TypeError(f"loads() takes the criteria text as a str, not {type(text).__name__}{hint}")
    chosen = _cache(cache, loader)
    if chosen is not None:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        return _cached(chosen, ("text", filename, digest), path, lambda: loads(text, filename, path=path))
    from partyrules import parser
    from partyrules.loader import Loader

    text = parser.normalise(text)
    tree = parser.parse(text, filename)
    return _compile(tree, filename, text, loader if loader is not None else Loader(path))


@_paused
def load(
    ruleset: str | os.PathLike[str],
    *,
    on: datetime.date | None = None,
    path: Sequence[str | os.PathLike[str]] = (),
    loader: Loader | None = None,
    cache: CacheChoice = False,
) -> Ruleset:
    """Load a ruleset by id (``"vn/annual-collective"``) or a ``.criteria`` file by path.

    By id, ``on`` picks the version in force on that date (without it: the only
    version, or else the newest); ids are looked up in ``path``, then
    ``PARTYRULES_PATH``, installed packages and the shipped criteria. A path is
    anything ending in ``.criteria`` or a :class:`os.PathLike`; the search root it
    stands in (from its id) is searched first for the files it refers to.
    Raises :class:`CriteriaError` on any problem. ``cache``: as for :func:`loads`; the ruleset is
    used again while every file it was built from is unchanged and an id still finds the same files.
    """
    chosen_cache = _cache(cache, loader)
    if chosen_cache is not None:
        by_path = isinstance(ruleset, os.PathLike) or str(ruleset).endswith(".criteria")
        request = ("path", os.path.abspath(ruleset)) if by_path else ("id", str(ruleset))
        return _cached(chosen_cache, (*request, on), path, lambda: load(ruleset, on=on, path=path))
    from partyrules import parser
    from partyrules.loader import Loader, Version, read_source

    if isinstance(ruleset, os.PathLike) or str(ruleset).endswith(".criteria"):
        filename = str(ruleset)
        text = parser.normalise(read_source(ruleset))
        tree = parser.parse(text, filename)
        roots = [*_own_root(Path(ruleset), tree), *path]
        chosen = loader if loader is not None else Loader(roots)
        if on is not None:
            version = Version("", filename, text, tree, "")
            if not version.covers(on):
                raise CriteriaError(
                    [
                        Diagnostic(
                            "PR706",
                            f"this file is not in force on {on.isoformat()}",
                            filename,
                            version.header.span,
                            f"it is in force {version.period}",
                        )
                    ],
                    [Source(filename, text)],
                )
        return _compile(tree, filename, text, chosen)
    chosen = loader if loader is not None else Loader(path)
    try:
        version = chosen.pick(str(ruleset), on)
    except CriteriaError as exc:
        raise _a_file_not_an_id(exc, str(ruleset)) from None
    return _compile(version.tree, version.filename, version.text, chosen)


def _a_file_not_an_id(exc: CriteriaError, name: str) -> CriteriaError:
    """PR701 for a str that names no id but an existing file (``load("scale.txt")``): say so.

    Such a str stays an id (``vn/x.y`` could be either): only a ``.criteria`` name or a
    :class:`os.PathLike` is read as a file, so the hint says how to pass it.
    """
    if not os.path.isfile(name) or not any(d.code == "PR701" for d in exc.diagnostics):
        return exc
    hint = (
        f"a file of that name exists: pass a Path to read it, `partyrules.load(Path({name!r}))`, or name it `.criteria`"
    )
    return CriteriaError(
        [attrs.evolve(d, hint=hint) if d.code == "PR701" else d for d in exc.diagnostics], exc.sources.values()
    )


def _own_root(path: Path, tree: n.RulesetFile) -> list[Path]:
    """The search root a file stands in, judged from its id: ``<root>/vn.x/y@2025.criteria``."""
    from partyrules import nodes as n

    header = next((d for d in tree.declarations if isinstance(d, n.Header)), None)
    if header is None:
        return []
    *folders, last = header.ruleset_id.split("/")
    name = path.name
    if not (name == last + ".criteria" or (name.startswith(last + "@") and name.endswith(".criteria"))):
        return []
    parent = path.parent
    for folder in reversed(folders):
        if parent.name != folder:
            return []
        parent = parent.parent
    return [parent]


def model_of(
    text: str,
    filename: str = "<string>",
    *,
    path: Sequence[str | os.PathLike[str]] = (),
    loader: Loader | None = None,
) -> Model:
    """Parse, link and check criteria text, without compiling: the checked model, for tools."""
    from partyrules import parser
    from partyrules.checker import check_tree
    from partyrules.link import link
    from partyrules.loader import Loader

    text = parser.normalise(text)
    tree = parser.parse(text, filename)
    linked = link(tree, filename, text, loader if loader is not None else Loader(path))
    return check_tree(linked.tree, filename, text, linked.sources)


def checked_model(ruleset: Ruleset) -> Model:
    """The checked model of a ruleset, for tools that read its rules (strategies, mutation, diff, sheets).

    A ruleset compiled in this process holds the model it was compiled from. One unpickled from
    another process carries its files, not its model (the runtime needs none): they are linked and
    checked again here, from those files alone, once, and the model is kept on the ruleset.
    """
    if ruleset.model is not None:
        return ruleset.model  # type: ignore[no-any-return]
    from partyrules.loader import Loader

    files = dict(ruleset.sources)
    loader = Loader(environment=False, installed=False, builtin=False, files=files)
    model = model_of(files[ruleset.filename], ruleset.filename, loader=loader)
    object.__setattr__(ruleset, "model", model)  # a cache of what compiling here would have kept
    return model


def _compile(tree: n.RulesetFile, filename: str, text: str, loader: Loader | None) -> Ruleset:
    from partyrules import nodes as n
    from partyrules.checker import check_tree
    from partyrules.compiler import build
    from partyrules.link import link

    linked = link(tree, filename, text, loader)
    header = next((d for d in linked.tree.declarations if isinstance(d, n.Header)), None)
    if header is not None and header.kind == "library":
        raise CriteriaError(
            [
                Diagnostic(
                    "PR718",
                    f"`{header.ruleset_id}` is a library of shared definitions: it has nothing to score",
                    filename,
                    header.span,
                    f'import it from a ruleset: `import "{header.ruleset_id}";`',
                )
            ],
            linked.sources,
        )
    model = check_tree(linked.tree, filename, text, linked.sources)
    return build(model, text, sources=linked.sources, bases=linked.bases)


@attrs.frozen
class Analysis:
    """What checking one file found, kept for tools that work on a file being edited (the language server).

    ``tree`` is the file as parsed (None when it does not parse), ``linked`` the tree with its bases
    and imports applied (None when linking failed), ``state`` the checker's tables after its run
    (names, spans, types and intervals, filled as far as the checker got, errors or not), ``sources``
    the text of every file involved, by name.
    """

    filename: str
    text: str
    diagnostics: tuple[Diagnostic, ...]
    sources: dict[str, Source]
    tree: n.RulesetFile | None = None
    linked: n.RulesetFile | None = None
    state: Checker | None = None
    model: Model | None = None


@_paused
def analyse(
    text: str,
    filename: str = "<string>",
    *,
    path: Sequence[str | os.PathLike[str]] = (),
    loader: Loader | None = None,
    loaders: dict[tuple[str, ...], Loader] | None = None,
) -> Analysis:
    """Parse, link and check ``text`` (the file ``filename``, as it stands in an editor), without raising.

    Its bases and imports are looked up in the search root the file stands in (judged from its
    id), then ``path`` and the default roots; ``loader`` replaces that lookup (one kept between edits).
    Diagnostics are those of :func:`check`: every error, and the warnings of this file only.
    """
    from partyrules import parser
    from partyrules.checker import Checker
    from partyrules.link import link
    from partyrules.loader import Loader

    text = parser.normalise(text)
    sources = {filename: Source(filename, text)}
    try:
        tree = parser.parse(text, filename)
    except CriteriaError as exc:
        return Analysis(filename, text, exc.diagnostics, sources)
    try:
        roots = tuple(str(r) for r in [*_own_root(Path(filename), tree), *path])
        chosen = loader if loader is not None else Loader(roots)
        if loader is None and loaders is not None:
            chosen = loaders.setdefault(roots, chosen)
        linked = link(tree, filename, text, chosen)
    except CriteriaError as exc:
        sources.update(exc.sources)
        return Analysis(filename, text, exc.diagnostics, sources, tree)
    sources.update((s.name, s) for s in linked.sources)
    checker = Checker(linked.tree, filename)
    model = checker.run()
    return Analysis(filename, text, tuple(_shown(checker, model, filename)), sources, tree, linked.tree, checker, model)


def own_roots(filename: str | os.PathLike[str], tree: n.RulesetFile) -> list[Path]:
    """The search root a file stands in, judged from its id (none when its place does not match its id)."""
    return _own_root(Path(filename), tree)


def check(
    path_or_text: str | os.PathLike[str],
    *,
    text: str | None = None,
    path: Sequence[str | os.PathLike[str]] = (),
    loader: Loader | None = None,
) -> list[Diagnostic]:
    """Every diagnostic for a file (errors and warnings), without raising.

    Diagnostics of the files it extends or imports name those files.
    """
    return checked(path_or_text, text=text, path=path, loader=loader)[0]


@_paused
def checked(
    path_or_text: str | os.PathLike[str],
    *,
    text: str | None = None,
    path: Sequence[str | os.PathLike[str]] = (),
    loader: Loader | None = None,
) -> tuple[list[Diagnostic], Model | None]:
    """:func:`check`'s diagnostics and the checked model (None when the file has an error)."""
    from partyrules import parser
    from partyrules.checker import Checker
    from partyrules.link import link
    from partyrules.loader import Loader, read_source

    filename = str(path_or_text)
    try:
        source = text if text is not None else read_source(path_or_text)
        source = parser.normalise(source)
        tree = parser.parse(source, filename)
        roots = [*_own_root(Path(filename), tree), *path] if text is None else list(path)
        linked = link(tree, filename, source, loader if loader is not None else Loader(roots))
    except CriteriaError as exc:
        return list(exc.diagnostics), None
    checker = Checker(linked.tree, filename)
    model = checker.run()
    return _shown(checker, model, filename), None if checker.failed else model


def _shown(checker: Checker, model: Model | None, filename: str) -> list[Diagnostic]:
    """What checking ``filename`` shows: every error, its own warnings (PR902 included), in order."""
    problems = list(checker.problems)
    if model is not None and not checker.failed:
        problems += fraction_warnings(model)
    # a base's own warnings are its authors' business: checking a child shows them only its own
    shown = [d for d in problems if d.severity == "error" or d.file == filename]
    return sorted(shown, key=lambda d: (d.file != filename, d.file, d.span.line, d.span.column, d.code))


def numbering(model: Model) -> Numbering:
    """How the compiler computes a checked model's numbers: fixed point or Decimal, and what needs Fractions."""
    from partyrules.compiler.program import generate

    return generate(model)[2]


def fraction_warnings(model: Model) -> list[Diagnostic]:
    """PR902 for every expression the compiled program computes with Fractions (none without a division)."""
    if not any(t.kind == "ratio" for t in model.types.values()):
        return []  # no quotient: nothing to compile to find out
    return [
        Diagnostic(
            "PR902",
            f"{what} is computed with exact Fractions, several times slower than in integers",
            node.span.file or model.filename,
            node.span,
            "compare, band, table or round the quotient itself (`a / b >= 90%`, `round(a / b, 2)`); "
            "`partyrules check --explain` shows the numbering",
            "warning",
        )
        for node, what in numbering(model).fractions
    ]
