from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClustersConfig(AppConfig):
    name = "clusters"
    verbose_name = _("Clusters")

    def ready(self) -> None:
        from clusters.selectors.audit import ACTION_LABELS, ACTION_NAMESPACES, FIELD_LABELS
        from core.audit import register_actions

        register_actions(areas=ACTION_NAMESPACES, labels=ACTION_LABELS, fields=FIELD_LABELS)
