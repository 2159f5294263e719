"""Cluster years: set up a year with its members, head, deputy and naming decision;
edit it, change members, serve the decision file, rotate the head, close and reopen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from clusters import services
from clusters.forms.clusters import (
    CONTENT_TYPES,
    ClusterYearCreateForm,
    ClusterYearEditForm,
    ClusterYearMembersForm,
    ClusterYearStatusForm,
    ClusterYearThemeForm,
    RotationPreviewForm,
)
from clusters.models import Cluster, ClusterYear
from clusters.permissions import cluster_for_user, cluster_year_for_user
from clusters.roles import Role, can_act_as_head, profile_of
from clusters.selectors import clusters as selectors
from core.forms import apply_service_errors, error_text

ROLE_LABELS = {
    Role.BOARD: gettext_lazy("emulation board staff"),
    Role.HEAD: gettext_lazy("cluster head"),
    Role.DEPUTY: gettext_lazy("deputy head"),
    Role.MEMBER_OFFICER: gettext_lazy("officer of a member unit"),
    Role.MEMBER_LEADER: gettext_lazy("leader of a member unit"),
}
ROLE_ORDER = [Role.BOARD, Role.HEAD, Role.DEPUTY, Role.MEMBER_LEADER, Role.MEMBER_OFFICER]
ELECTION_NO_ROTATION = gettext_lazy(
    "This cluster elects its head: name next year's head on that year's page."
)
YEAR_FIELDS = [
    "theme",
    "head_unit",
    "deputy_unit",
    "head_selection",
    "decision_number",
    "decision_date",
    "decision_signer",
]


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _list_year(source: QueryDict, default: int) -> int:
    """The year whose units the picker offers: the one typed, if it is a year."""
    year = _int_or_none(source.get("year"))
    return year if year is not None and 2000 <= year <= 2100 else default


def _create_initial(
    query: QueryDict, cluster: Cluster, year: int
) -> tuple[dict[str, Any], dict[int, Any]]:
    """Initial values of the year form: from the query string when the page reloads
    the picker for another year (or comes from the rotation page), else the latest
    year's members in their order, as the usual starting point."""
    latest = selectors.latest_year(cluster=cluster)
    initial: dict[str, Any] = {"year": year}
    if latest is not None:
        initial["head_selection"] = latest.head_selection
    for name in ("head_unit", "deputy_unit", "head_selection", "theme"):
        if query.get(name):
            initial[name] = query[name]
    if "picker" in query or "members" in query:
        members = [pk for pk in (_int_or_none(v) for v in query.getlist("members")) if pk]
        orders = {
            pk: value
            for key, value in query.items()
            if key.startswith("order_") and (pk := _int_or_none(key[6:])) is not None
        }
        initial["members"] = members
        return initial, orders
    if latest is not None:
        memberships = selectors.year_members(cluster_year=latest)
        valid = [m for m in memberships if m.unit.is_valid_in_year(year)]
        initial["members"] = [m.unit_id for m in valid]
        return initial, {m.unit_id: position for position, m in enumerate(valid, start=1)}
    return initial, {}


def cluster_year_create(request: HttpRequest, pk: int) -> HttpResponse:
    cluster = cluster_for_user(request, pk, "edit")
    organizer = cluster.organizer
    default_year = selectors.next_year_number(cluster=cluster, today=timezone.localdate())
    source = request.POST if request.method == "POST" else request.GET
    list_year = _list_year(source, default_year)
    form_kwargs = {
        "organizer": organizer,
        "list_year": list_year,
        "offered": selectors.units_valid_in_year(organizer=organizer, year=list_year),
        "refresh_url": reverse("cluster_year_create", args=[cluster.pk]),
    }
    if request.method == "POST":
        form = ClusterYearCreateForm(request.POST, request.FILES, **form_kwargs)
        if form.is_valid():
            try:
                cluster_year = services.cluster_year_create(
                    actor=request.user,
                    cluster=cluster,
                    year=form.cleaned_data["year"],
                    members=form.ordered_members,
                    **form.year_fields(),
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request, _("The year %(year)s was set up.") % {"year": cluster_year.year}
                )
                return redirect("cluster_year_detail", cluster_year.pk)
    else:
        initial, orders = _create_initial(request.GET, cluster, list_year)
        form = ClusterYearCreateForm(initial=initial, initial_orders=orders, **form_kwargs)
    return render(
        request,
        "clusters/clusters/year_create.html",
        {"nav": "clusters", "cluster": cluster, "form": form, "list_year": list_year},
    )


# A year -------------------------------------------------------------------------


def _roles_text(roles: frozenset[Role]) -> list[str]:
    return [str(ROLE_LABELS[role]) for role in ROLE_ORDER if role in roles]


def _detail_context(
    request: HttpRequest,
    cluster_year: ClusterYear,
    roles: frozenset[Role],
    status_form: ClusterYearStatusForm | None,
) -> dict[str, Any]:
    is_board = Role.BOARD in roles
    profile = profile_of(request.user)
    unit_id = None if is_board or profile is None else profile.unit_id
    if status_form is None and is_board:
        target = ClusterYear.Status.CLOSED if cluster_year.is_open else ClusterYear.Status.OPEN
        status_form = ClusterYearStatusForm(initial={"status": target})
    return {
        "nav": "clusters",
        "cluster_year": cluster_year,
        "cluster": cluster_year.cluster,
        "members": selectors.year_members(cluster_year=cluster_year),
        "roles": _roles_text(roles),
        "is_board": is_board,
        "can_edit_theme": can_act_as_head(roles, cluster_year) and cluster_year.is_open,
        "status_form": status_form,
        "other_years": selectors.sibling_years(cluster_year=cluster_year, unit_id=unit_id),
    }


def cluster_year_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cluster_year, roles = cluster_year_for_user(request, pk, "view")
    return render(
        request,
        "clusters/clusters/year_detail.html",
        _detail_context(request, cluster_year, roles, None),
    )


def cluster_year_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cluster_year, _roles = cluster_year_for_user(request, pk, "edit")
    initial = {name: getattr(cluster_year, name) for name in YEAR_FIELDS}
    form = ClusterYearEditForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        organizer=cluster_year.cluster.organizer,
        year=cluster_year.year,
        has_file=bool(cluster_year.decision_file),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.cluster_year_update(
                actor=request.user, cluster_year=cluster_year, **form.year_fields()
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("The year %(year)s was saved.") % {"year": cluster_year.year}
            )
            return redirect("cluster_year_detail", cluster_year.pk)
    return render(
        request,
        "clusters/clusters/year_edit.html",
        {
            "nav": "clusters",
            "cluster_year": cluster_year,
            "form": form,
            "decision_file_name": Path(cluster_year.decision_file.name or "").name,
        },
    )


def cluster_year_theme(request: HttpRequest, pk: int) -> HttpResponse:
    cluster_year, roles = cluster_year_for_user(request, pk, "head")
    form = ClusterYearThemeForm(request.POST or None, initial={"theme": cluster_year.theme})
    if request.method == "POST" and form.is_valid():
        try:
            services.cluster_year_update(
                actor=request.user, cluster_year=cluster_year, theme=form.cleaned_data["theme"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The theme of the year was saved."))
            return redirect("cluster_year_detail", cluster_year.pk)
    return render(
        request,
        "clusters/clusters/year_theme.html",
        {
            "nav": "clusters",
            "cluster_year": cluster_year,
            "form": form,
            "is_board": Role.BOARD in roles,
        },
    )


def cluster_year_members(request: HttpRequest, pk: int) -> HttpResponse:
    cluster_year, _roles = cluster_year_for_user(request, pk, "edit")
    organizer = cluster_year.cluster.organizer
    memberships = selectors.year_members(cluster_year=cluster_year)
    form = ClusterYearMembersForm(
        request.POST or None,
        initial={"members": [m.unit_id for m in memberships]},
        initial_orders={m.unit_id: m.order for m in memberships},
        organizer=organizer,
        offered=selectors.units_valid_in_year(organizer=organizer, year=cluster_year.year),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.cluster_year_set_members(
                actor=request.user, cluster_year=cluster_year, members=form.ordered_members
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("The members of %(year)s were saved.") % {"year": cluster_year.year}
            )
            return redirect("cluster_year_detail", cluster_year.pk)
    return render(
        request,
        "clusters/clusters/year_members.html",
        {"nav": "clusters", "cluster_year": cluster_year, "form": form},
    )


def cluster_year_decision_file(request: HttpRequest, pk: int) -> FileResponse:
    cluster_year, _roles = cluster_year_for_user(request, pk, "view")
    stored = cluster_year.decision_file
    if not stored:
        raise Http404
    name = Path(stored.name).name
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=name,
        content_type=CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream"),
    )


@require_POST
def cluster_year_status(request: HttpRequest, pk: int) -> HttpResponse:
    cluster_year, roles = cluster_year_for_user(request, pk, "edit")
    form = ClusterYearStatusForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "clusters/clusters/year_detail.html",
            _detail_context(request, cluster_year, roles, form),
        )
    try:
        cluster_year = services.cluster_year_set_status(
            actor=request.user,
            cluster_year=cluster_year,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        if cluster_year.is_open:
            messages.success(
                request, _("The year %(year)s was reopened.") % {"year": cluster_year.year}
            )
        else:
            messages.success(
                request, _("The year %(year)s was closed.") % {"year": cluster_year.year}
            )
    return redirect("cluster_year_detail", cluster_year.pk)


def cluster_year_rotation(request: HttpRequest, pk: int) -> HttpResponse:
    cluster_year, _roles = cluster_year_for_user(request, pk, "edit")
    elected = cluster_year.head_selection == ClusterYear.HeadSelection.ELECTION
    if request.method == "POST":
        if elected:
            messages.error(request, str(ELECTION_NO_ROTATION))
            return redirect("cluster_year_rotation", cluster_year.pk)
        try:
            next_year = services.rotation_apply_next(actor=request.user, cluster_year=cluster_year)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("cluster_year_rotation", cluster_year.pk)
        messages.success(
            request,
            _("Year %(year)s: head %(head)s, deputy head %(deputy)s.")
            % {
                "year": next_year.year,
                "head": next_year.head_unit or "—",
                "deputy": next_year.deputy_unit or "—",
            },
        )
        return redirect("cluster_year_detail", next_year.pk)
    preview_form = RotationPreviewForm(request.GET or None)
    years = preview_form.years_ahead()
    plan: list[dict[str, Any]] = []
    error = ""
    try:
        plan = services.rotation_preview(cluster_year=cluster_year, years=years)
    except ValidationError as exc:
        error = error_text(exc)
    next_year = selectors.cluster_year_by_number(
        cluster=cluster_year.cluster, year=cluster_year.year + 1
    )
    create_query = ""
    if plan and next_year is None:
        query = QueryDict(mutable=True)
        query.update(
            {
                "year": str(plan[0]["year"]),
                "head_unit": str(plan[0]["head"].pk),
                "deputy_unit": str(plan[0]["deputy"].pk),
                "head_selection": cluster_year.head_selection,
            }
        )
        create_query = query.urlencode()
    return render(
        request,
        "clusters/clusters/year_rotation.html",
        {
            "nav": "clusters",
            "cluster_year": cluster_year,
            "preview_form": preview_form,
            "years": years,
            "plan": plan,
            "error": error,
            "elected": elected,
            "next_year": next_year,
            "create_query": create_query,
        },
    )


urlpatterns = [
    path("clusters/<int:pk>/years/new/", cluster_year_create, name="cluster_year_create"),
    path("years/<int:pk>/", cluster_year_detail, name="cluster_year_detail"),
    path("years/<int:pk>/edit/", cluster_year_edit, name="cluster_year_edit"),
    path("years/<int:pk>/theme/", cluster_year_theme, name="cluster_year_theme"),
    path("years/<int:pk>/members/", cluster_year_members, name="cluster_year_members"),
    path("years/<int:pk>/decision/", cluster_year_decision_file, name="cluster_year_decision_file"),
    path("years/<int:pk>/status/", cluster_year_status, name="cluster_year_status"),
    path("years/<int:pk>/rotation/", cluster_year_rotation, name="cluster_year_rotation"),
]
