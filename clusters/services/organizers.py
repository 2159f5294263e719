"""Organizers: create and edit."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clusters.models import (
    Organizer,
)
from clusters.services.messages import (
    DUPLICATE_ORGANIZER,
)
from core.audit import changes, log_action, snapshot
from core.text import nfc, vi_sort_key

# Organizers -------------------------------------------------------------------


def _check_organizer(organizer: Organizer) -> None:
    name = nfc(organizer.name)
    if Organizer.objects.filter(sort_key=vi_sort_key(name)).exclude(pk=organizer.pk).exists():
        raise ValidationError({"name": ValidationError(DUPLICATE_ORGANIZER, params={"name": name})})


def organizer_create(*, actor: Any, **fields: Any) -> Organizer:
    organizer = Organizer(**fields)
    with transaction.atomic():
        _check_organizer(organizer)
        organizer.save()
        log_action(
            actor=actor,
            action="clusters.organizer.created",
            obj=organizer,
            scope_id=organizer.pk,
            data={"new": snapshot(organizer, fields)},
        )
    return organizer


def organizer_update(*, actor: Any, organizer: Organizer, **fields: Any) -> Organizer:
    with transaction.atomic():
        organizer = Organizer.objects.select_for_update().get(pk=organizer.pk)
        before = snapshot(organizer, fields)
        for name, value in fields.items():
            setattr(organizer, name, value)
        _check_organizer(organizer)
        organizer.save()
        log_action(
            actor=actor,
            action="clusters.organizer.updated",
            obj=organizer,
            scope_id=organizer.pk,
            data=changes(before, snapshot(organizer, fields)),
        )
    return organizer
