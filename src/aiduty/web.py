"""The web app's page machinery, free of HTTP: the language of a page, the Jinja2 environment and the headers
every page carries. Pages are rendered on the server (readable with JavaScript off); ``static/app.js`` only
enhances them. Every word a page shows comes from ``words.WEB_WORDS`` or from the knowledge base.

The routes are in ``routes/pages*.py``; templates in ``templates/``; assets in ``static/`` (nothing is ever
loaded from another host: the Content-Security-Policy below forbids it).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from . import __version__
from .words import HEADINGS, WEB_WORDS

LANGS = ("en", "zh")
LANG_COOKIE = "aiduty_lang"

# Our pages: scripts, styles, images and fetches from this server only; no inline script or style; no framing.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
# Swagger UI and ReDoc (vendored, served from /static) set style attributes and ReDoc runs a worker from a blob:
# their pages allow inline *styles* and blob: workers, still no inline script and nothing from another host.
# (Neither bundle has a font of its own: font-src stays 'self', checked in Chromium by tests/test_web_docs.py.)
DOCS_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; worker-src 'self' blob:; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
                    "x-frame-options": "DENY", "cross-origin-opener-policy": "same-origin"}


def negotiate(asked: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The page's language: ``?lang=``, else the switch's cookie, else the browser's Accept-Language (the first
    of zh/en it names, by q-value), else English."""
    for choice in (asked, cookie):
        if choice in LANGS:
            return choice
    ranked = []
    for i, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGS and q > 0:
            ranked.append((-q, i, primary))
    return min(ranked)[2] if ranked else "en"


def pick(text: dict | None, lang: str) -> str:
    """A bilingual text of the knowledge base in ``lang`` (falling back on the other language)."""
    text = text or {}
    return text.get(lang) or text.get("en") or text.get("zh") or ""


class Words:
    """``w.key`` or ``w("key", n=3)``: a UI word in the page's language (a missing key is an error, not a blank)."""

    def __init__(self, lang: str):
        self.lang, self._words, self._headings = lang, WEB_WORDS[lang], HEADINGS[lang]

    def __getattr__(self, key: str) -> str:
        try:
            return self._words[key]
        except KeyError:
            raise AttributeError(f"no web word {key!r}") from None

    def __call__(self, key: str, **values: Any) -> str:
        text = self._words.get(key)
        if text is None:
            text = self._headings[key]
        return text.format(**values) if values else text


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("aiduty", "templates"), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(pick=pick, version=__version__)
    return env


def render(template: str, lang: str, **context: Any) -> str:
    """A page in ``lang``: the template with the words (``w``), the language and the context."""
    return environment().get_template(template).render(w=Words(lang), lang=lang, **context)
