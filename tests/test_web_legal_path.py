"""The legal team's path in a real Chromium against a real ``aiduty serve``: search 日志 in the catalogue, open a
card and check its citation and official source link, diff 2025-12-31 → 2026-01-01 and see the CSL renumbering,
visit the instruments and campaigns, download a list. Every page: a screenshot, axe-core without a serious or
critical violation, nothing requested from any host but 127.0.0.1 and no CSP violation (the fixture checks)."""

from __future__ import annotations

import csv
import re



def _axe(browsing, name: str) -> None:
    assert browsing.axe(name) == [], name


def _expected_status(browsing, status: int) -> None:
    """Chromium logs a 4xx page as a console error: drop that one line, expected here, and nothing else."""
    line = f"console error: Failed to load resource: the server responded with a status of {status} "
    found = [p for p in browsing.problems if p.startswith(line)]
    assert len(found) == 1, browsing.problems
    browsing.problems.remove(found[0])


def test_legal_path(browsing):
    page = browsing.page

    # the catalogue: type 日志 and submit the form (a GET: the search is in the address)
    browsing.go("/catalogue")
    _axe(browsing, "catalogue")
    page.fill("#f-search", "日志")
    page.click("#f-submit")
    page.wait_for_url(re.compile(r"/catalogue\?.*search=%E6%97%A5%E5%BF%97"))
    results = page.locator("#results li.result")
    ids = results.evaluate_all("items => items.map(i => i.dataset.id)")
    assert {"csl-2026-art23-log-retention", "csl-2017-art21-log-retention"} <= set(ids)
    assert page.locator("#result-count").inner_text() == f"{len(ids)} obligations"
    assert page.locator("#f-search").input_value() == "日志"
    browsing.shot("catalogue-search")
    _axe(browsing, "catalogue-search")

    # one download link: the CSV of exactly these results
    with page.expect_download() as info:
        page.click("#download-csv")
    download = info.value
    assert download.suggested_filename == "aiduty-obligations.csv"
    with open(download.path(), encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "id" and [r[0] for r in rows[1:]] == ids

    # open a card: its citation and its official source link
    page.click('#results a[href="/obligations/csl-2026-art23-log-retention"]')
    page.wait_for_url("**/obligations/csl-2026-art23-log-retention")
    assert page.locator("h1").inner_text() == "Keep network logs for at least six months"
    assert page.locator("#citations a.citation").first.inner_text() == "CSL-2026 Art. 23"
    assert page.locator("#texts-zh").is_visible() and page.locator("#texts-en").is_visible()   # both languages
    assert "网络日志留存不少于六个月" in page.locator("#texts-zh").inner_text()
    official = page.locator('#sources-CSL-2026 a[href="https://www.cac.gov.cn/2026-01/02/c_1769093523928606.htm"]')
    assert official.count() == 1 and official.get_attribute("rel") == "noopener noreferrer external"
    assert "¥500,000" in page.locator("#penalty").inner_text()
    browsing.shot("obligation-card")
    _axe(browsing, "obligation-card")

    # the same card in Chinese, by the switch
    page.click("#lang-switch")
    page.wait_for_url("**lang=zh")
    assert page.locator("h1").inner_text() == "网络日志留存不少于六个月"
    assert page.locator("#citations a.citation").first.inner_text() == "《网络安全法（2025年修正）》第二十三条"
    browsing.shot("obligation-card-zh")
    _axe(browsing, "obligation-card-zh")
    page.click("#lang-switch")                      # back to English for the rest
    page.wait_for_url("**lang=en")

    # What changed: the form, then 2025-12-31 → 2026-01-01
    page.click('header nav a[href="/diff"]')
    page.wait_for_url("**/diff")
    page.fill("#d-from", "2025-12-31")
    page.fill("#d-to", "2026-01-01")
    page.click("#d-submit")
    page.wait_for_url(re.compile(r"/diff\?from=2025-12-31&to=2026-01-01"))
    row = page.locator('tr[data-from="csl-2017-art21-log-retention"][data-to="csl-2026-art23-log-retention"]')
    assert row.count() == 1
    cells = row.locator("td").all_inner_texts()
    assert "CSL-2017 Art. 21" in cells[0] and "CSL-2026 Art. 23" in cells[1]
    assert "¥500,000" in page.locator("#penalties").inner_text()
    browsing.shot("diff")
    _axe(browsing, "diff")
    row.locator('a[href="/obligations/csl-2017-art21-log-retention"]').click()    # the old duty's card
    page.wait_for_url("**/obligations/csl-2017-art21-log-retention")
    assert "2025-12-31" in page.locator("dl.facts").inner_text()

    # instruments, one instrument, campaigns, one campaign
    browsing.go("/instruments")
    assert page.locator("#instruments tbody tr").count() >= 14
    browsing.shot("instruments")
    _axe(browsing, "instruments")
    page.click('#instruments a[href="/instruments/CSL-2026"]')
    page.wait_for_url("**/instruments/CSL-2026")
    assert page.locator('#duties a[href="/obligations/csl-2026-art23-log-retention"]').count() == 1
    browsing.shot("instrument")
    _axe(browsing, "instrument")
    browsing.go("/campaigns?as_of=2026-05-01")
    assert page.locator('tr[data-code="QINGLANG-2026-AI"] .badge').inner_text() == "active"
    browsing.shot("campaigns")
    _axe(browsing, "campaigns")
    page.click('#campaigns a[href^="/campaigns/QINGLANG-2026-AI"]')
    page.wait_for_url("**/campaigns/QINGLANG-2026-AI**")
    assert page.locator("#target-P1-5 a[href^='/obligations/']").count() >= 1
    browsing.shot("campaign")
    _axe(browsing, "campaign")


def test_catalogue_pages_in_chinese_and_errors(browsing):
    page = browsing.page
    browsing.go("/catalogue?search=%E6%97%A5%E5%BF%97&lang=zh")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("#result-count").inner_text().endswith("项义务")
    browsing.shot("catalogue-search-zh")
    _axe(browsing, "catalogue-search-zh")
    response = page.goto(browsing.base + "/catalogue?role=nobody")
    assert response.status == 422
    _expected_status(browsing, 422)
    assert "nobody" in page.locator("#filter-errors").inner_text()
    browsing.shot("catalogue-bad-filter")
    _axe(browsing, "catalogue-bad-filter")
    response = page.goto(browsing.base + "/obligations/csl-2026-art23-log-retenton")
    assert response.status == 404
    _expected_status(browsing, 404)
    page.click('#did-you-mean a[href="/obligations/csl-2026-art23-log-retention"]')
    page.wait_for_url("**/obligations/csl-2026-art23-log-retention")
    browsing.go("/diff")
    _axe(browsing, "diff-form")


def test_catalogue_with_javascript_off(chromium, web_server):
    """With JavaScript off the search still works: a plain GET form and a server-rendered list."""
    context = chromium.new_context(java_script_enabled=False, locale="en-GB")
    try:
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(web_server + "/catalogue")
        page.fill("#f-search", "log retention")
        page.select_option("#f-instrument", "CSL-2026")
        page.click("#f-submit")
        page.wait_for_url(re.compile(r"instrument=CSL-2026"))
        ids = [e.get_attribute("data-id") for e in page.locator("#results li.result").all()]
        assert ids == ["csl-2026-art23-log-retention"]
        page.click("#results a")
        page.wait_for_url("**/obligations/csl-2026-art23-log-retention")
        assert "网络日志留存不少于六个月" in page.locator("#texts-zh").inner_text()
        assert all(r.startswith(web_server) for r in requests), requests
    finally:
        context.close()
