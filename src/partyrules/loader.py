"""Finding criteria files by ruleset id and date.

Files refer to each other by ruleset id (``"vn/cell-meeting"``), never by path.
A :class:`Loader` looks an id up in an ordered list of search roots:

1. the roots the caller gives;
2. the directories in the ``PARTYRULES_PATH`` environment variable;
3. installed Python packages that advertise criteria through the
   ``partyrules.criteria`` entry point (a province publishes its scale with pip);
4. the criteria shipped with partyrules.

Under a root, id ``a.b/c`` is the file ``a.b/c.criteria`` or, when the ruleset
has several versions in time, the files ``a.b/c@<tag>.criteria``, each with its
own ``effective from ... to ...`` range. The first root that has the id holds
all of its versions. Ids are checked against a strict pattern before any path
is built, and every file found must stay inside its root after symlinks are
resolved: criteria text is untrusted and can never make the loader read
anything else.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from partyrules import nodes as n, parser, reads
from partyrules.diagnostics import CriteriaError, Diagnostic, Source, did_you_mean
from partyrules.nodes import RULESET_ID
from partyrules.reads import (
    ENTRY_POINT_GROUP as ENTRY_POINT_GROUP,
    ENVIRONMENT_VARIABLE as ENVIRONMENT_VARIABLE,
    SUFFIX,
    builtin_root as builtin_root,
    installed_roots as installed_roots,
    note_read,
)


@attrs.frozen
class Version:
    """One file of a ruleset: its text, parsed tree and where it was found."""

    ruleset_id: str
    filename: str
    text: str = attrs.field(repr=False)
    tree: n.RulesetFile = attrs.field(repr=False)
    root: str

    @property
    def header(self) -> n.Header:
        for declaration in self.tree.declarations:
            if isinstance(declaration, n.Header):
                return declaration
        return n.Header(self.ruleset_id)

    @property
    def effective_from(self) -> datetime.date | None:
        return self.header.effective_from

    @property
    def effective_to(self) -> datetime.date | None:
        return self.header.effective_to

    def covers(self, day: datetime.date) -> bool:
        start, end = self.effective_from, self.effective_to
        return (start is None or start <= day) and (end is None or day <= end)

    @property
    def period(self) -> str:
        start = self.effective_from.isoformat() if self.effective_from else "the beginning"
        end = self.effective_to.isoformat() if self.effective_to else "no end"
        return f"{start} to {end}"


def _here(span: n.Span | None) -> n.Span:
    return span if span is not None and span.line else n.Span(1, 1, 1, 2, span.file if span else "")


class Loader:
    """Looks criteria files up by id and date in search roots (see the module docstring).

    ``files`` maps file names to texts and replaces the disk entirely: a ruleset
    unpickled elsewhere is rebuilt from the exact texts it was compiled from.
    """

    def __init__(
        self,
        roots: Sequence[str | os.PathLike[str]] = (),
        *,
        environment: bool = True,
        installed: bool = True,
        builtin: bool = True,
        files: Mapping[str, str] | None = None,
    ) -> None:
        self.files = dict(files) if files is not None else None
        self._given = (tuple(roots), environment, installed, builtin)
        self._versions: dict[str, tuple[Version, ...]] = {}
        self._parsed: dict[str, Version] = {}

    @functools.cached_property
    def roots(self) -> tuple[Path, ...]:
        """The search roots, in order (found on first use: a file that refers to nothing never looks)."""
        return reads.search_roots(*self._given)

    # ------------------------------------------------------------ lookup
    def versions(self, ruleset_id: str, where: n.Span | None = None) -> tuple[Version, ...]:
        """Every version of a ruleset, oldest first; a :class:`CriteriaError` when there is none
        or when their effective ranges overlap."""
        if ruleset_id in self._versions:
            return self._versions[ruleset_id]
        self._check_id(ruleset_id, where)
        found = self._from_files(ruleset_id) if self.files is not None else self._from_roots(ruleset_id, where)
        if not found:
            known = self.known_ids()
            hint = did_you_mean(ruleset_id, known) or self._searched()
            raise CriteriaError(
                [Diagnostic("PR701", f"no criteria file has the id `{ruleset_id}`", _file(where), _here(where), hint)]
            )
        versions = tuple(sorted(found, key=_start))
        self._check_versions(ruleset_id, versions)
        self._versions[ruleset_id] = versions
        return versions

    def pick(
        self, ruleset_id: str, on: datetime.date | None = None, where: n.Span | None = None, *, purpose: str = ""
    ) -> Version:
        """The version in force on ``on``; without a date the only version, or else the newest."""
        versions = self.versions(ruleset_id, where)
        if on is None:
            return versions[-1]
        for version in versions:
            if version.covers(on):
                return version
        listed = "; ".join(f"{v.period} ({Path(v.filename).name})" for v in versions)
        raise CriteriaError(
            [
                Diagnostic(
                    "PR706",
                    f"no version of `{ruleset_id}` is in force on {on.isoformat()}{purpose}",
                    _file(where),
                    _here(where),
                    f"its versions cover: {listed}",
                )
            ]
        )

    def known_ids(self) -> list[str]:
        """Every id found in the search roots (for hints and listings)."""
        ids: set[str] = set()
        if self.files is not None:
            ids.update(v.ruleset_id for v in (self._parse(name, text, "") for name, text in self.files.items()))
            return sorted(ids)
        for root in self.roots:
            if not root.is_dir():
                continue
            for path in root.rglob("*" + SUFFIX):
                relative = path.relative_to(root).as_posix()[: -len(SUFFIX)]
                ids.add(relative.split("@", 1)[0])
        return sorted(i for i in ids if RULESET_ID.match(i))

    # ------------------------------------------------------------ internals
    @staticmethod
    def _check_id(ruleset_id: str, where: n.Span | None) -> None:
        parts = ruleset_id.split("/")
        if not RULESET_ID.match(ruleset_id) or any(p in (".", "..") or p.startswith(".") for p in parts):
            raise CriteriaError(
                [
                    Diagnostic(
                        "PR702",
                        f'"{ruleset_id}" is not a ruleset id',
                        _file(where),
                        _here(where),
                        'refer to another file by its id, never by path: "vn/cell-meeting"',
                    )
                ]
            )

    def _searched(self) -> str:
        shown = ", ".join(str(r) for r in self.roots) or "none"
        return f"searched: {shown}; add a folder with `--path` or {ENVIRONMENT_VARIABLE}, or install the package that publishes it"

    def _from_files(self, ruleset_id: str) -> list[Version]:
        assert self.files is not None
        versions = [self._parse(name, text, "") for name, text in sorted(self.files.items())]
        return [v for v in versions if v.ruleset_id == ruleset_id]

    def _from_roots(self, ruleset_id: str, where: n.Span | None) -> list[Version]:
        *folders, last = ruleset_id.split("/")
        for root in self.roots:
            candidates = reads.candidates(root, folders, last)
            if not candidates:
                continue
            found = []
            real_root = root.resolve()
            for path in candidates:
                real = path.resolve()
                if not real.is_relative_to(real_root) or not real.is_file():
                    raise CriteriaError(
                        [
                            Diagnostic(
                                "PR703",
                                f"`{path}` leads outside its search root {root}",
                                _file(where),
                                _here(where),
                                "criteria files are read only inside the search roots; replace the link by the file itself",
                            )
                        ]
                    )
                found.append(self._read(path, str(root)))
            for version in found:
                if version.ruleset_id != ruleset_id:
                    header = version.header
                    raise CriteriaError(
                        [
                            Diagnostic(
                                "PR708",
                                f'this file is found as `{ruleset_id}` but says it is "{version.ruleset_id}"',
                                version.filename,
                                _here(header.span),
                                f'write `ruleset "{ruleset_id}"`, or move the file to match its id',
                            )
                        ],
                        [Source(version.filename, version.text)],
                    )
            return found
        return []

    def _read(self, path: Path, root: str) -> Version:
        key = str(path)
        if key not in self._parsed:
            self._parsed[key] = self._parse(key, read_source(path), root)
        return self._parsed[key]

    def _parse(self, name: str, text: str, root: str) -> Version:
        if name in self._parsed:
            return self._parsed[name]
        text = parser.normalise(text)
        tree = parser.parse(text, name)
        header = next((d for d in tree.declarations if isinstance(d, n.Header)), None)
        version = Version(header.ruleset_id if header else "", name, text, tree, root)
        self._parsed[name] = version
        return version

    @staticmethod
    def _check_versions(ruleset_id: str, versions: tuple[Version, ...]) -> None:
        if len(versions) < 2:
            return
        problems = []
        for version in versions:
            if version.effective_from is None:
                problems.append(
                    Diagnostic(
                        "PR705",
                        f"`{ruleset_id}` has {len(versions)} versions, and this one says no `effective from` date",
                        version.filename,
                        _here(version.header.span),
                        "every version of a ruleset with several versions states when it is in force",
                    )
                )
        if not problems:
            for earlier, later in itertools.pairwise(versions):
                assert later.effective_from is not None
                if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                    problems.append(
                        Diagnostic(
                            "PR705",
                            f"two versions of `{ruleset_id}` are in force on {later.effective_from.isoformat()}: "
                            f"{Path(earlier.filename).name} ({earlier.period}) and {Path(later.filename).name} ({later.period})",
                            later.filename,
                            _here(later.header.span),
                            f"end the earlier version the day before: `effective from {earlier.effective_from} to "
                            f"{(later.effective_from - datetime.timedelta(days=1)).isoformat()};`",
                        )
                    )
        if problems:
            raise CriteriaError(problems, [Source(v.filename, v.text) for v in versions])


def _start(version: Version) -> tuple[datetime.date, str]:
    return (version.effective_from or datetime.date.min, version.filename)


def _file(where: n.Span | None) -> str:
    return where.file if where is not None and where.file else "<load>"


def read_source(path: str | os.PathLike[str]) -> str:
    """A criteria file's text, or a :class:`CriteriaError` saying why it cannot be read."""
    name = str(path)
    where = n.Span(1, 1, 1, 2)
    try:
        with open(path, "rb") as stream:  # at most one byte past the limit: /dev/zero has no end
            data = stream.read(parser.MAX_SOURCE_BYTES + 1)
        note_read(path, data)
    except FileNotFoundError:
        raise CriteriaError([Diagnostic("PR000", "no such file", name, where)]) from None
    except IsADirectoryError:
        raise CriteriaError([Diagnostic("PR000", "this is a folder, not a criteria file", name, where)]) from None
    except OSError as exc:
        raise CriteriaError([Diagnostic("PR000", f"cannot read the file: {exc.strerror}", name, where)]) from None
    return source_text(data, name)


def source_text(data: bytes, name: str) -> str:
    """A criteria file's bytes as text (read from a file, or from standard input by ``fmt -``), or a
    :class:`CriteriaError` saying why they are none: too large, or not UTF-8 (with the place)."""
    where = n.Span(1, 1, 1, 2)
    if len(data) > parser.MAX_SOURCE_BYTES:
        raise CriteriaError(
            [
                Diagnostic(
                    "PR001",
                    f"the file is larger than {parser.MAX_SOURCE_BYTES // (1024 * 1024)} MiB; criteria files are small text files",
                    name,
                    where,
                )
            ]
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1  # in characters
        raise CriteriaError(
            [
                Diagnostic(
                    "PR000",
                    "the file is not UTF-8 text",
                    name,
                    n.Span(line, column, line, column + 1),
                    "save it as UTF-8 (in Word: Save As → Plain Text → Unicode (UTF-8))",
                )
            ],
            [Source(name, data.decode("utf-8", errors="replace"))],
        ) from None

