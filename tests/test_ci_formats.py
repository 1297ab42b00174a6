"""CI formats: SARIF 2.1.0 and OSCAL assessment results validated against their published JSON schemas (shipped
in tests/schemas/), JUnit XML read back with junitparser, --fail-on, the pre-commit hook and the GitHub Action."""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import regex
import yaml
from junitparser import Failure, JUnitXml, Skipped
from typer.testing import CliRunner

from aiduty.cli import app

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = REPO / "tests" / "schemas"
SERVICES = REPO / "data" / "services"
DAY = "2026-10-01"
runner = CliRunner()


def check(*args):
    result = runner.invoke(app, ["check", *map(str, args), "--as-of", DAY])
    return result.exit_code, result.stdout


def validator(name: str):
    """A validator of the schema's own draft. OSCAL's patterns use \\p{L}, which Python's re lacks: the pattern
    keyword is checked with the `regex` package (full Unicode properties) instead, nothing else changes."""
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    base = jsonschema.validators.validator_for(schema)

    def pattern(validator, patrn, instance, schema):
        if validator.is_type(instance, "string") and not regex.search(patrn, instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {patrn!r}")

    cls = jsonschema.validators.extend(base, {"pattern": pattern})
    jsonschema.validators.validator_for(base.META_SCHEMA)(base.META_SCHEMA).validate(schema)   # a well-formed schema
    return cls(schema)


# ------------------------------------------------------------------------------------------------ SARIF


def test_sarif_validates_and_maps_gaps_and_unknowns():
    code, out = check(SERVICES / "dreamy-canvas.yaml", SERVICES / "app-store.yaml", "--format", "sarif")
    assert code == 1
    sarif = json.loads(out)
    errors = sorted(validator("sarif-schema-2.1.0.json").iter_errors(sarif), key=str)
    assert not errors, errors[:3]
    assert len(sarif["runs"]) == 1
    run = sarif["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    levels = {r["level"] for r in run["results"]}
    assert levels == {"error", "warning"}
    gap = next(r for r in run["results"] if r["ruleId"] == "label-2025-art7-app-review-labelling")
    assert gap["level"] == "error" and gap["properties"]["status"] == "gap"
    assert gap["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("data/services/app-store.yaml")
    assert gap["locations"][0]["logicalLocations"][0]["name"] == "controls.app_review_checks_labelling"
    key_line = next(n for n, text in enumerate((SERVICES / "app-store.yaml").read_text(encoding="utf-8").splitlines(), 1)
                    if text.strip().startswith("app_review_checks_labelling:"))
    assert gap["locations"][0]["physicalLocation"]["region"] == {"startLine": key_line}     # the YAML key's line
    rule = rules[gap["ruleId"]]
    assert run["tool"]["driver"]["rules"][gap["ruleIndex"]] is not None and rule["id"] == gap["ruleId"]
    assert "LABEL-2025 Art. 7" in rule["help"]["text"] and "Remediation:" in rule["help"]["text"]
    assert rule["properties"]["confidence"] and rule["properties"]["bearer"] == "app-distribution-platform"
    # every gap and every unknown of the JSON reports is one result, and nothing else is
    expected = 0
    for f in ("dreamy-canvas.yaml", "app-store.yaml"):
        report = json.loads(check(SERVICES / f, "--format", "json")[1])
        expected += report["summary"]["gap"] + report["summary"]["unknown"]
    assert len(run["results"]) == expected


def test_sarif_jsonl_lines_become_regions(tmp_path):
    lines = tmp_path / "many.jsonl"
    descs = [yaml.safe_load((SERVICES / f).read_text(encoding="utf-8")) for f in ("internal-copilot.yaml", "app-store.yaml")]
    lines.write_text("".join(json.dumps(d, default=str) + "\n" for d in descs), encoding="utf-8")
    code, out = check(lines, "--format", "sarif")
    assert code == 1
    regions = {r["locations"][0]["physicalLocation"].get("region", {}).get("startLine") for r in json.loads(out)["runs"][0]["results"]}
    assert regions == {1, 2}


def test_sarif_schema_rejects_a_broken_document():
    """The validator is not vacuous: a result without its message fails the schema."""
    sarif = json.loads(check(SERVICES / "app-store.yaml", "--format", "sarif")[1])
    del sarif["runs"][0]["results"][0]["message"]
    assert list(validator("sarif-schema-2.1.0.json").iter_errors(sarif))


# ------------------------------------------------------------------------------------------------ JUnit


def test_junit_parses_in_junitparser(tmp_path):
    code, out = check(SERVICES / "app-store.yaml", SERVICES / "internal-copilot.yaml", "--format", "junit")
    assert code == 1
    path = tmp_path / "aiduty.xml"
    path.write_text(out, encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    suites = {s.name: s for s in xml}
    assert len(suites) == 2
    for source in ("app-store.yaml", "internal-copilot.yaml"):
        report = json.loads(check(SERVICES / source, "--format", "json")[1])
        suite = suites[report["service"]["id"]]
        applicable = [d for d in report["duties"] if d["status"] in ("gap", "unknown", "met", "applicable")]
        cases = list(suite)
        assert len(cases) == suite.tests == len(applicable)
        failed = [c for c in cases if any(isinstance(r, Failure) for r in c.result)]
        skipped = [c for c in cases if any(isinstance(r, Skipped) for r in c.result)]
        assert len(failed) == suite.failures == report["summary"]["gap"]
        assert len(skipped) == suite.skipped == report["summary"]["unknown"]
    gap = next(c for c in suites["app-store"] if c.name.startswith("label-2025-art7-app-review-labelling"))
    assert gap.result[0].type == "gap/high" and "LABEL-2025 Art. 7" in gap.result[0].text


# ------------------------------------------------------------------------------------------------ OSCAL


def test_oscal_validates_against_nist_schema():
    code, out = check(SERVICES / "app-store.yaml", SERVICES / "internal-copilot.yaml", "--format", "oscal")
    assert code == 1
    doc = json.loads(out)
    errors = sorted(validator("oscal_assessment-results_schema.json").iter_errors(doc), key=str)
    assert not errors, [e.message for e in errors[:3]]
    results = doc["assessment-results"]["results"]
    assert len(results) == 2
    findings = {f["target"]["target-id"]: f for f in results[0]["findings"]}
    gap = findings["label-2025-art7-app-review-labelling"]
    assert gap["target"]["status"] == {"state": "not-satisfied", "reason": "fail"}
    assert any(f["target"]["status"]["state"] == "satisfied" for f in findings.values())
    # stable: the same run again gives the same UUIDs
    again = json.loads(check(SERVICES / "app-store.yaml", SERVICES / "internal-copilot.yaml", "--format", "oscal")[1])
    assert again["assessment-results"]["uuid"] == doc["assessment-results"]["uuid"]
    broken = json.loads(out)
    broken["assessment-results"]["results"][0]["findings"][0]["uuid"] = "not-a-uuid"
    assert list(validator("oscal_assessment-results_schema.json").iter_errors(broken))


# ------------------------------------------------------------------------------------------------ --fail-on


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_fail_on(fmt):
    only_medium = ("--as-of", "2024-06-01")            # delivery-dispatch then has gaps, all of priority medium
    for fail_on, code in (("gap", 1), ("unknown", 1), ("high", 0)):
        result = runner.invoke(app, ["check", str(SERVICES / "delivery-dispatch.yaml"), *only_medium, "--format", fmt, "--fail-on", fail_on])
        assert result.exit_code == code, (fail_on, result.stdout[-300:])
    copilot = SERVICES / "internal-copilot.yaml"      # no gap, 4 unknowns
    assert check(copilot, "--format", fmt)[0] == 0
    assert check(copilot, "--format", fmt, "--fail-on", "unknown")[0] == 1
    assert check(SERVICES / "dreamy-canvas.yaml", "--format", fmt, "--fail-on", "high")[0] == 1


def test_fail_on_refuses_other_values():
    assert check(SERVICES / "app-store.yaml", "--fail-on", "medium")[0] == 2


# ------------------------------------------------------------------------------------------------ pre-commit hook


def test_pre_commit_manifest_and_hook_command(tmp_path):
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(manifest, list) and len(manifest) == 1
    hook = manifest[0]
    required = {"id", "name", "entry", "language"}
    allowed = required | {"alias", "files", "exclude", "types", "types_or", "exclude_types", "always_run", "fail_fast",
                          "verbose", "pass_filenames", "require_serial", "description", "language_version",
                          "log_file", "minimum_pre_commit_version", "args", "stages", "additional_dependencies"}
    assert required <= set(hook) <= allowed
    assert hook["id"] == "aiduty-check" and hook["language"] == "python" and hook["pass_filenames"] is True
    files = re.compile(hook["files"])
    # a repository: descriptions where the pattern says, and other YAML it must leave alone
    layout = {"aiduty/app-store.yaml": "app-store.yaml", "svc/copilot.aiduty.yml": "internal-copilot.yaml",
              "ci/workflow.yaml": None, "aiduty.yaml": None}
    for rel, source in layout.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if source:
            shutil.copy(SERVICES / source, target)
        else:
            target.write_text("not: a description\n", encoding="utf-8")
    staged = sorted(rel for rel in layout if files.search(rel))
    assert staged == ["aiduty/app-store.yaml", "svc/copilot.aiduty.yml"]
    entry = shlex.split(hook["entry"])
    bindir = Path(sys.executable).parent
    argv = [str(bindir / entry[0]), *entry[1:], *hook.get("args", []), *staged]
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr           # app-store has a gap
    assert "2 checked" in run.stderr
    run = subprocess.run([*argv[:-2], "svc/copilot.aiduty.yml"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr


# ------------------------------------------------------------------------------------------------ GitHub Action


def test_action_structure_and_check_step(tmp_path):
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert {"name", "description", "inputs", "runs"} <= set(action)
    inputs = action["inputs"]
    assert {"files", "fail-on", "sarif-file"} <= set(inputs)
    assert all("description" in spec for spec in inputs.values())
    assert inputs["fail-on"]["default"] == "gap"
    runs = action["runs"]
    assert runs["using"] == "composite"
    steps = runs["steps"]
    assert any(s.get("uses", "").startswith("actions/setup-python@") for s in steps)
    for s in steps:
        assert ("uses" in s) != ("run" in s)
        if "run" in s:
            assert s["shell"] == "bash"
            assert "${{" not in s["run"], "inputs reach the shell through env, never spliced into the script"
    install = next(s for s in steps if "run" in s and "pip install" in s["run"])
    assert install["env"]["AIDUTY_ACTION_PATH"] == "${{ github.action_path }}"
    step = next(s for s in steps if s.get("id") == "check")
    assert "--format sarif" in step["run"] and "--fail-on" in step["run"]
    # run the check step's own script, as the runner would (bash -e), with the inputs' defaults and overrides
    shutil.copytree(SERVICES, tmp_path / "aiduty" / "nested", ignore=shutil.ignore_patterns("*.json"))
    bindir = Path(sys.executable).parent

    def run_step(**overrides):
        env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
        for name, value in step["env"].items():
            key = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", value)[1]
            env[name] = overrides.get(key, inputs[key].get("default", ""))
        return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", step["run"]], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)

    run = run_step(**{"files": "aiduty/**/internal-copilot.yaml", "as-of": DAY})
    assert run.returncode == 0, run.stderr
    sarif = json.loads((tmp_path / "aiduty.sarif").read_text(encoding="utf-8"))
    assert not list(validator("sarif-schema-2.1.0.json").iter_errors(sarif))
    assert run_step(**{"files": "aiduty/**/internal-copilot.yaml", "as-of": DAY, "fail-on": "unknown"}).returncode == 1
    run = run_step(**{"files": "aiduty/**/app-store.yaml", "sarif-file": "out.sarif"})
    assert run.returncode == 1 and json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))["runs"][0]["results"]
