"""The catalogue commands a legal team uses: obligations, show, instruments, campaigns, export, diff, sparql."""

import json
import socket
import threading

import pytest
from rdflib import Graph
from typer.testing import CliRunner

from aiduty.catalogue import QueryError, QueryTimeout, run_query_limited, vet_query
from aiduty.cli import app

runner = CliRunner()


def cli_json(*args):
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_obligations_for_an_app_store_include_broader_roles(kb):
    ids = {d["id"] for d in cli_json("obligations", "--role", "app-distribution-platform")}
    assert {"label-2025-art7-app-review-labelling", "deepsyn-2023-art13-app-store-checks"} <= ids
    assert "csl-2026-art23-log-retention" in ids                  # inherited from network-operator
    assert not any(i.startswith("label-2025-art5") for i in ids)  # a generation provider's duty


def test_obligations_by_instrument_article_and_language():
    rows = cli_json("obligations", "--instrument", "LABEL-2025", "--article", "6", "--lang", "zh")
    assert rows and all(any(c["instrument"] == "LABEL-2025" and c["article"] == 6 for c in r["citations"]) for r in rows)
    assert all(r["citations"][0]["label"]["zh"].startswith("《人工智能生成合成内容标识办法》第六条") for r in rows)


def test_obligations_by_campaign_target_and_date():
    ids = {d["id"] for d in cli_json("obligations", "--campaign", "QINGLANG-2026-AI/P1-5")}
    assert "label-2025-art5-implicit-metadata" in ids
    in_force = {d["id"] for d in cli_json("obligations", "--as-of", "2025-09-01", "--instrument", "LABEL-2025")}
    before = cli_json("obligations", "--as-of", "2025-08-31", "--instrument", "LABEL-2025")
    assert in_force and before == []


def test_search_matches_chinese_and_english():
    zh = {d["id"] for d in cli_json("obligations", "--search", "隐式标识")}
    en = {d["id"] for d in cli_json("obligations", "--search", "implicit label")}
    assert "label-2025-art5-implicit-metadata" in zh & en


def test_show_card_in_both_languages():
    card = cli_json("show", "label-2025-art5-implicit-metadata")
    assert card["citations"][0]["label"]["en"] == "LABEL-2025 Art. 5"
    assert card["satisfied_by"] and card["applies_when"]["condition"]
    text_zh = runner.invoke(app, ["show", "label-2025-art5-implicit-metadata", "--lang", "zh"]).stdout
    assert "《人工智能生成合成内容标识办法》第五条" in text_zh
    missing = runner.invoke(app, ["show", "label-2025-art99-nothing"])
    assert missing.exit_code == 2 and "no obligation" in missing.stderr


def test_unknown_filters_are_clear_errors():
    for args in (["--role", "wizard"], ["--instrument", "FOO-1999"], ["--campaign", "QINGLANG-2026-AI/P9-9"], ["--as-of", "yesterday"]):
        result = runner.invoke(app, ["obligations", *args])
        assert result.exit_code == 2 and result.stderr.startswith("aiduty: "), args


def test_instruments_and_campaigns():
    codes = {i["code"]: i for i in cli_json("instruments")}
    assert codes["CSL-2017"]["in_force_until"] == "2025-12-31" and codes["CSL-2026"]["in_force_from"] == "2026-01-01"
    campaigns = {c["code"]: c for c in cli_json("campaigns", "--as-of", "2026-05-15")}
    assert campaigns["QINGLANG-2026-AI"]["state"] == "active"
    assert campaigns["BEIJING-2026-05"]["confidence"] == "reported"
    assert all(t["duties"] for c in campaigns.values() for t in c["targets"])


def test_export_is_valid_and_reloadable(kb):
    for fmt, rdf_format in (("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")):
        result = runner.invoke(app, ["export", "--format", fmt])
        assert result.exit_code == 0
        assert len(Graph().parse(data=result.stdout, format=rdf_format)) == len(kb.graph())


def test_diff_shows_the_csl_renumbering():
    result = cli_json("diff", "--from", "2025-12-31", "--to", "2026-01-01")
    moved = {(r["from"], r["to"]) for r in result["changed_citation"]}
    assert ("csl-2017-art21-log-retention", "csl-2026-art23-log-retention") in moved
    label = cli_json("diff", "--from", "2025-08-31", "--to", "2025-09-01")
    assert any(d["id"] == "label-2025-art5-implicit-metadata" for d in label["came_into_force"])


@pytest.mark.parametrize("query, problem", [
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "update"),
    ("LOAD <http://127.0.0.1:9/x.ttl>", "update"),
    ("SELECT * FROM <http://127.0.0.1:9/x.ttl> WHERE { ?s ?p ?o }", "FROM"),
    ("SELECT * FROM NAMED <http://127.0.0.1:9/x.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }", "FROM"),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * WHERE { ?s ?p", "not a valid SPARQL query"),
])
def test_dangerous_sparql_is_refused_before_it_runs(query, problem):
    with pytest.raises(QueryError, match=problem):
        vet_query(query)
    result = runner.invoke(app, ["sparql", query])
    assert result.exit_code == 2 and problem in result.stderr


def test_service_query_makes_no_connection():
    """A listener on 127.0.0.1 proves that a refused SERVICE query never connects."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(1.5)
    port = server.getsockname()[1]
    connected = []

    def accept():
        try:
            connected.append(server.accept())
        except OSError:
            pass

    thread = threading.Thread(target=accept)
    thread.start()
    result = runner.invoke(app, ["sparql", f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"])
    thread.join()
    server.close()
    assert result.exit_code == 2 and not connected


def test_runaway_query_stops_at_its_time_limit():
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with pytest.raises(QueryTimeout):
        run_query_limited(slow, timeout_s=1.0)


def test_sparql_formats_and_row_limit():
    query = "SELECT ?id WHERE { ?d a aid:Duty ; dct:identifier ?id } ORDER BY ?id"
    data = cli_json("sparql", query)
    assert len(data["results"]["bindings"]) > 50
    limited = runner.invoke(app, ["sparql", query, "--format", "csv", "--limit", "3"])
    assert limited.stdout.splitlines()[0] == "id" and len(limited.stdout.splitlines()) == 4
    assert "cut at 3 rows" in limited.stderr
    ask = runner.invoke(app, ["sparql", "ASK { ?d a aid:Duty }"])
    assert ask.stdout.strip() == "true"


def test_diff_calls_the_app_download_duty_renumbered_not_new():
    # Old CSL Art 48(2) became Art 50(2) on 2026-01-01 (legal-facts §0.1a item 3): renumbered, not a new duty.
    result = cli_json("diff", "--from", "2025-12-31", "--to", "2026-01-01")
    moved = {r["from"]: r for r in result["changed_citation"]}
    app = moved["csl-2017-art48-2-app-download-security"]
    assert app["to"] == "csl-2026-art50-2-app-download-security"
    assert [c["en"] for c in app["from_citations"]] == ["CSL-2017 Art. 48(2)"]
    assert [c["en"] for c in app["to_citations"]] == ["CSL-2026 Art. 50(2)"]
    assert not any(d["id"].startswith("csl-2026-art50") for d in result["came_into_force"])


def test_show_suggests_the_closest_ids_for_a_typo():
    result = runner.invoke(app, ["show", "csl-2026-art23-log-retentoin"])
    assert result.exit_code == 2
    assert "did you mean csl-2026-art23-log-retention" in result.stderr
