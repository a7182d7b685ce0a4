"""What a file is, decided by its first bytes, against the allow-list; and the name it is offered under.

Our own small table of signatures rather than a general sniffer (puremagic, filetype): the allow-list is the
security boundary, so each accepted kind is one positive, documented match on the file's head, and nothing
else gets in. General sniffers rank many guesses (some by extension), and none of them tells a CSV, OFX or XML
file from an HTML page, which is the case that matters: HTML or SVG served from our origin would run script.
Names and the sender's Content-Type header are never consulted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

# Enough of the head to see an XLSX's first entry names and a text file's first lines.
SNIFF_BYTES: Final = 64 * 1024


@dataclass(frozen=True, slots=True)
class FileKind:
    code: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileKind("pdf", "application/pdf", ("pdf",))
PNG = FileKind("png", "image/png", ("png",))
JPEG = FileKind("jpeg", "image/jpeg", ("jpg", "jpeg"))
GIF = FileKind("gif", "image/gif", ("gif",))
WEBP = FileKind("webp", "image/webp", ("webp",))
TIFF = FileKind("tiff", "image/tiff", ("tif", "tiff"))
XLSX = FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",))
ZIP = FileKind("zip", "application/zip", ("zip",))
CSV = FileKind("csv", "text/csv", ("csv", "txt"))
XML = FileKind("xml", "application/xml", ("xml",))
OFX = FileKind("ofx", "application/x-ofx", ("ofx",))
KINDS: Final = {kind.code: kind for kind in (PDF, PNG, JPEG, GIF, WEBP, TIFF, XLSX, ZIP, CSV, XML, OFX)}
IMAGE_KINDS: Final = frozenset({"png", "jpeg", "gif", "webp", "tiff"})

_BINARY_SIGNATURES: Final = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
)
# Markup a browser would run if it ever rendered the file: refused even inside an otherwise valid text kind.
_ACTIVE_MARKUP = re.compile(
    rb"<\s*(?:!doctype\s+html|html|head|body|script|svg|iframe|object|embed|meta|link|style)\b|<\?php",
    re.IGNORECASE,
)
# Control characters other than tab, line feed, form feed and carriage return never occur in text files.
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def sniff(head: bytes) -> FileKind | None:
    """The allowed kind the file's first bytes prove, or None (refused). ``head`` is the first
    :data:`SNIFF_BYTES` of the file, or all of it when shorter."""
    for signature, kind in _BINARY_SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        # An XLSX is a ZIP whose parts live under xl/; its first entries name them.
        return XLSX if b"xl/" in head and b"[Content_Types].xml" in head else ZIP
    return _sniff_text(head)


def _sniff_text(head: bytes) -> FileKind | None:
    if not head or _CONTROL.search(head) or _ACTIVE_MARKUP.search(head):
        return None
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"OFXHEADER:"):
        return OFX
    if text.startswith(b"<?xml"):
        return OFX if b"<?OFX" in text or b"<OFX>" in text else XML
    if text.startswith(b"<"):
        return None
    first_line = text.split(b"\n", 1)[0]
    return CSV if any(separator in first_line for separator in (b",", b";", b"\t")) else None


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|]+')
MAX_NAME_CHARS: Final = 150


def safe_filename(given: str, kind: FileKind) -> str:
    """The name a file is listed and downloaded under: the sender's base name without path, control or
    quoting characters, and with an extension that matches what the file is (a PDF named ``nota.exe`` is
    offered as ``nota.exe.pdf``)."""
    base = re.split(r"[\\/]", given or "")[-1]
    name = _UNSAFE_NAME.sub("_", unicodedata.normalize("NFC", base)).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if extension.lower() not in kind.extensions:
        stem, extension = name, kind.extensions[0]
    stem = stem[: MAX_NAME_CHARS - len(extension) - 1] or "file"
    return f"{stem}.{extension.lower()}"
