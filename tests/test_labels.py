"""Label scan: every carrier of every format, labelled, unlabelled and mislabelled, with the verdicts and clauses."""

import json

import pytest

import labelfiles as L
from aiduty.labels import carrier_from_json, check_elements, explicit_text_label
from aiduty.labelscan import scan_bytes

LABELLED = L.labelled()
MISLABELLED = L.labelled(L.aigc(Label="AIGC"))


def codes(result):
    return sorted({f.code for f in result.all_findings() if f.severity == "error"})


@pytest.mark.parametrize("name", sorted(LABELLED))
def test_a_conformant_label_in_every_carrier_is_found(name):
    data, kind = LABELLED[name]
    result = scan_bytes(data, name)
    assert result.verdict == "conformant", result.as_dict()
    assert [c.kind for c in result.carriers] == [kind]
    assert result.elements() == L.GOOD


@pytest.mark.parametrize("name", sorted(MISLABELLED))
def test_label_aigc_is_non_conformant_in_every_carrier(name):
    data, _ = MISLABELLED[name]
    result = scan_bytes(data, name)
    assert result.verdict == "non-conformant"
    assert codes(result) == ["label-value"]
    finding = next(f for f in result.all_findings() if f.code == "label-value")
    assert finding.element == "Label" and '"AIGC"' in finding.message
    assert {"instrument": "GB45438-2025", "clause": "6.1", "label": "GB 45438-2025 §6.1, Annex E"} in finding.citations


@pytest.mark.parametrize("name,data", sorted(L.unlabelled().items()))
def test_unlabelled_files_have_no_label(name, data):
    result = scan_bytes(data, name)
    assert result.verdict == "no-label", result.as_dict()
    assert not result.carriers
    code = "no-explicit-label" if name.endswith((".txt", ".md")) else "no-label"
    finding = next(f for f in result.all_findings() if f.code == code)
    assert finding.citations and finding.severity == "warning"


@pytest.mark.parametrize("elements,expected", [
    (dict(L.GOOD), []),
    ({**L.GOOD, "Label": "2"}, []),
    ({**L.GOOD, "Label": "4"}, ["label-value"]),
    ({**L.GOOD, "Label": 1}, ["not-string"] + ["label-value"] * 0),
    ({k: v for k, v in L.GOOD.items() if k != "Label"}, ["label-missing"]),
    ({**L.GOOD, "ContentProducer": ""}, ["producer-missing"]),
    ({k: v for k, v in L.GOOD.items() if k != "ProduceID"}, ["producer-missing"]),
    ({**L.GOOD, "ContentProducer": "Example Tech"}, ["charset"]),           # a space
    ({**L.GOOD, "ContentProducer": "示例科技"}, ["charset"]),                  # not ASCII
    ({**L.GOOD, "ProduceID": "a\\b"}, ["charset"]),                         # a backslash
    ({**L.GOOD, "ProduceID": 'say"hi"'}, []),                                # an escaped quote is allowed
    ({**L.GOOD, "ContentPropagator": "PLAT"}, ["propagator-incomplete"]),
    ({**L.GOOD, "ContentPropagator": "PLAT", "PropagateID": "p1"}, []),
    ({"Label": "3", "ContentPropagator": "PLAT", "PropagateID": "p1"}, []),  # platform-labelled, no producer (Art. 6(3))
    ({"Label": "1", "ContentPropagator": "PLAT", "PropagateID": "p1"}, ["producer-missing"]),
])
def test_element_rules(elements, expected):
    found = [f.code for f in check_elements(elements) if f.severity == "error"]
    assert sorted(set(found)) == sorted(set(expected)), found


def test_unknown_elements_are_warned_about_not_failed():
    found = check_elements({**L.GOOD, "label": "1"})
    assert [(f.code, f.severity) for f in found] == [("unknown-element", "warning")]


@pytest.mark.parametrize("raw,code", [
    ('{"Label": "1", ', "not-json"),
    ("[1, 2]", "not-object"),
    ('"just text"', "not-json"),
    ("AIGC", "not-json"),
])
def test_malformed_values(raw, code):
    carrier = carrier_from_json("png:tEXt", raw)
    assert carrier.elements is None
    assert [f.code for f in carrier.findings] == [code]


def test_wrapped_and_double_encoded_values_are_read():
    assert carrier_from_json("x", json.dumps({"AIGC": L.GOOD})).elements == L.GOOD
    assert carrier_from_json("x", json.dumps(json.dumps(L.GOOD))).elements == L.GOOD


def test_non_conformant_producer_in_a_real_file_names_the_element():
    data = L.png(text={"AIGC": L.aigc({"Label": "1", "ContentProducer": "", "ProduceID": "x1"})})
    result = scan_bytes(data, "p.png")
    assert result.verdict == "non-conformant"
    finding = next(f for f in result.all_findings() if f.code == "producer-missing")
    assert finding.element == "ContentProducer" and finding.carrier == "png:tEXt"
    assert {c["label"] for c in finding.citations} == {"GB 45438-2025 §6.1, Annex E", "LABEL-2025 Art. 5"}


def test_malformed_json_in_a_real_file():
    result = scan_bytes(L.mp3(txxx='{"Label":"1","ContentProducer":'), "m.mp3")
    assert result.verdict == "non-conformant" and codes(result) == ["not-json"]


def test_carriers_that_disagree_are_non_conformant():
    other = L.aigc(ProduceID="another-id")
    data = L.png(text={"AIGC": L.aigc()}, xmp=L.xmp_packet(other))
    result = scan_bytes(data, "two.png")
    assert [c.kind for c in result.carriers] == ["png:tEXt", "png:xmp"]
    assert result.verdict == "non-conformant" and codes(result) == ["carriers-disagree"]
    assert "ProduceID" in next(f.message for f in result.all_findings() if f.code == "carriers-disagree")


def test_carriers_that_agree_are_conformant():
    data = L.png(text={"AIGC": L.aigc()}, xmp=L.xmp_packet(L.aigc()))
    assert scan_bytes(data, "two.png").verdict == "conformant"


def test_xmp_with_one_property_per_element():
    for data, name in ((L.jpeg(xmp=L.xmp_packet(elements=L.GOOD)), "e.jpg"), (L.pdf(xmp=L.xmp_packet(elements=L.GOOD)), "e.pdf")):
        result = scan_bytes(data, name)
        assert result.verdict == "conformant" and result.elements() == L.GOOD
    bad = scan_bytes(L.jpeg(xmp=L.xmp_packet(elements={**L.GOOD, "Label": "AIGC"})), "e.jpg")
    assert bad.verdict == "non-conformant" and codes(bad) == ["label-value"]


def test_xmp_in_another_namespace_is_not_a_label():
    packet = L.xmp_packet(L.aigc()).replace(L.TC260, "http://example.com/ns/")
    assert scan_bytes(L.jpeg(xmp=packet), "o.jpg").verdict == "no-label"


def test_a_user_comment_that_is_not_a_label_is_ignored():
    assert scan_bytes(L.jpeg(user_comment="Screenshot"), "s.jpg").verdict == "no-label"


@pytest.mark.parametrize("text,where", [
    ("【AI生成】\n今天天气很好。", "start"),
    ("今天天气很好。\n\n本文由人工智能合成", "end"),
    ("# 标题\n\n正文。\n\n> 内容由AI生成\n", "end"),
])
def test_text_explicit_labels(text, where):
    result = scan_bytes(text.encode(), "t.md")
    assert result.verdict == "conformant" and result.explicit == where


@pytest.mark.parametrize("text", [
    "AI\n今天天气很好。",                      # an AI element without a generation element
    "生成的内容\n今天天气很好。",               # a generation element without an AI element
    "SAID generated\nhello",                  # "AI" inside a word is not the AI element
    "第一段。\nAI生成\n第三段。",               # only in the middle: not recognised (a note says so)
])
def test_text_without_a_label_at_start_or_end(text):
    result = scan_bytes(text.encode(), "t.txt")
    assert result.verdict == "no-label"
    finding = next(f for f in result.all_findings() if f.code == "no-explicit-label")
    assert {c["label"] for c in finding.citations} == {"GB 45438-2025 §5.1", "LABEL-2025 Art. 4(1)"}
    assert "[S]" in finding.message


def test_middle_line_is_reported():
    assert explicit_text_label("a\nAI生成\nb") == (None, "AI生成")


def test_unknown_format_is_unreadable():
    result = scan_bytes(b"\x00\x01\x02 not a known format", "x.bin")
    assert result.verdict == "unreadable" and codes(result) == ["unreadable"]


def test_record_shape():
    record = scan_bytes(LABELLED["text.png"][0], "dir/text.png").as_dict()
    assert record["file"] == "dir/text.png" and record["verdict"] == "conformant" and record["format"] == "png"
    assert record["carriers"] == [{"carrier": "png:tEXt", "raw": L.aigc(), "elements": L.GOOD}]
    assert record["findings"] == []


def _riff_with(data: bytes, cid: bytes, body: bytes) -> bytes:
    chunk = cid + len(body).to_bytes(4, "little") + body + (b"\x00" if len(body) % 2 else b"")
    out = data + chunk
    return out[:4] + (len(out) - 8).to_bytes(4, "little") + out[8:]


def _id3_bytes(value: str) -> bytes:
    import io

    from mutagen.id3 import ID3, TXXX

    tags = ID3()
    tags.add(TXXX(encoding=3, desc="AIGC", text=[value]))
    buf = io.BytesIO()
    tags.save(buf)
    return buf.getvalue()


def _png_exif(value: str) -> bytes:
    import io

    from PIL import Image

    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"ASCII\x00\x00\x00" + value.encode()
    buf = io.BytesIO()
    L._image().save(buf, "PNG", exif=exif.tobytes())
    return buf.getvalue()


@pytest.mark.parametrize("make,name,kind", [
    (lambda v: _riff_with(L.wav(), b"id3 ", _id3_bytes(v)), "id3.wav", "wav:id3:TXXX"),
    (lambda v: _riff_with(L.wav(), b"_PMX", L.xmp_packet(v).encode()), "xmp.wav", "wav:xmp"),
    (lambda v: _riff_with(L.webp(), b"AIGC", v.encode()), "chunk.webp", "webp:AIGC"),
    (lambda v: L.box(b"ftyp", b"qt  ") + L.box(b"moov", L.box(b"udta", L.box(b"AIGC", v.encode()))), "udta.mov", "mp4:udta/AIGC"),
    (lambda v: L.box(b"ftyp", b"qt  ") + L.box(b"moov", L.box(b"udta", L.box(b"XMP_", L.xmp_packet(v).encode()))), "xmp.mov", "mp4:udta:xmp"),
    (_png_exif, "exif.png", "png:eXIf:UserComment"),
])
def test_more_carriers(make, name, kind):
    good = scan_bytes(make(L.aigc()), name)
    assert good.verdict == "conformant" and [c.kind for c in good.carriers] == [kind], good.as_dict()
    bad = scan_bytes(make(L.aigc(Label="AIGC")), name)
    assert bad.verdict == "non-conformant" and codes(bad) == ["label-value"]
