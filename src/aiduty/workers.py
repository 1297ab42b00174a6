"""A small pool of worker processes for CPU-bound work (checks, SPARQL), with a hard time limit per task.

Each worker loads what its role needs once (``check``: the engine; ``sparql``: the knowledge base graph). A
task that passes its time limit has its worker killed and replaced, so a runaway query really stops; a worker
that dies is replaced too, in the background. A bounded number of waiting tasks sits in front; past it the pool
refuses at once (the API answers 503).

Workers die with their server (Linux ``PR_SET_PDEATHSIG``; elsewhere a watchdog thread), ignore Ctrl-C (the
server stops them), and run under an address-space limit and a per-task CPU limit (``resource``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import os
import pickle
import resource
import signal
import sys
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("aiduty.server")

class Saturated(RuntimeError):
    """Every worker is busy and the waiting line is full."""


class TimedOut(RuntimeError):
    """The task passed its time limit and its worker was stopped."""


class WorkerDied(RuntimeError):
    """The worker handling the task died (killed, crashed, out of CPU time); a replacement is starting."""


class TaskFailed(RuntimeError):
    """The task raised; the message is safe to show."""

    def __init__(self, kind: str, message: Any):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Limits:
    memory: int | None = None      # bytes of address space (RLIMIT_AS)
    cpu: int | None = None         # CPU seconds per task (RLIMIT_CPU, moved on before each task)


# ------------------------------------------------------------------------------------------------ in the worker

PR_SET_PDEATHSIG, PR_SET_NAME = 1, 15
SPARQL_NICENESS = 5


def guard_child(parent_pid: int, limits: Limits = Limits(), name: str | None = None) -> None:
    """Call first thing in a child process: die with ``parent_pid``, no core files, the memory limit; on Linux
    ``name`` becomes the process name that ps and top show (15 bytes at most)."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if name:
            libc.prctl(PR_SET_NAME, name.encode()[:15], 0, 0, 0)
    else:                                               # no PDEATHSIG: a thread watches for a new parent
        import threading
        import time

        def watch():
            while os.getppid() == parent_pid:
                time.sleep(1)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent_pid:                      # the parent died before the signal was armed
        os._exit(1)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if limits.memory:
        _lower(resource.RLIMIT_AS, limits.memory)


def _lower(which: int, value: int) -> None:
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value if hard == resource.RLIM_INFINITY or value < hard else hard))


def arm_cpu(seconds: int) -> None:
    """Let the next task use at most ``seconds`` more CPU seconds (then the kernel stops the process)."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(used.ru_utime + used.ru_stime) + seconds + 1
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _serve(conn, role: str, parent_pid: int, limits: Limits) -> None:
    """Worker main loop: load once, then answer (kind, payload) requests until the pipe closes."""
    guard_child(parent_pid, limits, name=f"aiduty-{role}")
    signal.signal(signal.SIGINT, signal.SIG_IGN)        # Ctrl-C reaches the whole group; the server stops us

    engine = kb = None
    if role == "check":
        from .engine import Engine

        engine = Engine.load()
    else:
        os.nice(SPARQL_NICENESS)        # ad-hoc queries yield the CPU to the server's event loop and to checks
        from .catalogue import prepare
        from .kb import load

        kb = load()
        prepare(kb)
    try:
        conn.send(("ready", os.getpid()))
        _answer(conn, engine, kb, limits)
    except (BrokenPipeError, ConnectionResetError):    # the server went away: nothing left to answer
        return


def _answer(conn, engine, kb, limits: Limits) -> None:
    from .catalogue import QueryError, run_query
    from .description import DescriptionError, json_body, parse_description

    while True:
        try:
            kind, payload = conn.recv()
        except EOFError:        # the server is stopping: keep the requirement results for the next start
            if engine is not None:
                engine.save()
            return
        if limits.cpu:
            arm_cpu(limits.cpu)
        try:
            if kind == "check":
                # The worker does the JSON work both ways so the server process only moves bytes.
                desc = parse_description(json_body(payload["body"]), "request body")
                report = engine.check(desc, as_of=payload["as_of"], lang=payload["lang"], include_all=payload["all"])
                conn.send_bytes(b"ok" + report.json_bytes())
                continue
            elif kind == "interview":
                from .routes.interview import worker_step

                conn.send_bytes(b"ok" + worker_step(engine, payload))
                continue
            elif kind == "page":       # the web app's check pages (routes/pages_check.py): a view as JSON
                from .pageviews import run as page_view

                conn.send_bytes(b"ok" + json.dumps(page_view(engine, payload), ensure_ascii=False).encode())
                continue
            elif kind == "sparql":
                conn.send(("ok", run_query(kb or engine.kb, payload["query"], payload["row_limit"], payload.get("formats"))))
            elif kind == "labels":     # POST /v1/labels/scan (routes/labels.py): uploaded bytes in, records as JSON out
                from .labelscan import scan_uploads

                conn.send_bytes(b"ok" + scan_uploads(payload))
                continue
            elif kind == "sleep":      # used by tests to hold a worker busy: (seconds, anything) comes back
                import time

                time.sleep(payload[0])
                conn.send(("ok", payload))
            else:
                conn.send(("error", ("internal", f"unknown task {kind}")))
        except DescriptionError as exc:
            conn.send(("error", ("description", exc.as_dict())))
        except QueryError as exc:
            conn.send(("error", ("query", str(exc))))
        except MemoryError:                 # the task hit the memory limit: say so, then make way for a fresh worker
            conn.send(("error", ("memory", f"the request needed more than the {limits.memory or 0} bytes a worker may use")))
            os._exit(1)
        except Exception as exc:  # the worker must survive a bad task
            conn.send(("error", ("internal", f"{type(exc).__name__}: {exc}")))


# ------------------------------------------------------------------------------------------------ in the server


async def _readable(conn, timeout_s: float) -> None:
    """Wait in the event loop (no thread) until the worker has answered; TimedOut past ``timeout_s``."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    fd = conn.fileno()
    loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
    try:
        await asyncio.wait_for(ready, max(timeout_s, 0.0))
    except asyncio.TimeoutError:
        raise TimedOut(f"the request ran longer than {timeout_s:g} s and was stopped") from None
    finally:
        loop.remove_reader(fd)
        os.set_blocking(fd, True)      # uvloop makes a watched descriptor non-blocking; recv_bytes needs blocking


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Any


def _how(exitcode: int | None) -> str:
    if exitcode is None:
        return "still exiting"
    if exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


class WorkerPool:
    def __init__(self, size: int = 2, max_waiting: int = 64, *, role: str = "check", limits: Limits = Limits(),
                 start_timeout: float = 120.0):
        self.size, self.max_waiting, self.role, self.limits = size, max_waiting, role, limits
        self.start_timeout = start_timeout
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: asyncio.Queue[_Worker] | None = None
        self._waiting = 0
        self._workers: list[_Worker] = []
        self._tasks: set[asyncio.Task] = set()
        self._stopping = False

    # -------------------------------------------------------------- life cycle

    async def _start_worker(self) -> _Worker:
        """Start one worker from the event loop's thread (PDEATHSIG follows the thread that forked) and wait
        for it without blocking the loop."""
        parent, child = self._ctx.Pipe()
        proc = self._ctx.Process(target=_serve, args=(child, self.role, os.getpid(), self.limits), daemon=True)
        proc.start()
        child.close()
        worker = _Worker(proc, parent)
        self._workers.append(worker)
        try:
            await _readable(parent, self.start_timeout)
            if parent.recv()[0] != "ready":
                raise RuntimeError("bad greeting")
        except BaseException as exc:
            self._kill(worker)
            if isinstance(exc, Exception):
                raise RuntimeError(f"a {self.role} worker failed to start ({_how(proc.exitcode)})") from None
            raise
        return worker

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        for w in await asyncio.gather(*(self._start_worker() for _ in range(self.size))):
            self._idle.put_nowait(w)

    async def stop(self) -> None:
        self._stopping = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for w in self._workers:
            w.conn.close()                  # an idle worker saves its results and exits
        for w in self._workers:
            w.process.join(timeout=2)
            if w.process.is_alive():
                w.process.kill()
                w.process.join(timeout=5)
        self._workers.clear()

    @property
    def pids(self) -> list[int]:
        return [w.process.pid for w in self._workers]

    @property
    def busy(self) -> int:
        return self.size - (self._idle.qsize() if self._idle else 0)

    def _background(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _kill(self, worker: _Worker) -> None:
        if worker.process.exitcode is None:
            worker.process.kill()
        worker.conn.close()
        if worker in self._workers:
            self._workers.remove(worker)

    def _retire(self, worker: _Worker) -> None:
        """Kill ``worker`` and start its replacement in the background; the pool is whole again once it is up."""
        self._kill(worker)
        if not self._stopping:
            self._background(self._replace(worker))

    async def _replace(self, old: _Worker) -> None:
        await asyncio.get_running_loop().run_in_executor(None, old.process.join, 5)     # reap it
        delay = 0.5
        while not self._stopping:
            try:
                self._idle.put_nowait(await self._start_worker())
                return
            except RuntimeError as exc:
                if self._stopping:
                    return
                log.error("%s; trying again in %g s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(30.0, delay * 2)

    async def _drain(self, worker: _Worker, deadline: float) -> None:
        """A task's caller went away: read and drop its reply, then the worker is free for the next one."""
        try:
            await _readable(worker.conn, deadline - asyncio.get_running_loop().time())
            worker.conn.recv_bytes()
        except asyncio.CancelledError:
            self._kill(worker)
            raise
        except Exception:               # it ran out of time or died: replace it
            self._retire(worker)
            return
        self._idle.put_nowait(worker)

    # -------------------------------------------------------------- tasks

    async def _acquire(self, timeout_s: float) -> _Worker:
        if self._idle.empty() and self._waiting >= self.max_waiting:
            raise Saturated("all workers are busy; try again shortly")
        self._waiting += 1
        try:
            while True:
                worker = self._idle.get_nowait() if not self._idle.empty() else await asyncio.wait_for(self._idle.get(), timeout_s)
                if worker.process.exitcode is None:
                    return worker
                self._retire(worker)        # it died while idle: replace it and take the next
        except asyncio.TimeoutError:
            raise Saturated("no worker became free in time; try again shortly") from None
        finally:
            self._waiting -= 1

    async def run(self, kind: str, payload: Any, timeout_s: float) -> Any:
        assert self._idle is not None, "pool not started"
        worker = await self._acquire(timeout_s)
        deadline = asyncio.get_running_loop().time() + timeout_s
        try:
            worker.conn.send((kind, payload))
            await _readable(worker.conn, timeout_s)
            raw = worker.conn.recv_bytes()
        except TimedOut:
            self._retire(worker)
            raise
        except (EOFError, OSError):
            for _ in range(50):             # let it be reaped, to say how it died (at most 0.5 s)
                if worker.process.exitcode is not None:
                    break
                await asyncio.sleep(0.01)
            pid, how = worker.process.pid, _how(worker.process.exitcode)
            self._retire(worker)
            raise WorkerDied(f"{self.role} worker {pid} died ({how}) while handling the request; a replacement is starting") from None
        except BaseException:
            # Cancelled while the worker works: its reply is still on its way and must reach no other request.
            self._background(self._drain(worker, deadline))
            raise
        if raw.startswith(b"ok"):            # a check's JSON, passed through untouched
            self._idle.put_nowait(worker)
            return raw[2:]
        status, result = pickle.loads(raw)   # from our own worker, over a private pipe
        if status == "error" and result[0] == "memory":
            self._retire(worker)             # it exits after saying so
        else:
            self._idle.put_nowait(worker)
        if status == "error":
            raise TaskFailed(*result)
        return result
