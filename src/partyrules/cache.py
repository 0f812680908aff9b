"""A cache of compiled rulesets on disk: a file loaded again, unchanged, skips parsing, checking and compiling.

Like Python's ``__pycache__`` or Jinja's bytecode cache. An entry is the ruleset as a pickle carries
it (the generated program's text, its constants and layout, the files it was built from) and the
program's bytecode, with a record of everything the load read (:class:`partyrules.reads.Reads`):
every file's SHA-256 (criteria files, examples tables; absent ones too), every lookup of an id in
the search roots, and the roots. An entry is used only when all of that still holds, so editing a
base, adding a version of an id in force on another date, a new root in ``PARTYRULES_PATH`` or a
new installed criteria package all give a fresh load. (The installed packages' roots are looked up
again only when a folder of ``sys.path``, an ``entry_points.txt`` or a ``.pth`` file changed:
:func:`partyrules.reads.installed_stamp`.) The key also holds the request (the file or
id, ``on``, the roots given), this partyrules (a digest of its own source files' sizes and times,
so an edited checkout never reads entries of its older self) and this Python.

What is cached is only ever what partyrules itself wrote: entries are pickles and bytecode, so the
folder must be writable by its owner alone. It is made ``0700``; a folder that another user can
write to is not read, and nothing in a criteria file decides what goes in it. A damaged, truncated
or foreign entry is a miss (and is replaced), never an error. Loads that fail are not cached: their
diagnostics come from the full pipeline every time.

The folder is ``PARTYRULES_CACHE_DIR``, else ``$XDG_CACHE_HOME/partyrules``, else
``~/.cache/partyrules``. At most :data:`MAX_ENTRIES` entries are kept; the oldest go first.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import marshal
import os
import pickle
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

from partyrules.reads import Reads
from partyrules.runtime import Ruleset, compiled_program, restore

ENVIRONMENT_VARIABLE = "PARTYRULES_CACHE_DIR"
#: bump when what an entry holds changes shape
FORMAT = b"partyrules-ruleset-cache 1\n"
#: entries kept in one folder; when there are more, the least recently written go
MAX_ENTRIES = 256
_SUFFIX = ".ruleset"


def default_folder() -> Path:
    """Where the cache lives: ``PARTYRULES_CACHE_DIR``, ``$XDG_CACHE_HOME/partyrules`` or ``~/.cache/partyrules``."""
    chosen = os.environ.get(ENVIRONMENT_VARIABLE)
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "partyrules"


@functools.cache
def build_id() -> str:
    """This partyrules and this Python: the package's source files (names, sizes, times) and the interpreter.

    An entry written by another build is never read: a developer's edit to the compiler changes the
    id without a new version number, as a ``.py`` file's time invalidates its ``.pyc``.
    """
    package = Path(__file__).parent
    digest = hashlib.sha256(FORMAT)
    digest.update(f"{sys.implementation.cache_tag} {sys.version} {sys.platform}".encode())
    for folder, subfolders, files in os.walk(package):
        subfolders[:] = sorted(d for d in subfolders if d not in ("__pycache__", "criteria", "data"))
        for name in sorted(files):
            if name.endswith((".py", ".lark", ".json")):
                path = os.path.join(folder, name)
                info = os.stat(path)
                digest.update(f"{os.path.relpath(path, package)} {info.st_size} {info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class RulesetCache:
    """Compiled rulesets in one folder (see the module docstring)."""

    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_folder()

    def key(self, *request: Any) -> str:
        """The entry name for a request: this build and the request's parts (file or id, date, roots given)."""
        digest = hashlib.sha256(build_id().encode())
        digest.update(repr(request).encode())
        return digest.hexdigest()

    def get(self, key: str) -> Ruleset | None:
        """The ruleset kept under ``key`` if what it was built from still holds, else None."""
        path = self.folder / (key + _SUFFIX)
        try:
            if not self._safe():
                return None
            with open(path, "rb") as stream:
                data = stream.read()
        except OSError:
            return None
        entry = self._entry(data)
        if entry is None:
            return None
        reads, state, bytecode = entry
        try:
            if not reads.still():
                return None
        except OSError:  # a folder it looked in cannot be listed now: load afresh, which says why
            return None
        try:
            return restore(state, marshal.loads(bytecode))
        except Exception:  # a damaged entry is a miss: the caller loads the file itself
            return None

    def put(self, key: str, ruleset: Ruleset, reads: Reads) -> None:
        """Keep ``ruleset`` under ``key``; a folder that cannot be written to is silently skipped."""
        try:
            bytecode = marshal.dumps(compiled_program(ruleset.code, ruleset.id))
            payload = pickle.dumps((reads, ruleset.pickled_state(), bytecode), protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, ValueError, AttributeError):
            return  # a ruleset that cannot be kept is simply not kept: the load itself succeeded
        data = FORMAT + hashlib.sha256(payload).digest() + payload
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not self._safe():
                return
            # written whole under another name, then renamed: a reader never sees half an entry
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(data)
                os.replace(temporary, self.folder / (key + _SUFFIX))
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
            self._trim()
        except OSError:
            return

    def size(self) -> tuple[int, int]:
        """How many entries the folder holds, and their bytes."""
        count = total = 0
        for path in self._entries():
            with contextlib.suppress(OSError):
                total += path.stat().st_size
                count += 1
        return count, total

    def clear(self) -> int:
        """Remove every entry; how many there were."""
        removed = 0
        for path in self._entries():
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
        return removed

    # ------------------------------------------------------------ internals
    def _safe(self) -> bool:
        """Whether the folder is this user's own and nobody else can write to it (entries are pickles)."""
        info = os.stat(self.folder)
        if not stat.S_ISDIR(info.st_mode) or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return False
        getuid = getattr(os, "getuid", None)
        return getuid is None or info.st_uid == getuid()

    @staticmethod
    def _entry(data: bytes) -> tuple[Reads, dict[str, Any], bytes] | None:
        start = len(FORMAT) + 32
        if not data.startswith(FORMAT) or hashlib.sha256(data[start:]).digest() != data[len(FORMAT) : start]:
            return None
        try:
            reads, state, bytecode = pickle.loads(data[start:])
        except Exception:  # written by another partyrules whose classes differ: a miss
            return None
        if not isinstance(reads, Reads) or not isinstance(state, dict) or not isinstance(bytecode, bytes):
            return None
        return reads, state, bytecode

    def _entries(self) -> list[Path]:
        try:
            return [p for p in self.folder.iterdir() if p.name.endswith(_SUFFIX)]
        except OSError:
            return []

    def _trim(self) -> None:
        entries = self._entries()
        if len(entries) <= MAX_ENTRIES:
            return
        dated = []
        for path in entries:
            with contextlib.suppress(OSError):
                dated.append((path.stat().st_mtime_ns, path.name, path))
        for _, _, path in sorted(dated)[: len(dated) - MAX_ENTRIES]:
            with contextlib.suppress(OSError):
                path.unlink()
