"""Secret ballots, services: one ballot per unit, quorum and threshold arithmetic,
rounds, receipts and the secrecy property (no column or join links a cast ballot to
its voter)."""

from __future__ import annotations

# Table names below come from the models' meta, not from input.
# ruff: noqa: S608
import datetime as dt
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone, translation

from clusters.models import Profile
from core.models import ActionLog, Notification
from scoring.models import Ballot, BallotVoter, CastBallot
from scoring.services import ballots as services
from scoring.services.ballots import (
    ballot_cast,
    ballot_close,
    ballot_create,
    ballot_next_round,
    ballot_open,
    quorum_needed,
    receipt_counted,
    threshold_needed,
)
from scoring.services.messages import ballots as msg
from tests.factories import UnitFactory, add_members, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_messages():  # type: ignore[no-untyped-def]
    """Refusals and pages are compared with their English msgids (the wording, not the
    translation)."""
    with translation.override("en"):
        yield


def leaders(world) -> dict:  # type: ignore[no-untyped-def]
    """A leader for every member unit of 2024 (Bắc Sơn's is lan)."""
    found = {world.member_unit.pk: world.member_leader}
    for name, unit in (("tam", world.h_new), ("nam", world.deputy_unit), ("dong", world.h_old)):
        found[unit.pk] = make_user(name, role=Profile.Role.LEADER, unit=unit)
    return found


def make_ballot(world, *, candidates=None, choose=1, open_it=True, **kwargs):  # type: ignore[no-untyped-def]
    now = timezone.now()
    ballot = ballot_create(
        actor=world.head_officer,
        cluster_year=world.this_year,
        purpose=Ballot.Purpose.LEADING_UNIT,
        candidates=candidates or [world.h_new, world.member_unit],
        choose_at_most=choose,
        opens_at=now - dt.timedelta(minutes=5),
        closes_at=now + dt.timedelta(hours=2),
        **kwargs,
    )
    if open_it:
        ballot = ballot_open(actor=world.head_officer, ballot=ballot)
    return ballot


def refused(call, message, **params):  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        call()
    expected = str(message) % params if params else str(message)
    with translation.override("en"):
        assert expected in caught.value.messages


# Arithmetic ---------------------------------------------------------------------------


def test_quorum_of_eight_units_needs_six_ballots():
    assert quorum_needed(8, Fraction(2, 3)) == 6
    assert quorum_needed(9, Fraction(2, 3)) == 6
    assert quorum_needed(4, Fraction(2, 3)) == 3


def test_more_than_half_of_eight_units_needs_five_votes():
    assert threshold_needed(8, Fraction(1, 2)) == 5
    assert threshold_needed(7, Fraction(1, 2)) == 4
    assert threshold_needed(10, Fraction(4, 5), strict=False) == 8


def test_eight_units_five_votes_elect_four_do_not(world):
    extra = [UnitFactory(organizer=world.org, name=f"UBND huyện Thêm {i}") for i in range(4)]
    add_members(world.this_year, extra)
    people = leaders(world)
    for i, unit in enumerate(extra):
        people[unit.pk] = make_user(f"extra{i}", role=Profile.Role.LEADER, unit=unit)
    ballot = make_ballot(world, candidates=[world.h_new, world.member_unit])
    voters = list(people.values())
    # 6 ballots: 5 for Tây Sơn, 1 for Bắc Sơn; 2 units do not vote.
    for user in voters[:5]:
        ballot_cast(actor=user, ballot=ballot, choices=[world.h_new])
    ballot_cast(actor=voters[5], ballot=ballot, choices=[world.member_unit])
    ballot = ballot_close(
        actor=world.head_officer, ballot=ballot, at=ballot.closes_at + dt.timedelta(minutes=1)
    )
    result = ballot.result
    assert (result["issued"], result["returned"], result["valid"], result["invalid"]) == (
        8,
        6,
        6,
        0,
    )
    assert result["quorum"] == {"fraction": "2/3", "needed": 6, "met": True}
    assert result["threshold"]["needed"] == 5
    rows = {row["unit_id"]: row for row in result["candidates"]}
    assert rows[world.h_new.pk]["votes"] == 5
    assert rows[world.h_new.pk]["percent"] == "62.50"
    assert rows[world.h_new.pk]["winner"] is True
    assert rows[world.member_unit.pk]["percent"] == "12.50"
    assert result["winners"] == [world.h_new.pk]
    assert result["decision"] == "elected"


def test_without_quorum_nobody_is_elected(world):
    people = leaders(world)
    ballot = make_ballot(world)
    for user in list(people.values())[:2]:  # 2 of 4 < 3
        ballot_cast(actor=user, ballot=ballot, choices=[world.h_new])
    ballot = ballot_close(actor=world.board, ballot=ballot, at=ballot.closes_at)
    assert ballot.result["quorum"]["met"] is False
    assert ballot.result["winners"] == []
    assert ballot.result["decision"] == "next_round"


def test_abstention_is_a_valid_blank_ballot(world):
    people = leaders(world)
    ballot = make_ballot(world)
    users = list(people.values())
    for user in users[:3]:
        ballot_cast(actor=user, ballot=ballot, choices=[world.h_new])
    ballot_cast(actor=users[3], ballot=ballot, choices=[], abstain=True)
    ballot = ballot_close(actor=world.head_officer, ballot=ballot)  # everyone voted: early is fine
    assert ballot.result["returned"] == 4
    assert ballot.result["valid"] == 4
    assert ballot.result["blank"] == 1
    assert ballot.result["winners"] == [world.h_new.pk]


# One ballot per unit ------------------------------------------------------------------


def test_each_unit_votes_once(world):
    leaders(world)
    ballot = make_ballot(world)
    code = ballot_cast(actor=world.member_leader, ballot=ballot, choices=[world.h_new])
    assert len(code) == 14
    refused(
        lambda: ballot_cast(actor=world.member_leader, ballot=ballot, choices=[world.member_unit]),
        msg.BALLOT_ALREADY_VOTED,
    )
    assert BallotVoter.objects.filter(ballot=ballot).count() == 1
    assert CastBallot.objects.filter(ballot=ballot).count() == 1


def test_another_leader_of_the_same_unit_cannot_vote_again(world):
    ballot = make_ballot(world)
    ballot_cast(actor=world.member_leader, ballot=ballot, choices=[world.h_new])
    second = make_user("lan2", role=Profile.Role.LEADER, unit=world.member_unit)
    refused(
        lambda: ballot_cast(actor=second, ballot=ballot, choices=[world.h_new]),
        msg.BALLOT_ALREADY_VOTED,
    )


@pytest.mark.parametrize("persona", ["member_officer", "head_officer", "board", "outsider_officer"])
def test_only_leaders_vote(world, persona):
    ballot = make_ballot(world)
    refused(
        lambda: ballot_cast(actor=getattr(world, persona), ballot=ballot, choices=[world.h_new]),
        msg.BALLOT_NOT_LEADER,
    )
    assert not BallotVoter.objects.exists()


def test_choices_must_be_candidates_and_not_too_many(world):
    ballot = make_ballot(world, candidates=[world.h_new, world.member_unit, world.deputy_unit])
    leader = world.member_leader
    refused(
        lambda: ballot_cast(actor=leader, ballot=ballot, choices=[world.h_old]),
        msg.BALLOT_CHOICE_NOT_CANDIDATE,
    )
    refused(
        lambda: ballot_cast(actor=leader, ballot=ballot, choices=[world.h_new, world.member_unit]),
        msg.BALLOT_TOO_MANY,
        count=1,
    )
    refused(lambda: ballot_cast(actor=leader, ballot=ballot, choices=[]), msg.BALLOT_EMPTY)
    refused(
        lambda: ballot_cast(actor=leader, ballot=ballot, choices=[world.h_new], abstain=True),
        msg.BALLOT_ABSTAIN_WITH_CHOICES,
    )
    assert not CastBallot.objects.exists()
    assert not BallotVoter.objects.exists()


def test_voting_only_while_open_and_within_times(world):
    ballot = make_ballot(world, open_it=False)
    refused(
        lambda: ballot_cast(actor=world.member_leader, ballot=ballot, choices=[world.h_new]),
        msg.BALLOT_NOT_OPEN,
    )
    ballot = ballot_open(actor=world.head_officer, ballot=ballot)
    with pytest.raises(ValidationError):
        ballot_cast(
            actor=world.member_leader,
            ballot=ballot,
            choices=[world.h_new],
            at=ballot.closes_at + dt.timedelta(seconds=1),
        )
    ballot = ballot_close(actor=world.board, ballot=ballot, at=ballot.closes_at)
    refused(
        lambda: ballot_cast(actor=world.member_leader, ballot=ballot, choices=[world.h_new]),
        msg.BALLOT_NOT_OPEN,
    )


# Preparing, opening, closing ----------------------------------------------------------


def test_candidates_must_be_member_units(world):
    refused(
        lambda: make_ballot(world, candidates=[world.outsider_unit], open_it=False),
        msg.BALLOT_CANDIDATE_NOT_MEMBER,
        unit=world.outsider_unit.name,
    )


def test_only_head_or_board_prepare_a_ballot(world):
    with pytest.raises(ValidationError):
        ballot_create(
            actor=world.member_officer,
            cluster_year=world.this_year,
            purpose=Ballot.Purpose.MERIT,
            candidates=[world.h_new],
            choose_at_most=1,
            opens_at=timezone.now(),
            closes_at=timezone.now() + dt.timedelta(hours=1),
        )
    ballot = make_ballot(world, open_it=False)
    refused(lambda: ballot_open(actor=world.member_leader, ballot=ballot), msg.BALLOT_NOT_ALLOWED)


def test_defaults_are_two_thirds_and_more_than_half(world):
    ballot = make_ballot(world, open_it=False)
    assert (ballot.quorum_numerator, ballot.quorum_denominator) == (2, 3)
    assert (ballot.threshold_numerator, ballot.threshold_denominator) == (1, 2)
    assert ballot.threshold_strict is True
    assert ballot.max_rounds == 2


def test_opening_tells_the_leaders_only(world, django_capture_on_commit_callbacks):
    leaders(world)
    with django_capture_on_commit_callbacks(execute=True):
        make_ballot(world)
    told = set(
        Notification.objects.filter(key="scoring.ballot.opened").values_list(
            "user__username", flat=True
        )
    )
    assert told == {"lan", "tam", "nam", "dong"}


def test_closing_early_refused_until_everyone_voted(world):
    ballot = make_ballot(world)
    ballot_cast(actor=world.member_leader, ballot=ballot, choices=[world.h_new])
    with pytest.raises(ValidationError):
        ballot_close(actor=world.head_officer, ballot=ballot)
    ballot.refresh_from_db()
    assert ballot.state == Ballot.State.OPEN
    assert ballot.result == {}


def test_no_count_before_closing(world):
    ballot = make_ballot(world)
    ballot_cast(actor=world.member_leader, ballot=ballot, choices=[world.h_new])
    ballot.refresh_from_db()
    assert ballot.result == {}


def test_tie_for_the_last_place_elects_nobody(world):
    people = leaders(world)
    ballot = make_ballot(world, candidates=[world.h_new, world.member_unit], choose=1)
    ballot_cast(actor=people[world.h_new.pk], ballot=ballot, choices=[world.h_new])
    ballot_cast(actor=people[world.member_unit.pk], ballot=ballot, choices=[world.member_unit])
    ballot_cast(actor=people[world.deputy_unit.pk], ballot=ballot, choices=[world.h_new])
    ballot_cast(actor=people[world.h_old.pk], ballot=ballot, choices=[world.member_unit])
    ballot = ballot_close(actor=world.head_officer, ballot=ballot)
    # 2 of 4 is not more than half: nobody reaches the threshold.
    assert ballot.result["winners"] == []


# Rounds ---------------------------------------------------------------------------------


def test_second_round_then_head_and_deputy_decide(world):
    people = leaders(world)
    ballot = make_ballot(world)
    ballot_cast(actor=people[world.member_unit.pk], ballot=ballot, choices=[world.member_unit])
    ballot = ballot_close(actor=world.head_officer, ballot=ballot, at=ballot.closes_at)
    assert ballot.result["decision"] == "next_round"
    second = ballot_next_round(actor=world.head_officer, ballot=ballot)
    assert second.round == 2
    assert second.previous_id == ballot.pk
    assert second.state == Ballot.State.DRAFT
    assert set(second.candidates.all()) == set(ballot.candidates.all())
    refused(
        lambda: ballot_next_round(actor=world.head_officer, ballot=ballot), msg.BALLOT_NEXT_EXISTS
    )
    second.opens_at = timezone.now() - dt.timedelta(minutes=1)
    second.save(update_fields=["opens_at"])
    second = ballot_open(actor=world.head_officer, ballot=second)
    second = ballot_close(actor=world.head_officer, ballot=second, at=second.closes_at)
    assert second.result["decision"] == "head_and_deputy"
    refused(
        lambda: ballot_next_round(actor=world.head_officer, ballot=second),
        msg.BALLOT_NO_MORE_ROUNDS,
        max=2,
    )


def test_no_next_round_after_an_election(world):
    people = leaders(world)
    ballot = make_ballot(world)
    for user in people.values():
        ballot_cast(actor=user, ballot=ballot, choices=[world.h_new])
    ballot = ballot_close(actor=world.head_officer, ballot=ballot)
    refused(
        lambda: ballot_next_round(actor=world.head_officer, ballot=ballot), msg.BALLOT_HAS_WINNER
    )


# Receipts -------------------------------------------------------------------------------


def test_receipt_shows_the_ballot_was_counted(world):
    ballot = make_ballot(world)
    code = ballot_cast(actor=world.member_leader, ballot=ballot, choices=[world.h_new])
    assert receipt_counted(ballot, code)
    assert receipt_counted(ballot, code.lower().replace("-", " "))
    assert not receipt_counted(ballot, "AAAA-BBBB-CCCC")
    cast = CastBallot.objects.get(ballot=ballot)
    assert code not in cast.receipt_hash
    assert cast.receipt_hash == services.receipt_hash(ballot, code)
    # The code itself is stored nowhere.
    assert not ActionLog.objects.filter(data__icontains=code.replace("-", "")).exists()


# Secrecy --------------------------------------------------------------------------------


def test_cast_ballot_has_no_link_to_its_voter():
    fields = {field.name: field for field in CastBallot._meta.get_fields()}
    assert set(fields) == {"id", "ballot", "choices", "abstain", "receipt_hash"}
    assert isinstance(fields["id"], models.UUIDField)
    assert fields["id"].default is not None
    relations = [field for field in fields.values() if field.is_relation]
    assert [field.related_model for field in relations] == [Ballot]
    assert not any(
        isinstance(field, (models.DateTimeField, models.DateField)) for field in fields.values()
    )
    assert not any(isinstance(field, models.AutoField) for field in fields.values())


def test_sql_cannot_select_a_voters_ballot(world):
    people = leaders(world)
    ballot = make_ballot(world)
    for user in people.values():
        ballot_cast(actor=user, ballot=ballot, choices=[world.h_new])
    with connection.cursor() as cursor:
        columns = {
            column.name
            for column in connection.introspection.get_table_description(
                cursor, CastBallot._meta.db_table
            )
        }
        voter_columns = {
            column.name
            for column in connection.introspection.get_table_description(
                cursor, BallotVoter._meta.db_table
            )
        }
        # The only column both tables share is the ballot: a voter row narrows a cast
        # ballot down to "one of this ballot's", never to one row.
        assert columns == {"id", "ballot_id", "choices", "abstain", "receipt_hash"}
        assert columns & voter_columns == {"id", "ballot_id"}
        voter_id = BallotVoter.objects.get(ballot=ballot, unit=world.member_unit).pk
        cursor.execute(
            f"SELECT c.id FROM {CastBallot._meta.db_table} c "
            f"JOIN {BallotVoter._meta.db_table} v ON v.ballot_id = c.ballot_id WHERE v.id = %s",
            [voter_id],
        )
        assert len(cursor.fetchall()) == 4
        # ids are random UUIDs, never the voter's id.
        cursor.execute(f"SELECT id FROM {CastBallot._meta.db_table}")
        cast_ids = {str(row[0]).replace("-", "") for row in cursor.fetchall()}
    assert str(voter_id) not in cast_ids
    assert all(len(value) == 32 for value in cast_ids)


def test_the_log_says_who_voted_never_what(world):
    ballot = make_ballot(world)
    ballot_cast(actor=world.member_leader, ballot=ballot, choices=[world.h_new])
    entries = ActionLog.objects.filter(action="scoring.ballot.voted")
    assert [entry.data for entry in entries] == [{"unit": world.member_unit.pk}]
