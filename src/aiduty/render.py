"""Renderers for reports: JSON, text (rich), Markdown and Turtle (SHACL validation report + assessment)."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from .facts import service_node
from .report import STATUS_ORDER, Report
from .vocab import AID, OBLIGATION, PREFIXES, PROV, SH, fact_property

HEADINGS = {
    "en": {"gap": "Gaps", "unknown": "Unknown: answer the questions", "upcoming": "Upcoming", "applicable": "Applicable (nothing to confirm in a description)",
           "met": "Met", "attested": "Attested (signed off)", "not_applicable": "Not applicable", "roles": "Roles", "questions": "Questions to answer",
           "duty": "Duty", "cite": "Citation", "why": "Why", "prio": "Priority", "summary": "Summary",
           "derived": "Derived facts", "unlocks": "settles", "fix": "Remediation", "penalty": "Penalty",
           "role_unknown": "may hold (unknown)", "conf": "Confidence", "campaign": "Campaign targets", "prec": "Precedents"},
    "zh": {"gap": "缺口", "unknown": "待确认：请回答问题", "upcoming": "即将适用", "applicable": "适用（描述无法确认履行情况）",
           "met": "已满足", "attested": "已签核确认", "not_applicable": "不适用", "roles": "角色", "questions": "待回答的问题",
           "duty": "义务", "cite": "依据", "why": "原因", "prio": "优先级", "summary": "汇总",
           "derived": "推导出的事实", "unlocks": "可确定", "fix": "整改建议", "penalty": "处罚",
           "role_unknown": "可能适用（尚不确定）", "conf": "可信度", "campaign": "专项行动重点", "prec": "执法案例"},
}


def to_json(reports: list[Report], single: bool) -> str:
    data = [r.model_dump(mode="json", exclude_none=True) for r in reports]
    return json.dumps(data[0] if single else data, ensure_ascii=False, indent=2)


def _cites(duty, lang: str) -> str:
    return "; ".join(c.label.get(lang) for c in duty.citations)


def to_text(report: Report, color: bool = False, width: int = 120) -> str:
    from rich.console import Console
    from rich.table import Table

    lang, h = report.lang, HEADINGS[report.lang]
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=color, width=width, no_color=not color)
    s = report.summary
    console.print(f"[bold]{report.service.name}[/bold] ({report.service.id}) — as of {report.as_of} — KB {report.knowledge_base.version}")
    console.print(f"{h['summary']}: gap {s.gap} · unknown {s.unknown} · upcoming {s.upcoming} · applicable {s.applicable} · met {s.met}"
                  + (f" · attested {s.attested}" if s.attested is not None else "")
                  + (f" · not_applicable {s.not_applicable}" if s.not_applicable is not None else ""))
    roles = ", ".join(r.id if r.status == "holds" else f"{r.id} ({h['role_unknown']})" for r in report.roles) or "—"
    console.print(f"{h['roles']}: {roles}")
    for d in report.derived_facts:
        console.print(f"  {h['derived']}: {d.fact} = {d.value} ({d.because})")
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
            cells = [f"{d.title.get(lang)}\n[dim]{d.id}[/dim]", _cites(d, lang), "\n".join(why)]
            if status in ("gap", "unknown"):
                cells.append(d.priority)
            table.add_row(*cells)
        console.print(table)
    if report.questions:
        console.print(f"[bold]{h['questions']}[/bold]")
        for q in report.questions:
            console.print(f"  {q.fact}: {q.question} ({h['unlocks']} {len(q.unlocks)})")
    return buf.getvalue()


def to_markdown(report: Report) -> str:
    lang, h = report.lang, HEADINGS[report.lang]
    s = report.summary
    out = [f"# {report.service.name} — compliance check", "",
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
                out.append(f"- **{h['campaign']}:** {', '.join(d.campaign_targets)}")
            if d.precedents:
                out.append(f"- **{h['prec']}:** {', '.join(d.precedents)}")
            out.append("")
    if report.questions:
        out += [f"## {h['questions']}", ""]
        out += [f"1. `{q.fact}` — {q.question} ({h['unlocks']} {len(q.unlocks)})" for q in report.questions]
    return "\n".join(out).rstrip() + "\n"


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
