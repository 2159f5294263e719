"""Scoring periods: create, set deadlines and the verification chain, open, delete a
draft; reopen a late unit; carry scores to a new rubric version; deadline reminders.

Opening a period freezes the year's newest rubric (when it is not frozen yet) and
creates a scorecard per member unit with an entry per leaf criterion, in one
transaction; the member units are notified once it commits.

When a new version of the rubric is frozen while a period scores on the previous one,
``period_carry_over`` (called by ``rubric_freeze`` in the same transaction) gives every
scorecard entries for the new version: what the unit entered is copied where the
criterion still exists, final points too where it did not change, and entries whose
criterion changed are flagged for review. The old entries stay, attached to the old
version's criteria; the period's ``rubric`` says which ones count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import lazy

from clusters.models import ClusterYear, Membership, Profile
from clusters.roles import is_board_of
from core.audit import changes, log_action, snapshot
from core.notifications import notify
from scoring.models import (
    Criterion,
    CriterionKind,
    Entry,
    EntryEvidence,
    EntryHistory,
    ExplanationRequest,
    Period,
    ReminderSent,
    Review,
    ReviewAssignment,
    Rubric,
    Scorecard,
)
from scoring.phase_stamp import bump_phase
from scoring.selectors.periods import open_blockers
from scoring.selectors.rubrics import latest_rubric
from scoring.services.computation import compute_entries, refresh_totals
from scoring.services.criteria import clean_text
from scoring.services.messages.periods import (
    CARRY_FINALISED,
    CARRY_REASON,
    CARRY_REASON_CHANGED,
    DEADLINE_AT,
    DEADLINES_ORDER,
    NONE_LISTED,
    PERIOD_CLOSED,
    PERIOD_DELETE_NOT_DRAFT,
    PERIOD_EXISTS,
    PERIOD_KIND_UNKNOWN,
    PERIOD_NOT_DRAFT,
    PERIOD_NOT_OPEN,
    PERIOD_OPENED_BODY,
    PERIOD_OPENED_SUBJECT,
    PERIOD_YEAR_CLOSED,
    REMINDER_EXPLANATION_BODY,
    REMINDER_EXPLANATION_SUBJECT,
    REMINDER_SELF_BODY,
    REMINDER_SELF_SUBJECT,
    REMINDER_VERIFICATION_BODY,
    REMINDER_VERIFICATION_SUBJECT,
    REOPEN_BOARD_ONLY,
    REOPEN_NOT_ALLOWED,
    REOPEN_REASON_REQUIRED,
    REOPEN_UNTIL_PAST,
    REOPENED_BODY,
    REOPENED_SUBJECT,
    RUBRIC_CHANGED_BODY,
    RUBRIC_CHANGED_SUBJECT,
)
from scoring.services.rubrics import rubric_freeze
from scoring.services.versions import criterion_mapping

SETTINGS_FIELDS = (
    "self_deadline",
    "verification_deadline",
    "explanation_deadline",
    "deputy_verifies",
    "cross_scoring",
    "board_criteria",
    "board_finalises",
)
DEADLINE_FIELDS = ("self_deadline", "verification_deadline", "explanation_deadline")
CHAIN_FIELDS = ("deputy_verifies", "cross_scoring", "board_criteria", "board_finalises")
# ReminderSent.deadline of each period deadline ("explanation:<request id>" for the
# deadline of one request for explanation).
REMINDER_KEYS = {"self_deadline": "self", "verification_deadline": "verification"}
# Reminders go out this many days before a deadline.
REMINDER_DAYS = (3, 1)
# Scorecards whose unit still has to self-score.
SELF_SCORING_STATES = (Scorecard.State.DRAFT, Scorecard.State.RETURNED)
INPUT_FIELDS = ("achieved", "points", "passed", "count")


def kind_label(period: Period, *, lower: bool = False) -> Any:
    """The period's kind as a lazy text, so a notification reads it in the site's
    language when it is written, not in the language of whoever caused it."""
    label = Period.Kind(period.kind).label
    return lazy(lambda: str(label).lower(), str)() if lower else label


def scope_of_period(period: Period) -> int:
    return period.cluster_year.cluster.organizer_id


def lock_period(period: Period | int) -> Period:
    pk = period if isinstance(period, int) else period.pk
    return (
        Period.objects.select_for_update(of=("self",))
        .select_related("cluster_year__cluster", "rubric")
        .get(pk=pk)
    )


def _actor_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _deadline_words(value: dt.datetime) -> str:
    local = timezone.localtime(value)
    return str(DEADLINE_AT) % {"time": local.strftime("%H:%M"), "date": local.strftime("%d/%m/%Y")}


# A deadline in words ("17:00 ngày 05/12/2024"), in the language of the moment it is
# shown: notifications render it in the site's language when they are written.
deadline_text = lazy(_deadline_words, str)


def _check_deadlines(values: dict[str, Any]) -> None:
    """Self-scoring closes first; verification and explanations follow it in either
    order (units usually explain while the verifiers are still at work)."""
    errors = {
        name: ValidationError(DEADLINES_ORDER)
        for name in ("verification_deadline", "explanation_deadline")
        if values[name] < values["self_deadline"]
    }
    if errors:
        raise ValidationError(errors)


# Creating, changing, deleting ---------------------------------------------------------


def period_create(
    *,
    actor: Any,
    cluster_year: ClusterYear,
    kind: str,
    self_deadline: dt.datetime,
    verification_deadline: dt.datetime,
    explanation_deadline: dt.datetime,
    deputy_verifies: bool = True,
    cross_scoring: bool = False,
    board_criteria: list[str] | None = None,
    board_finalises: bool = False,
) -> Period:
    if kind not in Period.Kind.values:
        raise ValidationError({"kind": ValidationError(PERIOD_KIND_UNKNOWN)})
    values = {
        "self_deadline": self_deadline,
        "verification_deadline": verification_deadline,
        "explanation_deadline": explanation_deadline,
        "deputy_verifies": deputy_verifies,
        "cross_scoring": cross_scoring,
        "board_criteria": list(board_criteria or []),
        "board_finalises": board_finalises,
    }
    _check_deadlines(values)
    with transaction.atomic():
        year = (
            ClusterYear.objects.select_for_update(of=("self",))
            .select_related("cluster")
            .get(pk=cluster_year.pk)
        )
        if not year.is_open:
            raise ValidationError(PERIOD_YEAR_CLOSED, params={"year": year.year})
        if Period.objects.filter(cluster_year=year, kind=kind).exists():
            raise ValidationError(PERIOD_EXISTS, params={"kind": Period.Kind(kind).label.lower()})
        period = Period.objects.create(
            cluster_year=year,
            kind=kind,
            created_by=_actor_or_none(actor),
            **values,
        )
        log_action(
            actor=actor,
            action="scoring.period.created",
            obj=period,
            scope_id=year.cluster.organizer_id,
            data=snapshot(period, ("kind", *SETTINGS_FIELDS)),
        )
    return period


def period_update(*, actor: Any, period: Period, **fields: Any) -> Period:
    """Change deadlines (any time before the period closes) and, before it opens,
    the verification chain. A deadline that moves is reminded of again."""
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"period_update() cannot change {sorted(unknown)}")
    with transaction.atomic():
        period = lock_period(period)
        if period.state == Period.State.CLOSED:
            raise ValidationError(PERIOD_CLOSED)
        if "board_criteria" in fields:
            fields["board_criteria"] = list(fields["board_criteria"] or [])
        moved_chain = {name for name in CHAIN_FIELDS if name in fields} & {
            name for name, value in fields.items() if getattr(period, name) != value
        }
        if period.state != Period.State.DRAFT and moved_chain:
            raise ValidationError(PERIOD_NOT_DRAFT)
        before = snapshot(period, SETTINGS_FIELDS)
        values = {name: fields.get(name, getattr(period, name)) for name in SETTINGS_FIELDS}
        _check_deadlines(values)
        moved = [name for name in DEADLINE_FIELDS if values[name] != getattr(period, name)]
        for name, value in values.items():
            setattr(period, name, value)
        changed = changes(before, snapshot(period, SETTINGS_FIELDS))
        if changed:
            period.save(update_fields=list(SETTINGS_FIELDS))
            log_action(
                actor=actor,
                action="scoring.period.updated",
                obj=period,
                scope_id=scope_of_period(period),
                data=changed,
            )
        keys = [REMINDER_KEYS[name] for name in moved if name in REMINDER_KEYS]
        if keys:
            ReminderSent.objects.filter(period=period, deadline__in=keys).delete()
    return period


def period_delete(*, actor: Any, period: Period) -> None:
    """Delete a period that has not opened (nothing was scored in it)."""
    with transaction.atomic():
        period = lock_period(period)
        if period.state != Period.State.DRAFT or period.scorecards.exists():
            raise ValidationError(PERIOD_DELETE_NOT_DRAFT)
        log_action(
            actor=actor,
            action="scoring.period.deleted",
            obj=period,
            scope_id=scope_of_period(period),
            data=snapshot(period, ("kind", *SETTINGS_FIELDS)),
        )
        period.delete()


# Opening ------------------------------------------------------------------------------


def leaf_criteria(rubric_id: int) -> list[Criterion]:
    return list(
        Criterion.objects.filter(rubric_id=rubric_id)
        .exclude(kind=CriterionKind.GROUP)
        .order_by("order", "pk")
    )


def member_user_ids(cluster_year_id: int) -> list[int]:
    """Active people (officers and leaders) of the year's member units."""
    return list(
        Profile.objects.filter(
            unit__memberships__cluster_year_id=cluster_year_id, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def unit_user_ids(unit_ids: Iterable[int]) -> list[int]:
    """Active people (officers and leaders) of these units."""
    return list(
        Profile.objects.filter(unit_id__in=list(unit_ids), user__is_active=True).values_list(
            "user_id", flat=True
        )
    )


def board_user_ids(organizer_id: int) -> list[int]:
    """Active board staff of the organizer."""
    return list(
        Profile.objects.filter(
            role=Profile.Role.BOARD, organizer_id=organizer_id, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def period_open(*, actor: Any, period: Period, at: dt.datetime | None = None) -> Period:
    """Open scoring: freeze the year's newest rubric, create every member unit's
    scorecard and entries, notify the member units."""
    now = at or timezone.now()
    with transaction.atomic():
        period = lock_period(period)
        year = period.cluster_year
        rubric = latest_rubric(cluster_year=year) if period.state == Period.State.DRAFT else None
        blockers = open_blockers(period, rubric)
        if blockers:
            raise ValidationError(blockers)
        assert rubric is not None  # open_blockers reports a missing rubric
        if not rubric.is_frozen:
            rubric = rubric_freeze(actor=actor, rubric=rubric, at=now)
        unit_ids = list(
            Membership.objects.filter(cluster_year=year).values_list("unit_id", flat=True)
        )
        cards = Scorecard.objects.bulk_create(
            Scorecard(period=period, unit_id=unit_id) for unit_id in sorted(unit_ids)
        )
        leaves = leaf_criteria(rubric.pk)
        Entry.objects.bulk_create(
            Entry(scorecard=card, criterion=criterion) for card in cards for criterion in leaves
        )
        bump_phase(year.cluster.organizer_id)  # the new cards: bulk_create sends no signal
        period.rubric = rubric
        period.state = Period.State.OPEN
        period.opened_at = now
        period.opened_by = _actor_or_none(actor)
        period.save(update_fields=["rubric", "state", "opened_at", "opened_by"])
        log_action(
            actor=actor,
            action="scoring.period.opened",
            obj=period,
            scope_id=scope_of_period(period),
            data={"rubric": {"id": rubric.pk, "version": rubric.version}, "scorecards": len(cards)},
        )
        notify(
            user_ids=member_user_ids(year.pk),
            key="scoring.period.opened",
            subject=PERIOD_OPENED_SUBJECT,
            body=PERIOD_OPENED_BODY,
            params={**_period_words(period), "deadline": deadline_text(period.self_deadline)},
            link=reverse("period_detail", args=[period.pk]),
            scope_id=scope_of_period(period),
        )
    return period


def _period_words(period: Period) -> dict[str, Any]:
    year = period.cluster_year
    return {"period": kind_label(period), "cluster": year.cluster.name, "year": year.year}


def scorecard_link(scorecard: Scorecard) -> str:
    """The scorecard's page, or its period's while the scorecard pages do not exist."""
    try:
        return reverse("scorecard_detail", args=[scorecard.pk])
    except NoReverseMatch:
        return reverse("period_detail", args=[scorecard.period_id])


# Reopening a late unit ----------------------------------------------------------------


def scorecard_reopen(
    *,
    actor: Any,
    scorecard: Scorecard,
    until: dt.datetime,
    reason: str,
    at: dt.datetime | None = None,
) -> Scorecard:
    """The board lets one unit score (or answer) after the deadline, until ``until``,
    for a reason the unit is told."""
    now = at or timezone.now()
    reason = clean_text(reason)
    with transaction.atomic():
        card = (
            Scorecard.objects.select_for_update(of=("self",))
            .select_related("unit", "period__cluster_year__cluster")
            .get(pk=scorecard.pk)
        )
        period = card.period
        if not is_board_of(actor, scope_of_period(period)):
            raise ValidationError(REOPEN_BOARD_ONLY)
        errors: dict[str, ValidationError] = {}
        if not reason:
            errors["reason"] = ValidationError(REOPEN_REASON_REQUIRED)
        if until is None or until <= now:
            errors["until"] = ValidationError(REOPEN_UNTIL_PAST)
        if errors:
            raise ValidationError(errors)
        if period.state != Period.State.OPEN:
            raise ValidationError(PERIOD_NOT_OPEN)
        if card.state not in SELF_SCORING_STATES:
            raise ValidationError(
                REOPEN_NOT_ALLOWED, params={"state": card.get_state_display().lower()}
            )
        before = snapshot(card, ("reopened_until", "reopen_reason"))
        card.reopened_until = until
        card.reopen_reason = reason
        card.save(update_fields=["reopened_until", "reopen_reason"])
        log_action(
            actor=actor,
            action="scoring.period.scorecard_reopened",
            obj=card,
            scope_id=scope_of_period(period),
            data={
                "unit": {"id": card.unit_id, "repr": card.unit.name},
                **changes(before, snapshot(card, ("reopened_until", "reopen_reason"))),
            },
        )
        notify(
            user_ids=unit_user_ids([card.unit_id]),
            key="scoring.period.scorecard_reopened",
            subject=REOPENED_SUBJECT,
            body=REOPENED_BODY,
            params={**_period_words(period), "until": deadline_text(until), "reason": reason},
            link=scorecard_link(card),
            scope_id=scope_of_period(period),
        )
    return card


# A new rubric version while scoring ----------------------------------------------------


def carry_over_open_periods(*, actor: Any, rubric: Rubric) -> list[dict[str, Any]]:
    """Called by ``rubric_freeze`` once ``rubric`` is frozen: every open period still on
    the version it replaces moves to it."""
    if rubric.previous_id is None:
        return []
    periods = Period.objects.filter(state=Period.State.OPEN, rubric_id=rubric.previous_id)
    return [
        period_carry_over(actor=actor, period=period, new_rubric=rubric)
        for period in periods.order_by("pk")
    ]


def _has_anything(entry: Entry, links: list[EntryEvidence]) -> bool:
    return (
        any(getattr(entry, name) is not None for name in INPUT_FIELDS)
        or bool(entry.comment)
        or entry.final_points is not None
        or bool(links)
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def period_carry_over(*, actor: Any, period: Period, new_rubric: Rubric) -> dict[str, Any]:
    """Move an open period from ``new_rubric.previous`` to ``new_rubric`` (just frozen):
    every scorecard gets an entry per leaf criterion of the new version. Where a
    criterion keeps its code, the unit's inputs, comment and evidence links are copied;
    where it also did not change (title, type, maximum, parameters, target) the final
    points and the verifiers' proposals are copied too; where it changed, the entry is
    flagged ``needs_review`` and its final points are left for the verifiers. Added
    criteria start empty; removed ones are no longer counted, but their entries stay.

    Refused while a scorecard of the period is final (a final scorecard never changes).
    """
    with transaction.atomic():
        period = lock_period(period)
        if period.state != Period.State.OPEN:
            raise ValidationError(PERIOD_NOT_OPEN)
        old = period.rubric
        if old is None or new_rubric.previous_id != old.pk:
            raise ValueError("the new rubric must be the next version of the period's rubric")
        cards = list(
            Scorecard.objects.select_for_update(of=("self",))
            .filter(period=period)
            .select_related("unit")
            .order_by("pk")
        )
        finalised = [card.unit.name for card in cards if card.state == Scorecard.State.FINALISED]
        if finalised:
            raise ValidationError(
                CARRY_FINALISED,
                params={
                    "units": ", ".join(sorted(finalised)),
                    "period": kind_label(period, lower=True),
                },
            )
        mapping = criterion_mapping(old, new_rubric)
        old_criteria = {item.pk: item for item in Criterion.objects.filter(rubric=old)}
        leaves = leaf_criteria(new_rubric.pk)
        leaf_ids = {leaf.pk for leaf in leaves}
        # new leaf id → (old criterion, changed); a change of type counts as a change
        source_of: dict[int, tuple[Criterion, bool]] = {}
        for old_id, (new_id, changed) in mapping.items():
            old_item = old_criteria[old_id]
            if new_id in leaf_ids and old_item.kind != CriterionKind.GROUP:
                source_of[new_id] = (old_item, changed)
        removed = sorted(
            (
                item.code
                for item in old_criteria.values()
                if item.kind != CriterionKind.GROUP
                and item.pk not in {source.pk for source, _changed in source_of.values()}
            ),
            key=_code_order(old_criteria.values()),
        )
        old_entries = {
            (entry.scorecard_id, entry.criterion_id): entry
            for entry in Entry.objects.filter(scorecard__period=period, criterion__rubric=old)
        }
        links: dict[int, list[EntryEvidence]] = {}
        # Withdrawn evidence is not linked again.
        for link in EntryEvidence.objects.filter(
            entry_id__in=[entry.pk for entry in old_entries.values()],
            evidence__withdrawn_at__isnull=True,
        ):
            links.setdefault(link.entry_id, []).append(link)

        reason_same = str(CARRY_REASON % {"old": old.version, "new": new_rubric.version})
        reason_changed = str(CARRY_REASON_CHANGED % {"old": old.version, "new": new_rubric.version})
        created: list[Entry] = []
        source_entry: dict[int, Entry] = {}  # id(new entry object) → old entry
        for card in cards:
            for leaf in leaves:
                entry = Entry(scorecard=card, criterion=leaf)
                source = source_of.get(leaf.pk)
                previous = old_entries.get((card.pk, source[0].pk)) if source else None
                if previous is not None:
                    changed = source[1]  # type: ignore[index]
                    same_kind = source[0].kind == leaf.kind  # type: ignore[index]
                    entry.comment = previous.comment
                    if same_kind:
                        for name in INPUT_FIELDS:
                            setattr(entry, name, getattr(previous, name))
                    if not changed:
                        entry.final_points = previous.final_points
                        entry.final_reason = previous.final_reason
                        entry.final_by_id = previous.final_by_id
                        entry.final_at = previous.final_at
                    entry.needs_review = previous.needs_review or (
                        changed and _has_anything(previous, links.get(previous.pk, []))
                    )
                    entry.updated_by_id = previous.updated_by_id
                    entry.updated_at = previous.updated_at
                    source_entry[id(entry)] = previous
                created.append(entry)
        Entry.objects.bulk_create(created)

        # Points under the new version, criterion by criterion (relative-to-leader
        # compares the whole cluster, so each criterion is computed across the period).
        by_criterion: dict[int, list[Entry]] = {}
        for entry in created:
            by_criterion.setdefault(entry.criterion_id, []).append(entry)
        for leaf in leaves:
            compute_entries(leaf, by_criterion.get(leaf.pk, []))
        Entry.objects.bulk_update(created, ["target_used", "self_points", "self_explanation"])

        new_links: list[EntryEvidence] = []
        history: list[EntryHistory] = []
        actor_user = _actor_or_none(actor)
        actor_name = actor_user.get_username() if actor_user else ""
        carried = flagged = 0
        entry_map: dict[int, Entry] = {}  # old entry id → new entry
        for entry in created:
            previous = source_entry.get(id(entry))
            if previous is None:
                continue
            entry_map[previous.pk] = entry
            changed = source_of[entry.criterion_id][1]
            reason = reason_changed if changed else reason_same
            for link in links.get(previous.pk, []):
                new_links.append(
                    EntryEvidence(entry=entry, evidence_id=link.evidence_id, added_by=link.added_by)
                )
            values = [(name, None, getattr(entry, name)) for name in INPUT_FIELDS]
            values += [
                ("comment", None, entry.comment or None),
                ("self_points", None, entry.self_points),
                ("final_points", None, entry.final_points),
            ]
            if changed and previous.final_points is not None:
                values.append(("final_points", previous.final_points, None))
            rows = [
                EntryHistory(
                    entry=entry,
                    source=EntryHistory.Source.CARRIED,
                    field=name,
                    old_value=_text(before),
                    new_value=_text(after),
                    reason=reason,
                    actor=actor_user,
                    actor_name=actor_name,
                )
                for name, before, after in values
                if before is not None or after is not None
            ]
            history.extend(rows)
            carried += 1 if rows or links.get(previous.pk) else 0
            flagged += 1 if entry.needs_review else 0
        EntryEvidence.objects.bulk_create(new_links)
        EntryHistory.objects.bulk_create(history)
        _carry_reviews(entry_map, source_of)
        moved_requests = _carry_explanation_requests(entry_map, cards)

        period.rubric = new_rubric
        period.save(update_fields=["rubric"])
        refresh_totals(card.pk for card in cards)

        code_order = _code_order(leaves)
        changed_codes = sorted(
            (leaf.code for leaf in leaves if leaf.pk in source_of and source_of[leaf.pk][1]),
            key=code_order,
        )
        added_codes = [leaf.code for leaf in leaves if leaf.pk not in source_of]
        summary = {
            "from": {"id": old.pk, "version": old.version},
            "to": {"id": new_rubric.pk, "version": new_rubric.version},
            "scorecards": len(cards),
            "carried": carried,
            "needs_review": flagged,
            "changed": changed_codes,
            "added": added_codes,
            "removed": removed,
            "explanation_requests": moved_requests,
        }
        log_action(
            actor=actor,
            action="scoring.period.rubric_changed",
            obj=period,
            scope_id=scope_of_period(period),
            data=summary,
        )
        year = period.cluster_year
        notify(
            user_ids=member_user_ids(year.pk),
            key="scoring.period.rubric_changed",
            subject=RUBRIC_CHANGED_SUBJECT,
            body=RUBRIC_CHANGED_BODY,
            params={
                **_period_words(period),
                "version": new_rubric.version,
                "note": new_rubric.change_note or NONE_LISTED,
                "changed": ", ".join(changed_codes) or NONE_LISTED,
                "added": ", ".join(added_codes) or NONE_LISTED,
                "removed": ", ".join(removed) or NONE_LISTED,
            },
            link=reverse("period_detail", args=[period.pk]),
            scope_id=scope_of_period(period),
        )
    return summary


def _code_order(criteria: Iterable[Criterion]):  # type: ignore[no-untyped-def]
    order = {item.code: (item.order, item.pk) for item in criteria}
    return lambda code: order.get(code, (0, 0))


def _carry_reviews(
    entry_map: dict[int, Entry], source_of: dict[int, tuple[Criterion, bool]]
) -> None:
    """The verifiers' proposals on unchanged criteria follow their entry (in the order
    they were made); on changed criteria they stay with the old entry."""
    keep = {
        old_id: entry for old_id, entry in entry_map.items() if not source_of[entry.criterion_id][1]
    }
    if not keep:
        return
    Review.objects.bulk_create(
        Review(
            entry=keep[review.entry_id],
            role=review.role,
            reviewer_unit_id=review.reviewer_unit_id,
            reviewer_id=review.reviewer_id,
            points=review.points,
            reason=review.reason,
        )
        for review in Review.objects.filter(entry_id__in=list(keep)).order_by("created_at", "pk")
    )


def _carry_explanation_requests(entry_map: dict[int, Entry], cards: list[Scorecard]) -> list:
    """Requests for explanation still waiting for an answer or a decision point at the
    new entries of the criteria they questioned (the log keeps the old ones)."""
    moved = []
    requests = ExplanationRequest.objects.filter(
        scorecard__in=cards,
        state__in=[ExplanationRequest.State.OPEN, ExplanationRequest.State.ANSWERED],
    ).prefetch_related("entries")
    for request in requests:
        old_ids = sorted(entry.pk for entry in request.entries.all())
        new_entries = [entry_map[pk] for pk in old_ids if pk in entry_map]
        if new_entries:
            request.entries.set(new_entries)
            moved.append(
                {"id": request.pk, "old": old_ids, "new": sorted(e.pk for e in new_entries)}
            )
    return moved


# Deadline reminders ---------------------------------------------------------------------


def _in_window(deadline: dt.datetime, at: dt.datetime, days: int) -> bool:
    """The deadline is within (days − 1, days] days from ``at``."""
    left = deadline - at
    return dt.timedelta(days=days - 1) < left <= dt.timedelta(days=days)


def _once(period: Period, key: str, days: int) -> bool:
    """Record the reminder; False when it had already been sent."""
    _row, created = ReminderSent.objects.get_or_create(
        period=period, deadline=key, days_before=days
    )
    return created


def _remind_self(period: Period, days: int) -> int:
    cards = list(
        Scorecard.objects.filter(period=period, state__in=SELF_SCORING_STATES).order_by("pk")
    )
    people: dict[int, list[int]] = {}
    for unit_id, user_id in Profile.objects.filter(
        unit_id__in=[card.unit_id for card in cards], user__is_active=True
    ).values_list("unit_id", "user_id"):
        people.setdefault(unit_id, []).append(user_id)
    cards = [card for card in cards if people.get(card.unit_id)]
    if not cards:
        return 0
    with transaction.atomic():
        if not _once(period, "self", days):
            return 0
        for card in cards:
            notify(
                user_ids=people[card.unit_id],
                key="scoring.period.reminder_self",
                subject=REMINDER_SELF_SUBJECT,
                body=REMINDER_SELF_BODY,
                params={
                    **_period_words(period),
                    "days": days,
                    "deadline": deadline_text(period.self_deadline),
                },
                link=scorecard_link(card),
                scope_id=scope_of_period(period),
            )
    return 1


def verifier_user_ids(period: Period, pending: list[Scorecard]) -> list[int]:
    """Who verifies the period's pending scorecards: the head's people, the deputy's
    (when the deputy verifies), the assigned peer units' (cross-scoring) and the board."""
    year = period.cluster_year
    unit_ids = set()
    if year.head_unit_id:
        unit_ids.add(year.head_unit_id)
    if period.deputy_verifies and year.deputy_unit_id:
        unit_ids.add(year.deputy_unit_id)
    if period.cross_scoring:
        unit_ids.update(
            ReviewAssignment.objects.filter(scorecard__in=pending).values_list(
                "reviewer_unit_id", flat=True
            )
        )
    return sorted(set(unit_user_ids(unit_ids)) | set(board_user_ids(scope_of_period(period))))


def _remind_verification(period: Period, days: int) -> int:
    pending = list(Scorecard.objects.filter(period=period).exclude(state=Scorecard.State.FINALISED))
    if not pending:
        return 0
    people = verifier_user_ids(period, pending)
    if not people:
        return 0
    with transaction.atomic():
        if not _once(period, "verification", days):
            return 0
        notify(
            user_ids=people,
            key="scoring.period.reminder_verification",
            subject=REMINDER_VERIFICATION_SUBJECT,
            body=REMINDER_VERIFICATION_BODY,
            params={
                **_period_words(period),
                "days": days,
                "deadline": deadline_text(period.verification_deadline),
                "pending": len(pending),
            },
            link=reverse("period_detail", args=[period.pk]),
            scope_id=scope_of_period(period),
        )
    return 1


def _remind_explanation(request: ExplanationRequest, days: int) -> int:
    card = request.scorecard
    period = card.period
    people = unit_user_ids([card.unit_id])
    if not people:
        return 0
    with transaction.atomic():
        if not _once(period, f"explanation:{request.pk}", days):
            return 0
        notify(
            user_ids=people,
            key="scoring.period.reminder_explanation",
            subject=REMINDER_EXPLANATION_SUBJECT,
            body=REMINDER_EXPLANATION_BODY,
            params={
                **_period_words(period),
                "days": days,
                "deadline": deadline_text(request.deadline),
                "question": request.question,
            },
            link=scorecard_link(card),
            scope_id=scope_of_period(period),
        )
    return 1


def send_deadline_reminders(*, at: dt.datetime | None = None) -> int:
    """Remind people of the deadlines of open periods 3 days and 1 day before: units
    still self-scoring (self-scoring deadline), verifiers (verification deadline) and
    units asked to explain (each request's own deadline). Each reminder is sent once
    (``ReminderSent``), so the beat may run this as often as it likes. Returns how
    many reminders were sent (one per deadline and lead time)."""
    now = at or timezone.now()
    horizon = now + dt.timedelta(days=max(REMINDER_DAYS))
    sent = 0
    periods = Period.objects.filter(state=Period.State.OPEN).select_related("cluster_year__cluster")
    for period in periods.order_by("pk"):
        for days in REMINDER_DAYS:
            if _in_window(period.self_deadline, now, days):
                sent += _remind_self(period, days)
            if _in_window(period.verification_deadline, now, days):
                sent += _remind_verification(period, days)
    requests = ExplanationRequest.objects.filter(
        state=ExplanationRequest.State.OPEN,
        scorecard__period__state=Period.State.OPEN,
        deadline__gt=now,
        deadline__lte=horizon,
    ).select_related("scorecard__period__cluster_year__cluster")
    for request in requests.order_by("pk"):
        for days in REMINDER_DAYS:
            if _in_window(request.deadline, now, days):
                sent += _remind_explanation(request, days)
    return sent
