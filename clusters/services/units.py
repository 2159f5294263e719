"""The unit register: create, edit, and the lineage changes (rename, merge, split)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clusters.models import (
    Organizer,
    Unit,
    UnitLineage,
)
from clusters.services.messages import (
    CHANGE_DATE_BEFORE_START,
    DATES_REVERSED,
    DUPLICATE_UNIT,
    DUPLICATE_UNIT_PERIOD,
    MERGE_NEEDS_TWO,
    PARENT_IS_SELF,
    PARENT_OTHER_ORGANIZER,
    SPLIT_NEEDS_TWO,
    UNIT_ALREADY_ENDED,
    UNIT_ENDS_BEFORE_MEMBERSHIP,
)
from core.audit import changes, log_action, snapshot
from core.text import nfc, vi_sort_key

UNIT_FIELDS = [
    "name", "kind", "short_name", "parent", "code", "valid_from", "valid_to", "leader_title",
]  # fmt: skip


def validity_period(unit: Unit) -> str:
    end = unit.valid_to.strftime("%d/%m/%Y") if unit.valid_to else "…"
    return f"{unit.valid_from:%d/%m/%Y} – {end}"


# Units ------------------------------------------------------------------------


def _check_unit(unit: Unit) -> None:
    errors: dict[str, list] = {}
    if unit.valid_to and unit.valid_to < unit.valid_from:
        errors.setdefault("valid_to", []).append(DATES_REVERSED)
    if unit.parent_id:
        if unit.parent_id == unit.pk:
            errors.setdefault("parent", []).append(PARENT_IS_SELF)
        elif unit.parent.organizer_id != unit.organizer_id:
            errors.setdefault("parent", []).append(PARENT_OTHER_ORGANIZER)
    if unit.pk:
        # A unit cannot stop existing before (or start after) a year it is a member of.
        memberships = unit.memberships.select_related("cluster_year__cluster").order_by("year")
        for membership in memberships:
            if not unit.is_valid_in_year(membership.year):
                errors.setdefault(
                    "valid_to"
                    if unit.valid_to and unit.valid_to.year < membership.year
                    else "valid_from",
                    [],
                ).append(
                    ValidationError(
                        UNIT_ENDS_BEFORE_MEMBERSHIP,
                        params={
                            "unit": unit.name,
                            "cluster": membership.cluster_year.cluster.name,
                            "year": membership.year,
                        },
                    )
                )
                break
    if unit.valid_to is None:
        clash = Unit.objects.filter(
            organizer_id=unit.organizer_id,
            sort_key=vi_sort_key(nfc(unit.name)),
            valid_to__isnull=True,
        ).exclude(pk=unit.pk)
        if clash.exists():
            errors.setdefault("name", []).append(
                ValidationError(DUPLICATE_UNIT, params={"name": nfc(unit.name)})
            )
    if "name" not in errors and unit.valid_from:
        # Nor two units of one name whose periods overlap (an ended one included):
        # both could then sit in the same cluster year.
        overlapping = Unit.objects.filter(
            organizer_id=unit.organizer_id,
            sort_key=vi_sort_key(nfc(unit.name)),
            valid_to__gte=unit.valid_from,
        ).exclude(pk=unit.pk)
        if unit.valid_to is not None:
            overlapping = overlapping.filter(valid_from__lte=unit.valid_to)
        other = overlapping.first()
        if other is not None:
            errors.setdefault("name", []).append(
                ValidationError(
                    DUPLICATE_UNIT_PERIOD,
                    params={"name": nfc(unit.name), "period": validity_period(other)},
                )
            )
    if errors:
        raise ValidationError(errors)


def unit_create(*, actor: Any, organizer: Organizer, **fields: Any) -> Unit:
    unit = Unit(organizer=organizer, **fields)
    unit.name = nfc(unit.name)
    with transaction.atomic():
        Organizer.objects.select_for_update().get(pk=organizer.pk)  # serialise name checks
        _check_unit(unit)
        unit.save()
        log_action(
            actor=actor,
            action="clusters.unit.created",
            obj=unit,
            scope_id=organizer.pk,
            data={"new": snapshot(unit, UNIT_FIELDS)},
        )
    return unit


def unit_update(*, actor: Any, unit: Unit, **fields: Any) -> Unit:
    with transaction.atomic():
        Organizer.objects.select_for_update().get(pk=unit.organizer_id)
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        before = snapshot(unit, UNIT_FIELDS)
        for name, value in fields.items():
            setattr(unit, name, value)
        _check_unit(unit)
        unit.save()
        log_action(
            actor=actor,
            action="clusters.unit.updated",
            obj=unit,
            scope_id=unit.organizer_id,
            data=changes(before, snapshot(unit, UNIT_FIELDS)),
        )
    return unit


def _end_units(units: Sequence[Unit], date: dt.date) -> None:
    for unit in units:
        if unit.valid_to is not None:
            raise ValidationError(
                UNIT_ALREADY_ENDED, params={"unit": unit.name, "date": f"{unit.valid_to:%d/%m/%Y}"}
            )
        if date <= unit.valid_from:
            raise ValidationError(
                CHANGE_DATE_BEFORE_START,
                params={"unit": unit.name, "date": f"{unit.valid_from:%d/%m/%Y}"},
            )
        unit.valid_to = date - dt.timedelta(days=1)
        unit.save(update_fields=["valid_to"])


def _lineage_change(
    *,
    actor: Any,
    kind: str,
    predecessors: Sequence[Unit],
    successors_fields: Sequence[dict[str, Any]],
    date: dt.date,
    decision: str,
) -> list[Unit]:
    organizer_id = predecessors[0].organizer_id
    with transaction.atomic():
        Organizer.objects.select_for_update().get(pk=organizer_id)
        locked = list(Unit.objects.select_for_update().filter(pk__in=[u.pk for u in predecessors]))
        if any(unit.organizer_id != organizer_id for unit in locked):
            raise ValidationError(PARENT_OTHER_ORGANIZER)
        _end_units(locked, date)
        successors = []
        for fields in successors_fields:
            successor = Unit(organizer_id=organizer_id, valid_from=date, **fields)
            successor.name = nfc(successor.name)
            _check_unit(successor)
            successor.save()
            successors.append(successor)
        for predecessor in locked:
            for successor in successors:
                UnitLineage.objects.create(
                    predecessor=predecessor,
                    successor=successor,
                    kind=kind,
                    date=date,
                    decision=nfc(decision),
                )
        log_action(
            actor=actor,
            action=f"clusters.unit.{kind}d" if kind != "split" else "clusters.unit.split",
            obj=successors[0],
            scope_id=organizer_id,
            data={
                "predecessors": [u.name for u in locked],
                "successors": [u.name for u in successors],
                "date": date,
                "decision": decision,
            },
        )
    return successors


def unit_rename(
    *, actor: Any, unit: Unit, new_name: str, date: dt.date, decision: str = ""
) -> Unit:
    """The renamed unit is a new register entry; the old name keeps its history."""
    fields = {
        "name": new_name,
        "kind": unit.kind,
        "short_name": "",
        "parent": unit.parent,
        "code": unit.code,
        "leader_title": unit.leader_title,
    }
    return _lineage_change(
        actor=actor,
        kind=UnitLineage.Kind.RENAME,
        predecessors=[unit],
        successors_fields=[fields],
        date=date,
        decision=decision,
    )[0]


def units_merge(
    *,
    actor: Any,
    units: Sequence[Unit],
    name: str,
    kind: str,
    date: dt.date,
    decision: str = "",
    parent: Unit | None = None,
) -> Unit:
    if len({unit.pk for unit in units}) < 2:
        raise ValidationError(MERGE_NEEDS_TWO)
    return _lineage_change(
        actor=actor,
        kind=UnitLineage.Kind.MERGE,
        predecessors=units,
        successors_fields=[{"name": name, "kind": kind, "parent": parent}],
        date=date,
        decision=decision,
    )[0]


def unit_split(
    *, actor: Any, unit: Unit, names: Sequence[str], kind: str, date: dt.date, decision: str = ""
) -> list[Unit]:
    names = [nfc(name) for name in names if nfc(name)]
    if len(names) < 2:
        raise ValidationError(SPLIT_NEEDS_TWO)
    return _lineage_change(
        actor=actor,
        kind=UnitLineage.Kind.SPLIT,
        predecessors=[unit],
        successors_fields=[{"name": name, "kind": kind, "parent": unit.parent} for name in names],
        date=date,
        decision=decision,
    )
