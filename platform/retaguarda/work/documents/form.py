"""A multipart/form-data body read as it arrives, part by part, without holding a file in memory.

Litestar's own form parsing reads the whole body first; for files of tens of megabytes that is the request's
memory and its latency. python-multipart (the streaming parser Starlette and FastAPI use) is fed each chunk
of the request stream, and its callbacks become events that :class:`StreamedForm` hands out: a part's headers,
then its bytes chunk by chunk, so a file goes on to storage while it is still being received.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from email.message import Message
from typing import Final

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError

from retaguarda.errors import FieldError, InvalidInput

MAX_TEXT_FIELD_BYTES: Final = 4096


def _invalid(message: str, code: str = "invalid") -> InvalidInput:
    return InvalidInput(errors=[FieldError("file", code, message)])


def form_boundary(content_type: str) -> bytes:
    """The boundary of a multipart/form-data Content-Type header; InvalidInput for any other body."""
    message = Message()
    message["content-type"] = content_type
    boundary = message.get_param("boundary")
    if message.get_content_type() != "multipart/form-data" or not isinstance(boundary, str) or not boundary:
        raise _invalid("Send the files as multipart/form-data.", "required")
    return boundary.encode("latin-1")


class FormPart:
    """One part of the form: a file (it has a ``filename``) or a text field."""

    def __init__(self, form: StreamedForm, headers: dict[str, str]) -> None:
        self._form = form
        self.finished = False
        disposition = Message()
        disposition["content-disposition"] = headers.get("content-disposition", "")
        self.name = str(disposition.get_param("name", header="content-disposition") or "")
        filename = disposition.get_filename()
        self.filename = filename if isinstance(filename, str) else None

    @property
    def is_file(self) -> bool:
        return self.filename is not None

    async def chunks(self) -> AsyncIterator[bytes]:
        while not self.finished:
            event, data = await self._form.next_event()
            if event == "data":
                yield data
            elif event in {"end", "eof"}:
                self.finished = True

    async def text(self) -> str:
        value = bytearray()
        async for chunk in self.chunks():
            value += chunk
            if len(value) > MAX_TEXT_FIELD_BYTES:
                raise _invalid(f"The form field {self.name!r} is too long.")
        return value.decode("utf-8", errors="replace").strip()


class StreamedForm:
    """The parts of a multipart body, in order, each to be read before the next (unread bytes are skipped).
    ``max_bytes`` caps the whole body as received."""

    def __init__(self, body: AsyncIterator[bytes], boundary: bytes, *, max_bytes: int) -> None:
        self._body = body
        self._events: deque[tuple[str, bytes]] = deque()
        self._received = 0
        self._max_bytes = max_bytes
        self._ended = False
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._parser = MultipartParser(
            boundary,
            callbacks={
                "on_part_begin": lambda: self._events.append(("begin", b"")),
                "on_header_field": lambda data, start, end: self._header_field.extend(data[start:end]),
                "on_header_value": lambda data, start, end: self._header_value.extend(data[start:end]),
                "on_header_end": self._header_end,
                "on_headers_finished": lambda: self._events.append(("headers", b"")),
                "on_part_data": lambda data, start, end: self._events.append(("data", data[start:end])),
                "on_part_end": lambda: self._events.append(("end", b"")),
            },
        )

    def _header_end(self) -> None:
        self._events.append(("header", bytes(self._header_field) + b"\x00" + bytes(self._header_value)))
        self._header_field.clear()
        self._header_value.clear()

    async def next_event(self) -> tuple[str, bytes]:
        while not self._events:
            if self._ended:
                return ("eof", b"")
            chunk = await anext(self._body, None)
            try:
                if chunk is None:
                    self._ended = True
                    self._parser.finalize()
                    continue
                self._received += len(chunk)
                if self._received > self._max_bytes:
                    raise _invalid(f"A request carries at most {self._max_bytes} bytes.", "too_large")
                self._parser.write(chunk)
            except MultipartParseError as exc:
                raise _invalid(f"The multipart body is malformed: {exc}.") from None
        return self._events.popleft()

    async def parts(self) -> AsyncIterator[FormPart]:
        current: FormPart | None = None
        while True:
            if current is not None and not current.finished:
                async for _ in current.chunks():
                    pass  # a part its reader did not want: skip its bytes
            event, _ = await self.next_event()
            if event == "eof":
                return
            if event != "begin":
                continue
            headers: dict[str, str] = {}
            while (event_data := await self.next_event())[0] == "header":
                field, _, value = event_data[1].partition(b"\x00")
                headers[field.decode("latin-1").lower()] = value.decode("utf-8", errors="replace")
            current = FormPart(self, headers)
            yield current
