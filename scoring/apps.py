from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Scoring")

    def ready(self) -> None:
        from core.audit import register_actions
        from scoring import documents
        from scoring.services.messages import ACTION_AREAS, ACTION_LABELS

        # The scoring table's PDF for the document engine.
        documents.register()
        # The activity log in words.
        register_actions(areas=ACTION_AREAS, labels=ACTION_LABELS)
