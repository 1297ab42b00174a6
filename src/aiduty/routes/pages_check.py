"""The web app's check: paste or upload a description, or answer the interview, and read the report.

The server keeps no session: each page carries what it needs in its forms (the description as JSON; for the
interview the answers so far), and every step runs in a check worker (task ``page``, see pageviews.py) within the
limits of /v1/check. Downloads (YAML, Markdown, JSON) and the printable page post the same description back.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from urllib.parse import quote

import yaml
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from ..description import DescriptionError, fact_path_set, json_body, slug
from ..settings import Settings
from ..untrusted import InputError, decode
from ..web import LANGS, Words, pick
from .check import EXAMPLE_SERVICE
from .common import Problem, Tasks, day, get_settings, get_tasks, request_id
from .pages import page, page_lang

router = APIRouter(include_in_schema=False)
MAX_SHOWN = 100               # most facts one interview answer may state
FORMATS = ("yaml", "markdown", "json")


async def _form(request: Request) -> tuple[FormData, str, date]:
    """The posted form, its language (the form's ``lang`` first: the switch of a posted page) and its date."""
    form = await request.form(max_files=1, max_fields=MAX_SHOWN * 2 + 20)
    asked = form.get("lang")
    lang = page_lang(request, asked if isinstance(asked, str) else None)
    if asked in LANGS:
        request.state.form_lang = asked
    raw = form.get("as_of")
    as_of = day(raw if isinstance(raw, str) and raw else None) or date.today()
    return form, lang, as_of


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _json_field(form: FormData, name: str, default: Any) -> Any:
    """A JSON field the page itself wrote (description, answers): read with the API's JSON rules."""
    text = _text(form, name)
    if not text:
        return default
    try:
        return json_body(text.encode(), name)
    except DescriptionError as exc:
        raise Problem(422, "Invalid form", f"{name}: {exc.problem}", field=name) from None


async def _run(request: Request, tasks: Tasks, settings: Settings, payload: dict[str, Any]) -> dict[str, Any]:
    raw = await tasks.run(tasks.checks, "page", payload, settings.check_timeout, request_id(request))
    return json.loads(raw)


FILTERS = ("status", "priority", "instrument")


def _context(request: Request, view: dict[str, Any], as_of: date, lang: str, form: FormData | None = None) -> dict[str, Any]:
    """What the report template needs besides the view: the description as the form field it posts back, the
    role names, and the filters (applied on the server too, for pages read with JavaScript off)."""
    filters = {k: _text(form, k) for k in FILTERS} if form is not None else dict.fromkeys(FILTERS, "")
    hidden = {d["id"] for sec in view["sections"] for d in sec["duties"]
              if (filters["status"] and sec["status"] != filters["status"])
              or (filters["priority"] and d["priority"] != filters["priority"])
              or (filters["instrument"] and filters["instrument"] not in d["instruments"].split())}
    total = sum(len(sec["duties"]) for sec in view["sections"])
    kb = request.app.state.kb
    return {"view": view, "as_of": as_of.isoformat(), "filters": filters, "hidden": hidden, "shown_count": total - len(hidden),
            "role_names": {r.id: pick(r.label, lang) for r in kb.roles.values()},
            "description_json": json.dumps(view["description"], ensure_ascii=False, separators=(",", ":"))}


EXAMPLE_YAML = yaml.safe_dump(EXAMPLE_SERVICE, sort_keys=False, allow_unicode=True)


def _check_page(request: Request, lang: str, as_of: date, error: str | None = None, text: str = "") -> HTMLResponse:
    """The check's form; with ``error``, again after a bad description (status 422), the text kept."""
    return page(request, "check.html", lang, status=422 if error else 200, section="check", example=EXAMPLE_YAML,
                error=error, text=text, as_of=as_of.isoformat())


@router.get("/check", response_class=HTMLResponse)
async def check_form(request: Request, lang: str = Depends(page_lang)) -> HTMLResponse:
    return _check_page(request, lang, date.today())


@router.post("/check", response_class=HTMLResponse)
async def check_submit(request: Request, tasks: Tasks = Depends(get_tasks),
                       settings: Settings = Depends(get_settings)) -> HTMLResponse:
    """A pasted or uploaded description: its report, or (button ``interview``) the interview that completes it."""
    form, lang, as_of = await _form(request)
    upload = form.get("file")
    text, source = _text(form, "text"), "pasted text"
    if isinstance(upload, UploadFile) and upload.filename:
        source = upload.filename[:200]
        try:
            text = decode(await upload.read(), source)
        except InputError as exc:
            return _check_page(request, lang, as_of, error=f"{source}: {exc.problem}")
    if not text.strip():
        return _check_page(request, lang, as_of, error=Words(lang).no_description)
    try:
        view = await _run(request, tasks, settings, {"view": "report", "text": text, "source": source,
                                                     "as_of": as_of, "lang": lang})
    except Problem as exc:        # a bad description: the form again, with the problem and the text kept
        if exc.status != 422:
            raise
        return _check_page(request, lang, as_of, error=exc.detail, text=text)
    if _text(form, "action") == "interview":
        return await _interview_page(request, tasks, settings, lang, as_of, base=view["description"], rounds=[])
    return page(request, "report.html", lang, section="check", printable=False, **_context(request, view, as_of, lang))


@router.post("/report", response_class=HTMLResponse)
async def report_page(request: Request, tasks: Tasks = Depends(get_tasks),
                      settings: Settings = Depends(get_settings)) -> HTMLResponse:
    """The report of a description the page posts back (language switch, printable page)."""
    form, lang, as_of = await _form(request)
    desc = _json_field(form, "description", None)
    if not isinstance(desc, dict):
        raise Problem(422, Words(lang).error_title, Words(lang).no_description, field="description")
    view = await _run(request, tasks, settings, {"view": "report", "description": desc, "as_of": as_of, "lang": lang})
    return page(request, "report.html", lang, section="check", printable=_text(form, "print") == "1",
                **_context(request, view, as_of, lang, form))


@router.post("/report/download")
async def download(request: Request, tasks: Tasks = Depends(get_tasks),
                   settings: Settings = Depends(get_settings)) -> Response:
    form, lang, as_of = await _form(request)
    fmt = _text(form, "format")
    desc = _json_field(form, "description", None)
    if fmt not in FORMATS or not isinstance(desc, dict):
        raise Problem(422, Words(lang).error_title, Words(lang).bad_download, field="format")
    name = _text(form, "name").strip()
    if name:
        desc = {**desc, "name": name[:200]}
    dont_know = _json_field(form, "dont_know", [])        # listed in the YAML's header, as the CLI writes it
    known = fact_path_set()
    dont_know = [f for f in dont_know if isinstance(f, str) and f in known][:MAX_SHOWN] if isinstance(dont_know, list) else []
    out = await _run(request, tasks, settings, {"view": "download", "format": fmt, "description": desc,
                                                "as_of": as_of, "lang": lang, "dont_know": dont_know})
    disposition = f"attachment; filename*=UTF-8''{quote(out['name'])}"
    return Response(out["body"].encode(), media_type=f"{out['media']}; charset=utf-8",
                    headers={"content-disposition": disposition})


# ------------------------------------------------------------------------------------------------ interview


@router.get("/interview", response_class=HTMLResponse)
async def interview_start(request: Request, lang: str = Depends(page_lang)) -> HTMLResponse:
    return page(request, "interview_start.html", lang, section="check", as_of=date.today().isoformat())


def _answer(form: FormData) -> dict[str, Any] | None:
    """The answer a question page posted: {fact: [strings]} ({fact: None}: don't know), or None for none."""
    action = _text(form, "action")
    shown = [f for f in form.getlist("shown") if isinstance(f, str)][:MAX_SHOWN]
    if action not in ("answer", "dont_know") or not shown:
        return None
    checklist = _text(form, "kind") == "checklist"
    out: dict[str, Any] = {}
    for fact in shown:
        values = [v for v in form.getlist("a." + fact) if isinstance(v, str)]
        if action == "dont_know" or (checklist and values in ([], ["dk"])):
            out[fact] = None
        else:
            out[fact] = values
    return out


@router.post("/interview", response_class=HTMLResponse)
async def interview_step(request: Request, tasks: Tasks = Depends(get_tasks),
                         settings: Settings = Depends(get_settings)) -> HTMLResponse:
    form, lang, as_of = await _form(request)
    base = _json_field(form, "base", {})
    rounds = _json_field(form, "rounds", [])
    if not isinstance(base, dict) or not isinstance(rounds, list) or not all(isinstance(r, dict) for r in rounds):
        raise Problem(422, Words(lang).error_title, Words(lang).bad_state, field="rounds")
    name = _text(form, "name").strip()
    if name and not base:
        base = {"id": slug(name), "name": name[:200]}
    action = _text(form, "action")
    if action == "back" and rounds:
        rounds = rounds[:-1]
    return await _interview_page(request, tasks, settings, lang, as_of, base, rounds, _answer(form))


async def _interview_page(request: Request, tasks: Tasks, settings: Settings, lang: str, as_of: date,
                          base: dict[str, Any], rounds: list, answer: dict[str, Any] | None = None) -> HTMLResponse:
    view = await _run(request, tasks, settings, {"view": "interview", "base": base, "rounds": rounds,
                                                 "answer": answer, "as_of": as_of, "lang": lang})
    context = {"view": view, "as_of": as_of.isoformat(),
               "base_json": json.dumps(view["base"], ensure_ascii=False, separators=(",", ":")),
               "rounds_json": json.dumps(view["rounds"], ensure_ascii=False, separators=(",", ":"))}
    if view["done"]:
        context.update(_context(request, view["result"], as_of, lang))
        context["dont_know_json"] = json.dumps(sorted({f for r in view["rounds"] for f, v in r.items() if v is None}))
        return page(request, "report.html", lang, section="check", printable=False, interview=view, **context)
    return page(request, "interview.html", lang, section="check", **context)
