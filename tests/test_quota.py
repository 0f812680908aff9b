"""Quotas (rules across organisations), rankings and "what would it take"."""

from __future__ import annotations

import datetime
import json
import random
from decimal import Decimal
from pathlib import Path

import pytest

import partyrules
from partyrules import cli, serialize
from partyrules.quota import Placement, QuotaError, allowed_count
from partyrules.ranking import rank, what_it_takes
from shipped_cache import shipped

HEAD = """
ruleset "demo/q" {
  title "Q"; version "1"; basis "b"; effective from 2024-01-01; points illustrative;
}
input score "Điểm": integer 0..100;
input district "Huyện": one of { a "A", b "B" };
input extra "Vượt mức": integer 0..10 = 0;
input size "Quy mô": decimal 0..10;
criteria "C" max 100 {
  item diem "Điểm" max 100 { points = score; }
}
grades {
  grade xs "Xuất sắc" { band from 90; }
  grade tot "Tốt" { band from 70 below 90; }
  grade dat "Đạt" { band from 50 below 70; }
  grade kem "Kém" { band below 50; }
}
"""


def ruleset(quota: str) -> partyrules.Ruleset:
    return partyrules.loads(HEAD + quota, "q.criteria")


QUOTA = """
quota top "Xuất sắc không quá 20% số Tốt" {
  cite "QĐ 124";
  grade xs at most 20% of tot;
  within district;
  order by total desc, extra desc;
}
"""


def batch(r: partyrules.Ruleset, scores: list[tuple[int, str] | tuple[int, str, int]]) -> list[tuple[str, object]]:
    rows = []
    for i, entry in enumerate(scores):
        score, district = entry[0], entry[1]
        extra = entry[2] if len(entry) == 3 else 0
        rows.append((f"o{i:02}", r.evaluate({"score": score, "district": district, "extra": extra, "size": 1})))
    return rows


def grades(placements: tuple[Placement, ...]) -> list[str | None]:
    return [p.grade for p in placements]


def test_the_declaration_is_checked_and_on_the_ruleset() -> None:
    r = ruleset(QUOTA)
    (rule,) = r.quotas
    assert (rule.grade, rule.base_grades, rule.share, rule.rounding, rule.demote_to) == (
        "xs", ("tot",), Decimal("0.20"), "down", "tot"
    )
    assert [k.text for k in rule.order] == ["total desc", "extra desc"]


def test_floor_demotes_the_lowest_and_explains_it() -> None:
    r = ruleset(QUOTA)
    # 3 candidates, 5 others at `tot`: keeping k needs k <= floor(0.2 * (5 + 3 - k)): k = 1
    rows = batch(r, [(95, "a"), (93, "a"), (91, "a"), *[(80, "a")] * 5])
    placed = r.apply_quotas(rows)
    assert grades(placed) == ["xs", "tot", "tot", *["tot"] * 5]
    d = placed[2].demotions[0]
    assert (d.rank, d.candidates, d.allowed, d.base, d.from_grade, d.to_grade, d.group) == (3, 3, 1, 7, "xs", "tot", "a")
    assert placed[2].grade_before == "xs" and placed[0].demotions == ()
    text = placed[2].explain()
    assert "Hạn mức: Xuất sắc không quá 20% số Tốt [top]" in text
    assert "đứng thứ 3/3" in text and "làm tròn xuống: 1" in text and "căn cứ: QĐ 124" in text
    assert "XẾP LOẠI: Tốt [tot] (do hạn mức; theo điểm: Xuất sắc)" in text


def test_demoted_ones_count_in_the_base_they_land_in() -> None:
    r = ruleset(QUOTA)
    # 10 candidates, 10 at `tot`: floor(0.2 * (10 + 10 - 3)) = 3 >= 3, and 4 > floor(0.2 * 16) = 3
    rows = batch(r, [*[(90 + i % 10, "a") for i in range(10)], *[(80, "a")] * 10])
    placed = r.apply_quotas(rows)
    assert sum(1 for p in placed if p.grade == "xs") == 3
    assert {p.demotions[0].allowed for p in placed if p.demoted} == {3}


def test_base_with_and_without_the_top_grade() -> None:
    scores: list[tuple[int, str] | tuple[int, str, int]] = [*[(95, "a")] * 3, *[(80, "a")] * 7]
    alone = ruleset(QUOTA).apply_quotas(batch(ruleset(QUOTA), scores))
    better_text = QUOTA.replace("of tot;", "of tot and better;")
    r = ruleset(better_text)
    better = r.apply_quotas(batch(r, scores))
    # alone: k <= floor(0.2 * (10 - k)) -> 1; and better: k <= floor(0.2 * 10) = 2
    assert sum(p.grade == "xs" for p in alone) == 1
    assert sum(p.grade == "xs" for p in better) == 2
    assert r.quotas[0].base_grades == ("xs", "tot")


@pytest.mark.parametrize(("rounding", "kept"), [("down", 1), ("up", 2), ("half_up", 2)])
def test_rounding(rounding: str, kept: int) -> None:
    # or better, 8 organisations: 0.2 * 8 = 1.6
    r = ruleset(QUOTA.replace("of tot;", f"of tot and better;\n  round {rounding};"))
    placed = r.apply_quotas(batch(r, [*[(95, "a")] * 3, *[(80, "a")] * 5]))
    assert sum(p.grade == "xs" for p in placed) == kept
    assert allowed_count(Decimal("0.2"), 7, "half_up") == 1 and allowed_count(Decimal("0.25"), 10, "half_up") == 3


def test_groups_of_one_nothing_to_demote_and_everyone_equal() -> None:
    r = ruleset(QUOTA)
    # a group of one candidate and no base: 0 allowed, demoted; group b has nothing at xs
    placed = r.apply_quotas(batch(r, [(95, "a"), (80, "b"), (60, "b")]))
    assert grades(placed) == ["tot", "tot", "dat"]
    assert placed[0].demotions[0].allowed == 0 and placed[0].demotions[0].rank == 1
    nothing = r.apply_quotas(batch(r, [(80, "a"), (60, "a")]))
    assert all(not p.demoted for p in nothing)
    # everyone equal: ids decide, and the demotion says it was a tie
    equal = r.apply_quotas(batch(r, [*[(95, "a")] * 2, *[(80, "a")] * 5]))
    assert grades(equal)[:2] == ["xs", "tot"] and equal[1].demotions[0].tied


def test_declared_tie_breaks_then_id_never_input_order() -> None:
    r = ruleset(QUOTA)
    rows = batch(r, [(95, "a", 1), (95, "a", 7), (95, "a", 3), *[(80, "a")] * 5])
    placed = {p.id: p for p in r.apply_quotas(rows)}
    assert placed["o01"].grade == "xs"  # extra 7 wins the tie on total
    assert [placed[i].demotions[0].rank for i in ("o02", "o00")] == [2, 3]
    asc = ruleset(QUOTA.replace("extra desc", "extra asc"))
    assert {p.id for p in asc.apply_quotas(batch(asc, [(95, "a", 1), (95, "a", 7), *[(80, "a")] * 5])) if p.grade == "xs"} == {
        "o00"
    }


def test_deterministic_under_shuffled_input() -> None:
    r = ruleset(QUOTA)
    rng = random.Random(6)
    rows = batch(r, [(rng.choice([88, 90, 91, 95, 100]), rng.choice("ab"), rng.randrange(3)) for _ in range(60)])
    first = {p.id: (p.grade, p.demotions) for p in r.apply_quotas(rows)}
    for _ in range(5):
        rng.shuffle(rows)
        assert {p.id: (p.grade, p.demotions) for p in r.apply_quotas(rows)} == first
    assert any(d for _, d in first.values())


def test_within_a_column_and_within_all() -> None:
    r = ruleset(QUOTA.replace("within district;", 'within column "khoi";'))
    e = [r.evaluate({"score": s, "district": "a", "size": 1}) for s in (95, 95, 80, 80, 80, 80, 80)]
    placed = r.apply_quotas([(f"x{i}", ev, {"khoi": "1" if i % 2 else "2"}) for i, ev in enumerate(e)])
    # each group has one candidate and too small a base (0.2 x 3 and 0.2 x 2 round down to 0)
    assert sorted(p.demotions[0].group or "" for p in placed if p.demoted) == ["1", "2"]
    with pytest.raises(QuotaError, match="column `khoi`"):
        r.apply_quotas([("x", e[0])])
    everyone = ruleset(QUOTA.replace("within district;", "within all;"))
    placed = everyone.apply_quotas([(f"x{i}", ev) for i, ev in enumerate(e)])
    assert [p.demotions[0].group for p in placed if p.demoted] == [None]


def test_duplicate_ids_among_candidates_are_refused() -> None:
    r = ruleset(QUOTA)
    e = r.evaluate({"score": 95, "district": "a", "size": 1})
    with pytest.raises(QuotaError, match="unique"):
        r.apply_quotas([("same", e), ("same", e)])


def test_placements_serialise_and_round_trip() -> None:
    r = ruleset(QUOTA)
    placed = r.apply_quotas(batch(r, [(95, "a"), (93, "a"), *[(80, "a")] * 4]))
    demoted = next(p for p in placed if p.demoted)
    data = serialize.unstructure(demoted)
    assert data["evaluation"]["grade"] == "tot" and data["demotions"][0]["from_grade"] == "xs"
    again = serialize.structure(json.loads(json.dumps(data)), Placement)
    assert again == demoted and again.demotions[0].share == Decimal("0.20")


@pytest.mark.parametrize(
    ("statement", "code"),
    [
        ("grade xx at most 20% of tot;", "PR251"),
        ("grade tot at most 20% of xs;", "PR252"),
        ("grade xs at most 0.2 of tot;", "PR253"),
        ("grade xs at most 120% of tot;", "PR253"),
        ("grade xs at most 20% of tot; within score;", "PR256"),
        ("grade xs at most 20% of tot; within distrct;", "PR255"),
        ("grade xs at most 20% of tot; within all; demote to xs;", "PR257"),
        ("grade xs at most 20% of tot; within all; order by nothing;", "PR258"),
        ("grade xs at most 20% of tot; within all; order by district;", "PR258"),
        ("within all;", "PR250"),
        ("grade xs at most 20% of tot;", "PR254"),
    ],
)
def test_bad_quotas_are_diagnosed_with_positions(statement: str, code: str) -> None:
    with pytest.raises(partyrules.CriteriaError) as info:
        ruleset(f'quota q "Q" {{ {statement} }}')
    assert code in {d.code for d in info.value.diagnostics}
    assert all(d.span.line > 0 for d in info.value.diagnostics)


def test_syntax_errors_and_repeats() -> None:
    with pytest.raises(partyrules.CriteriaError) as info:
        ruleset('quota q "Q" { grade xs at most 20% of tot; within all; within all; }')
    assert "PR009" in {d.code for d in info.value.diagnostics}
    with pytest.raises(partyrules.CriteriaError):
        ruleset('quota q "Q" { round sideways; }')


def test_an_extending_file_keeps_replaces_or_removes_the_base_quota(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "q.criteria").write_text(HEAD + QUOTA, encoding="utf-8")
    child = """ruleset "demo/child" { title "C"; version "1"; basis "b"; effective from 2024-01-01; points illustrative; extends "demo/q"; }\n"""

    def load(text: str) -> partyrules.Ruleset:
        return partyrules.loads(text, "c.criteria", path=[tmp_path])

    assert load(child).quotas[0].name == "top"
    replaced = load(child + QUOTA.replace("20%", "30%"))
    assert [q.share for q in replaced.quotas] == [Decimal("0.30")]
    assert load(child + "remove quota top;").quotas == ()
    with pytest.raises(partyrules.CriteriaError) as info:
        load(child + "remove quota tpo;")
    assert "PR711" in {d.code for d in info.value.diagnostics}


def test_shipped_annual_files_declare_the_quota() -> None:
    old = shipped("vn/annual-collective", on=datetime.date(2024, 12, 31))
    new = shipped("vn/annual-collective", on=datetime.date(2025, 12, 31))
    for r in (old, new):
        (rule,) = r.quotas
        assert (rule.grade, rule.base, rule.share, rule.within, rule.group, rule.rounding, rule.demote_to) == (
            "htxsnv", "httnv", Decimal("0.20"), "column", "peer_group", "down", "httnv"
        )
    assert any("unconfirmed for 366" in note for note in new.quotas[0].notes)


# ---------------------------------------------------------------- rankings


def test_rankings_share_ranks_on_ties_and_use_tie_breaks() -> None:
    r = ruleset(QUOTA)
    rows = batch(r, [(80, "a"), (95, "a"), (80, "a"), (70, "a"), (99, "b")])
    ranked = rank(r, rows, within="district")
    assert [(x.group, x.id, x.rank) for x in ranked] == [
        ("a", "o01", 1), ("a", "o00", 2), ("a", "o02", 2), ("a", "o03", 4), ("b", "o04", 1)
    ]
    broken = rank(r, batch(r, [(80, "a", 1), (80, "a", 5)]), order=["total desc", "extra desc"])
    assert [(x.id, x.rank) for x in broken] == [("o01", 1), ("o00", 2)]
    with pytest.raises(ValueError, match="neither"):
        rank(r, rows, order=["nothing"])


# ---------------------------------------------------------------- what would it take


def test_what_it_takes_on_a_small_scale() -> None:
    r = ruleset(QUOTA)
    w = what_it_takes(r, {"score": 85, "district": "a", "size": 1})
    assert (w.grade, w.target) == ("tot", "xs")
    assert w.best is not None and (w.best.input, w.best.before, w.best.after, w.best.total) == ("score", 85, 90, 90)
    assert what_it_takes(r, {"score": 95, "district": "a", "size": 1}).target is None


def test_what_it_takes_on_the_shipped_4_tot_scale() -> None:
    r = shipped("vn.hatinh/chi-bo-4-tot")
    from partyrules import data

    table = data.read(str(partyrules.data_path("hatinh-cells-2024.csv")), r.inputs)
    rows = [row for row in table.rows if isinstance(row, data.Row)][:5]
    answers = [what_it_takes(r, row.facts) for row in rows]
    # known answers: cell 2 (88 points, Khá) reaches 4 tốt with one more new member (90 points)
    second = answers[1]
    assert second.target == "bon_tot" and second.best is not None
    assert (second.best.input, second.best.before, second.best.after, second.best.total) == ("new_members", 0, 1, Decimal(90))
    assert answers[3].target is None  # already the best grade
    assert answers[4].changes == ()  # 85 points: no single input suffices
    for w in answers:
        for c in w.changes:
            assert r.evaluate({**dict(rows[answers.index(w)].facts), c.input: c.after}).grade == w.target


def test_cli_score_applies_the_quota_and_explain_what_it_takes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the commands run in this process (cli.main, as `python -m partyrules` calls it): tests/test_cli.py
    # tests the command line as a process of its own
    rules = tmp_path / "q.criteria"
    rules.write_text(HEAD + QUOTA, encoding="utf-8")
    data_file = tmp_path / "d.csv"
    lines = ["unit_id,score,district,size"] + [f"u{i},{s},a,1" for i, s in enumerate([95, 93, 80, 80, 80, 80])]
    data_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, report = tmp_path / "out.csv", tmp_path / "r.html"
    status = cli.main(["score", str(rules), str(data_file), "-o", str(out), "--report", str(report)])
    stdout, stderr = capsys.readouterr()
    assert status == 0, stderr
    assert "quota top: 1 demotion (xs → tot)" in stdout
    text = out.read_text(encoding="utf-8-sig").splitlines()
    assert "quota_demotion" in text[0]
    assert any(line.startswith("u1,") and "top: xs → tot" in line and ",tot," in line for line in text)
    page = report.read_text(encoding="utf-8")
    assert 'data-quota="top">1<' in page and "<td>u1</td>" in page
    status = cli.main(["explain", str(rules), str(data_file), "--id", "u2", "--what-it-takes"])
    stdout, stderr = capsys.readouterr()
    assert status == 0, stderr
    assert "ĐỂ ĐẠT “Xuất sắc”" in stdout and "80 → 90" in stdout
