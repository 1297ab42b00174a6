"""The report (output contract, version 1): pydantic models. Renderers live in render.py."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["gap", "unknown", "met", "applicable", "upcoming", "not_applicable"]
STATUS_ORDER: tuple[Status, ...] = ("gap", "unknown", "upcoming", "applicable", "met", "not_applicable")
PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2}


class Bilingual(BaseModel):
    en: str = ""
    zh: str = ""

    def get(self, lang: str) -> str:
        return getattr(self, lang) or self.en or self.zh


class CitationOut(BaseModel):
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


class Finding(BaseModel):
    fact: str | None
    message: str


class DutyOut(BaseModel):
    id: str
    title: Bilingual
    status: Status
    citations: list[CitationOut]
    bearer: str
    rule_type: str
    applies_because: list[str]
    findings: list[Finding] = []
    questions: list[str] = []
    remediation: Bilingual
    priority: Literal["high", "medium", "low"]
    priority_reason: str
    campaign_targets: list[str] = []
    precedents: list[str] = []
    in_force_from: str | None
    instrument_status: str
    confidence: str
    confidence_note: str | None = None
    penalty: str | None = None


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
