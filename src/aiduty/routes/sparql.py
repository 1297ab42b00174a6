"""GET|POST /v1/sparql: the SPARQL 1.1 Protocol, read-only, and its service description.

The server process only checks the query's size and negotiates the answer's format (Accept with q-values, by
werkzeug's parser): parsing, vetting, evaluation and serialization all happen in a SPARQL worker under the time
limit (parsing untrusted SPARQL can take seconds and deep recursion), in a pool of its own so that queries
cannot starve checks. GET with no query answers the SPARQL 1.1 service description (Turtle).
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from ..catalogue import DEFAULT_FORMATS, GRAPH_MEDIA, GRAPH_TYPES, RESULT_MEDIA, RESULT_TYPES
from ..settings import Settings
from .common import Problem, Tasks, get_settings, get_tasks, request_id

router = APIRouter(tags=["sparql"])
TRUNCATED_HEADER = "X-Aiduty-Truncated"
_RESULT_OFFERS, _GRAPH_OFFERS = list(RESULT_TYPES), list(GRAPH_TYPES)
_ANSWERS = {"description": "Results (SELECT, ASK) or a graph (CONSTRUCT, DESCRIBE), in the format Accept asks "
                           f"for; the header {TRUNCATED_HEADER}: true says the row limit cut the answer",
            "content": {m: {} for m in [*RESULT_MEDIA.values(), *GRAPH_MEDIA.values()]}}


def negotiate(accept: str | None) -> dict[str, str]:
    """The best results format and the best graph format for an Accept header (q-values, wildcards); the
    defaults (SPARQL JSON, Turtle) when it names none of ours."""
    parsed = parse_accept_header(accept or "", MIMEAccept)
    results, graph = parsed.best_match(_RESULT_OFFERS), parsed.best_match(_GRAPH_OFFERS)
    return {"results": RESULT_TYPES[results] if results else DEFAULT_FORMATS["results"],
            "graph": GRAPH_TYPES[graph] if graph else DEFAULT_FORMATS["graph"]}


def accepts_gzip(accept_encoding: str | None) -> bool:
    return parse_accept_header(accept_encoding or "")["gzip"] > 0


async def answer(request: Request, query: str | None, tasks: Tasks, settings: Settings) -> Response:
    if query is None:
        raise Problem(400, "Missing query", "pass the query as ?query=, a form field or an application/sparql-query body")
    if len(query) > settings.max_query or len(query.encode("utf-8", errors="replace")) > settings.max_query:
        raise Problem(413, "Query too large", f"the query is larger than {settings.max_query} bytes (AIDUTY_MAX_QUERY)")
    formats = {**negotiate(request.headers.get("accept")), "gzip": accepts_gzip(request.headers.get("accept-encoding"))}
    payload = {"query": query, "row_limit": settings.row_limit, "formats": formats}
    result = await tasks.run(tasks.sparql, "sparql", payload, settings.sparql_timeout, request_id(request))
    headers = {"vary": "Accept, Accept-Encoding"}
    if result.truncated:
        headers[TRUNCATED_HEADER] = "true"
    if result.encoding:
        headers["content-encoding"] = result.encoding
    charset = "; charset=utf-8" if result.media_type.startswith("text/") else ""
    return Response(result.body, media_type=result.media_type + charset, headers=headers)


@router.get("/v1/sparql", operation_id="sparqlQuery", response_class=Response,
            summary="SPARQL 1.1 Protocol query (read-only); with no query, the service description",
            responses={200: _ANSWERS})
async def sparql_get(request: Request, query: str | None = None, tasks: Tasks = Depends(get_tasks),
                     settings: Settings = Depends(get_settings)) -> Response:
    if query is None and not request.query_params:
        return Response(service_description(str(request.url_for("sparql_get"))), media_type="text/turtle; charset=utf-8")
    return await answer(request, query, tasks, settings)


@router.post("/v1/sparql", operation_id="sparqlQueryPost", response_class=Response,
             summary="SPARQL 1.1 Protocol query via form or application/sparql-query", responses={200: _ANSWERS})
async def sparql_post(request: Request, tasks: Tasks = Depends(get_tasks), settings: Settings = Depends(get_settings)) -> Response:
    ctype = request.headers.get("content-type", "")
    body = await request.body()
    if ctype.startswith("application/sparql-query"):
        text = body.decode("utf-8", errors="replace")
    elif ctype.startswith("application/x-www-form-urlencoded"):
        if len(body) > 3 * settings.max_query + 1024:          # a query percent-encoded is at most 3 times longer
            raise Problem(413, "Query too large", f"the query is larger than {settings.max_query} bytes (AIDUTY_MAX_QUERY)")
        try:
            form = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=32)
        except ValueError:
            raise Problem(400, "Invalid form", "too many form fields")
        if "update" in form:
            raise Problem(400, "Query refused", "read-only endpoint: updates are refused")
        text = form.get("query", [None])[0]
    else:
        raise Problem(415, "Unsupported media type", "send application/sparql-query or an urlencoded form")
    return await answer(request, text, tasks, settings)


@lru_cache(maxsize=8)
def service_description(endpoint: str) -> bytes:
    """The SPARQL 1.1 Service Description of this endpoint (sd: vocabulary), with the prefixes every query has
    bound declared as SHACL prefix declarations (sh:declare), which is how RDF states prefixes."""
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import RDF, XSD

    from ..vocab import PREFIXES, SH

    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    formats = Namespace("http://www.w3.org/ns/formats/")
    g = Graph()
    g.bind("sd", sd)
    g.bind("formats", formats)
    g.bind("sh", SH)
    service = URIRef(endpoint)
    g.add((service, RDF.type, sd.Service))
    g.add((service, sd.endpoint, service))
    g.add((service, sd.supportedLanguage, sd.SPARQL11Query))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                 "Turtle", "N-Triples", "RDF_XML", "JSON-LD"):
        g.add((service, sd.resultFormat, formats[name]))
    dataset, graph = BNode("dataset"), BNode("default")
    g.add((service, sd.defaultDataset, dataset))
    g.add((dataset, RDF.type, sd.Dataset))
    g.add((dataset, sd.defaultGraph, graph))
    g.add((graph, RDF.type, sd.Graph))
    for prefix, ns in PREFIXES.items():             # read as: these prefixes are bound in every query
        decl = BNode(f"prefix-{prefix}")
        g.add((service, SH.declare, decl))
        g.add((decl, RDF.type, SH.PrefixDeclaration))
        g.add((decl, SH.prefix, Literal(prefix)))
        g.add((decl, SH.namespace, Literal(str(ns), datatype=XSD.anyURI)))
    return g.serialize(format="turtle").encode("utf-8")
