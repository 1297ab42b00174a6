"""The engine: facts -> applicability (three-valued, per duty) -> requirements (pyshacl) -> Report.

    from aiduty import Engine
    report = Engine.load().check("service.yaml", as_of="2026-11-22")
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property, lru_cache
from datetime import date
from itertools import count
from operator import itemgetter
from pathlib import Path
from typing import Any, Iterable

from rdflib import Graph
from rdflib.namespace import RDF

from . import kb as kbmod
from .conditions import Outcome, Truth
from .description import ServiceDescription, load_description, parse_description
from .facts import Facts, build_facts
from .kb import Duty, KnowledgeBase
from .memo import Memo, ResultStore
from .report import (
    PRIORITY_ORDER, STATUS_ORDER, Bilingual, CitationOut, DerivedFact, DutyOut, Finding, KnowledgeBaseRef,
    Question, Report, RoleOut, ServiceRef, Summary,
)
from .priority import decide as decide_priority
from .vocab import AID, SH, SUBJ
from .words import WORDS

MEMO_SIZE = 100_000             # requirement results kept (and saved) per process
ENTRY_MEMO_SIZE = 20_000        # report entries kept per process: a few KB each
_EMPTY = Graph()
_MISS = object()
_ENTRY_FIELDS = frozenset(DutyOut.model_fields)   # one shared "fields set" for all entries (they are immutable)


@dataclass(frozen=True)
class RequirementResult:
    violations: tuple[tuple[str | None, dict[str, str]], ...]   # (fact path, message by language)
    warnings: tuple[tuple[str | None, dict[str, str]], ...]
    missing: tuple[str, ...]                                     # fact paths not stated


def _as_date(value: date | str | None) -> date:
    if value is None:
        return date.today()
    return value if isinstance(value, date) else date.fromisoformat(value)


class Engine:
    """Checks service descriptions against a loaded knowledge base.

    Two memos make repeated checks cheap, both keyed by exactly the facts a result depends on:
    requirement results (what pyshacl said, also kept on disk beside the knowledge base cache) and report
    entries (a duty's status, reasons and findings). The entries are immutable, so reports share them.
    An engine is meant for one thread: use one per thread or, as the CLI and the API do, per process.
    """

    def __init__(self, kb: KnowledgeBase, *, memo: bool = True):
        """``memo=False`` remembers nothing: every check runs pyshacl (the tests and bench/ compare the two)."""
        self.kb = kb
        self.memo = memo
        self._kb_ref = KnowledgeBaseRef(version=kb.version, content_hash=kb.content_hash)
        self._entries = Memo(ENTRY_MEMO_SIZE if memo else 0)
        self._outcome_ids: dict[Outcome, int] = {}
        self._counter = count()
        self._plans: dict[date, list] = {}

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

    def save(self) -> None:
        """Keep this process's requirement results on disk for the next process (a cache; safe to delete)."""
        if isinstance(self.__dict__.get("_results"), ResultStore):
            self._results.save()

    # ------------------------------------------------------------------ steps

    def _temporal_state(self, duty: Duty, day: date) -> str | None:
        return kbmod.temporal_state(self.kb, duty, day)

    def requirements(self, facts: Facts, duty_ids: Iterable[str]) -> dict[str, RequirementResult]:
        """Validate the requirement shapes of the given duties with pyshacl.

        A requirement's result depends only on the facts its shapes read, so results are memoised by
        (duty, those facts' values); pyshacl validates only the combinations not seen before.
        """
        done: dict[str, RequirementResult] = {}
        todo: dict[str, Any] = {}
        values = facts.context.values
        for did in duty_ids:
            duty = self.kb.duties[did]
            if not duty.requirement_shapes:
                continue
            reads = duty.requirement_reads
            key = None if reads is None else (did, tuple([values.get(p) for p in reads]))
            hit = self._results.get(key) if key is not None else None
            if hit is not None:
                done[did] = hit
            else:
                todo[did] = key
        if todo:
            fresh = self._validate(facts, list(todo))
            for did, key in todo.items():
                done[did] = fresh[did]
                if key is not None:
                    self._results.put(key, fresh[did])
        return done

    @cached_property
    def _results(self) -> Memo:
        return ResultStore(kbmod.cache_dir(), self.kb.content_hash, MEMO_SIZE) if self.memo else Memo(0)

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
        return self._read_results(results, duty_ids)

    def _read_results(self, results: Graph, duty_ids: list[str]) -> dict[str, RequirementResult]:
        per: dict[str, dict[str, list]] = {d: {"v": [], "w": [], "m": []} for d in duty_ids}
        for r in results.subjects(RDF.type, SH.ValidationResult):
            source = results.value(r, SH.sourceShape)
            did = self.kb.shape_index.get(source)
            if did not in per:
                continue
            fact = self._fact_of(results.value(r, SH.resultPath), source, self.kb.duties[did])
            severity = results.value(r, SH.resultSeverity)
            if severity == SH.Info:
                if fact:
                    per[did]["m"].append(fact)
                continue
            message = self._message(source, did, str(results.value(r, SH.resultMessage) or ""))
            per[did]["v" if severity == SH.Violation else "w"].append((fact, message))
        # pyshacl's results come in no fixed order: sort them, so that the same facts always give the same report
        return {d: RequirementResult(_sorted_unique(v["v"]), _sorted_unique(v["w"]), tuple(sorted(set(v["m"]))))
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

    @lru_cache(maxsize=4096)
    def _message(self, source, duty_id: str, fallback: str) -> dict[str, str]:
        """A requirement's message by language. Cached: one shared (read-only) dict per shape, so that the
        saved results hold each message once."""
        texts = kbmod._text(self.kb.shapes, source, SH.message)
        if not texts:
            for shape in self.kb.duties[duty_id].requirement_shapes:
                texts = kbmod._text(self.kb.shapes, shape, SH.message)
                if texts:
                    break
        return texts or {"en": str(fallback or "requirement not met"), "zh": str(fallback or "不符合要求")}

    # ------------------------------------------------------------------ report

    def _report(self, facts: Facts, day: date, lang: str, include_all: bool) -> Report:
        get = facts.context.values.get
        role = {r: self._role_ids(o) for r, o in facts.context.roles.items()}
        entries: list[tuple[tuple, DutyOut]] = []
        misses: list[tuple[Duty, str, Any]] = []
        for duty, state, reads, roles in self._plan(day):
            # An entry depends on the day, the language, --all, and the values of exactly these facts and roles.
            key = None if reads is None else (duty.id, day, lang, include_all, tuple(map(get, reads)),
                                              tuple([role.get(r, -1) for r in roles]))
            entry = self._entries.get(key, _MISS) if key is not None else _MISS
            if entry is _MISS:
                misses.append((duty, state, key))
            elif entry is not None:
                entries.append(entry)
        if misses:
            outcomes = {duty.id: duty.condition.evaluate(facts.context) for duty, _, _ in misses}
            checked = self.requirements(facts, [duty.id for duty, state, _ in misses
                                                if state == "in_force" and outcomes[duty.id].truth is Truth.TRUE])
            for duty, state, key in misses:
                entry = self._entry(duty, state, outcomes[duty.id], checked.get(duty.id), day, lang, include_all)
                if key is not None:
                    self._entries.put(key, entry)
                if entry is not None:
                    entries.append(entry)
        entries.sort(key=itemgetter(0))
        duties = [d for _, d in entries]
        counts = Counter(d.status for d in duties)
        summary = Summary.model_construct(**{s: counts[s] for s in ("gap", "unknown", "met", "applicable", "upcoming")},
                                          not_applicable=counts["not_applicable"] if include_all else None)
        # Everything here comes from our own validated knowledge base and models: construct, don't re-validate.
        return Report.model_construct(
            service=ServiceRef.model_construct(id=facts.description.id, name=facts.description.name),
            as_of=day.isoformat(), lang=lang, knowledge_base=self._kb_ref, roles=self._roles(facts),
            derived_facts=[DerivedFact(fact=d.path, value=d.value, because=d.because.get(lang) or d.because["en"]) for d in facts.derivations],
            summary=summary, duties=duties, questions=self._questions(duties, lang),
        )

    def _plan(self, day: date) -> list[tuple[Duty, str, tuple[str, ...] | None, tuple[str, ...]]]:
        """Per duty that exists on ``day``: its temporal state, and the facts and roles its entry depends on
        (facts None: its requirement cannot be memoised, so neither can its entry)."""
        if day not in self._plans:
            if len(self._plans) > 64:
                self._plans.clear()
            plan = []
            for duty in self.kb.duties.values():
                state = self._temporal_state(duty, day)
                if state is None:
                    continue
                reads = duty.requirement_reads if duty.requirement_shapes else ()
                facts = None if reads is None else tuple(sorted(duty.condition.facts() | set(reads)))
                plan.append((duty, state, facts, tuple(sorted(duty.condition.roles()))))
            self._plans[day] = plan
        return self._plans[day]

    def _role_ids(self, outcome: Outcome) -> int:
        """A number for each distinct role outcome (truth, reasons, missing facts): cheap to hash in keys."""
        number = self._outcome_ids.get(outcome)
        if number is None:
            number = self._outcome_ids[outcome] = next(self._counter)
            if len(self._outcome_ids) > ENTRY_MEMO_SIZE:        # numbers are never reused, so forgetting is safe
                del self._outcome_ids[next(iter(self._outcome_ids))]
        return number

    def _roles(self, facts: Facts) -> list[RoleOut]:
        out = []
        for cls, finding in facts.roles.items():
            o = finding.outcome
            if o.truth is Truth.TRUE:
                out.append(RoleOut(id=finding.role.id, because=list(o.because)))
            elif o.truth is Truth.UNKNOWN:
                out.append(RoleOut(id=finding.role.id, status="unknown", because=list(o.because),
                                   questions=sorted(o.missing)))
        return sorted(out, key=lambda r: (r.status != "holds", r.id))

    def _entry(self, duty: Duty, state: str, outcome: Outcome, req: RequirementResult | None,
               day: date, lang: str, include_all: bool) -> tuple[tuple, DutyOut] | None:
        """A duty's report entry with its sort key, or None when it is left out of the report."""
        words = WORDS[lang]
        label = duty.condition_label.get(lang) or duty.condition_label.get("en", "")
        because = list(outcome.because)
        questions = sorted(outcome.missing)
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
        out = DutyOut.model_construct(
            _ENTRY_FIELDS, **self._static(duty.id, lang), status=status, applies_because=tuple(why), findings=tuple(findings),
            questions=tuple(questions), priority=priority, priority_reason=reason,
            campaign_targets=tuple(self._targets(duty, day)), precedents=tuple(self._precedents(duty, day)),
        )
        return (STATUS_ORDER.index(status), PRIORITY_ORDER[priority], duty.id), out

    @lru_cache(maxsize=None)
    def _static(self, duty_id: str, lang: str) -> dict[str, Any]:
        """The parts of a duty's report entry that do not depend on the service."""
        duty = self.kb.duties[duty_id]
        return dict(
            id=duty.id, title=Bilingual(**duty.title), citations=tuple(CitationOut(**c.as_json()) for c in duty.citations),
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
        """The level and reason of the first rule of ontology/priority.ttl that matches (see priority.py)."""
        return self._priority_of(duty.id, status, day, lang)

    @lru_cache(maxsize=65536)
    def _priority_of(self, duty_id: str, status: str, day: date, lang: str) -> tuple[str, str]:
        # a function of the duty, its status, the day and the language only: many services share each result
        return decide_priority(self.kb, self.kb.duties[duty_id], status, day, lang)

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
            out.append(Question.model_construct(fact=path, question=text, unlocks=ids))
        return out


def _sorted_unique(findings: list[tuple[str | None, dict[str, str]]]) -> tuple:
    unique = {(fact, tuple(sorted(message.items()))): (fact, message) for fact, message in findings}
    return tuple(unique[k] for k in sorted(unique, key=lambda k: (k[0] or "", k[1])))
