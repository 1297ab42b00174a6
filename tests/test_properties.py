"""Property-based: generated descriptions never crash the engine, never give a gap whose facts are unstated, and
stating a missing fact never turns a `met` duty into `unknown`."""

from datetime import date
from typing import get_args

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiduty.description import (
    AlgorithmFilingStatus, AlgorithmType, Capabilities, Controls, GenaiFilingStatus, MetadataField, Modality,
    PublicOpinionFeature, Reach, ServiceDescription, stated_facts,
)

LISTS = {"generates": Modality, "explicit_labels": Modality, "recommendation": AlgorithmType,
         "public_opinion_features": PublicOpinionFeature, "metadata_fields": MetadataField}
ENUMS = {"genai_filing": GenaiFilingStatus, "algorithm_filing": AlgorithmFilingStatus}
INTS = {"registered_users", "monthly_active_users", "log_retention_months", "unlabelled_output_log_months"}


def field_strategy(name: str):
    if name in LISTS:
        return st.lists(st.sampled_from(get_args(LISTS[name])), unique=True, max_size=3)
    if name in ENUMS:
        return st.sampled_from(get_args(ENUMS[name]))
    if name in INTS:
        return st.integers(min_value=0, max_value=2_000_000)
    return st.booleans()


def section(model, skip=()):
    names = [n for n, f in model.model_fields.items() if n not in skip and f.annotation not in (str, str | None)
             and "upstream" not in n and not n.endswith(("_number", "name", "credit_code"))]
    return st.fixed_dictionaries({}, optional={n: field_strategy(n) for n in names})


def consistent(data: dict) -> dict:
    """Drop stated facts until none contradicts the implication table (the engine would reject the description)."""
    from aiduty.implications import Contradiction, derive
    from aiduty.kb import load

    for _ in range(60):
        try:
            derive(stated_facts(ServiceDescription.model_validate(data)), load().implications)
            return data
        except Contradiction as exc:
            for path in reversed(exc.fields):
                sect, _, name = path.partition(".")
                if name in data.get(sect, {}):
                    del data[sect][name]
                    break
    return data


def is_consistent(data: dict) -> bool:
    from aiduty.implications import Contradiction, derive
    from aiduty.kb import load

    try:
        derive(stated_facts(ServiceDescription.model_validate(data)), load().implications)
    except Contradiction:
        return False
    return True


descriptions = st.builds(
    lambda reach, caps, controls: consistent({"id": "generated", "name": "Generated", "reach": reach,
                                              "capabilities": caps, "controls": controls}),
    section(Reach), section(Capabilities), section(Controls),
)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(descriptions, st.sampled_from([date(2025, 6, 1), date(2025, 10, 1), date(2026, 3, 1), date(2026, 11, 22)]))
def test_no_crash_and_no_gap_from_unstated_facts(engine, data, day):
    desc = ServiceDescription.model_validate(data)
    report = engine.check(desc, as_of=day, include_all=True)
    stated = set(stated_facts(desc)) | {d.fact for d in report.derived_facts}
    for duty in report.duties:
        assert duty.status in ("gap", "unknown", "met", "applicable", "upcoming", "not_applicable")
        if duty.status == "gap":
            assert duty.findings, duty.id
            for finding in duty.findings:
                assert finding.fact is None or finding.fact in stated, (duty.id, finding)
        if duty.status == "unknown":
            assert duty.questions, duty.id
            assert not set(duty.questions) & stated, (duty.id, duty.questions)


@SETTINGS
@given(descriptions, st.data())
def test_stating_a_missing_fact_never_turns_met_into_unknown(engine, data, draw):
    desc = ServiceDescription.model_validate(data)
    before = {d.id: d for d in engine.check(desc, as_of=date(2026, 11, 22)).duties}
    questions = sorted({q for d in before.values() for q in d.questions})
    if not questions:
        return
    path = draw.draw(st.sampled_from(questions))
    sect, _, name = path.partition(".")
    if sect not in ("reach", "capabilities", "controls") or "." in name:
        return
    extended = {**data, sect: {**data.get(sect, {}), name: draw.draw(field_strategy(name))}}
    if not is_consistent(extended):          # the new fact contradicts a stated one: bad input, not a check
        return
    after = {d.id: d for d in engine.check(ServiceDescription.model_validate(extended), as_of=date(2026, 11, 22)).duties}
    for did, duty in before.items():
        if duty.status == "met":
            assert after[did].status == "met", (did, path, after[did].status)
