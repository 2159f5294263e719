"""The API for other systems, version 1 (``/api/v1/``): the router of every app's
viewsets, the token endpoint, the OpenAPI schema and its browsable docs.

Calls authenticate with ``Authorization: Token <key>`` (a user's key: ``POST
/api/v1/token/`` with username and password, or ``manage.py api_token <username>``)
or, for the browsable pages, the session. DRF's views are exempt from the site's
login-required middleware (a token caller gets 401 from ``IsAuthenticated``, not the
login page); the docs page and the "API key" page (``/api/v1/key/``) stay behind the
login.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import include, path
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.defaults import page_not_found
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerSplitView,
)
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotFound
from rest_framework.routers import DefaultRouter

from clusters.api import (
    ApiMixin,
    ClusterViewSet,
    ClusterYearViewSet,
    OrganizerViewSet,
    UnitViewSet,
    api_key_rotate,
)
from covenants.api import CovenantViewSet
from scoring.api import (
    EntryViewSet,
    NominationViewSet,
    PeriodViewSet,
    RubricViewSet,
    ScorecardViewSet,
)


class TokenView(ApiMixin, ObtainAuthToken):
    """Exchange a username and password for the user's API key (made on first use)."""


# The "API key" page: a user's own key, shown, made or replaced ------------------------------


class ApiKeyForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand that the current key stops working at once.")
    )


def api_key(request: HttpRequest) -> HttpResponse:
    """The signed-in user's API key; replacing it asks for confirmation."""
    token = Token.objects.filter(user=request.user).first()
    bound = request.POST if request.method == "POST" else None
    form = ApiKeyForm(bound) if token else None
    if request.method == "POST" and (form is None or form.is_valid()):
        api_key_rotate(actor=request.user)
        messages.success(
            request, _("Your new API key is ready. Give it only to the system that needs it.")
        )
        return redirect("api_key")
    return render(request, "api/api_key.html", {"token": token, "form": form})


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The site's 404 (``handler404``): under ``/api/`` a path that names no operation
    (``/api/v1/units/1.5/``) is answered in JSON as the API's own 404s are, in the
    caller's language; elsewhere, the site's page."""
    if not request.path.startswith("/api/"):
        return page_not_found(request, exception)
    translation.activate(translation.get_language_from_request(request))
    response = JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    response["Content-Language"] = translation.get_language()
    return response


router = DefaultRouter()
router.register("organizers", OrganizerViewSet, basename="api-organizer")
router.register("units", UnitViewSet, basename="api-unit")
router.register("clusters", ClusterViewSet, basename="api-cluster")
router.register("cluster-years", ClusterYearViewSet, basename="api-cluster-year")
router.register("covenants", CovenantViewSet, basename="api-covenant")
router.register("rubrics", RubricViewSet, basename="api-rubric")
router.register("periods", PeriodViewSet, basename="api-period")
router.register("scorecards", ScorecardViewSet, basename="api-scorecard")
router.register("nominations", NominationViewSet, basename="api-nomination")

entry_view = EntryViewSet.as_view({"get": "retrieve", "patch": "partial_update"})


urlpatterns = [
    path("key/", api_key, name="api_key"),
    path("token/", TokenView.as_view(), name="api-token"),
    path(
        "scorecards/<str:scorecard_pk>/entries/<str:code>/",
        entry_view,
        name="api-scorecard-entry",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include(router.urls)),
    # Swagger UI from the sidecar's static files (ReDoc's page would load Google Fonts).
    path(
        "docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]


# Schema ----------------------------------------------------------------------------------

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "description": "The messages per field (non_field_errors: about the whole request).",
}
# A refused body: the messages per field, or one ``detail`` when the body cannot be read
# at all (not JSON, not an object).
BAD_REQUEST = {"anyOf": [FIELD_ERRORS, ERROR]}
COMMON = {
    "401": "No valid token nor session.",
    "403": "Not allowed.",
    "404": "Not found, or not yours to see.",
}


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Document the error answers every operation may give (401, 403, 404; 400 for a
    body that does not validate), so clients and Schemathesis know their shape."""
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            for code, words in COMMON.items():
                existing = responses.get(code)
                if existing is None:
                    responses[code] = {
                        "description": words,
                        "content": {"application/json": {"schema": ERROR}},
                    }
                elif "content" not in existing:
                    existing["content"] = {"application/json": {"schema": ERROR}}
            if method in {"post", "put", "patch"}:
                bad = responses.get("400")
                if bad is None or "content" not in bad:
                    responses["400"] = {
                        "description": (bad or {}).get("description", "Refused values."),
                        "content": {"application/json": {"schema": BAD_REQUEST}},
                    }
    return result
