"""Golden cases: tests/cases/<slug>/service.yaml checked through the CLI must give the statuses, citations,
roles, questions and exit code of expected.yaml (see tests/cases/README.md for the format)."""

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from aiduty.cli import app

CASES = sorted(p for p in (Path(__file__).parent / "cases").iterdir() if (p / "expected.yaml").exists())
runner = CliRunner()


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_golden_case(case):
    expected = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
    args = ["check", str(case / "service.yaml"), "--format", "json", "--all", "--as-of", str(expected["as_of"])]
    result = runner.invoke(app, args)
    assert result.exit_code == expected["exit_code"], result.stderr
    if expected["exit_code"] == 2:                     # bad input: stderr names the file and the fields
        assert str(case / "service.yaml") in result.stderr and "Traceback" not in result.stderr
        for field in expected.get("error_fields", []):
            assert field in result.stderr, f"{field} not named: {result.stderr}"
        return
    report = json.loads(result.stdout)
    duties = {d["id"]: d for d in report["duties"]}
    roles = {r["id"]: r["status"] for r in report["roles"]}
    for role in expected.get("roles", {}).get("hold", []):
        assert roles.get(role) == "holds", f"role {role} should hold: {roles}"
    for role in expected.get("roles", {}).get("unknown", []):
        assert roles.get(role) == "unknown", f"role {role} should be unknown: {roles}"
    for role in expected.get("roles", {}).get("absent", []):
        assert role not in roles, f"role {role} should not hold: {roles}"
    for duty_id, want in expected.get("duties", {}).items():
        assert duty_id in duties, f"{duty_id} missing from the report"
        got = duties[duty_id]
        assert got["status"] == want["status"], f"{duty_id}: {got['status']} != {want['status']} ({got['applies_because']}, {got['findings']})"
        if "citations" in want:
            assert [c["label"]["en"] for c in got["citations"]] == want["citations"], duty_id
        for q in want.get("questions", []):
            assert q in got["questions"], f"{duty_id}: question {q} missing: {got['questions']}"
        if "confidence" in want:
            assert got["confidence"] == want["confidence"], f"{duty_id}: confidence {got['confidence']}"
        if "priority" in want:
            assert got["priority"] == want["priority"], f"{duty_id}: {got['priority_reason']}"
    for duty_id in expected.get("absent", []):
        assert duty_id not in duties, f"{duty_id} should not be listed at all on {expected['as_of']}"
    questions = [q["fact"] for q in report["questions"]]
    for q in expected.get("questions", []):
        assert q in questions, f"question {q} missing: {questions}"
    for q in expected.get("no_questions", []):
        assert q not in questions, f"question {q} must not be asked: {questions}"
    derived = {d["fact"]: d["value"] for d in report["derived_facts"]}
    for fact, value in expected.get("derived", {}).items():
        assert derived.get(fact, "(not derived)") == value, f"derived {fact}: {derived}"
    for bearer in expected.get("not_applicable_bearers", []):
        wrong = [d["id"] for d in duties.values() if d["bearer"] == bearer and d["status"] != "not_applicable"]
        assert not wrong, f"duties of {bearer} must be not_applicable: {wrong}"
    for status, count in expected.get("summary", {}).items():
        assert report["summary"][status] == count, f"summary {status}: {report['summary']}"
    for status in expected.get("no_status", []):
        assert not [d for d in duties.values() if d["status"] == status], f"no duty should be {status}"


def test_every_instrument_has_a_golden_case(kb):
    """Adding law stays checked: each instrument is cited by at least one case (a duty of it in `duties` or `absent`)."""
    cited = set()
    for case in CASES:
        expected = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
        for duty_id in [*(expected.get("duties") or {}), *(expected.get("absent") or [])]:
            assert duty_id in kb.duties, f"{case.name}: no duty {duty_id}"
            cited.add(kb.duties[duty_id].instrument)
    assert set(kb.instruments) - cited == set(), "add a golden case (tests/cases/README.md) for these instruments"
