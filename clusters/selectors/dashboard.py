from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch

from clusters.models import Cluster, ClusterYear, Membership, Organizer, Unit


@dataclass
class ClusterRow:
    cluster: Cluster
    years: list[ClusterYear] = field(default_factory=list)


def board_dashboard(*, organizer: Organizer) -> list[ClusterRow]:
    """Every cluster of the organizer with its years, newest first, head and deputy
    and member counts: three queries whatever the number of clusters."""
    years = (
        ClusterYear.objects.select_related("head_unit", "deputy_unit")
        .annotate(member_count=Count("memberships"))
        .order_by("-year")
    )
    clusters = (
        Cluster.objects.filter(organizer=organizer)
        .order_by("-is_active", "sort_key")
        .prefetch_related(Prefetch("years", queryset=years, to_attr="year_list"))
    )
    return [ClusterRow(cluster=cluster, years=cluster.year_list) for cluster in clusters]


def unit_dashboard(*, unit: Unit) -> list[Membership]:
    """The cluster years the unit is a member of, newest first."""
    return list(
        Membership.objects.filter(unit=unit)
        .select_related(
            "cluster_year__cluster", "cluster_year__head_unit", "cluster_year__deputy_unit"
        )
        .order_by("-year", "cluster_year__cluster__sort_key")
    )
