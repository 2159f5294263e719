"""The job page (progress, polled by htmx) and the download of the finished file."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from core.documents.registry import DocumentKind, document_kind
from core.models import DocumentJob, JobState

# The page asks for its status fragment this often while the job is unfinished.
POLL_SECONDS = 2


def job_for_user(request: HttpRequest, pk: int) -> tuple[DocumentJob, DocumentKind]:
    """The job, if the user may see it: its kind's ``authorize`` decides (404/403)."""
    job = get_object_or_404(DocumentJob.objects.select_related("content_type"), pk=pk)
    try:
        kind = document_kind(job.kind)
    except LookupError:
        raise Http404 from None
    kind.authorize(request, job)
    return job, kind


def _subject(job: DocumentJob) -> str:
    try:
        return str(job.content_type.get_object_for_this_type(pk=job.object_id))
    except (ObjectDoesNotExist, ValueError):
        return ""


# Percentages that Bootstrap has width classes for (w-25, w-75, w-100).
_PROGRESS = {
    JobState.PENDING: 25,
    JobState.RUNNING: 75,
    JobState.DONE: 100,
    JobState.FAILED: 100,
}


@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job, kind = job_for_user(request, pk)
    context = {
        "job": job,
        "kind_label": kind.label or job.kind,
        "progress": _PROGRESS.get(job.state, 0),
        "poll_seconds": POLL_SECONDS,
    }
    if request.headers.get("HX-Request"):
        # The polled fragment: state, attempts, error, and the download when ready.
        return render(request, "core/jobs/detail.html#status", context)
    context["subject"] = _subject(job)
    context["back_url"] = kind.back_url(job) if kind.back_url else ""
    return render(request, "core/jobs/detail.html", context)


@require_GET
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job, _kind = job_for_user(request, pk)
    if job.state != JobState.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=job.filename or f"{job.kind}-{job.pk}.pdf",
        content_type="application/pdf",
    )
