"""The signed covenant PDF produced by a real Celery worker (CI runs one against
PostgreSQL and Redis): rendered, signed with the organizer's PAdES signature,
stored with its SHA-256, and valid."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.utils import timezone

from clusters.models import Profile
from core.documents import jobs
from core.documents.signing import validate_pdf
from core.models import JobState
from covenants.models import Covenant, CovenantSection, Signature
from tests.factories import ClusterFactory, ClusterYearFactory, UnitFactory, add_members, make_user

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 90


def _signed_covenant() -> Covenant:
    cluster = ClusterFactory(name="Cụm thi đua các phường thử nghiệm")
    units = [
        UnitFactory(organizer=cluster.organizer, name=f"phường Thử Nghiệm Số {n}") for n in (1, 2)
    ]
    year = ClusterYearFactory(cluster=cluster, year=2024, head_unit=units[1])
    add_members(year, units)
    covenant = Covenant.objects.create(
        cluster_year=year,
        title="Giao ước thi đua năm 2024",
        place_name="Thử Nghiệm",
        conference_date=dt.date(2024, 3, 5),
    )
    CovenantSection.objects.create(covenant=covenant, order=1, heading="Về kinh tế", body="…")
    for number, unit in enumerate(units, start=1):
        leader = make_user(f"leader{number}", role=Profile.Role.LEADER, unit=unit)
        Signature.objects.create(
            covenant=covenant,
            unit=unit,
            signer=leader,
            signer_name=f"Nguyễn Văn {number}",
            signer_position="Chủ tịch UBND phường",
            signed_at=timezone.now(),
        )
    Covenant.objects.filter(pk=covenant.pk).update(state=Covenant.State.SIGNED)
    return Covenant.objects.get(pk=covenant.pk)


def test_a_worker_issues_the_signed_covenant(settings, monkeypatch):  # type: ignore[no-untyped-def]
    settings.JOB_RUNNER = "celery"
    # It must be the worker: a fallback to a thread of this process would hide its absence.
    monkeypatch.setattr(jobs, "start_thread", lambda job_id: pytest.fail("broker unreachable"))
    covenant = _signed_covenant()

    job = jobs.job_request(
        actor=None,
        kind="covenant_signed",
        obj=covenant,
        scope_id=covenant.cluster_year.cluster.organizer_id,
    )
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.25)

    try:
        assert job.state == JobState.DONE, f"{job.state}, attempts {job.attempts}: {job.error}"
        content = (Path(settings.MEDIA_ROOT) / job.file.name).read_bytes()
        assert hashlib.sha256(content).hexdigest() == job.sha256
        text = subprocess.run(
            ["/usr/bin/pdftotext", "-", "-"], input=content, capture_output=True, check=True
        ).stdout.decode()
        assert "BẢN GIAO ƯỚC THI ĐUA" in text
        assert "Thử Nghiệm, ngày 05 tháng 3 năm 2024" in text
        assert "PHƯỜNG THỬ NGHIỆM SỐ 1" in text.upper()
        report = validate_pdf(content)
        assert report.signed and report.intact
        assert "Hội đồng Thi đua" in " ".join(s.name for s in report.signers)
    finally:
        if job.file.name:
            shutil.rmtree(Path(settings.MEDIA_ROOT) / job.file.name.rsplit("/", 1)[0], True)
