"""Read queries of the verification pages: one scorecard side by side (the unit's own
points, each verifier's latest proposal, the final points, who and why), the period's
comparison of every unit (inflation, how far verifiers agree), the scorecards a user
verifies, the cross-scoring assignments and a scorecard's requests for explanation.

Each builds its page in a fixed number of queries, whatever the number of units,
criteria and proposals.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from clusters.models import Membership
from clusters.roles import Role, can_act_as_head, is_superseded, profile_of
from core.text import vi_number
from scoring.models import (
    CriterionKind,
    Entry,
    EntryHistory,
    ExplanationRequest,
    Period,
    Review,
    ReviewAssignment,
    Scorecard,
)
from scoring.permissions import finaliser_roles
from scoring.selectors.rubrics import criterion_explanation, rubric_criteria

ZERO = Decimal(0)
ROLE_ORDER = {Review.Role.HEAD: 0, Review.Role.DEPUTY: 1, Review.Role.PEER: 2, Review.Role.BOARD: 3}


def points_text(value: Decimal | None) -> str:
    return "" if value is None else vi_number(value)


def signed_text(value: Decimal) -> str:
    """ "+3,5", "−2", "0": a difference with its sign."""
    if value > 0:
        return f"+{vi_number(value)}"
    if value < 0:
        return f"−{vi_number(-value)}"
    return "0"


def percent_text(share: Decimal | None) -> str:
    return "" if share is None else f"{vi_number(share * 100, 0)} %"


# One scorecard ---------------------------------------------------------------------------


@dataclass
class Proposal:
    """A verifier's latest proposal on one entry."""

    role: str
    role_label: str
    unit_id: int | None
    unit_name: str
    reviewer_name: str
    reviewer_id: int
    points: Decimal
    reason: str
    created_at: dt.datetime
    differs: bool  # from the unit's own points (none: 0)
    count: int = 1  # how many proposals this verifier made on the entry

    @property
    def points_text(self) -> str:
        return vi_number(self.points)

    @property
    def who(self) -> str:
        return f"{self.role_label} · {self.unit_name}" if self.unit_name else self.role_label


@dataclass
class Row:
    """One line of a scorecard's tree, a group (with subtotals) or a leaf entry."""

    criterion: Any
    depth: int
    entry: Entry | None = None
    explanation: str = ""
    self_points: Decimal | None = None
    final_points: Decimal | None = None
    counted_points: Decimal | None = None
    proposals: list[Proposal] = field(default_factory=list)
    board_criterion: bool = False
    deciders: frozenset[str] = frozenset()
    requested: bool = False  # named in a request the unit has not answered yet
    explained: bool = False  # named in an answered request not yet decided
    answers: list[ExplanationRequest] = field(default_factory=list)
    evidence: list[Any] = field(default_factory=list)
    # Filled by the page for the current user: their role on this row and last proposal.
    my_role: str = ""
    my_role_label: str = ""
    my_decides: bool = False
    my_proposal: Proposal | None = None
    form: Any = None
    notice: str = ""
    cells: list[Any] = field(default_factory=list)

    @property
    def is_group(self) -> bool:
        return self.criterion.kind == CriterionKind.GROUP

    @property
    def is_outside(self) -> bool:
        return self.criterion.kind in (CriterionKind.BONUS, CriterionKind.DEDUCTION)

    @property
    def is_deduction(self) -> bool:
        return self.criterion.kind == CriterionKind.DEDUCTION

    @property
    def own(self) -> Decimal:
        return self.self_points if self.self_points is not None else ZERO

    @property
    def differs(self) -> bool:
        """Someone's points on this criterion differ from the unit's own or each other."""
        if self.is_group:
            return False
        values = {self.own} | {proposal.points for proposal in self.proposals}
        if self.final_points is not None:
            values.add(self.final_points)
        return len(values) > 1

    @property
    def decided(self) -> bool:
        return self.final_points is not None

    @property
    def final_by_name(self) -> str:
        entry = self.entry
        if entry is None or entry.final_by is None:
            return ""
        return entry.final_by.get_full_name() or entry.final_by.get_username()

    @property
    def max_text(self) -> str:
        return vi_number(self.criterion.max_points)

    @property
    def self_text(self) -> str:
        return points_text(self.self_points)

    @property
    def final_text(self) -> str:
        return points_text(self.final_points)

    @property
    def counted_text(self) -> str:
        return points_text(self.counted_points)

    @property
    def change(self) -> Decimal | None:
        """What the verifiers' decision does to the unit's total on this criterion
        (a deduction raised by 2 points: −2)."""
        if self.is_group or self.counted_points is None:
            return None
        change = self.counted_points - self.own
        return -change if self.is_deduction else change

    @property
    def change_text(self) -> str:
        change = self.change
        return "" if change is None or change == 0 else signed_text(change)

    @property
    def indent_rem(self) -> str:
        return f"{self.depth * 1.25:.2f}"


@dataclass
class Column:
    """One verifier (a role and its unit; the board is one) in the side-by-side table."""

    key: tuple[str, int | None]
    label: str


@dataclass
class Cell:
    proposal: Proposal | None
    differs: bool  # from the unit's own points


@dataclass
class HistoryLine:
    item: EntryHistory
    code: str
    what: str

    @property
    def old(self) -> str:
        return _value_text(self.item.old_value)

    @property
    def new(self) -> str:
        return _value_text(self.item.new_value)


class CardTotals:
    """The scorecard's totals as the comparison pages show them (``scorecard`` set by
    the dataclass using it)."""

    scorecard: Scorecard

    @property
    def inflation(self) -> Decimal:
        return self.scorecard.inflation

    @property
    def inflation_text(self) -> str:
        return signed_text(self.inflation)

    @property
    def self_total_text(self) -> str:
        return vi_number(self.scorecard.self_total)

    @property
    def final_total_text(self) -> str:
        return vi_number(self.scorecard.final_total)


@dataclass
class CardComparison(CardTotals):
    scorecard: Scorecard
    rows: list[Row]
    requests: list[ExplanationRequest]
    history: list[HistoryLine]
    columns: list[Column] = field(default_factory=list)

    def cells(self, row: Row) -> list[Cell]:
        by_key = {(p.role, p.unit_id): p for p in row.proposals}
        return [
            Cell(
                proposal=by_key.get(column.key),
                differs=bool(by_key.get(column.key) and by_key[column.key].differs),
            )
            for column in self.columns
        ]

    @property
    def leaves(self) -> list[Row]:
        return [row for row in self.rows if not row.is_group]

    def row_for_entry(self, entry_id: int) -> Row | None:
        return next((row for row in self.rows if row.entry and row.entry.pk == entry_id), None)

    @property
    def differing(self) -> int:
        return sum(1 for row in self.leaves if row.differs)

    @property
    def changed_rows(self) -> list[Row]:
        return [row for row in self.leaves if row.change]

    @property
    def open_requests(self) -> list[ExplanationRequest]:
        return [r for r in self.requests if r.state == ExplanationRequest.State.OPEN]

    @property
    def pending_requests(self) -> list[ExplanationRequest]:
        return [r for r in self.requests if r.state != ExplanationRequest.State.DECIDED]


def _name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def latest_proposals(reviews: list[Review], own: Decimal) -> list[Proposal]:
    """The latest proposal of each verifier (role and unit; the board counts as one),
    head first, then deputy, peers, board. ``reviews`` in creation order."""
    latest: dict[tuple[str, int | None], Proposal] = {}
    for review in reviews:
        key = (review.role, review.reviewer_unit_id)
        count = latest[key].count + 1 if key in latest else 1
        latest[key] = Proposal(
            role=review.role,
            role_label=str(review.get_role_display()),
            unit_id=review.reviewer_unit_id,
            unit_name=review.reviewer_unit.name if review.reviewer_unit_id else "",
            reviewer_name=_name(review.reviewer),
            reviewer_id=review.reviewer_id,
            points=review.points,
            reason=review.reason,
            created_at=review.created_at,
            differs=review.points != own,
            count=count,
        )
    return sorted(latest.values(), key=lambda p: (ROLE_ORDER.get(p.role, 9), p.unit_name))


def card_comparison(*, scorecard: Scorecard, with_history: bool = False) -> CardComparison:
    """The scorecard's tree side by side (8 queries; 9 with the history).

    ``scorecard`` comes with its period, rubric and year loaded (``scorecard_for_user``)."""
    period = scorecard.period
    criteria = rubric_criteria(period.rubric)
    entries = {
        entry.criterion_id: entry
        for entry in Entry.objects.filter(scorecard=scorecard)
        .select_related("final_by")
        .prefetch_related("evidence")
    }
    reviews: dict[int, list[Review]] = defaultdict(list)
    for review in (
        Review.objects.filter(entry__scorecard=scorecard)
        .select_related("reviewer", "reviewer_unit")
        .order_by("created_at", "pk")
    ):
        reviews[review.entry_id].append(review)
    requests = list(
        ExplanationRequest.objects.filter(scorecard=scorecard)
        .select_related("requested_by", "answered_by", "decided_by")
        .prefetch_related(
            Prefetch("entries", queryset=Entry.objects.only("pk", "criterion_id", "scorecard_id")),
            "answer_evidence",
        )
        .order_by("-created_at", "-pk")
    )
    code_of = {criterion.pk: criterion.code for criterion in criteria}
    for request in requests:
        request.codes = ", ".join(  # type: ignore[attr-defined]
            code_of.get(entry.criterion_id, "?") for entry in request.entries.all()
        )
    board_codes = set(period.board_criteria or [])
    finalisers = finaliser_roles(scorecard)
    rows: list[Row] = []
    for criterion in criteria:
        row = Row(criterion=criterion, depth=getattr(criterion, "depth", 0))
        if criterion.kind != CriterionKind.GROUP:
            entry = entries.get(criterion.pk)
            if entry is None:
                continue
            row.entry = entry
            row.explanation = criterion_explanation(criterion)
            row.self_points = entry.self_points
            row.final_points = entry.final_points
            row.counted_points = entry.counted_points
            row.proposals = latest_proposals(reviews.get(entry.pk, []), row.own)
            row.board_criterion = criterion.code in board_codes
            row.deciders = frozenset({Review.Role.BOARD}) if row.board_criterion else finalisers
            row.evidence = list(entry.evidence.all())
            for request in requests:
                if any(named.pk == entry.pk for named in request.entries.all()):
                    if request.state == ExplanationRequest.State.OPEN:
                        row.requested = True
                    elif request.state == ExplanationRequest.State.ANSWERED:
                        row.explained = True
                    if request.state != ExplanationRequest.State.OPEN:
                        row.answers.append(request)
        rows.append(row)
    _group_subtotals(rows)
    history: list[HistoryLine] = []
    if with_history:
        history = [
            HistoryLine(item=item, code=item.entry.criterion.code, what=history_label(item))
            for item in EntryHistory.objects.filter(entry__scorecard=scorecard)
            .select_related("entry__criterion")
            .order_by("-created_at", "-pk")
        ]
    columns: dict[tuple[str, int | None], Column] = {}
    for row in rows:
        for proposal in row.proposals:
            key = (proposal.role, proposal.unit_id)
            columns.setdefault(key, Column(key=key, label=proposal.who))
    comparison = CardComparison(
        scorecard=scorecard,
        rows=rows,
        requests=requests,
        history=history,
        columns=sorted(columns.values(), key=lambda c: (ROLE_ORDER.get(c.key[0], 9), c.label)),
    )
    for row in rows:
        row.cells = comparison.cells(row) if not row.is_group else []
    return comparison


FIELD_LABELS = {
    "points": _("points entered"),
    "achieved": _("achieved value"),
    "passed": _("met"),
    "count": _("count"),
    "comment": _("comment"),
    "self_points": _("self-assessed points"),
    "final_points": _("final points"),
    "explanation": _("explanation"),
}


def history_label(item: EntryHistory) -> str:
    """What changed, in words: "Verifier's proposal (cluster head)", "Decision: final points"."""
    source = str(item.get_source_display())
    name, _sep, role = item.field.partition(":")
    if role:
        try:
            return f"{source} ({Review.Role(role).label})"
        except ValueError:
            return f"{source} ({role})"
    label = FIELD_LABELS.get(name)
    return f"{source}: {label}" if label else f"{source}: {name}"


def _value_text(value: str) -> str:
    """A stored history value as people read it: numbers Vietnamese-style; "yes"/"no"
    is only ever stored for a pass/fail result, so it reads "met"/"not met"."""
    if value in ("", None):
        return "—"
    if value == "yes":
        return str(_("Met"))
    if value == "no":
        return str(_("Not met"))
    try:
        return vi_number(Decimal(value))
    except (ArithmeticError, ValueError):
        return value


def _group_subtotals(rows: list[Row]) -> None:
    """A group shows the sum of its leaves (self and counted), as the tree nests."""
    stack: list[Row] = []
    for row in rows:
        while stack and stack[-1].depth >= row.depth:
            stack.pop()
        if row.is_group:
            row.self_points = ZERO
            row.counted_points = ZERO
            stack.append(row)
            continue
        for group in stack:
            group.self_points = (group.self_points or ZERO) + row.own
            group.counted_points = (group.counted_points or ZERO) + (row.counted_points or ZERO)


# The period ------------------------------------------------------------------------------


@dataclass
class CardLine(CardTotals):
    scorecard: Scorecard
    changed: int = 0  # criteria whose points that count differ from the unit's own
    proposals: int = 0
    pending_requests: int = 0
    reviewers: list[str] = field(default_factory=list)  # cross-scoring peers

    @property
    def is_final(self) -> bool:
        return self.scorecard.state == Scorecard.State.FINALISED


@dataclass
class Agreement:
    """How far the verifiers agree (definitions shown on the page).

    with_final: of every verifier's latest proposal on a criterion that has final points,
    not counting the proposal that was itself the decision, the share equal to the final
    points. gap: the mean absolute difference between two verifiers' latest proposals on
    the same criterion, over every such pair."""

    compared: int = 0
    matching: int = 0
    pairs: int = 0
    gap_sum: Decimal = ZERO

    @property
    def share(self) -> Decimal | None:
        return Decimal(self.matching) / Decimal(self.compared) if self.compared else None

    @property
    def share_text(self) -> str:
        return percent_text(self.share)

    @property
    def gap(self) -> Decimal | None:
        return self.gap_sum / Decimal(self.pairs) if self.pairs else None

    @property
    def gap_text(self) -> str:
        gap = self.gap
        return "" if gap is None else vi_number(gap, 2)


@dataclass
class PeriodComparison:
    period: Period
    lines: list[CardLine]
    agreement: Agreement

    @property
    def self_total_text(self) -> str:
        return vi_number(sum((line.scorecard.self_total for line in self.lines), ZERO))

    @property
    def mean_inflation_text(self) -> str:
        """Over the submitted scorecards (a draft has nothing to compare yet)."""
        lines = [line for line in self.lines if line.scorecard.state != Scorecard.State.DRAFT]
        if not lines:
            return ""
        total = sum((line.inflation for line in lines), ZERO)
        return signed_text((total / len(lines)).quantize(Decimal("0.01")))

    @property
    def final_count(self) -> int:
        return sum(1 for line in self.lines if line.is_final)


def period_comparison(*, period: Period) -> PeriodComparison:
    """Every unit's totals and inflation, and the cluster's agreement (5 queries)."""
    cards = list(
        Scorecard.objects.filter(period=period).select_related("unit").order_by("unit__sort_key")
    )
    lines = {card.pk: CardLine(scorecard=card) for card in cards}
    entries = list(
        Entry.objects.filter(
            scorecard__period=period, criterion__rubric_id=period.rubric_id
        ).values_list("pk", "scorecard_id", "self_points", "final_points", "final_by_id")
    )
    final_of: dict[int, tuple[Decimal | None, int | None]] = {}
    for pk, card_id, own, final, final_by in entries:
        final_of[pk] = (final, final_by)
        counted = final if final is not None else own
        if counted is not None and counted != (own if own is not None else ZERO):
            lines[card_id].changed += 1
    latest: dict[int, dict[tuple[str, int | None], tuple[Decimal, int]]] = defaultdict(dict)
    entry_card = {pk: card_id for pk, card_id, *_rest in entries}
    for entry_id, role, unit_id, reviewer_id, points in (
        Review.objects.filter(
            entry__scorecard__period=period, entry__criterion__rubric_id=period.rubric_id
        )
        .order_by("created_at", "pk")
        .values_list("entry_id", "role", "reviewer_unit_id", "reviewer_id", "points")
    ):
        latest[entry_id][(role, unit_id)] = (points, reviewer_id)
        lines[entry_card[entry_id]].proposals += 1
    agreement = Agreement()
    for entry_id, by_verifier in latest.items():
        final, final_by = final_of.get(entry_id, (None, None))
        proposals = list(by_verifier.values())
        if final is not None:
            decision = next(
                (
                    index
                    for index, (points, reviewer) in enumerate(proposals)
                    if reviewer == final_by and points == final
                ),
                None,
            )
            for index, (points, _reviewer) in enumerate(proposals):
                if index == decision:
                    continue
                agreement.compared += 1
                agreement.matching += points == final
        for (first, _a), (second, _b) in combinations(proposals, 2):
            agreement.pairs += 1
            agreement.gap_sum += abs(first - second)
    for card_id in (
        ExplanationRequest.objects.filter(scorecard__period=period)
        .exclude(state=ExplanationRequest.State.DECIDED)
        .values_list("scorecard_id", flat=True)
    ):
        lines[card_id].pending_requests += 1
    for card_id, unit_name in ReviewAssignment.objects.filter(scorecard__period=period).values_list(
        "scorecard_id", "reviewer_unit__name"
    ):
        lines[card_id].reviewers.append(unit_name)
    return PeriodComparison(period=period, lines=list(lines.values()), agreement=agreement)


# What a user verifies --------------------------------------------------------------------


def verifier_roles_in_period(
    user: Any, period: Period, roles: frozenset[Role], cards: list[Scorecard]
) -> dict[int, frozenset[str]]:
    """``scoring.permissions.verifier_roles`` for every scorecard of a period at once
    (3 queries whatever the number of scorecards): scorecard id → roles."""
    cluster_year = period.cluster_year
    profile = profile_of(user)
    unit_id = profile.unit_id if profile else None
    base: set[str] = set()
    if Role.BOARD in roles:
        base.add(Review.Role.BOARD)
    unit_roles: set[str] = set()
    if unit_id is not None:
        if can_act_as_head(roles - {Role.BOARD}, cluster_year) and Role.HEAD in roles:
            unit_roles.add(Review.Role.HEAD)
        if (
            Role.DEPUTY in roles
            and period.deputy_verifies
            and cluster_year.is_open
            and not is_superseded(cluster_year)
        ):
            unit_roles.add(Review.Role.DEPUTY)
    assigned: set[int] = set()
    if unit_id is not None and period.cross_scoring and cluster_year.is_open:
        assigned = set(
            ReviewAssignment.objects.filter(
                scorecard__period=period, reviewer_unit_id=unit_id
            ).values_list("scorecard_id", flat=True)
        )
    result: dict[int, frozenset[str]] = {}
    for card in cards:
        found = set(base)
        if unit_id is not None and card.unit_id != unit_id:
            found |= unit_roles
            if card.pk in assigned:
                found.add(Review.Role.PEER)
        result[card.pk] = frozenset(found)
    return result


@dataclass
class VerifyLine:
    scorecard: Scorecard
    roles: list[str]
    role_labels: list[str]
    own: bool = False

    @property
    def self_total_text(self) -> str:
        return vi_number(self.scorecard.self_total)

    @property
    def final_total_text(self) -> str:
        return vi_number(self.scorecard.final_total)

    @property
    def ready(self) -> bool:
        return self.scorecard.state in (Scorecard.State.SUBMITTED, Scorecard.State.VERIFIED)


def cards_for_user(*, user: Any, period: Period, roles: frozenset[Role]) -> list[VerifyLine]:
    """The scorecards the user verifies in a period, and their own unit's."""
    cards = list(
        Scorecard.objects.filter(period=period).select_related("unit").order_by("unit__sort_key")
    )
    by_card = verifier_roles_in_period(user, period, roles, cards)
    profile = profile_of(user)
    unit_id = profile.unit_id if profile else None
    labels = dict(Review.Role.choices)
    lines = []
    for card in cards:
        card_roles = sorted(by_card[card.pk], key=lambda role: ROLE_ORDER.get(role, 9))
        own = card.unit_id == unit_id
        if card_roles or own:
            lines.append(
                VerifyLine(
                    scorecard=card,
                    roles=card_roles,
                    role_labels=[str(labels[role]) for role in card_roles],
                    own=own,
                )
            )
    return lines


def sees_every_card(*, user: Any, period: Period, roles: frozenset[Role]) -> bool:
    """Board, the head (and a verifying deputy), and every member once results are
    published: they may compare all the units."""
    if Role.BOARD in roles or (period.published_at is not None and roles):
        return True
    cluster_year = period.cluster_year
    if can_act_as_head(roles, cluster_year):
        return True
    return (
        Role.DEPUTY in roles
        and period.deputy_verifies
        and cluster_year.is_open
        and not is_superseded(cluster_year)
    )


# Cross-scoring assignments ---------------------------------------------------------------


@dataclass
class AssignmentLine:
    scorecard: Scorecard
    assignments: list[ReviewAssignment]
    choices: list[Any]  # the member units that may score it
    mutual: bool = False

    @property
    def current_unit_id(self) -> int | None:
        return self.assignments[0].reviewer_unit_id if self.assignments else None


def period_assignments(*, period: Period) -> list[AssignmentLine]:
    """Each scorecard, its peer units and who could score it (3 queries)."""
    cards = list(
        Scorecard.objects.filter(period=period).select_related("unit").order_by("unit__sort_key")
    )
    units = [
        membership.unit
        for membership in Membership.objects.filter(cluster_year_id=period.cluster_year_id)
        .select_related("unit")
        .order_by("unit__sort_key")
    ]
    assignments: dict[int, list[ReviewAssignment]] = defaultdict(list)
    for item in (
        ReviewAssignment.objects.filter(scorecard__period=period)
        .select_related("reviewer_unit", "assigned_by")
        .order_by("created_at", "pk")
    ):
        assignments[item.scorecard_id].append(item)
    unit_of_card = {card.pk: card.unit_id for card in cards}
    pairs = {
        (unit_of_card[card_id], item.reviewer_unit_id)
        for card_id, items in assignments.items()
        for item in items
    }
    return [
        AssignmentLine(
            scorecard=card,
            assignments=assignments.get(card.pk, []),
            choices=[unit for unit in units if unit.pk != card.unit_id],
            mutual=any(
                (item.reviewer_unit_id, card.unit_id) in pairs
                for item in assignments.get(card.pk, [])
            ),
        )
        for card in cards
    ]


# Requests for explanation -----------------------------------------------------------------


def card_requests(*, scorecard: Scorecard) -> list[ExplanationRequest]:
    """A scorecard's requests for explanation, newest first, with the codes they name
    (3 queries)."""
    requests = list(
        ExplanationRequest.objects.filter(scorecard=scorecard)
        .select_related("requested_by", "answered_by", "decided_by")
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=Entry.objects.select_related("criterion").order_by("criterion__order"),
            ),
            "answer_evidence",
        )
        .order_by("-created_at", "-pk")
    )
    for request in requests:
        request.codes = ", ".join(entry.criterion.code for entry in request.entries.all())  # type: ignore[attr-defined]
    return requests
