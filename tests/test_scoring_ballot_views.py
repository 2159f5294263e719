"""Secret-ballot pages: preparing, opening and closing (head and board), the leader's
ballot paper with its confirmation and the receipt shown once, the receipt check, the
result after closing, and who sees what (no count before closing)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from scoring.models import Ballot, BallotVoter, CastBallot
from scoring.services.ballots import ballot_cast, ballot_close
from tests.conftest import password_just_confirmed
from tests.test_scoring_ballots import leaders, make_ballot

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for(client):  # type: ignore[no-untyped-def]
    """Logged in, with the pages in English (the wording is asserted, not the Vietnamese)."""

    def login(user):  # type: ignore[no-untyped-def]
        client.force_login(user)
        password_just_confirmed(client)
        client.cookies["django_language"] = "en"
        return client

    return login


@pytest.fixture(autouse=True)
def _english_messages():  # type: ignore[no-untyped-def]
    """Refusals and pages are compared with their English msgids (the wording, not the
    translation)."""
    with translation.override("en"):
        yield


def test_head_prepares_a_ballot(world, client_for):
    client = client_for(world.head_officer)
    url = reverse("ballot_create", args=[world.this_year.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert world.member_unit.name in page.content.decode()
    opens = timezone.localtime(timezone.now() + dt.timedelta(days=1))
    closes = opens + dt.timedelta(hours=3)
    response = client.post(
        url,
        {
            "purpose": "leading_unit",
            "candidates": [world.h_new.pk, world.member_unit.pk],
            "choose_at_most": "1",
            "opens_at_0": opens.strftime("%d/%m/%Y"),
            "opens_at_1": opens.strftime("%H:%M"),
            "closes_at_0": closes.strftime("%d/%m/%Y"),
            "closes_at_1": closes.strftime("%H:%M"),
            "quorum_numerator": "2",
            "quorum_denominator": "3",
            "threshold_numerator": "1",
            "threshold_denominator": "2",
            "threshold_strict": "on",
        },
    )
    ballot = Ballot.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("ballot_detail", args=[ballot.pk])
    assert set(ballot.candidates.all()) == {world.h_new, world.member_unit}
    assert ballot.state == Ballot.State.DRAFT


@pytest.mark.parametrize("persona", ["member_officer", "member_leader"])
def test_members_cannot_prepare_a_ballot(world, client_for, persona):
    client = client_for(getattr(world, persona))
    assert client.get(reverse("ballot_create", args=[world.this_year.pk])).status_code == 403


def test_open_and_close_ask_first(world, client_for):
    ballot = make_ballot(world, open_it=False)
    client = client_for(world.head_officer)
    page = client.get(reverse("ballot_open", args=[ballot.pk]))
    assert 'data-confirm="' in page.content.decode()
    assert client.post(reverse("ballot_open", args=[ballot.pk])).status_code == 302
    ballot.refresh_from_db()
    assert ballot.state == Ballot.State.OPEN
    page = client.get(reverse("ballot_close", args=[ballot.pk]))
    assert "0 of 4 units have voted" in page.content.decode()


def test_leader_votes_confirms_and_sees_the_receipt_once(world, client_for):
    ballot = make_ballot(world)
    client = client_for(world.member_leader)
    url = reverse("ballot_vote", args=[ballot.pk])
    paper = client.get(url).content.decode()
    assert 'type="radio" name="choice"' in paper
    review = client.post(url, {"step": "review", "choice": [world.h_new.pk]}).content.decode()
    assert 'id="vote-review"' in review
    assert world.h_new.name in review
    assert not BallotVoter.objects.exists()  # nothing cast before confirming
    response = client.post(url, {"step": "cast", "choice": [world.h_new.pk]})
    assert response["Cache-Control"] == "private, no-store"
    text = response.content.decode()
    assert 'id="receipt-code"' in text
    code = text.split('id="receipt-code">')[1].split("<")[0].strip()
    assert BallotVoter.objects.filter(ballot=ballot, unit=world.member_unit).exists()
    assert CastBallot.objects.count() == 1
    # Shown once: coming back shows no receipt and no new ballot paper.
    again = client.get(url).content.decode()
    assert code not in again
    assert 'id="vote-form"' not in again
    client.post(url, {"step": "cast", "choice": [world.member_unit.pk]})
    assert CastBallot.objects.count() == 1
    # The receipt check.
    check = client.post(reverse("ballot_receipt", args=[ballot.pk]), {"code": code})
    assert "has been received" in check.content.decode()
    wrong = client.post(reverse("ballot_receipt", args=[ballot.pk]), {"code": "AAAA-AAAA-AAAA"})
    assert "No ballot with this receipt" in wrong.content.decode()


def test_review_refuses_too_many_and_empty(world, client_for):
    ballot = make_ballot(world)
    client = client_for(world.member_leader)
    url = reverse("ballot_vote", args=[ballot.pk])
    text = client.post(
        url, {"step": "review", "choice": [world.h_new.pk, world.member_unit.pk]}
    ).content.decode()
    assert 'id="vote-errors"' in text
    text = client.post(url, {"step": "review"}).content.decode()
    assert 'id="vote-errors"' in text


@pytest.mark.parametrize("persona", ["member_officer", "head_officer", "board"])
def test_only_leaders_get_a_ballot_paper(world, client_for, persona):
    ballot = make_ballot(world)
    client = client_for(getattr(world, persona))
    assert client.get(reverse("ballot_vote", args=[ballot.pk])).status_code == 403
    client.post(reverse("ballot_vote", args=[ballot.pk]), {"step": "cast", "abstain": "1"})
    assert not CastBallot.objects.exists()


@pytest.mark.parametrize("persona", ["other_board", "outsider_officer"])
def test_other_organizer_and_outsiders_get_404(world, client_for, persona):
    ballot = make_ballot(world)
    client = client_for(getattr(world, persona))
    for name in ("ballot_detail", "ballot_result", "ballot_vote", "ballot_receipt"):
        assert client.get(reverse(name, args=[ballot.pk])).status_code == 404


def test_before_closing_nobody_sees_a_count(world, client_for):
    people = leaders(world)
    ballot = make_ballot(world)
    for user in list(people.values())[:3]:
        ballot_cast(actor=user, ballot=ballot, choices=[world.h_new])
    for persona in ("board", "head_officer"):
        client = client_for(getattr(world, persona))
        text = client.get(reverse("ballot_detail", args=[ballot.pk])).content.decode()
        assert "3 of 4 units have voted" in text
        assert 'id="ballot-result"' not in text
        result = client.get(reverse("ballot_result", args=[ballot.pk])).content.decode()
        assert 'id="result-hidden"' in result
        assert 'id="result-candidates"' not in result
    member = client_for(world.member_officer)
    text = member.get(reverse("ballot_detail", args=[ballot.pk])).content.decode()
    assert "units have voted" not in text


def test_result_after_closing(world, client_for):
    people = leaders(world)
    ballot = make_ballot(world)
    users = list(people.values())
    for user in users[:3]:
        ballot_cast(actor=user, ballot=ballot, choices=[world.h_new])
    ballot_cast(actor=users[3], ballot=ballot, choices=[], abstain=True)
    client = client_for(world.head_officer)
    assert client.post(reverse("ballot_close", args=[ballot.pk])).status_code == 302
    ballot.refresh_from_db()
    assert ballot.state == Ballot.State.CLOSED
    text = client_for(world.member_officer).get(reverse("ballot_result", args=[ballot.pk]))
    text = text.content.decode()
    assert 'class="col-sm-7 issued">4<' in text
    assert 'class="col-sm-7 returned">4<' in text
    assert 'class="col-sm-7 invalid">0<' in text
    assert "75,00 %" in text
    assert "elected" in text


def test_next_round_from_the_page(world, client_for):
    ballot = make_ballot(world)
    ballot_close(actor=world.head_officer, ballot=ballot, at=ballot.closes_at)
    client = client_for(world.head_officer)
    detail = client.get(reverse("ballot_detail", args=[ballot.pk])).content.decode()
    assert reverse("ballot_next_round", args=[ballot.pk]) in detail
    response = client.post(reverse("ballot_next_round", args=[ballot.pk]))
    second = Ballot.objects.get(round=2)
    assert response.url == reverse("ballot_detail", args=[second.pk])


def test_year_ballots_lists_them(world, client_for):
    make_ballot(world)
    text = client_for(world.member_officer).get(reverse("year_ballots", args=[world.this_year.pk]))
    assert 'id="ballot-list"' in text.content.decode()
