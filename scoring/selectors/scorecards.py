"""Read queries of the self-scoring page: a scorecard's whole rubric tree with the unit's
entries, points, explanations, evidence, section subtotals, totals and completeness.

Everything comes in a fixed number of queries whatever the size of the rubric: the
criteria (one query, in tree order), the entries, the card's evidence, the links between
them, the unit's targets, and — for a card returned for explanation — the open requests.
The tree is put together in Python. Numbers are formatted the Vietnamese way here
(``vi_number``): templates have no number filter.

``requirements`` is the one rule of what a unit must provide before it submits; the
services' ``scorecard_missing`` and the page's completeness meter both read it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from core.text import vi_number
from covenants.models import TargetValue
from scoring.models import (
    OUTSIDE_TOTAL,
    Criterion,
    CriterionKind,
    Entry,
    EntryEvidence,
    Evidence,
    ExplanationRequest,
    Scorecard,
)
from scoring.selectors.rubrics import TARGET_KINDS, criterion_explanation, rubric_criteria
from scoring.services.computation import INPUT_FIELD, Totals, is_entered, totals_of
from scoring.services.messages.scorecards import (
    MISSING_EVIDENCE,
    MISSING_REVIEW,
    MISSING_VALUE,
)

ZERO = Decimal(0)

# How the unit enters each kind: the widget of its row.
WIDGET: dict[str, str] = {
    CriterionKind.MANUAL: "points",
    CriterionKind.PASS_FAIL: "yesno",
    CriterionKind.TARGET_RATIO: "number",
    CriterionKind.RELATIVE_LEADER: "number",
    CriterionKind.PER_OCCURRENCE: "count",
    CriterionKind.BONUS: "count",
    CriterionKind.DEDUCTION: "count",
}


def moment_text(moment: dt.datetime | None) -> str:
    """A deadline as people read it: "17:00 15/12/2024" (local time)."""
    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


def input_text(entry: Entry, field_name: str) -> str:
    """A stored input as it goes back into its box ("12,5", "1.000", "yes")."""
    value = getattr(entry, field_name)
    if value is None:
        return ""
    if field_name == "passed":
        return "yes" if value else "no"
    if field_name == "count":
        return str(value)
    return vi_number(value)


def value_words(entry: Entry, field_name: str) -> str:
    """A stored input in words, for messages ("12,5", "met", "—")."""
    value = getattr(entry, field_name)
    if value is None:
        return "—"
    if field_name == "passed":
        return gettext("met") if value else gettext("not met")
    return vi_number(value)


def time_left_text(deadline: dt.datetime | None, now: dt.datetime) -> str:
    if deadline is None:
        return ""
    left = deadline - now
    if left.total_seconds() <= 0:
        return gettext("The deadline has passed.")
    days, seconds = left.days, left.seconds
    hours, minutes = seconds // 3600, (seconds % 3600) // 60
    if days:
        return ngettext("%(days)s day %(hours)s h left", "%(days)s days %(hours)s h left", days) % {
            "days": days,
            "hours": hours,
        }
    if hours:
        return gettext("%(hours)s h %(minutes)s min left") % {"hours": hours, "minutes": minutes}
    return gettext("%(minutes)s min left") % {"minutes": max(minutes, 1)}


# What a unit must provide ---------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """One thing the unit must provide: a value ("value"), evidence ("evidence"), or a
    second look at a value carried to a new rubric version ("review")."""

    kind: str
    criterion: Criterion
    entry: Entry
    met: bool

    @property
    def message(self) -> str:
        template = {"value": MISSING_VALUE, "evidence": MISSING_EVIDENCE}.get(
            self.kind, MISSING_REVIEW
        )
        return str(template) % {"code": self.criterion.code, "title": self.criterion.title}


def board_leaf_ids(criteria: list[Criterion], board_codes: Iterable[str]) -> set[int]:
    """Leaves the board appraises itself: named in ``Period.board_criteria``, or under a
    section named there. The unit may enter them but does not have to."""
    codes = set(board_codes)
    if not codes:
        return set()
    by_id = {criterion.pk: criterion for criterion in criteria}
    found: set[int] = set()
    for criterion in criteria:
        node: Criterion | None = criterion
        seen = 0
        while node is not None and seen < 50:
            if node.code in codes:
                found.add(criterion.pk)
                break
            node = by_id.get(node.parent_id) if node.parent_id else None
            seen += 1
    return found


def requirements(
    criteria: list[Criterion],
    entries: dict[int, Entry],
    evidence_count: dict[int, int],
    board_codes: Iterable[str] = (),
) -> list[Requirement]:
    """Every requirement in rubric order: each leaf criterion must be entered (a bonus or
    deduction left blank counts as 0 and is fine), evidence where the criterion asks for
    it (a bonus or deduction only when claimed), and a new look at every entry flagged
    after a rubric change. ``entries`` by criterion id; ``evidence_count`` by entry id
    (evidence not withdrawn)."""
    board = board_leaf_ids(criteria, board_codes)
    found: list[Requirement] = []
    for criterion in criteria:
        entry = entries.get(criterion.pk)
        if criterion.kind == CriterionKind.GROUP or entry is None or criterion.pk in board:
            continue
        outside = criterion.kind in OUTSIDE_TOTAL
        entered = is_entered(entry, criterion)
        if not outside:
            found.append(Requirement("value", criterion, entry, entered))
        claimed = not outside or bool(entry.count)
        if criterion.evidence_required and claimed:
            found.append(
                Requirement("evidence", criterion, entry, evidence_count.get(entry.pk, 0) > 0)
            )
        if entry.needs_review:
            found.append(Requirement("review", criterion, entry, False))
    return found


def _entries(scorecard: Scorecard) -> Any:
    """The card's entries of the rubric version its period scores on, unordered: the
    callers key them by criterion, and ``Entry``'s default ordering would join six tables
    (scorecard → period → cluster year → cluster, unit, criterion) only to sort them —
    PostgreSQL took longer planning and sorting that than reading the 150 rows."""
    return Entry.objects.filter(
        scorecard_id=scorecard.pk, criterion__rubric_id=scorecard.period.rubric_id
    ).order_by()


def card_requirements(scorecard: Scorecard) -> list[Requirement]:
    """``requirements`` of a scorecard, read in three queries."""
    criteria = rubric_criteria(scorecard.period.rubric)
    entries = {
        # Entries of an earlier rubric version stay after a carry-over; they do not count.
        entry.criterion_id: entry
        for entry in _entries(scorecard)
    }
    counts: dict[int, int] = defaultdict(int)
    for entry_id in EntryEvidence.objects.filter(
        entry__scorecard_id=scorecard.pk, evidence__withdrawn_at__isnull=True
    ).values_list("entry_id", flat=True):
        counts[entry_id] += 1
    return requirements(criteria, entries, counts, scorecard.period.board_criteria)


# The page ------------------------------------------------------------------------------


@dataclass
class EvidenceItem:
    """One piece of evidence of the card, with the criteria it supports."""

    evidence: Evidence
    codes: list[str] = field(default_factory=list)
    entry_ids: list[int] = field(default_factory=list)

    @property
    def is_file(self) -> bool:
        return self.evidence.kind == Evidence.Kind.FILE

    @property
    def withdrawn(self) -> bool:
        return self.evidence.withdrawn_at is not None

    @property
    def label(self) -> str:
        evidence = self.evidence
        if self.is_file:
            return evidence.title or evidence.original_name
        date = evidence.doc_date.strftime("%d/%m/%Y") if evidence.doc_date else ""
        text = gettext("No. %(number)s of %(date)s") % {"number": evidence.doc_number, "date": date}
        return f"{text} — {evidence.title}" if evidence.title else text

    @property
    def size_text(self) -> str:
        size = self.evidence.size
        if size >= 1024 * 1024:
            return f"{vi_number(Decimal(size) / (1024 * 1024), 1)} MB"
        if size >= 1024:
            return f"{vi_number(Decimal(size) / 1024, 0)} KB"
        return f"{size} B"


@dataclass
class Row:
    """One line of the tree: a section or group (subtotals) or a leaf (an entry)."""

    criterion: Criterion
    depth: int
    entry: Entry | None = None
    input_name: str = ""  # the Entry field the unit fills in
    widget: str = ""
    value: str = ""  # what the input box shows
    comment: str = ""
    version: int = 0
    self_points: Decimal | None = None
    final_points: Decimal | None = None
    target_text: str = ""
    evidence: list[EvidenceItem] = field(default_factory=list)
    required: bool = False
    missing_value: bool = False
    missing_evidence: bool = False
    needs_review: bool = False
    editable: bool = False
    board_item: bool = False
    errors: list[str] = field(default_factory=list)
    conflict: dict[str, Any] | None = None

    @property
    def is_group(self) -> bool:
        return self.criterion.kind == CriterionKind.GROUP

    @property
    def is_outside(self) -> bool:
        return self.criterion.kind in OUTSIDE_TOTAL

    @cached_property
    def explanation(self) -> str:
        """The formula in words, with this criterion's numbers (worked out when shown)."""
        if self.is_group or self.entry is None:
            return ""
        return criterion_explanation(self.criterion)

    @property
    def is_deduction(self) -> bool:
        return self.criterion.kind == CriterionKind.DEDUCTION

    @property
    def pk(self) -> int:
        return self.entry.pk if self.entry else 0

    @property
    def max_text(self) -> str:
        return vi_number(self.criterion.max_points)

    @property
    def points_text(self) -> str:
        return _signed(self.self_points, self.is_deduction)

    @property
    def final_text(self) -> str:
        return _signed(self.final_points, self.is_deduction)

    @property
    def final_differs(self) -> bool:
        return self.final_points is not None and self.final_points != self.self_points

    @property
    def self_explanation(self) -> str:
        return self.entry.self_explanation if self.entry else ""

    @property
    def indent_rem(self) -> str:
        return f"{self.depth * 1.25:.2f}"

    @property
    def value_text(self) -> str:
        """The stored input in words, for read-only rows ("12,5", "met", "—")."""
        return value_words(self.entry, self.input_name) if self.entry and self.input_name else ""

    @property
    def entered(self) -> bool:
        return self.entry is not None and getattr(self.entry, self.input_name, None) is not None


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _signed(value: Decimal | None, negative: bool) -> str:
    if value is None:
        return ""
    text = vi_number(value)
    return f"−{text}" if negative and value else text


@dataclass
class Completeness:
    done: int
    total: int
    values_done: int
    values_total: int
    evidence_done: int
    evidence_total: int
    missing: list[str]
    missing_links: list[tuple[str, int]] = field(default_factory=list)  # (message, entry id)

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.done * 100 // self.total

    @property
    def complete(self) -> bool:
        return self.done == self.total


@dataclass
class Summary:
    """The sticky header's numbers."""

    totals: Totals
    scale_total: Decimal
    bonus_cap: Decimal
    deduction_cap: Decimal
    completeness: Completeness
    has_final: bool

    def _text(self, value: Decimal) -> str:
        return vi_number(value)

    @property
    def sections_text(self) -> str:
        return vi_number(self.totals.self.sections)

    @property
    def bonus_text(self) -> str:
        return vi_number(self.totals.self.bonus)

    @property
    def deduction_text(self) -> str:
        return vi_number(self.totals.self.deduction)

    @property
    def total_text(self) -> str:
        return vi_number(self.totals.self.total)

    @property
    def final_total_text(self) -> str:
        return vi_number(self.totals.final.total)

    @property
    def scale_text(self) -> str:
        return vi_number(self.scale_total)

    @property
    def bonus_cap_text(self) -> str:
        return vi_number(self.bonus_cap)

    @property
    def deduction_cap_text(self) -> str:
        return vi_number(self.deduction_cap)


@dataclass
class Page:
    scorecard: Scorecard
    rows: list[Row]
    summary: Summary
    library: list[EvidenceItem]
    requests: list[ExplanationRequest]
    deadline: dt.datetime | None
    deadline_text: str
    time_left: str
    reopened: bool
    can_edit: bool  # the user's unit owns the card and it is open for changes now
    locked_reason: str
    section_rows: list[Row] = field(default_factory=list)

    def row_for(self, entry_pk: int) -> Row | None:
        return next((row for row in self.rows if row.entry and row.entry.pk == entry_pk), None)

    @property
    def leaf_rows(self) -> list[Row]:
        return [row for row in self.rows if not row.is_group]

    @cached_property
    def entry_options(self) -> list[tuple[str, str]]:
        """(entry id, "code. title") of the entries the user may attach evidence to, for
        the library's criterion lists (two on the page: worked out once)."""
        return [
            (str(row.pk), f"{row.criterion.code}. {_shortened(row.criterion.title, 70)}")
            for row in self.rows
            if row.editable  # only a row with an entry is ever editable
        ]

    @property
    def group_rows(self) -> list[Row]:
        return [row for row in self.rows if row.is_group]

    @property
    def active_library(self) -> list[EvidenceItem]:
        return [item for item in self.library if not item.withdrawn]


@dataclass(slots=True)
class EntryFigures:
    """The figures of one entry the answer to a save reads — its inputs, points,
    version and flags — read as plain values: every keystroke save reads all 150 entries
    of the card for the subtotals, totals and completeness, and making 150 model
    instances took longer than the query."""

    pk: int
    criterion_id: int
    achieved: Decimal | None
    points: Decimal | None
    passed: bool | None
    count: int | None
    self_points: Decimal | None
    final_points: Decimal | None
    needs_review: bool
    version: int
    self_explanation: str
    criterion: Criterion | None = None

    @property
    def counted_points(self) -> Decimal | None:
        return self.final_points if self.final_points is not None else self.self_points


FIGURES = (
    "pk",
    "criterion_id",
    "achieved",
    "points",
    "passed",
    "count",
    "self_points",
    "final_points",
    "needs_review",
    "version",
    "self_explanation",
)


def _targets(scorecard: Scorecard, criteria: list[Criterion]) -> dict[int, Decimal]:
    target_ids = {
        criterion.target_id
        for criterion in criteria
        if criterion.kind in TARGET_KINDS and criterion.target_id
    }
    if not target_ids:
        return {}
    return dict(
        TargetValue.objects.filter(target_id__in=target_ids, unit_id=scorecard.unit_id).values_list(
            "target_id", "value"
        )
    )


def scorecard_page(
    scorecard: Scorecard,
    *,
    may_edit: bool,
    editable_entry_ids: frozenset[int] | None = None,
    editable: bool = False,
    locked_reason: str = "",
    at: dt.datetime | None = None,
    light: bool = False,
) -> Page:
    """Everything the scorecard page shows. ``may_edit``: the user's unit owns the card;
    ``editable`` / ``editable_entry_ids`` / ``locked_reason``: what the services'
    ``scorecard_editability`` says now (None ids: every entry). ``light``: only what the
    answer to one save shows (each row's points, version and flags, subtotals, totals,
    completeness): the entries read as ``EntryFigures``; no input values, evidence items,
    targets or requests."""
    now = at or timezone.now()
    period = scorecard.period
    rubric = period.rubric
    criteria = rubric_criteria(rubric)
    # Entries of an earlier rubric version stay after a carry-over; they do not count.
    entries: dict[int, Any] = (
        {row[1]: EntryFigures(*row) for row in _entries(scorecard).values_list(*FIGURES)}
        if light
        else {entry.criterion_id: entry for entry in _entries(scorecard)}
    )
    items: dict[int, EvidenceItem] = {}
    if not light:
        items = {
            item.pk: EvidenceItem(item)
            for item in Evidence.objects.filter(scorecard_id=scorecard.pk).order_by(
                "created_at", "pk"
            )
        }
    links: dict[int, list[int]] = defaultdict(list)
    evidence_count: dict[int, int] = defaultdict(int)
    for entry_id, evidence_id, withdrawn_at in EntryEvidence.objects.filter(
        entry__scorecard_id=scorecard.pk
    ).values_list("entry_id", "evidence_id", "evidence__withdrawn_at"):
        links[entry_id].append(evidence_id)
        if withdrawn_at is None:
            evidence_count[entry_id] += 1
    targets = {} if light else _targets(scorecard, criteria)
    requests: list[ExplanationRequest] = []
    if scorecard.state == Scorecard.State.RETURNED and not light:
        requests = list(
            # Only their deadlines are used here; the questions themselves are shown
            # by the explanations box (``_explanations_for_unit.html``).
            ExplanationRequest.objects.filter(
                scorecard_id=scorecard.pk, state=ExplanationRequest.State.OPEN
            ).only("pk", "scorecard_id", "deadline", "state")
        )

    by_criterion = {criterion.pk: criterion for criterion in criteria}
    for entry in entries.values():
        if entry.criterion_id in by_criterion:  # no query per entry
            entry.criterion = by_criterion[entry.criterion_id]
    code_of = {
        entry.pk: by_criterion[criterion_id].code
        for criterion_id, entry in entries.items()
        if criterion_id in by_criterion
    }
    for entry_id, evidence_ids in links.items():
        for evidence_id in evidence_ids:
            item = items.get(evidence_id)
            if item is not None:
                item.entry_ids.append(entry_id)
                if entry_id in code_of:
                    item.codes.append(code_of[entry_id])
    needs = requirements(criteria, entries, evidence_count, period.board_criteria)
    board = board_leaf_ids(criteria, period.board_criteria)
    unmet: dict[tuple[str, int], bool] = {(need.kind, need.entry.pk): need.met for need in needs}

    rows: list[Row] = []
    for criterion in criteria:
        depth = getattr(criterion, "depth", 0)
        if criterion.kind == CriterionKind.GROUP:
            rows.append(Row(criterion=criterion, depth=depth))
            continue
        entry = entries.get(criterion.pk)
        if entry is None:  # a criterion added after the period opened: nothing to enter
            rows.append(Row(criterion=criterion, depth=depth))
            continue
        if light:  # the answer to a save: points, version and flags only
            rows.append(
                Row(
                    criterion=criterion,
                    depth=depth,
                    entry=entry,
                    version=entry.version,
                    self_points=entry.self_points,
                    final_points=entry.final_points,
                    required=("value", entry.pk) in unmet,
                    missing_value=unmet.get(("value", entry.pk)) is False,
                    missing_evidence=unmet.get(("evidence", entry.pk)) is False,
                    needs_review=entry.needs_review,
                    board_item=criterion.pk in board,
                )
            )
            continue
        name = INPUT_FIELD[criterion.kind]
        target = entry.target_used
        if target is None and criterion.target_id:
            target = targets.get(criterion.target_id)
        target_text = ""
        if criterion.kind in TARGET_KINDS:
            target_text = (
                gettext("Target: %(value)s") % {"value": vi_number(target)}
                if target is not None
                else gettext("No target for this unit")
            )
        rows.append(
            Row(
                criterion=criterion,
                depth=depth,
                entry=entry,
                input_name=name,
                widget=WIDGET[criterion.kind],
                value=input_text(entry, name),
                comment=entry.comment,
                version=entry.version,
                self_points=entry.self_points,
                final_points=entry.final_points,
                target_text=target_text,
                evidence=[
                    items[pk]
                    for pk in links.get(entry.pk, [])
                    if pk in items and not items[pk].withdrawn
                ],
                required=("value", entry.pk) in unmet,
                missing_value=unmet.get(("value", entry.pk)) is False,
                missing_evidence=unmet.get(("evidence", entry.pk)) is False,
                needs_review=entry.needs_review,
                editable=may_edit
                and editable
                and (editable_entry_ids is None or entry.pk in editable_entry_ids),
                board_item=criterion.pk in board,
            )
        )
    _subtotals(rows)

    values = [need for need in needs if need.kind == "value"]
    proofs = [need for need in needs if need.kind == "evidence"]
    completeness = Completeness(
        done=sum(1 for need in needs if need.met),
        total=len(needs),
        values_done=sum(1 for need in values if need.met),
        values_total=len(values),
        evidence_done=sum(1 for need in proofs if need.met),
        evidence_total=len(proofs),
        missing=[need.message for need in needs if not need.met],
        missing_links=[(need.message, need.entry.pk) for need in needs if not need.met],
    )
    summary = Summary(
        totals=totals_of(rubric, entries.values()),
        scale_total=rubric.scale_total,
        bonus_cap=rubric.bonus_cap,
        deduction_cap=rubric.deduction_cap,
        completeness=completeness,
        has_final=any(entry.final_points is not None for entry in entries.values()),
    )
    deadline = period.self_deadline
    reopened = bool(scorecard.reopened_until and scorecard.reopened_until > deadline)
    if reopened:
        deadline = scorecard.reopened_until
    if scorecard.state == Scorecard.State.RETURNED and requests:
        deadline = max(request.deadline for request in requests)
        if scorecard.reopened_until and scorecard.reopened_until > deadline:
            deadline = scorecard.reopened_until
    return Page(
        scorecard=scorecard,
        rows=rows,
        summary=summary,
        library=list(items.values()),
        requests=requests,
        deadline=deadline,
        deadline_text=moment_text(deadline),
        time_left=time_left_text(deadline, now),
        reopened=reopened,
        can_edit=may_edit and editable,
        locked_reason=locked_reason,
        section_rows=[row for row in rows if row.depth == 0 and not row.is_outside],
    )


def _subtotals(rows: list[Row]) -> None:
    """Each section's and group's points: the sum of its leaves inside the total (bonus
    and deduction items stand outside). Final points show once a verifier decided one of
    its leaves; the leaves without a decision then count with their own points."""
    for index, row in enumerate(rows):
        if not row.is_group:
            continue
        own = counted = ZERO
        decided = False
        for later in rows[index + 1 :]:
            if later.depth <= row.depth:
                break
            entry = later.entry
            if later.is_group or entry is None or later.is_outside:
                continue
            own += entry.self_points or ZERO
            counted += entry.counted_points or ZERO
            decided = decided or entry.final_points is not None
        row.self_points = own
        row.final_points = counted if decided else None


def entry_of_card(scorecard: Scorecard, entry_pk: Any) -> Entry | None:
    """An entry of this scorecard with its criterion (None for any other id)."""
    try:
        return (
            Entry.objects.select_related("criterion")
            .filter(
                Q(scorecard_id=scorecard.pk)
                & Q(pk=int(entry_pk))
                & Q(criterion__rubric_id=scorecard.period.rubric_id)
            )
            .order_by("pk")  # one row: not the default ordering's six-table join
            .first()
        )
    except (TypeError, ValueError):
        return None


def evidence_of_card(scorecard: Scorecard, evidence_pk: Any) -> Evidence | None:
    """Evidence of this scorecard (None for any other id)."""
    try:
        return Evidence.objects.filter(scorecard_id=scorecard.pk, pk=int(evidence_pk)).first()
    except (TypeError, ValueError):
        return None


def entries_of_card(scorecard: Scorecard, entry_pks: Iterable[Any]) -> list[Entry]:
    """The entries of this scorecard among the ids given (others are ignored)."""
    ids = []
    for value in entry_pks:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            continue
    if not ids:
        return []
    return list(
        Entry.objects.filter(
            scorecard_id=scorecard.pk, pk__in=ids, criterion__rubric_id=scorecard.period.rubric_id
        )
        .select_related("criterion")
        .order_by("criterion__order", "pk")
    )
