"""The organizer's vote and award rules: validation, who may change them, the board page
(defaults shown when nothing is saved), and ballots taking their defaults from them."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from core.models import ActionLog
from scoring.models import AwardRules, Ballot, rules_for
from scoring.services.award_rules import award_rules_save
from scoring.services.ballots import ballot_create
from scoring.services.messages import deliberations as msg

pytestmark = pytest.mark.django_db


def refused_on(call, field, message, **params):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        call()
    with translation.override("en"):
        expected = str(message) % params if params else str(message)
        errors = caught.value.message_dict if hasattr(caught.value, "error_dict") else {}
        assert expected in errors.get(field, caught.value.messages)


def test_without_a_saved_row_the_rules_are_the_defaults(world):
    rules = rules_for(world.org)
    assert rules.pk is None
    assert (rules.quorum_numerator, rules.quorum_denominator) == (2, 3)
    assert (rules.threshold_numerator, rules.threshold_denominator) == (1, 2)
    assert rules.threshold_strict and rules.max_rounds == 2
    assert (rules.flag_quota, rules.merit_quota) == (1, 2)
    assert (rules.nomination_deadline_day, rules.nomination_deadline_month) == (10, 12)


def test_the_board_saves_the_rules_and_it_is_logged(world):
    award_rules_save(
        actor=world.board,
        organizer=world.org,
        threshold_numerator=4,
        threshold_denominator=5,
        threshold_strict=False,
        max_rounds=3,
        merit_quota=3,
    )
    rules = AwardRules.objects.get(organizer=world.org)
    assert (rules.threshold_numerator, rules.threshold_denominator) == (4, 5)
    assert not rules.threshold_strict and rules.max_rounds == 3 and rules.merit_quota == 3
    # What was not given keeps its default.
    assert (rules.quorum_numerator, rules.quorum_denominator) == (2, 3)
    assert rules.updated_by == world.board
    log = ActionLog.objects.get(action="scoring.award_rules.saved")
    assert log.scope_id == world.org.pk and log.data["created"] is True
    award_rules_save(actor=world.board, organizer=world.org, max_rounds=2)
    second = ActionLog.objects.filter(action="scoring.award_rules.saved").latest("pk")
    assert second.data["max_rounds"] == {"old": 3, "new": 2}
    assert AwardRules.objects.count() == 1


@pytest.mark.parametrize("persona", ["other_board", "head_officer", "member_leader"])
def test_only_the_organizers_board_changes_its_rules(world, persona):
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        award_rules_save(actor=getattr(world, persona), organizer=world.org, max_rounds=3)
    with translation.override("en"):
        assert str(msg.AWARD_RULES_NOT_BOARD) in caught.value.messages
    assert not AwardRules.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"quorum_numerator": 4, "quorum_denominator": 3}, "quorum_numerator", "FRACTION"),
        ({"threshold_numerator": 0}, "threshold_numerator", "FRACTION"),
        ({"quorum_denominator": 0}, "quorum_denominator", "DENOMINATOR"),
        ({"max_rounds": 0}, "max_rounds", "ROUNDS"),
        ({"max_rounds": 6}, "max_rounds", "ROUNDS"),
        ({"merit_quota": 11}, "merit_quota", "QUOTA"),
        ({"flag_quota": -1}, "flag_quota", "QUOTA"),
        (
            {"nomination_deadline_day": 31, "nomination_deadline_month": 11},
            "nomination_deadline_day",
            "DEADLINE",
        ),
        ({"nomination_deadline_month": 13}, "nomination_deadline_day", "DEADLINE"),
    ],
)
def test_invalid_rules_are_refused_next_to_the_field(world, fields, field, message):
    refused_on(
        lambda: award_rules_save(actor=world.board, organizer=world.org, **fields),
        field,
        getattr(msg, f"AWARD_RULES_{message}"),
    )
    assert not AwardRules.objects.exists()


def test_29_february_is_a_valid_deadline(world):
    rules = award_rules_save(
        actor=world.board,
        organizer=world.org,
        nomination_deadline_day=29,
        nomination_deadline_month=2,
    )
    assert (rules.nomination_deadline_day, rules.nomination_deadline_month) == (29, 2)


def test_the_board_page_shows_the_defaults_then_saves(world, client_for):
    client = client_for(world.board)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("award_rules"))
    assert page.status_code == 200
    assert b'id="rules-defaults"' in page.content
    assert b'name="quorum_denominator" value="3"' in page.content
    settings_page = client.get(reverse("organizer_settings"))
    assert reverse("award_rules").encode() in settings_page.content
    data = {
        "quorum_numerator": "3",
        "quorum_denominator": "4",
        "threshold_numerator": "1",
        "threshold_denominator": "2",
        "threshold_strict": "on",
        "max_rounds": "3",
        "flag_quota": "1",
        "merit_quota": "2",
        "nomination_deadline_day": "5",
        "nomination_deadline_month": "12",
    }
    response = client.post(reverse("award_rules"), data)
    assert response.status_code == 302
    rules = AwardRules.objects.get(organizer=world.org)
    assert (rules.quorum_numerator, rules.quorum_denominator, rules.max_rounds) == (3, 4, 3)
    bad = client.post(reverse("award_rules"), {**data, "quorum_numerator": "5"})
    assert bad.status_code == 200
    assert b"Give a fraction between 0 and 1" in bad.content
    assert b'name="quorum_numerator" value="5"' in bad.content


def test_the_page_is_the_boards_only(world, client_for):
    for persona in ("head_officer", "member_officer"):
        assert client_for(getattr(world, persona)).get(reverse("award_rules")).status_code == 403


def test_the_ballot_form_takes_its_initial_rules_from_the_organizer(world, client_for):
    award_rules_save(
        actor=world.board,
        organizer=world.org,
        quorum_numerator=3,
        quorum_denominator=4,
        threshold_numerator=4,
        threshold_denominator=5,
        threshold_strict=False,
    )
    page = client_for(world.head_officer).get(reverse("ballot_create", args=[world.this_year.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert 'name="quorum_numerator" value="3"' in content
    assert 'name="quorum_denominator" value="4"' in content
    assert 'name="threshold_numerator" value="4"' in content
    assert 'name="threshold_denominator" value="5"' in content
    assert 'id="threshold_strict" value="on" checked' not in content


def test_ballot_create_without_fractions_uses_the_organizers_rules(world):
    award_rules_save(
        actor=world.board,
        organizer=world.org,
        quorum_numerator=3,
        quorum_denominator=4,
        threshold_numerator=4,
        threshold_denominator=5,
        threshold_strict=False,
        max_rounds=3,
    )
    now = timezone.now()
    ballot = ballot_create(
        actor=world.head_officer,
        cluster_year=world.this_year,
        purpose=Ballot.Purpose.LEADING_UNIT,
        candidates=[world.h_new, world.member_unit],
        choose_at_most=1,
        opens_at=now,
        closes_at=now + dt.timedelta(hours=1),
    )
    assert (ballot.quorum_numerator, ballot.quorum_denominator) == (3, 4)
    assert (ballot.threshold_numerator, ballot.threshold_denominator) == (4, 5)
    assert ballot.threshold_strict is False and ballot.max_rounds == 3
    # Given explicitly, the ballot's own values win.
    other = ballot_create(
        actor=world.head_officer,
        cluster_year=world.this_year,
        purpose=Ballot.Purpose.MERIT,
        candidates=[world.h_new, world.member_unit],
        choose_at_most=1,
        opens_at=now,
        closes_at=now + dt.timedelta(hours=1),
        quorum=Fraction(1, 2),
        max_rounds=1,
    )
    assert (other.quorum_numerator, other.quorum_denominator, other.max_rounds) == (1, 2, 1)
