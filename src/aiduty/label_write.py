"""``aiduty labels write``: put a GB 45438 implicit label into a file's natural carrier, content bytes untouched.

Producer mode fills Label, ContentProducer, ProduceID (and ReservedCode1); propagator mode keeps the producer's
elements and adds ContentPropagator, PropagateID (and ReservedCode2) (LABEL-2025 Arts. 5, 6; GB 45438-2025 §6.1,
Annex E). Each writer edits only the metadata: PNG chunks, JPEG APP1 segments, WebP and WAV RIFF chunks, the MP4
``ilst`` (mutagen), the MP3 ID3 tag (mutagen), a PDF incremental update (pypdf), an OOXML custom property — the
pixel, audio, video and page streams are copied byte for byte. The new file replaces the old atomically.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import tempfile
import zlib
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from .carriers import PNG_MAGIC, XMP_JPEG_PREFIX, Unreadable, check_image, png_chunks, png_text, riff_chunks, sniff
from .labels import ELEMENTS, LABEL_VALUES, TC260_NS, allowed
from .labelscan import MAX_FILE, scan_bytes


class WriteRefused(ValueError):
    """The write would break a rule or lose a label (exit 2); nothing was written."""


def check_value(key: str, value: str) -> None:
    if not value:
        raise WriteRefused(f"{key} is empty")
    bad = sorted({c for c in value if not allowed(c)})
    if bad:
        raise WriteRefused(f"{key} {value!r} holds characters outside the GB 45438 Annex E set "
                           f"(printable ASCII without space or backslash): {', '.join(repr(c) for c in bad[:5])}")


def plan(existing: dict, *, producer: str | None = None, produce_id: str | None = None, propagator: str | None = None,
         propagate_id: str | None = None, label: str | None = None, reserved: str | None = None,
         force: bool = False) -> dict[str, str]:
    """The element set to write, from what the file holds and what we were told."""
    if (producer is None) != (produce_id is None) or (propagator is None) != (propagate_id is None):
        raise WriteRefused("give --producer with --produce-id, or --propagator with --propagate-id")
    if producer is None and propagator is None:
        raise WriteRefused("give --producer and --produce-id (generation provider) or --propagator and --propagate-id "
                           "(dissemination platform)")
    if producer is not None and propagator is not None:
        raise WriteRefused("producer and propagator modes are separate steps: write the producer's label first")
    if label is not None and label not in LABEL_VALUES:
        raise WriteRefused(f'--label must be "1", "2" or "3", got {label!r}')
    new = {k: str(v) for k, v in existing.items() if k in ELEMENTS and v not in (None, "")}
    told = {}
    if producer is not None:
        told = {"ContentProducer": producer, "ProduceID": produce_id}
        if reserved is not None:
            told["ReservedCode1"] = reserved
        kept = new.get("Label") if new.get("Label") in LABEL_VALUES else None      # an invalid Label is replaced
        told["Label"] = label or kept or "1"
    else:
        told = {"ContentPropagator": propagator, "PropagateID": propagate_id}
        if reserved is not None:
            told["ReservedCode2"] = reserved
        if label is not None:
            told["Label"] = label
        elif new.get("Label") not in LABEL_VALUES:
            raise WriteRefused('the file holds no valid Label: say --label 1 (the metadata shows AI generation), '
                               '2 (the user declared it) or 3 (suspected) (LABEL-2025 Art. 6)')
    for key, value in told.items():
        check_value(key, value)
        if key != "Label" and new.get(key) not in (None, value) and not force:
            raise WriteRefused(f"the file already has {key}={new[key]!r}; refusing to overwrite it (use --force)")
        if key == "Label" and new.get("Label") not in (None, value) and producer is None and not force:
            raise WriteRefused(f"the file already has Label={new['Label']!r}; refusing to change it (use --force)")
    new.update(told)
    return {k: new.get(k, "") for k in ELEMENTS}


def aigc_json(elements: dict[str, str]) -> str:
    return json.dumps({k: elements.get(k, "") for k in ELEMENTS}, separators=(",", ":"), ensure_ascii=True)


def write(path: Path, *, output: Path | None = None, max_bytes: int = MAX_FILE, **told) -> dict:
    """Label ``path`` (in place, or into ``output``); returns {file, format, carrier, elements}."""
    try:
        data = path.read_bytes() if path.stat().st_size <= max_bytes else None
    except OSError as exc:
        raise WriteRefused(f"{path}: cannot be read: {exc.strerror}") from None
    if data is None:
        raise WriteRefused(f"{path}: larger than {max_bytes} bytes")
    fmt = sniff(data, path.name)
    if fmt == "text":
        raise WriteRefused(f"{path}: text carries an explicit label (GB 45438-2025 §5.1), not file metadata; "
                           "`labels write` writes implicit labels into media and document files")
    if fmt not in WRITERS:
        raise WriteRefused(f"{path}: not a format `labels write` handles")
    scanned = scan_bytes(data, str(path))
    if scanned.verdict == "unreadable":
        raise WriteRefused(f"{path}: {scanned.findings[-1].message}")
    if any(f.code == "carriers-disagree" for f in scanned.all_findings()) and not told.get("force"):
        raise WriteRefused(f"{path}: its carriers disagree on the label; refusing to pick one (use --force)")
    elements = plan(scanned.elements(), **told)
    try:
        new, carrier = WRITERS[fmt](data, aigc_json(elements))
    except Unreadable as exc:
        raise WriteRefused(f"{path}: {exc}") from None
    atomic_write(output or path, new, like=path)
    return {"file": str(output or path), "format": fmt, "carrier": carrier, "elements": elements}


def atomic_write(target: Path, data: bytes, like: Path | None = None) -> None:
    """Write to a temporary file beside ``target``, flush it to disk, then rename it over ``target``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if like is not None and like.exists():
            os.chmod(tmp, like.stat().st_mode & 0o7777)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ----------------------------------------------------------------------------------------------------- XMP


def xmp_packet(value: str, existing: bytes | None = None) -> bytes:
    """An XMP packet holding ``TC260:AIGC``; other properties of ``existing`` are kept."""
    import xml.etree.ElementTree as ET

    import defusedxml.ElementTree as DET

    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    if existing:
        try:
            root = DET.fromstring(existing.rstrip(b"\x00 \r\n\t"), forbid_dtd=True)
        except Exception:
            root = None
        if root is not None:
            for prefix, uri in (("x", "adobe:ns:meta/"), ("rdf", rdf), ("TC260", TC260_NS)):
                ET.register_namespace(prefix, uri)
            rdf_el = root if root.tag == f"{{{rdf}}}RDF" else root.find(f".//{{{rdf}}}RDF")
            if rdf_el is not None:
                for desc in rdf_el.findall(f"{{{rdf}}}Description"):
                    for key in [k for k in desc.attrib if k.startswith("{" + TC260_NS)]:
                        del desc.attrib[key]
                    for child in [c for c in desc if isinstance(c.tag, str) and c.tag.startswith("{" + TC260_NS)]:
                        desc.remove(child)
                ET.SubElement(rdf_el, f"{{{rdf}}}Description", {f"{{{rdf}}}about": "", f"{{{TC260_NS}}}AIGC": value})
                body = ET.tostring(root, encoding="unicode")
                return (f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>{body}<?xpacket end="w"?>').encode()
    return (f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
            f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{rdf}">'
            f'<rdf:Description rdf:about="" xmlns:TC260="{TC260_NS}" TC260:AIGC={quoteattr(value)}/>'
            f'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode()


# --------------------------------------------------------------------------------------------------- formats


def _chunk_png(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def write_png(data: bytes, value: str) -> tuple[bytes, str]:
    """A ``tEXt`` chunk ``AIGC`` right after IHDR; earlier AIGC text chunks are dropped, the rest kept as is."""
    out, ihdr_done = [PNG_MAGIC], False
    for ctype, start, end in png_chunks(data):
        chunk = data[start - 8:end + 4]
        if ctype in (b"tEXt", b"zTXt", b"iTXt") and png_text(ctype, data[start:end])[0] == "AIGC":
            continue
        out.append(chunk)
        if ctype == b"IHDR" and not ihdr_done:
            out.append(_chunk_png(b"tEXt", b"AIGC\x00" + value.encode("latin-1")))
            ihdr_done = True
    return b"".join(out), "png:tEXt"


def write_jpeg(data: bytes, value: str) -> tuple[bytes, str]:
    """An XMP APP1 segment with ``TC260:AIGC`` (merged into an existing XMP packet); the scan data is untouched."""
    check_image(data, "JPEG")
    pos, existing, kept = 2, None, []
    segments = []
    while pos + 4 <= len(data) and data[pos] == 0xFF and 0xE0 <= data[pos + 1] <= 0xEF:
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise Unreadable("JPEG truncated in an APP segment")
        segments.append((data[pos + 1], pos, end))
        pos = end
    lead, leading = 0, True
    for marker, start, end in segments:
        body = data[start + 4:end]
        if marker == 0xE1 and body.startswith(XMP_JPEG_PREFIX):
            existing = existing or body[len(XMP_JPEG_PREFIX):]
            continue
        kept.append(data[start:end])
        if leading and (marker == 0xE0 or marker == 0xE1 and body.startswith(b"Exif")):
            lead = len(kept)              # the new XMP goes after JFIF and EXIF, before anything else
        else:
            leading = False
    packet = XMP_JPEG_PREFIX + xmp_packet(value, existing)
    if len(packet) + 2 > 0xFFFF:
        raise Unreadable("the XMP packet would not fit in one JPEG APP1 segment")
    xmp_seg = b"\xff\xe1" + struct.pack(">H", len(packet) + 2) + packet
    kept.insert(lead, xmp_seg)
    return data[:2] + b"".join(kept) + data[pos:], "jpeg:xmp"


def _riff_chunk(cid: bytes, body: bytes) -> bytes:
    return cid + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) & 1 else b"")


def _riff(form: bytes, chunks: list[bytes]) -> bytes:
    body = form + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def write_webp(data: bytes, value: str) -> tuple[bytes, str]:
    """An ``XMP `` chunk (and the VP8X header flag that announces it); the VP8/VP8L/ALPH/ANMF chunks as they were."""
    im = check_image(data, "WebP")
    chunks = [(cid, data[s:e]) for cid, s, e in riff_chunks(data, "WebP")]
    existing = next((body for cid, body in chunks if cid == b"XMP "), None)
    chunks = [(cid, body) for cid, body in chunks if cid != b"XMP "]
    if chunks and chunks[0][0] == b"VP8X":
        head = bytearray(chunks[0][1])
        head[0] |= 0x04
        chunks[0] = (b"VP8X", bytes(head))
    else:
        alpha = 0x10 if "A" in im.mode else 0
        w, h = im.size
        vp8x = bytes([0x04 | alpha, 0, 0, 0]) + (w - 1).to_bytes(3, "little") + (h - 1).to_bytes(3, "little")
        chunks.insert(0, (b"VP8X", vp8x))
    chunks.append((b"XMP ", xmp_packet(value, existing)))
    return _riff(b"WEBP", [_riff_chunk(c, b) for c, b in chunks]), "webp:xmp"


def write_wav(data: bytes, value: str) -> tuple[bytes, str]:
    """A RIFF chunk ``AIGC`` at the end; earlier ``AIGC`` chunks are dropped, ``fmt `` and ``data`` kept as they were."""
    chunks = [data[s - 8:e + (e - s) % 2] for cid, s, e in riff_chunks(data, "WAV") if cid != b"AIGC"]
    chunks.append(_riff_chunk(b"AIGC", value.encode("ascii")))
    return _riff(b"WAVE", chunks), "wav:AIGC"


def write_mp3(data: bytes, value: str) -> tuple[bytes, str]:
    """An ID3v2 ``TXXX`` frame described ``AIGC``; mutagen rewrites only the tag, not the audio frames."""
    from mutagen.id3 import ID3, TXXX, ID3NoHeaderError

    buf = io.BytesIO(data)
    try:
        tags = ID3(buf)
    except ID3NoHeaderError:
        tags = ID3()
    tags.delall("TXXX:AIGC")
    tags.add(TXXX(encoding=3, desc="AIGC", text=[value]))
    buf.seek(0)
    tags.save(buf)
    return buf.getvalue(), "mp3:id3:TXXX"


def write_mp4(data: bytes, value: str) -> tuple[bytes, str]:
    """The ``moov/udta/meta/ilst`` item ``AIGC``; mutagen rewrites ``moov`` (and its chunk offsets), not ``mdat``."""
    from mutagen import MutagenError
    from mutagen.mp4 import MP4

    buf = io.BytesIO(data)
    try:
        f = MP4(buf)
        if f.tags is None:
            f.add_tags()
        f.tags["AIGC"] = [value]
        buf.seek(0)
        f.save(buf)
    except (MutagenError, struct.error, ValueError, KeyError) as exc:
        raise Unreadable(f"MP4 tags cannot be written ({exc})") from None
    return buf.getvalue(), "mp4:ilst/AIGC"


def write_pdf(data: bytes, value: str) -> tuple[bytes, str]:
    """``/AIGC`` in the document information dictionary, as an incremental update: the original bytes stay the
    file's prefix."""
    from pypdf import PdfWriter

    writer = PdfWriter(io.BytesIO(data), incremental=True)
    writer.add_metadata({"/AIGC": value})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), "pdf:info"


CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
CUSTOM_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"


def _custom_xml(existing: bytes | None, value: str) -> bytes:
    props, pid = [], 1
    if existing:
        import defusedxml.ElementTree as DET
        import xml.etree.ElementTree as ET

        root = DET.fromstring(existing, forbid_dtd=True)
        ET.register_namespace("", CUSTOM_NS)
        ET.register_namespace("vt", VT_NS)
        for prop in root:
            if prop.get("name") == "AIGC":
                continue
            pid = max(pid, int(prop.get("pid", "1")) if (prop.get("pid") or "").isdigit() else pid)
            props.append(ET.tostring(prop, encoding="unicode"))
    props.append(f'<property fmtid="{FMTID}" pid="{pid + 1}" name="AIGC"><vt:lpwstr>{escape(value)}</vt:lpwstr></property>')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Properties xmlns="{CUSTOM_NS}" xmlns:vt="{VT_NS}">{"".join(props)}</Properties>').encode()


def write_ooxml(data: bytes, value: str) -> tuple[bytes, str]:
    """A custom property ``AIGC`` in ``docProps/custom.xml`` (with its content type and relationship); every other
    part is copied with the same content."""
    import zipfile

    from .carriers import CUSTOM_PART

    src = zipfile.ZipFile(io.BytesIO(data))
    names = set(src.namelist())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == CUSTOM_PART:
                continue
            if info.filename == "[Content_Types].xml" and b"/docProps/custom.xml" not in body:
                body = body.replace(b"</Types>", f'<Override PartName="/{CUSTOM_PART}" ContentType="{CUSTOM_TYPE}"/></Types>'.encode())
            if info.filename == "_rels/.rels" and CUSTOM_REL.encode() not in body:
                ids = {int(n) for n in re.findall(rb'Id="rId(\d+)"', body)}
                rid = max(ids, default=0) + 1
                body = body.replace(b"</Relationships>", f'<Relationship Id="rId{rid}" Type="{CUSTOM_REL}" '
                                    f'Target="{CUSTOM_PART}"/></Relationships>'.encode())
            dst.writestr(info, body)
        existing = src.read(CUSTOM_PART) if CUSTOM_PART in names else None
        dst.writestr(zipfile.ZipInfo(CUSTOM_PART, date_time=(2025, 9, 1, 0, 0, 0)), _custom_xml(existing, value),
                     compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue(), "ooxml:custom"


WRITERS = {"png": write_png, "jpeg": write_jpeg, "webp": write_webp, "wav": write_wav, "mp3": write_mp3,
           "mp4": write_mp4, "pdf": write_pdf, "ooxml": write_ooxml}
