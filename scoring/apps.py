from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Scoring")

    def ready(self) -> None:
        from core.audit import register_actions
        from scoring import (
            documents,
            documents_awards,
            documents_ballots,
            documents_deliberations,
            documents_nominations,
            documents_reports,
            phase_stamp,
            signals,
        )
        from scoring.services import messages
        from scoring.services.messages import (
            ballots,
            deliberations,
            nomination_review,
            nominations,
            periods,
            ranking,
            scorecards,
            verification,
        )

        # The PDFs of the document engine: the scoring table, the score summary, the
        # ballot-count minutes.
        documents.register()
        documents_reports.register()
        documents_ballots.register()
        documents_deliberations.register()
        documents_nominations.register()
        documents_awards.register()
        # Nothing of a final scorecard is saved again (entries, proposals).
        signals.connect_final_guard()
        # The phase bar's cache key moves on after every change the bar reads.
        phase_stamp.connect_phase_stamp()
        # The activity log in words.
        register_actions(
            areas=messages.ACTION_AREAS,
            labels=messages.ACTION_LABELS,
            fields=messages.ACTION_FIELDS,
            values=messages.ACTION_VALUES,
        )
        for area in (
            periods,
            scorecards,
            verification,
            ranking,
            ballots,
            deliberations,
            nominations,
            nomination_review,
        ):
            register_actions(
                areas=area.ACTION_AREAS, labels=area.ACTION_LABELS, fields=area.ACTION_FIELDS
            )
