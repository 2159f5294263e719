"""The Celery app and document kinds of the fault-injection tests (tests/test_worker_faults.py).

Nothing in the project imports this module: only those tests do, and the worker
processes they start with ``celery -A tests.fault_worker worker`` (so the worker,
a separate process, knows the kinds too). Production code is untouched.

Kinds:

- ``fault_slow`` sleeps ``params["sleep"]`` seconds, then returns a tiny PDF. It
  appends ``start <pid> <attempt>`` and ``end <pid> <attempt>`` lines to the file
  ``params["trace"]``, so a test knows which process renders (to kill it) and how
  many renders began and finished;
- ``fault_broken`` always raises.

Environment read by the worker (set by the tests, never in production):

- ``FAULT_VISIBILITY_TIMEOUT``: the Redis broker's visibility timeout in seconds
  (production: 3600), with the unacked-message sweep run every second, so the
  message of a worker killed outright comes back within seconds;
- ``FAULT_RETRY_BASE_SECONDS``: the pause before the first retry of a failed
  render (production: 10 s, doubling), so three attempts fit in a few seconds.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery.signals import worker_process_init
from django.http import Http404, HttpRequest

from config.celery import app
from core.documents.registry import RenderedDocument, register_document_kind

__all__ = ["app"]

BROKEN_MESSAGE = "Máy in thử nghiệm bị hỏng (lỗi cố ý)"


def tiny_pdf(job_id: int) -> bytes:
    """A small, valid-enough PDF whose bytes depend on the job."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"% fault-test job " + str(job_id).encode() + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _trace(job, event: str) -> None:  # type: ignore[no-untyped-def]
    trace = (job.params or {}).get("trace")
    if trace:
        with Path(trace).open("a") as handle:
            handle.write(f"{event} {os.getpid()} {job.attempts}\n")


def _slow_render(job) -> RenderedDocument:  # type: ignore[no-untyped-def]
    _trace(job, "start")
    time.sleep(float((job.params or {}).get("sleep", 2)))
    _trace(job, "end")
    return RenderedDocument(pdf=tiny_pdf(job.pk), filename=f"slow-{job.pk}.pdf")


def _broken_render(job) -> RenderedDocument:  # type: ignore[no-untyped-def]
    _trace(job, "start")
    raise RuntimeError(BROKEN_MESSAGE)


def _requester_only(request: HttpRequest, job) -> None:  # type: ignore[no-untyped-def]
    if not (job.requested_by_id and job.requested_by_id == request.user.pk):
        raise Http404


register_document_kind("fault_slow", render=_slow_render, authorize=_requester_only)
register_document_kind(
    "fault_broken", render=_broken_render, authorize=_requester_only, label="Broken document"
)

if os.environ.get("FAULT_VISIBILITY_TIMEOUT"):
    app.conf.broker_transport_options = {
        "visibility_timeout": float(os.environ["FAULT_VISIBILITY_TIMEOUT"]),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }


@worker_process_init.connect
def _short_retry_pause(**_kwargs) -> None:  # type: ignore[no-untyped-def]
    """In each pool process (Django is set up by then)."""
    if os.environ.get("FAULT_RETRY_BASE_SECONDS"):
        import core.tasks

        core.tasks.RETRY_BASE_SECONDS = float(os.environ["FAULT_RETRY_BASE_SECONDS"])
