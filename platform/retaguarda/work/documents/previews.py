"""Thumbnails: the first page of a PDF (PDFium, through pypdfium2) or the image itself (Pillow), as a small
PNG the task page shows. Rendering is CPU work on untrusted files, so it runs in a job, in a worker thread, on
files below a size cap, with Pillow's decompression-bomb guard lowered to what a scanned page needs."""

from __future__ import annotations

import io
from typing import Final

import pypdfium2
from PIL import Image

from retaguarda.work.documents.content import IMAGE_KINDS

THUMBNAIL_PX: Final = 256
# Larger files are listed without a thumbnail: rendering them would hold a worker for too long.
PREVIEW_MAX_BYTES: Final = 20 * 1024 * 1024
# A 600 dpi A4 scan is about 35 million pixels; anything far beyond is more likely a bomb than a document.
MAX_IMAGE_PIXELS: Final = 60_000_000
PREVIEW_KINDS: Final = frozenset({"pdf", *IMAGE_KINDS})


def render_thumbnail(content: bytes, kind: str) -> bytes:
    """A PNG at most THUMBNAIL_PX on its longer side; ValueError when the file cannot be rendered."""
    if kind == "pdf":
        image = _first_pdf_page(content)
    elif kind in IMAGE_KINDS:
        image = _image(content)
    else:
        raise ValueError(f"no preview for {kind}")
    image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    if image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGBA")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _first_pdf_page(content: bytes) -> Image.Image:
    try:
        document = pypdfium2.PdfDocument(content)
    except pypdfium2.PdfiumError as exc:
        raise ValueError(f"unreadable PDF: {exc}") from None
    try:
        if len(document) == 0:
            raise ValueError("a PDF without pages")
        page = document[0]
        width, height = page.get_size()
        scale = THUMBNAIL_PX / max(width, height, 1)
        rendered: Image.Image = page.render(scale=scale).to_pil()
        return rendered
    finally:
        document.close()


def _image(content: bytes) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        image = Image.open(io.BytesIO(content))
        image.draft("RGB", (THUMBNAIL_PX, THUMBNAIL_PX))  # JPEG decodes at a fraction of its size
        image.load()
    except (OSError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValueError(f"unreadable image: {exc}") from None
    return image
