"""Scoring verification pages (HTTP only): authorize, validate, one service, respond."""

from __future__ import annotations

urlpatterns: list = []
