from __future__ import annotations

from covenants.views import drafting, targets, workflow

urlpatterns = drafting.urlpatterns + targets.urlpatterns + workflow.urlpatterns
