"""Self-scoring pages (HTTP only): authorize, validate, one service, respond.

The scorecard page shows the whole rubric tree. Each entry saves on its own: with htmx
the row posts as the person types and gets back its status, its points and — out of
band — the section subtotals and the header's totals and completeness meter; the input
itself is never replaced, so typing goes on while a save is in flight. Without
JavaScript the row is a plain form: it posts and comes back to the page (or, when a
value is refused, the page is shown again with the typed value and the message).

Evidence: a panel per entry (a modal with htmx, a page without) to attach evidence from
the card's library, upload a file or cite a document; the library at the bottom of the
page uploads and cites for several criteria at once and withdraws. Files are served
only through ``evidence_download``, after the same permission check as the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import apply_service_errors, error_text
from scoring.forms.scorecards import (
    DocumentReferenceForm,
    EntryForm,
    EvidenceUploadForm,
    SubmitForm,
)
from scoring.models import Entry, Evidence
from scoring.permissions import ScorecardAccess, scorecard_for_user
from scoring.selectors import scorecards as selectors
from scoring.selectors.scorecards import Page, Row, input_text, value_words
from scoring.selectors.verification import card_requests
from scoring.services import scorecards as services
from scoring.services.computation import input_field

# Field ids of the forms in the evidence panel (the library's forms are on the same page).
PANEL_IDS = "panel-%s"


def _is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def _page(access: ScorecardAccess, *, light: bool = False) -> Page:
    card = access.scorecard
    editability = services.scorecard_editability(card)
    return selectors.scorecard_page(
        card,
        may_edit=access.own,
        editable=editability.editable,
        editable_entry_ids=editability.entry_ids,
        locked_reason=editability.reason if access.own else "",
        light=light,
    )


def _context(access: ScorecardAccess, page: Page, **extra: Any) -> dict[str, Any]:
    card = access.scorecard
    return {
        "nav": "dashboard",
        "access": access,
        "page": page,
        "card": card,
        "period": card.period,
        "cluster_year": card.period.cluster_year,
        "accept": services.ACCEPT,
        **extra,
    }


def _entry(access: ScorecardAccess, entry_pk: int) -> Entry:
    entry = selectors.entry_of_card(access.scorecard, entry_pk)
    if entry is None:
        raise Http404
    entry.scorecard = access.scorecard
    return entry


# The page ------------------------------------------------------------------------------


def scorecard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = scorecard_for_user(request, pk, "view")
    page = _page(access)
    return render(
        request,
        "scoring/scorecard_detail.html",
        _context(
            access,
            page,
            upload_form=EvidenceUploadForm(),
            reference_form=DocumentReferenceForm(),
            scorecard=access.scorecard,
            explanations=card_requests(scorecard=access.scorecard),
        ),
    )


# Saving one entry ------------------------------------------------------------------------


def _typed(row: Row, values: dict[str, Any]) -> None:
    """Show what the person typed in the row again (a refused value is never lost)."""
    if row.input_name and row.input_name in values:
        row.value = str(values[row.input_name] or "")
        if row.input_name == "passed":
            try:
                parsed = services.parse_yes_no(values[row.input_name])
            except ValidationError:
                parsed = None
            row.value = "" if parsed is None else ("yes" if parsed else "no")
    if "comment" in values:
        row.comment = str(values["comment"] or "")


def _conflict_info(current: Entry, values: dict[str, Any], conflict: Any) -> dict[str, Any]:
    name = input_field(current.criterion)
    return {
        "message": error_text(conflict),
        "version": current.version,
        "field": name,
        "their_value": input_text(current, name),
        "their_words": value_words(current, name),
        "their_comment": current.comment,
        "your_value": str(values.get(name) or ""),
        "your_comment": str(values.get("comment") or ""),
        "comment_differs": "comment" in values
        and str(values.get("comment") or "").strip() != current.comment,
    }


def _messages_of(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


@require_POST
def entry_save(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    access = scorecard_for_user(request, pk, "edit")
    entry = _entry(access, entry_pk)
    form = EntryForm(request.POST)
    values = form.values()
    state, errors, conflict = "saved", [], None
    if not form.is_valid():
        state, errors = "error", [_("The page is out of date: reload it and type the value again.")]
    else:
        try:
            entry = services.entry_save(
                actor=request.user,
                entry=entry,
                version=form.cleaned_data["version"],
                values=values,
            )
        except services.EntryConflict as exc:
            state, conflict = "conflict", _conflict_info(exc.current, values, exc)
        except ValidationError as exc:
            state, errors = "error", _messages_of(exc)
    if not _is_htmx(request):
        if state == "saved":
            messages.success(request, _("“%(code)s” was saved.") % {"code": entry.criterion.code})
            return redirect(f"{reverse('scorecard_detail', args=[pk])}#entry-{entry.pk}")
        return _page_with_row(request, access, entry, values, errors, conflict)
    page = _page(access, light=True)
    row = page.row_for(entry.pk)
    if row is None:  # pragma: no cover - an entry of the card always has a row
        raise Http404
    row.errors = errors
    row.conflict = conflict
    return render(
        request,
        "scoring/_scorecard_save.html",
        _context(
            access,
            page,
            row=row,
            state=state,
            errors=errors,
            conflict=conflict,
            saved_at=timezone.localtime().strftime("%H:%M"),
        ),
    )


def _page_with_row(
    request: HttpRequest,
    access: ScorecardAccess,
    entry: Entry,
    values: dict[str, Any],
    errors: list[str],
    conflict: dict[str, Any] | None,
) -> HttpResponse:
    """The whole page again, the row showing what was typed and why it was not saved."""
    page = _page(access)
    row = page.row_for(entry.pk)
    if row is not None:
        _typed(row, values)
        row.errors = errors
        row.conflict = conflict
        if conflict:
            row.version = conflict["version"]  # "save" again now means "keep mine"
    return render(
        request,
        "scoring/scorecard_detail.html",
        _context(
            access,
            page,
            upload_form=EvidenceUploadForm(),
            reference_form=DocumentReferenceForm(),
            focus=entry.pk,
        ),
        status=409 if conflict else 200,
    )


# Submitting ------------------------------------------------------------------------------


def scorecard_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what will be submitted, what is missing, and a confirmation; POST: submit."""
    access = scorecard_for_user(request, pk, "edit")
    card = access.scorecard
    form = SubmitForm(request.POST if request.method == "POST" else None)
    refused: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.scorecard_submit(actor=request.user, scorecard=card)
        except ValidationError as exc:
            refused = _messages_of(exc)
        else:
            messages.success(
                request,
                _(
                    "The scorecard of %(unit)s was submitted. The verifiers can now check it; "
                    "your unit can no longer change it unless it is returned for explanation."
                )
                % {"unit": card.unit.name},
            )
            return redirect("scorecard_detail", card.pk)
    page = _page(access)
    return render(
        request,
        "scoring/scorecard_submit.html",
        _context(access, page, form=form, refused=refused),
        status=422 if refused else 200,
    )


# Evidence --------------------------------------------------------------------------------


def entry_evidence(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """The evidence of one entry: attach from the library, upload, cite a document."""
    access = scorecard_for_user(request, pk, "view")
    entry = _entry(access, entry_pk)
    return _panel(request, access, entry)


def _panel(
    request: HttpRequest,
    access: ScorecardAccess,
    entry: Entry,
    *,
    upload_form: EvidenceUploadForm | None = None,
    reference_form: DocumentReferenceForm | None = None,
    notice: str = "",
    error: str = "",
    oob: bool = False,
    status: int = 200,
) -> HttpResponse:
    page = _page(access)
    row = page.row_for(entry.pk)
    if row is None:  # pragma: no cover
        raise Http404
    context = _context(
        access,
        page,
        row=row,
        available=[item for item in page.active_library if entry.pk not in item.entry_ids],
        upload_form=upload_form or EvidenceUploadForm(auto_id=PANEL_IDS),
        reference_form=reference_form or DocumentReferenceForm(auto_id=PANEL_IDS),
        library_upload_form=EvidenceUploadForm(),
        library_reference_form=DocumentReferenceForm(),
        notice=notice,
        error=error,
        oob=oob,
    )
    if _is_htmx(request):
        return render(request, "scoring/_scorecard_evidence_panel.html", context, status=status)
    return render(request, "scoring/scorecard_evidence.html", context, status=status)


def _back(request: HttpRequest, access: ScorecardAccess, entry: Entry | None) -> HttpResponse:
    card = access.scorecard
    if entry is not None:
        return redirect("entry_evidence", card.pk, entry.pk)
    return redirect(f"{reverse('scorecard_detail', args=[card.pk])}#evidence-library")


def _panel_entry(access: ScorecardAccess, request: HttpRequest) -> Entry | None:
    """The entry whose panel the request came from (None: the library)."""
    if request.POST.get("from") != "panel":
        return None
    return _entry(access, request.POST.get("entry"))  # type: ignore[arg-type]


def _library_done(request: HttpRequest, access: ScorecardAccess, notice: str) -> HttpResponse:
    messages.success(request, notice)
    if _is_htmx(request):
        response = HttpResponse(status=200)
        response["HX-Refresh"] = "true"
        return response
    return _back(request, access, None)


def _library_refused(
    request: HttpRequest,
    access: ScorecardAccess,
    *,
    upload_form: EvidenceUploadForm | None = None,
    reference_form: DocumentReferenceForm | None = None,
) -> HttpResponse:
    page = _page(access)
    context = _context(
        access,
        page,
        upload_form=upload_form or EvidenceUploadForm(),
        reference_form=reference_form or DocumentReferenceForm(),
    )
    if _is_htmx(request):
        template = (
            "scoring/_scorecard_upload_form.html"
            if upload_form is not None
            else "scoring/_scorecard_reference_form.html"
        )
        form = upload_form if upload_form is not None else reference_form
        return render(request, template, {**context, "form": form, "in_panel": False})
    return render(request, "scoring/scorecard_detail.html", context, status=422)


@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    access = scorecard_for_user(request, pk, "edit")
    card = access.scorecard
    entry = _panel_entry(access, request)
    form = EvidenceUploadForm(request.POST, request.FILES, auto_id=PANEL_IDS if entry else "id_%s")
    if form.is_valid():
        data = form.cleaned_data
        entries = [entry] if entry else selectors.entries_of_card(card, data["entries"])
        try:
            evidence = services.evidence_upload(
                actor=request.user,
                scorecard=card,
                uploaded_file=data["file"],
                title=data["title"],
                entries=entries,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                apply_service_errors(form, exc)
            else:
                form.add_error("file", exc)
        else:
            notice = _("“%(name)s” was added to the evidence.") % {"name": evidence}
            return _evidence_added(request, access, entry, notice)
    if entry is None:
        return _library_refused(request, access, upload_form=form)
    return _panel(
        request, access, entry, upload_form=form, status=200 if _is_htmx(request) else 422
    )


@require_POST
def evidence_reference(request: HttpRequest, pk: int) -> HttpResponse:
    access = scorecard_for_user(request, pk, "edit")
    card = access.scorecard
    entry = _panel_entry(access, request)
    form = DocumentReferenceForm(request.POST, auto_id=PANEL_IDS if entry else "id_%s")
    if form.is_valid():
        data = form.cleaned_data
        entries = [entry] if entry else selectors.entries_of_card(card, data["entries"])
        try:
            evidence = services.evidence_reference(
                actor=request.user,
                scorecard=card,
                doc_number=data["doc_number"],
                doc_date=data["doc_date"],
                doc_issuer=data["doc_issuer"],
                title=data["title"],
                entries=entries,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            notice = _("Document %(number)s was added to the evidence.") % {
                "number": evidence.doc_number
            }
            return _evidence_added(request, access, entry, notice)
    if entry is None:
        return _library_refused(request, access, reference_form=form)
    return _panel(
        request, access, entry, reference_form=form, status=200 if _is_htmx(request) else 422
    )


def _evidence_added(
    request: HttpRequest, access: ScorecardAccess, entry: Entry | None, notice: str
) -> HttpResponse:
    """After a file or a document reference was added: the library page, the entry's
    page (without JavaScript) or the entry's evidence panel (htmx), with the notice."""
    if entry is None:
        return _library_done(request, access, notice)
    if not _is_htmx(request):
        messages.success(request, notice)
        return _back(request, access, entry)
    return _panel(request, access, entry, notice=notice, oob=True)


def _evidence(access: ScorecardAccess, evidence_pk: int) -> Evidence:
    evidence = selectors.evidence_of_card(access.scorecard, evidence_pk)
    if evidence is None:
        raise Http404
    evidence.scorecard = access.scorecard
    return evidence


def _link_action(request: HttpRequest, pk: int, ev_pk: int, *, link: bool) -> HttpResponse:
    access = scorecard_for_user(request, pk, "edit")
    evidence = _evidence(access, ev_pk)
    entry = _entry(access, request.POST.get("entry"))  # type: ignore[arg-type]
    service = services.evidence_link if link else services.evidence_unlink
    try:
        service(actor=request.user, entry=entry, evidence=evidence)
    except ValidationError as exc:
        error, notice = error_text(exc), ""
    else:
        error = ""
        notice = (
            _("“%(evidence)s” now supports %(code)s.")
            if link
            else _("“%(evidence)s” no longer supports %(code)s.")
        ) % {"evidence": evidence, "code": entry.criterion.code}
    if _is_htmx(request):
        return _panel(request, access, entry, notice=notice, error=error, oob=True)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return _back(request, access, entry)


@require_POST
def evidence_link(request: HttpRequest, pk: int, ev_pk: int) -> HttpResponse:
    return _link_action(request, pk, ev_pk, link=True)


@require_POST
def evidence_unlink(request: HttpRequest, pk: int, ev_pk: int) -> HttpResponse:
    return _link_action(request, pk, ev_pk, link=False)


@require_POST
def evidence_withdraw(request: HttpRequest, pk: int, ev_pk: int) -> HttpResponse:
    access = scorecard_for_user(request, pk, "edit")
    evidence = _evidence(access, ev_pk)
    try:
        services.evidence_withdraw(actor=request.user, evidence=evidence)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("“%(evidence)s” was withdrawn.") % {"evidence": evidence})
    if _is_htmx(request):
        response = HttpResponse(status=200)
        response["HX-Refresh"] = "true"
        return response
    return _back(request, access, None)


def evidence_download(request: HttpRequest, pk: int, ev_pk: int) -> FileResponse:
    """A file of the card's evidence, to those who may see the card, as an attachment."""
    access = scorecard_for_user(request, pk, "view")
    evidence = _evidence(access, ev_pk)
    if evidence.kind != Evidence.Kind.FILE or not evidence.file:
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=services.download_name(evidence) or Path(evidence.file.name).name,
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


urlpatterns = [
    path("scoring/scorecards/<int:pk>/", scorecard_detail, name="scorecard_detail"),
    path(
        "scoring/scorecards/<int:pk>/entries/<int:entry_pk>/",
        entry_save,
        name="entry_save",
    ),
    path(
        "scoring/scorecards/<int:pk>/entries/<int:entry_pk>/evidence/",
        entry_evidence,
        name="entry_evidence",
    ),
    path("scoring/scorecards/<int:pk>/submit/", scorecard_submit, name="scorecard_submit"),
    path(
        "scoring/scorecards/<int:pk>/evidence/upload/",
        evidence_upload,
        name="evidence_upload",
    ),
    path(
        "scoring/scorecards/<int:pk>/evidence/reference/",
        evidence_reference,
        name="evidence_reference",
    ),
    path(
        "scoring/scorecards/<int:pk>/evidence/<int:ev_pk>/",
        evidence_download,
        name="evidence_download",
    ),
    path(
        "scoring/scorecards/<int:pk>/evidence/<int:ev_pk>/link/",
        evidence_link,
        name="evidence_link",
    ),
    path(
        "scoring/scorecards/<int:pk>/evidence/<int:ev_pk>/unlink/",
        evidence_unlink,
        name="evidence_unlink",
    ),
    path(
        "scoring/scorecards/<int:pk>/evidence/<int:ev_pk>/withdraw/",
        evidence_withdraw,
        name="evidence_withdraw",
    ),
]
