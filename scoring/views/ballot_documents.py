"""The PDF minutes of a closed secret ballot: POST asks the document engine for them
and goes to the job page; GET goes to the latest job (or back to the result). HTTP only."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_http_methods

from core.documents.jobs import job_request, latest_job
from scoring.documents_ballots import KIND
from scoring.models import Ballot
from scoring.permissions import ballot_for_user


@require_http_methods(["GET", "POST"])
def ballot_minutes_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for the ballot-count minutes of a closed ballot (members of the year, board)."""
    ballot, _roles = ballot_for_user(request, pk, "view")
    if ballot.state != Ballot.State.CLOSED:
        if request.method == "POST":
            raise PermissionDenied
        raise Http404
    if request.method == "GET":
        existing = latest_job(obj=ballot, kind=KIND)
        if existing is None:
            return redirect("ballot_result", ballot.pk)
        return redirect("job_detail", existing.pk)
    job = job_request(
        actor=request.user,
        kind=KIND,
        obj=ballot,
        scope_id=ballot.cluster_year.cluster.organizer_id,
    )
    return redirect("job_detail", job.pk)


urlpatterns = [
    path("scoring/ballots/<int:pk>/minutes.pdf", ballot_minutes_pdf, name="ballot_minutes_pdf"),
]
