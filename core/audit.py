"""The action log: every change made through the app writes one entry.

Services call ``log_action`` inside their transaction, so the change and its
record commit or roll back together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from core.models import ActionLog


def _plain(value: Any) -> Any:
    """A JSON-storable form of a field value."""
    if isinstance(value, models.Model):
        return {"id": value.pk, "repr": str(value)}
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Only the fields whose value changed, as {field: {"old": …, "new": …}}."""
    return {
        name: {"old": before.get(name), "new": value}
        for name, value in after.items()
        if before.get(name) != value
    }


def log_action(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    scope_id: int | None = None,
    data: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> ActionLog:
    user = actor if getattr(actor, "is_authenticated", False) else None
    return ActionLog.objects.create(
        actor=user,
        actor_name=user.get_username() if user else "",
        action=action,
        scope_id=scope_id,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        data=_plain_dict(data or {}),
        ip_address=ip_address,
    )


def _plain_dict(data: dict[str, Any]) -> dict[str, Any]:
    return {
        key: _plain_dict(value) if isinstance(value, dict) else _plain(value)
        for key, value in data.items()
    }


def client_ip(request: Any) -> str | None:
    """The address the request came from (REMOTE_ADDR; a trusted proxy sets it)."""
    return request.META.get("REMOTE_ADDR") if request is not None else None


# How the activity log reads: each app registers its action keys in words and the
# areas (key prefixes) the log can be filtered by, from its AppConfig.ready().
_ACTION_LABELS: dict[str, Any] = {}
_ACTION_AREAS: dict[str, Any] = {}


_FIELD_LABELS: dict[str, Any] = {}
_VALUE_CHOICES: list[tuple[str, str, dict[str, Any]]] = []


def register_actions(
    *,
    areas: dict[str, Any],
    labels: dict[str, Any],
    fields: dict[str, Any] | None = None,
    values: dict[tuple[str, str], Any] | None = None,
) -> None:
    """``fields``: a logged key in words; ``values``: for (action prefix, key), the
    choices whose labels replace stored values. A key's words are shared by every
    area: the first registration wins, so a later area cannot reword another's."""
    _ACTION_AREAS.update(areas)
    _ACTION_LABELS.update(labels)
    for key, label in (fields or {}).items():
        _FIELD_LABELS.setdefault(key, label)
    for (prefix, key), choices in (values or {}).items():
        _VALUE_CHOICES.append((prefix, key, dict(choices)))


def field_label(key: str) -> Any:
    return _FIELD_LABELS.get(key, key)


def value_choices(action: str, key: str) -> dict[str, Any]:
    for prefix, choice_key, choices in _VALUE_CHOICES:
        if choice_key == key and action.startswith(prefix):
            return choices
    return {}


def action_label(action: str) -> Any | None:
    """The registered words for an action key, or None when it is unknown."""
    return _ACTION_LABELS.get(action)


def action_areas() -> list[tuple[str, Any]]:
    return list(_ACTION_AREAS.items())
