"""A self-explaining schema (issue 13, item 3): `aiduty schema [--lang zh]` and GET /v1/schema/service explain every
fact field from ontology/facts.ttl, stay a valid Draft 2020-12 schema, and accept every example description."""

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from rdflib import Literal
from typer.testing import CliRunner

from aiduty.cli import app as cli
from aiduty.description import leaf_paths
from aiduty.schema import service_schema

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "data" / "services").glob("*.yaml"))
runner = CliRunner()
# Answers that are legal judgements rather than product facts: each must say so and carry guidance.
JUDGEMENTS = {"capabilities.public_opinion_capacity", "capabilities.may_confuse_public",
              "capabilities.hosts_user_content", "reach.large_platform", "reach.api_customers_serve_public"}


def fields(schema: dict) -> dict[str, dict]:
    """Fact path -> its property schema, following $ref into $defs."""
    defs = schema["$defs"]
    out: dict[str, dict] = {}

    def walk(obj, prefix):
        for name, prop in obj.get("properties", {}).items():
            refs = [i["$ref"] for i in [prop] + prop.get("anyOf", []) if "$ref" in i]
            if refs:
                walk(defs[refs[0].rsplit("/", 1)[1]], prefix + name + ".")
            else:
                out[prefix + name] = prop

    walk(schema, "")
    return out


@pytest.fixture(scope="module", params=["en", "zh"])
def cli_schema(request):
    args = ["schema"] + (["--lang", request.param] if request.param != "en" else [])
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return request.param, json.loads(result.output)


def test_every_field_is_explained(cli_schema):
    lang, schema = cli_schema
    props = fields(schema)
    assert set(props) == set(leaf_paths())
    for path, prop in props.items():
        for word in ("title", "description", "question", "help"):
            assert prop.get(word), f"{path} has no {word} ({lang})"
        if lang == "zh":
            assert any("\u4e00" <= ch <= "\u9fff" for ch in prop["help"]), f"{path}: help not in Chinese"
        else:
            assert "Example" in prop["help"], f"{path}: help without an example"


def test_legal_judgements_say_so_and_give_guidance(cli_schema):
    lang, schema = cli_schema
    props = fields(schema)
    marked = {p for p, prop in props.items() if prop.get("legalJudgement")}
    assert JUDGEMENTS <= marked
    assert not props["capabilities.generates"].get("legalJudgement")
    for path in marked:
        assert props[path]["guidance"]
        assert "Art" in props[path]["guidance"] or "第" in props[path]["guidance"]      # cites a provision


def test_schema_is_valid_draft_2020_12_and_accepts_every_example(cli_schema):
    _, schema = cli_schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("https://w3id.org/aiduty/schema/")
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    for path in EXAMPLES:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        errors = [e.message for e in validator.iter_errors(json.loads(json.dumps(data, default=str)))]
        assert not errors, (path.name, errors[:3])
    # ... and it still refuses what the model refuses
    assert list(validator.iter_errors({"id": "x", "name": "X", "reach": {"minorz": True}}))
    assert list(validator.iter_errors({"id": "x", "name": "X", "controls": {"genai_filing": "maybe"}}))


def test_api_serves_the_same_schema(kb):
    from fastapi.testclient import TestClient

    from aiduty.api import Settings, create_app

    with TestClient(create_app(Settings(workers=1))) as client:
        for lang in ("en", "zh"):
            response = client.get("/v1/schema/service", params={"lang": lang})
            assert response.status_code == 200
            assert response.json() == service_schema(kb, lang)
        assert client.get("/v1/schema/service", params={"lang": "fr"}).status_code == 422


def test_lint_requires_help_in_both_languages_and_guidance_for_judgements(kb):
    from aiduty.kb import lint
    from aiduty.vocab import AID

    graph = kb.graph()
    prop = AID.hostsUserContent
    assert (prop, AID.legalJudgement, Literal(True)) in graph
    for lit in [o for o in graph.objects(prop, AID.help) if o.language == "zh"]:
        graph.remove((prop, AID.help, lit))
    for lit in [o for o in graph.objects(prop, AID.guidance) if o.language == "en"]:
        graph.remove((prop, AID.guidance, lit))
    problems = lint(graph=graph)
    assert any("Chinese help" in p for p in problems), problems
    assert any("English guidance" in p for p in problems), problems
