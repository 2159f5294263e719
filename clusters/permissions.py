"""Fetch-and-authorize helpers: the object, or Http404 (not yours to see), or
PermissionDenied (yours to see, not to change). Views never fetch by id themselves.
"""

from __future__ import annotations

from typing import Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from clusters.models import Cluster, ClusterYear, Organizer, Profile, Unit
from clusters.roles import Role, board_organizer, can_act_as_head, profile_of, roles_for

Action = Literal["view", "edit", "head"]
ACTIVE_ORGANIZER_SESSION_KEY = "active_organizer_id"


def current_organizer(request: HttpRequest) -> Organizer | None:
    """The organizer whose data the user works in: a board's own, or for a
    superuser the one chosen in the switcher (the first one by default)."""
    user = request.user
    if user.is_superuser:
        chosen = request.session.get(ACTIVE_ORGANIZER_SESSION_KEY)
        organizers = Organizer.objects.order_by("sort_key")
        return (organizers.filter(pk=chosen).first() if chosen else None) or organizers.first()
    profile = profile_of(user)
    if profile is None:
        return None
    if profile.role == Profile.Role.BOARD:
        return profile.organizer
    return profile.unit.organizer


def board_for(request: HttpRequest) -> Organizer:
    """The organizer a board page works on; anyone else is refused (403)."""
    organizer = current_organizer(request)
    if organizer is None or not (request.user.is_superuser or board_organizer(request.user)):
        raise PermissionDenied
    return organizer


def _in_scope(request: HttpRequest, organizer_id: int) -> bool:
    organizer = current_organizer(request)
    return organizer is not None and organizer.pk == organizer_id


def unit_for_user(request: HttpRequest, pk: int, action: Action = "view") -> Unit:
    unit = get_object_or_404(Unit.objects.select_related("organizer", "parent"), pk=pk)
    if not _in_scope(request, unit.organizer_id):
        raise Http404
    if request.user.is_superuser or board_organizer(request.user):
        return unit
    profile = profile_of(request.user)
    if profile is None or profile.unit_id != unit.pk:
        raise Http404
    if action != "view":
        raise PermissionDenied
    return unit


def cluster_for_user(request: HttpRequest, pk: int, action: Action = "view") -> Cluster:
    cluster = get_object_or_404(Cluster.objects.select_related("organizer"), pk=pk)
    if not _in_scope(request, cluster.organizer_id):
        raise Http404
    if request.user.is_superuser or board_organizer(request.user):
        return cluster
    profile = profile_of(request.user)
    if profile is None or not cluster.years.filter(memberships__unit_id=profile.unit_id).exists():
        raise Http404
    if action != "view":
        raise PermissionDenied
    return cluster


def cluster_year_for_user(
    request: HttpRequest, pk: int, action: Action = "view"
) -> tuple[ClusterYear, frozenset[Role]]:
    """The cluster year and the roles the user holds in it.

    view: board, or any member unit's people; edit (membership, head, decision):
    board only; head: the head unit's people while the year is open, or board.
    """
    cluster_year = get_object_or_404(
        ClusterYear.objects.select_related("cluster__organizer", "head_unit", "deputy_unit"),
        pk=pk,
    )
    if not _in_scope(request, cluster_year.cluster.organizer_id):
        raise Http404
    roles = roles_for(request.user, cluster_year)
    if not roles:
        raise Http404
    if action == "edit" and Role.BOARD not in roles:
        raise PermissionDenied
    if action == "head" and not can_act_as_head(roles, cluster_year):
        raise PermissionDenied
    return cluster_year, roles


def managed_user_for(request: HttpRequest, pk: int):  # type: ignore[no-untyped-def]
    """A user account the board may manage: its own staff and its units' people."""
    organizer = board_for(request)
    user = get_object_or_404(
        get_user_model().objects.select_related("profile__unit", "profile__organizer"), pk=pk
    )
    profile = profile_of(user)
    if profile is None or profile.home_organizer_id != organizer.pk:
        raise Http404
    return user
