"""The web app's label check: upload files, read the verdict of each (GB 45438-2025 implicit labels), in words.

The same scan as ``POST /v1/labels/scan`` (``labels.scan_upload``: per-file and per-upload limits, a check worker,
nothing written to disk); the page says what each finding means in the reader's language
(``words.WEB_WORDS["finding_<code>"]``) and keeps the scanner's own message under "Details"."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from ..settings import Settings
from ..words import WEB_WORDS
from .common import Problem, Tasks, get_settings, get_tasks
from .labels import scan_upload
from .pages import page, page_lang

router = APIRouter(include_in_schema=False)


def _limits(settings: Settings) -> dict:
    return {"max_files": settings.labels_max_files, "max_mb": int(settings.labels_max_file) // (1 << 20),
            "finding_words": FINDINGS}


FINDINGS = frozenset(k for k in WEB_WORDS["en"] if k.startswith("finding_"))


@router.get("/labels", response_class=HTMLResponse)
async def labels_form(request: Request, lang: str = Depends(page_lang),
                      settings: Settings = Depends(get_settings)) -> HTMLResponse:
    return page(request, "labels.html", lang, section="labels", records=None, error=None, **_limits(settings))


@router.post("/labels", response_class=HTMLResponse)
async def labels_scan(request: Request, tasks: Tasks = Depends(get_tasks),
                      settings: Settings = Depends(get_settings)) -> HTMLResponse:
    lang = page_lang(request, request.query_params.get("lang"))
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Problem(415, "Unsupported media type", "send the files as multipart/form-data")
    try:
        records = await scan_upload(request, tasks, settings)
    except Problem as exc:
        if exc.status != 422:
            raise
        return page(request, "labels.html", lang, status=422, section="labels", records=None, error=exc.detail,
                    **_limits(settings))
    ok = sum(r["verdict"] == "conformant" for r in records)
    for r in records:           # one line per kind of finding (ContentProducer and ProduceID missing: one line)
        grouped: dict[str, dict] = {}
        for f in r["findings"]:
            g = grouped.setdefault(f["code"], {"code": f["code"], "messages": [], "citations": []})
            g["messages"].append(f["message"])
            g["citations"] += [c["label"] for c in f.get("citations", []) if c["label"] not in g["citations"]]
        r["grouped"] = list(grouped.values())
    return page(request, "labels.html", lang, section="labels", records=records, ok=ok, error=None,
                **_limits(settings))
