"""Scoring periods pages: the year's periods, creating and changing one, the
confirmation before opening, the period with its scorecards, and the board reopening a
late unit. HTTP only: authorize, validate, call one service, redirect."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clusters.models import ClusterYear
from clusters.permissions import cluster_year_for_user
from clusters.roles import Role, can_act_as_head, profile_of
from core.forms import apply_service_errors, error_text
from scoring.forms.periods import PeriodForm, ReopenForm, period_initial
from scoring.models import Period, Scorecard
from scoring.permissions import period_for_user, scorecard_for_user
from scoring.selectors import periods as selectors
from scoring.selectors.verification import sees_every_card
from scoring.services import periods as services


def _can_manage(roles: frozenset[Role], cluster_year: ClusterYear) -> bool:
    """Board staff, or the head unit's people while the year is open."""
    return can_act_as_head(roles, cluster_year)


def chain_words(period: Period) -> list[str]:
    """Who verifies, in words, in the order it happens."""
    year = period.cluster_year
    head = year.head_unit.name if year.head_unit else _("not named yet")
    steps = [_("The cluster head (%(unit)s) verifies every scorecard.") % {"unit": head}]
    if period.deputy_verifies:
        deputy = year.deputy_unit.name if year.deputy_unit else _("not named yet")
        steps.append(
            _(
                "The deputy head (%(unit)s) verifies too, and finalises the head unit's "
                "own scorecard."
            )
            % {"unit": deputy}
        )
    else:
        steps.append(
            _("The deputy head does not verify; the board finalises the head unit's scorecard.")
        )
    if period.cross_scoring:
        steps.append(_("Each scorecard is also cross-scored by another member unit."))
    if period.board_criteria:
        steps.append(
            _("The emulation board appraises these criteria itself: %(codes)s.")
            % {"codes": ", ".join(period.board_criteria)}
        )
    if period.board_finalises:
        steps.append(_("The emulation board confirms the final scores after the head."))
    else:
        steps.append(_("The head's decision is final."))
    return steps


# The year's periods ----------------------------------------------------------------------


def year_periods(request: HttpRequest, pk: int) -> HttpResponse:
    cluster_year, roles = cluster_year_for_user(request, pk, "view")
    periods = selectors.year_periods(cluster_year=cluster_year)
    can_manage = _can_manage(roles, cluster_year) and cluster_year.is_open
    existing = {period.kind for period in periods}
    return render(
        request,
        "scoring/period_year.html",
        {
            "nav": "clusters",
            "cluster_year": cluster_year,
            "cluster": cluster_year.cluster,
            "is_board": Role.BOARD in roles,
            "periods": periods,
            "can_manage": can_manage,
            "missing_kinds": [
                (kind.value, kind.label) for kind in Period.Kind if kind.value not in existing
            ]
            if can_manage
            else [],
        },
    )


def _form_page(
    request: HttpRequest,
    cluster_year: ClusterYear,
    roles: frozenset[Role],
    form: PeriodForm,
    period: Period | None = None,
) -> HttpResponse:
    return render(
        request,
        "scoring/period_form.html",
        {
            "nav": "clusters",
            "cluster_year": cluster_year,
            "cluster": cluster_year.cluster,
            "is_board": Role.BOARD in roles,
            "form": form,
            "period": period,
            "has_rubric": bool(form.fields.get("board_criteria") and form["board_criteria"]),
            "deadline_fields": [
                form[name]
                for name in ("self_deadline", "verification_deadline", "explanation_deadline")
            ],
        },
    )


def period_create(request: HttpRequest, pk: int) -> HttpResponse:
    cluster_year, roles = cluster_year_for_user(request, pk, "head")
    existing = set(Period.objects.filter(cluster_year=cluster_year).values_list("kind", flat=True))
    kinds = [(kind.value, kind.label) for kind in Period.Kind if kind.value not in existing]
    if not kinds:
        messages.info(request, _("This year already has both periods."))
        return redirect("year_periods", cluster_year.pk)
    criteria = selectors.board_choices(cluster_year=cluster_year)
    if request.method != "POST":
        wanted = request.GET.get("kind")
        kind = wanted if wanted in {value for value, _label in kinds} else kinds[-1][0]
        form = PeriodForm(
            kinds=kinds, criteria=criteria, initial=period_initial(kind, cluster_year.year)
        )
        return _form_page(request, cluster_year, roles, form)
    form = PeriodForm(request.POST, kinds=kinds, criteria=criteria)
    if form.is_valid():
        try:
            period = services.period_create(
                actor=request.user,
                cluster_year=cluster_year,
                kind=form.cleaned_data["kind"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The period was created. Check it, then open scoring when the table is ready."),
            )
            return redirect("period_detail", period.pk)
    return _form_page(request, cluster_year, roles, form)


def period_edit(request: HttpRequest, pk: int) -> HttpResponse:
    period, roles = period_for_user(request, pk, "manage")
    if period.state == Period.State.CLOSED:
        messages.error(request, _("This period is closed: nothing in it can change any more."))
        return redirect("period_detail", period.pk)
    criteria = selectors.board_choices(cluster_year=period.cluster_year)
    initial = {name: getattr(period, name) for name in services.SETTINGS_FIELDS}
    form = PeriodForm(request.POST or None, period=period, criteria=criteria, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.period_update(actor=request.user, period=period, **form.service_fields())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The period was saved."))
            return redirect("period_detail", period.pk)
    return _form_page(request, period.cluster_year, roles, form, period)


@require_POST
def period_delete(request: HttpRequest, pk: int) -> HttpResponse:
    period, _roles = period_for_user(request, pk, "manage")
    year_pk = period.cluster_year_id
    try:
        services.period_delete(actor=request.user, period=period)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("period_detail", period.pk)
    messages.success(request, _("The period was deleted."))
    return redirect("year_periods", year_pk)


def period_open(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what opening will do (units, rubric version, freezing), and what stops it.
    POST: open."""
    period, roles = period_for_user(request, pk, "manage")
    if period.state != Period.State.DRAFT:
        messages.info(request, _("Scoring is already open in this period."))
        return redirect("period_detail", period.pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.period_open(actor=request.user, period=period)
        except ValidationError as exc:
            errors = list(exc.messages)
        else:
            messages.success(
                request,
                _("Scoring is open: every member unit has its scorecard and has been told."),
            )
            return redirect("period_detail", period.pk)
    preview = selectors.open_preview(period=period)
    return render(
        request,
        "scoring/period_open.html",
        {
            "nav": "clusters",
            "period": period,
            "cluster_year": period.cluster_year,
            "cluster": period.cluster_year.cluster,
            "is_board": Role.BOARD in roles,
            "preview": preview,
            "errors": errors,
            "deadlines": selectors.deadlines(period),
        },
    )


# The period ------------------------------------------------------------------------------


def period_detail(request: HttpRequest, pk: int) -> HttpResponse:
    period, roles = period_for_user(request, pk, "view")
    year = period.cluster_year
    # Before results are published only the board and the verifying head or deputy see
    # every unit (a rotated head or a non-verifying deputy is a member like the others).
    sees_all = sees_every_card(user=request.user, period=period, roles=roles)
    profile = profile_of(request.user)
    unit_id = profile.unit_id if profile else None
    rows: list[Any] = []
    own_rows: list[Any] = []
    assigned_rows: list[Any] = []
    if period.state != Period.State.DRAFT:
        if sees_all:
            rows = selectors.scorecard_rows(period=period)
            own_rows = [row for row in rows if row.card.unit_id == unit_id]
        elif unit_id is not None:
            assigned = (
                selectors.assigned_unit_ids(period=period, reviewer_unit_id=unit_id)
                if period.cross_scoring
                else []
            )
            found = selectors.scorecard_rows(period=period, unit_ids=[unit_id, *assigned])
            own_rows = [row for row in found if row.card.unit_id == unit_id]
            assigned_rows = [row for row in found if row.card.unit_id != unit_id]
    can_manage = _can_manage(roles, year)
    return render(
        request,
        "scoring/period_detail.html",
        {
            "nav": "clusters",
            "period": period,
            "cluster_year": year,
            "cluster": year.cluster,
            "is_board": Role.BOARD in roles,
            "can_manage": can_manage and period.state != Period.State.CLOSED,
            "can_open": can_manage and period.state == Period.State.DRAFT,
            "can_delete": can_manage and period.state == Period.State.DRAFT,
            "sees_all": sees_all,
            "rows": rows,
            "own_rows": own_rows,
            "assigned_rows": assigned_rows,
            "deadlines": selectors.deadlines(period),
            "chain": chain_words(period),
            "now": timezone.now(),
            "reopenable": {Scorecard.State.DRAFT, Scorecard.State.RETURNED},
        },
    )


# Reopening a late unit ---------------------------------------------------------------------


def scorecard_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    access = scorecard_for_user(request, pk, "board")
    card = access.scorecard
    if not access.is_board:  # scorecard_for_user already refused; kept explicit
        raise PermissionDenied
    # Three days from now, or from the deadline when it is still ahead.
    start = max(timezone.now(), card.period.self_deadline)
    soon = timezone.localtime(start).replace(second=0, microsecond=0) + dt.timedelta(days=3)
    form = ReopenForm(request.POST or None, initial={"until": soon})
    if request.method == "POST" and form.is_valid():
        try:
            services.scorecard_reopen(
                actor=request.user,
                scorecard=card,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(unit)s may score again until the time you set; its people have been told.")
                % {"unit": card.unit.name},
            )
            return redirect("period_detail", card.period_id)
    return render(
        request,
        "scoring/period_reopen.html",
        {
            "nav": "clusters",
            "card": card,
            "period": card.period,
            "cluster_year": card.period.cluster_year,
            "cluster": card.period.cluster_year.cluster,
            "is_board": True,
            "form": form,
            "deadline": card.period.self_deadline,
            "deadline_passed": card.period.self_deadline <= timezone.now(),
            "reopenable": card.state in {Scorecard.State.DRAFT, Scorecard.State.RETURNED}
            and card.period.state == Period.State.OPEN,
        },
    )


urlpatterns = [
    path("years/<int:pk>/scoring/", year_periods, name="year_periods"),
    path("years/<int:pk>/scoring/new/", period_create, name="period_create"),
    path("scoring/periods/<int:pk>/", period_detail, name="period_detail"),
    path("scoring/periods/<int:pk>/edit/", period_edit, name="period_edit"),
    path("scoring/periods/<int:pk>/open/", period_open, name="period_open"),
    path("scoring/periods/<int:pk>/delete/", period_delete, name="period_delete"),
    path("scoring/scorecards/<int:pk>/reopen/", scorecard_reopen, name="scorecard_reopen"),
]
