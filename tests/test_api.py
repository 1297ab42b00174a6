"""The HTTP API: same reports as the CLI, the catalogue, SPARQL protocol, problem+json errors, limits."""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from aiduty.api import Settings, create_app
from aiduty.cli import app as cli
from serving import running_server

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "data" / "services" / "dreamy-canvas.yaml"


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings(workers=2, max_body=64 * 1024, check_timeout=20, sparql_timeout=2, max_waiting=4,
                                         max_query=4096, sparql_max_waiting=2))) as c:
        yield c


def settled(client, seconds: float = 60):
    """Wait (bounded) until every worker is idle: a worker stopped by a time limit is replaced in the background."""
    for _ in range(int(seconds * 4)):
        health = client.get("/healthz").json()
        if health["busy"] == 0 and health["sparql_busy"] == 0:
            return client
        time.sleep(0.25)
    raise AssertionError(f"workers still busy: {health}")


def problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


def test_check_matches_the_cli(client):
    body = json.loads(json.dumps(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")), default=str))
    api = client.post("/v1/check", json=body, params={"as_of": "2026-11-22"})
    assert api.status_code == 200
    assert api.headers["x-aiduty-kb-hash"] and api.headers["x-aiduty-kb-version"]
    cli_out = CliRunner().invoke(cli, ["check", str(EXAMPLE), "--format", "json", "--as-of", "2026-11-22"])
    assert api.json() == json.loads(cli_out.stdout)


def test_bad_description_names_the_field(client):
    body = problem(client.post("/v1/check", json={"id": "x", "name": "X", "reach": {"minorz": True}}), 422)
    assert body["field"] == "reach.minorz" and "unknown field" in body["detail"]
    body = problem(client.post("/v1/check", json=["not", "a", "mapping"]), 422)
    problem(client.post("/v1/check", json={"id": "x", "name": "X"}, params={"as_of": "soon"}), 422)
    # stated facts that contradict the implication table (children under 14 are minors): 422 naming both fields
    body = problem(client.post("/v1/check", json={"id": "x", "name": "X", "reach": {"under_14": True, "minors": False}}), 422)
    assert "reach.under_14" in body["field"] and "reach.minors" in body["field"]


def test_catalogue_endpoints(client):
    rows = client.get("/v1/obligations", params={"role": "app-distribution-platform"}).json()
    assert "label-2025-art7-app-review-labelling" in {r["id"] for r in rows}
    card = client.get("/v1/obligations/label-2025-art5-implicit-metadata", params={"lang": "zh"}).json()
    assert card["citations"][0]["label"]["zh"] == "《人工智能生成合成内容标识办法》第五条"
    problem(client.get("/v1/obligations/no-such-duty"), 404)
    problem(client.get("/v1/obligations", params={"role": "wizard"}), 422)
    assert client.get("/v1/instruments/CSL-2026").json()["in_force_from"] == "2026-01-01"
    problem(client.get("/v1/instruments/FOO"), 404)
    assert {c["code"] for c in client.get("/v1/campaigns").json()} >= {"QINGLANG-2026-AI"}
    assert "properties" in client.get("/v1/schema/service").json()
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/openapi.json").status_code == 200


def test_sparql_protocol(client):
    q = "SELECT ?id WHERE { ?d a aid:Duty ; dct:identifier ?id } ORDER BY ?id LIMIT 3"
    j = client.get("/v1/sparql", params={"query": q})
    assert j.headers["content-type"].startswith("application/sparql-results+json") and len(j.json()["results"]["bindings"]) == 3
    x = client.post("/v1/sparql", content=q, headers={"content-type": "application/sparql-query", "accept": "application/sparql-results+xml"})
    assert x.text.count("<result>") == 3
    c = client.post("/v1/sparql", data={"query": q}, headers={"accept": "text/csv"})
    assert c.text.splitlines()[0] == "id" and len(c.text.splitlines()) == 4
    t = client.get("/v1/sparql", params={"query": q}, headers={"accept": "text/tab-separated-values"})
    assert t.text.splitlines()[0] == "?id"
    for bad in ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/s> { ?s ?p ?o } }",
                "SELECT * FROM <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }"):
        problem(client.get("/v1/sparql", params={"query": bad}), 400)
    problem(client.post("/v1/sparql", data={"update": "CLEAR ALL"}), 400)
    problem(client.get("/v1/sparql", params={"default-graph-uri": "urn:x"}), 400)      # parameters but no query
    sd = client.get("/v1/sparql")                            # no parameters at all: the service description
    assert sd.status_code == 200 and sd.headers["content-type"].startswith("text/turtle")


def test_runaway_query_times_out_and_server_stays_up(client):
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    problem(client.get("/v1/sparql", params={"query": slow}), 504)
    assert client.get("/healthz").status_code == 200
    for _ in range(30):                 # the stopped worker's replacement starts in the background
        ok = client.get("/v1/sparql", params={"query": "ASK { ?s ?p ?o }"})
        if ok.status_code != 503:
            break
        time.sleep(int(ok.headers["retry-after"]))
    assert ok.json()["boolean"] is True


def test_body_over_the_limit(client):
    declared = client.post("/v1/check", content=b"{" + b" " * (70 * 1024) + b"}", headers={"content-type": "application/json"})
    problem(declared, 413)

    def chunks():                       # no Content-Length: the limit is counted while the body streams in
        for _ in range(70):
            yield b" " * 1024

    streamed = client.post("/v1/check", content=chunks(), headers={"content-type": "application/json"})
    problem(streamed, 413)
    assert "content-length" not in streamed.request.headers
    assert streamed.headers["x-aiduty-kb-hash"] and declared.headers["x-aiduty-kb-version"]


def test_worker_pool_under_uvloop():
    """uvloop makes a watched pipe non-blocking; the pool must still read whole answers (it once did not)."""
    uvloop = pytest.importorskip("uvloop")
    import asyncio
    from datetime import date

    from aiduty.workers import WorkerPool

    body = json.dumps({"id": "x", "name": "X", "reach": {"mainland_china_public": True},
                       "capabilities": {"generates": ["text", "image"]}}).encode()

    async def main():
        pool = WorkerPool(2)
        await pool.start()
        try:
            payload = {"body": body, "as_of": date(2026, 11, 22), "lang": "en", "all": True}
            return await asyncio.gather(*(pool.run("check", payload, 60) for _ in range(12)))
        finally:
            await pool.stop()

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        answers = runner.run(main())
    assert len({a for a in answers}) == 1 and json.loads(answers[0])["service"]["id"] == "x"


def test_saturation_gives_503_never_another_5xx(client):
    pool = client.app.state.pool
    body = {"id": "x", "name": "X", "reach": {"mainland_china_public": True}, "capabilities": {"generates": ["text"]}}

    def call(_):
        return client.post("/v1/check", json=body).status_code

    with ThreadPoolExecutor(32) as ex:
        codes = list(ex.map(call, range(200)))
    assert set(codes) <= {200, 503} and 200 in codes
    assert pool.busy >= 0


def test_busy_answers_carry_retry_after(client):
    """Every 503 says when to try again: hold the one SPARQL worker and fill its short waiting line."""
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with ThreadPoolExecutor(6) as ex:
        answers = list(ex.map(lambda _: client.get("/v1/sparql", params={"query": slow}), range(6)))
    busy = [a for a in answers if a.status_code == 503]
    assert busy and {a.status_code for a in answers} <= {503, 504}
    for a in busy:
        assert problem(a, 503)["title"] == "Server busy" and a.headers["retry-after"] == "1"


def test_check_wants_json(client):
    body = json.dumps({"id": "x", "name": "X"})
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "application/jsonx", None):
        headers = {"content-type": ctype} if ctype else {}
        assert "application/json" in problem(client.post("/v1/check", content=body, headers=headers), 415)["detail"]
    for ctype in ("application/json; charset=utf-8", "application/vnd.aiduty+json", "Application/JSON"):
        assert client.post("/v1/check", content=body, headers={"content-type": ctype}).status_code == 200, ctype


def test_only_trusted_hosts_are_served(client):
    assert problem(client.get("/healthz", headers={"host": "attacker.example"}), 400)["title"] == "Invalid host"
    assert problem(client.get("/healthz", headers={"host": "127.0.0.1.attacker.example:8000"}), 400)
    for host in ("localhost:8000", "127.0.0.1", "[::1]:8000"):
        assert client.get("/healthz", headers={"host": host}).status_code == 200, host


def test_request_ids(client):
    mine = client.get("/healthz", headers={"x-request-id": "abc-123"})
    assert mine.headers["x-request-id"] == "abc-123"
    made = [client.get("/healthz", headers={"x-request-id": "bad id;" + "y" * 80}).headers["x-request-id"] for _ in range(2)]
    assert made[0] != made[1] and all(len(m) == 32 and m.isalnum() for m in made)
    assert problem(client.get("/v1/obligations/nope"), 404) and client.get("/v1/obligations/nope").headers["x-request-id"]


def test_hostile_sparql_is_a_400(client):
    """Refused or failing queries are 400 problem+json with one line, never 500."""
    settled(client)
    nested = "SELECT * WHERE { FILTER(" + "(" * 40 + "1" + ")" * 40 + ") }"
    assert len(nested) == 108
    assert "nested too deeply" in problem(client.get("/v1/sparql", params={"query": nested}), 400)["detail"]
    assert "not a valid SPARQL query" in problem(client.get("/v1/sparql", params={"query": "SELECT WHERE"}), 400)["detail"]
    failing = "SELECT * WHERE { VALUES ?s { <urn:a> <urn:b> } } ORDER BY (?s + <urn:x>)"
    detail = problem(client.get("/v1/sparql", params={"query": failing}), 400)["detail"]
    assert detail.startswith("the query failed") and "\n" not in detail
    big = "ASK { ?s ?p ?o } #" + "x" * 4096
    assert "AIDUTY_MAX_QUERY" in problem(client.get("/v1/sparql", params={"query": big}), 413)["detail"]
    assert problem(client.post("/v1/sparql", content=big, headers={"content-type": "application/sparql-query"}), 413)
    assert problem(client.post("/v1/sparql", data={"query": big}), 413)


def test_graph_is_refused_without_a_connection(client):
    """GRAPH <http://…> is refused (the knowledge base is one default graph), and nothing connects out."""
    import select
    import socket

    settled(client)
    with socket.socket() as trap:
        trap.bind(("127.0.0.1", 0))
        trap.listen(4)
        port = trap.getsockname()[1]
        for q in (f"SELECT * WHERE {{ GRAPH <http://127.0.0.1:{port}/g> {{ ?s ?p ?o }} }}",
                  "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                  f"ASK {{ GRAPH <http://127.0.0.1:{port}/g> {{ }} }}"):
            assert "GRAPH is not supported" in problem(client.get("/v1/sparql", params={"query": q}), 400)["detail"]
        assert select.select([trap], [], [], 0.5)[0] == [], "something connected to the GRAPH address"


def test_real_server_end_to_end():
    """Start `aiduty serve` on 127.0.0.1 and check a report over real HTTP."""
    with running_server() as (url, _):
        body = json.loads(json.dumps(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")), default=str))
        report = httpx.post(f"{url}/v1/check", json=body, params={"as_of": "2026-11-22"}, timeout=30).json()
        assert report["service"]["id"] == "dreamy-canvas" and report["summary"]["gap"] >= 1
