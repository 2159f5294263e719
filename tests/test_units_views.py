"""The unit register pages: list (order, search, filters, paging), create, edit,
a unit's page, and who may see and change what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters import services
from clusters.models import Unit
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def _positions(html: str, names: list[str]) -> list[int]:
    return [html.index(f">{name}<") for name in names]


def _unit_names_on(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [unit.name for unit in response.context["page"].object_list]


# List ------------------------------------------------------------------------------


def test_list_follows_the_vietnamese_alphabet(world, client_for):
    names = [
        "UBND xã Da",
        "UBND xã Dương Quang",
        "UBND xã Đức Xuân",
        "UBND xã Em",
        "UBND xã Hoa",
        "UBND xã Hòa",
        "UBND xã Hỏa",
        "UBND xã Hõa",
        "UBND xã Hóa",
        "UBND xã Họa",
    ]
    for name in reversed(names):
        UnitFactory(organizer=world.org, name=name)

    response = client_for(world.board).get(reverse("unit_list"))

    html = response.content.decode()
    positions = _positions(html, names)
    assert positions == sorted(positions)
    listed = _unit_names_on(response)
    assert listed.index("UBND xã Đức Xuân") == listed.index("UBND xã Dương Quang") + 1


def test_search_needs_no_accents(world, client_for):
    UnitFactory(organizer=world.org, name="phường Đức Xuân")
    UnitFactory(organizer=world.org, name="xã Dương Quang")

    response = client_for(world.board).get(reverse("unit_list"), {"q": "duc xuan"})

    assert _unit_names_on(response) == ["phường Đức Xuân"]
    assert "phường Đức Xuân" in response.content.decode()
    assert "xã Dương Quang" not in response.content.decode()


def test_kind_filter_shows_only_that_kind(world, client_for):
    response = client_for(world.board).get(reverse("unit_list"), {"kind": "department"})

    assert _unit_names_on(response) == ["Sở Nội vụ"]


def test_ended_units_are_hidden_until_asked_for_and_then_show_their_dates(world, client_for):
    UnitFactory(
        organizer=world.org,
        name="UBND huyện Cũ",
        valid_from=dt.date(2001, 1, 1),
        valid_to=dt.date(2020, 12, 31),
    )
    client = client_for(world.board)

    hidden = client.get(reverse("unit_list"))
    shown = client.get(reverse("unit_list"), {"ended": "on"})

    assert "UBND huyện Cũ" not in _unit_names_on(hidden)
    assert "UBND huyện Cũ" in _unit_names_on(shown)
    html = shown.content.decode()
    row = html[html.index("UBND huyện Cũ") - 400 : html.index("UBND huyện Cũ") + 900]
    assert "text-historic" in row
    assert "01/01/2001 – 31/12/2020" in row


def test_a_register_of_only_ended_units_says_so_and_offers_to_show_them(world, client_for):
    UnitFactory(
        organizer=world.org,
        name="UBND huyện Cũ",
        valid_from=dt.date(2001, 1, 1),
        valid_to=dt.date(2020, 12, 31),
    )
    client = client_for(world.board)

    page = client.get(reverse("unit_list"), {"q": "huyen cu"}).content.decode()

    assert "nhưng có 1 đơn vị đã kết thúc phù hợp" in page
    assert "q=huyen+cu&amp;ended=on" in page


def test_list_pages_by_fifty_and_keeps_the_filters(world, client_for):
    for number in range(60):
        UnitFactory(organizer=world.org, name=f"UBND xã Số {number:02d}")
    client = client_for(world.board)

    first = client.get(reverse("unit_list"), {"q": "xa so"})
    second = client.get(reverse("unit_list"), {"q": "xa so", "page": 2})

    assert len(_unit_names_on(first)) == 50
    assert len(_unit_names_on(second)) == 10
    assert "q=xa+so&amp;page=2" in first.content.decode()
    assert set(_unit_names_on(first)).isdisjoint(_unit_names_on(second))


def test_list_costs_the_same_queries_for_few_and_many_units(world, client_for):
    client = client_for(world.board)
    client.get(reverse("unit_list"))  # warm the session and content types

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("unit_list"), {"ended": "on"})
    parent = world.h_old
    for number in range(40):
        UnitFactory(organizer=world.org, name=f"UBND xã Thêm {number}", parent=parent)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("unit_list"), {"ended": "on"})

    assert len(_unit_names_on(response)) == 45
    assert len(many) == len(few)
    assert len(many) <= 10


# Create and edit ----------------------------------------------------------------------


def test_board_adds_a_unit(world, client_for):
    response = client_for(world.board).post(
        reverse("unit_create"),
        {
            "name": "phường  Đức Xuân",
            "kind": "ward",
            "short_name": "Đức Xuân",
            "parent": world.h_old.pk,
            "valid_from": "01/07/2025",
            "leader_title": "Chủ tịch UBND phường",
        },
        follow=True,
    )

    unit = Unit.objects.get(organizer=world.org, name="phường Đức Xuân")
    assert unit.parent == world.h_old
    assert unit.valid_from == dt.date(2025, 7, 1)
    assert unit.valid_to is None
    assert response.redirect_chain[-1][0] == reverse("unit_detail", args=[unit.pk])
    assert "phường Đức Xuân" in response.content.decode()


def test_a_unit_added_without_a_start_date_exists_since_2000(world, client_for):
    client_for(world.board).post(reverse("unit_create"), {"name": "xã Mới", "kind": "commune"})

    assert Unit.objects.get(name="xã Mới").valid_from == dt.date(2000, 1, 1)


def test_duplicate_name_is_refused_next_to_the_field_and_nothing_is_saved(world, client_for):
    before = Unit.objects.count()

    response = client_for(world.board).post(
        reverse("unit_create"), {"name": "ubnd HUYỆN bắc sơn", "kind": "district"}
    )

    assert Unit.objects.count() == before
    html = response.content.decode()
    message = str(services.DUPLICATE_UNIT) % {"name": "ubnd HUYỆN bắc sơn"}
    assert html.index('name="name"') < html.index(message) < html.index('name="kind"')
    assert 'value="ubnd HUYỆN bắc sơn"' in html


def test_edit_to_a_duplicate_name_is_refused_and_nothing_changes(world, client_for):
    response = client_for(world.board).post(
        reverse("unit_edit", args=[world.h_new.pk]),
        {"name": "UBND huyện Nam Sơn", "kind": "district", "valid_from": "01/01/2000"},
    )

    world.h_new.refresh_from_db()
    assert world.h_new.name == "UBND huyện Tây Sơn"
    html = response.content.decode()
    message = str(services.DUPLICATE_UNIT) % {"name": "UBND huyện Nam Sơn"}
    assert html.index('name="name"') < html.index(message) < html.index('name="kind"')


def test_board_edits_a_unit(world, client_for):
    client_for(world.board).post(
        reverse("unit_edit", args=[world.h_new.pk]),
        {
            "name": "UBND huyện Tây Sơn",
            "kind": "district",
            "short_name": "Tây Sơn",
            "code": "TS",
            "valid_from": "01/01/2000",
            "leader_title": "Chủ tịch UBND huyện",
        },
    )

    world.h_new.refresh_from_db()
    assert (world.h_new.short_name, world.h_new.code) == ("Tây Sơn", "TS")
    assert world.h_new.leader_title == "Chủ tịch UBND huyện"


def test_edit_form_shows_the_current_values_in_form_dates(world, client_for):
    response = client_for(world.board).get(reverse("unit_edit", args=[world.h_new.pk]))

    html = response.content.decode()
    assert 'value="UBND huyện Tây Sơn"' in html
    assert 'value="01/01/2000"' in html


def test_parent_choices_are_current_units_of_the_organizer_in_vietnamese_order(world, client_for):
    UnitFactory(organizer=world.org, name="UBND huyện Đã Hết", valid_to=dt.date(2020, 1, 1))
    UnitFactory(organizer=world.org, name="UBND huyện Đa Phúc")
    UnitFactory(organizer=world.org, name="UBND huyện Dầu Tiếng")

    response = client_for(world.board).get(reverse("unit_create"))

    choices = [unit.name for unit in response.context["form"].fields["parent"].queryset]
    assert "UBND huyện Đã Hết" not in choices
    assert "UBND huyện Ngoài" not in choices  # the other organizer's
    assert choices.index("UBND huyện Dầu Tiếng") < choices.index("UBND huyện Đa Phúc")
    assert choices.index("UBND huyện Đa Phúc") < choices.index("UBND huyện Đông Sơn")


# A unit's page ----------------------------------------------------------------------------


def test_unit_page_shows_memberships_by_year_with_head_and_deputy(world, client_for):
    response = client_for(world.board).get(reverse("unit_detail", args=[world.h_new.pk]))

    html = response.content.decode()
    row_2024 = html[html.index('data-year="2024"') : html.index('data-year="2023"')]
    row_2023 = html[html.index('data-year="2023"') :]
    assert "Cụm thi đua các huyện" in row_2024
    assert "badge-head" in row_2024
    assert "badge-deputy" in row_2023.split("</tr>")[0]
    assert html.index('data-year="2024"') < html.index('data-year="2023"')


# Permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, needs_pk",
    [
        ("unit_list", False),
        ("unit_create", False),
        ("unit_merge", False),
        ("unit_detail", True),
        ("unit_edit", True),
        ("unit_rename", True),
        ("unit_split", True),
    ],
)
def test_anonymous_is_sent_to_login(world, client, name, needs_pk):
    url = reverse(name, args=[world.member_unit.pk] if needs_pk else [])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["unit_detail", "unit_edit", "unit_rename", "unit_split"])
def test_other_organizers_board_cannot_find_the_unit(world, client_for, name):
    response = client_for(world.other_board).get(reverse(name, args=[world.member_unit.pk]))

    assert response.status_code == 404
    assert "UBND huyện Bắc Sơn" not in response.content.decode()


def test_other_organizers_board_does_not_see_our_units_in_its_list(world, client_for):
    response = client_for(world.other_board).get(reverse("unit_list"))

    assert _unit_names_on(response) == ["UBND huyện Ngoài"]


@pytest.mark.parametrize("name", ["unit_list", "unit_create", "unit_merge"])
def test_unit_officer_may_not_use_the_register(world, client_for, name):
    response = client_for(world.member_officer).get(reverse(name))

    assert response.status_code == 403
    assert "UBND huyện Tây Sơn" not in response.content.decode()


def test_unit_officer_sees_the_own_units_page_without_edit_actions(world, client_for):
    response = client_for(world.member_officer).get(
        reverse("unit_detail", args=[world.member_unit.pk])
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "UBND huyện Bắc Sơn" in html
    assert reverse("unit_edit", args=[world.member_unit.pk]) not in html
    assert reverse("unit_rename", args=[world.member_unit.pk]) not in html


@pytest.mark.parametrize("name", ["unit_edit", "unit_rename", "unit_split"])
def test_unit_officer_may_not_change_the_own_unit(world, client_for, name):
    client = client_for(world.member_officer)
    url = reverse(name, args=[world.member_unit.pk])

    get = client.get(url)
    post = client.post(url, {"name": "Đổi tên", "kind": "district", "new_name": "Đổi tên"})

    assert (get.status_code, post.status_code) == (403, 403)
    world.member_unit.refresh_from_db()
    assert world.member_unit.name == "UBND huyện Bắc Sơn"
    assert world.member_unit.valid_to is None


def test_unit_officer_cannot_find_another_units_page(world, client_for):
    response = client_for(world.member_officer).get(reverse("unit_detail", args=[world.h_new.pk]))

    assert response.status_code == 404
