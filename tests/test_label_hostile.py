"""Truncated, corrupted and hostile files: a finding every time, never a crash or a hang (fuzzed with hypothesis)."""

import json
import struct
import time
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import labelfiles as L
from aiduty import carriers
from aiduty.labels import VERDICTS
from aiduty.labelscan import scan_bytes

SAMPLES = sorted({**{k: v for k, (v, _) in L.labelled().items()}, **L.unlabelled()}.items())
FUZZ = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


def scanned(data, name):
    start = time.perf_counter()
    result = scan_bytes(data, name, time_limit_s=5)
    assert time.perf_counter() - start < 5
    assert result.verdict in VERDICTS
    json.dumps(result.as_dict(), ensure_ascii=False)          # the record always serialises
    return result


@FUZZ
@given(sample=st.sampled_from(SAMPLES), cut=st.floats(0, 1, exclude_max=True))
def test_truncated_files(sample, cut):
    name, data = sample
    scanned(data[:int(len(data) * cut)], name)


@FUZZ
@given(sample=st.sampled_from(SAMPLES), edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                                                        min_size=1, max_size=12))
def test_corrupted_files(sample, edits):
    name, data = sample
    buf = bytearray(data)
    for where, value in edits:
        buf[int(len(buf) * where)] = value
    scanned(bytes(buf), name)


@FUZZ
@given(prefix=st.sampled_from([b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF\x00\x00\x00\x00WEBP", b"RIFF\xff\xff\xff\x7fWAVE",
                               b"\x00\x00\x00\x18ftyp", b"ID3\x04\x00", b"%PDF-1.7\n", b"PK\x03\x04"]),
       body=st.binary(max_size=600), name=st.sampled_from(["f.bin", "f.png", "f.txt", "f.md"]))
def test_random_bytes_behind_real_magic(prefix, body, name):
    scanned(prefix + body, name)


def test_truncated_png_says_so():
    result = scanned(L.png()[:60], "t.png")
    assert result.verdict == "unreadable" and "truncated" in result.findings[0].message


def png_with(ctype, body):
    data = L.png()
    chunk = struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))
    return data[:33] + chunk + data[33:]


def test_ztxt_bomb_is_refused_quickly():
    bomb = b"AIGC\x00\x00" + zlib.compress(b"{" + b" " * (200 << 20), 9)      # 200 MB of spaces in ~200 KB
    result = scanned(png_with(b"zTXt", bomb), "bomb.png")
    assert result.verdict == "unreadable" and "decompresses to more than" in result.findings[0].message


def test_bad_crc_is_unreadable():
    data = bytearray(L.labelled()["text.png"][0])
    data[40] ^= 0xFF
    assert "CRC" in scanned(bytes(data), "c.png").findings[0].message


XXE = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x:xmpmeta xmlns:x="adobe:ns:meta/">'
       '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:TC260="' + L.TC260 +
       '"><TC260:AIGC>&e;</TC260:AIGC></rdf:Description></rdf:RDF></x:xmpmeta>')
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
          '<x:xmpmeta xmlns:x="adobe:ns:meta/" xmlns:TC260="' + L.TC260 + '"><TC260:AIGC>&d;&d;&d;&d;</TC260:AIGC></x:xmpmeta>')


@pytest.mark.parametrize("packet", [XXE, LAUGHS], ids=["external-entity", "entity-expansion"])
@pytest.mark.parametrize("make,name", [(lambda p: L.jpeg(xmp=p), "x.jpg"), (lambda p: L.png(xmp=p), "x.png"),
                                       (lambda p: L.pdf(xmp=p), "x.pdf"), (lambda p: L.webp(xmp=p), "x.webp")])
def test_hostile_xmp_is_refused(packet, make, name):
    result = scanned(make(packet), name)
    assert result.verdict == "unreadable"
    assert "XMP refused" in result.findings[0].message
    assert "root:" not in json.dumps(result.as_dict())


def test_hostile_custom_xml_is_refused():
    data = L.ooxml("docx", "x").replace(b"x</vt:lpwstr>", b"x</vt:lpwstr>")
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/custom.xml":
                body = LAUGHS.encode()
            dst.writestr(info, body)
    result = scanned(buf.getvalue(), "h.docx")
    assert result.verdict == "unreadable" and "refused" in result.findings[0].message


def test_deeply_nested_mp4_boxes():
    body = b""
    for _ in range(40):
        body = L.box(b"udta", body)
    result = scanned(L.box(b"ftyp", b"isom") + L.box(b"moov", body), "deep.mp4")
    assert result.verdict == "unreadable" and "too deep" in result.findings[0].message


def test_a_slow_reader_is_stopped_by_the_time_limit(monkeypatch):
    def forever(data, found, findings):        # "forever" is 3 s, so that a broken limit fails the test, not hangs it
        end = time.monotonic() + 3
        while time.monotonic() < end:
            pass

    monkeypatch.setitem(carriers.READERS, "wav", forever)
    start = time.perf_counter()
    result = scan_bytes(L.wav(), "slow.wav", time_limit_s=0.3)
    assert time.perf_counter() - start < 3
    assert result.verdict == "unreadable" and result.findings[0].code == "timeout"


def test_a_crashing_library_gives_a_finding(monkeypatch):
    def boom(data, found, findings):
        raise RuntimeError("library bug")

    monkeypatch.setitem(carriers.READERS, "mp3", boom)
    result = scan_bytes(L.mp3(), "crash.mp3")
    assert result.verdict == "unreadable" and "RuntimeError" in result.findings[0].message


def test_the_time_limit_is_not_swallowed_by_a_library_catching_everything(monkeypatch):
    def stubborn(data, found, findings):
        end = time.monotonic() + 3
        while time.monotonic() < end:
            try:
                while time.monotonic() < end:
                    pass
            except Exception:          # what a careless library might do
                continue

    monkeypatch.setitem(carriers.READERS, "pdf", stubborn)
    result = scan_bytes(L.pdf(), "stubborn.pdf", time_limit_s=0.3)
    assert result.verdict == "unreadable" and result.findings[0].code == "timeout"
