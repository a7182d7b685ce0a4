"""All of a task's files as one ZIP, written while it is sent: each file is read from storage chunk by chunk
into the archive and the archive's bytes go out as they are made, so neither the files nor the ZIP are ever
held whole. The entries are stored, not compressed again (PDFs, images, XLSX and ZIPs already are)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from retaguarda.storage import ObjectStorage

FOLDERS = {"input": "client", "deliverable": "deliverables", "comment": "messages"}


@dataclass(frozen=True, slots=True)
class ArchiveEntry:
    name: str
    storage_key: str
    created_at: datetime


class _Sink(io.RawIOBase):
    """A write-only, unseekable target: zipfile then writes sizes after each entry (data descriptors)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._chunks.append(bytes(data))
        return len(data)

    def drain(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


def entry_names(files: Sequence[tuple[str, str]]) -> list[str]:
    """``folder/name`` for each (purpose, file name), with ``name (2).ext`` where a name repeats."""
    seen: set[str] = set()
    names = []
    for purpose, filename in files:
        base = f"{FOLDERS.get(purpose, 'files')}/{filename}"
        name, number = base, 1
        while name.casefold() in seen:
            number += 1
            stem, dot, extension = base.rpartition(".")
            name = f"{stem} ({number}).{extension}" if dot else f"{base} ({number})"
        seen.add(name.casefold())
        names.append(name)
    return names


async def zip_stream(storage: ObjectStorage, entries: Sequence[ArchiveEntry]) -> AsyncIterator[bytes]:
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for item in entries:
            info = zipfile.ZipInfo(item.name, date_time=item.created_at.timetuple()[:6])
            with archive.open(info, "w", force_zip64=True) as target:
                async for chunk in storage.read(item.storage_key):
                    target.write(chunk)
                    yield sink.drain()
            yield sink.drain()
    yield sink.drain()
