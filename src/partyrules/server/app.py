"""The Starlette application of ``partyrules serve``: routes, JSON in and out, limits and the token.

Every endpoint reads its request (a body of at most ``max_body`` bytes, JSON whose numbers with
a fraction are read as exact decimals, never floats), does its work in a worker thread through
the :class:`~partyrules.server.service.Workspace`, and answers JSON; a mistake in the request is
a 4xx whose body names it (:class:`~partyrules.server.service.ApiError`), never a traceback.
"""

from __future__ import annotations

import asyncio
import datetime
import hmac
import json
import logging
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from partyrules import serialize
from partyrules.server import comparison, editor
from partyrules.server.limits import TIME_LIMIT, Deadline, StoppedWork, TimeLimitExceeded
from partyrules.server.openapi import openapi_document
from partyrules.server.page import workbench_page
from partyrules.server.service import ApiError, Workspace, bad_request, ruleset_data

#: the largest request body accepted by default: 32 MiB (a workbook of some 100,000 rows)
MAX_BODY = 32 * 1024 * 1024
#: the environment variable that gives the token when ``--token`` does not
TOKEN_VARIABLE = "PARTYRULES_TOKEN"
RESULT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}

log = logging.getLogger("partyrules.server")
Handler = Callable[[Request], Awaitable[Response]]
T = TypeVar("T")


def json_response(value: Any, status: int = 200) -> Response:
    """JSON text as partyrules writes it: decimals as exact text, UTF-8 characters kept."""
    text = json.dumps(value, ensure_ascii=False, default=serialize.json_default)
    return Response(text, status_code=status, media_type="application/json")


def create_app(
    path: Sequence[str] = (),
    *,
    token: str | None = None,
    max_body: int = MAX_BODY,
    cache_size: int = 64,
    time_limit: float | None = TIME_LIMIT,
) -> Starlette:
    """The application: the API under ``/api``, the OpenAPI document, the workbench page at ``/``.

    ``time_limit`` (seconds, None for none) bounds the work of each request that checks, compiles or
    scores (:mod:`partyrules.server.limits`)."""
    workspace = Workspace(path, cache_size=cache_size)
    endpoints = Endpoints(workspace, max_body, time_limit)
    routes = [
        Route("/", endpoints.page, methods=["GET"]),
        Route("/static/workbench.js", endpoints.script, methods=["GET"]),
        Route("/openapi.json", endpoints.openapi, methods=["GET"]),
        Route("/api/rulesets", endpoints.rulesets, methods=["GET"]),
        Route("/api/rulesets/{id:path}/sheet", endpoints.sheet, methods=["GET"]),
        Route("/api/rulesets/{id:path}/schema", endpoints.schema, methods=["GET"]),
        Route("/api/rulesets/{id:path}/source", endpoints.source, methods=["GET"]),
        Route("/api/rulesets/{id:path}", endpoints.ruleset, methods=["GET"]),
        Route("/api/check", endpoints.check, methods=["POST"]),
        Route("/api/compile", endpoints.compile, methods=["POST"]),
        Route("/api/evaluate", endpoints.evaluate, methods=["POST"]),
        Route("/api/explain", endpoints.explain, methods=["POST"]),
        Route("/api/score", endpoints.score, methods=["POST"]),
        Route("/api/score/file", endpoints.score_file, methods=["POST"]),
        Route("/api/diff", endpoints.diff, methods=["POST"]),
        Route("/api/highlight", endpoints.highlight, methods=["POST"]),
        Route("/api/hover", endpoints.hover, methods=["POST"]),
        Route("/api/complete", endpoints.complete, methods=["POST"]),
        Route("/api/diff/file", endpoints.diff_file, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.workspace = workspace
    app.state.stopped = endpoints.stopped
    return TokenGuard(app, token) if token else app  # type: ignore[return-value]


class TokenGuard:
    """Every request must carry the token: ``Authorization: Bearer TOKEN``, or ``?token=TOKEN`` (the page)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode("utf-8")
        self.state = getattr(app, "state", None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        public = scope.get("path") == "/static/workbench.js"  # the page's code: no data in it
        if scope["type"] == "http" and not public and not self._allowed(scope):
            body = json.dumps({"error": "unauthorized", "message": "this server needs its token"}).encode()
            headers = [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]
            await send({"type": "http.response.start", "status": 401, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    def _allowed(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", ()):
            if name == b"authorization" and value.startswith(b"Bearer "):
                return hmac.compare_digest(value[7:].strip(), self.token)
        from urllib.parse import parse_qs

        given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
        return hmac.compare_digest(given.encode("utf-8"), self.token)


def answers(handler: Handler) -> Handler:
    """A handler whose :class:`ApiError` becomes its 4xx answer, and any other failure a 500 without a traceback."""

    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:
            return json_response(exc.body, exc.status)
        except Exception:  # a bug of the server: logged here, never shown to the client
            log.exception("%s %s failed", request.method, request.url.path)
            return json_response({"error": "internal", "message": "the server failed; see its log"}, 500)

    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


class Endpoints:
    """The handlers, sharing one workspace."""

    def __init__(self, workspace: Workspace, max_body: int, time_limit: float | None = TIME_LIMIT) -> None:
        self.workspace = workspace
        self.max_body = max_body
        self.time_limit = time_limit
        self.stopped = StoppedWork()
        self.documents = editor.Documents(workspace)
        for name in (
            "rulesets",
            "ruleset",
            "sheet",
            "schema",
            "source",
            "check",
            "compile",
            "evaluate",
            "explain",
            "score",
            "score_file",
            "diff",
            "diff_file",
            "highlight",
            "hover",
            "complete",
            "page",
        ):
            setattr(self, name, answers(getattr(self, name)))

    # ------------------------------------------------------------ doing the work
    async def work(self, job: Callable[[Deadline], T]) -> T:
        """``job`` run in a worker thread under the time limit: at the limit the request is answered
        503 while the job, which checks its deadline between rows, stops at its next check."""
        deadline = Deadline(self.time_limit, self.stopped)
        task = asyncio.ensure_future(run_in_threadpool(job, deadline))
        if self.time_limit is None:
            return await task
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.time_limit)
        except asyncio.TimeoutError:
            task.add_done_callback(_finished_late)
            raise TimeLimitExceeded(self.time_limit) from None

    # ------------------------------------------------------------ reading requests
    async def body(self, request: Request) -> bytes:
        """The request's body, refused with 413 past the limit (before reading it when its length is given)."""
        chunks: list[bytes] = []
        async for chunk in self._chunks(request):
            chunks.append(chunk)
        return b"".join(chunks)

    async def body_to(self, request: Request, path: Path) -> Path:
        """The request's body written to ``path`` as it arrives, refused with 413 past the limit."""
        with path.open("wb") as out:
            async for chunk in self._chunks(request):
                out.write(chunk)
        return path

    async def _chunks(self, request: Request) -> AsyncIterator[bytes]:
        """The body's chunks as they arrive; 413 once they pass the limit, or at once when its length says so."""
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            raise self._too_large()
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                raise self._too_large()
            yield chunk

    def _too_large(self) -> ApiError:
        return ApiError(413, "too_large", f"the request body is larger than the limit of {self.max_body} bytes")

    async def json_object(self, request: Request) -> dict[str, Any]:
        raw = await self.body(request)
        try:
            value = json.loads(raw.decode("utf-8"), parse_float=Decimal)
        except UnicodeDecodeError:
            raise bad_request("the body is not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise bad_request(f"the body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
        if not isinstance(value, dict):
            raise bad_request("the body must be a JSON object")
        return value

    def rules(self, params: dict[str, Any]) -> Any:
        """The ruleset a request names (``ruleset`` + ``on``, ``text`` or ``fingerprint``)."""
        for key in ("ruleset", "text", "fingerprint"):
            if key in params and not isinstance(params[key], str):
                raise bad_request(f"`{key}` must be a string")
        return self.workspace.ruleset(
            params.get("ruleset"),
            on=on_date(params.get("on")),
            text=params.get("text"),
            fingerprint=params.get("fingerprint"),
        )

    # ------------------------------------------------------------ the API
    async def rulesets(self, request: Request) -> Response:
        return json_response({"rulesets": await run_in_threadpool(self.workspace.rulesets)})

    async def ruleset(self, request: Request) -> Response:
        params = {"ruleset": request.path_params["id"], "on": request.query_params.get("on")}
        found = await self.work(lambda _: self.rules(params))
        return json_response(ruleset_data(found))

    async def sheet(self, request: Request) -> Response:
        from partyrules.render import render_html, render_markdown

        params = {"ruleset": request.path_params["id"], "on": request.query_params.get("on")}
        kind = request.query_params.get("format", "html")
        if kind not in ("html", "md"):
            raise bad_request("format: html or md")
        found = await self.work(lambda _: self.rules(params))
        if kind == "md":
            text = await self.work(lambda _: render_markdown(found))
            return Response(text, media_type="text/markdown; charset=utf-8")
        return HTMLResponse(await self.work(lambda _: render_html(found)))

    async def schema(self, request: Request) -> Response:
        from partyrules.schema import evaluation_schema, inputs_schema

        params = {"ruleset": request.path_params["id"], "on": request.query_params.get("on")}
        part = request.query_params.get("part", "inputs")
        if part not in ("inputs", "evaluation"):
            raise bad_request("part: inputs or evaluation")
        found = await self.work(lambda _: self.rules(params))
        return json_response(inputs_schema(found) if part == "inputs" else evaluation_schema(found))

    async def source(self, request: Request) -> Response:
        on = on_date(request.query_params.get("on"))
        text = await run_in_threadpool(self.workspace.source, request.path_params["id"], on)
        return Response(text, media_type="text/plain; charset=utf-8")

    async def check(self, request: Request) -> Response:
        params = await self.json_object(request)
        text, filename = params.get("text"), params.get("filename", "<request>")
        if not isinstance(text, str) or not isinstance(filename, str):
            raise bad_request("`text` (criteria text) and `filename` (a name to show) must be strings")
        document = params.get("document")
        if document is None:
            return json_response(await self.work(lambda _: self.workspace.check(text, filename[:200])))
        if not isinstance(document, str) or len(document) > 64:
            raise bad_request("`document` must be a string of at most 64 characters")
        return json_response(await self.work(lambda _: self.documents.check(text, filename[:200], document)))

    async def compile(self, request: Request) -> Response:
        params = await self.json_object(request)
        return json_response(ruleset_data(await self.work(lambda _: self.rules(params))))

    async def evaluate(self, request: Request) -> Response:
        params = await self.json_object(request)

        def work(deadline: Deadline) -> Any:
            return self.workspace.evaluate(self.rules(params), params.get("facts", {}))

        return json_response(await self.work(work))

    async def explain(self, request: Request) -> Response:
        params = await self.json_object(request)

        def work(deadline: Deadline) -> Any:
            return self.workspace.explain(self.rules(params), params.get("facts", {}))

        return json_response(await self.work(work))

    async def score(self, request: Request) -> Response:
        """A batch given as JSON rows: the summary, and every result."""
        params = await self.json_object(request)
        rows = params.get("rows")
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise bad_request("`rows` must be a JSON array of objects (one organisation's facts each)")
        content = _json_bytes(rows)

        def work(deadline: Deadline) -> Any:
            batch = self.workspace.score(self.rules(params), "rows.json", content, _options(params), deadline)
            from partyrules.data import result_data

            return {**batch.summary(_group(params)), "results": [result_data(r) for r in batch.results]}

        return json_response(await self.work(work))

    async def score_file(self, request: Request) -> Response:
        """A data file as the body (``?filename=`` gives its format): the summary, or the results file.

        The body goes to a file in a folder of its own as it arrives and is scored from there as a stream
        (rows read, scored and written one at a time); the results file or report is sent from that folder,
        removed once it is sent: memory stays flat in the number of rows."""
        query = dict(request.query_params)
        output = query.get("output", "summary")
        if output not in ("summary", *RESULT_TYPES):
            raise bad_request("output: summary, csv, jsonl, xlsx or html")
        name = query.get("filename", "")
        folder = Path(tempfile.mkdtemp(prefix="partyrules-upload-"))
        try:
            # a fixed name with the upload's suffix: nothing of a client's name reaches a path
            path = await self.body_to(request, folder / f"upload{Path(name).suffix.lower()}")

            def work(deadline: Deadline) -> Any:
                return self.workspace.score_file(
                    self.rules(query), name, path, _options(query), output, _group(query), deadline
                )

            found = await self.work(work)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        if isinstance(found, dict):
            shutil.rmtree(folder, ignore_errors=True)
            return json_response(found)
        cleanup = BackgroundTask(shutil.rmtree, folder, ignore_errors=True)
        if output == "html":
            return FileResponse(found, media_type=RESULT_TYPES["html"], background=cleanup)
        download = f'attachment; filename="results.{output}"'
        return FileResponse(
            found, media_type=RESULT_TYPES[output], headers={"content-disposition": download}, background=cleanup
        )

    async def diff(self, request: Request) -> Response:
        """Two rulesets (``old`` and ``new``, each named as a request names its rules): their differences
        and, given ``rows``, what they do to each organisation."""
        params = await self.json_object(request)
        sides: list[dict[str, Any]] = []
        for side in ("old", "new"):
            named = params.get(side)
            if not isinstance(named, dict):
                raise bad_request(
                    f"`{side}` must be a JSON object naming rules: `ruleset` (+ `on`), `text` or `fingerprint`"
                )
            sides.append(named)
        rows = params.get("rows")
        if rows is not None and (not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows)):
            raise bad_request("`rows` must be a JSON array of objects (one organisation's facts each)")
        upload = None if rows is None else ("rows.json", _json_bytes(rows))

        def work(deadline: Deadline) -> Any:
            old, new = self.rules(sides[0]), self.rules(sides[1])
            return comparison.compare(old, new, upload, _options(params), deadline).data()

        return json_response(await self.work(work))

    async def diff_file(self, request: Request) -> Response:
        """A data file as the body, scored under ``old`` and ``new`` (query: ``old``, ``old_on``,
        ``old_fingerprint`` and the same for ``new``): the comparison, or its CSV."""
        query = dict(request.query_params)
        output = query.get("output", "summary")
        if output not in ("summary", "csv"):
            raise bad_request("output: summary or csv")
        sides = [
            {key: query[f"{side}{suffix}"] for key, suffix in _SIDE_KEYS.items() if f"{side}{suffix}" in query}
            for side in ("old", "new")
        ]
        content = await self.body(request)
        upload = (query.get("filename", ""), content)

        def work(deadline: Deadline) -> Response:
            old, new = self.rules(sides[0]), self.rules(sides[1])
            found = comparison.compare(old, new, upload, _options(query), deadline)
            if output == "summary":
                return json_response(found.data())
            download = 'attachment; filename="diff.csv"'
            return Response(found.csv(), media_type=RESULT_TYPES["csv"], headers={"content-disposition": download})

        return await self.work(work)

    # ------------------------------------------------------------ the editor pane
    async def highlight(self, request: Request) -> Response:
        """Criteria text as ``[token class, text]`` pairs: the classes of the Pygments lexer."""
        params = await self.json_object(request)
        text = params.get("text")
        if not isinstance(text, str):
            raise bad_request("`text` (criteria text) must be a string")
        return json_response({"tokens": await self.work(lambda _: editor.highlighted(text))})

    async def hover(self, request: Request) -> Response:
        """The declared name at ``line`` and ``column`` of ``text``, and what the language server shows for it."""
        text, line, column, document = _at(await self.json_object(request))
        return json_response(await self.work(lambda _: self.documents.hover(text, line, column, document)))

    async def complete(self, request: Request) -> Response:
        """What may be written at ``line`` and ``column`` of ``text``: the language server's completions."""
        text, line, column, document = _at(await self.json_object(request))
        return json_response(await self.work(lambda _: self.documents.complete(text, line, column, document)))

    # ------------------------------------------------------------ the documents
    async def openapi(self, request: Request) -> Response:
        return json_response(openapi_document())

    async def page(self, request: Request) -> Response:
        rulesets = await run_in_threadpool(self.workspace.rulesets)
        return HTMLResponse(workbench_page(rulesets, token=request.query_params.get("token")))

    async def script(self, request: Request) -> Response:
        text = (
            resources.files("partyrules.server").joinpath("static").joinpath("workbench.js").read_text(encoding="utf-8")
        )
        return Response(text, media_type="text/javascript; charset=utf-8")


def on_date(value: Any) -> datetime.date | None:
    if value is None or value == "":
        return None
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise bad_request(f"`on`: {value!r} is not a date; write YYYY-MM-DD") from None


#: how the query of ``/api/diff/file`` names each side's rules: ``old``, ``old_on``, ``old_fingerprint``
_SIDE_KEYS = {"ruleset": "", "on": "_on", "fingerprint": "_fingerprint"}


def _at(params: dict[str, Any]) -> tuple[str, int, int, str | None]:
    """A place in criteria text: ``text``, ``line`` and ``column`` (1-based, in characters), and ``document``
    (the page's key for its text, so half-typed text keeps the names of the last that checked)."""
    text, document = params.get("text"), params.get("document")
    if not isinstance(text, str):
        raise bad_request("`text` (criteria text) must be a string")
    line, column = (_counted(params.get(name), name) for name in ("line", "column"))
    lines = text.split("\n")
    if line > len(lines) or column > len(lines[line - 1]) + 1:
        width = len(lines[line - 1]) if line <= len(lines) else 0
        raise bad_request(
            f"line {line}, column {column} is past the text: it has {len(lines)} lines"
            + (f", and line {line} {width} characters" if line <= len(lines) else "")
        )
    if document is not None and (not isinstance(document, str) or len(document) > 64):
        raise bad_request("`document` must be a string of at most 64 characters")
    return text, line, column, document


def _counted(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise bad_request(f"`{name}` must be a whole number from 1 (lines and columns count from 1, in characters)")
    return value


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, default=serialize.json_default).encode("utf-8")


def _options(params: dict[str, Any]) -> dict[str, Any]:
    numbers = params.get("numbers") or "plain"
    id_column = params.get("id_column") or None
    if numbers not in ("plain", "vi"):
        raise bad_request("`numbers`: plain or vi")
    if id_column is not None and not isinstance(id_column, str):
        raise bad_request("`id_column` must be a string")
    return {"numbers": numbers, "id_column": id_column}


def _group(params: dict[str, Any]) -> str | None:
    group = params.get("group") or None
    if group is not None and not isinstance(group, str):
        raise bad_request("`group` must be a string")
    return group


def _finished_late(task: asyncio.Future[Any]) -> None:
    """A job whose client was answered at the time limit has ended: its outcome is dropped (a failure logged)."""
    if task.cancelled():
        return
    failure = task.exception()
    if failure is not None and not isinstance(failure, ApiError):
        log.error("a job past its time limit failed", exc_info=failure)
