"""Comments of the member units on the draft, while it is circulated."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from core.models import ActionLog
from covenants.models import Covenant, CovenantComment
from covenants.services.drafting import covenant_comment_add
from covenants.services.messages import COMMENT_NOT_CIRCULATED
from tests.test_covenant_drafting import add_sections, make_covenant


def circulated(world):  # type: ignore[no-untyped-def]
    covenant = make_covenant(world)
    add_sections(covenant, world, [("Về kinh tế", "Phấn đấu"), ("Về văn hóa", "")])
    Covenant.objects.filter(pk=covenant.pk).update(state="circulated")
    covenant.refresh_from_db()
    return covenant


@pytest.mark.parametrize("persona", ["member_officer", "member_leader", "head_officer", "board"])
def test_members_and_board_comment_while_circulated(world, client_for, persona):
    covenant = circulated(world)
    section = covenant.sections.get(heading="Về văn hóa")
    client = client_for(getattr(world, persona))
    page = client.get(reverse("covenant_detail", args=[covenant.pk])).content.decode()
    assert 'id="comment-form"' in page
    response = client.post(
        reverse("covenant_comment", args=[covenant.pk]),
        {"text": "Đề nghị bổ sung chỉ tiêu về thể thao.", "section": section.pk},
    )
    assert response.status_code == 302
    comment = CovenantComment.objects.get()
    assert comment.author == getattr(world, persona)
    assert comment.section == section
    expected_unit = {
        "member_officer": world.member_unit,
        "member_leader": world.member_unit,
        "head_officer": world.h_new,
        "board": None,
    }[persona]
    assert comment.unit == expected_unit
    entry = ActionLog.objects.get(action="covenants.covenant.comment_added")
    assert entry.scope_id == world.org.pk
    page = client.get(reverse("covenant_detail", args=[covenant.pk])).content.decode()
    assert "Đề nghị bổ sung chỉ tiêu về thể thao." in page
    if expected_unit:
        assert expected_unit.name in page[page.index('id="comments"') :]


@pytest.mark.parametrize("state", ["draft", "adopted", "signing", "signed"])
def test_comments_are_refused_unless_circulated(world, client_for, state):
    covenant = make_covenant(world)
    Covenant.objects.filter(pk=covenant.pk).update(state=state)
    client = client_for(world.member_officer)
    assert (
        'id="comment-form"'
        not in client.get(reverse("covenant_detail", args=[covenant.pk])).content.decode()
    )
    response = client.post(
        reverse("covenant_comment", args=[covenant.pk]), {"text": "Góp ý"}, follow=True
    )
    assert escape(str(COMMENT_NOT_CIRCULATED)) in response.content.decode()
    assert not CovenantComment.objects.exists()
    covenant.refresh_from_db()
    with pytest.raises(Exception) as refused:
        covenant_comment_add(actor=world.member_officer, covenant=covenant, text="Góp ý")
    assert str(COMMENT_NOT_CIRCULATED) in str(refused.value)


def test_an_empty_comment_keeps_the_page(world, client_for):
    covenant = circulated(world)
    response = client_for(world.member_officer).post(
        reverse("covenant_comment", args=[covenant.pk]), {"text": "   "}
    )
    assert response.status_code == 200
    assert 'id="comment-form"' in response.content.decode()
    assert not CovenantComment.objects.exists()


def test_a_section_of_another_covenant_is_not_accepted(world, client_for):
    covenant = circulated(world)
    other = make_covenant(world, year=world.last_year)
    (foreign,) = add_sections(other, world, [("Lạ", "")])
    response = client_for(world.member_officer).post(
        reverse("covenant_comment", args=[covenant.pk]), {"text": "Góp ý", "section": foreign.pk}
    )
    assert response.status_code == 200
    assert not CovenantComment.objects.exists()


def test_who_may_comment(world, client_for, client):
    covenant = circulated(world)
    url = reverse("covenant_comment", args=[covenant.pk])
    assert client.post(url, {"text": "x"}).status_code == 302  # to the login page
    assert client_for(world.other_board).post(url, {"text": "x"}).status_code == 404
    assert client_for(world.outsider_officer).post(url, {"text": "x"}).status_code == 404
    assert client_for(world.member_officer).get(url).status_code == 405
    assert not CovenantComment.objects.exists()


def test_the_head_marks_a_comment_as_taken_into_account(world, client_for):
    covenant = circulated(world)
    comment = covenant_comment_add(actor=world.member_officer, covenant=covenant, text="Thêm")
    url = reverse("covenant_comment_resolve", args=[covenant.pk])
    page = (
        client_for(world.head_officer)
        .get(reverse("covenant_detail", args=[covenant.pk]))
        .content.decode()
    )
    assert url in page
    assert (
        client_for(world.member_officer)
        .post(url, {"comment": comment.pk, "resolved": "on"})
        .status_code
        == 403
    )
    comment.refresh_from_db()
    assert comment.resolved is False
    client_for(world.head_officer).post(url, {"comment": comment.pk, "resolved": "on"})
    comment.refresh_from_db()
    assert comment.resolved is True
    assert ActionLog.objects.filter(action="covenants.covenant.comment_resolved").exists()
    page = (
        client_for(world.member_officer)
        .get(reverse("covenant_detail", args=[covenant.pk]))
        .content.decode()
    )
    assert "comment-resolved" in page
    client_for(world.head_officer).post(url, {"comment": comment.pk})
    comment.refresh_from_db()
    assert comment.resolved is False


def test_comments_show_author_unit_and_time(world, client_for):
    covenant = circulated(world)
    comment = covenant_comment_add(
        actor=world.member_leader,
        covenant=covenant,
        text="Nhất trí",
        section=covenant.sections.first(),
    )
    page = (
        client_for(world.board).get(reverse("covenant_detail", args=[covenant.pk])).content.decode()
    )
    block = page[page.index(f'id="comment-{comment.pk}"') :]
    block = block[: block.index("</article>")]
    assert world.member_leader.get_full_name() in block
    assert world.member_unit.name in block
    assert comment.created_at.astimezone().strftime("%Y") in block
    assert "Về kinh tế" in block
