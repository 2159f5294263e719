from __future__ import annotations

from scoring.views import (
    ballots,
    criteria,
    files,
    periods,
    ranking,
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
)
