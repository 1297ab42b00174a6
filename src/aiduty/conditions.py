"""Three-valued reading of the knowledge base's condition shapes.

Condition shapes are monotone SHACL (sh:and, sh:or, sh:node, sh:class, property shapes with sh:minCount 1 and
sh:hasValue / sh:in / sh:minInclusive / sh:maxInclusive). Plain SHACL reads a missing fact as a failure; here a
missing fact is *unknown* (Kleene logic), so a duty whose condition reads it is reported as unknown and the
fact becomes a question. Because the shapes are monotone, "true" here implies conformance in plain SHACL and
"false" or "unknown" imply non-conformance: plain pyshacl and the engine agree on every duty that applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Iterable, Mapping

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDFS

from .vocab import SH

Node = URIRef | BNode | Literal


class Truth(Enum):
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Outcome:
    truth: Truth
    because: tuple[str, ...] = ()      # the stated facts (or roles) that decided it
    missing: frozenset[URIRef] = frozenset()   # facts whose absence left it unknown


class Expr:
    def evaluate(self, ctx: "Context") -> Outcome:  # pragma: no cover - interface
        raise NotImplementedError

    def facts(self) -> set[URIRef]:
        return set()


@dataclass(frozen=True)
class Context:
    """What a condition can read: the stated facts' values and the three-valued roles."""

    values: Mapping[URIRef, tuple[Node, ...]]
    stated: frozenset[URIRef]
    roles: Mapping[URIRef, Outcome]
    describe: "callable"   # (property, values) -> "controls.x = true"


@dataclass(frozen=True)
class PropertyTest(Expr):
    path: URIRef
    min_count: int = 0
    has_value: tuple[Node, ...] = ()
    in_values: tuple[Node, ...] | None = None
    min_inclusive: Literal | None = None
    max_inclusive: Literal | None = None

    def evaluate(self, ctx: Context) -> Outcome:
        if self.path not in ctx.stated:
            return Outcome(Truth.UNKNOWN, missing=frozenset({self.path}))
        values = ctx.values.get(self.path, ())
        ok = (
            len(values) >= self.min_count
            and all(v in values for v in self.has_value)
            and (self.in_values is None or all(v in self.in_values for v in values))
            and (self.min_inclusive is None or all(v.toPython() >= self.min_inclusive.toPython() for v in values))
            and (self.max_inclusive is None or all(v.toPython() <= self.max_inclusive.toPython() for v in values))
        )
        return Outcome(Truth.TRUE if ok else Truth.FALSE, because=(ctx.describe(self.path, values),))

    def facts(self) -> set[URIRef]:
        return {self.path}


@dataclass(frozen=True)
class HasRole(Expr):
    role: URIRef

    def evaluate(self, ctx: Context) -> Outcome:
        return ctx.roles.get(self.role, Outcome(Truth.FALSE))


@dataclass(frozen=True)
class All(Expr):
    parts: tuple[Expr, ...]

    def evaluate(self, ctx: Context) -> Outcome:
        outcomes = [p.evaluate(ctx) for p in self.parts]
        false = [o for o in outcomes if o.truth is Truth.FALSE]
        if false:
            return Outcome(Truth.FALSE, because=_merge(o.because for o in false))
        unknown = [o for o in outcomes if o.truth is Truth.UNKNOWN]
        if unknown:
            return Outcome(Truth.UNKNOWN, because=_merge(o.because for o in outcomes if o.truth is Truth.TRUE),
                           missing=frozenset().union(*(o.missing for o in unknown)))
        return Outcome(Truth.TRUE, because=_merge(o.because for o in outcomes))

    def facts(self) -> set[URIRef]:
        return set().union(*(p.facts() for p in self.parts))


@dataclass(frozen=True)
class AnyOf(Expr):
    parts: tuple[Expr, ...]

    def evaluate(self, ctx: Context) -> Outcome:
        outcomes = [p.evaluate(ctx) for p in self.parts]
        true = [o for o in outcomes if o.truth is Truth.TRUE]
        if true:
            return true[0]
        unknown = [o for o in outcomes if o.truth is Truth.UNKNOWN]
        if unknown:
            return Outcome(Truth.UNKNOWN, missing=frozenset().union(*(o.missing for o in unknown)))
        return Outcome(Truth.FALSE, because=_merge(o.because for o in outcomes))

    def facts(self) -> set[URIRef]:
        return set().union(*(p.facts() for p in self.parts))


def _merge(groups: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for item in group:
            seen.setdefault(item, None)
    return tuple(seen)


# ------------------------------------------------------------------------------------------------ compiling

ALLOWED_NODE = {SH.property, SH["and"], SH["or"], SH.node, SH["class"]}
ALLOWED_PROPERTY = {SH.path, SH.minCount, SH.hasValue, SH["in"], SH.minInclusive, SH.maxInclusive}
IGNORED = {RDFS.label, RDFS.comment, SH.name, SH.description, SH.message, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")}


class ShapeError(ValueError):
    """A condition shape uses SHACL the three-valued reading does not support."""


def compile_condition(graph: Graph, shape: Node) -> Expr:
    """Compile a condition shape of the knowledge base into an expression."""
    predicates = {p for p in graph.predicates(shape) if p not in IGNORED}
    if SH.path in predicates:
        return _compile_property(graph, shape, predicates)
    unsupported = predicates - ALLOWED_NODE
    if unsupported:
        raise ShapeError(f"condition shape {shape} uses {sorted(map(str, unsupported))}; only monotone SHACL Core is allowed")
    parts: list[Expr] = [HasRole(c) for c in graph.objects(shape, SH["class"])]
    parts += [_compile_property(graph, p, {q for q in graph.predicates(p) if q not in IGNORED}) for p in graph.objects(shape, SH.property)]
    parts += [compile_condition(graph, n) for n in graph.objects(shape, SH.node)]
    for lst in graph.objects(shape, SH["and"]):
        parts += [compile_condition(graph, n) for n in Collection(graph, lst)]
    for lst in graph.objects(shape, SH["or"]):
        parts.append(AnyOf(tuple(compile_condition(graph, n) for n in Collection(graph, lst))))
    if not parts:
        raise ShapeError(f"condition shape {shape} is empty or undefined")
    return parts[0] if len(parts) == 1 else All(tuple(parts))


def _compile_property(graph: Graph, shape: Node, predicates: set) -> PropertyTest:
    unsupported = predicates - ALLOWED_PROPERTY
    if unsupported:
        raise ShapeError(f"property shape in a condition uses {sorted(map(str, unsupported))}; not monotone")
    path = graph.value(shape, SH.path)
    if not isinstance(path, URIRef):
        raise ShapeError(f"condition property shapes need a plain IRI path, got {path}")
    min_count = graph.value(shape, SH.minCount)
    if min_count is None or int(min_count) < 1:
        raise ShapeError(f"condition on {path} needs sh:minCount 1 so that a missing fact does not pass")
    in_list = graph.value(shape, SH["in"])
    return PropertyTest(
        path=path,
        min_count=int(min_count),
        has_value=tuple(graph.objects(shape, SH.hasValue)),
        in_values=tuple(Collection(graph, in_list)) if in_list is not None else None,
        min_inclusive=graph.value(shape, SH.minInclusive),
        max_inclusive=graph.value(shape, SH.maxInclusive),
    )
