"""Cross-scoring: the head (or the board) assigns each scorecard to another member
unit, by hand or automatically (``allocation``: a deterministic derangement without
mutual pairs when there are three units or more). Re-exported by
``scoring.services.verification``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clusters.models import Membership
from clusters.roles import can_act_as_head, roles_for
from core.audit import log_action
from scoring.models import Period, ReviewAssignment, Scorecard
from scoring.services.messages.verification import (
    ALLOCATE_TOO_FEW,
    ASSIGN_FINAL,
    ASSIGN_NOT_MEMBER,
    ASSIGN_OWN_UNIT,
    CROSS_SCORING_OFF,
    NOT_HEAD_OR_BOARD,
    PERIOD_NOT_OPEN,
)

S = Scorecard.State


def _lock_scorecard(pk: int) -> Scorecard:
    return (
        Scorecard.objects.select_for_update(of=("self",))
        .select_related("unit", "period__cluster_year__cluster")
        .get(pk=pk)
    )


def _scope(scorecard: Scorecard) -> int:
    return scorecard.period.cluster_year.cluster.organizer_id


def _require_head_or_board(actor: Any, period: Period) -> None:
    roles = roles_for(actor, period.cluster_year)
    if not can_act_as_head(roles, period.cluster_year):
        raise ValidationError(NOT_HEAD_OR_BOARD)


def _require_cross_scoring(period: Period) -> None:
    if period.state != Period.State.OPEN:
        raise ValidationError(PERIOD_NOT_OPEN)
    if not period.cross_scoring:
        raise ValidationError(CROSS_SCORING_OFF)


def is_mutual(assignment: ReviewAssignment) -> bool:
    """The two units score each other's scorecards."""
    return ReviewAssignment.objects.filter(
        scorecard__period_id=assignment.scorecard.period_id,
        scorecard__unit_id=assignment.reviewer_unit_id,
        reviewer_unit_id=assignment.scorecard.unit_id,
    ).exists()


def assignment_set(*, actor: Any, scorecard: Scorecard, reviewer_unit: Any) -> ReviewAssignment:
    """The head (or board) chooses the peer unit that scores ``scorecard``; it replaces
    the scorecard's previous peer. Mutual pairs are allowed (``is_mutual`` warns)."""
    with transaction.atomic():
        scorecard = _lock_scorecard(scorecard.pk)
        period = scorecard.period
        _require_cross_scoring(period)
        _require_head_or_board(actor, period)
        if scorecard.state == S.FINALISED:
            raise ValidationError(ASSIGN_FINAL, params={"unit": scorecard.unit.name})
        if reviewer_unit.pk == scorecard.unit_id:
            raise ValidationError({"reviewer_unit": ValidationError(ASSIGN_OWN_UNIT)})
        if not Membership.objects.filter(
            cluster_year_id=period.cluster_year_id, unit_id=reviewer_unit.pk
        ).exists():
            stranger = ValidationError(ASSIGN_NOT_MEMBER, params={"unit": reviewer_unit.name})
            raise ValidationError({"reviewer_unit": stranger})
        previous = list(
            ReviewAssignment.objects.filter(scorecard=scorecard).select_related("reviewer_unit")
        )
        kept = next((item for item in previous if item.reviewer_unit_id == reviewer_unit.pk), None)
        others = [item for item in previous if item is not kept]
        ReviewAssignment.objects.filter(pk__in=[item.pk for item in others]).delete()
        if kept is None:
            assignment = ReviewAssignment.objects.create(
                scorecard=scorecard,
                reviewer_unit=reviewer_unit,
                method=ReviewAssignment.Method.MANUAL,
                assigned_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        else:
            assignment = kept
            if assignment.method != ReviewAssignment.Method.MANUAL:
                assignment.method = ReviewAssignment.Method.MANUAL
                assignment.assigned_by = actor
                assignment.save(update_fields=["method", "assigned_by"])
        assignment.scorecard = scorecard
        mutual = is_mutual(assignment)
        log_action(
            actor=actor,
            action="scoring.assignment.set",
            obj=scorecard,
            scope_id=_scope(scorecard),
            data={
                "reviewer_unit": {
                    "old": ", ".join(item.reviewer_unit.name for item in others) or None,
                    "new": reviewer_unit.name,
                },
                "mutual": mutual,
            },
        )
    assignment.mutual = mutual  # type: ignore[attr-defined]
    return assignment


def assignment_remove(*, actor: Any, assignment: ReviewAssignment) -> None:
    with transaction.atomic():
        scorecard = _lock_scorecard(assignment.scorecard_id)
        _require_cross_scoring(scorecard.period)
        _require_head_or_board(actor, scorecard.period)
        if scorecard.state == S.FINALISED:
            raise ValidationError(ASSIGN_FINAL, params={"unit": scorecard.unit.name})
        assignment = (
            ReviewAssignment.objects.select_related("reviewer_unit")
            .filter(pk=assignment.pk, scorecard=scorecard)
            .first()
        )
        if assignment is None:
            return
        name = assignment.reviewer_unit.name
        assignment.delete()
        log_action(
            actor=actor,
            action="scoring.assignment.removed",
            obj=scorecard,
            scope_id=_scope(scorecard),
            data={"reviewer_unit": {"old": name, "new": None}},
        )


def allocation(
    units: list[int], fixed: dict[int, set[int]], skip: Iterable[int] = ()
) -> dict[int, int]:
    """Who scores whom: ``units`` in their stable order, ``fixed`` the reviewers already
    chosen by hand (scored unit → reviewer units), ``skip`` units to leave as they are.
    Returns scored unit → reviewer for every other unit without a fixed reviewer.

    Without fixed choices it is the shift by one (unit i scores unit i+1, the last the
    first): nobody scores itself, and with three units or more no two score each other.
    Fixed choices are honoured; each other unit then takes, among the units before it
    in the circle, the first that avoids a mutual pair, preferring the least loaded.
    Deterministic: the same input gives the same result."""
    n = len(units)
    result: dict[int, int] = {}
    if n < 2:
        return result
    skipped = set(skip)
    reviewers_of: dict[int, set[int]] = {unit: set(fixed.get(unit, set())) for unit in units}
    load: dict[int, int] = dict.fromkeys(units, 0)
    for chosen in reviewers_of.values():
        for reviewer in chosen:
            if reviewer in load:
                load[reviewer] += 1
    for index, unit in enumerate(units):
        if reviewers_of[unit] or unit in skipped:
            continue
        best: tuple[Any, ...] | None = None
        for distance in range(1, n):
            candidate = units[(index - distance) % n]
            mutual = unit in reviewers_of[candidate]
            key = (mutual, load[candidate], distance)
            if best is None or key < best[0]:
                best = (key, candidate)
        assert best is not None
        reviewer = best[1]
        result[unit] = reviewer
        reviewers_of[unit].add(reviewer)
        load[reviewer] += 1
    return result


def assignments_allocate(*, actor: Any, period: Period) -> list[ReviewAssignment]:
    """Allocate cross-scoring automatically (``allocation``): replaces the automatic
    assignments, keeps those chosen by hand and those of final scorecards."""
    with transaction.atomic():
        period = (
            Period.objects.select_for_update(of=("self",))
            .select_related("cluster_year__cluster")
            .get(pk=period.pk)
        )
        _require_cross_scoring(period)
        _require_head_or_board(actor, period)
        cards = list(Scorecard.objects.filter(period=period).select_related("unit"))
        if len(cards) < 2:
            raise ValidationError(ALLOCATE_TOO_FEW)
        order = {
            unit_id: (position, sort_key)
            for position, (unit_id, sort_key) in enumerate(
                Membership.objects.filter(cluster_year_id=period.cluster_year_id)
                .order_by("order", "unit__sort_key", "pk")
                .values_list("unit_id", "unit__sort_key")
            )
        }
        cards.sort(key=lambda card: (order.get(card.unit_id, (len(order), "")), card.unit_id))
        card_of = {card.unit_id: card for card in cards}
        final = {card.pk for card in cards if card.state == S.FINALISED}
        existing = list(ReviewAssignment.objects.filter(scorecard__period=period))
        stale = [
            item
            for item in existing
            if item.method == ReviewAssignment.Method.AUTOMATIC and item.scorecard_id not in final
        ]
        ReviewAssignment.objects.filter(pk__in=[item.pk for item in stale]).delete()
        stale_ids = {item.pk for item in stale}
        unit_of_card = {card.pk: card.unit_id for card in cards}
        fixed: dict[int, set[int]] = {}
        for item in existing:
            if item.pk not in stale_ids:
                fixed.setdefault(unit_of_card[item.scorecard_id], set()).add(item.reviewer_unit_id)
        # A final scorecard keeps what it had, even nothing.
        plan = allocation(
            [card.unit_id for card in cards],
            fixed,
            skip=[card.unit_id for card in cards if card.pk in final],
        )
        by = actor if getattr(actor, "is_authenticated", False) else None
        created = ReviewAssignment.objects.bulk_create(
            ReviewAssignment(
                scorecard=card_of[scored],
                reviewer_unit_id=reviewer,
                method=ReviewAssignment.Method.AUTOMATIC,
                assigned_by=by,
            )
            for scored, reviewer in plan.items()
        )
        pairs = {
            (scored, reviewer) for scored, reviewers in fixed.items() for reviewer in reviewers
        } | set(plan.items())
        mutual = sorted({tuple(sorted(pair)) for pair in pairs if (pair[1], pair[0]) in pairs})
        log_action(
            actor=actor,
            action="scoring.assignment.allocated",
            obj=period,
            scope_id=period.cluster_year.cluster.organizer_id,
            data={
                "assignments": len(created),
                "kept": len(existing) - len(stale),
                "mutual": len(mutual),
            },
        )
    return created
