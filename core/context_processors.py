from __future__ import annotations

from functools import cached_property
from typing import Any

from core.notifications import unread_count

# The bell shows this many at most, then "99+".
BELL_LIMIT = 99


class UnreadCounter:
    """The signed-in user's unread notifications, counted (one query) only when a
    template shows it."""

    def __init__(self, user: Any) -> None:
        self.user = user

    @cached_property
    def count(self) -> int:
        return unread_count(self.user)

    def __bool__(self) -> bool:
        return self.count > 0

    def __str__(self) -> str:
        return f"{BELL_LIMIT}+" if self.count > BELL_LIMIT else str(self.count)


def notifications(request) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """``unread_notifications`` for the bell in the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": UnreadCounter(user)}
