"""What every router shares: problem+json errors, the request id, and the app's state as dependencies."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from ..kb import KnowledgeBase
from ..settings import Settings
from ..workers import Saturated, TaskFailed, TimedOut, WorkerDied, WorkerPool

PROBLEM = "application/problem+json"
RETRY_AFTER_S = 1
log = logging.getLogger("aiduty.server")


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str, **extra: Any):
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def problem_response(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """An application/problem+json response; every 503 says when to try again (Retry-After)."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    headers = {"retry-after": str(RETRY_AFTER_S)} if status == 503 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def request_id(request: Request) -> str:
    return request.scope.get("state", {}).get("request_id", "-")


def get_kb(request: Request) -> KnowledgeBase:
    return request.app.state.kb


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


class Tasks:
    """The worker pools, checks and SPARQL apart (so neither can starve the other), with their errors mapped
    to problems."""

    def __init__(self, checks: WorkerPool, sparql: WorkerPool):
        self.checks, self.sparql = checks, sparql

    async def run(self, pool: WorkerPool, kind: str, payload: Any, timeout: float, rid: str) -> Any:
        try:
            return await pool.run(kind, payload, timeout)
        except Saturated as exc:
            raise Problem(503, "Server busy", str(exc))
        except WorkerDied as exc:
            log.warning("request %s: %s", rid, exc)
            raise Problem(503, "Worker lost", "the worker handling this request stopped; try again", request_id=rid)
        except TimedOut as exc:
            log.warning("request %s: %s %s", rid, kind, exc)
            raise Problem(504, "Time limit exceeded", str(exc))
        except TaskFailed as exc:
            if exc.kind == "description":
                info = exc.args[0]
                raise Problem(422, "Invalid service description", f"{info['field']}: {info['problem']}", field=info["field"])
            if exc.kind == "query":
                raise Problem(400, "Query refused", str(exc))
            if exc.kind == "memory":
                raise Problem(400, "Request refused", str(exc))
            log.error("request %s: %s failed: %s", rid, kind, exc)
            raise Problem(500, "Internal error", "the request failed; see the server log", request_id=rid)


def get_tasks(request: Request) -> Tasks:
    return request.app.state.tasks


def day(value: str | None, name: str = "as_of") -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Problem(422, "Invalid request", f"{name}: expected a date YYYY-MM-DD, got {value!r}", field=name)
