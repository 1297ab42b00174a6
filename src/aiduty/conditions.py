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
    missing: frozenset[str] = frozenset()   # fact paths whose absence left it unknown


class Expr:
    def evaluate(self, ctx: "Context") -> Outcome:  # pragma: no cover - interface
        raise NotImplementedError

    def facts(self) -> set[str]:
        """The fact paths the expression reads."""
        return set()

    def roles(self) -> set[str]:
        """The role classes (IRIs as strings) the expression reads."""
        return set()


@dataclass(frozen=True)
class Context:
    """What a condition can read: the stated facts as plain Python values, and the three-valued roles.

    Plain values (str for IRIs, bool/int/date for literals) rather than rdflib terms: their comparison and
    hashing run in C, which is most of the cost of reading 226 conditions per check.
    """

    values: Mapping[str, tuple]          # fact path -> its values; only stated facts are keys
    roles: Mapping[str, Outcome]         # role class IRI -> finding
    describe: Mapping[str, str]          # fact path -> "controls.x = true"


def plain(term: Node):
    """An RDF term as the plain value facts carry: literals as Python values, IRIs as strings."""
    return term.toPython() if isinstance(term, Literal) else str(term)


@dataclass(frozen=True)
class PropertyTest(Expr):
    path: URIRef                         # the facts property, as written in the shape
    fact: str                            # its description path
    min_count: int = 0
    has_value: tuple[Node, ...] = ()
    in_values: tuple[Node, ...] | None = None
    min_inclusive: Literal | None = None
    max_inclusive: Literal | None = None

    def __post_init__(self):
        # the same tests over plain values, computed once when the knowledge base is compiled
        object.__setattr__(self, "_has", tuple(plain(v) for v in self.has_value))
        object.__setattr__(self, "_in", None if self.in_values is None else frozenset(plain(v) for v in self.in_values))
        object.__setattr__(self, "_min", None if self.min_inclusive is None else plain(self.min_inclusive))
        object.__setattr__(self, "_max", None if self.max_inclusive is None else plain(self.max_inclusive))

    def evaluate(self, ctx: Context) -> Outcome:
        values = ctx.values.get(self.fact)
        if values is None:
            return Outcome(Truth.UNKNOWN, missing=frozenset((self.fact,)))
        ok = (
            len(values) >= self.min_count
            and all(v in values for v in self._has)
            and (self._in is None or all(v in self._in for v in values))
            and (self._min is None or all(v >= self._min for v in values))
            and (self._max is None or all(v <= self._max for v in values))
        )
        return Outcome(Truth.TRUE if ok else Truth.FALSE, because=(ctx.describe[self.fact],))

    def facts(self) -> set[str]:
        return {self.fact}


@dataclass(frozen=True)
class HasRole(Expr):
    role: URIRef

    def __post_init__(self):
        object.__setattr__(self, "_key", str(self.role))

    def evaluate(self, ctx: Context) -> Outcome:
        return ctx.roles.get(self._key, FALSE)

    def roles(self) -> set[str]:
        return {self._key}


FALSE = Outcome(Truth.FALSE)


@dataclass(frozen=True)
class Compound(Expr):
    """An expression over parts: it reads what its parts read."""

    parts: tuple[Expr, ...]

    def facts(self) -> set[str]:
        return set().union(*(p.facts() for p in self.parts))

    def roles(self) -> set[str]:
        return set().union(*(p.roles() for p in self.parts))


@dataclass(frozen=True)
class All(Compound):
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


@dataclass(frozen=True)
class AnyOf(Compound):
    def evaluate(self, ctx: Context) -> Outcome:
        outcomes = [p.evaluate(ctx) for p in self.parts]
        true = [o for o in outcomes if o.truth is Truth.TRUE]
        if true:
            return true[0]
        unknown = [o for o in outcomes if o.truth is Truth.UNKNOWN]
        if unknown:
            return Outcome(Truth.UNKNOWN, missing=frozenset().union(*(o.missing for o in unknown)))
        return Outcome(Truth.FALSE, because=_merge(o.because for o in outcomes))


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


def compile_condition(graph: Graph, shape: Node, paths: Mapping[URIRef, str]) -> Expr:
    """Compile a condition shape of the knowledge base into an expression; ``paths`` maps facts properties to
    description paths."""
    predicates = {p for p in graph.predicates(shape) if p not in IGNORED}
    if SH.path in predicates:
        return _compile_property(graph, shape, predicates, paths)
    unsupported = predicates - ALLOWED_NODE
    if unsupported:
        raise ShapeError(f"condition shape {shape} uses {sorted(map(str, unsupported))}; only monotone SHACL Core is allowed")
    # rdflib does not keep the order of multi-valued properties: sort them, so that every build of the knowledge
    # base gives the reasons in the same order.
    parts: list[Expr] = [HasRole(c) for c in sorted(graph.objects(shape, SH["class"]))]
    props = [_compile_property(graph, p, {q for q in graph.predicates(p) if q not in IGNORED}, paths) for p in graph.objects(shape, SH.property)]
    parts += sorted(props, key=lambda t: (t.fact, repr(t)))
    parts += [compile_condition(graph, n, paths) for n in sorted(graph.objects(shape, SH.node))]
    for lst in graph.objects(shape, SH["and"]):
        parts += [compile_condition(graph, n, paths) for n in Collection(graph, lst)]
    for lst in graph.objects(shape, SH["or"]):
        parts.append(AnyOf(tuple(compile_condition(graph, n, paths) for n in Collection(graph, lst))))
    if not parts:
        raise ShapeError(f"condition shape {shape} is empty or undefined")
    return parts[0] if len(parts) == 1 else All(tuple(parts))


def _compile_property(graph: Graph, shape: Node, predicates: set, paths: Mapping[URIRef, str]) -> PropertyTest:
    unsupported = predicates - ALLOWED_PROPERTY
    if unsupported:
        raise ShapeError(f"property shape in a condition uses {sorted(map(str, unsupported))}; not monotone")
    path = graph.value(shape, SH.path)
    if not isinstance(path, URIRef):
        raise ShapeError(f"condition property shapes need a plain IRI path, got {path}")
    if path not in paths:
        raise ShapeError(f"condition reads {path}, which is not a fact of the service description")
    min_count = graph.value(shape, SH.minCount)
    if min_count is None or int(min_count) < 1:
        raise ShapeError(f"condition on {path} needs sh:minCount 1 so that a missing fact does not pass")
    in_list = graph.value(shape, SH["in"])
    return PropertyTest(
        path=path,
        fact=paths[path],
        min_count=int(min_count),
        has_value=tuple(graph.objects(shape, SH.hasValue)),
        in_values=tuple(Collection(graph, in_list)) if in_list is not None else None,
        min_inclusive=graph.value(shape, SH.minInclusive),
        max_inclusive=graph.value(shape, SH.maxInclusive),
    )
