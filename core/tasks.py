"""Celery entry points: load by id and call the service; the job row does the rest."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_process_init

from core.documents import jobs
from core.models import DocumentJob, JobState

logger = logging.getLogger(__name__)


@worker_process_init.connect
def warm_up_renderer(**_kwargs) -> None:  # type: ignore[no-untyped-def]
    """Render one small document when a worker process starts, so the first real
    job does not pay for loading fonts and WeasyPrint's caches (about a second)."""
    from core.documents.registry import example_context
    from core.documents.render import render_pdf

    try:
        render_pdf("documents/example.html", example_context(paragraphs=1, rows=2))
    except Exception:  # a warm-up failure must never stop the worker
        logger.exception("Document renderer warm-up failed")


# Seconds before the next attempt of a failed render: 10 s, 20 s, 40 s … at most 5 min.
RETRY_BASE_SECONDS = 10
RETRY_MAX_SECONDS = 300


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def render_document(self, job_id: int) -> None:  # type: ignore[no-untyped-def]
    try:
        jobs.job_run(job_id)
    except Exception as exc:
        # job_run re-raises only while the row says attempts remain; check anyway,
        # so a poison job stops at max_attempts whatever Celery counts.
        job = DocumentJob.objects.filter(pk=job_id).only("state", "attempts", "max_attempts")
        job = job.first()
        if job is None or job.state != JobState.PENDING or job.attempts >= job.max_attempts:
            raise
        countdown = min(RETRY_BASE_SECONDS * 2 ** (job.attempts - 1), RETRY_MAX_SECONDS)
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task
def sweep_pending_documents() -> list[int]:
    """Re-enqueue jobs left pending or running too long (a lost message, a dead
    worker); the beat schedule runs it every hour."""
    job_ids = jobs.jobs_sweep()
    for job_id in job_ids:
        jobs.enqueue(job_id)
    if job_ids:
        logger.info("Re-enqueued %d stale document jobs: %s", len(job_ids), job_ids)
    return job_ids
