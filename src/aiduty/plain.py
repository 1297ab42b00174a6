"""The reference check of design §6: plain pyshacl on a facts graph, with the Turtle of ontology/ and shapes/
(SHACL-AF rules on, RDFS inference, everything fresh). Slow by design; the tests and bench/ compare the engine
with it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyshacl
from rdflib import BNode, Graph
from rdflib.namespace import RDF

from .catalogue import in_force
from .kb import KnowledgeBase
from .vocab import SH


def kb_turtle(root: Path) -> tuple[str, str]:
    """The ontology and the shapes (without the KB lint) as Turtle text."""
    ontology = "\n".join(p.read_text(encoding="utf-8") for p in sorted((root / "ontology").rglob("*.ttl")))
    shapes = "\n".join(p.read_text(encoding="utf-8") for p in sorted((root / "shapes").glob("*.ttl")))
    return ontology, shapes


def plain_gaps(kb: KnowledgeBase, facts_turtle: str, ontology_ttl: str, shapes_ttl: str, as_of: date) -> set[str]:
    """Duties in force on ``as_of`` that plain pyshacl reports a violation for."""
    shapes = Graph().parse(data=shapes_ttl, format="turtle")
    _, results, _ = pyshacl.validate(Graph().parse(data=facts_turtle, format="turtle"), shacl_graph=shapes,
                                     ont_graph=Graph().parse(data=ontology_ttl, format="turtle"),
                                     inference="rdfs", advanced=True, allow_infos=True, allow_warnings=True)
    gaps = set()
    for r in results.subjects(RDF.type, SH.ValidationResult):
        if results.value(r, SH.resultSeverity) != SH.Violation:
            continue
        shape = results.value(r, SH.sourceShape)
        while isinstance(shape, BNode):       # a nested property shape: climb to its requirement shape
            shape = next(shapes.subjects(SH.property, shape), None) or next(shapes.subjects(SH.node, shape), None)
        gaps.add(kb.shape_duty[shape])
    return {g for g in gaps if in_force(kb.duties[g], kb, as_of)}
