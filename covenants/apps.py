from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CovenantsConfig(AppConfig):
    name = "covenants"
    verbose_name = _("Covenants")

    def ready(self) -> None:
        from clusters.locks import register_membership_lock
        from core.audit import register_actions
        from covenants import documents
        from covenants.services.workflow import connect_signed_guard, membership_fixed_by_covenant

        # The covenant's PDFs (draft and signed) for the document engine.
        documents.register()
        # Nothing of a signed covenant is saved again (content, signatures, state).
        connect_signed_guard()
        # Members, head and deputy are fixed once the year's covenant is adopted.
        register_membership_lock(membership_fixed_by_covenant)
        # The activity log in words.
        register_actions(
            areas={
                "covenants.covenant": _("Covenants"),
                "covenants.signature": _("Covenant signatures"),
                "core.document": _("Documents"),
            },
            labels=ACTION_LABELS,
        )


ACTION_LABELS = {
    "covenants.covenant.created": _("Covenant drafted"),
    "covenants.covenant.updated": _("Covenant changed"),
    "covenants.covenant.section_added": _("Covenant section added"),
    "covenants.covenant.section_updated": _("Covenant section changed"),
    "covenants.covenant.section_moved": _("Covenant section moved"),
    "covenants.covenant.section_deleted": _("Covenant section removed"),
    "covenants.covenant.guests_changed": _("Conference guests changed"),
    "covenants.covenant.document_added": _("Adopted document added"),
    "covenants.covenant.document_deleted": _("Adopted document removed"),
    "covenants.covenant.target_added": _("Target added"),
    "covenants.covenant.target_updated": _("Target changed"),
    "covenants.covenant.target_deleted": _("Target removed"),
    "covenants.covenant.targets_imported": _("Targets imported from Excel"),
    "covenants.covenant.comment_added": _("Comment on the draft"),
    "covenants.covenant.comment_resolved": _("Comment taken into account"),
    "covenants.covenant.draft": _("Covenant returned to draft"),
    "covenants.covenant.circulated": _("Covenant circulated for comments"),
    "covenants.covenant.adopted": _("Covenant adopted at the conference"),
    "covenants.covenant.signing": _("Covenant opened for signing"),
    "covenants.covenant.signed": _("Covenant signed by all"),
    "covenants.covenant.amended": _("Amendment started"),
    "covenants.signature.created": _("Covenant signed for a unit"),
    "covenants.signature.failed": _("Failed signing attempt"),
    "core.document.requested": _("Document requested"),
}
