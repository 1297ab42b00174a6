"""The portfolio's HTTP endpoints (routes/portfolio.py) over a real SQLite file and a real PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pgserver import new_database, postgres_server  # noqa: F401  (fixture)

from aiduty.routes.portfolio import register
from aiduty.store import keys
from aiduty.store.db import Database

SERVICES = Path(__file__).resolve().parents[1] / "data" / "services"
SIGNABLE = "algo-2022-art10-tag-management"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'portfolio.db'}"
    return new_database(request.getfixturevalue("postgres_server"))


def client(url: str) -> TestClient:
    app = FastAPI()
    register(app, url)
    return TestClient(app)


def companion() -> dict:
    return json.loads(json.dumps(yaml.safe_load((SERVICES / "companion-app.yaml").read_text()), default=str))


def test_writes_need_a_key_reads_do_not(url):
    c = client(url)
    r = c.post("/v1/services", json=companion())
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"] == "Bearer"
    assert c.post("/v1/services", json=companion(), headers={"Authorization": "Bearer aid_nope_nope"}).status_code == 401
    key = keys.create(Database(url), "team")
    r = c.post("/v1/services", json=companion(), headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 201 and r.json()["version"] == 1 and r.json()["created"]
    again = c.post("/v1/services", json=companion(), headers={"X-API-Key": key})
    assert again.status_code == 201 and not again.json()["created"]
    assert [s["id"] for s in c.get("/v1/services").json()] == ["companion-app"]
    assert c.get("/v1/services/companion-app").json()["version"] == 1
    assert c.get("/v1/services/companion-app/versions").json()[0]["version"] == 1
    assert c.get("/v1/services/companion-app/versions/1").json()["description"]["id"] == "companion-app"
    missing = c.get("/v1/services/nope")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


def test_reads_keyed_by_setting(url, monkeypatch):
    monkeypatch.setenv("AIDUTY_READS_NEED_KEY", "1")
    c = client(url)
    assert c.get("/v1/services").status_code == 401
    key = keys.create(Database(url), "reader")
    assert c.get("/v1/services", headers={"X-API-Key": key}).status_code == 200


def test_bad_description_is_a_problem(url):
    key = keys.create(Database(url), "team")
    r = client(url).post("/v1/services", json={"id": "x", "name": "y", "reach": {"minors": "maybe"}}, headers={"X-API-Key": key})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json" and "reach.minors" in r.json()["detail"]


def test_signoff_recheck_history_and_impact(url):
    c = client(url)
    auth = {"X-API-Key": keys.create(Database(url), "team")}
    assert c.post("/v1/services", json=companion(), headers=auth).status_code == 201
    body = {"duty": SIGNABLE, "signed_by": "alice", "statement": "reviewed", "expires_on": "2027-06-30"}
    assert c.post("/v1/services/companion-app/signoffs", json=body).status_code == 401
    r = c.post("/v1/services/companion-app/signoffs", json=body, headers=auth)
    assert r.status_code == 201, r.text
    gap = c.post("/v1/services/companion-app/signoffs", json={**body, "duty": "anthro-2026-art18-two-hour-reminder"}, headers=auth)
    assert gap.status_code == 422
    assert [s["state"] for s in c.get("/v1/services/companion-app/signoffs").json()] == ["valid"]
    report = c.get("/v1/services/companion-app/report", params={"as_of": "2026-12-01"}).json()
    assert report["summary"]["attested"] == 1
    assert next(d for d in report["duties"] if d["id"] == SIGNABLE)["status"] == "attested"
    r = c.post("/v1/rechecks", params={"as_of": "2026-07-20"}, headers=auth)
    assert r.status_code == 200 and r.json()["pending"] == 0 and r.json()["checked"] == 1
    assert c.get(f"/v1/rechecks/{r.json()['recheck']}").json()["done"] == 1
    [run] = c.get("/v1/services/companion-app/history").json()
    assert run["as_of"] == "2026-07-20" and run["summary"]["attested"] == 1
    impact = c.get("/v1/impact", params={"from": "2026-07-01", "to": "2026-07-20"}).json()
    assert impact[0]["service"] == "companion-app"
    assert any(ch["duty"] == "anthro-2026-art18-two-hour-reminder" and ch["to"] == "gap" for ch in impact[0]["changes"])
    bad = c.get("/v1/impact", params={"from": "2026-02-30", "to": "2026-07-20"})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


def test_registered_on_the_main_app():
    from aiduty.api import create_app

    paths = set(create_app().openapi()["paths"])
    assert {"/v1/services", "/v1/services/{service_id}/signoffs", "/v1/rechecks", "/v1/impact"} <= paths, sorted(paths)
