"""Property-based run of the OpenAPI schema with schemathesis against a real `aiduty serve` on 127.0.0.1:
bounded in examples and time, it must find no 5xx."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from aiduty.api import create_app
from serving import running_server


schema = schemathesis.openapi.from_dict(create_app().openapi())


@pytest.fixture(scope="module")
def server():
    with running_server() as (url, _):
        yield url


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(server, case):
    assert server.startswith("http://127.0.0.1:")
    response = case.call(base_url=server, timeout=30)
    assert response.status_code < 500, (case.method, case.formatted_path, response.status_code, response.text[:300])
