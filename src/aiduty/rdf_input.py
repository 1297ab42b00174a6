"""Read a service description given as RDF (Turtle or JSON-LD) in the facts vocabulary, safely.

Untrusted RDF is parsed from a string with an explicit format; JSON-LD may not name remote contexts (rdflib
would fetch them), so no network or file access can happen.
"""

from __future__ import annotations

import json
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from .description import DescriptionError, list_paths
from .vocab import AID, enum_namespace, fact_paths


def _refuse_remote_contexts(node: Any, source: str) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("@context", "@import"):
                ctxs = value if isinstance(value, list) else [value]
                if any(isinstance(c, str) for c in ctxs):
                    raise DescriptionError(source, key, "remote JSON-LD contexts are not allowed; inline the context")
            _refuse_remote_contexts(value, source)
    elif isinstance(node, list):
        for item in node:
            _refuse_remote_contexts(item, source)


def description_from_rdf(text: str, fmt: str, source: str) -> dict[str, Any]:
    if fmt == "json-ld":
        try:
            _refuse_remote_contexts(json.loads(text), source)
        except json.JSONDecodeError as exc:
            raise DescriptionError(source, "(syntax)", f"not valid JSON-LD: {exc.msg} at line {exc.lineno}") from None
    graph = Graph()
    try:
        graph.parse(data=text, format=fmt)
    except Exception as exc:  # rdflib raises many parser-specific types
        raise DescriptionError(source, "(syntax)", f"not valid {fmt}: {str(exc).splitlines()[0][:200]}") from None
    services = list(graph.subjects(RDF.type, AID.Service))
    if len(services) != 1:
        raise DescriptionError(source, "(top level)", f"expected exactly one node of type aid:Service, found {len(services)}")
    svc = services[0]
    paths = fact_paths()
    lists = list_paths()
    data: dict[str, Any] = {}
    for pred, obj in graph.predicate_objects(svc):
        if pred == RDF.type or pred == AID.states:
            continue
        if pred not in paths:
            if str(pred).startswith(str(AID)):
                raise DescriptionError(source, str(pred), "unknown facts property")
            continue
        path = paths[pred]
        ns = enum_namespace(path)
        if ns is not None:
            if not (isinstance(obj, URIRef) and str(obj).startswith(str(ns))):
                raise DescriptionError(source, path, f"expected a value of {ns}, got {obj}")
            value: Any = str(obj)[len(str(ns)):]
        elif isinstance(obj, Literal):
            value = obj.toPython()
        else:
            raise DescriptionError(source, path, f"expected a literal, got {obj}")
        *parents, leaf = path.split(".")
        target = data
        for p in parents:
            target = target.setdefault(p, {})
        if path in lists:
            target.setdefault(leaf, []).append(value)
        elif leaf in target:
            raise DescriptionError(source, path, "stated more than once")
        else:
            target[leaf] = value
    # An empty list is stated with aid:states and no values.
    for stated in graph.objects(svc, AID.states):
        path = paths.get(stated)
        if path in lists:
            *parents, leaf = path.split(".")
            target = data
            for p in parents:
                target = target.setdefault(p, {})
            target.setdefault(leaf, [])
    return data
