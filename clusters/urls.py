from __future__ import annotations

from clusters.views import audit, clusters, dashboard, imports, me, people, units, years

urlpatterns = (
    dashboard.urlpatterns
    + units.urlpatterns
    + imports.urlpatterns
    + clusters.urlpatterns
    + years.urlpatterns
    + people.urlpatterns
    + audit.urlpatterns
    + me.urlpatterns
)
