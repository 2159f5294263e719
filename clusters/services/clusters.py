"""Clusters and blocks: create and edit."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clusters.models import (
    Cluster,
    Organizer,
)
from clusters.services.messages import (
    DUPLICATE_CLUSTER,
)
from core.audit import changes, log_action, snapshot
from core.text import nfc, vi_sort_key

CLUSTER_FIELDS = ["name", "kind", "description", "is_active"]


# Clusters -----------------------------------------------------------------------


def _check_cluster(cluster: Cluster) -> None:
    # Called before every save: the free-text description is stored in NFC too.
    cluster.description = unicodedata.normalize("NFC", cluster.description or "")
    clash = Cluster.objects.filter(
        organizer_id=cluster.organizer_id, sort_key=vi_sort_key(nfc(cluster.name))
    ).exclude(pk=cluster.pk)
    if clash.exists():
        raise ValidationError(
            {"name": ValidationError(DUPLICATE_CLUSTER, params={"name": nfc(cluster.name)})}
        )


def cluster_create(*, actor: Any, organizer: Organizer, **fields: Any) -> Cluster:
    cluster = Cluster(organizer=organizer, **fields)
    with transaction.atomic():
        Organizer.objects.select_for_update().get(pk=organizer.pk)
        _check_cluster(cluster)
        cluster.save()
        log_action(
            actor=actor,
            action="clusters.cluster.created",
            obj=cluster,
            scope_id=organizer.pk,
            data={"new": snapshot(cluster, CLUSTER_FIELDS)},
        )
    return cluster


def cluster_update(*, actor: Any, cluster: Cluster, **fields: Any) -> Cluster:
    with transaction.atomic():
        Organizer.objects.select_for_update().get(pk=cluster.organizer_id)
        cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
        before = snapshot(cluster, CLUSTER_FIELDS)
        for name, value in fields.items():
            setattr(cluster, name, value)
        _check_cluster(cluster)
        cluster.save()
        log_action(
            actor=actor,
            action="clusters.cluster.updated",
            obj=cluster,
            scope_id=cluster.organizer_id,
            data=changes(before, snapshot(cluster, CLUSTER_FIELDS)),
        )
    return cluster
