"""Portfolio operations shared by the CLI and the HTTP API: services and their versions, check runs,
sign-offs and the audit log. Every write happens in one transaction with its audit entry."""

from __future__ import annotations

import hashlib
import json
import zlib
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..description import ServiceDescription, parse_description
from ..report import Report
from .. import signoff as signoffs_mod
from .db import Database
from .models import AuditEntry, CheckRun, Service, ServiceVersion, SignOff


class NotFound(LookupError):
    pass


class Refused(ValueError):
    """A write the portfolio refuses (bad input): the message says why."""


def description_json(desc: ServiceDescription) -> dict:
    return desc.model_dump(mode="json", exclude_none=True)


def content_hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def audit(session: Session, actor: str, action: str, entity: str, entity_id: str, **detail: Any) -> None:
    session.add(AuditEntry(actor=actor, action=action, entity=entity, entity_id=str(entity_id), detail=detail))


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


class Portfolio:
    def __init__(self, db: Database):
        self.db = db

    # ------------------------------------------------------------------ services and versions

    def add(self, desc: ServiceDescription | dict, actor: str = "cli") -> dict:
        """Store a description as the service's newest version, unless the same content is already stored."""
        desc = parse_description(desc)
        data = description_json(desc)
        digest = content_hash(data)
        for attempt in range(3):                  # two writers adding one service: the loser retries once
            try:
                with self.db.transaction() as s:
                    return self._add(s, desc, data, digest, actor)
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _add(self, s: Session, desc: ServiceDescription, data: dict, digest: str, actor: str) -> dict:
        service = s.get(Service, desc.id, with_for_update=True)
        same = s.scalar(select(ServiceVersion).where(ServiceVersion.service_id == desc.id, ServiceVersion.content_hash == digest))
        if same is not None:
            return {"service": desc.id, "version": same.version, "content_hash": digest, "created": False}
        now = datetime.now(timezone.utc)
        if service is None:
            service = Service(id=desc.id, name=desc.name, current_version=1, created_at=now, updated_at=now)
            s.add(service)
            number = 1
        else:
            number = (s.scalar(select(func.max(ServiceVersion.version)).where(ServiceVersion.service_id == desc.id)) or 0) + 1
            service.current_version, service.name, service.updated_at = number, desc.name, now
        s.flush()
        s.add(ServiceVersion(service_id=desc.id, version=number, content_hash=digest, description=data, created_by=actor))
        audit(s, actor, "service.add", "service", desc.id, version=number, content_hash=digest)
        return {"service": desc.id, "version": number, "content_hash": digest, "created": True}

    def list(self) -> list[dict]:
        with self.db.sessions() as s:
            latest = select(CheckRun.service_id, func.max(CheckRun.id).label("run")).group_by(CheckRun.service_id).subquery()
            rows = s.execute(select(Service, CheckRun).outerjoin(latest, latest.c.service_id == Service.id)
                             .outerjoin(CheckRun, CheckRun.id == latest.c.run).order_by(Service.id)).all()
            return [self._service_json(svc, run) for svc, run in rows]

    def _service_json(self, svc: Service, run: CheckRun | None) -> dict:
        out: dict[str, Any] = {"id": svc.id, "name": svc.name, "version": svc.current_version,
                               "updated_at": _iso(svc.updated_at), "last_run": None}
        if run is not None:
            out["last_run"] = {"id": run.id, "as_of": _iso(run.as_of), "kb_version": run.kb_version,
                               "summary": run.summary, "has_gap": run.has_gap, "at": _iso(run.created_at)}
        return out

    def get(self, service_id: str) -> dict:
        with self.db.sessions() as s:
            svc = self._service(s, service_id)
            run = s.scalar(select(CheckRun).where(CheckRun.service_id == service_id).order_by(CheckRun.id.desc()).limit(1))
            return self._service_json(svc, run)

    def _service(self, s: Session, service_id: str) -> Service:
        svc = s.get(Service, service_id)
        if svc is None:
            raise NotFound(f"no service {service_id!r} in the portfolio")
        return svc

    def versions(self, service_id: str) -> list[dict]:
        with self.db.sessions() as s:
            self._service(s, service_id)
            rows = s.scalars(select(ServiceVersion).where(ServiceVersion.service_id == service_id).order_by(ServiceVersion.version))
            return [{"version": v.version, "content_hash": v.content_hash, "created_at": _iso(v.created_at), "created_by": v.created_by} for v in rows]

    def description(self, service_id: str, version: int | None = None) -> tuple[int, int, dict]:
        """(version row id, version number, description) of the given or current version."""
        with self.db.sessions() as s:
            svc = self._service(s, service_id)
            v = s.scalar(select(ServiceVersion).where(ServiceVersion.service_id == service_id,
                                                      ServiceVersion.version == (version or svc.current_version)))
            if v is None:
                raise NotFound(f"service {service_id!r} has no version {version}")
            return v.id, v.version, v.description

    def history(self, service_id: str, limit: int = 100) -> list[dict]:
        with self.db.sessions() as s:
            self._service(s, service_id)
            rows = s.execute(select(CheckRun, ServiceVersion.version).join(ServiceVersion, ServiceVersion.id == CheckRun.version_id)
                             .where(CheckRun.service_id == service_id).order_by(CheckRun.id.desc()).limit(limit)).all()
            return [{"run": r.id, "version": number, "as_of": _iso(r.as_of), "kb_version": r.kb_version,
                     "kb_content_hash": r.kb_content_hash, "summary": r.summary, "has_gap": r.has_gap,
                     "recheck": r.recheck_id, "at": _iso(r.created_at)} for r, number in rows]

    def run_report(self, run_id: int) -> dict:
        with self.db.sessions() as s:
            run = s.get(CheckRun, run_id)
            if run is None:
                raise NotFound(f"no check run {run_id}")
            return json.loads(zlib.decompress(run.report))

    def last_statuses(self, service_id: str, n: int = 2) -> list[tuple[int, dict | None]]:
        """(run id, duty statuses) of the service's newest ``n`` runs, newest first."""
        with self.db.sessions() as s:
            self._service(s, service_id)
            return [tuple(r) for r in s.execute(select(CheckRun.id, CheckRun.statuses).where(CheckRun.service_id == service_id)
                                                .order_by(CheckRun.id.desc()).limit(n))]

    def last_runs(self, service_id: str, n: int = 2) -> list[dict]:
        """The service's newest ``n`` stored reports, newest first."""
        with self.db.sessions() as s:
            self._service(s, service_id)
            rows = s.scalars(select(CheckRun.report).where(CheckRun.service_id == service_id).order_by(CheckRun.id.desc()).limit(n))
            return [json.loads(zlib.decompress(r)) for r in rows]

    def service_ids(self) -> list[str]:
        with self.db.sessions() as s:
            return list(s.scalars(select(Service.id).order_by(Service.id)))

    # ------------------------------------------------------------------ checks

    def check(self, engine, service_id: str, as_of: date | None = None, *, include_all: bool = False,
              store: bool = False, actor: str = "cli") -> Report:
        """Check the service's current version (sign-offs applied); with ``store`` keep the run."""
        version_id, _, data = self.description(service_id)
        report = self.attest(engine, service_id, engine.check(data, as_of=as_of, include_all=include_all))
        if store:
            with self.db.transaction() as s:
                run = record_run(s, service_id, version_id, report)
                s.flush()
                audit(s, actor, "run.add", "check_run", run.id, service=service_id)
        return report

    def attest(self, engine, service_id: str, report: Report, rows: list[SignOff] | None = None) -> Report:
        """The report with the service's sign-offs applied (``rows``: its sign-offs, if already read)."""
        if rows is None:
            with self.db.sessions() as s:
                rows = signoff_rows(s, [service_id]).get(service_id, [])
        if not rows:                              # the portfolio's summaries always count `attested`
            return report.model_copy(update={"summary": report.summary.model_copy(update={"attested": 0})})
        return signoffs_mod.apply(report, [to_attestation(r) for r in rows], signoffs_mod.kb_summaries(engine))

    def current(self, service_ids: list[str]) -> dict[str, tuple[ServiceVersion, list[SignOff]]]:
        """Many services' current versions and live sign-offs in two queries."""
        with self.db.sessions() as s:
            return current_versions(s, service_ids)

    # ------------------------------------------------------------------ sign-offs

    def sign(self, engine, service_id: str, duty_id: str, *, signed_by: str, statement: str, evidence: str | None = None,
             expires_on: date | None = None, actor: str = "cli") -> dict:
        """Sign off a duty the service's current report lists as ``applicable`` (or re-sign an attested one)."""
        if not signed_by.strip() or not statement.strip():
            raise Refused("a sign-off needs who signed (--by) and a statement")
        if expires_on is not None and expires_on < date.today():
            raise Refused(f"the expiry {expires_on} is in the past")
        report = self.check(engine, service_id)
        duty = next((d for d in report.duties if d.id == duty_id), None)
        if duty is None:
            raise Refused(f"{duty_id!r} is not a duty of {service_id!r} today")
        if duty.status not in ("applicable", "attested"):
            raise Refused(f"only 'applicable' duties can be signed off; {duty_id} is '{duty.status}' "
                          "(a gap or unknown is settled by the description, not a signature)")
        text_hash = signoffs_mod.duty_text_hash(duty, signoffs_mod.kb_summaries(engine).get(duty_id))
        with self.db.transaction() as s:
            row = SignOff(service_id=service_id, duty_id=duty_id, signed_by=signed_by, statement=statement,
                          evidence=evidence, expires_on=expires_on, duty_text_hash=text_hash,
                          kb_version=report.knowledge_base.version)
            s.add(row)
            s.flush()
            audit(s, actor, "signoff.add", "signoff", row.id, service=service_id, duty=duty_id, signed_by=signed_by)
            return signoff_json(row)

    def signoffs(self, engine, service_id: str, day: date | None = None) -> list[dict]:
        """Every sign-off of the service, each with its state today: valid, superseded, expired, outdated
        (the duty's text changed: review it), or not-signable (the duty is no longer applicable)."""
        with self.db.sessions() as s:
            self._service(s, service_id)
            rows = list(s.scalars(select(SignOff).where(SignOff.service_id == service_id).order_by(SignOff.duty_id, SignOff.id)))
        if not rows:
            return []
        version_id, _, data = self.description(service_id)
        report = engine.check(data, as_of=day, include_all=True)
        duties = {d.id: d for d in report.duties}
        summaries = signoffs_mod.kb_summaries(engine)
        winners = {}
        for r in rows:
            winners.setdefault(r.duty_id, []).append(to_attestation(r))
        out = []
        for r in rows:
            a = to_attestation(r)
            duty = duties.get(r.duty_id)
            if r.revoked:
                state = "revoked"
            elif signoffs_mod.winner(winners[r.duty_id]).id != r.id:
                state = "superseded"
            elif duty is None:
                state = "outdated"
            else:
                state = signoffs_mod.assess(a, duty, date.fromisoformat(report.as_of), summaries.get(r.duty_id))
            out.append({**signoff_json(r), "state": state})
        return out


def signoff_rows(s: Session, service_ids: list[str]) -> dict[str, list[SignOff]]:
    out: dict[str, list[SignOff]] = {}
    rows = s.scalars(select(SignOff).where(SignOff.service_id.in_(service_ids), SignOff.revoked.is_(False)).order_by(SignOff.id))
    for r in rows:
        out.setdefault(r.service_id, []).append(r)
    return out


def current_versions(s: Session, service_ids: list[str]) -> dict[str, tuple[ServiceVersion, list[SignOff]]]:
    rows = s.execute(select(Service.id, ServiceVersion).join(ServiceVersion, (Service.id == ServiceVersion.service_id)
                                                             & (Service.current_version == ServiceVersion.version))
                     .where(Service.id.in_(service_ids))).all()
    signs = signoff_rows(s, service_ids)
    return {sid: (v, signs.get(sid, [])) for sid, v in rows}


def to_attestation(r: SignOff) -> signoffs_mod.Attestation:
    return signoffs_mod.Attestation(duty_id=r.duty_id, signed_by=r.signed_by, signed_at=r.signed_at, statement=r.statement,
                                    duty_text_hash=r.duty_text_hash, evidence=r.evidence, expires_on=r.expires_on, id=r.id)


def signoff_json(r: SignOff) -> dict:
    return {"id": r.id, "service": r.service_id, "duty": r.duty_id, "signed_by": r.signed_by, "signed_at": _iso(r.signed_at),
            "statement": r.statement, "evidence": r.evidence, "expires_on": _iso(r.expires_on), "kb_version": r.kb_version}


def record_run(s: Session, service_id: str, version_id: int, report: Report, recheck_id: int | None = None) -> CheckRun:
    run = CheckRun(service_id=service_id, version_id=version_id, recheck_id=recheck_id, as_of=date.fromisoformat(report.as_of),
                   kb_version=report.knowledge_base.version, kb_content_hash=report.knowledge_base.content_hash,
                   summary=report.summary.model_dump(exclude_none=True), has_gap=report.has_gap,
                   report=zlib.compress(report.json_bytes(), 3), statuses={d.id: d.status for d in report.duties})
    s.add(run)
    return run
