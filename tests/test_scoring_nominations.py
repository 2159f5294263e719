"""The cluster's nomination, the head's side (issue 6): prepared from the ballots or the
ranking, quotas, members only and once, the dossier's uploads (typed by content, size
cap, a unit only its own report), the submission refused with everything missing, sent
with every piece attached, late, sent again after a return; the submission PDF."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from core.documents.jobs import job_request
from core.models import ActionLog, DocumentJob, JobState, Notification
from scoring.models import (
    AwardRules,
    Ballot,
    Deliberation,
    Nomination,
    NominationDocument,
)
from scoring.services import nominations as services
from scoring.services.ballots import ballot_cast, ballot_close, ballot_create, ballot_open
from scoring.services.deliberations import deliberation_save
from scoring.services.messages import nominations as msg
from scoring.services.ranking import period_publish
from tests.factories import make_user
from tests.scoring_world import scoring_world
from tests.test_scoring_ballot_minutes import closed_ballot
from tests.test_scoring_deliberation import meeting_fields
from tests.test_scoring_pdf import fonts_of, text_of
from tests.test_scoring_ranking import finalise_all

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _kinds_registered():  # type: ignore[no-untyped-def]
    from scoring import documents_ballots, documents_nominations, documents_reports

    documents_ballots.register()
    documents_reports.register()
    documents_nominations.register()


def publish_year_end(world):  # type: ignore[no-untyped-def]
    """2024 year-end, every card final, results published. Ranking: Nam Sơn 1st,
    Tây Sơn and Đông Sơn 2nd (tied), Bắc Sơn 4th."""
    sw = scoring_world(world)
    finalise_all(sw, world)
    period_publish(actor=world.board, period=sw.period)
    sw.period.refresh_from_db()
    return sw


@pytest.fixture
def published(world):  # type: ignore[no-untyped-def]
    return publish_year_end(world)


def pdf_file(name="bao-cao.pdf", data=PDF):  # type: ignore[no-untyped-def]
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def refused(call, message, **params):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        call()
    with translation.override("en"):
        expected = str(message) % params if params else str(message)
        assert expected in caught.value.messages, caught.value.messages
    return caught.value


def awards(nomination):  # type: ignore[no-untyped-def]
    return [
        (nominee.unit.name, nominee.award)
        for nominee in nomination.nominees.select_related("unit").order_by("award", "order")
    ]


def merit_ballot(world, winners):  # type: ignore[no-untyped-def]
    """A closed merit ballot (choose 2) where every unit votes for ``winners``."""
    now = timezone.now()
    ballot = ballot_create(
        actor=world.head_officer,
        cluster_year=world.this_year,
        purpose=Ballot.Purpose.MERIT,
        candidates=[world.h_new, world.deputy_unit, world.member_unit, world.h_old],
        choose_at_most=2,
        opens_at=now - dt.timedelta(minutes=5),
        closes_at=now + dt.timedelta(hours=2),
    )
    ballot = ballot_open(actor=world.head_officer, ballot=ballot)
    from clusters.models import Profile

    for profile in Profile.objects.filter(
        role=Profile.Role.LEADER, unit__memberships__cluster_year=world.this_year
    ).select_related("user"):
        ballot_cast(actor=profile.user, ballot=ballot, choices=winners, abstain=False)
    return ballot_close(actor=world.head_officer, ballot=ballot)


def complete(world, nomination, sw, *, minutes=True, summary=True, vote=True, meeting=True):  # type: ignore[no-untyped-def]
    """Number, date, a report for every nominee, a closed leading-unit vote (Tây Sơn
    elected, unless one is there), the grounds of a nominee the vote did not choose, the
    deliberation meeting, then the minutes and the score summary."""
    if (
        vote
        and not Ballot.objects.filter(
            purpose=Ballot.Purpose.LEADING_UNIT, state=Ballot.State.CLOSED
        ).exists()
    ):
        closed_ballot(world)
    services.nomination_update(
        actor=world.head_officer,
        nomination=nomination,
        number="25/TTr-CTĐ",
        date=dt.date(2024, 12, 5),
        summary="Hoàn thành xuất sắc các chỉ tiêu.",
    )
    nominees = list(nomination.nominees.order_by("award", "order"))
    services.nomination_set_nominees(
        actor=world.head_officer,
        nomination=nomination,
        flag=[n.unit_id for n in nominees if n.award == "flag"],
        merit=[n.unit_id for n in nominees if n.award == "merit"],
        reasons={n.unit_id: n.reason or "Căn cứ kết quả chấm điểm, xếp hạng." for n in nominees},
        women=[n.unit_id for n in nominees if n.women_preference],
    )
    for nominee in nomination.nominees.all():
        services.nomination_upload(
            actor=world.head_officer,
            nomination=nomination,
            kind=NominationDocument.Kind.ACHIEVEMENT_REPORT,
            file=pdf_file(),
            unit=nominee.unit_id,
        )
    if meeting:
        deliberation_save(actor=world.head_officer, period=sw.period, **meeting_fields(world))
    if minutes:
        for ballot in Ballot.objects.filter(state=Ballot.State.CLOSED):
            job_request(actor=world.head_officer, kind="ballot_minutes", obj=ballot, scope_id=None)
        if meeting:
            job_request(
                actor=world.head_officer, kind="deliberation_minutes", obj=sw.period, scope_id=None
            )
    if summary:
        job_request(actor=world.head_officer, kind="score_summary", obj=sw.period, scope_id=None)


# Prepare ----------------------------------------------------------------------------------


def test_prepared_from_the_ranking_without_a_ballot(world, published):
    nomination = services.nomination_prepare(actor=world.head_officer, period=published.period)
    assert nomination.state == Nomination.State.DRAFT
    assert (nomination.flag_quota, nomination.merit_quota) == (1, 2)
    got = awards(nomination)
    assert got[0] == (world.deputy_unit.name, "flag")
    assert sorted(name for name, award in got if award == "merit") == sorted(
        [world.h_new.name, world.h_old.name]
    )
    flag = nomination.nominees.get(award="flag")
    assert flag.rank == 1 and flag.total == Decimal("55") and flag.votes is None
    log = ActionLog.objects.get(action="scoring.nomination.prepared")
    assert log.data["source"] == "ranking"


def test_prepared_from_the_ballot_winners_with_votes(world, published):
    leading = closed_ballot(world)  # Tây Sơn elected with 3 votes
    merit = merit_ballot(world, [world.member_unit.pk, world.h_old.pk])
    nomination = services.nomination_prepare(actor=world.head_officer, period=published.period)
    got = awards(nomination)
    assert got[0] == (world.h_new.name, "flag")
    assert sorted(got[1:]) == sorted(
        [(world.member_unit.name, "merit"), (world.h_old.name, "merit")]
    )
    flag = nomination.nominees.get(award="flag")
    assert (flag.votes, flag.ballot, flag.rank) == (3, leading, 2)
    assert nomination.nominees.get(unit=world.member_unit).votes == 4
    assert nomination.nominees.get(unit=world.member_unit).ballot == merit
    assert ActionLog.objects.get(action="scoring.nomination.prepared").data["source"] == "ballot"


def test_prepare_is_idempotent_and_uses_the_organizers_quotas(world, published):
    AwardRules.objects.create(organizer=world.org, flag_quota=1, merit_quota=1)
    first = services.nomination_prepare(actor=world.head_officer, period=published.period)
    again = services.nomination_prepare(actor=world.board, period=published.period)
    assert first.pk == again.pk and Nomination.objects.count() == 1
    assert first.merit_quota == 1 and first.nominees.filter(award="merit").count() == 1


def test_prepare_needs_the_head_and_published_results(world):
    sw = scoring_world(world)
    finalise_all(sw, world)
    refused(
        lambda: services.nomination_prepare(actor=world.head_officer, period=sw.period),
        msg.NOMINATION_NOT_PUBLISHED,
    )
    period_publish(actor=world.board, period=sw.period)
    for user in (world.member_officer, world.member_leader, world.other_board):
        refused(
            lambda user=user: services.nomination_prepare(actor=user, period=sw.period),
            msg.NOMINATION_NOT_ALLOWED,
        )
    assert not Nomination.objects.exists()


# Nominees ---------------------------------------------------------------------------------


@pytest.fixture
def nomination(world, published):  # type: ignore[no-untyped-def]
    return services.nomination_prepare(actor=world.head_officer, period=published.period)


def test_quotas_are_refused_naming_the_quota(world, nomination):
    error = refused(
        lambda: services.nomination_set_nominees(
            actor=world.head_officer,
            nomination=nomination,
            flag=[world.h_new.pk, world.deputy_unit.pk],
        ),
        msg.NOMINATION_FLAG_QUOTA,
        quota=1,
    )
    assert "flag" in error.error_dict
    refused(
        lambda: services.nomination_set_nominees(
            actor=world.head_officer,
            nomination=nomination,
            merit=[world.h_new.pk, world.deputy_unit.pk, world.member_unit.pk],
        ),
        msg.NOMINATION_MERIT_QUOTA,
        quota=2,
    )
    with translation.override("vi"):
        with pytest.raises(ValidationError) as caught:
            services.nomination_set_nominees(
                actor=world.head_officer,
                nomination=nomination,
                flag=[world.h_new.pk, world.deputy_unit.pk],
            )
        assert "1" in caught.value.messages[0] and "Cờ thi đua" in caught.value.messages[0]


def test_nominees_must_be_members_and_appear_once(world, nomination):
    refused(
        lambda: services.nomination_set_nominees(
            actor=world.head_officer, nomination=nomination, merit=[world.outsider_unit.pk]
        ),
        msg.NOMINATION_NOT_MEMBER,
        unit=world.outsider_unit.name,
    )
    refused(
        lambda: services.nomination_set_nominees(
            actor=world.head_officer,
            nomination=nomination,
            flag=[world.h_new.pk],
            merit=[world.h_new.pk],
        ),
        msg.NOMINATION_UNIT_TWICE,
        unit=world.h_new.name,
    )
    # Nothing changed.
    assert awards(nomination)[0] == (world.deputy_unit.name, "flag")


def test_nominees_are_saved_with_grounds_women_and_snapshot(world, nomination):
    services.nomination_set_nominees(
        actor=world.head_officer,
        nomination=nomination,
        flag=[world.h_new.pk],
        merit=[world.member_unit.pk],
        reasons={world.h_new.pk: "Dẫn đầu cụm"},
        women={world.member_unit.pk},
    )
    assert awards(nomination) == [(world.h_new.name, "flag"), (world.member_unit.name, "merit")]
    bac = nomination.nominees.get(unit=world.member_unit)
    assert bac.women_preference and bac.rank == 4 and bac.total == Decimal("43.5")
    assert nomination.nominees.get(unit=world.h_new).reason == "Dẫn đầu cụm"
    assert ActionLog.objects.filter(action="scoring.nomination.nominees_set").count() == 1


def test_a_member_cannot_change_the_nominees(world, nomination):
    refused(
        lambda: services.nomination_set_nominees(
            actor=world.member_officer, nomination=nomination, flag=[world.member_unit.pk]
        ),
        msg.NOMINATION_NOT_ALLOWED,
    )


# Uploads ----------------------------------------------------------------------------------


def test_an_exe_disguised_as_pdf_is_refused(world, nomination):
    from scoring.services.messages import scorecards as evidence_msg

    exe = SimpleUploadedFile("bao-cao.pdf", b"MZ\x90\x00" + b"\x00" * 200)
    refused(
        lambda: services.nomination_upload(
            actor=world.head_officer,
            nomination=nomination,
            kind="achievement_report",
            file=exe,
            unit=world.deputy_unit,
        ),
        evidence_msg.FILE_TYPE_REFUSED,
    )
    assert not NominationDocument.objects.exists()


def test_an_oversized_file_is_refused(world, nomination, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    big = pdf_file(data=PDF + b"0" * 2048)
    with pytest.raises(ValidationError) as caught:
        services.nomination_upload(
            actor=world.head_officer,
            nomination=nomination,
            kind="other",
            file=big,
        )
    assert caught.value.code == "size"
    assert not NominationDocument.objects.exists()


def test_a_nominated_unit_uploads_its_own_report_only(world, nomination):
    services.nomination_set_nominees(
        actor=world.head_officer,
        nomination=nomination,
        flag=[world.deputy_unit.pk],
        merit=[world.member_unit.pk],
    )
    document = services.nomination_upload(
        actor=world.member_officer,
        nomination=nomination,
        kind="achievement_report",
        file=pdf_file("Báo cáo thành tích.pdf"),
    )
    assert document.unit == world.member_unit
    assert document.original_name == "Báo cáo thành tích.pdf"
    assert document.content_type == "application/pdf" and document.size == len(PDF)
    # Not for another unit, and no other kind.
    for kind, unit in (("achievement_report", world.deputy_unit), ("other", world.member_unit)):
        refused(
            lambda kind=kind, unit=unit: services.nomination_upload(
                actor=world.member_leader,
                nomination=nomination,
                kind=kind,
                file=pdf_file(),
                unit=unit,
            ),
            msg.NOMINATION_UPLOAD_NOT_ALLOWED,
        )
    # A unit that is not nominated uploads nothing.
    refused(
        lambda: services.nomination_upload(
            actor=world.last_head_officer,
            nomination=nomination,
            kind="achievement_report",
            file=pdf_file(),
        ),
        msg.NOMINATION_UPLOAD_NOT_ALLOWED,
    )
    assert NominationDocument.objects.count() == 1


def test_withdrawing_keeps_the_document(world, nomination):
    document = services.nomination_upload(
        actor=world.head_officer,
        nomination=nomination,
        kind="achievement_report",
        file=pdf_file(),
        unit=world.deputy_unit,
    )
    refused(
        lambda: services.nomination_withdraw_document(
            actor=world.member_officer, document=document
        ),
        msg.NOMINATION_DOCUMENT_NOT_YOURS,
    )
    services.nomination_withdraw_document(actor=world.head_officer, document=document)
    document.refresh_from_db()
    assert document.withdrawn_at is not None and document.file
    assert ActionLog.objects.filter(action="scoring.nomination.document_withdrawn").exists()


# Submit -----------------------------------------------------------------------------------


def test_submit_lists_everything_missing(world, published, nomination):
    closed_ballot(world)
    Deliberation.objects.create(
        period=published.period,
        held_at=timezone.now(),
        place="Hội trường",
        chaired_by="Ông A",
        secretary="Bà B",
    )
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        services.nomination_submit(actor=world.head_officer, nomination=nomination)
    with translation.override("en"):
        got = caught.value.messages
        assert str(msg.NOMINATION_MISSING_NUMBER) in got
        assert str(msg.NOMINATION_MISSING_DATE) in got
        for unit in (world.deputy_unit, world.h_new, world.h_old):
            assert str(msg.NOMINATION_MISSING_REPORT % {"unit": unit.name}) in got
        assert (
            str(
                msg.NOMINATION_MISSING_BALLOT_MINUTES
                % {"ballot": "Leading unit of the cluster", "round": 1}
            )
            in got
        )
        assert str(msg.NOMINATION_MISSING_SUMMARY) in got
        assert str(msg.NOMINATION_MISSING_DELIBERATION) in got
        # Nam Sơn (first in the ranking) is proposed, the vote elected Tây Sơn.
        assert str(msg.NOMINATION_MISSING_GROUNDS % {"unit": world.deputy_unit.name}) in got
    assert len(got) == 9
    nomination.refresh_from_db()
    assert nomination.state == Nomination.State.DRAFT


def test_submit_refuses_an_empty_nomination(world, nomination):
    services.nomination_set_nominees(actor=world.head_officer, nomination=nomination)
    refused(
        lambda: services.nomination_submit(actor=world.head_officer, nomination=nomination),
        msg.NOMINATION_MISSING_NOMINEES,
    )


def test_submit_with_every_piece_attaches_them_and_asks_for_the_submission(
    world, published, nomination, django_capture_on_commit_callbacks
):
    ballot = closed_ballot(world)
    complete(world, nomination, published)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.nomination_submit(
            actor=world.head_officer,
            nomination=nomination,
            at=timezone.make_aware(dt.datetime(2024, 12, 6, 9, 0)),
        )
    nomination.refresh_from_db()
    assert nomination.state == Nomination.State.SUBMITTED
    assert nomination.submitted_by == world.head_officer
    kinds = sorted(
        nomination.documents.filter(job__isnull=False, withdrawn_at__isnull=True).values_list(
            "kind", flat=True
        )
    )
    assert kinds == ["ballot_minutes", "deliberation_minutes", "score_summary", "submission"]
    minutes = nomination.documents.get(kind="ballot_minutes")
    assert minutes.job.object_id == str(ballot.pk)
    submission = nomination.documents.get(kind="submission").job
    assert submission.kind == "nomination_submission"
    assert submission.state == JobState.DONE, submission.error
    log = ActionLog.objects.get(action="scoring.nomination.submitted")
    assert log.data["late"] is False and log.data["deadline"] == "2024-12-10"
    notified = set(
        Notification.objects.filter(key="scoring.nomination.submitted").values_list(
            "user__username", flat=True
        )
    )
    assert notified == {"alice"}


def test_a_late_submission_is_accepted_and_flagged(world, published, nomination):
    complete(world, nomination, published)
    services.nomination_submit(
        actor=world.head_officer,
        nomination=nomination,
        at=timezone.make_aware(dt.datetime(2024, 12, 11, 9, 0)),
    )
    nomination.refresh_from_db()
    assert nomination.state == Nomination.State.SUBMITTED
    assert ActionLog.objects.get(action="scoring.nomination.submitted").data["late"] is True


def test_after_sending_nothing_changes_until_returned_then_it_is_sent_again(
    world, published, nomination
):
    complete(world, nomination, published)
    services.nomination_submit(actor=world.head_officer, nomination=nomination)
    refused(
        lambda: services.nomination_update(
            actor=world.head_officer, nomination=nomination, number="26", date=None
        ),
        msg.NOMINATION_NOT_EDITABLE,
    )
    refused(
        lambda: services.nomination_submit(actor=world.head_officer, nomination=nomination),
        msg.NOMINATION_NOT_EDITABLE,
    )
    Nomination.objects.filter(pk=nomination.pk).update(
        state=Nomination.State.RETURNED, return_reason="Thiếu chữ ký", decided_at=timezone.now()
    )
    services.nomination_update(
        actor=world.head_officer,
        nomination=nomination,
        number="26/TTr-CTĐ",
        date=dt.date(2024, 12, 8),
    )
    services.nomination_submit(actor=world.head_officer, nomination=nomination)
    nomination.refresh_from_db()
    assert nomination.state == Nomination.State.SUBMITTED and nomination.number == "26/TTr-CTĐ"
    submissions = nomination.documents.filter(kind="submission")
    assert submissions.count() == 2
    assert submissions.filter(withdrawn_at__isnull=True).count() == 1
    assert ActionLog.objects.filter(action="scoring.nomination.submitted").count() == 2
    assert (
        ActionLog.objects.filter(action="scoring.nomination.submitted")
        .order_by("pk")
        .last()
        .data["resent"]
    )


def test_the_submission_pdf(world, published, nomination):
    make_user("chu", role="leader", unit=world.h_new, position="Chủ tịch UBND huyện")
    closed_ballot(world)
    complete(world, nomination, published)
    services.nomination_set_nominees(
        actor=world.head_officer,
        nomination=nomination,
        flag=[world.h_new.pk],
        merit=[world.deputy_unit.pk],
        women={world.deputy_unit.pk},
    )
    for unit in (world.h_new,):
        services.nomination_upload(
            actor=world.head_officer,
            nomination=nomination,
            kind="achievement_report",
            file=pdf_file(),
            unit=unit,
        )
    services.nomination_submit(actor=world.head_officer, nomination=nomination)
    job = DocumentJob.objects.get(kind="nomination_submission")
    assert job.state == JobState.DONE, job.error
    with job.file.open("rb") as handle:
        pdf = handle.read()
    text = text_of(pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert world.h_new.name.upper() in text
    assert "Số: 25/TTr-CTĐ" in text
    assert "ngày 05 tháng 12 năm 2024" in text
    assert "TỜ TRÌNH" in text
    assert "Về việc đề nghị khen thưởng" in text and "năm 2024" in text
    assert f"Kính gửi: {world.org.name}" in text
    assert world.cluster.name in text
    assert "Căn cứ kết quả bỏ phiếu kín suy tôn đơn vị dẫn đầu (vòng 1)" in text
    assert "STT Đơn vị Hình thức khen thưởng Xếp hạng Tổng điểm" in text and "Số phiếu" in text
    # The organizer is a province: the awards in the province's wording.
    # (The award's words wrap in their cell: pdftotext mixes the columns' lines.)
    assert f"1 {world.h_new.name} Cờ thi đua của Ủy ban" in text
    assert f"2 {world.deputy_unit.name} (*) Bằng khen của Chủ tịch" in text
    assert (
        "1 tập thể tặng Cờ thi đua của Ủy ban nhân dân tỉnh và 1 tập thể tặng Bằng khen của "
        "Chủ tịch Ủy ban nhân dân tỉnh" in text
    )
    assert "(*) Tập thể có nữ là thủ trưởng hoặc có từ 70% nữ trở lên." in text
    assert "Hồ sơ kèm theo:" in text
    assert "Biên bản kiểm phiếu suy tôn đơn vị dẫn đầu (vòng 1)" in text
    assert "Bảng tổng hợp kết quả chấm điểm" in text
    assert f"Báo cáo thành tích của {world.h_new.name}" in text
    # No longer proposed: its report is not listed.
    assert f"Báo cáo thành tích của {world.h_old.name}" not in text
    assert "Nơi nhận:" in text
    assert f"TM. {world.h_new.name.upper()}" in text
    assert "CHỦ TỊCH UBND HUYỆN" in text
    assert all(font.startswith("Tinos") for font in fonts_of(pdf))


def test_the_deadline_follows_the_organizers_rules(world, nomination):
    from scoring.selectors.nominations import is_late, nomination_deadline

    AwardRules.objects.create(
        organizer=world.org, nomination_deadline_day=31, nomination_deadline_month=11
    )
    assert nomination_deadline(nomination) == dt.date(2024, 11, 30)
    assert is_late(nomination, timezone.make_aware(dt.datetime(2024, 12, 1, 8)))
    assert not is_late(nomination, timezone.make_aware(dt.datetime(2024, 11, 30, 20)))


# Review fixes (issue 6) -------------------------------------------------------------------


def _returned_with_a_comment(world, nomination):  # type: ignore[no-untyped-def]
    """Sent, commented on during the public disclosure (Tây Sơn), then returned."""
    from scoring.models import Disclosure
    from scoring.services.nomination_review import disclosure_comment, nomination_return

    Nomination.objects.filter(pk=nomination.pk).update(
        state=Nomination.State.SUBMITTED, submitted_at=timezone.now()
    )
    now = timezone.now()
    disclosure = Disclosure.objects.create(
        organizer=world.org,
        year=2024,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=1),
    )
    commented = nomination.nominees.get(unit=world.h_new)
    disclosure_comment(
        actor=world.member_leader, disclosure=disclosure, nominee=commented, text="Ý kiến"
    )
    nomination_return(actor=world.board, nomination=nomination, reason="Thiếu hồ sơ")
    return commented


def test_nominees_are_changed_in_place_and_keep_their_disclosure_comments(world, nomination):
    from scoring.models import DisclosureComment

    commented = _returned_with_a_comment(world, nomination)
    # Tây Sơn moves to the flag, Bắc Sơn comes in, Đông Sơn and Nam Sơn leave.
    services.nomination_set_nominees(
        actor=world.head_officer,
        nomination=nomination,
        flag=[world.h_new.pk],
        merit=[world.member_unit.pk],
        reasons={world.h_new.pk: "Dẫn đầu cụm"},
    )
    assert awards(nomination) == [(world.h_new.name, "flag"), (world.member_unit.name, "merit")]
    kept = nomination.nominees.get(unit=world.h_new)
    assert kept.pk == commented.pk and kept.reason == "Dẫn đầu cụm" and kept.order == 1
    assert DisclosureComment.objects.get().nominee_id == commented.pk
    error = refused(
        lambda: services.nomination_set_nominees(
            actor=world.head_officer, nomination=nomination, merit=[world.member_unit.pk]
        ),
        msg.NOMINATION_NOMINEE_HAS_COMMENTS,
        unit=world.h_new.name,
    )
    assert len(error.messages) == 1
    assert nomination.nominees.filter(unit=world.h_new).exists()
    assert DisclosureComment.objects.count() == 1


def test_prepared_from_the_decision_of_the_head_and_deputy(world, published):
    from scoring.services.ballots import ballot_record_decision
    from tests.test_scoring_ballots import leaders, make_ballot

    ballot = make_ballot(world, candidates=[world.h_new, world.member_unit], max_rounds=1)
    for user in leaders(world).values():
        ballot_cast(actor=user, ballot=ballot, choices=[], abstain=True)
    ballot = ballot_close(actor=world.head_officer, ballot=ballot)
    assert ballot.result["decision"] == "head_and_deputy"
    ballot_record_decision(
        actor=world.head_officer,
        ballot=ballot,
        units=[world.member_unit],
        reason="Thống nhất",
        deputy_agreed=True,
    )
    nomination = services.nomination_prepare(actor=world.head_officer, period=published.period)
    flag = nomination.nominees.get(award="flag")
    assert flag.unit == world.member_unit and flag.ballot == ballot
    assert ActionLog.objects.get(action="scoring.nomination.prepared").data["source"] != "ranking"
    # Decided by the head and deputy head: the vote requirement is met, no grounds asked.
    from scoring.selectors.nominations import dossier

    found = {item.key: item.ok for item in dossier(nomination).requirements}
    assert found["vote"] is True and f"grounds-{world.member_unit.pk}" not in found


def test_no_submission_while_a_ballot_is_open_or_without_a_vote(world, published, nomination):
    from tests.test_scoring_ballots import make_ballot

    complete(world, nomination, published, vote=False)
    ballot = make_ballot(world)  # still open
    error = refused(
        lambda: services.nomination_submit(actor=world.head_officer, nomination=nomination),
        msg.NOMINATION_BALLOT_NOT_CLOSED,
        ballot="Leading unit of the cluster",
        round=1,
    )
    with translation.override("en"):
        assert str(msg.NOMINATION_MISSING_VOTE) in error.messages
    # Nobody voted: nothing elected.
    ballot_close(actor=world.head_officer, ballot=ballot, at=ballot.closes_at)
    refused(
        lambda: services.nomination_submit(actor=world.head_officer, nomination=nomination),
        msg.NOMINATION_MISSING_VOTE,
    )
    nomination.refresh_from_db()
    assert nomination.state == Nomination.State.DRAFT


def test_no_submission_without_the_deliberation_meeting(world, published, nomination):
    complete(world, nomination, published, meeting=False)
    refused(
        lambda: services.nomination_submit(actor=world.head_officer, nomination=nomination),
        msg.NOMINATION_MISSING_MEETING,
    )


def test_a_nominee_the_vote_did_not_choose_needs_grounds(world, published, nomination):
    closed_ballot(world)  # Tây Sơn elected (its voters are the merit ballot's too)
    merit_ballot(world, [world.member_unit.pk, world.h_old.pk])
    complete(world, nomination, published)
    # Nam Sơn for the flag (Tây Sơn elected); Tây Sơn for merit (not elected), Đông Sơn
    # elected: no grounds given.
    services.nomination_set_nominees(
        actor=world.head_officer,
        nomination=nomination,
        flag=[world.deputy_unit.pk],
        merit=[world.h_new.pk, world.h_old.pk],
    )
    error = refused(
        lambda: services.nomination_submit(actor=world.head_officer, nomination=nomination),
        msg.NOMINATION_MISSING_GROUNDS,
        unit=world.deputy_unit.name,
    )
    with translation.override("en"):
        assert str(msg.NOMINATION_MISSING_GROUNDS % {"unit": world.h_new.name}) in error.messages
        assert (
            str(msg.NOMINATION_MISSING_GROUNDS % {"unit": world.h_old.name}) not in error.messages
        )
    services.nomination_set_nominees(
        actor=world.head_officer,
        nomination=nomination,
        flag=[world.deputy_unit.pk],
        merit=[world.h_new.pk, world.h_old.pk],
        reasons={world.deputy_unit.pk: "Đứng đầu xếp hạng", world.h_new.pk: "Thành tích nổi bật"},
    )
    services.nomination_submit(actor=world.head_officer, nomination=nomination)
    nomination.refresh_from_db()
    assert nomination.state == Nomination.State.SUBMITTED


def test_minutes_made_before_the_meeting_was_changed_must_be_made_again(
    world, published, nomination
):
    complete(world, nomination, published)
    deliberation_save(
        actor=world.head_officer,
        period=published.period,
        **meeting_fields(world, conclusions="Thống nhất, có sửa đổi."),
    )
    error = refused(
        lambda: services.nomination_submit(actor=world.head_officer, nomination=nomination),
        msg.NOMINATION_STALE_DELIBERATION,
    )
    with translation.override("en"):
        assert (
            str(
                msg.NOMINATION_STALE_BALLOT_MINUTES
                % {"ballot": "Leading unit of the cluster", "round": 1}
            )
            in error.messages
        )
    for ballot in Ballot.objects.filter(state=Ballot.State.CLOSED):
        job_request(actor=world.head_officer, kind="ballot_minutes", obj=ballot, scope_id=None)
    job_request(
        actor=world.head_officer, kind="deliberation_minutes", obj=published.period, scope_id=None
    )
    services.nomination_submit(actor=world.head_officer, nomination=nomination)
    from scoring.services.messages import deliberations as deliberation_msg

    refused(
        lambda: deliberation_save(
            actor=world.head_officer, period=published.period, **meeting_fields(world)
        ),
        deliberation_msg.DELIBERATION_NOMINATION_SENT,
    )


def test_the_quotas_in_force_when_sent_are_kept_and_checked(world, published, nomination):
    complete(world, nomination, published)
    rules = AwardRules.objects.create(organizer=world.org, flag_quota=1, merit_quota=1)
    refused(
        lambda: services.nomination_submit(actor=world.head_officer, nomination=nomination),
        msg.NOMINATION_MERIT_QUOTA,
        quota=1,
    )
    rules.merit_quota = 3
    rules.save()
    services.nomination_submit(actor=world.head_officer, nomination=nomination)
    nomination.refresh_from_db()
    assert (nomination.flag_quota, nomination.merit_quota) == (1, 3)
