"""The board's year dashboard: every cluster year of an organizer for one year, where
it stands (covenant, year-end scoring, ballots, nomination) and what is overdue.

A constant number of queries whatever the number of clusters, units or criteria: one
per kind of object (cluster years, covenants, periods, ballots, nominations, award
rules), each filtered by organizer and year and counted by the database
(``Count(..., filter=Q(...))``), then joined in Python by cluster year id. Entries and
criteria are never read.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from clusters.models import ClusterYear, Organizer
from covenants.models import Covenant
from scoring.models import Ballot, Nomination, Period, Scorecard
from scoring.models.results import rules_for

CARD = Scorecard.State

# Phases, in the order a year goes through them (the template picks badges by name).
COVENANT_PHASES = ("none", "draft", "circulated", "adopted", "signing", "signed")
PERIOD_PHASES = ("none", "draft", "self_scoring", "verification", "all_final", "published")
BALLOT_PHASES = ("none", "draft", "open", "held")
NOMINATION_PHASES = ("none", "draft", "sent", "returned", "accepted")
SENT_NOMINATION_STATES = (Nomination.State.SUBMITTED, Nomination.State.ACCEPTED)


@dataclass
class CardCounts:
    total: int = 0
    not_submitted: int = 0  # draft: still self-scoring
    submitted: int = 0
    returned: int = 0
    verified: int = 0
    finalised: int = 0
    late_drafts: int = 0  # drafts not reopened past now (the self-deadline overdue ones)

    @property
    def unverified(self) -> int:
        return self.total - self.verified - self.finalised


@dataclass
class YearRow:
    cluster_year: ClusterYear
    members: int
    covenant: Covenant | None = None
    covenant_phase: str = "none"
    signed: int = 0  # member units that signed the current covenant version
    period: Period | None = None
    period_phase: str = "none"
    cards: CardCounts = field(default_factory=CardCounts)
    ballot: dict[str, Any] | None = None  # the leading-unit ballot's last round
    ballot_phase: str = "none"
    ballot_decision: str = ""
    ballot_count: int = 0
    nomination: dict[str, Any] | None = None
    nomination_phase: str = "none"
    overdue_self: bool = False
    overdue_verification: bool = False
    overdue_explanation: bool = False
    overdue_nomination: bool = False

    @property
    def cluster(self) -> Any:
        return self.cluster_year.cluster

    @property
    def is_overdue(self) -> bool:
        return (
            self.overdue_self
            or self.overdue_verification
            or self.overdue_explanation
            or self.overdue_nomination
        )


@dataclass
class YearTotals:
    clusters: int = 0
    units: int = 0
    covenants_signed: int = 0
    periods_open: int = 0
    periods_published: int = 0
    cards: CardCounts = field(default_factory=CardCounts)
    ballots_held: int = 0
    nominations_sent: int = 0
    nominations_accepted: int = 0
    overdue: int = 0  # cluster years with at least one overdue item


@dataclass
class YearDashboard:
    organizer: Organizer
    year: int
    now: dt.datetime
    nomination_deadline: dt.date
    rows: list[YearRow]
    totals: YearTotals
    years: list[int]  # years that have cluster years, for the picker


def nomination_deadline(rules: Any, year: int) -> dt.date:
    """The rules' day and month in ``year`` (31 November counts as 30 November)."""
    month = rules.nomination_deadline_month
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(rules.nomination_deadline_day, last))


def default_year(*, organizer: Organizer, today: dt.date) -> int:
    """The year the board most likely wants: this year's, else the latest one before it
    that has cluster years, else this year."""
    years = ClusterYear.objects.filter(cluster__organizer=organizer, year__lte=today.year)
    return years.order_by("-year").values_list("year", flat=True).first() or today.year


def card_count_annotations(*, distinct: bool = False) -> dict[str, Count]:
    """A period's scorecards counted by state (``n_total``, ``n_draft``, …), to annotate
    periods with; ``distinct`` when the query also joins something per scorecard."""

    def cards(condition: Q | None = None) -> Count:
        return Count("scorecards", filter=condition, distinct=distinct)

    return {
        "n_total": cards(),
        "n_draft": cards(Q(scorecards__state=CARD.DRAFT)),
        "n_submitted": cards(Q(scorecards__state=CARD.SUBMITTED)),
        "n_returned": cards(Q(scorecards__state=CARD.RETURNED)),
        "n_verified": cards(Q(scorecards__state=CARD.VERIFIED)),
        "n_finalised": cards(Q(scorecards__state=CARD.FINALISED)),
    }


def card_counts(period: Period) -> CardCounts:
    """``CardCounts`` of a period annotated with ``card_count_annotations``."""
    return CardCounts(
        total=period.n_total,
        not_submitted=period.n_draft,
        submitted=period.n_submitted,
        returned=period.n_returned,
        verified=period.n_verified,
        finalised=period.n_finalised,
        late_drafts=getattr(period, "n_late_drafts", 0),
    )


def _period_phase(period: Period, cards: CardCounts, now: dt.datetime) -> str:
    if period.published_at is not None:
        return "published"
    if period.state == Period.State.DRAFT:
        return "draft"
    if cards.total and cards.finalised == cards.total:
        return "all_final"
    if period.state == Period.State.OPEN and now <= period.self_deadline:
        return "self_scoring"
    return "verification"


def year_dashboard(
    *, organizer: Organizer, year: int, now: dt.datetime | None = None
) -> YearDashboard:
    now = now or timezone.now()
    in_year = Q(cluster_year__cluster__organizer=organizer, cluster_year__year=year)

    cluster_years = list(
        ClusterYear.objects.filter(cluster__organizer=organizer, year=year)
        .select_related("cluster", "head_unit", "deputy_unit")
        .annotate(n_members=Count("memberships", distinct=True))
        .order_by("cluster__sort_key", "pk")
    )
    rows = {cy.pk: YearRow(cluster_year=cy, members=cy.n_members) for cy in cluster_years}

    # The current covenant of a year is its highest version (amendments add versions).
    covenants = (
        Covenant.objects.filter(in_year)
        .annotate(
            n_signed=Count(
                "signatures",
                filter=Q(signatures__is_witness=False, signatures__unit__isnull=False),
            )
        )
        .only("pk", "cluster_year_id", "version", "state", "title", "signed_at")
        .order_by("cluster_year_id", "-version")
    )
    for covenant in covenants:
        row = rows.get(covenant.cluster_year_id)
        if row is None or row.covenant is not None:
            continue
        row.covenant = covenant
        row.covenant_phase = covenant.state if covenant.state in COVENANT_PHASES else "draft"
        row.signed = covenant.n_signed

    late_draft = Q(scorecards__state=CARD.DRAFT) & (
        Q(scorecards__reopened_until__isnull=True) | Q(scorecards__reopened_until__lt=now)
    )
    periods = (
        Period.objects.filter(in_year, kind=Period.Kind.YEAR_END)
        .annotate(
            **card_count_annotations(),
            n_late_drafts=Count("scorecards", filter=late_draft),
        )
        .only(
            "pk",
            "cluster_year_id",
            "kind",
            "state",
            "self_deadline",
            "verification_deadline",
            "explanation_deadline",
            "published_at",
        )
    )
    for period in periods:
        row = rows.get(period.cluster_year_id)
        if row is None:
            continue
        cards = card_counts(period)
        row.period = period
        row.cards = cards
        row.period_phase = _period_phase(period, cards, now)
        scoring = period.state == Period.State.OPEN and period.published_at is None
        row.overdue_self = scoring and now > period.self_deadline and cards.late_drafts > 0
        row.overdue_verification = (
            scoring and now > period.verification_deadline and cards.unverified > 0
        )
        row.overdue_explanation = (
            scoring and now > period.explanation_deadline and cards.returned > 0
        )

    # The leading-unit ballot decides the year; merit ballots only add to the count.
    ballots = (
        Ballot.objects.filter(in_year)
        .values(
            "pk",
            "cluster_year_id",
            "purpose",
            "round",
            "state",
            "result__decision",
            "result__head_decision",
        )
        .order_by("cluster_year_id", "purpose", "round", "pk")
    )
    for ballot in ballots:
        row = rows.get(ballot["cluster_year_id"])
        if row is None:
            continue
        row.ballot_count += 1
        leading = ballot["purpose"] == Ballot.Purpose.LEADING_UNIT
        if row.ballot is None or leading:
            row.ballot = ballot
            row.ballot_phase = "held" if ballot["state"] == Ballot.State.CLOSED else ballot["state"]
            row.ballot_decision = ballot["result__decision"] or ""
            if row.ballot_decision == "head_and_deputy" and ballot["result__head_decision"]:
                # The head and deputy head have decided: settled, not pending.
                row.ballot_decision = "decided"

    nominations = Nomination.objects.filter(
        organizer=organizer, year=year, period__kind=Period.Kind.YEAR_END
    ).values("pk", "cluster_year_id", "state", "submitted_at", "number")
    for nomination in nominations:
        row = rows.get(nomination["cluster_year_id"])
        if row is None:
            continue
        row.nomination = nomination
        row.nomination_phase = {
            Nomination.State.SUBMITTED: "sent",
        }.get(nomination["state"], nomination["state"])

    deadline = nomination_deadline(rules_for(organizer), year)
    past_deadline = timezone.localtime(now).date() > deadline
    totals = YearTotals(clusters=len(rows))
    for row in rows.values():
        sent = row.nomination is not None and row.nomination["state"] in SENT_NOMINATION_STATES
        row.overdue_nomination = past_deadline and not sent
        totals.units += row.members
        totals.covenants_signed += row.covenant_phase == "signed"
        totals.periods_open += row.period_phase in ("self_scoring", "verification", "all_final")
        totals.periods_published += row.period_phase == "published"
        for name in (
            "total",
            "not_submitted",
            "submitted",
            "returned",
            "verified",
            "finalised",
            "late_drafts",
        ):
            setattr(totals.cards, name, getattr(totals.cards, name) + getattr(row.cards, name))
        totals.ballots_held += row.ballot_phase == "held"
        totals.nominations_sent += row.nomination_phase in ("sent", "accepted")
        totals.nominations_accepted += row.nomination_phase == "accepted"
        totals.overdue += row.is_overdue

    years = sorted(
        set(ClusterYear.objects.filter(cluster__organizer=organizer).values_list("year", flat=True))
        | {year},
        reverse=True,
    )
    return YearDashboard(
        organizer=organizer,
        year=year,
        now=now,
        nomination_deadline=deadline,
        rows=list(rows.values()),
        totals=totals,
        years=years,
    )
