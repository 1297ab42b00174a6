"""The implication table (ontology/implications.ttl): forward and backward derivations and contradictions.

Each entry reads "if every condition holds, the consequence holds". kb.py compiles the table once into the plain
tuples below; ``derive`` runs it over the stated facts of one description to a fixpoint:
- forward: every condition holds and the consequence is not stated -> the consequence is derived;
- backward: the consequence is stated (or derived) the other way, every condition but one holds and that one is not
  stated -> the negation of that one is derived, where the negation is a value (a boolean);
- contradiction: every condition holds and the consequence is stated the other way -> ``Contradiction``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDF, SKOS

from .vocab import AID

Text = dict[str, str]
MAX_ROUNDS = 16          # the table is small and acyclic in practice; a bound keeps a bad table from looping


@dataclass(frozen=True)
class Condition:
    """``path`` is the boolean ``value``, or (``empty`` not None) a list fact that is / is not empty."""

    path: str
    value: bool | None = None
    empty: bool | None = None

    def holds(self, stated: Mapping[str, Any]) -> bool | None:
        if self.path not in stated:
            return None
        got = stated[self.path]
        if self.empty is not None:
            return (len(got) == 0) is self.empty
        return got is self.value

    def negation(self) -> "Condition | None":
        """The condition that holds exactly when this one fails, when it is a value one can derive."""
        return Condition(self.path, not self.value) if self.empty is None else None

    def describe(self, stated: Mapping[str, Any] | None = None) -> str:
        if stated is not None and self.path in stated:
            return f"{self.path} = {_render(stated[self.path])}"
        if self.empty is not None:
            return f"{self.path} = []" if self.empty else f"{self.path} non-empty"
        return f"{self.path} = {_render(self.value)}"


@dataclass(frozen=True)
class Implication:
    id: str
    conditions: tuple[Condition, ...]
    then: Condition                       # always a boolean fact
    reason: Text                          # en / zh
    citations: tuple[Text, ...]           # citation labels, en / zh


@dataclass(frozen=True)
class Derived:
    path: str
    value: bool
    because: Text                         # en / zh: the facts it follows from, the reason, the citation
    rule: str                             # the implication's id


class Contradiction(ValueError):
    """Stated facts contradict an entry of the table (bad input)."""

    def __init__(self, fields: tuple[str, ...], problem: str):
        self.fields, self.problem = fields, problem
        super().__init__(problem)


def compile_table(g: Graph, paths: Mapping, citation) -> tuple[Implication, ...]:
    """aid:Implication entries of the knowledge base graph -> plain tuples (done once, in kb.py's build)."""
    out = []
    for node in g.subjects(RDF.type, AID.Implication):
        ident = str(g.value(node, DCTERMS.identifier) or node)
        conditions = tuple(sorted((_condition(g, c, paths, ident) for c in g.objects(node, AID["if"])), key=lambda c: c.path))
        then = _condition(g, g.value(node, AID.then), paths, ident)
        if not conditions or then.empty is not None or then.value is None:
            raise ValueError(f"implication {ident}: needs aid:if conditions and a boolean aid:then")
        reason = {o.language: str(o) for o in g.objects(node, SKOS.definition) if isinstance(o, Literal) and o.language in ("en", "zh")}
        labels = tuple(citation(p).label for p in sorted(g.objects(node, AID.cites)))
        out.append(Implication(ident, conditions, then, reason, labels))
    return tuple(sorted(out, key=lambda i: i.id))


def _condition(g: Graph, node, paths: Mapping, ident: str) -> Condition:
    prop = g.value(node, AID.fact)
    if prop not in paths:
        raise ValueError(f"implication {ident}: {prop} is not a fact of the service description")
    value, empty = g.value(node, AID.value), g.value(node, AID.empty)
    if (value is None) == (empty is None):
        raise ValueError(f"implication {ident}: a condition has exactly one of aid:value and aid:empty")
    return Condition(paths[prop], bool(value.toPython()) if value is not None else None,
                     bool(empty.toPython()) if empty is not None else None)


def derive(stated: dict[str, Any], table: tuple[Implication, ...]) -> list[Derived]:
    """Add to ``stated`` (in place) every fact the table implies; return the derivations in order.

    Raises Contradiction when stated facts, or facts derived from them, contradict an entry.
    """
    derived: list[Derived] = []
    why: dict[str, Derived] = {}
    for _ in range(MAX_ROUNDS):
        changed = False
        for imp in table:
            held = [c.holds(stated) for c in imp.conditions]
            outcome = imp.then.holds(stated)
            if False in held:
                continue
            if None not in held:                                  # every condition holds
                if outcome is False:
                    raise _contradiction(imp, stated, why)
                if outcome is None:
                    d = _derived(imp, imp.then, imp.conditions, stated)
                    changed = _add(d, stated, derived, why) or changed
            elif outcome is False and held.count(None) == 1:      # not B, and all but one condition: not that one
                open_ = imp.conditions[held.index(None)]
                negation = open_.negation()
                if negation is not None:
                    known = tuple(c for c in imp.conditions if c is not open_) + (imp.then,)
                    d = _derived(imp, negation, known, stated)
                    changed = _add(d, stated, derived, why) or changed
        if not changed:
            return derived
    raise RuntimeError("the implication table does not reach a fixpoint")


def _add(d: Derived, stated: dict, derived: list, why: dict) -> bool:
    stated[d.path] = d.value
    derived.append(d)
    why[d.path] = d
    return True


def _derived(imp: Implication, result: Condition, premises: tuple[Condition, ...], stated: Mapping) -> Derived:
    facts = ", ".join(p.describe(stated) for p in premises)
    because = {}
    for lang in ("en", "zh"):
        reason = imp.reason.get(lang) or imp.reason.get("en", "")
        cites = ("、" if lang == "zh" else ", ").join(c.get(lang) or c.get("en", "") for c in imp.citations)
        because[lang] = f"{facts}: {reason} ({cites})" if lang == "en" else f"{facts}：{reason}（{cites}）"
    return Derived(result.path, bool(result.value), because, imp.id)


def _contradiction(imp: Implication, stated: Mapping, why: Mapping[str, Derived]) -> Contradiction:
    parts = []
    for c in (*imp.conditions, imp.then):
        text = c.describe(stated)
        if c.path in why:
            text += f" (derived from {why[c.path].because['en'].split(': ', 1)[0]})"
        parts.append(text)
    cites = ", ".join(c.get("en", "") for c in imp.citations)
    verb = "contradicts" if len(parts) == 2 else "together contradict"
    problem = (f"{' and '.join(parts[:-1])} {verb} {parts[-1]}: {imp.reason.get('en', '')} ({cites}); "
               f"correct one of these fields")
    return Contradiction(tuple(c.path for c in (*imp.conditions, imp.then)), problem)


def _render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)
