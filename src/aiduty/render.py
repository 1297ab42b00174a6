"""Renderers for reports: JSON, text (rich), Markdown and Turtle (SHACL validation report + assessment)."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from .facts import service_node
from .safetext import clean, markup as m
from .report import STATUS_ORDER, Report
from .vocab import AID, OBLIGATION, PREFIXES, PROV, SH, fact_property
from .words import HEADINGS


def to_json(reports: list[Report], single: bool) -> str:
    data = [r.model_dump(mode="json", exclude_none=True) for r in reports]
    return json.dumps(data[0] if single else data, ensure_ascii=False, indent=2)


def _cites(duty, lang: str) -> str:
    return "; ".join(c.label.get(lang) for c in duty.citations)


def _names(lang: str, targets=(), precedents=()) -> str:
    """Campaign targets and precedents by title and dates (the knowledge base is loaded once per process)."""
    from .kb import load
    from .priority import names

    return names(load(), targets, precedents, lang)


def to_text(report: Report, color: bool = False, width: int = 120) -> str:
    from rich.console import Console
    from rich.table import Table

    lang, h = report.lang, HEADINGS[report.lang]
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=color, width=width, no_color=not color)
    s = report.summary
    # every text is escaped for rich markup (m): a name holding "[link=…]" or "[/]" stays text
    console.print(f"[bold]{m(report.service.name)}[/bold] ({m(report.service.id)}) — as of {report.as_of} — KB {m(report.knowledge_base.version)}")
    console.print(f"{h['summary']}: gap {s.gap} · unknown {s.unknown} · upcoming {s.upcoming} · applicable {s.applicable} · met {s.met}"
                  + (f" · attested {s.attested}" if s.attested is not None else "")
                  + (f" · not_applicable {s.not_applicable}" if s.not_applicable is not None else ""))
    roles = ", ".join(r.id if r.status == "holds" else f"{r.id} ({h['role_unknown']})" for r in report.roles) or "—"
    console.print(f"{h['roles']}: {m(roles)}")
    for d in report.derived_facts:
        console.print(f"  {h['derived']}: {m(d.fact)} = {m(d.value)} ({m(d.because)})")
    for status in STATUS_ORDER:
        rows = [d for d in report.duties if d.status == status]
        if not rows:
            continue
        table = Table(title=f"{h[status]} ({len(rows)})", title_justify="left", show_lines=status in ("gap", "unknown"), expand=True)
        table.add_column(h["duty"], ratio=3)
        table.add_column(h["cite"], ratio=2)
        table.add_column(h["why"], ratio=5)
        if status in ("gap", "unknown"):
            table.add_column(h["prio"], ratio=1)
        for d in rows:
            why = [d.applies_because[0]] if d.applies_because else []
            why += [f"✗ {f.message}" for f in d.findings]
            if d.questions:
                why.append("? " + ", ".join(d.questions))
            if status == "gap":
                why.append(f"→ {d.remediation.get(lang)}")
            cells = [f"{m(d.title.get(lang))}\n[dim]{m(d.id)}[/dim]", m(_cites(d, lang)), "\n".join(m(w) for w in why)]
            if status in ("gap", "unknown"):
                cells.append(d.priority)
            table.add_row(*cells)
        console.print(table)
    if report.questions:
        console.print(f"[bold]{h['questions']}[/bold]")
        for q in report.questions:
            console.print(f"  {m(q.fact)}: {m(q.question)} ({h['unlocks']} {len(q.unlocks)})")
    return buf.getvalue()


def to_markdown(report: Report) -> str:
    lang, h = report.lang, HEADINGS[report.lang]
    s = report.summary
    out = [f"# {_md(report.service.name)} — compliance check", "",
           f"*As of {report.as_of}; knowledge base {report.knowledge_base.version} ({report.knowledge_base.content_hash[:12]}).*", "",
           "| gap | unknown | upcoming | applicable | met |", "|---|---|---|---|---|",
           f"| {s.gap} | {s.unknown} | {s.upcoming} | {s.applicable} | {s.met} |", "",
           f"## {h['roles']}", ""]
    for r in report.roles:
        extra = f" — {h['role_unknown']}: {', '.join(r.questions)}" if r.status == "unknown" else ""
        out.append(f"- **{r.id}**{extra}" + (f" ({'; '.join(r.because)})" if r.because else ""))
    for status in STATUS_ORDER:
        rows = [d for d in report.duties if d.status == status]
        if not rows:
            continue
        out += ["", f"## {h[status]} ({len(rows)})", ""]
        for d in rows:
            out.append(f"### {d.title.get(lang)} — {_cites(d, lang)}")
            out.append(f"`{d.id}` · {h['prio']}: {d.priority} ({d.priority_reason}) · {d.instrument_status} · {h['conf']}: {d.confidence}")
            out.append("")
            out += [f"- {w}" for w in d.applies_because]
            out += [f"- ✗ {f.message} (`{f.fact}`)" for f in d.findings]
            if d.questions:
                out.append("- ? " + ", ".join(f"`{q}`" for q in d.questions))
            if status in ("gap", "unknown", "upcoming"):
                out.append(f"- **{h['fix']}:** {d.remediation.get(lang)}")
            if d.penalty:
                out.append(f"- **{h['penalty']}:** {d.penalty}")
            if d.campaign_targets:
                out.append(f"- **{h['campaign']}:** {_names(lang, targets=d.campaign_targets)}")
            if d.precedents:
                out.append(f"- **{h['prec']}:** {_names(lang, precedents=d.precedents)}")
            out.append("")
    if report.questions:
        out += [f"## {h['questions']}", ""]
        out += [f"1. `{q.fact}` — {q.question} ({h['unlocks']} {len(q.unlocks)})" for q in report.questions]
    return "\n".join(out).rstrip() + "\n"


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()<>#+-.!|~"})


def _md(text: str) -> str:
    """User text for Markdown: no control or bidi characters, and every Markdown (and HTML) special character
    escaped, so that a name cannot become a link, an image or markup."""
    return clean(text).translate(_MD_SPECIAL)


def to_graph(report: Report) -> Graph:
    """The SHACL validation report of the check plus the assessment of every duty, as RDF."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    node = service_node(report.service.id)
    run = URIRef(f"urn:aiduty:check:{report.service.id}:{report.as_of}")
    g.add((run, RDF.type, PROV.Activity))
    g.add((run, PROV.used, node))
    g.add((run, AID.asOf, Literal(report.as_of, datatype=XSD.date)))
    g.add((run, PROV.endedAtTime, Literal(datetime.now(timezone.utc).replace(microsecond=0), datatype=XSD.dateTime)))
    g.add((run, AID.knowledgeBaseHash, Literal(report.knowledge_base.content_hash)))
    vr = BNode()
    g.add((vr, RDF.type, SH.ValidationReport))
    g.add((vr, SH.conforms, Literal(report.summary.gap == 0)))
    g.add((run, PROV.generated, vr))
    for d in report.duties:
        a = URIRef(f"{run}:{d.id}")
        g.add((a, RDF.type, AID.Assessment))
        g.add((a, PROV.wasGeneratedBy, run))
        g.add((a, AID.duty, OBLIGATION[d.id]))
        g.add((a, AID.assessedStatus, Literal(d.status)))
        g.add((a, AID.priority, Literal(d.priority)))
        for why in d.applies_because:
            g.add((a, AID.because, Literal(why, lang=report.lang)))
        for q in d.questions:
            g.add((a, AID.asks, fact_property(q)))
        for f in d.findings:
            r = BNode()
            g.add((vr, SH.result, r))
            g.add((r, RDF.type, SH.ValidationResult))
            g.add((r, SH.focusNode, node))
            g.add((r, SH.resultSeverity, SH.Violation if d.status == "gap" else SH.Warning))
            g.add((r, SH.resultMessage, Literal(f.message, lang=report.lang)))
            g.add((r, AID.duty, OBLIGATION[d.id]))
            if f.fact:
                g.add((r, SH.resultPath, fact_property(f.fact)))
    return g
