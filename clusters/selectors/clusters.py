"""Read queries for the cluster and cluster-year screens."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Max, Prefetch, Q, QuerySet

from clusters.models import Cluster, ClusterYear, Membership, Organizer, Unit


def _years_with_counts() -> QuerySet[ClusterYear]:
    return (
        ClusterYear.objects.select_related("head_unit", "deputy_unit")
        .annotate(member_count=Count("memberships"))
        .order_by("-year")
    )


def cluster_list(
    *, organizer: Organizer, query: str = "", kind: str = "", active: str = ""
) -> list[Cluster]:
    """The organizer's clusters in Vietnamese order, each with ``latest_year``
    (head and member count) or None: two queries whatever the number of clusters."""
    clusters = Cluster.objects.filter(organizer=organizer).search(query)
    if kind:
        clusters = clusters.filter(kind=kind)
    if active == "yes":
        clusters = clusters.filter(is_active=True)
    elif active == "no":
        clusters = clusters.filter(is_active=False)
    clusters = clusters.vi_ordered().prefetch_related(
        Prefetch("years", queryset=_years_with_counts(), to_attr="year_list")
    )
    result = list(clusters)
    for cluster in result:
        cluster.latest_year = cluster.year_list[0] if cluster.year_list else None
    return result


def cluster_years(*, cluster: Cluster, unit_id: int | None = None) -> list[ClusterYear]:
    """The cluster's years, newest first, with head, deputy and member count;
    only the years ``unit_id`` is a member of when given (a unit's view)."""
    years = _years_with_counts().filter(cluster=cluster)
    if unit_id is not None:
        years = years.filter(
            pk__in=Membership.objects.filter(unit_id=unit_id).values("cluster_year")
        )
    return list(years)


def next_year_number(*, cluster: Cluster, today: dt.date) -> int:
    """The year after the cluster's latest one, or this year for a new cluster."""
    latest = cluster.years.aggregate(latest=Max("year"))["latest"]
    return latest + 1 if latest else today.year


def year_members(*, cluster_year: ClusterYear) -> list[Membership]:
    """Members in the agreed order."""
    return list(cluster_year.memberships.select_related("unit").order_by("order", "pk"))


def units_valid_in_year(*, organizer: Organizer, year: int) -> QuerySet[Unit]:
    """The organizer's units that existed at some time in ``year``, Vietnamese order."""
    return (
        Unit.objects.filter(organizer=organizer, valid_from__lte=dt.date(year, 12, 31))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=dt.date(year, 1, 1)))
        .vi_ordered()
    )


def head_unit_choices(*, organizer: Organizer, year: int | None) -> QuerySet[Unit]:
    """Units offered as head or deputy: the current ones, plus those of ``year``
    (so an older year still offers the units that existed then)."""
    condition = Q(valid_to__isnull=True)
    if year is not None:
        condition |= Q(valid_from__lte=dt.date(year, 12, 31), valid_to__gte=dt.date(year, 1, 1))
    return Unit.objects.filter(organizer=organizer).filter(condition).vi_ordered()


def organizer_units(*, organizer: Organizer) -> QuerySet[Unit]:
    return Unit.objects.filter(organizer=organizer).vi_ordered()


def cluster_year_by_number(*, cluster: Cluster, year: int) -> ClusterYear | None:
    return ClusterYear.objects.filter(cluster=cluster, year=year).first()


def latest_year(*, cluster: Cluster) -> ClusterYear | None:
    return cluster.years.order_by("-year").first()


def sibling_years(*, cluster_year: ClusterYear, unit_id: int | None) -> list[ClusterYear]:
    """All years of the same cluster, oldest first, for the year switcher; only the
    ones ``unit_id`` belongs to when given (a unit's view)."""
    years = ClusterYear.objects.filter(cluster_id=cluster_year.cluster_id)
    if unit_id is not None:
        years = years.filter(memberships__unit_id=unit_id)
    return list(years.order_by("year").only("pk", "year", "status"))
