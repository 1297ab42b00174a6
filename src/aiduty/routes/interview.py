"""`POST /v1/interview`: the guided check over HTTP, stateless.

The body is a partial service description (JSON, the limits of /v1/check); the answer holds the next questions
(with help, choices, and how many open duties each settles) and the current summary. The client keeps the
description: it adds each answer and posts it again, passing the facts answered "don't know" as ``dont_know``
query parameters so that they are not asked again. ``id`` and ``name`` may be left out while the interview runs.
The work runs in the API's check workers, like a check.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from ..description import fact_path_set
from ..settings import Settings
from ..report import RoleOut, ServiceRef
from .check import WORKER_ERRORS, is_json
from .common import Problem, Tasks, day, get_settings, get_tasks, request_id

router = APIRouter(tags=["check"])
DRAFT_NAME = "Draft service"
EXAMPLE = {"reach": {"mainland_china_public": True}, "capabilities": {"generates": ["image"]}}


class InterviewAnswer(BaseModel):
    """The answer of POST /v1/interview (documentation: the route returns the worker's JSON as it is)."""

    service: ServiceRef
    as_of: str
    lang: Literal["en", "zh"]
    summary: dict[str, Any] = Field(description="Counts by status, as in the report's summary")
    done: bool = Field(description="True when no question is left to ask")
    questions: list[dict[str, Any]] = Field(description="The next questions, best first: fact, question, choices, "
                                                        "help, and how many open duties each settles")
    roles: list[RoleOut]
    dont_know: list[str]


@router.post("/v1/interview", operation_id="interviewStep", summary="Guided check: the next questions for a partial description",
             response_class=Response,
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": {"type": "object"}, "example": EXAMPLE}}}},
             responses={200: {"description": "The next questions and the summary", "model": InterviewAnswer},
                        **WORKER_ERRORS})
async def interview(
    request: Request,
    as_of: str | None = Query(None, description="YYYY-MM-DD; default today"),
    lang: Literal["en", "zh"] = Query("en"),
    limit: int = Query(3, ge=1, le=50, description="How many of the next questions to return, best first"),
    dont_know: list[str] = Query([], description="Facts answered \"don't know\": kept unknown and not asked again"),
    tasks: Tasks = Depends(get_tasks),
    settings: Settings = Depends(get_settings),
) -> Response:
    if not is_json(request.headers.get("content-type")):
        raise Problem(415, "Unsupported media type", "send the partial description as application/json")
    unknown = [f for f in dont_know if f not in fact_path_set()]
    if unknown:
        raise Problem(422, "Invalid request", f"dont_know: not a fact of the service description: {unknown[0][:100]!r}",
                      field="dont_know")
    payload = {"body": await request.body(), "as_of": day(as_of) or date.today(), "lang": lang, "limit": limit,
               "dont_know": dont_know}
    raw = await tasks.run(tasks.checks, "interview", payload, settings.check_timeout, request_id(request))
    return Response(raw, media_type="application/json")


def worker_step(engine, payload: dict) -> bytes:
    """In a worker process: parse the body, rank the next questions, encode the answer as JSON."""
    from ..description import json_body, parse_description
    from ..interview import DRAFT_ID, Interview, fact_help

    data = json_body(payload["body"])
    if isinstance(data, dict):
        data = {"id": DRAFT_ID, "name": DRAFT_NAME, **data}
    desc = parse_description(data, "request body")
    lang = payload["lang"]
    step = Interview(engine, desc, as_of=payload["as_of"], lang=lang, dont_know=payload["dont_know"])
    questions = []
    for q in step.questions(limit=payload["limit"]):
        item = q.as_json(engine, lang)
        item["help"] = {"label": q.label, "question": q.text} if q.items else fact_help(engine.kb, q.fact, lang)
        for sub, member in zip(item.get("items", ()), q.items):
            sub["help"] = fact_help(engine.kb, member.fact, lang)
        questions.append(item)
    report = step.report
    body = {"service": {"id": desc.id, "name": desc.name}, "as_of": step.day.isoformat(), "lang": lang,
            "summary": step.summary(), "done": not questions, "questions": questions,
            "roles": [r.model_dump() for r in report.roles], "dont_know": step.dont_know}
    return json.dumps(body, ensure_ascii=False).encode()
