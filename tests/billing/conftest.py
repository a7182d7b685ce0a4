"""Billing fixtures: localstripe on loopback, Stripe switched on for a test, and time on the floor."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from retaguarda.settings import get_settings

LAUNCHER = Path(__file__).with_name("localstripe_launcher.py")
WEBHOOK_SECRET = "whsec_test_secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen([sys.executable, str(LAUNCHER), str(port)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "localstripe did not start"
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def stripe_on(localstripe: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Stripe switched on, pointed at localstripe, for one test."""
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_retaguarda")
    monkeypatch.setenv("STRIPE_API_BASE", localstripe)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    get_settings.cache_clear()
    yield localstripe
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def webhooks_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()
