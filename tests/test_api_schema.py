"""Property-based run of the OpenAPI schema with schemathesis against a real `aiduty serve` on 127.0.0.1:
bounded in examples and time, it must find no 5xx."""

import socket
import subprocess
import sys
import time

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from aiduty.api import create_app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = _free_port()
BASE = f"http://127.0.0.1:{PORT}"
schema = schemathesis.openapi.from_dict(create_app().openapi())


@pytest.fixture(scope="module")
def server():
    proc = subprocess.Popen([sys.executable, "-m", "aiduty", "serve", "--host", "127.0.0.1", "--port", str(PORT), "--workers", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(240):
        try:
            if httpx.get(f"{BASE}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.25)
    yield BASE
    proc.terminate()
    proc.wait(timeout=10)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(server, case):
    assert server.startswith("http://127.0.0.1:")
    response = case.call(base_url=server, timeout=30)
    assert response.status_code < 500, (case.method, case.formatted_path, response.status_code, response.text[:300])
