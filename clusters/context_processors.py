from __future__ import annotations

from typing import Any

from clusters.models import Organizer
from clusters.permissions import current_organizer
from clusters.roles import profile_of


def profile(request) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The signed-in user's place (board or unit) for the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    user_profile = profile_of(user)
    is_board = bool(user.is_superuser or (user_profile and user_profile.role == "board"))
    context = {
        "user_profile": user_profile,
        "is_board": is_board,
        "active_organizer": current_organizer(request),
    }
    if user.is_superuser:
        context["all_organizers"] = Organizer.objects.order_by("sort_key")
    return context
