"""The year-end deliberation meeting (họp bình xét) of a period: the record, the form
to write it (head of an open year or board) and its minutes as a PDF of the document
engine. HTTP only: authorize, validate, call one service, redirect.

Who sees the record and its minutes: whoever sees every unit's results (board, head,
a verifying deputy, every member once the ranking is published); other members get a
404 like for the ranking."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clusters.models import Unit
from clusters.roles import Role, can_act_as_head
from core.documents.jobs import job_request, latest_job
from core.forms import apply_service_errors
from scoring.documents_deliberations import KIND
from scoring.forms.deliberations import DeliberationForm
from scoring.models import Ballot, Deliberation, Period
from scoring.permissions import period_for_user
from scoring.selectors.verification import sees_every_card
from scoring.services.deliberations import deliberation_save


def _year_end(period: Period) -> None:
    if period.kind != Period.Kind.YEAR_END or period.state == Period.State.DRAFT:
        raise Http404


def deliberation_seen(request: HttpRequest, pk: int) -> tuple[Period, frozenset[Role]]:
    """The year-end period whose meeting the user may see (see the module docstring)."""
    period, roles = period_for_user(request, pk, "view")
    _year_end(period)
    if not sees_every_card(user=request.user, period=period, roles=roles):
        raise Http404
    return period, roles


def _meeting(period: Period) -> Deliberation | None:
    return Deliberation.objects.filter(period=period).prefetch_related("attendees").first()


def _context(period: Period, roles: frozenset[Role], **extra: Any) -> dict[str, Any]:
    year = period.cluster_year
    return {
        "nav": "clusters",
        "period": period,
        "cluster_year": year,
        "cluster": year.cluster,
        "is_board": Role.BOARD in roles,
        "can_edit": can_act_as_head(roles, year) and year.is_open,
        **extra,
    }


def deliberation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    period, roles = deliberation_seen(request, pk)
    meeting = _meeting(period)
    members = list(Unit.objects.filter(memberships__cluster_year=period.cluster_year_id))
    present = {unit.pk for unit in meeting.attendees.all()} if meeting else set()
    members.sort(key=lambda unit: unit.sort_key)
    return render(
        request,
        "scoring/deliberation_detail.html",
        _context(
            period,
            roles,
            meeting=meeting,
            present=[unit for unit in members if unit.pk in present],
            absent=[unit for unit in members if unit.pk not in present],
            ballots=Ballot.objects.filter(cluster_year=period.cluster_year).order_by(
                "purpose", "round", "pk"
            ),
            job=latest_job(obj=period, kind=KIND) if meeting else None,
        ),
    )


def _initial(period: Period, meeting: Deliberation | None) -> dict[str, Any]:
    year = period.cluster_year
    if meeting is not None:
        return {
            "held_at": timezone.localtime(meeting.held_at),
            "ended_at": timezone.localtime(meeting.ended_at) if meeting.ended_at else None,
            "place": meeting.place,
            "chaired_by": meeting.chaired_by,
            "secretary": meeting.secretary,
            "attendees": [unit.pk for unit in meeting.attendees.all()],
            "guests": meeting.guests,
            "proceedings": meeting.proceedings,
            "conclusions": meeting.conclusions,
        }
    return {
        "held_at": timezone.localtime().replace(second=0, microsecond=0),
        "place": year.head_unit.name if year.head_unit else "",
        # Every member unit present unless unticked.
        "attendees": list(
            Unit.objects.filter(memberships__cluster_year=year).values_list("pk", flat=True)
        ),
    }


def deliberation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    period, roles = period_for_user(request, pk, "manage")
    _year_end(period)
    if not period.cluster_year.is_open:
        raise PermissionDenied
    meeting = _meeting(period)
    year = period.cluster_year
    if request.method != "POST":
        form = DeliberationForm(cluster_year=year, initial=_initial(period, meeting))
    else:
        form = DeliberationForm(request.POST, cluster_year=year)
        if form.is_valid():
            try:
                deliberation_save(actor=request.user, period=period, **form.service_fields())
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The deliberation meeting is recorded."))
                return redirect("deliberation_detail", period.pk)
    return render(
        request,
        "scoring/deliberation_form.html",
        _context(period, roles, form=form, meeting=meeting),
    )


@require_http_methods(["GET", "POST"])
def deliberation_minutes_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """POST asks the engine for the minutes; GET goes to the latest job."""
    period, _roles = deliberation_seen(request, pk)
    if not Deliberation.objects.filter(period=period).exists():
        if request.method == "POST":
            raise PermissionDenied
        raise Http404
    if request.method == "GET":
        existing = latest_job(obj=period, kind=KIND)
        if existing is None:
            return redirect("deliberation_detail", period.pk)
        return redirect("job_detail", existing.pk)
    job = job_request(
        actor=request.user,
        kind=KIND,
        obj=period,
        scope_id=period.cluster_year.cluster.organizer_id,
    )
    return redirect("job_detail", job.pk)


urlpatterns = [
    path("scoring/periods/<int:pk>/deliberation/", deliberation_detail, name="deliberation_detail"),
    path(
        "scoring/periods/<int:pk>/deliberation/edit/",
        deliberation_edit,
        name="deliberation_edit",
    ),
    path(
        "scoring/periods/<int:pk>/deliberation/minutes.pdf",
        deliberation_minutes_pdf,
        name="deliberation_minutes_pdf",
    ),
]
