"""Priority from data: the ordered rules of ontology/priority.ttl, compiled once by kb.py and interpreted per entry.

This module knows the signals (what a campaign window, a recurrence, a precedent's age or a fine tier is) but no
level, threshold or order: those are the rules'. The words that name a signal are in words.py.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from rdflib import Graph, Literal
from rdflib.namespace import RDF, SKOS

from .vocab import AID
from .words import SIGNALS, day_text, window_text

if TYPE_CHECKING:
    from .kb import Campaign, Duty, KnowledgeBase

LEVELS = ("critical", "high", "medium", "low")          # the report contract's values, most urgent first
SIGNAL_NAMES = ("active", "recurring", "ended", "precedent", "fine")


class PriorityRuleError(ValueError):
    pass


@dataclass(frozen=True)
class Requirement:
    signal: str                          # one of SIGNAL_NAMES
    max_age_days: int | None = None      # precedents: their age; recurring targets: days since the last one ended
    min_amount_cny: int | None = None    # fines only


@dataclass(frozen=True)
class PriorityRule:
    id: str
    order: int
    level: str
    reason: dict[str, str]               # template by language
    statuses: frozenset[str] = frozenset()
    rule_types: frozenset[str] = frozenset()
    instrument_statuses: frozenset[str] = frozenset()
    requires: tuple[Requirement, ...] = ()
    also: tuple[str, ...] = ()


# ------------------------------------------------------------------------------------------------ compiling


def compile_rules(g: Graph, rule_types: dict, notation) -> tuple[PriorityRule, ...]:
    """Read every aid:PriorityRule; raise PriorityRuleError when one is malformed (the KB lint says the same in SHACL)."""
    signals = {s: str(g.value(s, SKOS.notation)) for s in g.subjects(RDF.type, AID.PrioritySignal)}
    rules = []
    for node in g.subjects(RDF.type, AID.PriorityRule):
        rid = str(node).rstrip("/").rsplit("/", 1)[-1]
        order, level = g.value(node, AID.priorityOrder), g.value(node, AID.priorityLevel)
        if order is None or str(level) not in LEVELS:
            raise PriorityRuleError(f"priority rule {rid}: needs aid:priorityOrder and a level in {LEVELS}")
        reason = {o.language: str(o) for o in g.objects(node, AID.reasonTemplate) if isinstance(o, Literal) and o.language in ("en", "zh")}
        if set(reason) != {"en", "zh"}:
            raise PriorityRuleError(f"priority rule {rid}: needs a reason template in en and zh")
        requires = []
        for req in g.objects(node, AID.requires):
            sig = g.value(req, AID.signal)
            if sig not in signals:
                raise PriorityRuleError(f"priority rule {rid}: aid:requires needs one aid:signal that is an aid:PrioritySignal")
            age, amount = g.value(req, AID.maxAgeDays), g.value(req, AID.minAmountCNY)
            requires.append(Requirement(signals[sig], int(age) if age is not None else None, int(amount) if amount is not None else None))
        also = []
        for sig in g.objects(node, AID.alsoMention):
            if sig not in signals:
                raise PriorityRuleError(f"priority rule {rid}: aid:alsoMention {sig} is not an aid:PrioritySignal")
            also.append(signals[sig])
        named = {r.signal for r in requires}
        for lang, text in reason.items():
            used = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
            if not used <= named:
                raise PriorityRuleError(f"priority rule {rid}: the {lang} template uses {sorted(used - named)}, which the rule does not require")
        rules.append(PriorityRule(
            rid, int(order), str(level), reason,
            statuses=frozenset(str(s) for s in g.objects(node, AID.whenStatus)),
            rule_types=frozenset(rule_types.get(t, str(t)) for t in g.objects(node, AID.whenRuleType)),
            instrument_statuses=frozenset(notation(g, s) for s in g.objects(node, AID.whenInstrumentStatus)),
            requires=tuple(sorted(requires, key=lambda r: r.signal)), also=tuple(sorted(s for s in also if s not in named)),
        ))
    rules.sort(key=lambda r: r.order)
    if not rules:
        return ()
    orders = [r.order for r in rules]
    if len(set(orders)) != len(orders):
        raise PriorityRuleError(f"priority rules: orders must be unique: {orders}")
    last = rules[-1]
    if last.statuses or last.rule_types or last.instrument_statuses or last.requires:
        raise PriorityRuleError(f"priority rules: the last rule ({last.id}) must have no condition, so that every entry gets a level")
    return tuple(rules)


# ------------------------------------------------------------------------------------------------ signals


@dataclass
class Signals:
    """What a duty has on a day: targets by window, precedents with their age, the ordinary-tier fine."""
    active: list = field(default_factory=list)       # Target
    recurring: list = field(default_factory=list)    # [Target, ...] in campaign order, one list per recurrence
    ended: list = field(default_factory=list)        # Target
    precedents: list = field(default_factory=list)   # (Precedent, age in days)
    fine: int | None = None
    recurring_age: int = 0                           # days since the last campaign of the recurrence ended


def _root(kb: "KnowledgeBase", code: str) -> str:
    """A campaign's top-level campaign (a local deployment is part of the national one)."""
    seen = set()
    while (parent := kb.campaigns[code].part_of) and parent in kb.campaigns and code not in seen:
        seen.add(code)
        code = parent
    return code


def _running(c: "Campaign", day: date) -> bool:
    return (c.start is None or c.start <= day) and (c.end is None or day <= c.end)


def signals(kb: "KnowledgeBase", duty: "Duty", day: date) -> Signals:
    out = Signals(fine=duty.ordinary_fine_cny)
    recurring: dict = {}
    targets = kb.targets
    mine = [targets[t] for t in duty.campaign_targets if t in targets]
    for t in mine:
        c = kb.campaigns[t.campaign]
        if c.start is not None and c.start > day:
            continue                                   # not launched yet: it does not exist for this check
        if _running(c, day):
            out.active.append(t)
            continue
        # the same target in another top-level campaign launched by that day (this duty named again, or a target
        # linked by aid:continues either way) makes it a recurring target: history, said as such
        root = _root(kb, c.code)
        related = (*mine, *(targets[i] for i in (*t.continued_by, *t.continues) if i in targets))
        again = {x.id: x for x in related if _root(kb, x.campaign) != root
                 and (s := kb.campaigns[x.campaign].start) is not None and s <= day}
        if again:
            recurring.update({t.id: t, **again})
        else:
            out.ended.append(t)
    if recurring:       # one history: every target of the recurrence, in campaign order
        out.recurring.append(sorted(recurring.values(), key=lambda x: (kb.campaigns[x.campaign].start or date.min, x.id)))
        ends = [kb.campaigns[x.campaign].end for x in recurring.values()]
        out.recurring_age = (day - max(ends)).days if all(ends) else 0
    for pid in duty.precedents:
        p = kb.precedents[pid]
        if p.date is None or p.date <= day:
            out.precedents.append((p, (day - p.date).days if p.date else 0))
    return out


def _holds(req: Requirement, sig: Signals) -> bool:
    if req.signal == "fine":
        return sig.fine is not None and sig.fine >= (req.min_amount_cny or 0)
    if req.signal == "precedent":
        return any(req.max_age_days is None or age <= req.max_age_days for _, age in sig.precedents)
    if req.signal == "recurring":
        return bool(sig.recurring) and (req.max_age_days is None or sig.recurring_age <= req.max_age_days)
    return bool(getattr(sig, req.signal))


def decide(kb: "KnowledgeBase", duty: "Duty", status: str, day: date, lang: str) -> tuple[str, str]:
    """(level, reason) from the first rule that matches."""
    sig: Signals | None = None
    for rule in kb.priority_rules:
        if rule.statuses and status not in rule.statuses:
            continue
        if rule.rule_types and duty.rule_type not in rule.rule_types:
            continue
        if rule.instrument_statuses and duty.instrument_status not in rule.instrument_statuses:
            continue
        if rule.requires:
            sig = sig or signals(kb, duty, day)
            if not all(_holds(r, sig) for r in rule.requires):
                continue
        if not rule.requires and not rule.also:
            return rule.level, rule.reason[lang]
        sig = sig or signals(kb, duty, day)
        words = Words(kb, duty, sig, day, lang)
        bounds = {r.signal: r for r in rule.requires}
        text = rule.reason[lang].format(**{name: words.say(name, bounds.get(name)) for name in bounds})
        extra = [words.say(name) for name in rule.also if _holds(Requirement(name), sig)]
        if extra:
            text += SIGNALS[lang]["also"].format(SIGNALS[lang]["sep"].join(extra))
        return rule.level, text
    return LEVELS[-1], ""


# ------------------------------------------------------------------------------------------------ words


class Words:
    """A signal in words: a campaign by its title, dates, phase and target; a precedent by its title; a fine by its tier."""

    def __init__(self, kb: "KnowledgeBase", duty: "Duty", sig: Signals, day: date, lang: str):
        self.kb, self.duty, self.sig, self.day, self.lang, self.w = kb, duty, sig, day, lang, SIGNALS[lang]

    def say(self, name: str, req: Requirement | None = None) -> str:
        return getattr(self, "_" + name)(req)

    def _text(self, text: dict) -> str:
        return text.get(self.lang) or text.get("en") or ""

    def _campaigns(self, targets) -> str:
        by: dict[str, list] = {}
        for t in targets:
            by.setdefault(t.campaign, []).append(t)
        parts = []
        for code in sorted(by, key=lambda c: (self.kb.campaigns[c].start or date.min, c)):
            c = self.kb.campaigns[code]
            names = [self.w["target_phase"].format(target=self._text(t.label), phase=self._text(t.phase)) if t.phase
                     else self.w["target"].format(target=self._text(t.label)) for t in by[code]]
            parts.append(self.w["campaign"].format(campaign=self._text(c.short_title or c.label),
                                                   window=window_text(c.start, c.end, self.lang), targets=", ".join(names)
                                                   if self.lang == "en" else "、".join(names)))
        return self.w["sep"].join(parts)

    def _active(self, req=None) -> str:
        return self._campaigns(self.sig.active)

    def _recurring(self, req=None) -> str:
        out = []
        for chain in self.sig.recurring:
            first = chain[0].campaign
            text = self.w["recurring"].format(first=self._campaigns([t for t in chain if t.campaign == first]),
                                              later=self._campaigns([t for t in chain if t.campaign != first]))
            running = any(_running(self.kb.campaigns[x.campaign], self.day) for x in chain)
            out.append(text + (self.w["recurring_running"] if running else self.w["recurring_ended"]))
        return self.w["sep"].join(out)

    def _ended(self, req=None) -> str:
        parts = []
        for t in self.sig.ended:
            c = self.kb.campaigns[t.campaign]
            parts.append(self.w["ended"].format(campaign=self._campaigns([t]), end=day_text(c.end, self.lang) if c.end else "?"))
        return self.w["sep"].join(parts)

    def _precedent(self, req: Requirement | None = None) -> str:
        chosen = [(p, age) for p, age in self.sig.precedents if req is None or req.max_age_days is None or age <= req.max_age_days]
        return self.w["sep"].join(self.w["precedent"].format(title=self._text(p.label), date=day_text(p.date, self.lang) if p.date else "?")
                                  for p, _ in chosen)

    def _fine(self, req=None) -> str:
        duty = self.duty
        tier = duty.ordinary_fine_tier or (duty.penalty[0].label if duty.penalty else {})
        text = self.w["fine"].format(amount=self.sig.fine, provision=self._text(tier))
        if duty.max_fine_cny and duty.max_fine_cny > (self.sig.fine or 0):
            text += self.w["ceiling"].format(ceiling=duty.max_fine_cny)
        return text



def names(kb: "KnowledgeBase", target_ids=(), precedent_ids=(), lang: str = "en") -> str:
    """Campaign targets or precedents by title and dates, for people (the report's id lists stay codes)."""
    w = SIGNALS[lang]
    if target_ids:
        known = [kb.targets[t] for t in target_ids if t in kb.targets]
        text = Words(kb, None, Signals(), date.today(), lang)._campaigns(known)
        unknown = [t for t in target_ids if t not in kb.targets]
        return w["sep"].join([text] * bool(text) + unknown)
    return w["sep"].join(w["precedent"].format(title=(p.label.get(lang) or p.label.get("en")), date=day_text(p.date, lang) if p.date else "?")
                         if (p := kb.precedents.get(pid)) else pid for pid in precedent_ids)
