"""The web app's security headers and assets, without a browser: every HTML page sends the strict
Content-Security-Policy (the API docs pages their own, still with no inline script), no template carries inline
script, an event handler or a style attribute, static files go out with their right content types, and the
vendored assets are the ones static/vendor/README.md lists."""

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from aiduty.api import create_app
from aiduty.routes import ROUTERS
from aiduty.settings import Settings
from aiduty.web import CSP, DOCS_CSP

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "aiduty"
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"
DOCS_PAGES = {"/docs", "/redoc"}


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings(workers=1, sparql_workers=1))) as c:
        yield c


def html_pages() -> list[str]:
    """Every GET route of the app's routers that answers a page (HTMLResponse) and needs no path parameter: new
    pages join by themselves."""
    return sorted({r.path for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)
                   and "GET" in r.methods and "{" not in r.path and r.response_class is HTMLResponse})


def directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def assert_strict(policy: str, inline_styles: bool = False) -> None:
    d = directives(policy)
    assert d["default-src"] == ["'none'"]
    for name in ("script-src", "style-src", "img-src", "font-src", "connect-src", "worker-src", "form-action"):
        for value in d.get(name, []):          # this server, data: or blob: only: never another host or a wildcard
            assert value in ("'self'", "'none'", "data:", "blob:", "'unsafe-inline'"), (name, value)
    assert d["script-src"] == ["'self'"], "no inline script, no eval, on any page"
    assert ("'unsafe-inline'" in d["style-src"]) is inline_styles
    assert d["frame-ancestors"] == ["'none'"] and d["base-uri"] == ["'none'"]


def test_the_policies_themselves():
    assert_strict(CSP)
    assert_strict(DOCS_CSP, inline_styles=True)
    with pytest.raises(AssertionError):       # the check bites: a CDN or inline script would be caught
        assert_strict(CSP.replace("script-src 'self'", "script-src 'self' https://cdn.jsdelivr.net"))
    with pytest.raises(AssertionError):
        assert_strict(CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"))


def test_every_page_sends_the_strict_headers(client):
    pages = html_pages()
    assert {"/", "/docs", "/redoc"} <= set(pages), pages
    for path in [*pages, "/no-such-page", "/?lang=zh"]:
        r = client.get(path, headers={"accept": "text/html"})
        assert r.status_code < 500, path
        assert r.headers["content-type"].startswith("text/html"), path
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["x-frame-options"] == "DENY", path
        policies = r.headers.get_list("content-security-policy")
        assert len(policies) == 1, (path, policies)
        docs = path.split("?")[0] in DOCS_PAGES
        assert policies[0] == (DOCS_CSP if docs else CSP), path
        assert_strict(policies[0], inline_styles=docs)


def test_api_answers_keep_the_strict_policy(client):
    for path in ("/healthz", "/openapi.json", "/v1/obligations?limit=1"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-security-policy"] == CSP, path
        assert r.headers["x-content-type-options"] == "nosniff"


class InlineFinder(HTMLParser):
    """What a strict CSP would block (or a review should): inline script, <style>, on* handlers, style=, javascript:."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"event handler {name}= on <{tag}>")
            elif name == "style":
                self.found.append(f"style attribute on <{tag}>")
            elif name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL on <{tag}>")
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script":
            self._in = "script"

    def handle_endtag(self, tag):
        if tag == "script":
            self._in = None

    def handle_data(self, data):
        if self._in == "script" and data.strip():
            self.found.append("inline <script> with content")


def inline_problems(text: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(re.sub(r"{#.*?#}", "", text, flags=re.S))       # Jinja comments are not markup
    finder.close()
    return finder.found


@pytest.mark.parametrize("bad", ['<script>alert(1)</script>', '<button onclick="go()">x</button>',
                                 '<p style="color:red">x</p>', '<style>p{}</style>', '<a href="javascript:go()">x</a>',
                                 '<a href="/x"{% if a %} onmouseover="go()"{% endif %}>x</a>'])
def test_the_template_check_finds_inline_code(bad):
    assert inline_problems(f"<main>{bad}</main>")


def test_no_template_has_inline_script_handlers_or_styles():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) >= 5
    found = {t.name: p for t in templates if (p := inline_problems(t.read_text(encoding="utf-8")))}
    assert found == {}
    assert inline_problems('<script src="/static/app.js" defer></script>') == []


def test_static_files_have_their_content_types(client):
    types = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
    files = [p for p in STATIC.rglob("*") if p.suffix in types]
    assert {"app.css", "app.js", "favicon.svg", "docs.css", "docs-init.js", "swagger-ui-bundle.js", "swagger-ui.css",
            "redoc.standalone.js"} <= {p.name for p in files}
    for path in files:
        url = "/static/" + path.relative_to(STATIC).as_posix()
        r = client.get(url)
        assert r.status_code == 200, url
        assert r.headers["content-type"].split(";")[0] == types[path.suffix], url
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.content == path.read_bytes()
    assert client.get("/static/../web.py").status_code == 404


def test_vendored_assets_match_their_readme():
    vendor = STATIC / "vendor"
    readme = (vendor / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `([^`]+)`.*\| `([0-9a-f]{64})` \|$", readme, flags=re.M))
    shipped = {p.name for p in vendor.iterdir() if p.name != "README.md"}
    assert set(listed) == shipped
    for name, digest in listed.items():
        assert hashlib.sha256((vendor / name).read_bytes()).hexdigest() == digest, name
    for script in ("swagger-ui-bundle.js", "redoc.standalone.js"):     # nothing fetched from a CDN
        assert not re.search(rb"https://(cdn|fonts|unpkg)\.", (vendor / script).read_bytes()), script


def test_docs_pages_load_only_our_assets(client):
    for path, bundle in (("/docs", "/static/vendor/swagger-ui-bundle.js"), ("/redoc", "/static/vendor/redoc.standalone.js")):
        html = client.get(path).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert bundle in sources and "/static/docs-init.js" in sources
        assert all(s.startswith(("/", "?", "#")) and not s.startswith("//") for s in sources), sources
        assert 'id="lang-switch"' in html and "<noscript>" in html
    init = (STATIC / "docs-init.js").read_text(encoding="utf-8")
    assert "validatorUrl: null" in init              # Swagger UI's badge would call validator.swagger.io
