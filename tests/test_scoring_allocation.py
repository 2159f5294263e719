"""Cross-scoring: the allocation rule on its own (nobody scores itself, no two units score
each other when there are three or more, choices by hand kept, deterministic), and the
services that assign by hand, remove and allocate automatically."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from clusters.models import Profile
from clusters.roles import roles_for
from core.models import ActionLog
from scoring.models import Period, Review, ReviewAssignment, Scorecard
from scoring.permissions import verifier_roles
from scoring.services.messages import verification as msg
from scoring.services.periods import period_create, period_open
from scoring.services.verification import (
    allocation,
    assignment_remove,
    assignment_set,
    assignments_allocate,
    is_mutual,
    review_propose,
)
from tests.factories import (
    ClusterFactory,
    ClusterYearFactory,
    UnitFactory,
    add_members,
    make_user,
)
from tests.scoring_world import build_rubric, scoring_world
from tests.test_scoring_verification import submit


@pytest.fixture
def en():  # type: ignore[no-untyped-def]
    with translation.override("en"):
        yield


def messages_of(info: pytest.ExceptionInfo) -> list[str]:
    return [str(message) for message in info.value.messages]


def pairs(plan: dict[int, int], fixed: dict[int, set[int]] | None = None) -> set[tuple[int, int]]:
    """(scored, reviewer) for the plan and the fixed choices together."""
    result = set(plan.items())
    for scored, reviewers in (fixed or {}).items():
        result |= {(scored, reviewer) for reviewer in reviewers}
    return result


def mutual(all_pairs: set[tuple[int, int]]) -> set[frozenset[int]]:
    return {frozenset(pair) for pair in all_pairs if (pair[1], pair[0]) in all_pairs}


# The rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(3, 12))
def test_every_unit_is_scored_once_by_another_and_no_two_score_each_other(n):
    units = list(range(101, 101 + n))
    plan = allocation(units, {})
    assert set(plan) == set(units)
    assert all(scored != reviewer for scored, reviewer in plan.items())
    assert sorted(plan.values()) == units  # each unit scores exactly one other
    assert mutual(pairs(plan)) == set()


def test_it_is_the_shift_by_one_in_the_agreed_order():
    assert allocation([7, 3, 9, 1], {}) == {7: 1, 3: 7, 9: 3, 1: 9}


def test_with_two_units_they_can_only_score_each_other():
    assert allocation([5, 8], {}) == {5: 8, 8: 5}


def test_a_single_unit_gets_nobody():
    assert allocation([5], {}) == {}


def test_it_is_deterministic():
    units = [4, 9, 2, 7, 5, 1]
    fixed = {9: {5}}
    assert allocation(units, fixed) == allocation(list(units), {9: {5}})


@pytest.mark.parametrize("n", range(3, 8))
def test_choices_by_hand_are_kept_and_mutual_pairs_avoided(n):
    units = list(range(1, n + 1))
    for scored, reviewer in itertools.permutations(units, 2):
        fixed = {scored: {reviewer}}
        plan = allocation(units, fixed)
        assert scored not in plan  # the choice by hand stays
        assert set(plan) == set(units) - {scored}
        assert all(key != value for key, value in plan.items())
        assert mutual(pairs(plan, fixed)) == set(), (scored, reviewer, plan)


def test_skipped_units_keep_what_they_have():
    plan = allocation([1, 2, 3, 4], {}, skip=[2])
    assert 2 not in plan and set(plan) == {1, 3, 4}


# The services -------------------------------------------------------------------------------


@pytest.fixture
def sw(world):  # type: ignore[no-untyped-def]
    return scoring_world(world, cross_scoring=True)


def card_of(sw, unit) -> Scorecard:  # type: ignore[no-untyped-def]
    return sw.card(unit)


def reviewers(sw) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        item.scorecard.unit.name: item.reviewer_unit.name
        for item in ReviewAssignment.objects.filter(scorecard__period=sw.period).select_related(
            "scorecard__unit", "reviewer_unit"
        )
    }


def test_automatic_allocation_follows_the_agreed_order(world, sw):
    created = assignments_allocate(actor=world.head_officer, period=sw.period)
    assert len(created) == 4
    # Order: Tây Sơn 1, Nam Sơn 2, Bắc Sơn 3, Đông Sơn 4 — each scores the next.
    assert reviewers(sw) == {
        "UBND huyện Nam Sơn": "UBND huyện Tây Sơn",
        "UBND huyện Bắc Sơn": "UBND huyện Nam Sơn",
        "UBND huyện Đông Sơn": "UBND huyện Bắc Sơn",
        "UBND huyện Tây Sơn": "UBND huyện Đông Sơn",
    }
    assert set(ReviewAssignment.objects.values_list("method", flat=True)) == {"automatic"}
    log = ActionLog.objects.get(action="scoring.assignment.allocated")
    assert log.data["assignments"] == 4 and log.data["mutual"] == 0


def test_allocating_again_replaces_automatic_choices_and_keeps_those_by_hand(world, sw):
    assignments_allocate(actor=world.board, period=sw.period)
    assignment_set(
        actor=world.head_officer,
        scorecard=card_of(sw, world.member_unit),
        reviewer_unit=world.h_new,
    )
    assignments_allocate(actor=world.board, period=sw.period)
    result = reviewers(sw)
    assert result["UBND huyện Bắc Sơn"] == "UBND huyện Tây Sơn"
    assert ReviewAssignment.objects.get(scorecard=card_of(sw, world.member_unit)).method == "manual"
    assert ReviewAssignment.objects.count() == 4
    assert all(scored != reviewer for scored, reviewer in result.items())
    names = set(result.items())
    assert not any((reviewer, scored) in names for scored, reviewer in names)


def test_a_final_scorecard_keeps_its_peer(world, sw):
    assignments_allocate(actor=world.board, period=sw.period)
    card = card_of(sw, world.member_unit)
    Scorecard.objects.filter(pk=card.pk).update(state=Scorecard.State.FINALISED)
    before = ReviewAssignment.objects.get(scorecard=card)
    assignments_allocate(actor=world.board, period=sw.period)
    assert ReviewAssignment.objects.get(scorecard=card).pk == before.pk


def test_by_hand_a_unit_never_scores_itself_nor_a_stranger(world, sw, en):
    card = card_of(sw, world.member_unit)
    with pytest.raises(ValidationError) as info:
        assignment_set(actor=world.head_officer, scorecard=card, reviewer_unit=world.member_unit)
    assert info.value.message_dict["reviewer_unit"] == [str(msg.ASSIGN_OWN_UNIT)]
    with pytest.raises(ValidationError) as info:
        assignment_set(actor=world.head_officer, scorecard=card, reviewer_unit=world.outsider_unit)
    assert info.value.message_dict["reviewer_unit"] == [
        str(msg.ASSIGN_NOT_MEMBER % {"unit": world.outsider_unit.name})
    ]
    assert not ReviewAssignment.objects.exists()


def test_by_hand_a_new_peer_replaces_the_old_and_mutual_pairs_are_flagged(world, sw):
    card = card_of(sw, world.member_unit)
    first = assignment_set(actor=world.head_officer, scorecard=card, reviewer_unit=world.h_old)
    assert first.mutual is False
    second = assignment_set(
        actor=world.head_officer, scorecard=card, reviewer_unit=world.deputy_unit
    )
    assert list(ReviewAssignment.objects.filter(scorecard=card)) == [second]
    back = assignment_set(
        actor=world.head_officer,
        scorecard=card_of(sw, world.deputy_unit),
        reviewer_unit=world.member_unit,
    )
    assert back.mutual is True and is_mutual(back)  # allowed, but the page warns
    log = ActionLog.objects.filter(action="scoring.assignment.set").order_by("pk").last()
    assert log.data["mutual"] is True


def test_only_the_head_or_the_board_assign(world, sw, en):
    card = card_of(sw, world.member_unit)
    dung = make_user("dung", role=Profile.Role.OFFICER, unit=world.deputy_unit)
    for actor in (world.member_officer, dung, world.last_head_officer, world.other_board):
        with pytest.raises(ValidationError) as info:
            assignment_set(actor=actor, scorecard=card, reviewer_unit=world.h_old)
        assert messages_of(info) == [str(msg.NOT_HEAD_OR_BOARD)]
        with pytest.raises(ValidationError):
            assignments_allocate(actor=actor, period=sw.period)
    assert not ReviewAssignment.objects.exists()


def test_nothing_is_assigned_without_cross_scoring(world, en):
    sw = scoring_world(world)
    with pytest.raises(ValidationError) as info:
        assignments_allocate(actor=world.board, period=sw.period)
    assert messages_of(info) == [str(msg.CROSS_SCORING_OFF)]
    with pytest.raises(ValidationError) as info:
        assignment_set(
            actor=world.board, scorecard=sw.card(world.member_unit), reviewer_unit=world.h_old
        )
    assert messages_of(info) == [str(msg.CROSS_SCORING_OFF)]


def test_a_final_scorecard_s_peer_does_not_change(world, sw, en):
    card = card_of(sw, world.member_unit)
    assignment = assignment_set(actor=world.board, scorecard=card, reviewer_unit=world.h_old)
    Scorecard.objects.filter(pk=card.pk).update(state=Scorecard.State.FINALISED)
    with pytest.raises(ValidationError) as info:
        assignment_set(actor=world.board, scorecard=card, reviewer_unit=world.deputy_unit)
    assert messages_of(info) == [str(msg.ASSIGN_FINAL % {"unit": world.member_unit.name})]
    with pytest.raises(ValidationError):
        assignment_remove(actor=world.board, assignment=assignment)


def test_removing_a_peer_takes_its_right_to_verify(world, sw):
    card = submit(sw, world.member_unit)
    assignment = assignment_set(actor=world.head_officer, scorecard=card, reviewer_unit=world.h_old)
    roles = roles_for(world.last_head_officer, world.this_year)
    assert Review.Role.PEER in verifier_roles(world.last_head_officer, card, roles)
    review_propose(
        actor=world.last_head_officer,
        entry=sw.entry(world.member_unit, "2"),
        role="peer",
        points=10,
    )
    assignment_remove(actor=world.head_officer, assignment=assignment)
    assert not ReviewAssignment.objects.exists()
    assert Review.Role.PEER not in verifier_roles(world.last_head_officer, card, roles)
    assert Review.objects.count() == 1  # what it proposed stays
    assert ActionLog.objects.filter(action="scoring.assignment.removed").exists()


def test_allocation_needs_two_units(world, en):
    # A cluster of one member: nobody to score it.
    unit = UnitFactory(organizer=world.org, name="UBND huyện Độc Lập")
    cluster = ClusterFactory(organizer=world.org, name="Cụm một đơn vị")
    year = ClusterYearFactory(cluster=cluster, year=2024, head_unit=unit, deputy_unit=None)
    add_members(year, [unit])
    build_rubric(world, year)
    now = timezone.now()
    period = period_create(
        actor=world.board,
        cluster_year=year,
        kind=Period.Kind.YEAR_END,
        self_deadline=now + dt.timedelta(days=1),
        verification_deadline=now + dt.timedelta(days=2),
        explanation_deadline=now + dt.timedelta(days=3),
        cross_scoring=True,
    )
    period_open(actor=world.board, period=period)
    with pytest.raises(ValidationError) as info:
        assignments_allocate(actor=world.board, period=period)
    assert messages_of(info) == [str(msg.ALLOCATE_TOO_FEW)]
