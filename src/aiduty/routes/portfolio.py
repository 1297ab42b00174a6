"""The portfolio over HTTP (issue 16): ``/v1/services`` (create, list, read, versions, history, report,
sign-offs), ``/v1/rechecks`` and ``/v1/impact``, registered on the app by ``register(app)``.

Write endpoints need an API key (``aiduty keys create``) in ``Authorization: Bearer …`` or ``X-API-Key``;
reads are open unless ``AIDUTY_READS_NEED_KEY=1``. The database is ``AIDUTY_DATABASE_URL`` (SQLite by default),
opened on the first portfolio request, so an app that never uses the portfolio never touches a database.
Several ``aiduty serve`` instances may share one PostgreSQL: ``POST /v1/rechecks`` drains the shared queue with
row locks, so instances called at once split the work. Errors are application/problem+json.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from datetime import date
from typing import Any, Optional

from fastapi import APIRouter, Body, Depends, FastAPI, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

PROBLEM = "application/problem+json"
ServiceId = Path(pattern=r"^[a-z0-9-]+$", max_length=100, description="The service description's id")
MAX_INT = 2**31 - 1
KEY_CACHE_SECONDS = 30.0


class PortfolioProblem(Exception):
    def __init__(self, status: int, title: str, detail: str, headers: dict | None = None):
        self.status, self.title, self.detail, self.headers = status, title, detail, headers


NO_NUL = r"^[^\x00]*$"          # PostgreSQL text cannot hold NUL


class SignOffIn(BaseModel):
    duty: str = Field(max_length=200, pattern=r"^[a-z0-9-]+$")
    signed_by: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    statement: str = Field(min_length=1, max_length=10_000, pattern=NO_NUL)
    evidence: Optional[str] = Field(default=None, max_length=2000, pattern=NO_NUL)
    expires_on: Optional[date] = None


class _State:
    """The database and one engine per server process, made on first use."""

    def __init__(self, url: str | None):
        self.url, self._db, self._engine = url, None, None
        self.lock = threading.Lock()              # the engine is for one thread at a time
        self._db_lock = threading.Lock()
        self.keys: dict[str, tuple[str, float]] = {}

    @property
    def db(self):
        with self._db_lock:
            if self._db is None:
                from ..store.db import Database

                self._db = Database(self.url)
            return self._db

    def engine(self):
        if self._engine is None:
            from ..engine import Engine

            self._engine = Engine.load()
        return self._engine

    def portfolio(self):
        from ..store.portfolio import Portfolio

        return Portfolio(self.db)


def _presented(authorization: str | None, x_api_key: str | None) -> str | None:
    if x_api_key:
        return x_api_key.strip()
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def _guard(state: _State, key: str | None) -> str:
    """The key's name, or a 401 problem."""
    if key is None:
        raise PortfolioProblem(401, "API key required", "send an API key in 'Authorization: Bearer …' or 'X-API-Key'",
                               {"WWW-Authenticate": "Bearer"})
    digest = hashlib.sha256(key.encode()).hexdigest()       # remember verified keys briefly: scrypt is slow on purpose
    hit = state.keys.get(digest)
    if hit and hit[1] > time.monotonic():
        return hit[0]
    from ..store import keys

    name = keys.verify(state.db, key)
    if name is None:
        raise PortfolioProblem(401, "Invalid API key", "the API key is unknown or revoked", {"WWW-Authenticate": "Bearer"})
    state.keys[digest] = (name, time.monotonic() + KEY_CACHE_SECONDS)
    return name


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PortfolioProblem(422, "Invalid request", f"{name}: expected a date YYYY-MM-DD, got {value!r}")


def _call(fn, *args, **kwargs):
    from ..description import DescriptionError
    from ..store.portfolio import NotFound, Refused

    try:
        return fn(*args, **kwargs)
    except NotFound as exc:
        raise PortfolioProblem(404, "Not found", str(exc))
    except DescriptionError as exc:
        raise PortfolioProblem(422, "Invalid service description", f"{exc.field}: {exc.problem}")
    except Refused as exc:
        raise PortfolioProblem(422, "Refused", str(exc))


def router(state: _State) -> APIRouter:
    reads_need_key = os.environ.get("AIDUTY_READS_NEED_KEY", "") in ("1", "true", "yes")

    def writer(authorization: str | None = Header(None), x_api_key: str | None = Header(None)) -> str:
        return _guard(state, _presented(authorization, x_api_key))

    def reader(authorization: str | None = Header(None), x_api_key: str | None = Header(None)) -> str:
        return _guard(state, _presented(authorization, x_api_key)) if reads_need_key else "anonymous"

    r = APIRouter(prefix="/v1", tags=["portfolio"])

    @r.post("/services", status_code=201)
    def create_service(body: dict[str, Any] = Body(..., examples=[{"id": "companion-app", "name": "XinYu Companion"}]),
                       actor: str = Depends(writer)) -> dict:
        """Store a description as the service's newest version (the same content again stores nothing)."""
        return _call(state.portfolio().add, body, actor=f"key:{actor}")

    @r.get("/services")
    def list_services(_: str = Depends(reader)) -> list[dict]:
        return state.portfolio().list()

    @r.get("/services/{service_id}")
    def read_service(service_id: str = ServiceId, _: str = Depends(reader)) -> dict:
        return _call(state.portfolio().get, service_id)

    @r.get("/services/{service_id}/versions")
    def service_versions(service_id: str = ServiceId, _: str = Depends(reader)) -> list[dict]:
        return _call(state.portfolio().versions, service_id)

    @r.get("/services/{service_id}/versions/{version}")
    def service_version(service_id: str = ServiceId, version: int = Path(ge=1, le=MAX_INT), _: str = Depends(reader)) -> dict:
        _, number, data = _call(state.portfolio().description, service_id, version)
        return {"service": service_id, "version": number, "description": data}

    @r.get("/services/{service_id}/history")
    def service_history(service_id: str = ServiceId, limit: int = Query(100, ge=1, le=1000), _: str = Depends(reader)) -> list[dict]:
        return _call(state.portfolio().history, service_id, limit)

    @r.get("/services/{service_id}/report")
    def service_report(service_id: str = ServiceId, as_of: str | None = None, _: str = Depends(reader)) -> JSONResponse:
        """The current version checked now (or ``as_of``), sign-offs applied."""
        day = _day(as_of, "as_of")
        with state.lock:
            report = _call(state.portfolio().check, state.engine(), service_id, day)
        return JSONResponse(report.model_dump(mode="json", exclude_none=True))

    @r.get("/services/{service_id}/signoffs")
    def list_signoffs(service_id: str = ServiceId, _: str = Depends(reader)) -> list[dict]:
        with state.lock:
            return _call(state.portfolio().signoffs, state.engine(), service_id)

    @r.post("/services/{service_id}/signoffs", status_code=201)
    def sign(body: SignOffIn, service_id: str = ServiceId, actor: str = Depends(writer)) -> dict:
        """Sign off an ``applicable`` duty: it then shows as ``attested`` (never ``met``)."""
        with state.lock:
            return _call(state.portfolio().sign, state.engine(), service_id, body.duty, signed_by=body.signed_by,
                         statement=body.statement, evidence=body.evidence, expires_on=body.expires_on, actor=f"key:{actor}")

    @r.post("/rechecks")
    def recheck(as_of: str | None = None, limit: int = Query(50, ge=1, le=1000), actor: str = Depends(writer)) -> dict:
        """Join (or start) the recheck of every service for ``as_of`` (default today) under this knowledge
        base, and check up to ``limit`` services of its queue; call again until ``pending`` is 0."""
        from ..store import recheck as rc

        day = _day(as_of, "as_of") or date.today()
        with state.lock:
            engine = state.engine()
            recheck_id = rc.open_recheck(state.db, day, engine.kb.version, engine.kb.content_hash, actor=f"key:{actor}")
            checked = rc.work(state.db, engine, recheck_id, "http:" + rc.worker_name(), limit=limit)
        rc.finish_if_done(state.db, recheck_id, actor=f"key:{actor}")
        p = rc.progress(state.db, recheck_id)
        return {"recheck": recheck_id, "checked": checked, "done": p.done, "total": p.total, "pending": p.total - p.done,
                "with_gap": p.gaps, "failed": p.failed}

    @r.get("/rechecks/{recheck_id}")
    def recheck_status(recheck_id: int = Path(ge=1, le=MAX_INT), _: str = Depends(reader)) -> dict:
        from ..store import recheck as rc
        from ..store.models import Recheck

        with state.db.sessions() as s:
            if s.get(Recheck, recheck_id) is None:
                raise PortfolioProblem(404, "Not found", f"no recheck {recheck_id}")
        p = rc.progress(state.db, recheck_id)
        return {"recheck": recheck_id, "done": p.done, "total": p.total, "pending": p.total - p.done, "with_gap": p.gaps, "failed": p.failed}

    @r.get("/impact")
    def impact(date_from: str | None = Query(None, alias="from"), date_to: str | None = Query(None, alias="to"),
               stored: bool = False, service: list[str] | None = Query(None, max_length=1000), _: str = Depends(reader)) -> list[dict]:
        """Per service, the duties that newly apply, lapse or change status between two days (or, with
        ``stored``, between each service's last two stored runs), with reasons."""
        from ..store import impact as imp

        if service and not all(re.fullmatch(r"[a-z0-9-]{1,100}", x) for x in service):
            raise PortfolioProblem(422, "Invalid request", "service: ids are [a-z0-9-]+")
        if stored:
            return _call(imp.between_runs, state.portfolio(), service)
        d1, d2 = _day(date_from, "from"), _day(date_to, "to")
        if d1 is None or d2 is None:
            raise PortfolioProblem(422, "Invalid request", "give 'from' and 'to' (YYYY-MM-DD), or 'stored=true'")
        with state.lock:
            return _call(imp.between_days, state.portfolio(), state.engine(), d1, d2, service)

    return r


def register(app: FastAPI, url: str | None = None) -> None:
    """Add the portfolio endpoints and their problem+json errors to ``app``."""
    state = _State(url)
    app.state.portfolio = state
    app.include_router(router(state))

    @app.exception_handler(PortfolioProblem)
    async def on_problem(_: Request, exc: PortfolioProblem):
        body = {"type": "about:blank", "title": exc.title, "status": exc.status, "detail": exc.detail}
        return JSONResponse(body, status_code=exc.status, media_type=PROBLEM, headers=exc.headers)
