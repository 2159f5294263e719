"""What the board's nomination pages, the award list and the public disclosure read.

Each function reads in a fixed number of queries whatever the number of clusters,
nominees, dossier pieces or comments (tested at two sizes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch

from clusters.models import ClusterYear, Organizer
from core.models import DocumentJob
from scoring.models import (
    Disclosure,
    DisclosureComment,
    Nomination,
    NominationDocument,
    Nominee,
    Period,
)

PROPOSED_STATES = (Nomination.State.SUBMITTED, Nomination.State.ACCEPTED)
AWARD_ORDER = (Nominee.Award.FLAG, Nominee.Award.MERIT)


@dataclass
class ClusterNominations:
    """One cluster year of the organizer with its nomination (or none)."""

    cluster_year: ClusterYear
    nomination: Nomination | None = None
    nominees: list[Nominee] = field(default_factory=list)
    documents: list[NominationDocument] = field(default_factory=list)

    @property
    def document_count(self) -> int:
        return len(self.documents)

    @property
    def state(self) -> str:
        return self.nomination.state if self.nomination else "none"


def organizer_years(*, organizer: Organizer) -> list[int]:
    """The years in which the organizer has cluster years, newest first."""
    return sorted(
        set(
            ClusterYear.objects.filter(cluster__organizer=organizer).values_list("year", flat=True)
        ),
        reverse=True,
    )


def _preferred(nominations: Iterable[Nomination]) -> Nomination | None:
    """A cluster year may have a nomination per period: the year-end one first."""
    ordered = sorted(
        nominations,
        key=lambda item: (item.period.kind != Period.Kind.YEAR_END, -item.pk),
    )
    return ordered[0] if ordered else None


def organizer_nominations(*, organizer: Organizer, year: int) -> list[ClusterNominations]:
    """Every cluster year of the organizer in ``year`` with its nomination, nominees
    (with comment counts as ``comment_count``) and dossier pieces. Four queries."""
    years = list(
        ClusterYear.objects.filter(cluster__organizer=organizer, year=year)
        .select_related("cluster", "head_unit", "deputy_unit")
        .order_by("cluster__sort_key", "pk")
    )
    nominations = list(
        Nomination.objects.filter(organizer=organizer, year=year)
        .select_related("period", "submitted_by", "decided_by")
        .prefetch_related(
            Prefetch(
                "nominees",
                queryset=Nominee.objects.select_related("unit")
                .annotate(comment_count=Count("comments"))
                .order_by("award", "order", "pk"),
            ),
            Prefetch(
                "documents",
                queryset=NominationDocument.objects.filter(withdrawn_at__isnull=True)
                .select_related("unit", "job")
                .order_by("kind", "created_at", "pk"),
            ),
        )
    )
    by_year: dict[int, list[Nomination]] = defaultdict(list)
    for nomination in nominations:
        by_year[nomination.cluster_year_id].append(nomination)
    rows = []
    for cluster_year in years:
        chosen = _preferred(by_year.get(cluster_year.pk, []))
        row = ClusterNominations(cluster_year=cluster_year, nomination=chosen)
        if chosen is not None:
            row.nominees = sorted(
                chosen.nominees.all(), key=lambda item: (AWARD_ORDER.index(item.award), item.order)
            )
            row.documents = list(chosen.documents.all())
        rows.append(row)
    return rows


@dataclass
class AwardLine:
    number: int
    cluster: str
    unit: str
    award: str
    award_label: Any
    rank: int | None
    total: Decimal | None
    votes: int | None
    women_preference: bool
    nominee: Nominee


@dataclass
class AwardGroup:
    award: str
    label: Any
    lines: list[AwardLine]


@dataclass
class AwardList:
    organizer: Organizer
    year: int
    groups: list[AwardGroup]

    @property
    def lines(self) -> list[AwardLine]:
        return [line for group in self.groups for line in group.lines]


def award_list(*, organizer: Organizer, year: int) -> AwardList:
    """The accepted nominees of the organizer's year, by award (flags first, then
    certificates of merit), each by cluster, then in the nomination's order. One query."""
    nominees = list(
        Nominee.objects.filter(
            nomination__organizer=organizer,
            nomination__year=year,
            nomination__state=Nomination.State.ACCEPTED,
        )
        .select_related("unit", "nomination__cluster_year__cluster")
        .order_by("nomination__cluster_year__cluster__sort_key", "order", "rank", "pk")
    )
    groups = []
    number = 0
    for award in AWARD_ORDER:
        lines = []
        for nominee in nominees:
            if nominee.award != award:
                continue
            number += 1
            lines.append(
                AwardLine(
                    number=number,
                    cluster=nominee.nomination.cluster_year.cluster.name,
                    unit=nominee.unit.name,
                    award=award,
                    award_label=Nominee.Award(award).label,
                    rank=nominee.rank,
                    total=nominee.total,
                    votes=nominee.votes,
                    women_preference=nominee.women_preference,
                    nominee=nominee,
                )
            )
        groups.append(AwardGroup(award=award, label=Nominee.Award(award).label, lines=lines))
    return AwardList(organizer=organizer, year=year, groups=groups)


def latest_award_list_job(*, organizer: Organizer, year: int, kind: str) -> DocumentJob | None:
    from django.contrib.contenttypes.models import ContentType

    return (
        DocumentJob.objects.filter(
            content_type=ContentType.objects.get_for_model(Organizer),
            object_id=str(organizer.pk),
            kind=kind,
            params__year=year,
        )
        .order_by("-created_at", "-id")
        .first()
    )


# Public disclosure -----------------------------------------------------------------


def disclosure_of(*, organizer: Organizer, year: int) -> Disclosure | None:
    return Disclosure.objects.filter(organizer=organizer, year=year).first()


def open_disclosures(*, organizer: Organizer, now: Any) -> list[Disclosure]:
    """Windows shown now (opened, not yet closed), newest year first."""
    return list(
        Disclosure.objects.filter(
            organizer=organizer, opens_at__lte=now, closes_at__gt=now
        ).order_by("-year")
    )


@dataclass
class ProposedCluster:
    cluster_year: ClusterYear
    nominees: list[Nominee]


def disclosure_nominees(*, disclosure: Disclosure) -> list[ProposedCluster]:
    """The proposed units (submitted or accepted nominations) of the disclosure's
    organizer and year, by cluster, each with its comments (``shown_comments``), oldest
    first. Two queries."""
    nominees = list(
        Nominee.objects.filter(
            nomination__organizer_id=disclosure.organizer_id,
            nomination__year=disclosure.year,
            nomination__state__in=PROPOSED_STATES,
        )
        .select_related("unit", "nomination__cluster_year__cluster")
        .prefetch_related(
            Prefetch(
                "comments",
                queryset=DisclosureComment.objects.filter(disclosure=disclosure)
                .select_related("author", "unit")
                .order_by("created_at", "pk"),
                to_attr="shown_comments",
            )
        )
        .order_by("nomination__cluster_year__cluster__sort_key", "award", "order", "pk")
    )
    clusters: dict[int, ProposedCluster] = {}
    for nominee in nominees:
        cluster_year = nominee.nomination.cluster_year
        entry = clusters.setdefault(cluster_year.pk, ProposedCluster(cluster_year, []))
        entry.nominees.append(nominee)
    for entry in clusters.values():
        entry.nominees.sort(key=lambda item: (AWARD_ORDER.index(item.award), item.order, item.pk))
    return list(clusters.values())
