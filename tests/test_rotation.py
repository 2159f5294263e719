"""Rotation of the head (clusters/services.py): the head passes to the next member in
the agreed order, the deputy is the one after; next year is created from this one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from clusters import services
from clusters.models import ClusterYear
from core.models import ActionLog
from tests.factories import ClusterFactory, ClusterYearFactory, UnitFactory, add_members

REFORM = dt.date(2025, 7, 1)


def message(constant, **params) -> str:  # type: ignore[no-untyped-def]
    return str(constant) % params if params else str(constant)


@pytest.fixture
def ring(world):  # type: ignore[no-untyped-def]
    """Cluster of five communes, 2024, in the order A B C D E with C heading."""
    cluster = ClusterFactory(organizer=world.org, name="Cụm thi đua các xã")
    units = [UnitFactory(organizer=world.org, name=f"UBND xã {name}") for name in "ABCDE"]
    year = services.cluster_year_create(
        actor=world.board,
        cluster=cluster,
        year=2024,
        members=units,
        head_unit=units[2],
        deputy_unit=units[3],
    )
    return year, units


def plan_names(plan):  # type: ignore[no-untyped-def]
    return [(step["year"], step["head"].name[-1], step["deputy"].name[-1]) for step in plan]


# Preview ------------------------------------------------------------------------------------


def test_preview_cycles_through_the_order_and_wraps_around(ring):
    year, _units = ring
    plan = services.rotation_preview(cluster_year=year, years=6)
    assert plan_names(plan) == [
        (2025, "D", "E"),
        (2026, "E", "A"),
        (2027, "A", "B"),
        (2028, "B", "C"),
        (2029, "C", "D"),
        (2030, "D", "E"),
    ]


def test_preview_follows_the_agreed_order_not_the_alphabet(world):
    # The world's 2024 order: Tây Sơn (head), Nam Sơn, Bắc Sơn, Đông Sơn.
    plan = services.rotation_preview(cluster_year=world.this_year, years=4)
    assert [(step["head"], step["deputy"]) for step in plan] == [
        (world.deputy_unit, world.member_unit),
        (world.member_unit, world.h_old),
        (world.h_old, world.h_new),
        (world.h_new, world.deputy_unit),
    ]


def test_preview_with_two_members_alternates(world):
    cluster = ClusterFactory(organizer=world.org, name="Cụm hai xã")
    a, b = (UnitFactory(organizer=world.org, name=f"UBND xã {n}") for n in "XY")
    year = ClusterYearFactory(cluster=cluster, year=2024, head_unit=a)
    add_members(year, [a, b])
    assert plan_names(services.rotation_preview(cluster_year=year, years=3)) == [
        (2025, "Y", "X"),
        (2026, "X", "Y"),
        (2027, "Y", "X"),
    ]


def test_preview_of_zero_years_is_empty(ring):
    year, _units = ring
    assert services.rotation_preview(cluster_year=year, years=0) == []


def test_preview_needs_two_members_and_a_head(world):
    cluster = ClusterFactory(organizer=world.org, name="Cụm một xã")
    lone = UnitFactory(organizer=world.org, name="UBND xã Một")
    year = ClusterYearFactory(cluster=cluster, year=2024, head_unit=lone)
    add_members(year, [lone])
    with pytest.raises(ValidationError) as caught:
        services.rotation_preview(cluster_year=year, years=1)
    assert caught.value.messages == [message(services.ROTATION_NEEDS_ORDER)]

    headless = ClusterYearFactory(cluster=cluster, year=2025)
    add_members(headless, [lone, UnitFactory(organizer=world.org, name="UBND xã Hai")])
    with pytest.raises(ValidationError) as caught:
        services.rotation_preview(cluster_year=headless, years=1)
    assert caught.value.messages == [message(services.ROTATION_NEEDS_ORDER)]


def test_preview_writes_nothing(ring):
    year, _units = ring
    years_before = ClusterYear.objects.count()
    log_before = ActionLog.objects.count()
    services.rotation_preview(cluster_year=year, years=3)
    assert ClusterYear.objects.count() == years_before
    assert ActionLog.objects.count() == log_before


def test_preview_passes_over_a_member_that_no_longer_exists(world, ring):
    year, units = ring
    units[4].valid_to = dt.date(2024, 12, 31)
    units[4].save()
    assert plan_names(services.rotation_preview(cluster_year=year, years=3)) == [
        (2025, "D", "A"),
        (2026, "A", "B"),
        (2027, "B", "C"),
    ]


def test_preview_shows_the_successor_of_a_renamed_member(world, ring):
    year, units = ring
    renamed_d = services.unit_rename(
        actor=world.board, unit=units[3], new_name="UBND thị trấn D", date=dt.date(2026, 1, 1)
    )
    plan = services.rotation_preview(cluster_year=year, years=2)
    assert [(step["head"], step["deputy"]) for step in plan] == [
        (units[3], units[4]),  # 2025: the old name still exists
        (units[4], units[0]),
    ]
    plan = services.rotation_preview(cluster_year=year, years=6)
    assert (plan[5]["year"], plan[5]["head"]) == (2030, renamed_d)


def test_preview_stops_at_a_year_with_fewer_than_two_members(world):
    cluster = ClusterFactory(organizer=world.org, name="Cụm hai xã")
    a = UnitFactory(organizer=world.org, name="UBND xã X")
    b = UnitFactory(organizer=world.org, name="UBND xã Y", valid_to=dt.date(2025, 12, 31))
    year = services.cluster_year_create(
        actor=world.board, cluster=cluster, year=2024, members=[a, b], head_unit=a
    )
    assert plan_names(services.rotation_preview(cluster_year=year, years=3)) == [(2025, "Y", "X")]


def test_a_merged_unit_holds_one_place_in_the_rotation(world, ring):
    year, units = ring
    merged = services.units_merge(
        actor=world.board,
        units=[units[3], units[4]],
        name="UBND xã DE",
        kind="commune",
        date=dt.date(2025, 1, 1),
    )
    plan = services.rotation_preview(cluster_year=year, years=2)
    assert [(step["head"], step["deputy"]) for step in plan] == [
        (merged, units[0]),
        (units[0], units[1]),
    ]
    next_year = services.rotation_apply_next(actor=world.board, cluster_year=year)
    assert [m.unit for m in next_year.memberships.order_by("order")] == [*units[:3], merged]
    assert (next_year.head_unit, next_year.deputy_unit) == (merged, units[0])


# Apply -------------------------------------------------------------------------------------


def test_apply_creates_next_year_with_the_same_order_and_rotated_head(world, ring):
    year, units = ring
    next_year = services.rotation_apply_next(actor=world.board, cluster_year=year)
    stored = ClusterYear.objects.get(pk=next_year.pk)
    assert (stored.cluster, stored.year) == (year.cluster, 2025)
    assert (stored.head_unit, stored.deputy_unit) == (units[3], units[4])
    assert stored.head_selection == ClusterYear.HeadSelection.ROTATION
    assert stored.status == ClusterYear.Status.OPEN
    assert [m.unit for m in stored.memberships.order_by("order")] == units
    assert {(m.organizer_id, m.year) for m in stored.memberships.all()} == {(world.org.pk, 2025)}
    entry = ActionLog.objects.filter(action="clusters.cluster_year.created").latest("id")
    assert entry.actor == world.board
    assert entry.object_id == str(stored.pk)


def test_apply_twice_in_a_row_keeps_rotating(world, ring):
    year, units = ring
    y2025 = services.rotation_apply_next(actor=world.board, cluster_year=year)
    y2026 = services.rotation_apply_next(actor=world.board, cluster_year=y2025)
    assert (y2026.year, y2026.head_unit, y2026.deputy_unit) == (2026, units[4], units[0])


def test_a_renamed_member_is_replaced_by_its_successor_in_the_same_place(world, ring):
    year, units = ring
    renamed = services.unit_rename(
        actor=world.board, unit=units[1], new_name="UBND thị trấn B", date=dt.date(2025, 1, 1)
    )
    next_year = services.rotation_apply_next(actor=world.board, cluster_year=year)
    assert [m.unit.name for m in next_year.memberships.order_by("order")] == [
        "UBND xã A",
        "UBND thị trấn B",
        "UBND xã C",
        "UBND xã D",
        "UBND xã E",
    ]
    assert next_year.memberships.get(order=2).unit == renamed


def test_a_renamed_head_to_be_keeps_the_head(world, ring):
    year, units = ring
    renamed_d = services.unit_rename(
        actor=world.board, unit=units[3], new_name="UBND thị trấn D", date=dt.date(2025, 1, 1)
    )
    next_year = services.rotation_apply_next(actor=world.board, cluster_year=year)
    assert (next_year.head_unit, next_year.deputy_unit) == (renamed_d, units[4])


def test_a_member_that_ended_without_successor_is_dropped(world, ring):
    year, units = ring
    units[0].valid_to = dt.date(2024, 12, 31)
    units[0].save()
    next_year = services.rotation_apply_next(actor=world.board, cluster_year=year)
    assert [m.unit for m in next_year.memberships.order_by("order")] == units[1:]
    assert [m.order for m in next_year.memberships.order_by("order")] == [1, 2, 3, 4]
    assert (next_year.head_unit, next_year.deputy_unit) == (units[3], units[4])


def test_two_members_merged_into_one_appear_once(world, ring):
    year, units = ring
    merged = services.units_merge(
        actor=world.board,
        units=[units[0], units[1]],
        name="UBND xã AB",
        kind="commune",
        date=dt.date(2025, 1, 1),
    )
    next_year = services.rotation_apply_next(actor=world.board, cluster_year=year)
    assert [m.unit for m in next_year.memberships.order_by("order")] == [
        merged,
        units[2],
        units[3],
        units[4],
    ]


def test_when_the_next_head_in_line_ended_the_head_passes_on(world):
    cluster = ClusterFactory(organizer=world.org, name="Cụm bốn xã")
    a, b, c, d = (UnitFactory(organizer=world.org, name=f"UBND xã {n}") for n in "ABCD")
    year = services.cluster_year_create(
        actor=world.board, cluster=cluster, year=2024, members=[a, b, c, d], head_unit=a
    )
    b.valid_to = dt.date(2024, 12, 31)
    b.save()
    next_year = services.rotation_apply_next(actor=world.board, cluster_year=year)
    assert [m.unit for m in next_year.memberships.order_by("order")] == [a, c, d]
    assert (next_year.head_unit, next_year.deputy_unit) == (c, d)


def test_apply_on_an_existing_next_year_without_head_names_head_and_deputy(world, ring):
    year, units = ring
    existing = services.cluster_year_create(
        actor=world.board, cluster=year.cluster, year=2025, members=units
    )
    result = services.rotation_apply_next(actor=world.board, cluster_year=year)
    assert result.pk == existing.pk
    stored = ClusterYear.objects.get(pk=existing.pk)
    assert (stored.head_unit, stored.deputy_unit) == (units[3], units[4])
    assert ClusterYear.objects.filter(cluster=year.cluster).count() == 2
    assert ActionLog.objects.filter(action="clusters.cluster_year.updated").get().data[
        "head_unit"
    ] == {
        "old": None,
        "new": {"id": units[3].pk, "repr": "UBND xã D"},
    }


def test_apply_on_an_existing_next_year_uses_the_renamed_unit(world, ring):
    year, units = ring
    renamed_d = services.unit_rename(
        actor=world.board, unit=units[3], new_name="UBND thị trấn D", date=dt.date(2025, 1, 1)
    )
    existing = services.cluster_year_create(
        actor=world.board,
        cluster=year.cluster,
        year=2025,
        members=[units[0], units[1], units[2], renamed_d, units[4]],
    )
    services.rotation_apply_next(actor=world.board, cluster_year=year)
    stored = ClusterYear.objects.get(pk=existing.pk)
    assert (stored.head_unit, stored.deputy_unit) == (renamed_d, units[4])


def test_apply_when_next_year_already_has_a_head_is_refused(world):
    # The world's 2023 year rotates into 2024, which already has a head.
    with pytest.raises(ValidationError) as caught:
        services.rotation_apply_next(actor=world.board, cluster_year=world.last_year)
    assert caught.value.messages == [message(services.NEXT_YEAR_HAS_HEAD, year=2024)]
    stored = ClusterYear.objects.get(pk=world.this_year.pk)
    assert (stored.head_unit, stored.deputy_unit) == (world.h_new, world.deputy_unit)


def test_apply_on_a_closed_next_year_without_head_is_refused(world, ring):
    year, units = ring
    existing = services.cluster_year_create(
        actor=world.board, cluster=year.cluster, year=2025, members=units
    )
    services.cluster_year_set_status(actor=world.board, cluster_year=existing, status="closed")
    with pytest.raises(ValidationError) as caught:
        services.rotation_apply_next(actor=world.board, cluster_year=year)
    assert caught.value.messages == [message(services.YEAR_CLOSED, year=2025)]
    assert ClusterYear.objects.get(pk=existing.pk).head_unit is None


def test_apply_refuses_a_cluster_year_without_rotation_order(world):
    cluster = ClusterFactory(organizer=world.org, name="Cụm chưa có trưởng")
    year = ClusterYearFactory(cluster=cluster, year=2024)
    add_members(year, [UnitFactory(organizer=world.org, name="UBND xã Lẻ")])
    with pytest.raises(ValidationError):
        services.rotation_apply_next(actor=world.board, cluster_year=year)
    assert not ClusterYear.objects.filter(cluster=cluster, year=2025).exists()


def test_apply_refuses_when_a_carried_member_is_taken_next_year(world, ring):
    year, units = ring
    other = ClusterFactory(organizer=world.org, name="Cụm khác")
    services.cluster_year_create(
        actor=world.board, cluster=other, year=2025, members=[units[0], world.outsider_unit]
    )
    with pytest.raises(ValidationError) as caught:
        services.rotation_apply_next(actor=world.board, cluster_year=year)
    assert "members" in caught.value.message_dict
    assert not ClusterYear.objects.filter(cluster=year.cluster, year=2025).exists()


def test_apply_refuses_when_fewer_than_two_members_are_left_next_year(world):
    cluster = ClusterFactory(organizer=world.org, name="Cụm hai xã")
    a = UnitFactory(organizer=world.org, name="UBND xã X")
    b = UnitFactory(organizer=world.org, name="UBND xã Y", valid_to=dt.date(2024, 12, 31))
    year = services.cluster_year_create(
        actor=world.board, cluster=cluster, year=2024, members=[a, b], head_unit=a
    )
    with pytest.raises(ValidationError) as caught:
        services.rotation_apply_next(actor=world.board, cluster_year=year)
    assert caught.value.messages == [message(services.ROTATION_NEEDS_ORDER)]
    assert not ClusterYear.objects.filter(cluster=cluster, year=2025).exists()
