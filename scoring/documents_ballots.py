"""The ballot-count minutes (biên bản kiểm phiếu) as an official document (Decree 30
layout), for the job engine.

Kind ``ballot_minutes``, registered by ``register()`` (from ``ScoringConfig.ready``):
the count of a CLOSED secret ballot, read from ``Ballot.result`` written at closing —
ballots issued, returned, valid, invalid and blank, the quorum, each candidate's votes
and share of the member units, who is elected and what follows (elected, a further
round, or the head and the deputy head decide). Signed by the head of the counting
board (names left blank to be written by hand) and the head unit.

Whoever may see the ballot (members of the year, the board: ``ballot_for_user``
"view") may see its minutes; an open or draft ballot has none.
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
from core.text import document_date, vi_number
from scoring.document_parts import head_signature
from scoring.models import Ballot

KIND = "ballot_minutes"
TEMPLATE = "scoring/pdf/ballot_minutes.html"
GAP = "\u00a0" * 6
# A line to write a name on by hand.
BLANK_NAME = "." * 40

PURPOSE_TEXT = {
    Ballot.Purpose.LEADING_UNIT: "suy tôn đơn vị dẫn đầu Cụm thi đua",
    Ballot.Purpose.MERIT: "bình xét đề nghị tặng Bằng khen",
}


def _upper(text: str) -> str:
    return (text or "").upper()


def _local_date(value: Any) -> Any:
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def _closed_at(ballot: Ballot) -> Any:
    if ballot.closed_at is not None:
        return ballot.closed_at
    stored = (ballot.result or {}).get("closed_at")
    if stored:
        import datetime as dt

        return dt.datetime.fromisoformat(stored)
    return ballot.closes_at


def _head_signature(ballot: Ballot) -> dict[str, str] | None:
    return head_signature(ballot.cluster_year.head_unit, blank_name=BLANK_NAME)


def _outcome(result: dict[str, Any], rows: list[dict[str, Any]], ballot: Ballot) -> list[str]:
    """The sentences that close the count."""
    sentences: list[str] = []
    quorum = result.get("quorum") or {}
    if not quorum.get("met"):
        sentences.append(
            "Số phiếu thu về không đạt tỷ lệ tối thiểu "
            f"({quorum.get('fraction', '')} tổng số đơn vị thành viên), "
            "kết quả bỏ phiếu không được công nhận."
        )
    if result.get("tie"):
        sentences.append("Có các đơn vị bằng số phiếu ở vị trí cuối cùng.")
    decision = result.get("decision")
    if decision == "elected":
        names = ", ".join(row["name"] for row in rows if row["winner"])
        sentences.append(f"Các đơn vị trúng cử: {names}.")
    elif decision == "next_round":
        sentences.append(
            "Không đủ đơn vị đạt tỷ lệ phiếu bầu theo quy định; "
            f"tổ chức bỏ phiếu vòng {ballot.round + 1}."
        )
    else:
        decided = head_decision_sentence(result, ballot.round)
        sentences.append(
            decided
            or "Sau vòng bỏ phiếu cuối cùng vẫn không có kết quả; Trưởng cụm và Phó Trưởng cụm "
            "thống nhất quyết định và ghi rõ trong biên bản."
        )
    return sentences


def head_decision_sentence(result: dict[str, Any], rounds: int) -> str:
    """The sentence of the head and deputy head's decision after the last round, or ''."""
    decision = (result or {}).get("head_decision") or {}
    if not decision:
        return ""
    names = ", ".join(decision.get("unit_names") or [])
    sentence = (
        f"Sau {rounds} vòng bỏ phiếu không có đơn vị đạt tỷ lệ, Trưởng cụm và Phó Trưởng cụm "
        f"thống nhất quyết định: {names}."
    )
    reason = (decision.get("reason") or "").strip()
    return f"{sentence} Lý do: {reason}" if reason else sentence


def _time_text(value: Any) -> str:
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return local.strftime("%H giờ %M ngày %d/%m/%Y")


def deliberation_of(ballot: Ballot) -> Any:
    """The deliberation meeting of the ballot's period (or of the year-end period)."""
    from scoring.models import Deliberation, Period

    meetings = Deliberation.objects.prefetch_related("attendees")
    if ballot.period_id is not None:
        found = meetings.filter(period_id=ballot.period_id).first()
        if found is not None:
            return found
    return meetings.filter(
        period__cluster_year_id=ballot.cluster_year_id, period__kind=Period.Kind.YEAR_END
    ).first()


def _meeting_context(ballot: Ballot) -> dict[str, Any]:
    from clusters.models import Unit
    from core.text import vi_sort_key

    meeting = deliberation_of(ballot)
    if meeting is None:
        return {"meeting": None}
    members = list(Unit.objects.filter(memberships__cluster_year_id=ballot.cluster_year_id))
    members.sort(key=lambda unit: vi_sort_key(unit.name))
    present = {unit.pk for unit in meeting.attendees.all()}
    return {
        "meeting": meeting,
        "counting_chair": meeting.chaired_by,
        "counting_secretary": meeting.secretary,
        "present_names": [unit.name for unit in members if unit.pk in present],
        "absent_names": [unit.name for unit in members if unit.pk not in present],
        "member_count": vi_number(len(members)),
    }


def ballot_minutes_context(ballot: Ballot, *, job: DocumentJob | None = None) -> dict[str, Any]:
    """Everything templates/scoring/pdf/ballot_minutes.html needs."""
    cluster_year = ballot.cluster_year
    cluster = cluster_year.cluster
    organizer = cluster.organizer
    result = ballot.result or {}
    head = cluster_year.head_unit
    place_name = (head.short_name if head is not None and head.short_name else "") or (
        organizer.place_name
    )
    closed = _closed_at(ballot)
    day = _local_date(closed)
    rows = [
        {
            "number": index,
            "name": row.get("name", ""),
            "votes": vi_number(int(row.get("votes", 0))),
            "percent": vi_number(Decimal(str(row.get("percent", "0"))), 2) + "%",
            "meets_threshold": bool(row.get("meets_threshold")),
            "winner": bool(row.get("winner")),
        }
        for index, row in enumerate(result.get("candidates", []), start=1)
    ]
    quorum = result.get("quorum") or {}
    threshold = result.get("threshold") or {}
    threshold_text = (
        f"{'trên' if threshold.get('strict', True) else 'từ'} {threshold.get('fraction', '')} "
        f"tổng số đơn vị thành viên (ít nhất {vi_number(int(threshold.get('needed', 0)))} phiếu)"
    )
    stamp = verification_stamp(job)
    meeting = _meeting_context(ballot)
    signatures = [
        {
            "on_behalf": "",
            "position": "TRƯỞNG BAN KIỂM PHIẾU",
            "name": meeting.get("counting_chair") or BLANK_NAME,
            "note": "",
        }
    ]
    head_signature = _head_signature(ballot)
    if head_signature:
        signatures.append(head_signature)
    purpose = PURPOSE_TEXT.get(ballot.purpose, ballot.get_purpose_display())
    # The count is made by the system at the moment the head closes the ballot and is
    # stored then: counting starts and ends at closing. The minutes say when they were
    # drawn up from that stored count (this rendering).
    made_at = timezone.now()
    return {
        **meeting,
        "counting_started": _time_text(closed),
        "counting_ended": _time_text(closed),
        "minutes_made": _time_text(made_at),
        "ballot": ballot,
        "year": cluster_year.year,
        "parent_body": _upper(organizer.parent_body),
        "issuing_body": _upper(cluster.name),
        "doc_number": GAP * 2 + "/BB-KP",
        "place_name": place_name,
        "date_text": document_date(day),
        "title": "BIÊN BẢN KIỂM PHIẾU",
        "subtitle": f"Bỏ phiếu kín {purpose} năm {cluster_year.year} (vòng {ballot.round})",
        "cluster_name": cluster.name,
        "purpose_text": purpose,
        "round": ballot.round,
        "closed_date": day.strftime("%d/%m/%Y"),
        "closed_time": timezone.localtime(closed).strftime("%H giờ %M")
        if timezone.is_aware(closed)
        else closed.strftime("%H giờ %M"),
        "issued": vi_number(int(result.get("issued", 0))),
        "returned": vi_number(int(result.get("returned", 0))),
        "valid": vi_number(int(result.get("valid", 0))),
        "invalid": vi_number(int(result.get("invalid", 0))),
        "blank": vi_number(int(result.get("blank", 0))),
        "quorum_met": bool(quorum.get("met")),
        "quorum_fraction": quorum.get("fraction", ""),
        "quorum_needed": vi_number(int(quorum.get("needed", 0))),
        "threshold_text": threshold_text,
        "choose_at_most": vi_number(ballot.choose_at_most),
        "rows": rows,
        "outcome": _outcome(result, rows, ballot),
        "signatures": signatures,
        "recipients": [
            "Các đơn vị thành viên cụm",
            f"{organizer.name} (b/c)",
            "Lưu: VT.",
        ],
        **stamp,
    }


def _ballot_of(job: DocumentJob) -> Ballot:
    return Ballot.objects.select_related(
        "cluster_year__cluster__organizer", "cluster_year__head_unit"
    ).get(pk=job.object_id)


def _filename(ballot: Ballot) -> str:
    purpose = "dan-dau" if ballot.purpose == Ballot.Purpose.LEADING_UNIT else "bang-khen"
    return f"bien-ban-kiem-phieu-{purpose}-{ballot.cluster_year.year}-vong-{ballot.round}.pdf"


def render_ballot_minutes(job: DocumentJob) -> Any:
    from core.documents.registry import RenderedDocument
    from core.documents.render import render_pdf

    ballot = _ballot_of(job)
    if ballot.state != Ballot.State.CLOSED or not ballot.result:
        raise ValueError("Biên bản kiểm phiếu chỉ lập khi đã kết thúc bỏ phiếu.")
    context = ballot_minutes_context(ballot, job=job)
    return RenderedDocument(pdf=render_pdf(TEMPLATE, context), filename=_filename(ballot))


def authorize_ballot_minutes(request: HttpRequest, job: DocumentJob) -> None:
    from scoring.permissions import ballot_for_user

    ballot, _roles = ballot_for_user(request, int(job.object_id), "view")
    if ballot.state != Ballot.State.CLOSED:
        raise Http404


def ballot_minutes_back_url(job: DocumentJob) -> str:
    return reverse("ballot_result", args=[int(job.object_id)])


def register() -> None:
    from core.documents.registry import register_document_kind

    register_document_kind(
        KIND,
        render=render_ballot_minutes,
        authorize=authorize_ballot_minutes,
        label=_("Ballot-count minutes (PDF)"),
        back_url=ballot_minutes_back_url,
    )
