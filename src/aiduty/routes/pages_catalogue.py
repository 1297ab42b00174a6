"""The catalogue for legal teams, as pages: search and filter the obligations, one obligation's card, the
instruments, the campaigns and what changed between two dates, each list also as CSV or XLSX (``?format=``).

Every filter is in the query string (a page is a bookmark) and every page is answered in the server process from
the knowledge base it loaded: no worker, no SPARQL. The queries are ``catalogue.py``'s, the same as the CLI's and
``/v1/obligations``'s; a filter the page cannot use is shown on the page with status 422, an unknown id is a 404
page with the ids it may have meant."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from difflib import get_close_matches
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..catalogue import (
    STATUSES,
    QueryError,
    campaign_json,
    campaign_state,
    campaigns_table,
    describe_condition,
    describe_requirement,
    diff,
    diff_table,
    duty_status,
    filter_duties,
    fine_text,
    instrument_json,
    instruments_table,
    obligations_table,
)
from ..kb import KnowledgeBase, data_root
from ..web import Words
from ..words import CARD_WORDS
from .pages import page, page_lang

router = APIRouter(include_in_schema=False)

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
MAX_SEARCH = 200        # characters of a search (the box's maxlength); every word is one more pass over the duties
FILTERS = ("search", "instrument", "role", "campaign", "status", "as_of", "article")


def _kb(request: Request) -> KnowledgeBase:
    return request.app.state.kb


def _blank(value: str | None) -> str | None:
    """A form's empty field is no filter."""
    value = (value or "").strip()
    return value or None


def _day(value: str | None, name: str, w: Words, errors: list[str]) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(w("bad_date", name=name, value=value[:40]))
        return None


def _format(value: str | None, w: Words, errors: list[str]) -> str | None:
    value = _blank(value)
    if value is not None and value not in FORMATS:
        errors.append(w("bad_format", value=value[:20]))
        return None
    return value


async def _download(fmt: str, table: tuple[list[str], list[list]], title: str, filename: str) -> Response:
    """The list as an attachment: CSV (UTF-8) or an Excel workbook, as the CLI's --format csv|xlsx writes them. A
    workbook takes openpyxl up to a few hundred milliseconds: it is written in a thread, off the event loop."""
    from starlette.concurrency import run_in_threadpool

    from ..tables import to_csv, to_xlsx

    header, rows = table
    if fmt == "csv":
        body = to_csv(header, rows).encode("utf-8")
    else:
        body = await run_in_threadpool(to_xlsx, header, rows, title)
    return Response(body, media_type=FORMATS[fmt],
                    headers={"content-disposition": f'attachment; filename="{filename}.{fmt}"'})


def _downloads(request: Request) -> dict[str, str]:
    """This page's address with ?format=csv and ?format=xlsx (its filters kept)."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k != "format"]
    return {fmt: request.url.path + "?" + urlencode([*items, ("format", fmt)]) for fmt in FORMATS}


def _slug(*parts: str | None) -> str:
    keep = [("".join(ch if ch.isalnum() or ch in "-." else "-" for ch in p))[:40] for p in parts if p]
    return "-".join(["aiduty", *keep])


@lru_cache(maxsize=1)
def regulator_names() -> dict[str, dict[str, str]]:
    """The regulators' names (ontology/regulators.ttl), read once; a code without a name is shown as its code."""
    from rdflib import Graph
    from rdflib.namespace import DCTERMS, SKOS

    names: dict[str, dict[str, str]] = {}
    path = data_root() / "ontology" / "regulators.ttl"
    if not path.is_file():
        return names
    g = Graph().parse(path, format="turtle")
    for s, code in g.subject_objects(DCTERMS.identifier):
        names[str(code)] = {o.language: str(o) for o in g.objects(s, SKOS.prefLabel) if getattr(o, "language", None)}
    return names


def _common(kb: KnowledgeBase, lang: str) -> dict[str, Any]:
    """What every catalogue template may use."""
    return {"kb": kb, "cw": CARD_WORDS[lang], "card_words": CARD_WORDS, "other": "zh" if lang == "en" else "en",
            "regulators": regulator_names(), "is_url": lambda s: s.startswith(("https://", "http://"))}


# ------------------------------------------------------------------------------------------------ /catalogue


@dataclass
class Search:
    """The catalogue's filters as given (the form shows them back) and what was wrong with them."""

    values: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    as_of: date | None = None
    article: int | None = None


def _search(kb: KnowledgeBase, w: Words, raw: dict[str, str | None]) -> Search:
    s = Search(values={k: v for k, v in ((k, _blank(raw.get(k))) for k in FILTERS) if v is not None})
    v = s.values
    if len(v.get("search", "")) > MAX_SEARCH:
        s.errors.append(w("bad_search", n=MAX_SEARCH))
    if "role" in v and v["role"] not in kb.roles:
        s.errors.append(w("bad_role", value=v["role"][:80]))
    if "instrument" in v and v["instrument"] not in kb.instruments:
        s.errors.append(w("bad_instrument", value=v["instrument"][:80]))
    if "campaign" in v:
        code, _, target = v["campaign"].partition("/")
        if code not in kb.campaigns:
            s.errors.append(w("bad_campaign", value=v["campaign"][:80]))
        elif target and f"{code}/{target}" not in {t.id for t in kb.campaigns[code].targets}:
            s.errors.append(w("bad_target", code=code, value=target[:40]))
    if "status" in v and v["status"] not in STATUSES:
        s.errors.append(w("bad_status", value=v["status"][:40]))
    s.as_of = _day(v.get("as_of"), w.f_as_of, w, s.errors)
    if "article" in v:
        if v["article"].isdigit() and len(v["article"]) < 5:
            s.article = int(v["article"])
        else:
            s.errors.append(w("bad_article", value=v["article"][:20]))
    return s


def _find(kb: KnowledgeBase, s: Search) -> list:
    v = s.values
    common = dict(role=v.get("role"), instrument=v.get("instrument"), article=s.article, campaign=v.get("campaign"),
                  search=v.get("search"))
    if "status" in v:          # as the CLI and /v1/obligations: the status is judged on as_of (default today)
        return filter_duties(kb, **common, status=v["status"], day=s.as_of)
    return filter_duties(kb, **common, as_of=s.as_of)


def _without(request: Request, s: Search, w: Words) -> list[tuple[str, str]]:
    """For an empty result: this search with one filter less, each as (label, address)."""
    names = {"search": w.f_search, "instrument": w.f_instrument, "role": w.f_role, "campaign": w.f_campaign,
             "status": w.f_status, "as_of": w.f_as_of, "article": w.f_article}
    lang = request.query_params.get("lang")
    out = []
    for key in s.values:
        rest = [(k, x) for k, x in s.values.items() if k != key] + ([("lang", lang)] if lang else [])
        out.append((w("without", name=f"{names[key]} “{s.values[key]}”"), "/catalogue?" + urlencode(rest)))
    return out


@router.get("/catalogue", response_class=HTMLResponse)
async def catalogue_page(request: Request, search: str | None = None, instrument: str | None = None,
                         role: str | None = None, campaign: str | None = None, status: str | None = None,
                         as_of: str | None = None, article: str | None = None,
                         format: str | None = Query(None), lang: str = Depends(page_lang)) -> Response:
    kb, w = _kb(request), Words(lang)
    s = _search(kb, w, {"search": search, "instrument": instrument, "role": role, "campaign": campaign,
                        "status": status, "as_of": as_of, "article": article})
    fmt = _format(format, w, s.errors)
    found = []
    if not s.errors:
        try:
            found = _find(kb, s)
        except QueryError as exc:          # a check filter_duties makes that the page did not
            s.errors.append(str(exc))
    if fmt and not s.errors:
        day = s.as_of or date.today()
        return await _download(fmt, obligations_table(kb, found, lang, day), "obligations",
                         _slug("obligations", s.values.get("instrument"), s.values.get("role"),
                               s.values.get("status"), s.values.get("as_of")))
    day = s.as_of or date.today()
    rows = [{"duty": d, "status": duty_status(d, kb, day)} for d in found]
    return page(request, "catalogue.html", lang, status=422 if s.errors else 200, section="catalogue",
                filters=s.values, errors=s.errors, rows=rows, day=day, downloads=_downloads(request),
                without=_without(request, s, w) if not rows and not s.errors else [],
                roles=sorted(kb.roles.values(), key=lambda r: r.id),
                instruments=sorted(kb.instruments.values(), key=lambda i: i.code),
                campaigns=sorted(kb.campaigns.values(), key=lambda c: c.code), statuses=STATUSES,
                **_common(kb, lang))


@router.get("/obligations", include_in_schema=False)
async def obligations_redirect(request: Request) -> RedirectResponse:
    """The list of obligations is the catalogue."""
    query = request.url.query
    return RedirectResponse("/catalogue" + (f"?{query}" if query else ""), status_code=307)


def _missing(request: Request, lang: str, kind: str, wanted: str, known: list[str], link: str, section: str) -> HTMLResponse:
    """A 404 page naming what was asked for, with the close matches (difflib, as ``aiduty show``)."""
    w = Words(lang)
    close = get_close_matches(wanted, known, n=5, cutoff=0.6)
    return page(request, "catalogue_missing.html", lang, status=404, section=section,
                title=w.not_found, message=w(f"missing_{kind}", id=wanted[:120]), close=close, link=link)


@router.get("/obligations/{obligation_id}", response_class=HTMLResponse)
async def obligation_page(request: Request, obligation_id: str, lang: str = Depends(page_lang)) -> HTMLResponse:
    kb = _kb(request)
    d = kb.duties.get(obligation_id)
    if d is None:
        return _missing(request, lang, "duty", obligation_id, list(kb.duties), "/obligations/", "catalogue")
    today = date.today()
    related = {key: list(getattr(d, key)) for key in ("specialises", "overlaps", "replaces", "supports")}
    related["specialised_by"] = sorted(x.id for x in kb.duties.values() if d.id in x.specialises)
    related["replaced_by"] = sorted(x.id for x in kb.duties.values() if d.id in x.replaces)
    related["supported_by"] = sorted(x.id for x in kb.duties.values() if d.id in x.supports)
    targets = []
    for tid in d.campaign_targets:
        code = tid.partition("/")[0]
        c = kb.campaigns.get(code)
        t = next((t for t in c.targets if t.id == tid), None) if c else None
        targets.append({"id": tid, "campaign": c, "target": t})
    inst = kb.instruments[d.instrument]
    return page(request, "catalogue_card.html", lang, section="catalogue", d=d, inst=inst,
                status_today=duty_status(d, kb, today), fine=fine_text(d, lang),
                condition=describe_condition(d.condition, kb, lang),
                satisfied=describe_requirement(d, kb, lang) if d.requirement_shapes else [],
                related={k: [kb.duties[x] for x in v if x in kb.duties] for k, v in related.items()},
                targets=targets, precedents=[kb.precedents[p] for p in d.precedents if p in kb.precedents],
                instruments_cited=[kb.instruments[c] for c in dict.fromkeys(c.instrument for c in d.citations)
                                   if c in kb.instruments],
                **_common(kb, lang))


# ------------------------------------------------------------------------------------------------ instruments


@router.get("/instruments", response_class=HTMLResponse)
async def instruments_page(request: Request, format: str | None = Query(None),
                           lang: str = Depends(page_lang)) -> Response:
    kb, w = _kb(request), Words(lang)
    errors: list[str] = []
    fmt = _format(format, w, errors)
    data = [instrument_json(kb, i) for i in sorted(kb.instruments.values(), key=lambda i: i.code)]
    if fmt:
        return await _download(fmt, instruments_table(data, lang), "instruments", _slug("instruments"))
    return page(request, "catalogue_instruments.html", lang, status=422 if errors else 200, section="instruments",
                items=data, errors=errors, downloads=_downloads(request), **_common(kb, lang))


@router.get("/instruments/{code}", response_class=HTMLResponse)
async def instrument_page(request: Request, code: str, lang: str = Depends(page_lang)) -> HTMLResponse:
    kb = _kb(request)
    inst = kb.instruments.get(code)
    if inst is None:
        return _missing(request, lang, "instrument", code, list(kb.instruments), "/instruments/", "instruments")
    duties = filter_duties(kb, instrument=code)
    return page(request, "catalogue_instrument.html", lang, section="instruments", inst=inst, duties=duties,
                **_common(kb, lang))


# ------------------------------------------------------------------------------------------------ campaigns


@router.get("/campaigns", response_class=HTMLResponse)
async def campaigns_page(request: Request, as_of: str | None = None, format: str | None = Query(None),
                         lang: str = Depends(page_lang)) -> Response:
    kb, w = _kb(request), Words(lang)
    errors: list[str] = []
    fmt = _format(format, w, errors)
    day = _day(_blank(as_of), w.camp_state_on, w, errors) or date.today()
    data = [campaign_json(kb, c, day) for c in sorted(kb.campaigns.values(), key=lambda c: c.code)]
    if fmt and not errors:
        return await _download(fmt, campaigns_table(data, lang), "campaigns", _slug("campaigns", day.isoformat()))
    return page(request, "catalogue_campaigns.html", lang, status=422 if errors else 200, section="campaigns",
                items=data, day=day, as_of=_blank(as_of) or "", errors=errors, downloads=_downloads(request),
                **_common(kb, lang))


@router.get("/campaigns/{code}", response_class=HTMLResponse)
async def campaign_page(request: Request, code: str, as_of: str | None = None,
                        lang: str = Depends(page_lang)) -> HTMLResponse:
    kb, w = _kb(request), Words(lang)
    c = kb.campaigns.get(code)
    if c is None:
        return _missing(request, lang, "campaign", code, list(kb.campaigns), "/campaigns/", "campaigns")
    errors: list[str] = []
    day = _day(_blank(as_of), w.camp_state_on, w, errors) or date.today()
    return page(request, "catalogue_campaign.html", lang, status=422 if errors else 200, section="campaigns",
                c=c, state=campaign_state(c, day), day=day, as_of=_blank(as_of) or "", errors=errors,
                **_common(kb, lang))


# ------------------------------------------------------------------------------------------------ diff


@router.get("/diff", response_class=HTMLResponse)
async def diff_page(request: Request, start: str | None = Query(None, alias="from"),
                    end: str | None = Query(None, alias="to"), role: str | None = None,
                    format: str | None = Query(None), lang: str = Depends(page_lang)) -> Response:
    kb, w = _kb(request), Words(lang)
    errors: list[str] = []
    fmt = _format(format, w, errors)
    start, end, role = _blank(start), _blank(end), _blank(role)
    d0, d1 = _day(start, w.diff_from, w, errors), _day(end, w.diff_to, w, errors)
    if role is not None and role not in kb.roles:
        errors.append(w("bad_role", value=role[:80]))
    result = None
    if not errors and d0 and d1:
        result = diff(kb, d0, d1, role=role)
    elif not errors and (start or end):         # one date only: say what is missing
        errors.append(w("bad_date", name=w.diff_to if start else w.diff_from, value=""))
    if fmt and result is not None:
        return await _download(fmt, diff_table(result, lang), "diff", _slug("diff", start, end, role))
    return page(request, "catalogue_diff.html", lang, status=422 if errors else 200, section="diff",
                start=start or "", end=end or "", role=role or "", result=result, errors=errors,
                roles=sorted(kb.roles.values(), key=lambda r: r.id), downloads=_downloads(request),
                fines=lambda d: fine_text(d, lang), **_common(kb, lang))

