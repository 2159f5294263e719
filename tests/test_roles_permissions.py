"""Roles derived from the year (clusters/roles.py) and the fetch-and-authorize
helpers (clusters/permissions.py), for every persona of the world."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from clusters import services
from clusters.permissions import (
    ACTIVE_ORGANIZER_SESSION_KEY,
    board_for,
    cluster_for_user,
    cluster_year_for_user,
    current_organizer,
    unit_for_user,
)
from clusters.roles import Role, can_act_as_head, is_board_of, roles_for
from tests.factories import ClusterFactory, ClusterYearFactory, UnitFactory, add_members, make_user

B, H, D, MO, ML = Role.BOARD, Role.HEAD, Role.DEPUTY, Role.MEMBER_OFFICER, Role.MEMBER_LEADER
NOT_FOUND, DENIED = "404", "403"


def request_for(user, session=None):  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/")
    request.user = user
    request.session = session or {}
    return request


def outcome(helper, *args, **kwargs):  # type: ignore[no-untyped-def]
    try:
        return helper(*args, **kwargs)
    except Http404:
        return NOT_FOUND
    except PermissionDenied:
        return DENIED


# roles_for ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "this_year", "last_year"),
    [
        ("board", {B}, {B}),
        ("other_board", set(), set()),
        ("head_officer", {MO, H}, {MO, D}),
        ("last_head_officer", {MO}, {MO, H}),
        ("member_officer", {MO}, {MO}),
        ("member_leader", {ML}, {ML}),
        ("outsider_officer", set(), set()),
    ],
)
def test_roles_for_each_persona(world, persona, this_year, last_year):
    user = world.personas()[persona]
    assert roles_for(user, world.this_year) == frozenset(this_year)
    assert roles_for(user, world.last_year) == frozenset(last_year)


def test_roles_for_anonymous_and_users_without_profile(world):
    assert roles_for(AnonymousUser(), world.this_year) == frozenset()
    nobody = get_user_model().objects.create_user(username="nobody", password="x-42-long-pass")
    assert roles_for(nobody, world.this_year) == frozenset()
    admin = get_user_model().objects.create_superuser(username="root", password="x-42-long-pass")
    assert roles_for(admin, world.this_year) == frozenset({B})
    assert is_board_of(admin, world.other_org.pk)


def test_deputy_role(world):
    deputy_officer = make_user("dung", role="officer", unit=world.deputy_unit)
    assert roles_for(deputy_officer, world.this_year) == frozenset({MO, D})
    assert roles_for(deputy_officer, world.last_year) == frozenset({MO})


def test_head_rights_move_with_next_years_head(world):
    # Next year is named by rotation: the head passes from Tây Sơn to Nam Sơn.
    next_year = services.rotation_apply_next(actor=world.board, cluster_year=world.this_year)
    assert next_year.head_unit == world.deputy_unit
    assert H not in roles_for(world.head_officer, next_year)
    assert roles_for(world.head_officer, next_year) == frozenset({MO})
    assert H in roles_for(world.head_officer, world.this_year)


def test_changing_the_head_moves_the_rights_at_once(world):
    services.cluster_year_update(
        actor=world.board,
        cluster_year=world.this_year,
        head_unit=world.member_unit,
        deputy_unit=world.h_new,
    )
    world.this_year.refresh_from_db()
    assert roles_for(world.member_officer, world.this_year) == frozenset({MO, H})
    assert roles_for(world.member_leader, world.this_year) == frozenset({ML, H})
    assert roles_for(world.head_officer, world.this_year) == frozenset({MO, D})
    assert not can_act_as_head(roles_for(world.head_officer, world.this_year), world.this_year)


def test_can_act_as_head_only_while_the_year_is_open(world):
    head_last = roles_for(world.last_head_officer, world.last_year)
    assert H in head_last
    assert not can_act_as_head(head_last, world.last_year)  # 2023 is closed
    assert can_act_as_head(roles_for(world.head_officer, world.this_year), world.this_year)
    assert not can_act_as_head(roles_for(world.member_officer, world.this_year), world.this_year)
    assert not can_act_as_head(roles_for(world.head_officer, world.last_year), world.last_year)
    # The board may always act.
    assert can_act_as_head(roles_for(world.board, world.last_year), world.last_year)

    # Reopened by the board, 2023 is still not its old head's to change: the head
    # has rotated (2024's head is named), so its people only read it.
    services.cluster_year_set_status(actor=world.board, cluster_year=world.last_year, status="open")
    world.last_year.refresh_from_db()
    assert not can_act_as_head(roles_for(world.last_head_officer, world.last_year), world.last_year)
    assert can_act_as_head(roles_for(world.board, world.last_year), world.last_year)


# cluster_year_for_user ---------------------------------------------------------------------

YEAR_CASES = [
    # persona, year, view, edit, head
    ("board", "this_year", {B}, {B}, {B}),
    ("board", "last_year", {B}, {B}, {B}),
    ("other_board", "this_year", NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ("outsider_officer", "this_year", NOT_FOUND, NOT_FOUND, NOT_FOUND),
    ("member_officer", "this_year", {MO}, DENIED, DENIED),
    ("member_leader", "this_year", {ML}, DENIED, DENIED),
    ("head_officer", "this_year", {MO, H}, DENIED, {MO, H}),
    ("head_officer", "last_year", {MO, D}, DENIED, DENIED),
    ("last_head_officer", "last_year", {MO, H}, DENIED, DENIED),
    ("last_head_officer", "this_year", {MO}, DENIED, DENIED),
]


@pytest.mark.parametrize(("persona", "which", "view", "edit", "head"), YEAR_CASES)
def test_cluster_year_for_user(world, persona, which, view, edit, head):
    request = request_for(world.personas()[persona])
    year = getattr(world, which)
    for action, expected in (("view", view), ("edit", edit), ("head", head)):
        result = outcome(cluster_year_for_user, request, year.pk, action=action)
        if isinstance(expected, set):
            assert result == (year, frozenset(expected)), action
        else:
            assert result == expected, action


def test_cluster_year_for_user_unknown_id_is_404(world):
    assert outcome(cluster_year_for_user, request_for(world.board), 999_999) == NOT_FOUND


def test_superuser_sees_the_organizer_chosen_in_the_switcher(world):
    admin = get_user_model().objects.create_superuser(username="root", password="x-42-long-pass")
    chosen_org = request_for(admin, {ACTIVE_ORGANIZER_SESSION_KEY: world.org.pk})
    chosen_other = request_for(admin, {ACTIVE_ORGANIZER_SESSION_KEY: world.other_org.pk})
    assert current_organizer(chosen_org) == world.org
    assert current_organizer(chosen_other) == world.other_org
    assert cluster_year_for_user(chosen_org, world.this_year.pk, action="edit") == (
        world.this_year,
        frozenset({B}),
    )
    assert outcome(cluster_year_for_user, chosen_other, world.this_year.pk) == NOT_FOUND
    assert unit_for_user(chosen_org, world.member_unit.pk, action="edit") == world.member_unit
    assert outcome(unit_for_user, chosen_other, world.member_unit.pk) == NOT_FOUND
    assert cluster_for_user(chosen_org, world.cluster.pk, action="edit") == world.cluster
    assert outcome(cluster_for_user, chosen_other, world.cluster.pk) == NOT_FOUND
    assert board_for(chosen_other) == world.other_org


def test_superuser_without_a_choice_works_in_the_first_organizer(world):
    admin = get_user_model().objects.create_superuser(username="root", password="x-42-long-pass")
    # "Bình Lâm" sorts after "An Phú".
    assert current_organizer(request_for(admin)) == world.org
    gone = request_for(admin, {ACTIVE_ORGANIZER_SESSION_KEY: 999_999})
    assert current_organizer(gone) == world.org


# unit_for_user and cluster_for_user -------------------------------------------------------

UNIT_CASES = [
    # persona, unit, view, edit
    ("board", "member_unit", "member_unit", "member_unit"),
    ("board", "outsider_unit", "outsider_unit", "outsider_unit"),
    ("board", "other_unit", NOT_FOUND, NOT_FOUND),
    ("other_board", "member_unit", NOT_FOUND, NOT_FOUND),
    ("other_board", "other_unit", "other_unit", "other_unit"),
    ("member_officer", "member_unit", "member_unit", DENIED),
    ("member_leader", "member_unit", "member_unit", DENIED),
    ("member_officer", "h_new", NOT_FOUND, NOT_FOUND),
    ("head_officer", "member_unit", NOT_FOUND, NOT_FOUND),
    ("outsider_officer", "outsider_unit", "outsider_unit", DENIED),
    ("outsider_officer", "member_unit", NOT_FOUND, NOT_FOUND),
]


@pytest.mark.parametrize(("persona", "unit", "view", "edit"), UNIT_CASES)
def test_unit_for_user(world, persona, unit, view, edit):
    request = request_for(world.personas()[persona])
    target = getattr(world, unit)
    for action, expected in (("view", view), ("edit", edit)):
        result = outcome(unit_for_user, request, target.pk, action=action)
        wanted = expected if expected in (NOT_FOUND, DENIED) else getattr(world, expected)
        assert result == wanted, action


CLUSTER_CASES = [
    # persona, view, edit
    ("board", "cluster", "cluster"),
    ("other_board", NOT_FOUND, NOT_FOUND),
    ("head_officer", "cluster", DENIED),
    ("last_head_officer", "cluster", DENIED),
    ("member_officer", "cluster", DENIED),
    ("member_leader", "cluster", DENIED),
    ("outsider_officer", NOT_FOUND, NOT_FOUND),
]


@pytest.mark.parametrize(("persona", "view", "edit"), CLUSTER_CASES)
def test_cluster_for_user(world, persona, view, edit):
    request = request_for(world.personas()[persona])
    for action, expected in (("view", view), ("edit", edit)):
        result = outcome(cluster_for_user, request, world.cluster.pk, action=action)
        assert result == (world.cluster if expected == "cluster" else expected), action


def test_a_former_member_still_sees_the_cluster_it_was_in(world):
    # A unit that was a member only in an earlier year keeps read access to that history.
    cluster = ClusterFactory(organizer=world.org, name="Cụm thi đua cũ")
    year = ClusterYearFactory(cluster=cluster, year=2020)
    add_members(year, [world.outsider_unit, UnitFactory(organizer=world.org, name="UBND xã Cũ")])
    request = request_for(world.outsider_officer)
    assert cluster_for_user(request, cluster.pk) == cluster
    assert cluster_year_for_user(request, year.pk) == (year, frozenset({MO}))
    assert outcome(cluster_for_user, request, world.cluster.pk) == NOT_FOUND


def test_board_for(world):
    assert board_for(request_for(world.board)) == world.org
    assert board_for(request_for(world.other_board)) == world.other_org
    for persona in ("head_officer", "member_officer", "member_leader", "outsider_officer"):
        assert outcome(board_for, request_for(world.personas()[persona])) == DENIED, persona


def test_head_rights_end_when_the_next_years_head_is_named(world):
    from clusters.roles import can_act_as_head, roles_for
    from tests.factories import ClusterYearFactory, add_members

    world.this_year.refresh_from_db()
    head_roles = roles_for(world.head_officer, world.this_year)
    assert can_act_as_head(head_roles, world.this_year)

    next_year = ClusterYearFactory(cluster=world.cluster, year=2025)
    add_members(next_year, [world.h_new, world.deputy_unit, world.member_unit])
    # The next year exists but its head is not named: the rights stay.
    assert can_act_as_head(head_roles, world.this_year)

    next_year.head_unit = world.deputy_unit
    next_year.save()
    # Named: the old head keeps reading its year, the new head acts on the new one.
    assert not can_act_as_head(roles_for(world.head_officer, world.this_year), world.this_year)
    assert roles_for(world.head_officer, world.this_year)  # still a reader
    deputy_officer = world.head_officer.__class__.objects.create_user("dana", password="x-9-y-8")
    from clusters.models import Profile

    Profile.objects.create(user=deputy_officer, role="officer", unit=world.deputy_unit)
    assert can_act_as_head(roles_for(deputy_officer, next_year), next_year)
