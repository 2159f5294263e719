"""Scoring-table pages: the year's tables (or the form that starts one), the editor
(a read-only tree with explanations for member units), settings, freezing, a new
version, and the board's library of templates. HTTP only: authorize, validate,
call one service, redirect."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clusters.models import ClusterYear
from clusters.permissions import cluster_year_for_user, current_organizer
from clusters.roles import Role, can_act_as_head, is_board_of
from core.documents.jobs import latest_job
from core.forms import apply_service_errors, error_text
from core.text import vi_number
from scoring.forms.rubrics import (
    NewVersionForm,
    RubricCreateForm,
    RubricSettingsForm,
    TemplateCreateForm,
    scale_data,
    source_label,
)
from scoring.models import Rubric
from scoring.permissions import rubric_for_user
from scoring.selectors import editor
from scoring.selectors import rubrics as selectors
from scoring.services import rubrics as rubric_services
from scoring.services import versions as version_services
from scoring.services.messages import RUBRIC_FROZEN


def can_manage(rubric: Rubric, roles: frozenset[Role]) -> bool:
    """Board staff, or the head unit's people while the year is open."""
    if rubric.is_template:
        return Role.BOARD in roles
    return can_act_as_head(roles, rubric.cluster_year)


def _with_scale_text(rubrics: list[Rubric]) -> list[Rubric]:
    for rubric in rubrics:
        rubric.scale_text = vi_number(rubric.scale_total)  # type: ignore[attr-defined]
    return rubrics


def default_name(cluster_year: ClusterYear) -> str:
    # Document text is Vietnamese whatever the interface language.
    return f"Bảng chấm điểm thi đua năm {cluster_year.year}"


# The year's tables ---------------------------------------------------------------------


def _year_page(
    request: HttpRequest,
    cluster_year: ClusterYear,
    roles: frozenset[Role],
    form: RubricCreateForm | None = None,
) -> HttpResponse:
    rubrics = selectors.year_rubrics(cluster_year=cluster_year)
    _with_scale_text(rubrics)
    can_create = can_act_as_head(roles, cluster_year) and not rubrics
    templates: list[Rubric] = []
    previous = None
    if can_create:
        templates = selectors.organizer_templates(organizer=cluster_year.cluster.organizer_id)
        previous = selectors.previous_year_rubric(cluster_year=cluster_year)
        if form is None:
            source = previous or (templates[0] if templates else None)
            form = RubricCreateForm(
                initial={
                    "start": (
                        RubricCreateForm.PREVIOUS
                        if previous
                        else RubricCreateForm.TEMPLATE
                        if templates
                        else RubricCreateForm.SCRATCH
                    ),
                    "name": default_name(cluster_year),
                    "scale_total": source.scale_total if source else 100,
                    "bonus_cap": source.bonus_cap if source else 0,
                    "deduction_cap": source.deduction_cap if source else 0,
                    "template": templates[0].pk if templates else None,
                },
                templates=templates,
                previous=previous,
            )
    return render(
        request,
        "scoring/rubric_year.html",
        {
            "nav": "clusters",
            "cluster_year": cluster_year,
            "cluster": cluster_year.cluster,
            "is_board": Role.BOARD in roles,
            "rubrics": rubrics,
            "can_create": can_create,
            "form": form if can_create else None,
            "previous": previous,
            "previous_scale": scale_data(previous) if previous else None,
            "template_options": _template_options(templates, form),
        },
    )


def _template_options(templates: list[Rubric], form: RubricCreateForm | None) -> list[dict]:
    chosen = str(form["template"].value()) if form is not None else ""
    return [
        {
            "pk": template.pk,
            "name": template.name,
            "count": getattr(template, "criteria_count", 0),
            "selected": str(template.pk) == chosen,
            **scale_data(template),
        }
        for template in templates
    ]


def rubric_for_year(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the year's tables, or the form that starts one. POST: start it."""
    action = "head" if request.method == "POST" else "view"
    cluster_year, roles = cluster_year_for_user(request, pk, action)
    if request.method != "POST":
        return _year_page(request, cluster_year, roles)
    templates = selectors.organizer_templates(organizer=cluster_year.cluster.organizer_id)
    previous = selectors.previous_year_rubric(cluster_year=cluster_year)
    form = RubricCreateForm(request.POST, templates=templates, previous=previous)
    if form.is_valid():
        data = form.cleaned_data
        start = data["start"]
        try:
            rubric = rubric_services.rubric_create(
                actor=request.user,
                cluster_year=cluster_year,
                name=data["name"],
                scale_total=data["scale_total"],
                bonus_cap=data["bonus_cap"],
                deduction_cap=data["deduction_cap"],
                template=data["template"] if start == RubricCreateForm.TEMPLATE else None,
                copy_previous=start == RubricCreateForm.PREVIOUS,
            )
        except ValidationError as exc:
            if exc.code == "exists":  # made meanwhile, by someone else
                messages.error(request, error_text(exc))
                return redirect("rubric_for_year", cluster_year.pk)
            apply_service_errors(form, exc)
        else:
            if start == RubricCreateForm.EXCEL:
                messages.success(
                    request, _("The scoring table was created; now upload the Excel file.")
                )
                return redirect("rubric_import", rubric.pk)
            messages.success(request, _("The scoring table was created."))
            return redirect("rubric_detail", rubric.pk)
    return _year_page(request, cluster_year, roles, form)


# The editor / the tree ----------------------------------------------------------------------


def editor_context(rubric: Rubric, roles: frozenset[Role], **extra: Any) -> dict[str, Any]:
    """What the editor (or the read-only tree) shows; the htmx fragment uses it too."""
    manager = can_manage(rubric, roles)
    return {
        "nav": "clusters",
        "rubric": rubric,
        "cluster_year": rubric.cluster_year,
        "tree": editor.rubric_tree(rubric=rubric),
        "is_board": Role.BOARD in roles,
        "can_manage": manager,
        "can_edit": manager and not rubric.is_frozen,
        **extra,
    }


def rubric_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rubric, roles = rubric_for_user(request, pk, "view")
    if request.headers.get("HX-Request"):
        # A cancelled form: the editor as it stands.
        return render(request, "scoring/rubric_detail.html#editor", editor_context(rubric, roles))
    newest = (
        None if rubric.is_template else selectors.latest_rubric(cluster_year=rubric.cluster_year)
    )
    context = editor_context(
        rubric,
        roles,
        newer=newest if newest is not None and newest.pk != rubric.pk else None,
        last_pdf=latest_job(obj=rubric, kind="rubric") if can_manage(rubric, roles) else None,
    )
    return render(request, "scoring/rubric_detail.html", context)


def rubric_settings(request: HttpRequest, pk: int) -> HttpResponse:
    rubric, roles = rubric_for_user(request, pk, "edit")
    if rubric.is_frozen:
        messages.error(request, str(RUBRIC_FROZEN))
        return redirect("rubric_detail", rubric.pk)
    initial = {
        "name": rubric.name,
        "description": rubric.description,
        "scale_total": rubric.scale_total,
        "bonus_cap": rubric.bonus_cap,
        "deduction_cap": rubric.deduction_cap,
    }
    form = RubricSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rubric_services.rubric_update_settings(
                actor=request.user, rubric=rubric, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The settings of the scoring table were saved."))
            return redirect("rubric_detail", rubric.pk)
    return render(
        request,
        "scoring/rubric_settings.html",
        {
            "nav": "clusters",
            "rubric": rubric,
            "cluster_year": rubric.cluster_year,
            "is_board": Role.BOARD in roles,
            "form": form,
        },
    )


@require_POST
def rubric_freeze(request: HttpRequest, pk: int) -> HttpResponse:
    rubric, _roles = rubric_for_user(request, pk, "manage")
    try:
        rubric_services.rubric_freeze(actor=request.user, rubric=rubric)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request, _("The scoring table is frozen: scoring can use it; it no longer changes.")
        )
    return redirect("rubric_detail", rubric.pk)


def rubric_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    rubric, roles = rubric_for_user(request, pk, "manage")
    form = NewVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = version_services.rubric_new_version(
                actor=request.user, rubric=rubric, change_note=form.cleaned_data["change_note"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Version %(version)s was made; change it, then freeze it again.")
                % {"version": new.version},
            )
            return redirect("rubric_detail", new.pk)
    return render(
        request,
        "scoring/rubric_new_version.html",
        {
            "nav": "clusters",
            "rubric": rubric,
            "cluster_year": rubric.cluster_year,
            "is_board": Role.BOARD in roles,
            "form": form,
        },
    )


# The board's library ---------------------------------------------------------------------


def _library_organizer(request: HttpRequest) -> Any:
    """The organizer whose library the board works on; nobody else sees it (404)."""
    organizer = current_organizer(request)
    if organizer is None or not is_board_of(request.user, organizer.pk):
        raise Http404
    return organizer


def template_list(request: HttpRequest) -> HttpResponse:
    organizer = _library_organizer(request)
    return render(
        request,
        "scoring/template_list.html",
        {
            "nav": "templates",
            "organizer": organizer,
            "templates": _with_scale_text(selectors.organizer_templates(organizer=organizer)),
        },
    )


def template_create(request: HttpRequest) -> HttpResponse:
    organizer = _library_organizer(request)
    sources = editor.copy_sources(organizer=organizer)
    form = TemplateCreateForm(
        request.POST or None,
        sources=sources,
        initial={"scale_total": 100, "bonus_cap": 0, "deduction_cap": 0},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            template = rubric_services.template_create(
                actor=request.user,
                organizer=organizer,
                name=data["name"],
                scale_total=data["scale_total"],
                bonus_cap=data["bonus_cap"],
                deduction_cap=data["deduction_cap"],
                from_rubric=data["from_rubric"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The template was created."))
            return redirect("rubric_detail", template.pk)
    return render(
        request,
        "scoring/template_form.html",
        {
            "nav": "templates",
            "organizer": organizer,
            "form": form,
            "source_options": [
                {
                    "pk": source.pk,
                    "label": source_label(source),
                    "selected": str(source.pk) == str(form["from_rubric"].value()),
                    **scale_data(source),
                }
                for source in sources
            ],
        },
    )


urlpatterns = [
    path("years/<int:pk>/rubric/", rubric_for_year, name="rubric_for_year"),
    path("rubrics/templates/", template_list, name="template_list"),
    path("rubrics/templates/new/", template_create, name="template_create"),
    path("rubrics/<int:pk>/", rubric_detail, name="rubric_detail"),
    path("rubrics/<int:pk>/settings/", rubric_settings, name="rubric_settings"),
    path("rubrics/<int:pk>/freeze/", rubric_freeze, name="rubric_freeze"),
    path("rubrics/<int:pk>/new-version/", rubric_new_version, name="rubric_new_version"),
]
