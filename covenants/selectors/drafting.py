"""Read queries of the drafting pages, each a fixed number of queries whatever the
number of sections, targets, members or comments."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from clusters.models import ClusterYear, Membership
from core.text import vi_number
from covenants.models import (
    AdoptedDocument,
    ConferenceGuest,
    Covenant,
    CovenantComment,
    CovenantSection,
    Target,
)
from covenants.services.warnings import CovenantWarning, TargetData, content_warnings


def year_covenants(*, cluster_year: ClusterYear) -> list[Covenant]:
    """Every version of the year's covenant, newest first."""
    return list(
        Covenant.objects.filter(cluster_year=cluster_year)
        .select_related("amended_from")
        .order_by("-version")
    )


def previous_year_covenant(*, cluster_year: ClusterYear) -> Covenant | None:
    """The newest version of last year's covenant of the same cluster."""
    return (
        Covenant.objects.filter(
            cluster_year__cluster_id=cluster_year.cluster_id,
            cluster_year__year=cluster_year.year - 1,
        )
        .select_related("cluster_year")
        .order_by("-version")
        .first()
    )


def year_members(*, cluster_year: ClusterYear) -> list[Membership]:
    """Member units in the agreed order."""
    return list(cluster_year.memberships.select_related("unit").order_by("order", "pk"))


@dataclass
class TargetRow:
    target: Target
    values: dict[int, Decimal | None]
    cells: list[Decimal | None] = field(default_factory=list)  # in member order

    @property
    def shown(self) -> list[str]:
        """The cells as Vietnamese write numbers ("95,5", "1.234"), "" when empty."""
        return [vi_number(value) if value is not None else "" for value in self.cells]


def target_rows(*, covenant: Covenant, members: list[Membership]) -> list[TargetRow]:
    rows = []
    for target in covenant.targets.prefetch_related("values").order_by("order", "pk"):
        values = {value.unit_id: value.value for value in target.values.all()}
        rows.append(
            TargetRow(
                target=target,
                values=values,
                cells=[values.get(member.unit_id) for member in members],
            )
        )
    return rows


@dataclass
class CovenantPage:
    covenant: Covenant
    members: list[Membership]
    sections: list[CovenantSection]
    guests: list[ConferenceGuest]
    documents: list[AdoptedDocument]
    targets: list[TargetRow]
    comments: list[CovenantComment]
    warnings: list[CovenantWarning]

    @property
    def legal_bases(self) -> list[str]:
        return [line for line in self.covenant.legal_bases.splitlines() if line.strip()]

    @property
    def unresolved_comments(self) -> int:
        return sum(1 for comment in self.comments if not comment.resolved)


def covenant_page(*, covenant: Covenant) -> CovenantPage:
    """Everything the covenant page shows, and its warnings, from one set of queries."""
    members = year_members(cluster_year=covenant.cluster_year)
    sections = list(covenant.sections.order_by("order", "pk"))
    targets = target_rows(covenant=covenant, members=members)
    comments = list(
        covenant.comments.select_related("author", "unit", "section").order_by("created_at", "pk")
    )
    warnings = content_warnings(
        covenant=covenant,
        sections=sections,
        targets=[TargetData(indicator=row.target.indicator, values=row.values) for row in targets],
        members=[(member.unit_id, member.unit.name) for member in members],
    )
    return CovenantPage(
        covenant=covenant,
        members=members,
        sections=sections,
        guests=list(covenant.guests.order_by("order", "pk")),
        documents=list(covenant.documents.select_related("uploaded_by").order_by("kind", "pk")),
        targets=targets,
        comments=comments,
        warnings=warnings,
    )


def covenant_document(*, covenant: Covenant, pk: Any) -> AdoptedDocument | None:
    """One adopted document of this covenant (None when it belongs to another)."""
    return covenant.documents.filter(pk=pk).first()


def covenant_comment(*, covenant: Covenant, pk: Any) -> CovenantComment | None:
    return covenant.comments.filter(pk=pk).first()


def covenant_section(*, covenant: Covenant, pk: Any) -> CovenantSection | None:
    return covenant.sections.filter(pk=pk).first()
