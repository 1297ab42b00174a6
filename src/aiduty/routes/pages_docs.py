"""The API's documentation pages: Swagger UI at /docs and ReDoc at /redoc, from assets vendored in
``static/vendor/`` (nothing from a CDN) and started by ``static/docs-init.js`` (no inline script). These two pages
send ``web.DOCS_CSP``, which allows the inline styles both UIs set; every other page keeps the strict ``web.CSP``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from ..web import DOCS_CSP
from .pages import page, page_lang

router = APIRouter(include_in_schema=False)
HEADERS = {"content-security-policy": DOCS_CSP}


@router.get("/docs", response_class=HTMLResponse)
async def swagger_ui(request: Request, lang: str = Depends(page_lang)) -> HTMLResponse:
    return page(request, "docs.html", lang, headers=HEADERS, section="docs")


@router.get("/redoc", response_class=HTMLResponse)
async def redoc(request: Request, lang: str = Depends(page_lang)) -> HTMLResponse:
    return page(request, "redoc.html", lang, headers=HEADERS, section="redoc")
