"""The deliberation minutes (biên bản họp bình xét thi đua) as an official document
(Decree 30 layout), for the job engine.

Kind ``deliberation_minutes`` about a year-end ``Period`` (obj = the period), registered
by ``register()`` (from ``ScoringConfig.ready``): when and where the meeting was held,
who chaired and who took the minutes, the member units present and absent, guests, the
proceedings, the ranking (rank, unit, final total), the result of every closed secret
ballot of the year (votes, share, elected; the head and deputy head's decision after the
last round), the conclusions, when the meeting ended, and the signatures of the
secretary and the chair.

Whoever sees every unit's results of the period may see the minutes
(``scoring.views.deliberations.deliberation_seen``); a period without a recorded
meeting has none.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.documents.qr import verification_stamp
from core.models import DocumentJob
from core.text import document_date, vi_number, vi_sort_key
from scoring.documents_ballots import GAP, PURPOSE_TEXT, head_decision_sentence
from scoring.models import Ballot, Deliberation, Period

KIND = "deliberation_minutes"
TEMPLATE = "scoring/pdf/deliberation_minutes.html"
BLANK_TIME = "...... giờ ...... cùng ngày"


def _upper(text: str) -> str:
    return (text or "").upper()


def _local(value: Any) -> Any:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _ballot_rows(ballot: Ballot) -> dict[str, Any]:
    result = ballot.result or {}
    decision = result.get("decision")
    if decision == "elected":
        outcome = "Đơn vị trúng cử: " + ", ".join(
            row.get("name", "") for row in result.get("candidates", []) if row.get("winner")
        )
    elif decision == "next_round":
        outcome = f"Không đủ đơn vị đạt tỷ lệ; tổ chức bỏ phiếu vòng {ballot.round + 1}."
    else:
        outcome = head_decision_sentence(result, ballot.round) or (
            "Sau vòng bỏ phiếu cuối cùng không có đơn vị đạt tỷ lệ; Trưởng cụm và "
            "Phó Trưởng cụm thống nhất quyết định."
        )
    return {
        "title": f"Bỏ phiếu kín {PURPOSE_TEXT.get(ballot.purpose, '')} (vòng {ballot.round})",
        "issued": vi_number(int(result.get("issued", 0))),
        "returned": vi_number(int(result.get("returned", 0))),
        "valid": vi_number(int(result.get("valid", 0))),
        "invalid": vi_number(int(result.get("invalid", 0))),
        "quorum_met": bool((result.get("quorum") or {}).get("met")),
        "rows": [
            {
                "name": row.get("name", ""),
                "votes": vi_number(int(row.get("votes", 0))),
                "percent": vi_number(Decimal(str(row.get("percent", "0"))), 2) + "%",
                "winner": bool(row.get("winner")),
            }
            for row in result.get("candidates", [])
        ],
        "outcome": outcome,
    }


def deliberation_minutes_context(
    period: Period, *, job: DocumentJob | None = None
) -> dict[str, Any]:
    """Everything templates/scoring/pdf/deliberation_minutes.html needs."""
    from clusters.models import Unit
    from scoring.selectors.ranking import period_ranking

    meeting = Deliberation.objects.prefetch_related("attendees").get(period=period)
    cluster_year = period.cluster_year
    cluster = cluster_year.cluster
    organizer = cluster.organizer
    held = _local(meeting.held_at)
    members = sorted(
        Unit.objects.filter(memberships__cluster_year=cluster_year),
        key=lambda unit: vi_sort_key(unit.name),
    )
    present = {unit.pk for unit in meeting.attendees.all()}
    ranking = period_ranking(period=period)
    ballots = Ballot.objects.filter(cluster_year=cluster_year, state=Ballot.State.CLOSED).order_by(
        "purpose", "round", "pk"
    )
    stamp = verification_stamp(job)
    head = cluster_year.head_unit
    place_name = (head.short_name if head is not None and head.short_name else "") or (
        organizer.place_name
    )
    ended = _local(meeting.ended_at) if meeting.ended_at else None
    return {
        "meeting": meeting,
        "year": cluster_year.year,
        "parent_body": _upper(organizer.parent_body),
        "issuing_body": _upper(cluster.name),
        "doc_number": GAP * 2 + "/BB-BXTĐ",
        "place_name": place_name,
        "date_text": document_date(held.date()),
        "title": "BIÊN BẢN HỌP BÌNH XÉT THI ĐUA",
        "subtitle": f"{cluster.name} năm {cluster_year.year}",
        "cluster_name": cluster.name,
        "held_time": held.strftime("%H giờ %M"),
        "held_date": held.strftime("%d/%m/%Y"),
        "place": meeting.place,
        "chaired_by": meeting.chaired_by,
        "secretary": meeting.secretary,
        "member_count": vi_number(len(members)),
        "present_names": [unit.name for unit in members if unit.pk in present],
        "absent_names": [unit.name for unit in members if unit.pk not in present],
        "guests": _paragraphs(meeting.guests),
        "proceedings": _paragraphs(meeting.proceedings),
        "conclusions": _paragraphs(meeting.conclusions),
        "ranking": [
            {"rank": line.rank, "name": line.card.unit.name, "total": line.total_text}
            for line in ranking.lines
        ],
        "ballots": [_ballot_rows(ballot) for ballot in ballots],
        "ended_text": ended.strftime("%H giờ %M ngày %d/%m/%Y") if ended else BLANK_TIME,
        "signatures": [
            {"on_behalf": "", "position": "THƯ KÝ", "name": meeting.secretary, "note": ""},
            {"on_behalf": "", "position": "CHỦ TRÌ", "name": meeting.chaired_by, "note": ""},
        ],
        "recipients": [
            "Các đơn vị thành viên cụm",
            f"{organizer.name} (b/c)",
            "Lưu: VT.",
        ],
        **stamp,
    }


def _period_of(job: DocumentJob) -> Period:
    return Period.objects.select_related(
        "cluster_year__cluster__organizer", "cluster_year__head_unit", "rubric"
    ).get(pk=job.object_id)


def render_deliberation_minutes(job: DocumentJob) -> Any:
    from core.documents.registry import RenderedDocument
    from core.documents.render import render_pdf

    period = _period_of(job)
    if not Deliberation.objects.filter(period=period).exists():
        raise ValueError("Chưa ghi nhận cuộc họp bình xét của kỳ này.")
    context = deliberation_minutes_context(period, job=job)
    filename = f"bien-ban-hop-binh-xet-{period.cluster_year.year}.pdf"
    return RenderedDocument(pdf=render_pdf(TEMPLATE, context), filename=filename)


def authorize_deliberation_minutes(request: HttpRequest, job: DocumentJob) -> None:
    from scoring.views.deliberations import deliberation_seen

    period, _roles = deliberation_seen(request, int(job.object_id))
    if not Deliberation.objects.filter(period=period).exists():
        raise Http404


def deliberation_minutes_back_url(job: DocumentJob) -> str:
    return reverse("deliberation_detail", args=[int(job.object_id)])


def register() -> None:
    from core.documents.registry import register_document_kind

    register_document_kind(
        KIND,
        render=render_deliberation_minutes,
        authorize=authorize_deliberation_minutes,
        label=_("Deliberation minutes (PDF)"),
        back_url=deliberation_minutes_back_url,
    )
