"""Against a real Celery worker (CI starts one next to PostgreSQL and Redis)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.worker, pytest.mark.django_db]


def test_health_reports_the_running_worker(client, settings):  # type: ignore[no-untyped-def]
    settings.HEALTH_REQUIRE_WORKER = True
    settings.HEALTH_CHECK_TIMEOUT = 5.0
    response = client.get("/healthz/")
    body = response.json()
    assert response.status_code == 200, body
    assert body["database"]["ok"] and body["broker"]["ok"]
    assert body["worker"]["ok"] and body["worker"]["workers"] >= 1
    assert body["status"] == "ok"
