from __future__ import annotations

from scoring.views import rubrics

urlpatterns = rubrics.urlpatterns
