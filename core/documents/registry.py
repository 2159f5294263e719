"""The kinds of document the apps produce.

An app registers each kind once (in its ``AppConfig.ready``) with a renderer, which
turns a job into a PDF, and an ``authorize`` check, which raises ``Http404`` or
``PermissionDenied`` like the other permission helpers. The job views and the worker
only know kinds by name, so ``core`` stays free of domain models.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from core.models import DocumentJob


@dataclass
class RenderedDocument:
    pdf: bytes
    filename: str  # e.g. "giao-uoc-thi-dua-2023.pdf" (ASCII, no path)
    sign_for_organizer_id: int | None = None  # set → jobs.py signs it (PAdES) before storing
    signers: list[str] = field(default_factory=list)  # lines for the visible stamp
    signature_reason: str = ""
    signature_location: str = ""


Renderer = Callable[["DocumentJob"], RenderedDocument]
Authorizer = Callable[[HttpRequest, "DocumentJob"], None]
BackUrl = Callable[["DocumentJob"], str]


@dataclass(frozen=True)
class DocumentKind:
    kind: str
    render: Renderer
    authorize: Authorizer
    label: str = ""  # shown on the job page, e.g. "Covenant (PDF)"
    back_url: BackUrl | None = None  # where the job page links back to


_KINDS: dict[str, DocumentKind] = {}


def register_document_kind(
    kind: str,
    *,
    render: Renderer,
    authorize: Authorizer,
    label: str = "",
    back_url: BackUrl | None = None,
) -> None:
    """Register (or re-register, e.g. on a second ``ready()``) a kind of document."""
    if not kind or len(kind) > 50:
        raise ValueError(f"A document kind is 1–50 characters: {kind!r}")
    _KINDS[kind] = DocumentKind(
        kind=kind, render=render, authorize=authorize, label=label, back_url=back_url
    )


def document_kind(kind: str) -> DocumentKind:
    """The registered kind; ``LookupError`` for a name nobody registered."""
    try:
        return _KINDS[kind]
    except KeyError:
        raise LookupError(f"No document kind {kind!r} is registered.") from None


def registered_kinds() -> list[str]:
    return sorted(_KINDS)


# --- "example": a small document in the Decree 30 layout ----------------------
# Used by the engine's own tests, the real-worker test and the benchmark. It is
# registered here (not in a test) because the Celery worker is a separate process
# that must know it too. It renders templates/documents/example.html about any
# object; only the person who asked for it (or a superuser) may see the job.


def _example_render(job: DocumentJob) -> RenderedDocument:
    from core.documents.render import render_pdf

    params = job.params or {}
    issued = params.get("date")
    day = dt.date.fromisoformat(issued) if issued else timezone.localdate()
    context = example_context(
        subject=str(job.content_type.get_object_for_this_type(pk=job.object_id)),
        day=day,
        number=f"{job.pk}/BC-UBND",
        paragraphs=int(params.get("paragraphs", 3)),
        rows=int(params.get("rows", 8)),
        body=str(params.get("body", "")),
        draft=bool(params.get("draft", False)),
        verification_code=job.verification_code,
    )
    return RenderedDocument(
        pdf=render_pdf("documents/example.html", context),
        filename=f"vi-du-{job.pk}.pdf",
    )


def _example_authorize(request: HttpRequest, job: DocumentJob) -> None:
    user = request.user
    if not (user.is_superuser or (job.requested_by_id and job.requested_by_id == user.pk)):
        raise Http404


def example_context(
    *,
    subject: str = "",
    day: dt.date | None = None,
    number: str = "01/BC-UBND",
    paragraphs: int = 3,
    rows: int = 8,
    body: str = "",
    draft: bool = False,
    verification_code: str = "",
) -> dict:
    """The context of templates/documents/example.html (text from the seed case)."""
    from core.text import document_date

    day = day or timezone.localdate()
    verification_url = qr_image = ""
    if verification_code:
        verification_url, qr_image = _verification_links(verification_code)
    return {
        "parent_body": "UBND TỈNH BẮC NINH",
        "issuing_body": "UBND HUYỆN LƯƠNG TÀI",
        "doc_number": number,
        "place_name": "Lương Tài",
        "date_text": document_date(day),
        "title": "Báo cáo kết quả hội nghị ký kết giao ước thi đua",
        "subtitle": "Cụm thi đua các huyện, thành phố năm " + str(day.year),
        "subject": subject,
        "body": body,
        "paragraphs": range(max(paragraphs, 0)),
        "rows": [
            {"number": index + 1, "unit": f"Đơn vị thành viên số {index + 1}", "target": 9}
            for index in range(max(rows, 0))
        ],
        "draft": draft,
        "signatures": [
            {
                "on_behalf": "TM. ỦY BAN NHÂN DÂN",
                "position": "CHỦ TỊCH",
                "name": "Phạm Thanh Hải",
            },
            {
                "on_behalf": "TM. BAN THI ĐUA - KHEN THƯỞNG",
                "position": "PHÓ TRƯỞNG BAN",
                "name": "Đàm Văn Bắc",
            },
        ],
        "recipients": [
            "Ban Thi đua - Khen thưởng tỉnh (b/c)",
            "Các đơn vị thành viên cụm",
            "Lưu: VT.",
        ],
        "verification_code": verification_code,
        "verification_url": verification_url,
        "qr_image": qr_image,
    }


def _verification_links(code: str) -> tuple[str, str]:
    """The verification page's address and its QR code."""
    from core.documents.qr import qr_data_uri
    from core.documents.verification import verification_url

    url = verification_url(code)
    return url, qr_data_uri(url)


register_document_kind(
    "example",
    render=_example_render,
    authorize=_example_authorize,
    label=_("Example document"),
)
