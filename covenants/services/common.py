"""Helpers every covenant service shares: lock, refuse when not editable, copy content.

Used by the drafting services (create from last year) and the workflow services
(amendment = a new version with the content of the signed one).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from covenants.models import (
    AdoptedDocument,
    ConferenceGuest,
    Covenant,
    CovenantSection,
    Target,
    TargetValue,
)
from covenants.services.messages import COVENANT_NOT_EDITABLE


def lock_covenant(covenant: Covenant) -> Covenant:
    """Re-read the covenant under ``select_for_update`` (call inside ``transaction.atomic``).

    The returned object is fresh from the database, so state checks made on it see
    what another request may just have committed.
    """
    return (
        # Lock the covenant row only: PostgreSQL refuses FOR UPDATE on the nullable
        # side of the outer join to the head unit.
        Covenant.objects.select_for_update(of=("self",))
        .select_related("cluster_year__cluster__organizer", "cluster_year__head_unit")
        .get(pk=covenant.pk)
    )


def require_editable(covenant: Covenant) -> None:
    """Refuse content changes once the covenant is adopted, being signed or signed."""
    if not covenant.is_editable:
        raise ValidationError(COVENANT_NOT_EDITABLE, code="not_editable")


def covenant_copy_content(*, source: Covenant, target: Covenant) -> dict[str, int]:
    """Copy sections, guests, targets and adopted-document records from ``source`` into
    ``target`` (which should be empty: a fresh covenant).

    Target values are copied only for units that are members of ``target``'s cluster
    year, so a unit that left the cluster does not keep a value and a new member starts
    empty (the warnings then name it). Adopted documents keep pointing at the same
    stored file: files are never deleted when a record goes, so sharing is safe.

    Returns counts of what was copied, for the caller's audit entry. Text is copied as
    it is: year numbers are not rewritten (the warnings flag stale ones).
    """
    CovenantSection.objects.bulk_create(
        CovenantSection(covenant=target, order=s.order, heading=s.heading, body=s.body)
        for s in source.sections.all()
    )
    ConferenceGuest.objects.bulk_create(
        ConferenceGuest(covenant=target, order=g.order, name=g.name, position=g.position)
        for g in source.guests.all()
    )
    AdoptedDocument.objects.bulk_create(
        AdoptedDocument(
            covenant=target,
            kind=d.kind,
            title=d.title,
            file=d.file.name if d.file else "",
            uploaded_by_id=d.uploaded_by_id,
        )
        for d in source.documents.all()
    )
    member_ids = set(target.cluster_year.memberships.values_list("unit_id", flat=True))
    values_copied = 0
    source_targets = list(source.targets.prefetch_related("values"))
    for old in source_targets:
        new = Target.objects.create(
            covenant=target,
            order=old.order,
            indicator=old.indicator,
            measure=old.measure,
            carried_into_scoring=old.carried_into_scoring,
        )
        values = [
            TargetValue(target=new, unit_id=v.unit_id, value=v.value)
            for v in old.values.all()
            if v.unit_id in member_ids
        ]
        TargetValue.objects.bulk_create(values)
        values_copied += len(values)
    return {
        "sections": source.sections.count(),
        "guests": source.guests.count(),
        "documents": source.documents.count(),
        "targets": len(source_targets),
        "target_values": values_copied,
    }


def scope_of(covenant: Covenant) -> int:
    """The organizer whose activity log records what happens to ``covenant``."""
    return covenant.cluster_year.cluster.organizer_id
