"""Where a cluster year stands in the yearly cycle (domain.md §3), for the phase bar.

Ten steps, in order: set-up → covenant drafting and conference → signing → covenant in
force (during the year) → self-scoring → verification → ranking published → ballot →
nomination → closed. The current step is the furthest one the year has reached.

One query for the phase whatever the size of the cluster: the cluster year with its
current covenant, year-end period, nomination, ballots and award rules as subqueries
(``with_phase_facts``: none when the caller's query already carries them); one more for
its periods with their scorecards counted by state — and, given a unit, that unit's
own scorecard and the explanations asked of it (``scoring.selectors.next_steps`` reads
its to-do list from these). No entry, criterion or signature row is read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clusters.models import ClusterYear
from covenants.models import Covenant, Signature
from scoring.models import (
    AwardRules,
    Ballot,
    ExplanationRequest,
    Nomination,
    NominationDocument,
    Nominee,
    Period,
    Scorecard,
)
from scoring.selectors.dashboard import CardCounts, card_count_annotations, card_counts

CARD = Scorecard.State

# (key, label) in the order a year goes through them.
PHASES: tuple[tuple[str, Any], ...] = (
    ("setup", _("Setting up the cluster")),
    ("covenant", _("Drafting the covenant")),
    ("signing", _("Signing the covenant")),
    ("under_way", _("Carrying out the covenant")),
    ("self_scoring", _("Self-scoring by the units")),
    ("verification", _("Verifying the scores")),
    ("published", _("Ranking published")),
    ("ballot", _("Deliberation and ballot")),
    ("nomination", _("Award nomination")),
    ("closed", _("Year closed")),
)
PHASE_KEYS = tuple(key for key, _label in PHASES)
DRAFTING_STATES = (Covenant.State.DRAFT, Covenant.State.CIRCULATED, Covenant.State.ADOPTED)


@dataclass
class PeriodFacts:
    period: Period
    cards: CardCounts
    answered: int = 0  # explanations answered, waiting for the head's decision
    answered_card: int | None = None
    own_card: int | None = None  # the given unit's scorecard
    own_state: str = ""
    own_reopened_until: dt.datetime | None = None
    own_asked: int = 0  # explanations asked of the unit, not yet answered
    own_asked_by: dt.datetime | None = None

    @property
    def all_final(self) -> bool:
        return bool(self.cards.total) and self.cards.finalised == self.cards.total


@dataclass
class Step:
    key: str
    label: Any
    number: int
    state: str  # "done", "current" or "todo"


@dataclass
class YearPhase:
    cluster_year: ClusterYear
    key: str
    covenant_pk: int | None = None
    covenant_state: str = ""
    nomination_pk: int | None = None
    nomination_state: str = ""
    periods: list[PeriodFacts] = field(default_factory=list)
    any_ballot: bool = False
    any_open_ballot: bool = False
    leading_state: str = ""
    leading_decision: str = ""
    leading_head_decision: Any = None
    unit_signed: bool = False  # the given unit signed the covenant being signed
    # The given unit is proposed in a nomination being prepared and has not uploaded its
    # achievement report yet: the year-end period of that nomination (its page's key).
    unit_report_due: int | None = None
    rules: AwardRules | None = None

    @property
    def number(self) -> int:
        return PHASE_KEYS.index(self.key) + 1

    @property
    def total(self) -> int:
        return len(PHASES)

    @property
    def label(self) -> Any:
        return PHASES[self.number - 1][1]

    @property
    def steps(self) -> list[Step]:
        current = self.number
        return [
            Step(
                key=key,
                label=label,
                number=number,
                state="done" if number < current else "current" if number == current else "todo",
            )
            for number, (key, label) in enumerate(PHASES, start=1)
        ]

    @property
    def year_end(self) -> PeriodFacts | None:
        return next((p for p in self.periods if p.period.kind == Period.Kind.YEAR_END), None)

    @property
    def open_periods(self) -> list[PeriodFacts]:
        return [
            p
            for p in self.periods
            if p.period.state == Period.State.OPEN and p.period.published_at is None
        ]

    @property
    def ballot_settled(self) -> bool:
        """The leading-unit ballot's last round is closed with a winner or a decision."""
        if self.leading_state != Ballot.State.CLOSED:
            return False
        return self.leading_decision == "elected" or bool(
            self.leading_decision == "head_and_deputy" and self.leading_head_decision
        )


def with_phase_facts(
    queryset: QuerySet[ClusterYear], *, unit_id: int | None = None
) -> QuerySet[ClusterYear]:
    """Cluster years carrying what the phase needs besides the periods: the current
    covenant (highest version), the year-end nomination, the ballots (any, any open,
    the leading unit's last round), the organizer's nomination deadline and, given a
    unit, whether it signed the covenant being signed."""
    year = OuterRef("pk")
    # Every subquery sorts by its own columns or not at all: a model's default ordering
    # (nomination: organizer, year, cluster year…) would join its parents into each one,
    # and PostgreSQL spent more time planning this query than running it.
    covenant = Covenant.objects.filter(cluster_year=year).order_by("-version")
    nomination = Nomination.objects.filter(
        cluster_year=year, period__kind=Period.Kind.YEAR_END
    ).order_by()
    leading = Ballot.objects.filter(
        cluster_year=year, purpose=Ballot.Purpose.LEADING_UNIT
    ).order_by("-round", "-pk")
    rules = AwardRules.objects.filter(organizer_id=OuterRef("cluster__organizer_id")).order_by()
    year_end = Period.objects.filter(cluster_year=year, kind=Period.Kind.YEAR_END).order_by()
    annotations: dict[str, Any] = {
        "phase_covenant_pk": Subquery(covenant.values("pk")[:1]),
        "phase_covenant_state": Subquery(covenant.values("state")[:1]),
        "phase_nomination_pk": Subquery(nomination.values("pk")[:1]),
        "phase_nomination_state": Subquery(nomination.values("state")[:1]),
        "phase_any_ballot": Exists(Ballot.objects.filter(cluster_year=year)),
        "phase_any_open_ballot": Exists(
            Ballot.objects.filter(cluster_year=year, state=Ballot.State.OPEN)
        ),
        "phase_leading_state": Subquery(leading.values("state")[:1]),
        "phase_leading_decision": Subquery(leading.values("result__decision")[:1]),
        "phase_leading_head_decision": Subquery(leading.values("result__head_decision")[:1]),
        "phase_ye_state": Subquery(year_end.values("state")[:1]),
        "phase_ye_self_deadline": Subquery(year_end.values("self_deadline")[:1]),
        "phase_ye_published_at": Subquery(year_end.values("published_at")[:1]),
        "phase_ye_drafts": Exists(
            Scorecard.objects.filter(
                period__cluster_year=year, period__kind=Period.Kind.YEAR_END, state=CARD.DRAFT
            )
        ),
        "phase_deadline_day": Subquery(rules.values("nomination_deadline_day")[:1]),
        "phase_deadline_month": Subquery(rules.values("nomination_deadline_month")[:1]),
    }
    if unit_id is not None:
        reported = NominationDocument.objects.filter(
            nomination=OuterRef("nomination"),
            unit_id=unit_id,
            kind=NominationDocument.Kind.ACHIEVEMENT_REPORT,
            withdrawn_at__isnull=True,
        )
        due = (
            Nominee.objects.filter(
                nomination__cluster_year=year,
                nomination__state__in=(Nomination.State.DRAFT, Nomination.State.RETURNED),
                unit_id=unit_id,
            )
            .exclude(Exists(reported))
            .order_by()
        )
        annotations["phase_unit_report_due"] = Subquery(due.values("nomination__period_id")[:1])
        annotations["phase_unit_signed"] = Exists(
            Signature.objects.filter(
                covenant__cluster_year=year,
                covenant__state=Covenant.State.SIGNING,
                unit_id=unit_id,
            )
        )
    return queryset.select_related("cluster").annotate(**annotations)


def _periods(cluster_year: ClusterYear, unit_id: int | None) -> list[PeriodFacts]:
    answered = Q(scorecards__explanation_requests__state=ExplanationRequest.State.ANSWERED)
    annotations: dict[str, Any] = {
        # distinct: the explanation requests below join several rows per scorecard.
        **card_count_annotations(distinct=True),
        "n_answered": Count("scorecards__explanation_requests", filter=answered, distinct=True),
        "answered_card": Min("scorecards__pk", filter=answered),
    }
    if unit_id is not None:
        own = Q(scorecards__unit_id=unit_id)
        asked = own & Q(scorecards__explanation_requests__state=ExplanationRequest.State.OPEN)
        annotations |= {
            "own_card": Min("scorecards__pk", filter=own),
            "own_state": Min("scorecards__state", filter=own),
            "own_reopened_until": Min("scorecards__reopened_until", filter=own),
            "own_asked": Count("scorecards__explanation_requests", filter=asked, distinct=True),
            "own_asked_by": Min("scorecards__explanation_requests__deadline", filter=asked),
        }
    periods = (
        Period.objects.filter(cluster_year=cluster_year)
        .annotate(**annotations)
        .order_by("kind")  # mid_year before year_end
    )
    return [
        PeriodFacts(
            period=p,
            cards=card_counts(p),
            answered=p.n_answered,
            answered_card=p.answered_card,
            own_card=getattr(p, "own_card", None),
            own_state=getattr(p, "own_state", None) or "",
            own_reopened_until=getattr(p, "own_reopened_until", None),
            own_asked=getattr(p, "own_asked", 0),
            own_asked_by=getattr(p, "own_asked_by", None),
        )
        for p in periods
    ]


def _phase_key(cluster_year: ClusterYear, facts: YearPhase, now: dt.datetime) -> str:
    if cluster_year.status != ClusterYear.Status.OPEN:
        return "closed"
    if facts.nomination_state == Nomination.State.ACCEPTED:
        return "closed"
    if facts.nomination_state or facts.ballot_settled:
        return "nomination"
    if facts.any_ballot:
        return "ballot"
    # The year-end period, from the cluster year's own subqueries.
    state = cluster_year.phase_ye_state
    if state and state != Period.State.DRAFT:
        if cluster_year.phase_ye_published_at is not None:
            return "published"
        if (
            state == Period.State.OPEN
            and now <= cluster_year.phase_ye_self_deadline
            and cluster_year.phase_ye_drafts
        ):
            return "self_scoring"
        return "verification"
    if facts.covenant_state == Covenant.State.SIGNED:
        return "under_way"
    if facts.covenant_state == Covenant.State.SIGNING:
        return "signing"
    if facts.covenant_state in DRAFTING_STATES or cluster_year.head_unit_id:
        return "covenant"
    return "setup"


def year_phase(
    cluster_year: ClusterYear,
    *,
    unit_id: int | None = None,
    periods: bool = True,
    now: dt.datetime | None = None,
) -> YearPhase:
    """The phase of ``cluster_year`` (with ``unit_id``: and that unit's own cards,
    explanations and signature); pass one from ``with_phase_facts`` to save a query.
    ``periods=False``: the phase alone, without the periods' counts (no query)."""
    if not hasattr(cluster_year, "phase_covenant_state") or (
        unit_id is not None and not hasattr(cluster_year, "phase_unit_signed")
    ):
        cluster_year = with_phase_facts(
            ClusterYear.objects.filter(pk=cluster_year.pk), unit_id=unit_id
        ).get()
    now = now or timezone.now()
    rules = AwardRules(organizer_id=cluster_year.cluster.organizer_id)
    if cluster_year.phase_deadline_day is not None:
        rules.nomination_deadline_day = cluster_year.phase_deadline_day
        rules.nomination_deadline_month = cluster_year.phase_deadline_month
    facts = YearPhase(
        cluster_year=cluster_year,
        key="setup",
        covenant_pk=cluster_year.phase_covenant_pk,
        covenant_state=cluster_year.phase_covenant_state or "",
        nomination_pk=cluster_year.phase_nomination_pk,
        nomination_state=cluster_year.phase_nomination_state or "",
        periods=_periods(cluster_year, unit_id) if periods else [],
        any_ballot=cluster_year.phase_any_ballot,
        any_open_ballot=cluster_year.phase_any_open_ballot,
        leading_state=cluster_year.phase_leading_state or "",
        leading_decision=cluster_year.phase_leading_decision or "",
        leading_head_decision=cluster_year.phase_leading_head_decision,
        unit_signed=bool(getattr(cluster_year, "phase_unit_signed", False)),
        unit_report_due=getattr(cluster_year, "phase_unit_report_due", None),
        rules=rules,
    )
    facts.key = _phase_key(cluster_year, facts, now)
    return facts
