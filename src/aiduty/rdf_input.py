"""Read a service description given as RDF (Turtle or JSON-LD) in the facts vocabulary, safely.

Untrusted RDF is parsed from a string with an explicit format; JSON-LD may not name remote contexts (rdflib
would fetch them), so no network or file access can happen.
"""

from __future__ import annotations

import logging
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from .description import DescriptionError, list_paths
from .safetext import brief, clip
from .untrusted import InputError, load_json
from .vocab import AID, enum_namespace, fact_paths


def _refuse_remote_contexts(root: Any, source: str) -> None:
    stack = [root]                          # walked without recursion: nesting depth cannot crash it
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("@context", "@import"):
                    ctxs = value if isinstance(value, list) else [value]
                    if any(isinstance(c, str) for c in ctxs):
                        raise DescriptionError(source, key, "remote JSON-LD contexts are not allowed; inline the context")
                stack.append(value)
        elif isinstance(node, list):
            stack += node


class _Quiet(logging.Filter):
    """rdflib logs a traceback for every ill-typed literal (``"2026-02-30"^^xsd:date``); we report it instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


def description_from_rdf(text: str, fmt: str, source: str) -> dict[str, Any]:
    if fmt == "json-ld":
        try:
            _refuse_remote_contexts(load_json(text), source)   # duplicate keys refused too
        except InputError as exc:
            raise DescriptionError(source, exc.field, exc.problem.replace("JSON", "JSON-LD")) from None
    graph = Graph()
    quiet, term_log = _Quiet(), logging.getLogger("rdflib.term")
    term_log.addFilter(quiet)
    try:
        graph.parse(data=text, format=fmt)
    except Exception as exc:  # rdflib raises many parser-specific types
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "digits" in problem:
            problem = "a number has too many digits"
        raise DescriptionError(source, "(syntax)", f"not valid {fmt}: {clip(problem, 200)}") from None
    finally:
        term_log.removeFilter(quiet)
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
                raise DescriptionError(source, clip(str(pred), 120), "unknown facts property")
            continue
        path = paths[pred]
        ns = enum_namespace(path)
        if ns is not None:
            if not (isinstance(obj, URIRef) and str(obj).startswith(str(ns))):
                raise DescriptionError(source, path, f"expected a value of {ns}, got {brief(str(obj))}")
            value: Any = str(obj)[len(str(ns)):]
        elif isinstance(obj, Literal):
            value = str(obj) if obj.ill_typed else obj.toPython()     # the model names the field and the problem
        else:
            raise DescriptionError(source, path, f"expected a literal, got {brief(str(obj))}")
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
