from __future__ import annotations

from clusters.views import audit, clusters, dashboard, people, units

urlpatterns = (
    dashboard.urlpatterns
    + units.urlpatterns
    + clusters.urlpatterns
    + people.urlpatterns
    + audit.urlpatterns
)
