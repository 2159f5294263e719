from __future__ import annotations

from clusters.views import audit, clusters, dashboard, imports, people, units

urlpatterns = (
    dashboard.urlpatterns
    + units.urlpatterns
    + imports.urlpatterns
    + clusters.urlpatterns
    + people.urlpatterns
    + audit.urlpatterns
)
