from __future__ import annotations

from django.urls import path

urlpatterns: list = []
from django.http import HttpResponse  # noqa: E402 - placeholder until the screens land


def _todo(request, **kwargs):  # type: ignore[no-untyped-def]
    return HttpResponse("")


urlpatterns = [
    path("clusters/", _todo, name="cluster_list"),
    path("clusters/<int:pk>/", _todo, name="cluster_detail"),
    path("clusters/<int:pk>/years/new/", _todo, name="cluster_year_create"),
    path("years/<int:pk>/", _todo, name="cluster_year_detail"),
]
