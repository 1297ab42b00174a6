"""Recheck the whole portfolio: a queue of (recheck, service) rows that any number of processes, on any number
of machines, drain together.

A worker takes a few pending rows with ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL), checks them, stores
the runs and marks the rows done in that same transaction. Rows another worker holds are skipped, so nothing
is checked twice; a worker killed midway holds its rows only until its connection drops, and the transaction
rolls back, so they are pending again and the next ``recheck`` of the same day and knowledge base picks them
up. SQLite has no row locks: there the ``--jobs`` workers of one command split the queue by position instead.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Callable

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..description import DescriptionError
from .db import Database
from .models import Recheck, RecheckItem, Service
from .portfolio import Portfolio, audit, current_versions, record_run

BATCH = 16


@dataclass
class Progress:
    recheck: int
    total: int
    done: int
    gaps: int
    failed: int


def open_recheck(db: Database, as_of: date, kb_version: str, kb_hash: str, actor: str = "cli") -> int:
    """Join the open recheck for this day and knowledge base, or start one with every stored service queued."""
    key = f"{as_of.isoformat()}|{kb_hash}"
    for _ in range(3):
        with db.sessions() as s:
            found = s.scalar(select(Recheck.id).where(Recheck.open_key == key))
        if found is not None:
            return found
        try:
            with db.transaction() as s:
                r = Recheck(as_of=as_of, kb_version=kb_version, kb_content_hash=kb_hash, open_key=key)
                s.add(r)
                s.flush()
                ids = list(s.scalars(select(Service.id).order_by(Service.id)))
                if ids:
                    s.execute(insert(RecheckItem), [{"recheck_id": r.id, "service_id": sid, "seq": i, "done": False}
                                                     for i, sid in enumerate(ids)])
                r.total = len(ids)
                audit(s, actor, "recheck.start", "recheck", r.id, as_of=as_of.isoformat(), kb_version=kb_version, services=len(ids))
                return r.id
        except IntegrityError:                   # another process opened it first: join that one
            continue
    raise RuntimeError("could not open a recheck")


def work(db: Database, engine, recheck_id: int, worker: str, *, part: tuple[int, int] | None = None,
         emit: Callable[[dict], None] | None = None, limit: int | None = None, batch: int = BATCH) -> int:
    """Drain pending rows of the recheck (all, or at most ``limit``); returns how many this worker checked."""
    portfolio = Portfolio(db)
    with db.sessions() as s:
        as_of = s.get(Recheck, recheck_id).as_of
    checked = 0
    while limit is None or checked < limit:
        lines: list[dict] = []
        with db.transaction() as s:
            q = select(RecheckItem).where(RecheckItem.recheck_id == recheck_id, RecheckItem.done.is_(False))
            if part is not None and part[1] > 1:
                q = q.where(RecheckItem.seq % part[1] == part[0])
            q = q.order_by(RecheckItem.seq).limit(batch if limit is None else min(batch, limit - checked))
            items = list(s.scalars(q.with_for_update(skip_locked=True)))
            if not items:
                break
            current = current_versions(s, [i.service_id for i in items])
            for item in items:
                version, signs = current[item.service_id]
                line: dict = {"service": item.service_id, "recheck": recheck_id}
                try:
                    report = engine.check(version.description, as_of=as_of)
                except DescriptionError as exc:
                    item.error, line["error"] = str(exc), str(exc)
                else:
                    report = portfolio.attest(engine, item.service_id, report, signs)
                    run = record_run(s, item.service_id, version.id, report, recheck_id)
                    s.flush()
                    item.run_id = run.id
                    line.update(version=version.version, run=run.id, summary=report.summary.model_dump(exclude_none=True),
                                has_gap=report.has_gap)
                item.done, item.worker = True, worker
                lines.append(line)
                checked += 1
        if emit:                                 # only what is committed: a line printed is a run stored
            for line in lines:
                emit(line)
    return checked


def progress(db: Database, recheck_id: int) -> Progress:
    with db.sessions() as s:
        r = s.get(Recheck, recheck_id)
        done = s.scalar(select(func.count()).where(RecheckItem.recheck_id == recheck_id, RecheckItem.done.is_(True)))
        failed = s.scalar(select(func.count()).where(RecheckItem.recheck_id == recheck_id, RecheckItem.error.is_not(None)))
        from .models import CheckRun
        gaps = s.scalar(select(func.count()).select_from(RecheckItem).join(CheckRun, CheckRun.id == RecheckItem.run_id)
                        .where(RecheckItem.recheck_id == recheck_id, CheckRun.has_gap.is_(True)))
        return Progress(recheck_id, r.total, done, gaps, failed)


def finish_if_done(db: Database, recheck_id: int, actor: str = "cli") -> bool:
    with db.transaction() as s:
        pending = s.scalar(select(func.count()).where(RecheckItem.recheck_id == recheck_id, RecheckItem.done.is_(False)))
        if pending:
            return False
        changed = s.execute(update(Recheck).where(Recheck.id == recheck_id, Recheck.open_key.is_not(None))
                            .values(open_key=None, finished_at=datetime.now(timezone.utc))).rowcount
        if changed:
            audit(s, actor, "recheck.finish", "recheck", recheck_id)
        return True


def worker_name() -> str:
    return f"{os.uname().nodename}:{os.getpid()}"


def child(url: str, recheck_id: int, index: int, jobs: int, fmt: str) -> None:
    """A ``--jobs`` worker process: its own connection and engine; writes its lines to stdout itself."""
    from ..engine import Engine

    db = Database(url, migrate=False)
    engine = Engine.load()
    part = (index, jobs) if db.dialect == "sqlite" else None
    work(db, engine, recheck_id, worker_name(), part=part, emit=line_writer(fmt))
    db.dispose()


def line_writer(fmt: str) -> Callable[[dict], None]:
    def emit(line: dict) -> None:
        if fmt == "json":
            text = json.dumps(line, ensure_ascii=False)
        elif "error" in line:
            text = f"{line['service']}: ERROR {line['error']}"
        else:
            s = line["summary"]
            text = (f"{line['service']} v{line['version']}: gap {s.get('gap', 0)} · unknown {s.get('unknown', 0)} · "
                    f"upcoming {s.get('upcoming', 0)} · applicable {s.get('applicable', 0)} · attested {s.get('attested', 0)} · met {s.get('met', 0)}")
        os.write(1, (text + "\n").encode())     # one write per line: lines of several processes never interleave
    return emit
