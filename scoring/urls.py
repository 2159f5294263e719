from __future__ import annotations

from scoring.views import criteria, files, periods, rubrics, scorecards, verification

urlpatterns = (
    rubrics.urlpatterns
    + criteria.urlpatterns
    + files.urlpatterns
    + periods.urlpatterns
    + scorecards.urlpatterns
    + verification.urlpatterns
)
