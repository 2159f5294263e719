"""Scoring periods: create, change, open, delete, and reopening a late unit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from clusters.models import ClusterYear, Membership
from core.models import ActionLog, Notification
from scoring.models import Entry, Period, ReminderSent, Scorecard
from scoring.services.messages.periods import (
    BOARD_CODE_UNKNOWN,
    DEADLINES_ORDER,
    NO_HEAD,
    NO_MEMBERS,
    NO_RUBRIC,
    PERIOD_CLOSED,
    PERIOD_DELETE_NOT_DRAFT,
    PERIOD_EXISTS,
    PERIOD_KIND_UNKNOWN,
    PERIOD_NOT_DRAFT,
    PERIOD_NOT_OPEN,
    PERIOD_YEAR_CLOSED,
    REOPEN_BOARD_ONLY,
    REOPEN_NOT_ALLOWED,
    REOPEN_REASON_REQUIRED,
    REOPEN_UNTIL_PAST,
)
from scoring.services.periods import (
    period_create,
    period_delete,
    period_open,
    period_update,
    scorecard_reopen,
)
from tests.scoring_world import build_rubric, scoring_world


@pytest.fixture
def en():  # type: ignore[no-untyped-def]
    with translation.override("en"):
        yield


def deadlines(days: int = 10) -> dict[str, dt.datetime]:
    now = timezone.now()
    return {
        "self_deadline": now + dt.timedelta(days=days),
        "verification_deadline": now + dt.timedelta(days=days + 10),
        "explanation_deadline": now + dt.timedelta(days=days + 15),
    }


def draft(world, **settings) -> Period:  # type: ignore[no-untyped-def]
    return period_create(
        actor=world.board,
        cluster_year=world.this_year,
        kind=Period.Kind.YEAR_END,
        **(deadlines() | settings),
    )


def messages_of(exc: pytest.ExceptionInfo) -> list[str]:
    error = exc.value
    if hasattr(error, "error_dict"):
        return [message for messages in error.message_dict.values() for message in messages]
    return error.messages


def with_emails(world) -> None:  # type: ignore[no-untyped-def]
    for user in (world.head_officer, world.member_officer, world.member_leader, world.board):
        user.email = f"{user.username}@example.vn"
        user.save(update_fields=["email"])


# Creating and changing ---------------------------------------------------------------


def test_a_period_is_created_as_a_draft_with_its_chain_and_logged(world):
    period = draft(world, cross_scoring=True, board_criteria=["D"], board_finalises=True)
    assert period.state == Period.State.DRAFT
    assert (period.cross_scoring, period.board_criteria, period.board_finalises) == (
        True,
        ["D"],
        True,
    )
    assert period.rubric is None
    log = ActionLog.objects.get(action="scoring.period.created")
    assert log.data["kind"] == "year_end" and log.scope_id == world.org.pk


def test_a_year_has_one_period_of_each_kind(world, en):
    draft(world)
    with pytest.raises(ValidationError) as exc:
        draft(world)
    assert messages_of(exc) == [PERIOD_EXISTS % {"kind": "year-end review"}]
    mid = period_create(
        actor=world.board, cluster_year=world.this_year, kind=Period.Kind.MID_YEAR, **deadlines()
    )
    assert mid.kind == "mid_year"


def test_an_unknown_kind_is_refused_on_its_field(world, en):
    with pytest.raises(ValidationError) as exc:
        period_create(
            actor=world.board, cluster_year=world.this_year, kind="quarter", **deadlines()
        )
    assert exc.value.message_dict == {"kind": [str(PERIOD_KIND_UNKNOWN)]}


def test_deadlines_must_follow_each_other(world, en):
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        draft(world, verification_deadline=now + dt.timedelta(days=5))
    assert exc.value.message_dict == {"verification_deadline": [str(DEADLINES_ORDER)]}
    with pytest.raises(ValidationError) as exc:
        draft(world, explanation_deadline=now + dt.timedelta(days=5))
    assert exc.value.message_dict == {"explanation_deadline": [str(DEADLINES_ORDER)]}
    assert not Period.objects.exists()
    # Explanations may close before verification does (units explain while it runs).
    period = draft(world, explanation_deadline=now + dt.timedelta(days=15))
    assert period.explanation_deadline < period.verification_deadline


def test_no_period_in_a_closed_year(world, en):
    world.this_year.status = ClusterYear.Status.CLOSED
    world.this_year.save(update_fields=["status"])
    with pytest.raises(ValidationError) as exc:
        draft(world)
    assert messages_of(exc) == [PERIOD_YEAR_CLOSED % {"year": 2024}]


def test_the_chain_changes_only_before_opening_but_deadlines_any_time(world, en):
    sw = scoring_world(world)
    later = sw.period.self_deadline + dt.timedelta(days=2)
    period = period_update(actor=world.board, period=sw.period, self_deadline=later)
    assert period.self_deadline == later
    log = ActionLog.objects.filter(action="scoring.period.updated").first()
    assert set(log.data) == {"self_deadline"}
    with pytest.raises(ValidationError) as exc:
        period_update(actor=world.board, period=sw.period, cross_scoring=True)
    assert messages_of(exc) == [str(PERIOD_NOT_DRAFT)]
    # Naming the values it already has is no change.
    period_update(actor=world.board, period=sw.period, cross_scoring=False, deputy_verifies=True)


def test_moving_a_deadline_lets_its_reminders_go_out_again(world):
    sw = scoring_world(world)
    ReminderSent.objects.create(period=sw.period, deadline="self", days_before=3)
    ReminderSent.objects.create(period=sw.period, deadline="verification", days_before=3)
    period_update(
        actor=world.board,
        period=sw.period,
        self_deadline=sw.period.self_deadline + dt.timedelta(days=1),
    )
    assert list(ReminderSent.objects.values_list("deadline", flat=True)) == ["verification"]


def test_a_closed_period_does_not_change(world, en):
    sw = scoring_world(world)
    Period.objects.filter(pk=sw.period.pk).update(state=Period.State.CLOSED)
    with pytest.raises(ValidationError) as exc:
        period_update(actor=world.board, period=sw.period, self_deadline=timezone.now())
    assert messages_of(exc) == [str(PERIOD_CLOSED)]


# Opening -----------------------------------------------------------------------------


def test_opening_freezes_the_rubric_and_creates_a_card_per_unit_with_every_leaf(
    world, django_capture_on_commit_callbacks
):
    with_emails(world)
    rubric, _target, _made = build_rubric(world, world.this_year)
    period = draft(world)
    with django_capture_on_commit_callbacks(execute=True):
        period = period_open(actor=world.board, period=period)
    rubric.refresh_from_db()
    assert rubric.is_frozen
    assert period.state == Period.State.OPEN and period.rubric == rubric
    assert period.opened_by == world.board and period.opened_at is not None
    cards = Scorecard.objects.filter(period=period)
    assert sorted(card.unit.name for card in cards) == sorted(
        [world.h_new.name, world.deputy_unit.name, world.member_unit.name, world.h_old.name]
    )
    assert {card.state for card in cards} == {Scorecard.State.DRAFT}
    # 4 units × 7 leaves (groups I and II get no entry).
    assert Entry.objects.filter(scorecard__period=period).count() == 4 * 7
    assert not Entry.objects.filter(criterion__kind="group").exists()
    log = ActionLog.objects.get(action="scoring.period.opened")
    assert log.data == {"rubric": {"id": rubric.pk, "version": 1}, "scorecards": 4}
    # Every member unit's people are told, in the app and by e-mail; the board is not.
    told = set(
        Notification.objects.filter(key="scoring.period.opened").values_list(
            "user__username", flat=True
        )
    )
    assert told == {"hana", "minh", "lan", "olga"}
    note = Notification.objects.filter(user=world.member_officer).get()
    assert note.link == f"/scoring/periods/{period.pk}/"
    assert "Cụm thi đua các huyện" in note.subject
    deadline = timezone.localtime(period.self_deadline)
    assert deadline.strftime("%H:%M") in note.body and deadline.strftime("%d/%m/%Y") in note.body
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].bcc) == ["hana@example.vn", "lan@example.vn", "minh@example.vn"]


def test_opening_a_period_with_a_frozen_rubric_keeps_it(world):
    sw = scoring_world(world)
    mid = period_create(
        actor=world.board, cluster_year=world.this_year, kind=Period.Kind.MID_YEAR, **deadlines()
    )
    mid = period_open(actor=world.board, period=mid)
    assert mid.rubric == sw.rubric
    assert ActionLog.objects.filter(action="scoring.rubric.frozen").count() == 1


def test_opening_twice_is_refused(world, en):
    sw = scoring_world(world)
    with pytest.raises(ValidationError) as exc:
        period_open(actor=world.board, period=sw.period)
    assert messages_of(exc) == [str(PERIOD_NOT_DRAFT)]
    assert Scorecard.objects.count() == 4


def test_opening_needs_a_rubric_a_head_and_members_and_says_all_that_is_missing(world, en):
    period = draft(world, board_criteria=["D"])
    Membership.objects.filter(cluster_year=world.this_year).delete()
    ClusterYear.objects.filter(pk=world.this_year.pk).update(head_unit=None, deputy_unit=None)
    with pytest.raises(ValidationError) as exc:
        period_open(actor=world.board, period=period)
    assert messages_of(exc) == [str(NO_HEAD), str(NO_MEMBERS), str(NO_RUBRIC)]
    period.refresh_from_db()
    assert period.state == Period.State.DRAFT and not Scorecard.objects.exists()


def test_opening_refuses_board_criteria_the_rubric_does_not_have_and_freezes_nothing(world, en):
    rubric, _target, _made = build_rubric(world, world.this_year)
    period = draft(world, board_criteria=["D", "Z9"])
    with pytest.raises(ValidationError) as exc:
        period_open(actor=world.board, period=period)
    assert messages_of(exc) == [BOARD_CODE_UNKNOWN % {"code": "Z9"}]
    rubric.refresh_from_db()
    assert not rubric.is_frozen


def test_a_rubric_with_problems_is_reported_and_nothing_opens(world):
    rubric, _target, made = build_rubric(world, world.this_year)
    made["5"].max_points = 10  # sections no longer add up to 100
    made["5"].save(update_fields=["max_points"])
    period = draft(world)
    with pytest.raises(ValidationError) as exc:
        period_open(actor=world.board, period=period)
    assert len(exc.value.messages) >= 2
    rubric.refresh_from_db()
    period.refresh_from_db()
    assert not rubric.is_frozen and period.state == Period.State.DRAFT
    assert not Scorecard.objects.exists()


def test_opening_in_a_closed_year_is_refused(world, en):
    build_rubric(world, world.this_year)
    period = draft(world)
    ClusterYear.objects.filter(pk=world.this_year.pk).update(status=ClusterYear.Status.CLOSED)
    with pytest.raises(ValidationError) as exc:
        period_open(actor=world.board, period=period)
    assert messages_of(exc) == [PERIOD_YEAR_CLOSED % {"year": 2024}]


def test_a_refused_opening_tells_nobody(world, django_capture_on_commit_callbacks):
    period = draft(world)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        period_open(actor=world.board, period=period)
    assert not Notification.objects.exists() and not mail.outbox


# Deleting ----------------------------------------------------------------------------


def test_a_draft_period_can_be_deleted_and_the_log_keeps_it(world):
    period = draft(world)
    pk = period.pk
    period_delete(actor=world.board, period=period)
    assert not Period.objects.filter(pk=pk).exists()
    log = ActionLog.objects.get(action="scoring.period.deleted")
    assert log.object_id == str(pk) and log.data["kind"] == "year_end"


def test_an_open_period_cannot_be_deleted(world, en):
    sw = scoring_world(world)
    with pytest.raises(ValidationError) as exc:
        period_delete(actor=world.board, period=sw.period)
    assert messages_of(exc) == [str(PERIOD_DELETE_NOT_DRAFT)]
    assert Period.objects.filter(pk=sw.period.pk).exists()


# Reopening a late unit ----------------------------------------------------------------


def late_world(world):  # type: ignore[no-untyped-def]
    now = timezone.now()
    return scoring_world(
        world,
        self_deadline=now - dt.timedelta(days=1),
        verification_deadline=now + dt.timedelta(days=5),
        explanation_deadline=now + dt.timedelta(days=8),
    )


def test_the_board_reopens_a_late_unit_with_a_reason_and_the_unit_is_told(
    world, django_capture_on_commit_callbacks
):
    sw = late_world(world)
    card = sw.card(world.member_unit)
    until = timezone.now() + dt.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        card = scorecard_reopen(
            actor=world.board, scorecard=card, until=until, reason="Mất điện  cả tuần.\n"
        )
    card.refresh_from_db()
    assert card.reopened_until == until
    assert card.reopen_reason == "Mất điện  cả tuần."
    log = ActionLog.objects.get(action="scoring.period.scorecard_reopened")
    assert log.data["unit"]["repr"] == world.member_unit.name
    assert log.data["reopen_reason"] == {"old": "", "new": "Mất điện  cả tuần."}
    told = Notification.objects.filter(key="scoring.period.scorecard_reopened")
    assert {note.user.username for note in told} == {"minh", "lan"}
    assert "Mất điện" in told.first().body


def test_only_the_board_reopens(world, en):
    sw = late_world(world)
    with pytest.raises(ValidationError) as exc:
        scorecard_reopen(
            actor=world.head_officer,
            scorecard=sw.card(world.member_unit),
            until=timezone.now() + dt.timedelta(days=1),
            reason="Xin thêm thời gian",
        )
    assert messages_of(exc) == [str(REOPEN_BOARD_ONLY)]
    assert sw.card(world.member_unit).reopened_until is None


def test_reopening_needs_a_reason_and_a_time_in_the_future(world, en):
    sw = late_world(world)
    with pytest.raises(ValidationError) as exc:
        scorecard_reopen(
            actor=world.board,
            scorecard=sw.card(world.member_unit),
            until=timezone.now() - dt.timedelta(minutes=1),
            reason="  ",
        )
    assert exc.value.message_dict == {
        "reason": [str(REOPEN_REASON_REQUIRED)],
        "until": [str(REOPEN_UNTIL_PAST)],
    }


def test_a_submitted_card_is_not_reopened(world, en):
    sw = late_world(world)
    card = sw.card(world.member_unit)
    Scorecard.objects.filter(pk=card.pk).update(state=Scorecard.State.SUBMITTED)
    with pytest.raises(ValidationError) as exc:
        scorecard_reopen(
            actor=world.board,
            scorecard=card,
            until=timezone.now() + dt.timedelta(days=1),
            reason="Xin thêm thời gian",
        )
    assert messages_of(exc) == [REOPEN_NOT_ALLOWED % {"state": "submitted"}]


def test_a_returned_card_can_be_reopened(world):
    sw = late_world(world)
    card = sw.card(world.member_unit)
    Scorecard.objects.filter(pk=card.pk).update(state=Scorecard.State.RETURNED)
    card = scorecard_reopen(
        actor=world.board,
        scorecard=card,
        until=timezone.now() + dt.timedelta(days=1),
        reason="Giải trình chậm do lỗi hệ thống",
    )
    assert card.reopened_until is not None


def test_nothing_is_reopened_in_a_period_that_is_not_open(world, en):
    sw = late_world(world)
    Period.objects.filter(pk=sw.period.pk).update(state=Period.State.CLOSED)
    with pytest.raises(ValidationError) as exc:
        scorecard_reopen(
            actor=world.board,
            scorecard=sw.card(world.member_unit),
            until=timezone.now() + dt.timedelta(days=1),
            reason="Xin thêm thời gian",
        )
    assert messages_of(exc) == [str(PERIOD_NOT_OPEN)]
