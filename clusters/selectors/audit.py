"""Read queries for the activity log screen, and how an entry is shown.

Entries are ``core.models.ActionLog`` rows whose ``scope_id`` is the organizer's
id; services write them (see ``clusters.services``). The page reads a page of
rows and a count: two queries whatever the filters.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from clusters.models import (
    Cluster,
    ClusterKind,
    ClusterYear,
    HeadSelection,
    OrganizerLevel,
    Profile,
    Unit,
    UnitKind,
    YearStatus,
)
from core.audit import action_label, field_label, value_choices
from core.models import ActionLog
from core.text import fold

# The areas this app adds to the log's filter (the action's prefix before the last
# dot); registered with core.audit in ClustersConfig.ready(), like ACTION_LABELS.
ACTION_NAMESPACES = {
    "clusters.unit": _("Units"),
    "clusters.cluster": _("Clusters"),
    "clusters.cluster_year": _("Cluster years"),
    "clusters.user": _("People"),
    "clusters.organizer": _("Organizer settings"),
}

# Known actions in words; an unknown key is shown as it is stored.
ACTION_LABELS = {
    "clusters.organizer.created": _("Organizer created"),
    "clusters.organizer.updated": _("Organizer settings changed"),
    "clusters.unit.created": _("Unit registered"),
    "clusters.unit.updated": _("Unit changed"),
    "clusters.unit.renamed": _("Unit renamed"),
    "clusters.unit.merged": _("Units merged"),
    "clusters.unit.split": _("Unit split"),
    "clusters.cluster.created": _("Cluster created"),
    "clusters.cluster.updated": _("Cluster changed"),
    "clusters.cluster_year.created": _("Cluster year set up"),
    "clusters.cluster_year.updated": _("Cluster year changed"),
    "clusters.cluster_year.members_changed": _("Members changed"),
    "clusters.cluster_year.closed": _("Year closed"),
    "clusters.cluster_year.reopened": _("Year reopened"),
    "clusters.user.created": _("Account created"),
    "clusters.user.updated": _("Account changed"),
    "clusters.user.password_set": _("Password set"),
}

# Field names as stored in the details, in words.
FIELD_LABELS = {
    "name": _("Name"),
    "kind": _("Kind"),
    "short_name": _("Short name"),
    "parent": _("Parent unit"),
    "code": _("Code"),
    "valid_from": _("Valid from"),
    "valid_to": _("Valid to"),
    "leader_title": _("Leader's position"),
    "description": _("Description"),
    "is_active": _("Active"),
    "theme": _("Theme of the year"),
    "head_unit": _("Head unit"),
    "deputy_unit": _("Deputy head unit"),
    "head_selection": _("How the head is chosen"),
    "decision_number": _("Decision number"),
    "decision_date": _("Decision date"),
    "decision_signer": _("Signed by"),
    "decision_file": _("Decision file"),
    "members": _("Members"),
    "status": _("Status"),
    "reason": _("Reason"),
    "username": _("User name"),
    "full_name": _("Full name"),
    "email": _("E-mail"),
    "role": _("Role"),
    "organizer": _("Organizer"),
    "unit": _("Unit"),
    "position": _("Position"),
    "phone": _("Phone"),
    "predecessors": _("Before"),
    "successors": _("After"),
    "date": _("Effective date"),
    "decision": _("Decision"),
    "level": _("Level"),
    "parent_body": _("Parent body"),
    "issuing_body": _("Issuing body"),
    "place_name": _("Place name for dates"),
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")
EMPTY = "—"


def audit_entries(
    *,
    organizer_id: int,
    action_prefix: str = "",
    username: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    query: str = "",
) -> QuerySet[ActionLog]:
    """The organizer's log, newest first, narrowed by the filters.

    Days are the organizer's local days (Asia/Ho_Chi_Minh). The text search
    matches the object's name as logged, and, accent-free, the current name of
    a unit, cluster or cluster year ("tay son" finds "UBND huyện Tây Sơn").
    """
    entries = ActionLog.objects.filter(scope_id=organizer_id)
    if action_prefix:
        entries = entries.filter(action__startswith=f"{action_prefix}.")
    if username.strip():
        entries = entries.filter(actor_name__icontains=username.strip())
    if date_from:
        entries = entries.filter(created_at__date__gte=date_from)
    if date_to:
        entries = entries.filter(created_at__date__lte=date_to)
    if query.strip():
        entries = entries.filter(_object_matches(organizer_id, query.strip()))
    return entries.order_by("-created_at", "-id")


def _object_matches(organizer_id: int, query: str) -> Q:
    needle = fold(query)
    condition = Q(object_repr__icontains=query)
    if not needle:
        return condition
    as_text = {"pk_text": Cast("pk", output_field=CharField())}
    matches = {
        "unit": Unit.objects.filter(organizer_id=organizer_id, search_text__contains=needle),
        "cluster": Cluster.objects.filter(organizer_id=organizer_id, search_text__contains=needle),
        "clusteryear": ClusterYear.objects.filter(
            cluster__organizer_id=organizer_id, cluster__search_text__contains=needle
        ),
    }
    for model_name, queryset in matches.items():
        condition |= Q(
            content_type__app_label="clusters",
            content_type__model=model_name,
            object_id__in=queryset.annotate(**as_text).values("pk_text"),
        )
    return condition


# Presentation ---------------------------------------------------------------------


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class Detail:
    key: str
    value: str


@dataclass
class EntryRow:
    entry: ActionLog
    label: str
    known: bool
    changes: list[Change] = field(default_factory=list)
    details: list[Detail] = field(default_factory=list)


def _choices_for(action: str, key: str) -> dict[str, str]:
    if key == "role":
        return dict(Profile.Role.choices)
    if key == "status":
        return dict(YearStatus.choices)
    if key == "head_selection":
        return dict(HeadSelection.choices)
    if key == "level":
        return dict(OrganizerLevel.choices)
    if key == "kind" and action.startswith("clusters.unit."):
        return dict(UnitKind.choices)
    if key == "kind" and action.startswith("clusters.cluster."):
        return dict(ClusterKind.choices)
    return value_choices(action, key)


def show_value(value: Any, choices: dict[str, str] | None = None) -> str:
    """A logged value in words: a model's name, a date as dd/mm/yyyy, a list
    joined by commas, a choice by its label."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, dict):
        if "repr" in value:
            return str(value["repr"])
        if _is_change(value):
            return f"{show_value(value['old'], choices)} → {show_value(value['new'], choices)}"
        if "name" in value:  # a logged reference to an object: its name
            return str(value["name"])
        return "; ".join(
            f"{field_label(key)}: {show_value(item)}"
            for key, item in value.items()
            if not _is_empty(item)
        )
    if isinstance(value, list):
        return ", ".join(show_value(item, choices) for item in value)
    if isinstance(value, str):
        if choices and value in choices:
            return str(choices[value])
        if _ISO_DATE.match(value):
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        if _ISO_DATETIME.match(value):
            try:
                return dt.datetime.fromisoformat(value).strftime("%d/%m/%Y %H:%M")
            except ValueError:
                return value
        if _DECIMAL.match(value):  # a logged Decimal: Vietnamese decimal comma
            return value.replace(".", ",")
    return str(value)


def _is_change(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"old", "new"}


def present(entry: ActionLog) -> EntryRow:
    """How one entry reads: a label for its action, the old → new table for
    changed fields, and key: value lines for everything else (empty values,
    such as a new object's blank fields, are left out)."""
    label = action_label(entry.action)
    row = EntryRow(
        entry=entry,
        label=str(label) if label is not None else entry.action,
        known=label is not None,
    )
    data = entry.data if isinstance(entry.data, dict) else {"": entry.data}
    for key, value in data.items():
        # A creation logs the new object's fields under "new": list them.
        if key == "new" and isinstance(value, dict) and not _is_change(value):
            for inner_key, inner_value in value.items():
                if not _is_empty(inner_value):
                    row.details.append(_detail(entry.action, inner_key, inner_value))
        elif _is_change(value):
            choices = _choices_for(entry.action, key)
            row.changes.append(
                Change(
                    field=str(field_label(key)),
                    old=show_value(value["old"], choices),
                    new=show_value(value["new"], choices),
                )
            )
        elif not _is_empty(value):
            row.details.append(_detail(entry.action, key, value))
    return row


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _detail(action: str, key: str, value: Any) -> Detail:
    return Detail(key=str(field_label(key)), value=show_value(value, _choices_for(action, key)))
