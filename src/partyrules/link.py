"""Linking: a file that extends a base, or imports a library, becomes one whole tree.

The stage between parsing and checking. A province writes only what differs
from the national base (``change``, ``add``, ``remove``, ``set``); the linker
finds the base by id and date through a :class:`~partyrules.loader.Loader`,
links it first (bases extend bases), applies the child's statements to it and
hands the checker one ordinary tree. Every node keeps the span of the file it
came from, so the checker's diagnostics name the file that is wrong; what the
linker itself finds (a missing target, a locked criterion, a cycle) it reports
at the child's statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs

from partyrules import nodes as n
from partyrules.diagnostics import CriteriaError, Diagnostic, Related, Source, did_you_mean
from partyrules.loader import Loader, Version
from partyrules.nodes import walk

#: Bases of bases: real chains are national → province → district; a longer one is a mistake or an attack.
MAX_CHAIN = 16

#: What each target of `change` may change.
CHANGEABLE = {
    "item": {"label", "max", "cite", "note", "points", "level", "applicable", "status", "lock"},
    "group": {"label", "max", "cite", "note", "level", "applicable", "status", "lock"},
    "criteria": {"label", "max", "cite", "note", "status", "rescale", "lock"},
    "deduction": {"label", "max", "cite", "note", "points", "applicable", "status", "lock"},
    "bonus": {"label", "max", "cite", "note", "points", "applicable", "status", "lock"},
    "deductions": {"label", "cap"},
    "bonuses": {"label", "cap"},
    "grade": {"label", "band", "require", "drop", "else", "cite", "note", "lock"},
    "knockout": {"label", "when", "action", "cite", "note", "lock"},
    "not_graded": {"label", "when", "cite", "note", "lock"},
    "input": {"label"},
}

_EXTENSION = (n.Change, n.Add, n.Remove, n.SetParameter)
_TESTS = (n.Example, n.ExampleTable, n.Property)
#: What a library may hold, and so what `import` brings.
_SHARED = (n.Input, n.Levels, n.Constraint, n.Let, n.Grades)


@attrs.frozen
class Linked:
    """A linked tree and every file it was made of (the top file first)."""

    tree: n.RulesetFile
    sources: tuple[Source, ...]
    bases: tuple[str, ...] = ()  # ids of the bases, nearest first


def link(tree: n.RulesetFile, filename: str, text: str, loader: Loader | None) -> Linked:
    """Resolve ``extends`` and ``import`` and apply the changes; raise :class:`CriteriaError`."""
    return _Linker(loader).link(tree, filename, text, ())


class _Linker:
    def __init__(self, loader: Loader | None) -> None:
        self.loader = loader
        self.sources: dict[str, Source] = {}

    def _loader(self, where: n.Span) -> Loader:
        if self.loader is None:
            raise CriteriaError(
                [Diagnostic("PR701", "this file refers to other files, but nothing to find them with was given", where.file, where)]
            )
        return self.loader

    def link(self, tree: n.RulesetFile, filename: str, text: str, chain: tuple[str, ...]) -> Linked:
        self.sources.setdefault(filename, Source(filename, text))
        chain = (*chain, filename)
        decls = tree.declarations
        header = next((d for d in decls if isinstance(d, n.Header)), None)
        problems: list[Diagnostic] = []
        bases: tuple[str, ...] = ()
        base_decls: list[n.Declaration] = []
        if header is not None and header.extends is not None:
            base = self._follow(header.extends, chain, header)
            linked = self.link(base.tree, base.filename, base.text, chain)
            bases = (base.ruleset_id, *linked.bases)
            # the base's examples and properties describe the base: a child states its own
            base_decls = [d for d in linked.tree.declarations if not isinstance(d, _TESTS)]
            if base.header.kind == "library":
                problems.append(
                    self._problem(
                        "PR718",
                        f"`{base.ruleset_id}` is a library of shared definitions, not a ruleset to extend",
                        header.extends.span,
                        f'write `import "{base.ruleset_id}";` instead',
                    )
                )
            elif header.extends.on is None:  # a pinned base is taken as it stood that day, on purpose
                problems.extend(self._periods(header, base))
        elif any(isinstance(d, _EXTENSION) for d in decls):
            first = next(d for d in decls if isinstance(d, _EXTENSION))
            problems.append(
                self._problem(
                    "PR710",
                    f"`{_verb(first)}` changes a base, but this file extends none",
                    first.span,
                    'add `extends "vn/..." ;` to the header, or declare the thing here directly',
                )
            )

        imported: list[n.Declaration] = []
        for imp in (d for d in decls if isinstance(d, n.Import)):
            imported.extend(self._import(imp, chain, problems))

        merged = _Tree(base_decls, problems)
        if header is not None:
            merged.header(header)
        own = [d for d in decls if d is not header and not isinstance(d, (n.Import, *_EXTENSION))]
        if base_decls:
            merged.replace_blocks(own)
        else:
            merged.decls.extend(own)
        for decl in decls:
            if isinstance(decl, n.Change):
                merged.change(decl)
            elif isinstance(decl, n.Remove):
                merged.remove(decl)
            elif isinstance(decl, n.Add):
                merged.add(decl)
            elif isinstance(decl, n.SetParameter):
                merged.set(decl)
        if problems:
            raise CriteriaError(problems, self.sources.values())
        result = n.RulesetFile(tuple(merged.decls[:1] + imported + merged.decls[1:]), tree.span)
        return Linked(result, tuple(self.sources.values()), bases)

    # ------------------------------------------------------------ references
    def _follow(self, ref: n.Reference, chain: tuple[str, ...], header: n.Header) -> Version:
        loader = self._loader(ref.span)
        if len(chain) >= MAX_CHAIN:
            raise CriteriaError(
                [self._problem("PR720", f"more than {MAX_CHAIN} files extend one another here", ref.span)],
                self.sources.values(),
            )
        on = ref.on or header.effective_from
        versions = loader.versions(ref.ruleset_id, ref.span)
        if ref.on is None and header.effective_from is None and len(versions) > 1:
            raise CriteriaError(
                [
                    self._problem(
                        "PR707",
                        f"`{ref.ruleset_id}` has {len(versions)} versions and this file says no date to choose one",
                        ref.span,
                        f'add `effective from ...;` to the header, or pin one: `extends "{ref.ruleset_id}" on 2025-12-31;`',
                    )
                ],
                self.sources.values(),
            )
        purpose = "" if ref.on else " (the day this file takes effect)"
        version = loader.pick(ref.ruleset_id, on if len(versions) > 1 or ref.on else None, ref.span, purpose=purpose)
        if version.filename in chain:
            names = " → ".join([*chain[chain.index(version.filename) :], version.filename])
            raise CriteriaError(
                [
                    self._problem(
                        "PR704", f"files extend one another in a circle: {names}", ref.span, "a base cannot extend its own child"
                    )
                ],
                self.sources.values(),
            )
        self.sources.setdefault(version.filename, Source(version.filename, version.text))
        return version

    def _periods(self, header: n.Header, base: Version) -> list[Diagnostic]:
        start, end = header.effective_from, header.effective_to
        if start is None:
            return []
        outside = (base.effective_from is not None and start < base.effective_from) or (
            base.effective_to is not None and (end is None or end > base.effective_to)
        )
        if not outside:
            return []
        mine = f"{start.isoformat()} to {end.isoformat() if end else 'no end'}"
        return [
            self._problem(
                "PR716",
                f"this file is in force {mine}, but the version of `{base.ruleset_id}` it extends is in force {base.period}",
                header.span,
                "end this file when its base ends, and write a new version for the base's next version",
            )
        ]

    def _import(self, imp: n.Import, chain: tuple[str, ...], problems: list[Diagnostic]) -> list[n.Declaration]:
        loader = self._loader(imp.source.span)
        version = loader.pick(imp.source.ruleset_id, imp.source.on, imp.source.span)
        if version.filename in chain:
            names = " → ".join([*chain[chain.index(version.filename) :], version.filename])
            raise CriteriaError(
                [self._problem("PR704", f"files import one another in a circle: {names}", imp.span)], self.sources.values()
            )
        self.sources.setdefault(version.filename, Source(version.filename, version.text))
        if version.header.kind != "library":
            problems.append(
                self._problem(
                    "PR717",
                    f"`{version.ruleset_id}` is a ruleset, not a library: only a `library` file can be imported",
                    imp.source.span,
                    f'to build on the ruleset, write `extends "{version.ruleset_id}";` in the header',
                )
            )
            return []
        linked = self.link(version.tree, version.filename, version.text, chain)
        shared: list[n.Declaration] = [d for d in linked.tree.declarations if isinstance(d, _SHARED)]
        if not imp.names:
            return shared
        named = {_name(d): d for d in shared if _name(d) is not None}
        chosen: list[n.Declaration] = []
        for name in imp.names:
            if name.name not in named:
                problems.append(
                    self._problem(
                        "PR717",
                        f"the library `{version.ruleset_id}` declares no input, value, parameter or level scale `{name.name}`",
                        name.span,
                        did_you_mean(name.name, [k for k in named if k]),
                    )
                )
            else:
                chosen.append(named[name.name])
        # a constraint comes along when everything it speaks of does
        known = {d.name for d in chosen if isinstance(d, (n.Input, n.Let))} | {
            m.name for d in chosen if isinstance(d, n.Levels) for m in d.members
        }
        for decl in shared:
            if isinstance(decl, n.Constraint):
                used = {e.name for e in walk(decl.condition) if isinstance(e, n.Name)}
                if used <= known:
                    chosen.append(decl)
        return chosen

    @staticmethod
    def _problem(
        code: str, message: str, span: n.Span, hint: str | None = None, related: tuple[Related, ...] = ()
    ) -> Diagnostic:
        return Diagnostic(code, message, span.file or "<string>", _here(span), hint, related=related)


def _name(decl: n.Declaration) -> str | None:
    return decl.name if isinstance(decl, (n.Input, n.Levels, n.Let)) else None


def _verb(decl: n.Declaration) -> str:
    return {n.Change: "change", n.Add: "add", n.Remove: "remove", n.SetParameter: "set"}.get(type(decl), "")


def _here(span: n.Span) -> n.Span:
    """A span to point at: one without a line (a whole file) points at the file's start."""
    return span if span.line else n.Span(1, 1, 1, 2, span.file)


def _lock(lock_span: n.Span) -> Related:
    """Where the base locks a part: a note of the diagnostic about the change, in the base."""
    return Related("locked here", lock_span.file or "<string>", _here(lock_span))


class _Tree:
    """The declarations of a base, changed in place by a child's statements."""

    def __init__(self, decls: Sequence[n.Declaration], problems: list[Diagnostic]) -> None:
        self.decls: list[n.Declaration] = list(decls)
        self.problems = problems

    def error(
        self, code: str, message: str, span: n.Span, hint: str | None = None, related: tuple[Related, ...] = ()
    ) -> None:
        self.problems.append(_Linker._problem(code, message, span, hint, related))

    # ------------------------------------------------------------ lookups
    def _root(self) -> n.CriteriaTree | None:
        return next((d for d in self.decls if isinstance(d, n.CriteriaTree)), None)

    def _replace_decl(self, old: Any, new: Any) -> None:
        self.decls[next(i for i, d in enumerate(self.decls) if d is old)] = new

    def _criteria_path(self, name: str) -> list[n.Criterion] | None:
        """The criterion named ``name`` with its ancestors, outermost first."""
        root = self._root()
        if root is None:
            return None
        stack: list[tuple[n.Criterion, list[n.Criterion]]] = [(c, []) for c in root.children]
        while stack:
            node, ancestors = stack.pop()
            if node.name == name:
                return [*ancestors, node]
            stack.extend((child, [*ancestors, node]) for child in node.children)
        return None

    def _criteria_names(self) -> list[str]:
        root = self._root()
        names: list[str] = []
        stack = list(root.children) if root else []
        while stack:
            node = stack.pop()
            names.append(node.name)
            stack.extend(node.children)
        return names

    def _rewrite(self, name: str, build: Callable[[n.Criterion], n.Criterion | None]) -> None:
        """Replace (or, when ``build`` gives None, remove) one criterion anywhere in the tree."""
        root = self._root()
        assert root is not None

        def visit(nodes: tuple[n.Criterion, ...]) -> tuple[n.Criterion, ...]:
            out: list[n.Criterion] = []
            for node in nodes:
                if node.name == name:
                    new = build(node)
                    if new is not None:
                        out.append(new)
                else:
                    out.append(attrs.evolve(node, children=visit(node.children)) if node.children else node)
            return tuple(out)

        self._replace_decl(root, attrs.evolve(root, children=visit(root.children)))

    def _adjustments(self, kind: str) -> n.Adjustments | None:
        return next((d for d in self.decls if isinstance(d, n.Adjustments) and d.kind == kind), None)

    def _grades(self) -> n.Grades | None:
        return next((d for d in self.decls if isinstance(d, n.Grades)), None)

    def _rules(self) -> list[n.Knockout]:
        return [d for d in self.decls if isinstance(d, n.Knockout)]

    def _inputs(self) -> list[n.Input]:
        return [d for d in self.decls if isinstance(d, n.Input)]

    def _missing(self, what: str, name: n.Name | str, span: n.Span, known: Iterable[str]) -> None:
        text = name.name if isinstance(name, n.Name) else name
        self.error("PR711", f"the base has no {what} `{text}`", span, did_you_mean(text, known))

    # ------------------------------------------------------------ header and whole blocks
    def header(self, child: n.Header) -> None:
        base = next((d for d in self.decls if isinstance(d, n.Header)), None)
        if base is None:
            self.decls.insert(0, child)
            return
        merged = attrs.evolve(
            child,
            basis=child.basis if child.basis is not None else base.basis,
            status=child.status if child.status is not None else base.status,
            status_note=child.status_note if child.status is not None else base.status_note,
        )
        self.decls.remove(base)
        self.decls.insert(0, merged)

    def replace_blocks(self, own: Sequence[n.Declaration]) -> None:
        """A child's own declarations; a whole `criteria`, `grades`, `deductions` or `bonuses`
        block replaces the base's, unless the base locks something in it."""
        base = set(map(id, self.decls))
        for decl in own:
            old: n.Declaration | None = None
            if isinstance(decl, n.CriteriaTree):
                old = self._root()
                if old is not None:
                    self._whole_block_locks(old, decl.span)
            elif isinstance(decl, n.Grades):
                old = self._grades()
                if old is not None:
                    for grade in old.grades:
                        if grade.lock:
                            self._locked(f"grade `{grade.name}`", grade, decl.span)
            elif isinstance(decl, n.Adjustments):
                old = self._adjustments(decl.kind)
                if old is not None:
                    for adj in old.items:
                        if adj.lock:
                            self._locked(f"{adj.kind} `{adj.name}`", adj, decl.span)
            elif isinstance(decl, n.Quota):  # a quota of the base's name is restated whole
                old = next((d for d in self.decls if isinstance(d, n.Quota) and d.name == decl.name), None)
            elif isinstance(decl, n.Periods):  # so are periods
                old = next((d for d in self.decls if isinstance(d, n.Periods) and d.name == decl.name), None)
            if old is not None and id(old) in base:
                self._replace_decl(old, decl)
            else:
                self.decls.append(decl)

    def _whole_block_locks(self, root: n.CriteriaTree, span: n.Span) -> None:
        if root.lock:
            self._locked("the `criteria` block", root, span)
        stack = list(root.children)
        while stack:
            node = stack.pop()
            if node.lock:
                self._locked(f"{node.kind} `{node.name}`", node, span)
            stack.extend(node.children)

    def _locked(self, what: str, node: Any, span: n.Span, hint: str | None = None) -> None:
        hint = hint or "a province can add to a locked part's surroundings, not change it"
        self.error("PR713", f"{what} is locked by its base", span, hint, (_lock(node.span),))

    # ------------------------------------------------------------ change
    def change(self, change: n.Change) -> None:
        allowed = CHANGEABLE[change.target]
        updates = []
        for update in change.updates:
            if update.field not in allowed:
                self.error(
                    "PR719",
                    f"`change {change.target}` cannot change `{_word(update.field)}`",
                    update.span,
                    "it can change: " + ", ".join(f"`{_word(f)}`" for f in sorted(allowed)),
                )
            else:
                updates.append(update)
        target = change.target
        if target in ("item", "group"):
            self._change_criterion(change, updates)
        elif target == "criteria":
            root = self._root()
            if root is None:
                self.error("PR711", "the base has no `criteria` block", change.span)
                return
            if root.lock == "all" or (root.lock == "max" and any(u.field == "max" for u in updates)):
                self._locked("the `criteria` block" + (" maximum" if root.lock == "max" else ""), root, change.span)
                return
            self._replace_decl(root, _apply(root, updates))
        elif target in ("deductions", "bonuses"):
            block = self._adjustments(target)
            if block is None:
                self.error("PR711", f"the base has no `{target}` block", change.span, f"declare a `{target}` block instead")
                return
            self._replace_decl(block, _apply(block, updates))
        else:  # a grade, a knock-out or not-graded rule, a deduction or bonus, an input
            assert change.name is not None
            node = self._member(target, change.name, change.span)
            if node is not None:
                self._replace_member(target, node, self._grade_updates(node, updates) if target == "grade" else _apply(node, updates))

    def _change_criterion(self, change: n.Change, updates: list[n.Update]) -> None:
        assert change.name is not None
        path = self._criteria_path(change.name)
        if path is None:
            self._missing("criterion", change.name, change.span, self._criteria_names())
            return
        node = path[-1]
        if node.kind != change.target:
            self.error(
                "PR712",
                f"`{node.name}` is {'an item' if node.kind == 'item' else 'a group'} in the base, not {'an item' if change.target == 'item' else 'a group'}",
                change.span,
                f"write `change {node.kind} {node.name}`",
            )
            return
        if not self._may_change(path, change.span, changes_max=any(u.field == "max" for u in updates)):
            return
        self._rewrite(node.name, lambda old: _apply(old, updates))

    def _may_change(self, path: list[n.Criterion], span: n.Span, *, changes_max: bool, removes: bool = False) -> bool:
        node = path[-1]
        for ancestor in path[:-1]:
            if ancestor.lock == "all":
                self._locked(f"{node.kind} `{node.name}` is inside group `{ancestor.name}`, which", ancestor, span)
                return False
        if node.lock == "all" or (node.lock == "max" and (changes_max or removes)):
            part = " maximum" if node.lock == "max" and not removes else ""
            self._locked(f"{node.kind} `{node.name}`{part}", node, span)
            return False
        return True

    def _grade_updates(self, grade: n.Grade, updates: list[n.Update]) -> n.Grade:
        """`require` adds a requirement or replaces the one with its label; `drop require` removes one."""
        requirements = list(grade.requirements)
        plain = []
        for update in updates:
            if update.field == "require":
                new: n.Requirement = update.value
                same = [i for i, r in enumerate(requirements) if r.label == new.label]
                if same:
                    requirements[same[0]] = new
                else:
                    requirements.append(new)
            elif update.field == "drop":
                same = [i for i, r in enumerate(requirements) if r.label == update.value]
                if not same:
                    self.error(
                        "PR711",
                        f'grade `{grade.name}` has no requirement "{update.value}"',
                        update.span,
                        did_you_mean(update.value, [r.label for r in requirements]),
                    )
                else:
                    del requirements[same[0]]
            else:
                plain.append(update)
        changed: n.Grade = attrs.evolve(_apply(grade, plain), requirements=tuple(requirements))
        return changed

    def _members(self, target: str) -> list[Any]:
        """The grades, rules, adjustments or inputs a `change` or `remove` of ``target`` chooses from."""
        if target == "grade":
            grades = self._grades()
            return list(grades.grades) if grades else []
        if target in ("knockout", "not_graded"):
            kind = "knockout" if target == "knockout" else "exemption"
            return [r for r in self._rules() if r.kind == kind]
        if target in ("deduction", "bonus"):
            block = self._adjustments(_block_of(target))
            return list(block.items) if block else []
        return self._inputs()

    def _member(self, target: str, name: str, span: n.Span) -> Any | None:
        """The one named, or None once it is said why it cannot be changed (missing, locked)."""
        found: dict[str, Any] = {}
        for m in self._members(target):  # the base's first: `remove input x; input x ...` replaces x
            found.setdefault(m.name, m)
        if name not in found:
            self._missing(target, name, span, found)
            return None
        if getattr(found[name], "lock", None):
            self._locked(f"{target} `{name}`", found[name], span)
            return None
        return found[name]

    def _replace_member(self, target: str, old: Any, new: Any | None) -> None:
        """Put ``new`` where ``old`` stands (None: take it out)."""
        if target == "grade":
            grades = self._grades()
            assert grades is not None
            grade_list = [new if g is old else g for g in grades.grades]
            self._replace_decl(grades, attrs.evolve(grades, grades=tuple(g for g in grade_list if g is not None)))
        elif target in ("deduction", "bonus"):
            block = self._adjustments(_block_of(target))
            assert block is not None
            items = [new if a is old else a for a in block.items]
            self._replace_decl(block, attrs.evolve(block, items=tuple(a for a in items if a is not None)))
        elif new is None:
            self.decls.remove(old)
        else:
            self._replace_decl(old, new)

    # ------------------------------------------------------------ remove
    def remove(self, remove: n.Remove) -> None:
        target, name, span = remove.target, remove.name, remove.span
        if target in ("item", "group"):
            path = self._criteria_path(name.name)
            if path is None:
                self._missing("criterion", name, name.span, self._criteria_names())
                return
            if path[-1].kind != target:
                self.error("PR712", f"`{name.name}` is a {path[-1].kind} in the base", name.span, f"write `remove {path[-1].kind} {name.name};`")
                return
            if self._may_change(path, span, changes_max=False, removes=True):
                self._rewrite(name.name, lambda old: None)
        elif target == "quota":
            quotas = {d.name: d for d in self.decls if isinstance(d, n.Quota)}
            if name.name in quotas:
                self.decls.remove(quotas[name.name])
            else:
                self._missing("quota", name, name.span, quotas)
        else:
            node = self._member(target, name.name, name.span)
            if node is None:
                return
            self._replace_member(target, node, None)
            if target == "input":  # its constraints go with it: they could only fail to check without it
                for constraint in [d for d in self.decls if isinstance(d, n.Constraint)]:
                    if any(isinstance(e, n.Name) and e.name == name.name for e in walk(constraint.condition)):
                        self.decls.remove(constraint)

    # ------------------------------------------------------------ add
    def add(self, add: n.Add) -> None:
        node = add.node
        if isinstance(node, n.Criterion):
            self._add_criterion(add, node)
        elif isinstance(node, n.Adjustment):
            kind = _block_of(node.kind)
            block = self._adjustments(kind)
            if block is None:
                self.error("PR711", f"the base has no `{kind}` block to add to", add.span, f"declare a `{kind}` block instead")
                return
            items = _placed(list(block.items), node, add, self)
            if items is not None:
                self._replace_decl(block, attrs.evolve(block, items=tuple(items)))
        elif isinstance(node, n.Grade):
            grades = self._grades()
            if grades is None:
                self.error("PR711", "the base has no `grades` block to add to", add.span, "declare a `grades` block instead")
                return
            if add.placement == "in":
                self.error("PR715", "a grade is placed `before` or `after` another grade", add.span)
                return
            placed = _placed(list(grades.grades), node, add, self)
            if placed is not None:
                self._replace_decl(grades, attrs.evolve(grades, grades=tuple(placed)))

    def _add_criterion(self, add: n.Add, node: n.Criterion) -> None:
        root = self._root()
        if root is None:
            self.error("PR711", "the base has no `criteria` block to add to", add.span)
            return
        if add.anchor is None:
            if root.lock == "all":
                self._locked("the `criteria` block", root, add.span)
                return
            self._replace_decl(root, attrs.evolve(root, children=(*root.children, node)))
            return
        path = self._criteria_path(add.anchor.name)
        if path is None:
            self._missing("criterion", add.anchor, add.anchor.span, self._criteria_names())
            return
        anchor = path[-1]
        if add.placement == "in":
            if anchor.kind != "group":
                self.error("PR715", f"`{anchor.name}` is an item; criteria are added `in` a group", add.anchor.span)
                return
            if any(p.lock == "all" for p in path):
                self._locked(f"group `{anchor.name}`", next(p for p in path if p.lock == "all"), add.span)
                return
            self._rewrite(anchor.name, lambda g: attrs.evolve(g, children=(*g.children, node)))
            return
        parents = path[:-1]
        if any(p.lock == "all" for p in parents) or (not parents and root.lock == "all"):
            locked_by = next((p for p in parents if p.lock == "all"), root)
            self._locked(f"where `{anchor.name}` stands", locked_by, add.span)
            return

        def insert(children: tuple[n.Criterion, ...]) -> tuple[n.Criterion, ...]:
            placed = _placed(list(children), node, add, self)
            return tuple(placed) if placed is not None else children

        if parents:
            self._rewrite(parents[-1].name, lambda g: attrs.evolve(g, children=insert(g.children)))
        else:
            self._replace_decl(root, attrs.evolve(root, children=insert(root.children)))

    # ------------------------------------------------------------ set
    def set(self, setting: n.SetParameter) -> None:
        lets = {d.name: d for d in self.decls if isinstance(d, n.Let)}
        params = [name for name, d in lets.items() if d.parameter]
        let = lets.get(setting.name)
        if let is None or not let.parameter:
            why = "a named value computed by the base" if let is not None else "not declared by the base"
            self.error(
                "PR714",
                f"`{setting.name}` is {why}: only a `param` can be set",
                setting.span,
                did_you_mean(setting.name, params) or ("parameters: " + ", ".join(f"`{p}`" for p in params) if params else None),
            )
            return
        old, new = let.value, setting.value
        if _literal_kind(old) != _literal_kind(new):
            self.error(
                "PR714",
                f"`{setting.name}` is {_literal_kind(old)} in the base; it cannot be set to {_literal_kind(new)}",
                new.span,
            )
            return
        self._replace_decl(let, attrs.evolve(let, value=new))


def _placed(siblings: list[Any], node: Any, add: n.Add, tree: _Tree) -> list[Any] | None:
    """``siblings`` with ``node`` placed as ``add`` says (at the end without an anchor)."""
    if add.anchor is None:
        return [*siblings, node]
    names = [s.name for s in siblings]
    if add.anchor.name not in names:
        tree._missing("sibling", add.anchor, add.anchor.span, names)
        return None
    if add.placement == "in":
        tree.error("PR715", f"`{add.anchor.name}` is not a group; write `before` or `after`", add.anchor.span)
        return None
    index = names.index(add.anchor.name) + (1 if add.placement == "after" else 0)
    return [*siblings[:index], node, *siblings[index:]]


def _block_of(kind: str) -> str:
    """The block a deduction or bonus stands in."""
    return "deductions" if kind == "deduction" else "bonuses"


def _literal_kind(value: n.Expr) -> str:
    if isinstance(value, n.Number):
        return "a percentage" if value.percent else "a number"
    if isinstance(value, n.BooleanLiteral):
        return "true or false"
    if isinstance(value, n.DateLiteral):
        return "a date"
    return "a formula"


def _word(field: str) -> str:
    return {"drop": "drop require", "lock": "locked", "action": "force/cap"}.get(field, field)


#: How a `change` statement's keyword maps onto the node's attribute.
_FIELD = {
    "label": "label",
    "max": "maximum",
    "cap": "cap",
    "points": "points",
    "level": "level",
    "applicable": "applicable",
    "status": "status",
    "band": "band",
    "else": "fallback",
    "when": "condition",
    "rescale": "rescale_places",
    "lock": "lock",
}


def _apply(node: Any, updates: Sequence[n.Update]) -> Any:
    values: dict[str, Any] = {}
    citations = [u.value for u in updates if u.field == "cite"]
    notes = [u.value for u in updates if u.field == "note"]
    if citations:
        values["citations"] = tuple(citations)
    if notes:
        values["notes"] = tuple(notes)
    for update in updates:
        if update.field == "action":
            values["action"], values["grade"] = update.value
        elif update.field in _FIELD:
            values[_FIELD[update.field]] = update.value
    return attrs.evolve(node, **values)


