"""The multi-year view of a unit (issue 6): per year its cluster, head or member, the
year-end rank and final total (only once the period's results are published), the
ballots it won and the awards proposed for it, following it back through its
predecessors (renames, merges, splits) and pointing on to its successors.

Nothing is re-pointed after a merge (``clusters.models.Unit``): the old communes'
years stay on the old units and are shown here under their own names.

Reads a fixed number of queries whatever the number of years, predecessors and units
per cluster: the lineage edges, the memberships, the year-end periods, their
finalised scorecards, the rubrics' criteria, the entries' points, the closed ballots
and the nominees. The rank is computed as ``scoring.selectors.ranking.period_ranking``
computes it (same tie-break rules, through ``scoring.ranking.rank_units``), for every
published period at once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from clusters.models import Membership, Unit, UnitLineage
from core.text import vi_number
from scoring import formulas
from scoring.formulas import CriterionKind
from scoring.models import Ballot, Criterion, Entry, Nomination, Nominee, Period, Scorecard
from scoring.ranking import UnitRow, rank_units
from scoring.selectors.rubrics import tree_order

ZERO = Decimal(0)
OUTSIDE = frozenset({CriterionKind.BONUS, CriterionKind.DEDUCTION})
# Nominations still being prepared by the head are not shown: nothing is proposed yet.
SHOWN_NOMINATION_STATES = (
    Nomination.State.SUBMITTED,
    Nomination.State.RETURNED,
    Nomination.State.ACCEPTED,
)


@dataclass
class Award:
    nominee: Nominee

    @property
    def kind_label(self) -> str:
        return self.nominee.get_award_display()

    @property
    def state(self) -> str:
        return self.nominee.nomination.state

    @property
    def accepted(self) -> bool:
        return self.state == Nomination.State.ACCEPTED


@dataclass
class Election:
    ballot: Ballot
    votes: int
    percent: Any

    @property
    def purpose_label(self) -> str:
        return self.ballot.get_purpose_display()

    @property
    def percent_text(self) -> str:
        try:
            return vi_number(Decimal(str(self.percent)))
        except (ArithmeticError, ValueError):
            return ""


@dataclass
class YearRow:
    """One year of one unit (the unit itself or a predecessor) in one cluster."""

    membership: Membership
    unit: Unit
    is_predecessor: bool
    period: Period | None = None
    rank: int | None = None
    ranked_count: int = 0
    total: Decimal | None = None
    elections: list[Election] = field(default_factory=list)
    awards: list[Award] = field(default_factory=list)

    @property
    def year(self) -> int:
        return self.membership.year

    @property
    def cluster_year(self):  # type: ignore[no-untyped-def]
        return self.membership.cluster_year

    @property
    def is_head(self) -> bool:
        return self.cluster_year.head_unit_id == self.unit.pk

    @property
    def is_deputy(self) -> bool:
        return self.cluster_year.deputy_unit_id == self.unit.pk

    @property
    def published(self) -> bool:
        return self.period is not None and self.period.published_at is not None

    @property
    def total_text(self) -> str:
        return vi_number(self.total) if self.total is not None else ""


@dataclass
class UnitHistory:
    unit: Unit
    # Every unit whose years are shown: the unit first, then its predecessors.
    units: list[Unit]
    # Lineage edges among the predecessors (how they came to be this unit).
    predecessor_links: list[UnitLineage]
    # Where this unit went, if it was merged, split or renamed away.
    successor_links: list[UnitLineage]
    rows: list[YearRow]


def lineage_closure(unit: Unit) -> tuple[list[Unit], list[UnitLineage], list[UnitLineage]]:
    """(the unit and all its predecessors, the edges among them, its own successor edges);
    one query: every lineage edge of the organizer."""
    edges = list(
        UnitLineage.objects.filter(successor__organizer_id=unit.organizer_id).select_related(
            "predecessor", "successor"
        )
    )
    into: dict[int, list[UnitLineage]] = defaultdict(list)
    for edge in edges:
        into[edge.successor_id].append(edge)
    units: dict[int, Unit] = {unit.pk: unit}
    links: list[UnitLineage] = []
    queue = [unit.pk]
    while queue:
        current = queue.pop(0)
        for edge in into.get(current, []):
            links.append(edge)
            if edge.predecessor_id not in units:
                units[edge.predecessor_id] = edge.predecessor
                queue.append(edge.predecessor_id)
    successors = [edge for edge in edges if edge.predecessor_id == unit.pk]
    links.sort(key=lambda edge: (edge.date, edge.pk))
    return list(units.values()), links, successors


def descendant_ids(unit: Unit) -> set[int]:
    """The unit and every unit that carries it on, transitively (one query)."""
    edges = UnitLineage.objects.filter(predecessor__organizer_id=unit.organizer_id).values_list(
        "predecessor_id", "successor_id"
    )
    out: dict[int, list[int]] = defaultdict(list)
    for predecessor_id, successor_id in edges:
        out[predecessor_id].append(successor_id)
    seen = {unit.pk}
    queue = [unit.pk]
    while queue:
        for successor_id in out.get(queue.pop(0), []):
            if successor_id not in seen:
                seen.add(successor_id)
                queue.append(successor_id)
    return seen


# Per period: rank by unit id, final total by unit id, number of units ranked.
PeriodRanks = tuple[dict[int, int], dict[int, Any], int]


def _published_ranks(periods: list[Period]) -> dict[int, PeriodRanks]:
    """Per published period: (rank by unit id, final total by unit id, units ranked)."""
    if not periods:
        return {}
    cards = list(
        Scorecard.objects.filter(
            period__in=periods, state=Scorecard.State.FINALISED
        ).select_related("unit")
    )
    rubric_ids = {period.rubric_id for period in periods if period.rubric_id}
    criteria_by_rubric: dict[int, list[Criterion]] = defaultdict(list)
    for criterion in Criterion.objects.filter(rubric_id__in=rubric_ids).order_by("order", "pk"):
        criteria_by_rubric[criterion.rubric_id].append(criterion)
    points: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    top_of: dict[int, dict[str, str]] = {}
    kind_of: dict[int, Criterion] = {}
    sections_of: dict[int, list[str]] = {}
    for rubric_id, items in criteria_by_rubric.items():
        tops: dict[str, str] = {}
        sections: list[str] = []
        for criterion in tree_order(items):
            kind_of[criterion.pk] = criterion
            parent = getattr(criterion, "parent_code", None)
            tops[criterion.code] = tops[parent] if parent else criterion.code
            if parent is None and criterion.kind not in OUTSIDE:
                sections.append(criterion.code)
        top_of[rubric_id] = tops
        sections_of[rubric_id] = sections
    rubric_of_period = {period.pk: period.rubric_id for period in periods}
    entries = Entry.objects.filter(scorecard_id__in=[card.pk for card in cards]).values_list(
        "scorecard_id", "scorecard__period_id", "criterion_id", "final_points", "self_points"
    )
    for scorecard_id, period_id, criterion_id, final_points, self_points in entries:
        counted = final_points if final_points is not None else self_points
        criterion = kind_of.get(criterion_id)
        if counted is None or criterion is None:
            continue
        if criterion.rubric_id != rubric_of_period.get(period_id):
            continue
        if criterion.kind == CriterionKind.BONUS:
            bucket = "+bonus"
        elif criterion.kind == CriterionKind.DEDUCTION:
            bucket = "+deduction"
        else:
            bucket = top_of[criterion.rubric_id][criterion.code]
        points[scorecard_id][bucket] += counted
    cards_by_period: dict[int, list[Scorecard]] = defaultdict(list)
    for card in cards:
        cards_by_period[card.period_id].append(card)
    result: dict[int, PeriodRanks] = {}
    for period in periods:
        rubric = period.rubric
        sections = sections_of.get(period.rubric_id or 0, [])
        rows = []
        for card in cards_by_period.get(period.pk, []):
            sums = points[card.pk]
            deduction = ZERO
            if rubric is not None:
                deduction = formulas.total_breakdown(
                    ZERO,
                    sums["+bonus"],
                    sums["+deduction"],
                    scale_total=rubric.scale_total,
                    bonus_cap=rubric.bonus_cap,
                    deduction_cap=rubric.deduction_cap,
                ).deduction
            rows.append(
                UnitRow(
                    unit_id=card.unit_id,
                    name=card.unit.name,
                    total=card.final_total,
                    sections=tuple(sums[code] for code in sections),
                    deduction=deduction,
                )
            )
        # As period_ranking passes it (the effective order), so both pages agree.
        ranked = rank_units(rows, period.tie_breaks, sections)
        result[period.pk] = (
            {item.row.unit_id: item.rank for item in ranked},
            {item.row.unit_id: item.row.total for item in ranked},
            len(ranked),
        )
    return result


def unit_history(*, unit: Unit) -> UnitHistory:
    units, predecessor_links, successor_links = lineage_closure(unit)
    unit_ids = [item.pk for item in units]
    by_id = {item.pk: item for item in units}
    memberships = list(
        Membership.objects.filter(unit_id__in=unit_ids).select_related(
            "cluster_year__cluster", "cluster_year__head_unit", "cluster_year__deputy_unit"
        )
    )
    year_ids = {membership.cluster_year_id for membership in memberships}
    periods = {
        period.cluster_year_id: period
        for period in Period.objects.filter(
            cluster_year_id__in=year_ids, kind=Period.Kind.YEAR_END
        ).select_related("rubric")
    }
    published = [period for period in periods.values() if period.published_at is not None]
    ranks = _published_ranks(published)
    elections: dict[tuple[int, int], list[Election]] = defaultdict(list)
    ballots = Ballot.objects.filter(
        cluster_year_id__in=year_ids, state=Ballot.State.CLOSED
    ).order_by("closed_at", "pk")
    for ballot in ballots:
        result = ballot.result or {}
        rows = {row.get("unit_id"): row for row in result.get("candidates", [])}
        for unit_id in result.get("winners", []):
            if unit_id in by_id:
                row = rows.get(unit_id, {})
                elections[(ballot.cluster_year_id, unit_id)].append(
                    Election(ballot, row.get("votes", 0), row.get("percent"))
                )
    awards: dict[tuple[int, int], list[Award]] = defaultdict(list)
    nominees = Nominee.objects.filter(
        unit_id__in=unit_ids, nomination__state__in=SHOWN_NOMINATION_STATES
    ).select_related("nomination")
    for nominee in nominees:
        awards[(nominee.nomination.cluster_year_id, nominee.unit_id)].append(Award(nominee))
    rows: list[YearRow] = []
    for membership in memberships:
        member = by_id[membership.unit_id]
        period = periods.get(membership.cluster_year_id)
        row = YearRow(
            membership=membership,
            unit=member,
            is_predecessor=member.pk != unit.pk,
            period=period,
            elections=elections.get((membership.cluster_year_id, member.pk), []),
            awards=awards.get((membership.cluster_year_id, member.pk), []),
        )
        if period is not None and period.pk in ranks:
            rank_of, total_of, count = ranks[period.pk]
            row.rank = rank_of.get(member.pk)
            row.total = total_of.get(member.pk)
            row.ranked_count = count
        rows.append(row)
    rows.sort(key=lambda row: (-row.year, row.is_predecessor, row.unit.sort_key))
    return UnitHistory(
        unit=unit,
        units=units,
        predecessor_links=predecessor_links,
        successor_links=successor_links,
        rows=rows,
    )
