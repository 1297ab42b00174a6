"""Plain pyshacl, run on `aiduty facts` output with the Turtle of ontology/ and shapes/ (SHACL-AF rules on,
RDFS inference), reproduces the engine's gaps for the duties in force (design §6)."""

from datetime import date
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph
from rdflib.namespace import RDF

from aiduty.catalogue import in_force
from aiduty.description import load_description
from aiduty.facts import build_facts
from aiduty.vocab import SH

REPO = Path(__file__).resolve().parents[1]
DESCRIPTIONS = sorted((REPO / "data" / "services").glob("*.yaml")) + sorted((REPO / "tests" / "cases").glob("*/service.yaml"))
AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="module")
def plain_graphs():
    ontology, shapes = Graph(), Graph()
    for path in sorted((REPO / "ontology").rglob("*.ttl")):
        ontology.parse(data=path.read_text(encoding="utf-8"), format="turtle")
    for path in sorted((REPO / "shapes").glob("*.ttl")):
        shapes.parse(data=path.read_text(encoding="utf-8"), format="turtle")
    return ontology, shapes


def plain_gaps(kb, facts_graph, ontology, shapes) -> set[str]:
    _, results, _ = pyshacl.validate(facts_graph, shacl_graph=shapes, ont_graph=ontology, inference="rdfs",
                                     advanced=True, allow_infos=True, allow_warnings=True)
    gaps = set()
    for r in results.subjects(RDF.type, SH.ValidationResult):
        if results.value(r, SH.resultSeverity) != SH.Violation:
            continue
        shape = results.value(r, SH.sourceShape)
        while isinstance(shape, BNode):
            shape = next(shapes.subjects(SH.property, shape), None) or next(shapes.subjects(SH.node, shape), None)
        gaps.add(kb.shape_duty[shape])
    return {g for g in gaps if in_force(kb.duties[g], kb, AS_OF)}


@pytest.mark.parametrize("path", DESCRIPTIONS, ids=lambda p: p.parent.name if p.name == "service.yaml" else p.stem)
def test_plain_pyshacl_reproduces_engine_gaps(kb, engine, plain_graphs, path):
    desc = load_description(path)
    facts_graph = Graph().parse(data=build_facts(desc, kb).serialize("turtle"), format="turtle")
    report = engine.check(desc, as_of=AS_OF)
    assert plain_gaps(kb, facts_graph, *plain_graphs) == {d.id for d in report.duties if d.status == "gap"}
