"""Regulatory-change impact: per service, the duties that newly apply, lapse or change status between two
reports (two days under the current knowledge base, or the service's last two stored runs, e.g. before and
after a knowledge-base upgrade), each with the reason in words."""

from __future__ import annotations

from datetime import date

APPLIES = {"gap", "unknown", "met", "applicable", "attested"}
ABSENT = "not_applicable"        # a duty missing from a report (its instrument not yet published) does not apply


def kind(before: str, after: str) -> str:
    if before not in APPLIES and after in APPLIES:
        return "applies"
    if before in APPLIES and after not in APPLIES:
        return "lapses"
    return "changes"


def _cite(duty: dict) -> str:
    return ", ".join(c["label"]["en"] for c in duty.get("citations", [])) or duty["id"]


def reason(before: dict | None, after: dict | None, d1: str, d2: str, kb: tuple[str, str] | None = None) -> str:
    """Why a duty's status moved, in one sentence a product manager can read."""
    entry = after or before
    cite = _cite(entry)
    parts = []
    if after is not None and before is None:
        parts.append(f"{cite} is not among the duties on {d1}")
    elif after is None:
        parts.append(f"{cite} is not among the duties that apply on {d2}")
    else:
        start, until = after.get("in_force_from"), after.get("in_force_until")
        if start and d1 < start <= d2:
            parts.append(f"{cite} comes into force on {start}")
        elif until and d1 <= until < d2:
            parts.append(f"{cite} ceases to be in force after {until}")
        elif before.get("instrument_status") != after.get("instrument_status"):
            parts.append(f"{cite} changes from {before.get('instrument_status')} to {after.get('instrument_status')}")
    if kb and kb[0] != kb[1]:
        parts.append(f"knowledge base {kb[0]} → {kb[1]}")
    if after is not None:
        status = after["status"]
        detail = [f["message"] for f in after.get("findings", [])]
        if status in ("gap", "attested", "applicable") and detail:
            parts.append(detail[-1])
        elif status == "unknown" and after.get("questions"):
            parts.append("missing facts: " + ", ".join(after["questions"]))
        elif after.get("applies_because"):
            parts.append(after["applies_because"][0])
    return "; ".join(parts)


def _index(report) -> dict:
    """Duty id -> entry of a report given as a Report or as its JSON dict."""
    duties = report["duties"] if isinstance(report, dict) else report.duties
    return {(d["id"] if isinstance(d, dict) else d.id): d for d in duties}


def _status(entry) -> str:
    return entry["status"] if isinstance(entry, dict) else entry.status


def _plain(entry) -> dict | None:
    if entry is None or isinstance(entry, dict):
        return entry
    return entry.model_dump(mode="json", exclude_none=True)     # only for the few entries that changed


def _head(report) -> tuple[str, str, str]:
    if isinstance(report, dict):
        return report["as_of"], report["knowledge_base"]["version"], report["knowledge_base"]["content_hash"]
    return report.as_of, report.knowledge_base.version, report.knowledge_base.content_hash


def diff(before, after) -> list[dict]:
    """Status changes between two reports (Report objects or their design §5 JSON), in duty order."""
    b, a = _index(before), _index(after)
    (d1, v1, h1), (d2, v2, h2) = _head(before), _head(after)
    kb = (v1, v2) if h1 != h2 else None
    changes = []
    for duty_id in sorted(set(a) | set(b)):
        s1 = _status(b[duty_id]) if duty_id in b else ABSENT
        s2 = _status(a[duty_id]) if duty_id in a else ABSENT
        if s1 == s2:
            continue
        changes.append({"duty": duty_id, "from": s1, "to": s2, "kind": kind(s1, s2),
                        "reason": reason(_plain(b.get(duty_id)), _plain(a.get(duty_id)), d1, d2, kb)})
    return changes


CHUNK = 200


def between_days(portfolio, engine, day1: date, day2: date, service_ids: list[str] | None = None) -> list[dict]:
    """Each service's current version checked on both days (sign-offs applied), and what changed."""
    ids = service_ids or portfolio.service_ids()
    out = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        current = portfolio.current(chunk)
        for sid in chunk:
            if sid not in current:
                portfolio.get(sid)                    # raises NotFound with the usual message
            version, signs = current[sid]
            before, after = (portfolio.attest(engine, sid, engine.check(version.description, as_of=day, include_all=True), signs)
                             for day in (day1, day2))
            out.append({"service": sid, "changes": diff(before, after)})
    return out


def between_runs(portfolio, service_ids: list[str] | None = None) -> list[dict]:
    """Each service's last two stored runs (after ``recheck`` under a new knowledge base, what changed)."""
    out = []
    for sid in service_ids or portfolio.service_ids():
        runs = portfolio.last_statuses(sid, 2)
        if len(runs) < 2 or (runs[0][1] is not None and runs[0][1] == runs[1][1]):
            out.append({"service": sid, "changes": []})       # same statuses: no need to read the reports
            continue
        newest, previous = (portfolio.run_report(run_id) for run_id, _ in runs)
        out.append({"service": sid, "changes": diff(previous, newest)})
    return out
