"""The verification page: the code and QR code printed on an issued document lead
here; it shows what was issued and tells whether a file someone holds is that
document, and whether its signatures hold.

Any logged-in user may verify (the code on the paper is the key): the page shows
only what the paper itself shows — kind, subject, dates, fingerprint, signers.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.documents.registry import document_kind
from core.documents.signing import SignatureReport, validate_pdf
from core.models import DocumentJob, JobState

CODE_PATTERN = re.compile(r"^[A-Z0-9]{4,20}$")

UNKNOWN_CODE = _("There is no document with the code %(code)s.")
BAD_CODE = _("A verification code has 4 to 20 letters and digits.")
UPLOAD_TOO_LARGE = _("The file is larger than %(limit)s.")
UPLOAD_NOT_PDF = _("This file is not a PDF document.")
STORED_FILE_MISSING = _("The issued file can no longer be read on the server.")


def verification_url(code: str) -> str:
    """The absolute address printed (and put in the QR code) on a document."""
    try:
        relative = reverse("verify_code", kwargs={"code": code})
    except NoReverseMatch:  # the patterns are not (yet) included in the URLconf
        relative = f"/verify/{quote(code)}/"
    return settings.SITE_URL.rstrip("/") + relative


def normalize_code(text: str) -> str:
    """'abcd-efgh 23' → 'ABCDEFGH23': people retype codes from paper."""
    return re.sub(r"[\s\-.]", "", text or "").upper()


# --- forms ----------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=40,
        help_text=_("Printed under the QR code on the document."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_code(self) -> str:
        code = normalize_code(self.cleaned_data["code"])
        if not CODE_PATTERN.match(code):
            raise ValidationError(BAD_CODE, code="bad_code")
        return code


class PdfUploadForm(forms.Form):
    file = forms.FileField(
        label=_("PDF file to check"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise ValidationError(
                UPLOAD_TOO_LARGE,
                code="too_large",
                params={"limit": filesizeformat(settings.MAX_UPLOAD_BYTES)},
            )
        data = b"".join(upload.chunks())
        if not data.startswith(b"%PDF-"):
            raise ValidationError(UPLOAD_NOT_PDF, code="not_pdf")
        return data


# --- reads ----------------------------------------------------------------------


@dataclass
class IssuedDocument:
    job: DocumentJob
    kind_label: str
    subject: str
    report: SignatureReport
    stored_sha256_ok: bool
    stored_error: str


@dataclass
class UploadCheck:
    sha256: str
    size: int
    identical: bool
    report: SignatureReport
    issued_code: str = ""  # on /verify/: the issued document this file is identical to


def issued_job(*, code: str | None = None, sha256: str | None = None) -> DocumentJob | None:
    """A finished document by its code or by its file's SHA-256."""
    jobs = DocumentJob.objects.filter(state=JobState.DONE).select_related("content_type")
    if code is not None:
        return jobs.filter(verification_code=code).first()
    return jobs.filter(sha256=sha256).order_by("-finished_at", "-pk").first()


def _kind_label(job: DocumentJob) -> str:
    try:
        label = document_kind(job.kind).label
    except LookupError:
        label = ""
    if not label:
        model = job.content_type.model_class()
        label = capfirst(model._meta.verbose_name) if model is not None else job.kind
    return str(label)


def _subject(job: DocumentJob) -> str:
    model = job.content_type.model_class()
    if model is None:
        return ""
    subject = model._default_manager.filter(pk=job.object_id).first()
    return str(subject) if subject is not None else ""


def issued_document(job: DocumentJob) -> IssuedDocument:
    """What was issued under a code, with its signatures validated now."""
    try:
        with job.file.open("rb") as stored:
            data = stored.read()
    except (OSError, ValueError):
        data = None
    if data is None:
        report = SignatureReport(error=str(STORED_FILE_MISSING))
        sha_ok = False
    else:
        report = validate_pdf(data)
        sha_ok = hashlib.sha256(data).hexdigest() == job.sha256
    return IssuedDocument(
        job=job,
        kind_label=_kind_label(job),
        subject=_subject(job),
        report=report,
        stored_sha256_ok=sha_ok,
        stored_error="" if data is not None else str(STORED_FILE_MISSING),
    )


def check_upload(data: bytes, *, job: DocumentJob | None) -> UploadCheck:
    digest = hashlib.sha256(data).hexdigest()
    if job is None:
        match = issued_job(sha256=digest)
        return UploadCheck(
            sha256=digest,
            size=len(data),
            identical=match is not None,
            report=validate_pdf(data),
            issued_code=match.verification_code if match else "",
        )
    identical = digest == job.sha256
    return UploadCheck(
        sha256=digest,
        size=len(data),
        identical=identical,
        # Identical bytes have the issued document's signatures: no need to say it twice.
        report=SignatureReport() if identical else validate_pdf(data),
    )


# --- views ----------------------------------------------------------------------


def verify(request):  # type: ignore[no-untyped-def]
    """/verify/: look a code up, or check a PDF without one (found by its SHA-256)."""
    code_form = CodeForm(request.GET if "code" in request.GET else None)
    if code_form.is_bound and code_form.is_valid():
        return redirect("verify_code", code=code_form.cleaned_data["code"])
    upload_form = PdfUploadForm(request.POST or None, request.FILES or None)
    check = None
    if request.method == "POST" and upload_form.is_valid():
        check = check_upload(upload_form.cleaned_data["file"], job=None)
    return render(
        request,
        "core/verify/start.html",
        {
            "nav": "verify",
            "code_form": code_form,
            "upload_form": upload_form,
            "check": check,
            "max_upload": settings.MAX_UPLOAD_BYTES,
        },
    )


def verify_code(request, code: str):  # type: ignore[no-untyped-def]
    """/verify/<code>/: the issued document, and a check of an uploaded copy."""
    normalized = normalize_code(code)
    job = issued_job(code=normalized) if CODE_PATTERN.match(normalized) else None
    if job is None:
        context = {
            "nav": "verify",
            "code_form": CodeForm(initial={"code": code}),
            "upload_form": PdfUploadForm(),
            "unknown_code": code,
            "unknown_message": UNKNOWN_CODE % {"code": code},
            "max_upload": settings.MAX_UPLOAD_BYTES,
        }
        return render(request, "core/verify/start.html", context, status=404)
    if normalized != code:
        return redirect("verify_code", code=normalized)
    upload_form = PdfUploadForm(request.POST or None, request.FILES or None)
    check = None
    if request.method == "POST" and upload_form.is_valid():
        check = check_upload(upload_form.cleaned_data["file"], job=job)
    return render(
        request,
        "core/verify/document.html",
        {
            "nav": "verify",
            "document": issued_document(job),
            "upload_form": upload_form,
            "check": check,
            "max_upload": settings.MAX_UPLOAD_BYTES,
        },
    )


urlpatterns = [
    path("verify/", verify, name="verify"),
    path("verify/<str:code>/", verify_code, name="verify_code"),
]
