"""The OpenAPI 3.1 document of the HTTP API, served at ``/openapi.json`` (tests hold it to the routes)."""

from __future__ import annotations

from typing import Any

import partyrules

_RULES = {
    "ruleset": {"type": "string", "description": "a ruleset id on the search path, e.g. vn.hatinh/chi-bo-4-tot"},
    "on": {"type": "string", "format": "date", "description": "with `ruleset`: the version in force that day"},
    "text": {"type": "string", "description": "criteria text (instead of `ruleset`), untrusted: checked, compiled"},
    "fingerprint": {"type": "string", "description": "a ruleset compiled before, by its fingerprint (while cached)"},
}
_FACTS = {"type": "object", "description": "one organisation's facts by input name; decimals as text or numbers"}
_ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {
            "enum": [
                "bad_request",
                "unauthorized",
                "not_found",
                "too_large",
                "criteria",
                "facts",
                "data",
                "time_limit",
                "unavailable",
            ]
        },
        "message": {"type": "string"},
        "problems": {
            "type": "array",
            "description": "facts: every problem, by input (what FactsError lists)",
            "items": {"type": "object", "properties": {"input": {"type": "string"}, "message": {"type": "string"}}},
        },
        "diagnostics": {"type": "array", "description": "criteria: every diagnostic, as `check --format json`"},
        "hint": {"type": ["string", "null"]},
        "limit": {"type": "number", "description": "time_limit: the server's limit, in seconds"},
    },
}
_ERRORS = {
    str(status): {
        "description": what,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for status, what in [
        (400, "the request is not what the endpoint takes (not JSON, a wrong field)"),
        (401, "the server needs its token and the request has none or another"),
        (404, "no ruleset with that id (in force on that day), or no compiled ruleset with that fingerprint"),
        (413, "the body is larger than the server's limit"),
        (422, "the criteria have errors, the facts problems, or the data file cannot be read"),
        (501, "highlighting needs Pygments, which this server does not have"),
        (503, "the work took longer than the server's time limit (`--time-limit`) and was stopped"),
    ]
}


def _json(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema or {"type": "object"}}}}


def _body(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _operation(summary: str, ok: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": {"200": ok, **_ERRORS}, **extra}


_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}, "description": "a ruleset id"}
_ON = {"name": "on", "in": "query", "schema": {"type": "string", "format": "date"}}


_BATCH_OPTIONS = {
    "id_column": {"type": "string"},
    "numbers": {"enum": ["plain", "vi"]},
    "group": {"type": "string", "description": "count grades per value of this input or column"},
}


def _ruleset_paths() -> dict[str, Any]:
    return {
        "/api/rulesets": {
            "get": _operation("Rulesets on the search path, their versions and effective dates", _json("the rulesets"))
        },
        "/api/rulesets/{id}": {
            "get": _operation(
                "A ruleset's header, inputs (labels, types, ranges, choices) and grades",
                _json("the ruleset"),
                parameters=[_ID, _ON],
            )
        },
        "/api/rulesets/{id}/sheet": {
            "get": _operation(
                "The printable score sheet (phiếu chấm điểm)",
                {"description": "the sheet", "content": {"text/html": {}, "text/markdown": {}}},
                parameters=[_ID, _ON, {"name": "format", "in": "query", "schema": {"enum": ["html", "md"]}}],
            )
        },
        "/api/rulesets/{id}/schema": {
            "get": _operation(
                "JSON Schema of the ruleset's facts (or evaluations)",
                _json("a JSON Schema, draft 2020-12"),
                parameters=[_ID, _ON, {"name": "part", "in": "query", "schema": {"enum": ["inputs", "evaluation"]}}],
            )
        },
        "/api/rulesets/{id}/source": {
            "get": _operation(
                "The criteria text of the version in force `on` (or the newest)",
                {"description": "criteria text", "content": {"text/plain": {}}},
                parameters=[_ID, _ON],
            )
        },
    }


def _scoring_paths() -> dict[str, Any]:
    batch_options = _BATCH_OPTIONS
    return {
        "/api/check": {
            "post": _operation(
                "Every diagnostic of criteria text, as `partyrules check --format json`",
                _json("diagnostics with positions, codes and hints; counts of errors and warnings"),
                requestBody=_body(
                    {"text": {"type": "string"}, "filename": {"type": "string"}, "document": _DOCUMENT}, ["text"]
                ),
            )
        },
        "/api/compile": {
            "post": _operation(
                "Compile rules (an id or criteria text): header, inputs, grades and fingerprint",
                _json("the ruleset"),
                requestBody=_body(_RULES),
            )
        },
        "/api/evaluate": {
            "post": _operation(
                "Score one organisation: total, grade, points of every criterion, the ruleset's fingerprint",
                _json("the evaluation, as partyrules.serialize writes it"),
                requestBody=_body({**_RULES, "facts": _FACTS}, ["facts"]),
            )
        },
        "/api/explain": {
            "post": _operation(
                "Score one organisation and explain every point, in Vietnamese",
                _json("`explanation` (text) and `evaluation`"),
                requestBody=_body({**_RULES, "facts": _FACTS}, ["facts"]),
            )
        },
        "/api/score": {
            "post": _operation(
                "Score a batch of rows: grades, counts, the quotas' demotions, a histogram, every result",
                _json("the summary and `results`"),
                requestBody=_body({**_RULES, "rows": {"type": "array", "items": _FACTS}, **batch_options}, ["rows"]),
            )
        },
        "/api/score/file": {
            "post": _operation(
                "Score a data file sent as the body (CSV, JSON lines, JSON or .xlsx, told by `filename`)",
                {
                    "description": "the summary, or the results file as `partyrules score --output` writes it",
                    "content": {"application/json": {}, "text/csv": {}, "application/x-ndjson": {}, "text/html": {}},
                },
                parameters=[
                    {"name": name, "in": "query", "schema": schema}
                    for name, schema in {
                        **_RULES,
                        "filename": {"type": "string", "description": "its suffix tells the format"},
                        "output": {"enum": ["summary", "csv", "jsonl", "xlsx", "html"]},
                        **batch_options,
                    }.items()
                    if name != "text"
                ],
                requestBody={"required": True, "content": {"application/octet-stream": {}}},
            )
        },
    }


_DOCUMENT = {
    "type": "string",
    "maxLength": 64,
    "description": "the editor's key for its text: while the text does not parse, names come from its last that did",
}
_PLACE = {
    "text": {"type": "string"},
    "line": {"type": "integer", "minimum": 1},
    "column": {"type": "integer", "minimum": 1, "description": "in characters, from 1"},
    "document": _DOCUMENT,
}


def _editor_paths() -> dict[str, Any]:
    return {
        "/api/highlight": {
            "post": _operation(
                "Criteria text as `[token class, text]` pairs (the Pygments lexer's classes: kd, s2, c1 ...)",
                _json("`tokens`: the pairs, in order; joined, they are the text"),
                requestBody=_body({"text": {"type": "string"}}, ["text"]),
            )
        },
        "/api/hover": {
            "post": _operation(
                "The declared name at a place of criteria text and what the language server shows for it",
                _json("`name`, `kind`, `hover` (Markdown) and the word's place; `hover` null where no name stands"),
                requestBody=_body(_PLACE, ["text", "line", "column"]),
            )
        },
        "/api/complete": {
            "post": _operation(
                "What may be written at a place of criteria text: the language server's completions",
                _json("`items` (label, kind, detail) and `from`, the column where the word being typed begins"),
                requestBody=_body(_PLACE, ["text", "line", "column"]),
            )
        },
    }


def _diff_paths() -> dict[str, Any]:
    side = {"type": "object", "properties": _RULES, "description": "rules named as a request names its rules"}
    compared = (
        "both rulesets, every `differences` entry and, with data, the counts, `transitions` and every organisation"
    )
    return {
        "/api/diff": {
            "post": _operation(
                "What a change of rules changes (as `partyrules diff`): the differences and, given rows, whose grade",
                _json(compared),
                requestBody=_body(
                    {"old": side, "new": side, "rows": {"type": "array", "items": _FACTS}, **_BATCH_OPTIONS},
                    ["old", "new"],
                ),
            )
        },
        "/api/diff/file": {
            "post": _operation(
                "A data file sent as the body, scored under two rulesets: per organisation both totals and grades",
                {
                    "description": compared + "; or, with `output=csv`, one organisation a line",
                    "content": {"application/json": {}, "text/csv": {}},
                },
                parameters=[
                    {"name": f"{which}{suffix}", "in": "query", "schema": _RULES[key]}
                    for which in ("old", "new")
                    for key, suffix in (("ruleset", ""), ("on", "_on"), ("fingerprint", "_fingerprint"))
                ]
                + [
                    {"name": name, "in": "query", "schema": schema}
                    for name, schema in {
                        "filename": {"type": "string", "description": "its suffix tells the format"},
                        "output": {"enum": ["summary", "csv"]},
                        "id_column": _BATCH_OPTIONS["id_column"],
                        "numbers": _BATCH_OPTIONS["numbers"],
                    }.items()
                ],
                requestBody={"required": True, "content": {"application/octet-stream": {}}},
            )
        },
    }


def openapi_document() -> dict[str, Any]:
    """The document: every route of :func:`partyrules.server.app.create_app`, its body and its answers."""
    paths = {
        **_ruleset_paths(),
        **_scoring_paths(),
        **_diff_paths(),
        **_editor_paths(),
        "/openapi.json": {"get": {"summary": "This document", "responses": {"200": _json("OpenAPI 3.1")}}},
        "/": {"get": {"summary": "The workbench page", "responses": {"200": {"description": "HTML"}}}},
        "/static/workbench.js": {
            "get": {"summary": "The workbench's script", "responses": {"200": {"description": "JavaScript"}}}
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "partyrules",
            "version": partyrules.__version__,
            "description": "Check criteria, score organisations exactly and explain every point. "
            "Numbers travel as text (exact decimals); a request names its rules by `ruleset` id, `text` or `fingerprint`.",
        },
        "paths": paths,
        "components": {
            "schemas": {"Error": _ERROR},
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{}, {"token": []}],
    }
