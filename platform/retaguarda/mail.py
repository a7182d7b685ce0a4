"""Outgoing email through a pluggable sender.

The default sender writes each message to the log (embedded mode and tests); ``SMTP_URL``
(``smtp://user:pass@host:587``) switches to the standard library's SMTP client with STARTTLS.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlparse

from retaguarda.settings import get_settings

log = logging.getLogger("retaguarda.mail")


@dataclass(frozen=True, slots=True)
class Email:
    to: str
    subject: str
    body: str


class EmailSender(Protocol):
    async def send(self, email: Email) -> None: ...


class LogSender:
    """Keeps what it sent (tests read ``sent``) and logs it."""

    def __init__(self) -> None:
        self.sent: list[Email] = []

    async def send(self, email: Email) -> None:
        self.sent.append(email)
        log.info("email to=%s subject=%s", email.to, email.subject)


class SmtpSender:
    def __init__(self, url: str, sender: str) -> None:
        self.url = urlparse(url)
        self.sender = sender

    def _send_blocking(self, email: Email) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, email.to, email.subject
        message.set_content(email.body)
        with smtplib.SMTP(self.url.hostname or "localhost", self.url.port or 587, timeout=30) as smtp:
            if self.url.scheme != "smtp+plain":
                smtp.starttls()
            if self.url.username:
                smtp.login(unquote(self.url.username), unquote(self.url.password or ""))
            smtp.send_message(message)

    async def send(self, email: Email) -> None:
        await asyncio.to_thread(self._send_blocking, email)


_sender: EmailSender | None = None


def get_sender() -> EmailSender:
    global _sender  # noqa: PLW0603 - one sender per process, chosen from settings on first use
    if _sender is None:
        mail = get_settings().mail
        _sender = SmtpSender(mail.smtp_url, mail.sender) if mail.smtp_url else LogSender()
    return _sender


def set_sender(sender: EmailSender | None) -> None:
    global _sender  # noqa: PLW0603
    _sender = sender
