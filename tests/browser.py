"""A real headless Chromium (Debian's ``chromium``, driven by Playwright with the system executable) against a
real ``aiduty serve`` on 127.0.0.1. Every request the browser makes is recorded; ``Browsing.check_local()``
fails a test that reached any host but 127.0.0.1, and every CSP violation or page error is recorded too.
Screenshots go to ``test-artifacts/screenshots/`` (``AIDUTY_ARTIFACTS`` moves the folder)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("AIDUTY_ARTIFACTS", ROOT / "test-artifacts"))
AXE = ROOT / "tests" / "vendor" / "axe.min.js"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
                  "--metrics-recording-only", "--no-pings", "--disable-domain-reliability"]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class Browsing:
    """One page in a fresh browser context, with what it requested and what went wrong in it."""

    page: object
    base: str
    requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def go(self, path: str):
        response = self.page.goto(self.base + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        return response

    def shot(self, name: str) -> Path:
        """A full-page screenshot, test-artifacts/screenshots/NAME.png."""
        out = ARTIFACTS / "screenshots" / f"{name}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(out), full_page=True)
        return out

    def axe(self, name: str = "") -> list[dict]:
        """axe-core (vendored, tests/vendor/axe.min.js) on the current page: the serious and critical violations.
        The script is evaluated through the DevTools protocol, so the page's CSP stays as it is."""
        self.page.evaluate(AXE.read_text(encoding="utf-8"))
        result = self.page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
        return [{"page": name, "id": v["id"], "impact": v["impact"], "help": v["help"],
                 "nodes": [n["target"] for n in v["nodes"][:5]]} for v in bad]

    def check_local(self) -> None:
        """Every request went to 127.0.0.1 (data: and blob: URLs are not requests to a host), and the page raised
        no error and broke no Content-Security-Policy rule."""
        foreign = [u for u in self.requests if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname != "127.0.0.1"]
        assert not foreign, foreign
        assert not self.problems, self.problems


# The fixtures are made available to every test module by tests/conftest.py (one definition: two sync Playwrights
# at once in one thread would fail). Chromium lives for one test module: the sync API keeps an event loop running
# in the thread while it is up, which would break a later test's asyncio.run(); the server lives for the run.


@pytest.fixture(scope="module")
def chromium():
    path = chromium_path()
    if path is None:
        pytest.fail("Chromium is not installed (Debian package `chromium`; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def web_server():
    from serving import running_server

    with running_server(workers=1) as (url, _proc):
        yield url


@pytest.fixture
def browsing(chromium, web_server, tmp_path):
    """A fresh context (no cookies), English unless the test says otherwise, downloads accepted."""
    context = chromium.new_context(accept_downloads=True, locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    b = Browsing(page, web_server)
    page.on("request", lambda r: b.requests.append(r.url))
    page.on("pageerror", lambda e: b.problems.append(f"page error: {e}"))
    page.on("console", lambda m: b.problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" or "Content Security Policy" in m.text else None)
    yield b
    context.close()
    b.check_local()
