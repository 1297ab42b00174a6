"""Priority from data (ontology/priority.ttl): campaign windows, recurring targets, precedents that fade, fines at the
ordinary tier, reasons that name what drives them in both languages; and the rule interpreter itself."""

import re
from datetime import date
from types import SimpleNamespace
from typing import get_args

import pytest
from rdflib import Graph

from aiduty.kb import RULE_TYPES, _notation, file_problems, lint
from aiduty.priority import LEVELS, PriorityRuleError, compile_rules, decide
from aiduty.report import PRIORITY_ORDER, Priority

CHAT = {"id": "chat", "name": "Chat", "reach": {"mainland_china_public": True, "minors": False},
        "capabilities": {"generates": ["text"], "upstream_model": {"name": "M", "filing_number": "X-1"}},
        "controls": {"intended_users_disclosed": False, "log_retention_months": 3}}


def entry(engine, desc, day, duty_id, lang="en"):
    return next(d for d in engine.check(desc, as_of=day, lang=lang).duties if d.id == duty_id)


# ------------------------------------------------------------------------------------------------ the knowledge base


def test_levels_agree_with_the_report_contract(kb):
    assert LEVELS == get_args(Priority) == tuple(sorted(PRIORITY_ORDER, key=PRIORITY_ORDER.get))
    assert {r.level for r in kb.priority_rules} == set(LEVELS)       # every level is reachable from some rule


def test_campaign_windows_are_data(kb):
    q25, q26, bj = kb.campaigns["QINGLANG-2025-AI"], kb.campaigns["QINGLANG-2026-AI"], kb.campaigns["BEIJING-2026-05"]
    assert (q25.start, q25.end, q25.end_confidence) == (date(2025, 4, 30), date(2025, 7, 30), "credible-secondary")
    assert (q26.start, q26.end, q26.end_confidence) == (date(2026, 4, 30), date(2026, 8, 30), "reported")
    assert (bj.start, bj.end, bj.part_of) == (date(2026, 5, 14), date(2026, 8, 30), "QINGLANG-2026-AI")


def test_fines_count_at_the_ordinary_tier(kb):
    log = kb.duties["csl-2026-art23-log-retention"]
    assert (log.ordinary_fine_cny, log.max_fine_cny) == (500_000, 10_000_000)
    assert log.ordinary_fine_tier["en"] == "CSL-2026 Art. 61(1)"
    assert all(d.ordinary_fine_cny <= d.max_fine_cny for d in kb.duties.values() if d.ordinary_fine_cny)


# ------------------------------------------------------------------------------------------------ through the engine


def test_a_campaign_weighs_only_inside_its_window(engine):
    inside = entry(engine, CHAT, "2025-06-01", "genai-2023-art10-intended-users-disclosed")
    assert inside.status == "gap" and inside.priority == "critical"
    assert "2025 Qinglang campaign" in inside.priority_reason and "30 Apr–30 Jul 2025" in inside.priority_reason
    assert "Risks in key sectors" in inside.priority_reason and "Phase 1" in inside.priority_reason
    assert "QINGLANG" not in inside.priority_reason and "P1-6" not in inside.priority_reason
    after = entry(engine, CHAT, "2026-10-01", "genai-2023-art10-intended-users-disclosed")
    assert after.status == "gap" and after.priority == "medium"
    assert "ended on 30 Jul 2025" in after.priority_reason and "running" not in after.priority_reason
    assert after.campaign_targets == ("QINGLANG-2025-AI/P1-6",)      # the contract's id list is unchanged


def test_nothing_is_pursued_on_2026_10_01_because_of_the_2025_campaign(engine):
    report = engine.check(CHAT, as_of="2026-10-01")
    for d in report.duties:
        if any(t.startswith("QINGLANG-2025-AI/") for t in d.campaign_targets):
            assert "running campaign" not in d.priority_reason, (d.id, d.priority_reason)


def test_the_csl_log_gap_is_not_high_from_the_ceiling(engine):
    log = entry(engine, CHAT, "2026-01-01", "csl-2026-art23-log-retention")
    assert log.status == "gap" and log.priority == "medium"
    assert "ordinary-tier fine of up to RMB 500,000 (CSL-2026 Art. 61(1))" in log.priority_reason
    assert "RMB 10,000,000 needs serious consequences" in log.priority_reason       # the ceiling: information only


def test_a_recurring_target_is_history_said_as_such(engine):
    desc = {**CHAT, "controls": {**CHAT["controls"], "illegal_content_reporting": False}}
    during = entry(engine, desc, "2026-06-01", "genai-2023-art14-1-report-illegal-content")
    after = entry(engine, desc, "2026-10-01", "genai-2023-art14-1-report-illegal-content")
    assert during.priority == "critical" and "running campaign" in during.priority_reason
    assert after.priority == "high"
    assert "more than once" in after.priority_reason and "all have ended" in after.priority_reason
    assert re.search(r"2025 Qinglang campaign.*30 Apr–30 Jul 2025.*again in the 2026 Qinglang campaign.*30 Apr–30 Aug 2026",
                     after.priority_reason), after.priority_reason
    # two years after the last campaign ended the recurrence no longer raises the level
    assert entry(engine, desc, "2028-10-01", "genai-2023-art14-1-report-illegal-content").priority == "medium"


def test_a_precedent_fades(engine):
    desc = {**CHAT, "capabilities": {**CHAT["capabilities"], "generates": ["image"]},
            "controls": {**CHAT["controls"], "implicit_metadata_labels": False}}
    duty = "genai-2023-art12-implicit-label"
    recent = entry(engine, desc, "2026-10-01", duty)
    assert recent.priority == "critical" and "punished in the past year" in recent.priority_reason
    assert "Action over missing AI labels on Jianying, Maoxiang and Jimeng AI" in recent.priority_reason
    assert "ENF-2026" not in recent.priority_reason
    assert entry(engine, desc, "2030-01-01", duty).priority == "medium"      # over three years old, campaigns long over


def test_zh_reasons_are_chinese_and_name_the_campaign(engine):
    inside = entry(engine, CHAT, "2025-06-01", "genai-2023-art10-intended-users-disclosed", lang="zh")
    assert "“清朗·整治AI技术滥用”专项行动" in inside.priority_reason and "2025年4月30日至7月30日" in inside.priority_reason
    assert not re.search(r"[A-Za-z]{4,}", inside.priority_reason), inside.priority_reason
    log = entry(engine, CHAT, "2026-01-01", "csl-2026-art23-log-retention", lang="zh")
    assert "一般档次最高罚款人民币500,000元" in log.priority_reason and "第六十一条第一款" in log.priority_reason


def test_four_levels_appear(engine):
    desc = {**CHAT, "controls": {**CHAT["controls"], "illegal_content_reporting": False}}
    seen = {d.priority for day in ("2026-06-01", "2026-10-01") for d in engine.check(desc, as_of=day).duties}
    assert seen == set(LEVELS)


# ------------------------------------------------------------------------------------------------ the interpreter

RULES = """
@prefix aid: <https://w3id.org/aiduty/ns#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dpv: <https://w3id.org/dpv#> .
aid:ActiveCampaignTarget a aid:PrioritySignal ; skos:notation "active" .
aid:OrdinaryFine a aid:PrioritySignal ; skos:notation "fine" .
<r/rec> a aid:PriorityRule ; aid:priorityOrder 1 ; aid:whenRuleType dpv:Recommendation ; aid:priorityLevel "low" ;
    aid:reasonTemplate "rec"@en , "推荐"@zh .
<r/big> a aid:PriorityRule ; aid:priorityOrder 2 ; aid:whenStatus "gap" ; aid:priorityLevel "high" ;
    aid:requires [ aid:signal aid:OrdinaryFine ; aid:minAmountCNY 1000 ] ;
    aid:reasonTemplate "big: {fine}"@en , "大：{fine}"@zh .
<r/gap> a aid:PriorityRule ; aid:priorityOrder 3 ; aid:whenStatus "gap" ; aid:priorityLevel "medium" ;
    aid:reasonTemplate "gap"@en , "缺口"@zh .
<r/else> a aid:PriorityRule ; aid:priorityOrder 9 ; aid:priorityLevel "low" ; aid:reasonTemplate "else"@en , "其他"@zh .
"""


def rules(extra: str = "", text: str = RULES):
    g = Graph()
    g.parse(data=text + extra, format="turtle", publicID="https://example.org/")
    return compile_rules(g, RULE_TYPES, _notation)


def duty(fine, rule_type="obligation"):
    label = {"en": "X Art. 1", "zh": "《X》第一条"}
    return SimpleNamespace(ordinary_fine_cny=fine, max_fine_cny=fine, ordinary_fine_tier=label, penalty=(), rule_type=rule_type,
                           instrument_status="binding", campaign_targets=(), precedents=())


def test_first_matching_rule_wins_and_thresholds_are_data():
    kb = SimpleNamespace(priority_rules=rules(), targets={}, campaigns={}, precedents={})
    day = date(2026, 1, 1)
    assert decide(kb, duty(5000), "gap", day, "en") == ("high", "big: an ordinary-tier fine of up to RMB 5,000 (X Art. 1)")
    assert decide(kb, duty(999), "gap", day, "en") == ("medium", "gap")
    assert decide(kb, duty(5000, "recommendation"), "gap", day, "zh") == ("low", "推荐")
    assert decide(kb, duty(None), "met", day, "zh") == ("low", "其他")
    lower = rules(text=RULES.replace("aid:minAmountCNY 1000", "aid:minAmountCNY 500"))
    assert decide(SimpleNamespace(priority_rules=lower, targets={}, campaigns={}, precedents={}), duty(999), "gap", day, "en")[0] == "high"


@pytest.mark.parametrize("bad, message", [
    ('<r/x> a aid:PriorityRule ; aid:priorityOrder 4 ; aid:priorityLevel "urgent" ; aid:reasonTemplate "x"@en , "x"@zh .', "level"),
    ('<r/x> a aid:PriorityRule ; aid:priorityOrder 3 ; aid:whenStatus "unknown" ; aid:priorityLevel "low" ; aid:reasonTemplate "x"@en , "x"@zh .', "unique"),
    ('<r/x> a aid:PriorityRule ; aid:priorityOrder 10 ; aid:whenStatus "unknown" ; aid:priorityLevel "low" ; aid:reasonTemplate "x"@en , "x"@zh .', "last rule"),
    ('<r/x> a aid:PriorityRule ; aid:priorityOrder 4 ; aid:whenStatus "gap" ; aid:priorityLevel "low" ; aid:reasonTemplate "{fine}"@en , "x"@zh .', "does not require"),
    ('<r/x> a aid:PriorityRule ; aid:priorityOrder 4 ; aid:priorityLevel "low" ; aid:reasonTemplate "only English"@en .', "en and zh"),
])
def test_malformed_rules_are_refused(bad, message):
    with pytest.raises(PriorityRuleError, match=message):
        rules(bad)


def test_lint_checks_priority_rules_and_campaign_windows(kb):
    from rdflib import Literal, URIRef
    from rdflib.namespace import PROV

    from aiduty.vocab import AID

    graph = kb.graph()
    rule = URIRef("https://w3id.org/aiduty/cn/priority/gap")
    graph.set((rule, AID.priorityLevel, Literal("urgent")))
    graph.set((URIRef("https://w3id.org/aiduty/cn/priority/otherwise"), AID.whenStatus, Literal("met")))
    campaign = URIRef("https://w3id.org/aiduty/cn/campaign/QINGLANG-2025-AI")
    graph.remove((campaign, PROV.endedAtTime, None))
    problems = lint(graph=graph)
    assert any("priority/gap" in p and "critical, high, medium or low" in p for p in problems), problems
    assert any("priority/otherwise" in p and "last priority rule" in p for p in problems), problems
    assert any("QINGLANG-2025-AI" in p and "end day" in p for p in problems), problems


def test_codes_are_checked_against_the_files_present(kb, tmp_path):
    from rdflib import Literal, URIRef
    from rdflib.namespace import DCTERMS, RDF

    from aiduty.kb import data_root
    from aiduty.vocab import AID

    root = data_root()
    graph = kb.graph()
    assert file_problems(graph, root) == []
    new = URIRef("https://w3id.org/aiduty/cn/AIACT-2027")
    graph.add((new, RDF.type, AID.Instrument))
    graph.add((new, DCTERMS.identifier, Literal("AIACT-2027")))
    problems = file_problems(graph, root)
    assert any("AIACT-2027: no ontology/instruments/AIACT-2027.ttl" in p for p in problems), problems
    assert any("AIACT-2027: no shapes/AIACT-2027.ttl" in p for p in problems), problems
