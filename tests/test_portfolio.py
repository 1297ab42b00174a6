"""The portfolio against real databases: SQLite and a private PostgreSQL cluster (pgserver.py)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, inspect, select

from pgserver import new_database, postgres_server  # noqa: F401  (fixture)

from aiduty.store import db as dbmod
from aiduty.store import impact, keys, recheck
from aiduty.store.db import Database
from aiduty.store.models import ApiKey, AuditEntry, CheckRun, RecheckItem, ServiceVersion
from aiduty.store.portfolio import Portfolio, Refused

REPO = Path(__file__).resolve().parents[1]
SERVICES = REPO / "data" / "services"
SIGNABLE = "algo-2022-art10-tag-management"        # an `applicable` duty of the companion app


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'portfolio.db'}"
    return new_database(request.getfixturevalue("postgres_server"))


@pytest.fixture
def pg_url(postgres_server):
    return new_database(postgres_server)


def companion() -> dict:
    return yaml.safe_load((SERVICES / "companion-app.yaml").read_text())


def variants(n: int) -> list[dict]:
    """``n`` distinct descriptions made from the sample services."""
    samples = [yaml.safe_load(p.read_text()) for p in sorted(SERVICES.glob("*.yaml"))]
    out = []
    for i in range(n):
        d = json.loads(json.dumps(samples[i % len(samples)], default=str))
        d["id"] = f"{d['id']}-{i:04d}"
        out.append(d)
    return out


def cli(*args: str, url: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "aiduty", *args, "--db", url], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "AIDUTY_DATABASE_URL": "sqlite:////nonexistent/never-used.db"})


# ------------------------------------------------------------------ storage

def test_migrations_up_down_up(db_url):
    db = Database(db_url)
    assert "statuses" in {c["name"] for c in inspect(db.engine).get_columns("check_runs")}
    dbmod.downgrade(db.engine, "0001")                  # one step down: the column goes, the data stays
    assert "statuses" not in {c["name"] for c in inspect(db.engine).get_columns("check_runs")}
    dbmod.upgrade(db.engine)
    tables = set(inspect(db.engine).get_table_names())
    assert {"services", "service_versions", "check_runs", "signoffs", "api_keys", "audit_log", "rechecks", "recheck_items"} <= tables
    assert dbmod.current_revision(db.engine) == dbmod.head_revision()
    dbmod.downgrade(db.engine, "base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    assert dbmod.current_revision(db.engine) is None
    db.dispose()
    db = Database(db_url)                              # opening migrates again
    assert "check_runs" in inspect(db.engine).get_table_names()


def test_versions_are_content_hashed_and_never_duplicated(db_url):
    p = Portfolio(Database(db_url))
    first = p.add(companion(), actor="alice")
    again = p.add(companion(), actor="bob")
    assert first["created"] and not again["created"] and again["version"] == 1
    changed = companion()
    changed["controls"]["usage_reminders"] = True
    second = p.add(changed, actor="alice")
    assert second["created"] and second["version"] == 2 and second["content_hash"] != first["content_hash"]
    assert [v["version"] for v in p.versions("companion-app")] == [1, 2]
    assert p.description("companion-app", 1)[2]["controls"]["usage_reminders"] is False
    with p.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ServiceVersion)) == 2
        actions = [(a.actor, a.action) for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == [("alice", "service.add"), ("alice", "service.add")]      # a write that stores nothing is no write


def test_check_runs_keep_day_kb_summary_and_report(db_url, engine):
    p = Portfolio(Database(db_url))
    p.add(companion())
    report = p.check(engine, "companion-app", date(2026, 7, 20), store=True)
    [run] = p.history("companion-app")
    assert run["as_of"] == "2026-07-20" and run["kb_content_hash"] == engine.kb.content_hash
    assert run["summary"]["gap"] == report.summary.gap and run["has_gap"] is report.has_gap
    stored = p.run_report(run["run"])
    assert stored == json.loads(report.json_bytes())


# ------------------------------------------------------------------ sign-offs

def test_signoff_attests_expires_and_never_meets(db_url, engine):
    p = Portfolio(Database(db_url))
    p.add(companion())
    before = p.check(engine, "companion-app", date(2026, 12, 1))
    assert next(d for d in before.duties if d.id == SIGNABLE).status == "applicable"
    with pytest.raises(Refused):                        # a gap is not something a signature settles
        p.sign(engine, "companion-app", "anthro-2026-art18-two-hour-reminder", signed_by="alice", statement="done")
    p.sign(engine, "companion-app", SIGNABLE, signed_by="alice", statement="Tag management reviewed",
           evidence="https://wiki.example/tags", expires_on=date(2027, 6, 30))
    now = p.check(engine, "companion-app", date(2026, 12, 1))
    duty = next(d for d in now.duties if d.id == SIGNABLE)
    assert duty.status == "attested" and "alice" in duty.findings[-1].message
    assert now.summary.attested == 1 and now.summary.applicable == before.summary.applicable - 1
    assert now.summary.met == before.summary.met
    assert json.loads(now.json_bytes())["duties"][[d.id for d in now.duties].index(SIGNABLE)]["status"] == "attested"
    later = p.check(engine, "companion-app", date(2027, 7, 1))
    duty = next(d for d in later.duties if d.id == SIGNABLE)
    assert duty.status == "applicable" and "expired" in duty.findings[-1].message and later.summary.attested == 0
    assert [s["state"] for s in p.signoffs(engine, "companion-app", date(2027, 7, 1))] == ["expired"]


def test_two_signoffs_of_one_duty_resolve_to_the_later(db_url, engine):
    p = Portfolio(Database(db_url))
    p.add(companion())
    a = p.sign(engine, "companion-app", SIGNABLE, signed_by="alice", statement="first")
    b = p.sign(engine, "companion-app", SIGNABLE, signed_by="bob", statement="second")
    states = {s["id"]: s["state"] for s in p.signoffs(engine, "companion-app")}
    assert states == {a["id"]: "superseded", b["id"]: "valid"}
    duty = next(d for d in p.check(engine, "companion-app").duties if d.id == SIGNABLE)
    assert "bob" in duty.findings[-1].message


def test_signoff_needs_review_when_the_duty_text_changes(db_url, engine, tmp_path):
    from aiduty import Engine
    from aiduty.kb import load

    p = Portfolio(Database(db_url))
    p.add(companion())
    p.sign(engine, "companion-app", SIGNABLE, signed_by="alice", statement="reviewed")
    # A real knowledge-base upgrade: the same KB with this duty's English title reworded.
    root = tmp_path / "kb"
    for part in ("ontology", "shapes"):
        shutil.copytree(REPO / part, root / part)
    title = engine.kb.duties[SIGNABLE].title["en"]
    hits = [f for f in root.rglob("*.ttl") if f'"{title}"@en' in f.read_text()]
    assert len(hits) == 1, hits
    hits[0].write_text(hits[0].read_text().replace(f'"{title}"@en', f'"{title} (reworded)"@en'))
    upgraded = Engine(load(root))
    assert upgraded.kb.content_hash != engine.kb.content_hash
    duty = next(d for d in p.check(upgraded, "companion-app").duties if d.id == SIGNABLE)
    assert duty.status == "applicable" and "needs review" in duty.findings[-1].message
    assert [s["state"] for s in p.signoffs(upgraded, "companion-app")] == ["outdated"]
    other = next(d for d in p.check(engine, "companion-app").duties if d.id == SIGNABLE)   # the old KB: still attested
    assert other.status == "attested"


# ------------------------------------------------------------------ impact

def test_impact_json_on_the_anthropomorphic_measures_date(db_url):
    url = db_url
    assert cli("portfolio", "add", str(SERVICES / "companion-app.yaml"), str(SERVICES / "overseas-only.yaml"), url=url).returncode == 0
    done = cli("portfolio", "impact", "--from", "2026-07-01", "--to", "2026-07-20", "--format", "json", url=url)
    assert done.returncode == 1, done.stderr                    # a duty becomes a gap
    result = json.loads(done.stdout)
    assert [e["service"] for e in result] == ["companion-app", "overseas-only"]
    changes = {c["duty"]: c for c in result[0]["changes"]}
    assert changes and all(set(c) >= {"duty", "from", "to", "reason"} for c in changes.values())
    assert all(d.startswith("anthro-2026-") for d in changes), sorted(changes)
    reminder = changes["anthro-2026-art18-two-hour-reminder"]
    assert (reminder["from"], reminder["to"]) == ("upcoming", "gap")
    assert "ANTHRO-2026 Art. 18" in reminder["reason"] and "2026-07-15" in reminder["reason"]
    assert result[1]["changes"] == []                           # a service outside mainland China: untouched
    quiet = cli("portfolio", "impact", "--from", "2026-07-16", "--to", "2026-07-20", "--format", "json", url=url)
    assert quiet.returncode == 0 and all(e["changes"] == [] for e in json.loads(quiet.stdout))


def test_impact_between_stored_runs(db_url, engine):
    p = Portfolio(Database(db_url))
    p.add(companion())
    p.check(engine, "companion-app", date(2026, 7, 1), store=True)
    p.check(engine, "companion-app", date(2026, 7, 20), store=True)
    [entry] = impact.between_runs(p)
    assert any(c["duty"] == "anthro-2026-art18-two-hour-reminder" and c["to"] == "gap" for c in entry["changes"])
    p.check(engine, "companion-app", date(2026, 7, 21), store=True)            # nothing changes in a day
    assert impact.between_runs(p) == [{"service": "companion-app", "changes": []}]


# ------------------------------------------------------------------ recheck

def _fill(url: str, n: int) -> Portfolio:
    p = Portfolio(Database(url))
    for d in variants(n):
        p.add(d)
    return p


def test_recheck_streams_and_stores_one_run_per_service(db_url):
    _fill(db_url, 20)
    done = cli("portfolio", "recheck", "--as-of", "2026-07-20", "--jobs", "2", "--format", "json", url=db_url)
    assert done.returncode == 1, done.stderr                    # some sample services have gaps
    lines = [json.loads(x) for x in done.stdout.splitlines()]
    assert sorted(x["service"] for x in lines) == sorted(d["id"] for d in variants(20))
    db = Database(db_url)
    with db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(CheckRun)) == 20
        assert s.scalar(select(func.count()).where(RecheckItem.done.is_(False))) == 0
    again = cli("portfolio", "recheck", "--as-of", "2026-07-20", "--format", "json", url=db_url)    # a new recheck
    assert len(again.stdout.splitlines()) == 20


def _done(db: Database, recheck_id: int) -> int:
    with db.sessions() as s:
        return s.scalar(select(func.count()).where(RecheckItem.recheck_id == recheck_id, RecheckItem.done.is_(True)))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_recheck_killed_midway_resumes_where_it_stopped(backend, tmp_path, request, engine):
    url = f"sqlite:///{tmp_path / 'p.db'}" if backend == "sqlite" else new_database(request.getfixturevalue("postgres_server"))
    n = 400
    _fill(url, n)
    db = Database(url)
    rid = recheck.open_recheck(db, date(2026, 7, 20), engine.kb.version, engine.kb.content_hash)
    proc = subprocess.Popen([sys.executable, "-m", "aiduty", "portfolio", "recheck", "--as-of", "2026-07-20", "--db", url,
                             "--format", "json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _done(db, rid) < 16 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    before = _done(db, rid)
    assert 16 <= before < n, before
    done = cli("portfolio", "recheck", "--as-of", "2026-07-20", "--format", "json", url=url)
    assert done.returncode == 1, done.stderr
    resumed = [json.loads(x)["service"] for x in done.stdout.splitlines()]
    assert all(json.loads(x)["recheck"] == rid for x in done.stdout.splitlines())
    assert len(resumed) == n - before                          # only what was left
    with db.sessions() as s:
        runs = list(s.scalars(select(CheckRun.service_id).where(CheckRun.recheck_id == rid)))
    assert len(runs) == len(set(runs)) == n                     # every service once, the killed batch rolled back


def test_two_processes_share_a_postgresql_recheck_without_double_work(pg_url, engine):
    n = 300
    _fill(pg_url, n)
    db = Database(pg_url)
    rid = recheck.open_recheck(db, date(2026, 7, 20), engine.kb.version, engine.kb.content_hash)
    cmd = [sys.executable, "-m", "aiduty", "portfolio", "recheck", "--as-of", "2026-07-20", "--db", pg_url, "--format", "json"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [1, 1], [o[1][-500:] for o in outs]
    mine = [{json.loads(x)["service"] for x in out.splitlines()} for out, _ in outs]
    assert not (mine[0] & mine[1])                               # nobody checked a service twice
    assert len(mine[0]) + len(mine[1]) == n
    with db.sessions() as s:
        runs = list(s.scalars(select(CheckRun.service_id).where(CheckRun.recheck_id == rid)))
        workers = set(s.scalars(select(RecheckItem.worker).where(RecheckItem.recheck_id == rid)))
    assert len(runs) == len(set(runs)) == n                     # (how they split depends on start-up timing)
    print(f"split {len(mine[0])}/{len(mine[1])} between {len(workers)} workers")


# ------------------------------------------------------------------ keys and audit

def test_api_keys_are_stored_hashed(db_url):
    db = Database(db_url)
    key = keys.create(db, "ci")
    secret = key.split("_", 2)[2]
    with db.sessions() as s:
        [row] = s.scalars(select(ApiKey))
        assert secret not in (row.secret_hash + row.salt + row.key_id + row.name)
        assert len(row.secret_hash) == 64
    assert keys.verify(db, key) == "ci"
    assert keys.verify(db, key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert keys.verify(db, "nonsense") is None
    keys.revoke(db, key.split("_")[1])
    assert keys.verify(db, key) is None
    with db.sessions() as s:
        assert [a.action for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))] == ["key.create", "key.revoke"]


def test_cli_exit_codes(tmp_path):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    assert cli("portfolio", "show", "no-such-service", url=url).returncode == 2
    assert cli("portfolio", "impact", "--from", "2026-13-01", "--to", "2026-07-20", url=url).returncode == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: y\nreach: {minors: maybe}\n")
    assert cli("portfolio", "add", str(bad), url=url).returncode == 2
    assert cli("portfolio", "add", str(SERVICES / "minimal.yaml"), url=url).returncode == 0
    assert cli("portfolio", "show", "minimal", url=url).returncode == 0
    assert cli("portfolio", "show", "minimal", url="postgresql://nobody@127.0.0.1:1/none").returncode == 3
