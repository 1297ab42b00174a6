"""Bad input: exit 2, one clear message naming the file, the field path and the problem; no traceback; the
other files' reports are not lost."""

import json

import pytest
from typer.testing import CliRunner

from aiduty.cli import app
from aiduty.description import DescriptionError, load_description

runner = CliRunner()

GOOD = "id: good-one\nname: Good One\nreach:\n  mainland_china_public: false\n  enterprise_internal_only: true\n"
CASES = {
    "malformed.yaml": ("id: x\nname: [unclosed\n", "(syntax)", "not valid YAML"),
    "malformed.json": ('{"id": "x", "name": }', "(syntax)", "not valid JSON"),
    "empty.yaml": ("   \n", "(file)", "is empty"),
    "list.yaml": ("- id: x\n- name: y\n", "(top level)", "expected a mapping"),
    "typo.yaml": ("id: x\nname: X\nreach:\n  mainland_china_publc: true\n", "reach.mainland_china_publc", "unknown field"),
    "wrong-type.yaml": ("id: x\nname: X\nreach:\n  minors: 'yes'\n", "reach.minors", "valid boolean"),
    "bad-enum.yaml": ("id: x\nname: X\ncapabilities:\n  generates: [text, hologram]\n", "capabilities.generates.1", "hologram"),
    "bad-id.yaml": ("id: Not_Valid\nname: X\n", "id", "pattern"),
    "missing-name.yaml": ("id: x\n", "name", "required field is missing"),
    "negative.yaml": ("id: x\nname: X\ncontrols:\n  log_retention_months: -1\n", "controls.log_retention_months", "greater than or equal"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_description_names_file_field_and_problem(tmp_path, name):
    text, field, problem = CASES[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DescriptionError) as err:
        load_description(path)
    assert err.value.field == field
    assert problem in err.value.problem
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert str(path) in result.stderr and field in result.stderr and "Traceback" not in result.output + result.stderr


CONTRADICTIONS = {   # stated facts against the implication table (ontology/implications.ttl): both fields named
    "reach:\n  under_14: true\n  minors: false\n": ("reach.under_14", "reach.minors"),
    "reach:\n  enterprise_internal_only: true\n  mainland_china_public: true\n": ("reach.enterprise_internal_only", "reach.mainland_china_public"),
    "reach:\n  enterprise_internal_only: true\ncapabilities:\n  via_api: true\n": ("reach.enterprise_internal_only", "capabilities.via_api"),
    "capabilities:\n  biometric_editing: true\n  sensitive_personal_information: false\n": ("capabilities.biometric_editing", "capabilities.sensitive_personal_information"),
    "capabilities:\n  generates: []\n  emotional_companion: true\n": ("capabilities.generates", "capabilities.emotional_companion"),
    # a chain: personal_information false rules out sensitive information, which biometric editing implies
    "capabilities:\n  biometric_editing: true\n  personal_information: false\n": ("capabilities.sensitive_personal_information", "capabilities.personal_information"),
}


@pytest.mark.parametrize("body", sorted(CONTRADICTIONS))
def test_contradicting_facts_are_bad_input(tmp_path, body):
    path = tmp_path / "contradiction.yaml"
    path.write_text("id: x\nname: X\n" + body, encoding="utf-8")
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert str(path) in result.stderr and "Traceback" not in result.output + result.stderr
    for field in CONTRADICTIONS[body]:
        assert field in result.stderr, result.stderr
    facts = runner.invoke(app, ["facts", str(path)])
    assert facts.exit_code == 2 and CONTRADICTIONS[body][0] in facts.stderr


def test_binary_and_missing_files(tmp_path):
    binary = tmp_path / "blob.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    for path, problem in ((binary, "binary"), (tmp_path / "nope.yaml", "no such file")):
        result = runner.invoke(app, ["check", str(path)])
        assert result.exit_code == 2
        assert problem in result.stderr and str(path) in result.stderr


def test_one_bad_file_does_not_lose_the_others(tmp_path):
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(GOOD, encoding="utf-8")
    bad.write_text("id: x\nname: X\ncontrols:\n  pipia: maybe\n", encoding="utf-8")
    result = runner.invoke(app, ["check", str(bad), str(good), "--format", "json"])
    assert result.exit_code == 2
    reports = json.loads(result.stdout)
    assert [r["service"]["id"] for r in reports] == ["good-one"]
    assert "controls.pipia" in result.stderr


def test_unsafe_json_ld_context_is_refused(tmp_path):
    path = tmp_path / "svc.jsonld"
    path.write_text(json.dumps({"@context": "http://127.0.0.1:9/ctx.jsonld", "@id": "urn:x", "@type": "aid:Service"}), encoding="utf-8")
    with pytest.raises(DescriptionError) as err:
        load_description(path)
    assert "remote JSON-LD contexts" in err.value.problem


def test_turtle_description_round_trips(tmp_path, kb):
    from aiduty.facts import build_facts

    source = tmp_path / "svc.yaml"
    source.write_text("id: rdf-user\nname: RDF User\ncapabilities:\n  generates: [text]\n  via_api: false\ncontrols:\n  log_retention_months: 6\n", encoding="utf-8")
    original = load_description(source)
    turtle = tmp_path / "svc.ttl"
    turtle.write_text(build_facts(original, kb).serialize("turtle"), encoding="utf-8")
    again = load_description(turtle)
    assert again == original


def test_batch_directory_and_jsonl_stream_with_a_summary(tmp_path):
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    lines = [json.dumps({"id": f"svc-{i}", "name": f"S{i}", "reach": {"mainland_china_public": False}}) for i in range(3)]
    lines.insert(1, '{"id": "broken", "name": ')
    (tmp_path / "many.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for jobs in ("1", "2"):
        result = runner.invoke(app, ["check", str(tmp_path), "--format", "jsonl", "--jobs", jobs])
        assert result.exit_code == 2
        ids = [json.loads(line)["service"]["id"] for line in result.stdout.splitlines()]
        assert ids == ["good-one", "svc-0", "svc-1", "svc-2"]          # input order kept, bad line skipped
        assert "many.jsonl:2" in result.stderr and "4 checked, 0 with gaps, 1 bad input" in result.stderr
    array = runner.invoke(app, ["check", str(tmp_path / "many.jsonl"), "--format", "json"])
    assert [r["service"]["id"] for r in json.loads(array.stdout)] == ["svc-0", "svc-1", "svc-2"]
