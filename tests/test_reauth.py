"""Re-authentication before voting and finalising (issue 7): without a recent password
the leader types it to cast the unit's ballot and the verifier to finalise; a wrong one
casts or finalises nothing, is written to the activity log, and five of them within
fifteen minutes lock the confirmation; a right one opens a ten-minute window."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse
from django.utils import translation

from core import reauth
from core.models import ActionLog
from scoring.models import BallotVoter, CastBallot, Scorecard
from tests.factories import PASSWORD
from tests.test_scoring_ballots import make_ballot
from tests.test_scoring_verification_views import VW


@pytest.fixture
def en(client):  # type: ignore[no-untyped-def]
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


def _cast(client, ballot, unit, **extra):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("ballot_vote", args=[ballot.pk]), {"step": "cast", "choice": [unit.pk], **extra}
    )


def test_the_confirmation_asks_for_the_password_only_without_a_recent_one(world, client_for):
    ballot = make_ballot(world)
    url = reverse("ballot_vote", args=[ballot.pk])
    review = {"step": "review", "choice": [world.h_new.pk]}
    asked = client_for(world.member_leader, confirmed=False).post(url, review).content.decode()
    assert 'id="cast-form"' in asked and 'name="password"' in asked
    confirmed = client_for(world.member_leader).post(url, review).content.decode()
    assert 'id="cast-form"' in confirmed and 'name="password"' not in confirmed


def test_no_vote_without_the_password_and_a_wrong_one_is_logged(world, client_for, en):
    ballot = make_ballot(world)
    client = client_for(world.member_leader, confirmed=False)
    missing = _cast(client, ballot, world.h_new).content.decode()
    assert str(reauth.PASSWORD_REQUIRED) in missing
    wrong = _cast(client, ballot, world.h_new, password="not-it").content.decode()
    assert str(reauth.PASSWORD_WRONG) in wrong
    assert 'id="cast-form"' in wrong and world.h_new.name in wrong  # the choice is kept
    assert not BallotVoter.objects.exists() and not CastBallot.objects.exists()
    failed = ActionLog.objects.get(action=reauth.FAILED_ACTION)
    assert failed.actor == world.member_leader and failed.data == {"confirming": "vote"}


def test_the_right_password_casts_and_opens_the_window(world, client_for):
    ballot = make_ballot(world)
    client = client_for(world.member_leader, confirmed=False)
    text = _cast(client, ballot, world.h_new, password=PASSWORD).content.decode()
    assert 'id="receipt-code"' in text
    assert BallotVoter.objects.filter(ballot=ballot, unit=world.member_unit).count() == 1
    assert isinstance(client.session[reauth.SESSION_KEY], float)
    # Within the window nothing more is asked: the next ballot's confirmation has no field.
    again = client.post(
        reverse("ballot_vote", args=[make_ballot(world).pk]),
        {"step": "review", "choice": [world.h_new.pk]},
    ).content.decode()
    assert 'name="password"' not in again


def test_an_old_confirmation_no_longer_counts(world, client_for, en):
    ballot = make_ballot(world)
    client = client_for(world.member_leader, confirmed=False)
    session = client.session
    session[reauth.SESSION_KEY] = time.time() - reauth.window().total_seconds() - 5
    session.save()
    text = _cast(client, ballot, world.h_new).content.decode()
    assert str(reauth.PASSWORD_REQUIRED) in text
    assert not CastBallot.objects.exists()


def test_five_wrong_passwords_lock_the_confirmation(world, client_for, en):
    ballot = make_ballot(world)
    client = client_for(world.member_leader, confirmed=False)
    for _attempt in range(reauth.FAILED_LIMIT):
        _cast(client, ballot, world.h_new, password="guess")
    locked = _cast(client, ballot, world.h_new, password=PASSWORD).content.decode()
    assert str(reauth.TOO_MANY_ATTEMPTS) % {"minutes": 15} in locked
    assert not CastBallot.objects.exists()
    assert ActionLog.objects.filter(action=reauth.FAILED_ACTION).count() == reauth.FAILED_LIMIT


def test_finalising_asks_for_the_password_without_a_recent_one(world, client_for, en):
    vw = VW(world)
    client = client_for(world.head_officer, confirmed=False)
    url = reverse("verify_finalise", args=[vw.card.pk])
    assert 'name="password"' in client.get(url).content.decode()
    wrong = client.post(url, {"confirm": "on", "password": "nope"}).content.decode()
    assert str(reauth.PASSWORD_WRONG) in wrong
    assert Scorecard.objects.get(pk=vw.card.pk).state == "submitted"
    assert ActionLog.objects.get(action=reauth.FAILED_ACTION).data == {"confirming": "finalise"}
    done = client.post(url, {"confirm": "on", "password": PASSWORD})
    assert done.status_code == 302
    assert Scorecard.objects.get(pk=vw.card.pk).state == "finalised"


def test_a_confirmed_verifier_is_not_asked_again(world, client_for):
    vw = VW(world)
    client = client_for(world.head_officer)
    url = reverse("verify_finalise", args=[vw.card.pk])
    assert 'name="password"' not in client.get(url).content.decode()
    assert client.post(url, {"confirm": "on"}).status_code == 302
    assert Scorecard.objects.get(pk=vw.card.pk).state == "finalised"
