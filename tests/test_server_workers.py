"""Server edges against a real `aiduty serve` on 127.0.0.1: settings validated at start-up, a worker killed
mid-request, workers dying with their server, a cancelled request's reply never reaching another request.

Every loop is bounded in count and time; nothing leaves 127.0.0.1."""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from serving import children, process_name, running_server

CHECK = {"id": "x", "name": "X", "reach": {"mainland_china_public": True}, "capabilities": {"generates": ["text"]}}
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def wait_for(predicate, seconds: float, what: str):
    for _ in range(int(seconds * 20)):
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def health(url):
    return httpx.get(f"{url}/healthz", timeout=5).json()


def workers_of(pid: int) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for child, name in children(pid).items():
        if name.startswith("aiduty-"):
            out.setdefault(name, []).append(child)
    return out


# ------------------------------------------------------------------------------------------------ settings


@pytest.mark.parametrize("name, value", [("AIDUTY_MAX_BODY", "lots"), ("AIDUTY_WORKERS", "0"),
                                         ("AIDUTY_CHECK_TIMEOUT", "-1"), ("AIDUTY_ALLOWED_HOSTS", ",")])
def test_malformed_setting_exits_2_in_one_line(name, value):
    done = subprocess.run([sys.executable, "-m", "aiduty", "serve", "--port", "9"], capture_output=True, text=True,
                          timeout=60, env={**os.environ, name: value})
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"aiduty: {name}: "), done.stderr
    assert "Traceback" not in done.stderr


def test_command_line_overrides_the_environment(monkeypatch):
    from aiduty.settings import load

    monkeypatch.setenv("AIDUTY_WORKERS", "1")
    monkeypatch.setenv("AIDUTY_MAX_BODY", "64KiB")
    assert load().workers == 1 and load(workers=3).workers == 3 and load().max_body == 65536


# ------------------------------------------------------------------------------------------------ a worker dies


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory):
    """A server sized by AIDUTY_WORKERS=1 alone (no --workers), with its log kept."""
    log = tmp_path_factory.mktemp("server") / "stderr.log"
    with running_server(workers=None, env={"AIDUTY_WORKERS": "1", "AIDUTY_CHECK_TIMEOUT": "30"}, log=log) as (url, proc):
        yield url, proc, log


def test_aiduty_workers_is_honoured(one_worker):
    url, proc, _ = one_worker
    assert health(url)["workers"] == 1 and health(url)["sparql_workers"] == 1
    named = wait_for(lambda: workers_of(proc.pid), 10, "the workers")
    assert {k: len(v) for k, v in named.items()} == {"aiduty-check": 1, "aiduty-sparql": 1}
    limits = open(f"/proc/{named['aiduty-check'][0]}/limits").read()
    assert "Max address space         2147483648" in limits


def test_worker_killed_mid_request_gives_503_and_is_replaced(one_worker):
    url, proc, log = one_worker
    assert httpx.post(f"{url}/v1/check", json=CHECK, timeout=30).status_code == 200
    [victim] = workers_of(proc.pid)["aiduty-check"]
    os.kill(victim, signal.SIGSTOP)                   # hold it, so the request is surely in its hands when it dies
    answer = {}
    sender = threading.Thread(target=lambda: answer.setdefault("r", httpx.post(f"{url}/v1/check", json=CHECK, timeout=60)))
    try:
        sender.start()
        wait_for(lambda: health(url)["busy"] == 1, 10, "the check to reach the worker")
        time.sleep(0.2)
    finally:
        os.kill(victim, signal.SIGKILL)
    sender.join(60)
    r = answer["r"]
    assert r.status_code == 503 and r.headers["content-type"].startswith("application/problem+json"), r.text
    assert r.headers["retry-after"] == "1"
    rid = r.headers["x-request-id"]
    assert r.json()["request_id"] == rid
    line = wait_for(lambda: [ln for ln in log.read_text().splitlines() if rid in ln], 5, "the log line")
    assert "killed by SIGKILL" in line[0] and "check worker" in line[0], line
    assert "Traceback" not in log.read_text()
    # Later requests succeed, on a new worker.
    ok = wait_for(lambda: httpx.post(f"{url}/v1/check", json=CHECK, timeout=60).status_code == 200, 60, "a check to succeed")
    assert ok
    assert workers_of(proc.pid)["aiduty-check"] != [victim]
    assert process_name(victim) is None


# ------------------------------------------------------------------------------------------------ the server dies


def test_workers_die_with_their_server(tmp_path):
    """SIGKILL the server while its SPARQL worker runs a long query: every worker exits within 10 s.
    Also: --workers overrides AIDUTY_WORKERS."""
    env = {"AIDUTY_WORKERS": "3", "AIDUTY_SPARQL_TIMEOUT": "120"}
    with running_server(workers=1, env=env) as (url, proc):
        assert health(url)["workers"] == 1
        def query():
            try:
                httpx.get(f"{url}/v1/sparql", params={"query": SLOW}, timeout=5)
            except httpx.HTTPError:               # the server is killed under it
                pass

        threading.Thread(target=query, daemon=True).start()
        wait_for(lambda: health(url)["sparql_busy"] == 1, 10, "the query to start")
        named = workers_of(proc.pid)
        assert {k: len(v) for k, v in named.items()} == {"aiduty-check": 1, "aiduty-sparql": 1}
        pids = [p for group in named.values() for p in group]
        proc.kill()
        proc.wait(10)
        start = time.monotonic()
        wait_for(lambda: all(process_name(p) is None for p in pids), 10, f"workers {pids} to exit")
        print(f"\nworkers gone {time.monotonic() - start:.2f} s after the server was killed")


# ------------------------------------------------------------------------------------------------ cancelled requests


def test_a_cancelled_request_never_hands_its_reply_to_the_next():
    """A request cancelled while its worker works (or while it waits for one) must not leave that worker's
    reply in the pipe for the next request to read."""
    from aiduty.workers import WorkerPool

    async def main():
        pool = WorkerPool(1, max_waiting=4, role="sparql")
        await pool.start()
        try:
            [pid] = pool.pids
            first = asyncio.create_task(pool.run("sleep", (0.6, "first"), 10))
            await asyncio.sleep(0.2)
            waiter = asyncio.create_task(pool.run("sleep", (0, "waiter"), 10))     # waits in line
            await asyncio.sleep(0.05)
            first.cancel()                               # cancelled while the worker works
            waiter.cancel()                              # cancelled while waiting for a worker
            for task in (first, waiter):
                with pytest.raises(asyncio.CancelledError):
                    await task
            second = await asyncio.wait_for(pool.run("sleep", (0, "second"), 10), 10)
            third = await asyncio.wait_for(pool.run("sleep", (0, "third"), 10), 10)
            return second, third, pool.pids == [pid], pool.busy, pool._waiting
        finally:
            await pool.stop()

    second, third, same_worker, busy, waiting = asyncio.run(main())
    assert second == (0, "second") and third == (0, "third")
    assert same_worker and busy == 0 and waiting == 0        # the worker was drained and reused, not replaced


def test_cpu_limit_stops_a_runaway_task():
    """A task past its CPU allowance is stopped by the kernel (RLIMIT_CPU) even when no timeout fires first;
    the pool reports the dead worker and replaces it."""
    from aiduty.workers import Limits, WorkerDied, WorkerPool

    async def main():
        pool = WorkerPool(1, role="sparql", limits=Limits(cpu=1))
        await pool.start()
        try:
            start = time.monotonic()
            with pytest.raises(WorkerDied) as died:
                await pool.run("sparql", {"query": SLOW, "row_limit": 10}, 60)
            elapsed = time.monotonic() - start
            answer = await pool.run("sparql", {"query": "ASK { ?s ?p ?o }", "row_limit": 10}, 60)
            return str(died.value), elapsed, answer.boolean
        finally:
            await pool.stop()

    message, elapsed, answer = asyncio.run(main())
    assert "killed by SIGXCPU" in message and elapsed < 30 and answer is True
