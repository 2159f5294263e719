"""Roles a user holds in one cluster year, derived, never stored.

Head rights come from "my unit heads this cluster in this year": when the next
year's head is named, the rights move with it and nobody edits a permission.
"""

from __future__ import annotations

from enum import StrEnum

from clusters.models import ClusterYear, Organizer, Profile


class Role(StrEnum):
    BOARD = "board"
    HEAD = "head"
    DEPUTY = "deputy"
    MEMBER_OFFICER = "member_officer"
    MEMBER_LEADER = "member_leader"


def profile_of(user) -> Profile | None:  # type: ignore[no-untyped-def]
    """The user's profile with its unit and organizer, read once per request (one query,
    not three: nearly every page asks who the user is and whose data they work in)."""
    if not getattr(user, "is_authenticated", False):
        return None
    relation = Profile._meta.get_field("user").remote_field
    if relation.is_cached(user):
        try:
            return user.profile
        except Profile.DoesNotExist:
            return None
    profile = (
        Profile.objects.select_related("unit__organizer", "organizer")
        .filter(user_id=user.pk)
        .first()
    )
    relation.set_cached_value(user, profile)  # ``user.profile`` reads it from now on
    return profile


def is_board_of(user, organizer_id: int) -> bool:  # type: ignore[no-untyped-def]
    if getattr(user, "is_superuser", False):
        return True
    profile = profile_of(user)
    return bool(
        profile and profile.role == Profile.Role.BOARD and profile.organizer_id == organizer_id
    )


def board_organizer(user) -> Organizer | None:  # type: ignore[no-untyped-def]
    profile = profile_of(user)
    if profile and profile.role == Profile.Role.BOARD:
        return profile.organizer
    return None


def roles_for(user, cluster_year: ClusterYear) -> frozenset[Role]:  # type: ignore[no-untyped-def]
    roles: set[Role] = set()
    if is_board_of(user, cluster_year.cluster.organizer_id):
        roles.add(Role.BOARD)
    profile = profile_of(user)
    if profile is None or profile.unit_id is None:
        return frozenset(roles)
    unit_id = profile.unit_id
    if not cluster_year.memberships.filter(unit_id=unit_id).exists():
        return frozenset(roles)
    roles.add(Role.MEMBER_LEADER if profile.role == Profile.Role.LEADER else Role.MEMBER_OFFICER)
    if cluster_year.head_unit_id == unit_id:
        roles.add(Role.HEAD)
    if cluster_year.deputy_unit_id == unit_id:
        roles.add(Role.DEPUTY)
    return frozenset(roles)


def is_superseded(cluster_year: ClusterYear) -> bool:
    """A later year of the same cluster has its head named: the head has rotated."""
    return ClusterYear.objects.filter(
        cluster_id=cluster_year.cluster_id, year__gt=cluster_year.year, head_unit__isnull=False
    ).exists()


def can_act_as_head(roles: frozenset[Role], cluster_year: ClusterYear) -> bool:
    """Head (or board) work on a year: the head's people may do it while the year
    is open and the head has not yet rotated (no later year has its head named);
    from then on they keep read access to their year, like any member."""
    if Role.BOARD in roles:
        return True
    return Role.HEAD in roles and cluster_year.is_open and not is_superseded(cluster_year)
