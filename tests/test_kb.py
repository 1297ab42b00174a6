"""The knowledge base loads, passes its own SHACL lint, answers the competency questions, and its coverage doc is fresh."""

from pathlib import Path

import pytest
import yaml
from rdflib import URIRef

from aiduty.catalogue import coverage_markdown, run_query
from aiduty.description import leaf_paths
from aiduty.kb import lint
from aiduty.vocab import AID, OBLIGATION, fact_property

REPO = Path(__file__).resolve().parents[1]
V1 = {"GENAI-2023", "LABEL-2025", "GB45438-2025", "ALGO-2022", "DEEPSYN-2023", "CSL-2017", "CSL-2026", "PUBOP-2018"}


def test_all_instruments_load(kb):
    assert V1 <= set(kb.instruments)
    for code in V1:
        assert any(d.instrument == code for d in kb.duties.values()), f"{code} has no duty"


def test_kb_passes_its_lint(kb):
    assert lint(kb) == []


def test_lint_fails_when_an_obligation_loses_its_citation(kb):
    graph = kb.graph()
    duty = OBLIGATION["label-2025-art5-implicit-metadata"]
    graph.remove((duty, AID.cites, None))
    problems = lint(graph=graph)
    assert any("label-2025-art5-implicit-metadata" in p and "cite" in p for p in problems), problems


def test_lint_fails_on_a_dangling_link_and_a_missing_chinese_title(kb):
    from rdflib.namespace import SKOS

    graph = kb.graph()
    duty = OBLIGATION["label-2025-art8-agreement-labelling-rules"]
    graph.add((duty, AID.overlapsWith, OBLIGATION["no-such-duty"]))
    for label in list(graph.objects(duty, SKOS.prefLabel)):
        if label.language == "zh":
            graph.remove((duty, SKOS.prefLabel, label))
    problems = [p for p in lint(graph=graph) if "label-2025-art8-agreement-labelling-rules" in p]
    assert any("overlapsWith" in p for p in problems)
    assert any("Chinese title" in p for p in problems)


def test_every_description_field_has_a_fact_property_with_a_question(kb):
    graph = kb.graph()
    for path in leaf_paths():
        prop = fact_property(path)
        assert str(graph.value(prop, AID.factPath)) == path, path
        assert kb.facts[prop].question.get("zh") and kb.facts[prop].question.get("en"), path


def test_every_duty_has_bilingual_texts_and_a_valid_status(kb):
    for d in kb.duties.values():
        for text in (d.title, d.summary, d.remediation):
            assert text.get("en") and text.get("zh"), d.id
        assert d.confidence in {"official-text", "credible-secondary", "reported"}
        assert d.instrument_status in {"binding", "binding-standard", "recommended-standard", "draft"}


def test_csl_article_20_binds_no_company(kb):
    provision = URIRef("https://w3id.org/aiduty/cn/CSL-2026/art/20")
    assert any(c.iri == str(provision) for c, _ in kb.provisions_without_duty)
    assert not any(c.iri == str(provision) for d in kb.duties.values() for c in d.citations)


def test_coverage_doc_is_fresh(kb):
    assert (REPO / "docs" / "coverage.md").read_text(encoding="utf-8") == coverage_markdown(kb), "run `aiduty coverage`"


EXPECTED = yaml.safe_load((REPO / "data" / "queries" / "expected.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_competency_question(kb, name):
    expected = EXPECTED[name]
    result = run_query(kb, (REPO / "data" / "queries" / f"{name}.rq").read_text(encoding="utf-8"))
    column = expected.get("column", "id")
    got = [row[column]["value"] for row in result.rows]
    for item in expected.get("includes", []):
        assert item in got, f"{name}: {item} missing from {got}"
    for item in expected.get("excludes", []):
        assert item not in got, f"{name}: {item} should not be in {got}"
    if "rows" in expected:
        rows = [{k: v["value"] for k, v in row.items()} for row in result.rows]
        assert rows == expected["rows"]


def test_every_final_anthropomorphic_duty_is_reported(kb):
    # legal-facts §0.1a item 4: all article numbers of the final Measures are [S], so no duty claims more.
    anthro = [d for d in kb.duties.values() if d.instrument == "ANTHRO-2026"]
    assert len(anthro) >= 19
    assert {d.confidence for d in anthro} == {"reported"}
    assert all(d.confidence_note.get("en") and d.confidence_note.get("zh") for d in anthro)


def test_unnumbered_provisions_are_cited_without_an_invented_article(kb):
    duty = kb.duties["anthro-2026-emergency-contacts"]
    (c,) = duty.citations
    assert c.article is None and c.clause is None
    assert c.label == {"en": "ANTHRO-2026 (article not identified)", "zh": "《人工智能拟人化互动服务管理暂行办法》（条号未明）"}
    # a provision with no article, no clause and no aid:unnumbered marker fails the lint
    graph = kb.graph()
    provision = URIRef("https://w3id.org/aiduty/cn/ANTHRO-2026/unnumbered/emergency-contacts")
    graph.remove((provision, AID.unnumbered, None))
    assert any("emergency-contacts" in p and "provision" in p for p in lint(graph=graph))


def test_separate_acts_read_separate_facts(kb):
    # Anthropomorphic Art 22 and Art 14 are not the 2018 assessment nor PIPL Art 31 consent (issue 11, item 5).
    assert "controls.anthropomorphic_assessment" in kb.duties["anthro-2026-art22-security-assessment"].facts
    assert "controls.security_assessment" not in kb.duties["anthro-2026-art22-security-assessment"].facts
    assert "controls.guardian_consent_to_use" in kb.duties["anthro-2026-art14-under-14-guardian-consent"].facts
    assert "controls.guardian_consent" not in kb.duties["anthro-2026-art14-under-14-guardian-consent"].facts
