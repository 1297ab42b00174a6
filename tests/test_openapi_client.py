"""A client generated from the live /openapi.json by openapi-python-client (offline) reads a check as a Report
and a 422 as a Problem (issue 17): the 200 schema is the Report, errors are problem+json."""

import importlib
import json
import subprocess
import sys

import pytest

from aiduty.api import EXAMPLE_SERVICE
from serving import running_server

pytest.importorskip("openapi_python_client")


@pytest.fixture(scope="module")
def server():
    with running_server(workers=1) as (url, _):
        yield url


@pytest.fixture(scope="module")
def client_package(server, tmp_path_factory):
    import httpx

    root = tmp_path_factory.mktemp("client")
    (root / "openapi.json").write_text(json.dumps(httpx.get(f"{server}/openapi.json", timeout=30).json()))
    done = subprocess.run([sys.executable, "-m", "openapi_python_client", "generate", "--path", "openapi.json",
                           "--meta", "none", "--output-path", "aiduty_client"],
                          cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning" not in done.stdout.lower(), done.stdout
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module("aiduty_client")
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == "aiduty_client" or m.startswith("aiduty_client.")]:
            del sys.modules[name]


def test_generated_client_reads_a_report(server, client_package):
    from aiduty_client import Client
    from aiduty_client.api.check import check_service
    from aiduty_client.models import Report, ServiceDescription

    with Client(base_url=server, timeout=60) as client:
        report = check_service.sync(client=client, body=ServiceDescription.from_dict(EXAMPLE_SERVICE))
    assert isinstance(report, Report)
    assert report.service.id == "dreamy-canvas"
    assert report.duties and report.summary.gap == sum(d.status.value == "gap" for d in report.duties)


def test_generated_client_reads_a_problem(server, client_package):
    from aiduty_client import Client
    from aiduty_client.api.check import check_service
    from aiduty_client.models import Problem, ServiceDescription

    with Client(base_url=server, timeout=60) as client:
        answer = check_service.sync_detailed(client=client, body=ServiceDescription.from_dict(EXAMPLE_SERVICE),
                                             as_of="not-a-date")
    assert answer.status_code == 422
    assert isinstance(answer.parsed, Problem)
    assert answer.parsed.status == 422 and answer.parsed.field == "as_of"


def test_operation_ids_are_stable(server):
    import httpx

    schema = httpx.get(f"{server}/openapi.json", timeout=30).json()
    ids = {op["operationId"] for item in schema["paths"].values() for op in item.values()}
    assert {"checkService", "interviewStep", "listObligations", "getObligation", "sparqlQuery",
            "getReportSchema"} <= ids
    check = schema["paths"]["/v1/check"]["post"]["responses"]
    assert check["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Report"}
    assert check["422"]["content"] == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
