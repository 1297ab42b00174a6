"""The tables (typed SQLAlchemy 2 ORM). Migrations in migrations/versions/ must match these."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Service(Base):
    __tablename__ = "services"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)      # the description's own id
    name: Mapped[str] = mapped_column(String(500))
    current_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ServiceVersion(Base):
    """Every distinct description of a service; the same content is never stored twice."""
    __tablename__ = "service_versions"
    __table_args__ = (UniqueConstraint("service_id", "version"), UniqueConstraint("service_id", "content_hash"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    description: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="")


class CheckRun(Base):
    __tablename__ = "check_runs"
    __table_args__ = (Index("ix_check_runs_service_created", "service_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("service_versions.id", ondelete="CASCADE"))
    recheck_id: Mapped[int | None] = mapped_column(ForeignKey("rechecks.id", ondelete="SET NULL"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    kb_version: Mapped[str] = mapped_column(String(100))
    kb_content_hash: Mapped[str] = mapped_column(String(100))
    summary: Mapped[dict] = mapped_column(JSON)
    has_gap: Mapped[bool] = mapped_column(Boolean)
    # The report's JSON (design §5), zlib-compressed: a report is 0.3-0.4 MB and compresses about 5 times.
    report: Mapped[bytes] = mapped_column(LargeBinary)
    # Duty id -> status, small and uncompressed, so that comparing runs reads full reports only where a
    # status changed (migration 0002; None on runs stored before it).
    statuses: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Recheck(Base):
    """One recheck of the whole portfolio against one knowledge base and day. ``open_key`` is set while it
    runs (unique), so processes that start the same recheck join it instead of starting another."""
    __tablename__ = "rechecks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    kb_version: Mapped[str] = mapped_column(String(100))
    kb_content_hash: Mapped[str] = mapped_column(String(100))
    open_key: Mapped[str | None] = mapped_column(String(300), unique=True)
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RecheckItem(Base):
    """The queue: one row per (recheck, service). Workers take pending rows with FOR UPDATE SKIP LOCKED and
    mark them done in the transaction that stores the run, so a killed worker's rows simply stay pending."""
    __tablename__ = "recheck_items"
    __table_args__ = (Index("ix_recheck_items_pending", "recheck_id", "done", "seq"),)
    recheck_id: Mapped[int] = mapped_column(ForeignKey("rechecks.id", ondelete="CASCADE"), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("check_runs.id", ondelete="SET NULL"))
    worker: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)


class SignOff(Base):
    """A person's attestation that an ``applicable`` duty is fulfilled. Never deleted: a newer one supersedes."""
    __tablename__ = "signoffs"
    __table_args__ = (Index("ix_signoffs_service_duty", "service_id", "duty_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    duty_id: Mapped[str] = mapped_column(String(200))
    signed_by: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    statement: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(String(2000))
    expires_on: Mapped[date | None] = mapped_column(Date)
    duty_text_hash: Mapped[str] = mapped_column(String(64))
    kb_version: Mapped[str] = mapped_column(String(100))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class ApiKey(Base):
    """Keys are ``aid_<key_id>_<secret>``; only the scrypt hash of the secret is kept."""
    __tablename__ = "api_keys"
    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    salt: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    entity: Mapped[str] = mapped_column(String(100))
    entity_id: Mapped[str] = mapped_column(String(300))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
