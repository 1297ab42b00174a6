"""`labels write`: write-then-scan round trips for every format, content bytes unchanged, refusals, atomicity."""

import io
import struct
import zipfile

import pytest
from PIL import Image

import labelfiles as L
from aiduty.carriers import png_chunks, riff_chunks
from aiduty.label_write import WriteRefused, write
from aiduty.labelscan import scan_bytes

FORMATS = {k: v for k, v in L.unlabelled().items() if not k.endswith((".txt", ".md"))}
PRODUCER = {"producer": "001191101080000000000000A1B2C", "produce_id": "gen-0001"}
PLATFORM = {"propagator": "PLATFORM-42", "propagate_id": "post-9f3a"}


def png_idat(data):
    return b"".join(data[s:e] for t, s, e in png_chunks(data) if t == b"IDAT")


def jpeg_scan(data):
    return data[data.index(b"\xff\xda"):]


def riff_chunk(data, cid):
    return [data[s:e] for c, s, e in riff_chunks(data, "x") if c == cid]


def ooxml_members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def pixels(data):
    with Image.open(io.BytesIO(data)) as im:
        return im.convert("RGBA").tobytes()


def content(name, data):
    """The bytes a label must not change: pixel, audio, video and page streams."""
    if name.endswith(".png"):
        return png_idat(data), pixels(data)
    if name.endswith(".jpg"):
        return jpeg_scan(data), pixels(data)
    if name.endswith(".webp"):
        return [b for cid in (b"VP8 ", b"VP8L", b"ALPH") for b in riff_chunk(data, cid)], pixels(data)
    if name.endswith(".wav"):
        return riff_chunk(data, b"fmt ") + riff_chunk(data, b"data")
    if name.endswith(".mp3"):
        return data[data.index(b"\xff\xfb\x90\x64"):]
    if name.endswith(".mp4"):
        return L.mdat_payload(data)
    if name.endswith((".docx", ".xlsx", ".pptx")):
        return {k: v for k, v in ooxml_members(data).items() if k not in ("[Content_Types].xml", "_rels/.rels", "docProps/custom.xml")}
    raise AssertionError(name)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_producer_then_platform_round_trip_keeps_the_content(tmp_path, name):
    original = FORMATS[name]
    path = tmp_path / name
    path.write_bytes(original)
    done = write(path, **PRODUCER)
    after = path.read_bytes()
    result = scan_bytes(after, name)
    assert result.verdict == "conformant", result.as_dict()
    assert [c.kind for c in result.carriers] == [done["carrier"]]
    assert result.elements() == {"Label": "1", "ContentProducer": PRODUCER["producer"], "ProduceID": PRODUCER["produce_id"]}

    write(path, **PLATFORM)
    final = path.read_bytes()
    result = scan_bytes(final, name)
    assert result.verdict == "conformant", result.as_dict()
    assert result.elements() == {"Label": "1", "ContentProducer": PRODUCER["producer"], "ProduceID": PRODUCER["produce_id"],
                                 "ContentPropagator": PLATFORM["propagator"], "PropagateID": PLATFORM["propagate_id"]}
    if name.endswith(".pdf"):
        assert final.startswith(original)          # incremental updates: the original file is the prefix
        assert pdf_page_stream(final) == pdf_page_stream(original)
    else:
        assert content(name, final) == content(name, original)
    assert list(tmp_path.iterdir()) == [path]      # no temporary file left behind


def pdf_page_stream(data):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data()


def test_pillow_still_opens_written_images(tmp_path):
    for name in ("a.png", "a.jpg", "a.webp", "lossy.webp"):
        path = tmp_path / name
        path.write_bytes(FORMATS[name])
        write(path, **PRODUCER)
        with Image.open(path) as im:
            im.load()
            assert im.size == (32, 24)


def test_written_mp3_and_mp4_are_still_readable_by_mutagen(tmp_path):
    from mutagen.mp3 import MP3
    from mutagen.mp4 import MP4

    for name, cls in (("a.mp3", MP3), ("a.mp4", MP4)):
        path = tmp_path / name
        path.write_bytes(FORMATS[name])
        write(path, **PRODUCER)
        assert cls(path).info.length > 0


def test_mp4_chunk_offsets_still_point_at_the_media(tmp_path):
    path = tmp_path / "a.mp4"
    path.write_bytes(FORMATS["a.mp4"])
    write(path, **PRODUCER)
    data = path.read_bytes()
    stco = data.index(b"stco")
    offset = struct.unpack(">I", data[stco + 12:stco + 16])[0]
    assert data[offset:offset + len(L.MDAT_PAYLOAD)] == L.MDAT_PAYLOAD


def test_refuses_to_overwrite_a_producer_element(tmp_path):
    path = tmp_path / "a.png"
    path.write_bytes(FORMATS["a.png"])
    write(path, **PRODUCER)
    before = path.read_bytes()
    with pytest.raises(WriteRefused, match="refusing to overwrite"):
        write(path, producer="SOMEONE-ELSE", produce_id="x-1")
    assert path.read_bytes() == before
    write(path, producer="SOMEONE-ELSE", produce_id="x-1", force=True)
    assert scan_bytes(path.read_bytes(), "a.png").elements()["ContentProducer"] == "SOMEONE-ELSE"


def test_rewriting_the_same_producer_is_idempotent(tmp_path):
    path = tmp_path / "a.wav"
    path.write_bytes(FORMATS["a.wav"])
    write(path, **PRODUCER)
    once = path.read_bytes()
    write(path, **PRODUCER)
    assert path.read_bytes() == once


def test_propagator_needs_a_label_when_the_file_has_none(tmp_path):
    path = tmp_path / "a.jpg"
    path.write_bytes(FORMATS["a.jpg"])
    with pytest.raises(WriteRefused, match="--label"):
        write(path, **PLATFORM)
    assert path.read_bytes() == FORMATS["a.jpg"]
    write(path, label="2", **PLATFORM)                # the user declared it AI-generated (Art. 6(2))
    result = scan_bytes(path.read_bytes(), "a.jpg")
    assert result.verdict == "conformant"
    assert result.elements() == {"Label": "2", "ContentPropagator": "PLATFORM-42", "PropagateID": "post-9f3a"}


def test_propagator_keeps_a_labelled_file_s_other_metadata(tmp_path):
    path = tmp_path / "x.png"
    path.write_bytes(L.png(text={"AIGC": L.aigc(), "Author": "someone"}))
    write(path, **PLATFORM)
    with Image.open(path) as im:
        im.load()
        assert im.text["Author"] == "someone"
    assert scan_bytes(path.read_bytes(), "x.png").elements()["ContentProducer"] == L.GOOD["ContentProducer"]


def test_existing_xmp_is_merged_not_replaced(tmp_path):
    path = tmp_path / "x.jpg"
    other = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
             '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="image/jpeg"/></rdf:RDF></x:xmpmeta>')
    path.write_bytes(L.jpeg(xmp=other))
    write(path, **PRODUCER)
    with Image.open(path) as im:
        xmp = im.info["xmp"]
    assert b"image/jpeg" in xmp and b"AIGC" in xmp
    assert scan_bytes(path.read_bytes(), "x.jpg").verdict == "conformant"


@pytest.mark.parametrize("told,match", [
    ({"producer": "Example Tech", "produce_id": "1"}, "characters outside"),
    ({"producer": "示例", "produce_id": "1"}, "characters outside"),
    ({"producer": "P"}, "--produce-id"),
    ({}, "--producer"),
    ({"producer": "P", "produce_id": "1", "label": "AIGC"}, '"1", "2" or "3"'),
    ({"producer": "P", "produce_id": "1", "propagator": "Q", "propagate_id": "2"}, "separate steps"),
])
def test_bad_requests_are_refused_before_anything_is_written(tmp_path, told, match):
    path = tmp_path / "a.png"
    path.write_bytes(FORMATS["a.png"])
    with pytest.raises(WriteRefused, match=match):
        write(path, **told)
    assert path.read_bytes() == FORMATS["a.png"]


def test_text_and_broken_files_are_refused(tmp_path):
    text = tmp_path / "a.md"
    text.write_text("hello")
    with pytest.raises(WriteRefused, match="explicit label"):
        write(text, **PRODUCER)
    broken = tmp_path / "b.png"
    broken.write_bytes(FORMATS["a.png"][:40])
    with pytest.raises(WriteRefused, match="truncated"):
        write(broken, **PRODUCER)


def test_output_option_leaves_the_input_alone(tmp_path):
    src, dst = tmp_path / "a.mp3", tmp_path / "b.mp3"
    src.write_bytes(FORMATS["a.mp3"])
    write(src, output=dst, **PRODUCER)
    assert src.read_bytes() == FORMATS["a.mp3"]
    assert scan_bytes(dst.read_bytes(), "b.mp3").verdict == "conformant"


def test_a_producer_write_repairs_an_invalid_label(tmp_path):
    path = tmp_path / "x.png"
    path.write_bytes(L.png(text={"AIGC": L.aigc(Label="AIGC")}))
    assert scan_bytes(path.read_bytes(), "x.png").verdict == "non-conformant"
    write(path, producer=L.GOOD["ContentProducer"], produce_id=L.GOOD["ProduceID"])
    result = scan_bytes(path.read_bytes(), "x.png")
    assert result.verdict == "conformant" and result.elements()["Label"] == "1"
