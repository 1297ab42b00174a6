"""/v1/sparql as a SPARQL 1.1 endpoint like any other (issue 17), driven by SPARQLWrapper and rdflib's SPARQLStore
against a real server on 127.0.0.1: formats by Accept (q-values), SERVICE refused from the algebra only,
truncation signalled, the service description, read-only CORS."""

import json

import httpx
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from aiduty.api import EXAMPLE_SERVICE
from aiduty.vocab import AID, PREFIXES
from serving import running_server

SPARQLWrapper = pytest.importorskip("SPARQLWrapper")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SH = Namespace("http://www.w3.org/ns/shacl#")
DUTIES = "SELECT ?id WHERE { ?d a aid:Duty ; dct:identifier ?id } ORDER BY ?id LIMIT 3"
GRAPH = "CONSTRUCT { ?d a aid:Duty ; dct:identifier ?id } WHERE { ?d a aid:Duty ; dct:identifier ?id } ORDER BY ?id LIMIT 4"


@pytest.fixture(scope="module")
def endpoint():
    with running_server(workers=1, env={"AIDUTY_ROW_LIMIT": "5"}) as (url, _):
        yield f"{url}/v1/sparql"


def wrapper(endpoint, query, fmt):
    from SPARQLWrapper import SPARQLWrapper as Wrapper

    w = Wrapper(endpoint)
    w.setQuery(query)
    w.setReturnFormat(fmt)
    w.setTimeout(60)
    return w.query()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_in_every_results_format(endpoint, method):
    from SPARQLWrapper import CSV, JSON, TSV, XML

    def run(fmt):
        from SPARQLWrapper import SPARQLWrapper as Wrapper

        w = Wrapper(endpoint)
        w.setQuery(DUTIES)
        w.setMethod(method)
        w.setReturnFormat(fmt)
        w.setTimeout(60)
        return w.query()

    answer = run(JSON)
    assert answer.info()["content-type"].startswith("application/sparql-results+json")
    ids = [b["id"]["value"] for b in answer.convert()["results"]["bindings"]]
    assert len(ids) == 3
    xml = run(XML).convert()                                  # a DOM document
    assert [n.firstChild.data for n in xml.getElementsByTagName("literal")] == ids
    csv_rows = run(CSV).convert().decode().splitlines()
    assert csv_rows == ["id", *ids]
    tsv_rows = run(TSV).convert().decode().splitlines()
    assert tsv_rows[0] == "?id" and [json.loads(r) for r in tsv_rows[1:]] == ids


def test_a_variable_or_class_named_service_is_not_federation(endpoint):
    from SPARQLWrapper import JSON

    empty = wrapper(endpoint, "SELECT ?s WHERE { ?s a aid:Service }", JSON).convert()
    assert empty["head"]["vars"] == ["s"]
    named = wrapper(endpoint, "SELECT ?service WHERE { ?service a aid:Duty } LIMIT 1", JSON).convert()
    assert len(named["results"]["bindings"]) == 1


def test_service_is_refused(endpoint):
    from SPARQLWrapper import JSON
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    for query in ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/s> { ?s ?p ?o } }",
                  "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE SILENT <http://127.0.0.1:9/s> { ?s ?p ?o } } }"):
        with pytest.raises(QueryBadFormed, match="SERVICE"):
            wrapper(endpoint, query, JSON)


@pytest.mark.parametrize("fmt, media", [("turtle", "text/turtle"), ("nt", "application/n-triples"),
                                        ("xml", "application/rdf+xml"), ("json-ld", "application/ld+json")])
def test_construct_in_every_graph_format(endpoint, fmt, media):
    answer = httpx.get(endpoint, params={"query": GRAPH}, headers={"accept": media}, timeout=60)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(media)
    g = Graph().parse(data=answer.text, format=fmt)
    assert len(g) == 5 and answer.headers["x-aiduty-truncated"] == "true"     # 8 triples, row limit 5


def test_sparqlwrapper_reads_construct_as_a_graph(endpoint):
    from SPARQLWrapper import JSONLD, RDFXML, TURTLE

    for fmt in (TURTLE, RDFXML, JSONLD):
        answer = wrapper(endpoint, "DESCRIBE obligation:label-2025-art5-implicit-metadata", fmt)
        converted = answer.convert()
        g = converted if isinstance(converted, Graph) else Graph().parse(data=converted, format="turtle")
        assert len(g) == 5 and (URIRef(PREFIXES["obligation"] + "label-2025-art5-implicit-metadata"), None, None) in g


def test_accept_q_values_choose_the_format(endpoint):
    def media(accept):
        return httpx.get(endpoint, params={"query": DUTIES}, headers={"accept": accept}, timeout=60).headers["content-type"]

    assert media("text/csv;q=0.5, application/sparql-results+xml;q=0.9").startswith("application/sparql-results+xml")
    assert media("application/sparql-results+xml;q=0.1, text/tab-separated-values").startswith("text/tab-separated-values")
    assert media("text/html, */*;q=0.1").startswith("application/sparql-results+json")
    graph = httpx.get(endpoint, params={"query": GRAPH}, timeout=60,
                      headers={"accept": "text/turtle;q=0.2, application/ld+json;q=0.8, application/sparql-results+json"})
    assert graph.headers["content-type"].startswith("application/ld+json")


def test_truncation_is_signalled(endpoint):
    many = "SELECT ?s WHERE { ?s a aid:Duty }"
    answer = httpx.get(endpoint, params={"query": many}, timeout=60)
    assert answer.headers["x-aiduty-truncated"] == "true"
    body = answer.json()
    assert len(body["results"]["bindings"]) == 5 and body["head"]["link"] == ["urn:aiduty:warning:truncated"]
    xml = httpx.get(endpoint, params={"query": many}, headers={"accept": "application/sparql-results+xml"}, timeout=60)
    assert 'href="urn:aiduty:warning:truncated"' in xml.text
    whole = httpx.get(endpoint, params={"query": DUTIES}, timeout=60)
    assert "x-aiduty-truncated" not in whole.headers and "link" not in whole.json()["head"]


def test_sparqlstore_reads_the_endpoint(endpoint):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    g = Graph(store=SPARQLStore(endpoint, returnFormat="json"))
    rows = list(g.query(DUTIES))
    assert len(rows) == 3
    assert g.query("ASK { ?d a aid:Duty }").askAnswer is True
    duty = URIRef(PREFIXES["obligation"] + "label-2025-art5-implicit-metadata")
    assert (duty, RDF.type, AID.Duty) in g
    xml_store = Graph(store=SPARQLStore(endpoint, returnFormat="xml"))
    assert [r[0] for r in xml_store.query(DUTIES)] == [r[0] for r in rows]


def test_service_description(endpoint):
    answer = httpx.get(endpoint, timeout=60)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/turtle")
    g = Graph().parse(data=answer.text, format="turtle")
    service = URIRef(endpoint)
    assert (service, RDF.type, SD.Service) in g and (service, SD.endpoint, service) in g
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    declared = {str(g.value(d, SH.prefix)): str(g.value(d, SH.namespace)) for d in g.objects(service, SH.declare)}
    assert declared == {p: str(ns) for p, ns in PREFIXES.items()}


def test_read_only_cors_on_the_endpoint_only(endpoint):
    origin = {"origin": "https://editor.example"}
    preflight = httpx.options(endpoint, headers={**origin, "access-control-request-method": "POST",
                                                 "access-control-request-headers": "content-type"}, timeout=30)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in preflight.headers
    assert set(preflight.headers["access-control-allow-methods"].replace(" ", "").split(",")) == {"GET", "POST"}
    refused = httpx.options(endpoint, headers={**origin, "access-control-request-method": "DELETE"}, timeout=30)
    assert refused.status_code == 400
    simple = httpx.get(endpoint, params={"query": "ASK { ?s ?p ?o }"}, headers=origin, timeout=60)
    assert simple.headers["access-control-allow-origin"] == "*"
    assert "x-aiduty-truncated" in simple.headers["access-control-expose-headers"].lower()
    base = endpoint.rsplit("/v1/", 1)[0]
    check = httpx.get(f"{base}/v1/obligations", headers=origin, timeout=60)
    assert "access-control-allow-origin" not in check.headers


def test_large_answers_are_gzipped(endpoint):
    base = endpoint.rsplit("/v1/", 1)[0]
    answer = httpx.get(f"{base}/v1/obligations", headers={"accept-encoding": "gzip"}, timeout=60)
    assert answer.headers["content-encoding"] == "gzip" and len(answer.json()) > 10
    small = httpx.get(f"{base}/healthz", headers={"accept-encoding": "gzip"}, timeout=60)
    assert "content-encoding" not in small.headers
    long = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(STRLEN(STR(?o)) > 300) }"        # 5 triples, over 1 KiB
    graph = httpx.get(endpoint, params={"query": long}, headers={"accept-encoding": "gzip"}, timeout=60)
    assert graph.headers["content-encoding"] == "gzip" and len(Graph().parse(data=graph.text, format="turtle")) == 5
    plain = httpx.get(endpoint, params={"query": long}, headers={"accept-encoding": "identity"}, timeout=60)
    assert "content-encoding" not in plain.headers and plain.text == graph.text
    check = httpx.post(f"{base}/v1/check", json=EXAMPLE_SERVICE, headers={"accept-encoding": "gzip"}, timeout=60)
    assert check.status_code == 200 and "content-encoding" not in check.headers      # the hot path: not here


@pytest.mark.parametrize("query", [
    "SELECT ?s WHERE { ?s a aid:Service }",
    "SELECT ?service WHERE { ?service a aid:Duty } LIMIT 1",
    'SELECT ?s WHERE { ?s rdfs:label ?l FILTER(CONTAINS(?l, "SERVICE")) } LIMIT 1  # SERVICE in a comment',
    # a client's own prefix for a namespace the endpoint binds under another name (rdflib's SPARQLStore does it)
    "PREFIX dcterms: <http://purl.org/dc/terms/>\nSELECT ?id WHERE { ?d a aid:Duty ; dct:identifier ?id } LIMIT 1",
])
def test_only_the_algebra_decides_what_is_federation(query):
    from aiduty.catalogue import run_query
    from aiduty.kb import load

    result = run_query(load(), query)
    assert result.kind == "select"


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { OPTIONAL { SERVICE ?svc { ?s ?p ?o } } }",
    "ASK { MINUS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } } } }",
    "SELECT * WHERE { BIND(EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } AS ?b) }",
])
def test_service_anywhere_in_the_algebra_is_refused(query):
    from aiduty.catalogue import QueryError, vet_query

    with pytest.raises(QueryError, match="SERVICE"):
        vet_query(query)
