"""Real files of every format the label scan reads, made with the formats' own libraries (or byte by byte where
no library writes them), each unlabelled, or labelled through a carrier built independently of aiduty's writer.

Used by tests/test_labels*.py and bench/labels.py.
"""

from __future__ import annotations

import io
import json
import struct
import wave
import zipfile

GOOD = {"Label": "1", "ContentProducer": "001191101080000000000000A1B2C", "ProduceID": "img-20260101-0001"}
TC260 = "http://www.tc260.org.cn/ns/AIGC/1.0/"


def aigc(elements: dict | None = None, **more) -> str:
    return json.dumps({**(GOOD if elements is None else elements), **more}, separators=(",", ":"))


# ------------------------------------------------------------------------------------------------------ images


def _image(w=32, h=24, mode="RGB"):
    from PIL import Image

    im = Image.new(mode, (w, h))
    im.putdata([((x * 7) % 256, (y * 11) % 256, (x * y) % 256) + ((200,) if mode == "RGBA" else ())
                for y in range(h) for x in range(w)])
    return im


def png(text: dict | None = None, itxt: dict | None = None, ztxt: dict | None = None, xmp: str | None = None,
        size=(32, 24)) -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    for k, v in (text or {}).items():
        info.add_text(k, v)
    for k, v in (ztxt or {}).items():
        info.add_text(k, v, zip=True)
    for k, v in (itxt or {}).items():
        info.add_itxt(k, v)
    if xmp:
        info.add_itxt("XML:com.adobe.xmp", xmp)
    buf = io.BytesIO()
    _image(*size).save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def xmp_packet(aigc_value: str | None = None, elements: dict | None = None) -> str:
    attrs = ""
    if aigc_value is not None:
        attrs += f" TC260:AIGC='{aigc_value}'"
    children = "".join(f"<TC260:{k}>{v}</TC260:{k}>" for k, v in (elements or {}).items())
    return (f'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
            f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
            f'xmlns:TC260="{TC260}"{attrs}>{children}</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')


def jpeg(user_comment: str | None = None, xmp: str | None = None, size=(32, 24)) -> bytes:
    from PIL import Image

    kw = {}
    if user_comment is not None:
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9286] = b"ASCII\x00\x00\x00" + user_comment.encode()
        kw["exif"] = exif.tobytes()
    if xmp is not None:
        kw["xmp"] = xmp.encode()
    buf = io.BytesIO()
    _image(*size).save(buf, "JPEG", quality=90, **kw)
    return buf.getvalue()


def webp(xmp: str | None = None, lossless=True, mode="RGB") -> bytes:
    buf = io.BytesIO()
    kw = {"xmp": xmp.encode()} if xmp else {}
    _image(mode=mode).save(buf, "WEBP", lossless=lossless, **kw)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------------- audio


def wav(aigc_chunk: str | None = None, frames=800) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", (i * 37) % 20000 - 10000) for i in range(frames)))
    data = buf.getvalue()
    if aigc_chunk is not None:
        body = aigc_chunk.encode()
        chunk = b"AIGC" + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) % 2 else b"")
        data = data + chunk
        data = data[:4] + struct.pack("<I", len(data) - 8) + data[8:]
    return data


def mp3_frames(n=20) -> bytes:
    """MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz): a 4-byte header and 413 bytes of payload each."""
    header = b"\xff\xfb\x90\x64"
    return b"".join(header + bytes([(i + j) % 251 for j in range(413)]) for i in range(n))


def mp3(txxx: str | None = None, frames: int = 20) -> bytes:
    from mutagen.id3 import ID3, TIT2, TXXX

    audio = mp3_frames(frames)
    if txxx is None:
        return audio
    tags = ID3()
    tags.add(TIT2(encoding=3, text=["sample"]))
    tags.add(TXXX(encoding=3, desc="AIGC", text=[txxx]))
    buf = io.BytesIO(audio)
    tags.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------------- video


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


MDAT_PAYLOAD = bytes(range(256)) * 8


def mp4(ilst_aigc: str | None = None, xmp_uuid: str | None = None, mdta_aigc: str | None = None,
        payload: bytes = MDAT_PAYLOAD) -> bytes:
    """ftyp, moov (mvhd, a track whose stco points into mdat), mdat; carriers added with mutagen or as boxes."""
    mvhd = box(b"mvhd", b"\x00" * 4 + struct.pack(">IIII", 0, 0, 1000, 2000) + b"\x00\x01\x00\x00" + b"\x01\x00" + b"\x00" * 70 + struct.pack(">I", 2))
    ftyp = box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41")

    def build(offset: int) -> bytes:
        stco = box(b"stco", b"\x00" * 4 + struct.pack(">II", 1, offset))
        hdlr = box(b"hdlr", b"\x00" * 8 + b"vide" + b"\x00" * 12 + b"video\x00")
        trak = box(b"trak", box(b"mdia", hdlr + box(b"minf", box(b"stbl", stco))))
        extra = b""
        if mdta_aigc is not None:
            keys = box(b"keys", b"\x00" * 4 + struct.pack(">I", 1) + box(b"mdta", b"com.tc260.AIGC"))
            item = box(struct.pack(">I", 1), box(b"data", struct.pack(">II", 1, 0) + mdta_aigc.encode()))
            extra = box(b"meta", box(b"hdlr", b"\x00" * 8 + b"mdta" + b"\x00" * 13) + keys + box(b"ilst", item))
        return box(b"moov", mvhd + trak + extra)

    moov = build(0)
    moov = build(len(ftyp) + len(moov) + 8)
    data = ftyp + moov + box(b"mdat", payload)
    if xmp_uuid is not None:
        data += box(b"uuid", bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC") + xmp_uuid.encode())
    if ilst_aigc is not None:
        from mutagen.mp4 import MP4

        buf = io.BytesIO(data)
        f = MP4(buf)
        f.add_tags()
        f.tags["AIGC"] = [ilst_aigc]
        buf.seek(0)
        f.save(buf)
        data = buf.getvalue()
    return data


def mdat_payload(data: bytes) -> bytes:
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"mdat":
            return data[pos + 8:pos + size]
        pos += size
    raise AssertionError("no mdat")


# ------------------------------------------------------------------------------------------------ documents


def pdf(info_aigc: str | None = None, xmp: str | None = None) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    w = PdfWriter()
    page = w.add_blank_page(200, 100)
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 12 Tf 10 50 Td (hello) Tj ET")
    page[NameObject("/Contents")] = w._add_object(content)
    if info_aigc is not None:
        w.add_metadata({"/AIGC": info_aigc})
    if xmp is not None:
        meta = DecodedStreamObject()
        meta.set_data(xmp.encode())
        meta.update({NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")})
        w._root_object[NameObject("/Metadata")] = w._add_object(meta)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


OOXML_MAIN = {"docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                       '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>hello</w:t></w:r></w:p></w:body></w:document>'),
              "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                       '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>'),
              "pptx": ("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
                       '<p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>')}


def ooxml(kind="docx", custom_aigc: str | None = None) -> bytes:
    part, ctype, body = OOXML_MAIN[kind]
    overrides = f'<Override PartName="/{part}" ContentType="{ctype}"/>'
    rels = f'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="{part}"/>'
    files = {part: body}
    if custom_aigc is not None:
        overrides += '<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/>'
        rels += '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/>'
        value = custom_aigc.replace("&", "&amp;").replace("<", "&lt;")
        files["docProps/custom.xml"] = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns='
                                        '"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt='
                                        '"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property '
                                        'fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="AIGC"><vt:lpwstr>'
                                        f'{value}</vt:lpwstr></property></Properties>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   f'<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'{rels}</Relationships>')
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------------- catalogue


def unlabelled() -> dict[str, bytes]:
    """One unlabelled file per format, by file name."""
    return {"a.png": png(), "a.jpg": jpeg(), "a.webp": webp(), "lossy.webp": webp(lossless=False), "a.wav": wav(),
            "a.mp3": mp3(), "a.mp4": mp4(), "a.pdf": pdf(), "a.docx": ooxml("docx"), "a.xlsx": ooxml("xlsx"),
            "a.pptx": ooxml("pptx"), "a.txt": "今天天气很好。\n我们去公园。\n".encode(), "a.md": b"# Title\n\nSome text.\n"}


def labelled(value: str | None = None) -> dict[str, tuple[bytes, str]]:
    """One file per carrier holding ``value`` (default: a conformant label): name -> (bytes, carrier kind)."""
    v = value if value is not None else aigc()
    attr = v.replace("&", "&amp;").replace("'", "&apos;").replace("<", "&lt;")
    return {
        "text.png": (png(text={"AIGC": v}), "png:tEXt"),
        "itxt.png": (png(itxt={"AIGC": v}), "png:iTXt"),
        "ztxt.png": (png(ztxt={"AIGC": v}), "png:zTXt"),
        "wrapped.png": (png(text={"AIGC": json.dumps({"AIGC": json.loads(v)}) if v.startswith("{") else v}), "png:tEXt"),
        "xmp.png": (png(xmp=xmp_packet(attr)), "png:xmp"),
        "comment.jpg": (jpeg(user_comment=v), "jpeg:exif:UserComment"),
        "xmp.jpg": (jpeg(xmp=xmp_packet(attr)), "jpeg:xmp"),
        "xmp.webp": (webp(xmp=xmp_packet(attr)), "webp:xmp"),
        "ilst.mp4": (mp4(ilst_aigc=v), "mp4:ilst/AIGC"),
        "uuid.mp4": (mp4(xmp_uuid=xmp_packet(attr)), "mp4:uuid:xmp"),
        "keys.mov": (mp4(mdta_aigc=v), "mp4:meta/keys"),
        "txxx.mp3": (mp3(txxx=v), "mp3:id3:TXXX"),
        "chunk.wav": (wav(aigc_chunk=v), "wav:AIGC"),
        "info.pdf": (pdf(info_aigc=v), "pdf:info"),
        "xmp.pdf": (pdf(xmp=xmp_packet(attr)), "pdf:xmp"),
        "custom.docx": (ooxml("docx", v), "ooxml:custom"),
        "custom.xlsx": (ooxml("xlsx", v), "ooxml:custom"),
        "custom.pptx": (ooxml("pptx", v), "ooxml:custom"),
    }
