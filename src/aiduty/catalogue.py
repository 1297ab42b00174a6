"""Obligation queries for legal teams: filter, show, instruments, campaigns, diff, coverage; safe read-only SPARQL."""

from __future__ import annotations

import json
import multiprocessing
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection

from .conditions import All, AnyOf, Expr, HasRole, PropertyTest
from .kb import Campaign, Duty, Instrument, KnowledgeBase, Role, temporal_state
from .vocab import AID, PREFIXES, SH


# ------------------------------------------------------------------------------------------------ obligations


def in_force(duty: Duty, kb: KnowledgeBase, day: date) -> bool:
    return temporal_state(kb, duty, day) == "in_force"


STATUSES = ("draft", "in-force", "upcoming", "lapsed")


def duty_status(duty: Duty, kb: KnowledgeBase, day: date) -> str | None:
    """draft, in-force, upcoming or lapsed on ``day``, from the engine's own test (kb.temporal_state); a duty of a
    draft instrument is "draft" until it lapses; None when its instrument is not yet published on that day."""
    state = temporal_state(kb, duty, day)
    if state is None or state == "lapsed":
        return state
    if duty.instrument_status == "draft":
        return "draft"
    return "in-force" if state == "in_force" else "upcoming"


def role_and_broader(kb: KnowledgeBase, role_id: str) -> set[str]:
    role = kb.roles[role_id]
    return {role_id} | {kb.roles_by_class[c].id for c in role.broader}


class QueryError(ValueError):
    """A refused or failed query: the message says why."""


def filter_duties(kb: KnowledgeBase, *, role: str | None = None, instrument: str | None = None,
                  article: int | None = None, campaign: str | None = None, as_of: date | None = None,
                  search: str | None = None, status: str | None = None, day: date | None = None) -> list[Duty]:
    """Duties matching every filter given. ``status`` is judged on ``as_of`` (else ``day``, else today)."""
    if status is not None and status not in STATUSES:
        raise QueryError(f"unknown status {status!r}; statuses: {', '.join(STATUSES)}")
    if role is not None and role not in kb.roles:
        raise QueryError(f"unknown role {role!r}; roles: {', '.join(sorted(kb.roles))}")
    if instrument is not None and instrument not in kb.instruments:
        raise QueryError(f"unknown instrument {instrument!r}; codes: {', '.join(sorted(kb.instruments))}")
    if campaign is not None:
        code, _, target = campaign.partition("/")
        if code not in kb.campaigns:
            raise QueryError(f"unknown campaign {code!r}; codes: {', '.join(sorted(kb.campaigns))}")
        if target and f"{code}/{target}" not in {t.id for t in kb.campaigns[code].targets}:
            raise QueryError(f"campaign {code} has no target {target!r}")
    roles = role_and_broader(kb, role) if role else None
    match = word_matcher(search) if search and search.strip() else None
    status_day = as_of or day or date.today()
    out = []
    for d in kb.duties.values():
        if roles is not None and d.bearer not in roles:
            continue
        if instrument is not None and not any(c.instrument == instrument for c in d.citations):
            continue
        if article is not None and not any(c.article == article and (instrument is None or c.instrument == instrument) for c in d.citations):
            continue
        if campaign is not None and not any(t == campaign or t.startswith(campaign + "/") for t in d.campaign_targets):
            continue
        if as_of is not None and not in_force(d, kb, as_of):
            continue
        if status is not None and duty_status(d, kb, status_day) != status:
            continue
        if match is not None and not match(_haystack(d)):
            continue
        out.append(d)
    return sorted(out, key=lambda d: (d.instrument, d.citations[0].article or 0, d.citations[0].paragraph or 0, d.citations[0].item or 0, d.id))


def _haystack(d: Duty) -> str:
    parts = [d.id, *d.title.values(), *d.summary.values(), *d.remediation.values(), *(c.label[k] for c in d.citations for k in c.label)]
    return " \n ".join(parts)


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def word_matcher(search: str):
    """Every word must match: a word with Chinese characters as a substring of the text (Chinese has no spaces
    between words), any other as a whole word, case-insensitive (``label`` finds "label" and "LABEL-2025", not
    "labelling")."""
    tests = []
    for word in search.split():
        if _CJK.search(word):
            tests.append(lambda text, w=word: w in text)
        else:
            pattern = re.compile(r"(?<![^\W_])" + re.escape(word) + r"(?![^\W_])", re.IGNORECASE)
            tests.append(pattern.search)
    return lambda text: all(test(text) for test in tests)


def describe_condition(expr: Expr, kb: KnowledgeBase, lang: str) -> str:
    """A condition in plain words, from its compiled shape."""
    join = {"en": (" and ", " or "), "zh": ("，且", "，或")}[lang]
    if isinstance(expr, HasRole):
        role = kb.roles_by_class[expr.role]
        return (f"the service is a {role.label.get('en')}" if lang == "en" else f"服务属于{role.label.get('zh')}")
    if isinstance(expr, PropertyTest):
        path = kb.facts[expr.path].path if expr.path in kb.facts else str(expr.path)
        tests = []
        if expr.has_value:
            tests.append(("includes " if lang == "en" else "包含 ") + ", ".join(_term(v) for v in expr.has_value)
                         if len(expr.has_value) > 1 or not isinstance(expr.has_value[0], Literal) else "= " + _term(expr.has_value[0]))
        if expr.in_values is not None:
            tests.append(("is one of " if lang == "en" else "属于 ") + ", ".join(_term(v) for v in expr.in_values))
        if expr.min_inclusive is not None:
            tests.append(f"≥ {expr.min_inclusive}")
        if expr.max_inclusive is not None:
            tests.append(f"≤ {expr.max_inclusive}")
        if not tests:
            tests.append("is not empty" if lang == "en" else "不为空")
        return f"{path} " + " ".join(tests)
    if isinstance(expr, All):
        return join[0].join(describe_condition(p, kb, lang) for p in expr.parts)
    if isinstance(expr, AnyOf):
        return "(" + join[1].join(describe_condition(p, kb, lang) for p in expr.parts) + ")"
    return str(expr)


def _term(v) -> str:
    if isinstance(v, Literal):
        return str(v).lower() if isinstance(v.toPython(), bool) else str(v)
    return str(v).rsplit("#", 1)[-1]


def describe_requirement(duty: Duty, kb: KnowledgeBase, lang: str) -> list[str]:
    """What meets the duty, one line per tested fact."""
    lines = []
    for shape in duty.requirement_shapes:
        for ps in kb.shapes.objects(shape, SH.property):
            path = kb.shapes.value(ps, SH.path)
            if kb.shapes.value(ps, SH.severity) == SH.Info or path == AID.states:
                continue
            fact = kb.facts[path].path if path in kb.facts else str(path)
            if (lst := kb.shapes.value(ps, SH["in"])) is not None:
                lines.append(f"{fact} ∈ {{{', '.join(_term(v) for v in Collection(kb.shapes, lst))}}}")
            elif (n := kb.shapes.value(ps, SH.minInclusive)) is not None:
                lines.append(f"{fact} ≥ {n}")
            elif (v := kb.shapes.value(ps, SH.hasValue)) is not None:
                lines.append(f"{fact} {'includes' if lang == 'en' else '包含'} {_term(v)}")
        if kb.shapes.value(shape, SH["or"]) is not None:
            fact = kb.shapes.value(shape, AID.fact)
            texts = {o.language: str(o) for o in kb.shapes.objects(shape, SH.message) if isinstance(o, Literal)}
            lines.append(f"{kb.facts[fact].path if fact in kb.facts else ''}: " + ("not: " if lang == "en" else "不得：") + texts.get(lang, texts.get("en", "")))
    return lines


def duty_json(kb: KnowledgeBase, d: Duty, lang: str = "en", full: bool = False) -> dict[str, Any]:
    """The duty fields of the report (design §5) minus the per-service ones; ``full`` adds the card's extras."""
    out: dict[str, Any] = {
        "id": d.id, "title": d.title, "summary": d.summary, "rule_type": d.rule_type,
        "citations": [c.as_json() for c in d.citations], "bearer": d.bearer,
        "applies_when": {"label": d.condition_label, "condition": describe_condition(d.condition, kb, lang)},
        "remediation": d.remediation, "campaign_targets": list(d.campaign_targets), "precedents": list(d.precedents),
        "in_force_from": d.in_force_from.isoformat() if d.in_force_from else None,
        "in_force_until": d.in_force_until.isoformat() if d.in_force_until else None,
        "instrument_status": d.instrument_status, "confidence": d.confidence,
        "facts": list(d.facts),
    }
    if d.confidence_note:
        out["confidence_note"] = d.confidence_note
    if d.penalty_note or d.penalty:
        out["penalty"] = {"note": d.penalty_note, "citations": [c.as_json() for c in d.penalty]}
        if d.max_fine_cny:
            out["penalty"]["max_fine_cny"] = d.max_fine_cny
        if d.ordinary_fine_cny:
            out["penalty"]["ordinary_fine_cny"] = d.ordinary_fine_cny
    if full:
        out["satisfied_by"] = describe_requirement(d, kb, lang) if d.requirement_shapes else None
        out["no_description_can_confirm"] = d.no_description_can_confirm
        out["provisions"] = [{"label": c.label, "summary": c.summary} for c in d.citations]
        for key in ("specialises", "overlaps", "replaces", "supports"):
            out[key] = list(getattr(d, key))
        out["specialised_by"] = sorted(x.id for x in kb.duties.values() if d.id in x.specialises)
        out["replaced_by"] = sorted(x.id for x in kb.duties.values() if d.id in x.replaces)
        out["supported_by"] = sorted(x.id for x in kb.duties.values() if d.id in x.supports)
        out["sources"] = list(kb.instruments[d.instrument].sources)     # the instrument's dct:source links
    return out


def fine_text(d: Duty, lang: str = "en") -> str:
    """The fine column: the ordinary tier and, when higher, the ceiling (CNY); empty when the duty sets none."""
    from .words import CATALOGUE_WORDS

    w = CATALOGUE_WORDS[lang]
    low, high = d.ordinary_fine_cny, d.max_fine_cny
    if not low and not high:
        return ""
    if low and high and high > low:
        return w["fine_range"].format(low=f"{low:,}", high=f"{high:,}")
    return w["fine"].format(f"{low or high:,}")


def role_json(kb: KnowledgeBase, r: Role) -> dict[str, Any]:
    return {"id": r.id, "label": r.label, "broader": sorted(kb.roles_by_class[c].id for c in r.broader),
            "definition": r.definition, "derived_when": r.condition_label,
            "duties": sum(1 for d in kb.duties.values() if d.bearer == r.id)}


def instrument_json(kb: KnowledgeBase, i: Instrument) -> dict[str, Any]:
    return {
        "code": i.code, "title": i.title, "short_title": i.short_title, "type": i.instrument_type, "status": i.status,
        "published_on": _iso(i.published_on), "in_force_from": _iso(i.in_force_from), "in_force_until": _iso(i.in_force_until),
        "superseded_by": i.superseded_by, "regulators": list(i.regulators), "confidence": i.confidence,
        "sources": list(i.sources), "summary": i.summary,
        "duties": sorted(d.id for d in kb.duties.values() if d.instrument == i.code),
    }


def campaign_state(c: Campaign, day: date) -> str:
    if c.start and day < c.start:
        return "upcoming"
    if c.end and day > c.end:
        return "past"
    return "active" if c.start else "unknown"


def campaign_json(kb: KnowledgeBase, c: Campaign, day: date) -> dict[str, Any]:
    return {
        "code": c.code, "title": c.label, "summary": c.description, "regulators": list(c.regulators),
        "start": _iso(c.start), "end": _iso(c.end), "state": campaign_state(c, day), "confidence": c.confidence,
        "confidence_note": c.confidence_note or None, "sources": list(c.sources),
        "targets": [{"id": t.id, "code": t.code, "title": t.label, "summary": t.description, "phase": t.phase or None,
                     "kind": t.kind, "confidence": t.confidence, "duties": list(t.duties)} for t in c.targets],
    }


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def diff(kb: KnowledgeBase, start: date, end: date, role: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Duties that came into force, lapsed, or changed citation (a successor replaced them) between two days, and
    the penalty changes among the last; ``role`` keeps the duties of that role and its broader roles."""
    if role is not None and role not in kb.roles:
        raise QueryError(f"unknown role {role!r}; roles: {', '.join(sorted(kb.roles))}")
    roles = role_and_broader(kb, role) if role else None
    duties = [d for d in kb.duties.values() if roles is None or d.bearer in roles]
    before = {d.id for d in duties if in_force(d, kb, start)}
    after = {d.id for d in duties if in_force(d, kb, end)}
    came, lapsed = after - before, before - after
    renumbered = []
    for did in sorted(came):
        for old in kb.duties[did].replaces:
            if old in lapsed:
                renumbered.append({"from": old, "to": did,
                                   "from_citations": [c.label for c in kb.duties[old].citations],
                                   "to_citations": [c.label for c in kb.duties[did].citations]})
    moved = {r["to"] for r in renumbered} | {r["from"] for r in renumbered}
    brief = lambda did: {"id": did, "title": kb.duties[did].title, "citations": [c.label for c in kb.duties[did].citations],  # noqa: E731
                         "in_force_from": _iso(kb.duties[did].in_force_from), "in_force_until": _iso(kb.duties[did].in_force_until)}
    penalties = []
    for r in renumbered:
        old, new = _penalty(kb.duties[r["from"]]), _penalty(kb.duties[r["to"]])
        if _penalty_key(old) != _penalty_key(new):
            penalties.append({"from": r["from"], "to": r["to"], "before": old, "after": new})
    return {"came_into_force": [brief(d) for d in sorted(came - moved)],
            "lapsed": [brief(d) for d in sorted(lapsed - moved)],
            "changed_citation": renumbered,
            "penalty_changed": penalties}


def _penalty_key(p: dict[str, Any]) -> tuple:
    """What a penalty change compares: the fines, and whether a penalty provision is cited at all. The provisions
    themselves are shown, not compared (a renumbering alone moves them), and so is the note."""
    return p["ordinary_fine_cny"], p["max_fine_cny"], bool(p["citations"])


def _penalty(d: Duty) -> dict[str, Any]:
    return {"ordinary_fine_cny": d.ordinary_fine_cny, "max_fine_cny": d.max_fine_cny, "note": d.penalty_note,
            "citations": [c.label for c in d.penalty]}


# ------------------------------------------------------------------------------------------------ tables (CSV, Excel)


def obligations_table(kb: KnowledgeBase, duties: list[Duty], lang: str, day: date) -> tuple[list[str], list[list]]:
    header = ["id", "citation", "title", "bearer", "status", "instrument_status", "in_force_from", "in_force_until",
              "confidence", "ordinary_fine_cny", "max_fine_cny", "fine", "campaign_targets"]
    rows = [[d.id, "; ".join(c.label[lang] for c in d.citations), _text(d.title, lang), d.bearer,
             duty_status(d, kb, day) or "", d.instrument_status, _iso(d.in_force_from) or "", _iso(d.in_force_until) or "",
             d.confidence, d.ordinary_fine_cny, d.max_fine_cny, fine_text(d, lang), " ".join(d.campaign_targets)]
            for d in duties]
    return header, rows


def instruments_table(data: list[dict[str, Any]], lang: str) -> tuple[list[str], list[list]]:
    header = ["code", "title", "status", "published_on", "in_force_from", "in_force_until", "superseded_by",
              "confidence", "duties", "sources"]
    return header, [[i["code"], _text(i["title"], lang), i["status"], i["published_on"], i["in_force_from"],
                     i["in_force_until"], i["superseded_by"], i["confidence"], len(i["duties"]), " ".join(i["sources"])]
                    for i in data]


def campaigns_table(data: list[dict[str, Any]], lang: str) -> tuple[list[str], list[list]]:
    header = ["campaign", "campaign_title", "state", "start", "end", "confidence", "target", "target_title", "duties"]
    rows = []
    for c in data:
        head = [c["code"], _text(c["title"], lang), c["state"], c["start"], c["end"], c["confidence"]]
        for t in c["targets"] or [None]:
            rows.append(head + ([t["code"], _text(t["title"], lang), " ".join(t["duties"])] if t else [None, None, None]))
    return header, rows


def roles_table(data: list[dict[str, Any]], lang: str) -> tuple[list[str], list[list]]:
    header = ["id", "label", "broader", "definition", "derived_when", "duties"]
    return header, [[r["id"], _text(r["label"], lang), " ".join(r["broader"]), _text(r["definition"], lang),
                     _text(r["derived_when"], lang), r["duties"]] for r in data]


def diff_table(result: dict[str, Any], lang: str) -> tuple[list[str], list[list]]:
    header = ["change", "id", "from", "citation", "from_citation", "title", "in_force_from", "in_force_until",
              "fine_before", "fine_after"]
    rows = []
    for key in ("came_into_force", "lapsed"):
        rows += [[key, d["id"], None, "; ".join(c[lang] for c in d["citations"]), None, _text(d["title"], lang),
                  d["in_force_from"], d["in_force_until"], None, None] for d in result[key]]
    changed = {(p["from"], p["to"]): p for p in result["penalty_changed"]}
    for r in result["changed_citation"]:
        p = changed.get((r["from"], r["to"]))
        rows.append(["penalty_changed" if p else "changed_citation", r["to"], r["from"],
                     "; ".join(c[lang] for c in r["to_citations"]), "; ".join(c[lang] for c in r["from_citations"]), None,
                     None, None, _fines(p["before"]) if p else None, _fines(p["after"]) if p else None])
    return header, rows


def _fines(p: dict[str, Any]) -> str:
    low, high = p["ordinary_fine_cny"], p["max_fine_cny"]
    return "" if not (low or high) else f"{low or high:,}" + (f"–{high:,}" if low and high and high > low else "")


def _text(text: dict, lang: str) -> str:
    return text.get(lang) or text.get("en") or text.get("zh") or ""


# ------------------------------------------------------------------------------------------------ SPARQL

FORBIDDEN_MESSAGE = "read-only endpoint: {} is refused"
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_ROW_LIMIT = 10_000


def prologue() -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def vet_query(text: str):
    """Parse a SPARQL query and refuse updates, SERVICE, FROM/FROM NAMED, GRAPH and LOAD before anything runs.

    Parsing untrusted text costs time (a 1 MB query takes seconds) and stack (nested parentheses): callers run
    it where a time limit holds (a worker process); every failure is a ``QueryError`` with a one-line message.
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql import parser

    full = prologue() + text
    try:
        try:
            parsed = parser.parseQuery(full)
        except ParseException as exc:
            try:
                parser.parseUpdate(full)
            except ParseException:
                raise QueryError(f"not a valid SPARQL query: {exc.msg} (line {exc.lineno - len(PREFIXES)}, column {exc.col})") from None
            raise QueryError(FORBIDDEN_MESSAGE.format("an update (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE …)")) from None
        dataset = parsed[1].get("datasetClause")
        if isinstance(dataset, list) and dataset:
            raise QueryError(FORBIDDEN_MESSAGE.format("FROM / FROM NAMED"))
        query = _translate(parsed)
    except RecursionError:
        raise QueryError("the query is nested too deeply to parse") from None
    except (QueryError, MemoryError):
        raise
    except Exception as exc:                # rdflib's own checks while building the algebra
        raise QueryError(f"not a valid SPARQL query: {one_line(exc)}") from None
    if _contains(query.algebra, "ServiceGraphPattern"):       # the parsed algebra only: no keyword guessing
        raise QueryError(FORBIDDEN_MESSAGE.format("SERVICE (federated query)"))
    if _contains(query.algebra, "Graph"):
        raise QueryError("GRAPH is not supported: the knowledge base is one default graph; query it without GRAPH")
    return query


def _translate(parsed):
    """rdflib's translateQuery, with a prologue that keeps every prefix: rdflib's own keeps one prefix per
    namespace, so a client that declares ``dcterms:`` (rdflib's SPARQLStore declares it in every query) would
    lose the ``dct:`` this endpoint binds. SPARQL lets two prefixes name one namespace."""
    from rdflib.plugins.sparql import algebra
    from rdflib.plugins.sparql.sparql import Prologue

    class EveryPrefix(Prologue):
        def __init__(self) -> None:
            super().__init__()
            self.prefixes: dict[str, str] = {}

        def bind(self, prefix, uri) -> None:
            self.prefixes[prefix or ""] = uri
            super().bind(prefix, uri)

        def resolvePName(self, prefix, localname):
            ns = self.prefixes.get(prefix or "")
            return super().resolvePName(prefix, localname) if ns is None else URIRef(ns + (localname or ""))

    saved, algebra.Prologue = algebra.Prologue, EveryPrefix      # translatePrologue makes its Prologue() here
    try:
        return algebra.translateQuery(parsed)
    finally:
        algebra.Prologue = saved


def one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception's message on one line, bounded, for people and logs."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _contains(node, name: str) -> bool:
    stack, seen = [node], set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if getattr(n, "name", None) == name:
            return True
        if isinstance(n, dict):
            stack.extend(n.values())
        elif isinstance(n, (list, tuple)):
            stack.extend(n)
    return False


# The answer formats (media type -> rdflib format name), in the server's order of preference. SELECT and ASK
# results go through rdflib's result serializers (TSV, which rdflib does not write, through rdflib's ``n3()``
# term syntax); CONSTRUCT and DESCRIBE graphs through rdflib's graph serializers.
RESULT_TYPES = {"application/sparql-results+json": "json", "application/sparql-results+xml": "xml",
                "text/csv": "csv", "text/tab-separated-values": "tsv", "application/json": "json", "application/xml": "xml"}
GRAPH_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
               "application/ld+json": "json-ld", "application/x-turtle": "turtle", "text/plain": "nt", "application/json": "json-ld"}
RESULT_MEDIA = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
                "tsv": "text/tab-separated-values"}
GRAPH_MEDIA = {"turtle": "text/turtle", "nt": "application/n-triples", "xml": "application/rdf+xml", "json-ld": "application/ld+json"}
DEFAULT_FORMATS = {"results": "json", "graph": "turtle"}
# Truncation is said in the X-Aiduty-Truncated header, and inside the results where the format has room for it
# that standard clients ignore: a head ``link`` (JSON, XML results) or a comment (Turtle, N-Triples, RDF/XML).
TRUNCATED_LINK = "urn:aiduty:warning:truncated"
TRUNCATION_NOTE = "aiduty: results cut at {} rows (row limit); this answer is incomplete"


@dataclass
class SparqlResult:
    kind: str                      # "select", "ask", "graph"
    variables: list[str]
    rows: list[dict[str, Any]]     # SPARQL JSON bindings (when no format was asked for)
    boolean: bool | None = None
    graph: str | None = None       # CONSTRUCT/DESCRIBE, serialized (Turtle unless a format was asked for)
    truncated: bool = False
    body: bytes | None = None      # the answer serialized in the format asked for
    media_type: str | None = None
    encoding: str | None = None    # "gzip" when formats["gzip"] asked for it and the body is 1 KiB or more


def _term_json(t) -> dict[str, str]:
    if isinstance(t, URIRef):
        return {"type": "uri", "value": str(t)}
    if isinstance(t, Literal):
        out = {"type": "literal", "value": str(t)}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype:
            out["datatype"] = str(t.datatype)
        return out
    return {"type": "bnode", "value": str(t)}


def run_query(kb: KnowledgeBase, text: str, row_limit: int = DEFAULT_ROW_LIMIT,
              formats: dict[str, str] | None = None) -> SparqlResult:
    """Vet and run a query in this process (callers that need a time limit use a worker or ``run_query_limited``).
    ``formats`` ({"results": json|xml|csv|tsv, "graph": turtle|nt|xml|json-ld}) asks for ``body``, the answer
    serialized. A query that fails while it runs is a ``QueryError`` too."""
    import rdflib.plugins.sparql

    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False    # defence in depth: never fetch a graph
    query = vet_query(text)
    try:
        return _evaluate(kb, query, row_limit, formats)
    except RecursionError:
        raise QueryError("the query is nested too deeply to evaluate") from None
    except (QueryError, MemoryError):
        raise
    except Exception as exc:
        raise QueryError(f"the query failed: {one_line(exc)}") from None


def _evaluate(kb: KnowledgeBase, query, row_limit: int, formats: dict[str, str] | None = None) -> SparqlResult:
    out = _answer(kb, query, row_limit, formats)
    if formats and formats.get("gzip") and out.body is not None and len(out.body) >= 1024:
        import gzip                                        # here, in the worker, not in the server's event loop

        out.body, out.encoding = gzip.compress(out.body, compresslevel=5, mtime=0), "gzip"
    return out


def _answer(kb: KnowledgeBase, query, row_limit: int, formats: dict[str, str] | None) -> SparqlResult:
    from rdflib.query import Result

    result = _kb_graph(kb).query(query)
    if result.type == "ASK":
        out = SparqlResult("ask", [], [], boolean=bool(result.askAnswer))
        if formats and formats.get("results"):
            out.body, out.media_type = _results_body(result, formats["results"], False, row_limit)
        return out
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        g = Graph()
        for prefix, ns in PREFIXES.items():
            g.bind(prefix, ns)
        truncated = False
        for i, triple in enumerate(result.graph):
            if i >= row_limit:
                truncated = True
                break
            g.add(triple)
        fmt = (formats or {}).get("graph") or "turtle"
        text = g.serialize(format=fmt)
        if truncated:
            text = _graph_note(text, fmt, TRUNCATION_NOTE.format(row_limit))
        out = SparqlResult("graph", [], [], graph=text, truncated=truncated)
        if formats:
            out.body, out.media_type = text.encode("utf-8"), GRAPH_MEDIA[fmt]
        return out
    variables = list(result.vars or [])
    bindings, truncated = [], False
    for i, row in enumerate(result):
        if i >= row_limit:
            truncated = True
            break
        bindings.append({v: row[v] for v in variables if row[v] is not None})
    if formats and formats.get("results"):
        cut = Result("SELECT")
        cut.vars, cut.bindings = variables, bindings
        body, media = _results_body(cut, formats["results"], truncated, row_limit)
        return SparqlResult("select", [str(v) for v in variables], [], truncated=truncated, body=body, media_type=media)
    rows = [{str(v): _term_json(t) for v, t in b.items()} for b in bindings]
    return SparqlResult("select", [str(v) for v in variables], rows, truncated=truncated)


def _results_body(result, fmt: str, truncated: bool, row_limit: int) -> tuple[bytes, str]:
    """SELECT/ASK results in ``fmt`` by rdflib's serializers, a truncation marked where the format allows."""
    if fmt == "tsv" or (fmt == "csv" and result.type == "ASK"):     # rdflib writes no TSV and no CSV for ASK
        return _table(result, fmt).encode("utf-8"), RESULT_MEDIA[fmt]
    body = result.serialize(format=fmt)
    if truncated and fmt == "json":
        data = json.loads(body)
        data["head"]["link"] = [TRUNCATED_LINK]
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    elif truncated and fmt == "xml":
        body = body.replace(b"</head>", f'<link href="{TRUNCATED_LINK}"/></head>'.encode(), 1)
    return body, RESULT_MEDIA[fmt]


def _table(result, fmt: str) -> str:
    """The SPARQL 1.1 TSV results (terms in rdflib's N3 syntax, which is TSV's), or CSV/TSV for an ASK."""
    if result.type == "ASK":
        return f"boolean\r\n{str(bool(result.askAnswer)).lower()}\r\n"
    lines = ["\t".join(f"?{v}" for v in result.vars)]
    for b in result.bindings:
        lines.append("\t".join(b[v].n3() if b.get(v) is not None else "" for v in result.vars))
    return "\n".join(lines) + "\n"


def _graph_note(text: str, fmt: str, note: str) -> str:
    if fmt in ("turtle", "nt"):
        return f"# {note}\n{text}"
    if fmt == "xml":
        head, sep, rest = text.partition("?>")
        return f"{head}{sep}\n<!-- {note} -->{rest}" if sep else f"<!-- {note} -->\n{text}"
    return text                                          # JSON-LD has no comments: the header says it


def prepare(kb: KnowledgeBase) -> None:
    """Warm a SPARQL worker: the graph and the query parser, so its first query costs no more than the next."""
    _kb_graph(kb)
    vet_query("ASK { ?s ?p ?o }")


_GRAPH_CACHE: dict[str, Graph] = {}


def _kb_graph(kb: KnowledgeBase) -> Graph:
    if kb.content_hash not in _GRAPH_CACHE:
        _GRAPH_CACHE[kb.content_hash] = kb.graph()
    return _GRAPH_CACHE[kb.content_hash]


def _child(conn, text: str, row_limit: int, parent_pid: int, cpu_s: int, formats: dict[str, str] | None) -> None:
    """The CLI's query process (started with ``spawn``, which every platform has): load, say ready, run."""
    from .kb import load

    try:                                             # POSIX: die with the CLI, and a CPU bound of its own
        from .workers import arm_cpu, guard_child
    except ImportError:                              # (Windows: no ``resource``; the parent's kill bounds it)
        arm_cpu = guard_child = None
    if guard_child is not None:
        guard_child(parent_pid)
    kb = load()
    prepare(kb)
    conn.send(("ready", None))
    if arm_cpu is not None:
        arm_cpu(cpu_s)
    try:
        conn.send(("ok", run_query(kb, text, row_limit, formats)))
    except QueryError as exc:
        conn.send(("refused", str(exc)))
    except Exception as exc:  # a failing query must not take the caller down
        conn.send(("error", f"query failed: {one_line(exc)}"))


class QueryTimeout(RuntimeError):
    pass


START_TIMEOUT_S = 120.0


def run_query_limited(text: str, timeout_s: float = DEFAULT_TIMEOUT_S, row_limit: int = DEFAULT_ROW_LIMIT,
                      formats: dict[str, str] | None = None) -> SparqlResult:
    """Vet and run the query in a child process that is killed when it passes its time limit: parsing counts
    against the limit too.

    The child is started with ``multiprocessing``'s ``spawn`` context (no ``fork``, so this runs on Windows and
    macOS as on Linux). A spawned child imports and loads the knowledge base afresh; it says "ready" first, and
    the time limit starts then, so that a slow start does not eat the query's time. A thread could not do this:
    rdflib's parser and evaluator cannot be interrupted, so only a process can be stopped at the limit."""
    import math
    import os

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, text, row_limit, os.getpid(), math.ceil(timeout_s) + 1, formats),
                       daemon=True)
    proc.start()
    child.close()
    try:
        try:
            if not parent.poll(START_TIMEOUT_S):
                raise QueryError("the query process did not start")
            parent.recv()                                  # ("ready", None)
            if not parent.poll(timeout_s):
                raise QueryTimeout(f"the query ran longer than {timeout_s:g} s and was stopped")
            status, payload = parent.recv()
        except (EOFError, OSError):
            proc.join(1)
            raise QueryError(f"the query stopped its process (exit code {proc.exitcode})") from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
    if status != "ok":
        raise QueryError(payload)
    return payload


# ------------------------------------------------------------------------------------------------ coverage


def coverage_markdown(kb: KnowledgeBase) -> str:
    """docs/coverage.md: instrument × article -> duties, and the provisions that carry none, with the reason."""
    lines = ["# Coverage of the knowledge base", "",
             "Generated by `aiduty coverage` from the knowledge base; `tests/test_kb.py` fails when this file is stale.", "",
             f"Knowledge base {kb.version}: {len(kb.instruments)} instruments, {len(kb.duties)} duties, "
             f"{len(kb.campaigns)} campaigns, {len(kb.precedents)} enforcement precedents.", ""]
    for code in sorted(kb.instruments):
        inst = kb.instruments[code]
        lines += [f"## {code} — {inst.title.get('en', '')} / {inst.title.get('zh', '')}", "",
                  f"Status: {inst.status}; in force {_iso(inst.in_force_from) or '—'}"
                  + (f" to {_iso(inst.in_force_until)}" if inst.in_force_until else "") + f"; confidence {inst.confidence}.", "",
                  "| provision | duties |", "|---|---|"]
        rows: dict[str, list[str]] = {}
        keys: dict[str, tuple] = {}
        for d in kb.duties.values():
            for c in d.citations:
                if c.instrument == code:
                    rows.setdefault(c.label["en"], []).append(f"`{d.id}` ({d.confidence})")
                    keys[c.label["en"]] = (c.article or 0, c.paragraph or 0, c.item or 0, c.clause or "")
        for label in sorted(rows, key=lambda k: keys[k]):
            lines.append(f"| {label} | {', '.join(sorted(rows[label]))} |")
        without = [(c, why) for c, why in kb.provisions_without_duty if c.instrument == code]
        if without:
            lines += ["", "Provisions with no duty:", "", "| provision | why |", "|---|---|"]
            lines += [f"| {c.label['en']} | {why.get('en', '')} |" for c, why in without]
        lines.append("")
    return "\n".join(lines)
