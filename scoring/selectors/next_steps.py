"""What the signed-in user is expected to do next, by role (``clusters.roles``).

- board: nominations sent and waiting for review, scorecards waiting for the board to
  finalise, clusters behind schedule — all read from the year dashboard
  (``scoring.selectors.dashboard.year_dashboard``, its overdue rules, 7 queries) and the
  year it defaults to (1);
- head (and deputy, for verification): scorecards submitted and waiting for verification,
  answered explanations waiting for a decision, a ranking ready to publish, the
  nomination to send with its deadline;
- member officer: the unit's scorecard to self-score and submit (with its deadline),
  explanation requests to answer;
- member leader: the covenant to sign, ballots open for the unit's vote.

A member's list is read from the year's phase (``year_phase(..., unit_id=)``: 2 queries
for everything) plus 1 query for a leader while a ballot is open.

Each item is a Vietnamese sentence with its number, a link to the page where it is done
and its deadline if any. Only the user's own organizer, cluster year and unit are read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clusters.models import ClusterYear, Organizer, Profile
from clusters.roles import Role, is_board_of, profile_of
from covenants.models import Covenant
from scoring.models import Ballot, BallotVoter, Nomination, Scorecard
from scoring.selectors.dashboard import default_year, nomination_deadline, year_dashboard
from scoring.selectors.year_phase import YearPhase, year_phase


@dataclass
class Step:
    key: str
    text: str
    url: str
    deadline: dt.datetime | dt.date | None = None
    count: int = 1

    @property
    def overdue(self) -> bool:
        if self.deadline is None:
            return False
        if isinstance(self.deadline, dt.datetime):
            return timezone.now() > self.deadline
        return timezone.localdate() > self.deadline


def member_roles(user: Any, cluster_year: ClusterYear) -> frozenset[Role]:
    """``clusters.roles.roles_for`` for a cluster year already known to include the
    user's unit (it was found through the membership): no query."""
    profile = profile_of(user)
    if profile is None or profile.unit_id is None:
        return frozenset()
    roles = {Role.MEMBER_LEADER if profile.role == Profile.Role.LEADER else Role.MEMBER_OFFICER}
    if cluster_year.head_unit_id == profile.unit_id:
        roles.add(Role.HEAD)
    if cluster_year.deputy_unit_id == profile.unit_id:
        roles.add(Role.DEPUTY)
    return frozenset(roles)


# The board ------------------------------------------------------------------------------


def board_steps(organizer: Organizer, *, now: dt.datetime | None = None) -> list[Step]:
    now = now or timezone.now()
    year = default_year(organizer=organizer, today=timezone.localtime(now).date())
    board = year_dashboard(organizer=organizer, year=year, now=now)
    steps: list[Step] = []
    sent = sum(row.nomination_phase == "sent" for row in board.rows)
    if sent:
        steps.append(
            Step(
                key="board_nominations",
                text=ngettext(
                    "%(count)d award nomination is waiting for your review.",
                    "%(count)d award nominations are waiting for your review.",
                    sent,
                )
                % {"count": sent},
                url=reverse("board_nominations"),
                count=sent,
            )
        )
    # A verified card is one the head finalised where the board finalises after the head.
    verified = board.totals.cards.verified
    if verified:
        steps.append(
            Step(
                key="board_finalise",
                text=ngettext(
                    "%(count)d scorecard is waiting for the board to finalise it.",
                    "%(count)d scorecards are waiting for the board to finalise them.",
                    verified,
                )
                % {"count": verified},
                url=reverse("year_dashboard", args=[year]),
                count=verified,
            )
        )
    overdue = board.totals.overdue
    if overdue:
        steps.append(
            Step(
                key="board_overdue",
                text=ngettext(
                    "%(count)d cluster is behind its deadlines in %(year)d.",
                    "%(count)d clusters are behind their deadlines in %(year)d.",
                    overdue,
                )
                % {"count": overdue, "year": year},
                url=reverse("year_dashboard", args=[year]),
                count=overdue,
            )
        )
    return steps


# The head ---------------------------------------------------------------------------------


def _head_steps(phase: YearPhase, roles: frozenset[Role]) -> list[Step]:
    cluster_year = phase.cluster_year
    steps: list[Step] = []
    if not cluster_year.is_open:
        return steps
    verifier = Role.HEAD in roles or Role.DEPUTY in roles
    if verifier:
        for facts in phase.open_periods:
            # Their own unit's card is verified by the other one (head ↔ deputy).
            own_waiting = facts.own_state == Scorecard.State.SUBMITTED
            waiting = facts.cards.submitted - (1 if own_waiting else 0)
            if waiting:
                steps.append(
                    Step(
                        key="head_verify",
                        text=ngettext(
                            "%(count)d scorecard is waiting for your verification (%(period)s).",
                            "%(count)d scorecards are waiting for your verification (%(period)s).",
                            waiting,
                        )
                        % {"count": waiting, "period": facts.period.get_kind_display().lower()},
                        url=reverse("verify_period", args=[facts.period.pk]),
                        deadline=facts.period.verification_deadline,
                        count=waiting,
                    )
                )
        answered = sum(facts.answered for facts in phase.open_periods)
        if answered:
            card = next(f.answered_card for f in phase.open_periods if f.answered)
            steps.append(
                Step(
                    key="head_explanations",
                    text=ngettext(
                        "%(count)d explanation was answered and waits for your decision.",
                        "%(count)d explanations were answered and wait for your decision.",
                        answered,
                    )
                    % {"count": answered},
                    url=reverse("explanation_list", args=[card]),
                    count=answered,
                )
            )
    if Role.HEAD not in roles:
        return steps
    for facts in phase.open_periods:
        if facts.all_final:
            steps.append(
                Step(
                    key="head_publish",
                    text=_(
                        "Every scorecard of the %(period)s is final: the ranking is ready "
                        "to publish."
                    )
                    % {"period": facts.period.get_kind_display().lower()},
                    url=reverse("period_ranking", args=[facts.period.pk]),
                )
            )
    year_end = phase.year_end
    to_send = phase.nomination_state in (Nomination.State.DRAFT, Nomination.State.RETURNED) or (
        not phase.nomination_state and phase.ballot_settled
    )
    if year_end is not None and to_send:
        returned = phase.nomination_state == Nomination.State.RETURNED
        steps.append(
            Step(
                key="head_nomination",
                text=_("The award nomination was returned: correct it and send it again.")
                if returned
                else _("The award nomination is to be prepared and sent to the board."),
                url=reverse("nomination_detail", args=[year_end.period.pk]),
                deadline=nomination_deadline(phase.rules, cluster_year.year),
            )
        )
    return steps


# Members -----------------------------------------------------------------------------------


def _officer_steps(phase: YearPhase) -> list[Step]:
    """From the unit's own cards of the open periods (``year_phase(..., unit_id=)``)."""
    steps: list[Step] = []
    asked, asked_card, asked_by = 0, None, None
    for facts in phase.open_periods:
        if facts.own_card is None:
            continue
        if facts.own_asked:
            asked += facts.own_asked
            asked_card = asked_card or facts.own_card
            asked_by = min(filter(None, (asked_by, facts.own_asked_by)))
        if facts.own_state != Scorecard.State.DRAFT:
            continue
        period = facts.period
        deadline = period.self_deadline
        if facts.own_reopened_until is not None and facts.own_reopened_until > deadline:
            deadline = facts.own_reopened_until
        steps.append(
            Step(
                key="officer_scorecard",
                text=_("Your unit's scorecard (%(period)s) is to be self-scored and submitted.")
                % {"period": period.get_kind_display().lower()},
                url=reverse("scorecard_detail", args=[facts.own_card]),
                deadline=deadline,
            )
        )
    if phase.unit_report_due:
        steps.append(
            Step(
                key="officer_report",
                text=_(
                    "Your unit is proposed for an award: upload its achievement report to "
                    "the nomination."
                ),
                url=reverse("nomination_detail", args=[phase.unit_report_due]),
            )
        )
    if asked:
        steps.append(
            Step(
                key="officer_explanations",
                text=ngettext(
                    "%(count)d explanation request is waiting for your unit's answer.",
                    "%(count)d explanation requests are waiting for your unit's answer.",
                    asked,
                )
                % {"count": asked},
                url=reverse("explanation_list", args=[asked_card]),
                deadline=asked_by,
                count=asked,
            )
        )
    return steps


def _leader_steps(phase: YearPhase, unit_id: int) -> list[Step]:
    steps: list[Step] = []
    signing = phase.covenant_state == Covenant.State.SIGNING and phase.covenant_pk
    if signing and not phase.unit_signed:
        steps.append(
            Step(
                key="leader_sign",
                text=_("The covenant of %(year)d is waiting for your signature.")
                % {"year": phase.cluster_year.year},
                url=reverse("covenant_detail", args=[phase.covenant_pk]),
            )
        )
    if phase.any_open_ballot:  # one query, only while a ballot is open
        waiting = list(
            Ballot.objects.filter(cluster_year=phase.cluster_year, state=Ballot.State.OPEN)
            .exclude(Exists(BallotVoter.objects.filter(ballot=OuterRef("pk"), unit_id=unit_id)))
            .values("pk", "closes_at")
            .order_by("closes_at", "pk")
        )
        if waiting:
            steps.append(
                Step(
                    key="leader_vote",
                    text=ngettext(
                        "%(count)d ballot is open for your unit's vote.",
                        "%(count)d ballots are open for your unit's vote.",
                        len(waiting),
                    )
                    % {"count": len(waiting)},
                    url=reverse("ballot_vote", args=[waiting[0]["pk"]])
                    if len(waiting) == 1
                    else reverse("year_ballots", args=[phase.cluster_year.pk]),
                    deadline=waiting[0]["closes_at"],
                    count=len(waiting),
                )
            )
    return steps


def member_steps(
    user: Any, cluster_year: ClusterYear, *, phase: YearPhase | None = None, now=None
) -> list[Step]:  # type: ignore[no-untyped-def]
    """The to-do list of a unit's officer or leader in their unit's ``cluster_year``."""
    profile = profile_of(user)
    if profile is None or profile.unit_id is None:
        return []
    now = now or timezone.now()
    phase = phase or year_phase(cluster_year, unit_id=profile.unit_id, now=now)
    roles = member_roles(user, cluster_year)
    steps: list[Step] = []
    # Verifying, publishing and sending are the officers' work; leaders sign and vote.
    if (Role.HEAD in roles or Role.DEPUTY in roles) and Role.MEMBER_OFFICER in roles:
        steps += _head_steps(phase, roles)
    if Role.MEMBER_OFFICER in roles and cluster_year.is_open:
        steps += _officer_steps(phase)
    if Role.MEMBER_LEADER in roles and cluster_year.is_open:
        steps += _leader_steps(phase, profile.unit_id)
    return steps


def next_steps(
    user: Any,
    *,
    organizer: Organizer | None = None,
    cluster_year: ClusterYear | None = None,
    phase: YearPhase | None = None,
    now: dt.datetime | None = None,
) -> list[Step]:
    """The user's to-do list: the board's for ``organizer`` (only if the user is its
    board), or a member's in ``cluster_year`` (their unit's year)."""
    if organizer is not None and is_board_of(user, organizer.pk):
        return board_steps(organizer, now=now)
    if cluster_year is not None:
        return member_steps(user, cluster_year, phase=phase, now=now)
    return []
