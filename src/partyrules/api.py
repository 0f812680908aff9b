"""The pipeline, stage by stage: text → parse → check → compile → :class:`Ruleset`.

Like Jinja's Environment, these functions only call the stages in order;
each stage lives in its own module.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence
from pathlib import Path

import attrs

from partyrules import compiler, explain, nodes as n, parser
from partyrules.checker import check as check_tree
from partyrules.diagnostics import CriteriaError, Diagnostic, Source
from partyrules.link import link
from partyrules.loader import Loader, Version
from partyrules.model import Model
from partyrules.nodes import Span
from partyrules.runtime import InputSpec, Layout, Ruleset, RulesetRef


def loads(
    text: str,
    filename: str = "<string>",
    *,
    path: Sequence[str | os.PathLike[str]] = (),
    loader: Loader | None = None,
) -> Ruleset:
    """Check and compile criteria text. Raises :class:`CriteriaError` listing every problem.

    A file that ``extends`` a base or ``import``s a library finds them by id in
    ``path`` and the default search roots (see :mod:`partyrules.loader`).
    """
    text = parser.normalise(text)
    tree = parser.parse(text, filename)
    return _compile(tree, filename, text, loader if loader is not None else Loader(path))


def load(
    ruleset: str | os.PathLike[str],
    *,
    on: datetime.date | None = None,
    path: Sequence[str | os.PathLike[str]] = (),
    loader: Loader | None = None,
) -> Ruleset:
    """Load a ruleset by id (``"vn/annual-collective"``) or a ``.criteria`` file by path.

    By id, ``on`` picks the version in force on that date (without it: the only
    version, or else the newest); ids are looked up in ``path``, then
    ``PARTYRULES_PATH``, installed packages and the shipped criteria. A path is
    anything ending in ``.criteria`` or a :class:`os.PathLike`; the search root it
    stands in (from its id) is searched first for the files it refers to.
    Raises :class:`CriteriaError` on any problem.
    """
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
    version = chosen.pick(str(ruleset), on)
    return _compile(version.tree, version.filename, version.text, chosen)


def _own_root(path: Path, tree: n.RulesetFile) -> list[Path]:
    """The search root a file stands in, judged from its id: ``<root>/vn.x/y@2025.criteria``."""
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
    text = parser.normalise(text)
    tree = parser.parse(text, filename)
    linked = link(tree, filename, text, loader if loader is not None else Loader(path))
    return check_tree(linked.tree, filename, text, linked.sources)


def _compile(tree: n.RulesetFile, filename: str, text: str, loader: Loader | None) -> Ruleset:
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
    filename = str(path_or_text)
    try:
        source = text if text is not None else read_source(path_or_text)
        source = parser.normalise(source)
        tree = parser.parse(source, filename)
        roots = [*_own_root(Path(filename), tree), *path] if text is None else list(path)
        linked = link(tree, filename, source, loader if loader is not None else Loader(roots))
    except CriteriaError as exc:
        return list(exc.diagnostics)
    from partyrules.checker import Checker

    checker = Checker(linked.tree, filename)
    checker.run()
    # a base's own warnings are its authors' business: checking a child shows them only its own
    shown = [d for d in checker.problems if d.severity == "error" or d.file == filename]
    return sorted(shown, key=lambda d: (d.file != filename, d.file, d.span.line, d.span.column, d.code))


def read_source(path: str | os.PathLike[str]) -> str:
    """A criteria file's text, or a :class:`CriteriaError` saying why it cannot be read."""
    name = str(path)
    where = Span(1, 1, 1, 2)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise CriteriaError([Diagnostic("PR000", "no such file", name, where)]) from None
    except IsADirectoryError:
        raise CriteriaError([Diagnostic("PR000", "this is a folder, not a criteria file", name, where)]) from None
    except OSError as exc:
        raise CriteriaError([Diagnostic("PR000", f"cannot read the file: {exc.strerror}", name, where)]) from None
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
                    Span(line, column, line, column + 1),
                    "save it as UTF-8 (in Word: Save As → Plain Text → Unicode (UTF-8))",
                )
            ],
            [Source(name, data.decode("utf-8", errors="replace"))],
        ) from None


def build(
    model: Model,
    source: str,
    *,
    fixed_point: bool = True,
    sources: Sequence[Source] = (),
    bases: Sequence[str] = (),
) -> Ruleset:
    """Compile a checked model into a :class:`Ruleset`.

    ``fixed_point=False`` forces Decimal arithmetic for points; the default uses exact integers
    in fixed point whenever the scale allows (the results are the same; tests compare both).
    """
    header = model.header
    ref = RulesetRef(header.ruleset_id, header.version or "", compiler.fingerprint(model.file))
    levels = {
        c.name: model.levels.get(c.level_type.name) if c.level_type and c.level_type.name else None
        for c in model.criteria
    }
    level_labels = {}
    for decl in model.file.declarations:
        from partyrules import nodes as n

        if isinstance(decl, n.Levels):
            level_labels[decl.name] = tuple(m.label or m.name for m in decl.members)

    def layout_for(scale: int | None) -> Layout:
        return attrs.evolve(layout, scale=scale)

    layout = Layout(
        ruleset=ref,
        title=header.title or header.ruleset_id,
        inputs=tuple(i.name for i in model.inputs),
        input_kinds=tuple(i.type.kind for i in model.inputs),
        level_members=tuple(i.type.members if i.type.kind == "level" else None for i in model.inputs),
        criteria=tuple((c.name, c.number, c.label, c.kind, c.maximum) for c in model.criteria),
        level_scales=tuple(levels[c.name].members if levels[c.name] else None for c in model.criteria),  # type: ignore[union-attr]
        level_labels=tuple(
            level_labels.get(c.level_type.name) if c.level_type and c.level_type.name else None for c in model.criteria
        ),
        adjustments=tuple((c.name, c.label, c.kind, c.maximum or 0) for c in model.deductions + model.bonuses),  # type: ignore[misc]
        grades=tuple((g.name, g.label) for g in model.grades),
        requirements=tuple((i, r.label) for i, g in enumerate(model.grades) for r in g.requirements),
        knockouts=tuple((k.name, k.label, k.action or "", k.grade or 0) for k in model.knockouts),
        exemptions=tuple((k.name, k.label) for k in model.exemptions),
        conditional=tuple(c.applicable is not None for c in model.criteria + model.deductions + model.bonuses),
        scored=model.scored,
        maximum=model.criteria_maximum,
        deductions_cap=model.deductions_cap,
        bonuses_cap=model.bonuses_cap,
        details=explain.details(model),
    )
    compiled = compiler.compile_program(model, layout_for, fixed_point)
    layout = compiled.layout
    inputs = tuple(
        InputSpec(
            name=i.name,
            label=i.label,
            kind=i.type.kind,
            low=i.low,
            high=i.high,
            places=i.places,
            required=not i.has_default,
            default=i.default,
            members=i.type.members,
            member_labels=i.member_labels
            or (level_labels.get(i.type.name or "", ()) if i.type.kind == "level" else ()),
        )
        for i in model.inputs
    )
    return Ruleset(
        id=ref.id,
        version=ref.version,
        title=layout.title,
        basis=header.basis or "",
        effective_from=header.effective_from,
        effective_to=header.effective_to,
        status=model.status,
        fingerprint=ref.fingerprint,
        inputs=inputs,
        layout=layout,
        source=source,
        filename=model.filename,
        code=compiled.code,
        constants=compiled.constants,
        program=compiled.program,
        batch=compiled.batch,
        sources=tuple((s.name, s.text) for s in sources) or ((model.filename, source),),
        bases=tuple(bases),
        model=model,
        quotas=model.quotas,
        aggregates=tuple(
            (d.name, d.aggregate)
            for d in model.file.declarations
            if isinstance(d, n.Input) and d.aggregate is not None
        ),
    )
