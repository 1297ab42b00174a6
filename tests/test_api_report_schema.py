"""The report's JSON Schema is published (`aiduty schema --report`, GET /v1/schema/report, the OpenAPI Report)
and real reports validate against it, null fields left out included (issue 17)."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from aiduty.api import create_app
from aiduty.cli import app as cli
from aiduty.settings import Settings

jsonschema_rs = pytest.importorskip("jsonschema_rs")
EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "services" / "dreamy-canvas.yaml"


def test_report_schema_is_published_and_reports_validate():
    published = json.loads(CliRunner().invoke(cli, ["schema", "--report"]).stdout)
    with TestClient(create_app(Settings(workers=1))) as client:
        assert client.get("/v1/schema/report").json() == published
        openapi = client.get("/openapi.json").json()
    assert openapi["components"]["schemas"]["Report"]["required"] == published["required"]
    validator = jsonschema_rs.validator_for(published)
    for extra in ([], ["--all", "--lang", "zh"]):
        out = CliRunner().invoke(cli, ["check", str(EXAMPLE), "--format", "json", "--as-of", "2026-11-22", *extra])
        report = json.loads(out.stdout)
        assert any("in_force_from" not in d or "penalty" not in d for d in report["duties"])   # nulls left out
        validator.validate(report)
    with pytest.raises(jsonschema_rs.ValidationError):
        validator.validate({**report, "summary": "none"})
