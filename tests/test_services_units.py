"""The unit register (clusters/services.py): create, update, rename, merge and split,
with their lineage and audit rows, and history that stays where it was earned."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from clusters import services
from clusters.models import Membership, Unit, UnitLineage
from clusters.selectors.units import unit_history, unit_successors
from core.models import ActionLog
from tests.factories import ClusterFactory, ClusterYearFactory, UnitFactory, add_members

REFORM = dt.date(2025, 7, 1)


def message(constant, **params) -> str:  # type: ignore[no-untyped-def]
    """The text a service error shows, in the active language."""
    return str(constant) % params if params else str(constant)


def create(world, **fields):  # type: ignore[no-untyped-def]
    fields.setdefault("kind", Unit.Kind.COMMUNE)
    return services.unit_create(actor=world.board, organizer=world.org, **fields)


# Create and update -----------------------------------------------------------------------


def test_create_stores_the_unit_in_nfc_with_an_audit_row(world):
    decomposed = unicodedata.normalize("NFD", "UBND xã Dương Quang")
    unit = create(world, name=f"  {decomposed}  ", short_name="Dương Quang", code="DQ")

    stored = Unit.objects.get(pk=unit.pk)
    assert stored.name == "UBND xã Dương Quang"
    assert stored.organizer == world.org
    assert stored.valid_from == dt.date(2000, 1, 1)
    assert stored.valid_to is None
    entry = ActionLog.objects.get(action="clusters.unit.created")
    assert entry.actor == world.board
    assert entry.scope_id == world.org.pk
    assert entry.object_id == str(unit.pk)
    assert entry.data["new"]["name"] == "UBND xã Dương Quang"
    assert entry.data["new"]["code"] == "DQ"


@pytest.mark.parametrize(
    "typed",
    ["UBND huyện Bắc Sơn", "ubnd huyện bắc sơn", "UBND HUYỆN BẮC SƠN", "  UBND  huyện Bắc Sơn "],
)
def test_a_current_name_cannot_be_used_twice(world, typed):
    before = Unit.objects.count()
    with pytest.raises(ValidationError) as caught:
        create(world, name=typed)
    assert caught.value.message_dict == {
        "name": [message(services.DUPLICATE_UNIT, name=" ".join(typed.split()))]
    }
    assert Unit.objects.count() == before
    assert not ActionLog.objects.filter(action="clusters.unit.created").exists()


def test_hoa_and_hoa_with_the_tone_elsewhere_are_one_name(world):
    create(world, name="UBND xã Hòa Bình")
    with pytest.raises(ValidationError) as caught:
        create(world, name="UBND xã Hoà Bình")
    assert "name" in caught.value.message_dict
    assert Unit.objects.filter(organizer=world.org, search_text__contains="hoa binh").count() == 1


def test_the_database_also_refuses_two_current_units_of_one_name(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        UnitFactory(organizer=world.org, name="ubnd HUYỆN bắc sơn")


def test_the_same_name_is_free_in_another_organizer(world):
    unit = services.unit_create(
        actor=world.other_board,
        organizer=world.other_org,
        name="UBND huyện Bắc Sơn",
        kind="district",
    )
    assert unit.organizer == world.other_org


def test_the_same_name_is_allowed_once_the_old_unit_ended(world):
    old = create(world, name="UBND xã Hòa Bình", valid_to=dt.date(2019, 12, 31))
    new = create(world, name="UBND xã Hoà Bình", valid_from=dt.date(2020, 1, 1))
    assert old.sort_key == new.sort_key
    assert list(
        Unit.objects.filter(organizer=world.org, sort_key=new.sort_key)
        .order_by("valid_from")
        .values_list("pk", "valid_to")
    ) == [(old.pk, dt.date(2019, 12, 31)), (new.pk, None)]


def test_reopening_an_ended_unit_whose_name_is_taken_is_refused(world):
    old = create(world, name="UBND xã Hòa Bình", valid_to=dt.date(2019, 12, 31))
    create(world, name="UBND xã Hòa Bình", valid_from=dt.date(2020, 1, 1))
    with pytest.raises(ValidationError) as caught:
        services.unit_update(actor=world.board, unit=old, valid_to=None)
    assert "name" in caught.value.message_dict
    assert Unit.objects.get(pk=old.pk).valid_to == dt.date(2019, 12, 31)


def test_valid_to_before_valid_from_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        create(
            world,
            name="UBND xã Mới",
            valid_from=dt.date(2024, 1, 1),
            valid_to=dt.date(2023, 12, 31),
        )
    assert caught.value.message_dict == {"valid_to": [message(services.DATES_REVERSED)]}
    assert not Unit.objects.filter(name="UBND xã Mới").exists()


def test_a_unit_may_end_the_day_it_starts(world):
    unit = create(
        world, name="UBND xã Một Ngày", valid_from=dt.date(2024, 1, 1), valid_to=dt.date(2024, 1, 1)
    )
    assert unit.is_valid_on(dt.date(2024, 1, 1))
    assert not unit.is_valid_on(dt.date(2024, 1, 2))


def test_a_parent_of_another_organizer_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        create(world, name="UBND xã Con", parent=world.other_unit)
    assert caught.value.message_dict == {"parent": [message(services.PARENT_OTHER_ORGANIZER)]}
    assert not Unit.objects.filter(name="UBND xã Con").exists()


def test_a_parent_of_the_same_organizer_is_kept(world):
    unit = create(world, name="UBND xã Con", parent=world.member_unit)
    assert Unit.objects.get(pk=unit.pk).parent == world.member_unit
    assert list(world.member_unit.children.all()) == [unit]


def test_a_unit_cannot_be_its_own_parent(world):
    with pytest.raises(ValidationError) as caught:
        services.unit_update(actor=world.board, unit=world.member_unit, parent=world.member_unit)
    assert caught.value.message_dict == {"parent": [message(services.PARENT_IS_SELF)]}
    assert Unit.objects.get(pk=world.member_unit.pk).parent is None


def test_update_logs_old_and_new_values(world):
    services.unit_update(
        actor=world.board, unit=world.member_unit, name="UBND huyện Bắc Sơn Mới", code="BS"
    )
    unit = Unit.objects.get(pk=world.member_unit.pk)
    assert unit.name == "UBND huyện Bắc Sơn Mới"
    assert unit.search_text.startswith("ubnd huyen bac son moi")
    entry = ActionLog.objects.get(action="clusters.unit.updated")
    assert entry.data == {
        "name": {"old": "UBND huyện Bắc Sơn", "new": "UBND huyện Bắc Sơn Mới"},
        "code": {"old": "", "new": "BS"},
    }


def test_update_to_another_current_name_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        services.unit_update(actor=world.board, unit=world.member_unit, name="ubnd huyện tây sơn")
    assert "name" in caught.value.message_dict
    assert Unit.objects.get(pk=world.member_unit.pk).name == "UBND huyện Bắc Sơn"


# Rename, merge, split --------------------------------------------------------------------


def test_rename_ends_the_old_unit_the_day_before_and_links_the_new(world):
    old = world.member_unit
    old.code, old.leader_title = "BS", "Chủ tịch UBND"
    old.save()
    new = services.unit_rename(
        actor=world.board,
        unit=old,
        new_name="UBND thị xã Bắc Sơn",
        date=dt.date(2024, 1, 1),
        decision="Nghị quyết 1/NQ-UBTVQH",
    )
    old.refresh_from_db()
    assert old.valid_to == dt.date(2023, 12, 31)
    assert new.name == "UBND thị xã Bắc Sơn"
    assert new.valid_from == dt.date(2024, 1, 1)
    assert new.valid_to is None
    assert (new.kind, new.code, new.leader_title, new.organizer) == (
        old.kind,
        "BS",
        "Chủ tịch UBND",
        world.org,
    )
    link = UnitLineage.objects.get()
    assert (link.predecessor, link.successor, link.kind, link.date, link.decision) == (
        old,
        new,
        UnitLineage.Kind.RENAME,
        dt.date(2024, 1, 1),
        "Nghị quyết 1/NQ-UBTVQH",
    )
    entry = ActionLog.objects.get(action="clusters.unit.renamed")
    assert entry.actor == world.board
    assert entry.object_id == str(new.pk)
    assert entry.data == {
        "predecessors": ["UBND huyện Bắc Sơn"],
        "successors": ["UBND thị xã Bắc Sơn"],
        "date": "2024-01-01",
        "decision": "Nghị quyết 1/NQ-UBTVQH",
    }


def test_rename_to_a_name_only_differing_in_case_is_allowed(world):
    # The old unit ends first, so its name is free for the new register entry.
    new = services.unit_rename(
        actor=world.board, unit=world.member_unit, new_name="UBND Huyện Bắc Sơn", date=REFORM
    )
    assert new.name == "UBND Huyện Bắc Sơn"
    assert (
        Unit.objects.filter(
            organizer=world.org, valid_to__isnull=True, sort_key=new.sort_key
        ).count()
        == 1
    )


def test_merge_ends_every_old_unit_and_links_each_to_the_new(world):
    a = create(world, name="UBND xã Đông Hòa")
    b = create(world, name="UBND xã Tây Hòa")
    c = create(world, name="UBND xã Nam Hòa")
    merged = services.units_merge(
        actor=world.board,
        units=[a, b, c],
        name="UBND xã Hòa Bình",
        kind=Unit.Kind.COMMUNE,
        date=REFORM,
        decision="Nghị quyết 1656/NQ-UBTVQH15",
    )
    assert merged.valid_from == REFORM
    assert merged.valid_to is None
    for unit in (a, b, c):
        unit.refresh_from_db()
        assert unit.valid_to == dt.date(2025, 6, 30)
    links = UnitLineage.objects.filter(successor=merged)
    assert {link.predecessor_id for link in links} == {a.pk, b.pk, c.pk}
    assert {link.kind for link in links} == {UnitLineage.Kind.MERGE}
    assert {link.date for link in links} == {REFORM}
    entry = ActionLog.objects.get(action="clusters.unit.merged")
    assert entry.object_id == str(merged.pk)
    assert sorted(entry.data["predecessors"]) == sorted(
        ["UBND xã Đông Hòa", "UBND xã Tây Hòa", "UBND xã Nam Hòa"]
    )
    assert entry.data["successors"] == ["UBND xã Hòa Bình"]
    assert entry.data["decision"] == "Nghị quyết 1656/NQ-UBTVQH15"


def test_merge_may_keep_the_name_of_one_of_the_old_units(world):
    a = create(world, name="UBND xã Đông Hòa")
    b = create(world, name="UBND xã Tây Hòa")
    merged = services.units_merge(
        actor=world.board, units=[a, b], name="UBND xã Đông Hòa", kind="commune", date=REFORM
    )
    assert merged.pk not in (a.pk, b.pk)
    assert merged.name == "UBND xã Đông Hòa"


def test_merge_needs_two_units(world):
    a = create(world, name="UBND xã Đông Hòa")
    with pytest.raises(ValidationError) as caught:
        services.units_merge(actor=world.board, units=[a, a], name="X", kind="commune", date=REFORM)
    assert caught.value.messages == [message(services.MERGE_NEEDS_TWO)]
    assert not UnitLineage.objects.exists()


def test_a_unit_that_already_ended_cannot_be_merged_again(world):
    a = create(world, name="UBND xã Đông Hòa")
    b = create(world, name="UBND xã Tây Hòa")
    c = create(world, name="UBND xã Nam Hòa")
    services.units_merge(
        actor=world.board, units=[a, b], name="UBND xã Hòa Bình", kind="commune", date=REFORM
    )
    units_before = Unit.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.units_merge(
            actor=world.board,
            units=[a, c],
            name="UBND xã Hòa Nam",
            kind="commune",
            date=dt.date(2026, 1, 1),
        )
    assert caught.value.messages == [
        message(services.UNIT_ALREADY_ENDED, unit="UBND xã Đông Hòa", date="30/06/2025")
    ]
    # Nothing changed: c still current, no new unit, no new link.
    c.refresh_from_db()
    assert c.valid_to is None
    assert Unit.objects.count() == units_before
    assert UnitLineage.objects.count() == 2
    assert ActionLog.objects.filter(action="clusters.unit.merged").count() == 1


def test_a_change_dated_on_or_before_the_start_is_refused(world):
    unit = create(world, name="UBND xã Mới Lập", valid_from=dt.date(2024, 1, 1))
    with pytest.raises(ValidationError) as caught:
        services.unit_rename(
            actor=world.board, unit=unit, new_name="UBND xã Mới", date=dt.date(2024, 1, 1)
        )
    assert caught.value.messages == [
        message(services.CHANGE_DATE_BEFORE_START, unit="UBND xã Mới Lập", date="01/01/2024")
    ]
    unit.refresh_from_db()
    assert unit.valid_to is None
    assert not Unit.objects.filter(name="UBND xã Mới").exists()


def test_merging_with_a_unit_of_another_organizer_is_refused(world):
    with pytest.raises(ValidationError):
        services.units_merge(
            actor=world.board,
            units=[world.member_unit, world.other_unit],
            name="UBND huyện Hợp Nhất",
            kind="district",
            date=REFORM,
        )
    world.member_unit.refresh_from_db()
    world.other_unit.refresh_from_db()
    assert world.member_unit.valid_to is None and world.other_unit.valid_to is None
    assert not Unit.objects.filter(name="UBND huyện Hợp Nhất").exists()


def test_a_merge_into_a_taken_name_is_refused_and_nothing_ends(world):
    a = create(world, name="UBND xã Đông Hòa")
    b = create(world, name="UBND xã Tây Hòa")
    with pytest.raises(ValidationError) as caught:
        services.units_merge(
            actor=world.board, units=[a, b], name="UBND huyện Nam Sơn", kind="commune", date=REFORM
        )
    assert "name" in caught.value.message_dict
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.valid_to is None and b.valid_to is None
    assert not UnitLineage.objects.exists()


def test_split_creates_each_new_unit_with_a_split_link(world):
    old = create(world, name="UBND huyện Lớn", kind=Unit.Kind.DISTRICT, parent=world.h_old)
    parts = services.unit_split(
        actor=world.board,
        unit=old,
        names=["UBND huyện Lớn Đông", " ", "UBND huyện Lớn Tây"],
        kind=Unit.Kind.DISTRICT,
        date=dt.date(2020, 1, 1),
    )
    old.refresh_from_db()
    assert old.valid_to == dt.date(2019, 12, 31)
    assert [unit.name for unit in parts] == ["UBND huyện Lớn Đông", "UBND huyện Lớn Tây"]
    assert all(
        unit.valid_from == dt.date(2020, 1, 1) and unit.parent == world.h_old for unit in parts
    )
    links = UnitLineage.objects.filter(predecessor=old)
    assert {(link.successor_id, link.kind) for link in links} == {
        (parts[0].pk, UnitLineage.Kind.SPLIT),
        (parts[1].pk, UnitLineage.Kind.SPLIT),
    }
    assert ActionLog.objects.get(action="clusters.unit.split").data["successors"] == [
        "UBND huyện Lớn Đông",
        "UBND huyện Lớn Tây",
    ]
    history = unit_history(old)
    assert history["predecessors"] == []
    assert {link.successor for link in history["successors"]} == set(parts)


def test_split_needs_two_new_names(world):
    old = create(world, name="UBND huyện Lớn")
    with pytest.raises(ValidationError) as caught:
        services.unit_split(
            actor=world.board,
            unit=old,
            names=["UBND huyện Nhỏ", "  "],
            kind="district",
            date=REFORM,
        )
    assert caught.value.messages == [message(services.SPLIT_NEEDS_TWO)]
    old.refresh_from_db()
    assert old.valid_to is None


# History stays where it was earned ---------------------------------------------------


def test_membership_stays_on_the_old_unit_after_a_merge(world):
    cluster = ClusterFactory(organizer=world.org, name="Cụm thi đua các xã")
    year_2023 = ClusterYearFactory(cluster=cluster, year=2023)
    a = create(world, name="UBND xã Đông Hòa")
    b = create(world, name="UBND xã Tây Hòa")
    add_members(year_2023, [a, b])

    merged = services.units_merge(
        actor=world.board, units=[a, b], name="UBND xã Hòa Bình", kind="commune", date=REFORM
    )

    membership = Membership.objects.get(cluster_year=year_2023, unit__name="UBND xã Đông Hòa")
    assert membership.unit_id == a.pk
    assert set(year_2023.memberships.values_list("unit_id", flat=True)) == {a.pk, b.pk}
    assert not Membership.objects.filter(unit=merged).exists()
    assert unit_successors(a) == [merged]


def test_successors_follow_a_rename_then_a_merge_to_the_final_unit(world):
    a = create(world, name="UBND xã Đông Hòa")
    other = create(world, name="UBND xã Tây Hòa")
    renamed = services.unit_rename(
        actor=world.board, unit=a, new_name="UBND thị trấn Đông Hòa", date=dt.date(2024, 1, 1)
    )
    final = services.units_merge(
        actor=world.board,
        units=[renamed, other],
        name="UBND xã Hòa Bình",
        kind="commune",
        date=REFORM,
    )
    # Today (after the reform) the final unit carries "Đông Hòa" on …
    assert unit_successors(a, on=dt.date(2025, 12, 31)) == [final]
    assert unit_successors(other, on=dt.date(2025, 12, 31)) == [final]
    # … in 2024 the renamed unit did.
    assert unit_successors(a, on=dt.date(2024, 6, 1)) == [renamed]
    assert unit_successors(final) == []


def test_a_unit_whose_period_overlaps_an_ended_one_of_the_same_name_is_refused(world):
    import datetime as dt

    from django.core.exceptions import ValidationError
    from django.utils import translation

    services.unit_update(actor=world.board, unit=world.member_unit, valid_to=dt.date(2025, 6, 30))
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            services.unit_create(
                actor=world.board,
                organizer=world.org,
                name="UBND huyện Bắc Sơn",
                kind="district",
                valid_from=dt.date(2024, 1, 1),
            )
        assert "already exists in this organizer for part of that period" in str(refused.value)
    assert Unit.objects.filter(name="UBND huyện Bắc Sơn").count() == 1
    # From the day after it ended, the name is free again.
    services.unit_create(
        actor=world.board,
        organizer=world.org,
        name="UBND huyện Bắc Sơn",
        kind="district",
        valid_from=dt.date(2025, 7, 1),
    )
    assert Unit.objects.filter(name="UBND huyện Bắc Sơn").count() == 2
