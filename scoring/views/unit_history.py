"""The multi-year view of a unit (issue 6): its clusters, ranks, ballots won and awards
per year, following it back through the units it carries on. HTTP only.

Who sees it: the board of the unit's organizer, the unit's own users, and the users
of any unit that carries it on (a merged commune's years belong to the new commune's
history). Anyone else gets a 404, like another unit's page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path

from clusters.models import Unit
from clusters.permissions import current_organizer
from clusters.roles import board_organizer, profile_of
from scoring.selectors.unit_history import descendant_ids, unit_history


def _viewer_sees_as_board(request: HttpRequest, unit: Unit) -> bool:
    organizer = current_organizer(request)
    if organizer is None or organizer.pk != unit.organizer_id:
        raise Http404
    return bool(request.user.is_superuser or board_organizer(request.user))


def unit_for_history(request: HttpRequest, pk: int) -> tuple[Unit, bool]:
    """The unit and whether the viewer is board staff; 404 for anyone else who is
    neither the unit's own user nor a user of a unit that carries it on."""
    unit = get_object_or_404(Unit.objects.select_related("organizer"), pk=pk)
    if _viewer_sees_as_board(request, unit):
        return unit, True
    profile = profile_of(request.user)
    if profile is None or profile.unit_id is None:
        raise Http404
    if profile.unit_id != unit.pk and profile.unit_id not in descendant_ids(unit):
        raise Http404
    return unit, False


def unit_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    unit, is_board = unit_for_history(request, pk)
    history = unit_history(unit=unit)
    profile = profile_of(request.user)
    own_unit_id = profile.unit_id if profile else None
    # A successor's view is linked only for those who may open it (one query per
    # successor, and a unit has one or two at most).
    successor_links = [
        (
            link,
            is_board or (own_unit_id is not None and own_unit_id in descendant_ids(link.successor)),
        )
        for link in history.successor_links
    ]
    return render(
        request,
        "scoring/unit_history.html",
        {
            "nav": "units" if is_board else "dashboard",
            "unit": unit,
            "history": history,
            "is_board": is_board,
            "successor_links": successor_links,
        },
    )


urlpatterns = [
    path("units/<int:pk>/history/", unit_history_view, name="unit_history"),
]
