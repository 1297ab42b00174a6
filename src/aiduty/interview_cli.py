"""`aiduty interview`: the terminal side of the guided check (questions in, YAML out). The choosing is in interview.py.

Interactive: one question at a time, with help (``?``), "don't know" (``d``), back (``b``) and save-and-quit (``q``).
Scripted (``--oracle FULL.yaml``): every question is answered from FULL.yaml, a fact it leaves out is "don't know".
The description is written as YAML, each fact preceded by its question as a comment; the facts answered
"don't know" go in one comment line that a later run reads back, so an interview resumes where it stopped.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
from datetime import date
from pathlib import Path
from typing import Any, Callable, TextIO

import yaml

from .description import DescriptionError, ServiceDescription, load_description, parse_description, slug
from .interview import DONT_KNOW, Interview, Question, fact_help, run_oracle
from .words import INTERVIEW_WORDS as WORDS

DONT_KNOW_LINE = "# aiduty-interview dont-know:"
HELP_CITATIONS = 12                 # provisions listed under "?" before "and N more"


# ------------------------------------------------------------------------------------------------ YAML out and in


def _scalar(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip()
    return text[:-4].rstrip() if text.endswith("\n...") else text


def to_yaml(desc: ServiceDescription, kb, lang: str, day: date, dont_know: list[str], file: str) -> str:
    """The description as YAML: each fact preceded by its question (a comment), and the "don't know" facts."""
    w = WORDS[lang]
    lines = w["header"].format(day=day.isoformat(), file=file).splitlines()
    lines.append(f"{DONT_KNOW_LINE} {', '.join(dont_know)}".rstrip())

    def walk(data: dict, prefix: str, indent: int) -> None:
        for key, value in data.items():
            path = prefix + key
            pad = " " * indent
            if isinstance(value, dict):
                if value:
                    lines.append(f"{pad}{key}:")
                    walk(value, path + ".", indent + 2)
                continue
            info = kb.fact_for_path(path)
            if info is not None and path not in ("id", "name"):
                question = info.question.get(lang) or info.question.get("en", "")
                lines.extend(f"{pad}# {part}" for part in question.splitlines())
            lines.append(f"{pad}{key}: {_scalar(value)}")

    walk(desc.model_dump(exclude_none=True), "", 0)
    return "\n".join(lines) + "\n"


def read_dont_know(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    for line in text.splitlines():
        if line.startswith(DONT_KNOW_LINE):
            return [f.strip() for f in line[len(DONT_KNOW_LINE):].split(",") if re.fullmatch(r"[a-z0-9_.]+", f.strip())]
    return []


def save(interview: Interview, out: Path) -> None:
    text = to_yaml(interview.model(), interview.kb, interview.lang, interview.day, interview.dont_know, str(out))
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)


# ------------------------------------------------------------------------------------------------ the command


class BadInput(Exception):
    pass


def run(file: str | None, *, lang: str, day: date, out: str | None, oracle: str | None, fmt: str,
        stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run one interview; returns the exit code (0 no gap, 1 gaps, 2 bad input)."""
    from .engine import Engine

    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout

    try:
        full = load_description(oracle) if oracle else None
        source = Path(file) if file else (Path(out) if out and Path(out).exists() else None)
        start = load_description(source) if source else None
    except DescriptionError as exc:
        raise BadInput(str(exc)) from None
    engine = Engine.load()
    dont_know = read_dont_know(source) if source else []
    if start is None:
        if full is not None:
            start = parse_description({"id": full.id, "name": full.name})
        else:
            start = _ask_identity(lang, stdin, stdout)
            if start is None:
                return 0
    target = Path(out) if out else (Path(file) if file else Path(f"{start.id}.yaml"))
    interview = Interview(engine, start, as_of=day, lang=lang, dont_know=dont_know)
    if full is not None:
        run_oracle(interview, full)
        if out:
            save(interview, target)
        _print_result(interview, fmt, stdout)
    else:
        _interactive(interview, target, stdin, stdout)
    engine.save()
    return 1 if interview.report.has_gap else 0


def _print_result(interview: Interview, fmt: str, stdout: TextIO) -> None:
    steps = interview.history
    times = interview.timings or [0.0]
    rounds: dict[int, list[str]] = {}
    for s in steps:
        rounds.setdefault(s.round, []).append(s.fact)
    result = {"asked": len(steps), "questions": [s.fact for s in steps], "summary": interview.summary(),
              "rounds": len(rounds), "checklists": [facts for facts in rounds.values() if len(facts) > 1],
              "answered": sum(1 for s in steps if s.value is not DONT_KNOW),
              "dont_know": [s.fact for s in steps if s.value is DONT_KNOW],
              "seconds_per_question": {"median": round(statistics.median(times), 4), "max": round(max(times), 4)}}
    if fmt == "json":
        stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        return
    for i, s in enumerate(steps, 1):
        stdout.write(f"{i:3}. {s.fact} = {'?' if s.value is DONT_KNOW else _scalar(s.value)}\n")
    w = WORDS[interview.lang]
    stdout.write(w["status"].format(**interview.summary()) + "\n")


def _ask_identity(lang: str, stdin: TextIO, stdout: TextIO) -> ServiceDescription | None:
    w = WORDS[lang]
    name = _read(w["name"], stdin, stdout)
    while name is not None and not name.strip():
        name = _read(w["name"], stdin, stdout)
    if name is None:
        return None
    proposed = slug(name)
    while True:
        ident = _read(w["id"].format(proposed), stdin, stdout)
        if ident is None:
            return None
        try:
            return parse_description({"id": ident.strip() or proposed, "name": name.strip()})
        except DescriptionError as exc:
            stdout.write(w["refused"].format(exc.problem) + "\n")


def _read(prompt: str, stdin: TextIO, stdout: TextIO) -> str | None:
    stdout.write(prompt)
    stdout.flush()
    line = stdin.readline()
    return None if not line else line.rstrip("\n")


def _interactive(interview: Interview, target: Path, stdin: TextIO, stdout: TextIO) -> None:
    w = WORDS[interview.lang]
    say: Callable[[str], None] = lambda text="": stdout.write(text + "\n")  # noqa: E731
    desc = interview.model()
    say(w["title"].format(name=desc.name, id=desc.id, day=interview.day.isoformat()))
    say(w["keys"])
    while True:
        question = interview.next_question()
        say()
        say(w["status"].format(**interview.summary()))
        if question is None:
            say(w["done"])
            break
        _show(interview, question, stdout)
        reply = _read("> ", stdin, stdout)
        if reply is None or reply.strip().lower() in ("q", "quit"):
            break
        reply = reply.strip()
        if reply == "?":
            _help(interview, question, stdout)
        elif reply.lower() in ("d", "?d", "dk"):
            if question.items:
                interview.answer_checklist(dict.fromkeys(question.facts, DONT_KNOW))
            else:
                interview.skip(question.fact)
        elif reply.lower() == "b":
            step = interview.back()
            say(w["undone"].format(step.fact) if step else w["nothing_to_undo"])
        else:
            try:
                value = parse_reply(question, reply, interview.lang)
            except ValueError as exc:
                say(w["bad"].format(exc))
                continue
            try:
                if question.items:
                    interview.answer_checklist(value)
                else:
                    interview.answer(question.fact, value)
            except DescriptionError as exc:
                say(w["refused"].format(exc.problem))
                continue
        save(interview, target)
    save(interview, target)
    say(w["saved"].format(target))


def _choices(question: Question, lang: str) -> list[tuple[Any, str]]:
    w = WORDS[lang]
    if question.kind == "bool":
        return [(True, w["yes"]), (False, w["no"])]
    return [(o, str(o)) for o in question.options]


def _show(interview: Interview, q: Question, stdout: TextIO) -> None:
    w = WORDS[interview.lang]
    n = interview.rounds + 1
    stdout.write(f"Q{n}. {q.label}  ({q.fact})\n")
    stdout.write(f"    {q.text}\n")
    if q.items:
        for i, item in enumerate(q.items, 1):
            info = fact_help(interview.kb, item.fact, interview.lang)
            stdout.write(f"    {i:2}) {item.text}  ({item.fact})\n")
            if info.get("help"):
                stdout.write(f"        {info['help']}\n")
    else:
        info = fact_help(interview.kb, q.fact, interview.lang)
        if info.get("help"):
            stdout.write("    " + w["help_text"].format(info["help"]) + "\n")
        if info.get("legal_judgement"):
            stdout.write("    " + w["judgement"].format(info.get("guidance", "")) + "\n")
    most = w["most"].format(n=q.settles_at_most) if q.settles_at_most != q.settles else ""
    stdout.write("    " + w["settles"].format(n=q.settles, ies="y" if q.settles == 1 else "ies", most=most) + "\n")
    cites = _citations(interview, q)
    if cites:
        shown = ("、" if interview.lang == "zh" else ", ").join(cites[:4]) + (w["more"].format(len(cites) - 4) if len(cites) > 4 else "")
        stdout.write("    " + w["hinges"].format(shown) + "\n")
    choices = [] if q.items else _choices(q, interview.lang)
    if choices:
        stdout.write("    " + "   ".join(f"{i}) {label}" for i, (_, label) in enumerate(choices, 1)) + "\n")
    if q.kind in ("multi", "int", "date", "str", "checklist"):
        stdout.write("    " + w[q.kind] + "\n")


def _citations(interview: Interview, q: Question) -> list[str]:
    out: list[str] = []
    for did in q.hinges:
        for c in interview.kb.duties[did].citations:
            label = c.label.get(interview.lang) or c.label.get("en", "")
            if label not in out:
                out.append(label)
    return out


def _help(interview: Interview, q: Question, stdout: TextIO) -> None:
    w = WORDS[interview.lang]
    lines: list[str] = []
    for fact in q.facts:
        info = fact_help(interview.kb, fact, interview.lang)
        lines += [f"{info['label']} ({fact})", info["question"]]
        if info.get("definition"):
            lines.append(w["meaning"].format(info["definition"]))
        if info.get("help"):
            lines.append(w["help_text"].format(info["help"]))
        if info.get("example"):
            lines.append(w["example"].format(info["example"]))
        if info.get("legal_judgement"):
            lines.append(w["judgement"].format(info.get("guidance", "")))
    sep = "、" if interview.lang == "zh" else ", "
    cites = _citations(interview, q)
    if cites:
        lines.append(w["hinges"].format(sep.join(cites[:HELP_CITATIONS])
                                        + (w["more"].format(len(cites) - HELP_CITATIONS) if len(cites) > HELP_CITATIONS else "")))
    if q.roles:
        lines.append(w["roles"].format(sep.join(q.roles)))
    if q.answers:
        lines.append(w["answers"].format(sep.join(f"{_scalar(v)} → {n}" for v, n in q.answers)))
    lines.append(w["help_keys"])
    stdout.write("".join(f"    {line}\n" for line in lines))


def parse_reply(q: Question, reply: str, lang: str) -> Any:
    """A typed reply as the value for the question's fact; ValueError when it cannot be read."""
    text = reply.strip()
    if q.items:
        return _checklist_reply(q, text)
    if q.kind == "bool":
        lowered = text.lower()
        if lowered in ("1", "y", "yes", "true", "是"):
            return True
        if lowered in ("2", "n", "no", "false", "否"):
            return False
        raise ValueError(text)
    if q.kind == "enum":
        return _option(q, text)
    if q.kind == "multi":
        if text.lower() in ("0", "none", "[]", "-", "无"):
            return []
        parts = [p for p in re.split(r"[,\s，、]+", text) if p]
        return list(dict.fromkeys(_option(q, p) for p in parts))
    if q.kind == "int":
        try:
            return int(text)
        except ValueError:
            raise ValueError(text) from None
    if q.kind == "date":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(text) from None
    if not text:
        raise ValueError("(empty)")
    return text


def _checklist_reply(q: Question, text: str) -> dict[str, Any]:
    """``1 3 4?`` -> items 1 and 3 true, 4 "don't know", the others false; ``0`` -> all false."""
    answers: dict[str, Any] = dict.fromkeys(q.facts, False)
    if text.lower() in ("0", "none", "-", "无"):
        return answers
    parts = [p for p in re.split(r"[,\s，、]+", text) if p]
    if not parts:
        raise ValueError("(empty)")
    for part in parts:
        number, unsure = (part[:-1], True) if part.endswith(("?", "？")) else (part, False)
        if not number.isdigit() or not 1 <= int(number) <= len(q.facts):
            raise ValueError(part)
        answers[q.facts[int(number) - 1]] = DONT_KNOW if unsure else True
    return answers


def _option(q: Question, text: str) -> Any:
    if text.isdigit() and 1 <= int(text) <= len(q.options):
        return q.options[int(text) - 1]
    if text in q.options:
        return text
    raise ValueError(text)
