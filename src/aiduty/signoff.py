"""Sign-offs, applied to a Report after the engine (design §9, "attested").

An ``applicable`` duty (nothing in a description can confirm it) that someone signed off shows as ``attested``:
never ``met``. The sign-off counts only while it has not expired on the report's day and while the duty's
text (title, summary and citations) is the one that was signed; otherwise the duty stays ``applicable`` and the
entry says why (expired, or changed and to be reviewed). The engine knows nothing of this; it is one small step
on its output, so the engine's legal logic can change without touching it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

from .report import DutyOut, Finding, Report

SIGNABLE = "applicable"


@dataclass(frozen=True)
class Attestation:
    duty_id: str
    signed_by: str
    signed_at: datetime
    statement: str
    duty_text_hash: str
    evidence: str | None = None
    expires_on: date | None = None
    id: int = 0


def duty_text_hash(duty: DutyOut, summary: dict | None = None) -> str:
    """What a sign-off vouches for: the duty's title, summary (from the knowledge base) and citations."""
    text = {"id": duty.id, "title": duty.title.model_dump(), "summary": summary or {},
            "citations": sorted(c.label.en or c.instrument for c in duty.citations)}
    return hashlib.sha256(json.dumps(text, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def kb_summaries(engine) -> dict[str, dict]:
    """Duty summaries from the engine's knowledge base, if it exposes them (they only sharpen the text hash)."""
    duties = getattr(getattr(engine, "kb", None), "duties", {}) or {}
    return {k: dict(getattr(d, "summary", {}) or {}) for k, d in duties.items()}


def winner(signoffs: list[Attestation]) -> Attestation:
    """Two sign-offs of one duty resolve deterministically: the later one, and on a tie the later stored."""
    return max(signoffs, key=lambda a: (a.signed_at, a.id))


def assess(a: Attestation, duty: DutyOut, day: date, summary: dict | None = None) -> str:
    """``valid``, ``expired``, ``outdated`` (the duty's text changed: review it) or ``not-signable``."""
    if a.duty_text_hash != duty_text_hash(duty, summary):
        return "outdated"
    if a.expires_on is not None and day > a.expires_on:
        return "expired"
    if duty.status != SIGNABLE:
        return "not-signable"
    return "valid"


def _note(a: Attestation, verdict: str) -> str:
    who = f"{a.signed_by} on {a.signed_at.date().isoformat()}"
    extra = (f"; evidence: {a.evidence}" if a.evidence else "") + (f"; expires {a.expires_on}" if a.expires_on else "")
    return {
        "valid": f"Signed off by {who}: {a.statement}{extra}",
        "expired": f"Sign-off by {who} expired on {a.expires_on}: sign it off again",
        "outdated": f"Sign-off by {who} needs review: the duty's text or citations changed since it was signed",
        "not-signable": f"Sign-off by {who} does not count: the duty is no longer 'applicable'",
    }[verdict]


def _with(duty: DutyOut, status: str, note: str) -> DutyOut:
    # A new entry, not model_copy: that would carry over the cached JSON fragment of the shared original.
    values = {name: getattr(duty, name) for name in DutyOut.model_fields}
    values.update(status=status, findings=(*duty.findings, Finding(fact=None, message=note)))
    return DutyOut.model_construct(**values)


def apply(report: Report, signoffs: list[Attestation], summaries: dict[str, dict] | None = None) -> Report:
    """A new report with valid sign-offs turned into ``attested`` and the summary counting them."""
    day = date.fromisoformat(report.as_of)
    by_duty: dict[str, list[Attestation]] = {}
    for a in signoffs:
        by_duty.setdefault(a.duty_id, []).append(a)
    duties, attested = [], 0
    for duty in report.duties:
        chosen = by_duty.get(duty.id)
        if not chosen:
            duties.append(duty)
            continue
        a = winner(chosen)
        verdict = assess(a, duty, day, (summaries or {}).get(duty.id))
        if verdict == "valid":
            duties.append(_with(duty, "attested", _note(a, verdict)))
            attested += 1
        elif duty.status == SIGNABLE:
            duties.append(_with(duty, SIGNABLE, _note(a, verdict)))
        else:
            duties.append(duty)
    summary = report.summary.model_copy(update={"applicable": report.summary.applicable - attested, "attested": attested})
    return report.model_copy(update={"duties": duties, "summary": summary})
