"""Drafting a covenant: create (from scratch or last year's), the header, sections
and conference guests; the shared checks (warnings the user must confirm)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clusters.models import ClusterYear
from clusters.roles import is_board_of
from core.audit import changes, log_action, snapshot
from core.text import nfc
from covenants.models import (
    ConferenceGuest,
    Covenant,
    CovenantSection,
)
from covenants.services.common import (
    covenant_copy_content,
    lock_covenant,
    require_editable,
    scope_of,
)
from covenants.services.messages import (
    COVENANT_EXISTS_FOR_YEAR,
    FORM_OUT_OF_DATE,
    GUEST_NAME_REQUIRED,
    SECTION_HEADING_REQUIRED,
    SOURCE_OTHER_CLUSTER,
    WITNESS_BOARD_ONLY,
)
from covenants.services.warnings import CovenantWarning, covenant_warnings, warning_keys

HEADER_FIELDS = [
    "number", "title", "theme", "legal_bases", "preamble", "closing", "conference_date",
    "conference_place", "place_name", "chair_name", "chair_position", "needs_witness",
]  # fmt: skip
_MULTILINE_FIELDS = {"theme", "legal_bases", "preamble", "closing"}
# Header fields a covenant started from last year's takes over; the conference is new.
_COPIED_HEADER_FIELDS = ["legal_bases", "preamble", "closing", "needs_witness"]


class UnconfirmedWarnings(Exception):
    """The save would bring new warnings; nothing was written. Show them and ask."""

    def __init__(self, warnings: list[CovenantWarning]) -> None:
        self.warnings = warnings
        super().__init__("; ".join(str(warning) for warning in warnings))


def clean_text(value: str) -> str:
    """Multi-line text in NFC, Unix line ends, no trailing blanks on lines or at the end."""
    text = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def check_new_warnings(
    covenant: Covenant, before: set[str], confirm_warnings: bool
) -> list[CovenantWarning]:
    """Raise (rolling the transaction back) when warnings appeared that nobody confirmed."""
    after = covenant_warnings(covenant)
    new = [warning for warning in after if warning.key not in before]
    if new and not confirm_warnings:
        raise UnconfirmedWarnings(new)
    return new


# Creating --------------------------------------------------------------------------


def covenant_create(
    *,
    actor: Any,
    cluster_year: ClusterYear,
    title: str,
    theme: str = "",
    place_name: str = "",
    source: Covenant | None = None,
) -> Covenant:
    """The year's covenant (version 1), empty or with the content of ``source``
    (normally last year's newest version of the same cluster). Text is copied as
    it is: stale year numbers are left for the warnings to point out."""
    with transaction.atomic():
        cluster_year = (
            ClusterYear.objects.select_for_update()
            .select_related("cluster")
            .get(pk=cluster_year.pk)
        )
        if Covenant.objects.filter(cluster_year=cluster_year).exists():
            raise ValidationError(COVENANT_EXISTS_FOR_YEAR, params={"year": cluster_year.year})
        if source is not None and (
            source.cluster_year.cluster_id != cluster_year.cluster_id
            or source.cluster_year.year >= cluster_year.year
        ):
            raise ValidationError({"source": ValidationError(SOURCE_OTHER_CLUSTER)})
        covenant = Covenant(
            cluster_year=cluster_year,
            version=1,
            title=nfc(title),
            theme=clean_text(theme),
            place_name=nfc(place_name),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        if source is not None:
            for name in _COPIED_HEADER_FIELDS:
                setattr(covenant, name, getattr(source, name))
        covenant.save()
        copied = covenant_copy_content(source=source, target=covenant) if source else {}
        log_action(
            actor=actor,
            action="covenants.covenant.created",
            obj=covenant,
            scope_id=cluster_year.cluster.organizer_id,
            data={
                "new": snapshot(covenant, ["version", "state", *HEADER_FIELDS]),
                "source": (
                    {"id": source.pk, "year": source.cluster_year.year, "version": source.version}
                    if source
                    else None
                ),
                "copied": copied,
            },
        )
    return covenant


# Header ------------------------------------------------------------------------------


def covenant_update(
    *, actor: Any, covenant: Covenant, confirm_warnings: bool = False, **fields: Any
) -> Covenant:
    """Change header fields (``HEADER_FIELDS``); only the board decides on a witness."""
    unknown = set(fields) - set(HEADER_FIELDS)
    if unknown:
        raise TypeError(f"not header fields: {sorted(unknown)}")
    with transaction.atomic():
        covenant = lock_covenant(covenant)
        require_editable(covenant)
        before_warnings = warning_keys(covenant_warnings(covenant))
        before = snapshot(covenant, HEADER_FIELDS)
        if (
            "needs_witness" in fields
            and bool(fields["needs_witness"]) != covenant.needs_witness
            and not is_board_of(actor, scope_of(covenant))
        ):
            raise ValidationError({"needs_witness": ValidationError(WITNESS_BOARD_ONLY)})
        for name, value in fields.items():
            if isinstance(value, str):
                value = clean_text(value) if name in _MULTILINE_FIELDS else nfc(value)
            setattr(covenant, name, value)
        covenant.save(update_fields=[*fields, "updated_at"])
        check_new_warnings(covenant, before_warnings, confirm_warnings)
        diff = changes(before, snapshot(covenant, HEADER_FIELDS))
        if diff:
            log_action(
                actor=actor,
                action="covenants.covenant.updated",
                obj=covenant,
                scope_id=scope_of(covenant),
                data=diff,
            )
    return covenant


# Sections ----------------------------------------------------------------------------


@dataclass
class SectionInput:
    """One section as submitted, in the new order; ``pk`` None for a new one."""

    heading: str
    body: str = ""
    pk: int | None = None


def covenant_sections_save(
    *,
    actor: Any,
    covenant: Covenant,
    sections: Sequence[SectionInput],
    confirm_warnings: bool = False,
) -> list[CovenantSection]:
    """Make the covenant's sections exactly ``sections``, in that order: existing ones
    (by pk) are updated, new ones created, the ones left out deleted (their comments
    stay, without a section)."""
    with transaction.atomic():
        covenant = lock_covenant(covenant)
        require_editable(covenant)
        before_warnings = warning_keys(covenant_warnings(covenant))
        existing = {section.pk: section for section in covenant.sections.all()}
        errors: dict[str, list[ValidationError]] = {}
        for position, item in enumerate(sections):
            if not nfc(item.heading):
                errors.setdefault(f"sections-{position}-heading", []).append(
                    ValidationError(SECTION_HEADING_REQUIRED)
                )
            if item.pk is not None and item.pk not in existing:
                raise ValidationError(FORM_OUT_OF_DATE)
        if errors:
            raise ValidationError(errors)
        kept = {item.pk for item in sections if item.pk is not None}
        saved: list[CovenantSection] = []
        for pk, section in existing.items():
            if pk not in kept:
                log_action(
                    actor=actor,
                    action="covenants.covenant.section_deleted",
                    obj=covenant,
                    scope_id=scope_of(covenant),
                    data={"old": {"order": section.order, "heading": section.heading,
                                  "body": section.body}},
                )  # fmt: skip
                section.delete()
        for position, item in enumerate(sections, start=1):
            heading, body = nfc(item.heading), clean_text(item.body)
            if item.pk is None:
                section = CovenantSection.objects.create(
                    covenant=covenant, order=position, heading=heading, body=body
                )
                log_action(
                    actor=actor,
                    action="covenants.covenant.section_added",
                    obj=covenant,
                    scope_id=scope_of(covenant),
                    data={"new": {"order": position, "heading": heading, "body": body}},
                )
            else:
                section = existing[item.pk]
                old = snapshot(section, ["order", "heading", "body"])
                section.order, section.heading, section.body = position, heading, body
                diff = changes(old, snapshot(section, ["order", "heading", "body"]))
                if diff:
                    section.save(update_fields=["order", "heading", "body"])
                    only_moved = set(diff) == {"order"}
                    log_action(
                        actor=actor,
                        action=(
                            "covenants.covenant.section_moved"
                            if only_moved
                            else "covenants.covenant.section_updated"
                        ),
                        obj=covenant,
                        scope_id=scope_of(covenant),
                        data={"section": section.pk, "heading": heading, **diff},
                    )
            saved.append(section)
        covenant.save(update_fields=["updated_at"])
        check_new_warnings(covenant, before_warnings, confirm_warnings)
    return saved


# Conference guests -------------------------------------------------------------------


@dataclass
class GuestInput:
    name: str
    position: str = ""


def covenant_guests_save(
    *, actor: Any, covenant: Covenant, guests: Sequence[GuestInput]
) -> list[ConferenceGuest]:
    """Replace the conference guests by ``guests``, in that order."""
    with transaction.atomic():
        covenant = lock_covenant(covenant)
        require_editable(covenant)
        errors = {
            f"guests-{position}-name": [ValidationError(GUEST_NAME_REQUIRED)]
            for position, guest in enumerate(guests)
            if not nfc(guest.name)
        }
        if errors:
            raise ValidationError(errors)
        old = [[guest.name, guest.position] for guest in covenant.guests.all()]
        covenant.guests.all().delete()
        saved = ConferenceGuest.objects.bulk_create(
            ConferenceGuest(
                covenant=covenant, order=position, name=nfc(guest.name),
                position=nfc(guest.position),
            )
            for position, guest in enumerate(guests, start=1)
        )  # fmt: skip
        new = [[guest.name, guest.position] for guest in saved]
        if old != new:
            covenant.save(update_fields=["updated_at"])
            log_action(
                actor=actor,
                action="covenants.covenant.guests_changed",
                obj=covenant,
                scope_id=scope_of(covenant),
                data={"guests": {"old": old, "new": new}},
            )
    return saved
