"""Read queries for the people screens: one organizer's board staff and the
people of its units."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from clusters.models import Organizer, Unit
from core.text import fold, vi_sort_key


def _person_key(user: Any) -> tuple[int, str, str, str, str]:
    """Board first, then units in Vietnamese order; inside each, people by given
    name then family name, the way Vietnamese name lists are ordered."""
    unit = user.profile.unit
    return (
        0 if unit is None else 1,
        unit.sort_key if unit is not None else "",
        vi_sort_key(user.last_name or user.username),
        vi_sort_key(user.first_name),
        user.username.lower(),
    )


def _matches(user: Any, needle: str) -> bool:
    unit = user.profile.unit
    haystack = " ".join(
        [user.get_full_name(), user.username, unit.name if unit is not None else ""]
    )
    return needle in fold(haystack)


def organizer_people(
    *,
    organizer: Organizer,
    query: str = "",
    role: str = "",
    unit: Unit | None = None,
) -> list[Any]:
    """Everyone who works in ``organizer``: its board staff and its units' people,
    ordered by unit (board first) then name; one query whatever the number.

    The search is accent-free on full name, user name and unit ("duc xuan"
    finds "phường Đức Xuân").
    """
    users = (
        get_user_model()
        .objects.filter(
            Q(profile__organizer=organizer) | Q(profile__unit__organizer=organizer),
        )
        .select_related("profile__unit")
    )
    if role:
        users = users.filter(profile__role=role)
    if unit is not None:
        users = users.filter(profile__unit=unit)
    people = list(users)
    needle = fold(query or "").strip()
    if needle:
        people = [user for user in people if _matches(user, needle)]
    return sorted(people, key=_person_key)


def organizer_units(*, organizer: Organizer) -> QuerySet[Unit]:
    """Every unit of the organizer, current or former, for the list filter."""
    return Unit.objects.filter(organizer=organizer).vi_ordered()


def assignable_units(*, organizer: Organizer, keep: Unit | None = None) -> QuerySet[Unit]:
    """The units a person can be attached to: the organizer's current units (and
    ``keep``, the unit the person already has, even if it has since ended)."""
    condition = Q(valid_to__isnull=True)
    if keep is not None:
        condition |= Q(pk=keep.pk)
    return Unit.objects.filter(organizer=organizer).filter(condition).vi_ordered()
