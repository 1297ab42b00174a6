"""GB 45438-2025 implicit labels: the element model and the verdict rules (design §9 "Label evidence").

An implicit label is a metadata field keyed ``AIGC`` whose value is a JSON object of seven elements
(GB 45438-2025 §6.1 and normative Annex E [Q]; LABEL-2025 Art. 5 and Art. 6 [Q]). This module knows what a
conformant element set looks like and turns what the carriers (carriers.py) found into a verdict with the
clause cited. It reads no files.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

ELEMENTS = ("Label", "ContentProducer", "ProduceID", "ReservedCode1", "ContentPropagator", "PropagateID", "ReservedCode2")
PRODUCER = ("ContentProducer", "ProduceID")
PROPAGATOR = ("ContentPropagator", "PropagateID")
LABEL_VALUES = {"1": "is AI-generated", "2": "possibly AI-generated", "3": "suspected AI-generated"}
TC260_NS = "http://www.tc260.org.cn/ns/AIGC/1.0/"
VERDICTS = ("conformant", "non-conformant", "no-label", "unreadable")
MAX_VALUE_CHARS = 64 * 1024         # an AIGC value longer than this is not parsed (bounded work per carrier)

# Citations, as the fact sheet gives them (legal-facts.md §2A, §2B).
ANNEX_E = {"instrument": "GB45438-2025", "clause": "6.1", "label": "GB 45438-2025 §6.1, Annex E"}
ART5 = {"instrument": "LABEL-2025", "article": 5, "label": "LABEL-2025 Art. 5"}
ART6 = {"instrument": "LABEL-2025", "article": 6, "label": "LABEL-2025 Art. 6"}
TEXT_51 = {"instrument": "GB45438-2025", "clause": "5.1", "label": "GB 45438-2025 §5.1"}
ART4_1 = {"instrument": "LABEL-2025", "article": 4, "paragraph": 1, "label": "LABEL-2025 Art. 4(1)"}


def allowed(ch: str) -> bool:
    """Annex E character set [Q]: GB18030 code points 0x21, 0x23-0x5B, 0x5D-0x7E, plus the escaped quote ``\\"``.

    Checked on the decoded value, where an escaped quote is a plain ``"``: so printable ASCII except space and
    backslash."""
    return "!" <= ch <= "~" and ch != "\\"


@dataclass
class Finding:
    code: str
    severity: str                      # error (makes the file fail) | warning | note
    message: str
    citations: tuple[dict, ...] = ()
    element: str | None = None
    carrier: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {"code": self.code, "severity": self.severity, "message": self.message,
               "citations": [dict(c) for c in self.citations]}
        if self.element:
            out["element"] = self.element
        if self.carrier:
            out["carrier"] = self.carrier
        return out


@dataclass
class Carrier:
    """One place in a file that holds an AIGC label: its kind (e.g. ``png:tEXt``), the raw value, the elements."""

    kind: str
    raw: str | None = None                              # the JSON text as stored (None for one-property-per-element XMP)
    elements: dict[str, Any] | None = None
    findings: list[Finding] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        raw = self.raw if self.raw is None or len(self.raw) <= 2000 else self.raw[:2000] + "…"
        return {"carrier": self.kind, "raw": raw, "elements": self.elements}


def carrier_from_json(kind: str, text: str | bytes) -> Carrier:
    """Parse an ``AIGC`` value: a JSON object, bare or wrapped as ``{"AIGC": {...}}`` (also a JSON string holding it)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = text.strip().strip("\x00")
    carrier = Carrier(kind, raw=text)
    if len(text) > MAX_VALUE_CHARS:
        carrier.findings.append(_error("too-long", f"the AIGC value is {len(text)} characters long; not parsed", ANNEX_E, carrier=kind))
        return carrier
    try:
        value = json.loads(text)
        if isinstance(value, str):                     # double-encoded: a JSON string holding the object
            value = json.loads(value)
    except (ValueError, RecursionError):
        carrier.findings.append(_error("not-json", "the AIGC value is not valid JSON; Annex E requires a JSON object "
                                        "of label elements", ANNEX_E, carrier=kind))
        return carrier
    if isinstance(value, dict) and set(value) == {"AIGC"} and isinstance(value["AIGC"], (dict, str)):
        value = value["AIGC"]
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except (ValueError, RecursionError):
                pass
    if not isinstance(value, dict):
        carrier.findings.append(_error("not-object", f"the AIGC value is a JSON {type(value).__name__}, not an object of "
                                        "label elements", ANNEX_E, carrier=kind))
        return carrier
    carrier.elements = value
    carrier.findings += check_elements(value, kind)
    return carrier


def carrier_from_elements(kind: str, elements: dict[str, str]) -> Carrier:
    """An XMP carrier with one property per element."""
    carrier = Carrier(kind, elements=dict(elements))
    carrier.findings += check_elements(carrier.elements, kind)
    return carrier


def _error(code: str, message: str, *citations: dict, element: str | None = None, carrier: str | None = None) -> Finding:
    return Finding(code, "error", message, tuple(citations), element, carrier)


def _filled(elements: dict[str, Any], key: str) -> bool:
    value = elements.get(key)
    return value is not None and value != ""


def check_elements(elements: dict[str, Any], kind: str | None = None) -> list[Finding]:
    """The element rules of GB 45438-2025 Annex E as the fact sheet gives them (§2B)."""
    found: list[Finding] = []
    for key, value in elements.items():
        if key not in ELEMENTS:
            found.append(Finding("unknown-element", "warning", f"{key!r} is not one of the seven elements of Annex E "
                                 f"({', '.join(ELEMENTS)}); element names are case-sensitive", (ANNEX_E,), key, kind))
            continue
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            found.append(_error("not-string", f"{key} must be a JSON string; found {json.dumps(value)[:60]}", ANNEX_E,
                                element=key, carrier=kind))
            continue
        bad = sorted({ch for ch in value if not allowed(ch)})
        if bad:
            shown = ", ".join(f"U+{ord(c):04X}" + (f" {c!r}" if c.isprintable() else "") for c in bad[:5])
            found.append(_error("charset", f"{key} holds characters outside the Annex E set (printable ASCII without "
                                f"space or backslash; a quote only escaped): {shown}", ANNEX_E, element=key, carrier=kind))
    label = elements.get("Label")
    if not _filled(elements, "Label"):
        found.append(_error("label-missing", "the Label element is missing or empty", ANNEX_E, element="Label", carrier=kind))
    elif isinstance(label, str) and label not in LABEL_VALUES:
        found.append(_error("label-value", f'Label is {json.dumps(label)[:40]}; it must be "1" (is AI-generated), "2" '
                            f'(possibly) or "3" (suspected)', ANNEX_E, element="Label", carrier=kind))
    propagated = all(_filled(elements, k) for k in PROPAGATOR)
    # A platform that labels content as possibly (2) or suspected (3) AI-generated has no producer to name
    # (LABEL-2025 Art. 6(2), 6(3)); then the propagation elements carry the label. Otherwise the producer's
    # elements are required (Art. 5).
    platform_only = label in ("2", "3") and propagated
    for key in PRODUCER:
        if not _filled(elements, key) and not platform_only:
            found.append(_error("producer-missing", f"{key} is missing or empty: the generation service provider fills "
                                "ContentProducer and ProduceID", ANNEX_E, ART5, element=key, carrier=kind))
    if any(_filled(elements, k) for k in PROPAGATOR) and not propagated:
        missing = next(k for k in PROPAGATOR if not _filled(elements, k))
        found.append(_error("propagator-incomplete", f"{missing} is missing or empty while the other propagation element "
                            "is set: a dissemination platform fills ContentPropagator and PropagateID together",
                            ANNEX_E, ART6, element=missing, carrier=kind))
    return found


def consistency(carriers: list[Carrier]) -> list[Finding]:
    """Carriers in one file that give the same element different values."""
    found = []
    parsed = [c for c in carriers if c.elements is not None]
    for key in ELEMENTS:
        values = {}
        for c in parsed:
            v = c.elements.get(key)
            if v not in (None, ""):
                values.setdefault(json.dumps(v, ensure_ascii=False), []).append(c.kind)
        if len(values) > 1:
            shown = "; ".join(f"{', '.join(kinds)}: {v[:60]}" for v, kinds in values.items())
            found.append(_error("carriers-disagree", f"carriers give {key} different values ({shown})", ANNEX_E, element=key))
    return found


# ------------------------------------------------------------------------------------------- explicit text labels

AI_ELEMENT = re.compile(r"人工智能|(?<![A-Za-z])AI(?![a-zA-Z])|(?<![A-Za-z])AI(?=GC)")
GENERATION_ELEMENT = re.compile(r"生成|合成")


def explicit_text_label(text: str) -> tuple[str | None, str | None]:
    """Where a text's explicit label is: ("start"|"end", the line), or (None, a line in the middle that would do).

    GB 45438-2025 §5.1 [S] and LABEL-2025 Art. 4(1) [Q]: a text prompt at the start, end or middle of the text;
    it must hold an AI element ("人工智能" or "AI") and a generation element ("生成" or "合成") [Q]."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return None, None
    for where, line in (("start", lines[0]), ("end", lines[-1])):
        if AI_ELEMENT.search(line) and GENERATION_ELEMENT.search(line):
            return where, line[:200]
    middle = next((ln for ln in lines[1:-1] if len(ln) <= 80 and AI_ELEMENT.search(ln) and GENERATION_ELEMENT.search(ln)), None)
    return None, middle[:200] if middle else None


# ----------------------------------------------------------------------------------------------------- verdicts


@dataclass
class FileResult:
    file: str
    format: str | None = None
    size: int | None = None
    carriers: list[Carrier] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    explicit: str | None = None        # text files: where the explicit label is
    unreadable: bool = False

    @property
    def verdict(self) -> str:
        if self.unreadable:
            return "unreadable"
        if any(f.severity == "error" for f in self.all_findings()):
            return "non-conformant"
        if self.carriers or self.explicit:
            return "conformant"
        return "no-label"

    def all_findings(self) -> list[Finding]:
        return [f for c in self.carriers for f in c.findings] + self.findings

    def elements(self) -> dict[str, Any]:
        """The union of the elements the carriers give (the first carrier wins a disagreement)."""
        merged: dict[str, Any] = {}
        for c in self.carriers:
            for k, v in (c.elements or {}).items():
                if v not in (None, "") and k not in merged:
                    merged[k] = v
        return merged

    def as_dict(self) -> dict[str, Any]:
        out = {"file": self.file, "verdict": self.verdict, "format": self.format, "size": self.size,
               "carriers": [c.as_dict() for c in self.carriers],
               "findings": [f.as_dict() for f in self.all_findings()]}
        if self.explicit:
            out["explicit_label"] = self.explicit
        return out


def finish(result: FileResult) -> FileResult:
    """Add the file-level findings: disagreeing carriers, or no label at all."""
    if result.unreadable:
        return result
    result.findings += consistency(result.carriers)
    if result.format == "text":
        return result
    if not result.carriers:
        result.findings.append(Finding(
            "no-label", "warning",
            "no AIGC implicit label found in the file's metadata. If this file is AI-generated output, the provider "
            "must add one (LABEL-2025 Art. 5; GB 45438-2025 §6.1, Annex E); where the format's carrier is given only "
            "in the informative Annex F, which carriers the standard names is unverified in our sources",
            (ART5, ANNEX_E)))
    return result
