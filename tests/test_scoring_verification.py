"""Verification services: proposals and decisions (who decides which criterion), returning
a scorecard for an explanation, the unit's answer, the decision after it, finalising by
the head alone or by the head then the board, the guard that keeps a final scorecard
unchanged, and the history of every value.

The helpers at the top (``fill``, ``submit``) set a unit's inputs directly and mark its
scorecard submitted; the view tests import them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from clusters.models import Profile
from core.models import ActionLog, Notification
from scoring.models import (
    Entry,
    EntryHistory,
    Evidence,
    ExplanationRequest,
    Period,
    Review,
    ReviewAssignment,
    Scorecard,
)
from scoring.services import computation
from scoring.services.messages import verification as msg
from scoring.services.verification import (
    entry_decide,
    explanation_answer,
    review_propose,
    scorecard_finalise,
    scorecard_return,
)
from tests.factories import make_user
from tests.scoring_world import scoring_world

D = Decimal
HEAD, DEPUTY, PEER, BOARD = "head", "deputy", "peer", "board"

# What Bắc Sơn (the member unit, target 80) enters by default.
INPUTS = {
    "1": {"points": D(18)},
    "2": {"passed": True},
    "3": {"achieved": D(60)},
    "4": {"achieved": D(80)},
    "5": {"count": 3},
    "B": {"count": 2},
    "D": {"count": 1},
}


# Helpers shared with the view tests -------------------------------------------------------


def fill(sw, unit, inputs=None) -> Scorecard:  # type: ignore[no-untyped-def]
    """Set the unit's inputs directly and compute its points and totals."""
    inputs = INPUTS if inputs is None else inputs
    card = sw.card(unit)
    touched: set[int] = set()
    for code, values in inputs.items():
        Entry.objects.filter(scorecard=card, criterion__code=code).update(**values)
        entry = Entry.objects.select_related("criterion", "scorecard").get(
            scorecard=card, criterion__code=code
        )
        touched |= computation.recompute_entries(entry.criterion, entry)
    computation.refresh_totals(touched | {card.pk})
    card.refresh_from_db()
    return card


def submit(sw, unit, inputs=None) -> Scorecard:  # type: ignore[no-untyped-def]
    """Fill the unit's scorecard and mark it submitted (as the self-scoring service would)."""
    card = fill(sw, unit, inputs)
    Scorecard.objects.filter(pk=card.pk).update(
        state=Scorecard.State.SUBMITTED, submitted_at=timezone.now()
    )
    card.refresh_from_db()
    return card


def resubmit(card: Scorecard) -> None:
    """RETURNED → SUBMITTED once answered (``scorecard_submit`` does it in the app)."""
    Scorecard.objects.filter(pk=card.pk).update(state=Scorecard.State.SUBMITTED)


def deputy_officer(world):  # type: ignore[no-untyped-def]
    return make_user("dung", role=Profile.Role.OFFICER, unit=world.deputy_unit)


def messages_of(info: pytest.ExceptionInfo) -> list[str]:
    return [str(message) for message in info.value.messages]


@pytest.fixture
def en():  # type: ignore[no-untyped-def]
    with translation.override("en"):
        yield


@pytest.fixture
def sw(world):  # type: ignore[no-untyped-def]
    return scoring_world(world)


def entry(sw, unit, code) -> Entry:  # type: ignore[no-untyped-def]
    return sw.entry(unit, code)


# Proposals and decisions ------------------------------------------------------------------


def test_the_head_s_proposal_is_the_decision_and_every_value_is_kept(world, sw):
    card = submit(sw, world.member_unit)
    before = card.final_total
    review = review_propose(
        actor=world.head_officer,
        entry=entry(sw, world.member_unit, "1"),
        role=HEAD,
        points="15,5",
        reason="Báo cáo thiếu số liệu quý IV.",
    )
    assert review.role == HEAD and review.reviewer_unit == world.h_new
    assert review.points == D("15.5")
    decided = entry(sw, world.member_unit, "1")
    assert decided.final_points == D("15.5")
    assert decided.final_by == world.head_officer
    assert decided.final_reason == "Báo cáo thiếu số liệu quý IV."
    card.refresh_from_db()
    assert card.final_total == before - D("2.5")
    assert card.self_total - card.final_total == D("2.5")  # the inflation
    history = list(EntryHistory.objects.filter(entry=decided).order_by("pk"))
    assert [(h.source, h.field, h.old_value, h.new_value) for h in history] == [
        ("review", "proposed_points:head", "", "15.5"),
        ("final", "final_points", "", "15.5"),
    ]
    assert history[0].actor == world.head_officer and history[0].reason
    assert ActionLog.objects.filter(action="scoring.verification.decided").count() == 1


def test_a_second_proposal_keeps_the_first_in_the_history(world, sw):
    submit(sw, world.member_unit)
    target = entry(sw, world.member_unit, "1")
    review_propose(actor=world.head_officer, entry=target, role=HEAD, points=15, reason="a")
    review_propose(actor=world.head_officer, entry=target, role=HEAD, points=16, reason="b")
    assert Review.objects.filter(entry=target).count() == 2
    values = list(
        EntryHistory.objects.filter(entry=target, source="review").values_list(
            "old_value", "new_value", "reason"
        )
    )
    assert values == [("", "15", "a"), ("15", "16", "b")]
    finals = list(
        EntryHistory.objects.filter(entry=target, source="final").values_list(
            "old_value", "new_value"
        )
    )
    assert finals == [("", "15"), ("15", "16")]


def test_a_reason_is_required_only_when_the_points_differ(world, sw, en):
    submit(sw, world.member_unit)
    target = entry(sw, world.member_unit, "1")
    with pytest.raises(ValidationError) as info:
        review_propose(actor=world.head_officer, entry=target, role=HEAD, points=12)
    assert info.value.message_dict["reason"] == [str(msg.REASON_REQUIRED % {"self": "18"})]
    review_propose(actor=world.head_officer, entry=target, role=HEAD, points=18)
    assert entry(sw, world.member_unit, "1").final_points == D(18)


def test_nothing_entered_counts_as_zero_for_the_reason(world, sw, en):
    submit(sw, world.member_unit, {"1": {"points": D(18)}})
    target = entry(sw, world.member_unit, "B")  # nothing entered: self points None
    assert target.self_points is None
    review_propose(actor=world.head_officer, entry=target, role=HEAD, points=0)
    with pytest.raises(ValidationError) as info:
        review_propose(actor=world.head_officer, entry=target, role=HEAD, points=1)
    assert info.value.message_dict["reason"] == [str(msg.REASON_REQUIRED % {"self": "0"})]


def test_points_stay_between_zero_and_the_criterion_s_maximum(world, sw, en):
    submit(sw, world.member_unit)
    target = entry(sw, world.member_unit, "1")
    with pytest.raises(ValidationError) as info:
        review_propose(actor=world.head_officer, entry=target, role=HEAD, points=21, reason="x")
    assert info.value.message_dict["points"] == [
        str(msg.POINTS_ABOVE_MAX % {"code": "1", "max": "20"})
    ]
    with pytest.raises(ValidationError) as info:
        review_propose(actor=world.head_officer, entry=target, role=HEAD, points=-1, reason="x")
    assert info.value.message_dict["points"] == [str(msg.POINTS_NEGATIVE)]
    with pytest.raises(ValidationError) as info:
        review_propose(actor=world.head_officer, entry=target, role=HEAD, points="", reason="x")
    assert info.value.message_dict["points"] == [str(msg.POINTS_REQUIRED)]
    with pytest.raises(ValidationError) as info:
        review_propose(actor=world.head_officer, entry=target, role=HEAD, points="abc")
    assert "points" in info.value.message_dict
    assert not Review.objects.exists()


def test_a_deduction_is_proposed_as_the_points_taken_off(world, sw):
    card = submit(sw, world.member_unit)
    review_propose(
        actor=world.head_officer,
        entry=entry(sw, world.member_unit, "D"),
        role=HEAD,
        points=6,
        reason="Ba vụ việc vi phạm, không phải một.",
    )
    after = Scorecard.objects.get(pk=card.pk)
    assert after.final_total == card.final_total - D(4)  # 2 → 6 points taken off


def test_nobody_verifies_as_a_role_they_do_not_hold(world, sw, en):
    submit(sw, world.member_unit)
    head_card = submit(sw, world.h_new)
    target = entry(sw, world.member_unit, "1")
    for actor, role in [
        (world.member_officer, HEAD),  # its own scorecard
        (world.head_officer, BOARD),
        (world.last_head_officer, PEER),  # not assigned
        (world.outsider_officer, HEAD),
        (world.other_board, BOARD),
    ]:
        with pytest.raises(ValidationError) as info:
            review_propose(actor=actor, entry=target, role=role, points=18)
        assert messages_of(info) == [
            str(msg.NOT_A_VERIFIER % {"role": str(Review.Role(role).label)})
        ]
    own = Entry.objects.get(scorecard=head_card, criterion__code="1")
    with pytest.raises(ValidationError):
        review_propose(actor=world.head_officer, entry=own, role=HEAD, points=18)
    assert not Review.objects.exists()


def test_the_deputy_advises_on_others_but_decides_on_the_head_s_scorecard(world, sw):
    dung = deputy_officer(world)
    submit(sw, world.member_unit)
    submit(sw, world.h_new)
    review_propose(
        actor=dung, entry=entry(sw, world.member_unit, "1"), role=DEPUTY, points=10, reason="x"
    )
    assert entry(sw, world.member_unit, "1").final_points is None
    review_propose(
        actor=dung, entry=entry(sw, world.h_new, "1"), role=DEPUTY, points=10, reason="y"
    )
    assert entry(sw, world.h_new, "1").final_points == D(10)


def test_the_deputy_does_not_verify_when_the_chain_says_so(world, en):
    sw = scoring_world(world, deputy_verifies=False)
    dung = deputy_officer(world)
    submit(sw, world.member_unit)
    with pytest.raises(ValidationError) as info:
        review_propose(actor=dung, entry=entry(sw, world.member_unit, "1"), role=DEPUTY, points=18)
    assert messages_of(info) == [str(msg.NOT_A_VERIFIER % {"role": "Deputy head"})]


def test_an_assigned_peer_proposes_and_its_proposal_is_advisory(world):
    sw = scoring_world(world, cross_scoring=True)
    card = submit(sw, world.member_unit)
    ReviewAssignment.objects.create(scorecard=card, reviewer_unit=world.h_old)
    review = review_propose(
        actor=world.last_head_officer,
        entry=entry(sw, world.member_unit, "1"),
        role=PEER,
        points=14,
        reason="Thiếu minh chứng.",
    )
    assert review.reviewer_unit == world.h_old
    assert entry(sw, world.member_unit, "1").final_points is None


def test_board_criteria_are_the_board_s_alone(world, en):
    sw = scoring_world(world, board_criteria=["D"], cross_scoring=True)
    card = submit(sw, world.member_unit)
    ReviewAssignment.objects.create(scorecard=card, reviewer_unit=world.h_old)
    dung = deputy_officer(world)
    deduction = entry(sw, world.member_unit, "D")
    for actor, role in [(world.head_officer, HEAD), (dung, DEPUTY)]:
        with pytest.raises(ValidationError) as info:
            review_propose(actor=actor, entry=deduction, role=role, points=2)
        assert messages_of(info) == [str(msg.BOARD_CRITERION % {"code": "D"})]
    review_propose(actor=world.last_head_officer, entry=deduction, role=PEER, points=4, reason="x")
    assert entry(sw, world.member_unit, "D").final_points is None
    review_propose(actor=world.board, entry=deduction, role=BOARD, points=8, reason="Không ký")
    decided = entry(sw, world.member_unit, "D")
    assert decided.final_points == D(8) and decided.final_by == world.board
    # The head still decides every other criterion.
    review_propose(
        actor=world.head_officer, entry=entry(sw, world.member_unit, "1"), role=HEAD, points=18
    )
    assert entry(sw, world.member_unit, "1").final_points == D(18)


def test_only_a_submitted_scorecard_is_verified(world, sw, en):
    card = fill(sw, world.member_unit)
    target = entry(sw, world.member_unit, "1")
    with pytest.raises(ValidationError) as info:
        review_propose(actor=world.head_officer, entry=target, role=HEAD, points=18)
    assert messages_of(info) == [str(msg.CARD_NOT_SUBMITTED % {"state": "self-scoring"})]
    Scorecard.objects.filter(pk=card.pk).update(state="returned")
    with pytest.raises(ValidationError) as info:
        review_propose(actor=world.board, entry=target, role=BOARD, points=18)
    assert messages_of(info) == [
        str(msg.CARD_NOT_SUBMITTED % {"state": "returned for explanation"})
    ]


def test_a_verified_scorecard_is_the_board_s(world, en):
    sw = scoring_world(world, board_finalises=True)
    card = submit(sw, world.member_unit)
    scorecard_finalise(actor=world.head_officer, scorecard=card, role=HEAD)
    target = entry(sw, world.member_unit, "1")
    with pytest.raises(ValidationError) as info:
        review_propose(actor=world.head_officer, entry=target, role=HEAD, points=18)
    assert messages_of(info) == [str(msg.CARD_VERIFIED_BOARD_ONLY)]
    review_propose(actor=world.board, entry=target, role=BOARD, points=17, reason="x")
    assert entry(sw, world.member_unit, "1").final_points == D(17)


def test_after_the_verification_deadline_only_the_board_changes_points(world, sw, en):
    submit(sw, world.member_unit)
    target = entry(sw, world.member_unit, "1")
    later = sw.period.verification_deadline + dt.timedelta(minutes=1)
    with pytest.raises(ValidationError) as info:
        review_propose(actor=world.head_officer, entry=target, role=HEAD, points=18, at=later)
    deadline = timezone.localtime(sw.period.verification_deadline).strftime("%d/%m/%Y %H:%M")
    assert messages_of(info) == [str(msg.VERIFICATION_DEADLINE_PASSED % {"deadline": deadline})]
    review_propose(actor=world.board, entry=target, role=BOARD, points=18, at=later)
    assert entry(sw, world.member_unit, "1").final_points == D(18)


def test_nothing_is_verified_in_a_closed_period(world, sw, en):
    submit(sw, world.member_unit)
    Period.objects.filter(pk=sw.period.pk).update(state=Period.State.CLOSED)
    with pytest.raises(ValidationError) as info:
        review_propose(
            actor=world.board, entry=entry(sw, world.member_unit, "1"), role=BOARD, points=18
        )
    assert messages_of(info) == [str(msg.PERIOD_NOT_OPEN)]


# Returning for an explanation --------------------------------------------------------------


def ask(world, sw, codes=("1", "D"), **extra):  # type: ignore[no-untyped-def]
    card = sw.card(world.member_unit)
    values = {
        "actor": world.head_officer,
        "scorecard": card,
        "role": HEAD,
        "entries": [entry(sw, world.member_unit, code) for code in codes],
        "question": "Đề nghị giải trình số liệu tiêu chí 1 và số vụ vi phạm.",
    } | extra
    return scorecard_return(**values)


def with_emails(world) -> None:  # type: ignore[no-untyped-def]
    for user in (world.head_officer, world.member_officer, world.member_leader, world.board):
        user.email = f"{user.username}@example.vn"
        user.save(update_fields=["email"])


def test_the_head_returns_a_scorecard_asking_named_criteria(
    world, sw, django_capture_on_commit_callbacks, mailoutbox
):
    with_emails(world)
    submit(sw, world.member_unit)
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(world, sw)
    card = sw.card(world.member_unit)
    assert card.state == Scorecard.State.RETURNED
    assert request.state == ExplanationRequest.State.OPEN
    assert request.deadline == sw.period.explanation_deadline
    assert sorted(request.entries.values_list("criterion__code", flat=True)) == ["1", "D"]
    assert request.requested_by == world.head_officer and request.requested_role == HEAD
    notes = Notification.objects.filter(key="scoring.verification.returned")
    assert {note.user for note in notes} == {world.member_officer, world.member_leader}
    assert "1, D" in notes[0].body and "Đề nghị giải trình" in notes[0].body
    assert notes[0].link == f"/scoring/scorecards/{card.pk}/explanations/{request.pk}/answer/"
    assert len(mailoutbox) == 1
    assert ActionLog.objects.filter(action="scoring.verification.returned").exists()


def test_a_return_needs_criteria_a_question_and_a_sensible_deadline(world, sw, en):
    submit(sw, world.member_unit)
    now = timezone.now()
    with pytest.raises(ValidationError) as info:
        ask(world, sw, codes=(), question="  ", deadline=now - dt.timedelta(hours=1))
    errors = info.value.message_dict
    assert errors["entries"] == [str(msg.RETURN_NO_ENTRIES)]
    assert errors["question"] == [str(msg.QUESTION_REQUIRED)]
    assert errors["deadline"] == [str(msg.DEADLINE_IN_PAST)]
    with pytest.raises(ValidationError) as info:
        ask(world, sw, deadline=sw.period.explanation_deadline + dt.timedelta(days=1))
    latest = timezone.localtime(sw.period.explanation_deadline).strftime("%d/%m/%Y %H:%M")
    assert info.value.message_dict["deadline"] == [
        str(msg.DEADLINE_AFTER_PERIOD % {"deadline": latest})
    ]
    submit(sw, world.deputy_unit)
    stranger = entry(sw, world.deputy_unit, "1")
    with pytest.raises(ValidationError) as info:
        ask(world, sw, entries=[stranger])
    assert info.value.message_dict["entries"] == [str(msg.ENTRY_OTHER_CARD % {"code": "1"})]
    assert sw.card(world.member_unit).state == Scorecard.State.SUBMITTED
    assert not ExplanationRequest.objects.exists()


def test_only_a_decider_returns_a_scorecard(world, en):
    sw = scoring_world(world, cross_scoring=True)
    card = submit(sw, world.member_unit)
    ReviewAssignment.objects.create(scorecard=card, reviewer_unit=world.h_old)
    dung = deputy_officer(world)
    for actor, role in [(dung, DEPUTY), (world.last_head_officer, PEER)]:
        with pytest.raises(ValidationError) as info:
            ask(world, sw, actor=actor, role=role)
        assert messages_of(info) == [
            str(msg.NOT_A_RETURNER % {"role": str(Review.Role(role).label)})
        ]
    request = ask(world, sw, actor=world.board, role=BOARD)
    assert request.requested_role == BOARD


def test_a_return_is_refused_in_the_wrong_state(world, en):
    sw = scoring_world(world, board_finalises=True)
    fill(sw, world.member_unit)
    with pytest.raises(ValidationError) as info:
        ask(world, sw)
    assert messages_of(info) == [str(msg.CANNOT_RETURN % {"state": "self-scoring"})]
    card = submit(sw, world.member_unit)
    ask(world, sw)
    with pytest.raises(ValidationError) as info:
        ask(world, sw)
    assert messages_of(info) == [str(msg.CANNOT_RETURN % {"state": "returned for explanation"})]
    ExplanationRequest.objects.all().delete()
    resubmit(card)
    scorecard_finalise(actor=world.head_officer, scorecard=card, role=HEAD)
    with pytest.raises(ValidationError) as info:
        ask(world, sw)
    assert messages_of(info) == [str(msg.CARD_VERIFIED_BOARD_ONLY)]
    request = ask(world, sw, actor=world.board, role=BOARD)  # VERIFIED → RETURNED
    assert request.scorecard.state == Scorecard.State.RETURNED


# Answers ----------------------------------------------------------------------------------


def evidence(card, number="12/BC-UBND", **extra) -> Evidence:  # type: ignore[no-untyped-def]
    return Evidence.objects.create(
        scorecard=card, kind=Evidence.Kind.DOCUMENT, doc_number=number, **extra
    )


def test_the_unit_answers_with_evidence_and_the_verifier_is_told(
    world, sw, django_capture_on_commit_callbacks
):
    submit(sw, world.member_unit)
    request = ask(world, sw, actor=world.board, role=BOARD)
    report = evidence(sw.card(world.member_unit), title="Báo cáo quý IV")
    with django_capture_on_commit_callbacks(execute=True):
        answered = explanation_answer(
            actor=world.member_officer,
            request=request,
            answer="Số liệu quý IV đã bổ sung trong báo cáo 12/BC-UBND.",
            evidence=[report],
        )
    assert answered.state == ExplanationRequest.State.ANSWERED
    assert answered.answered_by == world.member_officer
    assert list(answered.answer_evidence.all()) == [report]
    rows = EntryHistory.objects.filter(source="explanation").order_by("entry__criterion__order")
    assert [row.entry.criterion.code for row in rows] == ["1", "D"]
    assert rows[0].new_value.startswith("Số liệu quý IV") and "12/BC-UBND" in rows[0].new_value
    assert rows[0].reason == request.question and rows[0].actor == world.member_officer
    notified = {n.user for n in Notification.objects.filter(key="scoring.verification.answered")}
    assert notified == {world.board, world.head_officer}  # who asked + the head unit
    # The scorecard waits for the unit to submit it again.
    assert sw.card(world.member_unit).state == Scorecard.State.RETURNED


def test_only_the_unit_answers_an_open_request_before_its_deadline(world, sw, en):
    submit(sw, world.member_unit)
    request = ask(world, sw)
    with pytest.raises(ValidationError) as info:
        explanation_answer(actor=world.head_officer, request=request, answer="x")
    assert messages_of(info) == [str(msg.NOT_THE_UNIT % {"unit": world.member_unit.name})]
    with pytest.raises(ValidationError) as info:
        explanation_answer(actor=world.member_officer, request=request, answer="   ")
    assert info.value.message_dict["answer"] == [str(msg.ANSWER_REQUIRED)]
    late = request.deadline + dt.timedelta(minutes=1)
    with pytest.raises(ValidationError) as info:
        explanation_answer(actor=world.member_leader, request=request, answer="x", at=late)
    deadline = timezone.localtime(request.deadline).strftime("%d/%m/%Y %H:%M")
    assert messages_of(info) == [str(msg.ANSWER_DEADLINE_PASSED % {"deadline": deadline})]
    # The board reopened the scorecard: a late answer is taken.
    Scorecard.objects.filter(pk=request.scorecard_id).update(
        reopened_until=late + dt.timedelta(days=1)
    )
    explanation_answer(actor=world.member_leader, request=request, answer="Đã bổ sung.", at=late)
    with pytest.raises(ValidationError) as info:
        explanation_answer(actor=world.member_leader, request=request, answer="Lần hai.")
    assert messages_of(info) == [str(msg.REQUEST_NOT_OPEN)]


def test_an_answer_s_evidence_is_the_unit_s_own_and_not_withdrawn(world, sw, en):
    submit(sw, world.member_unit)
    other = submit(sw, world.deputy_unit)
    request = ask(world, sw)
    with pytest.raises(ValidationError) as info:
        explanation_answer(
            actor=world.member_officer, request=request, answer="x", evidence=[evidence(other)]
        )
    assert info.value.message_dict["evidence"] == [str(msg.EVIDENCE_OTHER_CARD)]
    gone = evidence(sw.card(world.member_unit), withdrawn_at=timezone.now())
    with pytest.raises(ValidationError) as info:
        explanation_answer(actor=world.member_officer, request=request, answer="x", evidence=[gone])
    assert info.value.message_dict["evidence"] == [
        str(msg.EVIDENCE_WITHDRAWN % {"evidence": "12/BC-UBND"})
    ]
    request.refresh_from_db()
    assert request.state == ExplanationRequest.State.OPEN and request.answer == ""


# Deciding after an explanation ------------------------------------------------------------


def answered(world, sw):  # type: ignore[no-untyped-def]
    submit(sw, world.member_unit)
    request = ask(world, sw)
    explanation_answer(actor=world.member_officer, request=request, answer="Đã có báo cáo.")
    resubmit(sw.card(world.member_unit))
    return request


def test_deciding_every_named_criterion_settles_the_request(world, sw):
    request = answered(world, sw)
    entry_decide(
        actor=world.head_officer, entry=entry(sw, world.member_unit, "1"), role=HEAD, points=18
    )
    request.refresh_from_db()
    assert request.state == ExplanationRequest.State.ANSWERED
    entry_decide(
        actor=world.head_officer,
        entry=entry(sw, world.member_unit, "D"),
        role=HEAD,
        points=4,
        reason="Giải trình chưa thuyết phục.",
    )
    request.refresh_from_db()
    assert request.state == ExplanationRequest.State.DECIDED
    assert request.decided_by == world.head_officer and request.decided_at is not None


def test_only_a_decider_decides(world, sw, en):
    answered(world, sw)
    dung = deputy_officer(world)
    with pytest.raises(ValidationError) as info:
        entry_decide(actor=dung, entry=entry(sw, world.member_unit, "1"), role=DEPUTY, points=18)
    assert messages_of(info) == [
        str(
            msg.NOT_A_DECIDER
            % {"role": "Deputy head", "code": "1", "deciders": "Cluster head, Emulation board"}
        )
    ]


def test_an_explained_criterion_is_decided_after_the_verification_deadline(world, sw, en):
    answered(world, sw)
    later = sw.period.verification_deadline + dt.timedelta(hours=1)
    entry_decide(
        actor=world.head_officer,
        entry=entry(sw, world.member_unit, "1"),
        role=HEAD,
        points=18,
        at=later,
    )
    with pytest.raises(ValidationError):
        review_propose(
            actor=world.head_officer,
            entry=entry(sw, world.member_unit, "2"),
            role=HEAD,
            points=10,
            at=later,
        )


# Finalising -----------------------------------------------------------------------------


def test_the_head_finalises_and_undecided_entries_keep_the_unit_s_points(
    world, sw, django_capture_on_commit_callbacks
):
    card = submit(sw, world.member_unit, {k: v for k, v in INPUTS.items() if k != "B"})
    review_propose(
        actor=world.head_officer,
        entry=entry(sw, world.member_unit, "1"),
        role=HEAD,
        points=15,
        reason="Thiếu số liệu.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        final = scorecard_finalise(actor=world.head_officer, scorecard=card, role=HEAD)
    assert final.state == Scorecard.State.FINALISED
    assert final.finalised_by == world.head_officer and final.finalised_at
    entries = {
        e.criterion.code: e
        for e in Entry.objects.filter(scorecard=card).select_related("criterion")
    }
    assert entries["1"].final_points == D(15) and entries["1"].final_reason == "Thiếu số liệu."
    assert entries["2"].final_points == entries["2"].self_points == D(10)
    assert entries["B"].final_points == D(0)  # nothing entered
    confirmed = EntryHistory.objects.filter(entry=entries["2"], source="final").get()
    assert confirmed.new_value == "10" and confirmed.actor == world.head_officer
    with translation.override("vi"):
        assert confirmed.reason == str(msg.FINAL_CONFIRMED_REASON)
    assert final.final_total == card.self_total - D(3)
    notes = Notification.objects.filter(key="scoring.verification.finalised")
    assert {n.user for n in notes} == {world.member_officer, world.member_leader}
    log = ActionLog.objects.get(action="scoring.verification.finalised")
    assert log.data["state"] == {"old": "submitted", "new": "finalised"}


def test_with_the_board_finalising_the_head_verifies_first(
    world, django_capture_on_commit_callbacks
):
    sw = scoring_world(world, board_finalises=True)
    card = submit(sw, world.member_unit)
    with django_capture_on_commit_callbacks(execute=True):
        verified = scorecard_finalise(actor=world.head_officer, scorecard=card, role=HEAD)
    assert verified.state == Scorecard.State.VERIFIED
    assert verified.head_finalised_by == world.head_officer and verified.finalised_at is None
    assert Entry.objects.filter(scorecard=card, final_points__isnull=False).count() == 0
    assert Notification.objects.filter(
        key="scoring.verification.verified", user=world.board
    ).exists()
    final = scorecard_finalise(actor=world.board, scorecard=card, role=BOARD)
    assert final.state == Scorecard.State.FINALISED and final.finalised_by == world.board
    assert Entry.objects.filter(scorecard=card, final_points__isnull=True).count() == 0


def test_the_board_may_finalise_a_submitted_scorecard_directly(world):
    sw = scoring_world(world, board_finalises=True)
    card = submit(sw, world.member_unit)
    final = scorecard_finalise(actor=world.board, scorecard=card, role=BOARD)
    assert final.state == Scorecard.State.FINALISED


def test_the_deputy_finalises_the_head_s_scorecard_and_no_other(world, sw, en):
    dung = deputy_officer(world)
    head_card = submit(sw, world.h_new)
    member_card = submit(sw, world.member_unit)
    with pytest.raises(ValidationError) as info:
        scorecard_finalise(actor=dung, scorecard=member_card, role=DEPUTY)
    assert messages_of(info) == [str(msg.NOT_A_FINALISER % {"role": "Deputy head"})]
    with pytest.raises(ValidationError) as info:
        scorecard_finalise(actor=world.head_officer, scorecard=head_card, role=HEAD)
    assert messages_of(info) == [str(msg.NOT_A_VERIFIER % {"role": "Cluster head"})]
    assert scorecard_finalise(actor=dung, scorecard=head_card, role=DEPUTY).is_final


def test_finalising_waits_for_answers_and_decisions(world, sw, en):
    request = answered(world, sw)
    card = sw.card(world.member_unit)
    with pytest.raises(ValidationError) as info:
        scorecard_finalise(actor=world.head_officer, scorecard=card, role=HEAD)
    assert messages_of(info) == [str(msg.REQUESTS_PENDING % {"count": 1})]
    for code in ("1", "D"):
        entry_decide(
            actor=world.head_officer, entry=entry(sw, world.member_unit, code), role=HEAD,
            points=entry(sw, world.member_unit, code).self_points,
        )  # fmt: skip
    request.refresh_from_db()
    assert request.state == ExplanationRequest.State.DECIDED
    assert scorecard_finalise(actor=world.head_officer, scorecard=card, role=HEAD).is_final


def test_the_head_cannot_finalise_before_the_board_appraised_its_criteria(world, en):
    sw = scoring_world(world, board_criteria=["D"])
    card = submit(sw, world.member_unit)
    with pytest.raises(ValidationError) as info:
        scorecard_finalise(actor=world.head_officer, scorecard=card, role=HEAD)
    assert messages_of(info) == [str(msg.BOARD_CRITERIA_PENDING % {"codes": "D"})]
    review_propose(actor=world.board, entry=entry(sw, world.member_unit, "D"), role=BOARD, points=2)
    assert scorecard_finalise(actor=world.head_officer, scorecard=card, role=HEAD).is_final


def test_finalising_is_refused_in_the_wrong_state(world, sw, en):
    card = fill(sw, world.member_unit)
    with pytest.raises(ValidationError) as info:
        scorecard_finalise(actor=world.head_officer, scorecard=card, role=HEAD)
    assert messages_of(info) == [str(msg.CANNOT_FINALISE % {"state": "self-scoring"})]
    resubmit(card)
    scorecard_finalise(actor=world.head_officer, scorecard=card, role=HEAD)
    with pytest.raises(ValidationError) as info:
        scorecard_finalise(actor=world.board, scorecard=card, role=BOARD)
    assert messages_of(info) == [str(msg.CARD_FINAL)]


# A final scorecard never changes ----------------------------------------------------------


def test_nothing_of_a_final_scorecard_changes(world, sw, en):
    card = submit(sw, world.member_unit)
    other = submit(sw, world.deputy_unit)
    target = entry(sw, world.member_unit, "1")
    proposal = review_propose(actor=world.head_officer, entry=target, role=HEAD, points=18)
    scorecard_finalise(actor=world.board, scorecard=card, role=BOARD)
    target.refresh_from_db()
    with pytest.raises(ValidationError) as info:
        review_propose(actor=world.board, entry=target, role=BOARD, points=1, reason="x")
    assert messages_of(info) == [str(msg.CARD_FINAL)]
    # Below the services: the guard refuses any save of an entry or a proposal.
    target.points = D(1)
    with pytest.raises(ValidationError) as info:
        target.save()
    assert messages_of(info) == [str(msg.CARD_FINAL)]
    with pytest.raises(ValidationError):
        Review.objects.create(entry=target, role=BOARD, reviewer=world.board, points=D(1))
    with pytest.raises(ValidationError), transaction.atomic():
        proposal.delete()
    proposal.points = D(2)
    with pytest.raises(ValidationError):
        proposal.save()
    assert entry(sw, world.member_unit, "1").points == D(18)
    with pytest.raises(ValidationError) as info:
        ask(world, sw, actor=world.board, role=BOARD)
    assert messages_of(info) == [str(msg.CARD_FINAL)]
    # Other scorecards are not affected.
    review_propose(
        actor=world.head_officer, entry=Entry.objects.get(scorecard=other, criterion__code="1"),
        role=HEAD, points=18,
    )  # fmt: skip
