"""POST /v1/labels/scan: multipart upload, verdicts like the CLI's, limits, problem+json, nothing left on disk."""

import tempfile

import pytest
from fastapi.testclient import TestClient

import labelfiles as L
from aiduty.api import Settings, create_app


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings(workers=1, labels_max_upload=4 << 20, labels_max_file=3 << 20, check_timeout=20, max_waiting=4))) as c:
        yield c


def problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


def test_scan_uploads(client):
    files = [("file", ("good.png", L.labelled()["text.png"][0], "image/png")),
             ("file", ("bad.mp4", L.labelled(L.aigc(Label="AIGC"))["ilst.mp4"][0], "video/mp4")),
             ("file", ("../../etc/none.wav", L.wav(), "audio/wav")),
             ("file", ("hostile.jpg", L.jpeg(xmp='<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;' + L.TC260 + '</x>'), "image/jpeg"))]
    response = client.post("/v1/labels/scan", files=files)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["conformant"] is False
    assert [(r["file"], r["verdict"]) for r in body["files"]] == [
        ("good.png", "conformant"), ("bad.mp4", "non-conformant"), ("none.wav", "no-label"), ("hostile.jpg", "unreadable")]
    assert body["files"][1]["findings"][0]["code"] == "label-value"
    assert body["files"][0]["carriers"][0]["elements"] == L.GOOD


def test_all_conformant(client):
    response = client.post("/v1/labels/scan", files=[("file", ("a.pdf", L.labelled()["info.pdf"][0], "application/pdf"))])
    assert response.status_code == 200 and response.json()["conformant"] is True


def test_nothing_is_kept_on_disk(client, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))     # where Starlette spools uploads over 1 MB
    big = L.wav(frames=800_000)                                  # 1.6 MB: spooled to a temporary file
    response = client.post("/v1/labels/scan", files=[("file", ("big.wav", big, "audio/wav"))])
    assert response.status_code == 200 and response.json()["files"][0]["verdict"] == "no-label"
    assert list(tmp_path.iterdir()) == []


def test_per_file_limit(client):
    # 3 MiB per file (the client's setting): a 3.5 MB file inside the 4 MiB upload limit is refused, naming it
    big = L.png(size=(200, 200)) + b"\x00" * (3584 << 10)
    detail = problem(client.post("/v1/labels/scan", files=[("file", ("a.png", big, "image/png"))]), 413)
    assert "a.png" in detail["detail"]


def test_body_limit(client):
    problem(client.post("/v1/labels/scan", files=[("file", ("x.bin", b"\x00" * (5 << 20), "application/octet-stream"))]), 413)


def test_bad_requests(client):
    problem(client.post("/v1/labels/scan", json={"file": "x"}), 415)
    problem(client.post("/v1/labels/scan", data={"other": "x"}, files=[("other", ("a.png", b"x", "image/png"))]), 422)
