"""GET|POST /v1/sparql: the SPARQL 1.1 Protocol, read-only.

The server process only checks the query's size: parsing, vetting and evaluation all happen in a SPARQL worker
under the time limit (parsing untrusted SPARQL can take seconds and deep recursion), in a pool of its own so
that queries cannot starve checks.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from ..catalogue import sparql_csv, sparql_json, sparql_xml
from ..settings import Settings
from .common import Problem, Tasks, get_settings, get_tasks, request_id

router = APIRouter(tags=["sparql"])


async def answer(request: Request, query: str | None, tasks: Tasks, settings: Settings) -> Response:
    if query is None:
        raise Problem(400, "Missing query", "pass the query as ?query=, a form field or an application/sparql-query body")
    if len(query) > settings.max_query or len(query.encode("utf-8", errors="replace")) > settings.max_query:
        raise Problem(413, "Query too large", f"the query is larger than {settings.max_query} bytes (AIDUTY_MAX_QUERY)")
    result = await tasks.run(tasks.sparql, "sparql", {"query": query, "row_limit": settings.row_limit},
                             settings.sparql_timeout, request_id(request))
    if result.kind == "graph":
        return Response(result.graph, media_type="text/turtle")
    accept = request.headers.get("accept", "")
    if "sparql-results+xml" in accept or "application/xml" in accept:
        return Response(sparql_xml(result), media_type="application/sparql-results+xml")
    if "text/csv" in accept:
        return PlainTextResponse(sparql_csv(result), media_type="text/csv")
    if "text/tab-separated-values" in accept:
        return PlainTextResponse(sparql_csv(result, "\t"), media_type="text/tab-separated-values")
    return JSONResponse(sparql_json(result), media_type="application/sparql-results+json")


@router.get("/v1/sparql", summary="SPARQL 1.1 Protocol query (read-only)")
async def sparql_get(request: Request, query: str | None = None, tasks: Tasks = Depends(get_tasks),
                     settings: Settings = Depends(get_settings)) -> Response:
    return await answer(request, query, tasks, settings)


@router.post("/v1/sparql", summary="SPARQL 1.1 Protocol query via form or application/sparql-query")
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
