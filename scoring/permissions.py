"""Who may see and change a scoring table (rubric).

A cluster's rubric: board staff and the head unit's people (while the year is
open) edit it until it is frozen; every member unit's people read it. A
template of the organizer's library: board staff only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from clusters.models import ClusterYear
from clusters.permissions import current_organizer
from clusters.roles import (
    Role,
    can_act_as_head,
    is_board_of,
    is_superseded,
    profile_of,
    roles_for,
)
from scoring.models import Period, Review, ReviewAssignment, Rubric, Scorecard

RubricAction = Literal["view", "edit", "manage"]


def rubric_for_user(
    request: HttpRequest, pk: int, action: RubricAction = "view"
) -> tuple[Rubric, frozenset[Role]]:
    """The rubric and the user's roles in its year (board only for templates).

    view: board, members of the year; edit (criteria, settings; refused once
    frozen by the services) and manage (freeze, new version, PDF): board, or the
    head of an open year.
    """
    rubric = get_object_or_404(
        Rubric.objects.select_related(
            "organizer", "cluster_year__cluster", "cluster_year__head_unit"
        ),
        pk=pk,
    )
    organizer = current_organizer(request)
    if organizer is None or organizer.pk != rubric.organizer_id:
        raise Http404
    if rubric.is_template:
        if not is_board_of(request.user, rubric.organizer_id):
            raise Http404
        return rubric, frozenset({Role.BOARD})
    roles = roles_for(request.user, rubric.cluster_year)
    if not roles:
        raise Http404
    if action != "view" and not can_act_as_head(roles, rubric.cluster_year):
        raise PermissionDenied
    return rubric, roles


# Periods and scorecards --------------------------------------------------------------

PeriodAction = Literal["view", "manage", "board"]
ScorecardAction = Literal["view", "edit", "verify", "finalise", "board"]


def period_for_user(
    request: HttpRequest, pk: int, action: PeriodAction = "view"
) -> tuple[Period, frozenset[Role]]:
    """The scoring period and the user's roles in its year.

    view: board, members of the year; manage (create, deadlines, open, cross-scoring
    assignments): board, or the head of an open year; board: board staff only
    (reopening a late unit)."""
    period = get_object_or_404(
        Period.objects.select_related(
            "cluster_year__cluster__organizer",
            "cluster_year__head_unit",
            "cluster_year__deputy_unit",
            "rubric",
        ),
        pk=pk,
    )
    organizer = current_organizer(request)
    if organizer is None or organizer.pk != period.cluster_year.cluster.organizer_id:
        raise Http404
    roles = roles_for(request.user, period.cluster_year)
    if not roles:
        raise Http404
    if action == "manage" and not can_act_as_head(roles, period.cluster_year):
        raise PermissionDenied
    if action == "board" and Role.BOARD not in roles:
        raise PermissionDenied
    return period, roles


@dataclass(frozen=True)
class ScorecardAccess:
    """What the user may do with one scorecard.

    own: the user's unit is the scorecard's unit (its people self-score);
    verifier_roles: as whom the user verifies it (``Review.Role`` values)."""

    scorecard: Scorecard
    roles: frozenset[Role]
    own: bool
    verifier_roles: frozenset[str]

    @property
    def can_verify(self) -> bool:
        return bool(self.verifier_roles)

    @property
    def can_finalise(self) -> bool:
        return bool(self.verifier_roles & finaliser_roles(self.scorecard))

    @property
    def is_board(self) -> bool:
        return Role.BOARD in self.roles


def finaliser_roles(scorecard: Scorecard) -> frozenset[str]:
    """Who finalises: the head, or for the head unit's own scorecard the deputy;
    the board always may."""
    cluster_year = scorecard.period.cluster_year
    if scorecard.unit_id == cluster_year.head_unit_id:
        return frozenset({Review.Role.DEPUTY, Review.Role.BOARD})
    return frozenset({Review.Role.HEAD, Review.Role.BOARD})


def verifier_roles(user, scorecard: Scorecard, roles: frozenset[Role]) -> frozenset[str]:  # type: ignore[no-untyped-def]
    """As whom ``user`` verifies ``scorecard``: never their own unit's scorecard."""
    period = scorecard.period
    cluster_year = period.cluster_year
    found: set[str] = set()
    if Role.BOARD in roles:
        found.add(Review.Role.BOARD)
    profile = profile_of(user)
    unit_id = profile.unit_id if profile else None
    if unit_id is None or unit_id == scorecard.unit_id:
        return frozenset(found)
    if can_act_as_head(roles - {Role.BOARD}, cluster_year) and Role.HEAD in roles:
        found.add(Review.Role.HEAD)
    if (
        Role.DEPUTY in roles
        and period.deputy_verifies
        and cluster_year.is_open
        and not is_superseded(cluster_year)
    ):
        found.add(Review.Role.DEPUTY)
    if (
        period.cross_scoring
        and cluster_year.is_open
        and ReviewAssignment.objects.filter(scorecard=scorecard, reviewer_unit_id=unit_id).exists()
    ):
        found.add(Review.Role.PEER)
    return frozenset(found)


def scorecard_for_user(
    request: HttpRequest, pk: int, action: ScorecardAction = "view"
) -> ScorecardAccess:
    """The scorecard, if the user may see it, and what they may do with it.

    view: the unit's own people; its verifiers (head, deputy, assigned peers, board);
    once the period's results are published, every member of the year. A unit never
    sees another unit's scorecard before that (404, as if it did not exist).
    edit: the unit's own people (state and deadline checked by the services).
    verify: a verifier; finalise: see ``finaliser_roles``; board: board staff."""
    # Two small joins rather than one of nine tables: PostgreSQL spends longer planning
    # a nine-way join (about 5 ms) than running both of these, and every row save of
    # the scorecard page passes here.
    scorecard = get_object_or_404(Scorecard.objects.select_related("unit", "period__rubric"), pk=pk)
    cluster_year = ClusterYear.objects.select_related("cluster").get(
        pk=scorecard.period.cluster_year_id
    )
    scorecard.period.cluster_year = cluster_year
    organizer = current_organizer(request)
    if organizer is None or organizer.pk != cluster_year.cluster.organizer_id:
        raise Http404
    roles = roles_for(request.user, cluster_year)
    profile = profile_of(request.user)
    own = bool(profile and profile.unit_id == scorecard.unit_id)
    verifying = verifier_roles(request.user, scorecard, roles)
    published = scorecard.period.published_at is not None and bool(roles)
    if not (own or verifying or published):
        raise Http404
    access = ScorecardAccess(scorecard=scorecard, roles=roles, own=own, verifier_roles=verifying)
    allowed = {
        "view": True,
        "edit": own,
        "verify": access.can_verify,
        "finalise": access.can_finalise,
        "board": access.is_board,
    }[action]
    if not allowed:
        raise PermissionDenied
    return access


# Secret ballots ------------------------------------------------------------------------

BallotAction = Literal["view", "manage", "vote"]


def ballot_for_user(request: HttpRequest, pk: int, action: BallotAction = "view"):  # type: ignore[no-untyped-def]
    """The ballot and the user's roles in its year.

    view: board, members of the year (counts only after closing); manage (prepare,
    open, close, next round): board, or the head of an open year; vote: a member
    unit's leader."""
    from scoring.models import Ballot

    ballot = get_object_or_404(
        Ballot.objects.select_related(
            "cluster_year__cluster__organizer",
            "cluster_year__head_unit",
            "cluster_year__deputy_unit",
        ),
        pk=pk,
    )
    organizer = current_organizer(request)
    if organizer is None or organizer.pk != ballot.cluster_year.cluster.organizer_id:
        raise Http404
    roles = roles_for(request.user, ballot.cluster_year)
    if not roles:
        raise Http404
    if action == "manage" and not can_act_as_head(roles, ballot.cluster_year):
        raise PermissionDenied
    if action == "vote" and Role.MEMBER_LEADER not in roles:
        raise PermissionDenied
    return ballot, roles


# Nominations ----------------------------------------------------------------------------

NominationAction = Literal["view", "manage", "upload"]


def nomination_sent(nomination: object | None) -> bool:
    """Sent and not returned: submitted or accepted (a returned nomination is the head's
    again, seen as before sending)."""
    from scoring.models import Nomination

    return nomination is not None and getattr(nomination, "state", None) in (
        Nomination.State.SUBMITTED,
        Nomination.State.ACCEPTED,
    )


@dataclass(frozen=True)
class NominationAccess:
    """The year-end period, its nomination (None before it is prepared) and what the
    user may do: manage (the head of an open year, or the board) or upload an
    achievement report (an officer or leader of a nominated unit)."""

    period: Period
    nomination: object | None
    roles: frozenset[Role]
    can_manage: bool
    nominated_unit_id: int | None

    @property
    def is_board(self) -> bool:
        return Role.BOARD in self.roles

    @property
    def sees_dossier(self) -> bool:
        """Every piece of the dossier: board, head, deputy; everyone once it is sent
        (before that a nominated unit sees only its own uploads)."""
        sent = nomination_sent(self.nomination)
        return sent or bool(self.roles & {Role.BOARD, Role.HEAD, Role.DEPUTY})


def nomination_for_user(
    request: HttpRequest, pk: int, action: NominationAction = "view"
) -> NominationAccess:
    """The nomination page of the year-end period ``pk``.

    view: board, the head and the deputy of the year; a nominated unit (to upload its
    achievement report); every member of the year once the nomination has been sent.
    manage: board, or the head of an open year. upload: manage, or a nominated unit."""
    from scoring.models import Nomination

    period = get_object_or_404(
        Period.objects.select_related(
            "cluster_year__cluster__organizer",
            "cluster_year__head_unit",
            "cluster_year__deputy_unit",
        ),
        pk=pk,
        kind=Period.Kind.YEAR_END,
    )
    cluster_year = period.cluster_year
    organizer = current_organizer(request)
    if organizer is None or organizer.pk != cluster_year.cluster.organizer_id:
        raise Http404
    roles = roles_for(request.user, cluster_year)
    if not roles:
        raise Http404
    nomination = Nomination.objects.filter(period=period).first()
    can_manage = can_act_as_head(roles, cluster_year)
    profile = profile_of(request.user)
    nominated = None
    if (
        nomination is not None
        and profile is not None
        and profile.unit_id is not None
        and nomination.nominees.filter(unit_id=profile.unit_id).exists()
    ):
        nominated = profile.unit_id
    sent = nomination_sent(nomination)
    sees = (
        Role.BOARD in roles
        or Role.HEAD in roles
        or Role.DEPUTY in roles
        or nominated is not None
        or sent
    )
    if not sees:
        raise Http404
    if action == "manage" and not can_manage:
        raise PermissionDenied
    if action == "upload" and not (can_manage or nominated is not None):
        raise PermissionDenied
    return NominationAccess(
        period=period,
        nomination=nomination,
        roles=roles,
        can_manage=can_manage,
        nominated_unit_id=nominated,
    )
