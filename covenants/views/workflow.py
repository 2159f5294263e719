"""Covenant workflow pages: moving a step, signing (password, witness, USB-token copy),
the signed copy's download, the amendment and the PDF request. HTTP only: authorize,
validate, call one service, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.audit import client_ip
from core.documents.jobs import job_request, latest_job
from core.forms import apply_service_errors
from core.text import vi_number
from covenants.forms.workflow import (
    AmendForm,
    SignForm,
    TokenUploadForm,
    TransitionForm,
    WitnessForm,
)
from covenants.models import CovenantState, Signature
from covenants.permissions import covenant_for_user, signing_unit
from covenants.services.signing import (
    covenant_sign,
    covenant_token_upload,
    covenant_witness_sign,
    signing_order,
    unit_signing_refusal,
    witness_signing_refusal,
)
from covenants.services.workflow import covenant_amend, covenant_transition

# What the success message says after each step.
DONE_MESSAGES = {
    CovenantState.DRAFT: gettext_lazy("The covenant is a draft again."),
    CovenantState.CIRCULATED: gettext_lazy(
        "The covenant is circulated to the member units for comments."
    ),
    CovenantState.ADOPTED: gettext_lazy("The adoption at the conference is recorded."),
    CovenantState.SIGNING: gettext_lazy("Signing is open: each member unit's leader can now sign."),
}


def _text(exc: ValidationError) -> str:
    return " ".join(str(message) for message in exc.messages)


@require_POST
def transition(request: HttpRequest, pk: int) -> HttpResponse:
    covenant, _roles = covenant_for_user(request, pk, "manage")
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a step to move the covenant to."))
        return redirect("covenant_detail", covenant.pk)
    try:
        covenant = covenant_transition(
            actor=request.user, covenant=covenant, to=form.cleaned_data["to"]
        )
    except ValidationError as exc:
        messages.error(request, _text(exc))
    else:
        messages.success(request, str(DONE_MESSAGES.get(covenant.state, "")))
    return redirect("covenant_detail", covenant.pk)


def _summary(covenant, unit=None) -> dict:  # type: ignore[no-untyped-def]
    """What the signer reads before signing: the headings and this unit's targets."""
    targets = list(covenant.targets.prefetch_related("values"))
    rows = []
    for target in targets:
        value = next(
            (v.value for v in target.values.all() if unit is not None and v.unit_id == unit.pk),
            None,
        )
        rows.append({"target": target, "value": None if value is None else vi_number(value)})
    slots = signing_order(covenant)
    refusal = (
        unit_signing_refusal(covenant, unit, slots)
        if unit is not None
        else witness_signing_refusal(covenant, slots)
    )
    return {
        "sections": list(covenant.sections.all()),
        "target_rows": rows,
        "slots": slots,
        # Why this signature cannot be given now (the page says so instead of asking
        # for the password in vain).
        "refusal": " ".join(refusal.messages) if refusal is not None else "",
    }


def sign(request: HttpRequest, pk: int) -> HttpResponse:
    covenant, _roles = covenant_for_user(request, pk, "sign")
    unit = signing_unit(request)
    form = SignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            covenant_sign(
                actor=request.user,
                covenant=covenant,
                password=form.cleaned_data["password"],
                ip_address=client_ip(request),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request, _("You signed the covenant for %(unit)s.") % {"unit": unit.name}
            )
            return redirect("covenant_detail", covenant.pk)
    return render(
        request,
        "covenants/workflow/sign.html",
        {
            "nav": "clusters",
            "covenant": covenant,
            "unit": unit,
            "form": form,
            "signer_name": request.user.get_full_name() or request.user.get_username(),
            "signer_position": request.user.profile.position or unit.leader_title,
            **_summary(covenant, unit),
        },
    )


def witness(request: HttpRequest, pk: int) -> HttpResponse:
    covenant, _roles = covenant_for_user(request, pk, "witness")
    form = WitnessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            covenant_witness_sign(
                actor=request.user,
                covenant=covenant,
                password=form.cleaned_data["password"],
                ip_address=client_ip(request),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("You signed the covenant as the board's witness."))
            return redirect("covenant_detail", covenant.pk)
    return render(
        request,
        "covenants/workflow/witness.html",
        {
            "nav": "clusters",
            "covenant": covenant,
            "form": form,
            "signer_name": request.user.get_full_name() or request.user.get_username(),
            "signer_position": request.user.profile.position,
            **_summary(covenant),
        },
    )


def token_upload(request: HttpRequest, pk: int) -> HttpResponse:
    covenant, _roles = covenant_for_user(request, pk, "sign")
    unit = signing_unit(request)
    form = TokenUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            covenant_token_upload(
                actor=request.user,
                covenant=covenant,
                file_bytes=upload.read(),
                filename=upload.name,
                ip_address=client_ip(request),
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The copy signed with the USB token was accepted for %(unit)s.")
                % {"unit": unit.name},
            )
            return redirect("covenant_detail", covenant.pk)
    return render(
        request,
        "covenants/workflow/token_upload.html",
        {
            "nav": "clusters",
            "covenant": covenant,
            "unit": unit,
            "form": form,
            "draft_pdf": latest_job(obj=covenant, kind="covenant"),
            "refusal": _summary(covenant, unit)["refusal"],
        },
    )


def signature_file(request: HttpRequest, pk: int, signature_pk: int) -> FileResponse:
    covenant, _roles = covenant_for_user(request, pk, "view")
    signature = get_object_or_404(Signature.objects.filter(covenant=covenant), pk=signature_pk)
    if not signature.file:
        raise Http404
    unit_part = signature.unit_id or "chung-kien"
    return FileResponse(
        signature.file.open("rb"),
        as_attachment=True,
        filename=f"giao-uoc-{covenant.pk}-v{covenant.version}-ky-so-{unit_part}.pdf",
        content_type="application/pdf",
    )


def amend(request: HttpRequest, pk: int) -> HttpResponse:
    covenant, _roles = covenant_for_user(request, pk, "manage")
    form = AmendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            amendment = covenant_amend(
                actor=request.user, covenant=covenant, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Version %(version)s was made as a draft; the signed version is kept.")
                % {"version": amendment.version},
            )
            return redirect("covenant_detail", amendment.pk)
    return render(
        request,
        "covenants/workflow/amend.html",
        {"nav": "clusters", "covenant": covenant, "form": form},
    )


@require_POST
def pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for the covenant's PDF: the signed document once signed (one issued copy:
    an existing one is shown again), otherwise a draft with the DỰ THẢO mark."""
    # Any member may ask for the text it reads (a leader signs it with a USB token).
    covenant, _roles = covenant_for_user(request, pk, "view")
    kind = "covenant_signed" if covenant.state == CovenantState.SIGNED else "covenant"
    if kind == "covenant_signed":
        existing = latest_job(obj=covenant, kind=kind)
        if existing is not None and existing.state != existing.State.FAILED:
            return redirect("job_detail", existing.pk)
    job = job_request(
        actor=request.user,
        kind=kind,
        obj=covenant,
        scope_id=covenant.cluster_year.cluster.organizer_id,
        # The state the text was in: a copy of the adopted text may be token-signed.
        params={"state": covenant.state},
    )
    return redirect("job_detail", job.pk)


urlpatterns = [
    path("covenants/<int:pk>/transition/", transition, name="covenant_transition"),
    path("covenants/<int:pk>/sign/", sign, name="covenant_sign"),
    path("covenants/<int:pk>/witness/", witness, name="covenant_witness"),
    path("covenants/<int:pk>/token-signed/", token_upload, name="covenant_token_upload"),
    path(
        "covenants/<int:pk>/signatures/<int:signature_pk>/file/",
        signature_file,
        name="covenant_signature_file",
    ),
    path("covenants/<int:pk>/amend/", amend, name="covenant_amend"),
    path("covenants/<int:pk>/pdf/", pdf, name="covenant_pdf"),
]
