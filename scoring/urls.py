from __future__ import annotations

from scoring.views import (
    award_rules,
    ballot_documents,
    ballots,
    criteria,
    dashboard,
    deliberations,
    files,
    nomination_board,
    nominations,
    periods,
    ranking,
    reports,
    rubrics,
    scorecards,
    unit_history,
    verification,
)

urlpatterns = (
    rubrics.urlpatterns
    + criteria.urlpatterns
    + files.urlpatterns
    + periods.urlpatterns
    + scorecards.urlpatterns
    + verification.urlpatterns
    + ranking.urlpatterns
    + ballots.urlpatterns
    + ballot_documents.urlpatterns
    + reports.urlpatterns
    + deliberations.urlpatterns
    + award_rules.urlpatterns
    + nominations.urlpatterns
    + nomination_board.urlpatterns
    + dashboard.urlpatterns
    + unit_history.urlpatterns
)
