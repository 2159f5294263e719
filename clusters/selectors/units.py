from __future__ import annotations

import datetime as dt

from clusters.models import Unit, UnitLineage


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
