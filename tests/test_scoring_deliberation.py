"""The year-end deliberation meeting and its minutes, candidates suggested from the
published ranking, the head and deputy head's decision after the last round, and what
the ballot-count minutes now say (counting time, attendees, counting board, decision)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from clusters.models import ClusterYear
from core.documents.jobs import job_request
from core.models import ActionLog, DocumentJob, JobState
from scoring.models import Ballot, Deliberation, Period
from scoring.services.award_rules import award_rules_save
from scoring.services.ballots import (
    ballot_cast,
    ballot_close,
    ballot_record_decision,
    suggested_candidates,
)
from scoring.services.deliberations import deliberation_save
from scoring.services.messages import deliberations as msg
from scoring.services.periods import period_create
from scoring.services.ranking import period_publish
from tests.scoring_world import scoring_world
from tests.test_scoring_ballots import leaders, make_ballot
from tests.test_scoring_pdf import text_of
from tests.test_scoring_ranking import SCORES, finalise_all

pytestmark = pytest.mark.django_db


def refused(call, message, field=None, **params):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        call()
    with translation.override("en"):
        expected = str(message) % params if params else str(message)
        if field is not None:
            assert expected in caught.value.message_dict[field]
        else:
            assert expected in caught.value.messages


@pytest.fixture
def ranked(world):  # type: ignore[no-untyped-def]
    """Published year-end ranking: Nam Sơn 1, Tây Sơn and Đông Sơn 2 (tied), Bắc Sơn 4."""
    sw = scoring_world(world)
    finalise_all(sw, world)
    period_publish(actor=world.head_officer, period=sw.period)
    sw.period.refresh_from_db()
    return sw


def unsettled_ballot(world, **kwargs):  # type: ignore[no-untyped-def]
    """A last round (of one) closed with no ballot returned: the head and deputy decide."""
    ballot = make_ballot(world, max_rounds=1, **kwargs)
    ballot = ballot_close(actor=world.head_officer, ballot=ballot, at=ballot.closes_at)
    assert ballot.result["decision"] == "head_and_deputy"
    return ballot


def meeting_fields(world, **overrides):  # type: ignore[no-untyped-def]
    held = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=3)
    fields = {
        "held_at": held,
        "ended_at": held + dt.timedelta(hours=2, minutes=30),
        "place": "Hội trường UBND huyện Tây Sơn",
        "chaired_by": "Ông Trần Văn Chủ, Chủ tịch UBND huyện Tây Sơn",
        "secretary": "Bà Lê Thị Ký, chuyên viên",
        "attendee_ids": [world.h_new.pk, world.deputy_unit.pk, world.member_unit.pk],
        "guests": "Ông Đàm Văn Khách, Phó Trưởng Ban Thi đua - Khen thưởng tỉnh",
        "proceedings": "Cụm nghe báo cáo kết quả chấm điểm và thảo luận.",
        "conclusions": "Thống nhất đề nghị tặng Cờ thi đua cho đơn vị dẫn đầu.",
    }
    return fields | overrides


def pdf_text(kind, obj) -> str:  # type: ignore[no-untyped-def]
    job = job_request(actor=None, kind=kind, obj=obj, scope_id=None)
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    with job.file.open("rb") as handle:
        return text_of(handle.read())


# Candidates suggested from the ranking -----------------------------------------------------


def test_no_suggestion_before_the_ranking_is_published(world):
    sw = scoring_world(world)
    finalise_all(sw, world)
    assert suggested_candidates(world.this_year, Ballot.Purpose.LEADING_UNIT) == []


def test_leading_unit_suggestion_is_the_first_three_places(world, ranked):
    suggested = suggested_candidates(world.this_year, Ballot.Purpose.LEADING_UNIT)
    # Ranks 1, 2, 2: Bắc Sơn (4th) is left out.
    assert set(suggested) == {world.deputy_unit.pk, world.h_new.pk, world.h_old.pk}


def test_units_tied_with_the_third_are_all_suggested(world, monkeypatch):
    # Đông Sơn scores exactly like Bắc Sơn: ranks 1, 2, 3, 3.
    monkeypatch.setitem(SCORES, "h_old", SCORES["member_unit"])
    sw = scoring_world(world)
    finalise_all(sw, world)
    period_publish(actor=world.head_officer, period=sw.period)
    suggested = suggested_candidates(world.this_year, Ballot.Purpose.LEADING_UNIT)
    assert len(suggested) == 4
    assert world.member_unit.pk in suggested and world.h_old.pk in suggested


def test_merit_suggestion_skips_the_elected_leading_unit_within_the_quota(world, ranked):
    award_rules_save(actor=world.board, organizer=world.org, merit_quota=0)
    ballot = make_ballot(world, candidates=[world.deputy_unit, world.h_new])
    for user in list(leaders(world).values())[:3]:
        ballot_cast(actor=user, ballot=ballot, choices=[world.deputy_unit])
    ballot = ballot_close(actor=world.head_officer, ballot=ballot, at=ballot.closes_at)
    assert ballot.result["winners"] == [world.deputy_unit.pk]
    suggested = suggested_candidates(world.this_year, Ballot.Purpose.MERIT)
    # Quota 0 + 2 = two units, after Nam Sơn (elected): the two tied second.
    assert set(suggested) == {world.h_new.pk, world.h_old.pk}


def test_the_form_pre_ticks_the_suggestion_and_says_so(world, ranked, client_for):
    client = client_for(world.head_officer)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("ballot_create", args=[world.this_year.pk])).content.decode()
    assert "Suggested from the ranking results" in page
    for unit, ticked in (
        (world.deputy_unit, True),
        (world.h_new, True),
        (world.h_old, True),
        (world.member_unit, False),
    ):
        marker = f'value="{unit.pk}"'
        tag = next(part for part in page.split("<input") if marker in part and "candidates" in part)
        assert ("checked" in tag) is ticked, unit.name
    client.cookies["django_language"] = "vi"
    page = client.get(reverse("ballot_create", args=[world.this_year.pk])).content.decode()
    assert "gợi ý theo kết quả xếp hạng" in page.lower()


# The head and deputy head decide after the last round ---------------------------------------


def test_the_head_records_the_decision_without_touching_the_count(world):
    ballot = unsettled_ballot(world)
    count_before = dict(ballot.result)
    at = timezone.now()
    ballot = ballot_record_decision(
        actor=world.head_officer,
        ballot=ballot,
        units=[world.h_new],
        reason="Đơn vị có điểm cao nhất.",
        deputy_agreed=True,
        at=at,
    )
    ballot.refresh_from_db()
    decision = ballot.result["head_decision"]
    assert decision["units"] == [world.h_new.pk]
    assert decision["unit_names"] == [world.h_new.name]
    assert decision["reason"] == "Đơn vị có điểm cao nhất."
    assert decision["by"] == world.head_officer.pk and decision["at"] == at.isoformat()
    assert {k: v for k, v in ballot.result.items() if k != "head_decision"} == count_before
    log = ActionLog.objects.get(action="scoring.ballot.head_decision")
    assert log.data["units"] == [world.h_new.pk]
    refused(
        lambda: ballot_record_decision(
            actor=world.head_officer,
            ballot=ballot,
            units=[world.h_new],
            reason="x",
            deputy_agreed=True,
        ),
        msg.DECISION_ALREADY,
    )


def test_no_decision_while_rounds_remain_or_after_an_election(world):
    ballot = make_ballot(world)
    ballot = ballot_close(actor=world.head_officer, ballot=ballot, at=ballot.closes_at)
    assert ballot.result["decision"] == "next_round"
    refused(
        lambda: ballot_record_decision(
            actor=world.head_officer,
            ballot=ballot,
            units=[world.h_new],
            reason="x",
            deputy_agreed=True,
        ),
        msg.DECISION_NOT_DUE,
    )
    still_open = make_ballot(world, max_rounds=1)
    refused(
        lambda: ballot_record_decision(
            actor=world.head_officer,
            ballot=still_open,
            units=[world.h_new],
            reason="x",
            deputy_agreed=True,
        ),
        msg.DECISION_NOT_DUE,
    )


@pytest.mark.parametrize("persona", ["board", "member_leader", "member_officer"])
def test_only_the_head_records_the_decision(world, persona):
    ballot = unsettled_ballot(world)
    refused(
        lambda: ballot_record_decision(
            actor=getattr(world, persona),
            ballot=ballot,
            units=[world.h_new],
            reason="x",
            deputy_agreed=True,
        ),
        msg.DECISION_ONLY_HEAD,
    )


def test_decision_units_reason_and_deputy_agreement_are_checked(world):
    ballot = unsettled_ballot(world)

    def decide(**kwargs):  # type: ignore[no-untyped-def]
        fields = {"units": [world.h_new], "reason": "Lý do", "deputy_agreed": True} | kwargs
        return lambda: ballot_record_decision(actor=world.head_officer, ballot=ballot, **fields)

    refused(decide(units=[world.deputy_unit]), msg.DECISION_NOT_CANDIDATE, "units")
    refused(decide(units=[]), msg.DECISION_NO_UNITS, "units")
    refused(decide(units=[world.h_new, world.member_unit]), msg.DECISION_TOO_MANY, "units", count=1)
    refused(decide(reason="   "), msg.DECISION_REASON_REQUIRED, "reason")
    refused(decide(deputy_agreed=False), msg.DECISION_DEPUTY_REQUIRED, "deputy_agreed")
    ballot.refresh_from_db()
    assert "head_decision" not in ballot.result


def test_the_decision_page_confirms_then_the_result_says_so(world, client_for):
    ballot = unsettled_ballot(world)
    client = client_for(world.head_officer)
    client.cookies["django_language"] = "en"
    detail = client.get(reverse("ballot_detail", args=[ballot.pk])).content.decode()
    assert reverse("ballot_decide", args=[ballot.pk]) in detail
    url = reverse("ballot_decide", args=[ballot.pk])
    form = client.get(url).content.decode()
    assert "The deputy head agrees" in form
    missing = client.post(url, {"units": [world.h_new.pk], "reason": "Lý do", "step": "review"})
    assert b"decision-confirm" not in missing.content
    review = client.post(
        url,
        {"units": [world.h_new.pk], "reason": "Lý do", "deputy_agreed": "on", "step": "review"},
    )
    assert b'id="decision-confirm"' in review.content
    ballot.refresh_from_db()
    assert "head_decision" not in ballot.result
    done = client.post(
        url,
        {"units": [world.h_new.pk], "reason": "Lý do", "deputy_agreed": "on", "step": "confirm"},
    )
    assert done.status_code == 302
    result = client.get(reverse("ballot_result", args=[ballot.pk])).content.decode()
    assert (
        "After 1 ballot round no unit reached the threshold; the cluster head and the deputy "
        f"head agreed to decide: {world.h_new.name}."
    ) in result
    client.cookies["django_language"] = "vi"
    result = client.get(reverse("ballot_result", args=[ballot.pk])).content.decode()
    assert "Trưởng cụm và Phó Trưởng cụm thống nhất quyết định" in result


def test_the_decision_page_is_refused_to_the_board_and_members(world, client_for):
    ballot = unsettled_ballot(world)
    url = reverse("ballot_decide", args=[ballot.pk])
    assert client_for(world.board).get(url).status_code == 403
    assert client_for(world.member_officer).get(url).status_code == 403
    assert client_for(world.other_board).get(url).status_code == 404


# The deliberation meeting --------------------------------------------------------------------


def test_the_head_records_the_meeting_then_changes_it(world, ranked):
    meeting = deliberation_save(
        actor=world.head_officer, period=ranked.period, **meeting_fields(world)
    )
    assert set(meeting.attendees.values_list("pk", flat=True)) == {
        world.h_new.pk,
        world.deputy_unit.pk,
        world.member_unit.pk,
    }
    assert ActionLog.objects.filter(action="scoring.deliberation.created").exists()
    deliberation_save(
        actor=world.board,
        period=ranked.period,
        **meeting_fields(world, place="Nhà văn hóa", attendee_ids=[world.h_new.pk]),
    )
    meeting.refresh_from_db()
    assert meeting.place == "Nhà văn hóa" and Deliberation.objects.count() == 1
    log = ActionLog.objects.get(action="scoring.deliberation.updated")
    assert log.data["place"]["new"] == "Nhà văn hóa"
    assert log.data["attendees"]["new"] == [world.h_new.pk]


def test_the_meeting_is_refused_to_members_and_outsiders(world, ranked):
    for persona in ("member_officer", "member_leader", "other_board"):
        refused(
            lambda p=persona: deliberation_save(
                actor=getattr(world, p), period=ranked.period, **meeting_fields(world)
            ),
            msg.DELIBERATION_NOT_ALLOWED,
        )
    assert not Deliberation.objects.exists()


def test_the_meeting_fields_are_checked(world, ranked):
    def save(**overrides):  # type: ignore[no-untyped-def]
        return lambda: deliberation_save(
            actor=world.head_officer, period=ranked.period, **meeting_fields(world, **overrides)
        )

    held = meeting_fields(world)["held_at"]
    refused(save(ended_at=held - dt.timedelta(minutes=1)), msg.DELIBERATION_ENDS_BEFORE, "ended_at")
    refused(save(place=" "), msg.DELIBERATION_REQUIRED, "place")
    refused(save(secretary=""), msg.DELIBERATION_REQUIRED, "secretary")
    refused(
        save(attendee_ids=[world.outsider_unit.pk]),
        msg.DELIBERATION_ATTENDEE_NOT_MEMBER,
        "attendees",
        unit=world.outsider_unit.name,
    )
    assert not Deliberation.objects.exists()


def test_only_a_year_end_period_of_an_open_year_has_a_meeting(world, ranked):
    now = timezone.now()
    mid = period_create(
        actor=world.board,
        cluster_year=world.this_year,
        kind=Period.Kind.MID_YEAR,
        self_deadline=now + dt.timedelta(days=1),
        verification_deadline=now + dt.timedelta(days=2),
        explanation_deadline=now + dt.timedelta(days=3),
    )
    refused(
        lambda: deliberation_save(actor=world.board, period=mid, **meeting_fields(world)),
        msg.DELIBERATION_NOT_YEAR_END,
    )
    ClusterYear.objects.filter(pk=world.this_year.pk).update(status=ClusterYear.Status.CLOSED)
    refused(
        lambda: deliberation_save(actor=world.board, period=ranked.period, **meeting_fields(world)),
        msg.DELIBERATION_YEAR_CLOSED,
        year=2024,
    )


def test_the_form_pre_ticks_every_member_and_saves(world, ranked, client_for):
    client = client_for(world.head_officer)
    url = reverse("deliberation_edit", args=[ranked.period.pk])
    page = client.get(url).content.decode()
    for unit in (world.h_new, world.deputy_unit, world.member_unit, world.h_old):
        tag = next(
            p for p in page.split("<input") if f'value="{unit.pk}"' in p and "attendees" in p
        )
        assert "checked" in tag
    held = timezone.localtime() - dt.timedelta(hours=2)
    response = client.post(
        url,
        {
            "held_at_0": held.strftime("%d/%m/%Y"),
            "held_at_1": held.strftime("%H:%M"),
            "place": "Hội trường",
            "chaired_by": "Ông Chủ",
            "secretary": "Bà Ký",
            "attendees": [world.h_new.pk, world.member_unit.pk],
        },
    )
    assert response.status_code == 302
    meeting = Deliberation.objects.get(period=ranked.period)
    assert meeting.place == "Hội trường" and meeting.attendees.count() == 2
    detail = client.get(reverse("deliberation_detail", args=[ranked.period.pk])).content.decode()
    assert world.h_old.name in detail.split('id="absent"')[1].split("</dd>")[0]
    refusal = client.post(url, {"held_at_0": held.strftime("%d/%m/%Y"), "held_at_1": "10:00"})
    assert refusal.status_code == 200 and Deliberation.objects.count() == 1


def test_meeting_pages_answer_404_to_other_organizers_and_403_to_members(world, client_for):
    sw = scoring_world(world)
    edit = reverse("deliberation_edit", args=[sw.period.pk])
    detail = reverse("deliberation_detail", args=[sw.period.pk])
    assert client_for(world.other_board).get(edit).status_code == 404
    assert client_for(world.outsider_officer).get(edit).status_code == 404
    assert client_for(world.member_officer).get(edit).status_code == 403
    # Before the ranking is published a member does not see the meeting record.
    assert client_for(world.member_officer).get(detail).status_code == 404
    assert client_for(world.board).get(detail).status_code == 200
    ranking = client_for(world.head_officer).get(reverse("period_ranking", args=[sw.period.pk]))
    assert detail.encode() in ranking.content


# Minutes ---------------------------------------------------------------------------------------


def test_the_deliberation_minutes_tell_the_whole_meeting(world, ranked):
    deliberation_save(actor=world.head_officer, period=ranked.period, **meeting_fields(world))
    elected = make_ballot(world, candidates=[world.deputy_unit, world.h_new])
    for user in list(leaders(world).values())[:3]:
        ballot_cast(actor=user, ballot=elected, choices=[world.deputy_unit])
    ballot_close(actor=world.head_officer, ballot=elected, at=elected.closes_at)
    merit = unsettled_ballot(world, candidates=[world.h_new, world.h_old])
    merit.purpose = Ballot.Purpose.MERIT
    merit.save(update_fields=["purpose"])
    ballot_record_decision(
        actor=world.head_officer,
        ballot=merit,
        units=[world.h_old],
        reason="Ít điểm trừ hơn.",
        deputy_agreed=True,
    )
    text = pdf_text("deliberation_minutes", ranked.period)
    assert "BIÊN BẢN HỌP BÌNH XÉT THI ĐUA" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "tại Hội trường UBND huyện Tây Sơn" in text
    assert "Chủ trì: Ông Trần Văn Chủ, Chủ tịch UBND huyện Tây Sơn." in text
    assert "Thư ký: Bà Lê Thị Ký, chuyên viên." in text
    assert "có mặt (3/4)" in text
    assert f"Vắng mặt: {world.h_old.name}." in text
    assert "Ông Đàm Văn Khách" in text
    assert "Cụm nghe báo cáo kết quả chấm điểm" in text
    assert f"1 {world.deputy_unit.name} 55" in text
    assert f"4 {world.member_unit.name} 43,5" in text
    assert f"{world.deputy_unit.name} 3 75,00% Trúng cử" in text
    assert f"Đơn vị trúng cử: {world.deputy_unit.name}" in text
    assert (
        "Sau 1 vòng bỏ phiếu không có đơn vị đạt tỷ lệ, Trưởng cụm và Phó Trưởng cụm thống "
        f"nhất quyết định: {world.h_old.name}."
    ) in text
    assert "Thống nhất đề nghị tặng Cờ thi đua" in text
    ended = timezone.localtime(meeting_fields(world)["ended_at"])
    assert f"Cuộc họp kết thúc lúc {ended:%H} giờ {ended:%M} ngày {ended:%d/%m/%Y}" in text
    assert "THƯ KÝ" in text and "CHỦ TRÌ" in text


def test_the_minutes_are_asked_from_the_meeting_page(world, ranked, client_for):
    url = reverse("deliberation_minutes_pdf", args=[ranked.period.pk])
    client = client_for(world.head_officer)
    assert client.post(url).status_code == 403  # no meeting recorded yet
    deliberation_save(actor=world.head_officer, period=ranked.period, **meeting_fields(world))
    response = client.post(url)
    job = DocumentJob.objects.get(kind="deliberation_minutes")
    assert job.object_id == str(ranked.period.pk)
    assert response.url == reverse("job_detail", args=[job.pk])
    assert client_for(world.other_board).post(url).status_code == 404


def test_the_ballot_minutes_give_the_counting_time_board_attendees_and_decision(world, ranked):
    deliberation_save(actor=world.head_officer, period=ranked.period, **meeting_fields(world))
    ballot = unsettled_ballot(world)
    ballot_record_decision(
        actor=world.head_officer,
        ballot=ballot,
        units=[world.h_new],
        reason="Điểm cao.",
        deputy_agreed=True,
    )
    text = pdf_text("ballot_minutes", ballot)
    closed = timezone.localtime(ballot.closed_at)
    stamp = f"{closed:%H} giờ {closed:%M} ngày {closed:%d/%m/%Y}"
    assert f"Thời gian kiểm phiếu: bắt đầu lúc {stamp} (khi kết thúc bỏ phiếu)" in text
    assert f"kết thúc lúc {stamp} (khi hệ thống ghi nhận kết quả kiểm phiếu)" in text
    assert "Biên bản được lập lúc" in text
    assert "Ban kiểm phiếu: Ông Trần Văn Chủ, Chủ tịch UBND huyện Tây Sơn (Trưởng ban)" in text
    assert "Bà Lê Thị Ký, chuyên viên (Thư ký)" in text
    assert "Các đơn vị thành viên có mặt (3/4)" in text
    assert f"Vắng mặt: {world.h_old.name}." in text
    assert (
        "Sau 1 vòng bỏ phiếu không có đơn vị đạt tỷ lệ, Trưởng cụm và Phó Trưởng cụm thống "
        f"nhất quyết định: {world.h_new.name}. Lý do: Điểm cao."
    ) in text


def test_the_ballot_minutes_without_a_meeting_leave_the_board_out(world):
    ballot = unsettled_ballot(world)
    text = pdf_text("ballot_minutes", ballot)
    assert "Thời gian kiểm phiếu: bắt đầu lúc" in text
    assert "Ban kiểm phiếu:" not in text and "có mặt" not in text


def test_the_decision_fills_only_the_seats_the_last_round_left(world):
    voters = leaders(world)
    ballot = make_ballot(
        world,
        candidates=[world.h_new, world.member_unit, world.deputy_unit],
        choose=2,
        max_rounds=1,
    )
    for user in voters.values():
        ballot_cast(actor=user, ballot=ballot, choices=[world.h_new], abstain=False)
    ballot = ballot_close(actor=world.head_officer, ballot=ballot)
    assert ballot.result["winners"] == [world.h_new.pk]
    assert ballot.result["decision"] == "head_and_deputy"
    for units in ([world.member_unit, world.deputy_unit], [world.h_new]):
        refused(
            lambda units=units: ballot_record_decision(
                actor=world.head_officer,
                ballot=ballot,
                units=units,
                reason="Thống nhất",
                deputy_agreed=True,
            ),
            msg.DECISION_TOO_MANY,
            field="units",
            count=1,
        )
    ballot = ballot_record_decision(
        actor=world.head_officer,
        ballot=ballot,
        units=[world.member_unit],
        reason="Thống nhất",
        deputy_agreed=True,
    )
    from scoring.selectors.nominations import elected_units

    assert elected_units(ballot) == [world.h_new.pk, world.member_unit.pk]


def test_the_dashboard_counts_a_decided_ballot_as_settled(world, client_for):
    from scoring.selectors.dashboard import year_dashboard

    ballot = unsettled_ballot(world)

    def decision() -> str:
        rows = year_dashboard(organizer=world.org, year=2024).rows
        return next(row for row in rows if row.cluster_year == world.this_year).ballot_decision

    assert decision() == "head_and_deputy"
    ballot_record_decision(
        actor=world.head_officer,
        ballot=ballot,
        units=[world.h_new],
        reason="Đơn vị có điểm cao nhất.",
        deputy_agreed=True,
    )
    assert decision() == "decided"
    page = client_for(world.board).get(reverse("year_dashboard", args=[2024]))
    assert "Trưởng cụm và Phó Trưởng cụm đã quyết định" in page.content.decode()
