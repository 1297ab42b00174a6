"""What the web app's check pages show, computed in a check worker: plain JSON-able dicts ("views") that the
templates render. No HTTP here and no HTML: the routes (routes/pages_check.py) move the views and render them.

- ``report_view``: a description checked, with the verdict, the top actions and the duties (design §5 fields),
  and the description itself (so the page can offer it for download and check it again).
- ``interview_view``: the guided check's state, replayed from the answers the page carries (the server keeps no
  session), one answer applied, and the next question (or, when none is left, the report).
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from .description import DescriptionError, fact_path_set, parse_description, parse_text
from .interview import DONT_KNOW, DRAFT_ID, Interview, as_plain, fact_help, field_kind, with_path
from .render import _verdict, top_actions
from .report import STATUS_ORDER, Report
from .words import CHOICE_WORDS, HEADINGS, INTERVIEW_WORDS, WEB_WORDS

MAX_ROUNDS = 500


def read_description(text: str, source: str):
    """A pasted or uploaded description: JSON when it starts with ``{``, YAML otherwise (JSON is YAML too, but the
    JSON loader's limits and duplicate-key messages fit it better)."""
    fmt = "json" if text.lstrip().startswith("{") else "yaml"
    return parse_text(text, fmt, source)


DETAILED = ("gap", "unknown", "upcoming")      # listed with their reasons; the other statuses in one line each


def report_view(engine, desc, as_of: date, lang: str) -> dict[str, Any]:
    """The report page's data: the report's head, and its duties by status, in ``lang`` only and with the words
    of each line made here (the page's template then does little per duty: a report lists about 170)."""
    report: Report = engine.check(desc, as_of=as_of, lang=lang)
    kb = engine.kb
    h, w = HEADINGS[lang], WEB_WORDS[lang]
    actions = top_actions(report, kb)
    sections = []
    for status in STATUS_ORDER:
        duties = [d for d in report.duties if d.status == status]
        if not duties:
            continue
        lines = []
        for d in duties:
            meta = [w["inst_" + d.instrument_status.replace("-", "_")], f"{h['conf']}: {w['conf_' + d.confidence.replace('-', '_')]}"]
            if d.in_force_from:
                meta.append(w["in_force_from"].format(day=d.in_force_from))
            line = {"id": d.id, "title": d.title.get(lang), "priority": d.priority,
                    "instruments": " ".join(dict.fromkeys(c.instrument for c in d.citations)),
                    "cites": [c.label.get(lang) for c in d.citations], "meta": " · ".join(meta)}
            if status in DETAILED:
                line.update(findings=[f.message for f in d.findings], questions=list(d.questions),
                            why="; ".join(d.applies_because), reason=d.priority_reason or "",
                            fix=d.remediation.get(lang) if status != "upcoming" else "")
            lines.append(line)
        sections.append({"status": status, "label": h["st_" + status], "heading": h[status], "duties": lines})
    return {
        "service": report.service.model_dump(), "as_of": report.as_of, "kb_version": report.knowledge_base.version,
        "summary": report.summary.model_dump(exclude_none=True),
        "verdict": _verdict(report, len(actions), h),
        "roles": [r.model_dump() for r in report.roles],
        "questions": [{"fact": q.fact, "text": fact_help(kb, q.fact, lang)["question"], "unlocks": len(q.unlocks)}
                      for q in report.questions],
        "actions": [{"id": key, "title": title.get(lang) or title.get("en"), "text": text.get(lang) or text.get("en"),
                     "gaps": [g.id for g in gaps], "priority": gaps[0].priority} for key, title, text, gaps in actions],
        "sections": sections,
        "instruments": sorted({i for s in sections for d in s["duties"] for i in d["instruments"].split()}),
        "description": as_plain(desc),
    }


def typed(fact: str, values: list[str]) -> Any:
    """A form's strings as the value of ``fact`` (its type from the description model). Raises ValueError."""
    kind = field_kind(fact)
    if kind.multi:
        bad = [v for v in values if v not in kind.options]
        if bad:
            raise ValueError(f"not a choice: {bad[0][:40]}")
        return [o for o in kind.options if o in values]
    if not values or not values[0].strip():
        raise ValueError("no answer given")
    value = values[0].strip()
    if kind.kind == "bool":
        if value not in ("true", "false"):
            raise ValueError(f"expected yes or no, got {value[:40]!r}")
        return value == "true"
    if kind.kind == "enum":
        if value not in kind.options:
            raise ValueError(f"not a choice: {value[:40]!r}")
        return value
    if kind.kind == "int":
        return int(value)
    if kind.kind == "date":
        return date.fromisoformat(value).isoformat()
    return value


def interview_view(engine, payload: dict[str, Any]) -> dict[str, Any]:
    """``payload``: base (a partial description), rounds (earlier answers: a list of {fact: value or None for
    "don't know"}), as_of, lang, and optionally ``answer`` ({fact: [strings]}, or {fact: None} for "don't know")."""
    lang, day = payload["lang"], payload["as_of"]
    base = {"id": DRAFT_ID, "name": WEB_WORDS[lang]["draft_name"], **(payload.get("base") or {})}
    rounds: list[dict[str, Any]] = list(payload.get("rounds") or [])[:MAX_ROUNDS]
    parse_description(base, "interview")                 # a tampered state is refused like any bad input
    facts = fact_path_set()
    desc, dont_know = base, []
    for answers in rounds:
        for fact, value in answers.items():
            if fact not in facts:
                raise DescriptionError("interview", str(fact)[:100], "not a fact of the service description")
            if value is None:
                dont_know.append(fact)
            else:
                desc = with_path(desc, fact, value)
    model = parse_description(desc, "interview")
    step = Interview(engine, model, as_of=day, lang=lang, dont_know=dont_know)
    error = None
    answer = payload.get("answer")
    if answer:
        try:
            unknown = [f for f in answer if f not in facts]
            if not any(answer.values()) and not all(v is None for v in answer.values()) \
                    and not any(field_kind(f).multi for f in answer if f in facts):
                raise ValueError(WEB_WORDS[lang]["no_answer"])          # "Next" with nothing chosen
            if unknown:
                raise ValueError(f"not a fact of the service description: {unknown[0][:100]}")
            new = {f: None if v is None else typed(f, v) for f, v in answer.items()}
        except ValueError as exc:
            error = str(exc)
        else:
            try:
                step.answer_checklist({f: DONT_KNOW if v is None else v for f, v in new.items()})
            except DescriptionError as exc:
                error = exc.problem
            else:
                rounds.append(new)
    view: dict[str, Any] = {"rounds": rounds, "base": payload.get("base") or {}, "asked": len(rounds), "error": error}
    key = (json.dumps(step.description, sort_keys=True, default=str), tuple(sorted(step.dont_know)), day, lang)
    page = _PAGES.get(key)
    if page is None:
        page = _next_page(engine, step, day, lang)
        if len(key[0]) <= PAGE_CACHE_KEY:          # a real description is a few KB: a huge one is not kept
            _PAGES[key] = page
        while len(_PAGES) > PAGE_CACHE:
            _PAGES.pop(next(iter(_PAGES)))
    else:
        _PAGES[key] = _PAGES.pop(key)        # most recently used last
    return {**view, **page}


PAGE_CACHE = 256           # interview pages a worker remembers (in memory only): back, the language switch, the first page
PAGE_CACHE_KEY = 16_384    # largest description (as JSON) whose pages are remembered: at most 256 × (16 KB + a page)
_PAGES: dict[tuple, dict[str, Any]] = {}


def _next_page(engine, step: Interview, day: date, lang: str) -> dict[str, Any]:
    """The next question of ``step`` as a page shows it, or the report when none is left."""
    question = step.next_question()
    model = step.model()
    out: dict[str, Any] = {"summary": step.summary(), "done": question is None,
                           "service": {"id": model.id, "name": model.name}}
    if question is None:
        out["result"] = report_view(engine, model, day, lang)
        return out
    q = question.as_json(engine, lang)
    words = INTERVIEW_WORDS[lang]
    out["question"] = {
        "fact": q["fact"], "label": q["label"], "kind": q["kind"], "settles": q["settles"],
        "citations": q["hinges_on"]["citations"][:8], "more_citations": max(0, len(q["hinges_on"]["citations"]) - 8),
        "items": [{"fact": i["fact"], "label": i["label"], "kind": i["kind"],
                   "text": _on_screen(i["question"], i["choices"] or ()) if i["kind"] in ("enum", "multi") else i["question"],
                   "choices": [{"value": "true" if c is True else "false" if c is False else c,
                                "label": words["yes"] if c is True else words["no"] if c is False else _choice(c, lang)}
                               for c in (i["choices"] or [])],
                   "help": fact_help(engine.kb, i["fact"], lang)} for i in (q.get("items") or [q])],
    }
    return out


_LIST_HINT = re.compile(r"\s*[(（][^()（）]*\[\][^()（）]*[)）]")
_OPTIONS = re.compile(r"[:：]\s*(\w+(?:\s*[,、]\s*\w+)+)\s*([?？])")


def _on_screen(text: str, options) -> str:
    """A question of the knowledge base as a page asks it: the page shows the choices as boxes to tick, so the
    list of codes and the "[] for none" hint written for YAML users are left out."""
    text = _LIST_HINT.sub("", text)
    match = _OPTIONS.search(text)
    if match and set(re.split(r"\s*[,、]\s*", match.group(1))) <= set(options):
        text = text[:match.start()] + match.group(2) + text[match.end():]
    return text


def _choice(value: str, lang: str) -> str:
    """An enum value in words (the value itself for one words.CHOICE_WORDS does not name, e.g. a metadata field)."""
    return CHOICE_WORDS[lang].get(value, value)


def run(engine, payload: dict[str, Any]) -> dict[str, Any]:
    """The worker's entry for the ``page`` task: ``payload["view"]`` is report, interview or download."""
    what, lang, day = payload["view"], payload["lang"], payload["as_of"]
    if what == "interview":
        return interview_view(engine, payload)
    desc = read_description(payload["text"], payload.get("source", "description")) if "text" in payload \
        else parse_description(payload["description"], "description")
    if what == "report":
        return report_view(engine, desc, day, lang)
    fmt = payload["format"]
    if fmt == "yaml":
        from .interview_cli import to_yaml

        return {"body": to_yaml(desc, engine.kb, lang, day, list(payload.get("dont_know") or []), f"{desc.id}.yaml"),
                "media": "application/yaml", "name": f"{desc.id}.yaml"}
    report = engine.check(desc, as_of=day, lang=lang)
    if fmt == "markdown":
        from .render import to_markdown

        return {"body": to_markdown(report), "media": "text/markdown", "name": f"{desc.id}-report.md"}
    return {"body": report.json_bytes().decode(), "media": "application/json", "name": f"{desc.id}-report.json"}
