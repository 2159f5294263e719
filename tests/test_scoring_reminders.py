"""Deadline reminders: 3 days and 1 day before each deadline of an open period, once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clusters.models import Profile
from core.models import Notification
from scoring import tasks
from scoring.models import ExplanationRequest, Period, ReminderSent, ReviewAssignment, Scorecard
from scoring.services.periods import send_deadline_reminders
from tests.factories import make_user
from tests.scoring_world import scoring_world

DAY = dt.timedelta(days=1)


@pytest.fixture
def now():  # type: ignore[no-untyped-def]
    return timezone.now().replace(microsecond=0)


def told(key: str) -> set[str]:
    return set(
        Notification.objects.filter(key=f"scoring.period.reminder_{key}").values_list(
            "user__username", flat=True
        )
    )


def world_due(world, now, **deadlines):  # type: ignore[no-untyped-def]
    """An open period whose deadlines are the given offsets from ``now`` (other
    settings as given)."""
    settings = {
        "self_deadline": now + 10 * DAY,
        "verification_deadline": now + 20 * DAY,
        "explanation_deadline": now + 25 * DAY,
    } | {
        name: now + value if isinstance(value, dt.timedelta) else value
        for name, value in deadlines.items()
    }
    return scoring_world(world, **settings)


def run(at, django_capture_on_commit_callbacks) -> int:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        return send_deadline_reminders(at=at)


def test_units_still_self_scoring_are_reminded_three_days_before(
    world, now, django_capture_on_commit_callbacks
):
    sw = world_due(world, now, self_deadline=3 * DAY - dt.timedelta(hours=2))
    Scorecard.objects.filter(pk=sw.card(world.h_new).pk).update(state=Scorecard.State.SUBMITTED)
    Scorecard.objects.filter(pk=sw.card(world.h_old).pk).update(state=Scorecard.State.RETURNED)
    assert run(now, django_capture_on_commit_callbacks) == 1
    # Tây Sơn submitted: not reminded; Đông Sơn (returned) and Bắc Sơn are.
    assert told("self") == {"minh", "lan", "olga"}
    note = Notification.objects.filter(user=world.member_officer).get()
    local = timezone.localtime(sw.period.self_deadline)
    assert local.strftime("%d/%m/%Y") in note.body and local.strftime("%H:%M") in note.body
    assert "3" in note.subject
    assert ReminderSent.objects.filter(period=sw.period, deadline="self", days_before=3).exists()


def test_each_reminder_goes_out_once(world, now, django_capture_on_commit_callbacks):
    world_due(world, now, self_deadline=3 * DAY - dt.timedelta(hours=2))
    assert run(now, django_capture_on_commit_callbacks) == 1
    assert run(now + dt.timedelta(hours=1), django_capture_on_commit_callbacks) == 0
    assert Notification.objects.filter(user=world.member_officer).count() == 1


def test_the_one_day_reminder_follows_the_three_day_one(
    world, now, django_capture_on_commit_callbacks
):
    world_due(world, now, self_deadline=3 * DAY - dt.timedelta(hours=2))
    assert run(now, django_capture_on_commit_callbacks) == 1
    # Between the windows (deadline 1 day 22 hours away): nothing.
    assert run(now + dt.timedelta(hours=2), django_capture_on_commit_callbacks) == 0
    assert run(now + DAY, django_capture_on_commit_callbacks) == 0
    assert run(now + 2 * DAY, django_capture_on_commit_callbacks) == 1
    assert Notification.objects.filter(user=world.member_officer).count() == 2
    sent = set(ReminderSent.objects.values_list("deadline", "days_before"))
    assert sent == {("self", 3), ("self", 1)}


@pytest.mark.parametrize(
    "left, expected",
    [
        (3 * DAY + dt.timedelta(minutes=1), set()),
        (3 * DAY, {("self", 3)}),
        (2 * DAY + dt.timedelta(minutes=1), {("self", 3)}),
        (2 * DAY, set()),
        (DAY, {("self", 1)}),
        (dt.timedelta(minutes=1), {("self", 1)}),
    ],
)
def test_the_windows_are_a_day_wide(world, now, left, expected):  # type: ignore[no-untyped-def]
    world_due(world, now, self_deadline=left)
    send_deadline_reminders(at=now)
    assert set(ReminderSent.objects.values_list("deadline", "days_before")) == expected


def test_a_passed_deadline_is_not_reminded(world, now):
    world_due(world, now, self_deadline=-dt.timedelta(hours=1))
    assert send_deadline_reminders(at=now) == 0


def test_verifiers_and_the_board_are_reminded_of_the_verification_deadline(
    world, now, django_capture_on_commit_callbacks
):
    deputy_officer = make_user("dung", role=Profile.Role.OFFICER, unit=world.deputy_unit)
    sw = world_due(
        world, now, self_deadline=-DAY, verification_deadline=DAY - dt.timedelta(hours=1)
    )
    Period.objects.filter(pk=sw.period.pk).update(cross_scoring=True)
    ReviewAssignment.objects.create(scorecard=sw.card(world.h_new), reviewer_unit=world.h_old)
    Scorecard.objects.filter(pk=sw.card(world.deputy_unit).pk).update(
        state=Scorecard.State.FINALISED
    )
    assert run(now, django_capture_on_commit_callbacks) == 1
    # Head (hana), deputy (dung), the peer assigned (olga), the board (alice); not Bắc
    # Sơn, nor the other organizer's board.
    assert told("verification") == {"hana", "dung", "olga", "alice"}
    assert deputy_officer.notifications.get().link == f"/scoring/periods/{sw.period.pk}/"
    body = deputy_officer.notifications.get().body
    assert ": 3." in body  # three scorecards are not final yet


def test_the_deputy_is_not_reminded_when_it_does_not_verify(
    world, now, django_capture_on_commit_callbacks
):
    make_user("dung", role=Profile.Role.OFFICER, unit=world.deputy_unit)
    world_due(
        world,
        now,
        self_deadline=-DAY,
        verification_deadline=DAY - dt.timedelta(hours=1),
        deputy_verifies=False,
    )
    run(now, django_capture_on_commit_callbacks)
    assert told("verification") == {"hana", "alice"}


def test_nobody_is_reminded_to_verify_when_every_card_is_final(world, now):
    sw = world_due(world, now, self_deadline=-DAY, verification_deadline=DAY / 2)
    Scorecard.objects.filter(period=sw.period).update(state=Scorecard.State.FINALISED)
    assert send_deadline_reminders(at=now) == 0


def test_units_asked_to_explain_are_reminded_of_their_request_deadline(
    world, now, django_capture_on_commit_callbacks
):
    sw = world_due(world, now, self_deadline=-DAY)
    card = sw.card(world.member_unit)
    request = ExplanationRequest.objects.create(
        scorecard=card,
        question="Đề nghị giải trình tiêu chí 1",
        deadline=now + 3 * DAY - dt.timedelta(hours=3),
        requested_by=world.head_officer,
        requested_role="head",
    )
    ExplanationRequest.objects.create(  # answered already: not reminded
        scorecard=sw.card(world.h_old),
        question="Giải trình tiêu chí 2",
        deadline=now + 3 * DAY - dt.timedelta(hours=3),
        requested_by=world.head_officer,
        requested_role="head",
        state=ExplanationRequest.State.ANSWERED,
    )
    assert run(now, django_capture_on_commit_callbacks) == 1
    assert told("explanation") == {"minh", "lan"}
    assert "Đề nghị giải trình tiêu chí 1" in world.member_officer.notifications.get().body
    assert ReminderSent.objects.filter(deadline=f"explanation:{request.pk}").exists()
    assert run(now, django_capture_on_commit_callbacks) == 0


def test_draft_and_closed_periods_are_ignored(world, now):
    sw = world_due(world, now, self_deadline=DAY / 2)
    Period.objects.filter(pk=sw.period.pk).update(state=Period.State.CLOSED)
    assert send_deadline_reminders(at=now) == 0
    Period.objects.filter(pk=sw.period.pk).update(state=Period.State.DRAFT)
    assert send_deadline_reminders(at=now) == 0
    assert not Notification.objects.exists()


def test_the_celery_task_runs_the_service(world, now, django_capture_on_commit_callbacks):
    world_due(world, now, self_deadline=DAY / 2)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_deadline_reminders.apply().get() == 1
    assert told("self") == {"minh", "lan", "olga", "hana"}
    assert tasks.send_deadline_reminders.apply().get() == 0


def test_the_task_is_on_the_beat_schedule(settings):  # type: ignore[no-untyped-def]
    entry = settings.CELERY_BEAT_SCHEDULE["scoring-deadline-reminders"]
    assert entry["task"] == "scoring.tasks.send_deadline_reminders"
    assert 7 in entry["schedule"].hour and 0 in entry["schedule"].minute
    assert settings.CELERY_TIMEZONE == "Asia/Ho_Chi_Minh"
