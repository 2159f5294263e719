"""The scoring table as an official document (Decree 30/2020 layout), for the job engine.

Kind ``rubric``, registered in ``ScoringConfig.ready``: the table of a cluster year
(or a library template) with its sections, criteria, bonus and deduction items,
each with its maximum and how it is computed, in plain words. Until the table is
frozen the PDF carries the DỰ THẢO (draft) mark.

Whoever may see the table may see its PDF (``rubric_for_user`` "view").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.documents.qr import verification_stamp
from core.models import DocumentJob
from core.text import document_date, vi_number
from scoring.document_parts import head_signature
from scoring.models import CriterionKind, Rubric
from scoring.selectors import editor

TEMPLATE = "scoring/pdf/rubric.html"
# Room to write the day and month by hand when the table is not frozen yet.
GAP = "\u00a0" * 6


def _upper(text: str) -> str:
    return (text or "").upper()


def _points(value: Decimal) -> str:
    return vi_number(value)


def _how(row: editor.Row) -> str:
    """The "Cách tính" cell: the formula in words, and whether evidence is required."""
    criterion = row.criterion
    if row.is_group:
        text = "Bằng tổng điểm các tiêu chí thành phần." if row.depth else ""
    else:
        text = row.explanation
        if criterion.target_id is not None:
            text += f" Chỉ tiêu: {criterion.target.indicator}."
    if criterion.evidence_required:
        text = (text + " " if text else "") + "Bắt buộc có minh chứng."
    return text


def _signature(rubric: Rubric) -> list[dict[str, str]]:
    """The head unit's leader signs for the cluster (none on a library template)."""
    if rubric.is_template:
        return []
    signature = head_signature(rubric.cluster_year.head_unit)
    return [signature] if signature else []


def rubric_context(rubric: Rubric, *, job: DocumentJob | None = None) -> dict[str, Any]:
    """Everything templates/scoring/pdf/rubric.html needs (a few queries)."""
    tree = editor.rubric_tree(rubric=rubric)
    organizer = rubric.organizer
    cluster_year = rubric.cluster_year
    inside_rows: list[dict[str, Any]] = []
    bonus_rows: list[dict[str, Any]] = []
    deduction_rows: list[dict[str, Any]] = []
    for row in editor.pdf_rows(tree):
        kind = row.criterion.kind
        target = inside_rows
        if row.depth == 0 and kind == CriterionKind.BONUS:
            target = bonus_rows
        elif row.depth == 0 and kind == CriterionKind.DEDUCTION:
            target = deduction_rows
        target.append(
            {
                "code": row.criterion.code,
                "title": row.criterion.title,
                "max": _points(row.criterion.max_points),
                "how": _how(row),
                "depth": row.depth,
                "indent_pt": str(4 + row.depth * 11),
                "is_group": row.is_group,
                "is_section": row.depth == 0 and not row.is_outside,
            }
        )
    totals = tree.totals
    if cluster_year is not None:
        year = cluster_year.year
        cluster = cluster_year.cluster
        issuing_body = _upper(cluster.name)
        head = cluster_year.head_unit
        place_name = (
            head.short_name if head is not None and head.short_name else ""
        ) or organizer.place_name
        subtitle = cluster.name
    else:
        year = None
        issuing_body = _upper(organizer.issuing_body or organizer.name)
        place_name = organizer.place_name
        subtitle = rubric.name
    frozen = rubric.frozen_at
    if frozen is not None:
        day = timezone.localtime(frozen).date() if timezone.is_aware(frozen) else frozen.date()
        date_text = document_date(day)
    else:
        when = year or timezone.localdate().year
        date_text = f"ngày {GAP} tháng {GAP} năm {when}"
    stamp = verification_stamp(job)
    title = f"BẢNG CHẤM ĐIỂM THI ĐUA NĂM {year}" if year else "BẢNG CHẤM ĐIỂM THI ĐUA (MẪU)"
    return {
        "rubric": rubric,
        "year": year,
        "parent_body": _upper(organizer.parent_body),
        "issuing_body": issuing_body,
        "doc_number": GAP * 2,
        "place_name": place_name,
        "date_text": date_text,
        "title": title,
        "subtitle": subtitle,
        "draft": not rubric.is_frozen,
        "version_note": rubric.version > 1,
        "rows": inside_rows,
        "bonus_rows": bonus_rows,
        "deduction_rows": deduction_rows,
        "scale_total": _points(totals.scale_total),
        "sections_total": _points(totals.sections),
        "bonus_cap": _points(totals.bonus_cap),
        "deduction_cap": _points(totals.deduction_cap),
        "has_bonus": bool(bonus_rows) or totals.bonus_cap > 0,
        "has_deduction": bool(deduction_rows) or totals.deduction_cap > 0,
        "signatures": _signature(rubric),
        "recipients": (
            [
                "Các đơn vị thành viên cụm",
                f"{organizer.name} (b/c)",
                "Lưu: VT.",
            ]
            if cluster_year is not None
            else []
        ),
        **stamp,
    }


def _rubric_of(job: DocumentJob) -> Rubric:
    return Rubric.objects.select_related(
        "organizer", "cluster_year__cluster", "cluster_year__head_unit"
    ).get(pk=job.object_id)


def _filename(rubric: Rubric) -> str:
    version = f"-v{rubric.version}" if rubric.version > 1 else ""
    draft = "" if rubric.is_frozen else "-du-thao"
    if rubric.cluster_year_id is None:
        return f"bang-cham-diem-mau-{rubric.pk}{draft}.pdf"
    return f"bang-cham-diem-{rubric.cluster_year.year}{version}{draft}.pdf"


def render_rubric(job: DocumentJob) -> Any:
    from core.documents.registry import RenderedDocument
    from core.documents.render import render_pdf

    rubric = _rubric_of(job)
    with translation.override("vi"):  # the explanations, like the document, are Vietnamese
        context = rubric_context(rubric, job=job)
    return RenderedDocument(pdf=render_pdf(TEMPLATE, context), filename=_filename(rubric))


def authorize_rubric_document(request: HttpRequest, job: DocumentJob) -> None:
    from scoring.permissions import rubric_for_user

    rubric_for_user(request, int(job.object_id), "view")


def rubric_document_back_url(job: DocumentJob) -> str:
    return reverse("rubric_detail", args=[int(job.object_id)])


def register() -> None:
    from core.documents.registry import register_document_kind

    register_document_kind(
        "rubric",
        render=render_rubric,
        authorize=authorize_rubric_document,
        label=_("Scoring table (PDF)"),
        back_url=rubric_document_back_url,
    )
