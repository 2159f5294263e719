from __future__ import annotations

from covenants.views import drafting, workflow

urlpatterns = drafting.urlpatterns + workflow.urlpatterns
