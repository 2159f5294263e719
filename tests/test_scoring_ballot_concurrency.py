"""Two leaders of one unit vote at the same moment, on PostgreSQL with real concurrent
connections: exactly one ballot is stored (one BallotVoter, one CastBallot), the other
is refused. And the stored cast ballots carry no trace of who cast them in their
transaction stamp or physical order."""

from __future__ import annotations

# Table names below come from the models' meta, not from input.
# ruff: noqa: S608
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from clusters.models import Profile
from scoring.models import BallotVoter, CastBallot
from scoring.services.ballots import ballot_cast
from tests.factories import make_user
from tests.test_scoring_ballots import leaders, make_ballot

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgresql():  # type: ignore[no-untyped-def]
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"


def test_double_vote_at_once_stores_one_ballot(world):
    ballot = make_ballot(world, candidates=[world.h_new, world.member_unit])
    second = make_user("lan2", role=Profile.Role.LEADER, unit=world.member_unit)
    barrier = threading.Barrier(2)
    results: dict = {}

    def vote(user, choice, name):  # type: ignore[no-untyped-def]
        def run() -> None:
            try:
                barrier.wait()
                results[name] = ballot_cast(actor=user, ballot=ballot, choices=[choice])
            except Exception as exc:  # noqa: BLE001 - the test inspects both sides
                results[name] = exc
            finally:
                close_old_connections()
                connection.close()

        thread = threading.Thread(target=run, name=name)
        thread.start()
        return thread

    threads = [
        vote(world.member_leader, world.h_new.pk, "a"),
        vote(second, world.member_unit.pk, "b"),
    ]
    for thread in threads:
        thread.join(timeout=30)
    outcomes = sorted(type(value).__name__ for value in results.values())
    assert outcomes == ["ValidationError", "str"], results
    assert BallotVoter.objects.filter(ballot=ballot).count() == 1
    assert CastBallot.objects.filter(ballot=ballot).count() == 1
    assert isinstance(next(v for v in results.values() if not isinstance(v, str)), ValidationError)


def test_cast_rows_share_one_transaction_stamp(world):
    people = leaders(world)
    ballot = make_ballot(world)
    for user in people.values():
        ballot_cast(actor=user, ballot=ballot, choices=[world.h_new])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT xmin::text FROM {CastBallot._meta.db_table} WHERE ballot_id = %s",
            [ballot.pk],
        )
        stamps = cursor.fetchall()
        cursor.execute(
            f"SELECT xmin::text FROM {BallotVoter._meta.db_table} WHERE ballot_id = %s",
            [ballot.pk],
        )
        voter_stamps = {row[0] for row in cursor.fetchall()}
    # Every cast row was rewritten by the last vote: the stamp points at no earlier voter.
    assert len(stamps) == 1
    assert len(voter_stamps) == 4
