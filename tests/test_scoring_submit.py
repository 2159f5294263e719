"""Submitting a scorecard (``scorecard_missing``, ``scorecard_submit``): what blocks it,
in words naming each criterion; required evidence; the deadline read after the lock;
the refusal of every change once submitted; returned cards sent back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from core.models import ActionLog
from scoring.models import (
    SCORECARD_TRANSITIONS,
    Criterion,
    Entry,
    ExplanationRequest,
    Period,
    Review,
    Scorecard,
)
from scoring.services.messages import scorecards as msg
from scoring.services.scorecards import (
    entry_save,
    evidence_link,
    evidence_reference,
    evidence_withdraw,
    scorecard_missing,
    scorecard_submit,
)
from tests.scoring_world import scoring_world

D = Decimal
VALUES = {
    "1": {"points": "15"},
    "2": {"passed": "yes"},
    "3": {"achieved": "80"},
    "4": {"achieved": "80"},
    "5": {"count": "2"},
}


@pytest.fixture(autouse=True)
def _english_messages():  # type: ignore[no-untyped-def]
    """Refusals are compared with their English msgids (the wording, not the
    translation): every lazy message in these tests is read in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def sw(world):  # type: ignore[no-untyped-def]
    return scoring_world(world)


def fill(sw, unit, *, skip=(), evidence=True, actor=None):  # type: ignore[no-untyped-def]
    """Score every criterion of the unit's card except ``skip``; cite a document for the
    criterion that requires evidence. Returns the document."""
    actor = actor or sw.world.member_officer
    for code, values in VALUES.items():
        if code in skip:
            continue
        entry = sw.entry(unit, code)
        entry_save(actor=actor, entry=entry, version=entry.version, values=values)
    if not evidence:
        return None
    document = evidence_reference(
        actor=actor,
        scorecard=sw.card(unit),
        doc_number="125/BC-UBND",
        doc_date=dt.date(2024, 11, 20),
        title="Báo cáo tổng kết năm",
    )
    evidence_link(actor=actor, entry=sw.entry(unit, "1"), evidence=document)
    return document


def missing_en(card) -> list[str]:  # type: ignore[no-untyped-def]
    with translation.override("en"):
        return scorecard_missing(card)


# What is missing -----------------------------------------------------------------------------


def test_a_fresh_card_misses_every_criterion_and_the_required_evidence(sw, world):
    assert missing_en(sw.card(world.member_unit)) == [
        "1. Tiêu chí 1: not scored yet.",
        "1. Tiêu chí 1: evidence is required and none is attached.",
        "2. Tiêu chí 2: not scored yet.",
        "3. Tiêu chí 3: not scored yet.",
        "4. Tiêu chí 4: not scored yet.",
        "5. Tiêu chí 5: not scored yet.",
    ]


def test_bonus_and_deduction_left_blank_are_not_missing(sw, world):
    fill(sw, world.member_unit)
    assert missing_en(sw.card(world.member_unit)) == []
    assert sw.entry(world.member_unit, "B").count is None


def test_required_evidence_is_missing_until_attached(sw, world):
    fill(sw, world.member_unit, evidence=False)
    assert missing_en(sw.card(world.member_unit)) == [
        "1. Tiêu chí 1: evidence is required and none is attached."
    ]


def test_withdrawn_evidence_no_longer_counts(sw, world):
    document = fill(sw, world.member_unit)
    evidence_withdraw(actor=world.member_officer, evidence=document)
    assert missing_en(sw.card(world.member_unit)) == [
        "1. Tiêu chí 1: evidence is required and none is attached."
    ]


def test_a_bonus_needs_its_evidence_only_when_claimed(sw, world):
    Criterion.objects.filter(pk=sw.criteria["B"].pk).update(evidence_required=True)
    fill(sw, world.member_unit)
    assert missing_en(sw.card(world.member_unit)) == []
    entry = sw.entry(world.member_unit, "B")
    entry_save(actor=world.member_officer, entry=entry, version=0, values={"count": "2"})
    assert missing_en(sw.card(world.member_unit)) == [
        "B. Tiêu chí B: evidence is required and none is attached."
    ]


def test_criteria_the_board_appraises_are_not_required_of_the_unit(sw, world):
    Period.objects.filter(pk=sw.period.pk).update(board_criteria=["II"])
    fill(sw, world.member_unit, skip={"5"})
    assert missing_en(sw.card(world.member_unit)) == []


def test_a_criterion_changed_by_a_new_rubric_version_must_be_looked_at_again(sw, world):
    fill(sw, world.member_unit)
    Entry.objects.filter(pk=sw.entry(world.member_unit, "2").pk).update(needs_review=True)
    assert missing_en(sw.card(world.member_unit)) == [
        "2. Tiêu chí 2: the criterion changed in a new version of the scoring table; check "
        "the value and save it again."
    ]


# Submitting ------------------------------------------------------------------------------


def test_submission_is_refused_listing_what_is_missing(sw, world):
    fill(sw, world.member_unit, skip={"3"}, evidence=False)
    card = sw.card(world.member_unit)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        scorecard_submit(actor=world.member_officer, scorecard=card)
    assert caught.value.messages == [
        (msg.SUBMIT_INCOMPLETE),
        "1. Tiêu chí 1: evidence is required and none is attached.",
        "3. Tiêu chí 3: not scored yet.",
    ]
    card.refresh_from_db()
    assert card.state == Scorecard.State.DRAFT and card.submitted_at is None


def test_a_complete_card_is_submitted_and_logged(sw, world):
    fill(sw, world.member_unit)
    card = scorecard_submit(actor=world.member_leader, scorecard=sw.card(world.member_unit))
    card.refresh_from_db()
    assert card.state == Scorecard.State.SUBMITTED
    assert card.submitted_by == world.member_leader and card.submitted_at is not None
    log = ActionLog.objects.get(action="scoring.scorecard.submitted")
    assert log.object_id == str(card.pk)
    assert log.scope_id == world.org.pk
    assert log.data["from_state"] == "draft"
    assert D(log.data["self_total"]) == card.self_total


def test_after_submission_nothing_can_be_changed(sw, world):
    fill(sw, world.member_unit)
    card = scorecard_submit(actor=world.member_officer, scorecard=sw.card(world.member_unit))
    entry = sw.entry(world.member_unit, "1")
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        entry_save(
            actor=world.member_officer, entry=entry, version=entry.version, values={"points": "1"}
        )
    assert caught.value.messages == [(msg.CARD_SUBMITTED)]
    with pytest.raises(ValidationError):
        evidence_reference(
            actor=world.member_officer,
            scorecard=card,
            doc_number="1/QĐ",
            doc_date=dt.date(2024, 1, 2),
        )
    with translation.override("en"), pytest.raises(ValidationError) as twice:
        scorecard_submit(actor=world.member_officer, scorecard=card)
    assert twice.value.messages == ["A scorecard that is “submitted” cannot be submitted."]


def test_submission_after_the_deadline_is_refused_and_after_reopening_accepted(sw, world):
    fill(sw, world.member_unit)
    card = sw.card(world.member_unit)
    late = sw.period.self_deadline + dt.timedelta(seconds=1)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        scorecard_submit(actor=world.member_officer, scorecard=card, at=late)
    assert "has passed: the scorecard is locked" in caught.value.messages[0]
    card.refresh_from_db()
    assert card.state == Scorecard.State.DRAFT
    Scorecard.objects.filter(pk=card.pk).update(reopened_until=late + dt.timedelta(hours=1))
    scorecard_submit(actor=world.member_officer, scorecard=card, at=late)
    card.refresh_from_db()
    assert card.state == Scorecard.State.SUBMITTED and card.submitted_at == late


def test_submitting_exactly_at_the_deadline_is_in_time(sw, world):
    fill(sw, world.member_unit)
    card = scorecard_submit(
        actor=world.member_officer, scorecard=sw.card(world.member_unit), at=sw.period.self_deadline
    )
    assert card.state == Scorecard.State.SUBMITTED


def _returned(sw, world, state=ExplanationRequest.State.OPEN):  # type: ignore[no-untyped-def]
    card = sw.card(world.member_unit)
    Scorecard.objects.filter(pk=card.pk).update(state=Scorecard.State.RETURNED)
    request = ExplanationRequest.objects.create(
        scorecard=card,
        question="Vì sao đạt?",
        deadline=timezone.now() + dt.timedelta(days=2),
        requested_by=world.head_officer,
        requested_role=Review.Role.HEAD,
        state=state,
    )
    request.entries.set([sw.entry(world.member_unit, "2")])
    return request


def test_a_returned_card_goes_back_only_once_every_request_is_answered(sw, world):
    fill(sw, world.member_unit)
    request = _returned(sw, world)
    card = sw.card(world.member_unit)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        scorecard_submit(actor=world.member_officer, scorecard=card)
    assert caught.value.messages == [
        "Answer every request for explanation before sending the scorecard back (1 still waiting)."
    ]
    ExplanationRequest.objects.filter(pk=request.pk).update(state=ExplanationRequest.State.ANSWERED)
    scorecard_submit(actor=world.member_officer, scorecard=card)
    card.refresh_from_db()
    assert card.state == Scorecard.State.SUBMITTED
    assert ActionLog.objects.get(action="scoring.scorecard.submitted").data["from_state"] == (
        "returned"
    )


@pytest.mark.parametrize("state", [Scorecard.State.VERIFIED, Scorecard.State.FINALISED])
def test_a_verified_or_final_card_cannot_be_submitted(sw, world, state):
    fill(sw, world.member_unit)
    Scorecard.objects.filter(pk=sw.card(world.member_unit).pk).update(state=state)
    with pytest.raises(ValidationError):
        scorecard_submit(actor=world.member_officer, scorecard=sw.card(world.member_unit))


def test_the_transition_table_lets_drafts_and_returned_cards_be_submitted():
    submittable = {
        state for state, following in SCORECARD_TRANSITIONS.items() if "submitted" in following
    }
    assert submittable == {Scorecard.State.DRAFT, Scorecard.State.RETURNED}
