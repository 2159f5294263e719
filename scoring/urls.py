from __future__ import annotations

from scoring.views import criteria, files, rubrics

urlpatterns = rubrics.urlpatterns + criteria.urlpatterns + files.urlpatterns
