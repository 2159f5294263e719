"""Who may do what with a covenant: fetch-and-authorize helpers.

Roles come from ``clusters.roles`` for the covenant's cluster year. Board staff
may do everything; the head unit's people draft and move the covenant through
its states while the year is open; members read and comment; each member
unit's leader signs for the unit.
"""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from clusters.permissions import current_organizer
from clusters.roles import Role, can_act_as_head, profile_of, roles_for
from covenants.models import Covenant

CovenantAction = Literal["view", "edit", "manage", "comment", "sign", "witness"]


def covenant_roles(request: HttpRequest, covenant: Covenant) -> frozenset[Role]:
    organizer = current_organizer(request)
    if organizer is None or organizer.pk != covenant.cluster_year.cluster.organizer_id:
        raise Http404
    roles = roles_for(request.user, covenant.cluster_year)
    if not roles:
        raise Http404
    return roles


def can_manage(roles: frozenset[Role], covenant: Covenant) -> bool:
    """Draft, edit and move the covenant through its states."""
    return can_act_as_head(roles, covenant.cluster_year)


def can_sign_for_unit(request: HttpRequest, roles: frozenset[Role]) -> bool:
    """The leader of a member unit signs for it."""
    return Role.MEMBER_LEADER in roles


def covenant_for_user(
    request: HttpRequest, pk: int, action: CovenantAction = "view"
) -> tuple[Covenant, frozenset[Role]]:
    covenant = get_object_or_404(
        Covenant.objects.select_related(
            "cluster_year__cluster__organizer",
            "cluster_year__head_unit",
            "cluster_year__deputy_unit",
        ),
        pk=pk,
    )
    roles = covenant_roles(request, covenant)
    allowed = {
        "view": True,
        "edit": can_manage(roles, covenant),
        "manage": can_manage(roles, covenant),
        "comment": bool(roles & {Role.MEMBER_OFFICER, Role.MEMBER_LEADER}) or Role.BOARD in roles,
        "sign": can_sign_for_unit(request, roles),
        "witness": Role.BOARD in roles and not request.user.is_superuser,
    }[action]
    if not allowed:
        raise PermissionDenied
    return covenant, roles


def signing_unit(request: HttpRequest):  # type: ignore[no-untyped-def]
    """The unit the signed-in leader signs for."""
    profile = profile_of(request.user)
    return profile.unit if profile and profile.unit_id else None
