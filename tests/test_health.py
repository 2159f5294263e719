"""GET /healthz/ (core/health.py): can the app serve, and are its broker and worker there?

The checks talk to the real local Redis. The worker check pings over a Redis
database no worker listens on (Celery's fanout channels are per database), so the
result does not depend on whether a CI worker is running on the default one.
"""

from __future__ import annotations

import time

import pytest
from celery import Celery
from django.db import OperationalError

import config.celery
import core.health

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"
WORKERLESS_BROKER = "redis://127.0.0.1:6379/15"


@pytest.fixture(autouse=True)
def fast_checks(settings):  # type: ignore[no-untyped-def]
    settings.HEALTH_CHECK_TIMEOUT = 0.3


@pytest.fixture
def no_worker(settings, monkeypatch):  # type: ignore[no-untyped-def]
    """A reachable broker with no worker listening on it."""
    settings.CELERY_BROKER_URL = WORKERLESS_BROKER
    app = Celery("healthz-test", broker=WORKERLESS_BROKER, set_as_current=False, fixups=[])
    monkeypatch.setattr(config.celery, "app", app)
    yield
    app.close()


def _get(client):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    response = client.get("/healthz/")
    return response, time.monotonic() - started


@pytest.mark.django_db
def test_anonymous_gets_a_json_report_with_database_ok(client):
    response, _elapsed = _get(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"status", "database", "broker", "worker"}
    assert body["database"]["ok"] is True
    assert body["database"]["vendor"] in {"sqlite", "postgresql"}
    assert body["broker"]["ok"] is True  # the local Redis is up
    assert "ok" in body["worker"] and "workers" in body["worker"]
    assert body["status"] in {"ok", "degraded"}


@pytest.mark.django_db
def test_unreachable_broker_is_reported_but_the_app_still_serves(client, settings):
    settings.CELERY_BROKER_URL = UNREACHABLE_BROKER
    response, elapsed = _get(client)
    body = response.json()
    assert response.status_code == 200
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False
    assert body["broker"]["error"]
    assert body["worker"] == {"ok": False, "workers": 0, "error": "broker unavailable"}
    assert body["status"] == "degraded"
    assert elapsed < 5


@pytest.mark.django_db
def test_no_worker_is_degraded_when_a_worker_is_optional(client, settings, no_worker):
    settings.HEALTH_REQUIRE_WORKER = False
    response, elapsed = _get(client)
    body = response.json()
    assert response.status_code == 200
    assert body["broker"]["ok"] is True
    assert body["worker"] == {"ok": False, "workers": 0}
    assert body["status"] == "degraded"
    assert elapsed < 5


@pytest.mark.django_db
def test_no_worker_is_down_when_a_worker_is_required(client, settings, no_worker):
    settings.HEALTH_REQUIRE_WORKER = True
    response, elapsed = _get(client)
    body = response.json()
    assert response.status_code == 503
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["worker"]["ok"] is False
    assert body["status"] == "down"
    assert elapsed < 5


@pytest.mark.django_db
def test_unreachable_broker_is_down_when_a_worker_is_required(client, settings):
    settings.CELERY_BROKER_URL = UNREACHABLE_BROKER
    settings.HEALTH_REQUIRE_WORKER = True
    response, _elapsed = _get(client)
    assert response.status_code == 503
    assert response.json()["status"] == "down"


@pytest.mark.django_db
def test_database_failure_is_503(client, monkeypatch):
    monkeypatch.setattr(
        core.health, "_database", lambda: {"ok": False, "error": "OperationalError"}
    )
    response, _elapsed = _get(client)
    body = response.json()
    assert response.status_code == 503
    assert body["database"] == {"ok": False, "error": "OperationalError"}
    assert body["status"] == "down"


def test_database_check_reports_the_exception_class(monkeypatch):
    class BrokenConnection:
        vendor = "postgresql"

        def cursor(self):  # type: ignore[no-untyped-def]
            raise OperationalError("connection refused")

    monkeypatch.setattr(core.health, "connection", BrokenConnection())
    assert core.health._database() == {"ok": False, "error": "OperationalError"}


@pytest.mark.django_db
def test_only_get_is_allowed(client):
    response = client.post("/healthz/")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
