from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from clusters.models import Membership, Organizer, Unit, UnitLineage


def unit_successors(unit: Unit, *, on: dt.date | None = None) -> list[Unit]:
    """The units that carry ``unit`` on, following renames, merges and splits
    forward to the ones valid on ``on`` (today's if not given)."""
    on = on or dt.date.today()
    result: list[Unit] = []
    seen = {unit.pk}
    frontier = [unit]
    while frontier:
        links = UnitLineage.objects.filter(predecessor__in=frontier).select_related("successor")
        frontier = []
        for link in links:
            successor = link.successor
            if successor.pk in seen:
                continue
            seen.add(successor.pk)
            if successor.is_valid_on(on) or successor.valid_from > on:
                result.append(successor)
            else:
                frontier.append(successor)
    return result


def unit_history(unit: Unit) -> dict[str, list[UnitLineage]]:
    """The direct links into and out of a unit."""
    return {
        "predecessors": list(
            UnitLineage.objects.filter(successor=unit).select_related("predecessor")
        ),
        "successors": list(
            UnitLineage.objects.filter(predecessor=unit).select_related("successor")
        ),
    }


# Register pages ---------------------------------------------------------------------


def unit_register(
    *, organizer: Organizer, query: str = "", kind: str = "", include_ended: bool = False
) -> QuerySet[Unit]:
    """The organizer's units in Vietnamese order, with their parent and this
    year's clusters prefetched: a page of it costs the same few queries at any size."""
    this_year = timezone.localdate().year
    memberships = Membership.objects.filter(year=this_year).select_related("cluster_year__cluster")
    units = (
        Unit.objects.filter(organizer=organizer)
        .select_related("parent")
        .prefetch_related(
            Prefetch("memberships", queryset=memberships, to_attr="current_memberships")
        )
    )
    if not include_ended:
        units = units.filter(valid_to__isnull=True)
    if kind:
        units = units.filter(kind=kind)
    return units.search(query).vi_ordered()


def current_units(*, organizer: Organizer) -> QuerySet[Unit]:
    """Units that exist today, in Vietnamese order: what parent and merge lists offer."""
    return Unit.objects.filter(organizer=organizer, valid_to__isnull=True).vi_ordered()


@dataclass
class UnitPage:
    unit: Unit
    predecessors: list[UnitLineage]
    successors: list[UnitLineage]
    carried_on_by: list[Unit]
    memberships: list[Membership]
    children: list[Unit]


def unit_page(unit: Unit) -> UnitPage:
    """What a unit's page shows: its history both ways, who carries it on if it
    ended, and its memberships newest year first."""
    history = unit_history(unit)
    memberships = list(
        Membership.objects.filter(unit=unit)
        .select_related("cluster_year__cluster")
        .order_by("-year", "cluster_year__cluster__sort_key")
    )
    for membership in memberships:
        cluster_year = membership.cluster_year
        membership.is_head = cluster_year.head_unit_id == unit.pk
        membership.is_deputy = cluster_year.deputy_unit_id == unit.pk
    return UnitPage(
        unit=unit,
        predecessors=history["predecessors"],
        successors=history["successors"],
        carried_on_by=unit_successors(unit) if unit.valid_to else [],
        memberships=memberships,
        children=list(unit.children.filter(valid_to__isnull=True).vi_ordered()),
    )


def organizer_units(*, organizer: Organizer) -> list[Unit]:
    """Every unit of the organizer, current and ended, for matching names in imports."""
    return list(Unit.objects.filter(organizer=organizer).vi_ordered())
