"""The catalogue pages (routes/pages_catalogue.py), served by the real app: search and filters in the query
string, obligation cards in both languages, instruments, campaigns, the diff, 404/422 pages and the CSV/XLSX
downloads. Every page is plain HTML: what a browser with JavaScript off shows is what these tests read."""

from __future__ import annotations

import csv
import io
import re
import time
from html import unescape

import pytest
from fastapi.testclient import TestClient

from aiduty.api import Settings, create_app
from aiduty.catalogue import filter_duties
from aiduty.words import WEB_WORDS

LOG_DUTIES = {"csl-2017-art21-log-retention", "csl-2026-art23-log-retention", "algo-2022-art28-2-log-retention",
              "deepsyn-2023-art10-log-keeping"}


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings(workers=1, sparql_workers=1))) as c:
        yield c


def get(client, path: str, lang: str = "en", **kw):
    """A fresh request (no cookie from an earlier ?lang=) in ``lang`` by Accept-Language, as a browser asks."""
    client.cookies.clear()
    return client.get(path, headers={"accept-language": lang, "accept": "text/html"}, **kw)


def result_ids(html: str) -> list[str]:
    return re.findall(r'<li class="duty result" data-id="([^"]+)"', html)


def text(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# ------------------------------------------------------------------------------------------------ /catalogue


def test_catalogue_lists_every_duty_with_count_and_links(client):
    kb = client.app.state.kb
    r = get(client, "/catalogue")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    ids = result_ids(r.text)
    assert sorted(ids) == sorted(kb.duties)
    assert f'<span id="result-count">{len(kb.duties)} obligations</span>' in r.text
    assert 'href="/obligations/csl-2026-art23-log-retention"' in r.text
    assert "content-security-policy" in r.headers and "'unsafe-inline'" not in r.headers["content-security-policy"]
    assert "<script>" not in r.text and " style=" not in r.text


def test_search_in_chinese_finds_the_log_retention_duties(client):
    r = get(client, "/catalogue?search=日志", "zh")
    assert r.status_code == 200
    ids = result_ids(r.text)
    assert LOG_DUTIES <= set(ids)
    assert ids == [d.id for d in filter_duties(client.app.state.kb, search="日志")]   # the CLI's query, same order
    assert "《网络安全法（2025年修正）》第二十三条" in r.text                               # the citation, in Chinese
    assert f"{len(ids)} 项义务" in r.text
    assert 'value="日志"' in r.text                                                     # the box shows the search


def test_search_in_english_is_whole_word_and_every_word(client):
    ids = set(result_ids(get(client, "/catalogue?search=network+logs").text))
    assert {"csl-2026-art23-log-retention", "csl-2017-art21-log-retention"} <= ids
    assert not {i for i in ids if "label" in i}
    assert result_ids(get(client, "/catalogue?search=logs+zebra").text) == []


def test_filters_combine_and_are_shown_back(client):
    kb = client.app.state.kb
    r = get(client, "/catalogue?instrument=CSL-2026&role=network-operator&as_of=2026-01-01")
    ids = result_ids(r.text)
    assert ids and all(kb.duties[i].instrument == "CSL-2026" for i in ids)
    assert "csl-2026-art23-log-retention" in ids
    assert '<option value="CSL-2026" selected>' in r.text and '<option value="network-operator" selected>' in r.text
    assert 'value="2026-01-01"' in r.text
    # in force on a day before the amended CSL: none of its duties
    assert result_ids(get(client, "/catalogue?instrument=CSL-2026&as_of=2025-12-31").text) == []
    assert "csl-2017-art21-log-retention" in result_ids(get(client, "/catalogue?instrument=CSL-2017&as_of=2025-12-31").text)


def test_role_filter_includes_broader_roles(client):
    kb = client.app.state.kb
    ids = set(result_ids(get(client, "/catalogue?role=genai-provider").text))
    bearers = {kb.duties[i].bearer for i in ids}
    assert "genai-provider" in bearers and len(bearers) > 1        # its broader roles' duties too, as --role
    assert ids == {d.id for d in filter_duties(kb, role="genai-provider")}


def test_status_filters_draft_lapsed_and_campaign(client):
    kb = client.app.state.kb
    drafts = result_ids(get(client, "/catalogue?status=draft&as_of=2026-06-01").text)
    assert drafts and all(kb.duties[i].instrument_status == "draft" for i in drafts)
    lapsed = result_ids(get(client, "/catalogue?status=lapsed&as_of=2026-06-01").text)
    assert "csl-2017-art21-log-retention" in lapsed and "csl-2026-art23-log-retention" not in lapsed
    r = get(client, "/catalogue?campaign=QINGLANG-2026-AI/P1-5")
    ids = result_ids(r.text)
    assert ids and all(any(t == "QINGLANG-2026-AI/P1-5" for t in kb.duties[i].campaign_targets) for i in ids)
    assert '<option value="QINGLANG-2026-AI/P1-5" selected>' in r.text


def test_result_shows_citation_badge_and_confidence(client):
    r = get(client, "/catalogue?search=log&instrument=DVH-DRAFT-2026")
    body = get(client, "/catalogue?instrument=DVH-DRAFT-2026").text
    assert '<span class="badge draft">draft, not binding</span>' in body
    assert "credible secondary source" in body or "official text" in body or "reported" in body
    assert r.status_code == 200
    rec = get(client, "/catalogue?instrument=GBT45654-2025").text
    assert '<span class="badge recommended-standard">recommended standard</span>' in rec
    assert "GBT45654-2025" in text(rec)


def test_empty_result_says_so_and_suggests_removing_a_filter(client):
    r = get(client, "/catalogue?search=retention&instrument=LABEL-2025")
    assert r.status_code == 200
    assert result_ids(r.text) == [] and 'id="no-results"' in r.text
    assert "No obligation matches these filters." in r.text
    links = re.findall(r'<ul class="without">(.*?)</ul>', r.text, re.S)[0]
    assert 'href="/catalogue?instrument=LABEL-2025"' in links and 'href="/catalogue?search=retention"' in links
    assert result_ids(get(client, "/catalogue?search=retention").text)     # the suggestion finds something


@pytest.mark.parametrize("query, message", [
    ("role=nobody", "Unknown role “nobody”"),
    ("instrument=NOPE-1", "Unknown instrument “NOPE-1”"),
    ("campaign=NOPE", "Unknown campaign “NOPE”"),
    ("campaign=QINGLANG-2026-AI/Z9", "has no target “Z9”"),
    ("status=valid", "Unknown status “valid”"),
    ("as_of=2026-02-30", "is not a date"),
    ("article=abc", "is not an article number"),
    ("format=pdf", "Unknown download format “pdf”"),
    ("search=" + "a" * 201, "at most 200 characters"),
])
def test_bad_filter_is_a_422_page_not_a_crash(client, query, message):
    r = get(client, "/catalogue?" + query)
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert message in r.text and 'role="alert"' in r.text
    assert result_ids(r.text) == []
    assert '<form class="filters"' in r.text                               # the form is there to fix it


def test_bad_filter_in_chinese(client):
    r = get(client, "/catalogue?role=nobody", "zh")
    assert r.status_code == 422 and "未知角色“nobody”" in r.text


def test_empty_form_fields_are_no_filter(client):
    r = get(client, "/catalogue?search=&instrument=&role=&campaign=&status=&as_of=&article=")
    assert r.status_code == 200 and len(result_ids(r.text)) == len(client.app.state.kb.duties)


def test_obligations_list_redirects_to_catalogue(client):
    r = get(client, "/obligations?search=x", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/catalogue?search=x"


# ------------------------------------------------------------------------------------------------ cards


def test_card_has_both_languages_and_every_section(client):
    r = get(client, "/obligations/csl-2026-art23-log-retention")
    assert r.status_code == 200
    html = r.text
    assert "<h1>Keep network logs for at least six months</h1>" in html
    en, zh = html.index('id="texts-en"'), html.index('id="texts-zh"')
    assert en < zh                                                       # the chosen language first
    assert "网络日志留存不少于六个月" in html and "《网络安全法（2025年修正）》第二十三条" in html
    assert 'href="/instruments/CSL-2026" class="citation">CSL-2026 Art. 23</a>' in html
    assert 'href="https://www.cac.gov.cn/2026-01/02/c_1769093523928606.htm"' in html    # the official source
    assert "Fine: ¥500,000 (up to ¥10,000,000)" in html
    assert "CSL-2026 Art. 61(1)" in html                                 # the penalty provision
    assert 'href="/obligations/csl-2017-art21-log-retention"' in html     # replaces
    assert 'href="/obligations/algo-2022-art28-2-log-retention"' in html  # overlaps
    assert "<code>controls.log_retention_months ≥ 6</code>" in html        # what satisfies it
    assert "the service is a network operator" in html                    # when it applies, as tested
    assert "official text" in html and "2026-01-01" in html
    assert 'href="/catalogue?role=network-operator"' in html


def test_card_in_chinese_puts_chinese_first(client):
    r = get(client, "/obligations/csl-2026-art23-log-retention", "zh")
    html = r.text
    assert '<html lang="zh-CN">' in html and "<h1>网络日志留存不少于六个月</h1>" in html
    assert html.index('id="texts-zh"') < html.index('id="texts-en"')
    assert "罚款: 500,000元（最高10,000,000元）" in html
    assert "Keep network logs for at least six months" in html            # the other language, below


def test_card_campaign_targets_and_precedents(client):
    kb = client.app.state.kb
    duty = next(d for d in kb.duties.values() if d.campaign_targets and d.precedents)
    html = get(client, f"/obligations/{duty.id}").text
    tid = duty.campaign_targets[0]
    code, _, target = tid.partition("/")
    assert f'href="/campaigns/{code}#target-{target}">{tid}</a>' in html
    camp = kb.campaigns[code]
    assert camp.label["en"] in unescape(html) and camp.start.isoformat() in html
    prec = kb.precedents[duty.precedents[0]]
    assert prec.label["en"] in unescape(html)


def test_card_draft_and_confidence_note(client):
    kb = client.app.state.kb
    duty = next(d for d in kb.duties.values() if d.instrument_status == "draft" and d.confidence_note)
    html = unescape(get(client, f"/obligations/{duty.id}").text)
    assert "draft, not binding" in html and duty.confidence_note["en"] in html and duty.confidence_note["zh"] in html


def test_every_card_renders_in_both_languages_quickly(client):
    kb = client.app.state.kb
    get(client, "/obligations/csl-2026-art23-log-retention")             # warm the templates
    slowest = 0.0
    for lang in ("en", "zh"):
        for did in kb.duties:
            t = time.perf_counter()
            r = get(client, f"/obligations/{did}", lang)
            slowest = max(slowest, time.perf_counter() - t)
            assert r.status_code == 200, did
    assert slowest < 0.5, slowest


def test_unknown_obligation_is_a_404_page_with_did_you_mean(client):
    r = get(client, "/obligations/csl-2026-art23-log-retenton")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "There is no obligation “csl-2026-art23-log-retenton”." in r.text
    assert '<a href="/obligations/csl-2026-art23-log-retention">' in r.text
    zh = get(client, "/obligations/nothing-like-it", "zh")
    assert zh.status_code == 404 and "没有编号为“nothing-like-it”的义务。" in zh.text and "did-you-mean" not in zh.text


# ------------------------------------------------------------------------------------------------ instruments, campaigns


def test_instruments_list_and_page(client):
    kb = client.app.state.kb
    r = get(client, "/instruments")
    assert r.status_code == 200
    for code in kb.instruments:
        assert f'href="/instruments/{code}"' in r.text
    assert '<span class="badge draft">draft, not binding</span>' in r.text
    page = get(client, "/instruments/CSL-2017").text
    assert "2017-06-01 – 2025-12-31" in page
    assert 'href="/instruments/CSL-2026"' in page                        # superseded by
    assert "Standing Committee of the National People&#39;s Congress" in page
    assert 'href="/obligations/csl-2017-art21-log-retention"' in page
    assert 'href="https://github.com/LawRefBook/Laws"' in page
    zh = get(client, "/instruments/CSL-2026", "zh").text
    assert "全国人民代表大会常务委员会" in zh and "有约束力" in zh


def test_unknown_instrument_is_404_with_suggestion(client):
    r = get(client, "/instruments/CSL-2027")
    assert r.status_code == 404 and '<a href="/instruments/CSL-2026">' in r.text


def test_campaigns_list_state_on_a_date(client):
    r = get(client, "/campaigns?as_of=2026-05-01")
    assert r.status_code == 200
    rows = dict(re.findall(r'<tr data-code="([^"]+)">.*?<span class="badge camp-(\w+)">', r.text, re.S))
    assert rows == {"BEIJING-2026-05": "upcoming", "QINGLANG-2025-AI": "past", "QINGLANG-2026-AI": "active"}
    assert 'href="/campaigns/QINGLANG-2026-AI?as_of=2026-05-01"' in r.text
    bad = get(client, "/campaigns?as_of=soon")
    assert bad.status_code == 422 and "is not a date" in bad.text


def test_campaign_page_targets_link_their_duties(client):
    kb = client.app.state.kb
    c = kb.campaigns["QINGLANG-2026-AI"]
    r = get(client, "/campaigns/QINGLANG-2026-AI?as_of=2026-09-01")
    assert r.status_code == 200
    assert '<span class="badge camp-past">past</span>' in r.text
    assert f"{c.start.isoformat()} – {c.end.isoformat()}" in r.text
    for t in c.targets:
        assert f'id="target-{t.code}"' in r.text
        for did in t.duties:
            assert f'href="/obligations/{did}"' in r.text
    assert get(client, "/campaigns/QINGLANG-2027").status_code == 404


# ------------------------------------------------------------------------------------------------ diff


def test_diff_form_alone_then_the_csl_renumbering(client):
    empty = get(client, "/diff")
    assert empty.status_code == 200 and 'name="from"' in empty.text and 'id="renumbered"' not in empty.text
    r = get(client, "/diff?from=2025-12-31&to=2026-01-01")
    assert r.status_code == 200
    row = re.search(r'<tr data-from="csl-2017-art21-log-retention" data-to="csl-2026-art23-log-retention">(.*?)</tr>', r.text, re.S)
    assert row, "the log retention renumbering is listed"
    assert "CSL-2017 Art. 21" in row.group(1) and "CSL-2026 Art. 23" in row.group(1)
    assert 'href="/obligations/csl-2026-art23-log-retention"' in row.group(1)
    penalties = re.search(r'<section aria-labelledby="penalty-h" id="penalties">(.*?)</section>', r.text, re.S).group(1)
    assert "¥500,000 (up to ¥10,000,000)" in penalties and "no fine amount recorded" in penalties
    assert "Renumbered (7)" in r.text


def test_diff_new_and_lapsed_with_role(client):
    r = get(client, "/diff?from=2026-07-14&to=2026-07-15&role=anthropomorphic-interaction-provider")
    assert r.status_code == 200
    came = re.search(r'<section aria-labelledby="came_into_force-h" id="came_into_force">(.*?)</section>', r.text, re.S).group(1)
    assert 'href="/obligations/anthro-2026' in came


@pytest.mark.parametrize("query", ["from=2025-12-31", "from=2025-12-31&to=tomorrow", "from=2025-12-31&to=2026-01-01&role=x"])
def test_diff_bad_input_is_422(client, query):
    r = get(client, "/diff?" + query)
    assert r.status_code == 422 and 'role="alert"' in r.text


# ------------------------------------------------------------------------------------------------ downloads


def _csv(r) -> list[list[str]]:
    return list(csv.reader(io.StringIO(r.content.decode("utf-8"))))


def test_catalogue_csv_has_the_filtered_rows(client):
    page = get(client, "/catalogue?search=日志&instrument=CSL-2026")
    link = re.search(r'href="([^"]+)" id="download-csv"', page.text).group(1)
    assert "format=csv" in link and "search=%E6%97%A5%E5%BF%97" in link and "instrument=CSL-2026" in link
    r = get(client, unescape(link))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="aiduty-obligations-CSL-2026.csv"'
    rows = _csv(r)
    assert rows[0][:3] == ["id", "citation", "title"]
    assert [row[0] for row in rows[1:]] == result_ids(page.text) == ["csl-2026-art23-log-retention"]
    assert rows[1][1] == "CSL-2026 Art. 23"


def test_catalogue_csv_in_chinese(client):
    rows = _csv(get(client, "/catalogue?search=日志&instrument=CSL-2026&format=csv", "zh"))
    assert rows[1][1] == "《网络安全法（2025年修正）》第二十三条" and rows[1][2] == "网络日志留存不少于六个月"


def test_xlsx_downloads_parse(client):
    from openpyxl import load_workbook

    kb = client.app.state.kb
    for path, title, n in (("/catalogue?format=xlsx", "obligations", len(kb.duties)),
                           ("/instruments?format=xlsx", "instruments", len(kb.instruments))):
        r = get(client, path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert r.headers["content-disposition"].startswith(f'attachment; filename="aiduty-{title}')
        ws = load_workbook(io.BytesIO(r.content)).active
        assert ws.title == title and ws.max_row == n + 1
    ws = load_workbook(io.BytesIO(get(client, "/diff?from=2025-12-31&to=2026-01-01&format=xlsx").content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("change", "id", "from")
    assert ("penalty_changed", "csl-2026-art23-log-retention", "csl-2017-art21-log-retention") in [r[:3] for r in rows]


def test_instruments_campaigns_and_diff_csv(client):
    kb = client.app.state.kb
    inst = _csv(get(client, "/instruments?format=csv"))
    assert sorted(r[0] for r in inst[1:]) == sorted(kb.instruments)
    camp = get(client, "/campaigns?as_of=2026-05-01&format=csv")
    assert camp.headers["content-disposition"] == 'attachment; filename="aiduty-campaigns-2026-05-01.csv"'
    rows = _csv(camp)
    assert {r[0] for r in rows[1:]} == set(kb.campaigns)
    assert {r[2] for r in rows[1:] if r[0] == "QINGLANG-2026-AI"} == {"active"}
    diff = _csv(get(client, "/diff?from=2025-12-31&to=2026-01-01&format=csv"))
    assert len(diff) == 1 + 7
    for page in ("/instruments", "/campaigns", "/diff?from=2025-12-31&to=2026-01-01"):
        html = get(client, page).text
        assert 'id="download-csv"' in html and 'id="download-xlsx"' in html


# ------------------------------------------------------------------------------------------------ languages, speed


def test_every_catalogue_word_in_both_languages():
    assert set(WEB_WORDS["en"]) == set(WEB_WORDS["zh"])


@pytest.mark.parametrize("path", ["/catalogue?search=日志", "/obligations/csl-2026-art23-log-retention", "/instruments",
                                  "/instruments/CSL-2026", "/campaigns", "/campaigns/QINGLANG-2026-AI",
                                  "/diff?from=2025-12-31&to=2026-01-01"])
def test_pages_in_chinese_have_no_english_ui_words(client, path):
    html = get(client, path, "zh").text
    main = re.search(r"<main.*?</main>", html, re.S).group(0)
    main = re.sub(r'<section class="card texts" lang="en".*?</section>', "", main, flags=re.S)   # the card's English column
    for word in ("Obligations", "Download this list", "Citations", "Instruments", "State on", "Renumbered", "Results"):
        assert word not in main, (path, word)
    switch = re.search(r'id="lang-switch" href="([^"]+)"', html).group(1)
    assert "lang=en" in switch


def test_catalogue_pages_are_fast(client):
    """Server time, warm, in process: everything is in memory (no worker call)."""
    paths = ["/catalogue?search=日志", "/catalogue", "/obligations/csl-2026-art23-log-retention", "/instruments",
             "/campaigns/QINGLANG-2026-AI", "/diff?from=2025-12-31&to=2026-01-01"]
    for p in paths:
        get(client, p)
    times = {}
    for p in paths:
        samples = []
        for _ in range(5):
            t = time.perf_counter()
            assert get(client, p).status_code == 200
            samples.append(time.perf_counter() - t)
        times[p] = sorted(samples)[2]
    assert all(v < 0.25 for v in times.values()), times
