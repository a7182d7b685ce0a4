"""Where the request being served comes from (client address, user agent), for the records that say so."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Origin:
    ip: str = ""
    user_agent: str = ""


_origin: ContextVar[Origin | None] = ContextVar("request_origin", default=None)


def current_origin() -> Origin:
    """The request's origin; empty outside a request (jobs, the command line)."""
    return _origin.get() or Origin()


@contextmanager
def serving_request_from(ip: str, user_agent: str) -> Iterator[None]:
    token = _origin.set(Origin(ip[:64], user_agent[:300]))
    try:
        yield
    finally:
        _origin.reset(token)
