"""Many descriptions at once: expand files, directories, globs and JSON Lines; check them in 1..N processes.

Results stream in input order, so memory stays flat however many descriptions there are.
"""

from __future__ import annotations

import glob
import multiprocessing
import multiprocessing.util
import os
from datetime import date
from pathlib import Path
from typing import Iterator

from .description import DescriptionError, load_description, parse_text
from .report import Report

DESCRIPTION_SUFFIXES = {".yaml", ".yml", ".json", ".ttl", ".jsonld", ".jsonl"}
Item = tuple[str, object]   # (source, path, JSON line or the error found)


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
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        yield str(path), DescriptionError(str(path), "(file)", f"cannot be read: {exc.strerror}")
        return
    with fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            yield f"{path}:{number}", line        # parsed by the worker, not here


_ENGINE = None


def _check(args: tuple) -> Report | DescriptionError | tuple[bool, bytes]:
    """Check one description; with ``as_line`` return (has gap, the report as one line of UTF-8 JSON) so that a
    worker process, not the parent, pays for the serialisation."""
    global _ENGINE
    (source, payload), as_of, lang, include_all, as_line, *more = args
    if isinstance(payload, DescriptionError):
        return payload
    try:
        desc = load_description(payload) if isinstance(payload, Path) else parse_text(payload, "json", source)
    except DescriptionError as exc:
        return exc
    observations = None
    if more and more[0] is not None:            # --evidence: what sample files show replaces the label controls
        from .evidence import apply

        desc, observations = apply(desc, more[0])
    if _ENGINE is None:
        from .engine import Engine

        _ENGINE = Engine.load()
    try:
        report = _ENGINE.check(desc, as_of=as_of, lang=lang, include_all=include_all)
    except DescriptionError as exc:      # stated facts that contradict each other (the implication table)
        return DescriptionError(source, exc.field, exc.problem)
    if observations:
        from .evidence import annotate

        annotate(report, observations, _ENGINE.kb)
    return (report.has_gap, report.json_bytes()) if as_line else report


def run(inputs: list[str], *, as_of: date | None, lang: str = "en", include_all: bool = False, jobs: int = 1,
        as_lines: bool = False, to_stdout: bool = False, evidence=None) -> Iterator[Report | DescriptionError | tuple[bool, bytes | None]]:
    """Check every description named by ``inputs``, in order; a bad one yields its error and the others still run.

    With ``as_lines`` each report comes as (has gap, UTF-8 JSON line) instead of a Report. With ``to_stdout`` too,
    and several jobs, the workers write the lines to file descriptor 1 themselves, in input order, and each
    report comes as (has gap, None): a report is about 240 KB, and moving it through a pipe to the parent cost
    more than checking it."""
    work = ((item, as_of, lang, include_all, as_lines, evidence) for item in expand(inputs))
    if jobs <= 1:
        try:
            yield from map(_check, work)
        finally:
            _save()
        return
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
    direct = as_lines and to_stdout
    turn, cond = (ctx.Value("q", 0, lock=False), ctx.Condition()) if direct else (None, None)
    with ctx.Pool(jobs, initializer=_init_worker, initargs=(turn, cond)) as pool:
        if direct:
            for results in pool.imap(_check_and_write, enumerate(_chunks(work, CHUNK))):
                yield from results
        else:
            yield from pool.imap(_check, work, chunksize=CHUNK)
        pool.close()        # let the workers exit by themselves, so that they save their results
        pool.join()


CHUNK = 16
_TURN = _COND = None


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _check_and_write(task: tuple[int, list]) -> list:
    """Check a chunk, then wait for its turn and write its lines to stdout (fd 1). The pool hands out chunks in
    order and a worker takes the next only when it has written this one, so the chunk whose turn it is is always
    being worked on: no worker waits forever."""
    index, chunk = task
    results, lines = [], []
    try:
        for args in chunk:
            result = _check(args)
            if isinstance(result, tuple):
                lines += (result[1], b"\n")
                result = (result[0], None)
            results.append(result)
    finally:
        with _COND:
            _COND.wait_for(lambda: _TURN.value == index)
            try:
                _write_all(1, b"".join(lines))
            finally:
                _TURN.value += 1
                _COND.notify_all()
    return results


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _save() -> None:
    """Keep the requirement results this process computed for the next run (see memo.ResultStore)."""
    if _ENGINE is not None:
        _ENGINE.save()


def _init_worker(turn, cond) -> None:
    global _TURN, _COND
    _TURN, _COND = turn, cond
    multiprocessing.util.Finalize(None, _save, exitpriority=10)
