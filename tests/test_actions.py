"""Issue 13 items 4-5: the action report (top actions as KB data, executive summary, default listing, zh
labels, no cut ids, NO_COLOR, --version) and the module import rules."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import SKOS
from typer.testing import CliRunner

from aiduty import render
from aiduty.cli import app
from aiduty.description import load_description as load_file
from aiduty.kb import lint
from aiduty.vocab import AID, OBLIGATION
from aiduty.words import HEADINGS

ROOT = Path(__file__).resolve().parents[1]
DREAMY = ROOT / "data" / "services" / "dreamy-canvas.yaml"
DAY = date(2026, 11, 22)
runner = CliRunner()


def _check(engine, lang="en", include_all=False, path=DREAMY):
    return engine.check(load_file(path), as_of=DAY, lang=lang, include_all=include_all)


def test_one_action_closes_the_text_label_duties_of_three_instruments(kb):
    action = kb.actions["label-text"]
    assert {"label-2025-art4-1-1-text-label", "deepsyn-2023-art17-1-1-dialogue-label",
            "gb45438-2025-clause5-1-text-label"} <= set(action.closes)
    assert action.title["en"] and action.title["zh"]
    assert kb.action_of["gb45438-2025-clause5-1-text-label"] == "label-text"


def test_lint_rejects_an_action_without_chinese_title_a_dangling_duty_and_a_duty_closed_twice(kb):
    graph = kb.graph()
    a = next(graph.subjects(AID.closes, OBLIGATION["label-2025-art4-1-1-text-label"]))
    graph.remove((a, SKOS.prefLabel, Literal("显式标识AI生成的文本", lang="zh")))
    graph.add((a, AID.closes, OBLIGATION["no-such-duty"]))
    other = next(graph.subjects(AID.closes, OBLIGATION["csl-2026-art23-log-retention"]))
    graph.add((other, AID.closes, OBLIGATION["label-2025-art4-1-1-text-label"]))
    problems = lint(graph=graph)
    assert any("Chinese title" in p for p in problems)
    assert any("only duties that exist" in p for p in problems)
    assert any("at most one action" in p for p in problems)


def test_gaps_are_grouped_by_action_most_urgent_first_each_gap_once(engine):
    report = _check(engine)
    actions = render.top_actions(report)
    listed = [d.id for *_, gaps in actions for d in gaps]
    assert sorted(listed) == sorted(d.id for d in report.duties if d.status == "gap")      # each gap exactly once
    keys = [(render.PRIORITY_ORDER[g[0].priority], -len(g)) for *_, g in actions]
    assert keys == sorted(keys)
    assert len(actions) < report.summary.gap
    labels = next(g for key, *_, g in actions if key == "label-image-video")
    assert {"label-2025-art4-1-4-video-label", "gb45438-2025-clause5-4-video-label"} <= {d.id for d in labels}


def test_markdown_of_dreamy_canvas_is_short_and_opens_with_summary_and_actions(engine):
    report = _check(engine)
    md = render.to_markdown(report)
    assert len(md.splitlines()) <= 200
    head = md.split("## ")[1]
    assert "Not compliant yet: 13 gaps" in md.split("## ")[0] and head.startswith("Top actions")
    for d in report.duties:                     # listed by default: gaps, unknowns, upcoming; met/applicable counted
        assert (f"`{d.id}`" in md) == (d.status in ("gap", "unknown", "upcoming")), d.id
    assert "applicable 80" in md and "met 71" in md
    full = render.to_markdown(_check(engine, include_all=True))
    assert all(f"`{d.id}`" in full for d in report.duties)


ENGLISH = [w for k in ("gap", "unknown", "upcoming", "applicable", "met", "roles", "questions", "summary", "prio",
                       "actions", "title", "counted", "p_critical", "p_high", "p_medium", "p_low", "st_gap", "st_met")
           for w in re.findall(r"[A-Za-z]{3,}", HEADINGS["en"][k])] + ["provider", "operator", "handler", "Top"]


def _strip_codes(text, report):
    text = re.sub(r"`[^`]*`", "", text)
    for d in report.duties:
        text = text.replace(d.id, "")
    return text


def test_zh_text_and_markdown_have_no_english_label_left(engine):
    report = _check(engine, lang="zh")
    for out in (render.to_markdown(report), render.to_text(report, width=100)):
        rest = _strip_codes(out, report)
        left = sorted({w for w in ENGLISH if re.search(rf"\b{w}\b", rest, re.IGNORECASE)})
        assert left == [], left
        assert "首要整改行动" in out and "紧急" in out


def test_narrow_terminal_never_cuts_an_id_or_a_citation(engine, tmp_path):
    report = _check(engine, lang="zh")
    result = runner.invoke(app, ["check", str(DREAMY), "--as-of", "2026-11-22", "--lang", "zh"], env={"COLUMNS": "80"})
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    for d in report.duties:
        if d.status in ("gap", "unknown"):
            assert any(line.strip() == d.id for line in lines), d.id
            assert any(line.strip() == render._cites(d, "zh") for line in lines), d.id


def test_no_color_is_honoured(engine, monkeypatch):
    report = _check(engine)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[" in render.to_text(report, color=True)
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in render.to_text(report, color=True)


def test_version():
    from aiduty import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"aiduty {__version__}"


SRC = ROOT / "src" / "aiduty"


def _imports(name: str) -> set[str]:
    """The package modules and top-level libraries a module imports (at any depth, lazy imports included)."""
    tree = ast.parse((SRC / f"{name}.py").read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                out |= {f".{node.module}"} if node.module else {f".{a.name}" for a in node.names}
            else:
                out.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
    return out


def test_module_import_rules():
    assert not {i for i in _imports("words") if i.startswith(".")}
    assert _imports("render") & {".engine", ".cli", ".api"} == set()
    assert {i for i in _imports("render") if i.startswith(".")} <= {".report", ".words", ".safetext", ".facts", ".vocab",
                                                                   ".kb", ".priority"}
    assert _imports("engine") & {".render", ".cli", ".api"} == set()
    # the web app: page machinery free of HTTP and of the engine; page views free of HTTP and of HTML
    assert _imports("web") & {"fastapi", "starlette", ".engine", ".api", ".routes"} == set()
    assert _imports("pageviews") & {"fastapi", "starlette", "jinja2", ".web", ".api", ".routes"} == set()
    typer_users = {p.stem for p in SRC.glob("*.py") if "typer" in _imports(p.stem)}
    assert typer_users <= {"cli", "cli_labels", "cli_portfolio", "interview_cli"}, typer_users
