from __future__ import annotations

from django.urls import path

urlpatterns: list = []
from django.http import HttpResponse  # noqa: E402 - placeholder until the screens land


def _todo(request, **kwargs):  # type: ignore[no-untyped-def]
    return HttpResponse("")


urlpatterns = [path("people/", _todo, name="user_list")]
