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
        from covenants.models import AdoptedDocument, CovenantState, Signature
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
            fields=FIELD_LABELS,
            values={
                ("covenants.", "state"): CovenantState.choices,
                ("covenants.", "method"): Signature.Method.choices,
                ("covenants.", "kind"): AdoptedDocument.Kind.choices,
            },
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

FIELD_LABELS = {
    "state": _("State"),
    "version": _("Version"),
    "amends": _("Amends"),
    "title": _("Title"),
    "number": _("Document number"),
    "legal_bases": _("Legal bases"),
    "preamble": _("Opening text"),
    "closing": _("Closing commitment"),
    "conference_date": _("Conference date"),
    "conference_place": _("Conference venue"),
    "chair_name": _("Chaired by"),
    "chair_position": _("Chair's position"),
    "needs_witness": _("Board witness"),
    "heading": _("Heading"),
    "body": _("Text"),
    "order": _("Order"),
    "section": _("Section"),
    "sections": _("Sections"),
    "guests": _("Guests"),
    "documents": _("Documents"),
    "targets": _("Targets"),
    "target": _("Target"),
    "target_values": _("Target values"),
    "indicator": _("Indicator"),
    "indicators": _("Indicators"),
    "measure": _("Unit of measure"),
    "carried_into_scoring": _("Carried into scoring"),
    "value": _("Value"),
    "values": _("Values"),
    "text": _("Comment"),
    "comment": _("Comment"),
    "resolved": _("Taken into account"),
    "source": _("Copied from"),
    "copied": _("Copied"),
    "signer_name": _("Signed by"),
    "signer_position": _("Position"),
    "signed_at": _("Signed at"),
    "signing_for": _("Signing for"),
    "method": _("How"),
    "witness": _("Witness"),
    "signatures": _("Signatures"),
    "signers": _("Signers"),
    "member_units": _("Member units"),
    "adopted_at": _("Adopted at"),
    "job_id": _("Job"),
    "verification_code": _("Verification code"),
    "file": _("File"),
    "rows": _("Rows"),
    "trusted": _("Certificate verified"),
    "intact": _("Intact"),
}
