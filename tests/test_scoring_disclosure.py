"""The public disclosure of proposed units: the board sets the window, everyone of the
organizer sees the proposed units and comments while it is open; comments are kept,
stored in NFC and shown escaped; outsiders never see it."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from core.models import ActionLog, Notification
from scoring.models import Disclosure, DisclosureComment, Nomination, Nominee
from scoring.services.messages import nomination_review as msg
from scoring.services.nomination_review import disclosure_comment, disclosure_set
from tests.test_scoring_nomination_board import make_nomination, world_nomination

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def window(world, *, opens=-HOUR, closes=HOUR, year=2024):  # type: ignore[no-untyped-def]
    now = timezone.now()
    return Disclosure.objects.create(
        organizer=world.org, year=year, opens_at=now + opens, closes_at=now + closes
    )


def proposed(world):  # type: ignore[no-untyped-def]
    nomination = world_nomination(world)
    return nomination, nomination.nominees.get(unit=world.h_new)


# Setting the window -------------------------------------------------------------------


def test_the_board_sets_a_window_and_members_are_told(world, django_capture_on_commit_callbacks):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        disclosure = disclosure_set(
            actor=world.board,
            organizer=world.org,
            year=2024,
            opens_at=now,
            closes_at=now + dt.timedelta(days=7),
            note="  Ý kiến gửi trước ngày 20/12.  ",
        )
    assert (disclosure.year, disclosure.note) == (2024, "Ý kiến gửi trước ngày 20/12.")
    assert ActionLog.objects.filter(action="scoring.disclosure.set").count() == 1
    told = set(
        Notification.objects.filter(key="scoring.disclosure.set").values_list(
            "user__username", flat=True
        )
    )
    assert {"hana", "minh", "lan", "oscar"} <= told
    assert "alice" not in told and "bob" not in told
    # Changed while still open: the same row, logged again.
    disclosure_set(
        actor=world.board,
        organizer=world.org,
        year=2024,
        opens_at=now,
        closes_at=now + dt.timedelta(days=10),
        note="",
    )
    assert Disclosure.objects.get().closes_at == now + dt.timedelta(days=10)
    assert ActionLog.objects.filter(action="scoring.disclosure.set").count() == 2


def test_setting_a_window_is_refused_to_others_backwards_and_once_closed(world):
    now = timezone.now()
    with translation.override("en"):
        for actor in (world.member_leader, world.other_board):
            with pytest.raises(ValidationError) as caught:
                disclosure_set(
                    actor=actor,
                    organizer=world.org,
                    year=2024,
                    opens_at=now,
                    closes_at=now + HOUR,
                    note="",
                )
            assert caught.value.messages == [str(msg.DISCLOSURE_BOARD_ONLY)]
        with pytest.raises(ValidationError) as caught:
            disclosure_set(
                actor=world.board,
                organizer=world.org,
                year=2024,
                opens_at=now,
                closes_at=now - HOUR,
                note="",
            )
        assert caught.value.message_dict["closes_at"] == [str(msg.DISCLOSURE_TIMES_ORDER)]
        window(world, opens=-2 * HOUR, closes=-HOUR)
        with pytest.raises(ValidationError) as caught:
            disclosure_set(
                actor=world.board,
                organizer=world.org,
                year=2024,
                opens_at=now,
                closes_at=now + HOUR,
                note="",
            )
        assert caught.value.messages == [str(msg.DISCLOSURE_CLOSED) % {"year": 2024}]


# Comments --------------------------------------------------------------------------


def test_a_member_comments_while_open_and_the_comment_is_kept_in_nfc(world):
    disclosure = window(world)
    _nomination, nominee = proposed(world)
    decomposed = unicodedata.normalize("NFD", "  Đơn vị Hòa Bình làm rất tốt.  ")
    comment = disclosure_comment(
        actor=world.member_officer, disclosure=disclosure, nominee=nominee, text=decomposed
    )
    stored = DisclosureComment.objects.get(pk=comment.pk)
    assert stored.text == "Đơn vị Hòa Bình làm rất tốt."
    assert unicodedata.is_normalized("NFC", stored.text)
    assert (stored.author, stored.unit) == (world.member_officer, world.member_unit)
    assert ActionLog.objects.get(action="scoring.disclosure.commented").data["nominee"] == (
        nominee.pk
    )
    # The board comments too, without a unit.
    board_comment = disclosure_comment(
        actor=world.board, disclosure=disclosure, nominee=nominee, text="Đề nghị bổ sung."
    )
    assert board_comment.unit is None


@pytest.mark.parametrize(("opens", "closes"), [(HOUR, 2 * HOUR), (-2 * HOUR, -HOUR)])
def test_comments_outside_the_window_are_refused(world, opens, closes):
    disclosure = window(world, opens=opens, closes=closes)
    _nomination, nominee = proposed(world)
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            disclosure_comment(
                actor=world.member_officer, disclosure=disclosure, nominee=nominee, text="Ý kiến"
            )
        assert caught.value.code == "not_open"
        assert "Comments are taken from" in caught.value.messages[0]
    assert not DisclosureComment.objects.exists()


def test_comments_need_text_of_at_most_4000_characters(world):
    disclosure = window(world)
    _nomination, nominee = proposed(world)
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            disclosure_comment(
                actor=world.member_officer, disclosure=disclosure, nominee=nominee, text=" \n "
            )
        assert caught.value.message_dict["text"] == [str(msg.COMMENT_EMPTY)]
        with pytest.raises(ValidationError) as caught:
            disclosure_comment(
                actor=world.member_officer,
                disclosure=disclosure,
                nominee=nominee,
                text="a" * 4001,
            )
        assert caught.value.message_dict["text"] == [
            str(msg.COMMENT_TOO_LONG) % {"limit": 4000, "count": 4001}
        ]
    disclosure_comment(
        actor=world.member_officer, disclosure=disclosure, nominee=nominee, text="a" * 4000
    )
    assert DisclosureComment.objects.count() == 1


def test_outsiders_and_units_not_proposed_are_refused(world):
    disclosure = window(world)
    nomination, nominee = proposed(world)
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            disclosure_comment(
                actor=world.other_board, disclosure=disclosure, nominee=nominee, text="x"
            )
        assert caught.value.messages == [str(msg.COMMENT_NOT_MEMBER)]
        Nomination.objects.filter(pk=nomination.pk).update(state=Nomination.State.DRAFT)
        with pytest.raises(ValidationError) as caught:
            disclosure_comment(
                actor=world.member_officer, disclosure=disclosure, nominee=nominee, text="x"
            )
        assert caught.value.messages == [str(msg.COMMENT_NOT_PROPOSED)]
    assert not DisclosureComment.objects.exists()


# The page --------------------------------------------------------------------------


def test_members_see_the_proposed_units_comments_escaped_and_a_form_while_open(world, client_for):
    disclosure = window(world)
    _nomination, nominee = proposed(world)
    make_nomination(
        world.last_year,
        state=Nomination.State.DRAFT,
        nominees=[(world.h_old, Nominee.Award.FLAG, 1, "90", 3)],
    )
    disclosure_comment(
        actor=world.member_leader,
        disclosure=disclosure,
        nominee=nominee,
        text="<script>alert(1)</script> Ý kiến",
    )
    client = client_for(world.outsider_officer)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("disclosure_detail", args=[2024])).content.decode()
    assert "Proposed awards 2024" in page
    assert world.h_new.name in page and world.member_unit.name in page
    assert world.h_old.name not in page  # a draft is not proposed
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ý kiến" in page
    assert "<script>alert(1)</script>" not in page
    assert reverse("disclosure_comment", args=[2024, nominee.pk]) in page
    assert "1 comment" in page


def test_a_member_comments_through_the_page(world, client_for):
    window(world)
    _nomination, nominee = proposed(world)
    client = client_for(world.member_officer)
    client.cookies["django_language"] = "en"
    url = reverse("disclosure_comment", args=[2024, nominee.pk])
    page = client.post(url, {"text": "   "}).content.decode()
    assert "This field is required." in page
    response = client.post(url, {"text": "Đơn vị tiêu biểu."})
    assert response.status_code == 302
    comment = DisclosureComment.objects.get()
    assert (comment.text, comment.unit) == ("Đơn vị tiêu biểu.", world.member_unit)
    page = client.get(response.url).content.decode()
    assert "Your comment on" in page and "Đơn vị tiêu biểu." in page


def test_after_closing_comments_stay_and_the_form_is_gone(world, client_for):
    disclosure = window(world)
    _nomination, nominee = proposed(world)
    disclosure_comment(
        actor=world.member_officer, disclosure=disclosure, nominee=nominee, text="Giữ lại"
    )
    Disclosure.objects.filter(pk=disclosure.pk).update(closes_at=timezone.now() - HOUR)
    client = client_for(world.member_officer)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("disclosure_detail", args=[2024])).content.decode()
    assert "Giữ lại" in page
    assert "comments closed" in page
    assert reverse("disclosure_comment", args=[2024, nominee.pk]) not in page
    response = client.post(reverse("disclosure_comment", args=[2024, nominee.pk]), {"text": "Muộn"})
    assert "Comments are taken from" in response.content.decode()
    assert DisclosureComment.objects.count() == 1


def test_the_page_is_hidden_before_opening_except_from_the_board(world, client_for):
    window(world, opens=HOUR, closes=2 * HOUR)
    proposed(world)
    url = reverse("disclosure_detail", args=[2024])
    assert client_for(world.member_officer).get(url).status_code == 404
    client = client_for(world.board)
    client.cookies["django_language"] = "en"
    page = client.get(url).content.decode()
    assert "not open yet" in page and world.h_new.name in page


def test_outsiders_get_404_and_anonymous_users_log_in(world, client, client_for):
    window(world)
    _nomination, nominee = proposed(world)
    url = reverse("disclosure_detail", args=[2024])
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response.url
    other = client_for(world.other_board)
    assert other.get(url).status_code == 404
    assert (
        other.post(
            reverse("disclosure_comment", args=[2024, nominee.pk]), {"text": "x"}
        ).status_code
        == 404
    )
    assert not DisclosureComment.objects.exists()


def test_the_members_link_goes_to_the_open_window(world, client_for):
    window(world)
    client = client_for(world.member_officer)
    response = client.get(reverse("disclosure_current"))
    assert response.url == reverse("disclosure_detail", args=[2024])
    Disclosure.objects.all().delete()
    client.cookies["django_language"] = "en"
    page = client.get(reverse("disclosure_current")).content.decode()
    assert "No list of proposed units is open for comments." in page


def test_the_board_sets_the_window_in_its_form_and_members_cannot(world, client_for):
    url = reverse("disclosure_settings", args=[2024])
    assert client_for(world.member_officer).get(url).status_code == 403
    client = client_for(world.board)
    client.cookies["django_language"] = "en"
    start = timezone.localtime() + dt.timedelta(days=1)
    data = {
        "opens_at_0": start.strftime("%d/%m/%Y"),
        "opens_at_1": "08:00",
        "closes_at_0": (start - dt.timedelta(days=2)).strftime("%d/%m/%Y"),
        "closes_at_1": "17:00",
        "note": "Ghi chú",
    }
    page = client.post(url, data).content.decode()
    assert "Comments must close after the disclosure opens." in page
    assert "Ghi chú" in page
    assert not Disclosure.objects.exists()
    data["closes_at_0"] = (start + dt.timedelta(days=7)).strftime("%d/%m/%Y")
    response = client.post(url, data)
    assert response.status_code == 302
    disclosure = Disclosure.objects.get()
    assert timezone.localtime(disclosure.opens_at).strftime("%d/%m/%Y %H:%M") == (
        f"{start:%d/%m/%Y} 08:00"
    )


def test_the_board_page_counts_comments_per_nominee(world, client_for):
    disclosure = window(world)
    _nomination, nominee = proposed(world)
    for text in ("Một", "Hai"):
        disclosure_comment(
            actor=world.member_officer, disclosure=disclosure, nominee=nominee, text=text
        )
    page = client_for(world.board).get(reverse("board_nominations") + "?year=2024")
    html = page.content.decode()
    row = html.split(f'id="nominee-{nominee.pk}"', 1)[1].split("</tr>", 1)[0]
    assert f'#nominee-{nominee.pk}">2</a>' in row


def test_a_closed_window_has_no_form_to_change_it(world, client_for):
    window(world, opens=-2 * HOUR, closes=-HOUR)
    client = client_for(world.board)
    client.cookies["django_language"] = "en"
    url = reverse("disclosure_settings", args=[2024])
    page = client.get(url).content.decode()
    assert "it can no longer be changed" in page
    assert 'id="disclosure-form"' not in page
    start = timezone.localtime() + dt.timedelta(days=1)
    client.post(
        url,
        {
            "opens_at_0": start.strftime("%d/%m/%Y"),
            "opens_at_1": "08:00",
            "closes_at_0": (start + dt.timedelta(days=3)).strftime("%d/%m/%Y"),
            "closes_at_1": "08:00",
        },
    )
    assert Disclosure.objects.get().closes_at < timezone.now()
    assert not ActionLog.objects.filter(action="scoring.disclosure.set").exists()
