"""Two versions of the rules on one data set: what the API's ``/api/diff`` answers.

The comparison is :mod:`partyrules.diff`'s, the one ``partyrules diff`` prints: :func:`~partyrules.diff.compare`
for the rules, :func:`~partyrules.diff.impact` for the organisations, scored under both without the
quotas (as ``partyrules diff --data`` does). Here it is cut into slices of rows, so that a request
past its time limit stops between two slices, and its outcome is told as JSON data or as CSV.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from partyrules import data, diff, serialize
from partyrules.runtime import InputSpec, Ruleset
from partyrules.server.service import Checkpoint, read_upload, ruleset_ref

#: rows scored under both rulesets between two looks at the deadline
SLICE = 256
#: the columns of the CSV download, one organisation a line
CSV_HEADER = ("row", "id", "old_total", "new_total", "delta", "old_grade", "new_grade", "grade_changed")


@attrs.frozen
class Comparison:
    """Two rulesets, their differences, and (given a data set) what they do to its organisations."""

    old: Ruleset
    new: Ruleset
    differences: tuple[diff.Difference, ...]
    impact: diff.Impact | None = None
    unread: tuple[data.BadRow, ...] = ()  # rows of the file that could not be read for either side

    def data(self) -> dict[str, Any]:
        """As JSON data: both rulesets, every difference and, with a data set, the counts and every organisation."""
        out: dict[str, Any] = {
            "old": ruleset_ref(self.old),
            "new": ruleset_ref(self.new),
            "differences": [
                {"subject": d.subject, "what": d.what, "old": d.old, "new": d.new, "text": d.text()}
                for d in self.differences
            ],
        }
        if self.impact is not None:
            out.update(self._impact_data(self.impact))
        return out

    def _impact_data(self, impact: diff.Impact) -> dict[str, Any]:
        labels = {g.id: g.label for g in (*self.old.grades, *self.new.grades)}
        moves = Counter(_sign(m.delta) for m in impact.scored_both)
        rejected = [{"row": b.number, "id": b.id, "side": "file", "message": _problems(b)} for b in self.unread]
        rejected += [{"row": r, "id": i, "side": why.split(":", 1)[0], "message": why} for r, i, why in impact.rejected]
        return {
            "rows": impact.scored + len(rejected),
            "scored": impact.scored,
            "grade_changed": len(impact.changed),
            "higher": moves["higher"],
            "lower": moves["lower"],
            "same": moves["same"],
            "transitions": [
                {
                    "from": a,
                    "from_label": labels.get(a or "", "không xếp loại"),
                    "to": b,
                    "to_label": labels.get(b or "", "không xếp loại"),
                    "count": count,
                }
                for (a, b), count in impact.transitions.items()
            ],
            "organisations": [
                {
                    "row": m.number,
                    "id": m.id,
                    "old_total": serialize.json_default(m.old_total),
                    "new_total": serialize.json_default(m.new_total),
                    "delta": serialize.json_default(m.delta),
                    "old_grade": m.old_grade,
                    "new_grade": m.new_grade,
                    "grade_changed": m.old_grade != m.new_grade,
                }
                for m in impact.scored_both
            ],
            "rejected": sorted(rejected, key=lambda r: r["row"]),
        }

    def csv(self) -> bytes:
        """Every organisation scored under both, one a line (``CSV_HEADER``), written as results CSVs are."""
        assert self.impact is not None
        stream = io.StringIO(newline="")
        rows = (
            (
                str(m.number),
                m.id,
                m.old_total,
                m.new_total,
                m.delta,
                m.old_grade or "",
                m.new_grade or "",
                "true" if m.old_grade != m.new_grade else "false",
            )
            for m in self.impact.scored_both
        )
        data.csv_table(stream, CSV_HEADER, rows)
        return stream.getvalue().encode("utf-8")


def compare(
    old: Ruleset,
    new: Ruleset,
    upload: tuple[str, bytes] | None = None,
    options: Mapping[str, Any] | None = None,
    deadline: Checkpoint | None = None,
) -> Comparison:
    """The differences of two rulesets and, given an upload (its name and bytes), their impact on its rows."""
    differences = tuple(diff.compare(old, new))
    if upload is None:
        return Comparison(old, new, differences)
    name, content = upload
    table = read_upload(name, content, _inputs_of_both(old, new), options or {})
    rows = [(r.number, r.id, r.facts) for r in table.rows if isinstance(r, data.Row)]
    unread = tuple(r for r in table.rows if isinstance(r, data.BadRow))
    slices = []
    for start in range(0, len(rows), SLICE):
        if deadline is not None:
            deadline.check("scoring under both", start, len(rows))
        slices.append(diff.impact(old, new, rows[start : start + SLICE]))
    return Comparison(old, new, differences, _joined(slices), unread)


def _inputs_of_both(old: Ruleset, new: Ruleset) -> Sequence[InputSpec]:
    """Every input either side uses (the new side's first), so every column either needs is read."""
    return list({i.name: i for i in (*new.inputs, *old.inputs)}.values())


def _joined(slices: Sequence[diff.Impact]) -> diff.Impact:
    transitions: Counter[tuple[str | None, str | None]] = Counter()
    for part in slices:
        transitions.update(part.transitions)
    return diff.Impact(
        sum(p.scored for p in slices),
        dict(sorted(transitions.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1])))),
        tuple(m for p in slices for m in p.changed),
        tuple(r for p in slices for r in p.rejected),
        tuple(m for p in slices for m in p.scored_both),
    )


def _sign(delta: Decimal) -> str:
    return "higher" if delta > 0 else "lower" if delta < 0 else "same"


def _problems(row: data.BadRow) -> str:
    return "; ".join(f"{p.input}: {p.message}" for p in row.problems)
