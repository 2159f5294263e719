"""The score summary of a period as an official document (Decree 30/2020 layout).

Kind ``score_summary``, registered by ``register()`` (called from ``ScoringConfig.ready``):
one row per ranked unit with its points per section, bonus, deductions, final total and
rank, the cluster average, the units not final yet under the table, signed by the head
unit's leader. A4 landscape when the rubric has many sections. Until every scorecard is
final the PDF carries the DỰ THẢO (draft) mark.

Who may see the ranking page may see this PDF (``scoring.views.reports.period_seen``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.documents.qr import verification_stamp
from core.models import DocumentJob
from core.text import document_date
from scoring.document_parts import head_signature
from scoring.models import Period
from scoring.reports import Summary, period_summary, summary_filename

KIND = "score_summary"
TEMPLATE = "scoring/pdf/summary.html"
# Portrait holds STT, unit, this many sections, bonus, deductions, total and rank.
PORTRAIT_SECTIONS = 4
# Column widths (mm): the text area is 165 mm wide in portrait, 257 mm in landscape.
TEXT_WIDTH = {False: 165, True: 257}
NUMBER_COL = 12
UNIT_COL = {False: 50, True: 70}


def _upper(text: str) -> str:
    return (text or "").upper()


def _signature(period: Period) -> list[dict[str, str]]:
    """The head unit's leader signs for the cluster."""
    signature = head_signature(period.cluster_year.head_unit)
    return [signature] if signature else []


def summary_context(
    summary: Summary, *, job: DocumentJob | None = None, day: Any = None
) -> dict[str, Any]:
    """Everything templates/scoring/pdf/summary.html needs."""
    period = summary.period
    cluster_year = period.cluster_year
    cluster = cluster_year.cluster
    organizer = cluster.organizer
    head = cluster_year.head_unit
    place_name = (head.short_name if head is not None and head.short_name else "") or (
        organizer.place_name
    )
    landscape = len(summary.sections) > PORTRAIT_SECTIONS
    stamp = verification_stamp(job)
    return {
        "summary": summary,
        "period": period,
        "parent_body": _upper(organizer.parent_body),
        "issuing_body": _upper(cluster.name),
        "doc_number": "\u00a0" * 12,
        "place_name": place_name,
        "date_text": document_date(day or timezone.localdate()),
        "title": summary.title,
        "subtitle": f"{summary.period_words} — {cluster.name}",
        "draft": bool(summary.not_final) or not summary.rows,
        "landscape": landscape,
        "columns": {
            "number": NUMBER_COL,
            "unit": UNIT_COL[landscape],
            # Text, not a float: the Vietnamese locale would write "17,2mm".
            "other": "{:.1f}".format(
                (TEXT_WIDTH[landscape] - NUMBER_COL - UNIT_COL[landscape])
                / (len(summary.sections) + 4)
            ),
        },
        "signatures": _signature(period),
        "recipients": ["Các đơn vị thành viên cụm", f"{organizer.name} (b/c)", "Lưu: VT."],
        **stamp,
    }


def _period_of(job: DocumentJob) -> Period:
    return Period.objects.select_related(
        "cluster_year__cluster__organizer", "cluster_year__head_unit", "rubric"
    ).get(pk=job.object_id)


def render_summary(job: DocumentJob) -> Any:
    from core.documents.registry import RenderedDocument
    from core.documents.render import render_pdf

    period = _period_of(job)
    with translation.override("vi"):
        context = summary_context(period_summary(period=period), job=job)
    return RenderedDocument(
        pdf=render_pdf(TEMPLATE, context), filename=summary_filename(period, "pdf")
    )


def authorize_summary_document(request: HttpRequest, job: DocumentJob) -> None:
    from scoring.views.reports import period_seen

    period_seen(request, int(job.object_id))


def summary_document_back_url(job: DocumentJob) -> str:
    return reverse("period_ranking", args=[int(job.object_id)])


def register() -> None:
    from core.documents.registry import register_document_kind

    register_document_kind(
        KIND,
        render=render_summary,
        authorize=authorize_summary_document,
        label=_("Score summary (PDF)"),
        back_url=summary_document_back_url,
    )
