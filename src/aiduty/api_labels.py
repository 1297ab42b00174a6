"""``POST /v1/labels/scan``: scan uploaded files for GB 45438 implicit labels (design §9 "Label evidence").

The upload is a multipart form with one or more ``file`` parts. Parts are read into memory with a per-file size
limit (the server's body limit applies first) and handed to a worker process, which scans the bytes with the
pool's hard time limit; nothing is written to disk by this route, and Starlette's spooled upload files are closed
(and so deleted) before the response goes out.
"""

from __future__ import annotations

import json
import os
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["labels"])
MAX_FILES = 20


def _limits() -> tuple[int, float]:
    return int(os.environ.get("AIDUTY_LABELS_MAX_FILE", str(16 << 20))), float(os.environ.get("AIDUTY_LABELS_TIMEOUT", "30"))


@router.post("/v1/labels/scan", summary="Scan uploaded files for AIGC implicit labels (multipart, field `file`)",
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                 "type": "object", "properties": {"file": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                 "required": ["file"]}}}}},
             responses={200: {"description": "One record per file: file, verdict, carriers, findings"}})
async def scan(request: Request) -> JSONResponse:
    from .api import Problem            # api.py imports nothing from here: no cycle at import time

    max_file, timeout = _limits()
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Problem(415, "Unsupported media type", "send multipart/form-data with one or more `file` parts")
    try:
        form = await request.form(max_files=MAX_FILES, max_fields=MAX_FILES)
    except Exception as exc:           # malformed multipart, too many parts
        raise Problem(400, "Bad upload", f"the multipart body cannot be read: {getattr(exc, 'detail', exc)}")
    files: list[tuple[str, bytes]] = []
    try:
        for key, part in form.multi_items():
            if key != "file" or isinstance(part, str):
                continue
            data = await part.read(max_file + 1)
            name = os.path.basename(part.filename or "upload")[:200] or "upload"
            if len(data) > max_file:
                raise Problem(413, "Payload too large", f"{name}: larger than {max_file} bytes per file")
            files.append((name, data))
    finally:
        await form.close()
    if not files:
        raise Problem(422, "Invalid request", "no `file` part in the upload", field="file")
    pool = request.app.state.pool
    from .workers import Saturated, TaskFailed, TimedOut

    try:
        raw = await pool.run("labels", {"files": files}, timeout)
    except Saturated as exc:
        raise Problem(503, "Server busy", str(exc))
    except TimedOut:
        raise Problem(504, "Time limit exceeded", f"scanning took longer than {timeout} s; the worker was stopped")
    except TaskFailed:
        raise Problem(500, "Internal error", "the scan failed; see the server log")
    records: list[dict[str, Any]] = json.loads(raw)
    return JSONResponse({"files": records, "conformant": all(r["verdict"] == "conformant" for r in records)})
