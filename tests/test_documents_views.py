"""The job page (polled with htmx) and the download, authorized by the job's kind."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from clusters.permissions import current_organizer
from clusters.roles import board_organizer
from core.documents import jobs
from core.documents.registry import RenderedDocument, register_document_kind
from core.models import DocumentJob, JobState

PDF = b"%PDF-1.7 board report"


def _board_of_the_scope(request, job):  # type: ignore[no-untyped-def]
    """Other organizers' people: 404; the organizer's non-board people: 403."""
    organizer = current_organizer(request)
    if organizer is None or organizer.pk != job.scope_id:
        raise Http404
    if not (request.user.is_superuser or board_organizer(request.user)):
        raise PermissionDenied


def _report(job):  # type: ignore[no-untyped-def]
    return RenderedDocument(pdf=PDF, filename="bao-cao.pdf")


def _broken(job):  # type: ignore[no-untyped-def]
    raise ValueError("Thiếu mẫu văn bản")


register_document_kind(
    "test-view-report",
    render=_report,
    authorize=_board_of_the_scope,
    label="Board report",
    back_url=lambda job: "/clusters/",
)
register_document_kind("test-view-broken", render=_broken, authorize=_board_of_the_scope)


def request_job(world, kind="test-view-report"):  # type: ignore[no-untyped-def]
    return jobs.job_request(actor=world.board, kind=kind, obj=world.cluster, scope_id=world.org.pk)


def pending_job(world, kind="test-view-report", **fields):  # type: ignore[no-untyped-def]
    return DocumentJob.objects.create(
        kind=kind,
        content_type=ContentType.objects.get_for_model(world.cluster),
        object_id=str(world.cluster.pk),
        scope_id=world.org.pk,
        requested_by=world.board,
        verification_code=jobs.new_verification_code(),
        **fields,
    )


def detail(job):  # type: ignore[no-untyped-def]
    return reverse("job_detail", args=[job.pk])


def download(job):  # type: ignore[no-untyped-def]
    return reverse("job_download", args=[job.pk])


@pytest.mark.parametrize("url", [detail, download])
def test_it_requires_login(world, client, url):  # type: ignore[no-untyped-def]
    job = request_job(world)
    response = client.get(url(job))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("persona", "status"),
    [("board", 200), ("other_board", 404), ("member_officer", 403), ("outsider_officer", 403)],
)
def test_the_kind_decides_who_may_see_and_download(world, client_for, persona, status):  # type: ignore[no-untyped-def]
    job = request_job(world)
    client = client_for(world.personas()[persona])
    assert client.get(detail(job)).status_code == status
    response = client.get(download(job))
    assert response.status_code == status
    if status != 200:
        assert PDF not in b"".join(getattr(response, "streaming_content", [response.content]))


def test_the_download_is_the_stored_pdf_as_an_attachment(world, client_for):  # type: ignore[no-untyped-def]
    job = request_job(world)
    response = client_for(world.board).get(download(job))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="bao-cao.pdf"'
    body = b"".join(response.streaming_content)
    assert body == PDF
    assert hashlib.sha256(body).hexdigest() == job.sha256


@pytest.mark.parametrize("state", [JobState.PENDING, JobState.RUNNING, JobState.FAILED])
def test_there_is_nothing_to_download_until_the_job_is_done(world, client_for, state):  # type: ignore[no-untyped-def]
    job = pending_job(world, state=state)
    assert client_for(world.board).get(download(job)).status_code == 404


def test_the_page_of_a_done_job_offers_the_download(world, client_for):  # type: ignore[no-untyped-def]
    job = request_job(world)
    page = client_for(world.board).get(detail(job)).content.decode()

    assert "Board report" in page
    assert str(world.cluster) in page
    assert download(job) in page
    assert job.sha256 in page
    assert job.verification_code in page
    assert 'href="/clusters/"' in page
    assert 'data-state="done"' in page
    assert "hx-trigger" not in page  # finished: no more polling


def test_an_unfinished_job_polls_a_status_fragment(world, client_for):  # type: ignore[no-untyped-def]
    job = pending_job(world, state=JobState.RUNNING, attempts=1)
    client = client_for(world.board)

    page = client.get(detail(job)).content.decode()
    assert f'hx-get="{detail(job)}"' in page
    assert 'hx-trigger="every 2s"' in page
    assert download(job) not in page

    fragment = client.get(detail(job), headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<section id="job-status"')
    assert "<html" not in fragment
    assert 'data-state="running"' in fragment
    assert re.search(r'class="col-sm-9 job-attempts">1\D+3</dd>', fragment)

    DocumentJob.objects.filter(pk=job.pk).update(
        state=JobState.DONE, file=f"documents/x/{job.pk}/a.pdf", sha256="ab" * 32, size=10
    )
    fragment = client.get(detail(job), headers={"HX-Request": "true"}).content.decode()
    assert 'data-state="done"' in fragment
    assert download(job) in fragment
    assert "hx-trigger" not in fragment


def test_a_failed_job_shows_its_error_and_attempts(world, client_for):  # type: ignore[no-untyped-def]
    job = request_job(world, kind="test-view-broken")
    assert job.state == JobState.FAILED and job.attempts == 3

    page = client_for(world.board).get(detail(job)).content.decode()
    assert 'data-state="failed"' in page
    assert "ValueError: Thiếu mẫu văn bản" in page
    assert download(job) not in page


def test_a_job_of_an_unknown_kind_is_not_found(world, client_for):  # type: ignore[no-untyped-def]
    job = pending_job(world, kind="no-longer-registered")
    assert client_for(world.board).get(detail(job)).status_code == 404
    assert client_for(world.board).get(download(job)).status_code == 404
