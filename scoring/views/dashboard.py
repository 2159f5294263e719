"""The board's year dashboard (issue 6): every cluster of the organizer for one year,
its phase and what is overdue, with links to act. Board staff of the current
organizer only; everyone else gets 403 (as every board page), anonymous users the login.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from clusters.permissions import board_for
from scoring.selectors.dashboard import default_year, year_dashboard

# Years a cluster year can have (a date past 9999 cannot even be built).
FIRST_YEAR, LAST_YEAR = 1990, 2100


def dashboard_year(request: HttpRequest, year: int) -> HttpResponse:
    organizer = board_for(request)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    board = year_dashboard(organizer=organizer, year=year)
    return render(
        request,
        "scoring/dashboard_year.html",
        {
            "nav": "dashboard",
            "organizer": organizer,
            "board": board,
            "totals": board.totals,
        },
    )


def dashboard_this_year(request: HttpRequest) -> HttpResponse:
    organizer = board_for(request)
    year = request.GET.get("year", "")
    if year.isdigit() and FIRST_YEAR <= int(year) <= LAST_YEAR:
        return redirect("year_dashboard", year=int(year))
    return redirect(
        "year_dashboard", year=default_year(organizer=organizer, today=timezone.localdate())
    )


urlpatterns = [
    path("board/years/", dashboard_this_year, name="year_dashboard_current"),
    path("board/years/<int:year>/", dashboard_year, name="year_dashboard"),
]
