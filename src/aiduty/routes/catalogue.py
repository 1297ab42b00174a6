"""The obligation catalogue: cheap reads answered in the server process from the knowledge base it loaded."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends

from ..catalogue import QueryError, campaign_json, duty_json, filter_duties, instrument_json
from ..kb import KnowledgeBase
from .common import Problem, day, get_kb

router = APIRouter(tags=["catalogue"])


@router.get("/v1/obligations", operation_id="listObligations", summary="List obligations (the CLI's filters)")
async def obligations(role: str | None = None, instrument: str | None = None, article: int | None = None,
                      campaign: str | None = None, as_of: str | None = None, search: str | None = None,
                      status: Literal["draft", "in-force", "upcoming", "lapsed"] | None = None,
                      lang: Literal["en", "zh"] = "en", kb: KnowledgeBase = Depends(get_kb)) -> list[dict[str, Any]]:
    try:
        if status is not None:         # as the CLI: status is judged on as_of (default today)
            found = filter_duties(kb, role=role, instrument=instrument, article=article, campaign=campaign,
                                  search=search, status=status, day=day(as_of))
        else:
            found = filter_duties(kb, role=role, instrument=instrument, article=article, campaign=campaign,
                                  as_of=day(as_of), search=search)
    except QueryError as exc:
        raise Problem(422, "Invalid filter", str(exc))
    return [duty_json(kb, d, lang) for d in found]


@router.get("/v1/obligations/{obligation_id}", operation_id="getObligation", responses={404: {"description": "Not found"}}, summary="One obligation's full card")
async def obligation(obligation_id: str, lang: Literal["en", "zh"] = "en", kb: KnowledgeBase = Depends(get_kb)) -> dict[str, Any]:
    duty = kb.duties.get(obligation_id)
    if duty is None:
        raise Problem(404, "Not found", f"no obligation {obligation_id!r}")
    return duty_json(kb, duty, lang, full=True)


@router.get("/v1/instruments", operation_id="listInstruments")
async def instruments(kb: KnowledgeBase = Depends(get_kb)) -> list[dict[str, Any]]:
    return [instrument_json(kb, i) for i in sorted(kb.instruments.values(), key=lambda i: i.code)]


@router.get("/v1/instruments/{code}", operation_id="getInstrument", responses={404: {"description": "Not found"}})
async def instrument(code: str, kb: KnowledgeBase = Depends(get_kb)) -> dict[str, Any]:
    if code not in kb.instruments:
        raise Problem(404, "Not found", f"no instrument {code!r}")
    return instrument_json(kb, kb.instruments[code])


@router.get("/v1/campaigns", operation_id="listCampaigns")
async def campaigns(as_of: str | None = None, kb: KnowledgeBase = Depends(get_kb)) -> list[dict[str, Any]]:
    when = day(as_of) or date.today()
    return [campaign_json(kb, c, when) for c in sorted(kb.campaigns.values(), key=lambda c: c.code)]
