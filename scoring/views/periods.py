"""Scoring periods pages (HTTP only): authorize, validate, one service, respond."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from scoring.permissions import period_for_user


def period_detail(request: HttpRequest, pk: int) -> HttpResponse:
    period, _roles = period_for_user(request, pk)
    return HttpResponse(str(period))


urlpatterns = [path("scoring/periods/<int:pk>/", period_detail, name="period_detail")]
