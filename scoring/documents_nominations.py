"""The cluster's submission (Tờ trình đề nghị khen thưởng) as an official document
(Decree 30 layout), for the job engine.

Kind ``nomination_submission``, registered by ``register()`` (from
``ScoringConfig.ready``), about a ``Nomination``: issued by the head unit, addressed
to the organizer, with the basis (ranking and vote), the table of proposed units, the
dossier it comes with, and the head unit leader's signature block.

Whoever may see the nomination page (``nomination_for_user`` "view") may read it.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.documents.qr import verification_stamp
from core.models import DocumentJob
from core.text import document_date, vi_number
from scoring.document_parts import head_signature
from scoring.models import Nomination, NominationDocument, Nominee
from scoring.models.results import award_wording

KIND = "nomination_submission"
TEMPLATE = "scoring/pdf/nomination_submission.html"
BLANK_NAME = "." * 40

DOCUMENT_TEXT = {
    NominationDocument.Kind.BALLOT_MINUTES: "Biên bản kiểm phiếu",
    NominationDocument.Kind.DELIBERATION_MINUTES: "Biên bản họp bình xét thi đua",
    NominationDocument.Kind.SCORE_SUMMARY: "Bảng tổng hợp kết quả chấm điểm",
    NominationDocument.Kind.ACHIEVEMENT_REPORT: "Báo cáo thành tích",
    NominationDocument.Kind.OTHER: "Tài liệu khác",
    NominationDocument.Kind.SUBMISSION: "Tờ trình",
}


def _upper(text: str) -> str:
    return (text or "").upper()


def _signature(nomination: Nomination) -> dict[str, str] | None:
    return head_signature(nomination.cluster_year.head_unit, note="", blank_name=BLANK_NAME)


def _document_line(document: NominationDocument) -> str:
    text = DOCUMENT_TEXT.get(document.kind, document.get_kind_display())
    if document.kind == NominationDocument.Kind.BALLOT_MINUTES and document.job_id:
        from scoring.models import Ballot

        ballot = Ballot.objects.filter(pk=document.job.object_id).first()
        if ballot is not None:
            purpose = (
                "suy tôn đơn vị dẫn đầu"
                if ballot.purpose == Ballot.Purpose.LEADING_UNIT
                else "bình xét Bằng khen"
            )
            text = f"{text} {purpose} (vòng {ballot.round})"
    if document.unit_id:
        text = f"{text} của {document.unit.name}"
    if document.title:
        text = f"{text}: {document.title}"
    return text


def submission_context(nomination: Nomination, *, job: DocumentJob | None = None) -> dict:
    """Everything templates/scoring/pdf/nomination_submission.html needs."""
    from scoring.selectors.nominations import active_documents, proposal_basis

    year = nomination.cluster_year
    cluster = year.cluster
    organizer = cluster.organizer
    head = year.head_unit
    parent = head.parent.name if head is not None and head.parent_id else organizer.parent_body
    day = nomination.date or (
        timezone.localtime(nomination.submitted_at).date()
        if nomination.submitted_at
        else timezone.localdate()
    )
    place_name = (head.short_name if head is not None and head.short_name else "") or (
        organizer.place_name
    )
    nominees = list(nomination.nominees.select_related("unit").order_by("award", "order", "pk"))
    rows = [
        {
            "number": index,
            "name": nominee.unit.name,
            "award": award_wording(nominee.award, organizer.level),
            "rank": vi_number(nominee.rank) if nominee.rank is not None else "",
            "total": vi_number(nominee.total) if nominee.total is not None else "",
            "votes": vi_number(nominee.votes) if nominee.votes is not None else "",
            "women": nominee.women_preference,
            "reason": nominee.reason,
        }
        for index, nominee in enumerate(nominees, start=1)
    ]
    basis = proposal_basis(nomination.period)
    ballots = [ballot for ballot in (basis.flag_ballot, basis.merit_ballot) if ballot is not None]
    ballot_lines = [
        f"kết quả bỏ phiếu kín "
        f"{'suy tôn đơn vị dẫn đầu' if b.purpose == 'leading_unit' else 'bình xét Bằng khen'} "
        f"(vòng {b.round}), ngày "
        f"{timezone.localtime(b.closed_at).strftime('%d/%m/%Y') if b.closed_at else ''}"
        for b in ballots
    ]
    nominated = {nominee.unit_id for nominee in nominees}
    documents = [
        _document_line(document)
        for document in active_documents(nomination)
        if document.kind != NominationDocument.Kind.SUBMISSION
        and (
            document.kind != NominationDocument.Kind.ACHIEVEMENT_REPORT
            or document.unit_id in nominated
        )
    ]
    stamp = verification_stamp(job)
    signature = _signature(nomination)
    return {
        "nomination": nomination,
        "year": nomination.year,
        "parent_body": _upper(parent),
        "issuing_body": _upper(head.name if head is not None else cluster.name),
        "doc_number": nomination.number,
        "place_name": place_name,
        "date_text": document_date(day),
        "title": "TỜ TRÌNH",
        "subtitle": (
            f"Về việc đề nghị khen thưởng thành tích trong phong trào thi đua "
            f"năm {nomination.year} của {cluster.name}"
        ),
        "addressee": organizer.name,
        "cluster_name": cluster.name,
        "head_name": head.name if head is not None else "",
        "ballot_lines": ballot_lines,
        "rows": rows,
        "any_women": any(row["women"] for row in rows),
        "flag_words": award_wording(Nominee.Award.FLAG, organizer.level),
        "merit_words": award_wording(Nominee.Award.MERIT, organizer.level),
        "flag_count": vi_number(sum(1 for n in nominees if n.award == Nominee.Award.FLAG)),
        "merit_count": vi_number(sum(1 for n in nominees if n.award == Nominee.Award.MERIT)),
        "summary": nomination.summary,
        "documents": documents,
        "signatures": [signature] if signature else [],
        "recipients": [
            f"{organizer.name} (để xét)",
            "Các đơn vị thành viên cụm",
            "Lưu: VT.",
        ],
        **stamp,
    }


def _nomination_of(job: DocumentJob) -> Nomination:
    return Nomination.objects.select_related(
        "cluster_year__cluster__organizer", "cluster_year__head_unit__parent", "period"
    ).get(pk=job.object_id)


def render_submission(job: DocumentJob) -> Any:
    from core.documents.registry import RenderedDocument
    from core.documents.render import render_pdf

    nomination = _nomination_of(job)
    if not nomination.nominees.exists():
        raise ValueError("Tờ trình chỉ lập khi đã có đơn vị được đề nghị.")
    context = submission_context(nomination, job=job)
    return RenderedDocument(
        pdf=render_pdf(TEMPLATE, context),
        filename=f"to-trinh-de-nghi-khen-thuong-{nomination.year}.pdf",
    )


def authorize_submission(request: HttpRequest, job: DocumentJob) -> None:
    from scoring.permissions import nomination_for_user

    nomination = Nomination.objects.filter(pk=job.object_id).first()
    if nomination is None:
        raise Http404
    nomination_for_user(request, nomination.period_id, "view")


def submission_back_url(job: DocumentJob) -> str:
    period_id = (
        Nomination.objects.filter(pk=job.object_id).values_list("period_id", flat=True).first()
    )
    return reverse("nomination_detail", args=[period_id]) if period_id else ""


def register() -> None:
    from core.documents.registry import register_document_kind

    register_document_kind(
        KIND,
        render=render_submission,
        authorize=authorize_submission,
        label=_("Submission for awards (PDF)"),
        back_url=submission_back_url,
    )
