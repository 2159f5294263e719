from __future__ import annotations

from scoring.views import (
    ballot_documents,
    ballots,
    criteria,
    files,
    periods,
    ranking,
    reports,
    rubrics,
    scorecards,
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
)
