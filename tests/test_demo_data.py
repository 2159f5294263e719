"""The demo world (clusters/demo.py through `manage.py load_demo`): both seed cases of
domain.md section 9, the years around them, and the demo accounts."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from clusters import services
from clusters.models import (
    Cluster,
    ClusterYear,
    Membership,
    Organizer,
    Profile,
    Unit,
    UnitLineage,
)
from clusters.roles import Role, roles_for
from core.models import ActionLog

BAC_NINH_MEMBERS = [
    "UBND thành phố Bắc Ninh",
    "UBND thành phố Từ Sơn",
    "UBND huyện Quế Võ",
    "UBND huyện Thuận Thành",
    "UBND huyện Tiên Du",
    "UBND huyện Yên Phong",
    "UBND huyện Gia Bình",
    "UBND huyện Lương Tài",
]
BAC_NINH_SHORT = [
    "TP Bắc Ninh",
    "TP Từ Sơn",
    "Quế Võ",
    "Thuận Thành",
    "Tiên Du",
    "Yên Phong",
    "Gia Bình",
    "Lương Tài",
]
BAC_KAN_MEMBERS = {
    "phường Phùng Chí Kiên",
    "phường Đức Xuân",
    "phường Nguyễn Thị Minh Khai",
    "phường Sông Cầu",
    "phường Xuất Hóa",
    "phường Huyền Tụng",
    "xã Dương Quang",
    "xã Nông Thượng",
}
# username: (role, organizer name ends with, unit name or None)
ACCOUNTS = {
    "bacninh": ("board", "tỉnh Bắc Ninh", None),
    "luongtai": ("officer", "tỉnh Bắc Ninh", "UBND huyện Lương Tài"),
    "luongtai_lanhdao": ("leader", "tỉnh Bắc Ninh", "UBND huyện Lương Tài"),
    "tuson": ("officer", "tỉnh Bắc Ninh", "UBND thành phố Từ Sơn"),
    "tuson_lanhdao": ("leader", "tỉnh Bắc Ninh", "UBND thành phố Từ Sơn"),
    "backan": ("board", "thành phố Bắc Kạn", None),
    "phungchikien": ("officer", "thành phố Bắc Kạn", "phường Phùng Chí Kiên"),
    "phungchikien_lanhdao": ("leader", "thành phố Bắc Kạn", "phường Phùng Chí Kiên"),
    "ducxuan": ("officer", "thành phố Bắc Kạn", "phường Đức Xuân"),
    "ducxuan_lanhdao": ("leader", "thành phố Bắc Kạn", "phường Đức Xuân"),
}


# One process runs them all (pytest-xdist's --dist loadgroup): one load of the demo.
pytestmark = pytest.mark.xdist_group("demo_data")


@pytest.fixture
def demo(demo_data, db):  # type: ignore[no-untyped-def]
    """The demo, loaded once for this module (tests/conftest.py ``demo_data``); the
    tests only read it, and what one writes is rolled back before the next."""
    assert "demo12345" in demo_data


def _year(organizer_suffix: str, year: int) -> ClusterYear:
    return ClusterYear.objects.select_related("head_unit", "deputy_unit", "cluster").get(
        cluster__organizer__name__endswith=organizer_suffix, year=year
    )


def _members(cluster_year: ClusterYear) -> list[str]:
    return [m.unit.name for m in cluster_year.memberships.select_related("unit").order_by("order")]


def test_bac_ninh_2023_is_the_seed_case(demo):
    organizer = Organizer.objects.get(name="Hội đồng Thi đua - Khen thưởng tỉnh Bắc Ninh")
    assert (organizer.level, organizer.parent_body, organizer.place_name) == (
        Organizer.Level.PROVINCE,
        "UBND TỈNH BẮC NINH",
        "Bắc Ninh",
    )
    cluster = Cluster.objects.get(organizer=organizer)
    assert cluster.name == "Cụm thi đua các huyện, thành phố"
    year = _year("tỉnh Bắc Ninh", 2023)
    assert year.cluster == cluster
    assert year.head_unit.name == "UBND huyện Lương Tài"
    assert year.decision_number == "42/QĐ-UBND"
    assert year.decision_date == dt.date(2023, 1, 12)
    assert year.theme.startswith("Đẩy mạnh xây dựng Đảng")
    assert year.status == ClusterYear.Status.OPEN
    assert _members(year) == BAC_NINH_MEMBERS
    assert len(_members(year)) == 8
    units = Unit.objects.filter(organizer=organizer)
    assert sorted(units.values_list("short_name", flat=True)) == sorted(BAC_NINH_SHORT)
    assert units.get(name="UBND thành phố Từ Sơn").valid_from == dt.date(2021, 11, 1)


def test_bac_ninh_has_2022_and_2024_around_the_seed_year(demo):
    y2022, y2024 = _year("tỉnh Bắc Ninh", 2022), _year("tỉnh Bắc Ninh", 2024)
    assert _members(y2022) == BAC_NINH_MEMBERS
    assert _members(y2024) == BAC_NINH_MEMBERS
    assert (y2022.head_unit.name, y2022.deputy_unit.name) == (
        "UBND huyện Gia Bình",
        "UBND huyện Lương Tài",
    )
    # Rotation from Lương Tài (last in the order) wraps to TP Bắc Ninh.
    assert _year("tỉnh Bắc Ninh", 2023).deputy_unit.name == "UBND thành phố Bắc Ninh"
    # 2024's head is not named yet: the rotation proposes TP Bắc Ninh, and Lương Tài
    # keeps its head rights for 2023 until then.
    assert y2024.head_unit is None
    assert (
        services.rotation_preview(cluster_year=_year("tỉnh Bắc Ninh", 2023), years=1)[0][
            "head"
        ].name
        == "UBND thành phố Bắc Ninh"
    )
    assert y2022.status == ClusterYear.Status.CLOSED
    assert y2024.status == ClusterYear.Status.OPEN
    assert set(
        ClusterYear.objects.filter(cluster=y2022.cluster).values_list("year", flat=True)
    ) == {2022, 2023, 2024}


def test_bac_kan_2022_is_the_seed_case(demo):
    organizer = Organizer.objects.get(name="Hội đồng Thi đua - Khen thưởng thành phố Bắc Kạn")
    assert organizer.level == Organizer.Level.CITY
    year = _year("thành phố Bắc Kạn", 2022)
    assert year.cluster.name == "Cụm thi đua các xã, phường"
    assert year.head_unit.name == "phường Phùng Chí Kiên"
    assert set(_members(year)) == BAC_KAN_MEMBERS
    assert len(_members(year)) == 8
    for name in BAC_KAN_MEMBERS:
        kind = Unit.Kind.COMMUNE if name.startswith("xã") else Unit.Kind.WARD
        assert Unit.objects.get(organizer=organizer, name=name).kind == kind


def test_bac_kan_has_2021_and_2023_around_the_seed_year(demo):
    y2021, y2023 = _year("thành phố Bắc Kạn", 2021), _year("thành phố Bắc Kạn", 2023)
    assert y2021.head_unit.name == "xã Nông Thượng"
    assert y2021.status == ClusterYear.Status.CLOSED
    assert set(_members(y2021)) == BAC_KAN_MEMBERS
    assert set(_members(y2023)) == BAC_KAN_MEMBERS
    # The head rotates on from Phùng Chí Kiên to the next in the order.
    assert y2023.head_unit.name == "phường Đức Xuân"


def test_demo_accounts_exist_with_the_demo_password_and_profiles(demo):
    users = get_user_model().objects
    admin = users.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password("demo12345")
    for username, (role, organizer_suffix, unit_name) in ACCOUNTS.items():
        user = users.get(username=username)
        assert user.check_password("demo12345"), username
        assert user.is_active, username
        profile = Profile.objects.select_related("organizer", "unit__organizer").get(user=user)
        assert profile.role == role, username
        if unit_name is None:
            assert profile.unit is None
            assert profile.organizer.name.endswith(organizer_suffix), username
        else:
            assert profile.organizer is None
            assert profile.unit.name == unit_name, username
            assert profile.unit.organizer.name.endswith(organizer_suffix), username
    assert users.get(username="luongtai_lanhdao").get_full_name() == "Phạm Thanh Hải"


def test_demo_accounts_get_the_right_roles(demo):
    users = get_user_model().objects
    bn_2023 = _year("tỉnh Bắc Ninh", 2023)
    bk_2022 = _year("thành phố Bắc Kạn", 2022)
    assert roles_for(users.get(username="luongtai"), bn_2023) == {Role.MEMBER_OFFICER, Role.HEAD}
    assert roles_for(users.get(username="bacninh"), bn_2023) == {Role.BOARD}
    assert roles_for(users.get(username="bacninh"), bk_2022) == set()
    assert roles_for(users.get(username="phungchikien"), bk_2022) == {
        Role.MEMBER_OFFICER,
        Role.HEAD,
    }
    assert roles_for(users.get(username="ducxuan_lanhdao"), bk_2022) == {
        Role.MEMBER_LEADER,
        Role.DEPUTY,
    }


def test_running_it_twice_changes_nothing(demo):
    def counts() -> dict[str, int]:
        return {
            model.__name__: model.objects.count()
            for model in (
                Organizer,
                Unit,
                UnitLineage,
                Cluster,
                ClusterYear,
                Membership,
                Profile,
                ActionLog,
                get_user_model(),
            )
        }

    before = counts()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "already" in out.getvalue()
    assert counts() == before
    assert before["Organizer"] == 2
    assert before["ClusterYear"] == 6
    assert before["Membership"] == 48
