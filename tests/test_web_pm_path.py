"""The product manager's path in a real Chromium: answer the interview for Dreamy Canvas, see its gaps, switch to
Chinese, download the YAML, upload it again and get the same report; and the report read with JavaScript off."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import yaml

from browser import ARTIFACTS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "services" / "dreamy-canvas.yaml"
AS_OF = "2026-11-22"
MAX_PAGES = 200


def _flat(data: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def _expected_gaps(engine) -> tuple[list[str], dict]:
    from aiduty.description import load_description

    report = engine.check(load_description(SAMPLE), as_of=AS_OF)
    return sorted(d.id for d in report.duties if d.status == "gap"), report.summary.model_dump(exclude_none=True)


def _cli_counts() -> tuple[int, int]:
    """The CLI interview answering from the same sample: (questions asked, facts asked)."""
    out = subprocess.run([sys.executable, "-m", "aiduty", "interview", "--oracle", str(SAMPLE), "--format", "json",
                          "--as-of", AS_OF], capture_output=True, text=True, timeout=300)
    assert out.returncode in (0, 1), out.stderr
    result = json.loads(out.stdout)
    return result["rounds"], result["asked"]


def _answer_page(page, known: dict) -> int:
    """Answer the question on the page from the sample (a fact the sample leaves out: don't know); returns the
    number of facts it asked."""
    form = page.locator("#question-form")
    kind = form.locator("input[name=kind]").get_attribute("value")
    facts = [i.get_attribute("value") for i in form.locator("input[name=shown]").all()]
    if kind == "checklist":
        for fact in facts:
            value = known.get(fact)
            choice = "dk" if value is None else "true" if value else "false"
            form.locator(f'input[name="a.{fact}"][value="{choice}"]').check()
        form.locator("#next").click()
        return len(facts)
    (fact,) = facts
    if fact not in known:
        form.locator("#dont-know").click()
        return 1
    value = known[fact]
    if isinstance(value, bool):
        form.locator(f'input[name="a.{fact}"][value="{str(value).lower()}"]').check()
    elif isinstance(value, list):
        for v in value:
            form.locator(f'input[name="a.{fact}"][value="{v}"]').check()
    elif kind == "enum":
        form.locator(f'input[name="a.{fact}"][value="{value}"]').check()
    else:
        form.locator("#answer").fill(value.isoformat() if isinstance(value, date) else str(value))
    form.locator("#next").click()
    return 1


def _gaps(page) -> list[str]:
    return sorted(a.get_attribute("id")[2:] for a in page.locator("article.duty.gap").all())


def _summary(page) -> dict:
    return {li.get_attribute("data-count"): int(li.locator("strong").inner_text())
            for li in page.locator("#summary li").all()}


def test_product_manager_path(browsing, engine, tmp_path):
    page = browsing.page
    expected_gaps, expected_summary = _expected_gaps(engine)
    known = _flat(yaml.safe_load(SAMPLE.read_text(encoding="utf-8")))

    browsing.go("/check")
    browsing.shot("check")
    assert browsing.axe("check") == []
    page.click("#start-interview")
    page.fill("#name", "Dreamy Canvas")
    page.fill("#as_of", AS_OF)
    browsing.shot("interview-start")
    page.click("#interview-start")

    answers, facts, shots = 0, 0, set()
    for _ in range(MAX_PAGES):
        if page.locator("#verdict").count():
            break
        assert not page.locator("#answer-error").count(), page.locator("#answer-error").inner_text()
        kind = page.locator("#question-form input[name=kind]").get_attribute("value")
        name = "interview-checklist" if kind == "checklist" else "interview-question"
        if name not in shots:
            shots.add(name)
            browsing.shot(name)
            assert browsing.axe(name) == []
        facts += _answer_page(page, known)
        answers += 1
    else:
        raise AssertionError("the interview did not end")

    cli_rounds, cli_facts = _cli_counts()
    assert answers <= cli_rounds and facts <= cli_facts, (answers, cli_rounds, facts, cli_facts)
    print(f"PM path: {answers} questions ({facts} facts) in the browser; CLI {cli_rounds} ({cli_facts})")
    assert _gaps(page) == expected_gaps
    assert {k: v for k, v in _summary(page).items()} == {k: v for k, v in expected_summary.items() if k in _summary(page)}
    browsing.shot("report-en")
    assert browsing.axe("report") == []

    page.click("#lang-switch")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "合规检查" in page.locator("#report-title").inner_text()
    assert _gaps(page) == expected_gaps
    browsing.shot("report-zh")
    assert browsing.axe("report-zh") == []

    with page.expect_download() as info:
        page.click("#dl-yaml")
    saved = tmp_path / "dreamy-canvas.yaml"
    info.value.save_as(saved)
    from aiduty.description import load_description

    assert load_description(saved).name == "Dreamy Canvas"

    with page.expect_download() as info:
        page.click("#dl-markdown")
    markdown = tmp_path / "report.md"
    info.value.save_as(markdown)
    assert all(g in markdown.read_text(encoding="utf-8") for g in expected_gaps)

    page.click("#printable")
    browsing.shot("report-printable")
    assert page.locator("#downloads").count() == 0
    pdf = ARTIFACTS / "report-printable.pdf"          # what "Print → Save as PDF" gives
    page.pdf(path=str(pdf), format="A4", print_background=True)
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Dreamy Canvas" in text and "What changed" not in text and "变化对比" not in text   # no navigation
    assert all(g in text.replace("\n", "") for g in expected_gaps[:3])

    browsing.go("/check")
    page.set_input_files("#file", str(saved))
    page.fill("#as_of", AS_OF)
    page.click("#check-button")
    assert _gaps(page) == expected_gaps
    assert _summary(page) == {k: v for k, v in expected_summary.items() if k in _summary(page)}
    browsing.shot("report-from-upload")


def test_report_filters_without_javascript(chromium, web_server):
    """JavaScript off: the report is all there, and the filters work by posting the form."""
    context = chromium.new_context(java_script_enabled=False, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(web_server + "/check")
        page.fill("#text", SAMPLE.read_text(encoding="utf-8"))
        page.fill("#as_of", AS_OF)
        page.click("#check-button")
        assert page.locator("article.duty.gap").count() == 13
        page.select_option("#f-status", "gap")
        page.click("form.filters button[type=submit]")
        visible = page.locator("article.duty:visible")
        assert visible.count() == 13
        assert page.locator("article.duty.met:visible").count() == 0
    finally:
        context.close()
