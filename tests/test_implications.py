"""The implication table (ontology/implications.ttl) and its engine (aiduty.implications): forward, backward,
contradiction, chains, reasons in both languages; and the role logic that runs both ways."""

import pytest

from aiduty.description import DescriptionError, ServiceDescription, stated_facts
from aiduty.facts import build_facts
from aiduty.implications import Condition, Contradiction, Implication, derive


def run(kb, **sections):
    stated = stated_facts(ServiceDescription.model_validate({"id": "t", "name": "T", **sections}))
    derived = derive(stated, kb.implications)
    return stated, {d.path: d for d in derived}


def test_forward(kb):
    stated, derived = run(kb, reach={"under_14": True})
    assert stated["reach.minors"] is True
    assert derived["reach.minors"].rule.id == "under14-minors"
    assert derived["reach.minors"].because["en"].startswith("reach.under_14 = true: children under 14 are minors")


def test_backward_not_b_gives_not_a(kb):
    stated, derived = run(kb, reach={"minors": False})
    assert stated["reach.under_14"] is False                      # adults only: never asked about under-14s
    assert derived["reach.under_14"].because["en"] == ("reach.minors = false, while children under 14 are minors "
                                                       "(under 18) (PIPL-2021 Art. 31)")
    stated, _ = run(kb, capabilities={"sensitive_personal_information": False})
    assert stated["capabilities.biometric_editing"] is False
    stated, _ = run(kb, capabilities={"public_opinion_capacity": False})
    assert "capabilities.public_opinion_features" not in stated  # a list is never derived ("none" is a statement)


def test_only_yes_from_public_opinion_features(kb):
    stated, _ = run(kb, capabilities={"public_opinion_features": ["forum"]})
    assert stated["capabilities.public_opinion_capacity"] is True
    stated, _ = run(kb, capabilities={"public_opinion_features": []})
    assert "capabilities.public_opinion_capacity" not in stated   # PUBOP-2018 Art 2 covers other channels too


def test_chains_to_a_fixpoint(kb):
    # personal_information false -> no sensitive information -> no biometric editing
    stated, derived = run(kb, capabilities={"personal_information": False})
    assert stated["capabilities.sensitive_personal_information"] is False
    assert stated["capabilities.biometric_editing"] is False
    # nothing generated -> no digital virtual human -> no real person's likeness
    stated, derived = run(kb, capabilities={"generates": []})
    assert stated["capabilities.real_person_likeness"] is False
    assert derived["capabilities.real_person_likeness"].because["en"].startswith("capabilities.digital_virtual_human = false")
    # API customers who serve the public make the API vendor a provider to the public (GENAI-2023 Art 22)
    stated, _ = run(kb, capabilities={"via_api": True}, reach={"api_customers_serve_public": True})
    assert stated["reach.mainland_china_public"] is True and stated["reach.enterprise_internal_only"] is False


def test_backward_with_two_conditions(kb):
    stated, _ = run(kb, capabilities={"via_api": True}, reach={"mainland_china_public": False})
    assert stated["reach.api_customers_serve_public"] is False
    stated, _ = run(kb, capabilities={"via_api": True})
    assert "reach.api_customers_serve_public" not in stated and "reach.mainland_china_public" not in stated


@pytest.mark.parametrize("sections, fields", [
    ({"reach": {"under_14": True, "minors": False}}, ("reach.under_14", "reach.minors")),
    ({"reach": {"enterprise_internal_only": True}, "capabilities": {"via_api": True}},
     ("reach.enterprise_internal_only", "capabilities.via_api")),
    ({"capabilities": {"generates": [], "may_confuse_public": True}}, ("capabilities.generates", "capabilities.may_confuse_public")),
    ({"capabilities": {"via_api": True, "generates": []}}, ("capabilities.generates", "capabilities.via_api")),
])
def test_contradiction_names_both_fields(kb, sections, fields):
    with pytest.raises(Contradiction) as err:
        run(kb, **sections)
    assert set(fields) <= set(err.value.fields)
    for field in fields:
        assert field in err.value.problem


def test_contradiction_is_bad_input_from_build_facts(kb):
    desc = ServiceDescription.model_validate({"id": "t", "name": "T", "reach": {"under_14": True, "minors": False}})
    with pytest.raises(DescriptionError) as err:
        build_facts(desc, kb)
    assert "reach.under_14" in err.value.field and "reach.minors" in err.value.field


def test_reasons_in_chinese(engine):
    report = engine.check({"id": "t", "name": "T", "reach": {"minors": False}}, as_of="2026-11-22", lang="zh")
    [derived] = [d for d in report.derived_facts if d.fact == "reach.under_14"]
    assert derived.value is False
    assert "不满十四周岁的儿童属于未成年人" in derived.because and "《个人信息保护法》第三十一条" in derived.because
    english = engine.check({"id": "t", "name": "T", "reach": {"minors": False}}, as_of="2026-11-22", lang="en")
    assert "children under 14 are minors" in english.derived_facts[0].because


def test_every_entry_has_reasons_and_citations(kb):
    assert len(kb.implications) >= 15
    for imp in kb.implications:
        assert imp.reason.get("en") and imp.reason.get("zh"), imp.id
        assert imp.citations and all(c.get("en") and c.get("zh") for c in imp.citations), imp.id


def test_a_handmade_table_runs_both_ways():
    table = (Implication("a-b", (Condition("x.a", True),), Condition("x.b", True), {"en": "A is B", "zh": "甲即乙"}, ({"en": "L Art. 1", "zh": "第一条"},)),
             Implication("b-c", (Condition("x.b", True),), Condition("x.c", True), {"en": "B is C", "zh": "乙即丙"}, ({"en": "L Art. 2", "zh": "第二条"},)))
    stated = {"x.a": True}
    assert [d.path for d in derive(stated, table)] == ["x.b", "x.c"]
    stated = {"x.c": False}
    assert [d.path for d in derive(stated, table)] == ["x.b", "x.a"] and stated["x.a"] is False
    with pytest.raises(Contradiction):
        derive({"x.a": True, "x.c": False}, table)      # through the chain


# ------------------------------------------------------------------------------------------------ roles both ways


def test_broader_role_ruled_out_rules_out_narrower(kb):
    desc = ServiceDescription.model_validate({"id": "t", "name": "T", "reach": {"mainland_china_public": True},
                                              "capabilities": {"generates": []}})
    roles = {f.role.id: f.outcome.truth.value for f in build_facts(desc, kb).roles.values()}
    for role in ("generation-service-provider", "genai-provider", "deep-synthesis-provider",
                 "anthropomorphic-interaction-provider", "digital-virtual-human-provider"):
        assert roles[role] == "false", role


def test_unknown_narrower_role_does_not_leak_upward(kb):
    # generative AI to the public, companionship not stated: genai-provider holds, the companion role is unknown
    desc = ServiceDescription.model_validate({"id": "t", "name": "T", "reach": {"mainland_china_public": True},
                                              "capabilities": {"generates": ["text"]}})
    facts = build_facts(desc, kb)
    roles = {f.role.id: f.outcome for f in facts.roles.values()}
    assert roles["genai-provider"].truth.value == "true"
    assert roles["anthropomorphic-interaction-provider"].truth.value == "unknown"
    # and the other way: a companion stated, but generation not: the narrower role cannot hold on its own
    desc = ServiceDescription.model_validate({"id": "t", "name": "T", "reach": {"mainland_china_public": True},
                                              "capabilities": {"emotional_companion": True}})
    roles = {f.role.id: f.outcome for f in build_facts(desc, kb).roles.values()}
    assert roles["anthropomorphic-interaction-provider"].truth.value == "unknown"
    assert "capabilities.generates" in roles["anthropomorphic-interaction-provider"].missing


def test_every_narrower_role_entails_its_broader_role(kb):
    """Semantically, on top of the lint's structural check: wherever a narrower role holds, its broader ones do."""
    samples = [
        {"reach": {"mainland_china_public": True}, "capabilities": {"generates": ["text"], "emotional_companion": True,
                                                                     "digital_virtual_human": True, "via_api": True}},
        {"reach": {"mainland_china_public": True}, "capabilities": {"generates": ["text"], "recommendation": ["personalised_push"],
                                                                     "hosts_user_content": True, "app_distribution": True,
                                                                     "personal_information": True}},
        {"reach": {"enterprise_internal_only": False, "api_customers_serve_public": True}, "capabilities": {"generates": ["image"], "via_api": True}},
    ]
    for sections in samples:
        facts = build_facts(ServiceDescription.model_validate({"id": "t", "name": "T", **sections}), kb)
        for finding in facts.roles.values():
            if finding.outcome.truth.value == "true":
                for broader in finding.role.broader:
                    if broader in facts.roles:
                        assert facts.roles[broader].outcome.truth.value == "true", (finding.role.id, broader)


def test_lint_rejects_a_narrower_role_that_does_not_entail_its_broader_one(kb):
    from aiduty.kb import lint
    from aiduty.vocab import SH, SHP

    graph = kb.graph()
    graph.remove((SHP["role-genai-provider"], SH.node, SHP["role-generation-service-provider"]))
    graph.add((SHP["role-genai-provider"], SH.node, SHP["generates-content"]))
    problems = lint(graph=graph)
    assert any("GenaiProvider" in p and "broader" in p for p in problems), problems
