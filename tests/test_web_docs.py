"""The API docs pages in a real Chromium: Swagger UI at /docs and ReDoc at /redoc render from the vendored assets,
with no request off 127.0.0.1 and no Content-Security-Policy violation (the ``browsing`` fixture asserts both
at teardown)."""

import json

from browser import ARTIFACTS


def test_swagger_ui_renders_the_operations(browsing):
    browsing.go("/docs")
    page = browsing.page
    page.wait_for_selector("#swagger-ui .opblock", timeout=20_000)
    assert page.locator(".opblock-summary-operation-id", has_text="checkService").count() == 1
    assert page.locator("#swagger-ui .info .title").first.inner_text().startswith("aiduty")
    assert page.locator(".validator-badge, img[src*='validator']").count() == 0    # validatorUrl: null
    health = page.locator("#operations-meta-health")           # try one call: fetch() under the page's CSP
    health.locator(".opblock-summary-control").click()
    health.get_by_role("button", name="Try it out").click()
    health.get_by_role("button", name="Execute").click()
    health.locator(".live-responses-table tbody .response-col_status").first.wait_for(timeout=10_000)
    assert health.locator(".live-responses-table tbody .response-col_status").first.inner_text().strip() == "200"
    browsing.shot("api-docs")
    # Third-party UI: static/docs.css darkens its colours to 4.5:1; what is left is its markup (a copy button inside
    # each operation's summary button), which only Swagger UI can change. Recorded, and nothing else allowed.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    found = browsing.axe("api-docs")
    (ARTIFACTS / "axe-api-docs.json").write_text(json.dumps(found, indent=1), encoding="utf-8")
    assert {v["id"] for v in found} <= {"nested-interactive"}, found
    served = [u for u in browsing.requests if "/static/vendor/" in u]
    assert any(u.endswith("/swagger-ui-bundle.js") for u in served) and any(u.endswith("/swagger-ui.css") for u in served)


def test_redoc_renders_the_reference(browsing):
    browsing.go("/redoc")
    page = browsing.page
    title = page.locator("#redoc h1").first
    title.wait_for(timeout=20_000)
    assert title.inner_text().startswith("aiduty")
    page.get_by_role("menuitem").first.wait_for(timeout=10_000)
    assert page.locator("#redoc").get_by_text("Check one service description").count() >= 1
    page.get_by_placeholder("Search...").fill("obligation")    # the search index runs in a blob: worker
    page.locator("[data-role='search:results'] li").first.wait_for(timeout=10_000)
    page.get_by_placeholder("Search...").fill("")
    fonts = page.evaluate("() => [...document.fonts].map(f => f.family)")
    assert not [f for f in fonts if "Montserrat" in f or "Roboto" in f], fonts      # no web fonts asked for
    browsing.shot("api-redoc")
    found = browsing.axe("api-redoc")
    (ARTIFACTS / "axe-api-redoc.json").write_text(json.dumps(found, indent=1), encoding="utf-8")
    assert found == []
    assert any(u.endswith("/static/vendor/redoc.standalone.js") for u in browsing.requests)


def test_docs_pages_in_chinese_and_without_javascript(chromium, web_server):
    """The bar around the UIs follows the language; with JavaScript off the page says where the OpenAPI JSON is."""
    context = chromium.new_context(java_script_enabled=False, locale="zh-CN")
    try:
        page = context.new_page()
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(web_server + "/redoc")
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        notice = page.locator(".docs-noscript")
        assert notice.is_visible() and "JavaScript" in notice.inner_text()
        assert notice.locator("a").get_attribute("href") == "/openapi.json"
        assert all(u.startswith(web_server) for u in requests), requests
    finally:
        context.close()
