from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from core.audit import register_actions
        from core.db import connect_nul_guard

        connect_nul_guard()

        register_actions(
            areas={"core.reauth": _("Confirmations with the password")},
            labels={"core.reauth.failed": _("Wrong password when confirming")},
            fields={"confirming": _("to confirm")},
        )
