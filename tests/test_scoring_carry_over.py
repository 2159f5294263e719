"""A new version of the scoring table frozen while scoring is open: the period moves to
it and what units entered is carried over (issue 4, "Freeze")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from core.models import ActionLog, Notification
from scoring.models import (
    Entry,
    EntryEvidence,
    EntryHistory,
    Evidence,
    ExplanationRequest,
    Period,
    Review,
    Rubric,
    Scorecard,
)
from scoring.services.computation import recompute_entries, refresh_totals, scorecard_entries
from scoring.services.criteria import criterion_add, criterion_delete, criterion_update
from scoring.services.messages.periods import CARRY_FINALISED
from scoring.services.periods import period_carry_over
from scoring.services.rubrics import rubric_freeze
from scoring.services.versions import rubric_new_version
from tests.scoring_world import scoring_world

D = Decimal


@pytest.fixture(autouse=True)
def _english_messages():  # type: ignore[no-untyped-def]
    """Refusals are compared with their English msgids (the wording, not the
    translation): every lazy message in these tests is read in English."""
    with translation.override("en"):
        yield


def enter(entry: Entry, **values) -> Entry:  # type: ignore[no-untyped-def]
    """The unit's inputs, saved and computed as the self-scoring service does."""
    for name, value in values.items():
        setattr(entry, name, value)
    entry.save()
    refresh_totals(recompute_entries(entry.criterion, entry))
    entry.refresh_from_db()
    return entry


def decide(entry: Entry, points: str, user) -> Entry:  # type: ignore[no-untyped-def]
    entry.final_points = D(points)
    entry.final_reason = "Thẩm định lại"
    entry.final_by = user
    entry.final_at = timezone.now()
    entry.save()
    refresh_totals([entry.scorecard_id])
    return entry


@pytest.fixture
def scored(world):  # type: ignore[no-untyped-def]
    """An open period in which Bắc Sơn and Tây Sơn have entered values."""
    sw = scoring_world(world)
    unit = world.member_unit
    enter(sw.entry(unit, "1"), points=D(15), comment="Theo báo cáo số 12")
    decide(sw.entry(unit, "1"), "12", world.head_officer)
    enter(sw.entry(unit, "2"), passed=True)
    decide(sw.entry(unit, "2"), "10", world.head_officer)
    enter(sw.entry(unit, "3"), achieved=D(40))
    enter(sw.entry(unit, "4"), achieved=D(90))
    enter(sw.entry(world.h_new, "4"), achieved=D(120))
    enter(sw.entry(unit, "5"), count=2)
    enter(sw.entry(unit, "B"), count=2)
    evidence = Evidence.objects.create(
        scorecard=sw.card(unit),
        kind=Evidence.Kind.DOCUMENT,
        doc_number="12/BC-UBND",
        uploaded_by=world.member_officer,
    )
    EntryEvidence.objects.create(
        entry=sw.entry(unit, "1"), evidence=evidence, added_by=world.member_officer
    )
    Review.objects.create(
        entry=sw.entry(unit, "1"),
        role=Review.Role.HEAD,
        reviewer_unit=world.h_new,
        reviewer=world.head_officer,
        points=D(12),
        reason="Thiếu minh chứng phần b",
    )
    sw.evidence = evidence
    return sw


def new_version(sw, world) -> Rubric:  # type: ignore[no-untyped-def]
    """Version 2: "2" renamed (changed), "5" removed and "6" added in its place; the
    rest unchanged."""
    version = rubric_new_version(
        actor=world.board, rubric=sw.rubric, change_note="Sửa tiêu chí 2, thay tiêu chí 5"
    )
    by_code = {item.code: item for item in version.criteria.all()}
    criterion_update(actor=world.board, criterion=by_code["2"], title="Tiêu chí 2 (sửa)")
    criterion_delete(actor=world.board, criterion=by_code["5"])
    criterion_add(
        actor=world.board,
        rubric=version,
        parent=by_code["II"],
        code="6",
        title="Tiêu chí 6",
        kind="per_occurrence",
        max_points=40,
        params={"points_each": "5"},
    )
    return version


def carried(sw, unit, code: str) -> Entry:  # type: ignore[no-untyped-def]
    sw.period.refresh_from_db()
    return Entry.objects.get(
        scorecard__period=sw.period,
        scorecard__unit=unit,
        criterion__code=code,
        criterion__rubric=sw.period.rubric,
    )


def test_the_period_moves_to_the_new_version_when_it_is_frozen(world, scored):
    version = new_version(scored, world)
    rubric_freeze(actor=world.board, rubric=version)
    scored.period.refresh_from_db()
    assert scored.period.rubric == version
    card = scored.card(world.member_unit)
    codes = sorted(entry.criterion.code for entry in scorecard_entries(card))
    assert codes == ["1", "2", "3", "4", "6", "B", "D"]
    assert all(entry.criterion.rubric_id == version.pk for entry in scorecard_entries(card))


def test_unchanged_criteria_keep_inputs_final_points_evidence_and_proposals(world, scored):
    before_4 = scored.entry(world.member_unit, "4").self_points
    rubric_freeze(actor=world.board, rubric=new_version(scored, world))
    one = carried(scored, world.member_unit, "1")
    assert (one.points, one.self_points, one.final_points) == (D(15), D(15), D(12))
    assert one.final_reason == "Thẩm định lại" and one.final_by == world.head_officer
    assert one.comment == "Theo báo cáo số 12"
    assert not one.needs_review
    assert list(one.evidence.all()) == [scored.evidence]
    assert [(r.role, r.points, r.reason) for r in one.reviews.all()] == [
        ("head", D(12), "Thiếu minh chứng phần b")
    ]
    three = carried(scored, world.member_unit, "3")
    assert (three.achieved, three.self_points, three.target_used) == (D(40), D(10), D(80))
    # Relative to the leader: computed across the cluster again, same result.
    assert carried(scored, world.member_unit, "4").self_points == before_4
    assert carried(scored, world.h_new, "4").self_points == D(10)
    assert carried(scored, world.member_unit, "B").self_points == D(2)


def test_changed_criteria_keep_inputs_but_lose_final_points_and_are_flagged(world, scored):
    rubric_freeze(actor=world.board, rubric=new_version(scored, world))
    two = carried(scored, world.member_unit, "2")
    assert two.passed is True and two.self_points == D(10)
    assert two.final_points is None and two.needs_review
    # Nothing entered by another unit on the changed criterion: nothing to look at.
    assert not carried(scored, world.deputy_unit, "2").needs_review


def test_removed_criteria_leave_the_card_but_stay_in_the_database(world, scored):
    old_five = scored.entry(world.member_unit, "5")
    rubric_freeze(actor=world.board, rubric=new_version(scored, world))
    old_five.refresh_from_db()
    assert old_five.count == 2 and old_five.self_points == D(20)
    assert Entry.objects.filter(scorecard__period=scored.period).count() == 4 * 7 * 2
    card = scored.card(world.member_unit)
    assert "5" not in [entry.criterion.code for entry in scorecard_entries(card)]


def test_added_criteria_start_empty(world, scored):
    rubric_freeze(actor=world.board, rubric=new_version(scored, world))
    six = carried(scored, world.member_unit, "6")
    assert (six.count, six.self_points, six.final_points, six.needs_review) == (
        None,
        None,
        None,
        False,
    )


def test_totals_count_only_the_new_version(world, scored):
    card = scored.card(world.member_unit)
    # v1: 15 + 10 + 10 + 4,5 (90 of 80, below the leader) + 20 + bonus 2; final: 12 + 10 …
    assert card.self_total > D(0)
    rubric_freeze(actor=world.board, rubric=new_version(scored, world))
    card.refresh_from_db()
    entries = scorecard_entries(card)
    expected_self = sum(e.self_points for e in entries if e.self_points is not None)
    expected_final = sum(e.counted_points for e in entries if e.counted_points is not None)
    assert card.self_total == expected_self  # "5" (20 points) no longer counts
    assert card.final_total == expected_final
    assert card.final_total == card.self_total - D(3)  # "1" decided at 12, not 15


def test_history_rows_say_what_was_carried_and_why(world, scored):
    rubric_freeze(actor=world.board, rubric=new_version(scored, world))
    one = carried(scored, world.member_unit, "1")
    rows = {(row.field, row.old_value, row.new_value) for row in one.history.all()}
    assert ("points", "", "15.00") in rows and ("final_points", "", "12.00") in rows
    assert {row.source for row in one.history.all()} == {EntryHistory.Source.CARRIED}
    assert all(row.actor == world.board for row in one.history.all())
    two = carried(scored, world.member_unit, "2")
    assert ("final_points", "10.00", "") in {
        (row.field, row.old_value, row.new_value) for row in two.history.all()
    }
    with translation.override("en"):
        assert "needs a new look" in two.history.first().reason
    assert not carried(scored, world.member_unit, "6").history.exists()


def test_the_change_is_logged_and_member_units_are_told(
    world, scored, django_capture_on_commit_callbacks
):
    world.member_officer.email = "minh@example.vn"
    world.member_officer.save(update_fields=["email"])
    version = new_version(scored, world)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        rubric_freeze(actor=world.board, rubric=version)
    log = ActionLog.objects.get(action="scoring.period.rubric_changed")
    assert log.data["from"]["version"] == 1 and log.data["to"]["version"] == 2
    assert (log.data["changed"], log.data["added"], log.data["removed"]) == (["2"], ["6"], ["5"])
    assert log.data["needs_review"] == 1
    notes = Notification.objects.filter(key="scoring.period.rubric_changed")
    assert {note.user.username for note in notes} == {"hana", "minh", "lan", "olga"}
    body = notes.first().body
    assert "Sửa tiêu chí 2, thay tiêu chí 5" in body
    assert ": 2." in body and ": 6." in body and ": 5." in body
    assert [message.bcc for message in mail.outbox] == [["minh@example.vn"]]


def test_a_final_scorecard_stops_the_new_version_from_being_frozen(world, scored):
    card = scored.card(world.deputy_unit)
    Scorecard.objects.filter(pk=card.pk).update(state=Scorecard.State.FINALISED)
    version = new_version(scored, world)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        rubric_freeze(actor=world.board, rubric=version)
    assert exc.value.messages == [
        CARRY_FINALISED % {"units": world.deputy_unit.name, "period": "year-end review"}
    ]
    version.refresh_from_db()
    scored.period.refresh_from_db()
    assert not version.is_frozen
    assert scored.period.rubric == scored.rubric
    assert not Entry.objects.filter(criterion__rubric=version).exists()


def test_open_explanation_requests_follow_their_entries(world, scored):
    card = scored.card(world.member_unit)
    request = ExplanationRequest.objects.create(
        scorecard=card,
        question="Giải trình tiêu chí 1 và 5",
        deadline=timezone.now() + dt.timedelta(days=3),
        requested_by=world.head_officer,
        requested_role="head",
    )
    request.entries.set(
        [scored.entry(world.member_unit, "1"), scored.entry(world.member_unit, "5")]
    )
    rubric_freeze(actor=world.board, rubric=new_version(scored, world))
    assert [entry.pk for entry in request.entries.all()] == [
        carried(scored, world.member_unit, "1").pk
    ]


def test_closed_periods_and_other_years_stay_on_their_version(world, scored):
    Period.objects.filter(pk=scored.period.pk).update(state=Period.State.CLOSED)
    version = new_version(scored, world)
    rubric_freeze(actor=world.board, rubric=version)
    scored.period.refresh_from_db()
    assert scored.period.rubric == scored.rubric
    assert not Entry.objects.filter(criterion__rubric=version).exists()


def test_carry_over_refuses_a_version_that_does_not_follow_the_periods(world, scored):
    other = Rubric.objects.create(
        organizer=world.org, cluster_year=world.this_year, name="Khác", version=9
    )
    with pytest.raises(ValueError):
        period_carry_over(actor=world.board, period=scored.period, new_rubric=other)
