"""From stored entries to points and totals, through ``scoring.formulas``.

Every service that changes an entry's inputs or its final points calls
``recompute_entries`` for the criterion, then ``refresh_totals`` for each scorecard
touched, inside its own transaction. The relative-to-leader kind compares the whole
cluster: changing one unit's value can change the others' points, so its entries are
recomputed together, under the period's row lock (taken by ``lock_period_for``).

Lock order, to keep two transactions from waiting on each other: period (only for
relative-to-leader criteria) → scorecard → entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F, Prefetch
from django.utils import translation

from covenants.models import TargetValue
from scoring import formulas
from scoring.formulas import CriterionKind, UnitInput
from scoring.models import Criterion, Entry, EntryHistory, Period, Scorecard
from scoring.selectors.rubrics import TARGET_KINDS, formula_params

# Which input field a kind reads (its entry counts as "entered" once this is set).
INPUT_FIELD: dict[str, str] = {
    CriterionKind.MANUAL: "points",
    CriterionKind.PASS_FAIL: "passed",
    CriterionKind.TARGET_RATIO: "achieved",
    CriterionKind.RELATIVE_LEADER: "achieved",
    CriterionKind.PER_OCCURRENCE: "count",
    CriterionKind.BONUS: "count",
    CriterionKind.DEDUCTION: "count",
}


def input_field(criterion: Criterion) -> str:
    return INPUT_FIELD[criterion.kind]


def is_entered(entry: Entry, criterion: Criterion | None = None) -> bool:
    """Has the unit given the value this criterion's kind needs?"""
    criterion = criterion or entry.criterion
    return getattr(entry, input_field(criterion)) is not None


def unit_targets(criterion: Criterion, unit_ids: Iterable[int]) -> dict[int, Decimal | None]:
    """T per unit for a target-based criterion (None: the unit has no target)."""
    unit_ids = list(unit_ids)
    if criterion.target_id is None or criterion.kind not in TARGET_KINDS:
        return dict.fromkeys(unit_ids)
    values = dict(
        TargetValue.objects.filter(target_id=criterion.target_id, unit_id__in=unit_ids).values_list(
            "unit_id", "value"
        )
    )
    return {unit_id: values.get(unit_id) for unit_id in unit_ids}


def _input(entry: Entry, unit_id: int, target: Decimal | None) -> UnitInput:
    return UnitInput(
        unit_id=unit_id,
        target=target,
        achieved=entry.achieved,
        points=entry.points,
        passed=entry.passed,
        count=entry.count,
    )


def compute_entries(criterion: Criterion, entries: list[Entry]) -> list[Entry]:
    """Set ``target_used``, ``self_points`` and ``self_explanation`` on the given
    entries of one criterion (not saved); entries with nothing entered get None.
    For relative-to-leader pass every entry of the period, so the leader is found
    among all units that entered a value."""
    unit_of = {entry.pk: entry.scorecard.unit_id for entry in entries}
    targets = unit_targets(criterion, unit_of.values())
    entered = [entry for entry in entries if is_entered(entry, criterion)]
    params = formula_params(criterion.kind, criterion.max_points, criterion.params)
    results = formulas.compute(
        criterion.kind,
        params,
        [_input(entry, entry.pk, targets[unit_of[entry.pk]]) for entry in entered],
    )
    for entry in entries:
        entry.target_used = targets[unit_of[entry.pk]]
        result = results.get(entry.pk)
        entry.self_points = result.points if result else None
        entry.self_explanation = result.explanation if result else ""
    return entries


def recompute_entries(criterion: Criterion, changed: Entry, *, actor: Any = None) -> set[int]:
    """Recompute and save the points of ``changed`` (and, for relative-to-leader, of
    every entry of the criterion in the period). Returns the ids of the scorecards
    whose totals must be refreshed. The caller holds the locks (module docstring).

    Another unit's points that move because ``changed`` moved the cluster's best get
    a history row saying so (who caused it, old → new): no score changes silently."""
    if criterion.kind == CriterionKind.RELATIVE_LEADER:
        entries = list(
            Entry.objects.filter(
                criterion=criterion, scorecard__period_id=changed.scorecard.period_id
            ).select_related("scorecard")
        )
        entries = [changed if entry.pk == changed.pk else entry for entry in entries]
    else:
        entries = [changed]
    before = {entry.pk: entry.self_points for entry in entries}
    compute_entries(criterion, entries)
    touched = {changed.scorecard_id}
    moved: list[tuple[Entry, Decimal | None]] = []
    for entry in entries:
        if entry.pk == changed.pk:
            entry.save(update_fields=["target_used", "self_points", "self_explanation"])
        elif (
            before[entry.pk] != entry.self_points
            and entry.scorecard.state != Scorecard.State.FINALISED
        ):
            # A final scorecard never changes: its points stay as they were decided,
            # though its value still counts in finding the cluster's leader.
            entry.save(update_fields=["target_used", "self_points", "self_explanation"])
            moved.append((entry, before[entry.pk]))
            touched.add(entry.scorecard_id)
    if moved:
        _record_recomputed(moved, changed, actor)
    return touched


def _plain(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def _record_recomputed(moved: list[tuple[Entry, Decimal | None]], cause: Entry, actor: Any) -> None:
    from scoring.services.messages.scorecards import RECOMPUTED_REASON

    user = actor if getattr(actor, "is_authenticated", False) else None
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(RECOMPUTED_REASON % {"unit": cause.scorecard.unit.name})
    EntryHistory.objects.bulk_create(
        EntryHistory(
            entry=entry,
            source=EntryHistory.Source.RECOMPUTED,
            field="self_points",
            old_value="" if old is None else format(old.normalize(), "f"),
            new_value=""
            if entry.self_points is None
            else format(entry.self_points.normalize(), "f"),
            reason=reason,
            actor=user,
            actor_name=user.get_username() if user else "",
        )
        for entry, old in moved
    )


@dataclass(frozen=True)
class Totals:
    """A scorecard's totals, self-assessed and final, each with its parts."""

    self: formulas.Total
    final: formulas.Total


def totals_of(rubric, entries: Iterable[Entry]) -> Totals:  # type: ignore[no-untyped-def]
    """Totals of a scorecard's entries (criterion loaded) under the rubric's caps."""
    parts: dict[str, dict[str, list[Decimal]]] = {
        "self": {"sections": [], "bonus": [], "deduction": []},
        "final": {"sections": [], "bonus": [], "deduction": []},
    }
    for entry in entries:
        kind = entry.criterion.kind
        bucket = (
            "bonus"
            if kind == CriterionKind.BONUS
            else "deduction"
            if kind == CriterionKind.DEDUCTION
            else "sections"
        )
        if entry.self_points is not None:
            parts["self"][bucket].append(entry.self_points)
        if entry.counted_points is not None:
            parts["final"][bucket].append(entry.counted_points)
    caps = {
        "scale_total": rubric.scale_total,
        "bonus_cap": rubric.bonus_cap,
        "deduction_cap": rubric.deduction_cap,
    }
    return Totals(
        self=formulas.total_breakdown(
            parts["self"]["sections"], parts["self"]["bonus"], parts["self"]["deduction"], **caps
        ),
        final=formulas.total_breakdown(
            parts["final"]["sections"],
            parts["final"]["bonus"],
            parts["final"]["deduction"],
            **caps,
        ),
    )


# Per bucket (sections, bonus, deduction), the sum of the self points and of the points
# that count, added up by the database in one statement. Written out once rather than
# built by the ORM on every call: every keystroke save runs it, and assembling the six
# filtered sums took the ORM four times longer than the database took to answer.
_SUMS_SQL = """
SELECT
  SUM(e.self_points) FILTER (WHERE c.kind NOT IN (%(bonus)s, %(deduction)s)),
  SUM(COALESCE(e.final_points, e.self_points))
    FILTER (WHERE c.kind NOT IN (%(bonus)s, %(deduction)s)),
  SUM(e.self_points) FILTER (WHERE c.kind = %(bonus)s),
  SUM(COALESCE(e.final_points, e.self_points)) FILTER (WHERE c.kind = %(bonus)s),
  SUM(e.self_points) FILTER (WHERE c.kind = %(deduction)s),
  SUM(COALESCE(e.final_points, e.self_points)) FILTER (WHERE c.kind = %(deduction)s)
FROM {entry} e JOIN {criterion} c ON c.id = e.criterion_id
WHERE e.scorecard_id = %(scorecard)s AND c.rubric_id = %(rubric)s
"""
_SUMS_NAMES = (
    "self_sections",
    "final_sections",
    "self_bonus",
    "final_bonus",
    "self_deduction",
    "final_deduction",
)
CENT = Decimal("0.01")


def _sums(scorecard_id: int, rubric_id: int) -> dict[str, Decimal]:
    """Per bucket, the sums of the scorecard's entries of this rubric version (entries of
    an earlier version stay after a carry-over, scoring.services.periods, and do not
    count). Points have two decimals; SQLite adds them up as floats, so the sums are
    brought back to cents."""
    sql = _SUMS_SQL.format(entry=Entry._meta.db_table, criterion=Criterion._meta.db_table)
    params = {
        "bonus": CriterionKind.BONUS.value,
        "deduction": CriterionKind.DEDUCTION.value,
        "scorecard": scorecard_id,
        "rubric": rubric_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return {
        name: (value if isinstance(value, Decimal) else Decimal(str(value or 0))).quantize(CENT)
        for name, value in zip(_SUMS_NAMES, row, strict=True)
    }


def refresh_totals(scorecard_ids: Iterable[int], *, locked: Scorecard | None = None) -> None:
    """Recompute and save the cached totals of these scorecards, each locked first
    (in id order) so the sums read committed values. The same caps as ``totals_of``.
    ``locked``: one of them the caller already holds locked in this transaction, its
    period's rubric loaded — not read and locked again (the keystroke save)."""
    for scorecard_id in sorted(set(scorecard_ids)):
        if locked is not None and locked.pk == scorecard_id:
            scorecard = locked
        else:
            scorecard = (
                Scorecard.objects.select_for_update(of=("self",))
                .select_related("period__rubric")
                .get(pk=scorecard_id)
            )
        rubric = scorecard.period.rubric
        sums = _sums(scorecard_id, rubric.pk)
        caps = {
            "scale_total": rubric.scale_total,
            "bonus_cap": rubric.bonus_cap,
            "deduction_cap": rubric.deduction_cap,
        }
        self_total = formulas.total_breakdown(
            sums["self_sections"], sums["self_bonus"], sums["self_deduction"], **caps
        ).total
        final_total = formulas.total_breakdown(
            sums["final_sections"], sums["final_bonus"], sums["final_deduction"], **caps
        ).total
        if (scorecard.self_total, scorecard.final_total) != (self_total, final_total):
            scorecard.self_total = self_total
            scorecard.final_total = final_total
            scorecard.save(update_fields=["self_total", "final_total"])


def lock_period_for(criterion: Criterion, scorecard: Scorecard) -> None:
    """Take the period's row lock before an entry of a criterion that compares the
    whole cluster is changed (see the lock order above)."""
    if criterion.kind == CriterionKind.RELATIVE_LEADER:
        Period.objects.select_for_update().filter(pk=scorecard.period_id).first()


def scorecard_entries(scorecard: Scorecard) -> list[Entry]:
    """Entries of a scorecard in rubric order with criterion and evidence loaded, in a
    fixed number of queries: those of the rubric version the period scores on (after a
    carry-over the earlier version's entries stay, not counted)."""
    return list(
        Entry.objects.filter(
            scorecard=scorecard, criterion__rubric_id=F("scorecard__period__rubric_id")
        )
        .select_related("criterion")
        .prefetch_related(Prefetch("evidence"))
        .order_by("criterion__order", "criterion__pk")
    )
