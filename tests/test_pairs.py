"""Monotone pairs are built within the room the file's linear constraints leave an input, not filtered."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import partyrules
from partyrules import proving, testing

FILE = """\
ruleset "test/pairs" {
  title "Cặp"; version "1"; basis "kiểm thử"; effective from 2024-01-01;
  points illustrative;
}
input members "Số đảng viên": integer 1..100;
input present "Có mặt": integer 0..100;
input absent "Vắng": integer 0..100 = 0;
input speakers "Phát biểu": integer 0..100;
input done "Tỷ lệ hoàn thành": percent places 1;
input late "Tỷ lệ đến muộn": percent places 1;
constraint "a": present + absent <= members;
constraint "b": speakers <= present;
constraint "c": late + done < 100%;
criteria "Phiếu" max 10 {
  item a "Dự" max 5 { points = bands present / members { from 90%: 5; otherwise: 0; }; }
  item b "Hoàn thành" max 5 { points = bands done { from 50%: 5; otherwise: 0; }; }
}
grades { grade dat "Đạt" { band from 5; } grade kem "Kém" { band below 5; } }
"""


def test_room_is_what_the_linear_constraints_leave(write_criteria: Callable[..., Path]) -> None:
    ruleset = partyrules.load(write_criteria(FILE))
    facts = {"members": 20, "present": 12, "absent": 3, "speakers": 5, "done": Decimal(40), "late": Decimal("12.5")}
    assert testing.room(ruleset, "present", facts) == (
        Decimal(5),
        Decimal(17),
    )  # speakers <= present; present + absent <= members
    assert testing.room(ruleset, "speakers", facts) == (None, Decimal(12))
    assert testing.room(ruleset, "absent", facts) == (None, Decimal(8))
    assert testing.room(ruleset, "members", facts) == (Decimal(15), None)
    # strict, one decimal: done < 100 - 12.5, in steps of 0.1
    assert testing.room(ruleset, "done", facts) == (None, Decimal("87.4"))
    assert testing.room(ruleset, "late", {**facts, "done": Decimal(60)}) == (None, Decimal("39.9"))


def test_a_monotone_pair_is_drawn_within_the_room(write_criteria: Callable[..., Path]) -> None:
    """Every pair differs in the claim's input only, grows it and keeps every constraint (a strict one
    between percentages with one decimal too)."""
    ruleset = partyrules.load(
        write_criteria(FILE + 'property p "P" { monotone increasing in speakers; monotone increasing in done; }\n')
    )
    book = ruleset.tests
    prop = book.properties[0]
    for claim, name in zip(prop.claims, ("speakers", "done")):
        pairs = proving.sample(ruleset, book.model, prop, claim, 30)
        assert len(pairs) == 30
        for before, after in pairs:
            assert {k for k in after if after[k] != before.get(k)} == {name}
            assert after[name] > ruleset.evaluate(before).facts[name]
            ruleset.evaluate(after)  # valid: a FactsError fails the test
        if name == "speakers":  # a count: some pairs end at the top of the room (speakers == present)
            assert any(after[name] == testing.room(ruleset, name, after)[1] for _, after in pairs)


def test_the_shipped_meeting_sheet_pairs_need_few_tries(monkeypatch: pytest.MonkeyPatch) -> None:
    """hd12's `monotone increasing in speakers` (speakers <= present): 30 pairs from few tries (211 when the
    larger count was drawn freely and filtered, measured on the code before)."""
    ruleset = partyrules.load("vn/cell-meeting", on=datetime.date(2024, 1, 1))
    book = ruleset.tests
    prop = next(p for p in book.properties if p.name == "lam_tot_hon")
    claim = next(c for c in prop.claims if c.subject is not None and c.subject.name == "speakers")
    tried: list[object] = []
    valid = proving._valid

    def counted(ruleset_: partyrules.Ruleset, facts: Mapping[str, Any]) -> bool:
        tried.append(facts)
        return valid(ruleset_, facts)

    monkeypatch.setattr(proving, "_valid", counted)
    pairs = proving.sample(ruleset, book.model, prop, claim, 30)
    assert len(pairs) == 30
    assert len(tried) <= 60, len(tried)
