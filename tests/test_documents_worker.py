"""A real Celery worker renders a document job (CI starts one next to PostgreSQL and
Redis; the worker is a separate process, so it must share this test database).

The job is of the "example" kind, which core registers on import, so the worker
knows it too.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from core.documents import jobs
from core.models import DocumentJob, JobState

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 60


def test_a_worker_renders_the_document_and_stores_it(settings, monkeypatch):  # type: ignore[no-untyped-def]
    settings.JOB_RUNNER = "celery"
    # The job must go to the worker: a fallback to a thread of this process would
    # make the test pass without one.
    monkeypatch.setattr(jobs, "start_thread", lambda job_id: pytest.fail("broker unreachable"))
    requester = get_user_model().objects.create_user("worker-test", password="x-unused-9")

    job = jobs.job_request(
        actor=requester,
        kind="example",
        obj=requester,
        scope_id=None,
        params={"date": "2023-03-17", "paragraphs": 4},
    )
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.25)

    try:
        assert job.state == JobState.DONE, f"{job.state}, attempts {job.attempts}: {job.error}"
        path = Path(settings.MEDIA_ROOT) / job.file.name
        assert path.is_file()
        content = path.read_bytes()
        assert content.startswith(b"%PDF-")
        assert hashlib.sha256(content).hexdigest() == job.sha256
        assert job.attempts == 1
        assert job.render_seconds and job.render_seconds < 10
        assert DocumentJob.objects.get(pk=job.pk).file.name == (
            f"documents/example/{job.pk}/vi-du-{job.pk}.pdf"
        )
    finally:
        if job.file.name:
            shutil.rmtree(Path(settings.MEDIA_ROOT) / job.file.name.rsplit("/", 1)[0], True)
