"""Guided check: which fact to ask next, and what an answer does. No I/O (the CLI and the API do that).

An interview holds a partial description and checks it with one reused Engine (``include_all``, so every duty of
the day has a status). It asks only about the facts the report asks about (its top-level questions and the
questions of unknown roles), and of those only the *relevant* ones:

- a fact is relevant when at least one of its possible answers changes the status of some duty or role compared
  with leaving it unknown. Possible answers come from the field's type in the description model: true/false; each
  enum value; for a list of enums ``[]``, each single value and all values; for a number or a date the values on
  both sides of every threshold the knowledge base's shapes compare it with (``sh:minInclusive``,
  ``sh:maxInclusive``, ``sh:minExclusive``, ``sh:maxExclusive``, ``sh:hasValue``); for free text one stated value.
  Answers the description model would refuse (e.g. ``minors: false`` after ``under_14: true``) are not tried.
- an answer *settles* a duty that is ``unknown`` now when the duty's status with that answer is not ``unknown``.
  A question settles ``min`` over its possible answers of the number of duties settled: the duties it settles
  whatever the answer. The next question is the relevant one that settles the most; ties go to the one that
  settles the most under its best answer, then to the fact path (stable).

Nothing here knows any field by name: what matters comes from the engine's statuses and the knowledge base's
shapes, so a change to the law or the role logic changes the questions by itself.
"""

from __future__ import annotations

import copy
import dataclasses
import time
import typing
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Iterable

from pydantic import BaseModel

from .description import DescriptionError, ServiceDescription, parse_description, stated_facts
from .report import Report
from .vocab import SH, fact_paths
from .words import CHECKLIST_WORDS, SECTION_NAMES, SECTION_WORDS

DONT_KNOW = object()
DRAFT_ID = "draft-service"          # the id of a service the interview has not named yet (API and web pages)
PLACEHOLDER_TEXT = "(stated)"
THRESHOLD_PREDICATES = ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive", "hasValue")


# ------------------------------------------------------------------------------------------------ fields


@dataclass(frozen=True)
class FieldKind:
    """A fact's type as the description model declares it."""

    path: str
    kind: str                          # bool | enum | multi | int | date | str
    options: tuple[str, ...] = ()      # the enum values (enum, multi)

    @property
    def multi(self) -> bool:
        """A list of enums: several values may be chosen at once, and [] means "none"."""
        return self.kind == "multi"


def _unwrap(annotation) -> list:
    """The non-None types of an annotation, with Annotated[...] (StrictBool, StrictInt) unwrapped."""
    out = []
    for t in typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, _union_type()) else (annotation,):
        if t is type(None):
            continue
        if typing.get_origin(t) is typing.Annotated:
            t = typing.get_args(t)[0]
        out.append(t)
    return out


def _union_type():
    import types

    return types.UnionType


@lru_cache(maxsize=None)
def field_kind(path: str) -> FieldKind:
    """The kind of the fact at ``path`` (e.g. ``controls.explicit_labels`` -> multi of the five modalities)."""
    model: type[BaseModel] = ServiceDescription
    *parents, leaf = path.split(".")
    for name in parents:
        model = next(t for t in _unwrap(model.model_fields[name].annotation) if isinstance(t, type) and issubclass(t, BaseModel))
    types_ = _unwrap(model.model_fields[leaf].annotation)
    t = types_[0]
    if typing.get_origin(t) is list:
        inner = typing.get_args(t)[0]
        return FieldKind(path, "multi", tuple(typing.get_args(inner)) if typing.get_origin(inner) is typing.Literal else ())
    if typing.get_origin(t) is typing.Literal:
        return FieldKind(path, "enum", tuple(typing.get_args(t)))
    if t is bool:
        return FieldKind(path, "bool", (True, False))
    if t is int:
        return FieldKind(path, "int")
    if t is date:
        return FieldKind(path, "date")
    return FieldKind(path, "str")


def thresholds(kb) -> dict[str, set]:
    """Fact path -> the values the knowledge base's shapes compare it with (conditions and requirements)."""
    cached = getattr(kb, "_interview_thresholds", None)
    if cached is not None:
        return cached
    from .conditions import plain

    out: dict[str, set] = {}
    paths = fact_paths()
    # Requirement shapes: the shapes graph the engine hands to pyshacl.
    for shape, prop in kb.shapes.subject_objects(SH.path):
        path = paths.get(prop)
        if path is None:
            continue
        for pred in THRESHOLD_PREDICATES:
            for value in kb.shapes.objects(shape, SH[pred]):
                out.setdefault(path, set()).add(plain(value))
    # Condition shapes, as the knowledge base compiled them (duties' and roles' conditions).
    for expr in [d.condition for d in kb.duties.values()] + [r.condition for r in kb.roles.values()]:
        for node in _walk(expr):
            path = getattr(node, "fact", None)
            if not isinstance(path, str):
                continue
            for attr in ("min_inclusive", "max_inclusive", "min_exclusive", "max_exclusive"):
                value = getattr(node, attr, None)
                if value is not None:
                    out.setdefault(path, set()).add(plain(value))
            for value in getattr(node, "has_value", ()) or ():
                out.setdefault(path, set()).add(plain(value))
    try:
        kb._interview_thresholds = out
    except AttributeError:           # a frozen or slotted knowledge base: recompute each time (cheap)
        pass
    return out


def _walk(expr) -> Iterable:
    """Every node of a compiled condition, whatever its expression classes (dataclasses holding sub-expressions)."""
    stack, seen = [expr], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if dataclasses.is_dataclass(node):
            for f in dataclasses.fields(node):
                value = getattr(node, f.name, None)
                items = value if isinstance(value, (tuple, list)) else (value,)
                stack.extend(v for v in items if dataclasses.is_dataclass(v) and not isinstance(v, type))


def possible_answers(kind: FieldKind, kb, today: date) -> tuple:
    """The answers tried when judging whether a fact matters (see the module docstring)."""
    if kind.kind == "bool":
        return (True, False)
    if kind.kind == "enum":
        return kind.options
    if kind.kind == "multi":
        return ([],) + tuple([v] for v in kind.options) + ((list(kind.options),) if len(kind.options) > 1 else ())
    if kind.kind in ("int", "date"):
        step = 1 if kind.kind == "int" else timedelta(days=1)
        typ = int if kind.kind == "int" else date
        values = {v for v in thresholds(kb).get(kind.path, ()) if isinstance(v, typ) and not isinstance(v, bool)}
        around = sorted({x for v in values for x in (v - step, v, v + step)})
        return tuple(around) or ((1,) if kind.kind == "int" else (today,))
    return (PLACEHOLDER_TEXT,)


# ------------------------------------------------------------------------------------------------ nested dicts


def get_path(data: dict, path: str, default=None):
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def with_path(data: dict, path: str, value: Any) -> dict:
    """A copy of ``data`` with ``path`` set to ``value`` (or removed, for DONT_KNOW); only the branch is copied."""
    head, _, rest = path.partition(".")
    out = dict(data)
    if not rest:
        if value is DONT_KNOW:
            out.pop(head, None)
        else:
            out[head] = value
        return out
    inner = with_path(out.get(head) or {}, rest, value)
    if inner:
        out[head] = inner
    else:
        out.pop(head, None)
    return out


def as_plain(desc: ServiceDescription) -> dict:
    """A description as the plain nested dict a user would write (unstated facts left out)."""
    def prune(data: dict) -> dict:
        return {k: prune(v) if isinstance(v, dict) else v for k, v in data.items() if not (isinstance(v, dict) and not prune(v))}

    return prune(desc.model_dump(mode="json", exclude_none=True))


# ------------------------------------------------------------------------------------------------ the interview


@dataclass(frozen=True)
class Question:
    fact: str
    kind: str
    options: tuple
    multi: bool
    label: str
    text: str
    settles: int                           # duties settled whatever the answer (min over answers)
    settles_at_most: int                   # under the answer that settles the most
    hinges: tuple[str, ...]                # duties whose status some answer changes, in report order
    roles: tuple[str, ...]                 # roles whose status some answer changes
    answers: tuple[tuple[Any, int], ...]   # (possible answer, duties it settles)
    items: tuple["Question", ...] = ()     # a checklist: its yes/no questions (kind "checklist", fact "checklist:KEY")

    @property
    def facts(self) -> tuple[str, ...]:
        """The facts this question states: its own, or those of its checklist items."""
        return tuple(i.fact for i in self.items) if self.items else (self.fact,)

    def as_json(self, engine, lang: str) -> dict:
        kb = engine.kb
        cites: list[str] = []
        for did in self.hinges:
            for c in kb.duties[did].citations:
                label = c.label.get(lang) or c.label.get("en", "")
                if label not in cites:
                    cites.append(label)
        if self.items:
            return {"fact": self.fact, "label": self.label, "question": self.text, "kind": "checklist",
                    "multiple": True, "choices": [i.fact for i in self.items],
                    "settles": self.settles, "settles_at_most": self.settles_at_most,
                    "hinges_on": {"duties": list(self.hinges), "citations": cites, "roles": list(self.roles)},
                    "items": [i.as_json(engine, lang) for i in self.items]}
        return {"fact": self.fact, "label": self.label, "question": self.text, "kind": self.kind,
                "multiple": self.multi,
                "choices": [True, False] if self.kind == "bool" else list(self.options) if self.options else None,
                "settles": self.settles, "settles_at_most": self.settles_at_most,
                "hinges_on": {"duties": list(self.hinges), "citations": cites, "roles": list(self.roles)},
                "answers": [{"value": _jsonable(v), "settles": n} for v, n in self.answers]}


def _jsonable(value):
    return value.isoformat() if isinstance(value, date) else value


@dataclass
class Step:
    fact: str
    value: Any                             # the answer, or DONT_KNOW
    previous: Any                          # the description before it (before the whole checklist, for one)
    round: int = 0                         # which question it answered: the items of a checklist share one


class Interview:
    """One partial description being completed, one question at a time. Not thread-safe (one Engine per thread)."""

    def __init__(self, engine, description: ServiceDescription | dict, *, as_of: date | str | None = None,
                 lang: str = "en", dont_know: Iterable[str] = ()):
        self.engine = engine
        self.kb = engine.kb
        self.day = as_of if isinstance(as_of, date) else date.fromisoformat(as_of) if as_of else date.today()
        self.lang = lang
        desc = parse_description(description) if isinstance(description, dict) else description
        self._desc = as_plain(desc)
        self.dont_know: list[str] = list(dict.fromkeys(dont_know))
        self.history: list[Step] = []
        self._report: Report | None = None
        self._ranked: dict[int, list[Question]] = {}
        self._trials: dict[tuple, Report | None] = {}
        self.timings: list[float] = []      # seconds spent ranking, per question step

    # ------------------------------------------------------------------ state

    @property
    def description(self) -> dict:
        return copy.deepcopy(self._desc)

    def model(self) -> ServiceDescription:
        return parse_description(self._desc)

    @property
    def asked(self) -> list[str]:
        return [s.fact for s in self.history]

    @property
    def rounds(self) -> int:
        """How many questions were asked (a checklist counts once)."""
        return len({s.round for s in self.history})

    @property
    def report(self) -> Report:
        if self._report is None:
            self._report = self._check(self._desc)
        return self._report

    def summary(self) -> dict[str, int]:
        """Counts per status (not_applicable included), plus ``settled`` (every status but unknown) and ``total``."""
        counts = self.report.summary.model_dump()
        total = len(self.report.duties)
        return {**counts, "settled": total - counts["unknown"], "total": total}

    # ------------------------------------------------------------------ answers

    def answer(self, fact: str, value: Any) -> None:
        """State ``fact``; raises DescriptionError when the description model refuses the value."""
        new = with_path(self._desc, fact, value)
        parse_description(new, "answer")
        self._push(Step(fact, value, self._desc, self._next_round()), new)

    def skip(self, fact: str) -> None:
        """ "Don't know": the fact stays unknown and is not asked again."""
        self.history.append(Step(fact, DONT_KNOW, self._desc, self._next_round()))
        self.dont_know.append(fact)
        self._ranked = {}                   # the description, and so every report tried, stays the same

    def answer_checklist(self, answers: dict[str, Any]) -> None:
        """Answer a checklist in one step: ``{fact: True | False | DONT_KNOW}`` (one Step per item, one round).
        Raises DescriptionError, and changes nothing, when the description model refuses the answers."""
        new, before, round_ = self._desc, self._desc, self._next_round()
        for fact, value in answers.items():
            new = with_path(new, fact, DONT_KNOW if value is DONT_KNOW else value)
        parse_description(new, "answer")
        for fact, value in answers.items():
            self.history.append(Step(fact, value, before, round_))
            if value is DONT_KNOW:
                self.dont_know.append(fact)
        self._desc = new
        self._changed()

    def _next_round(self) -> int:
        return self.history[-1].round + 1 if self.history else 1

    def back(self) -> Step | None:
        """Undo the last answer or "don't know"; returns it (None when there is nothing to undo)."""
        if not self.history:
            return None
        popped = [self.history.pop()]
        while self.history and self.history[-1].round == popped[0].round:     # the rest of a checklist
            popped.append(self.history.pop())
        step = popped[-1]                    # the first of its round
        for s in popped:
            if s.value is DONT_KNOW and s.fact in self.dont_know:
                self.dont_know.remove(s.fact)
        if all(s.value is DONT_KNOW for s in popped):
            self._ranked = {}
            return step
        self._desc = step.previous
        self._changed()
        return step

    def _push(self, step: Step, new: dict) -> None:
        self.history.append(step)
        self._desc = new
        self._changed()

    def _changed(self) -> None:
        self._report = None
        self._ranked = {}
        self._trials.clear()

    # ------------------------------------------------------------------ choosing

    def candidates(self) -> list[str]:
        """The facts the current report asks about (duties' top-level questions, then unknown roles' questions),
        less those already stated or answered "don't know"."""
        report = self.report
        facts = [q.fact for q in report.questions] + [f for r in report.roles for f in r.questions]
        stated = stated_facts(self.model())
        skip = set(self.dont_know)
        return [f for f in dict.fromkeys(facts) if f not in skip and f not in stated and _is_field(f)]

    def questions(self, limit: int | None = None) -> list[Question]:
        """The relevant questions, best first (see the module docstring for the order); with ``limit``, only the
        first ``limit`` of them.

        Candidates are tried in order of how many unknown duties ask for them, which bounds how many duties their
        answers can settle (an unknown duty names every unstated fact its outcome still depends on); a candidate
        whose bound cannot beat the ``limit``-th best found so far is not tried, nor is any after it."""
        key = limit or 0
        if key not in self._ranked:
            start = time.perf_counter()
            asking = Counter(f for d in self.report.duties if d.status == "unknown" for f in d.questions)
            found: list[Question] = []
            for fact in sorted(self.candidates(), key=lambda f: (-asking[f], f)):
                worst = sorted(found, key=_rank)[limit - 1] if limit and len(found) >= limit else None
                if worst is not None and (-asking[fact], -asking[fact], fact) > _rank(worst):
                    break
                question = self.judge(fact, partners=False)
                if question is None and (worst is None or (0, 0, fact) < _rank(worst)):
                    question = self.judge(fact)      # only a partner fact can make it matter: settles nothing alone
                if question is not None:
                    found.append(question)
            ranked = sorted(found, key=_rank)
            self._ranked[key] = self._checklists(ranked[:limit] if limit else ranked, ranked)
            self.timings.append(time.perf_counter() - start)
        return self._ranked[key]

    def _checklists(self, top: list[Question], ranked: list[Question]) -> list[Question]:
        """``top`` with each question about a checklist fact (see ``checklist_groups``) replaced by the checklist
        of every relevant candidate of its group (kept as it is when it is the only one); one checklist per group.
        Every item is relevant on its own, so a checklist never asks a fact whose answer cannot change a status."""
        groups = checklist_groups(self.kb)
        judged = {q.fact: q for q in ranked}
        out: list[Question] = []
        done: set[str] = set()
        for q in top:
            key = groups.get(q.fact)
            if key is None:
                out.append(q)
                continue
            if key in done:
                continue
            done.add(key)
            items = []
            for fact in self.candidates():
                if groups.get(fact) == key:
                    item = judged[fact] if fact in judged else self.judge(fact)
                    if item is not None:
                        items.append(item)
            out.append(q if len(items) < 2 else _checklist(key, sorted(items, key=_rank), self.kb, self.lang))
        return out

    def next_question(self) -> Question | None:
        ranked = self.questions(limit=1)
        return ranked[0] if ranked else None

    def judge(self, fact: str, partners: bool = True) -> Question | None:
        """The question for ``fact`` if one of its possible answers changes a status (alone, or with one answer to
        a fact that decides the same duty or role), else None."""
        base = self.report
        before, roles_before = _statuses(base)
        open_ = [d for d, s in before.items() if s == "unknown"]
        kind = field_kind(fact)
        changed: set[str] = set()
        roles_changed: set[str] = set()
        answers: list[tuple[Any, int]] = []
        trials: list[tuple[Any, Report]] = []
        for value in possible_answers(kind, self.kb, self.day):
            after = self._trial(((fact, value),))
            if after is None:
                continue                     # the model refuses this answer here: not a possible answer
            now, roles_now = _statuses(after)
            changed |= _differ(before, now)
            roles_changed |= _differ(roles_before, roles_now)
            answers.append((value, sum(1 for d in open_ if now.get(d, "unknown") != "unknown")))
            trials.append((value, after))
        if answers and partners and not (changed or roles_changed):
            changed, roles_changed = self._with_partner(fact, trials)
        if not answers or not (changed or roles_changed):
            return None
        info = self.kb.fact_for_path(fact)
        text = _pick(info.question, self.lang) if info else fact
        label = _pick(info.label, self.lang) if info else fact
        order = {d.id: i for i, d in enumerate(base.duties)}
        return Question(fact=fact, kind=kind.kind, options=kind.options if kind.kind in ("enum", "multi") else (),
                        multi=kind.multi, label=label, text=text, settles=min(n for _, n in answers),
                        settles_at_most=max(n for _, n in answers),
                        hinges=tuple(sorted(changed, key=lambda d: order.get(d, len(order)))),
                        roles=tuple(sorted(roles_changed)), answers=tuple(answers))

    def _with_partner(self, fact: str, trials: list[tuple[Any, Report]]) -> tuple[set[str], set[str]]:
        """When no answer to ``fact`` changes a status on its own: the duties and roles whose status differs
        between (fact = a, g = b) and (g = b) alone, for g a fact that the duties and roles reading ``fact`` ask
        about (before or after the answer) and b its possible answers. This finds the conjunctions (a duty that
        applies when both facts hold, and then asks a third) that one fact at a time would miss."""
        base = self.report
        partners: dict[str, None] = {}
        for report in [base] + [r for _, r in trials]:
            for item in [d for d in base.duties if d.status == "unknown"] + [r for r in base.roles if r.status == "unknown"]:
                if fact in item.questions:
                    entry = _find(report, item)
                    partners.update(dict.fromkeys(entry.questions if entry is not None else ()))
        skip = set(self.dont_know) | {fact} | set(stated_facts(self.model()))
        changed: set[str] = set()
        roles_changed: set[str] = set()
        for other in (g for g in partners if g not in skip and _is_field(g)):
            for b in possible_answers(field_kind(other), self.kb, self.day):
                alone = self._trial(((other, b),))
                if alone is None:
                    continue
                duties_alone, roles_alone = _statuses(alone)
                for a, _ in trials:
                    both = self._trial(((fact, a), (other, b)))
                    if both is None:
                        continue
                    duties_both, roles_both = _statuses(both)
                    changed |= _differ(duties_alone, duties_both)
                    roles_changed |= _differ(roles_alone, roles_both)
            if changed or roles_changed:
                break
        return changed, roles_changed

    def _trial(self, answers: tuple[tuple[str, Any], ...]) -> Report | None:
        """The report with these answers added (None when the model refuses them), memoised until the next answer."""
        key = tuple((f, repr(v)) for f, v in answers)
        if key not in self._trials:
            desc = self._desc
            for f, v in answers:
                desc = with_path(desc, f, _yaml_value(v))
            try:
                self._trials[key] = self._check(desc)
            except DescriptionError:
                self._trials[key] = None
        return self._trials[key]

    def _check(self, desc: dict) -> Report:
        return self.engine.check(parse_description(desc, "answer"), as_of=self.day, lang=self.lang, include_all=True)




def checklist_groups(kb) -> dict[str, str]:
    """Yes/no facts asked together as one checklist: fact path -> group key.

    A fact joins a checklist when it is a yes/no field that no duty's or role's condition reads (so no answer to it
    changes who must do what, only whether a duty is met) and some duty's requirement shapes read it. Its group is
    the instrument of most of those duties (ties: the first code). Derived from the knowledge base only."""
    cached = getattr(kb, "_interview_checklists", None)
    if cached is not None:
        return cached
    conditions: set[str] = set()
    for item in list(kb.duties.values()) + list(kb.roles.values()):
        conditions |= set(item.condition.facts())
    instruments: dict[str, Counter] = {}
    for duty in kb.duties.values():
        if duty.requirement_shapes:
            for fact in set(duty.facts) - set(duty.condition.facts()):
                instruments.setdefault(fact, Counter())[duty.instrument] += 1
    out = {fact: min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0] for fact, counts in instruments.items()
           if fact not in conditions and _is_field(fact) and field_kind(fact).kind == "bool"}
    for fact in conditions:
        info = kb.fact_for_path(fact)
        if _is_field(fact) and field_kind(fact).kind == "bool" and not getattr(info, "legal_judgement", False):
            out[fact] = "section:" + fact.split(".")[0]
    out = {f: k for f, k in out.items() if not getattr(kb.fact_for_path(f), "legal_judgement", False)}
    try:
        kb._interview_checklists = out
    except AttributeError:
        pass
    return out


def _checklist(key: str, items: list[Question], kb, lang: str) -> Question:
    section = key.startswith("section:")
    words = (SECTION_WORDS if section else CHECKLIST_WORDS).get(lang, CHECKLIST_WORDS["en"])
    inst = kb.instruments.get(key)
    if inst:
        name = _pick(inst.short_title or inst.title, lang)
    elif section:
        part = key.partition(":")[2]
        name = SECTION_NAMES.get(lang, SECTION_NAMES["en"]).get(part, part)
    else:
        name = key
    hinges = tuple(dict.fromkeys(d for i in items for d in i.hinges))
    return Question(fact=f"checklist:{key}", kind="checklist", options=tuple(i.fact for i in items), multi=True,
                    label=words["label"].format(name), text=words["question"],
                    settles=max(i.settles for i in items), settles_at_most=max(i.settles_at_most for i in items),
                    hinges=hinges, roles=tuple(sorted({r for i in items for r in i.roles})), answers=(),
                    items=tuple(items))


def _rank(q: Question) -> tuple:
    return (-q.settles, -q.settles_at_most, q.fact)


def _statuses(report: Report) -> tuple[dict[str, str], dict[str, str]]:
    return {d.id: d.status for d in report.duties}, {r.id: r.status for r in report.roles}


def _differ(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def _find(report: Report, item):
    """The duty or role of ``report`` with the id of ``item`` (a duty or role of another report)."""
    pool = report.duties if hasattr(item, "status") and hasattr(item, "citations") else report.roles
    return next((x for x in pool if x.id == item.id), None)


def _is_field(path: str) -> bool:
    try:
        field_kind(path)
        return True
    except (KeyError, StopIteration):
        return False


def _yaml_value(value):
    return value.isoformat() if isinstance(value, date) else value


def _pick(text: dict, lang: str) -> str:
    return text.get(lang) or text.get("en") or text.get("zh") or ""


def fact_help(kb, path: str, lang: str) -> dict[str, Any]:
    """What a fact means, in words, from the knowledge base: its label, question, definition and help (plain words
    with an example); for a legal judgement also ``legal_judgement: true`` and the ``guidance`` the law offers."""
    info = kb.fact_for_path(path)
    out: dict[str, Any] = {"label": _pick(info.label, lang) if info else path,
                           "question": _pick(info.question, lang) if info else path,
                           "definition": _pick(getattr(info, "definition", {}) or {}, lang) if info else ""}
    help_ = _pick(getattr(info, "help", {}) or {}, lang) if info else ""
    if help_:
        out["help"] = help_
    if info is not None and getattr(info, "legal_judgement", False):
        out["legal_judgement"] = True
        out["guidance"] = _pick(getattr(info, "guidance", {}) or {}, lang)
    return out


# ------------------------------------------------------------------------------------------------ oracle


def run_oracle(interview: Interview, full: ServiceDescription, limit: int = 500) -> list[str]:
    """Answer every question from ``full`` (a fact it leaves out is "don't know") until none is left; returns the
    facts asked, in order."""
    known = stated_facts(full)
    asked: list[str] = []
    for _ in range(limit):
        question = interview.next_question()
        if question is None:
            break
        asked.append(question.fact)
        if question.items:
            interview.answer_checklist({f: _yaml_value(_plain_value(known[f])) if f in known else DONT_KNOW
                                        for f in question.facts})
        elif question.fact in known:
            interview.answer(question.fact, _yaml_value(_plain_value(known[question.fact])))
        else:
            interview.skip(question.fact)
    return asked


def _plain_value(value):
    return list(value) if isinstance(value, (list, tuple)) else value
