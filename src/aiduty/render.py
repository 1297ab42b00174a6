"""Renderers for reports: JSON, text (rich), Markdown and Turtle (SHACL validation report + assessment)."""

from __future__ import annotations

import io
import json
import os
from datetime import datetime, timezone

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from .facts import service_node
from .safetext import clean, markup as m
from .report import PRIORITY_ORDER, STATUS_ORDER, Report
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


def _kb():
    from .kb import load

    return load()


LISTED = ("gap", "unknown", "upcoming")       # listed by default; the other statuses are counted (listed with --all)


def _full(report: Report) -> bool:
    """Whether the check ran with --all (only then does the report count the duties that do not apply)."""
    return report.summary.not_applicable is not None


def _role(role_id: str, lang: str) -> str:
    role = _kb().roles.get(role_id)
    return (role.label.get(lang) or role.label.get("en") or role_id) if role else role_id


def top_actions(report: Report, kb=None) -> list[tuple[str, dict, dict, list]]:
    """The gaps grouped by the action that closes them (ontology/remediation-actions.ttl; a gap no action closes is its own
    action): (action id, title, description, gaps), most urgent first: the highest priority among the gaps,
    then the number of gaps, then the id."""
    kb = kb or _kb()
    groups: dict[str, list] = {}
    for d in report.duties:
        if d.status == "gap":
            groups.setdefault(kb.action_of.get(d.id, d.id), []).append(d)
    out = []
    for key, gaps in groups.items():
        action = kb.actions.get(key)
        if action is not None:
            title, text = action.title, action.description
        else:
            title, text = gaps[0].title.model_dump(), gaps[0].remediation.model_dump()
        gaps.sort(key=lambda d: (PRIORITY_ORDER[d.priority], d.id))
        out.append((key, title, text, gaps))
    out.sort(key=lambda a: (PRIORITY_ORDER[a[3][0].priority], -len(a[3]), a[0]))
    return out


def _pick(text: dict, lang: str) -> str:
    return text.get(lang) or text.get("en") or ""


def _verdict(report: Report, actions: int, h: dict) -> str:
    s = report.summary
    n = dict(gap=s.gap, unknown=s.unknown, upcoming=s.upcoming, actions=actions, questions=len(report.questions))
    if s.gap:
        out = h["verdict_gap"].format(**n) + (h["verdict_more"].format(**n) if s.unknown else "")
    elif s.unknown:
        out = h["verdict_unknown"].format(**n)
    else:
        out = h["verdict_ok"]
    return out + (h["verdict_upcoming"].format(**n) if s.upcoming else "")


def _counts(report: Report, h: dict) -> str:
    s = report.summary
    items = [(st, getattr(s, st)) for st in STATUS_ORDER if getattr(s, st, None) is not None]
    return " · ".join(f"{h['st_' + st]} {n}" for st, n in items)


def to_text(report: Report, color: bool = False, width: int | None = None) -> str:
    """Plain layout (no table): CJK text wraps, and ids and citations sit on lines of their own that are never cut.
    Width: ``width``, else $COLUMNS / the terminal, else 120."""
    import shutil

    from rich.console import Console
    from rich.padding import Padding

    width = width or shutil.get_terminal_size((120, 24)).columns

    lang, h = report.lang, HEADINGS[report.lang]
    buf = io.StringIO()
    color = color and not os.environ.get("NO_COLOR")          # https://no-color.org: plain text, no styles either
    console = Console(file=buf, force_terminal=color, width=width, no_color=not color, highlight=False)
    out = console.print

    def para(text: str, indent: int) -> None:        # wrapped text keeps its indent (CJK wraps anywhere)
        console.print(Padding(text, (0, 0, 0, indent), expand=False))

    def ident(text: str, indent: int) -> None:        # an id or citation: one line, never folded or cropped
        console.print(" " * indent + f"[dim]{m(text)}[/dim]", no_wrap=True, overflow="ignore", crop=False)

    actions = top_actions(report)
    out(f"[bold]{m(report.service.name)}[/bold] ({m(report.service.id)}) — {h['as_of'].format(day=report.as_of)} — "
        f"{h['kb'].format(version=m(report.knowledge_base.version))}")
    out(f"[bold]{m(_verdict(report, len(actions), h))}[/bold]")
    out(f"{h['summary']}: {_counts(report, h)}")
    roles = "、".join if lang == "zh" else ", ".join
    out(f"{h['roles']}: " + m(roles(_role(r.id, lang) if r.status == "holds" else f"{_role(r.id, lang)} ({h['role_unknown']})"
                                     for r in report.roles) or "—"))
    for d in report.derived_facts:
        out(f"  {h['derived']}: {m(d.fact)} = {m(d.value)} ({m(d.because)})")
    if actions:
        out(f"\n[bold]{h['actions']} ({len(actions)})[/bold]")
        for i, (key, title, text, gaps) in enumerate(actions, 1):
            out(f"{i:>2}. [bold]{m(_pick(title, lang))}[/bold] — {h['p_' + gaps[0].priority]} · {h['n_gaps'].format(n=len(gaps))}")
            para(m(_pick(text, lang)), 4)
            for d in gaps:
                out(f"    • {m(d.title.get(lang))} ({h['p_' + d.priority]})")
                ident(d.id, 6)
                ident(_cites(d, lang), 6)
                for f in d.findings:
                    para(f"✗ {m(f.message)}", 6)
    statuses = [st for st in STATUS_ORDER if st != "gap" and (st in LISTED or _full(report))]
    for status in statuses:
        rows = [d for d in report.duties if d.status == status]
        if not rows:
            continue
        out(f"\n[bold]{h[status]} ({len(rows)})[/bold]")
        for d in rows:
            out(f"  • {m(d.title.get(lang))}" + (f" ({h['p_' + d.priority]})" if status == "unknown" else ""))
            ident(d.id, 4)
            ident(_cites(d, lang), 4)
            for w in d.applies_because[:1]:
                para(m(w), 4)
            if d.questions:
                para("? " + m(", ".join(d.questions)), 4)
    if not _full(report):
        hidden = [(st, getattr(report.summary, st)) for st in STATUS_ORDER if st not in LISTED and getattr(report.summary, st)]
        if hidden:
            out(f"\n{h['counted']}: " + " · ".join(f"{h['st_' + st]} {n}" for st, n in hidden) + f" ({h['see_all']})")
    if report.questions:
        out(f"\n[bold]{h['questions']}[/bold]")
        for q in report.questions:
            ident(q.fact, 2)
            para(f"{m(q.question)} ({h['unlocks']} {len(q.unlocks)})", 4)
    return "".join(line.rstrip() + "\n" for line in buf.getvalue().splitlines())     # no padding at line ends


def to_markdown(report: Report) -> str:
    lang, h = report.lang, HEADINGS[report.lang]
    actions = top_actions(report)
    sep = "、" if lang == "zh" else ", "
    roles = sep.join(_md(_role(r.id, lang)) + ("" if r.status == "holds" else f" ({h['role_unknown']})") for r in report.roles)
    out = [f"# {_md(report.service.name)} — {h['title']}", "",
           f"*{h['as_of'].format(day=report.as_of)}; {h['kb'].format(version=report.knowledge_base.version)} "
           f"({report.knowledge_base.content_hash[:12]}).*", "",
           f"**{_verdict(report, len(actions), h)}**", "",
           f"{h['summary']}: {_counts(report, h)}", "",
           f"{h['roles']}: {roles or '—'}"]
    for r in report.roles:
        if r.status == "unknown" and r.questions:
            out.append(f"- {_md(_role(r.id, lang))} — {h['role_unknown']}: {', '.join(f'`{q}`' for q in r.questions)}")
    if actions:
        out += ["", f"## {h['actions']} ({len(actions)})", ""]
        for i, (key, title, text, gaps) in enumerate(actions, 1):
            out.append(f"### {i}. {_pick(title, lang)} — {h['p_' + gaps[0].priority]} · {h['n_gaps'].format(n=len(gaps))}")
            out += ["", _pick(text, lang), ""]
            for d in gaps:
                findings = " ".join(f"✗ {f.message}" for f in d.findings)
                out.append(f"- **{d.title.get(lang)}** `{d.id}` — {_cites(d, lang)} · {h['p_' + d.priority]}"
                           + (f" — {findings}" if findings else ""))
            out += ["", f"*{h['prio']}: {gaps[0].priority_reason}*", ""]
    statuses = [st for st in STATUS_ORDER if st != "gap" and (st in LISTED or _full(report))]
    for status in statuses:
        rows = [d for d in report.duties if d.status == status]
        if not rows:
            continue
        out += ["", f"## {h[status]} ({len(rows)})", ""]
        for d in rows:
            line = f"- **{d.title.get(lang)}** `{d.id}` — {_cites(d, lang)}"
            if status == "unknown":
                line += f" · {h['p_' + d.priority]} — ? " + ", ".join(f"`{q}`" for q in d.questions)
            elif d.applies_because:
                line += f" — {d.applies_because[0]}"
            out.append(line)
            if status == "upcoming":
                out.append(f"  - **{h['fix']}:** {d.remediation.get(lang)}")
    if not _full(report):
        hidden = [(st, getattr(report.summary, st)) for st in STATUS_ORDER if st not in LISTED and getattr(report.summary, st)]
        if hidden:
            out += ["", f"*{h['counted']}: " + " · ".join(f"{h['st_' + st]} {n}" for st, n in hidden) + f" ({h['see_all']}).*"]
    if report.questions:
        out += ["", f"## {h['questions']}", ""]
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
