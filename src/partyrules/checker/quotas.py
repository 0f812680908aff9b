"""Quotas (``quota x "..." { grade a at most 20% of b; ... }``): checked against the finished model.

A quota names grades, inputs and criteria, so it is checked once the model is built (after the
scale has no error). An input read only by a quota (its groups or its order) is used, so this
pass also withdraws the "never used" warning (PR901) the names pass gave it: it runs after it.
Applying quotas over a batch is :mod:`partyrules.quota`'s, at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import attrs

from partyrules import nodes as n
from partyrules.checker.state import State
from partyrules.diagnostics import did_you_mean
from partyrules.model import Model
from partyrules.quota import QuotaRule, SortKey

#: Input kinds that name a group: a member of a declared list, never a measured number.
CATEGORICAL = ("enum", "level", "boolean")
#: Input kinds that can order organisations.
ORDERED = ("integer", "decimal", "percent", "boolean", "date", "level")


def quotas(c: State, model: Model) -> Model | None:
    """Check the file's quotas against the finished model; the model with them, or None after an error."""
    quotas = [d for d in model.file.declarations if isinstance(d, n.Quota)]
    if not quotas:
        return model
    before = len(c.problems)
    checker = _Quotas(c, model)
    checked = [checker.quota(q) for q in quotas]
    seen: dict[str, n.Span] = {}
    for q in quotas:
        if q.name in seen:
            c.error("PR259", f"two quotas are named `{q.name}`", q.span, "rename one of them")
        seen[q.name] = q.span
    if any(p.severity == "error" for p in c.problems[before:]):
        return None
    rules = tuple(r for r in checked if r is not None)  # a quota not made was reported
    # an input read only by a quota is used: drop the checker's "never used" warning for it
    used = {r.group for r in rules if r.within == "input"} | {
        k.name for r in rules for k in r.order if k.kind == "input"
    }
    c.problems[:] = [p for p in c.problems if not (p.code == "PR901" and any(f"`{u}`" in p.message for u in used))]
    return attrs.evolve(model, quotas=rules)


class _Quotas:
    def __init__(self, c: State, model: Model) -> None:
        self.error = c.error
        self.grades = [g.name for g in model.grades]
        self.inputs = {i.name: i for i in model.inputs}
        self.criteria = {c.name: c for c in (*model.criteria, *model.deductions, *model.bonuses)}

    def _grade(self, name: n.Name) -> int | None:
        if name.name in self.grades:
            return self.grades.index(name.name)
        hint = did_you_mean(name.name, self.grades) or f"the grades are {', '.join(self.grades)}"
        self.error("PR251", f"there is no grade `{name.name}`", name.span, hint)
        return None

    def quota(self, q: n.Quota) -> QuotaRule | None:
        where = f"quota `{q.name}`"
        if q.grade is None or q.share is None or q.base is None:
            self.error(
                "PR250",
                f"{where} says no limit",
                q.span,
                "add `grade <grade> at most 20% of <grade counted>;` (or `... and better;`)",
            )
            return None
        top = self._grade(q.grade)
        base = self._grade(q.base)
        if top is not None and base is not None and base <= top:
            self.error(
                "PR252",
                f"the grade counted, `{q.base.name}`, is not below the grade limited, `{q.grade.name}`",
                q.base.span,
                "a quota limits a better grade by a share of a lower one: grades are listed best first",
            )
        share = q.share
        if not share.percent:
            self.error(
                "PR253", f"the share of a quota is a percentage, not `{share.value}`", share.span, "write it as 20%"
            )
        elif not Decimal(0) < share.value <= Decimal(1):
            self.error("PR253", "the share of a quota must be above 0% and at most 100%", share.span)
        self._within(q)
        demote = top + 1 if top is not None else None
        if q.demote_to is not None:
            demote = self._grade(q.demote_to)
            if demote is not None and top is not None and demote <= top:
                self.error(
                    "PR257",
                    f"`{q.demote_to.name}` is not below the grade limited, `{q.grade.name}`",
                    q.demote_to.span,
                    "organisations beyond the quota move to a lower grade",
                )
        elif top is not None and top + 1 >= len(self.grades):
            self.error("PR257", f"`{q.grade.name}` is the lowest grade: there is nowhere to demote to", q.grade.span)
        order = self._order(q.order or (n.OrderKey(n.Name("total", q.span)),))
        if top is None or base is None or demote is None or demote >= len(self.grades):
            return None
        base_grades = tuple(self.grades[: base + 1]) if q.or_better else (self.grades[base],)
        return QuotaRule(
            name=q.name,
            label=q.label,
            grade=self.grades[top],
            share=share.value,
            base=self.grades[base],
            or_better=q.or_better,
            base_grades=base_grades,
            within=q.within or "all",
            group=q.group.name if q.group is not None else None,
            rounding=q.rounding or "down",
            demote_to=self.grades[demote],
            order=order,
            citations=q.citations,
            notes=q.notes,
        )

    def _within(self, q: n.Quota) -> None:
        """The groups a quota counts within: an input whose values name them, a data column, or all."""
        if q.within is None:
            self.error(
                "PR254",
                f"quota `{q.name}` does not say within which groups it counts",
                q.span,
                'add `within <input>;`, `within column "<column>";` or `within all;`',
            )
        elif q.within == "input" and q.group is not None:
            info = self.inputs.get(q.group.name)
            if info is None:
                hint = did_you_mean(q.group.name, list(self.inputs)) or (
                    f'for a column of the data that is no input, write `within column "{q.group.name}";`'
                )
                self.error("PR255", f"there is no input `{q.group.name}`", q.group.span, hint)
            elif info.type.kind not in CATEGORICAL:
                self.error(
                    "PR256",
                    f"input `{q.group.name}` is a {info.type.kind}, and groups are named by a list of values",
                    q.group.span,
                    "group by an input declared `one of { ... }` (or a level), or by a data column: "
                    f'`within column "{q.group.name}";`',
                )
        elif q.within == "column" and q.group is not None and not q.group.name.strip():
            self.error("PR255", "the column of a quota's groups has no name", q.group.span)

    def _order(self, keys: Sequence[n.OrderKey]) -> tuple[SortKey, ...]:
        out: list[SortKey] = []
        seen: set[str] = set()
        for key in keys:
            name = key.name.name
            if name in seen:
                self.error("PR258", f"`{name}` is in the order twice", key.name.span, "keep one")
                continue
            seen.add(name)
            if name == "total":
                out.append(SortKey("total", name, key.descending))
            elif name in self.inputs:
                info = self.inputs[name]
                if info.type.kind not in ORDERED:
                    self.error(
                        "PR258",
                        f"input `{name}` is a {info.type.kind}: its values have no order",
                        key.name.span,
                        "order by numbers, levels, booleans or dates",
                    )
                    continue
                members = info.type.members if info.type.kind == "level" else ()
                out.append(SortKey("input", name, key.descending, tuple(members)))
            elif name in self.criteria:
                c = self.criteria[name]
                if c.maximum is not None:
                    out.append(SortKey("points", name, key.descending))
                elif c.level_type is not None:
                    out.append(SortKey("level", name, key.descending, tuple(c.level_type.members)))
                else:
                    self.error("PR258", f"criterion `{name}` has neither points nor a level", key.name.span)
            else:
                known = ["total", *self.inputs, *self.criteria]
                hint = did_you_mean(name, known) or "order by `total`, an input or a criterion"
                self.error("PR258", f"`{name}` is neither `total`, an input nor a criterion", key.name.span, hint)
        return tuple(out)
