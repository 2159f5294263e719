"""TP Bắc Kạn 2022 after its year-end review (issue 6), written through the services.

On 15/12/2022 the head (phường Phùng Chí Kiên) published the ranking; at the year-end
deliberation meeting on 20/12/2022 the eight leaders voted by secret ballot for the unit
leading the cluster among the three best ranked, then for two certificates of merit
among the next three. The minutes, the score summary and the submission are rendered;
the head sent the nomination on 22/12/2022 and the city's board accepted it on
26/12/2022. The articles give no ballot, meeting or nomination: the votes, names and
numbers here are illustrative. Bắc Ninh 2023 stays mid-way, ready to be ranked once its
scoring is finished.

Safe to run again: nothing is created twice.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.db import transaction

from clusters.models import Profile
from core.documents.jobs import job_request, run_until_settled
from covenants.demo import BAC_KAN, VIETNAM
from scoring.models import Ballot, NominationDocument, Period
from scoring.selectors.ranking import period_ranking
from scoring.services.award_rules import award_rules_save
from scoring.services.ballots import ballot_cast, ballot_close, ballot_create, ballot_open
from scoring.services.deliberations import deliberation_save
from scoring.services.nomination_review import nomination_accept
from scoring.services.nominations import (
    nomination_prepare,
    nomination_submit,
    nomination_update,
    nomination_upload,
)
from scoring.services.ranking import period_publish


def _at(day: int, month: int, year: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


def _officer(unit_id: int, role: str):  # type: ignore[no-untyped-def]
    profile = (
        Profile.objects.filter(unit_id=unit_id, role=role).select_related("user").order_by("pk")
    ).first()
    return profile.user if profile else None


def _vote(head, year, period, *, purpose, candidates, choose, opens, closes, choices):  # type: ignore[no-untyped-def]
    """One ballot held through the services: ``choices`` gives each member's choice in
    membership order (a list of candidate indexes)."""
    ballot = ballot_create(
        actor=head,
        cluster_year=year,
        period=period,
        purpose=purpose,
        candidates=candidates,
        choose_at_most=choose,
        opens_at=opens,
        closes_at=closes,
    )
    ballot = ballot_open(actor=head, ballot=ballot, at=opens)
    members = list(year.memberships.order_by("order"))
    for number, membership in enumerate(members):
        leader = _officer(membership.unit_id, Profile.Role.LEADER)
        ballot_cast(
            actor=leader,
            ballot=ballot,
            choices=[candidates[index] for index in choices[number]],
            at=opens + dt.timedelta(minutes=5 + number),
        )
    return ballot_close(actor=head, ballot=ballot, at=closes)


def _render(head, kind: str, obj, organizer_id: int):  # type: ignore[no-untyped-def]
    """The document rendered now, as the worker would (the demo has no worker)."""
    job = job_request(actor=head, kind=kind, obj=obj, scope_id=organizer_id)
    run_until_settled(job.pk)
    job.refresh_from_db()
    return job


def _achievement_report(unit_name: str, year: int) -> ContentFile:
    from django.utils.html import escape
    from weasyprint import HTML

    from core.documents.fetcher import DOCUMENT_BASE_URL, safe_fetcher

    html = (
        "<html lang='vi'><body style='font-family: Tinos, serif'>"
        f"<h1 style='text-align:center'>BÁO CÁO THÀNH TÍCH NĂM {year}</h1>"
        f"<p>Đơn vị: {escape(unit_name)}</p>"
        "<p>(Bản tóm tắt minh họa của dữ liệu mẫu.)</p></body></html>"
    )
    document = HTML(string=html, base_url=DOCUMENT_BASE_URL, url_fetcher=safe_fetcher)
    return ContentFile(document.write_pdf(), name=f"bao-cao-thanh-tich-{year}.pdf")


def _board_user(organizer_id: int):  # type: ignore[no-untyped-def]
    profile = (
        Profile.objects.filter(organizer_id=organizer_id, role=Profile.Role.BOARD)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return profile.user if profile else None


def load_bac_kan_results() -> Ballot | None:
    period = (
        Period.objects.filter(
            cluster_year__cluster__organizer__name=BAC_KAN["organizer"],
            cluster_year__year=BAC_KAN["year"],
        )
        .select_related("cluster_year")
        .first()
    )
    if period is None or period.published_at is not None:
        return None
    year = period.cluster_year
    head = _officer(year.head_unit_id, Profile.Role.OFFICER)
    period = period_publish(actor=head, period=period, at=_at(15, 12, 2022, 16))
    ranked = [line.card.unit for line in period_ranking(period=period).lines]
    organizer_id = year.cluster.organizer_id
    # The city's own rules: nominations by 28 December (the defaults otherwise).
    board = _board_user(organizer_id)
    award_rules_save(actor=board, organizer=year.cluster.organizer, nomination_deadline_day=28)
    members = [m.unit for m in year.memberships.select_related("unit").order_by("order")]
    deliberation_save(
        actor=head,
        period=period,
        held_at=_at(20, 12, 2022, 8),
        ended_at=_at(20, 12, 2022, 11, 30),
        place="Hội trường UBND phường Phùng Chí Kiên",
        chaired_by="Ma Văn G, Chủ tịch UBND phường Phùng Chí Kiên (Trưởng cụm)",
        secretary="Nông Văn E, Công chức Văn phòng UBND phường Phùng Chí Kiên",
        attendee_ids=[unit.pk for unit in members],
        guests=(
            "Đại diện Phòng Nội vụ thành phố Bắc Kạn "
            "(Thường trực Hội đồng Thi đua - Khen thưởng thành phố)"
        ),
        proceedings=(
            "Trưởng cụm báo cáo kết quả chấm điểm, thẩm định và xếp hạng năm 2022 đã công bố "
            "ngày 15/12/2022; các đơn vị thảo luận, thống nhất kết quả; Hội nghị bỏ phiếu kín "
            "bình chọn đơn vị dẫn đầu cụm và các đơn vị đề nghị tặng Bằng khen."
        ),
        conclusions=(
            "Thống nhất đề nghị Hội đồng Thi đua - Khen thưởng thành phố xét tặng Cờ thi đua "
            "cho đơn vị dẫn đầu và Giấy khen cho hai đơn vị xếp tiếp theo theo kết quả bỏ phiếu."
        ),
    )
    # Seven of eight for the best ranked; one for the second.
    leading = _vote(
        head,
        year,
        period,
        purpose=Ballot.Purpose.LEADING_UNIT,
        candidates=ranked[:3],
        choose=1,
        opens=_at(20, 12, 2022, 9),
        closes=_at(20, 12, 2022, 10),
        choices=[[0]] * (len(members) - 1) + [[1]],
    )
    # Two certificates of merit among the next three: every unit chooses two.
    merit = _vote(
        head,
        year,
        period,
        purpose=Ballot.Purpose.MERIT,
        candidates=ranked[1:4],
        choose=2,
        opens=_at(20, 12, 2022, 10, 15),
        closes=_at(20, 12, 2022, 11),
        choices=[[0, 1]] * (len(members) - 2) + [[0, 2], [1, 2]],
    )
    for ballot in (leading, merit):
        _render(head, "ballot_minutes", ballot, organizer_id)
    _render(head, "score_summary", period, organizer_id)
    _render(head, "deliberation_minutes", period, organizer_id)
    nomination = nomination_prepare(actor=head, period=period)
    nomination = nomination_update(
        actor=head,
        nomination=nomination,
        number="125/TTr-UBND",
        date=dt.date(2022, 12, 22),
        summary=(
            "Năm 2022, các đơn vị trong cụm hoàn thành và vượt các chỉ tiêu đã giao ước; "
            "kết quả chấm điểm và bỏ phiếu kín tại hội nghị ngày 20/12/2022 là căn cứ đề nghị."
        ),
    )
    for nominee in nomination.nominees.select_related("unit"):
        unit_officer = _officer(nominee.unit_id, Profile.Role.OFFICER) or head
        nomination_upload(
            actor=unit_officer,
            nomination=nomination,
            kind=NominationDocument.Kind.ACHIEVEMENT_REPORT,
            file=_achievement_report(nominee.unit.name, year.year),
            unit=nominee.unit,
            title=f"Báo cáo thành tích năm {year.year}",
        )
    nomination = nomination_submit(actor=head, nomination=nomination, at=_at(22, 12, 2022, 15))
    # The submission PDF was asked for by the submission: rendered now for the demo.
    for document in nomination.documents.filter(
        kind=NominationDocument.Kind.SUBMISSION, job__isnull=False
    ):
        run_until_settled(document.job_id)
    nomination = nomination_accept(actor=board, nomination=nomination, at=_at(26, 12, 2022, 9))
    return leading


def load_results_demo() -> list[Ballot]:
    with transaction.atomic():
        made = [load_bac_kan_results()]
    return [ballot for ballot in made if ballot is not None]
