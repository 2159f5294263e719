"""People screens: list, create, edit (and deactivate), set password."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from clusters import services
from clusters.models import Profile
from clusters.permissions import ACTIVE_ORGANIZER_SESSION_KEY
from core.models import ActionLog
from tests.factories import PASSWORD, UnitFactory, make_user

User = get_user_model()
NEW_PASSWORD = "Quang-Trung-1789"


def log_in(username: str, password: str = PASSWORD) -> Client:
    """A fresh client that logs in through the real login page (axes sees the request)."""
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    client.logged_in = response.status_code == 302 and "_auth_user_id" in client.session
    return client


def usernames_in(response) -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(r'data-username="([^"]+)"', response.content.decode())


def create_payload(**overrides: object) -> dict[str, object]:
    data = {
        "username": "thu",
        "full_name": "Nguyễn Thị Thu",
        "email": "thu@example.vn",
        "role": Profile.Role.OFFICER,
        "unit": "",
        "position": "Chuyên viên",
        "phone": "0912 345 678",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def edit_payload(user, **overrides: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    profile = user.profile
    data = {
        "full_name": user.get_full_name(),
        "email": user.email,
        "role": profile.role,
        "unit": profile.unit_id or "",
        "position": profile.position,
        "phone": profile.phone,
        "is_active": "on" if user.is_active else "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# Access -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["user_list", "user_create", "user_edit", "user_password"])
def test_it_sends_anonymous_users_to_log_in(world, client, name):
    args = [world.member_officer.pk] if name in {"user_edit", "user_password"} else []
    url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["member_officer", "member_leader", "head_officer"])
@pytest.mark.parametrize("name", ["user_list", "user_create"])
def test_unit_people_are_refused_the_people_pages(world, client_for, persona, name):
    response = client_for(world.personas()[persona]).get(reverse(name))
    assert response.status_code == 403


def test_unit_officer_cannot_open_a_colleagues_account(world, client_for):
    url = reverse("user_edit", args=[world.member_leader.pk])
    assert client_for(world.member_officer).get(url).status_code == 403


@pytest.mark.parametrize("name", ["user_edit", "user_password"])
def test_other_board_cannot_see_our_accounts(world, client_for, name):
    client = client_for(world.other_board)
    url = reverse(name, args=[world.member_officer.pk])
    assert client.get(url).status_code == 404
    response = client.post(url, edit_payload(world.member_officer, full_name="Đổi tên"))
    assert response.status_code == 404
    world.member_officer.refresh_from_db()
    assert world.member_officer.get_full_name() == "Người minh"


def test_board_cannot_manage_a_system_administrator(world, client_for):
    admin = make_user("root", role=Profile.Role.BOARD, organizer=world.org)
    User.objects.filter(pk=admin.pk).update(is_superuser=True)
    url = reverse("user_password", args=[admin.pk])
    assert client_for(world.board).get(url).status_code == 404


# List ---------------------------------------------------------------------------------


def test_list_shows_board_first_then_units_in_vietnamese_order(world, client_for):
    response = client_for(world.board).get(reverse("user_list"))
    # Sở Nội vụ < UBND huyện Bắc Sơn < UBND huyện Đông Sơn < UBND huyện Tây Sơn
    assert usernames_in(response) == ["alice", "oscar", "lan", "minh", "olga", "hana"]
    page = response.content.decode()
    assert "UBND huyện Tây Sơn" in page
    assert "bob" not in usernames_in(response)


def test_list_orders_people_by_given_name_within_a_unit(world, client_for):
    for username, name in [("u1", "Trần Văn Đức"), ("u2", "Lê Thị Dung"), ("u3", "Phạm An")]:
        services.user_create(
            actor=world.board,
            username=username,
            password=NEW_PASSWORD,
            full_name=name,
            role=Profile.Role.OFFICER,
            unit=world.deputy_unit,
        )
    response = client_for(world.board).get(reverse("user_list"), {"unit": world.deputy_unit.pk})
    # An < Dung < Đức: đ comes after d.
    assert usernames_in(response) == ["u3", "u2", "u1"]


def test_list_shows_the_persons_details(world, client_for):
    person = make_user(
        "tam", role=Profile.Role.LEADER, unit=world.h_new, position="Chủ tịch UBND huyện"
    )
    User.objects.filter(pk=person.pk).update(is_active=False)
    response = client_for(world.board).get(reverse("user_list"))
    row = re.search(r'<tr data-username="tam".*?</tr>', response.content.decode(), re.S).group(0)
    assert "Chủ tịch UBND huyện" in row
    assert "UBND huyện Tây Sơn" in row
    assert "Người tam" in row
    assert "badge text-bg-secondary" in row  # deactivated


def test_search_is_accent_free_on_name_username_and_unit(world, client_for):
    services.user_create(
        actor=world.board,
        username="xuan",
        password=NEW_PASSWORD,
        full_name="Hoàng Đức Xuân",
        role=Profile.Role.OFFICER,
        unit=world.member_unit,
    )
    client = client_for(world.board)
    assert usernames_in(client.get(reverse("user_list"), {"q": "duc xuan"})) == ["xuan"]
    assert usernames_in(client.get(reverse("user_list"), {"q": "dong son"})) == ["olga"]
    assert usernames_in(client.get(reverse("user_list"), {"q": "OSCAR"})) == ["oscar"]


def test_list_filters_by_role_and_unit(world, client_for):
    client = client_for(world.board)
    assert usernames_in(client.get(reverse("user_list"), {"role": "leader"})) == ["lan"]
    assert usernames_in(client.get(reverse("user_list"), {"role": "board"})) == ["alice"]
    by_unit = client.get(reverse("user_list"), {"unit": world.member_unit.pk})
    assert usernames_in(by_unit) == ["lan", "minh"]


def test_list_ignores_another_organizers_unit_in_the_filter(world, client_for):
    make_user("ngoai", role=Profile.Role.OFFICER, unit=world.other_unit)
    response = client_for(world.board).get(reverse("user_list"), {"unit": world.other_unit.pk})
    assert "ngoai" not in usernames_in(response)


def test_superuser_sees_the_active_organizers_people(world, client):
    root = User.objects.create_superuser("root", "root@example.vn", PASSWORD)
    client.force_login(root)
    session = client.session
    session[ACTIVE_ORGANIZER_SESSION_KEY] = world.other_org.pk
    session.save()
    assert usernames_in(client.get(reverse("user_list"))) == ["bob"]


def test_list_pages_by_fifty(world, client_for):
    for number in range(55):
        make_user(f"p{number:02d}", role=Profile.Role.OFFICER, unit=world.outsider_unit)
    client = client_for(world.board)
    first = usernames_in(client.get(reverse("user_list")))
    second = usernames_in(client.get(reverse("user_list"), {"page": 2}))
    assert len(first) == 50
    assert len(second) == 61 - 50
    assert not set(first) & set(second)


def test_list_query_count_does_not_grow_with_people(
    world, client_for, django_assert_max_num_queries
):
    client = client_for(world.board)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(reverse("user_list"))
    for number in range(30):
        unit = UnitFactory(organizer=world.org, name=f"UBND xã Số {number}")
        make_user(f"x{number}", role=Profile.Role.OFFICER, unit=unit)
        make_user(f"y{number}", role=Profile.Role.LEADER, unit=unit)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("user_list"))
    assert len(usernames_in(response)) == 50


# Create -------------------------------------------------------------------------------


def test_board_creates_a_unit_officer_who_can_log_in(world, client_for):
    response = client_for(world.board).post(
        reverse("user_create"), create_payload(unit=world.h_new.pk)
    )
    assert response.status_code == 302
    user = User.objects.get(username="thu")
    assert user.get_full_name() == "Nguyễn Thị Thu"
    assert user.email == "thu@example.vn"
    assert user.profile.role == Profile.Role.OFFICER
    assert user.profile.unit == world.h_new
    assert user.profile.organizer is None
    assert user.profile.position == "Chuyên viên"
    entry = ActionLog.objects.get(action="clusters.user.created", object_id=str(user.pk))
    assert entry.scope_id == world.org.pk
    assert entry.actor == world.board
    assert log_in("thu", NEW_PASSWORD).logged_in


def test_board_creates_board_staff_without_a_unit(world, client_for):
    client_for(world.board).post(
        reverse("user_create"),
        create_payload(username="binh", role=Profile.Role.BOARD, unit=world.h_new.pk),
    )
    profile = User.objects.get(username="binh").profile
    assert profile.role == Profile.Role.BOARD
    assert profile.organizer == world.org
    assert profile.unit is None


def test_create_form_offers_only_current_units_of_the_organizer(world, client_for):
    ended = UnitFactory(organizer=world.org, name="UBND huyện Cũ", valid_to="2020-12-31")
    response = client_for(world.board).get(reverse("user_create"))
    choices = list(response.context["form"].fields["unit"].queryset)
    assert world.h_new in choices
    assert ended not in choices
    assert world.other_unit not in choices
    names = [unit.name for unit in choices]
    assert names.index("Sở Nội vụ") < names.index("UBND huyện Bắc Sơn")
    assert names.index("UBND huyện Đông Sơn") < names.index("UBND huyện Nam Sơn")


def test_duplicate_username_is_refused_next_to_the_field(world, client_for):
    before = User.objects.count()
    response = client_for(world.board).post(
        reverse("user_create"), create_payload(username="MINH", unit=world.h_new.pk)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "MINH" in errors["username"][0]
    assert User.objects.count() == before
    # What was typed is kept.
    assert 'value="Nguyễn Thị Thu"' in response.content.decode()


def test_weak_password_is_refused_and_nothing_is_saved(world, client_for):
    before = (User.objects.count(), ActionLog.objects.count())
    response = client_for(world.board).post(
        reverse("user_create"),
        create_payload(unit=world.h_new.pk, password1="12345678", password2="12345678"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert (User.objects.count(), ActionLog.objects.count()) == before


def test_passwords_that_differ_are_refused(world, client_for):
    response = client_for(world.board).post(
        reverse("user_create"), create_payload(unit=world.h_new.pk, password2="other-Pass-99")
    )
    assert response.context["form"].errors["password2"]
    assert not User.objects.filter(username="thu").exists()


def test_officer_without_unit_is_refused(world, client_for):
    response = client_for(world.board).post(reverse("user_create"), create_payload(unit=""))
    assert response.status_code == 200
    assert response.context["form"].errors["unit"]
    assert not User.objects.filter(username="thu").exists()


def test_unit_of_another_organizer_is_refused(world, client_for):
    response = client_for(world.board).post(
        reverse("user_create"), create_payload(unit=world.other_unit.pk)
    )
    assert response.context["form"].errors["unit"]
    assert not User.objects.filter(username="thu").exists()


# Edit and deactivate --------------------------------------------------------------------


def test_board_changes_role_and_unit(world, client_for):
    person = world.member_officer
    response = client_for(world.board).post(
        reverse("user_edit", args=[person.pk]),
        edit_payload(
            person, role=Profile.Role.LEADER, unit=world.h_new.pk, position="Phó Chủ tịch"
        ),
    )
    assert response.status_code == 302
    person.profile.refresh_from_db()
    assert person.profile.role == Profile.Role.LEADER
    assert person.profile.unit == world.h_new
    assert person.profile.position == "Phó Chủ tịch"
    entry = ActionLog.objects.get(action="clusters.user.updated", object_id=str(person.pk))
    assert entry.data["role"] == {"old": "officer", "new": "leader"}
    assert entry.data["unit"]["new"]["repr"] == "UBND huyện Tây Sơn"


def test_board_moves_an_officer_to_the_board(world, client_for):
    person = world.member_officer
    client_for(world.board).post(
        reverse("user_edit", args=[person.pk]), edit_payload(person, role=Profile.Role.BOARD)
    )
    person.profile.refresh_from_db()
    assert person.profile.role == Profile.Role.BOARD
    assert person.profile.organizer == world.org
    assert person.profile.unit is None


def test_edit_form_shows_the_current_values(world, client_for):
    response = client_for(world.board).get(reverse("user_edit", args=[world.member_leader.pk]))
    form = response.context["form"]
    assert form.initial["unit"] == world.member_unit
    assert form.initial["role"] == Profile.Role.LEADER
    assert form.initial["is_active"] is True


def test_editing_keeps_a_unit_that_has_since_ended(world, client_for):
    ended = UnitFactory(organizer=world.org, name="UBND huyện Cũ", valid_to="2025-06-30")
    person = make_user("cu", role=Profile.Role.OFFICER, unit=ended)
    client = client_for(world.board)
    form = client.get(reverse("user_edit", args=[person.pk])).context["form"]
    assert ended in form.fields["unit"].queryset
    response = client.post(
        reverse("user_edit", args=[person.pk]), edit_payload(person, phone="0209 3870 123")
    )
    assert response.status_code == 302
    person.profile.refresh_from_db()
    assert person.profile.unit == ended
    assert person.profile.phone == "0209 3870 123"


def test_deactivating_asks_for_confirmation_first(world, client_for):
    person = world.member_officer
    client = client_for(world.board)
    url = reverse("user_edit", args=[person.pk])
    response = client.post(url, edit_payload(person, is_active=None))
    assert response.status_code == 200
    assert "clusters/people/user_deactivate_confirm.html" in [t.name for t in response.templates]
    page = response.content.decode()
    assert 'name="confirm_deactivation" value="1"' in page
    assert "data-confirm=" in page
    person.refresh_from_db()
    assert person.is_active

    response = client.post(url, edit_payload(person, is_active=None, confirm_deactivation="1"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.is_active
    assert User.objects.filter(pk=person.pk).exists()  # never deleted
    entry = ActionLog.objects.get(action="clusters.user.updated", object_id=str(person.pk))
    assert entry.data["is_active"] == {"old": True, "new": False}
    assert not log_in("minh").logged_in


def test_confirmation_form_carries_the_other_changes(world, client_for):
    person = world.member_officer
    client = client_for(world.board)
    response = client.post(
        reverse("user_edit", args=[person.pk]),
        edit_payload(person, is_active=None, position="Đã nghỉ hưu"),
    )
    hidden = dict(
        re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', response.content.decode())
    )
    assert hidden["position"] == "Đã nghỉ hưu"
    assert hidden["unit"] == str(world.member_unit.pk)


def test_board_reactivates_an_account(world, client_for):
    person = world.member_officer
    User.objects.filter(pk=person.pk).update(is_active=False)
    person.refresh_from_db()
    client_for(world.board).post(
        reverse("user_edit", args=[person.pk]), edit_payload(person, is_active="on")
    )
    person.refresh_from_db()
    assert person.is_active
    assert log_in("minh").logged_in


def test_board_cannot_deactivate_itself(world, client_for):
    board = world.board
    response = client_for(board).post(
        reverse("user_edit", args=[board.pk]),
        edit_payload(board, is_active=None, confirm_deactivation="1"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["is_active"]
    board.refresh_from_db()
    assert board.is_active
    assert not ActionLog.objects.filter(action="clusters.user.updated").exists()


def test_the_service_refuses_self_deactivation(world):
    with pytest.raises(ValidationError) as caught:
        services.user_update(
            actor=world.board,
            user=world.board,
            full_name="Người alice",
            email="",
            is_active=False,
        )
    assert caught.value.message_dict["is_active"]
    world.board.refresh_from_db()
    assert world.board.is_active


# Set password -------------------------------------------------------------------------------


def test_board_sets_a_new_password(world, client_for):
    person = world.member_officer
    response = client_for(world.board).post(
        reverse("user_password", args=[person.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert log_in("minh", NEW_PASSWORD).logged_in
    assert not log_in("minh", PASSWORD).logged_in
    assert ActionLog.objects.filter(
        action="clusters.user.password_set", object_id=str(person.pk), scope_id=world.org.pk
    ).exists()


def test_set_password_refuses_a_weak_password(world, client_for):
    person = world.member_officer
    response = client_for(world.board).post(
        reverse("user_password", args=[person.pk]), {"password1": "minh", "password2": "minh"}
    )
    assert response.context["form"].errors["password1"]
    assert log_in("minh").logged_in


def test_board_setting_its_own_password_stays_logged_in(world, client_for):
    client = client_for(world.board)
    client.post(
        reverse("user_password", args=[world.board.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert client.get(reverse("user_list")).status_code == 200
