"""The guided check (issue 13): `aiduty interview`, its oracle mode, the terminal, and POST /v1/interview.

Targets checked here, for every example in data/services and the photo-restoration golden case, driven by the
oracle (the full description answers each question; a fact it leaves out is "don't know"):
- the interview reaches the same status for every duty and role as checking the full description;
- it answers no more questions than the full description states facts, and every "don't know" is a fact the full
  description leaves out;
- every question it asked could change a status: checked again here by brute force over the fact's answers (and,
  when no answer does so alone, over the answers of every other fact the report asked about at that step).
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from aiduty.api import Settings, create_app
from aiduty.cli import app as cli
from aiduty.description import load_description, parse_description, stated_facts
from aiduty.interview import (
    DONT_KNOW, Interview, checklist_groups, field_kind, possible_answers, run_oracle, thresholds, with_path,
)

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-22"
EXAMPLES = sorted((REPO / "data" / "services").glob("*.yaml"))
PHOTO = REPO / "tests" / "cases" / "photo-restoration" / "service.yaml"
NOT_FACTS = {"id", "name", "description"}          # stated, but never a question
runner = CliRunner()


def statuses(report):
    return {d.id: d.status for d in report.duties}, {r.id: r.status for r in report.roles}


@pytest.fixture(scope="module")
def runs(engine):
    """One oracle-driven interview per example (and the golden case), shared by the tests below."""
    out = {}
    for path in EXAMPLES + [PHOTO]:
        full = load_description(path)
        interview = Interview(engine, {"id": full.id, "name": full.name}, as_of=AS_OF)
        started = time.perf_counter()
        run_oracle(interview, full)
        out[path] = (full, interview, time.perf_counter() - started)
    asked = [len(i.history) for p, (_, i, _) in out.items() if p != PHOTO]
    steps = [t for _, i, _ in out.values() for t in i.timings]
    print(f"\ninterview over data/services: questions asked median {statistics.median(asked)}, max {max(asked)}; "
          f"seconds per question median {statistics.median(steps):.3f}, max {max(steps):.3f}")
    return out


@pytest.mark.parametrize("path", EXAMPLES + [PHOTO], ids=lambda p: p.stem if p != PHOTO else "photo-restoration")
def test_oracle_reaches_the_statuses_of_the_full_description(runs, engine, path):
    full, interview, _ = runs[path]
    want = statuses(engine.check(full, as_of=AS_OF, include_all=True))
    assert statuses(interview.report) == want
    assert interview.next_question() is None


@pytest.mark.parametrize("path", EXAMPLES + [PHOTO], ids=lambda p: p.stem if p != PHOTO else "photo-restoration")
def test_asks_no_more_than_the_full_description_states(runs, engine, path):
    full, interview, _ = runs[path]
    stated = {p for p in stated_facts(full) if p not in NOT_FACTS}
    answered = [s.fact for s in interview.history if s.value is not DONT_KNOW]
    assert set(answered) <= stated and len(answered) <= len(stated)
    unknown = [s.fact for s in interview.history if s.value is DONT_KNOW]
    assert not set(unknown) & stated, "a fact the full description states was answered \"don't know\""
    assert len(interview.asked) == len(set(interview.asked)), "a question was asked twice"


def _asks(report) -> list[str]:
    return [q.fact for q in report.questions] + [f for r in report.roles for f in r.questions]


def _changes_a_status(engine, desc: dict, fact: str, skip: set[str]) -> bool:
    """Brute force, independently of the ranking: does some answer to ``fact`` change a status, on its own or
    together with an answer to another fact that the report asks about, before or after that answer?"""
    def report(d):
        try:
            return engine.check(parse_description(d), as_of=AS_OF, include_all=True)
        except ValueError:          # the model refuses the combination
            return None

    base = report(desc)
    afters = {repr(a): (a, r) for a in possible_answers(field_kind(fact), engine.kb, None)
              if (r := report(with_path(desc, fact, a))) is not None}
    if any(statuses(r) != statuses(base) for _, r in afters.values()):
        return True
    others = dict.fromkeys(_asks(base) + [f for _, r in afters.values() for f in _asks(r)])
    for other in others:
        if other == fact or other in skip:
            continue
        for b in possible_answers(field_kind(other), engine.kb, None):
            alone = report(with_path(desc, other, b))
            if alone is None:
                continue
            for a, _ in afters.values():
                both = report(with_path(with_path(desc, other, b), fact, a))
                if both is not None and statuses(both) != statuses(alone):
                    return True
    return False


@pytest.mark.parametrize("path", EXAMPLES + [PHOTO], ids=lambda p: p.stem if p != PHOTO else "photo-restoration")
def test_every_question_asked_could_change_a_status(runs, engine, path):
    _, interview, _ = runs[path]
    skipped: set[str] = set()
    rounds: dict[int, list] = {}
    for step in interview.history:
        rounds.setdefault(step.round, []).append(step)
    for steps in rounds.values():            # a checklist: every item, against the description before it
        desc = steps[0].previous
        report = engine.check(parse_description(desc), as_of=AS_OF, include_all=True)
        for step in steps:
            assert step.previous == desc
            assert step.fact in _asks(report), f"{step.fact} was not among the report's questions"
            assert _changes_a_status(engine, desc, step.fact, skipped | set(stated_facts(parse_description(desc)))), \
                f"{path.stem}: asked {step.fact}, whose answers cannot change any status"
        skipped |= {s.fact for s in steps if s.value is DONT_KNOW}


def test_the_relevance_check_can_fail(engine):
    """The brute force above tells a question that matters from one that cannot: whether training data is
    lawful decides a duty of a public generative service that trains models, and nothing for a service that is
    neither offered nor based in mainland China and generates nothing. The interview does not ask the latter."""
    fact = "controls.lawful_training_data"
    public = {"id": "x", "name": "X", "reach": {"mainland_china_public": True},
              "capabilities": {"generates": ["text"], "trains_models": True}}
    assert _changes_a_status(engine, public, fact, set())
    elsewhere = {"id": "x", "name": "X", "reach": {"mainland_china_public": False},
                 "provider": {"based_in_mainland_china": False}, "capabilities": {"generates": [], "trains_models": True}}
    assert not _changes_a_status(engine, elsewhere, fact, set())
    assert fact not in [q.fact for q in Interview(engine, elsewhere, as_of=AS_OF).questions()]


def test_photo_restoration_settles_in_one_pass(runs):
    _, interview, _ = runs[PHOTO]
    assert interview.summary()["unknown"] == 0
    assert not [s for s in interview.history if s.value is DONT_KNOW]


def test_photo_restoration_needs_at_most_30_questions(runs):
    """Issue 13's target: one pass, at most 30 questions (a checklist counts once; 65 with one fact per question)."""
    _, interview, _ = runs[PHOTO]
    assert interview.rounds <= 30
    assert any(len([s for s in interview.history if s.round == r]) > 1 for r in {s.round for s in interview.history})


# ------------------------------------------------------------------------------------------------ the module


def test_answers_come_from_the_model_and_the_knowledge_base(engine):
    assert field_kind("reach.minors").kind == "bool"
    assert field_kind("controls.genai_filing").options == ("filed", "registered", "pending", "none")
    labels = field_kind("controls.explicit_labels")
    assert labels.multi and "image" in labels.options
    assert possible_answers(labels, engine.kb, None)[0] == []
    # numbers: both sides of each threshold the shapes compare them with (CSL log retention: at least six months)
    assert 6 in thresholds(engine.kb)["controls.log_retention_months"]
    months = possible_answers(field_kind("controls.log_retention_months"), engine.kb, None)
    assert 5 in months and 6 in months
    assert field_kind("capabilities.upstream_model.name").kind == "str"


def test_dont_know_and_back(engine):
    interview = Interview(engine, {"id": "x", "name": "X"}, as_of=AS_OF)
    ranked = interview.questions()
    assert "reach.mainland_china_public" in [f for q in ranked for f in q.facts]
    first = next(q for q in ranked if not q.items)
    assert first.settles <= first.settles_at_most and first.hinges
    interview.skip(first.fact)
    assert first.fact not in [f for q in interview.questions() for f in q.facts]
    assert interview.back().fact == first.fact
    assert first.fact in [f for q in interview.questions() for f in q.facts]
    before = interview.summary()
    interview.answer(first.fact, max(first.answers, key=lambda a: a[1])[0])
    assert interview.summary() != before
    with pytest.raises(ValueError):
        interview.answer("reach.enterprise_internal_only", "maybe")
    interview.back()
    assert interview.summary() == before and interview.description == {"id": "x", "name": "X"}


def test_checklists_come_from_the_knowledge_base_and_answer_in_one_step(engine):
    """Controls that only requirement shapes read are grouped by instrument; other yes/no facts by section; a legal
    judgement is never in a checklist. One answer states every item, "back" undoes them all."""
    groups = checklist_groups(engine.kb)
    assert groups["controls.export_keeps_labels"] == groups["controls.agreement_explains_labelling"] == "LABEL-2025"
    assert groups["capabilities.export"] == "section:capabilities"
    assert "capabilities.hosts_user_content" not in groups       # a legal judgement: asked alone, with guidance
    assert "capabilities.generates" not in groups                # not yes/no
    assert "controls.log_retention_months" not in groups
    interview = Interview(engine, {"id": "x", "name": "X"}, as_of=AS_OF)
    checklist = next(q for q in interview.questions() if q.items)
    assert checklist.kind == "checklist" and len(checklist.facts) > 1
    assert all(item.hinges or item.roles for item in checklist.items)     # each item is relevant on its own
    answers = {f: DONT_KNOW for f in checklist.facts}
    answers[checklist.facts[0]] = True
    answers[checklist.facts[1]] = False
    interview.answer_checklist(answers)
    assert interview.rounds == 1 and len(interview.history) == len(checklist.facts)
    assert set(interview.dont_know) == set(checklist.facts[2:])
    interview.back()
    assert interview.history == [] and interview.dont_know == [] and interview.description == {"id": "x", "name": "X"}


def test_a_legal_judgement_shows_its_guidance(engine, tmp_path):
    from aiduty.interview import fact_help
    from aiduty.interview_cli import _show

    info = fact_help(engine.kb, "capabilities.hosts_user_content", "en")
    assert info["legal_judgement"] and "LABEL-2025 Art 6" in info["guidance"] and "Example" in info["help"]
    assert "legal_judgement" not in fact_help(engine.kb, "capabilities.export", "en")
    interview = Interview(engine, {"id": "x", "name": "X", "reach": {"mainland_china_public": True},
                                   "capabilities": {"generates": ["image"], "user_publishing": True}}, as_of=AS_OF)
    question = next(q for q in interview.questions() if q.fact == "capabilities.hosts_user_content")
    import io
    out = io.StringIO()
    _show(interview, question, out)
    assert "A legal judgement, not a product fact" in out.getvalue() and "Help: " in out.getvalue()


# ------------------------------------------------------------------------------------------------ the command


def test_cli_oracle_json_and_yaml(tmp_path, engine):
    full = REPO / "data" / "services" / "chat-assistant.yaml"
    out = tmp_path / "out.yaml"
    result = runner.invoke(cli, ["interview", "--oracle", str(full), "-o", str(out), "--format", "json", "--as-of", AS_OF])
    want = engine.check(load_description(full), as_of=AS_OF, include_all=True)
    assert result.exit_code == (1 if want.has_gap else 0), result.output
    data = json.loads(result.stdout)
    assert data["asked"] == len(data["questions"]) > 0
    assert data["summary"]["gap"] == want.summary.gap and data["summary"]["unknown"] == want.summary.unknown
    text = out.read_text(encoding="utf-8")
    answered = [f for f in data["questions"] if f not in data["dont_know"]]
    question = engine.kb.fact_for_path(answered[0]).question["en"]
    key = answered[0].rsplit(".", 1)[1]
    assert data["rounds"] <= data["asked"] and all(len(c) > 1 for c in data["checklists"])
    assert f"# {question}\n  {key}:" in text            # each answer follows its question
    assert statuses(engine.check(load_description(out), as_of=AS_OF, include_all=True)) == statuses(want)
    # resume: the written file asks nothing more
    again = runner.invoke(cli, ["interview", str(out), "--oracle", str(full), "--format", "json", "--as-of", AS_OF])
    assert json.loads(again.stdout)["asked"] == 0


def test_cli_resumes_with_dont_know(tmp_path):
    full = tmp_path / "full.yaml"
    full.write_text("id: tiny\nname: Tiny\nreach:\n  mainland_china_public: false\n", encoding="utf-8")
    out = tmp_path / "out.yaml"
    first = runner.invoke(cli, ["interview", "--oracle", str(full), "-o", str(out), "--format", "json", "--as-of", AS_OF])
    data = json.loads(first.stdout)
    assert "reach.mainland_china_public" in data["questions"] and data["dont_know"]
    assert "# aiduty-interview dont-know: " + ", ".join(data["dont_know"]) in out.read_text(encoding="utf-8")
    again = runner.invoke(cli, ["interview", "-o", str(out), "--oracle", str(full), "--format", "json", "--as-of", AS_OF])
    assert json.loads(again.stdout)["asked"] == 0       # the "don't know" facts are not asked again


def test_cli_bad_input_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: X\nreach: {minors: maybe}\n", encoding="utf-8")
    assert runner.invoke(cli, ["interview", "--oracle", str(bad), "--format", "json"]).exit_code == 2
    assert runner.invoke(cli, ["interview", "--oracle", str(tmp_path / "missing.yaml")]).exit_code == 2
    assert runner.invoke(cli, ["interview", "--oracle", str(PHOTO), "--as-of", "22/11/2026"]).exit_code == 2


# ------------------------------------------------------------------------------------------------ a real terminal


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")
def test_interactive_interview_in_tmux(tmp_path, engine):
    def engine_question(fact):
        return engine.kb.fact_for_path(fact).question["en"]

    session = f"aiduty-test-{os.getpid()}"
    out = tmp_path / "family.yaml"
    env = {**os.environ, "COLUMNS": "160"}
    command = f"{sys.executable} -m aiduty interview -o {out} --as-of {AS_OF}; echo EXIT=$?; sleep 30"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "200", "-y", "60", command], check=True, env=env)

    def screen() -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", session, "-S", "-200"], capture_output=True,
                              text=True, check=True).stdout

    def wait_for(text: str, count: int = 1, seconds: float = 60) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            shown = screen()
            if shown.count(text) >= count:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} (x{count}) did not appear:\n{screen()}")

    def send(keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", session, keys, "Enter"], check=True)

    try:
        wait_for("What is the service called?")
        send("Family Photo")
        wait_for("[family-photo]")
        send("")
        shown = wait_for("Q1. ")
        assert "Settles" in shown and ("1) yes   2) no" in shown or "Type the numbers of those that hold" in shown)
        assert "Help: " in shown or "Example: " in shown           # each question shows its help
        first = re.search(r"Q1\. .*\((\S+)\)\n(?:.*\n)*?\s+1\) .*?(?:\((\S+)\))?\n", shown)
        fact = first.group(2) or first.group(1)                   # the first checklist item, or the question's fact
        send("?")
        wait_for("What it means:")
        send("1")                                          # yes (to the first item of a checklist; the rest no)
        wait_for("Q2. ")
        send("d")                                          # don't know
        wait_for("Q3. ")
        send("b")                                          # back to Q2
        wait_for("Undid ")
        send("q")
        shown = wait_for("EXIT=")
        assert "Saved to" in shown
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    text = out.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["id"] == "family-photo" and data["name"] == "Family Photo"
    section, key = fact.split(".")
    assert data[section][key] is True
    assert "# " + engine_question(fact) in text
    assert "# aiduty-interview dont-know:\n" in text          # "b" undid the "don't know"


# ------------------------------------------------------------------------------------------------ HTTP


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings(workers=1, max_body=64 * 1024, check_timeout=60))) as c:
        yield c


def test_api_interview(client, engine):
    body = {"reach": {"mainland_china_public": True}}
    response = client.post("/v1/interview", json=body, params={"as_of": AS_OF, "limit": 3})
    assert response.status_code == 200, response.text
    data = response.json()
    local = Interview(engine, {"id": "draft-service", "name": "Draft service", **body}, as_of=AS_OF)
    assert [q["fact"] for q in data["questions"]] == [q.fact for q in local.questions(limit=3)]
    first = next(q for q in data["questions"] if q["kind"] != "checklist")
    assert all(item["help"]["help"] for q in data["questions"] if q["kind"] == "checklist" for item in q["items"])
    assert first["help"]["help"]
    assert first["settles"] == next(q for q in local.questions(limit=3) if not q.items).settles and first["help"]["question"] and first["hinges_on"]["citations"]
    assert data["summary"]["unknown"] == local.summary()["unknown"] and not data["done"]
    skipped = client.post("/v1/interview", json=body, params={"as_of": AS_OF, "dont_know": first["fact"]}).json()
    assert first["fact"] not in [q["fact"] for q in skipped["questions"]]
    zh = client.post("/v1/interview", json=body, params={"as_of": AS_OF, "lang": "zh", "limit": 3}).json()
    single = next(q for q in zh["questions"] if q["kind"] != "checklist")
    assert single["question"] == engine.kb.fact_for_path(single["fact"]).question["zh"]
    assert "示例" in single["help"]["help"]


@pytest.mark.parametrize("kwargs, status", [
    ({"json": {"reach": {"minors": "maybe"}}}, 422),
    ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 422),
    ({"json": {}, "params": {"dont_know": "reach.nonsense"}}, 422),
    ({"json": {}, "params": {"as_of": "yesterday"}}, 422),
    ({"json": {}, "params": {"limit": 0}}, 422),
    ({"content": b"{}", "headers": {"content-type": "text/plain"}}, 415),
    ({"content": b"{" + b" " * (70 * 1024) + b"}", "headers": {"content-type": "application/json"}}, 413),
])
def test_api_interview_errors_are_problems(client, kwargs, status):
    response = client.post("/v1/interview", **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_cli_internal_error_exits_3(monkeypatch):
    from aiduty import interview_cli

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(interview_cli, "run", broken)
    result = runner.invoke(cli, ["interview", "--oracle", str(PHOTO)])
    assert result.exit_code == 3 and "internal error" in result.stderr
