"""The web app's shared route helpers and its home page. Page routes answer HTML (errors too, as a page); the
language comes from ``?lang=``, the switch's cookie or Accept-Language (``web.negotiate``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from ..kb import KnowledgeBase
from ..web import LANG_COOKIE, LANGS, Words, negotiate, render

router = APIRouter(include_in_schema=False)


def page_lang(request: Request, lang: str | None = Query(None, include_in_schema=False)) -> str:
    return negotiate(lang, request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def switch_url(request: Request, lang: str) -> str:
    """This page's address in the other language (the switch of a GET page)."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return request.url.path + "?" + urlencode([*items, ("lang", "en" if lang == "zh" else "zh")])


def page(request: Request, template: str, lang: str, status: int = 200, headers: dict[str, str] | None = None,
         **context: Any) -> HTMLResponse:
    """An HTML page; an explicit language choice (``lang`` in the query or the form) is remembered in a cookie."""
    kb: KnowledgeBase = request.app.state.kb
    context.setdefault("section", "")
    context.setdefault("switch_url", switch_url(request, lang))
    body = render(template, lang, kb_version=kb.version, **context)
    response = HTMLResponse(body, status_code=status, headers=headers)
    if request.query_params.get("lang") in LANGS or getattr(request.state, "form_lang", None) in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", path="/")
    return response


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not an API client): errors become HTML pages for it."""
    path = request.url.path
    if path.startswith(("/v1/", "/healthz", "/openapi.json", "/static/")):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    """An error as a page in the reader's language: the title says what happened, the detail how (as the API
    would say it)."""
    lang = page_lang(request, request.query_params.get("lang"))
    key = {404: "not_found", 413: "too_large", 503: "server_busy", 504: "too_slow"}.get(status, "error_title")
    return page(request, "error.html", lang, status=status, title=getattr(Words(lang), key), detail=detail)


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, lang: str = Depends(page_lang)) -> HTMLResponse:
    return page(request, "home.html", lang, section="home")
