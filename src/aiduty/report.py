"""The report (output contract, version 1): pydantic models. Renderers live in render.py."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

# `attested`: an `applicable` duty someone signed off (set by signoff.py after the engine, never by the engine).
Status = Literal["gap", "unknown", "met", "applicable", "upcoming", "not_applicable", "attested"]
STATUS_ORDER: tuple[Status, ...] = ("gap", "unknown", "upcoming", "applicable", "attested", "met", "not_applicable")
Priority = Literal["critical", "high", "medium", "low"]     # the levels of ontology/priority.ttl, most urgent first
PRIORITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


class Frozen(BaseModel):
    """Immutable: the engine shares these between reports (see Engine), so nobody may change one in place."""

    model_config = ConfigDict(frozen=True)


class Bilingual(Frozen):
    en: str = ""
    zh: str = ""

    def get(self, lang: str) -> str:
        return getattr(self, lang) or self.en or self.zh


class CitationOut(Frozen):
    instrument: str
    article: int | None = None
    paragraph: int | None = None
    item: int | None = None
    clause: str | None = None
    label: Bilingual


class ServiceRef(BaseModel):
    id: str
    name: str


class KnowledgeBaseRef(BaseModel):
    version: str
    content_hash: str


class RoleOut(BaseModel):
    id: str
    status: Literal["holds", "unknown"] = "holds"
    because: list[str] = []
    questions: list[str] = Field(default=[], description="Facts that would settle an unknown role")


class DerivedFact(BaseModel):
    fact: str
    value: bool | int | str
    because: str


class Finding(Frozen):
    fact: str | None
    message: str


class DutyOut(Frozen):
    id: str
    title: Bilingual
    status: Status
    citations: tuple[CitationOut, ...]
    bearer: str
    rule_type: str
    applies_because: tuple[str, ...]
    findings: tuple[Finding, ...] = ()
    questions: tuple[str, ...] = ()
    remediation: Bilingual
    priority: Priority
    priority_reason: str
    campaign_targets: tuple[str, ...] = ()
    precedents: tuple[str, ...] = ()
    in_force_from: str | None
    instrument_status: str
    confidence: str
    confidence_note: str | None = None
    penalty: str | None = None
    _json: bytes | None = PrivateAttr(default=None)

    def json_fragment(self) -> bytes:
        """This entry as compact UTF-8 JSON (None left out), made once: the engine shares entries between reports."""
        private = self.__pydantic_private__         # read directly: pydantic's attribute hook costs 5 µs a call
        if private["_json"] is None:
            private["_json"] = self.__pydantic_serializer__.to_json(self, exclude_none=True)
        return private["_json"]


class Question(BaseModel):
    fact: str
    question: str
    unlocks: list[str]


class Summary(BaseModel):
    gap: int = 0
    unknown: int = 0
    met: int = 0
    applicable: int = 0
    upcoming: int = 0
    not_applicable: int | None = None
    attested: int | None = None          # counted only where sign-offs were applied (signoff.py)


class Report(BaseModel):
    report_version: Literal[1] = 1
    service: ServiceRef
    as_of: str
    lang: Literal["en", "zh"] = "en"
    knowledge_base: KnowledgeBaseRef
    roles: list[RoleOut]
    derived_facts: list[DerivedFact] = []
    summary: Summary
    duties: list[DutyOut]
    questions: list[Question]

    @property
    def has_gap(self) -> bool:
        return self.summary.gap > 0

    def json_bytes(self) -> bytes:
        """The same as ``model_dump_json(exclude_none=True).encode()``, made faster from the entries' own JSON.

        ``duties`` and ``questions`` are the last fields, so the head's keys keep their order."""
        head = self.__pydantic_serializer__.to_json(self, exclude_none=True, exclude={"duties", "questions"})
        duties = b",".join(d.json_fragment() for d in self.duties)
        questions = b",".join(q.__pydantic_serializer__.to_json(q) for q in self.questions)
        return b"".join((head[:-1], b',"duties":[', duties, b'],"questions":[', questions, b"]}"))


def report_schema(ref_template: str = "#/$defs/{model}") -> dict[str, Any]:
    """The report's JSON Schema as it is on the wire (what ``aiduty schema --report``, GET /v1/schema/report
    and the OpenAPI document publish). Reports leave out null values (``json_bytes``), so a field that may be
    null is not required: the schema says so, and a client generated from it reads every report."""
    schema = Report.model_json_schema(mode="serialization", ref_template=ref_template)
    for model in [schema, *schema.get("$defs", {}).values()]:
        props = model.get("properties", {})
        nullable = {k for k, v in props.items() if {"type": "null"} in v.get("anyOf", [])}
        if "required" in model:
            model["required"] = [k for k in model["required"] if k not in nullable]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
