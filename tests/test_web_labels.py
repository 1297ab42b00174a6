"""The web app's label check (/labels): real files in, one verdict per file in words, in both languages; the
same scan as POST /v1/labels/scan. And the page in Chromium."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

import labelfiles

HTML = {"accept": "text/html"}


def _files():
    return [("file", ("labelled.png", labelfiles.png(text={"AIGC": labelfiles.aigc()}), "image/png")),
            ("file", ("plain.png", labelfiles.png(), "image/png")),
            ("file", ("wrong.jpg", labelfiles.jpeg(xmp=labelfiles.xmp_packet(aigc_value='{"Label":"AIGC"}')), "image/jpeg")),
            ("file", ("note.txt", b"A note with no label.", "text/plain"))]


@pytest.fixture(scope="module")
def client():
    from aiduty.api import create_app
    from aiduty.settings import Settings

    with TestClient(create_app(Settings(workers=1))) as c:
        yield c


def _verdicts(text: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-file="([^"]+)" data-verdict="([^"]+)">', text))


def test_each_file_gets_its_verdict_in_words(client):
    r = client.post("/labels?lang=en", files=_files(), headers=HTML)
    assert r.status_code == 200
    assert _verdicts(r.text) == {"labelled.png": "conformant", "plain.png": "no-label", "wrong.jpg": "non-conformant",
                                 "note.txt": "no-label"}
    assert "The Label element must be 1 (AI-generated)" in r.text          # label-value, in words
    assert "No AI label was found in the file&#39;s metadata." in r.text
    assert "4 files: 1 conformant" in r.text
    assert r.text.count('data-code="producer-missing"') == 1          # ContentProducer and ProduceID: one line
    api = client.post("/v1/labels/scan", files=_files()).json()
    assert {f["file"]: f["verdict"] for f in api["files"]} == _verdicts(r.text)      # the same scan as the API


def test_the_page_speaks_chinese(client):
    r = client.post("/labels?lang=zh", files=_files(), headers=HTML)
    assert '<html lang="zh-CN">' in r.text and "不符合" in r.text and "Label 要素的取值必须为" in r.text
    assert "共 4 个文件，其中 1 个符合要求" in r.text


def test_no_file_or_too_many_files_is_a_clear_page(client):
    r = client.post("/labels", files=[("file", ("", b"", "application/octet-stream"))], headers=HTML)
    assert r.status_code == 422 and 'id="labels-error"' in r.text
    too_many = [("file", (f"f{i}.txt", b"x", "text/plain")) for i in range(25)]
    assert client.post("/labels", files=too_many, headers=HTML).status_code == 400
    assert client.post("/labels", data={"x": "1"}, headers=HTML).status_code == 415


def test_every_finding_code_has_words():
    """Each code the scanner can give has plain words in both languages."""
    import ast
    from pathlib import Path

    from aiduty.words import WEB_WORDS

    src = Path(__file__).resolve().parents[1] / "src" / "aiduty"
    codes = set()
    for name in ("labels.py", "labelscan.py", "carriers.py"):
        for node in ast.walk(ast.parse((src / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("Finding", "_error", "_unreadable"):
                code = node.args[1] if getattr(node.func, "id", "") == "_unreadable" else node.args[0]   # (result, code, …)
                if isinstance(code, ast.Constant) and isinstance(code.value, str):
                    codes.add(code.value)
    assert len(codes) >= 15, codes
    for lang in ("en", "zh"):
        assert not [c for c in codes if f"finding_{c}" not in WEB_WORDS[lang]], lang


def test_label_page_in_chromium(browsing, tmp_path):
    for field, (name, data, _type) in _files():
        (tmp_path / name).write_bytes(data)
    browsing.go("/labels")
    page = browsing.page
    page.set_input_files("#label-files", [str(tmp_path / name) for _, (name, _, _) in _files()])
    with page.expect_navigation():
        page.click("#scan-button")
    assert page.locator("#label-results tbody tr").count() == 4
    assert page.locator('tr[data-file="wrong.jpg"]').get_attribute("data-verdict") == "non-conformant"
    browsing.shot("labels-scan")
    assert browsing.axe("labels") == []
