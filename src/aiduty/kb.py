"""The knowledge base: ontology/ and shapes/ read once per process, checked, compiled and cached by content hash.

Everything a check needs is precomputed here: the role hierarchy's closure, the compiled three-valued
conditions, the index of campaign targets and precedents per duty, and the shapes graph handed to pyshacl.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property
from importlib import resources
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from .conditions import Expr, compile_condition
from .implications import Table, compile_table
from .priority import PriorityRule, PriorityRuleError, compile_rules
from .vocab import AID, DPV, ELI, PROV, SH, fact_paths

Text = dict[str, str]
RULE_TYPES = {DPV.Obligation: "obligation", DPV.Prohibition: "prohibition", DPV.Recommendation: "recommendation"}


def data_root() -> Path:
    """ontology/ and shapes/: $AIDUTY_DATA if set, else shipped inside the wheel, else beside src/ in a checkout."""
    if os.environ.get("AIDUTY_DATA"):
        return Path(os.environ["AIDUTY_DATA"]).resolve()
    packaged = resources.files("aiduty") / "data"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------------------------------------ model


@dataclass(frozen=True)
class Citation:
    instrument: str
    iri: str
    article: int | None = None
    paragraph: int | None = None
    item: int | None = None
    clause: str | None = None
    label: Text = field(default_factory=dict)
    summary: Text = field(default_factory=dict)

    def as_json(self) -> dict:
        out: dict = {"instrument": self.instrument}
        for key in ("article", "paragraph", "item", "clause"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        out["label"] = self.label
        return out


@dataclass(frozen=True)
class Instrument:
    code: str
    iri: str
    title: Text
    short_title: Text
    instrument_type: Text
    status: str
    published_on: date | None
    in_force_from: date | None
    in_force_until: date | None
    confidence: str
    superseded_by: str | None
    regulators: tuple[str, ...]
    sources: tuple[str, ...]
    summary: Text

    def exists_on(self, day: date) -> bool:
        return self.published_on is None or self.published_on <= day


@dataclass(frozen=True)
class Role:
    id: str
    cls: URIRef
    label: Text
    definition: Text
    broader: tuple[URIRef, ...]          # the whole chain of broader roles
    condition: Expr
    condition_label: Text


@dataclass(frozen=True)
class Fact:
    path: str
    prop: URIRef
    label: Text
    question: Text
    definition: Text = field(default_factory=dict)   # skos:definition
    help: Text = field(default_factory=dict)         # aid:help: plain words, with an example
    legal_judgement: bool = False                    # aid:legalJudgement: a legal judgement, not a product fact
    guidance: Text = field(default_factory=dict)     # aid:guidance: what the law offers for that judgement


@dataclass(frozen=True)
class Duty:
    id: str
    iri: URIRef
    title: Text
    summary: Text
    rule_type: str
    bearer: str
    bearer_class: URIRef
    citations: tuple[Citation, ...]
    instrument: str
    condition_shape: URIRef
    condition: Expr
    condition_label: Text
    requirement_shapes: tuple[URIRef, ...]
    no_description_can_confirm: bool
    remediation: Text
    in_force_from: date | None
    in_force_until: date | None
    instrument_status: str
    confidence: str
    confidence_note: Text
    penalty: tuple[Citation, ...]
    penalty_note: Text
    max_fine_cny: int | None
    specialises: tuple[str, ...]
    overlaps: tuple[str, ...]
    replaces: tuple[str, ...]
    supports: tuple[str, ...]
    campaign_targets: tuple[str, ...]
    precedents: tuple[str, ...]
    facts: tuple[str, ...]               # description paths the condition and requirement read
    # The facts whose values (or stated-ness) decide the requirement shapes' results; None when the shapes use
    # SHACL beyond what makes that so, and their results are then never memoised.
    requirement_reads: tuple[str, ...] | None
    ordinary_fine_cny: int | None = None  # the fine signal of priority (aid:ordinaryFineCNY); max_fine_cny is information
    ordinary_fine_tier: Text = field(default_factory=dict)   # label of the provision that sets that tier


@dataclass(frozen=True)
class Target:
    id: str                              # CAMPAIGN/CODE
    code: str
    campaign: str
    label: Text
    description: Text
    phase: Text
    kind: str
    confidence: str
    duties: tuple[str, ...]
    continues: tuple[str, ...] = ()      # earlier targets this one takes up again (aid:continues)
    continued_by: tuple[str, ...] = ()   # later targets that take this one up again


@dataclass(frozen=True)
class Campaign:
    code: str
    label: Text
    description: Text
    regulators: tuple[str, ...]
    start: date | None
    end: date | None
    confidence: str
    confidence_note: Text
    sources: tuple[str, ...]
    targets: tuple[Target, ...]
    short_title: Text = field(default_factory=dict)
    part_of: str | None = None           # the campaign this one deploys locally (dct:isPartOf)
    end_confidence: str | None = None    # how well the end date (launch + announced length) is supported


@dataclass(frozen=True)
class Precedent:
    id: str
    label: Text
    description: Text
    date: date | None
    concerns: tuple[str, ...]
    findings: tuple[Text, ...]
    measures: tuple[Text, ...]
    instruments: tuple[str, ...]
    fine_note: Text
    confidence: str
    duties: tuple[str, ...]


@dataclass(frozen=True)
class Action:
    """A remediation action (ontology/remediation-actions.ttl): one fix that closes several duties (aid:closes)."""
    id: str
    title: Text
    description: Text
    closes: tuple[str, ...]


@dataclass
class KnowledgeBase:
    version: str
    content_hash: str
    shapes: Graph                        # only the requirement shapes and what they reference (the check path)
    instruments: dict[str, Instrument]
    roles: dict[str, Role]
    roles_by_class: dict[URIRef, Role]
    facts: dict[URIRef, Fact]
    duties: dict[str, Duty]
    campaigns: dict[str, Campaign]
    precedents: dict[str, Precedent]
    shape_duty: dict[URIRef, str]       # requirement shape -> duty id
    shape_index: dict                   # every shape node nested in a requirement shape -> duty id
    provisions_without_duty: list[tuple[Citation, Text]]
    implications: Table = Table(())     # ontology/implications.ttl, compiled (see implications.py)
    priority_rules: tuple[PriorityRule, ...] = ()   # ontology/priority.ttl, in order
    actions: dict[str, Action] = field(default_factory=dict)     # ontology/remediation-actions.ttl, by id
    action_of: dict[str, str] = field(default_factory=dict)      # duty id -> the action that closes it

    @cached_property
    def targets(self) -> dict[str, Target]:
        return {t.id: t for c in self.campaigns.values() for t in c.targets}

    def graph(self) -> Graph:
        """The whole knowledge base as one new graph (for SPARQL, export and lint), parsed from its Turtle.

        Not kept in the cache: the check path needs only ``shapes``, and unpickling every triple would cost
        more than the whole check.
        """
        root = data_root()
        files = kb_files(root)
        if content_hash(files, root) != self.content_hash:
            raise KnowledgeBaseError("the knowledge base files changed since this process loaded them")
        g = Graph()
        for path in files:
            g.parse(path, format="turtle")
        return g

    def fact_for_path(self, path: str) -> Fact | None:
        return self.facts_by_path.get(path)

    @cached_property
    def facts_by_path(self) -> dict[str, Fact]:
        return {f.path: f for f in self.facts.values()}


# ------------------------------------------------------------------------------------------------ reading


def kb_files(root: Path | None = None) -> list[Path]:
    root = root or data_root()
    files = sorted((root / "ontology").rglob("*.ttl")) + sorted(p for p in (root / "shapes").rglob("*.ttl") if "kb" not in p.relative_to(root / "shapes").parts[:-1])
    if not files:
        raise FileNotFoundError(f"no knowledge base files under {root}")
    return files


def content_hash(files: list[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _text(g: Graph, s, p) -> Text:
    out: Text = {}
    for o in g.objects(s, p):
        if isinstance(o, Literal) and o.language in ("en", "zh") and o.language not in out:
            out[o.language] = str(o)
    return out


def _date(g: Graph, s, p) -> date | None:
    v = g.value(s, p)
    return v.toPython() if isinstance(v, Literal) else None


def _notation(g: Graph, concept) -> str:
    return str(g.value(concept, SKOS.notation) or str(concept).rsplit("#", 1)[-1])


def _ident(g: Graph, s) -> str:
    return str(g.value(s, DCTERMS.identifier) or str(s).rstrip("/").rsplit("/", 1)[-1])


ZH_DIGITS = "零一二三四五六七八九"


def zh_number(n: int) -> str:
    """12 -> 十二, 105 -> 一百零五 (article numbers)."""
    if n < 10:
        return ZH_DIGITS[n]
    if n < 20:
        return "十" + (ZH_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return ZH_DIGITS[n // 10] + "十" + (ZH_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if rest == 0 else ("零" + ZH_DIGITS[rest] if rest < 10 else ("一" + zh_number(rest) if rest < 20 else zh_number(rest)))
    return ZH_DIGITS[n // 100] + "百" + tail


def render_label(inst: Instrument, article, paragraph, item, clause, clause_zh: str | None = None) -> Text:
    """A citation's label in both languages; ``clause_zh`` names a descriptive clause in Chinese (aid:clauseLabel)."""
    code = inst.code
    zh_title = inst.short_title.get("zh") or inst.title.get("zh", code)
    if article is None and clause is None:     # aid:unnumbered: the sources give the rule but no article number
        return {"en": f"{code} (article not identified)", "zh": f"《{zh_title}》（条号未明）"}
    if clause is not None:
        return {"en": f"{code} clause {clause}", "zh": f"{zh_title} {clause_zh or clause}"}
    en = f"{code} Art. {article}" + (f"({paragraph})" if paragraph else "") + (f" item {item}" if item else "")
    zh = f"《{zh_title}》第{zh_number(article)}条" + (f"第{zh_number(paragraph)}款" if paragraph else "") + (f"第{zh_number(item)}项" if item else "")
    return {"en": en, "zh": zh}


class KnowledgeBaseError(ValueError):
    pass


def _build(files: list[Path], root: Path, digest: str) -> KnowledgeBase:
    ontology, shapes = Graph(), Graph()
    for path in files:
        target = shapes if path.is_relative_to(root / "shapes") else ontology
        try:
            target.parse(path, format="turtle")
        except Exception as exc:
            raise KnowledgeBaseError(f"{path.relative_to(root)}: {exc}") from exc
    g = ontology + shapes
    version = str(ontology.value(URIRef("https://w3id.org/aiduty/ns"), OWL.versionInfo) or "0")

    instruments: dict[str, Instrument] = {}
    for s in g.subjects(RDF.type, AID.Instrument):
        code = _ident(g, s)
        superseded = g.value(s, AID.supersededBy)
        instruments[code] = Instrument(
            code=code, iri=str(s), title=_text(g, s, SKOS.prefLabel), short_title=_text(g, s, AID.shortTitle),
            instrument_type=_text(g, s, AID.instrumentType), status=_notation(g, g.value(s, AID.status)),
            published_on=_date(g, s, AID.publishedOn), in_force_from=_date(g, s, ELI.first_date_entry_in_force),
            in_force_until=_date(g, s, ELI.date_no_longer_in_force),
            confidence=_notation(g, g.value(s, AID.confidence)) if g.value(s, AID.confidence) else "credible-secondary",
            superseded_by=_ident(g, superseded) if superseded else None,
            regulators=tuple(sorted(_ident(g, r) for r in g.objects(s, ELI.passed_by))),
            sources=tuple(sorted(str(x) for x in g.objects(s, DCTERMS.source))),
            summary=_text(g, s, SKOS.definition) or _text(g, s, RDFS.comment),
        )

    def instrument_of(provision) -> Instrument:
        node, seen = provision, set()
        while node is not None and node not in seen:
            seen.add(node)
            if (node, RDF.type, AID.Instrument) in g:
                return instruments[_ident(g, node)]
            node = g.value(node, ELI.is_part_of)
        raise KnowledgeBaseError(f"provision {provision} is not part of any instrument")

    @cache
    def citation(provision) -> Citation:
        inst = instrument_of(provision)
        num = lambda p: int(g.value(provision, p)) if g.value(provision, p) is not None else None  # noqa: E731
        clause = g.value(provision, AID.clause)
        clause = str(clause) if clause is not None else None
        article, paragraph, item = num(AID.article), num(AID.paragraph), num(AID.item)
        if article is None and clause is None and (provision, AID.unnumbered, Literal(True)) not in g:
            raise KnowledgeBaseError(f"provision {provision} has neither aid:article nor aid:clause (nor aid:unnumbered true)")
        clause_zh = _text(g, provision, AID.clauseLabel).get("zh")
        return Citation(inst.code, str(provision), article, paragraph, item, clause,
                        render_label(inst, article, paragraph, item, clause, clause_zh), _text(g, provision, SKOS.definition))

    paths = fact_paths()
    facts = {
        prop: Fact(path, prop, _text(g, prop, SKOS.prefLabel) or {"en": path, "zh": path},
                   _text(g, prop, AID.question) or {"en": f"What is {path}?", "zh": f"请说明 {path}。"},
                   _text(g, prop, SKOS.definition), _text(g, prop, AID.help),
                   (prop, AID.legalJudgement, Literal(True)) in g, _text(g, prop, AID.guidance))
        for prop, path in fact_paths().items()
    }

    roles: dict[str, Role] = {}
    for cls in g.subjects(RDF.type, AID.Role):
        if cls == AID.Role:
            continue
        chain, node = [], g.value(cls, RDFS.subClassOf)
        while node is not None and (node, RDF.type, AID.Role) in g:
            chain.append(node)
            node = g.value(node, RDFS.subClassOf)
        shape = g.value(cls, AID.derivedWhen)
        roles[_ident(g, cls)] = Role(_ident(g, cls), cls, _text(g, cls, SKOS.prefLabel), _text(g, cls, SKOS.definition),
                                     tuple(chain), compile_condition(g, shape, paths), _text(g, shape, RDFS.label))
    roles_by_class = {r.cls: r for r in roles.values()}
    try:
        implications = compile_table(g, paths, citation)
    except ValueError as exc:
        raise KnowledgeBaseError(str(exc)) from exc

    # campaign targets and precedents, indexed by duty
    targets_of: dict[str, list[str]] = {}
    precedents_of: dict[str, list[str]] = {}
    campaigns: dict[str, Campaign] = {}
    target_ids = {t: f"{_ident(g, c)}/{g.value(t, AID.targetCode) or _ident(g, t)}" for c in g.subjects(RDF.type, AID.Campaign)
                  for t in [*g.objects(c, AID.hasTarget), *(x for ph in g.objects(c, AID.phase) for x in g.objects(ph, AID.hasTarget))]}
    continued_by: dict[str, list[str]] = {}
    for later, earlier in g.subject_objects(AID.continues):
        if later in target_ids and earlier in target_ids:
            continued_by.setdefault(target_ids[earlier], []).append(target_ids[later])
    for c in g.subjects(RDF.type, AID.Campaign):
        code = _ident(g, c)
        tlist = []
        phases = list(g.objects(c, AID.phase))
        target_nodes = [(t, None) for t in g.objects(c, AID.hasTarget)] + [(t, ph) for ph in phases for t in g.objects(ph, AID.hasTarget)]
        for t, ph in target_nodes:
            tcode = str(g.value(t, AID.targetCode) or _ident(g, t))
            duties = tuple(sorted(_ident(g, d) for d in g.objects(t, AID.enforces)))
            tid = f"{code}/{tcode}"
            for d in duties:
                targets_of.setdefault(d, []).append(tid)
            conf = g.value(t, AID.confidence) or g.value(c, AID.confidence)
            tlist.append(Target(tid, tcode, code, _text(g, t, SKOS.prefLabel), _text(g, t, SKOS.definition),
                                _text(g, ph, SKOS.prefLabel) if ph is not None else {},
                                str(g.value(t, AID.targetKind) or "duty"), _notation(g, conf) if conf else "reported", duties,
                                tuple(sorted(target_ids[x] for x in g.objects(t, AID.continues) if x in target_ids)),
                                tuple(sorted(continued_by.get(tid, [])))))
        start = g.value(c, PROV.startedAtTime)
        end = g.value(c, PROV.endedAtTime)
        conf = g.value(c, AID.confidence)
        campaigns[code] = Campaign(
            code, _text(g, c, SKOS.prefLabel), _text(g, c, SKOS.definition),
            tuple(sorted(_ident(g, r) for r in g.objects(c, PROV.wasAssociatedWith))),
            _as_date(start), _as_date(end), _notation(g, conf) if conf else "reported", _text(g, c, AID.confidenceNote),
            tuple(sorted(str(x) for x in g.objects(c, DCTERMS.source))), tuple(sorted(tlist, key=lambda t: _target_key(t.code))),
            _text(g, c, AID.shortTitle), _ident(g, g.value(c, DCTERMS.isPartOf)) if g.value(c, DCTERMS.isPartOf) else None,
            _notation(g, g.value(c, AID.endConfidence)) if g.value(c, AID.endConfidence) else None)
    precedents: dict[str, Precedent] = {}
    for e in g.subjects(RDF.type, AID.EnforcementAction):
        pid = _ident(g, e)
        duties = tuple(sorted(_ident(g, d) for d in g.objects(e, AID.enforces)))
        for d in duties:
            precedents_of.setdefault(d, []).append(pid)
        conf = g.value(e, AID.confidence)
        precedents[pid] = Precedent(
            pid, _text(g, e, SKOS.prefLabel), _text(g, e, SKOS.definition),
            _as_date(g.value(e, PROV.startedAtTime) or g.value(e, DCTERMS.date)),
            tuple(sorted(str(x) for x in g.objects(e, AID.concerns))),
            tuple(_text_nodes(g, e, AID.finding)), tuple(_text_nodes(g, e, AID.measureTaken)),
            tuple(sorted(_ident(g, i) for i in g.objects(e, AID.citesInstrument))), _text(g, e, AID.fineNote),
            _notation(g, conf) if conf else "credible-secondary", duties)

    duties: dict[str, Duty] = {}
    shape_duty: dict[URIRef, str] = {}
    for d in g.subjects(RDF.type, AID.Duty):
        did = _ident(g, d)
        cites = tuple(sorted((citation(p) for p in g.objects(d, AID.cites)), key=_citation_key))
        if not cites:
            raise KnowledgeBaseError(f"duty {did} cites no provision")
        inst = instruments[cites[0].instrument]
        bearer_cls = g.value(d, AID.bearer)
        if bearer_cls not in roles_by_class:
            raise KnowledgeBaseError(f"duty {did} has bearer {bearer_cls}, not a known role")
        cond_shape = g.value(d, AID.appliesWhen)
        if cond_shape is None:
            raise KnowledgeBaseError(f"duty {did} has no aid:appliesWhen")
        condition = compile_condition(g, cond_shape, paths)
        req = tuple(sorted(g.objects(d, AID.satisfiedBy)))
        for shape in req:
            shape_duty[shape] = did
        conf = g.value(d, AID.confidence)
        duties[did] = Duty(
            id=did, iri=d, title=_text(g, d, SKOS.prefLabel), summary=_text(g, d, SKOS.definition),
            rule_type=RULE_TYPES.get(g.value(d, AID.ruleType), "obligation"), bearer=roles_by_class[bearer_cls].id,
            bearer_class=bearer_cls, citations=cites, instrument=inst.code, condition_shape=cond_shape,
            condition=condition, condition_label=_text(g, cond_shape, RDFS.label), requirement_shapes=req,
            no_description_can_confirm=bool(g.value(d, AID.noDescriptionCanConfirm)) and not req,
            remediation=_text(g, d, AID.remediation),
            in_force_from=_date(g, d, AID.inForceFrom) or inst.in_force_from,
            in_force_until=_date(g, d, AID.inForceUntil) or inst.in_force_until,
            instrument_status=inst.status, confidence=_notation(g, conf) if conf else inst.confidence,
            confidence_note=_text(g, d, AID.confidenceNote),
            penalty=tuple(sorted((citation(p) for p in g.objects(d, AID.penalty)), key=_citation_key)), penalty_note=_text(g, d, AID.penaltyNote),
            max_fine_cny=int(g.value(d, AID.maxFineCNY)) if g.value(d, AID.maxFineCNY) is not None else None,
            specialises=tuple(sorted(_ident(g, x) for x in g.objects(d, AID.specialises))),
            overlaps=tuple(sorted({_ident(g, x) for x in g.objects(d, AID.overlapsWith)} | {_ident(g, x) for x in g.subjects(AID.overlapsWith, d)})),
            replaces=tuple(sorted(_ident(g, x) for x in g.objects(d, DCTERMS.replaces))),
            supports=tuple(sorted(_ident(g, x) for x in g.objects(d, AID.supports))),
            campaign_targets=tuple(sorted(targets_of.get(did, []))), precedents=tuple(sorted(precedents_of.get(did, []))),
            facts=tuple(sorted(condition.facts() | {paths[p] for p in _requirement_facts(shapes, req) if p in paths})),
            requirement_reads=_requirement_reads(shapes, req, paths) if req else None,
            ordinary_fine_cny=int(g.value(d, AID.ordinaryFineCNY)) if g.value(d, AID.ordinaryFineCNY) is not None else None,
            ordinary_fine_tier=citation(g.value(d, AID.ordinaryFineTier)).label if g.value(d, AID.ordinaryFineTier) is not None else {},
        )

    without = []
    for p in set(g.subjects(AID.noDutyReason, None)):
        if (p, RDF.type, AID.Provision) in g or g.value(p, ELI.is_part_of) is not None:
            without.append((citation(p), _text(g, p, AID.noDutyReason)))
    without.sort(key=lambda x: _citation_key(x[0]))

    try:
        priority_rules = compile_rules(g, RULE_TYPES, _notation)
    except PriorityRuleError as exc:
        raise KnowledgeBaseError(str(exc)) from exc

    actions = {}
    for a in g.subjects(RDF.type, AID.Action):
        closes = tuple(sorted(_ident(g, d) for d in g.objects(a, AID.closes) if _ident(g, d) in duties))
        actions[_ident(g, a)] = Action(_ident(g, a), _text(g, a, SKOS.prefLabel), _text(g, a, SKOS.definition), closes)
    actions = dict(sorted(actions.items()))
    action_of = {d: a.id for a in actions.values() for d in a.closes}   # the lint allows one action a duty

    # rdflib iterates in no fixed order; sorted dicts make every build (and so every report) the same
    roles = dict(sorted(roles.items()))
    return KnowledgeBase(version, digest, _closure(shapes, shape_duty), dict(sorted(instruments.items())), roles,
                         roles_by_class, facts, dict(sorted(duties.items())),
                         dict(sorted(campaigns.items())), dict(sorted(precedents.items())), shape_duty,
                         _nested_shape_index(shapes, shape_duty), without, implications=implications,
                         priority_rules=priority_rules, actions=actions, action_of=action_of)


def _closure(shapes: Graph, roots) -> Graph:
    """The triples reachable from the requirement shapes (nested shapes, lists, shared helper shapes)."""
    out, seen, stack = Graph(bind_namespaces="none"), set(), list(roots)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in shapes.predicate_objects(node):
            out.add((node, p, o))
            if p != SH.targetClass and (o, None, None) in shapes:
                stack.append(o)
    return out


def _as_date(v) -> date | None:
    if v is None:
        return None
    py = v.toPython()
    return py.date() if hasattr(py, "date") and callable(py.date) else py if isinstance(py, date) else None


def _text_nodes(g: Graph, s, p) -> list[Text]:
    """Bilingual multi-valued text: literals grouped in order of their English/Chinese pairs."""
    en = sorted(str(o) for o in g.objects(s, p) if isinstance(o, Literal) and o.language == "en")
    zh = sorted(str(o) for o in g.objects(s, p) if isinstance(o, Literal) and o.language == "zh")
    return [{"en": e, "zh": z} for e, z in zip(en, zh)] if len(en) == len(zh) else [{"en": e} for e in en] + [{"zh": z} for z in zh]


def _target_key(code: str):
    return tuple(int(x) if x.isdigit() else x for x in code.replace("-", " ").replace("P", "P ").split())


def _citation_key(c: Citation):
    return (c.instrument, c.article or 0, c.paragraph or 0, c.item or 0, c.clause or "")


def _requirement_facts(shapes: Graph, req_shapes) -> set[URIRef]:
    """Facts a requirement shape reads: property paths and aid:fact annotations (aid:states itself excluded)."""
    out: set[URIRef] = set()
    stack = list(req_shapes)
    seen = set()
    while stack:
        s = stack.pop()
        if s in seen:
            continue
        seen.add(s)
        for p, o in shapes.predicate_objects(s):
            if p == SH.path and isinstance(o, URIRef) and o != AID.states:
                out.add(o)
            elif p == AID.fact:
                out.add(o)
            elif p in (SH.property, SH.node, SH["not"]):
                stack.append(o)
            elif p in (SH["or"], SH["and"]):
                stack.extend(Collection(shapes, o))
    return out


# What a requirement shape may use for its result to be a function of the facts it reads.
_MEMO_SAFE = {SH.targetClass, SH.property, SH.path, SH.minCount, SH.maxCount, SH["in"], SH.hasValue, SH.minInclusive,
              SH.maxInclusive, SH.minExclusive, SH.maxExclusive, SH.datatype, SH.severity, SH.message, SH["or"],
              SH["and"], SH["not"], SH.node, SH.name, SH.description, SH.pattern, SH.minLength, SH.maxLength,
              AID.fact, RDF.type, RDFS.label, RDFS.comment}


def _requirement_reads(shapes: Graph, req_shapes, paths: dict[URIRef, str]) -> tuple[str, ...] | None:
    """The fact paths whose values decide the requirement shapes' results (see Duty.requirement_reads)."""
    reads: set[URIRef] = set()
    stack, seen = list(req_shapes), set()
    while stack:
        shape = stack.pop()
        if shape in seen:
            continue
        seen.add(shape)
        for p, o in shapes.predicate_objects(shape):
            if p not in _MEMO_SAFE:
                return None
            if p == SH.path:
                if not isinstance(o, URIRef):
                    return None
                reads.add(o)
            elif p in (SH.property, SH.node, SH["not"]):
                stack.append(o)
            elif p in (SH["or"], SH["and"]):
                stack.extend(Collection(shapes, o))
    # aid:states is read only for facts that are themselves listed: their stated-ness is part of the key.
    reads.discard(AID.states)
    reads |= {o for s in seen for o in shapes.objects(s, SH.hasValue) if o in paths}
    if not reads <= paths.keys():
        return None
    return tuple(sorted(paths[p] for p in reads))


def _nested_shape_index(shapes: Graph, shape_duty: dict[URIRef, str]) -> dict:
    """Every shape node reachable from a requirement shape -> its duty (pyshacl reports nested sources)."""
    index: dict = {}
    for shape, did in shape_duty.items():
        stack = [shape]
        while stack:
            s = stack.pop()
            if s in index:
                continue
            index[s] = did
            for p, o in shapes.predicate_objects(s):
                if p in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape):
                    stack.append(o)
                elif p in (SH["or"], SH["and"], SH.xone):
                    stack.extend(Collection(shapes, o))
    return index


def code_hash() -> str:
    """A digest of every module of the package (what is cached depends on all of it; see cache.py)."""
    from .cache import code_digest

    return code_digest()


def cache_dir() -> Path:
    """$AIDUTY_CACHE_DIR, else the user cache directory ($XDG_CACHE_HOME/aiduty on Linux); see cache.py."""
    from .cache import default_dir

    return default_dir()


@cache
def load(root: Path | None = None) -> KnowledgeBase:
    """Load the knowledge base once per process; reuse a cached build with the same content hash (cache.py:
    authenticated JSON, never pickle; an entry that does not check is rebuilt and written again)."""
    from . import cache as store

    root = root or data_root()
    files = kb_files(root)
    digest = content_hash(files, root)
    key = store.entry_key("kb", f"content {digest}")
    name = store.entry_name("kb", key, digest[:32])
    classes = _cached_classes()
    directory = cache_dir()
    kb = store.read(directory, name, key, classes, KnowledgeBase)
    if kb is None:
        kb = _build(files, root, digest)
        store.write(directory, name, key, kb, classes)
    return kb


def _cached_classes() -> list[type]:
    """What a cached build may hold: the dataclasses and enums defined here and in the modules it compiles
    (conditions, implications, priority) (found, not
    listed, so that a class added to either is cached too)."""
    import sys
    from dataclasses import is_dataclass
    from enum import Enum

    from . import conditions, implications, priority

    return [obj for module in (sys.modules[__name__], conditions, implications, priority) for obj in vars(module).values()
            if isinstance(obj, type) and obj.__module__ == module.__name__ and (is_dataclass(obj) or issubclass(obj, Enum))]


def lint_shapes(root: Path | None = None) -> Graph:
    root = root or data_root()
    shapes = Graph()
    for path in sorted((root / "shapes" / "kb").glob("*.ttl")):
        shapes.parse(path, format="turtle")
    return shapes


def lint(kb: KnowledgeBase | None = None, graph: Graph | None = None, root: Path | None = None) -> list[str]:
    """Run the KB lint (shapes/kb/*.ttl) over the knowledge base (or ``graph``); return the problems found."""
    import pyshacl

    graph = graph if graph is not None else (kb or load()).graph()
    _, results, _ = pyshacl.validate(graph, shacl_graph=lint_shapes(root), inference="none", advanced=True)
    problems = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        focus, msg, path = results.value(r, SH.focusNode), results.value(r, SH.resultMessage), results.value(r, SH.resultPath)
        problems.append(" ".join(str(x) for x in (focus, path, msg) if x is not None))
    return sorted(problems + file_problems(graph, root or data_root()))


# What each code's files are: the knowledge base names its instruments, campaigns and precedents by the files present.
CODE_FILES = {AID.Instrument: ("ontology/instruments", "shapes"), AID.Campaign: ("ontology/campaigns",),
              AID.EnforcementAction: ("ontology/enforcement",)}


def file_problems(graph: Graph, root: Path) -> list[str]:
    """Codes checked against the files present, not a fixed list: every instrument, campaign and precedent has its
    own file(s) named by its code, and every such file holds the thing its name says."""
    problems = []
    for cls, folders in CODE_FILES.items():
        codes = {str(graph.value(s, DCTERMS.identifier)) for s in graph.subjects(RDF.type, cls) if graph.value(s, DCTERMS.identifier)}
        for folder in folders:
            present = {f.stem for f in (root / folder).glob("*.ttl")}
            if folder == "shapes":
                present = {c for c in codes if c in present}
            for code in sorted(codes - present):
                problems.append(f"{code}: no {folder}/{code}.ttl (each {_ident(graph, cls)} has its own file named by its code)")
            for code in sorted(present - codes):
                problems.append(f"{folder}/{code}.ttl: defines no {_ident(graph, cls)} with dct:identifier \"{code}\"")
    return problems


def temporal_state(kb: "KnowledgeBase", duty: Duty, day: date) -> str | None:
    """The duty on ``day``: None (its instrument is not yet published), "lapsed", "upcoming" or "in_force".
    The one in-force test: the engine and the catalogue (``aiduty obligations --status``, ``diff``) both use it."""
    inst = kb.instruments[duty.instrument]
    if not inst.exists_on(day):
        return None                      # not yet published: it does not exist on that day
    if duty.in_force_until and day > duty.in_force_until:
        return "lapsed"
    if duty.instrument_status == "draft" or duty.in_force_from is None or day < duty.in_force_from:
        return "upcoming"
    return "in_force"
