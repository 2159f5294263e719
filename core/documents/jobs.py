"""Document jobs: ask for a document, produce it in the background, find the latest.

The ``DocumentJob`` row is the truth. ``job_request`` creates it and, once the
transaction commits, hands it to the runner of ``settings.JOB_RUNNER``:

- ``celery``: a worker runs ``core.tasks.render_document``; if the broker cannot be
  reached the job runs in a thread instead, so nothing is lost;
- ``thread``: a daemon thread of the web process (the embedded demo, no Redis);
- ``inline``: right away, in the caller (tests), retrying until it settles.

``job_run`` is idempotent and counts attempts on the row, so a redelivered or
re-enqueued message is harmless and a job that keeps failing stops at
``max_attempts`` with its error for the user to see.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import threading
import time
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.db import connections, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import get_valid_filename

from core.audit import log_action
from core.documents.registry import RenderedDocument, document_kind
from core.models import DocumentJob, JobState
from core.text import fold

logger = logging.getLogger(__name__)

# Printed on documents and typed by people: no 0/O, 1/I/L look-alikes.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
ERROR_MAX_CHARS = 4000
# The sweep re-enqueues jobs left pending or running longer than this.
STALE_AFTER = dt.timedelta(minutes=10)


def new_verification_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not DocumentJob.objects.filter(verification_code=code).exists():
            return code


def job_request(
    *,
    actor: Any,
    kind: str,
    obj: models.Model,
    scope_id: int | None,
    params: dict | None = None,
    max_attempts: int = 3,
) -> DocumentJob:
    """Create the job for a document about ``obj`` and run it once committed."""
    document_kind(kind)  # an unknown kind is a programming error: fail here, not in a worker
    with transaction.atomic():
        job = DocumentJob.objects.create(
            kind=kind,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            scope_id=scope_id,
            params=params or {},
            max_attempts=max(1, max_attempts),
            requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            verification_code=new_verification_code(),
        )
        log_action(
            actor=actor,
            action="core.document.requested",
            obj=obj,
            scope_id=scope_id,
            data={"job_id": job.pk, "kind": kind, "verification_code": job.verification_code},
        )
        if settings.JOB_RUNNER != "inline":
            # A worker or thread must not look for the row before it is committed.
            transaction.on_commit(lambda: dispatch(job.pk))
    if settings.JOB_RUNNER == "inline":
        # Tests: now, even inside the caller's (or the test's) transaction, so the
        # file exists when job_request returns.
        run_until_settled(job.pk)
        job.refresh_from_db()
    return job


def dispatch(job_id: int) -> None:
    """Hand the job to the configured runner."""
    runner = settings.JOB_RUNNER
    if runner == "inline":
        run_until_settled(job_id)
    elif runner == "thread":
        start_thread(job_id)
    else:
        enqueue(job_id)


def enqueue(job_id: int) -> None:
    """Send the job to the Celery worker; without a broker, run it in a thread."""
    from core.tasks import render_document

    try:
        # Celery itself takes seconds to give up on a dead broker (it retries the
        # connection); a one-second ping keeps the request that asked quick.
        _ping_broker()
        render_document.apply_async(args=(job_id,), retry=False)
    except Exception as exc:  # noqa: BLE001 - any broker failure: fall back, lose nothing
        logger.warning("Broker unreachable (%s); document job %s runs in a thread.", exc, job_id)
        start_thread(job_id)


def _ping_broker() -> None:
    import redis

    client = redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1
    )
    try:
        client.ping()
    finally:
        client.close()


def start_thread(job_id: int) -> threading.Thread:
    thread = threading.Thread(
        target=_run_in_thread, args=(job_id,), name=f"document-job-{job_id}", daemon=True
    )
    thread.start()
    return thread


def _run_in_thread(job_id: int) -> None:
    try:
        run_until_settled(job_id, pause=1.0)
    finally:
        connections.close_all()  # this thread's connections only


def run_until_settled(job_id: int, *, pause: float = 0.0) -> None:
    """Run the job, attempt after attempt, until it is done or has failed for good.

    Every failing render counts an attempt, and ``job_run`` stops raising once they
    are used up; the loop is bounded all the same, should the database itself fail.
    """
    max_attempts = (
        DocumentJob.objects.filter(pk=job_id).values_list("max_attempts", flat=True).first()
    )
    for _ in range((max_attempts or 0) + 1):
        try:
            job_run(job_id)
            return
        except Exception:  # the error is on the row: try again
            logger.info("Document job %s failed; trying again.", job_id, exc_info=True)
            if pause:
                time.sleep(pause)


def job_run(job_id: int) -> None:
    """Produce the job's document. Idempotent: a finished job is left alone.

    Claims the job under a row lock (attempts + 1, running), renders outside the
    transaction, then — only if no later delivery has claimed it since — stores the
    file at documents/<kind>/<job id>/<filename> (a re-run overwrites it: one file)
    with its SHA-256, under the row lock. On error the text is kept
    and the job goes back to pending and the error is re-raised while attempts
    remain; on the last attempt it is failed and nothing is raised.
    """
    job = _claim(job_id)
    if job is None:
        return
    attempt = job.attempts
    started = time.monotonic()
    try:
        rendered = document_kind(job.kind).render(job)
        pdf = _signed(rendered)
        filename = _safe_filename(rendered.filename, job)
    except Exception as exc:
        if _record_failure(job_id, attempt, exc, time.monotonic() - started):
            raise
        logger.warning("Document job %s failed for good: %s", job_id, exc, exc_info=True)
        return
    with transaction.atomic():
        job = DocumentJob.objects.select_for_update().get(pk=job_id)
        if job.state != JobState.RUNNING or job.attempts != attempt:
            # Another delivery claimed the job after this one (a redelivered or
            # re-swept message while this render was still going): only the latest
            # attempt stores its file, so there is one file and its SHA-256 matches.
            logger.info("Document job %s: attempt %s superseded, result dropped.", job_id, attempt)
            return
        # Stored under the row lock, so a superseded render cannot overwrite it later.
        name = _store(job, filename, pdf)
        job.file.name = name
        job.filename = filename
        job.sha256 = hashlib.sha256(pdf).hexdigest()
        job.size = len(pdf)
        job.render_seconds = round(time.monotonic() - started, 3)
        job.finished_at = timezone.now()
        job.state = JobState.DONE
        job.error = ""
        job.save(
            update_fields=[
                "file",
                "filename",
                "sha256",
                "size",
                "render_seconds",
                "finished_at",
                "state",
                "error",
            ]
        )


def _claim(job_id: int) -> DocumentJob | None:
    with transaction.atomic():
        job = DocumentJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            logger.warning("Document job %s does not exist.", job_id)
            return None
        if job.state in (JobState.DONE, JobState.FAILED):
            return None
        if job.attempts >= job.max_attempts:
            # Its last attempt died with the worker: stop here (a poison job).
            job.state = JobState.FAILED
            job.error = job.error or "The job stopped after its last attempt."
            job.finished_at = timezone.now()
            job.save(update_fields=["state", "error", "finished_at"])
            return None
        job.attempts += 1
        job.state = JobState.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["attempts", "state", "started_at"])
        return job


def _signed(rendered: RenderedDocument) -> bytes:
    if rendered.sign_for_organizer_id is None:
        return rendered.pdf
    from core.documents.signing import sign_pdf

    return sign_pdf(
        rendered.pdf,
        organizer_id=rendered.sign_for_organizer_id,
        signers=rendered.signers,
        reason=rendered.signature_reason,
        location=rendered.signature_location,
    )


def _safe_filename(filename: str, job: DocumentJob) -> str:
    """An ASCII file name without a path ("giao ước.pdf" → "giao_uoc.pdf"); the kind
    and id when nothing is left."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1] if filename else ""
    try:
        name = get_valid_filename(fold(base)).encode("ascii", "ignore").decode()
    except SuspiciousFileOperation:  # nothing usable was left
        name = ""
    if not name or name.startswith("."):
        name = f"{job.kind}-{job.pk}.pdf"
    return name[:150]


def _store(job: DocumentJob, filename: str, pdf: bytes) -> str:
    """Write the file at its deterministic path, replacing an earlier one."""
    storage = job.file.storage
    name = f"documents/{job.kind}/{job.pk}/{filename}"
    if job.file.name and job.file.name != name and storage.exists(job.file.name):
        storage.delete(job.file.name)
    if storage.exists(name):
        storage.delete(name)
    return storage.save(name, ContentFile(pdf))


def _record_failure(job_id: int, attempt: int, exc: Exception, seconds: float) -> bool:
    """Keep the error on the row; True when another attempt will follow. A superseded
    attempt (another delivery claimed the job since) changes nothing."""
    with transaction.atomic():
        job = DocumentJob.objects.select_for_update().get(pk=job_id)
        if job.state != JobState.RUNNING or job.attempts != attempt:
            return False
        retry = job.attempts < job.max_attempts
        job.error = f"{exc.__class__.__name__}: {exc}"[:ERROR_MAX_CHARS]
        job.render_seconds = round(seconds, 3)
        job.state = JobState.PENDING if retry else JobState.FAILED
        job.finished_at = None if retry else timezone.now()
        job.save(update_fields=["error", "render_seconds", "state", "finished_at"])
    return retry


def jobs_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """Jobs pending or running for more than ``STALE_AFTER``: their queue message
    was lost or their worker died. Those with attempts left are returned, to be
    enqueued again; a running one whose last attempt died is marked failed."""
    cutoff = (now or timezone.now()) - STALE_AFTER
    stale = Q(state=JobState.PENDING, created_at__lt=cutoff) & (
        Q(started_at__isnull=True) | Q(started_at__lt=cutoff)
    ) | Q(state=JobState.RUNNING, started_at__lt=cutoff)
    with transaction.atomic():
        abandoned = DocumentJob.objects.select_for_update().filter(
            stale, attempts__gte=models.F("max_attempts")
        )
        for job in abandoned:
            job.state = JobState.FAILED
            job.error = job.error or "The job stopped after its last attempt."
            job.finished_at = timezone.now()
            job.save(update_fields=["state", "error", "finished_at"])
    return list(
        DocumentJob.objects.filter(stale, attempts__lt=models.F("max_attempts"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def latest_job(*, obj: models.Model, kind: str) -> DocumentJob | None:
    """The most recent job of ``kind`` about ``obj`` (selector)."""
    return (
        DocumentJob.objects.filter(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            kind=kind,
        )
        .order_by("-created_at", "-id")
        .first()
    )
