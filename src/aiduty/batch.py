"""Many descriptions at once: expand files, directories, globs and JSON Lines; check them in 1..N processes.

Results come in input order, so memory stays flat however many descriptions there are. Every item ends as a
report, a DescriptionError (bad input) or an ItemFailure (it could not be checked: an internal error, or the
worker process checking it died); the run always goes on with the next item.
"""

from __future__ import annotations

import errno
import glob
import itertools
import multiprocessing
import multiprocessing.util
import os
import shutil
import signal
import sys
import tempfile
from collections import deque
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from .description import MAX_BYTES, DescriptionError, json_body, load_description, parse_description
from .report import Report
from .safetext import clean, clip
from .untrusted import InputError, read_lines

if TYPE_CHECKING:       # the pool is imported only when used: cli.main skips the slow interpreter teardown unless it ran
    from concurrent.futures import Future, ProcessPoolExecutor

DESCRIPTION_SUFFIXES = {".yaml", ".yml", ".json", ".ttl", ".jsonld", ".jsonl"}
Item = tuple[str, object]   # (source, path, JSON line as bytes, or the error found)


class ItemFailure(Exception):
    """One item that could not be checked, through no fault of its input (exit code 3); the run goes on."""

    def __init__(self, source: str, problem: str):
        self.source, self.problem = source, problem
        super().__init__(f"{source}: internal error: {problem}")

    def __reduce__(self):  # so that worker processes can hand it back
        return type(self), (self.source, self.problem)


def expand(inputs: list[str]) -> Iterator[Item]:
    """Yield (source, payload) for every description named by files, directories, globs or .jsonl files."""
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            paths = sorted(p for p in path.rglob("*") if p.suffix.lower() in DESCRIPTION_SUFFIXES and p.is_file())
        elif not path.exists() and glob.has_magic(raw):
            paths = [Path(p) for p in sorted(glob.glob(raw, recursive=True))]
            if not paths:
                yield raw, DescriptionError(raw, "(file)", "the pattern matches no file")
                continue
        else:
            paths = [path]
        for p in paths:
            if p.suffix.lower() == ".jsonl":
                yield from _lines(p)
            else:
                yield str(p), p


def _lines(path: Path) -> Iterator[Item]:
    """Each line of a JSON Lines file, as bytes (decoded and parsed by the worker); a line over MAX_BYTES is that
    line's error, read past in pieces."""
    try:
        for number, line in read_lines(path, MAX_BYTES):
            source = f"{path}:{number}"
            yield source, DescriptionError(source, line.field, line.problem) if isinstance(line, InputError) else line
    except InputError as exc:
        yield str(path), DescriptionError(str(path), exc.field, exc.problem)
    except OSError as exc:
        yield str(path), DescriptionError(str(path), "(file)", f"cannot be read: {exc.strerror}")


_ENGINE = None


def _engine():
    global _ENGINE
    if _ENGINE is None:
        from .engine import Engine

        _ENGINE = Engine.load()
    return _ENGINE


def _check(args: tuple) -> Report | DescriptionError | ItemFailure | tuple[bool, bytes]:
    """Check one description; with ``as_line`` return (has gap, the report as one line of UTF-8 JSON) so that a
    worker process, not the parent, pays for the serialisation. Any failure is returned as this item's record;
    only a knowledge base that cannot load is raised (no item could be checked)."""
    (source, payload), as_of, lang, include_all, as_line, evidence = args
    if isinstance(payload, Exception):
        return payload
    engine = _engine()
    try:
        if isinstance(payload, Path):
            desc = load_description(payload)
        else:
            desc = parse_description(json_body(payload, source), source)
        observations = None
        if evidence is not None:             # --evidence: what sample files show replaces the label controls
            from .evidence import apply

            desc, observations = apply(desc, evidence)
        try:
            report = engine.check(desc, as_of=as_of, lang=lang, include_all=include_all)
        except DescriptionError as exc:      # stated facts that contradict each other (the implication table)
            raise DescriptionError(source, exc.field, exc.problem) from None
        if observations:
            from .evidence import annotate

            annotate(report, observations, engine.kb)
        return (report.has_gap, report.json_bytes()) if as_line else report
    except DescriptionError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - one item's failure must not stop the run
        return ItemFailure(source, f"{type(exc).__name__}: {clip(str(exc), 200)}")


def run(inputs: list[str], *, as_of: date | None, lang: str = "en", include_all: bool = False, jobs: int = 1,
        as_lines: bool = False, to_stdout: bool = False, notice: Callable[[str], None] | None = None,
        evidence=None) -> Iterator[Report | DescriptionError | ItemFailure | tuple[bool, bytes | None]]:
    """Check every description named by ``inputs``, in order; a bad one yields its error and the others still run.

    With ``as_lines`` each report comes as (has gap, UTF-8 JSON line) instead of a Report. With ``to_stdout`` too,
    and several jobs, the lines go to file descriptor 1 without passing through Python in this process, and
    each report comes as (has gap, None): see ``_pooled``. ``notice`` receives one-line remarks for stderr
    (a worker process died and its items are checked again). ``evidence`` (``check --evidence``) is what sample
    files show about the label controls."""
    work = ((item, as_of, lang, include_all, as_lines, evidence) for item in expand(inputs))
    if jobs <= 1:
        try:
            yield from map(_check, work)
        finally:
            _save()
        return
    yield from _pooled(work, jobs, as_lines and to_stdout, notice or _to_stderr)


CHUNK = 16
WINDOW = 4          # chunks in flight per worker process


def _pooled(work: Iterator[tuple], jobs: int, direct: bool, notice: Callable[[str], None]) -> Iterator:
    """Check chunks of items in a pool of ``jobs`` processes and yield their results in input order.

    With ``direct``, a worker writes its chunk's JSON lines to a file of its own in a private spool directory,
    and this process copies each file to fd 1 in input order with sendfile(2) (kernel to kernel: a report is
    about 240 KB, and moving it through a pipe into this process cost more than checking it). As only this
    process writes standard output, a worker that dies can never leave half a line there.

    A worker that dies (killed, out of memory, a crash in C) breaks the pool: the chunks that did not finish are
    checked again in a new pool, one at a time, and a chunk that kills its worker alone is split into single
    items; an item that kills its worker alone is reported as an ItemFailure. On any exception (Ctrl-C, SIGTERM
    made an exception by the CLI, a closed stdout) the workers are terminated before it goes on."""
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
    spool = tempfile.mkdtemp(prefix="aiduty-batch-") if direct else None
    tasks = ((chunk, spool) for chunk in _chunks(work, CHUNK))
    window: deque[list] = deque()           # [task, Future or None], in input order
    careful = 0                             # entries at the head of the window to run one at a time
    deaths = 0                              # pools broken since the last chunk that came back
    pool = _new_pool(ctx, jobs)
    finished = False
    try:
        while True:
            while len(window) < WINDOW * jobs and (task := next(tasks, None)) is not None:
                window.append([task, None])
            if not window:
                break
            head = window[0]
            try:
                for entry in itertools.islice(window, 1 if careful else len(window)):
                    if entry[1] is None:
                        entry[1] = pool.submit(_check_chunk, entry[0])
                results, lines = head[1].result()
            except BrokenProcessPool:
                deaths += 1
                if deaths > CHUNK + 4:       # enough to single out every item of a chunk: something else is wrong
                    raise RuntimeError("worker processes keep dying before they check anything") from None
                processes = list((getattr(pool, "_processes", None) or {}).values())
                pool.shutdown(wait=True)                         # every future of the old pool is now settled
                how = _how_it_died(processes)
                pool = _new_pool(ctx, jobs)
                items = head[0][0]
                if careful and _failed(head[1]) and len(items) == 1:     # it died alone, on one item: report it
                    window.popleft()
                    careful -= 1
                    yield ItemFailure(items[0][0][0], f"the worker process died while checking it{how}")
                    continue
                if careful and _failed(head[1]):                 # a chunk died alone: its items one at a time
                    window.popleft()
                    window.extendleft([([args], spool), None] for args in reversed(items))
                    careful += len(items) - 1
                    notice(f"a worker process died{how} on one chunk; checking its items one at a time")
                    continue
                redo = [i for i, entry in enumerate(window) if _failed(entry[1])]
                for i in redo:
                    window[i][1] = None
                if redo:                                          # everything up to the last of them, one at a time
                    careful = max(careful, redo[-1] + 1)
                    first, last = window[0][0][0][0][0][0], window[redo[-1]][0][0][-1][0][0]
                    notice(f"a worker process died{how}; checking {clean(clip(first, 120))} .. "
                           f"{clean(clip(last, 120))} again, one chunk at a time")
                continue
            window.popleft()
            careful, deaths = max(careful - 1, 0), 0
            if lines is not None:
                _send(lines)
            yield from results
        finished = True
    finally:
        _stop(pool, kill=not finished)
        if spool is not None:
            shutil.rmtree(spool, ignore_errors=True)


def _failed(future: Future | None) -> bool:
    """Whether a future of a broken pool must be run again (it did not deliver its result)."""
    return future is not None and (not future.done() or future.cancelled() or future.exception() is not None)


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _check_chunk(task: tuple[list, str | None]) -> tuple[list, str | None]:
    """Check a chunk; with a spool directory, write its JSON lines to a new file there and return its name."""
    chunk, spool = task
    results, lines = [], []
    for args in chunk:
        result = _check(args)
        if spool is not None and isinstance(result, tuple):
            lines += (result[1], b"\n")
            result = (result[0], None)
        results.append(result)
    if not lines:
        return results, None
    fd, name = tempfile.mkstemp(dir=spool)
    with open(fd, "wb") as fh:
        fh.writelines(lines)
    return results, name


def _send(name: str) -> None:
    """Copy a spooled file to fd 1 (sendfile; read and write where fd 1 does not take it), then remove it. If a
    signal stops it half-way, the line being written is finished first: JSON Lines stay whole."""
    fd = os.open(name, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        try:
            while os.lseek(fd, 0, os.SEEK_CUR) < size:   # the kernel moves the file offset by what it sent
                if os.sendfile(1, fd, None, size) == 0:
                    break
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
                raise
            while chunk := os.read(fd, 1 << 20):
                write_all(1, chunk)
        except BaseException:                             # SIGTERM or Ctrl-C while writing: finish the line
            _finish_line(fd)
            raise
    finally:
        os.close(fd)
        os.unlink(name)


def _finish_line(fd: int) -> None:
    position = os.lseek(fd, 0, os.SEEK_CUR)
    if position == 0 or os.pread(fd, 1, position - 1) == b"\n":
        return
    while chunk := os.read(fd, 1 << 18):
        end = chunk.find(b"\n")
        write_all(1, chunk if end < 0 else chunk[: end + 1])
        if end >= 0:
            return


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _new_pool(ctx, jobs: int) -> ProcessPoolExecutor:
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init_worker)


def _how_it_died(processes: list) -> str:
    """' (killed by SIGKILL)' or ' (exit code N)' for the worker that died, when it can be told (the pool itself
    stops the others with SIGTERM)."""
    for process in processes:
        code = process.exitcode
        if code is not None and code < 0 and code != -signal.SIGTERM:
            try:
                return f" (killed by {signal.Signals(-code).name})"
            except ValueError:
                return f" (killed by signal {-code})"
        if code:
            return f" (exit code {code})"
    return ""


def _stop(pool: ProcessPoolExecutor, kill: bool) -> None:
    """Shut the pool down; with ``kill``, terminate its workers first (nothing they would still do is wanted)."""
    if kill:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _to_stderr(message: str) -> None:
    print(f"aiduty: {message}", file=sys.stderr, flush=True)


def _save() -> None:
    """Keep the requirement results this process computed for the next run (see memo.ResultStore)."""
    if _ENGINE is not None:
        _ENGINE.save()


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)        # Ctrl-C reaches the whole process group: the parent decides
    _die_with_parent()
    multiprocessing.util.Finalize(None, _save, exitpriority=10)


def _die_with_parent() -> None:
    """Linux: be killed when the parent (the forkserver, which exits with the main process) dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)    # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
