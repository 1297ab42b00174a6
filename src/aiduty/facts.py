"""Description -> facts: the stated values, the derivations the law implies, the roles, and the RDF facts graph.

The entailed role classes are added here in Python (no inference per check). ``Facts.graph`` is exactly the
graph the engine validates (``aiduty facts`` prints it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from datetime import date
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from . import implications
from .conditions import Context, Outcome, Truth
from .description import DescriptionError, ServiceDescription, stated_facts
from .kb import KnowledgeBase, Role
from .vocab import AID, PREFIXES, enum_namespace, fact_property


Derivation = implications.Derived      # path, value, because (en / zh, built when a report shows it)


@dataclass(frozen=True)
class RoleFinding:
    role: Role
    outcome: Outcome


@dataclass
class Facts:
    description: ServiceDescription
    node: URIRef
    stated: dict[str, Any]              # path -> value, after derivations
    derivations: list[Derivation]
    roles: dict[URIRef, RoleFinding]     # role class -> three-valued finding
    context: Context

    @cached_property
    def graph(self) -> Graph:
        """The RDF facts graph: built only when pyshacl or a user needs it, not on every check."""
        g = Graph(bind_namespaces="none")
        node = self.node
        g.add((node, RDF.type, AID.Service))
        for cls, finding in self.roles.items():
            if finding.outcome.truth is Truth.TRUE:
                g.add((node, RDF.type, cls))
        for path, value in self.stated.items():
            prop = fact_property(path)
            g.add((node, AID.states, prop))
            for v in _rdf_values(path, value):
                g.add((node, prop, v))
        g.add((node, DCTERMS.identifier, Literal(self.description.id)))
        return g

    def serialize(self, fmt: str) -> str:
        g = Graph()
        for prefix, ns in PREFIXES.items():
            g.bind(prefix, ns)
        g += self.graph
        return g.serialize(format=fmt)


def render_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def derive(stated: dict[str, Any], kb: KnowledgeBase, source: str = "<description>") -> list[Derivation]:
    """Facts the description implies without stating them: the implication table (ontology/implications.ttl),
    forward and backward, to a fixpoint. Adds them to ``stated``; stated facts that contradict an entry are bad
    input (DescriptionError naming the fields)."""
    try:
        return implications.derive(stated, kb.implications)
    except implications.Contradiction as exc:
        raise DescriptionError(source, " + ".join(exc.fields), exc.problem) from None


def _rdf_values(path: str, value: Any) -> tuple:
    ns = enum_namespace(path)
    items = value if isinstance(value, list) else [value]
    if ns is not None:
        return tuple(ns[v] for v in items)
    if isinstance(value, bool):
        return (Literal(value),)
    if isinstance(value, int):
        return (Literal(value, datatype=XSD.integer),)
    if isinstance(value, date):
        return (Literal(value, datatype=XSD.date),)
    return (Literal(value),)


def _plain_values(path: str, value: Any) -> tuple:
    """The values a condition reads: what ``_rdf_values`` gives, as plain Python values (see conditions.plain)."""
    ns = enum_namespace(path)
    if ns is not None:
        return tuple(f"{ns}{v}" for v in value) if isinstance(value, list) else (f"{ns}{value}",)
    return tuple(value) if isinstance(value, list) else (value,)


class _Described(dict):
    """fact path -> "path = value", rendered the first time a condition cites it."""

    def __init__(self, stated: dict[str, Any]):
        super().__init__()
        self.stated = stated

    def __missing__(self, path: str) -> str:
        text = self[path] = f"{path} = {render_value(self.stated[path])}"
        return text


def service_node(service_id: str) -> URIRef:
    return URIRef(f"urn:aiduty:service:{service_id}")


def build_facts(desc: ServiceDescription, kb: KnowledgeBase) -> Facts:
    stated = stated_facts(desc)
    derivations = derive(stated, kb, f"service {desc.id}")
    values = {p: _plain_values(p, v) for p, v in stated.items()}
    describe = _Described(stated)
    base = Context(values, {}, describe)

    # Roles: each from its own condition. A narrower role's condition contains its broader role's (the KB lint
    # checks it), so a narrower role holds only where its broader role holds, and a broader role ruled out rules
    # out every narrower one; "unknown" never leaks upward.
    findings: dict[URIRef, Outcome] = {role.cls: role.condition.evaluate(base) for role in kb.roles.values()}
    context = Context(values, {str(cls): o for cls, o in findings.items()}, describe)

    return Facts(desc, service_node(desc.id), stated, derivations,
                 {cls: RoleFinding(kb.roles_by_class[cls], o) for cls, o in findings.items()}, context)
