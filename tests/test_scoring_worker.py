"""Issue 6's documents produced by a real Celery worker (CI runs one against PostgreSQL
and Redis): the deliberation minutes and the ballot-count minutes of a cluster's
year-end meeting, rendered from committed data, stored with their SHA-256."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from django.db import transaction

from core.documents import jobs
from core.models import JobState
from scoring.services.deliberations import deliberation_save
from scoring.services.ranking import period_publish
from tests.scoring_world import scoring_world
from tests.test_scoring_ballot_minutes import closed_ballot
from tests.test_scoring_deliberation import meeting_fields
from tests.test_scoring_pdf import text_of
from tests.test_scoring_ranking import finalise_all

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 90


def _wait(job):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.25)
    assert job.state == JobState.DONE, f"{job.state}, attempts {job.attempts}: {job.error}"
    return job


def test_a_worker_issues_the_meeting_and_ballot_minutes(world, settings, monkeypatch):  # type: ignore[no-untyped-def]
    settings.JOB_RUNNER = "celery"
    # It must be the worker: a fallback to a thread of this process would hide its absence.
    monkeypatch.setattr(jobs, "start_thread", lambda job_id: pytest.fail("broker unreachable"))
    with transaction.atomic():  # the test helpers expect the caller's transaction
        sw = scoring_world(world)
        finalise_all(sw, world)
        period_publish(actor=world.head_officer, period=sw.period)
        deliberation_save(actor=world.head_officer, period=sw.period, **meeting_fields(world))
        ballot = closed_ballot(world)
    organizer_id = world.org.pk

    meeting = jobs.job_request(
        actor=None, kind="deliberation_minutes", obj=sw.period, scope_id=organizer_id
    )
    count = jobs.job_request(actor=None, kind="ballot_minutes", obj=ballot, scope_id=organizer_id)
    for job, title in ((meeting, "BIÊN BẢN HỌP BÌNH XÉT THI ĐUA"), (count, "BIÊN BẢN KIỂM PHIẾU")):
        job = _wait(job)
        content = (Path(settings.MEDIA_ROOT) / job.file.name).read_bytes()
        assert hashlib.sha256(content).hexdigest() == job.sha256
        text = text_of(content)
        assert title in text
        assert world.cluster.name.upper() in text
        assert job.attempts == 1
