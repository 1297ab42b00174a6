"""Tests run the installed package against this checkout's knowledge base (AIDUTY_DATA); test_packaging.py
checks the knowledge base shipped inside the wheel separately."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("AIDUTY_DATA", str(REPO))
os.environ.setdefault("AIDUTY_CACHE_DIR", str(REPO / ".pytest_cache" / "aiduty-kb"))
os.environ.setdefault("AIDUTY_DATABASE_URL", f"sqlite:///{REPO / '.pytest_cache' / 'aiduty-portfolio.db'}")  # never the user's own


@pytest.fixture(scope="session")
def kb():
    from aiduty.kb import load

    return load()


@pytest.fixture(scope="session")
def engine(kb):
    from aiduty import Engine

    return Engine(kb)


# The browser tests' fixtures (tests/browser.py), defined here once for every module: Chromium per test module,
# one `aiduty serve` for the whole run.
from browser import browsing, chromium, web_server  # noqa: E402,F401
