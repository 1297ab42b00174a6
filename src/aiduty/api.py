"""The HTTP API (design §7): the engine and the catalogue over FastAPI.

Checks and SPARQL run in a pool of worker processes (workers.py) with a time limit and a bounded queue; the
cheap catalogue reads run in the server process, which loads the knowledge base once. Errors are
application/problem+json.
"""

from __future__ import annotations

import os
from contextlib import asynccontextmanager
from datetime import date
from typing import Any, Literal
from urllib.parse import parse_qs

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__
from .catalogue import QueryError, campaign_json, duty_json, filter_duties, instrument_json, sparql_csv, sparql_json, sparql_xml, vet_query
from .description import ServiceDescription
from .kb import load
from .workers import Saturated, TaskFailed, TimedOut, WorkerPool

PROBLEM = "application/problem+json"
EXAMPLE_SERVICE = {
    "id": "dreamy-canvas", "name": "Dreamy Canvas",
    "reach": {"mainland_china_public": True, "minors": True},
    "capabilities": {"generates": ["image", "video"], "export": True, "public_opinion_features": ["comments"]},
    "controls": {"explicit_labels": ["image"], "implicit_metadata_labels": True, "log_retention_months": 6},
}


class Settings:
    def __init__(self, workers: int | None = None, max_body: int | None = None, check_timeout: float | None = None,
                 sparql_timeout: float | None = None, max_waiting: int | None = None, row_limit: int | None = None):
        env = os.environ.get
        self.workers = workers or int(env("AIDUTY_WORKERS", "2"))
        self.max_body = max_body or int(env("AIDUTY_MAX_BODY", str(1 << 20)))
        self.check_timeout = check_timeout or float(env("AIDUTY_CHECK_TIMEOUT", "10"))
        self.sparql_timeout = sparql_timeout or float(env("AIDUTY_SPARQL_TIMEOUT", "10"))
        self.max_waiting = max_waiting or int(env("AIDUTY_MAX_WAITING", "64"))
        self.row_limit = row_limit or int(env("AIDUTY_ROW_LIMIT", "10000"))


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str, **extra: Any):
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def problem_response(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


class _BodyTooLarge(Exception):
    pass


class LimitsAndHeaders:
    """ASGI middleware: refuse bodies over ``max_body`` (413, declared or streamed) and put the knowledge base
    headers on every response. Plain ASGI rather than ``@app.middleware``, which costs a task and a stream copy
    per request."""

    def __init__(self, app, max_body: int, headers: list[tuple[bytes, bytes]]):
        self.app, self.max_body, self.headers = app, max_body, headers

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []), *self.headers]}
            await send(message)

        def too_large():
            return problem_response(413, "Payload too large", f"the body is larger than {self.max_body} bytes")

        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            return await too_large()(scope, receive, send_with_headers)
        received = 0

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, counted_receive, send_with_headers)
        except _BodyTooLarge:
            if started:
                raise
            await too_large()(scope, receive, send_with_headers)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    kb = load()
    pool = WorkerPool(settings.workers, settings.max_waiting)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await pool.start()
        yield
        await pool.stop()

    app = FastAPI(
        title="aiduty", version=__version__, lifespan=lifespan,
        description="Which duties of China's AI regulations apply to a service, which are met, what is missing — "
                    "and the obligation catalogue behind it. Errors are application/problem+json.",
    )
    app.state.pool, app.state.settings, app.state.kb = pool, settings, kb

    app.add_middleware(LimitsAndHeaders, max_body=settings.max_body,
                       headers=[(b"x-aiduty-kb-version", kb.version.encode()), (b"x-aiduty-kb-hash", kb.content_hash.encode())])

    @app.exception_handler(Problem)
    async def on_problem(_: Request, exc: Problem):
        return problem_response(exc.status, exc.title, exc.detail, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(_: Request, exc: StarletteHTTPException):
        return problem_response(exc.status_code, {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error"), str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def on_validation(_: Request, exc: RequestValidationError):
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"] if p not in ("body", "query", "path"))
        return problem_response(422, "Invalid request", f"{field}: {err['msg']}", field=field)

    async def run(kind: str, payload: Any, timeout: float) -> Any:
        try:
            return await pool.run(kind, payload, timeout)
        except Saturated as exc:
            raise Problem(503, "Server busy", str(exc))
        except TimedOut as exc:
            raise Problem(504, "Time limit exceeded", str(exc))
        except TaskFailed as exc:
            if exc.kind == "description":
                info = exc.args[0]
                raise Problem(422, "Invalid service description", f"{info['field']}: {info['problem']}", field=info["field"])
            if exc.kind == "query":
                raise Problem(400, "Query refused", str(exc))
            raise Problem(500, "Internal error", "the check failed; see the server log")

    def day(value: str | None, name: str = "as_of") -> date | None:
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise Problem(422, "Invalid request", f"{name}: expected a date YYYY-MM-DD, got {value!r}", field=name)

    # ------------------------------------------------------------------ endpoints

    @app.get("/healthz", tags=["meta"])
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "kb_version": kb.version, "kb_hash": kb.content_hash, "workers": pool.size, "busy": pool.busy}

    @app.post("/v1/check", tags=["check"], summary="Check one service description", response_class=Response,
              openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                  "schema": {"$ref": "#/components/schemas/ServiceDescription"},
                  "example": EXAMPLE_SERVICE}}}},
              responses={200: {"description": "The report (design §5)", "content": {"application/json": {}}}})
    async def check(
        request: Request,
        as_of: str | None = Query(None, description="YYYY-MM-DD; default today"),
        all: bool = Query(False, description="Also list duties that do not apply"),
        lang: Literal["en", "zh"] = Query("en"),
    ) -> Response:
        # The body goes to a worker as bytes: it parses, checks and encodes, so this process only moves bytes.
        payload = {"body": await request.body(), "as_of": day(as_of) or date.today(), "lang": lang, "all": all}
        return Response(await run("check", payload, settings.check_timeout), media_type="application/json")

    def _filtered(**kw):
        try:
            return filter_duties(kb, **kw)
        except QueryError as exc:
            raise Problem(422, "Invalid filter", str(exc))

    @app.get("/v1/obligations", tags=["catalogue"], summary="List obligations (the CLI's filters)")
    async def obligations(role: str | None = None, instrument: str | None = None, article: int | None = None,
                          campaign: str | None = None, as_of: str | None = None, search: str | None = None,
                          lang: Literal["en", "zh"] = "en") -> list[dict[str, Any]]:
        found = _filtered(role=role, instrument=instrument, article=article, campaign=campaign, as_of=day(as_of), search=search)
        return [duty_json(kb, d, lang) for d in found]

    @app.get("/v1/obligations/{obligation_id}", tags=["catalogue"], summary="One obligation's full card")
    async def obligation(obligation_id: str, lang: Literal["en", "zh"] = "en") -> dict[str, Any]:
        duty = kb.duties.get(obligation_id)
        if duty is None:
            raise Problem(404, "Not found", f"no obligation {obligation_id!r}")
        return duty_json(kb, duty, lang, full=True)

    @app.get("/v1/instruments", tags=["catalogue"])
    async def instruments() -> list[dict[str, Any]]:
        return [instrument_json(kb, i) for i in sorted(kb.instruments.values(), key=lambda i: i.code)]

    @app.get("/v1/instruments/{code}", tags=["catalogue"])
    async def instrument(code: str) -> dict[str, Any]:
        if code not in kb.instruments:
            raise Problem(404, "Not found", f"no instrument {code!r}")
        return instrument_json(kb, kb.instruments[code])

    @app.get("/v1/campaigns", tags=["catalogue"])
    async def campaigns(as_of: str | None = None) -> list[dict[str, Any]]:
        when = day(as_of) or date.today()
        return [campaign_json(kb, c, when) for c in sorted(kb.campaigns.values(), key=lambda c: c.code)]

    @app.get("/v1/schema/service", tags=["meta"], summary="JSON Schema of the service description")
    async def service_schema() -> dict[str, Any]:
        return ServiceDescription.model_json_schema()

    async def sparql(request: Request, query: str | None) -> Response:
        if query is None:
            raise Problem(400, "Missing query", "pass the query as ?query=, a form field or an application/sparql-query body")
        try:
            vet_query(query)
        except QueryError as exc:
            raise Problem(400, "Query refused", str(exc))
        result = await run("sparql", {"query": query, "row_limit": settings.row_limit}, settings.sparql_timeout)
        if result.kind == "graph":
            return Response(result.graph, media_type="text/turtle")
        accept = request.headers.get("accept", "")
        if "sparql-results+xml" in accept or "application/xml" in accept:
            return Response(sparql_xml(result), media_type="application/sparql-results+xml")
        if "text/csv" in accept:
            return PlainTextResponse(sparql_csv(result), media_type="text/csv")
        if "text/tab-separated-values" in accept:
            return PlainTextResponse(sparql_csv(result, "\t"), media_type="text/tab-separated-values")
        return JSONResponse(sparql_json(result), media_type="application/sparql-results+json")

    @app.get("/v1/sparql", tags=["sparql"], summary="SPARQL 1.1 Protocol query (read-only)")
    async def sparql_get(request: Request, query: str | None = None) -> Response:
        return await sparql(request, query)

    @app.post("/v1/sparql", tags=["sparql"], summary="SPARQL 1.1 Protocol query via form or application/sparql-query")
    async def sparql_post(request: Request) -> Response:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("application/sparql-query"):
            text = (await request.body()).decode("utf-8", errors="replace")
        elif ctype.startswith("application/x-www-form-urlencoded"):
            form = parse_qs((await request.body()).decode("utf-8", errors="replace"))
            if "update" in form:
                raise Problem(400, "Query refused", "read-only endpoint: updates are refused")
            text = form.get("query", [None])[0]
        else:
            raise Problem(415, "Unsupported media type", "send application/sparql-query or an urlencoded form")
        return await sparql(request, text)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            description = ServiceDescription.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(description.pop("$defs", {}))
            components["ServiceDescription"] = description
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi
    from .api_portfolio import register; register(app)  # noqa: E702  the portfolio (issue 16): /v1/services, /v1/rechecks, /v1/impact
    return app
