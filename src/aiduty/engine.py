"""The engine: facts -> applicability (three-valued, per duty) -> requirements (pyshacl) -> Report.

    from aiduty import Engine
    report = Engine.load().check("service.yaml", as_of="2026-11-22")
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property, lru_cache
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from . import kb as kbmod
from .conditions import Outcome, Truth
from .description import ServiceDescription, load_description, parse_description
from .facts import Facts, build_facts
from .kb import Duty, KnowledgeBase
from .report import (
    PRIORITY_ORDER, STATUS_ORDER, Bilingual, CitationOut, DerivedFact, DutyOut, Finding, KnowledgeBaseRef,
    Question, Report, RoleOut, ServiceRef, Summary,
)
from .vocab import AID, SH, SUBJ

LARGE_FINE_CNY = 1_000_000
MEMO_SIZE = 100_000
_EMPTY = Graph()
WORDS = {
    "en": {"applies": "Applies because {}", "not": "Does not apply: {}", "unknown": "May apply: {} (not yet known)",
           "upcoming_draft": "Draft, not binding: planned for, it would apply because {}",
           "upcoming_date": "In force from {date}; it will apply because {why}", "lapsed": "No longer in force after {}",
           "role": "role {}", "target": "named by campaign target {}", "precedent": "enforcement precedent {}",
           "fine": "fine up to RMB {:,}", "gap_high": "a gap that regulators are actively pursuing: {}",
           "gap": "a gap in a binding duty", "unknown_high": "unknown, and actively pursued: {}",
           "prio_unknown": "unknown: answer the questions", "low": "no action needed now",
           "recommendation": "a recommendation, not binding", "not_followed": "Recommendation not followed: {}"},
    "zh": {"applies": "适用原因：{}", "not": "不适用：{}", "unknown": "可能适用：{}（尚不确定）",
           "upcoming_draft": "征求意见稿，尚无约束力：如通过，将因以下原因适用：{}",
           "upcoming_date": "自{date}起施行；届时将因以下原因适用：{why}", "lapsed": "已于{}后失效",
           "role": "角色 {}", "target": "专项行动整治重点 {}", "precedent": "执法案例 {}",
           "fine": "最高罚款人民币{:,}元", "gap_high": "监管正在重点查处的缺口：{}",
           "gap": "强制性义务存在缺口", "unknown_high": "尚不确定，且为监管重点：{}",
           "prio_unknown": "尚不确定：请回答问题", "low": "目前无需处理",
           "recommendation": "推荐性要求，不具约束力", "not_followed": "未遵循推荐性要求：{}"},
}


@dataclass(frozen=True)
class RequirementResult:
    violations: tuple[tuple[str | None, str], ...]   # (fact path, message)
    warnings: tuple[tuple[str | None, str], ...]
    missing: tuple[str, ...]                           # fact paths not stated


def _as_date(value: date | str | None) -> date:
    if value is None:
        return date.today()
    return value if isinstance(value, date) else date.fromisoformat(value)


class Engine:
    """Checks service descriptions against a loaded knowledge base."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self._nested = _nested_shape_index(kb)
        self._reads = {d.id: _reads(kb, d) for d in kb.duties.values() if d.requirement_shapes}
        self._memo: dict[Any, RequirementResult] = {}

    @classmethod
    def load(cls) -> "Engine":
        return cls(kbmod.load())

    # ------------------------------------------------------------------ public API

    def check(self, desc: ServiceDescription | dict | str | Path, *, as_of: date | str | None = None,
              lang: str = "en", include_all: bool = False) -> Report:
        if isinstance(desc, (str, Path)):
            desc = load_description(desc)
        elif isinstance(desc, dict):
            desc = parse_description(desc)
        day = _as_date(as_of)
        facts = build_facts(desc, self.kb)
        return self._report(facts, day, lang, include_all)

    # ------------------------------------------------------------------ steps

    def applicability(self, facts: Facts, day: date) -> dict[str, tuple[str, Outcome]]:
        """Per duty: (temporal state, three-valued outcome of its condition)."""
        out = {}
        for duty in self.kb.duties.values():
            state = self._temporal_state(duty, day)
            if state is not None:
                out[duty.id] = (state, duty.condition.evaluate(facts.context))
        return out

    def _temporal_state(self, duty: Duty, day: date) -> str | None:
        inst = self.kb.instruments[duty.instrument]
        if not inst.exists_on(day):
            return None                      # not yet published: it does not exist on that day
        if duty.in_force_until and day > duty.in_force_until:
            return "lapsed"
        if duty.instrument_status == "draft" or duty.in_force_from is None or day < duty.in_force_from:
            return "upcoming"
        return "in_force"

    def requirements(self, facts: Facts, duty_ids: Iterable[str]) -> dict[str, RequirementResult]:
        """Validate the requirement shapes of the given duties with pyshacl.

        A requirement's result depends only on the facts its shapes read, so results are memoised by
        (duty, those facts' values); pyshacl validates only the combinations not seen before in this process.
        """
        done: dict[str, RequirementResult] = {}
        todo: dict[str, Any] = {}
        for did in duty_ids:
            if not self.kb.duties[did].requirement_shapes:
                continue
            key = self._memo_key(did, facts)
            if key is not None and key in self._memo:
                done[did] = self._memo[key]
            else:
                todo[did] = key
        if todo:
            fresh = self._validate(facts, list(todo))
            for did, key in todo.items():
                done[did] = fresh[did]
                if key is not None:
                    if len(self._memo) >= MEMO_SIZE:
                        self._memo.pop(next(iter(self._memo)))
                    self._memo[key] = fresh[did]
        return done

    def _memo_key(self, did: str, facts: Facts):
        reads = self._reads.get(did)
        if reads is None:
            return None
        values, stated = facts.context.values, facts.context.stated
        return (did, tuple((p, p in stated, values.get(p, ())) for p in reads))

    @cached_property
    def _shapes_graph(self):
        """pyshacl's view of the shapes, harvested once per process (on the first memo miss) and then reused."""
        from pyshacl.shapes_graph import ShapesGraph

        shapes_graph = ShapesGraph(self.kb.shapes)
        shapes_graph.shapes  # noqa: B018 - the property getter builds the shape cache
        return shapes_graph

    def _validate(self, facts: Facts, duty_ids: list[str]) -> dict[str, RequirementResult]:
        from pyshacl import Validator
        from pyshacl.graph_abstraction import DataGraph

        data = Graph()
        data += facts.graph
        for did in duty_ids:
            data.add((facts.node, RDF.type, SUBJ[did]))
        validator = Validator(DataGraph.from_rdflib(data), shacl_graph=_EMPTY, options={
            "inference": "none", "inplace": True, "advanced": False, "allow_infos": True, "allow_warnings": True,
            "abort_on_first": False, "focus_nodes": [str(facts.node)],
            "use_shapes": [str(s) for did in duty_ids for s in self.kb.duties[did].requirement_shapes],
        })
        validator.shacl_graph = self._shapes_graph      # reuse the harvested shapes: no per-check rebuild
        _, results, _ = validator.run()
        return self._read_results(results, duty_ids, facts)

    def _read_results(self, results: Graph, duty_ids: list[str], facts: Facts) -> dict[str, RequirementResult]:
        per: dict[str, dict[str, list]] = {d: {"v": [], "w": [], "m": []} for d in duty_ids}
        for r in results.subjects(RDF.type, SH.ValidationResult):
            source = results.value(r, SH.sourceShape)
            did = self._nested.get(source)
            if did not in per:
                continue
            fact = self._fact_of(results.value(r, SH.resultPath), source, self.kb.duties[did])
            severity = results.value(r, SH.resultSeverity)
            if severity == SH.Info:
                if fact:
                    per[did]["m"].append(fact)
                continue
            message = self._message(source, did, results.value(r, SH.resultMessage))
            per[did]["v" if severity == SH.Violation else "w"].append((fact, message))
        return {d: RequirementResult(tuple(_unique(v["v"])), tuple(_unique(v["w"])), tuple(_unique(v["m"])))
                for d, v in per.items()}

    def _fact_of(self, path, source, duty: Duty) -> str | None:
        kb = self.kb
        for candidate in (path if path != AID.states else None,
                          kb.shapes.value(source, AID.fact),
                          kb.shapes.value(source, SH.hasValue) if path == AID.states else None,
                          *(kb.shapes.value(s, AID.fact) for s in duty.requirement_shapes)):
            if candidate in kb.facts:
                return kb.facts[candidate].path
        return None

    def _message(self, source, duty_id: str, fallback) -> dict[str, str]:
        texts = kbmod._text(self.kb.shapes, source, SH.message)
        if not texts:
            for shape in self.kb.duties[duty_id].requirement_shapes:
                texts = kbmod._text(self.kb.shapes, shape, SH.message)
                if texts:
                    break
        return texts or {"en": str(fallback or "requirement not met"), "zh": str(fallback or "不符合要求")}

    # ------------------------------------------------------------------ report

    def _report(self, facts: Facts, day: date, lang: str, include_all: bool) -> Report:
        kb = self.kb
        applicable = self.applicability(facts, day)
        to_validate = [d for d, (state, o) in applicable.items() if state == "in_force" and o.truth is Truth.TRUE]
        checked = self.requirements(facts, to_validate)
        duties: list[DutyOut] = []
        for did, (state, outcome) in applicable.items():
            duty = kb.duties[did]
            out = self._duty(duty, state, outcome, checked.get(did), facts, day, lang, include_all)
            if out is not None:
                duties.append(out)
        duties.sort(key=lambda d: (STATUS_ORDER.index(d.status), PRIORITY_ORDER[d.priority], d.id))
        counts = defaultdict(int)
        for d in duties:
            counts[d.status] += 1
        summary = Summary(**{s: counts[s] for s in ("gap", "unknown", "met", "applicable", "upcoming")},
                          not_applicable=counts["not_applicable"] if include_all else None)
        return Report(
            service=ServiceRef(id=facts.description.id, name=facts.description.name), as_of=day.isoformat(), lang=lang,
            knowledge_base=KnowledgeBaseRef(version=kb.version, content_hash=kb.content_hash),
            roles=self._roles(facts), derived_facts=[DerivedFact(fact=d.path, value=d.value, because=d.because) for d in facts.derivations],
            summary=summary, duties=duties, questions=self._questions(duties, lang),
        )

    def _roles(self, facts: Facts) -> list[RoleOut]:
        out = []
        for cls, finding in facts.roles.items():
            o = finding.outcome
            if o.truth is Truth.TRUE:
                out.append(RoleOut(id=finding.role.id, because=list(o.because)))
            elif o.truth is Truth.UNKNOWN:
                out.append(RoleOut(id=finding.role.id, status="unknown", because=list(o.because),
                                   questions=sorted(self.kb.facts[m].path for m in o.missing)))
        return sorted(out, key=lambda r: (r.status != "holds", r.id))

    def _duty(self, duty: Duty, state: str, outcome: Outcome, req: RequirementResult | None, facts: Facts,
              day: date, lang: str, include_all: bool) -> DutyOut | None:
        words = WORDS[lang]
        label = duty.condition_label.get(lang) or duty.condition_label.get("en", "")
        because = list(outcome.because)
        questions = sorted(self.kb.facts[m].path for m in outcome.missing)
        findings: list[Finding] = []
        if state == "lapsed":
            status, why = "not_applicable", [words["lapsed"].format(duty.in_force_until.isoformat())]
        elif outcome.truth is Truth.FALSE:
            status, why = "not_applicable", [words["not"].format(label)] + because
        elif state == "upcoming":
            status = "upcoming"
            text = (words["upcoming_draft"].format(label) if duty.instrument_status == "draft" or duty.in_force_from is None
                    else words["upcoming_date"].format(date=duty.in_force_from.isoformat(), why=label))
            why = [text] + because
        elif outcome.truth is Truth.UNKNOWN:
            status, why = "unknown", [words["unknown"].format(label)] + because
        else:
            why = [words["applies"].format(label)] + because
            if duty.no_description_can_confirm or req is None:
                status = "applicable"
            else:
                findings = [Finding(fact=f, message=m.get(lang) or m.get("en", "")) for f, m in req.violations]
                findings += [Finding(fact=f, message=words["not_followed"].format(m.get(lang) or m.get("en", ""))) for f, m in req.warnings]
                questions = sorted(set(req.missing))
                status = "gap" if req.violations else "unknown" if req.missing else "applicable" if req.warnings else "met"
        if status == "not_applicable" and not include_all:
            return None
        priority, reason = self._priority(duty, status, day, lang)
        # The report is built from our own validated knowledge base: construct without re-validating.
        return DutyOut.model_construct(
            **self._static(duty.id, lang), status=status, applies_because=why, findings=findings, questions=questions,
            priority=priority, priority_reason=reason, campaign_targets=self._targets(duty, day),
            precedents=self._precedents(duty, day),
        )

    @lru_cache(maxsize=None)
    def _static(self, duty_id: str, lang: str) -> dict[str, Any]:
        """The parts of a duty's report entry that do not depend on the service."""
        duty = self.kb.duties[duty_id]
        return dict(
            id=duty.id, title=Bilingual(**duty.title), citations=[CitationOut(**c.as_json()) for c in duty.citations],
            bearer=duty.bearer, rule_type=duty.rule_type, remediation=Bilingual(**duty.remediation),
            in_force_from=duty.in_force_from.isoformat() if duty.in_force_from else None,
            instrument_status=duty.instrument_status, confidence=duty.confidence,
            confidence_note=duty.confidence_note.get(lang) or duty.confidence_note.get("en") or None,
            penalty=self._penalty(duty, lang),
        )

    def _targets(self, duty: Duty, day: date) -> list[str]:
        return [t for t in duty.campaign_targets if (c := self.kb.campaigns[t.split("/")[0]]).start is None or c.start <= day]

    def _precedents(self, duty: Duty, day: date) -> list[str]:
        return [p for p in duty.precedents if (e := self.kb.precedents[p]).date is None or e.date <= day]

    def _penalty(self, duty: Duty, lang: str) -> str | None:
        note = duty.penalty_note.get(lang) or duty.penalty_note.get("en")
        refs = ", ".join(c.label.get(lang, c.label["en"]) for c in duty.penalty)
        if not note and not refs:
            return None
        return f"{note} ({refs})" if note and refs else note or refs

    def _priority(self, duty: Duty, status: str, day: date, lang: str) -> tuple[str, str]:
        words = WORDS[lang]
        if duty.rule_type == "recommendation" or duty.instrument_status == "recommended-standard":
            return "low", words["recommendation"]
        stakes = [words["target"].format(t) for t in self._targets(duty, day)]
        stakes += [words["precedent"].format(p) for p in self._precedents(duty, day)]
        if duty.max_fine_cny and duty.max_fine_cny >= LARGE_FINE_CNY:
            stakes.append(words["fine"].format(duty.max_fine_cny))
        sep = "; " if lang == "en" else "；"
        if status == "gap":
            return ("high", words["gap_high"].format(sep.join(stakes))) if stakes else ("medium", words["gap"])
        if status == "unknown":
            return ("medium", words["unknown_high"].format(sep.join(stakes))) if stakes else ("low", words["prio_unknown"])
        return "low", words["low"]

    def _questions(self, duties: list[DutyOut], lang: str) -> list[Question]:
        unlocks: dict[str, list[str]] = defaultdict(list)
        for d in duties:
            if d.status in ("unknown", "gap", "upcoming"):
                for q in d.questions:
                    unlocks[q].append(d.id)
        ranked = sorted(unlocks.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        out = []
        for path, ids in ranked:
            fact = self.kb.fact_for_path(path)
            text = fact.question.get(lang) or fact.question.get("en") if fact else path
            out.append(Question(fact=path, question=text, unlocks=ids))
        return out


def _unique(items: list) -> list:
    seen, out = set(), []
    for item in items:
        key = repr(item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


# What a requirement shape may use for its result to be a function of the facts it reads.
_MEMO_SAFE = {SH.targetClass, SH.property, SH.path, SH.minCount, SH.maxCount, SH["in"], SH.hasValue, SH.minInclusive,
              SH.maxInclusive, SH.minExclusive, SH.maxExclusive, SH.datatype, SH.severity, SH.message, SH["or"],
              SH["and"], SH["not"], SH.node, SH.name, SH.description, SH.pattern, SH.minLength, SH.maxLength,
              AID.fact, RDF.type,
              URIRef("http://www.w3.org/2000/01/rdf-schema#label"), URIRef("http://www.w3.org/2000/01/rdf-schema#comment")}


def _reads(kb: KnowledgeBase, duty: Duty) -> tuple[URIRef, ...] | None:
    """The facts properties a duty's requirement shapes read, or None if they use anything else (no memo)."""
    from rdflib.collection import Collection

    reads: set[URIRef] = set()
    stack, seen = list(duty.requirement_shapes), set()
    while stack:
        shape = stack.pop()
        if shape in seen:
            continue
        seen.add(shape)
        for p, o in kb.shapes.predicate_objects(shape):
            if p not in _MEMO_SAFE:
                return None
            if p == SH.path:
                if not isinstance(o, URIRef):
                    return None
                reads.add(o)
            elif p in (SH.property, SH.node, SH["not"]):
                stack.append(o)
            elif p in (SH["or"], SH["and"]):
                stack.extend(Collection(kb.shapes, o))
    # aid:states is read only for facts that are themselves listed: their stated-ness is part of the key.
    reads.discard(AID.states)
    reads |= {o for s in seen for o in kb.shapes.objects(s, SH.hasValue) if o in kb.facts}
    return tuple(sorted(reads))


def _nested_shape_index(kb: KnowledgeBase) -> dict[Any, str]:
    """Every shape node reachable from a requirement shape -> its duty (pyshacl reports nested sources)."""
    from rdflib.collection import Collection

    index: dict[Any, str] = {}
    for shape, did in kb.shape_duty.items():
        stack = [shape]
        while stack:
            s = stack.pop()
            if s in index:
                continue
            index[s] = did
            for p, o in kb.shapes.predicate_objects(s):
                if p in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape):
                    stack.append(o)
                elif p in (SH["or"], SH["and"], SH.xone):
                    stack.extend(Collection(kb.shapes, o))
    return index
