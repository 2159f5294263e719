"""Drafting a covenant: create it (from scratch or from last year's), edit its header,
sections, conference guests, adopted documents and targets, and take comments.

Every service is one transaction: lock the covenant, refuse when it is no longer
editable, write, log (scope = the organizer). Saves that bring NEW warnings (see
``covenants.services.warnings``) are rolled back with ``UnconfirmedWarnings``
unless the caller passes ``confirm_warnings=True`` — warnings never block a
person who has looked at them.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify

from clusters.models import ClusterYear
from clusters.roles import is_board_of, profile_of
from core.audit import changes, log_action, snapshot
from core.text import fold, nfc
from covenants.models import (
    AdoptedDocument,
    ConferenceGuest,
    Covenant,
    CovenantComment,
    CovenantSection,
    Target,
    TargetValue,
)
from covenants.services.common import covenant_copy_content, lock_covenant, require_editable
from covenants.services.messages import (
    COMMENT_EMPTY,
    COMMENT_NOT_CIRCULATED,
    COMMENT_SECTION_OTHER,
    COVENANT_EXISTS_FOR_YEAR,
    DOCUMENT_FILE_REQUIRED,
    DOCUMENT_TOO_LARGE,
    DOCUMENT_TYPE_NOT_ALLOWED,
    FORM_OUT_OF_DATE,
    GUEST_NAME_REQUIRED,
    SECTION_HEADING_REQUIRED,
    SOURCE_OTHER_CLUSTER,
    TARGET_INDICATOR_DUPLICATE,
    TARGET_INDICATOR_REQUIRED,
    TARGET_UNIT_NOT_MEMBER,
    TARGET_VALUE_INVALID,
    TARGET_VALUE_TOO_LARGE,
    TARGET_VALUE_TOO_PRECISE,
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


def _scope(covenant: Covenant) -> int:
    return covenant.cluster_year.cluster.organizer_id


def _check_new_warnings(
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
            and not is_board_of(actor, _scope(covenant))
        ):
            raise ValidationError({"needs_witness": ValidationError(WITNESS_BOARD_ONLY)})
        for name, value in fields.items():
            if isinstance(value, str):
                value = clean_text(value) if name in _MULTILINE_FIELDS else nfc(value)
            setattr(covenant, name, value)
        covenant.save(update_fields=[*fields, "updated_at"])
        _check_new_warnings(covenant, before_warnings, confirm_warnings)
        diff = changes(before, snapshot(covenant, HEADER_FIELDS))
        if diff:
            log_action(
                actor=actor,
                action="covenants.covenant.updated",
                obj=covenant,
                scope_id=_scope(covenant),
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
                    scope_id=_scope(covenant),
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
                    scope_id=_scope(covenant),
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
                        scope_id=_scope(covenant),
                        data={"section": section.pk, "heading": heading, **diff},
                    )
            saved.append(section)
        covenant.save(update_fields=["updated_at"])
        _check_new_warnings(covenant, before_warnings, confirm_warnings)
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
                scope_id=_scope(covenant),
                data={"guests": {"old": old, "new": new}},
            )
    return saved


# Adopted documents -------------------------------------------------------------------

# Extension → the content kind it must have.
DOCUMENT_EXTENSIONS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".xlsx": "xlsx",
    ".doc": "ole",
    ".xls": "ole",
}
DOCUMENT_CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def document_content_kind(data: bytes) -> str | None:
    """What the bytes are: "pdf", "docx", "xlsx", "ole" (old Word/Excel) or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(_OLE_MAGIC[:4]) and data.startswith(_OLE_MAGIC):
        return "ole"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        if any(name.startswith("word/") for name in names):
            return "docx"
        if any(name.startswith("xl/") for name in names):
            return "xlsx"
    return None


def safe_file_name(name: str, extension: str) -> str:
    """An ASCII file name without any path: "Quy chế hoạt động.docx" → "quy-che-hoat-dong.docx"."""
    stem = Path(str(name).replace("\\", "/")).name
    stem = stem[: -len(extension)] if stem.lower().endswith(extension) else Path(stem).stem
    slug = slugify(fold(stem))[:80].strip("-") or "tai-lieu"
    return f"{slug}{extension}"


def _read_document(upload: IO[bytes] | None) -> tuple[bytes, str]:
    """The upload's bytes and its checked extension, or a ValidationError on "file"."""
    if upload is None:
        raise ValidationError({"file": ValidationError(DOCUMENT_FILE_REQUIRED)})
    limit = settings.MAX_UPLOAD_BYTES
    too_large = ValidationError(
        {"file": ValidationError(DOCUMENT_TOO_LARGE, params={"limit": f"{limit / 2**20:g}"})}
    )
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise too_large
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_large
    extension = Path(getattr(upload, "name", "") or "").suffix.lower()
    expected = DOCUMENT_EXTENSIONS.get(extension)
    if expected is None or document_content_kind(data) != expected:
        raise ValidationError({"file": ValidationError(DOCUMENT_TYPE_NOT_ALLOWED)})
    return data, extension


def covenant_document_add(
    *, actor: Any, covenant: Covenant, kind: str, title: str, upload: IO[bytes] | None
) -> AdoptedDocument:
    """Attach a document adopted with the covenant; the file is checked by its content."""
    data, extension = _read_document(upload)
    with transaction.atomic():
        covenant = lock_covenant(covenant)
        require_editable(covenant)
        document = AdoptedDocument(
            covenant=covenant,
            kind=kind,
            title=nfc(title),
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        name = safe_file_name(getattr(upload, "name", ""), extension)
        document.file.save(name, ContentFile(data), save=False)
        document.save()
        covenant.save(update_fields=["updated_at"])
        log_action(
            actor=actor,
            action="covenants.covenant.document_added",
            obj=covenant,
            scope_id=_scope(covenant),
            data={"new": {"kind": kind, "title": document.title, "file": document.file.name,
                          "size": len(data)}},
        )  # fmt: skip
    return document


def covenant_document_delete(*, actor: Any, covenant: Covenant, document: AdoptedDocument) -> None:
    """Remove the record; the stored file stays (copies of the covenant may share it,
    and nothing submitted is ever erased)."""
    with transaction.atomic():
        covenant = lock_covenant(covenant)
        require_editable(covenant)
        document = AdoptedDocument.objects.get(pk=document.pk, covenant=covenant)
        old = {"kind": document.kind, "title": document.title, "file": document.file.name}
        document.delete()
        covenant.save(update_fields=["updated_at"])
        log_action(
            actor=actor,
            action="covenants.covenant.document_deleted",
            obj=covenant,
            scope_id=_scope(covenant),
            data={"old": old},
        )


# Numbers as typed -------------------------------------------------------------------

# Decimal(16, 4) in the database: twelve digits before the comma, four after.
_MAX_INTEGER_DIGITS = 12
_MAX_DECIMALS = 4
_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
_COMMA_NUMBER = re.compile(r"^(\d{1,3}(\.\d{3})+|\d+),\d+$")
_PLAIN = re.compile(r"^\d+(\.\d+)?$")


def parse_vi_decimal(raw: Any) -> Decimal | None:
    """A number as Vietnamese write it: "9", "95,5", "1.234,5", "1.234" (= 1234).

    A lone dot that cannot be a thousands separator ("9.5") is read as a decimal
    point, as people used to spreadsheets type it. Empty → None. Raises
    ``ValidationError`` for anything else.
    """
    text = nfc(str(raw if raw is not None else "")).replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    sign = ""
    if text[0] in "+-−":
        sign, text = ("-" if text[0] != "+" else ""), text[1:]
    if _COMMA_NUMBER.match(text):
        plain = text.replace(".", "").replace(",", ".")
    elif _THOUSANDS.match(text):
        plain = text.replace(".", "")
    elif _PLAIN.match(text):
        plain = text
    else:
        raise ValidationError(TARGET_VALUE_INVALID, params={"value": raw})
    try:
        value = Decimal(sign + plain)
    except InvalidOperation as exc:
        raise ValidationError(TARGET_VALUE_INVALID, params={"value": raw}) from exc
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > _MAX_DECIMALS:
        value = value.normalize()
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > _MAX_DECIMALS:
            raise ValidationError(TARGET_VALUE_TOO_PRECISE, params={"value": raw})
    if abs(value) >= Decimal(10) ** _MAX_INTEGER_DIGITS:
        raise ValidationError(TARGET_VALUE_TOO_LARGE, params={"value": raw})
    return value


# Targets -----------------------------------------------------------------------------


@dataclass
class TargetInput:
    """One row of the targets grid. ``key`` names the row in error keys
    ("indicator_<key>"); ``values`` maps every member unit's id to its value or None."""

    key: str
    indicator: str
    measure: str = ""
    carried_into_scoring: bool = False
    values: dict[int, Decimal | None] = field(default_factory=dict)
    pk: int | None = None
    delete: bool = False

    @property
    def is_blank(self) -> bool:
        return (
            self.pk is None
            and not nfc(self.indicator)
            and not nfc(self.measure)
            and all(value is None for value in self.values.values())
        )


def _target_state(target: Target, values: dict[int, Decimal | None]) -> dict[str, Any]:
    return {
        "indicator": target.indicator,
        "measure": target.measure,
        "carried_into_scoring": target.carried_into_scoring,
        "order": target.order,
        # "100.0000" from the database and "100" as typed are one value: plain form.
        "values": {str(unit): (f"{value.normalize():f}" if value is not None else None)
                   for unit, value in sorted(values.items())},
    }  # fmt: skip


def _check_targets(
    rows: Sequence[TargetInput], existing: dict[int, Target], member_ids: set[int], year: int
) -> None:
    errors: dict[str, list[ValidationError]] = {}
    seen: dict[str, str] = {}
    for row in rows:
        if row.pk is not None and row.pk not in existing:
            raise ValidationError(FORM_OUT_OF_DATE)
        for unit_id in row.values:
            if unit_id not in member_ids:
                raise ValidationError(
                    TARGET_UNIT_NOT_MEMBER, params={"unit": unit_id, "year": year}
                )
        if row.delete or row.is_blank:
            continue
        indicator = nfc(row.indicator)
        if not indicator:
            errors.setdefault(f"indicator_{row.key}", []).append(
                ValidationError(TARGET_INDICATOR_REQUIRED)
            )
            continue
        folded = fold(indicator)
        if folded in seen:
            errors.setdefault(f"indicator_{row.key}", []).append(
                ValidationError(TARGET_INDICATOR_DUPLICATE, params={"indicator": indicator})
            )
        seen[folded] = row.key
    if errors:
        raise ValidationError(errors)


def _write_targets(
    *,
    actor: Any,
    covenant: Covenant,
    rows: Sequence[TargetInput],
    member_ids: set[int],
    log_each: bool = True,
) -> list[Target]:
    existing = {target.pk: target for target in covenant.targets.prefetch_related("values")}
    _check_targets(rows, existing, member_ids, covenant.cluster_year.year)
    scope = _scope(covenant)

    def log(action: str, data: dict[str, Any]) -> None:
        if log_each:
            log_action(actor=actor, action=action, obj=covenant, scope_id=scope, data=data)

    kept_rows = [row for row in rows if not row.delete and not row.is_blank]
    kept_pks = {row.pk for row in kept_rows if row.pk is not None}
    for pk, target in existing.items():
        if pk not in kept_pks:
            old = _target_state(target, {v.unit_id: v.value for v in target.values.all()})
            target.delete()
            log("covenants.covenant.target_deleted", {"old": old})
    saved: list[Target] = []
    for position, row in enumerate(kept_rows, start=1):
        target = existing[row.pk] if row.pk is not None else Target(covenant=covenant)
        # Values of units no longer members stay as they were (history), untouched.
        old_values = {
            v.unit_id: v.value
            for v in (target.values.all() if row.pk is not None else [])
            if v.unit_id in member_ids and v.value is not None
        }
        old_state = _target_state(target, old_values) if row.pk is not None else None
        target.order = position
        target.indicator = nfc(row.indicator)
        target.measure = nfc(row.measure)
        target.carried_into_scoring = bool(row.carried_into_scoring)
        target.save()
        new_values = {unit: value for unit, value in row.values.items() if value is not None}
        # Only real values are stored: an empty cell is no row.
        emptied = [unit for unit in old_values if unit not in new_values]
        if emptied:
            TargetValue.objects.filter(target=target, unit_id__in=emptied).delete()
        if row.pk is not None:
            # A value stored as NULL by other code counts as empty too.
            TargetValue.objects.filter(
                target=target, unit_id__in=member_ids, value__isnull=True
            ).delete()
        TargetValue.objects.bulk_create(
            TargetValue(target=target, unit_id=unit, value=value)
            for unit, value in new_values.items()
            if unit not in old_values
        )
        for unit, value in new_values.items():
            if unit in old_values and old_values[unit] != value:
                TargetValue.objects.filter(target=target, unit_id=unit).update(value=value)
        new_state = _target_state(target, new_values)
        if old_state is None:
            log("covenants.covenant.target_added", {"new": new_state})
        else:
            diff = changes(old_state, new_state)
            if diff:
                log(
                    "covenants.covenant.target_updated",
                    {"target": target.pk, "indicator": target.indicator, **diff},
                )
        saved.append(target)
    return saved


def targets_save(
    *,
    actor: Any,
    covenant: Covenant,
    rows: Sequence[TargetInput],
    confirm_warnings: bool = False,
) -> list[Target]:
    """Save the whole targets grid at once: rows in order (existing ones by pk, new
    ones, deleted ones marked), a value (or None) per member unit."""
    with transaction.atomic():
        covenant = lock_covenant(covenant)
        require_editable(covenant)
        before_warnings = warning_keys(covenant_warnings(covenant))
        member_ids = set(covenant.cluster_year.memberships.values_list("unit_id", flat=True))
        saved = _write_targets(actor=actor, covenant=covenant, rows=rows, member_ids=member_ids)
        covenant.save(update_fields=["updated_at"])
        _check_new_warnings(covenant, before_warnings, confirm_warnings)
    return saved


def targets_replace(
    *,
    actor: Any,
    covenant: Covenant,
    rows: Sequence[TargetInput],
    confirm_warnings: bool = False,
) -> list[Target]:
    """Replace all targets by ``rows`` (the Excel import), in one transaction."""
    with transaction.atomic():
        covenant = lock_covenant(covenant)
        require_editable(covenant)
        before_warnings = warning_keys(covenant_warnings(covenant))
        member_ids = set(covenant.cluster_year.memberships.values_list("unit_id", flat=True))
        old = list(covenant.targets.values_list("indicator", flat=True))
        fresh = [
            TargetInput(
                key=row.key, indicator=row.indicator, measure=row.measure,
                carried_into_scoring=row.carried_into_scoring, values=row.values,
            )
            for row in rows
        ]  # fmt: skip
        _check_targets(fresh, {}, member_ids, covenant.cluster_year.year)
        covenant.targets.all().delete()
        # One audit entry for the whole import (below), not one per target.
        saved = _write_targets(
            actor=actor, covenant=covenant, rows=fresh, member_ids=member_ids, log_each=False
        )
        covenant.save(update_fields=["updated_at"])
        _check_new_warnings(covenant, before_warnings, confirm_warnings)
        log_action(
            actor=actor,
            action="covenants.covenant.targets_imported",
            obj=covenant,
            scope_id=_scope(covenant),
            data={
                "indicators": {"old": old, "new": [target.indicator for target in saved]},
                "values": sum(
                    1 for row in fresh for value in row.values.values() if value is not None
                ),
            },
        )
    return saved


# Comments ----------------------------------------------------------------------------


def covenant_comment_add(
    *,
    actor: Any,
    covenant: Covenant,
    text: str,
    section: CovenantSection | None = None,
) -> CovenantComment:
    """A member's (or the board's) comment on the draft, accepted only while it is
    circulated for comments. The comment records the author's unit."""
    with transaction.atomic():
        covenant = lock_covenant(covenant)
        if covenant.state != Covenant.State.CIRCULATED:
            raise ValidationError(COMMENT_NOT_CIRCULATED, code="not_circulated")
        text = clean_text(text)
        if not text:
            raise ValidationError({"text": ValidationError(COMMENT_EMPTY)})
        if section is not None and section.covenant_id != covenant.pk:
            raise ValidationError({"section": ValidationError(COMMENT_SECTION_OTHER)})
        profile = profile_of(actor)
        unit_id = profile.unit_id if profile is not None else None
        member = (
            unit_id is not None
            and covenant.cluster_year.memberships.filter(unit_id=unit_id).exists()
        )
        comment = CovenantComment.objects.create(
            covenant=covenant,
            section=section,
            author=actor,
            unit_id=unit_id if member else None,
            text=text,
        )
        log_action(
            actor=actor,
            action="covenants.covenant.comment_added",
            obj=covenant,
            scope_id=_scope(covenant),
            data={"comment": comment.pk, "section": section.heading if section else None,
                  "text": text},
        )  # fmt: skip
    return comment


def covenant_comment_resolve(
    *, actor: Any, covenant: Covenant, comment: CovenantComment, resolved: bool = True
) -> CovenantComment:
    """The head marks a comment as taken into account (or not), while drafting."""
    with transaction.atomic():
        covenant = lock_covenant(covenant)
        require_editable(covenant)
        comment = CovenantComment.objects.select_for_update().get(pk=comment.pk, covenant=covenant)
        if comment.resolved != resolved:
            comment.resolved = resolved
            comment.save(update_fields=["resolved"])
            log_action(
                actor=actor,
                action="covenants.covenant.comment_resolved",
                obj=covenant,
                scope_id=_scope(covenant),
                data={"comment": comment.pk, "resolved": {"old": not resolved, "new": resolved}},
            )
    return comment
