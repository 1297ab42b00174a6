"""``POST /v1/labels/scan``: scan uploaded files for GB 45438 implicit labels (design §9 "Label evidence").

The upload is a multipart form with one or more ``file`` parts. Parts are read into memory with a per-file size
limit (``AIDUTY_LABELS_MAX_FILE``; the whole body is bounded by ``AIDUTY_LABELS_MAX_UPLOAD`` first) and handed to
a check worker, which scans the bytes under the time limit; nothing is written to disk by this route, and
Starlette's spooled upload files are closed (and so deleted) before the response goes out.
"""

from __future__ import annotations

import json
import os
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from ..settings import Settings
from .common import Problem, Tasks, get_settings, get_tasks, request_id

router = APIRouter(tags=["labels"])


@router.post("/v1/labels/scan", operation_id="scanLabels", summary="Scan uploaded files for AIGC implicit labels (multipart, field `file`)",
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                 "type": "object", "properties": {"file": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                 "required": ["file"]}}}}},
             responses={200: {"description": "One record per file: file, verdict, carriers, findings"},
                        415: {"description": "The body is not multipart/form-data"}})
async def scan(request: Request, tasks: Tasks = Depends(get_tasks),
               settings: Settings = Depends(get_settings)) -> JSONResponse:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Problem(415, "Unsupported media type", "send multipart/form-data with one or more `file` parts")
    records = await scan_upload(request, tasks, settings)
    return JSONResponse({"files": records, "conformant": all(r["verdict"] == "conformant" for r in records)})


async def scan_upload(request: Request, tasks: Tasks, settings: Settings) -> list[dict[str, Any]]:
    """The ``file`` parts of a multipart upload, each read up to the per-file limit, scanned in a check worker:
    one record per file (the API above and the web app's label page, routes/pages_check.py)."""
    max_file, max_files = int(settings.labels_max_file), settings.labels_max_files
    try:
        form = await request.form(max_files=max_files, max_fields=max_files + 4)
    except Exception as exc:           # malformed multipart, too many parts
        raise Problem(400, "Bad upload", f"the multipart body cannot be read: {str(getattr(exc, 'detail', exc))[:200]}")
    files: list[tuple[str, bytes]] = []
    try:
        for key, part in form.multi_items():
            if key != "file" or isinstance(part, str):
                continue
            data = await part.read(max_file + 1)
            if not part.filename and not data:          # a browser's file field left empty
                continue
            name = os.path.basename(part.filename or "upload")[:200] or "upload"
            if len(data) > max_file:
                raise Problem(413, "Payload too large", f"{name}: larger than {max_file} bytes per file")
            files.append((name, data))
    finally:
        await form.close()
    if not files:
        raise Problem(422, "Invalid request", "no `file` part in the upload", field="file")
    raw = await tasks.run(tasks.checks, "labels", {"files": files}, settings.labels_timeout, request_id(request))
    return json.loads(raw)
