"""Rename, split and merge through the register pages: the old unit ends the day
before, the lineage is recorded, history stays where it was earned, and
``unit_successors`` leads to whoever carries a unit on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from clusters import services
from clusters.models import Membership, Unit, UnitLineage
from clusters.selectors.units import unit_successors

pytestmark = pytest.mark.django_db


def _rename(client, unit, new_name, date="01/07/2025", decision="Nghị quyết 1/NQ-UBTVQH15"):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("unit_rename", args=[unit.pk]),
        {"new_name": new_name, "date": date, "decision": decision},
        follow=True,
    )


def test_lineage_forms_ask_for_confirmation(world, client_for):
    client = client_for(world.board)
    pages = [
        reverse("unit_rename", args=[world.h_new.pk]),
        reverse("unit_split", args=[world.h_new.pk]),
        reverse("unit_merge"),
    ]

    for url in pages:
        assert 'data-confirm="' in client.get(url).content.decode()


def test_rename_ends_the_old_unit_the_day_before_and_keeps_its_memberships(world, client_for):
    response = _rename(client_for(world.board), world.h_new, "UBND thị xã Tây Sơn")

    old = Unit.objects.get(pk=world.h_new.pk)
    new = Unit.objects.get(name="UBND thị xã Tây Sơn")
    assert old.valid_to == dt.date(2025, 6, 30)
    assert new.valid_from == dt.date(2025, 7, 1)
    assert new.valid_to is None
    assert (new.kind, new.organizer) == (old.kind, world.org)
    link = UnitLineage.objects.get(predecessor=old)
    assert (link.successor, link.kind, link.date) == (new, "rename", dt.date(2025, 7, 1))
    assert link.decision == "Nghị quyết 1/NQ-UBTVQH15"
    assert Membership.objects.filter(unit=old).count() == 2
    assert not Membership.objects.filter(unit=new).exists()
    assert response.redirect_chain[-1][0] == reverse("unit_detail", args=[new.pk])


def test_ended_units_page_says_who_carries_it_on(world, client_for):
    client = client_for(world.board)
    _rename(client, world.h_new, "UBND thị xã Tây Sơn")

    html = client.get(reverse("unit_detail", args=[world.h_new.pk])).content.decode()

    carried = html[html.index('id="carried-on-by"') :]
    carried = carried[: carried.index("</div>")]
    assert "UBND thị xã Tây Sơn" in carried
    assert "30/06/2025" in html
    assert "Nghị quyết 1/NQ-UBTVQH15" in html


def test_new_units_page_shows_its_predecessor(world, client_for):
    client = client_for(world.board)
    _rename(client, world.h_new, "UBND thị xã Tây Sơn")
    new = Unit.objects.get(name="UBND thị xã Tây Sơn")

    html = client.get(reverse("unit_detail", args=[new.pk])).content.decode()

    row = html[html.index("lineage-predecessor") :]
    row = row[: row.index("</tr>")]
    assert "UBND huyện Tây Sơn" in row
    assert "01/07/2025" in row


def test_rename_to_a_current_units_name_is_refused_and_nothing_changes(world, client_for):
    response = _rename(client_for(world.board), world.h_new, "UBND huyện Nam Sơn")

    world.h_new.refresh_from_db()
    assert world.h_new.valid_to is None
    assert not UnitLineage.objects.exists()
    html = response.content.decode()
    message = str(services.DUPLICATE_UNIT) % {"name": "UBND huyện Nam Sơn"}
    assert html.index('name="new_name"') < html.index(message) < html.index('name="date"')


def test_rename_before_the_unit_began_is_refused(world, client_for):
    world.h_new.valid_from = dt.date(2010, 1, 1)
    world.h_new.save()

    response = _rename(client_for(world.board), world.h_new, "UBND thị xã Tây Sơn", "01/01/2009")

    world.h_new.refresh_from_db()
    assert world.h_new.valid_to is None
    assert not Unit.objects.filter(name="UBND thị xã Tây Sơn").exists()
    assert "01/01/2010" in response.content.decode()


def test_split_creates_each_new_unit_linked_to_the_old_one(world, client_for):
    client_for(world.board).post(
        reverse("unit_split", args=[world.member_unit.pk]),
        {
            "names": "UBND xã Bắc Sơn Một\n\n  UBND xã Bắc Sơn Hai  \n",
            "kind": "commune",
            "date": "01/07/2025",
            "decision": "NQ 2/2025",
        },
    )

    old = Unit.objects.get(pk=world.member_unit.pk)
    assert old.valid_to == dt.date(2025, 6, 30)
    links = UnitLineage.objects.filter(predecessor=old).select_related("successor")
    assert sorted(link.successor.name for link in links) == [
        "UBND xã Bắc Sơn Hai",
        "UBND xã Bắc Sơn Một",
    ]
    assert {link.kind for link in links} == {"split"}
    assert {link.successor.kind for link in links} == {"commune"}
    assert Membership.objects.filter(unit=old).count() == 2


def test_split_needs_two_names(world, client_for):
    client_for(world.board).post(
        reverse("unit_split", args=[world.member_unit.pk]),
        {"names": "UBND xã Một", "kind": "commune", "date": "01/07/2025"},
    )

    world.member_unit.refresh_from_db()
    assert world.member_unit.valid_to is None
    assert not Unit.objects.filter(name="UBND xã Một").exists()


def test_merge_ends_every_unit_chosen_and_links_each_to_the_merged_unit(world, client_for):
    response = client_for(world.board).post(
        reverse("unit_merge"),
        {
            "units": [world.member_unit.pk, world.deputy_unit.pk],
            "name": "UBND xã Nam Bắc",
            "kind": "commune",
            "date": "01/07/2025",
            "decision": "NQ 3/2025",
        },
        follow=True,
    )

    merged = Unit.objects.get(name="UBND xã Nam Bắc")
    for unit in (world.member_unit, world.deputy_unit):
        unit.refresh_from_db()
        assert unit.valid_to == dt.date(2025, 6, 30)
        assert UnitLineage.objects.get(predecessor=unit).successor == merged
    assert set(UnitLineage.objects.values_list("kind", flat=True)) == {"merge"}
    assert Membership.objects.filter(unit=world.member_unit).count() == 2
    assert response.redirect_chain[-1][0] == reverse("unit_detail", args=[merged.pk])


def test_merge_needs_two_current_units(world, client_for):
    before = Unit.objects.count()

    client_for(world.board).post(
        reverse("unit_merge"),
        {
            "units": [world.member_unit.pk],
            "name": "UBND xã Một Mình",
            "kind": "commune",
            "date": "01/07/2025",
        },
    )

    assert Unit.objects.count() == before
    world.member_unit.refresh_from_db()
    assert world.member_unit.valid_to is None


def test_merge_cannot_take_another_organizers_unit(world, client_for):
    client_for(world.board).post(
        reverse("unit_merge"),
        {
            "units": [world.member_unit.pk, world.other_unit.pk],
            "name": "UBND xã Lấn Sân",
            "kind": "commune",
            "date": "01/07/2025",
        },
    )

    world.other_unit.refresh_from_db()
    assert world.other_unit.valid_to is None
    assert not Unit.objects.filter(name="UBND xã Lấn Sân").exists()


def test_merge_page_can_start_with_a_unit_chosen(world, client_for):
    response = client_for(world.board).get(reverse("unit_merge"), {"units": [world.member_unit.pk]})

    assert response.context["form"]["units"].value() == [str(world.member_unit.pk)]


def test_successors_follow_a_rename_then_a_merge_to_the_final_unit(world, client_for):
    client = client_for(world.board)
    _rename(client, world.h_new, "UBND thị xã Tây Sơn", "01/01/2024")
    renamed = Unit.objects.get(name="UBND thị xã Tây Sơn")
    client.post(
        reverse("unit_merge"),
        {
            "units": [renamed.pk, world.member_unit.pk],
            "name": "phường Tây Bắc",
            "kind": "ward",
            "date": "01/07/2025",
            "decision": "NQ 4/2025",
        },
    )
    final = Unit.objects.get(name="phường Tây Bắc")

    assert unit_successors(world.h_new) == [final]
    assert unit_successors(world.h_new, on=dt.date(2024, 6, 1)) == [renamed]
    html = client.get(reverse("unit_detail", args=[world.h_new.pk])).content.decode()
    carried = html[html.index('id="carried-on-by"') :]
    assert "phường Tây Bắc" in carried[: carried.index("</div>")]


def test_an_ended_unit_offers_no_lineage_actions(world, client_for):
    client = client_for(world.board)
    _rename(client, world.h_new, "UBND thị xã Tây Sơn")

    html = client.get(reverse("unit_detail", args=[world.h_new.pk])).content.decode()

    assert reverse("unit_rename", args=[world.h_new.pk]) not in html
    assert reverse("unit_split", args=[world.h_new.pk]) not in html


def test_other_organizers_board_cannot_rename(world, client_for):
    response = _rename(client_for(world.other_board), world.h_new, "Tên Lạ")

    assert response.status_code == 404
    world.h_new.refresh_from_db()
    assert world.h_new.valid_to is None
