"""``aiduty labels scan``: find files, read each within a size and a time bound, and render the verdicts.

One record per file: ``file`` (the path as given), ``verdict`` (conformant, non-conformant, no-label,
unreadable), ``carriers`` and ``findings``. A broken or hostile file gives an ``unreadable`` record, never a
crash: every reader's failure is caught here.
"""

from __future__ import annotations

import glob
import io
import json
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from . import __version__
from .carriers import TEXT_SUFFIXES, Unreadable, read
from .labels import ART4_1, TEXT_51, FileResult, Finding, explicit_text_label, finish

MAX_FILE = 64 << 20            # bytes read per file, unless told otherwise
TIME_LIMIT = 10.0              # seconds per file (enforced with SIGALRM in the main thread)
API_TIME_LIMIT = 5.0           # per uploaded file, inside the API's worker process (whose pool also bounds the request)
MEDIA_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".mp4", ".m4v", ".m4a", ".mov", ".mp3", ".wav", ".pdf", ".docx",
                  ".xlsx", ".pptx"}
SCAN_SUFFIXES = MEDIA_SUFFIXES | TEXT_SUFFIXES


class BadInput(ValueError):
    """A path that names nothing (exit 2)."""


class ScanTimeout(BaseException):
    """Raised by the timer signal; a BaseException so that a library's ``except Exception`` cannot swallow it."""


def expand(paths: Iterable[str]) -> Iterator[Path]:
    """Files named directly, the files in directories (recursively, by suffix), and glob matches, in order."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SCAN_SUFFIXES)
        elif path.exists():
            yield path
        elif glob.has_magic(raw):
            matches = [Path(p) for p in sorted(glob.glob(raw, recursive=True)) if Path(p).is_file()]
            if not matches:
                raise BadInput(f"{raw}: the pattern matches no file")
            yield from matches
        else:
            raise BadInput(f"{raw}: no such file or directory")


@contextmanager
def time_limit(seconds: float | None):
    """Raise ScanTimeout in this thread after ``seconds`` (main thread only; elsewhere the caller bounds time)."""
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise ScanTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def scan_bytes(data: bytes, name: str, *, time_limit_s: float | None = TIME_LIMIT) -> FileResult:
    """Scan one file's bytes; ``name`` is the path as given (its suffix matters only for text files)."""
    result = FileResult(file=name, size=len(data))
    try:
        with time_limit(time_limit_s):
            fmt, carriers, findings, text = read(data, name)
            result.format, result.carriers, result.findings = fmt, carriers, findings
            if text is not None:
                _judge_text(result, text)
    except Unreadable as exc:
        _unreadable(result, "unreadable", str(exc))
    except ScanTimeout:
        _unreadable(result, "timeout", f"reading took longer than {time_limit_s} s; stopped")
    except MemoryError:
        _unreadable(result, "unreadable", "reading needed more memory than available; stopped")
    except RecursionError:
        _unreadable(result, "unreadable", "structures nested too deep; stopped")
    except Exception as exc:   # a library failed on a hostile file: a finding, not a crash
        _unreadable(result, "unreadable", f"the file could not be parsed ({type(exc).__name__}: {str(exc)[:200]})")
    return finish(result)


def _unreadable(result: FileResult, code: str, message: str) -> None:
    result.unreadable = True
    result.findings.append(Finding(code, "error", message))


def _judge_text(result: FileResult, text: str) -> None:
    where, line = explicit_text_label(text)
    if where:
        result.explicit = where
        return
    message = ("no explicit label at the start or end of the text: it needs a prompt holding an AI element "
               "(\"人工智能\" or \"AI\") and a generation element (\"生成\" or \"合成\") (GB 45438-2025 §5.1, whose "
               "specifics our sources report only at second hand [S]; LABEL-2025 Art. 4(1))")
    if line:
        message += f"; a line in the middle would qualify ({line!r}), which the Measures allow but this scan does not " \
                   "recognise as the label"
    result.findings.append(Finding("no-explicit-label", "warning", message, (TEXT_51, ART4_1)))


def scan_file(path: Path, shown: str | None = None, *, max_bytes: int = MAX_FILE,
              time_limit_s: float | None = TIME_LIMIT) -> FileResult:
    name = shown if shown is not None else str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            result = FileResult(file=name, size=size)
            _unreadable(result, "too-large", f"the file is {size} bytes, more than the limit of {max_bytes}; not read")
            return result
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        result = FileResult(file=name)
        _unreadable(result, "unreadable", f"cannot be read: {exc.strerror}")
        return result
    if len(data) > max_bytes:
        result = FileResult(file=name, size=len(data))
        _unreadable(result, "too-large", f"the file is more than {max_bytes} bytes; not read")
        return result
    return scan_bytes(data, name, time_limit_s=time_limit_s)


def scan_paths(paths: Iterable[str], **kw) -> Iterator[FileResult]:
    for path in expand(paths):
        yield scan_file(path, **kw)


def scan_uploads(payload: dict) -> bytes:
    """The worker task behind ``POST /v1/labels/scan``: [(name, bytes)] in, the records as JSON bytes out."""
    limit = payload.get("time_limit", API_TIME_LIMIT)
    records = [scan_bytes(data, name, time_limit_s=limit).as_dict() for name, data in payload["files"]]
    return json.dumps(records, ensure_ascii=False).encode()


# ------------------------------------------------------------------------------------------------------ output


def render_table(results: list[FileResult]) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(results)} files", title_justify="left", expand=True)
    for col, ratio in (("file", 3), ("verdict", None), ("carriers", 2), ("elements", 3), ("findings", 5)):
        table.add_column(col, ratio=ratio, width=14 if ratio is None else None, no_wrap=ratio is None)
    for r in results:
        elements = r.elements()
        table.add_row(r.file, r.verdict, ", ".join(c.kind for c in r.carriers) or (f"explicit ({r.explicit})" if r.explicit else "—"),
                      " ".join(f"{k}={v}" for k, v in elements.items())[:200] or "—",
                      "\n".join(f"[{f.severity}] {f.message}" + (f" ({'; '.join(c['label'] for c in f.citations)})"
                                                                 if f.citations and f.code not in ("no-label", "no-explicit-label") else "")
                                for f in r.all_findings()) or "—")
    console = Console(width=200, record=True, file=io.StringIO(), markup=False, highlight=False)
    console.print(table)
    counts = {v: sum(r.verdict == v for r in results) for v in ("conformant", "non-conformant", "no-label", "unreadable")}
    return console.export_text() + ", ".join(f"{n} {v}" for v, n in counts.items()) + "\n"


def sarif(results: list[FileResult]) -> dict:
    """SARIF 2.1.0: one result per finding, the rule being the finding's code."""
    rules, out = {}, []
    level = {"error": "error", "warning": "warning", "note": "note"}
    for r in results:
        for f in r.all_findings():
            if f.code not in rules:
                rules[f.code] = {"id": f.code, "shortDescription": {"text": f.code.replace("-", " ")},
                                 "helpUri": "https://w3id.org/aiduty/cn/GB45438-2025"}
            out.append({
                "ruleId": f.code, "level": level.get(f.severity, "note"),
                "message": {"text": f.message + (f" ({'; '.join(c['label'] for c in f.citations)})" if f.citations else "")},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": r.file}}}],
                "properties": {"verdict": r.verdict, **({"element": f.element} if f.element else {}),
                               **({"carrier": f.carrier} if f.carrier else {})},
            })
    return {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "aiduty", "version": __version__, "rules": list(rules.values())}},
                      "results": out}]}


__all__ = ["scan_bytes", "scan_file", "scan_paths", "scan_uploads", "expand", "BadInput"]
