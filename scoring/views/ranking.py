"""Ranking pages (issue 6): the period's ranking with its chart and tie explanations, one
unit against the cluster average, the tie-break setting and publishing the results.
HTTP only: authorize, validate, call one service, redirect.

Before publication only those who see every scorecard (board, the verifying head and
deputy) see the ranking; a member unit gets a 404, as for another unit's scorecard."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from clusters.roles import Role, can_act_as_head
from core.forms import apply_service_errors, error_text
from scoring.models import Nominee, Period
from scoring.permissions import period_for_user
from scoring.selectors import ranking as selectors
from scoring.selectors.verification import sees_every_card
from scoring.services import ranking as services

TIE_BREAK_CHOICES = [
    ("first_section,fewer_deductions", gettext_lazy("First section, then fewer deductions")),
    ("fewer_deductions,first_section", gettext_lazy("Fewer deductions, then first section")),
    ("first_section", gettext_lazy("First section only")),
    ("fewer_deductions", gettext_lazy("Fewer deductions only")),
    ("vote", gettext_lazy("No rule: the vote decides")),
]


class TieBreakForm(forms.Form):
    order = forms.ChoiceField(label=gettext_lazy("Tie-break order"), choices=TIE_BREAK_CHOICES)


class PublishForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("Every member unit will see the ranking and every unit's final scores.")
    )


def _period_seen(request: HttpRequest, pk: int) -> tuple[Period, frozenset[Role]]:
    period, roles = period_for_user(request, pk, "view")
    if not sees_every_card(user=request.user, period=period, roles=roles):
        raise Http404
    if period.state == Period.State.DRAFT:
        raise Http404
    return period, roles


def _context(period: Period, roles: frozenset[Role], **extra: Any) -> dict[str, Any]:
    year = period.cluster_year
    can_head = can_act_as_head(roles, year)
    return {
        "nav": "clusters",
        "period": period,
        "cluster_year": year,
        "cluster": year.cluster,
        "is_board": Role.BOARD in roles,
        "can_publish": can_head and period.published_at is None,
        **extra,
    }


def _order_value(ranking: selectors.Ranking) -> str:
    return ",".join(ranking.tie_breaks) or "vote"


def period_ranking(request: HttpRequest, pk: int) -> HttpResponse:
    period, roles = _period_seen(request, pk)
    ranking = selectors.period_ranking(period=period)
    chart = selectors.totals_chart(ranking, _("Bonus"))
    return render(
        request,
        "scoring/ranking_period.html",
        _context(
            period,
            roles,
            ranking=ranking,
            chart=chart,
            tie_form=TieBreakForm(initial={"order": _order_value(ranking)}),
            own_unit_nominated=_own_unit_nominated(request, period),
        ),
    )


def _own_unit_nominated(request: HttpRequest, period: Period) -> bool:
    """The user's unit is proposed in the period's nomination: its officers upload the
    achievement report on the nomination page, so the ranking page links to it."""
    unit_id = getattr(getattr(request.user, "profile", None), "unit_id", None)
    return (
        bool(unit_id)
        and Nominee.objects.filter(nomination__period=period, unit_id=unit_id).exists()
    )


def period_ranking_unit(request: HttpRequest, pk: int, card_pk: int) -> HttpResponse:
    period, roles = _period_seen(request, pk)
    ranking = selectors.period_ranking(period=period)
    line = ranking.line_for(card_pk)
    if line is None:
        raise Http404
    chart = selectors.unit_chart(ranking, line, line.card.unit.name, _("Cluster average"))
    return render(
        request,
        "scoring/ranking_unit.html",
        _context(period, roles, ranking=ranking, line=line, chart=chart),
    )


@require_POST
def period_tie_breaks(request: HttpRequest, pk: int) -> HttpResponse:
    period, _roles = period_for_user(request, pk, "manage")
    form = TieBreakForm(request.POST)
    if form.is_valid():
        try:
            services.period_set_tie_breaks(
                actor=request.user, period=period, tie_breaks=form.cleaned_data["order"].split(",")
            )
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("The tie-break order is saved."))
    else:
        messages.error(request, _("Choose a tie-break order."))
    return redirect("period_ranking", pk=period.pk)


def period_publish(request: HttpRequest, pk: int) -> HttpResponse:
    period, roles = period_for_user(request, pk, "manage")
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.period_publish(actor=request.user, period=period)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The results are published to every member unit."))
            return redirect("period_ranking", pk=period.pk)
    ranking = selectors.period_ranking(period=period)
    return render(
        request,
        "scoring/ranking_publish.html",
        _context(period, roles, ranking=ranking, form=form),
    )


urlpatterns = [
    path("scoring/periods/<int:pk>/ranking/", period_ranking, name="period_ranking"),
    path(
        "scoring/periods/<int:pk>/ranking/<int:card_pk>/",
        period_ranking_unit,
        name="period_ranking_unit",
    ),
    path(
        "scoring/periods/<int:pk>/ranking/tie-breaks/",
        period_tie_breaks,
        name="period_tie_breaks",
    ),
    path("scoring/periods/<int:pk>/ranking/publish/", period_publish, name="period_publish"),
]
