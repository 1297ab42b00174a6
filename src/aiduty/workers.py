"""A small pool of worker processes for CPU-bound work (checks, SPARQL), with a hard time limit per task.

Each worker loads the knowledge base once. A task that passes its time limit has its worker killed and
replaced, so a runaway query really stops. A bounded number of waiting tasks sits in front; past it the pool
refuses at once (the API answers 503).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import threading
from dataclasses import dataclass
from typing import Any


class Saturated(RuntimeError):
    """Every worker is busy and the waiting line is full."""


class TimedOut(RuntimeError):
    """The task passed its time limit and its worker was stopped."""


class TaskFailed(RuntimeError):
    """The task raised; the message is safe to show."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def _serve(conn) -> None:
    """Worker main loop: load once, then answer (kind, payload) requests until the pipe closes."""
    from .catalogue import QueryError, run_query
    from .description import DescriptionError, parse_description
    from .engine import Engine

    import json

    engine = Engine.load()
    conn.send(("ready", None))
    while True:
        try:
            kind, payload = conn.recv()
        except EOFError:        # the server is stopping: keep the requirement results for the next start
            engine.save()
            return
        try:
            if kind == "check":
                # The worker does the JSON work both ways so the server process only moves bytes.
                try:
                    data = json.loads(payload["body"])
                except ValueError as exc:
                    raise DescriptionError("request body", "(syntax)", f"not valid JSON: {exc}") from None
                desc = parse_description(data, "request body")
                report = engine.check(desc, as_of=payload["as_of"], lang=payload["lang"], include_all=payload["all"])
                conn.send_bytes(b"ok" + report.json_bytes())
                continue
            elif kind == "sparql":
                conn.send(("ok", run_query(engine.kb, payload["query"], payload["row_limit"])))
            elif kind == "labels":     # POST /v1/labels/scan (api_labels.py): uploaded bytes in, records as JSON out
                from .labelscan import scan_uploads

                conn.send_bytes(b"ok" + scan_uploads(payload))
                continue
            elif kind == "sleep":      # used by tests to hold a worker busy
                import time

                time.sleep(payload)
                conn.send(("ok", None))
            else:
                conn.send(("error", ("internal", f"unknown task {kind}")))
        except DescriptionError as exc:
            conn.send(("error", ("description", exc.as_dict())))
        except QueryError as exc:
            conn.send(("error", ("query", str(exc))))
        except Exception as exc:  # the worker must survive a bad task
            conn.send(("error", ("internal", f"{type(exc).__name__}: {exc}")))


async def _readable(conn, timeout_s: float) -> None:
    """Wait in the event loop (no thread) until the worker has answered; TimedOut past ``timeout_s``."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    fd = conn.fileno()
    loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
    try:
        await asyncio.wait_for(ready, timeout_s)
    except asyncio.TimeoutError:
        raise TimedOut(f"the request ran longer than {timeout_s:g} s and was stopped") from None
    finally:
        loop.remove_reader(fd)
        os.set_blocking(fd, True)      # uvloop makes a watched descriptor non-blocking; recv_bytes needs blocking


@dataclass
class _Worker:
    process: Any
    conn: Any


class WorkerPool:
    def __init__(self, size: int = 2, max_waiting: int = 64):
        self.size, self.max_waiting = size, max_waiting
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue[_Worker] | None = None
        self._waiting = 0
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_serve, args=(child,), daemon=True)
        proc.start()
        child.close()
        if not parent.poll(120) or parent.recv()[0] != "ready":
            proc.kill()
            raise RuntimeError("a worker failed to start")
        worker = _Worker(proc, parent)
        self._workers.append(worker)
        return worker

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        loop = asyncio.get_running_loop()
        workers = await asyncio.gather(*(loop.run_in_executor(None, self._spawn) for _ in range(self.size)))
        for w in workers:
            self._idle.put_nowait(w)

    async def stop(self) -> None:
        for w in self._workers:
            w.conn.close()                  # an idle worker saves its results and exits
        for w in self._workers:
            w.process.join(timeout=2)
            if w.process.is_alive():
                w.process.kill()
                w.process.join(timeout=5)
        self._workers.clear()

    @property
    def busy(self) -> int:
        return self.size - (self._idle.qsize() if self._idle else 0)

    async def run(self, kind: str, payload: Any, timeout_s: float) -> Any:
        assert self._idle is not None, "pool not started"
        with self._lock:
            if self._idle.empty() and self._waiting >= self.max_waiting:
                raise Saturated("all workers are busy; try again shortly")
            self._waiting += 1
        try:
            worker = await asyncio.wait_for(self._idle.get(), timeout=timeout_s)
        except asyncio.TimeoutError:
            raise Saturated("no worker became free in time; try again shortly") from None
        finally:
            with self._lock:
                self._waiting -= 1
        try:
            worker.conn.send((kind, payload))
            await _readable(worker.conn, timeout_s)
            raw = worker.conn.recv_bytes()
            if raw.startswith(b"ok"):            # a check's JSON, passed through untouched
                return raw[2:]
            status, result = pickle.loads(raw)
        except TimedOut:
            worker = await self._replace(worker)
            raise
        except (EOFError, OSError, BrokenPipeError):
            worker = await self._replace(worker)
            raise TaskFailed("internal", "a worker died while handling the request") from None
        finally:
            self._idle.put_nowait(worker)
        if status == "error":
            raise TaskFailed(*result)
        return result

    async def _replace(self, worker: _Worker) -> _Worker:
        worker.process.kill()
        worker.process.join(timeout=5)
        if worker in self._workers:
            self._workers.remove(worker)
        return await asyncio.get_running_loop().run_in_executor(None, self._spawn)
