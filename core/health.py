"""GET /healthz/: can the app serve, and are its broker and worker there?"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - health reports any failure
        return {"ok": False, "error": exc.__class__.__name__}


def _broker() -> dict[str, Any]:
    import redis

    try:
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL,
            socket_connect_timeout=settings.HEALTH_CHECK_TIMEOUT,
            socket_timeout=settings.HEALTH_CHECK_TIMEOUT,
        )
        client.ping()
        return {"ok": True}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": exc.__class__.__name__}


def _worker(broker_ok: bool) -> dict[str, Any]:
    if not broker_ok:
        return {"ok": False, "workers": 0, "error": "broker unavailable"}
    from config.celery import app

    try:
        replies = app.control.ping(timeout=settings.HEALTH_CHECK_TIMEOUT) or []
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "workers": 0, "error": exc.__class__.__name__}
    return {"ok": bool(replies), "workers": len(replies)}


@login_not_required
@require_GET
def healthz(request):  # type: ignore[no-untyped-def]
    database = _database()
    broker = _broker()
    worker = _worker(broker["ok"])
    # The pages need only the database; background work needs the broker, and
    # production (HEALTH_REQUIRE_WORKER) declares itself unhealthy without a worker.
    can_serve = database["ok"] and (worker["ok"] or not settings.HEALTH_REQUIRE_WORKER)
    body = {
        "status": "ok"
        if can_serve and broker["ok"] and worker["ok"]
        else ("degraded" if can_serve else "down"),
        "database": database,
        "broker": broker,
        "worker": worker,
    }
    return JsonResponse(body, status=200 if can_serve else 503)
