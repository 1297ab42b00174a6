"""Reports in the formats CI systems and compliance tools read: SARIF 2.1.0, JUnit XML, OSCAL assessment results.

Each takes every (source, report) pair of one ``aiduty check`` run and returns one document. ``fails`` decides
the exit code under ``--fail-on``. Texts come from the reports (already in their language) and words.CI_WORDS.
"""

from __future__ import annotations

import json
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import PurePath
from typing import Iterable
from urllib.parse import quote

from . import __version__
from .report import PRIORITY_ORDER, DutyOut, Report
from .words import CI_WORDS

FAIL_ON = ("gap", "unknown", "high")
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFO_URI = "https://w3id.org/aiduty"
OSCAL_VERSION = "1.0.6"
NS = "https://w3id.org/aiduty/ns"             # the namespace of aiduty's own OSCAL props (OSCAL asks for one)
CHECKED = ("gap", "unknown", "applicable", "met")   # the statuses of an applicable duty

Pair = tuple[str, Report]


def duty_fails(status: str, priority: str, fail_on: str) -> bool:
    """Whether one duty entry makes the run fail (exit 1) under ``--fail-on``."""
    if fail_on == "unknown":
        return status in ("gap", "unknown")
    if fail_on == "high":
        return status == "gap" and PRIORITY_ORDER.get(priority, 9) <= PRIORITY_ORDER["high"]
    return status == "gap"


def fails(report: Report | dict, fail_on: str) -> bool:
    """Whether a report (or its JSON) fails under ``--fail-on``: gap (default), unknown or high."""
    if fail_on == "gap":
        return (report.has_gap if isinstance(report, Report) else report["summary"]["gap"] > 0)
    duties = report.duties if isinstance(report, Report) else report["duties"]
    get = (lambda d, k: getattr(d, k)) if isinstance(report, Report) else (lambda d, k: d[k])  # noqa: E731
    return any(duty_fails(get(d, "status"), get(d, "priority"), fail_on) for d in duties)


def _file_and_line(source: str) -> tuple[str, int | None]:
    """'a/b.jsonl:7' -> ('a/b.jsonl', 7); a plain path keeps no line."""
    match = re.fullmatch(r"(.+\.jsonl):(\d+)", source)
    return (match[1], int(match[2])) if match else (source, None)


def _yaml_lines(path: str) -> dict[str, int]:
    """fact path -> line of its key in a YAML description (1-based), from the YAML parser's marks; {} for other
    files. The description was already loaded (and bounded) by the check; composing builds no Python objects."""
    import yaml

    from .description import MAX_BYTES as limit

    if not path.lower().endswith((".yaml", ".yml")):
        return {}
    try:
        with open(path, "rb") as fh:
            text = fh.read(limit + 1)
        if len(text) > limit:
            return {}
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError, RecursionError):
        return {}
    out: dict[str, int] = {}
    stack = [("", root, 0)]
    while stack:
        prefix, node, depth = stack.pop()
        if not isinstance(node, yaml.MappingNode) or depth > 8:
            continue
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                name = f"{prefix}{key.value}"
                out.setdefault(name, key.start_mark.line + 1)
                stack.append((name + ".", value, depth + 1))
    return out


def _uri(path: str) -> str:
    return quote(PurePath(path).as_posix(), safe="/:._-~")


def _citations(d: DutyOut, lang: str) -> str:
    return "; ".join(c.label.get(lang) for c in d.citations)


def _detail(d: DutyOut, lang: str) -> str:
    w = CI_WORDS[lang]
    parts = [m.message for m in d.findings]
    if d.questions:
        parts.append(w["questions"] + ", ".join(d.questions))
    return " ".join(parts)


# ------------------------------------------------------------------------------------------------ SARIF


def to_sarif(pairs: Iterable[Pair], lang: str = "en") -> dict:
    """One SARIF 2.1.0 run: rules are the duties reported, results the gaps (error) and unknowns (warning)."""
    w = CI_WORDS[lang]
    rules: dict[str, dict] = {}
    results = []
    artifacts: dict[str, int] = {}
    for source, report in pairs:
        path, line = _file_and_line(source)
        if path not in artifacts:
            artifacts[path] = len(artifacts)
        lines = _yaml_lines(path) if line is None else {}
        for d in report.duties:
            if d.status not in ("gap", "unknown"):
                continue
            if d.id not in rules:
                rules[d.id] = _rule(d, lang)
            location = {"physicalLocation": {"artifactLocation": {"uri": _uri(path), "index": artifacts[path]}}}
            facts = [f.fact for f in d.findings if f.fact] or list(d.questions)
            at = line if line is not None else next((lines[f] for f in facts if f in lines), None)
            if at is not None:
                location["physicalLocation"]["region"] = {"startLine": at}
            if facts:
                location["logicalLocations"] = [{"fullyQualifiedName": f"{report.service.id}/{f}", "name": f, "kind": "member"}
                                                for f in dict.fromkeys(facts)]
            text = f"{report.service.name}: {d.title.get(lang)} ({_citations(d, lang)})"
            detail = _detail(d, lang)
            results.append({
                "ruleId": d.id,
                "level": "error" if d.status == "gap" else "warning",
                "kind": "fail" if d.status == "gap" else "review",
                "message": {"text": f"{text}: {detail}" if detail else text},
                "locations": [location],
                "partialFingerprints": {"aidutyService/v1": f"{report.service.id}/{d.id}"},
                "properties": {"status": d.status, "priority": d.priority, "priorityReason": d.priority_reason,
                               "service": report.service.id, "asOf": report.as_of},
            })
    ordered = sorted(rules)
    index = {rid: i for i, rid in enumerate(ordered)}
    for r in results:
        r["ruleIndex"] = index[r["ruleId"]]
    run = {
        "tool": {"driver": {"name": "aiduty", "version": __version__, "semanticVersion": __version__,
                            "informationUri": INFO_URI, "fullDescription": {"text": w["tool"]},
                            "rules": [rules[r] for r in ordered]}},
        "artifacts": [{"location": {"uri": _uri(p)}} for p in artifacts],
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _rule(d: DutyOut, lang: str) -> dict:
    w = CI_WORDS[lang]
    cites = _citations(d, lang)
    fix = d.remediation.get(lang)
    help_text = f"{w['cites']}{cites}\n{w['fix']}{fix}"
    if d.penalty:
        help_text += f"\n{w['penalty']}{d.penalty}"
    return {
        "id": d.id, "name": _pascal(d.id),
        "shortDescription": {"text": d.title.get(lang)},
        "fullDescription": {"text": f"{d.title.get(lang)} ({cites})"},
        "help": {"text": help_text, "markdown": help_text.replace("\n", "  \n")},
        "defaultConfiguration": {"level": "error"},
        "properties": {"citations": [c.label.get(lang) for c in d.citations], "bearer": d.bearer,
                       "ruleType": d.rule_type, "instrumentStatus": d.instrument_status, "confidence": d.confidence,
                       "inForceFrom": d.in_force_from, "tags": sorted({c.instrument for c in d.citations} | {"compliance"})},
    }


def _pascal(rule_id: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", rule_id) if p)


# ------------------------------------------------------------------------------------------------ JUnit


def to_junit(pairs: Iterable[Pair], lang: str = "en") -> bytes:
    """JUnit XML: a testsuite per service, a testcase per applicable duty; gap = failure, unknown = skipped."""
    w = CI_WORDS[lang]
    root = ET.Element("testsuites", name="aiduty")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for source, report in pairs:
        cases = [d for d in report.duties if d.status in CHECKED]
        suite = ET.SubElement(root, "testsuite", name=report.service.id, tests=str(len(cases)),
                              failures=str(sum(d.status == "gap" for d in cases)), errors="0",
                              skipped=str(sum(d.status == "unknown" for d in cases)), timestamp=f"{report.as_of}T00:00:00",
                              file=source)
        props = ET.SubElement(suite, "properties")
        for name, value in (("service", report.service.name), ("as_of", report.as_of), ("source", source),
                            ("knowledge_base", f"{report.knowledge_base.version} {report.knowledge_base.content_hash}")):
            ET.SubElement(props, "property", name=name, value=value)
        for d in cases:
            case = ET.SubElement(suite, "testcase", classname=report.service.id, name=f"{d.id}: {d.title.get(lang)}",
                                 file=source)
            detail = _detail(d, lang)
            if d.status == "gap":
                fail = ET.SubElement(case, "failure", message=detail or d.title.get(lang), type=f"gap/{d.priority}")
                fail.text = f"{w['cites']}{_citations(d, lang)}\n{w['fix']}{d.remediation.get(lang)}"
            elif d.status == "unknown":
                ET.SubElement(case, "skipped", message=f"{w['unknown']}{detail}")
            elif d.status == "applicable":
                ET.SubElement(case, "system-out").text = w["applicable"]
        for key in totals:
            totals[key] += int(suite.get("failures" if key == "failures" else key))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


# ------------------------------------------------------------------------------------------------ OSCAL


def to_oscal(pairs: Iterable[Pair], lang: str = "en", now: datetime | None = None) -> dict:
    """OSCAL 1.0.6 assessment results: a result per service, a finding per applicable duty (objective = duty id).

    UUIDs are version 5, derived from the service, the day and the knowledge base, so a run can be compared with
    the next; only ``last-modified`` and the results' ``start`` take the clock."""
    w = CI_WORDS[lang]
    stamp = (now or datetime.now(timezone.utc)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    results, seed = [], []
    for source, report in pairs:
        base = uuid.uuid5(uuid.NAMESPACE_URL, f"{NS}/{report.service.id}/{report.as_of}/{report.knowledge_base.content_hash}")
        seed.append(str(base))
        findings = []
        for d in report.duties:
            if d.status not in CHECKED:
                continue
            state, reason = {"met": ("satisfied", "pass"), "gap": ("not-satisfied", "fail")}.get(d.status, ("not-satisfied", "other"))
            detail = _detail(d, lang)
            findings.append({
                "uuid": str(uuid.uuid5(base, d.id)), "title": d.title.get(lang),
                "description": f"{w['status'][d.status]}. {w['cites']}{_citations(d, lang)}." + (f" {detail}" if detail else ""),
                "props": [_prop("status", d.status), _prop("priority", d.priority), _prop("confidence", d.confidence)],
                "target": {"type": "objective-id", "target-id": d.id,
                           "status": {"state": state, "reason": reason}},
                "remarks": f"{w['fix']}{d.remediation.get(lang)}",
            })
        result = {
            "uuid": str(base), "title": f"{report.service.name} ({report.service.id})",
            "description": w["result"].format(day=report.as_of, kb=report.knowledge_base.version, source=source),
            "start": stamp, "end": stamp,
            "props": [_prop("as-of", report.as_of), _prop("service", report.service.id)],
            "reviewed-controls": {"control-selections": [{"description": w["controls"], "include-all": {}}]},
        }
        if findings:
            result["findings"] = findings
        results.append(result)
    doc_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{NS}/assessment-results/" + "/".join(seed))
    return {"assessment-results": {
        "uuid": str(doc_id),
        "metadata": {"title": w["oscal_title"], "last-modified": stamp, "version": __version__, "oscal-version": OSCAL_VERSION},
        "import-ap": {"href": f"{INFO_URI}#assessment-plan", "remarks": w["plan"]},
        "results": results,
    }}


def _prop(name: str, value: str) -> dict:
    return {"name": name, "ns": NS, "value": str(value)}


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
