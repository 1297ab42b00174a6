"""POST /v1/check: one service description in, its report out (design §5), computed in a check worker."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ..report import Report
from ..settings import Settings
from .common import Problem, Tasks, day, get_settings, get_tasks, request_id

EXAMPLE_SERVICE = {
    "id": "dreamy-canvas", "name": "Dreamy Canvas",
    "reach": {"mainland_china_public": True, "minors": True},
    "capabilities": {"generates": ["image", "video"], "export": True, "public_opinion_features": ["comments"]},
    "controls": {"explicit_labels": ["image"], "implicit_metadata_labels": True, "log_retention_months": 6},
}

router = APIRouter(tags=["check"])


def is_json(content_type: str | None) -> bool:
    """application/json or any +json type, parameters (charset) aside."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


# The errors a worker-backed route can answer (all application/problem+json; see api._declare_problems).
WORKER_ERRORS: dict[int | str, dict[str, Any]] = {
    415: {"description": "The body is not JSON"}, 422: {"description": "Invalid request"},
    503: {"description": "Server busy, or the worker was lost (Retry-After)"}, 504: {"description": "Time limit exceeded"}}


# The 200 answer is declared as the Report model for clients and docs, but the route returns the bytes the
# worker encoded: nothing is validated or encoded again in this process (the fast path).
@router.post("/v1/check", summary="Check one service description", response_class=Response, operation_id="checkService",
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": {"$ref": "#/components/schemas/ServiceDescription"},
                 "example": EXAMPLE_SERVICE}}}},
             responses={200: {"description": "The report (design §5)", "model": Report}, **WORKER_ERRORS})
async def check(
    request: Request,
    as_of: str | None = Query(None, description="YYYY-MM-DD; default today"),
    all: bool = Query(False, description="Also list duties that do not apply"),
    lang: Literal["en", "zh"] = Query("en"),
    tasks: Tasks = Depends(get_tasks),
    settings: Settings = Depends(get_settings),
) -> Response:
    if not is_json(request.headers.get("content-type")):
        raise Problem(415, "Unsupported media type", "send the service description as application/json")
    # The body goes to a worker as bytes: it parses, checks and encodes, so this process only moves bytes.
    payload: dict[str, Any] = {"body": await request.body(), "as_of": day(as_of) or date.today(), "lang": lang, "all": all}
    report = await tasks.run(tasks.checks, "check", payload, settings.check_timeout, request_id(request))
    return Response(report, media_type="application/json")
