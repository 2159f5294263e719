"""The organizer's award list for the council (danh sách đề nghị khen thưởng): the
accepted nominees of a year, flags first, then certificates of merit, as an Excel
workbook and as an official document (Decree 30 layout) rendered by the worker.

Kind ``award_list``: the job's object is the Organizer, ``params={"year": …}``.
Only the organizer's emulation board may ask for it or read it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clusters.models import Organizer
from core import excel as core_excel
from core.documents.qr import verification_stamp
from core.models import DocumentJob
from core.text import document_date, vi_number
from scoring.models.results import award_wording
from scoring.selectors.nomination_board import AwardList, award_list

KIND = "award_list"
TEMPLATE = "scoring/pdf/award_list.html"
GAP = "\u00a0" * 6
BLANK_NAME = "." * 40
TITLE = "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG"
GROUP_NUMERALS = ("I", "II", "III", "IV")
XLSX_HEADERS = (
    "STT",
    "Cụm thi đua",
    "Đơn vị",
    "Hình thức khen thưởng",
    "Xếp hạng",
    "Tổng điểm",
    "Số phiếu",
)


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def award_list_xlsx(listing: AwardList) -> bytes:
    """One sheet: STT, cluster, unit, award, rank, total, votes (unit names always text)."""
    rows = [
        [
            line.number,
            line.cluster,
            line.unit,
            award_wording(line.award, listing.organizer.level),
            line.rank,
            _number(line.total),
            line.votes,
        ]
        for line in listing.lines
    ]
    return core_excel.build_workbook(
        [
            core_excel.SheetSpec(
                title=f"Khen thưởng {listing.year}",
                headers=XLSX_HEADERS,
                rows=rows,
                widths=[6, 36, 36, 40, 10, 12, 10],
            )
        ]
    )


def award_list_filename(year: int, extension: str) -> str:
    return f"danh-sach-de-nghi-khen-thuong-{year}.{extension}"


def award_list_context(listing: AwardList, *, job: DocumentJob | None = None) -> dict[str, Any]:
    """Everything templates/scoring/pdf/award_list.html needs."""
    organizer = listing.organizer
    day = timezone.localdate()
    groups = []
    for index, group in enumerate(listing.groups):
        groups.append(
            {
                "numeral": GROUP_NUMERALS[index] if index < len(GROUP_NUMERALS) else str(index + 1),
                "title": award_wording(group.award, organizer.level),
                "rows": [
                    {
                        "number": line.number,
                        "cluster": line.cluster,
                        "unit": line.unit,
                        "rank": vi_number(line.rank) if line.rank is not None else "",
                        "total": vi_number(line.total, 2) if line.total is not None else "",
                        "votes": vi_number(line.votes) if line.votes is not None else "",
                        "women": line.women_preference,
                    }
                    for line in group.lines
                ],
            }
        )
    stamp = verification_stamp(job)
    return {
        "year": listing.year,
        "parent_body": (organizer.parent_body or "").upper(),
        "issuing_body": (organizer.issuing_body or organizer.name).upper(),
        "doc_number": GAP * 2 + "/DS-HĐTĐKT",
        "place_name": organizer.place_name,
        "date_text": document_date(day),
        "title": TITLE,
        "subtitle": f"Các tập thể dẫn đầu và xuất sắc trong phong trào thi đua theo Cụm, "
        f"Khối thi đua năm {listing.year}",
        "groups": groups,
        "total_count": vi_number(len(listing.lines)),
        "signatures": [
            {
                "on_behalf": "TM. " + (organizer.issuing_body or organizer.name).upper(),
                "position": "THƯỜNG TRỰC",
                "name": BLANK_NAME,
                "note": "",
            }
        ],
        "recipients": ["Hội đồng Thi đua - Khen thưởng (b/c)", "Các Cụm, Khối thi đua", "Lưu: VT."],
        **stamp,
    }


def _year_of(job: DocumentJob) -> int:
    try:
        return int((job.params or {}).get("year"))
    except (TypeError, ValueError):
        raise ValueError("Danh sách đề nghị khen thưởng cần năm (params.year).") from None


def render_award_list(job: DocumentJob) -> Any:
    from core.documents.registry import RenderedDocument
    from core.documents.render import render_pdf

    organizer = Organizer.objects.get(pk=job.object_id)
    year = _year_of(job)
    context = award_list_context(award_list(organizer=organizer, year=year), job=job)
    return RenderedDocument(
        pdf=render_pdf(TEMPLATE, context), filename=award_list_filename(year, "pdf")
    )


def authorize_award_list(request: HttpRequest, job: DocumentJob) -> None:
    from clusters.permissions import current_organizer
    from clusters.roles import is_board_of

    organizer = current_organizer(request)
    if organizer is None or str(organizer.pk) != str(job.object_id):
        raise Http404
    if not is_board_of(request.user, organizer.pk):
        raise PermissionDenied


def award_list_back_url(job: DocumentJob) -> str:
    try:
        year = _year_of(job)
    except ValueError:
        return reverse("board_nominations")
    return reverse("board_nominations") + f"?year={year}"


def register() -> None:
    from core.documents.registry import register_document_kind

    register_document_kind(
        KIND,
        render=render_award_list,
        authorize=authorize_award_list,
        label=_("Award list (PDF)"),
        back_url=award_list_back_url,
    )
