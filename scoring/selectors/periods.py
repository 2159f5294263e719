"""Read queries for the scoring-period pages, each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from clusters.models import ClusterYear, Membership, Unit
from core.text import vi_number
from scoring.models import Criterion, CriterionKind, Period, ReviewAssignment, Rubric, Scorecard
from scoring.selectors.rubrics import (
    latest_rubric,
    rubric_criteria,
    rubric_problems,
    tree_order,
)
from scoring.services.computation import INPUT_FIELD
from scoring.services.messages.periods import (
    ACTION_FIELDS,
    BOARD_CODE_UNKNOWN,
    NO_HEAD,
    NO_MEMBERS,
    NO_RUBRIC,
    PERIOD_NOT_DRAFT,
    PERIOD_YEAR_CLOSED,
)


def year_periods(*, cluster_year: ClusterYear) -> list[Period]:
    """The year's periods (mid-year first) with how many scorecards each has."""
    return list(
        Period.objects.filter(cluster_year=cluster_year)
        .select_related("rubric")
        .annotate(card_count=Count("scorecards"))
        .order_by("kind")
    )


def board_choices(*, cluster_year: ClusterYear) -> list[tuple[str, str]]:
    """(code, "code. title") of the leaf criteria of the year's newest rubric, in tree
    order: what the board may appraise itself."""
    rubric = latest_rubric(cluster_year=cluster_year)
    if rubric is None:
        return []
    criteria = tree_order(Criterion.objects.filter(rubric=rubric))
    return [
        (item.code, f"{item.code}. {item.title}")
        for item in criteria
        if item.kind != CriterionKind.GROUP
    ]


# The confirmation before opening -------------------------------------------------------


def open_blockers(period: Period, rubric: Rubric | None) -> list[ValidationError]:
    """What stops ``period_open`` before it freezes anything (the rubric's own
    problems are reported by ``rubric_freeze``). Also shown on the confirmation page."""
    year = period.cluster_year
    found: list[ValidationError] = []
    if period.state != Period.State.DRAFT:
        return [ValidationError(PERIOD_NOT_DRAFT)]
    if not year.is_open:
        found.append(ValidationError(PERIOD_YEAR_CLOSED, params={"year": year.year}))
    if year.head_unit_id is None:
        found.append(ValidationError(NO_HEAD))
    if not Membership.objects.filter(cluster_year=year).exists():
        found.append(ValidationError(NO_MEMBERS))
    if rubric is None:
        found.append(ValidationError(NO_RUBRIC))
    else:
        codes = set(Criterion.objects.filter(rubric=rubric).values_list("code", flat=True))
        found.extend(
            ValidationError(BOARD_CODE_UNKNOWN, params={"code": code})
            for code in period.board_criteria
            if code not in codes
        )
    return found


@dataclass
class OpenPreview:
    """What opening the period will do, and what stops it."""

    units: list[Unit]
    rubric: Rubric | None
    will_freeze: bool
    leaves: int
    blockers: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def can_open(self) -> bool:
        return not self.blockers and not self.problems

    @property
    def entries(self) -> int:
        return len(self.units) * self.leaves


def open_preview(*, period: Period) -> OpenPreview:
    year = period.cluster_year
    rubric = latest_rubric(cluster_year=year)
    units = [
        membership.unit
        for membership in Membership.objects.filter(cluster_year=year)
        .select_related("unit")
        .order_by("order", "unit__sort_key")
    ]
    leaves = 0
    problems: list[str] = []
    if rubric is not None:
        criteria = rubric_criteria(rubric)
        leaves = sum(1 for item in criteria if item.kind != CriterionKind.GROUP)
        if not rubric.is_frozen:
            problems = [str(problem.message) for problem in rubric_problems(rubric, criteria)]
    blockers = [message for error in open_blockers(period, rubric) for message in error.messages]
    return OpenPreview(
        units=units,
        rubric=rubric,
        will_freeze=rubric is not None and not rubric.is_frozen,
        leaves=leaves,
        blockers=blockers,
        problems=problems,
    )


# The period page ---------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    key: str
    label: Any
    at: dt.datetime
    passed: bool
    when: str  # "3 days 4 hours left", "passed 2 days ago"


def duration_words(delta: dt.timedelta) -> str:
    """A duration in words at the precision that matters: days and hours, hours and
    minutes, or minutes ("2 ngày 4 giờ", "5 giờ 10 phút", "7 phút")."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)s day", "%(n)s days", days) % {"n": days})
    if hours and (days or len(parts) < 2):
        parts.append(ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours})
    if not days and (minutes or not parts):
        parts.append(ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes})
    return " ".join(parts)


def countdown(deadline: dt.datetime, now: dt.datetime) -> str:
    if deadline > now:
        return gettext("%(time)s left") % {"time": duration_words(deadline - now)}
    return gettext("passed %(time)s ago") % {"time": duration_words(now - deadline)}


def deadlines(period: Period, *, now: dt.datetime | None = None) -> list[Deadline]:
    now = now or timezone.now()
    return [
        Deadline(
            key=name,
            label=ACTION_FIELDS[name],
            at=getattr(period, name),
            passed=getattr(period, name) <= now,
            when=countdown(getattr(period, name), now),
        )
        for name in ("self_deadline", "verification_deadline", "explanation_deadline")
    ]


def _entered_filter(rubric_id: int) -> Q:
    """Entries of the rubric whose kind's input is given."""
    entered = Q()
    for kind, name in INPUT_FIELD.items():
        entered |= Q(entries__criterion__kind=kind, **{f"entries__{name}__isnull": False})
    return Q(entries__criterion__rubric_id=rubric_id) & entered


@dataclass
class CardRow:
    card: Scorecard
    completeness: int
    self_total: str
    final_total: str
    needs_review: int


def scorecard_rows(*, period: Period, unit_ids: list[int] | None = None) -> list[CardRow]:
    """The period's scorecards (or those of ``unit_ids``) with unit, completeness (%
    of the leaf criteria with a value entered) and totals in Vietnamese style. Two
    queries."""
    if period.rubric_id is None:
        return []
    cards = Scorecard.objects.filter(period=period).select_related("unit")
    if unit_ids is not None:
        cards = cards.filter(Q(unit_id__in=unit_ids))
    cards = cards.annotate(
        entered=Count("entries", filter=_entered_filter(period.rubric_id), distinct=True),
        review=Count(
            "entries",
            filter=Q(entries__criterion__rubric_id=period.rubric_id, entries__needs_review=True),
            distinct=True,
        ),
    ).order_by("unit__sort_key")
    leaves = (
        Criterion.objects.filter(rubric_id=period.rubric_id)
        .exclude(kind=CriterionKind.GROUP)
        .count()
    )
    return [
        CardRow(
            card=card,
            completeness=round(100 * card.entered / leaves) if leaves else 0,
            self_total=vi_number(card.self_total, 2),
            final_total=vi_number(card.final_total, 2),
            needs_review=card.review,
        )
        for card in cards
    ]


def assigned_unit_ids(*, period: Period, reviewer_unit_id: int) -> list[int]:
    """Units whose scorecard the reviewer unit cross-scores in this period."""
    return list(
        ReviewAssignment.objects.filter(
            scorecard__period=period, reviewer_unit_id=reviewer_unit_id
        ).values_list("scorecard__unit_id", flat=True)
    )
