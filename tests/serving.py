"""Start a real `aiduty serve` on 127.0.0.1 for tests and benchmarks (never any other address)."""

import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx


@contextmanager
def running_server(workers: int = 1):
    """Yield (base URL, server process) of an `aiduty serve` that answers /healthz; stop it afterwards."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "aiduty", "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", str(workers)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.25)
        else:
            raise RuntimeError("aiduty serve did not come up")
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)
