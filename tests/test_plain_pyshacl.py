"""Plain pyshacl, run on `aiduty facts` output with the Turtle of ontology/ and shapes/ (SHACL-AF rules on,
RDFS inference), reproduces the engine's gaps for the duties in force (design §6)."""

from datetime import date
from pathlib import Path

import pytest

from aiduty.description import load_description
from aiduty.facts import build_facts
from aiduty.plain import kb_turtle, plain_gaps

REPO = Path(__file__).resolve().parents[1]
DESCRIPTIONS = sorted((REPO / "data" / "services").glob("*.yaml")) + sorted(
    p for p in (REPO / "tests" / "cases").glob("*/service.yaml")
    if "exit_code: 2" not in (p.parent / "expected.yaml").read_text(encoding="utf-8"))   # bad input: no report
AS_OF = date(2026, 11, 22)
TURTLE = kb_turtle(REPO)


@pytest.mark.parametrize("path", DESCRIPTIONS, ids=lambda p: p.parent.name if p.name == "service.yaml" else p.stem)
def test_plain_pyshacl_reproduces_engine_gaps(kb, engine, path):
    desc = load_description(path)
    report = engine.check(desc, as_of=AS_OF)
    engine_gaps = {d.id for d in report.duties if d.status == "gap"}
    assert plain_gaps(kb, build_facts(desc, kb).serialize("turtle"), *TURTLE, AS_OF) == engine_gaps
