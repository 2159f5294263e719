"""Cluster years: members in the agreed order, head and deputy, the naming decision,
open/closed, and the rotation of the head."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clusters.locks import membership_lock_reason
from clusters.models import (
    CLUSTER_YEAR_TRANSITIONS,
    Cluster,
    ClusterYear,
    Membership,
    Organizer,
    Unit,
)
from clusters.selectors.units import unit_successors
from clusters.services.messages import (
    DECISION_DATE_OUTSIDE,
    DECISION_INCOMPLETE,
    DEPUTY_NOT_MEMBER,
    DUPLICATE_YEAR,
    HEAD_IS_DEPUTY,
    HEAD_NOT_MEMBER,
    NEXT_YEAR_HAS_HEAD,
    ROTATION_NEEDS_ORDER,
    TRANSITION_NOT_ALLOWED,
    UNIT_IN_OTHER_CLUSTER,
    UNIT_LISTED_TWICE,
    UNIT_NOT_VALID_IN_YEAR,
    UNIT_OTHER_ORGANIZER,
    UNKNOWN_STATUS,
    YEAR_CLOSED,
)
from clusters.services.units import validity_period
from core.audit import changes, log_action, snapshot
from core.text import nfc
from scoring.phase_stamp import bump_phase

YEAR_FIELDS = [
    "theme", "head_unit", "deputy_unit", "head_selection", "decision_number",
    "decision_date", "decision_signer", "decision_file",
]  # fmt: skip


# Cluster years and membership -----------------------------------------------------


def _check_members(
    cluster: Cluster, year: int, units: Sequence[Unit], exclude_year_pk: int | None
) -> None:
    errors: list[ValidationError] = []
    seen: set[int] = set()
    for unit in units:
        if unit.pk in seen:
            errors.append(ValidationError(UNIT_LISTED_TWICE, params={"unit": unit.name}))
            continue
        seen.add(unit.pk)
        if unit.organizer_id != cluster.organizer_id:
            errors.append(ValidationError(UNIT_OTHER_ORGANIZER, params={"unit": unit.name}))
        elif not unit.is_valid_in_year(year):
            errors.append(
                ValidationError(
                    UNIT_NOT_VALID_IN_YEAR,
                    params={"unit": unit.name, "year": year, "period": validity_period(unit)},
                )
            )
    elsewhere = (
        Membership.objects.filter(organizer_id=cluster.organizer_id, year=year, unit_id__in=seen)
        .exclude(cluster_year_id=exclude_year_pk)
        .select_related("unit", "cluster_year__cluster")
    )
    for membership in elsewhere:
        errors.append(
            ValidationError(
                UNIT_IN_OTHER_CLUSTER,
                params={
                    "unit": membership.unit.name,
                    "cluster": membership.cluster_year.cluster.name,
                    "year": year,
                },
            )
        )
    if errors:
        raise ValidationError({"members": errors})


def _check_year_fields(cluster_year: ClusterYear, member_ids: set[int]) -> None:
    errors: dict[str, list] = {}
    head, deputy = cluster_year.head_unit_id, cluster_year.deputy_unit_id
    if head and head not in member_ids:
        errors.setdefault("head_unit", []).append(HEAD_NOT_MEMBER)
    if deputy and deputy not in member_ids:
        errors.setdefault("deputy_unit", []).append(DEPUTY_NOT_MEMBER)
    if head and deputy and head == deputy:
        errors.setdefault("deputy_unit", []).append(HEAD_IS_DEPUTY)
    date = cluster_year.decision_date
    year = cluster_year.year
    # The naming decision is issued during set-up, from autumn of the year before.
    if date and not (dt.date(year - 1, 10, 1) <= date <= dt.date(year, 12, 31)):
        errors.setdefault("decision_date", []).append(
            ValidationError(DECISION_DATE_OUTSIDE, params={"before": year - 1, "year": year})
        )
    if bool(cluster_year.decision_number) != bool(date):
        errors.setdefault("decision_number", []).append(DECISION_INCOMPLETE)
    if errors:
        raise ValidationError(errors)


def _write_members(cluster_year: ClusterYear, units: Sequence[Unit]) -> None:
    cluster_year.memberships.all().delete()
    Membership.objects.bulk_create(
        Membership(
            cluster_year=cluster_year,
            unit=unit,
            order=position,
            organizer_id=cluster_year.cluster.organizer_id,
            year=cluster_year.year,
        )
        for position, unit in enumerate(units, start=1)
    )
    # bulk_create sends no signal: the phase bar's stamp (scoring.phase_stamp).
    bump_phase(cluster_year.cluster.organizer_id)


def cluster_year_create(
    *,
    actor: Any,
    cluster: Cluster,
    year: int,
    members: Sequence[Unit],
    **fields: Any,
) -> ClusterYear:
    with transaction.atomic():
        Organizer.objects.select_for_update().get(pk=cluster.organizer_id)
        if ClusterYear.objects.filter(cluster=cluster, year=year).exists():
            raise ValidationError({"year": ValidationError(DUPLICATE_YEAR, params={"year": year})})
        cluster_year = ClusterYear(cluster=cluster, year=year, **fields)
        cluster_year.theme = nfc(cluster_year.theme)
        _check_members(cluster, year, members, exclude_year_pk=None)
        _check_year_fields(cluster_year, {unit.pk for unit in members})
        cluster_year.save()
        _write_members(cluster_year, members)
        log_action(
            actor=actor,
            action="clusters.cluster_year.created",
            obj=cluster_year,
            scope_id=cluster.organizer_id,
            data={
                "new": snapshot(cluster_year, YEAR_FIELDS),
                "members": [unit.name for unit in members],
            },
        )
    return cluster_year


def _refuse_if_membership_fixed(cluster_year: ClusterYear) -> None:
    reason = membership_lock_reason(cluster_year)
    if reason:
        raise ValidationError({"members": ValidationError(reason)})


def _lock_year(cluster_year: ClusterYear) -> ClusterYear:
    Organizer.objects.select_for_update().get(pk=cluster_year.cluster.organizer_id)
    locked = (
        ClusterYear.objects.select_for_update().select_related("cluster").get(pk=cluster_year.pk)
    )
    if not locked.is_open:
        raise ValidationError(YEAR_CLOSED, params={"year": locked.year})
    return locked


def cluster_year_update(*, actor: Any, cluster_year: ClusterYear, **fields: Any) -> ClusterYear:
    with transaction.atomic():
        cluster_year = _lock_year(cluster_year)
        before = snapshot(cluster_year, YEAR_FIELDS)
        changes_head = any(
            name in fields and getattr(cluster_year, name) != fields[name]
            for name in ("head_unit", "deputy_unit")
        )
        if changes_head:
            _refuse_if_membership_fixed(cluster_year)
        for name, value in fields.items():
            setattr(cluster_year, name, value)
        cluster_year.theme = nfc(cluster_year.theme)
        member_ids = set(cluster_year.memberships.values_list("unit_id", flat=True))
        _check_year_fields(cluster_year, member_ids)
        cluster_year.save()
        log_action(
            actor=actor,
            action="clusters.cluster_year.updated",
            obj=cluster_year,
            scope_id=cluster_year.cluster.organizer_id,
            data=changes(before, snapshot(cluster_year, YEAR_FIELDS)),
        )
    return cluster_year


def cluster_year_set_members(
    *, actor: Any, cluster_year: ClusterYear, members: Sequence[Unit]
) -> ClusterYear:
    """Replace the members with ``members`` in this (agreed) order."""
    with transaction.atomic():
        cluster_year = _lock_year(cluster_year)
        _refuse_if_membership_fixed(cluster_year)
        old = list(
            cluster_year.memberships.select_related("unit").values_list("unit__name", flat=True)
        )
        _check_members(cluster_year.cluster, cluster_year.year, members, cluster_year.pk)
        _check_year_fields(cluster_year, {unit.pk for unit in members})
        _write_members(cluster_year, members)
        log_action(
            actor=actor,
            action="clusters.cluster_year.members_changed",
            obj=cluster_year,
            scope_id=cluster_year.cluster.organizer_id,
            data={"members": {"old": old, "new": [unit.name for unit in members]}},
        )
    return cluster_year


def cluster_year_set_status(
    *, actor: Any, cluster_year: ClusterYear, status: str, reason: str = ""
) -> ClusterYear:
    with transaction.atomic():
        Organizer.objects.select_for_update().get(pk=cluster_year.cluster.organizer_id)
        cluster_year = (
            ClusterYear.objects.select_for_update()
            .select_related("cluster")
            .get(pk=cluster_year.pk)
        )
        old = cluster_year.status
        if status not in ClusterYear.Status.values:
            raise ValidationError(UNKNOWN_STATUS, params={"status": status})
        if status not in CLUSTER_YEAR_TRANSITIONS[old]:
            raise ValidationError(
                TRANSITION_NOT_ALLOWED,
                params={
                    "old": ClusterYear.Status(old).label,
                    "new": ClusterYear.Status(status).label,
                },
            )
        cluster_year.status = status
        cluster_year.save(update_fields=["status"])
        log_action(
            actor=actor,
            action=f"clusters.cluster_year.{'closed' if status == 'closed' else 'reopened'}",
            obj=cluster_year,
            scope_id=cluster_year.cluster.organizer_id,
            data={"status": {"old": old, "new": status}, "reason": reason},
        )
    return cluster_year


# Rotation ---------------------------------------------------------------------------


def rotation_preview(*, cluster_year: ClusterYear, years: int) -> list[dict[str, Any]]:
    """Heads and deputies for the next ``years`` years, following the agreed order.

    The head passes to the next member in the order; the deputy is the member
    after the new head (so this year's deputy usually heads next year). A member
    renamed or merged is carried by its successor; one that no longer exists in a
    year is passed over; the preview stops at a year with fewer than two members.
    """
    members = [m.unit for m in cluster_year.memberships.select_related("unit").order_by("order")]
    ids = [unit.pk for unit in members]
    if len(members) < 2 or cluster_year.head_unit_id not in ids:
        raise ValidationError(ROTATION_NEEDS_ORDER)
    head_position = ids.index(cluster_year.head_unit_id)
    plan = []
    for year in range(cluster_year.year + 1, cluster_year.year + years + 1):
        # (place in the agreed order, the unit that holds it in this year)
        places: list[tuple[int, Unit]] = []
        for position, unit in enumerate(members):
            carried = _carried(unit, year)
            # Merged members hold one place: the first of theirs in the order.
            if carried is not None and all(carried != held for _p, held in places):
                places.append((position, carried))
        if len(places) < 2:
            break
        following = [place for place in places if place[0] > head_position] or places
        index = places.index(following[0])
        head_position, head = places[index]
        deputy = places[(index + 1) % len(places)][1]
        plan.append({"year": year, "head": head, "deputy": deputy})
    return plan


def _carried(unit: Unit, year: int) -> Unit | None:
    """The unit itself if it exists in ``year``, else its only successor that does
    (a renamed unit keeps its place in the rotation)."""
    if unit.is_valid_in_year(year):
        return unit
    successors = [
        successor
        for successor in unit_successors(unit, on=dt.date(year, 12, 31))
        if successor.is_valid_in_year(year)
    ]
    return successors[0] if len(successors) == 1 else None


def _members_carried_into(cluster_year: ClusterYear, year: int) -> list[Unit]:
    members: list[Unit] = []
    for membership in cluster_year.memberships.select_related("unit").order_by("order"):
        unit = _carried(membership.unit, year)
        if unit is not None and unit not in members:
            members.append(unit)
    return members


def rotation_apply_next(*, actor: Any, cluster_year: ClusterYear) -> ClusterYear:
    """Create next year with the same members in the same order and the rotated
    head and deputy (or name them on an existing next year that has no head)."""
    preview = rotation_preview(cluster_year=cluster_year, years=1)
    if not preview:
        raise ValidationError(ROTATION_NEEDS_ORDER)
    plan = preview[0]
    cluster = cluster_year.cluster
    next_year = ClusterYear.objects.filter(cluster=cluster, year=plan["year"]).first()
    if next_year is None:
        return cluster_year_create(
            actor=actor,
            cluster=cluster,
            year=plan["year"],
            members=_members_carried_into(cluster_year, plan["year"]),
            head_unit=plan["head"],
            deputy_unit=plan["deputy"],
            head_selection=ClusterYear.HeadSelection.ROTATION,
        )
    if next_year.head_unit_id:
        raise ValidationError(NEXT_YEAR_HAS_HEAD, params={"year": next_year.year})
    return cluster_year_update(
        actor=actor, cluster_year=next_year, head_unit=plan["head"], deputy_unit=plan["deputy"]
    )
