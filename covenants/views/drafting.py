"""Covenant drafting pages: the year's covenants, the covenant page, editing the
header, sections, guests, adopted documents and targets (grid and Excel), and
comments. HTTP only: authorize, validate, call one service, redirect."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clusters.models import ClusterYear
from clusters.permissions import cluster_year_for_user
from clusters.roles import Role, can_act_as_head
from core.forms import apply_service_errors, error_text
from covenants.forms.drafting import (
    CommentForm,
    CommentResolveForm,
    ConfirmWarningsForm,
    CovenantCreateForm,
    CovenantHeaderForm,
    DocumentForm,
    GuestFormSet,
    SectionFormSet,
    guest_inputs,
    section_inputs,
)
from covenants.models import Covenant
from covenants.permissions import can_manage, covenant_for_user
from covenants.selectors import drafting as selectors
from covenants.services import drafting as services
from covenants.services.drafting import DOCUMENT_CONTENT_TYPES, UnconfirmedWarnings
from covenants.services.messages import (
    COMMENT_NOT_CIRCULATED,
    COVENANT_NOT_EDITABLE,
)

COMMENTER_ROLES = {Role.MEMBER_OFFICER, Role.MEMBER_LEADER, Role.BOARD}


def _workflow_panel(request: HttpRequest, covenant: Covenant, roles: frozenset[Role]) -> Any:
    """D's workflow panel context, when that module exists."""
    if importlib.util.find_spec("covenants.selectors.workflow") is None:
        return None
    from covenants.selectors import workflow

    return workflow.workflow_panel(request, covenant, roles)


def refuse_if_not_editable(request: HttpRequest, covenant: Covenant) -> HttpResponse | None:
    if covenant.is_editable:
        return None
    messages.error(request, str(COVENANT_NOT_EDITABLE))
    return redirect("covenant_detail", covenant.pk)


def _forms_in_order(formset: Any) -> list[Any]:
    """The formset's forms as their order numbers say (a re-shown form follows what
    was typed); blank numbers last, in page order."""

    def key(indexed: tuple[int, Any]) -> tuple[int, int]:
        index, form = indexed
        try:
            return (int(form["ORDER"].value()), index)
        except (TypeError, ValueError):
            return (10**6, index)

    if not formset.is_bound:
        return list(formset.forms)
    return [form for _index, form in sorted(enumerate(formset.forms), key=key)]


def edit_context(covenant: Covenant, **extra: Any) -> dict[str, Any]:
    return {"nav": "clusters", "covenant": covenant, "cluster_year": covenant.cluster_year, **extra}


# The year's covenants ------------------------------------------------------------------------


def _create_initial(cluster_year: ClusterYear, source: Covenant | None) -> dict[str, Any]:
    head = cluster_year.head_unit
    return {
        "start": CovenantCreateForm.COPY if source else CovenantCreateForm.SCRATCH,
        # Document text is Vietnamese whatever the interface language.
        "title": f"Giao ước thi đua năm {cluster_year.year}",
        "theme": cluster_year.theme,
        "place_name": (head.short_name or head.name) if head else "",
    }


def _year_page(
    request: HttpRequest,
    cluster_year: ClusterYear,
    roles: frozenset[Role],
    form: CovenantCreateForm | None = None,
) -> HttpResponse:
    covenants = selectors.year_covenants(cluster_year=cluster_year)
    can_create = can_act_as_head(roles, cluster_year) and not covenants
    source = selectors.previous_year_covenant(cluster_year=cluster_year) if can_create else None
    if can_create and form is None:
        form = CovenantCreateForm(initial=_create_initial(cluster_year, source), source=source)
    return render(
        request,
        "covenants/drafting/covenant_list.html",
        {
            "nav": "clusters",
            "cluster_year": cluster_year,
            "cluster": cluster_year.cluster,
            "covenants": covenants,
            "can_create": can_create,
            "source": source,
            "form": form if can_create else None,
        },
    )


def covenant_list_for_year(request: HttpRequest, pk: int) -> HttpResponse:
    cluster_year, roles = cluster_year_for_user(request, pk, "view")
    return _year_page(request, cluster_year, roles)


def covenant_create(request: HttpRequest, pk: int) -> HttpResponse:
    cluster_year, roles = cluster_year_for_user(request, pk, "head")
    if request.method != "POST":
        return redirect("covenant_list_for_year", cluster_year.pk)
    source = selectors.previous_year_covenant(cluster_year=cluster_year)
    form = CovenantCreateForm(request.POST, source=source)
    if form.is_valid():
        data = form.cleaned_data
        try:
            covenant = services.covenant_create(
                actor=request.user,
                cluster_year=cluster_year,
                title=data["title"],
                theme=data["theme"],
                place_name=data["place_name"],
                source=source if data["start"] == CovenantCreateForm.COPY else None,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The covenant was created; now complete its content."))
            return redirect("covenant_detail", covenant.pk)
    return _year_page(request, cluster_year, roles, form)


# The covenant page -----------------------------------------------------------------------------


def _detail(
    request: HttpRequest,
    covenant: Covenant,
    roles: frozenset[Role],
    comment_form: CommentForm | None = None,
) -> HttpResponse:
    page = selectors.covenant_page(covenant=covenant)
    manager = can_manage(roles, covenant)
    can_comment = bool(roles & COMMENTER_ROLES) and covenant.state == Covenant.State.CIRCULATED
    if can_comment and comment_form is None:
        comment_form = CommentForm(sections=page.sections)
    return render(
        request,
        "covenants/drafting/covenant_detail.html",
        {
            "nav": "clusters",
            "covenant": covenant,
            "cluster_year": covenant.cluster_year,
            "page": page,
            "roles": roles,
            "can_manage": manager,
            "can_edit": manager and covenant.is_editable,
            "can_comment": can_comment,
            "can_resolve": manager and covenant.is_editable,
            "comment_form": comment_form if can_comment else None,
            "workflow_panel": _workflow_panel(request, covenant, roles),
        },
    )


def covenant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    covenant, roles = covenant_for_user(request, pk, "view")
    return _detail(request, covenant, roles)


# Header ---------------------------------------------------------------------------------------


def covenant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    covenant, roles = covenant_for_user(request, pk, "edit")
    if refused := refuse_if_not_editable(request, covenant):
        return refused
    is_board = Role.BOARD in roles
    initial = {name: getattr(covenant, name) for name in services.HEADER_FIELDS}
    asked = "confirm_warnings" in request.POST
    form = CovenantHeaderForm(
        request.POST or None, initial=initial, is_board=is_board, ask_confirmation=asked
    )
    new_warnings = None
    if request.method == "POST" and form.is_valid():
        try:
            services.covenant_update(
                actor=request.user,
                covenant=covenant,
                confirm_warnings=form.cleaned_data.get("confirm_warnings", False),
                **form.header_fields(),
            )
        except UnconfirmedWarnings as exc:
            new_warnings = exc.warnings
            form = CovenantHeaderForm(
                request.POST, initial=initial, is_board=is_board, ask_confirmation=True
            )
            form.is_valid()
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The covenant was saved."))
            return redirect("covenant_detail", covenant.pk)
    return render(
        request,
        "covenants/drafting/covenant_edit.html",
        edit_context(covenant, form=form, new_warnings=new_warnings),
    )


# Sections and guests ---------------------------------------------------------------------------


def covenant_sections(request: HttpRequest, pk: int) -> HttpResponse:
    covenant, _roles = covenant_for_user(request, pk, "edit")
    if refused := refuse_if_not_editable(request, covenant):
        return refused
    initial = [
        {"id": section.pk, "heading": section.heading, "body": section.body, "ORDER": section.order}
        for section in covenant.sections.order_by("order", "pk")
    ]
    formset = SectionFormSet(request.POST or None, initial=initial, prefix="sections")
    confirm = ConfirmWarningsForm(request.POST or None)
    new_warnings, service_errors = None, []
    if request.method == "POST" and formset.is_valid() and confirm.is_valid():
        try:
            services.covenant_sections_save(
                actor=request.user,
                covenant=covenant,
                sections=section_inputs(formset),
                confirm_warnings=confirm.cleaned_data["confirm_warnings"],
            )
        except UnconfirmedWarnings as exc:
            new_warnings = exc.warnings
        except ValidationError as exc:
            service_errors = exc.messages
        else:
            messages.success(request, _("The sections were saved."))
            return redirect("covenant_detail", covenant.pk)
    return render(
        request,
        "covenants/drafting/covenant_sections.html",
        edit_context(
            covenant,
            formset=formset,
            forms_in_order=_forms_in_order(formset),
            confirm=confirm,
            new_warnings=new_warnings,
            service_errors=service_errors,
        ),
    )


def covenant_guests(request: HttpRequest, pk: int) -> HttpResponse:
    covenant, _roles = covenant_for_user(request, pk, "edit")
    if refused := refuse_if_not_editable(request, covenant):
        return refused
    initial = [
        {"name": guest.name, "position": guest.position, "ORDER": guest.order}
        for guest in covenant.guests.order_by("order", "pk")
    ]
    formset = GuestFormSet(request.POST or None, initial=initial, prefix="guests")
    service_errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        try:
            services.covenant_guests_save(
                actor=request.user, covenant=covenant, guests=guest_inputs(formset)
            )
        except ValidationError as exc:
            service_errors = exc.messages
        else:
            messages.success(request, _("The conference guests were saved."))
            return redirect("covenant_detail", covenant.pk)
    return render(
        request,
        "covenants/drafting/covenant_guests.html",
        edit_context(
            covenant,
            formset=formset,
            forms_in_order=_forms_in_order(formset),
            service_errors=service_errors,
        ),
    )


# Adopted documents -----------------------------------------------------------------------------


def covenant_documents(request: HttpRequest, pk: int) -> HttpResponse:
    covenant, _roles = covenant_for_user(request, pk, "edit")
    if refused := refuse_if_not_editable(request, covenant):
        return refused
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = services.covenant_document_add(
                actor=request.user,
                covenant=covenant,
                kind=form.cleaned_data["kind"],
                title=form.document_title(),
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("“%(title)s” was attached to the covenant.") % {"title": document.title}
            )
            return redirect("covenant_documents", covenant.pk)
    return render(
        request,
        "covenants/drafting/covenant_documents.html",
        edit_context(
            covenant,
            form=form,
            documents=list(covenant.documents.select_related("uploaded_by").order_by("kind", "pk")),
        ),
    )


@require_POST
def covenant_document_delete(request: HttpRequest, pk: int, doc: int) -> HttpResponse:
    covenant, _roles = covenant_for_user(request, pk, "edit")
    document = selectors.covenant_document(covenant=covenant, pk=doc)
    if document is None:
        raise Http404
    try:
        services.covenant_document_delete(actor=request.user, covenant=covenant, document=document)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("covenant_detail", covenant.pk)
    messages.success(request, _("“%(title)s” was removed.") % {"title": document.title})
    return redirect("covenant_documents", covenant.pk)


def covenant_document_file(request: HttpRequest, pk: int, doc: int) -> FileResponse:
    covenant, _roles = covenant_for_user(request, pk, "view")
    document = selectors.covenant_document(covenant=covenant, pk=doc)
    if document is None or not document.file:
        raise Http404
    name = Path(document.file.name).name
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=name,
        content_type=DOCUMENT_CONTENT_TYPES.get(
            Path(name).suffix.lower(), "application/octet-stream"
        ),
    )


# Comments ----------------------------------------------------------------------------------------


@require_POST
def covenant_comment(request: HttpRequest, pk: int) -> HttpResponse:
    covenant, roles = covenant_for_user(request, pk, "comment")
    if covenant.state != Covenant.State.CIRCULATED:
        messages.error(request, str(COMMENT_NOT_CIRCULATED))
        return redirect("covenant_detail", covenant.pk)
    form = CommentForm(request.POST, sections=list(covenant.sections.order_by("order", "pk")))
    if form.is_valid():
        try:
            services.covenant_comment_add(
                actor=request.user,
                covenant=covenant,
                text=form.cleaned_data["text"],
                section=form.chosen_section(),
            )
        except ValidationError as exc:
            if exc.code == "not_circulated":
                messages.error(request, error_text(exc))
                return redirect("covenant_detail", covenant.pk)
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Your comment was added."))
            return redirect(f"{reverse('covenant_detail', args=[covenant.pk])}#comments")
    return _detail(request, covenant, roles, comment_form=form)


@require_POST
def covenant_comment_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    covenant, _roles = covenant_for_user(request, pk, "manage")
    form = CommentResolveForm(request.POST)
    comment = (
        selectors.covenant_comment(covenant=covenant, pk=form.data.get("comment"))
        if form.is_valid()
        else None
    )
    if comment is None:
        raise Http404
    try:
        services.covenant_comment_resolve(
            actor=request.user,
            covenant=covenant,
            comment=comment,
            resolved=form.cleaned_data["resolved"],
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The comment was updated."))
    return redirect(f"{reverse('covenant_detail', args=[covenant.pk])}#comments")


urlpatterns = [
    path("years/<int:pk>/covenants/", covenant_list_for_year, name="covenant_list_for_year"),
    path("years/<int:pk>/covenants/new/", covenant_create, name="covenant_create"),
    path("covenants/<int:pk>/", covenant_detail, name="covenant_detail"),
    path("covenants/<int:pk>/edit/", covenant_edit, name="covenant_edit"),
    path("covenants/<int:pk>/sections/", covenant_sections, name="covenant_sections"),
    path("covenants/<int:pk>/guests/", covenant_guests, name="covenant_guests"),
    path("covenants/<int:pk>/documents/", covenant_documents, name="covenant_documents"),
    path(
        "covenants/<int:pk>/documents/<int:doc>/",
        covenant_document_file,
        name="covenant_document_file",
    ),
    path(
        "covenants/<int:pk>/documents/<int:doc>/delete/",
        covenant_document_delete,
        name="covenant_document_delete",
    ),
    path("covenants/<int:pk>/comments/", covenant_comment, name="covenant_comment"),
    path(
        "covenants/<int:pk>/comments/resolve/",
        covenant_comment_resolve,
        name="covenant_comment_resolve",
    ),
]
