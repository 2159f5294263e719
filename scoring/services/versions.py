"""A frozen scoring table changes only by a new version.

``rubric_new_version`` copies the settings and the criteria (targets kept: same year)
into version + 1 with a change note, not frozen, and e-mails the member units' people
once the transaction commits. ``criterion_mapping`` tells, criterion by criterion,
where an old version's criterion went, so scores already entered can be carried to
the new version (issue 5) and flagged for review where the criterion changed.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from clusters.models import Profile
from core.audit import log_action
from scoring.models import Criterion, Rubric
from scoring.selectors.rubrics import params_equal
from scoring.services.criteria import copy_criteria, lock_rubric, scope_of
from scoring.services.messages import (
    CHANGE_NOTE_REQUIRED,
    NEW_VERSION_BODY,
    NEW_VERSION_EXISTS,
    NEW_VERSION_NOT_FROZEN,
    NEW_VERSION_SUBJECT,
)

logger = logging.getLogger(__name__)

# What makes a criterion "changed" between versions (its scores need a new look).
COMPARED_FIELDS = ("title", "kind", "max_points", "target_id")


def member_addresses(rubric: Rubric) -> list[str]:
    """E-mail addresses of the active people (officers and leaders) of the rubric
    year's member units, each once, sorted."""
    if rubric.cluster_year_id is None:
        return []
    emails = (
        Profile.objects.filter(
            unit__memberships__cluster_year_id=rubric.cluster_year_id,
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    return sorted({email.strip() for email in emails if email and email.strip()})


def _rubric_link(rubric: Rubric) -> str:
    try:
        path = reverse("rubric_detail", args=[rubric.pk])
    except NoReverseMatch:
        return settings.SITE_URL
    return settings.SITE_URL.rstrip("/") + path


def notify_new_version(rubric_id: int) -> int:
    """E-mail the member units about a new version (one message, the addresses in BCC)
    and log it; returns how many addresses it went to. A failure is logged, never
    raised: the version is already saved."""
    rubric = Rubric.objects.select_related("cluster_year__cluster", "previous").get(pk=rubric_id)
    addresses = member_addresses(rubric)
    if not addresses:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        numbers = {
            "cluster": rubric.cluster_year.cluster.name,
            "year": rubric.cluster_year.year,
            "version": rubric.version,
            "previous": rubric.previous.version if rubric.previous else rubric.version - 1,
            "name": rubric.name,
            "note": rubric.change_note,
            "link": _rubric_link(rubric),
        }
        subject = str(NEW_VERSION_SUBJECT % numbers)
        body = str(NEW_VERSION_BODY % numbers)
    message = EmailMessage(subject=subject, body=body, to=[], bcc=addresses)
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # any mail failure is recorded, never raised
        logger.exception("could not e-mail the new version of rubric %s", rubric.pk)
        log_action(
            actor=None,
            action="scoring.rubric.notification_failed",
            obj=rubric,
            scope_id=scope_of(rubric),
            data={"recipients": len(addresses), "error": str(exc)[:300]},
        )
        return 0
    log_action(
        actor=None,
        action="scoring.rubric.members_notified",
        obj=rubric,
        scope_id=scope_of(rubric),
        data={"recipients": len(addresses), "subject": subject},
    )
    return len(addresses)


def rubric_new_version(*, actor: Any, rubric: Rubric, change_note: str) -> Rubric:
    """Version + 1 of a frozen rubric, with the same settings and criteria and the
    change note; not frozen, so it can be changed, then frozen again. The member units
    are e-mailed once the transaction commits."""
    note = unicodedata.normalize("NFC", change_note or "").strip()
    if not note:
        raise ValidationError(
            {"change_note": ValidationError(CHANGE_NOTE_REQUIRED, code="required")}
        )
    with transaction.atomic():
        rubric = lock_rubric(rubric)
        if not rubric.is_frozen or rubric.is_template:
            raise ValidationError(NEW_VERSION_NOT_FROZEN, code="not_frozen")
        newer = Rubric.objects.filter(previous=rubric).first()
        if newer is not None:
            raise ValidationError(
                NEW_VERSION_EXISTS, code="exists", params={"version": newer.version}
            )
        latest = Rubric.objects.filter(cluster_year_id=rubric.cluster_year_id).aggregate(
            latest=Max("version")
        )["latest"]
        version = Rubric.objects.create(
            organizer_id=rubric.organizer_id,
            cluster_year_id=rubric.cluster_year_id,
            name=rubric.name,
            description=rubric.description,
            version=(latest or rubric.version) + 1,
            previous=rubric,
            change_note=note,
            scale_total=rubric.scale_total,
            bonus_cap=rubric.bonus_cap,
            deduction_cap=rubric.deduction_cap,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        copied = copy_criteria(source=rubric, into=version, target_for=lambda item: item.target)
        log_action(
            actor=actor,
            action="scoring.rubric.version_created",
            obj=version,
            scope_id=scope_of(rubric),
            data={
                "replaces": {"id": rubric.pk, "version": rubric.version},
                "version": version.version,
                "change_note": note,
                "copied": copied,
                "recipients": len(member_addresses(version)),
            },
        )
        version_id = version.pk
        transaction.on_commit(lambda: notify_new_version(version_id))
    return version


def _changed(old: Criterion, new: Criterion) -> bool:
    if any(getattr(old, name) != getattr(new, name) for name in COMPARED_FIELDS):
        return True
    return not params_equal(old.kind, old.params or {}, new.params or {})


def criterion_mapping(old: Rubric, new: Rubric) -> dict[int, tuple[int | None, bool]]:
    """For every criterion of ``old``: (the id of the criterion with the same code in
    ``new`` or None when it is gone, whether it changed — title, type, maximum,
    parameters or target). Two queries."""
    new_by_code = {item.code: item for item in Criterion.objects.filter(rubric=new)}
    mapping: dict[int, tuple[int | None, bool]] = {}
    for item in Criterion.objects.filter(rubric=old).order_by("pk"):
        match = new_by_code.get(item.code)
        mapping[item.pk] = (match.pk, _changed(item, match)) if match else (None, True)
    return mapping
