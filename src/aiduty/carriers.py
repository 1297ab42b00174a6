"""Read AIGC label carriers out of file bytes, one reader per format (labels.py judges what they find).

Formats are recognised by their magic bytes, never by the name alone. Parsing uses well-kept libraries where
they exist (Pillow for image metadata, mutagen for MP3 ID3 and MP4 ``ilst`` tags, pypdf for PDF, zipfile and
defusedxml for OOXML and XMP); the container walks that no library offers (PNG chunks, RIFF chunks, ISO-BMFF
boxes) are small, bounded loops. Every reader works on bytes in memory: no file or network access.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Callable, Iterator

from .labels import TC260_NS, Carrier, Finding, carrier_from_elements, carrier_from_json

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")
XMP_JPEG_PREFIX = b"http://ns.adobe.com/xap/1.0/\x00"
MAX_TEXT = 1 << 20             # most bytes a decompressed text chunk / XMP packet / custom.xml may have
MAX_ITEMS = 100_000            # most chunks / boxes walked per file
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
MP4_TOP = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot", b"uuid"}


class Unreadable(Exception):
    """The file is truncated, corrupted or not what its magic says; the message says what went wrong."""


def sniff(data: bytes, name: str = "") -> str | None:
    if data.startswith(PNG_MAGIC):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[4:8] in MP4_TOP and len(data) >= 8:
        return "mp4"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3"
    if data[:1024].lstrip().startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "ooxml"
    suffix = name[name.rfind("."):].lower() if "." in name else ""
    if suffix in TEXT_SUFFIXES and b"\x00" not in data[:8192]:
        return "text"
    return None


def read(data: bytes, name: str = "") -> tuple[str | None, list[Carrier], list[Finding], str | None]:
    """(format, carriers, findings, text) for one file's bytes. Raises Unreadable for a broken or unknown file."""
    fmt = sniff(data, name)
    if fmt is None:
        raise Unreadable("not a format the scan reads (PNG, JPEG, WebP, MP4/MOV, MP3, WAV, PDF, DOCX/XLSX/PPTX, "
                         "text or Markdown)")
    if fmt == "text":
        try:
            return fmt, [], [], data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Unreadable("a text file that is not UTF-8") from None
    carriers: list[Carrier] = []
    findings: list[Finding] = []
    READERS[fmt](data, carriers, findings)
    return fmt, carriers, findings, None


# --------------------------------------------------------------------------------------------------------- XMP


def xmp_carriers(packet: bytes, kind: str) -> list[Carrier]:
    """TC260 properties in an XMP packet: one ``AIGC`` property holding the JSON, or one property per element."""
    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    if len(packet) > MAX_TEXT:
        raise Unreadable(f"{kind}: XMP packet larger than {MAX_TEXT} bytes")
    if TC260_NS.encode() not in packet:
        return []
    text = packet.rstrip(b"\x00 \t\r\n")
    try:
        root = DET.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise Unreadable(f"{kind}: XMP refused ({type(exc).__name__}: DTDs and entities are not allowed)") from None
    except Exception as exc:   # ParseError and friends
        raise Unreadable(f"{kind}: XMP is not well-formed XML ({exc})") from None
    prefix = "{" + TC260_NS + "}"
    found, elements = [], {}
    for el in root.iter():
        props = [(k, v) for k, v in el.attrib.items() if k.startswith(prefix)]
        if isinstance(el.tag, str) and el.tag.startswith(prefix):
            props.append((el.tag, "".join(el.itertext()).strip()))
        for key, value in props:
            local = key[len(prefix):]
            if local == "AIGC":
                found.append(carrier_from_json(f"{kind}:xmp", value))
            else:
                elements[local] = value
    if elements:
        found.append(carrier_from_elements(f"{kind}:xmp", elements))
    return found


# --------------------------------------------------------------------------------------------------------- PNG


def png_chunks(data: bytes) -> Iterator[tuple[bytes, int, int]]:
    """(type, start of data, end of data) for each chunk, CRC checked; Unreadable when truncated or corrupted."""
    if not data.startswith(PNG_MAGIC):
        raise Unreadable("not a PNG file")
    pos, n = 8, 0
    while True:
        if pos + 8 > len(data):
            raise Unreadable(f"PNG truncated at byte {pos}: no IEND chunk")
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        start, end = pos + 8, pos + 8 + length
        if end + 4 > len(data):
            raise Unreadable(f"PNG truncated: chunk {ctype!r} at byte {pos} runs past the end")
        if zlib.crc32(data[pos + 4:end]) != struct.unpack(">I", data[end:end + 4])[0]:
            raise Unreadable(f"PNG corrupted: chunk {ctype!r} at byte {pos} fails its CRC")
        yield ctype, start, end
        n += 1
        if ctype == b"IEND":
            return
        if n > MAX_ITEMS:
            raise Unreadable("PNG has too many chunks")
        pos = end + 4


def _inflate(data: bytes, what: str) -> bytes:
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, MAX_TEXT)
    except zlib.error as exc:
        raise Unreadable(f"{what}: bad compressed data ({exc})") from None
    if d.unconsumed_tail:
        raise Unreadable(f"{what}: decompresses to more than {MAX_TEXT} bytes")
    return out


def png_text(ctype: bytes, body: bytes) -> tuple[str, bytes]:
    """(keyword, text bytes) of a tEXt, zTXt or iTXt chunk."""
    keyword, sep, rest = body.partition(b"\x00")
    if not sep:
        raise Unreadable(f"PNG {ctype.decode()} chunk without a keyword separator")
    name = keyword.decode("latin-1")
    if ctype == b"tEXt":
        return name, rest
    if ctype == b"zTXt":
        return name, _inflate(rest[1:], f"PNG zTXt {name!r}")
    compressed = rest[:1] == b"\x01"            # rest[1:2] is the compression method (only zlib exists)
    parts = rest[2:].split(b"\x00", 2)              # language tag, translated keyword, text
    if len(parts) < 3:
        raise Unreadable(f"PNG iTXt chunk {name!r} is malformed")
    text = parts[2]
    return name, _inflate(text, f"PNG iTXt {name!r}") if compressed else text


def read_png(data: bytes, carriers: list, findings: list) -> None:
    for ctype, start, end in png_chunks(data):
        if ctype in (b"tEXt", b"zTXt", b"iTXt"):
            name, text = png_text(ctype, data[start:end])
            if name == "AIGC":
                carriers.append(carrier_from_json(f"png:{ctype.decode()}", text.decode("latin-1" if ctype != b"iTXt" else "utf-8", errors="replace")))
            elif name == "XML:com.adobe.xmp":
                carriers += xmp_carriers(text, "png")
            elif name.upper() == "AIGC":
                findings.append(Finding("keyword-case", "warning", f"PNG {ctype.decode()} keyword {name!r} is not 'AIGC'; "
                                        "not read as a label", carrier=f"png:{ctype.decode()}"))
        elif ctype == b"eXIf":
            _exif_carriers(data[start:end], "png:eXIf", carriers)
    check_image(data, "PNG")


def check_image(data: bytes, fmt: str):
    """Let Pillow read the header (dimensions, mode): a file whose header Pillow cannot read is unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        im = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise Unreadable(f"{fmt} header cannot be read: Pillow does not recognise the image") from None
    except (OSError, SyntaxError, ValueError, struct.error, EOFError) as exc:
        raise Unreadable(f"{fmt} header cannot be read ({exc})") from None
    except Image.DecompressionBombError as exc:
        raise Unreadable(f"{fmt}: {exc}") from None
    return im                  # pixels are never decoded, so a large image costs nothing here


# -------------------------------------------------------------------------------------------------- JPEG, WebP


def _exif_carriers(raw: bytes, kind: str, carriers: list) -> None:
    from PIL import Image

    exif = Image.Exif()
    try:
        exif.load(raw if raw.startswith((b"II", b"MM")) else raw[6:] if raw.startswith(b"Exif") else raw)
        comment = exif.get_ifd(0x8769).get(0x9286)
    except Exception as exc:                        # Pillow raises assorted errors on broken EXIF
        raise Unreadable(f"{kind}: EXIF cannot be read ({type(exc).__name__})") from None
    text = user_comment_text(comment)
    if text is None:
        return
    body = text.strip()
    for prefix in ("AIGC:", "AIGC=", "AIGC "):
        if body.startswith(prefix):
            body = body[len(prefix):].strip()
    if body.startswith("{") and ("AIGC" in body or "Label" in body or "ContentProducer" in body):
        carriers.append(carrier_from_json(f"{kind}:UserComment", body))


def user_comment_text(value) -> str | None:
    """EXIF UserComment: 8 bytes naming the character code, then the text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if not isinstance(value, bytes):
        return None
    head, body = value[:8], value[8:]
    if head.startswith(b"UNICODE"):
        for enc in ("utf-16-be", "utf-16-le"):
            text = body.decode(enc, errors="replace")
            if text.lstrip("\ufeff").startswith(("{", "A")):
                return text.lstrip("\ufeff")
        return body.decode("utf-16-be", errors="replace")
    if head.startswith(b"ASCII") or head == b"\x00" * 8:
        return body.decode("utf-8", errors="replace").rstrip("\x00")
    return value.decode("utf-8", errors="replace").rstrip("\x00")   # no code given: read as is


def read_jpeg(data: bytes, carriers: list, findings: list) -> None:
    im = check_image(data, "JPEG")
    try:
        info = dict(im.info)
    except Exception:
        info = {}
    if "xmp" in info:
        carriers += xmp_carriers(info["xmp"], "jpeg")
    if "exif" in info:
        _exif_carriers(info["exif"], "jpeg:exif", carriers)


def read_webp(data: bytes, carriers: list, findings: list) -> None:
    for ctype, start, end in riff_chunks(data, "WebP"):
        if ctype == b"XMP ":
            carriers += xmp_carriers(data[start:end], "webp")
        elif ctype == b"EXIF":
            _exif_carriers(data[start:end], "webp:exif", carriers)
        elif ctype == b"AIGC":
            carriers.append(carrier_from_json("webp:AIGC", data[start:end]))
    check_image(data, "WebP")


# ---------------------------------------------------------------------------------------------------- RIFF (WAV)


def riff_chunks(data: bytes, what: str) -> Iterator[tuple[bytes, int, int]]:
    """(id, start, end) of each top-level RIFF chunk, bounded by the RIFF size and the data."""
    if len(data) < 12:
        raise Unreadable(f"{what} truncated: no RIFF header")
    size = struct.unpack("<I", data[4:8])[0]
    limit = min(len(data), 8 + size)
    if 8 + size > len(data):
        raise Unreadable(f"{what} truncated: RIFF says {8 + size} bytes, the file has {len(data)}")
    pos, n = 12, 0
    while pos + 8 <= limit:
        cid, length = struct.unpack("<4sI", data[pos:pos + 8])
        start, end = pos + 8, pos + 8 + length
        if end > limit:
            raise Unreadable(f"{what} truncated: chunk {cid!r} at byte {pos} runs past the end")
        yield cid, start, end
        n += 1
        if n > MAX_ITEMS:
            raise Unreadable(f"{what} has too many chunks")
        pos = end + (length & 1)


def read_wav(data: bytes, carriers: list, findings: list) -> None:
    for cid, start, end in riff_chunks(data, "WAV"):
        if cid == b"AIGC":
            carriers.append(carrier_from_json("wav:AIGC", data[start:end]))
        elif cid == b"_PMX":
            carriers += xmp_carriers(data[start:end], "wav")
        elif cid in (b"id3 ", b"ID3 "):
            _id3_carriers(data[start:end], "wav:id3", carriers)


# ------------------------------------------------------------------------------------------------------- MP3


def _id3_carriers(data: bytes, kind: str, carriers: list) -> None:
    from mutagen.id3 import ID3, ID3NoHeaderError
    from mutagen import MutagenError

    try:
        tags = ID3(io.BytesIO(data))
    except ID3NoHeaderError:
        return
    except (MutagenError, struct.error, ValueError, EOFError) as exc:
        raise Unreadable(f"{kind}: ID3 tag cannot be read ({exc})") from None
    for frame in tags.getall("TXXX"):
        if frame.desc == "AIGC":
            carriers.append(carrier_from_json(f"{kind}:TXXX", "".join(str(t) for t in frame.text)))


def read_mp3(data: bytes, carriers: list, findings: list) -> None:
    _id3_carriers(data, "mp3:id3", carriers)


# -------------------------------------------------------------------------------------------------- MP4 / MOV

CONTAINERS = {b"moov", b"udta", b"trak", b"mdia", b"minf", b"meta", b"ilst"}


def boxes(data: bytes, start: int, end: int, depth: int = 0) -> Iterator[tuple[bytes, int, int, int]]:
    """(type, start of payload, end, depth) for each ISO-BMFF box, walking into the metadata containers."""
    if depth > 8:
        raise Unreadable("MP4 boxes nested too deep")
    pos, n = start, 0
    while pos + 8 <= end:
        size, btype = struct.unpack(">I4s", data[pos:pos + 8])
        head = 8
        if size == 1:
            if pos + 16 > end:
                raise Unreadable("MP4 truncated in a box header")
            size, head = struct.unpack(">Q", data[pos + 8:pos + 16])[0], 16
        elif size == 0:
            size = end - pos
        if size < head or pos + size > end:
            raise Unreadable(f"MP4 truncated or corrupted: box {btype!r} at byte {pos} runs past its container")
        body = pos + head
        if btype == b"meta" and data[body + 4:body + 8] != b"hdlr":
            body += 4                                  # MP4's meta is a full box (version, flags); QuickTime's is not
        yield btype, body, pos + size, depth
        if btype in CONTAINERS:
            yield from boxes(data, body, pos + size, depth + 1)
        n += 1
        if n > MAX_ITEMS:
            raise Unreadable("MP4 has too many boxes")
        pos += size


def read_mp4(data: bytes, carriers: list, findings: list) -> None:
    parents: list[bytes] = []
    keys: list[str] = []
    ilst_items: list[tuple[int, bytes]] = []
    stack: list[tuple[bytes, int]] = []
    for btype, start, end, depth in boxes(data, 0, len(data)):
        del stack[depth:]
        stack.append((btype, end))
        parents = [b for b, _ in stack[:-1]]
        if btype == b"uuid" and data[start:start + 16] == XMP_UUID:
            carriers += xmp_carriers(data[start + 16:end], "mp4:uuid")
        elif btype == b"XMP_" and b"udta" in parents:
            carriers += xmp_carriers(data[start:end], "mp4:udta")
        elif btype == b"AIGC" and parents[-1:] == [b"udta"]:
            carriers.append(carrier_from_json("mp4:udta/AIGC", data[start:end]))
        elif btype == b"keys" and parents[-1:] == [b"meta"]:
            keys = _mdta_keys(data[start:end])
        elif parents[-1:] == [b"ilst"] and btype[:1] != b"\xa9":
            ilst_items.append((struct.unpack(">I", btype)[0], data[start:end]))
    for index, body in ilst_items:             # QuickTime keys: ilst items are numbered from 1
        if 1 <= index <= len(keys) and keys[index - 1].split(".")[-1] == "AIGC":
            value = _data_atom(body)
            if value is not None:
                carriers.append(carrier_from_json("mp4:meta/keys", value))
    _mutagen_mp4(data, carriers)


def _mdta_keys(body: bytes) -> list[str]:
    if len(body) < 8:
        return []
    count = struct.unpack(">I", body[4:8])[0]
    pos, out = 8, []
    while pos + 8 <= len(body) and len(out) < min(count, MAX_ITEMS):
        size = struct.unpack(">I", body[pos:pos + 4])[0]
        if size < 8:
            break
        out.append(body[pos + 8:pos + size].decode("utf-8", errors="replace"))
        pos += size
    return out


def _data_atom(body: bytes) -> bytes | None:
    if len(body) >= 16 and body[4:8] == b"data":
        size = struct.unpack(">I", body[:4])[0]
        return body[16:min(size, len(body))]
    return None


def _mutagen_mp4(data: bytes, carriers: list) -> None:
    """The ``moov/udta/meta/ilst`` item ``AIGC`` (and freeform ``----:…:AIGC``), read by mutagen."""
    from mutagen import MutagenError
    from mutagen.mp4 import MP4

    if b"ilst" not in data:
        return
    try:
        tags = MP4(io.BytesIO(data)).tags or {}
    except (MutagenError, struct.error, ValueError, EOFError, IndexError, KeyError) as exc:
        raise Unreadable(f"MP4 tags cannot be read ({exc})") from None
    for key, values in tags.items():
        if key == "AIGC" or key.startswith("----:") and key.rsplit(":", 1)[-1] == "AIGC":
            for value in values:
                carriers.append(carrier_from_json(f"mp4:ilst/{key}", bytes(value) if isinstance(value, bytes) else str(value)))


# ------------------------------------------------------------------------------------------------------- PDF


def read_pdf(data: bytes, carriers: list, findings: list) -> None:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        info = reader.metadata or {}
        value = info.get("/AIGC")
        if value is not None:
            carriers.append(carrier_from_json("pdf:info", str(value)))
        root = reader.trailer["/Root"].get_object()
        meta = root.get("/Metadata")
        if meta is not None:
            stream = meta.get_object()
            if int(stream.get("/Length", 0) or 0) > MAX_TEXT:
                raise Unreadable(f"PDF XMP stream larger than {MAX_TEXT} bytes")
            carriers += xmp_carriers(stream.get_data(), "pdf")
    except Unreadable:
        raise
    except (PyPdfError, KeyError, ValueError, TypeError, AttributeError, IndexError, struct.error, zlib.error,
            RecursionError, EOFError, OSError, UnicodeError, AssertionError) as exc:
        raise Unreadable(f"PDF cannot be read ({type(exc).__name__}: {str(exc)[:200]})") from None


# ------------------------------------------------------------------------------------------------------ OOXML

CUSTOM_PART = "docProps/custom.xml"
OOXML_TYPES = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}


def read_ooxml(data: bytes, carriers: list, findings: list) -> None:
    import zipfile

    import defusedxml.ElementTree as DET
    from defusedxml import DefusedXmlException

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            if len(infos) > 10_000:
                raise Unreadable("the archive has too many members")
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names:
                raise Unreadable("a ZIP archive that is not an Office Open XML document (no [Content_Types].xml)")
            if CUSTOM_PART not in names:
                return
            info = zf.getinfo(CUSTOM_PART)
            if info.file_size > MAX_TEXT:
                raise Unreadable(f"{CUSTOM_PART} is larger than {MAX_TEXT} bytes")
            with zf.open(info) as fh:
                xml = fh.read(MAX_TEXT + 1)
    except Unreadable:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError, zlib.error) as exc:
        raise Unreadable(f"the archive cannot be read ({exc})") from None
    try:
        root = DET.fromstring(xml, forbid_dtd=True)
    except DefusedXmlException:
        raise Unreadable(f"{CUSTOM_PART} refused: DTDs and entities are not allowed") from None
    except Exception as exc:
        raise Unreadable(f"{CUSTOM_PART} is not well-formed XML ({exc})") from None
    for prop in root:
        if prop.get("name") == "AIGC":
            carriers.append(carrier_from_json("ooxml:custom", "".join(prop.itertext())))


def ooxml_kind(names) -> str:
    for prefix, kind in OOXML_TYPES.items():
        if any(n.startswith(prefix) for n in names):
            return kind
    return "ooxml"


READERS: dict[str, Callable] = {"png": read_png, "jpeg": read_jpeg, "webp": read_webp, "wav": read_wav, "mp3": read_mp3,
                                "mp4": read_mp4, "pdf": read_pdf, "ooxml": read_ooxml}
