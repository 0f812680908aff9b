"""JSON Schemas of facts and evaluations: drawn facts and their evaluations validate; bad documents do not."""

from __future__ import annotations

import copy
import functools
import json
import re
from typing import Any

import pytest
from hypothesis import given, strategies as st

jsonschema = pytest.importorskip("jsonschema")

import partyrules  # noqa: E402
from partyrules import cli, serialize  # noqa: E402
from partyrules.schema import evaluation_schema, inputs_schema  # noqa: E402
from partyrules.testing import facts  # noqa: E402
from shipped_cache import shipped, shipped_ids  # noqa: E402

SHIPPED = shipped_ids()

# Kinds the shipped files do not use: a level input, a date range, negative decimals, percent places.
DEMO_TEXT = """
ruleset "vn.vidu/schema-demo" { title "Ví dụ lược đồ"; version "1"; basis "Ví dụ"; effective from 2025-01-01; points illustrative; }
levels muc "Mức" { tot "Tốt", dat "Đạt", chua_dat }
input rate "Tỷ lệ hoàn thành": percent 10%..90% places 1 = 50%;
input balance "Chênh lệch": decimal -1.5..2.25 places 2 = 1;
input founded "Ngày thành lập": date 2020-01-01..2030-12-31 = 2021-06-01;
input quality "Mức tự đánh giá": level muc = dat;
input times "Số lần": integer;
input free "Số tự do": decimal;
criteria "Tiêu chí" max 10 {
  item x "Mục" max 10 {
    points = if rate > 50% and balance > 0 and founded > 2021-01-01 and times > 0 and free > 0 then 10 else 0;
    level = quality;
  }
}
grades { grade g "Đạt" { band any; } }
"""


@functools.cache
def ruleset(rid: str) -> partyrules.Ruleset:
    return partyrules.loads(DEMO_TEXT, "demo.criteria") if rid == "demo" else shipped(rid)


@functools.cache
def validators(rid: str) -> tuple[Any, Any]:
    r = ruleset(rid)
    out = []
    for schema in (inputs_schema(r), evaluation_schema(r)):
        jsonschema.Draft202012Validator.check_schema(schema)
        out.append(jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()))
    return out[0], out[1]


@functools.cache
def strategy(rid: str) -> Any:
    return facts(ruleset(rid))


def errors(validator: Any, document: Any) -> list[str]:
    return [e.message for e in validator.iter_errors(document)]


@pytest.mark.parametrize("rid", [*SHIPPED, "demo"])
@given(data=st.data())
def test_drawn_facts_and_their_evaluations_validate(rid: str, data: st.DataObject) -> None:
    r = ruleset(rid)
    inputs, evaluations = validators(rid)
    drawn = data.draw(strategy(rid))
    document = serialize.facts_to_data(r, drawn)
    assert errors(inputs, document) == []
    # the document is the JSON form of the facts: through JSON text and back, it scores the same
    again = serialize.facts_from_data(r, json.loads(json.dumps(document)))
    evaluation = r.evaluate(drawn)
    assert r.evaluate(again) == evaluation
    assert errors(evaluations, json.loads(json.dumps(serialize.unstructure(evaluation)))) == []


@pytest.mark.parametrize("rid", [*SHIPPED, "demo"])
def test_schema_shape(rid: str) -> None:
    r = ruleset(rid)
    schema = inputs_schema(r)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert list(schema["properties"]) == [i.name for i in r.inputs]
    assert schema["required"] == [i.name for i in r.inputs if i.required]
    json.dumps(schema)  # JSON-ready: no Decimals, no dates
    json.dumps(evaluation_schema(r))
    inputs, _ = validators(rid)
    for spec in r.inputs:
        prop = schema["properties"][spec.name]
        assert prop["title"] == spec.label
        if spec.required:
            assert "default" not in prop
        else:
            # a default is itself a valid fact, and so is null (absent: the default applies)
            with_default = {**_minimal(rid), spec.name: prop["default"]}
            assert errors(inputs, with_default) == []
            assert errors(inputs, {**_minimal(rid), spec.name: None}) == []
            assert r.evaluate(serialize.facts_from_data(r, with_default)) == r.evaluate(_minimal(rid))
        for alternative in prop.get("anyOf", [prop]):
            if "pattern" in alternative:
                re.compile(alternative["pattern"])


def test_percent_bounds_are_in_percent_units() -> None:
    prop = inputs_schema(ruleset("demo"))["properties"]["rate"]
    text, whole, null = prop["anyOf"]
    assert (text["x-minimum"], text["x-maximum"]) == ("10", "90")
    assert (whole["minimum"], whole["maximum"]) == (10, 90)
    assert null == {"type": "null"}
    assert prop["default"] == "50"
    balance = inputs_schema(ruleset("demo"))["properties"]["balance"]["anyOf"]
    assert (balance[0]["x-minimum"], balance[0]["x-maximum"], balance[1]["minimum"], balance[1]["maximum"]) == (
        "-1.5",
        "2.25",
        -1,
        2,
    )


def test_labels_of_choices_and_levels() -> None:
    hatinh = inputs_schema(ruleset("vn.hatinh/chi-bo-4-tot"))["properties"]
    assert hatinh["emulation"]["x-labels"]["bang_khen"] == "Bằng khen, cờ thi đua"
    assert "Giấy khen" in hatinh["emulation"]["description"]
    quality = inputs_schema(ruleset("demo"))["properties"]["quality"]
    assert quality["enum"] == ["tot", "dat", "chua_dat", None]
    assert quality["x-labels"] == {"tot": "Tốt", "dat": "Đạt", "chua_dat": "chua_dat"}
    founded = inputs_schema(ruleset("demo"))["properties"]["founded"]
    assert founded["format"] == "date"
    assert (founded["x-minimum"], founded["x-maximum"]) == ("2020-01-01", "2030-12-31")


def _valid(rid: str) -> dict[str, Any]:
    """A valid fact document for the ruleset (a fresh copy)."""
    return serialize.facts_to_data(ruleset(rid), VALID[rid])


def _minimal(rid: str) -> dict[str, Any]:
    """A valid fact document with only the required inputs."""
    required = {i.name for i in ruleset(rid).inputs if i.required}
    return {k: v for k, v in _valid(rid).items() if k in required}


VALID: dict[str, dict[str, Any]] = {
    "vn.hatinh/chi-bo-4-tot": {
        "district": "can_loc",
        "members": 25,
        "task_completion": "95",
        "meetings_good": 11,
        "thematic_meetings": 4,
        "attendance_rate": "92.5",
        "members_good_rate": 88,
    },
    "vn/cell-meeting": {
        "duration_minutes": 100,
        "members": 20,
        "present": 19,
        "prep_content": True,
        "prep_committee": True,
        "prep_draft_resolution": True,
        "prep_notice": True,
        "prep_materials": False,
        "steps_followed": True,
        "regular_content": True,
        "praise": True,
        "criticism": False,
        "speakers": 8,
        "self_criticism_time": True,
        "minutes_complete": True,
        "documents_shared": True,
        "chairing": "kha",
        "principles_kept": True,
        "resolution_rate": "85",
        "resolution_voted": True,
        "chair_concluded": True,
    },
    "vn/annual-collective": {
        "politics_points": "7.5",
        "democracy_points": 8,
        "organisation_points": "6.25",
        "inspection_points": "6",
        "tasks_done_rate": "96",
        "tasks_on_time_rate": "90.5",
        "subunits": 12,
    },
    "demo": {"times": 3, "free": "2.5"},
}
# provinces extending a national scale take its facts (what they add has defaults)
VALID["vn.hatinh/cell-meeting"] = VALID["vn.binhthuan/cell-meeting"] = VALID["vn/cell-meeting"]
VALID["vn.hatinh/annual-collective"] = VALID["vn/annual-collective"]
VALID["vn/grassroots-annual"] = {**VALID["vn/annual-collective"], "subunits_disciplined": 0}  # alone: a fact
VALID["vn/cell-annual"] = {
    **VALID["vn/annual-collective"],
    "members_graded": 20,
    "members_good": 18,
    "members_disciplined": 0,
}
VALID["vn/annual-member"] = {
    "politics_points": "9.5",
    "innovation_points": 8,
    "self_criticism_points": "8.25",
    "tasks_done_rate": 100,
    "tasks_on_time_rate": "97.5",
    "tasks_exceeded_rate": 20,
    "months_in_party": 130,
    "sick_leave_months": 1,
}
VALID["vn/annual-member-outside"] = {**VALID["vn/annual-member"], "residence_duties_points": 15}
VALID["vn/member-quarter"] = VALID["vn/annual-member"]
VALID["vn/annual-leader"] = {
    **VALID["vn/annual-member"],
    "units_done_rate": 95,
    "units_on_time_rate": 90,
    "units_overseen": 4,
}
VALID["vn/member-year"] = {
    "quarters_mean": "88.5",
    "quarters_good": 3,
    "quarters_failed": 0,
    "q4_done_rate": 100,
    "q4_on_time_rate": 100,
    "months_in_party": 130,
}


def test_every_shipped_ruleset_has_a_valid_example() -> None:
    assert set(VALID) == {*SHIPPED, "demo"}
    for rid in VALID:
        inputs, _ = validators(rid)
        assert errors(inputs, _valid(rid)) == []
        ruleset(rid).evaluate(serialize.facts_from_data(ruleset(rid), _valid(rid)))


def _without(document: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != key}


BAD: list[tuple[str, str, Any]] = [
    # ruleset, what is wrong, how to make a valid document bad
    ("vn.hatinh/chi-bo-4-tot", "missing required", lambda d: _without(d, "members")),
    ("vn.hatinh/chi-bo-4-tot", "unknown key", lambda d: {**d, "member": 25}),
    ("vn.hatinh/chi-bo-4-tot", "integer above range", lambda d: {**d, "members": 501}),
    ("vn.hatinh/chi-bo-4-tot", "integer below range", lambda d: {**d, "members": 2}),
    ("vn.hatinh/chi-bo-4-tot", "integer as a fraction", lambda d: {**d, "members": 25.5}),
    ("vn.hatinh/chi-bo-4-tot", "unknown member", lambda d: {**d, "district": "ha_noi"}),
    ("vn.hatinh/chi-bo-4-tot", "a float percentage", lambda d: {**d, "task_completion": 87.5}),
    ("vn.hatinh/chi-bo-4-tot", "an integer percentage above 100", lambda d: {**d, "task_completion": 101}),
    ("vn.hatinh/chi-bo-4-tot", "negative percent", lambda d: {**d, "attendance_rate": "-5"}),
    ("vn.hatinh/chi-bo-4-tot", "boolean as a number", lambda d: {**d, "disunity": 2}),
    ("vn.hatinh/chi-bo-4-tot", "null for a required input", lambda d: {**d, "members": None}),
    ("vn/annual-collective", "a float decimal", lambda d: {**d, "politics_points": 7.5}),
    ("vn/annual-collective", "too many decimal places", lambda d: {**d, "politics_points": "7.125"}),
    ("vn/annual-collective", "a decimal comma", lambda d: {**d, "politics_points": "7,5"}),
    ("vn/cell-meeting", "unknown choice", lambda d: {**d, "chairing": "xuat_sac"}),
    ("demo", "date in the wrong form", lambda d: {**d, "founded": "01/06/2021"}),
    ("demo", "unknown level", lambda d: {**d, "quality": "kha"}),
    ("demo", "percent with too many places", lambda d: {**d, "rate": "50.25"}),
]


@pytest.mark.parametrize(("rid", "problem", "spoil"), BAD, ids=[f"{r}: {p}" for r, p, _ in BAD])
def test_bad_facts_are_rejected(rid: str, problem: str, spoil: Any) -> None:
    inputs, _ = validators(rid)
    document = spoil(_valid(rid))
    assert errors(inputs, document), problem
    # the evaluator refuses them too: the schema is no more lenient than scoring
    with pytest.raises(partyrules.FactsError):
        ruleset(rid).evaluate(serialize.facts_from_data(ruleset(rid), document))


def test_schema_is_stricter_than_facts_from_data() -> None:
    # facts_from_data turns "8.75e1" into a Decimal, which scores; the evaluator given the text itself
    # refuses an exponent, and so does the schema: numbers as offices write them
    r = ruleset("vn.hatinh/chi-bo-4-tot")
    inputs, _ = validators(r.id)
    document = {**_valid(r.id), "task_completion": "8.75e1"}
    assert errors(inputs, document)
    with pytest.raises(partyrules.FactsError):
        r.evaluate(document)


def test_bad_evaluations_are_rejected() -> None:
    r = ruleset("vn.hatinh/chi-bo-4-tot")
    _, evaluations = validators(r.id)
    good = serialize.unstructure(r.evaluate(serialize.facts_from_data(r, {**_valid(r.id), "members_disciplined": 1})))
    assert errors(evaluations, good) == []
    spoilt = []
    for change in (
        lambda d: d.update(grade="xuat_sac"),
        lambda d: d.update(total=95.5),
        lambda d: d.pop("criteria_points"),
        lambda d: d.update(extra=1),
        lambda d: d["ruleset"].update(version="0"),
        lambda d: d["criteria"][0].update(level="kha"),
        lambda d: d["criteria"].pop(),
        lambda d: d["knockouts"][0].update(applied="yes"),
        lambda d: d["facts"].pop("members"),
    ):
        document = copy.deepcopy(good)
        change(document)
        spoilt.append(errors(evaluations, document))
    assert all(spoilt), spoilt


def test_evaluation_schema_enumerates_the_ruleset() -> None:
    r = ruleset("vn.hatinh/chi-bo-4-tot")
    schema = evaluation_schema(r)
    props = schema["properties"]
    assert props["grade"]["enum"] == [g.id for g in r.grades] + [None]
    assert [c["properties"]["id"]["const"] for c in props["criteria"]["prefixItems"]] == [
        c.id for c in r.criteria if c.kind in ("group", "item")
    ]
    assert props["ruleset"]["properties"]["fingerprint"]["const"] == r.fingerprint


@pytest.mark.parametrize("part", ["inputs", "evaluation"])
def test_cli_prints_the_schema(capsys: pytest.CaptureFixture[str], part: str) -> None:
    rid = "vn.hatinh/chi-bo-4-tot"
    status = cli.main(["schema", rid, "--part", part])
    out, err = capsys.readouterr()
    assert status == 0, err
    document = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(document)
    r = ruleset(rid)
    assert document == (inputs_schema(r) if part == "inputs" else evaluation_schema(r))


def test_cli_schema_defaults_to_inputs_and_reads_files(capsys: pytest.CaptureFixture[str]) -> None:
    path = partyrules.shipped_path("vn/cell-meeting")
    assert cli.main(["schema", str(path)]) == 0
    out, _ = capsys.readouterr()
    assert json.loads(out) == inputs_schema(ruleset("vn/cell-meeting"))
    assert cli.main(["schema", "vn/no-such-ruleset"]) == 2
    assert "no ruleset has this id" in capsys.readouterr().err
