"""Who may see and change a scoring table (rubric).

A cluster's rubric: board staff and the head unit's people (while the year is
open) edit it until it is frozen; every member unit's people read it. A
template of the organizer's library: board staff only.
"""

from __future__ import annotations

from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from clusters.permissions import current_organizer
from clusters.roles import Role, can_act_as_head, is_board_of, roles_for
from scoring.models import Rubric

RubricAction = Literal["view", "edit", "manage"]


def rubric_for_user(
    request: HttpRequest, pk: int, action: RubricAction = "view"
) -> tuple[Rubric, frozenset[Role]]:
    """The rubric and the user's roles in its year (board only for templates).

    view: board, members of the year; edit (criteria, settings; refused once
    frozen by the services) and manage (freeze, new version, PDF): board, or the
    head of an open year.
    """
    rubric = get_object_or_404(
        Rubric.objects.select_related(
            "organizer", "cluster_year__cluster", "cluster_year__head_unit"
        ),
        pk=pk,
    )
    organizer = current_organizer(request)
    if organizer is None or organizer.pk != rubric.organizer_id:
        raise Http404
    if rubric.is_template:
        if not is_board_of(request.user, rubric.organizer_id):
            raise Http404
        return rubric, frozenset({Role.BOARD})
    roles = roles_for(request.user, rubric.cluster_year)
    if not roles:
        raise Http404
    if action != "view" and not can_act_as_head(roles, rubric.cluster_year):
        raise PermissionDenied
    return rubric, roles
