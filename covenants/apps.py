from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CovenantsConfig(AppConfig):
    name = "covenants"
    verbose_name = _("Covenants")

    def ready(self) -> None:
        from covenants import documents
        from covenants.services.workflow import connect_signed_guard

        # The covenant's PDFs (draft and signed) for the document engine.
        documents.register()
        # Nothing of a signed covenant is saved again (content, signatures, state).
        connect_signed_guard()
