"""Health, and the JSON Schemas of the service description and of the report."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query

from ..kb import KnowledgeBase
from ..report import report_schema
from .common import Tasks, get_kb, get_tasks

router = APIRouter(tags=["meta"])


@router.get("/healthz", operation_id="health")
async def healthz(kb: KnowledgeBase = Depends(get_kb), tasks: Tasks = Depends(get_tasks)) -> dict[str, Any]:
    return {"status": "ok", "kb_version": kb.version, "kb_hash": kb.content_hash,
            "workers": tasks.checks.size, "busy": tasks.checks.busy,
            "sparql_workers": tasks.sparql.size, "sparql_busy": tasks.sparql.busy}


@router.get("/v1/schema/service", operation_id="getServiceSchema", summary="JSON Schema of the service description")
async def service_schema(lang: Literal["en", "zh"] = Query("en"), kb: KnowledgeBase = Depends(get_kb)) -> dict[str, Any]:
    from ..schema import service_schema as explained

    return explained(kb, lang)


@router.get("/v1/schema/report", operation_id="getReportSchema", summary="JSON Schema of the report (design §5)")
async def report_json_schema() -> dict[str, Any]:
    return report_schema()
