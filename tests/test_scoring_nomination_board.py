"""The board's side of nominations: accepting and returning (state rules, messages,
notifications, activity log), the board's page of every cluster (permissions, what it
shows, a constant number of queries) and the award list for the council (order,
Excel cells, the PDF's text)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from core.documents.jobs import job_request
from core.models import ActionLog, DocumentJob, JobState, Notification
from scoring.models import Nomination, NominationDocument, Nominee, Period
from scoring.selectors.nomination_board import award_list, organizer_nominations
from scoring.services.messages import nomination_review as msg
from scoring.services.nomination_review import nomination_accept, nomination_return
from tests.factories import ClusterFactory, ClusterYearFactory, UnitFactory, add_members
from tests.test_scoring_pdf import fonts_of, text_of

pytestmark = pytest.mark.django_db


def make_period(cluster_year, kind=Period.Kind.YEAR_END):  # type: ignore[no-untyped-def]
    now = timezone.now()
    return Period.objects.create(
        cluster_year=cluster_year,
        kind=kind,
        self_deadline=now + dt.timedelta(days=1),
        verification_deadline=now + dt.timedelta(days=2),
        explanation_deadline=now + dt.timedelta(days=3),
    )


def make_nomination(  # type: ignore[no-untyped-def]
    cluster_year, *, state=Nomination.State.SUBMITTED, nominees=(), submitted_by=None
):
    """A nomination written directly; ``nominees``: (unit, award, rank, total, votes)."""
    organizer_id = cluster_year.cluster.organizer_id
    nomination = Nomination.objects.create(
        period=make_period(cluster_year),
        cluster_year=cluster_year,
        organizer_id=organizer_id,
        year=cluster_year.year,
        state=state,
        number="12/TTr-CTĐ",
        date=dt.date(cluster_year.year, 12, 5),
        submitted_at=timezone.now() if state != Nomination.State.DRAFT else None,
        submitted_by=submitted_by,
    )
    for order, (unit, award, rank, total, votes) in enumerate(nominees, start=1):
        Nominee.objects.create(
            nomination=nomination,
            unit=unit,
            award=award,
            rank=rank,
            total=Decimal(total) if total is not None else None,
            votes=votes,
            order=order,
            women_preference=order == 2,
        )
    return nomination


def world_nomination(world, state=Nomination.State.SUBMITTED):  # type: ignore[no-untyped-def]
    return make_nomination(
        world.this_year,
        state=state,
        submitted_by=world.head_officer,
        nominees=[
            (world.h_new, Nominee.Award.FLAG, 1, "95.5", 4),
            (world.member_unit, Nominee.Award.MERIT, 2, "90", 3),
        ],
    )


def second_cluster(world, name="Cụm thi đua các xã", units=2):  # type: ignore[no-untyped-def]
    cluster = ClusterFactory(organizer=world.org, name=name)
    members = [UnitFactory(organizer=world.org) for _ in range(units)]
    year = ClusterYearFactory(cluster=cluster, year=2024, head_unit=members[0])
    add_members(year, members)
    return year, members


# Accept and return -------------------------------------------------------------------


def test_the_board_accepts_a_submitted_nomination_and_the_head_is_told(
    world, django_capture_on_commit_callbacks
):
    nomination = world_nomination(world)
    with django_capture_on_commit_callbacks(execute=True):
        nomination_accept(actor=world.board, nomination=nomination)
    nomination.refresh_from_db()
    assert nomination.state == Nomination.State.ACCEPTED
    assert nomination.decided_by == world.board
    assert nomination.decided_at is not None
    entry = ActionLog.objects.get(action="scoring.nomination.accepted")
    assert entry.data["state"] == {"old": "submitted", "new": "accepted"}
    assert entry.scope_id == world.org.pk
    told = Notification.objects.filter(key="scoring.nomination.accepted")
    assert set(told.values_list("user__username", flat=True)) == {"hana"}
    assert world.cluster.name in told.get().subject


def test_the_board_returns_with_a_reason_that_is_kept_and_sent(
    world, django_capture_on_commit_callbacks
):
    nomination = world_nomination(world)
    with django_capture_on_commit_callbacks(execute=True):
        nomination_return(
            actor=world.board, nomination=nomination, reason="  Thiếu báo cáo thành tích.  "
        )
    nomination.refresh_from_db()
    assert nomination.state == Nomination.State.RETURNED
    assert nomination.return_reason == "Thiếu báo cáo thành tích."
    assert ActionLog.objects.filter(action="scoring.nomination.returned").exists()
    note = Notification.objects.get(key="scoring.nomination.returned", user=world.head_officer)
    assert "Thiếu báo cáo thành tích." in note.body


@pytest.mark.parametrize("reason", ["", "   \n  "])
def test_returning_without_a_reason_is_refused(world, reason):
    nomination = world_nomination(world)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        nomination_return(actor=world.board, nomination=nomination, reason=reason)
    assert caught.value.message_dict["reason"] == [str(msg.RETURN_REASON_REQUIRED)]
    nomination.refresh_from_db()
    assert nomination.state == Nomination.State.SUBMITTED
    assert not ActionLog.objects.filter(action="scoring.nomination.returned").exists()


@pytest.mark.parametrize(
    "state", [Nomination.State.DRAFT, Nomination.State.RETURNED, Nomination.State.ACCEPTED]
)
def test_only_a_submitted_nomination_can_be_accepted(world, state):
    nomination = world_nomination(world, state=state)
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            nomination_accept(actor=world.board, nomination=nomination)
        label = str(Nomination.State(state).label)
        assert caught.value.messages == [str(msg.REVIEW_NOT_SUBMITTED) % {"state": label}]
    nomination.refresh_from_db()
    assert nomination.state == state
    assert nomination.decided_at is None


@pytest.mark.parametrize("persona", ["other_board", "head_officer", "member_leader"])
def test_only_the_organizers_board_decides(world, persona):
    nomination = world_nomination(world)
    for decide in (
        lambda: nomination_accept(actor=getattr(world, persona), nomination=nomination),
        lambda: nomination_return(
            actor=getattr(world, persona), nomination=nomination, reason="Không đạt"
        ),
    ):
        with translation.override("en"), pytest.raises(ValidationError) as caught:
            decide()
        assert caught.value.messages == [str(msg.REVIEW_BOARD_ONLY)]
    nomination.refresh_from_db()
    assert nomination.state == Nomination.State.SUBMITTED


# Award list --------------------------------------------------------------------------


def accepted_world(world):  # type: ignore[no-untyped-def]
    """Two accepted nominations (two clusters), one submitted, one of another organizer."""
    first = world_nomination(world, state=Nomination.State.ACCEPTED)
    year, (a, b) = second_cluster(world, name="Cụm thi đua các xã")
    make_nomination(
        year,
        state=Nomination.State.ACCEPTED,
        nominees=[(a, Nominee.Award.FLAG, 1, "88", 2), (b, Nominee.Award.MERIT, 2, "80", 1)],
    )
    third, (c,) = second_cluster(world, name="Cụm thi đua các phường", units=1)
    make_nomination(third, nominees=[(c, Nominee.Award.FLAG, 1, "99", 1)])
    other_cluster = ClusterFactory(organizer=world.other_org)
    other_year = ClusterYearFactory(cluster=other_cluster, year=2024, head_unit=world.other_unit)
    add_members(other_year, [world.other_unit])
    make_nomination(
        other_year,
        state=Nomination.State.ACCEPTED,
        nominees=[(world.other_unit, Nominee.Award.FLAG, 1, "70", 1)],
    )
    return first, a, b, c


def test_the_award_list_has_flags_first_then_merits_of_accepted_nominations_only(world):
    _first, a, b, c = accepted_world(world)
    listing = award_list(organizer=world.org, year=2024)
    flags, merits = listing.groups
    assert flags.award == "flag" and merits.award == "merit"
    # Clusters in Vietnamese order: "các huyện" < "các xã".
    assert [line.unit for line in flags.lines] == [world.h_new.name, a.name]
    assert [line.unit for line in merits.lines] == [world.member_unit.name, b.name]
    assert [line.number for line in listing.lines] == [1, 2, 3, 4]
    first = flags.lines[0]
    assert (first.cluster, first.rank, first.total, first.votes) == (
        world.cluster.name,
        1,
        Decimal("95.5"),
        4,
    )
    assert merits.lines[0].women_preference is True
    names = {line.unit for line in listing.lines}
    assert c.name not in names and world.other_unit.name not in names
    assert award_list(organizer=world.org, year=2023).lines == []


def test_the_excel_award_list_has_its_columns_and_keeps_a_formula_like_name_as_text(
    world, client_for
):
    accepted_world(world)
    world.member_unit.name = '=HYPERLINK("http://x","y")'
    world.member_unit.save()
    response = client_for(world.board).get(reverse("award_list_xlsx", args=[2024]))
    assert response.status_code == 200
    assert "danh-sach-de-nghi-khen-thuong-2024.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == [
        "STT",
        "Cụm thi đua",
        "Đơn vị",
        "Hình thức khen thưởng",
        "Xếp hạng",
        "Tổng điểm",
        "Số phiếu",
    ]
    assert rows[1] == [
        1,
        world.cluster.name,
        world.h_new.name,
        "Cờ thi đua của Ủy ban nhân dân tỉnh",
        1,
        95.5,
        4,
    ]
    assert rows[3][2] == '=HYPERLINK("http://x","y")'
    assert sheet.cell(row=4, column=3).data_type == "s"
    assert rows[3][3] == "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh"
    assert len(rows) == 5


def test_the_award_list_pdf_has_the_header_title_table_and_signature(world):
    accepted_world(world)
    job = job_request(
        actor=world.board,
        kind="award_list",
        obj=world.org,
        scope_id=world.org.pk,
        params={"year": 2024},
    )
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    with job.file.open("rb") as handle:
        pdf = handle.read()
    text = text_of(pdf)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert world.org.parent_body.upper() in text
    assert world.org.issuing_body.upper() in text
    assert "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG" in text
    assert "năm 2024" in text
    assert (
        f"Cờ thi đua của Ủy ban nhân dân tỉnh 1 {world.cluster.name} {world.h_new.name} 1 95,50 4"
        in text
    )
    assert "II Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh" in text
    assert f"3 {world.cluster.name} {world.member_unit.name} (*) 2 90,00 3" in text
    assert "Tổng số tập thể đề nghị khen thưởng: 4." in text
    assert "Cụm thi đua các phường" not in text
    assert "THƯỜNG TRỰC" in text
    assert "Nơi nhận:" in text
    assert all(font.startswith("Tinos") for font in fonts_of(pdf))


def test_the_board_asks_for_the_pdf_and_members_cannot(world, client_for):
    accepted_world(world)
    url = reverse("award_list_pdf", args=[2024])
    assert client_for(world.member_officer).post(url).status_code == 403
    assert not DocumentJob.objects.exists()
    client = client_for(world.board)
    response = client.post(url)
    job = DocumentJob.objects.get(kind="award_list")
    assert job.params == {"year": 2024} and job.object_id == str(world.org.pk)
    assert response.url == reverse("job_detail", args=[job.pk])
    assert client.get(url).url == reverse("job_detail", args=[job.pk])
    assert client.get(reverse("job_download", args=[job.pk])).status_code == 200
    # Another organizer's board cannot read it.
    assert (
        client_for(world.other_board).get(reverse("job_download", args=[job.pk])).status_code == 404
    )


# The board's page --------------------------------------------------------------------


def test_the_board_page_lists_every_cluster_with_its_state_and_dossier(world, client_for):
    nomination = world_nomination(world)
    document = NominationDocument.objects.create(
        nomination=nomination,
        kind=NominationDocument.Kind.ACHIEVEMENT_REPORT,
        unit=world.h_new,
        title="Báo cáo thành tích 2024",
        file="nominations/x.pdf",
    )
    second_cluster(world, name="Cụm thi đua các xã")
    client = client_for(world.board)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("board_nominations") + "?year=2024").content.decode()
    assert "Award nominations 2024" in page
    assert world.cluster.name in page and "Cụm thi đua các xã" in page
    assert "No nomination" in page
    assert f"Sent on {timezone.localdate():%d/%m/%Y}" in page
    assert world.h_new.name in page and world.member_unit.name in page
    assert "Báo cáo thành tích 2024" in page
    assert "Dossier: 1 piece" in page
    assert reverse("nomination_document_download", args=[nomination.period_id, document.pk]) in page
    assert reverse("nomination_detail", args=[nomination.period_id]) in page
    assert reverse("board_nomination_accept", args=[nomination.pk]) in page
    assert reverse("board_nomination_return", args=[nomination.pk]) in page


def test_the_board_page_defaults_to_a_year_and_has_no_buttons_for_decided(world, client_for):
    nomination = world_nomination(world, state=Nomination.State.ACCEPTED)
    client = client_for(world.board)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("board_nominations") + "?year=2024").content.decode()
    assert "Accepted" in page
    assert reverse("board_nomination_accept", args=[nomination.pk]) not in page


@pytest.mark.parametrize(
    ("persona", "status"),
    [("member_officer", 403), ("head_officer", 403), ("outsider_officer", 403)],
)
def test_members_cannot_see_the_board_pages(world, client_for, persona, status):
    nomination = world_nomination(world)
    client = client_for(getattr(world, persona))
    assert client.get(reverse("board_nominations")).status_code == status
    assert client.get(reverse("award_list_xlsx", args=[2024])).status_code == status
    assert (
        client.get(reverse("board_nomination_accept", args=[nomination.pk])).status_code == status
    )
    assert (
        client.post(
            reverse("board_nomination_return", args=[nomination.pk]),
            {"reason": "x", "confirm": "on"},
        ).status_code
        == status
    )
    nomination.refresh_from_db()
    assert nomination.state == Nomination.State.SUBMITTED


def test_another_organizers_board_gets_404_and_sees_none_of_it(world, client_for):
    nomination = world_nomination(world)
    client = client_for(world.other_board)
    assert client.get(reverse("board_nomination_accept", args=[nomination.pk])).status_code == 404
    assert (
        client.post(
            reverse("board_nomination_accept", args=[nomination.pk]), {"confirm": "on"}
        ).status_code
        == 404
    )
    page = client.get(reverse("board_nominations") + "?year=2024").content.decode()
    assert world.cluster.name not in page
    nomination.refresh_from_db()
    assert nomination.state == Nomination.State.SUBMITTED


def test_anonymous_users_are_sent_to_log_in(client, world):
    response = client.get(reverse("board_nominations"))
    assert response.status_code == 302
    assert reverse("login") in response.url


def test_accepting_needs_the_confirmation(world, client_for):
    nomination = world_nomination(world)
    client = client_for(world.board)
    client.cookies["django_language"] = "en"
    url = reverse("board_nomination_accept", args=[nomination.pk])
    page = client.get(url).content.decode()
    assert "I have checked the dossier" in page and world.h_new.name in page
    assert client.post(url, {}).status_code == 200
    nomination.refresh_from_db()
    assert nomination.state == Nomination.State.SUBMITTED
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert nomination.state == Nomination.State.ACCEPTED
    follow = client.get(response.url).content.decode()
    assert f"The nomination of {world.cluster.name} is accepted." in follow


def test_returning_in_the_page_needs_a_reason_and_keeps_what_was_typed(world, client_for):
    nomination = world_nomination(world)
    client = client_for(world.board)
    client.cookies["django_language"] = "en"
    url = reverse("board_nomination_return", args=[nomination.pk])
    page = client.post(url, {"reason": "", "confirm": "on"}).content.decode()
    assert "This field is required." in page
    page = client.post(url, {"reason": "Thiếu biên bản"}).content.decode()
    assert "Thiếu biên bản" in page  # kept while the confirmation is missing
    nomination.refresh_from_db()
    assert nomination.state == Nomination.State.SUBMITTED
    response = client.post(url, {"reason": "Thiếu biên bản", "confirm": "on"})
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert (nomination.state, nomination.return_reason) == ("returned", "Thiếu biên bản")


def test_a_decided_nomination_shows_no_form(world, client_for):
    nomination = world_nomination(world, state=Nomination.State.RETURNED)
    client = client_for(world.board)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("board_nomination_accept", args=[nomination.pk])).content.decode()
    assert "Only a nomination sent to the board can be accepted." in page
    assert 'id="accept-form"' not in page


# Constant queries -------------------------------------------------------------------


def populate(world, clusters: int, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    for index in range(start, start + clusters):
        year, units = second_cluster(world, name=f"Cụm thi đua kiểm tra {index}", units=3)
        nomination = make_nomination(
            year,
            nominees=[
                (units[0], Nominee.Award.FLAG, 1, "90", 3),
                (units[1], Nominee.Award.MERIT, 2, "80", 2),
                (units[2], Nominee.Award.MERIT, 3, "70", 1),
            ],
        )
        for unit in units:
            NominationDocument.objects.create(
                nomination=nomination,
                kind=NominationDocument.Kind.ACHIEVEMENT_REPORT,
                unit=unit,
                file=f"nominations/{unit.pk}.pdf",
            )


def count_queries(action) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


def test_the_selector_reads_in_a_constant_number_of_queries(world, django_assert_max_num_queries):
    world_nomination(world)
    populate(world, 1)
    small = count_queries(lambda: organizer_nominations(organizer=world.org, year=2024))
    populate(world, 6, start=1)
    with django_assert_max_num_queries(small):
        rows = organizer_nominations(organizer=world.org, year=2024)
        assert sum(len(row.nominees) for row in rows) == 2 + 7 * 3
        assert sum(row.document_count for row in rows) == 7 * 3


def test_the_board_page_has_a_constant_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    world_nomination(world)
    populate(world, 1)
    client = client_for(world.board)
    url = reverse("board_nominations") + "?year=2024"
    client.get(url)
    small = count_queries(lambda: client.get(url))
    populate(world, 8, start=1)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.content.decode().count('class="card mb-3 cluster-nomination"') == 10


def test_an_award_list_without_accepted_nominations_says_so(world):
    world_nomination(world)  # submitted, not accepted
    job = job_request(
        actor=world.board,
        kind="award_list",
        obj=world.org,
        scope_id=world.org.pk,
        params={"year": 2024},
    )
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    with job.file.open("rb") as handle:
        text = text_of(handle.read())
    assert "Tổng số tập thể đề nghị khen thưởng: 0." in text
    assert text.count("Không có tập thể được đề nghị.") == 2
    assert world.h_new.name not in text
