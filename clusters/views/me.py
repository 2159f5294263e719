"""``/me/unit/``: the signed-in person's unit, in a few bytes of JSON.

The smallest real logged-in page: the session, the user and one row (the profile with
its unit, in one query). Scripts and the page's own widgets can ask "whose account is
this" without loading a page; the load benchmark (``bench/load.py``) uses it as the
*floor*: no view that reads the database can answer faster than this one.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

from clusters.models import Profile


@require_GET
def my_unit(request: HttpRequest) -> JsonResponse:
    profile = (
        Profile.objects.select_related("unit")
        .only("role", "unit__name")
        .filter(user_id=request.user.pk)
        .first()
    )
    unit = profile.unit if profile is not None else None
    return JsonResponse(
        {
            "role": profile.role if profile is not None else None,
            "unit": {"id": unit.pk, "name": unit.name} if unit is not None else None,
        },
        json_dumps_params={"ensure_ascii": False},
    )


urlpatterns = [path("me/unit/", my_unit, name="my_unit")]
