"""`aiduty labels scan|write` and `aiduty check --evidence` from the command line: formats, exit codes, findings."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import labelfiles as L
from aiduty.cli import app

REPO = Path(__file__).resolve().parents[1]
run = CliRunner().invoke


@pytest.fixture
def samples(tmp_path):
    d = tmp_path / "out"
    (d / "sub").mkdir(parents=True)
    (d / "good.png").write_bytes(L.labelled()["text.png"][0])
    (d / "sub" / "good.mp3").write_bytes(L.labelled()["txxx.mp3"][0])
    (d / "bad.jpg").write_bytes(L.labelled(L.aigc(Label="AIGC"))["xmp.jpg"][0])
    (d / "none.wav").write_bytes(L.wav())
    (d / "broken.pdf").write_bytes(L.pdf()[:30])
    (d / "notes.md").write_text("AI生成\n\n正文", encoding="utf-8")
    (d / "ignored.bin").write_bytes(b"not scanned: directories are searched by suffix")
    return d


def test_scan_json_records(samples):
    result = run(app, ["labels", "scan", str(samples), "--format", "json"])
    assert result.exit_code == 1, result.output
    records = {Path(r["file"]).name: r for r in json.loads(result.stdout)}
    assert {k: r["verdict"] for k, r in records.items()} == {
        "good.png": "conformant", "good.mp3": "conformant", "bad.jpg": "non-conformant", "none.wav": "no-label",
        "broken.pdf": "unreadable", "notes.md": "conformant"}
    bad = records["bad.jpg"]
    assert bad["carriers"][0]["carrier"] == "jpeg:xmp" and bad["carriers"][0]["elements"]["Label"] == "AIGC"
    assert bad["findings"][0]["code"] == "label-value" and bad["findings"][0]["element"] == "Label"
    assert records["good.png"]["file"] == str(samples / "good.png")        # the path as given


def test_scan_exit_0_when_all_conformant(samples):
    result = run(app, ["labels", "scan", str(samples / "good.png"), str(samples / "sub"), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [Path(x["file"]).name for x in lines] == ["good.png", "good.mp3"]
    assert all(set(x) >= {"file", "verdict", "carriers", "findings"} for x in lines)


def test_scan_globs_and_bad_input(samples):
    result = run(app, ["labels", "scan", str(samples / "*.png"), "--format", "json"])
    assert result.exit_code == 0 and len(json.loads(result.stdout)) == 1
    assert run(app, ["labels", "scan", str(samples / "nothing-*.png")]).exit_code == 2
    missing = run(app, ["labels", "scan", str(samples / "missing.png")])
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    empty = samples / "empty"
    empty.mkdir()
    assert run(app, ["labels", "scan", str(empty)]).exit_code == 2


def test_scan_sarif(samples):
    result = run(app, ["labels", "scan", str(samples), "--format", "sarif"])
    assert result.exit_code == 1
    sarif = json.loads(result.stdout)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    bad = next(r for r in results if r["ruleId"] == "label-value")
    assert bad["level"] == "error" and bad["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("bad.jpg")
    assert "GB 45438-2025 §6.1, Annex E" in bad["message"]["text"]
    assert {r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]} >= {"label-value", "no-label", "unreadable"}


def test_scan_table(samples):
    result = run(app, ["labels", "scan", str(samples)])
    assert result.exit_code == 1
    assert "non-conformant" in result.stdout and "1 non-conformant" in result.stdout and "1 unreadable" in result.stdout


def test_scan_size_limit(samples):
    result = run(app, ["labels", "scan", str(samples / "good.png"), "--max-size", "100", "--format", "json"])
    record = json.loads(result.stdout)[0]
    assert result.exit_code == 1 and record["verdict"] == "unreadable" and record["findings"][0]["code"] == "too-large"


def test_write_cli(tmp_path):
    path = tmp_path / "a.webp"
    path.write_bytes(L.webp())
    done = run(app, ["labels", "write", str(path), "--producer", "PROD-1", "--produce-id", "id-1", "--format", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["elements"]["ContentProducer"] == "PROD-1"
    again = run(app, ["labels", "write", str(path), "--producer", "PROD-2", "--produce-id", "id-2"])
    assert again.exit_code == 2 and "refusing to overwrite" in again.stderr
    assert run(app, ["labels", "write", str(path), "--producer", "PROD-2", "--produce-id", "id-2", "--force"]).exit_code == 0
    scan = run(app, ["labels", "scan", str(path), "--format", "json"])
    assert scan.exit_code == 0 and json.loads(scan.stdout)[0]["carriers"][0]["elements"]["ContentProducer"] == "PROD-2"
    assert run(app, ["labels", "write", str(tmp_path / "missing.png"), "--producer", "P", "--produce-id", "1"]).exit_code == 2


# ------------------------------------------------------------------------------------------------ check --evidence


def service(tmp_path, controls: dict, **caps) -> Path:
    desc = {"id": "canvas", "name": "Canvas",
            "reach": {"mainland_china_public": True},
            "capabilities": {"generates": ["image"], "export": True, "human_like_dialogue": False, **caps},
            "controls": controls}
    path = tmp_path / "service.yaml"
    path.write_text(yaml.safe_dump(desc), encoding="utf-8")
    return path


def check(path, evidence):
    result = run(app, ["check", str(path), "--evidence", str(evidence), "--format", "json", "--as-of", "2026-11-22"])
    return result, json.loads(result.stdout) if result.stdout.strip() else None


def duty(report, duty_id):
    return next(d for d in report["duties"] if d["id"] == duty_id)


def test_evidence_contradicting_a_stated_control_is_a_finding_naming_the_files(tmp_path, samples):
    path = service(tmp_path, {"implicit_metadata_labels": True, "metadata_fields": ["Label", "ContentProducer", "ProduceID"]})
    result, report = check(path, samples)
    assert result.exit_code == 1
    art5 = duty(report, "label-2025-art5-implicit-metadata")
    assert art5["status"] == "gap"
    message = next(f["message"] for f in art5["findings"] if "sample files" in f["message"])
    assert "bad.jpg" in message and "none.wav" in message and "good.png" not in message
    assert "states true" in message
    derived = {d["fact"]: d for d in report["derived_facts"]}
    assert derived["controls.implicit_metadata_labels"]["value"] is False
    assert "1 unreadable files are not counted: " in derived["controls.implicit_metadata_labels"]["because"]
    assert "broken.pdf (unreadable" in derived["controls.implicit_metadata_labels"]["because"]


def test_evidence_with_only_text_leaves_the_controls_alone(tmp_path):
    d = tmp_path / "texts"
    d.mkdir()
    (d / "a.md").write_text("AI生成\n正文", encoding="utf-8")
    path = service(tmp_path, {"implicit_metadata_labels": True})
    result, report = check(path, d)
    assert "no readable media file" in result.stderr
    assert not [x for x in report["derived_facts"] if x["because"].startswith("evidence")]
    assert duty(report, "label-2025-art5-implicit-metadata")["status"] == "met"


def test_evidence_fills_unstated_controls(tmp_path):
    d = tmp_path / "good"
    d.mkdir()
    for name, (data, _) in list(L.labelled().items())[:6]:
        (d / name).write_bytes(data)
    path = service(tmp_path, {})
    without = run(app, ["check", str(path), "--format", "json", "--as-of", "2026-11-22"])
    assert duty(json.loads(without.stdout), "label-2025-art5-implicit-metadata")["status"] == "unknown"
    result, report = check(path, d)
    art5 = duty(report, "label-2025-art5-implicit-metadata")
    assert art5["status"] == "met" and not any("sample files" in f["message"] for f in art5["findings"])
    derived = {x["fact"]: x for x in report["derived_facts"]}
    assert derived["controls.metadata_fields"]["value"] == "Label, ContentProducer, ProduceID"
    assert "controls.platform_writes_propagation_metadata" not in derived      # no platform, no propagation elements


def test_evidence_for_a_platform_checks_propagation_elements(tmp_path, samples):
    d = tmp_path / "posted"
    d.mkdir()
    (d / "a.png").write_bytes(L.png(text={"AIGC": L.aigc(ContentPropagator="PLAT", PropagateID="p1")}))
    (d / "b.png").write_bytes(L.png(text={"AIGC": L.aigc()}))
    path = service(tmp_path, {"platform_writes_propagation_metadata": True}, hosts_user_content=True)
    result, report = check(path, d)
    entry = duty(report, "label-2025-art6-propagation-metadata")
    message = next(f["message"] for f in entry["findings"] if "sample files" in f["message"])
    assert "b.png" in message and "a.png" not in message


def test_evidence_directory_must_exist(tmp_path):
    path = service(tmp_path, {})
    result = run(app, ["check", str(path), "--evidence", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "not a directory" in result.stderr


def test_check_without_evidence_imports_no_label_reader():
    code = ("import sys; from typer.testing import CliRunner; from aiduty.cli import app; "
            f"r = CliRunner().invoke(app, ['check', {str(REPO / 'data/services/minimal.yaml')!r}]); "
            "bad = [m for m in ('PIL', 'mutagen', 'pypdf', 'defusedxml', 'aiduty.labels', 'aiduty.carriers') if m in sys.modules]; "
            "print(r.exit_code, bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    exit_code, bad = out.stdout.split(" ", 1)
    assert exit_code in ("0", "1") and bad.strip() == "[]", out.stdout + out.stderr
