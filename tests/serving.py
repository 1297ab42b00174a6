"""Start a real `aiduty serve` on 127.0.0.1 for tests and benchmarks (never any other address)."""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx


@contextmanager
def running_server(workers: int | None = 1, env: dict[str, str] | None = None, log: Path | None = None):
    """Yield (base URL, server process) of an `aiduty serve` that answers /healthz; stop it afterwards.

    ``workers=None`` leaves the number to AIDUTY_WORKERS; ``env`` adds variables; ``log`` receives its stderr."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = [sys.executable, "-m", "aiduty", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers is not None:
        args += ["--workers", str(workers)]
    err = open(log, "wb") if log is not None else subprocess.DEVNULL
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            if proc.poll() is not None:
                raise RuntimeError(f"aiduty serve exited with {proc.returncode}")
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
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if log is not None:
            err.close()


def children(pid: int) -> dict[int, str]:
    """The live child processes of ``pid`` and their names (workers are named aiduty-check, aiduty-sparql)."""
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            name = process_name(int(stat.parent.name))
            if name is not None:
                out[int(stat.parent.name)] = name
    return out


def process_name(pid: int) -> str | None:
    """The name of a running process, None once it is gone (or a zombie)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    if fields.get("State", "").startswith(("Z", "X")):
        return None
    return fields.get("Name", "").strip()
