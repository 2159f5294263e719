"""Saving one entry of a scorecard (``scoring.services.scorecards.entry_save``): every
kind's value and points, Vietnamese numbers, refused values that leave the stored one
untouched, optimistic locking, the deadline and the board's reopening, a card returned
for explanation, the history of every value, and the totals (caps, and the other units'
points when a criterion compares the whole cluster)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from core.models import ActionLog
from scoring.models import Entry, EntryHistory, ExplanationRequest, Period, Review, Scorecard
from scoring.services.messages import scorecards as msg
from scoring.services.scorecards import (
    EntryConflict,
    entry_save,
    parse_number,
    scorecard_editable,
)
from tests.scoring_world import scoring_world

D = Decimal


@pytest.fixture(autouse=True)
def _english_messages():  # type: ignore[no-untyped-def]
    """Refusals are compared with their English msgids (the wording, not the
    translation): every lazy message in these tests is read in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def sw(world):  # type: ignore[no-untyped-def]
    return scoring_world(world)


def save(sw, unit, code, values, *, actor=None, version=None, at=None):  # type: ignore[no-untyped-def]
    entry = sw.entry(unit, code)
    return entry_save(
        actor=actor or sw.world.member_officer,
        entry=entry,
        version=entry.version if version is None else version,
        values=values,
        at=at,
    )


def refused(sw, unit, code, values, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        save(sw, unit, code, values, **kwargs)
    return [str(message) for message in caught.value.messages]


# Every kind ---------------------------------------------------------------------------------


def test_opening_gives_every_member_unit_an_empty_entry_per_leaf_criterion(
    world, django_capture_on_commit_callbacks
):
    from core.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        sw = scoring_world(world)
    assert sw.rubric.is_frozen
    assert Scorecard.objects.filter(period=sw.period).count() == 4
    entries = Entry.objects.filter(scorecard__period=sw.period)
    assert entries.count() == 4 * 7
    assert not entries.filter(self_points__isnull=False).exists()
    assert Notification.objects.filter(key="scoring.period.opened").count() == 4


def test_manual_points_are_saved_and_counted(sw, world):
    entry = save(sw, world.member_unit, "1", {"points": "15"})
    entry.refresh_from_db()
    assert entry.points == D("15.00")
    assert entry.self_points == D("15.00")
    assert entry.version == 1
    assert entry.updated_by == world.member_officer
    assert sw.card(world.member_unit).self_total == D("15.00")


def test_manual_points_take_vietnamese_decimals(sw, world):
    save(sw, world.member_unit, "1", {"points": "12,5"})
    assert sw.entry(world.member_unit, "1").self_points == D("12.50")


def test_pass_fail_takes_yes_and_no(sw, world):
    save(sw, world.member_unit, "2", {"passed": "yes"})
    assert sw.entry(world.member_unit, "2").self_points == D("10.00")
    save(sw, world.member_unit, "2", {"passed": "no"})
    entry = sw.entry(world.member_unit, "2")
    assert entry.passed is False and entry.self_points == D("0.00")
    save(sw, world.member_unit, "2", {"passed": True})
    assert sw.entry(world.member_unit, "2").passed is True


def test_target_ratio_uses_the_units_covenant_target(sw, world):
    # Bắc Sơn's target is 80: 40 / 80 of 20 points.
    save(sw, world.member_unit, "3", {"achieved": "40"})
    entry = sw.entry(world.member_unit, "3")
    assert entry.achieved == D("40") and entry.target_used == D("80")
    assert entry.self_points == D("10.00")
    with translation.override("en"):
        save(sw, world.member_unit, "3", {"achieved": "60"})
    assert "20 × min(60 / 80, 1)" in sw.entry(world.member_unit, "3").self_explanation


def test_achieved_values_read_thousands_and_decimals(sw, world):
    save(sw, world.member_unit, "3", {"achieved": "1.000"})
    assert sw.entry(world.member_unit, "3").achieved == D("1000")
    save(sw, world.member_unit, "3", {"achieved": "12,3456"})
    assert sw.entry(world.member_unit, "3").achieved == D("12.3456")
    save(sw, world.member_unit, "3", {"achieved": "2.5"})
    assert sw.entry(world.member_unit, "3").achieved == D("2.5")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12,5", D("12.5")), ("1.000", D(1000)), ("1.234,5", D("1234.5")), (" 7 ", D(7)), ("", None)],
)
def test_parse_number_reads_what_officials_type(raw, expected):
    assert parse_number(raw, places=4) == expected


def test_per_occurrence_counts_times_points_each_up_to_the_maximum(sw, world):
    save(sw, world.member_unit, "5", {"count": "3"})
    assert sw.entry(world.member_unit, "5").self_points == D("30.00")
    save(sw, world.member_unit, "5", {"count": "6"})  # 60, the maximum is 40
    assert sw.entry(world.member_unit, "5").self_points == D("40.00")


def test_bonus_and_deduction_are_capped_in_the_total(sw, world):
    save(sw, world.member_unit, "5", {"count": "2"})  # 20
    save(sw, world.member_unit, "B", {"count": "7"})  # 7 × 1, cap 5
    save(sw, world.member_unit, "D", {"count": "1"})  # 1 × 2
    assert sw.entry(world.member_unit, "B").self_points == D("5.00")
    assert sw.card(world.member_unit).self_total == D("23.00")
    save(sw, world.member_unit, "D", {"count": "9"})  # 18, cap 10
    assert sw.entry(world.member_unit, "D").self_points == D("10.00")
    assert sw.card(world.member_unit).self_total == D("15.00")


def test_clearing_a_value_takes_its_points_away(sw, world):
    save(sw, world.member_unit, "1", {"points": "15"})
    save(sw, world.member_unit, "1", {"points": ""})
    entry = sw.entry(world.member_unit, "1")
    assert entry.points is None and entry.self_points is None
    assert sw.card(world.member_unit).self_total == D("0.00")


def test_a_comment_is_saved_without_touching_the_points(sw, world):
    save(sw, world.member_unit, "1", {"points": "15"})
    save(sw, world.member_unit, "1", {"comment": "  Theo Báo cáo số 125/BC-UBND. "})
    entry = sw.entry(world.member_unit, "1")
    assert entry.comment == "Theo Báo cáo số 125/BC-UBND."
    assert entry.self_points == D("15.00") and entry.version == 2


# Relative to the best unit: the other cards move too ----------------------------------------


def test_relative_leader_recomputes_the_other_units_and_their_totals(sw, world):
    # Targets: Tây Sơn 100, Nam Sơn 50, Bắc Sơn 80.
    save(sw, world.member_unit, "4", {"achieved": "120"})  # 1,5 × target: the best so far
    assert sw.entry(world.member_unit, "4").self_points == D("10.00")
    assert sw.card(world.member_unit).self_total == D("10.00")
    save(sw, world.deputy_unit, "4", {"achieved": "100"}, actor=world.member_officer)  # 2 ×
    assert sw.entry(world.deputy_unit, "4").self_points == D("10.00")
    # Bắc Sơn is no longer the best: 5 + 5 × (1,5 − 1) / (2 − 1) = 7,5.
    assert sw.entry(world.member_unit, "4").self_points == D("7.50")
    assert sw.card(world.member_unit).self_total == D("7.50")
    # Its own version did not move: nobody typed in it.
    assert sw.entry(world.member_unit, "4").version == 1


# Refused values: the stored value stays ---------------------------------------------------


def _stored(sw, unit, code):  # type: ignore[no-untyped-def]
    entry = sw.entry(unit, code)
    return (
        entry.achieved,
        entry.points,
        entry.passed,
        entry.count,
        entry.self_points,
        entry.version,
    )


@pytest.mark.parametrize(
    ("code", "first", "bad", "message"),
    [
        (
            "1",
            {"points": "15"},
            {"points": "mười"},
            "“mười” is not a number (write e.g. 12,5 or 1.000).",
        ),
        ("1", {"points": "15"}, {"points": "25"}, "Points must be between 0 and 20."),
        ("1", {"points": "15"}, {"points": "-1"}, (msg.NUMBER_NEGATIVE)),
        ("1", {"points": "15"}, {"points": "12,345"}, "Write at most 2 decimal places."),
        ("2", {"passed": "yes"}, {"passed": "có lẽ"}, (msg.YES_NO)),
        ("3", {"achieved": "40"}, {"achieved": "-5"}, (msg.NUMBER_NEGATIVE)),
        ("3", {"achieved": "40"}, {"achieved": "1,23456"}, "Write at most 4 decimal places."),
        (
            "4",
            {"achieved": "40"},
            {"achieved": "abc"},
            "“abc” is not a number (write e.g. 12,5 or 1.000).",
        ),
        ("5", {"count": "2"}, {"count": "2,5"}, (msg.COUNT_NOT_WHOLE)),
        ("5", {"count": "2"}, {"count": "-1"}, (msg.COUNT_NOT_WHOLE)),
        ("B", {"count": "1"}, {"count": "x"}, (msg.COUNT_NOT_WHOLE)),
        ("D", {"count": "1"}, {"count": "1e3"}, (msg.COUNT_NOT_WHOLE)),
    ],
)
def test_a_refused_value_leaves_the_stored_one_untouched(sw, world, code, first, bad, message):
    save(sw, world.member_unit, code, first)
    before = _stored(sw, world.member_unit, code)
    history = EntryHistory.objects.count()
    with translation.override("en"):
        assert str(message) in refused(sw, world.member_unit, code, bad)
    assert _stored(sw, world.member_unit, code) == before
    assert EntryHistory.objects.count() == history


def test_a_value_for_another_kind_is_refused(sw, world):
    messages = refused(sw, world.member_unit, "2", {"points": "5"})
    assert messages == ["“2” is scored by met; “points” does not apply."]


# Two people, one entry -----------------------------------------------------------------------


def test_a_save_from_an_old_version_is_a_conflict_showing_the_other_value(sw, world):
    save(sw, world.member_unit, "1", {"points": "12"}, actor=world.member_leader, version=0)
    with translation.override("en"), pytest.raises(EntryConflict) as caught:
        save(sw, world.member_unit, "1", {"points": "18"}, version=0)
    conflict = caught.value
    assert conflict.current.points == D("12.00") and conflict.current.version == 1
    text = " ".join(conflict.messages)
    assert "Người lan" in text and "their value is 12" in text
    entry = sw.entry(world.member_unit, "1")
    assert entry.points == D("12.00") and entry.version == 1
    # Keeping mine = saving again from the version now stored.
    save(sw, world.member_unit, "1", {"points": "18"}, version=1)
    assert sw.entry(world.member_unit, "1").points == D("18.00")


def test_the_same_value_sent_twice_is_no_conflict_and_no_second_write(sw, world):
    save(sw, world.member_unit, "1", {"points": "12"}, version=0)
    again = save(sw, world.member_unit, "1", {"points": "12,0"}, version=0)  # a retry
    assert again.version == 1
    assert EntryHistory.objects.filter(entry=again, field="points").count() == 1


def test_saving_the_stored_value_writes_nothing(sw, world):
    save(sw, world.member_unit, "1", {"points": "12", "comment": "a"})
    save(sw, world.member_unit, "1", {"points": "12", "comment": "a"})
    entry = sw.entry(world.member_unit, "1")
    assert entry.version == 1
    assert EntryHistory.objects.filter(entry=entry).count() == 2


# History -----------------------------------------------------------------------------------


def test_every_changed_field_writes_a_history_row(sw, world):
    save(sw, world.member_unit, "1", {"points": "12,5", "comment": "Lần đầu"})
    save(sw, world.member_unit, "1", {"points": "15"}, actor=world.member_leader)
    entry = sw.entry(world.member_unit, "1")
    rows = list(
        EntryHistory.objects.filter(entry=entry).values_list(
            "source", "field", "old_value", "new_value", "actor_name"
        )
    )
    assert rows == [
        ("self", "points", "", "12.5", "Người minh"),
        ("self", "comment", "", "Lần đầu", "Người minh"),
        ("self", "points", "12.5", "15", "Người lan"),
    ]


def test_pass_fail_history_says_yes_and_no(sw, world):
    save(sw, world.member_unit, "2", {"passed": "yes"})
    save(sw, world.member_unit, "2", {"passed": "no"})
    rows = list(
        EntryHistory.objects.filter(entry=sw.entry(world.member_unit, "2")).values_list(
            "old_value", "new_value"
        )
    )
    assert rows == [("", "yes"), ("yes", "no")]


def test_keystroke_saves_write_no_activity_log_entry(sw, world):
    before = ActionLog.objects.count()
    save(sw, world.member_unit, "1", {"points": "12"})
    save(sw, world.member_unit, "5", {"count": "2"})
    assert ActionLog.objects.count() == before


def test_saving_clears_the_flag_of_a_criterion_changed_by_a_new_rubric(sw, world):
    Entry.objects.filter(pk=sw.entry(world.member_unit, "1").pk).update(
        needs_review=True, points=D(15), self_points=D(15)
    )
    entry = save(sw, world.member_unit, "1", {"points": "15"})  # the same value, looked at
    assert entry.needs_review is False and entry.version == 1


# When the card takes changes -------------------------------------------------------------------


def test_after_the_deadline_the_card_is_locked(sw, world):
    late = sw.period.self_deadline + dt.timedelta(minutes=1)
    save(sw, world.member_unit, "1", {"points": "10"})
    messages = refused(sw, world.member_unit, "1", {"points": "15"}, at=late)
    assert messages[0].startswith("The self-scoring deadline (")
    assert "has passed: the scorecard is locked" in messages[0]
    assert sw.entry(world.member_unit, "1").points == D("10.00")
    editable, reason = scorecard_editable(sw.card(world.member_unit), at=late)
    assert editable is False and reason


def test_a_card_reopened_by_the_board_takes_changes_until_then(sw, world):
    late = sw.period.self_deadline + dt.timedelta(days=1)
    Scorecard.objects.filter(pk=sw.card(world.member_unit).pk).update(
        reopened_until=late + dt.timedelta(hours=2), reopen_reason="Mất điện"
    )
    save(sw, world.member_unit, "1", {"points": "15"}, at=late)
    assert sw.entry(world.member_unit, "1").points == D("15.00")
    messages = refused(
        sw, world.member_unit, "1", {"points": "16"}, at=late + dt.timedelta(hours=3)
    )
    assert "The extra time the emulation board gave (until" in messages[0]
    # Another unit is not reopened.
    assert refused(sw, world.h_new, "1", {"points": "1"}, actor=world.head_officer, at=late)


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (Scorecard.State.SUBMITTED, msg.CARD_SUBMITTED),
        (Scorecard.State.VERIFIED, msg.CARD_VERIFIED),
        (Scorecard.State.FINALISED, msg.CARD_FINALISED),
    ],
)
def test_a_submitted_verified_or_final_card_never_changes(sw, world, state, message):
    Scorecard.objects.filter(pk=sw.card(world.member_unit).pk).update(state=state)
    with translation.override("en"):
        assert refused(sw, world.member_unit, "1", {"points": "5"}) == [str(message)]
    assert sw.entry(world.member_unit, "1").points is None


def test_a_closed_period_takes_no_changes(sw, world):
    Period.objects.filter(pk=sw.period.pk).update(state=Period.State.CLOSED)
    with translation.override("en"):
        assert refused(sw, world.member_unit, "1", {"points": "5"}) == [(msg.PERIOD_NOT_OPEN)]


def _return_card(sw, world, codes, *, deadline=None):  # type: ignore[no-untyped-def]
    card = sw.card(world.member_unit)
    Scorecard.objects.filter(pk=card.pk).update(state=Scorecard.State.RETURNED)
    request = ExplanationRequest.objects.create(
        scorecard=card,
        question="Giải trình số liệu",
        deadline=deadline or timezone.now() + dt.timedelta(days=3),
        requested_by=world.head_officer,
        requested_role=Review.Role.HEAD,
    )
    request.entries.set([sw.entry(world.member_unit, code) for code in codes])
    return request


def test_a_returned_card_changes_only_the_criteria_asked_about(sw, world):
    _return_card(sw, world, ["1", "3"])
    save(sw, world.member_unit, "1", {"points": "14"})
    assert sw.entry(world.member_unit, "1").points == D("14.00")
    messages = refused(sw, world.member_unit, "2", {"passed": "yes"})
    assert messages == [
        "The scorecard was returned for explanation of other criteria: only 1, 3 can be "
        "changed now."
    ]


def test_a_returned_card_locks_after_the_answer_deadline_unless_reopened(sw, world):
    deadline = timezone.now() + dt.timedelta(days=1)
    _return_card(sw, world, ["1"], deadline=deadline)
    late = deadline + dt.timedelta(hours=1)
    messages = refused(sw, world.member_unit, "1", {"points": "14"}, at=late)
    assert "The time to explain (until" in messages[0]
    Scorecard.objects.filter(pk=sw.card(world.member_unit).pk).update(
        reopened_until=late + dt.timedelta(hours=1)
    )
    save(sw, world.member_unit, "1", {"points": "14"}, at=late)
    assert sw.entry(world.member_unit, "1").points == D("14.00")


def test_a_returned_card_whose_requests_are_answered_is_locked(sw, world):
    request = _return_card(sw, world, ["1"])
    ExplanationRequest.objects.filter(pk=request.pk).update(state=ExplanationRequest.State.ANSWERED)
    with translation.override("en"):
        assert refused(sw, world.member_unit, "1", {"points": "3"}) == [
            (msg.RETURNED_NO_OPEN_REQUEST)
        ]


def test_an_entry_of_an_earlier_rubric_version_neither_saves_nor_counts(sw, world):
    from scoring.models import Criterion, Rubric

    older = Rubric.objects.create(organizer=world.org, name="Bảng cũ", cluster_year=None)
    gone = Criterion.objects.create(
        rubric=older, order=1, code="X", title="Tiêu chí cũ", kind="manual", max_points=D(50)
    )
    card = sw.card(world.member_unit)
    left = Entry.objects.create(scorecard=card, criterion=gone, points=D(50), self_points=D(50))
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        entry_save(actor=world.member_officer, entry=left, version=0, values={"points": "40"})
    assert caught.value.messages == [
        "“X” belongs to an earlier version of the scoring table; score the current one."
    ]
    save(sw, world.member_unit, "1", {"points": "10"})
    assert sw.card(world.member_unit).self_total == D("10.00")
