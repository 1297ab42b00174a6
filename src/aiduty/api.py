"""The HTTP API (design §7): the engine and the catalogue over FastAPI.

Checks and SPARQL run in two pools of worker processes (workers.py) with a time limit and a bounded queue each;
the cheap catalogue reads run in the server process, which loads the knowledge base once. Endpoints live in
routers (``routes/``); this module wires them up with the settings, the middleware and the error handlers.
Errors are application/problem+json; every response carries the knowledge base version and an X-Request-ID.
"""

from __future__ import annotations

import re
import time
import uuid
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from fastapi.routing import APIRoute
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.staticfiles import StaticFiles

from . import __version__
from .description import ServiceDescription
from .kb import load
from .report import report_schema
from .routes import ROUTERS
from .routes.pages import error_page, wants_html
from .routes.check import EXAMPLE_SERVICE  # noqa: F401  (re-exported)
from .routes.common import PROBLEM, Problem, Tasks, problem_response  # noqa: F401  (re-exported)
from .settings import Settings
from .web import CSP, SECURITY_HEADERS
from .workers import Limits, WorkerPool

_GOOD_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
CSP_BYTES = CSP.encode()


class _BodyTooLarge(Exception):
    pass


class LimitsAndHeaders:
    """ASGI middleware: refuse bodies over ``max_body`` (413, declared or streamed; ``path_limits`` gives some
    paths, such as the label upload, a limit of their own), give each request an id
    (the client's X-Request-ID when it is sane, else a new one) and put it and the knowledge base headers on
    every response. Plain ASGI rather than ``@app.middleware``, which costs a task and a stream copy per
    request."""

    def __init__(self, app, max_body: int, headers: list[tuple[bytes, bytes]], path_limits: dict[str, int] | None = None):
        self.app, self.max_body, self.headers = app, max_body, headers
        self.path_limits = path_limits or {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started, begun = False, time.perf_counter()
        limit = self.path_limits.get(scope.get("path", ""), self.max_body)
        headers = dict(scope["headers"])
        rid = headers.get(b"x-request-id", b"")
        if not _GOOD_ID.fullmatch(rid):
            rid = uuid.uuid4().hex.encode()
        scope.setdefault("state", {})["request_id"] = rid.decode()
        extra = [*self.headers, (b"x-request-id", rid)]

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                own = message.get("headers", [])
                csp = [] if any(k.lower() == b"content-security-policy" for k, _ in own) else [(b"content-security-policy", CSP_BYTES)]
                took = f"app;dur={(time.perf_counter() - begun) * 1000:.1f}".encode()     # bench/web.py reads it
                message = {**message, "headers": [*own, *extra, *csp, (b"server-timing", took)]}
            await send(message)

        def too_large():
            detail = f"the body is larger than {limit} bytes"
            request = Request(scope)
            if wants_html(request):       # a browser's upload: a page in its language, not JSON
                return error_page(request, 413, detail)
            return problem_response(413, "Payload too large", detail)

        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return await too_large()(scope, receive, send_with_headers)
        received = 0

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, counted_receive, send_with_headers)
        except _BodyTooLarge:
            if started:
                raise
            await too_large()(scope, receive, send_with_headers)


class TrustedHosts(TrustedHostMiddleware):
    """Starlette's TrustedHostMiddleware (refuses a Host header not in ``allowed_hosts``: DNS rebinding), with
    its refusal as problem+json like every other error."""

    def __init__(self, app, allowed_hosts: list[str]):
        async def passed(scope, receive, send):
            scope["aiduty.host_ok"] = True
            await app(scope, receive, send)

        super().__init__(passed, allowed_hosts=allowed_hosts)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        refused = problem_response(400, "Invalid host", "the Host header names a host this server does not serve "
                                                        "(AIDUTY_ALLOWED_HOSTS)")

        async def send_or_refuse(message):
            if not scope.get("aiduty.host_ok"):
                if message["type"] == "http.response.start":
                    await refused(scope, receive, send)
                return
            await send(message)

        await super().__call__(scope, receive, send_or_refuse)


class SparqlCors:
    """Read-only CORS for the SPARQL endpoint only (browser SPARQL editors): any origin, GET and POST, no
    credentials; Starlette's CORSMiddleware, applied to /v1/sparql and to nothing else."""

    def __init__(self, app, path: str = "/v1/sparql"):
        self.app, self.path = app, path
        self.cors = CORSMiddleware(app, allow_origins=["*"], allow_methods=["GET", "POST"], allow_credentials=False,
                                   allow_headers=["Accept", "Content-Type"],
                                   expose_headers=["X-Aiduty-Truncated", "X-Request-ID", "X-Aiduty-KB-Version"])

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("path") == self.path:
            return await self.cors(scope, receive, send)
        return await self.app(scope, receive, send)


class GZipReads:
    """Starlette's GZipMiddleware (level 5, answers of 1 KiB and more) for the answers made in this process:
    catalogue, schemas, OpenAPI, service description. Not for checks, interviews and label scans: their bodies
    are made in the workers and are large (a report is about 350 KB, 10 to 80 ms of gzip), and compressing them
    here would cost the event loop more than the check itself. SPARQL answers are compressed in the SPARQL worker."""

    SKIP = ("/v1/check", "/v1/interview", "/v1/labels/scan", "/v1/sparql")

    def __init__(self, app):
        self.app, self.gzip = app, GZipMiddleware(app, minimum_size=1024, compresslevel=5)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("path") not in self.SKIP:
            return await self.gzip(scope, receive, send)
        return await self.app(scope, receive, send)


def operation_id(route: APIRoute) -> str:
    """A readable operationId for routes that do not set one: the function's name in camelCase."""
    head, *rest = route.name.split("_")
    return head + "".join(w.capitalize() for w in rest)


PROBLEM_SCHEMA = {
    "title": "Problem", "type": "object", "description": "RFC 9457 problem details (application/problem+json)",
    "properties": {"type": {"type": "string", "default": "about:blank"}, "title": {"type": "string"},
                   "status": {"type": "integer"}, "detail": {"type": "string"},
                   "field": {"type": "string", "description": "The input field at fault, when there is one"},
                   "request_id": {"type": "string"}},
    "required": ["title", "status", "detail"], "additionalProperties": True,
}


def _declare_problems(schema: dict[str, Any]) -> None:
    """Every 4xx/5xx response, and a default one, as application/problem+json with the Problem schema."""
    ref = {"content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    for item in schema.get("paths", {}).values():
        for op in item.values():
            responses = op.setdefault("responses", {})
            for code, response in responses.items():
                if code[0] in "45":
                    response.update(ref)
                    if code == "422":
                        response["description"] = "Invalid request"
            responses.setdefault("default", {"description": "An error", **ref})
    components = schema["components"]["schemas"]
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components["Problem"] = PROBLEM_SCHEMA


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    kb = load()
    limits = Limits(memory=int(settings.worker_memory), cpu=settings.worker_cpu)
    tasks = Tasks(WorkerPool(settings.workers, settings.max_waiting, role="check", limits=limits),
                  WorkerPool(settings.sparql_workers, settings.sparql_max_waiting, role="sparql", limits=limits))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        try:
            await tasks.checks.start()
            await tasks.sparql.start()
            yield
        finally:
            await tasks.sparql.stop()
            await tasks.checks.stop()

    app = FastAPI(
        title="aiduty", version=__version__, lifespan=lifespan,
        description="Which duties of China's AI regulations apply to a service, which are met, what is missing — "
                    "and the obligation catalogue behind it. Errors are application/problem+json.",
        generate_unique_id_function=operation_id, docs_url=None, redoc_url=None,
    )
    app.state.settings, app.state.kb, app.state.tasks = settings, kb, tasks
    app.state.pool = tasks.checks
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(packages=[("aiduty", "static")]), name="static")

    app.add_middleware(GZipReads)
    app.add_middleware(SparqlCors)
    app.add_middleware(TrustedHosts, allowed_hosts=list(settings.allowed_hosts))
    app.add_middleware(LimitsAndHeaders, max_body=int(settings.max_body),
                       path_limits={"/v1/labels/scan": int(settings.labels_max_upload), "/labels": int(settings.labels_max_upload)},
                       headers=[(b"x-aiduty-kb-version", kb.version.encode()), (b"x-aiduty-kb-hash", kb.content_hash.encode()),
                                *((k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items())])

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem):
        if wants_html(request):
            return error_page(request, exc.status, exc.detail)
        return problem_response(exc.status, exc.title, exc.detail, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException):
        if wants_html(request):
            return error_page(request, exc.status_code, str(exc.detail))
        return problem_response(exc.status_code, {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error"), str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def on_validation(_: Request, exc: RequestValidationError):
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"] if p not in ("body", "query", "path"))
        return problem_response(422, "Invalid request", f"{field}: {err['msg']}", field=field)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            description = ServiceDescription.model_json_schema(ref_template="#/components/schemas/{model}")
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(description.pop("$defs", {}))
            components["ServiceDescription"] = description
            report = report_schema(ref_template="#/components/schemas/{model}")
            report.pop("$schema")
            components.update(report.pop("$defs", {}))
            components["Report"] = report
            _declare_problems(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi
    from .routes.portfolio import register; register(app)  # noqa: E702  the portfolio (issue 16): /v1/services, /v1/rechecks, /v1/impact
    return app
