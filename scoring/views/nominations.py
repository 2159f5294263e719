"""The cluster's nomination pages (the head's side): prepare it from the vote or the
ranking, choose the units within the quotas, give the submission its number and date,
gather the dossier (nominated units upload their achievement reports), confirm and send.
HTTP only: authorize, validate, call one service, redirect.

Who sees what: ``scoring.permissions.nomination_for_user``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import apply_service_errors, error_text
from scoring.forms.nominations import (
    DocumentUploadForm,
    NomineesForm,
    SubmissionDetailsForm,
    SubmitForm,
)
from scoring.models import Nomination, NominationDocument
from scoring.permissions import NominationAccess, nomination_for_user
from scoring.selectors import nominations as selectors
from scoring.services import nominations as services
from scoring.services.messages import nominations as msg
from scoring.services.scorecards import TYPES_BY_CONTENT


def _nomination(access: NominationAccess) -> Nomination:
    if access.nomination is None:
        raise Http404
    return access.nomination  # type: ignore[return-value]


def _context(access: NominationAccess, **extra: Any) -> dict[str, Any]:
    period = access.period
    year = period.cluster_year
    nomination = access.nomination
    editable = nomination is not None and nomination.state in services.EDITABLE
    return {
        "nav": "clusters",
        "period": period,
        "cluster_year": year,
        "cluster": year.cluster,
        "nomination": nomination,
        "is_board": access.is_board,
        "can_manage": access.can_manage and editable,
        "can_prepare": access.can_manage and nomination is None,
        "editable": editable,
        **extra,
    }


def _upload_form(access: NominationAccess, nominees: list, data=None, files=None):  # type: ignore[no-untyped-def]
    nomination = access.nomination
    if nomination is None or nomination.state not in services.EDITABLE:
        return None
    if not (access.can_manage or access.nominated_unit_id):
        return None
    return DocumentUploadForm(data, files, nominees=nominees, head=access.can_manage)


def _detail(request: HttpRequest, access: NominationAccess, upload_form=None) -> HttpResponse:  # type: ignore[no-untyped-def]
    nomination = access.nomination
    extra: dict[str, Any] = {}
    if nomination is not None:
        nominees = list(nomination.nominees.select_related("unit", "ballot"))
        documents = selectors.active_documents(nomination)
        if not access.sees_dossier:
            # A unit sees the rendered documents and its own uploads, not other units'
            # achievement reports before they are sent.
            documents = [d for d in documents if d.job_id or d.unit_id == access.nominated_unit_id]
        extra = {
            "nominees": nominees,
            "flags": [n for n in nominees if n.award == "flag"],
            "merits": [n for n in nominees if n.award == "merit"],
            "documents": documents,
            "dossier": selectors.dossier(nomination) if access.sees_dossier else None,
            "deadline": selectors.nomination_deadline(nomination),
            "late": selectors.is_late(nomination),
            "upload_form": upload_form or _upload_form(access, nominees),
            "own_unit_id": access.nominated_unit_id,
        }
    return render(request, "scoring/nomination_detail.html", _context(access, **extra))


def nomination_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, nomination_for_user(request, pk, "view"))


@require_POST
def nomination_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    access = nomination_for_user(request, pk, "manage")
    try:
        services.nomination_prepare(actor=request.user, period=access.period)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The nomination is prepared from the results."))
    return redirect("nomination_detail", pk)


def nomination_nominees(request: HttpRequest, pk: int) -> HttpResponse:
    access = nomination_for_user(request, pk, "manage")
    nomination = _nomination(access)
    units = selectors.member_units(nomination.cluster_year_id)
    current = list(nomination.nominees.all())
    form = NomineesForm(request.POST or None, units=units, initial_nominees=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.nomination_set_nominees(
                actor=request.user, nomination=nomination, **form.choices()
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The proposed units are saved."))
            return redirect("nomination_detail", pk)
    basis = selectors.proposal_basis(access.period)
    ranks = {unit_id: rank for unit_id, (rank, _total) in basis.ranks.items()}
    rows = form.rows()
    for row in rows:
        row["rank"] = ranks.get(row["unit"].pk)
    return render(
        request,
        "scoring/nomination_nominees.html",
        _context(access, form=form, rows=rows, basis=basis),
    )


def nomination_edit(request: HttpRequest, pk: int) -> HttpResponse:
    access = nomination_for_user(request, pk, "manage")
    nomination = _nomination(access)
    initial = {"number": nomination.number, "date": nomination.date, "summary": nomination.summary}
    form = SubmissionDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.nomination_update(
                actor=request.user, nomination=nomination, **form.cleaned_data
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The submission details are saved."))
            return redirect("nomination_detail", pk)
    return render(request, "scoring/nomination_edit.html", _context(access, form=form))


@require_POST
def nomination_upload(request: HttpRequest, pk: int) -> HttpResponse:
    access = nomination_for_user(request, pk, "upload")
    nomination = _nomination(access)
    nominees = list(nomination.nominees.select_related("unit"))
    form = _upload_form(access, nominees, request.POST, request.FILES)
    if form is None:
        messages.error(request, str(msg.NOMINATION_NOT_EDITABLE))
        return redirect("nomination_detail", pk)
    if form.is_valid():
        unit = form.cleaned_data.get("unit") if access.can_manage else access.nominated_unit_id
        try:
            services.nomination_upload(
                actor=request.user,
                nomination=nomination,
                kind=form.kind_value(),
                file=form.cleaned_data["file"],
                unit=unit,
                title=form.cleaned_data.get("title", ""),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The document is added to the dossier."))
            return redirect("nomination_detail", pk)
    return _detail(request, access, upload_form=form)


def _document(access: NominationAccess, doc_pk: int) -> NominationDocument:
    nomination = _nomination(access)
    document = (
        NominationDocument.objects.select_related("unit", "job")
        .filter(pk=doc_pk, nomination=nomination)
        .first()
    )
    if document is None:
        raise Http404
    # Before sending, a nominated unit reaches only its own uploads.
    if not access.sees_dossier and document.unit_id != access.nominated_unit_id:
        raise Http404
    return document


@require_POST
def nomination_document_withdraw(request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    access = nomination_for_user(request, pk, "upload")
    document = _document(access, doc_pk)
    try:
        services.nomination_withdraw_document(actor=request.user, document=document)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The document is withdrawn from the dossier (it is kept)."))
    return redirect("nomination_detail", pk)


def nomination_document_download(request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    """An uploaded file of the dossier, to those who may see it, as an attachment."""
    access = nomination_for_user(request, pk, "view")
    document = _document(access, doc_pk)
    if document.job_id:
        return redirect("job_detail", document.job_id)
    if not document.file:
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    name = document.original_name or Path(document.file.name).name
    file_type = TYPES_BY_CONTENT.get(document.content_type)
    if file_type is not None and Path(name).suffix.lower() not in file_type.suffixes:
        name += file_type.extension
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=name,
        content_type=document.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def nomination_submit(request: HttpRequest, pk: int) -> HttpResponse:
    access = nomination_for_user(request, pk, "manage")
    nomination = _nomination(access)
    form = SubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.nomination_submit(actor=request.user, nomination=nomination)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            nomination.refresh_from_db()
            if selectors.is_late(nomination):
                messages.warning(
                    request,
                    _("The nomination is sent, after the deadline of %(deadline)s.")
                    % {"deadline": selectors.nomination_deadline(nomination).strftime("%d/%m/%Y")},
                )
            else:
                messages.success(request, _("The nomination is sent to the emulation board."))
            return redirect("nomination_detail", pk)
    dossier = selectors.dossier(nomination)
    return render(
        request,
        "scoring/nomination_submit.html",
        _context(
            access,
            form=form,
            dossier=dossier,
            nominees=list(nomination.nominees.select_related("unit")),
            documents=selectors.active_documents(nomination),
            deadline=selectors.nomination_deadline(nomination),
            late_now=selectors.is_late(nomination, timezone.now()),
        ),
    )


urlpatterns = [
    path("scoring/periods/<int:pk>/nomination/", nomination_detail, name="nomination_detail"),
    path(
        "scoring/periods/<int:pk>/nomination/prepare/",
        nomination_prepare,
        name="nomination_prepare",
    ),
    path(
        "scoring/periods/<int:pk>/nomination/nominees/",
        nomination_nominees,
        name="nomination_nominees",
    ),
    path("scoring/periods/<int:pk>/nomination/details/", nomination_edit, name="nomination_edit"),
    path(
        "scoring/periods/<int:pk>/nomination/upload/", nomination_upload, name="nomination_upload"
    ),
    path(
        "scoring/periods/<int:pk>/nomination/documents/<int:doc_pk>/",
        nomination_document_download,
        name="nomination_document_download",
    ),
    path(
        "scoring/periods/<int:pk>/nomination/documents/<int:doc_pk>/withdraw/",
        nomination_document_withdraw,
        name="nomination_document_withdraw",
    ),
    path(
        "scoring/periods/<int:pk>/nomination/submit/", nomination_submit, name="nomination_submit"
    ),
]
