"""The web app's check pages over HTTP (TestClient with the real worker pool): the report, the downloads, the
interview's steps, hostile input, both languages. The browser paths are in test_web_pm_path.py."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
DREAMY = (ROOT / "data" / "services" / "dreamy-canvas.yaml").read_text(encoding="utf-8")
AS_OF = "2026-11-22"
HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def client():
    from aiduty.api import create_app
    from aiduty.settings import Settings

    with TestClient(create_app(Settings(workers=1))) as c:
        yield c


def _gaps(page: str) -> list[str]:
    return sorted(re.findall(r'<article class="duty gap" id="d-([a-z0-9-]+)"', page))


def _hidden(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


def _report(client, text=DREAMY, lang="en", **extra):
    return client.post("/check", data={"text": text, "as_of": AS_OF, "lang": lang, **extra}, headers=HTML)


def test_report_of_a_pasted_description(client, engine):
    from aiduty.description import parse_text

    expected = sorted(d.id for d in engine.check(parse_text(DREAMY, "yaml"), as_of=AS_OF).duties if d.status == "gap")
    r = _report(client)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert _gaps(r.text) == expected and len(expected) == 13
    assert 'id="verdict"' in r.text and "Top actions" in r.text
    assert f'href="/obligations/{expected[0]}?lang=en"' in r.text        # citations open the obligation card
    as_json = json.dumps(yaml.safe_load(DREAMY), default=str)
    assert _gaps(_report(client, text=as_json).text) == expected         # JSON is read too


def test_bad_description_keeps_the_text_and_names_the_field(client):
    bad = "id: x\nname: <b>X</b>\nreach:\n  minorz: true\n"
    r = _report(client, text=bad)
    assert r.status_code == 422
    assert "reach.minorz" in r.text and 'role="alert"' in r.text
    assert html.escape(bad, quote=False) in r.text or "&lt;b&gt;X&lt;/b&gt;" in r.text   # kept, escaped
    assert "<b>X</b>" not in r.text
    empty = _report(client, text="  ")
    assert empty.status_code == 422 and "upload a file or paste" in empty.text
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    assert _report(client, text=bomb).status_code == 422


def test_names_are_escaped(client):
    r = _report(client, text="id: x\nname: '<script>alert(1)</script>'\n")
    assert r.status_code == 200
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;alert(1)" in r.text


def test_language_switch_posts_the_description_back(client):
    r = _report(client)
    desc = _hidden(r.text, "description")
    zh = client.post("/report", data={"description": desc, "as_of": AS_OF, "lang": "zh"}, headers=HTML)
    assert zh.status_code == 200 and '<html lang="zh-CN">' in zh.text and "合规检查" in zh.text
    assert _gaps(zh.text) == _gaps(r.text)
    assert "aiduty_lang=zh" in zh.headers["set-cookie"]
    accept = client.get("/check", headers={**HTML, "accept-language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-CN">' in accept.text
    client.cookies.clear()


def test_filters_and_printable_page(client):
    desc = _hidden(_report(client).text, "description")
    r = client.post("/report", data={"description": desc, "as_of": AS_OF, "status": "gap"}, headers=HTML)
    shown = re.findall(r'<article class="duty (\w+)"[^>]*data-instrument="[^"]*"(?! hidden)>', r.text)
    assert set(shown) == {"gap"} and len(shown) == 13
    p = client.post("/report", data={"description": desc, "as_of": AS_OF, "print": "1"}, headers=HTML)
    assert 'id="downloads"' not in p.text and "data-print" in p.text


@pytest.mark.parametrize("fmt", ["yaml", "markdown", "json"])
def test_downloads(client, fmt, tmp_path):
    page = _report(client).text
    desc = _hidden(page, "description")
    r = client.post("/report/download", data={"description": desc, "as_of": AS_OF, "lang": "en", "format": fmt})
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    if fmt == "yaml":
        from aiduty.description import load_description

        out = tmp_path / "d.yaml"
        out.write_bytes(r.content)
        assert load_description(out).model_dump() == __import__("aiduty.description", fromlist=["x"]).parse_text(DREAMY, "yaml").model_dump()
        again = _report(client, text=r.text)
        assert _gaps(again.text) == _gaps(page)
    elif fmt == "markdown":
        assert all(g in r.text for g in _gaps(page))
    else:
        data = r.json()
        assert data["report_version"] == 1 and sorted(d["id"] for d in data["duties"] if d["status"] == "gap") == _gaps(page)
    bad = client.post("/report/download", data={"description": desc, "format": "exe"}, headers=HTML)
    assert bad.status_code == 422


def _step(client, page: str, action: str, answers: dict | None = None, lang: str = "en"):
    data = {"action": action, "lang": lang, "as_of": AS_OF, "base": _hidden(page, "base"), "rounds": _hidden(page, "rounds"),
            "kind": _hidden(page, "kind"), "shown": re.findall(r'name="shown" value="([^"]*)"', page)}
    data.update(answers or {})
    return client.post("/interview", data=data, headers=HTML)


def _fact(page: str) -> str:
    return re.search(r'id="question-form" data-fact="([^"]+)"', page).group(1)


def test_interview_steps_back_and_dont_know(client):
    start = client.post("/interview", data={"action": "start", "name": "Café Bot", "as_of": AS_OF}, headers=HTML)
    assert start.status_code == 200 and "Question 1" in start.text
    assert json.loads(_hidden(start.text, "base")) == {"id": "caf-bot", "name": "Café Bot"}
    first = _fact(start.text)
    second = _step(client, start.text, "dont_know")
    assert "Question 2" in second.text and _fact(second.text) != first
    assert json.loads(_hidden(second.text, "rounds")) == [{f: None for f in re.findall(r'name="shown" value="([^"]*)"', start.text)}]
    back = _step(client, second.text, "back")
    assert "Question 1" in back.text and _fact(back.text) == first and json.loads(_hidden(back.text, "rounds")) == []


def test_interview_refuses_a_bad_answer_and_keeps_the_question(client):
    start = client.post("/interview", data={"action": "start", "as_of": AS_OF,
                                            "base": json.dumps({"reach": {"mainland_china_public": True}})}, headers=HTML)
    assert start.status_code == 200
    fact = re.findall(r'name="shown" value="([^"]*)"', start.text)[0]
    r = _step(client, start.text, "answer", {f"a.{fact}": "not-a-value"})
    assert r.status_code == 200 and 'id="answer-error"' in r.text and _fact(r.text) == _fact(start.text)
    assert json.loads(_hidden(r.text, "rounds")) == []


def test_interview_from_a_partial_description_asks_its_open_questions(client):
    r = _report(client, action="interview")
    assert r.status_code == 200 and 'id="question-form"' in r.text
    report = _report(client).text
    asked = re.findall(r'name="shown" value="([^"]*)"', r.text)
    open_facts = re.findall(r"<code>((?:reach|capabilities|controls|provider)\.[a-z_0-9.]+)</code>", report)
    assert set(asked) <= set(open_facts), (asked, open_facts)


@pytest.mark.parametrize("rounds", ["not json", "{\"a\": 1}", json.dumps([{"reach.minorz": True}]), json.dumps([[1]]),
                                    '[' * 5000 + ']' * 5000])
def test_interview_refuses_a_tampered_state(client, rounds):
    r = client.post("/interview", data={"action": "answer", "rounds": rounds, "base": "{}", "as_of": AS_OF}, headers=HTML)
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")


def test_unknown_page_is_html_for_browsers_and_problem_json_for_clients(client):
    assert client.get("/no-such-page", headers=HTML).headers["content-type"].startswith("text/html")
    assert client.get("/no-such-page").headers["content-type"] == "application/problem+json"


def test_questions_on_screen_leave_out_the_yaml_hints():
    from aiduty.pageviews import _on_screen

    options = ["text", "image", "audio", "video", "virtual_scene", "other"]
    assert _on_screen("Which kinds: text, image, audio, video, virtual_scene? (list them, or [] for none)", options) == "Which kinds?"
    assert _on_screen("哪些类型：text、image、audio、video、virtual_scene？（请逐项列出；如无，填 []）", options) == "哪些类型？"
    assert _on_screen("Status: filed, pending or none?", ["filed", "pending", "none"]) == "Status: filed, pending or none?"
    assert _on_screen("Which: foo, bar?", options) == "Which: foo, bar?"       # not the choices: kept


def test_an_upload_over_the_limit_is_a_page_for_browsers(client):
    big = "# " + "x" * (2 << 20) + "\nid: x\nname: y\n"
    r = client.post("/check", files={"file": ("big.yaml", big.encode(), "application/yaml")}, headers=HTML)
    assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
    assert "The request is too large" in r.text
    api = client.post("/v1/check", content=b"{" + b" " * (2 << 20) + b"}", headers={"content-type": "application/json"})
    assert api.status_code == 413 and api.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n\x00\x00", b"id: x\nname: \xff\xfe\n"])
def test_a_binary_or_non_utf8_upload_is_refused_with_the_form(client, content):
    r = client.post("/check", files={"file": ("photo.png", content, "image/png")}, headers=HTML)
    assert r.status_code == 422 and 'id="check-error"' in r.text and "photo.png" in r.text


def test_download_ignores_a_tampered_dont_know_list(client):
    desc = _hidden(_report(client).text, "description")
    r = client.post("/report/download", data={"description": desc, "format": "yaml",
                                              "dont_know": '[1, {"a": 2}, "controls.ethics_review", "no.such.fact"]'})
    assert r.status_code == 200 and "controls.ethics_review" in r.text and "no.such.fact" not in r.text
    r = client.post("/report/download", data={"description": desc, "format": "yaml", "dont_know": '{"x": 1}'})
    assert r.status_code == 200


def test_back_from_the_interview_report_reopens_the_last_question(client):
    r = client.post("/check", data={"text": DREAMY, "as_of": AS_OF, "action": "interview"}, headers=HTML)
    page = r.text
    for _ in range(30):                                   # "don't know" to everything: the report comes
        if 'id="question-form"' not in page:
            break
        page = _step(client, page, "dont_know").text
    assert 'id="verdict"' in page and 'id="back"' in page
    back = client.post("/interview", data={"action": "back", "as_of": AS_OF, "base": _hidden(page, "base"),
                                           "rounds": _hidden(page, "rounds")}, headers=HTML)
    assert 'id="question-form"' in back.text


from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

_FACTS = st.sampled_from(["reach.minors", "capabilities.generates", "controls.log_retention_months", "launch_date",
                          "controls.genai_filing", "checklist:GENAI-2023", "id", "nope", "reach", "a" * 300])
_JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                        max_leaves=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(action=st.sampled_from(["answer", "dont_know", "back", "start", "stay", "", "x"]),
       kind=st.sampled_from(["checklist", "bool", "multi", "int", "", "<b>"]),
       shown=st.lists(_FACTS, max_size=3), values=st.lists(st.text(max_size=30), max_size=3),
       base=_JSONISH.map(__import__("json").dumps) | st.text(max_size=40),
       rounds=st.lists(st.dictionaries(_FACTS, _JSONISH, max_size=3), max_size=3).map(__import__("json").dumps) | st.text(max_size=40),
       lang=st.sampled_from(["en", "zh", "fr", ""]), as_of=st.sampled_from(["", AS_OF, "2026-13-40", "x"]))
def test_no_interview_form_makes_the_server_fail(client, action, kind, shown, values, base, rounds, lang, as_of):
    """Whatever a page or a hand-made request posts, the answer is a page (200) or a refusal (422), never a crash."""
    data = {"action": action, "kind": kind, "shown": shown, "base": base, "rounds": rounds, "lang": lang, "as_of": as_of}
    for fact in shown:
        data[f"a.{fact}"] = values
    r = client.post("/interview", data=data, headers=HTML)
    assert r.status_code in (200, 422), (r.status_code, r.text[-500:])
    report = client.post("/report", data={"description": base, "lang": lang, "as_of": as_of, "status": values[0] if values else ""},
                         headers=HTML)
    assert report.status_code in (200, 422), (report.status_code, report.text[-500:])


_PARAM = st.sampled_from(["search", "instrument", "article", "role", "campaign", "status", "as_of", "format", "lang",
                          "from", "to"])
_VALUE = st.text(max_size=30) | st.sampled_from(["2026-01-01", "CSL-2026", "genai-provider", "QINGLANG-2026-AI/P1-5",
                                                 "draft", "xlsx", "csv", "zh", "-1", "99999999999999999999"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/catalogue", "/instruments", "/campaigns", "/diff", "/obligations/csl-2026-art23-log-retention",
                             "/campaigns/QINGLANG-2026-AI", "/instruments/CSL-2026", "/check", "/interview", "/labels", "/"]),
       params=st.lists(st.tuples(_PARAM, _VALUE), max_size=4))
def test_no_query_makes_a_page_fail(client, path, params):
    r = client.get(path, params=params, headers=HTML)
    assert r.status_code in (200, 404, 422), (r.status_code, path, params, r.text[-300:])


def test_next_with_nothing_chosen_asks_again_in_the_pages_language(client):
    r = client.post("/interview", data={"action": "answer", "as_of": AS_OF, "lang": "zh", "base": "{}", "rounds": "[]",
                                        "kind": "bool", "shown": "reach.minors"}, headers=HTML)
    assert r.status_code == 200 and 'id="answer-error"' in r.text and "请选择一个答案" in r.text
    assert json.loads(_hidden(r.text, "rounds")) == []


def test_chinese_pages_show_no_english_interface_words(client):
    from aiduty.words import HEADINGS, WEB_WORDS

    english = {v for v in [*WEB_WORDS["en"].values(), *HEADINGS["en"].values()] if " " in v and "{" not in v
               and v not in WEB_WORDS["zh"].values() and v not in HEADINGS["zh"].values()}
    pages = [_report(client, lang="zh").text,
             client.post("/interview", data={"action": "start", "lang": "zh", "as_of": AS_OF}, headers=HTML).text,
             client.get("/check?lang=zh", headers=HTML).text]
    client.cookies.clear()
    for text in pages:
        body = re.sub(r"<[^>]+>", "\n", text)
        assert not [e for e in english if e in body]
