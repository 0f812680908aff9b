"""Where criteria files are looked for, and a record of what one load read from disk.

The search roots (given ones, ``PARTYRULES_PATH``, installed criteria packages, the shipped
criteria) and the files under a root that may hold an id are found here; :mod:`partyrules.loader`
reads and parses them. While :func:`recording` is on, every root list, every lookup and every file
read (criteria files, examples tables) is noted in a :class:`Reads`, which can later tell whether
the disk still says the same: the cache of compiled rulesets (:mod:`partyrules.cache`) uses an entry
only then. This module needs nothing of the front end, so checking an entry imports neither lark nor
the checker.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs

ENTRY_POINT_GROUP = "partyrules.criteria"
ENVIRONMENT_VARIABLE = "PARTYRULES_PATH"
SUFFIX = ".criteria"


def builtin_root() -> Path:
    """The criteria shipped inside partyrules."""
    # the package's folder, as importlib.resources.files("partyrules") gives it, without importing that
    return Path(__file__).parent / "criteria"


def installed_roots() -> list[Path]:
    """Criteria folders of installed packages that advertise them, in entry-point name order.

    A package declares ``[project.entry-points."partyrules.criteria"] name = "package.module"``;
    the module's folder is a search root.
    """
    from importlib import metadata, resources  # here: a cache entry whose installed packages stand reads neither

    roots = []
    for entry in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value)):
        try:
            folder = resources.files(entry.value)
        except (ImportError, TypeError, ValueError):
            continue  # a broken package must not stop the others: its ids are then simply not found (PR701)
        path = Path(str(folder))
        if path.is_dir():
            roots.append(path)
    return roots


def installed_stamp() -> tuple[tuple[str, int], ...]:
    """What the installed packages' entry points are read from, as a quick look sees it: each folder of
    ``sys.path`` with the time it last changed (installing, upgrading or removing a distribution adds or
    drops a folder in it), and in it the time of each distribution's ``entry_points.txt`` and of each
    ``.pth`` and editable-install file (edited in place). While it is the same, :func:`installed_roots`
    gives the same roots, as a ``.pyc`` stands while its source's time does; reading the entry points
    themselves costs about 20 ms (importlib.metadata, a look into every distribution)."""
    stamp: list[tuple[str, int]] = []
    for entry in sys.path:
        folder = entry or "."
        try:
            info = os.stat(folder)
        except OSError:
            stamp.append((entry, -1))
            continue
        stamp.append((entry, info.st_mtime_ns))
        if not stat.S_ISDIR(info.st_mode):
            continue  # a zip file: its time covers its contents
        try:
            with os.scandir(folder) as children:
                names = sorted(child.name for child in children)
        except OSError:
            stamp.append((entry, -2))
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                stamp.append((name, _time(os.path.join(folder, name, "entry_points.txt"))))
            elif name.endswith(".pth") or name.startswith("__editable__"):
                stamp.append((name, _time(os.path.join(folder, name))))
    return tuple(stamp)


def _time(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def search_roots(
    roots: Sequence[str | os.PathLike[str]],
    environment: bool = True,
    installed: bool = True,
    builtin: bool = True,
    *,
    known: Sequence[Path] | None = None,
) -> tuple[Path, ...]:
    """The search roots in order: ``roots``, then (as chosen) ``PARTYRULES_PATH``, installed packages, the
    shipped criteria. ``known``: the installed packages' roots, already found (see :meth:`Reads.still`)."""
    found = [Path(r) for r in roots]
    if environment:
        found += [Path(p) for p in os.environ.get(ENVIRONMENT_VARIABLE, "").split(os.pathsep) if p]
    if installed:
        if known is None:
            record = _reads.get()
            # the stamp before the look: a package installed in between makes the entry stale, never wrong
            stamp = installed_stamp() if record is not None and record.installed is None else None
            known = installed_roots()
            if record is not None and stamp is not None:
                record.installed = (stamp, tuple(str(r) for r in known))
        found += known
    if builtin:
        found.append(builtin_root())
    record = _reads.get()
    if record is not None:
        record.roots[(tuple(str(r) for r in roots), environment, installed, builtin)] = tuple(str(r) for r in found)
    return tuple(found)


def candidates(root: Path, folders: Sequence[str], last: str) -> list[Path]:
    """The files under ``root`` that may hold the id ``folders/last``: ``last.criteria`` and ``last@*.criteria``."""
    folder = root.joinpath(*folders)
    if not folder.is_dir():
        found: list[Path] = []
    else:
        found = sorted(
            p
            for p in folder.iterdir()
            if p.name == last + SUFFIX or (p.name.startswith(last + "@") and p.name.endswith(SUFFIX))
        )
    record = _reads.get()
    if record is not None:
        record.listings[(str(root), "/".join(folders), last)] = _listed(found)
    return found


def _listed(found: Sequence[Path]) -> tuple[tuple[str, str], ...]:
    """Candidates as a record compares them: each name and where its symlinks lead."""
    return tuple((p.name, str(p.resolve())) for p in found)


@attrs.define
class Reads:
    """Everything one load read from disk: enough to tell later whether the disk still says the same.

    ``files`` maps a path to the size and SHA-256 of its bytes (None: it did not exist);
    ``listings`` maps (root, folders, name) to the files a lookup of that id found there;
    ``roots`` maps how search roots were asked for (given roots, environment, installed, shipped) to
    what they were; ``installed``: the installed packages' roots found first, with the
    :func:`installed_stamp` of when they were (None: none were looked for).
    """

    files: dict[str, tuple[int, str] | None] = attrs.Factory(dict)
    listings: dict[tuple[str, str, str], tuple[tuple[str, str], ...]] = attrs.Factory(dict)
    roots: dict[tuple[tuple[str, ...], bool, bool, bool], tuple[str, ...]] = attrs.Factory(dict)
    installed: tuple[tuple[tuple[str, int], ...], tuple[str, ...]] | None = None

    def still(self) -> bool:
        """Whether the disk still holds what this record saw: the same roots, lookups and bytes."""
        known = None  # the installed roots as they were, while nothing they are read from has changed
        if self.installed is not None and installed_stamp() == self.installed[0]:
            known = [Path(r) for r in self.installed[1]]
        for (given, environment, installed, builtin), seen in self.roots.items():
            with _not_recording():
                if tuple(str(r) for r in search_roots(given, environment, installed, builtin, known=known)) != seen:
                    return False
        for (root, folders, last), seen_files in self.listings.items():
            with _not_recording():
                found = _listed(candidates(Path(root), folders.split("/") if folders else [], last))
            if found != seen_files:
                return False
        return all(_same_file(path, seen) for path, seen in self.files.items())


def _same_file(path: str, seen: tuple[int, str] | None) -> bool:
    try:
        size = os.stat(path).st_size
        if seen is None:
            return False
        if size != seen[0]:
            return False
        with open(path, "rb") as stream:
            data = stream.read(size + 1)
    except OSError:
        return seen is None
    return hashlib.sha256(data).hexdigest() == seen[1]


_reads: contextvars.ContextVar[Reads | None] = contextvars.ContextVar("partyrules_reads", default=None)


@contextlib.contextmanager
def _not_recording() -> Iterator[None]:
    """Checking a record looks again without adding to a recording around it (a load that checks the cache)."""
    token = _reads.set(None)
    try:
        yield
    finally:
        _reads.reset(token)


@contextlib.contextmanager
def recording() -> Iterator[Reads]:
    """Record every root list, lookup and file read in the ``with`` block (see :class:`Reads`)."""
    record = Reads()
    token = _reads.set(record)
    try:
        yield record
    finally:
        _reads.reset(token)


def note_read(path: str | os.PathLike[str], data: bytes | None) -> None:
    """Tell the recording (if any) that ``path`` was read and held ``data`` (None: it was not there)."""
    record = _reads.get()
    if record is not None:
        record.files[str(path)] = None if data is None else (len(data), hashlib.sha256(data).hexdigest())
