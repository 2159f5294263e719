"""Helpers for tests that start real processes (gunicorn, Redis, Celery workers)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

import pytest


def free_port() -> int:
    """A TCP port nothing listens on now (safe beside other test processes)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], Any], what: str, seconds: float) -> Any:
    """Poll ``predicate`` until it answers something true (returned); fail the test
    naming ``what`` after ``seconds`` — a hang guard, never a measured duration."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"Timed out waiting for {what}")
