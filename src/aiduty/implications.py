"""The implication table (ontology/implications.ttl): forward and backward derivations and contradictions.

Each entry reads "if every condition holds, the consequence holds". kb.py compiles the table once into the plain
tuples below; ``derive`` runs it over the stated facts of one description to a fixpoint:
- forward: every condition holds and the consequence is not stated -> the consequence is derived;
- backward: the consequence is stated (or derived) the other way, every condition but one holds and that one is not
  stated -> the negation of that one is derived, where the negation is a value (a boolean);
- contradiction: every condition holds and the consequence is stated the other way -> ``Contradiction``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDF, SKOS

from .vocab import AID

Text = dict[str, str]
MAX_STEPS = 10_000       # a fact is derived at most once, so this is never reached; it guards a bad table


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
    rule: Implication
    premise_facts: tuple[Condition, ...]  # the facts it follows from (their values are in ``stated``, never changed)
    stated: Mapping[str, Any] = field(compare=False, repr=False)
    backward: bool = False                # derived from the consequence stated the other way (not B => not A)

    @cached_property
    def premises(self) -> tuple[str, ...]:
        """"path = value" of the facts it follows from."""
        return tuple(c.describe(self.stated) for c in self.premise_facts)

    @cached_property
    def because(self) -> Text:
        """en / zh: the facts it follows from, the reason, the citation (built only when a report shows it)."""
        facts, imp, out = ", ".join(self.premises), self.rule, {}
        for lang in ("en", "zh"):
            reason = imp.reason.get(lang) or imp.reason.get("en", "")
            cites = ("、" if lang == "zh" else ", ").join(c.get(lang) or c.get("en", "") for c in imp.citations)
            if self.backward:       # "minors = false, while children under 14 are minors": so not under 14
                out[lang] = f"{facts}, while {reason} ({cites})" if lang == "en" else f"{facts}，而{reason}（{cites}）"
            else:
                out[lang] = f"{facts}: {reason} ({cites})" if lang == "en" else f"{facts}：{reason}（{cites}）"
        return out


@dataclass(frozen=True)
class Table:
    """The compiled table: its entries, and for each fact the entries that read it (so a derivation re-examines
    only the entries it can affect)."""

    entries: tuple[Implication, ...]

    @cached_property
    def reading(self) -> dict[str, tuple[int, ...]]:
        index: dict[str, list[int]] = {}
        for i, imp in enumerate(self.entries):
            for c in (*imp.conditions, imp.then):
                index.setdefault(c.path, []).append(i)
        return {p: tuple(ix) for p, ix in index.items()}

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self):
        return iter(self.entries)


class Contradiction(ValueError):
    """Stated facts contradict an entry of the table (bad input)."""

    def __init__(self, fields: tuple[str, ...], problem: str):
        self.fields, self.problem = fields, problem
        super().__init__(problem)


def compile_table(g: Graph, paths: Mapping, citation) -> "Table":
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
    return Table(tuple(sorted(out, key=lambda i: i.id)))


def _condition(g: Graph, node, paths: Mapping, ident: str) -> Condition:
    prop = g.value(node, AID.fact)
    if prop not in paths:
        raise ValueError(f"implication {ident}: {prop} is not a fact of the service description")
    value, empty = g.value(node, AID.value), g.value(node, AID.empty)
    if (value is None) == (empty is None):
        raise ValueError(f"implication {ident}: a condition has exactly one of aid:value and aid:empty")
    return Condition(paths[prop], bool(value.toPython()) if value is not None else None,
                     bool(empty.toPython()) if empty is not None else None)


def derive(stated: dict[str, Any], table: "Table | tuple[Implication, ...]") -> list[Derived]:
    """Add to ``stated`` (in place) every fact the table implies; return the derivations in order.

    Raises Contradiction when stated facts, or facts derived from them, contradict an entry.
    """
    if not isinstance(table, Table):
        table = Table(table)
    entries, reading = table.entries, table.reading
    derived: list[Derived] = []
    why: dict[str, Derived] = {}
    todo = list(range(len(entries)))           # entries to examine, in order; re-queued when a fact they read changes
    queued = set(todo)
    steps = 0
    while todo:
        steps += 1
        if steps > MAX_STEPS:
            raise RuntimeError("the implication table does not reach a fixpoint")
        i = todo.pop(0)
        queued.discard(i)
        imp = entries[i]
        held = [c.holds(stated) for c in imp.conditions]
        if False in held:
            continue
        outcome = imp.then.holds(stated)
        d = None
        if None not in held:                                   # every condition holds
            if outcome is False:
                raise _contradiction(imp, stated, why)
            if outcome is None:
                d = Derived(imp.then.path, bool(imp.then.value), imp, imp.conditions, stated)
        elif outcome is False and held.count(None) == 1:       # not B, and all but one condition: not that one
            open_ = imp.conditions[held.index(None)]
            negation = open_.negation()
            if negation is not None:
                known = tuple(c for c in imp.conditions if c is not open_) + (imp.then,)
                d = Derived(negation.path, bool(negation.value), imp, known, stated, backward=True)
        if d is not None:
            stated[d.path] = d.value
            derived.append(d)
            why[d.path] = d
            for j in reading.get(d.path, ()):
                if j not in queued:
                    todo.append(j)
                    queued.add(j)
    return derived


def _contradiction(imp: Implication, stated: Mapping, why: Mapping[str, Derived]) -> Contradiction:
    parts = []
    for c in (*imp.conditions, imp.then):
        text = c.describe(stated)
        if c.path in why:
            text += f" (derived from {', '.join(why[c.path].premises)})"
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
