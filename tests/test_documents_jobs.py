"""Document jobs: request, run, retry, give up, sweep — the row tells the story."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import Counter
from pathlib import Path

import pytest
from django.http import Http404
from django.utils import timezone
from kombu.exceptions import OperationalError

from core.documents import jobs
from core.documents.registry import RenderedDocument, register_document_kind
from core.models import ActionLog, DocumentJob, JobState
from core.tasks import render_document, sweep_pending_documents

CALLS: Counter = Counter()


def _only_the_requester(request, job):  # type: ignore[no-untyped-def]
    if job.requested_by_id != request.user.pk:
        raise Http404


def _fails_twice(job):  # type: ignore[no-untyped-def]
    CALLS[("flaky", job.pk)] += 1
    if CALLS[("flaky", job.pk)] <= 2:
        raise RuntimeError(f"the printer jammed ({CALLS[('flaky', job.pk)]})")
    return RenderedDocument(pdf=b"%PDF-1.7 flaky", filename="flaky.pdf")


def _always_fails(job):  # type: ignore[no-untyped-def]
    CALLS[("poison", job.pk)] += 1
    raise RuntimeError("the template is broken")


def _counted(job):  # type: ignore[no-untyped-def]
    CALLS[("counted", job.pk)] += 1
    name = job.params.get("filename", "counted.pdf")
    return RenderedDocument(
        pdf=f"%PDF-1.7 run {CALLS[('counted', job.pk)]}".encode(), filename=name
    )


def _to_be_signed(job):  # type: ignore[no-untyped-def]
    return RenderedDocument(
        pdf=b"%PDF-1.7 unsigned",
        filename="signed.pdf",
        sign_for_organizer_id=job.scope_id,
        signers=["UBND huyện Tây Sơn"],
        signature_reason="Ký giao ước",
        signature_location="An Phú",
    )


def _redelivered_while_rendering(job):  # type: ignore[no-untyped-def]
    """The first render is overtaken: while it runs, the same job is delivered again
    (a re-swept or redelivered message) and that delivery renders and finishes first."""
    CALLS[("overtaken", job.pk)] += 1
    run = CALLS[("overtaken", job.pk)]
    if run == 1:
        jobs.job_run(job.pk)
    return RenderedDocument(pdf=f"%PDF-1.7 render {run}".encode(), filename="overtaken.pdf")


@pytest.fixture(autouse=True)
def _fresh_counts():  # type: ignore[no-untyped-def]
    CALLS.clear()  # ids are reused from one test to the next


register_document_kind("test-flaky", render=_fails_twice, authorize=_only_the_requester)
register_document_kind("test-poison", render=_always_fails, authorize=_only_the_requester)
register_document_kind("test-counted", render=_counted, authorize=_only_the_requester)
register_document_kind("test-signed", render=_to_be_signed, authorize=_only_the_requester)
register_document_kind(
    "test-overtaken", render=_redelivered_while_rendering, authorize=_only_the_requester
)


def stored(job: DocumentJob) -> bytes:
    return Path(job.file.path).read_bytes()


def request_job(world, kind: str, **options) -> DocumentJob:  # type: ignore[no-untyped-def]
    return jobs.job_request(
        actor=world.board, kind=kind, obj=world.cluster, scope_id=world.org.pk, **options
    )


# --- the inline runner (tests) ---------------------------------------------------


def test_the_inline_runner_stores_the_pdf_with_its_sha256(world, settings):  # type: ignore[no-untyped-def]
    job = request_job(world, "example", params={"date": "2023-03-17"})

    assert job.state == JobState.DONE
    assert job.attempts == 1
    assert job.file.name == f"documents/example/{job.pk}/vi-du-{job.pk}.pdf"
    path = Path(settings.MEDIA_ROOT) / job.file.name
    content = path.read_bytes()
    assert content.startswith(b"%PDF-")
    assert job.sha256 == hashlib.sha256(content).hexdigest()
    assert job.size == len(content)
    assert job.filename == f"vi-du-{job.pk}.pdf"
    assert job.render_seconds > 0
    assert job.finished_at and job.started_at and job.error == ""
    assert len(job.verification_code) == 10
    assert set(job.verification_code) <= set(jobs.CODE_ALPHABET)
    assert job.requested_by == world.board and job.scope_id == world.org.pk
    entry = ActionLog.objects.get(action="core.document.requested")
    assert entry.actor == world.board and entry.object_repr == str(world.cluster)
    assert entry.data["job_id"] == job.pk and entry.data["kind"] == "example"


def test_a_renderer_that_fails_twice_ends_done_on_the_third_attempt(world):  # type: ignore[no-untyped-def]
    job = request_job(world, "test-flaky")

    assert job.state == JobState.DONE
    assert job.attempts == 3
    assert job.error == ""
    assert stored(job) == b"%PDF-1.7 flaky"
    assert CALLS[("flaky", job.pk)] == 3


def test_a_renderer_that_always_fails_stops_at_max_attempts(world):  # type: ignore[no-untyped-def]
    job = request_job(world, "test-poison", max_attempts=3)

    assert job.state == JobState.FAILED
    assert job.attempts == 3
    assert CALLS[("poison", job.pk)] == 3
    assert job.error == "RuntimeError: the template is broken"
    assert job.finished_at is not None
    assert not job.file

    jobs.job_run(job.pk)  # a failed job stays failed: no fourth attempt
    job.refresh_from_db()
    assert job.attempts == 3 and CALLS[("poison", job.pk)] == 3


def test_a_done_job_run_again_changes_nothing(world):  # type: ignore[no-untyped-def]
    job = request_job(world, "test-counted")
    before = DocumentJob.objects.values().get(pk=job.pk)

    jobs.job_run(job.pk)

    assert DocumentJob.objects.values().get(pk=job.pk) == before
    assert CALLS[("counted", job.pk)] == 1
    assert stored(job) == b"%PDF-1.7 run 1"


def test_a_rerun_overwrites_the_one_file_at_its_path(world):  # type: ignore[no-untyped-def]
    job = request_job(world, "test-counted")
    first_name = job.file.name
    DocumentJob.objects.filter(pk=job.pk).update(state=JobState.PENDING)  # as if redelivered

    jobs.job_run(job.pk)

    job.refresh_from_db()
    assert job.file.name == first_name
    assert stored(job) == b"%PDF-1.7 run 2"
    assert job.sha256 == hashlib.sha256(b"%PDF-1.7 run 2").hexdigest()
    assert [path.name for path in Path(job.file.path).parent.iterdir()] == ["counted.pdf"]


def test_a_file_name_with_a_path_or_accents_is_made_safe(world):  # type: ignore[no-untyped-def]
    job = request_job(world, "test-counted", params={"filename": "../../etc/giao ước 2023.pdf"})
    assert job.filename == "giao_uoc_2023.pdf"
    assert job.file.name == f"documents/test-counted/{job.pk}/giao_uoc_2023.pdf"


def test_a_document_that_asks_for_it_is_signed_before_it_is_stored(world, monkeypatch):  # type: ignore[no-untyped-def]
    calls = []

    def fake_sign(pdf, **options):  # type: ignore[no-untyped-def]
        calls.append(options)
        return pdf + b" signed"

    monkeypatch.setattr("core.documents.signing.sign_pdf", fake_sign)
    job = request_job(world, "test-signed")

    assert stored(job) == b"%PDF-1.7 unsigned signed"
    assert job.sha256 == hashlib.sha256(b"%PDF-1.7 unsigned signed").hexdigest()
    assert calls == [
        {
            "organizer_id": world.org.pk,
            "signers": ["UBND huyện Tây Sơn"],
            "reason": "Ký giao ước",
            "location": "An Phú",
        }
    ]


def test_an_unknown_kind_is_refused_before_any_row_is_written(world):  # type: ignore[no-untyped-def]
    with pytest.raises(LookupError):
        request_job(world, "no-such-kind")
    assert not DocumentJob.objects.exists()


def test_latest_job_is_the_newest_of_that_kind_for_that_object(world):  # type: ignore[no-untyped-def]
    older = request_job(world, "test-counted")
    newer = request_job(world, "test-counted")
    request_job(world, "test-flaky")
    jobs.job_request(
        actor=world.board, kind="test-counted", obj=world.this_year, scope_id=world.org.pk
    )

    assert jobs.latest_job(obj=world.cluster, kind="test-counted") == newer
    assert newer.created_at >= older.created_at
    assert jobs.latest_job(obj=world.last_year, kind="test-counted") is None


# --- the attempt counter on the row ----------------------------------------------


def pending_job(world, kind: str, **fields) -> DocumentJob:  # type: ignore[no-untyped-def]
    """A job row as a web request leaves it, not yet run."""
    from django.contrib.contenttypes.models import ContentType

    return DocumentJob.objects.create(
        kind=kind,
        content_type=ContentType.objects.get_for_model(world.cluster),
        object_id=str(world.cluster.pk),
        scope_id=world.org.pk,
        requested_by=world.board,
        verification_code=jobs.new_verification_code(),
        **fields,
    )


def test_a_job_whose_last_attempt_died_with_its_worker_is_failed(world):  # type: ignore[no-untyped-def]
    job = pending_job(world, "test-counted", state=JobState.RUNNING, attempts=3, max_attempts=3)

    jobs.job_run(job.pk)

    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.attempts == 3
    assert CALLS[("counted", job.pk)] == 0
    assert "last attempt" in job.error


def test_job_run_raises_while_attempts_remain_and_keeps_the_error(world):  # type: ignore[no-untyped-def]
    job = pending_job(world, "test-poison")

    with pytest.raises(RuntimeError):
        jobs.job_run(job.pk)

    job.refresh_from_db()
    assert job.state == JobState.PENDING
    assert job.attempts == 1
    assert job.error == "RuntimeError: the template is broken"


def test_the_celery_task_retries_and_a_poison_job_stops(world):  # type: ignore[no-untyped-def]
    job = pending_job(world, "test-poison")

    render_document.apply(args=(job.pk,))  # eager: the retries run one after another

    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.attempts == 3
    assert CALLS[("poison", job.pk)] == 3
    render_document.apply(args=(job.pk,))  # a late duplicate message changes nothing
    assert CALLS[("poison", job.pk)] == 3


def test_the_celery_task_retries_a_flaky_render_until_done(world, monkeypatch):  # type: ignore[no-untyped-def]
    countdowns = []
    original = render_document.retry

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        countdowns.append(kwargs.get("countdown"))
        return original(*args, **kwargs)

    monkeypatch.setattr(render_document, "retry", spy)
    job = pending_job(world, "test-flaky")

    render_document.apply(args=(job.pk,))

    job.refresh_from_db()
    assert job.state == JobState.DONE and job.attempts == 3
    assert countdowns == [10, 20]


# --- runners ---------------------------------------------------------------------


def test_the_celery_runner_enqueues_once_the_transaction_commits(  # type: ignore[no-untyped-def]
    world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.JOB_RUNNER = "celery"
    monkeypatch.setattr(jobs, "_ping_broker", lambda: None)
    sent = []
    monkeypatch.setattr(render_document, "apply_async", lambda args, **options: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        job = request_job(world, "test-counted")
        assert sent == []  # nothing is sent before the row is committed

    assert sent == [(job.pk,)]
    job.refresh_from_db()
    assert job.state == JobState.PENDING and job.attempts == 0


@pytest.fixture
def threads(monkeypatch):  # type: ignore[no-untyped-def]
    """The runner threads started during the test, to wait for them."""
    started = []
    start = jobs.start_thread
    monkeypatch.setattr(jobs, "start_thread", lambda job_id: started.append(start(job_id)))
    return started


def join(threads) -> None:  # type: ignore[no-untyped-def]
    assert threads, "no runner thread was started"
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_job_runs_in_a_thread(world, settings, monkeypatch, threads):  # type: ignore[no-untyped-def]
    settings.JOB_RUNNER = "celery"
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    monkeypatch.setattr(
        render_document, "apply_async", lambda *a, **k: pytest.fail("sent to a dead broker")
    )
    started = time.monotonic()
    job = request_job(world, "test-counted")
    assert time.monotonic() - started < 3  # the request does not wait for Celery's retries
    join(threads)

    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert stored(job) == b"%PDF-1.7 run 1"


@pytest.mark.django_db(transaction=True)
def test_a_failed_send_falls_back_to_a_thread(world, settings, monkeypatch, threads):  # type: ignore[no-untyped-def]
    settings.JOB_RUNNER = "celery"
    monkeypatch.setattr(jobs, "_ping_broker", lambda: None)

    def unreachable(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(render_document, "apply_async", unreachable)
    job = request_job(world, "test-counted")
    join(threads)

    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert stored(job) == b"%PDF-1.7 run 1"


@pytest.mark.django_db(transaction=True)
def test_the_thread_runner_retries_until_done(world, settings, monkeypatch, threads):  # type: ignore[no-untyped-def]
    settings.JOB_RUNNER = "thread"
    monkeypatch.setattr(jobs.time, "sleep", lambda seconds: None)
    job = request_job(world, "test-flaky")
    join(threads)

    job.refresh_from_db()
    assert job.state == JobState.DONE and job.attempts == 3


# --- the sweep -------------------------------------------------------------------


def test_the_sweep_finds_jobs_left_behind_with_attempts_left(world):  # type: ignore[no-untyped-def]
    now = timezone.now()
    old = now - dt.timedelta(minutes=30)
    lost = pending_job(world, "test-counted")
    stuck = pending_job(world, "test-counted", state=JobState.RUNNING, attempts=1, started_at=old)
    retrying = pending_job(world, "test-counted", attempts=1, started_at=old)
    fresh = pending_job(world, "test-counted")
    busy = pending_job(world, "test-counted", state=JobState.RUNNING, attempts=1, started_at=now)
    dead = pending_job(world, "test-counted", state=JobState.RUNNING, attempts=3, started_at=old)
    DocumentJob.objects.filter(pk__in=[lost.pk, stuck.pk, retrying.pk, dead.pk]).update(
        created_at=old
    )

    swept = jobs.jobs_sweep(now=now)

    assert swept == [lost.pk, stuck.pk, retrying.pk]
    assert fresh.pk not in swept and busy.pk not in swept
    dead.refresh_from_db()
    assert dead.state == JobState.FAILED  # no attempt left: it will not come back


def test_the_sweep_task_enqueues_what_it_finds(world, monkeypatch):  # type: ignore[no-untyped-def]
    lost = pending_job(world, "test-counted")
    DocumentJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    sent = []
    monkeypatch.setattr(jobs, "enqueue", sent.append)

    assert sweep_pending_documents() == [lost.pk]
    assert sent == [lost.pk]


def test_the_sweep_is_on_the_beat_schedule(settings):  # type: ignore[no-untyped-def]
    entries = settings.CELERY_BEAT_SCHEDULE.values()
    sweep = [entry for entry in entries if entry["task"] == sweep_pending_documents.name]
    assert sweep and sweep[0]["schedule"] <= 3600


def test_a_render_overtaken_by_a_second_delivery_stores_nothing(world):  # type: ignore[no-untyped-def]
    """Two deliveries of one job at once: only the latest attempt stores its file, so
    the job ends done once, with one file whose SHA-256 is the row's."""
    job = pending_job(world, "test-overtaken")

    jobs.job_run(job.pk)

    job.refresh_from_db()
    assert CALLS[("overtaken", job.pk)] == 2
    assert job.state == JobState.DONE and job.attempts == 2
    content = stored(job)
    assert content == b"%PDF-1.7 render 2"  # the first render's result was dropped
    assert job.sha256 == hashlib.sha256(content).hexdigest()
    folder = Path(job.file.path).parent
    assert [path.name for path in folder.iterdir()] == ["overtaken.pdf"]
