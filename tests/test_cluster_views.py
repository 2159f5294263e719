"""The cluster screens: list (Vietnamese order, accent-free search, filters),
create, edit, detail, and who may open them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from clusters import services
from clusters.models import Cluster
from core.models import ActionLog
from tests.factories import ClusterFactory, ClusterYearFactory, UnitFactory, add_members


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    """The world creates seven users; the default hasher makes that take seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def in_english(client):  # type: ignore[no-untyped-def]
    """Messages are compared with the English msgids, so show the page in English."""
    client.cookies["django_language"] = "en"
    return client


def field_error(content: str, field: str, message: str) -> bool:
    """The message shows under the field (crispy's error block for that field)."""
    pattern = rf'id="error_\d+_id_{field}"><strong>{re.escape(escape(message))}</strong>'
    return re.search(pattern, content) is not None


def names_in_table(content: str) -> list[str]:
    return re.findall(r'class="cluster-name">([^<]+)</a>', content)


@pytest.fixture
def more_clusters(world):  # type: ignore[no-untyped-def]
    """Names whose code-point order differs from the Vietnamese one."""
    return {
        "duc": ClusterFactory(organizer=world.org, name="Cụm Đức Xuân"),
        "duong": ClusterFactory(organizer=world.org, name="Cụm Dương Quang"),
        "block": ClusterFactory(organizer=world.org, name="Khối các sở, ngành", kind="block"),
        "old": ClusterFactory(organizer=world.org, name="Cụm Ân Thi", is_active=False),
        "foreign": ClusterFactory(organizer=world.other_org, name="Cụm của tỉnh khác"),
    }


# List ------------------------------------------------------------------------------


def test_list_is_in_vietnamese_order(world, more_clusters, client_for):
    response = client_for(world.board).get(reverse("cluster_list"))
    assert names_in_table(response.content.decode()) == [
        "Cụm Ân Thi",
        "Cụm Dương Quang",
        "Cụm Đức Xuân",
        "Cụm thi đua các huyện",
        "Khối các sở, ngành",
    ]


def test_list_shows_latest_year_head_and_member_count(world, client_for):
    content = client_for(world.board).get(reverse("cluster_list")).content.decode()
    row = re.search(rf'data-cluster="{world.cluster.pk}">(.*?)</tr>', content, re.S).group(1)
    assert ">2024</a>" in row
    assert world.h_new.name in row
    assert world.h_old.name not in row  # the 2023 head is not the latest
    assert re.search(r'class="text-end">4</td>', row)


def test_search_needs_no_accents(world, more_clusters, client_for):
    response = client_for(world.board).get(reverse("cluster_list"), {"q": "duc xuan"})
    assert names_in_table(response.content.decode()) == ["Cụm Đức Xuân"]


def test_search_with_accents_and_other_case(world, more_clusters, client_for):
    response = client_for(world.board).get(reverse("cluster_list"), {"q": "DƯƠNG"})
    assert names_in_table(response.content.decode()) == ["Cụm Dương Quang"]


def test_kind_and_active_filters(world, more_clusters, client_for):
    client = client_for(world.board)
    blocks = client.get(reverse("cluster_list"), {"kind": "block"})
    assert names_in_table(blocks.content.decode()) == ["Khối các sở, ngành"]
    inactive = client.get(reverse("cluster_list"), {"active": "no"})
    assert names_in_table(inactive.content.decode()) == ["Cụm Ân Thi"]
    active = client.get(reverse("cluster_list"), {"active": "yes"})
    assert "Cụm Ân Thi" not in names_in_table(active.content.decode())


def test_list_shows_only_own_organizer(world, more_clusters, client_for):
    content = client_for(world.board).get(reverse("cluster_list")).content.decode()
    assert "Cụm của tỉnh khác" not in content
    other = client_for(world.other_board).get(reverse("cluster_list")).content.decode()
    assert names_in_table(other) == ["Cụm của tỉnh khác"]


def test_list_uses_a_constant_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.board)
    with django_assert_max_num_queries(8):
        client.get(reverse("cluster_list"))
    for number in range(6):
        cluster = ClusterFactory(organizer=world.org, name=f"Cụm số {number}")
        for year in (2023, 2024):
            cluster_year = ClusterYearFactory(cluster=cluster, year=year)
            add_members(
                cluster_year,
                [UnitFactory(organizer=world.org, name=f"Xã {number}-{year}-{i}") for i in (1, 2)],
            )
    with django_assert_max_num_queries(8):
        response = client.get(reverse("cluster_list"))
    assert len(names_in_table(response.content.decode())) == 7


def test_list_is_for_the_board_only(world, client_for):
    assert client_for(world.member_officer).get(reverse("cluster_list")).status_code == 403


def test_list_needs_login(world, client):
    response = client.get(reverse("cluster_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# Create and edit ---------------------------------------------------------------------


def test_board_creates_a_cluster(world, client_for):
    response = client_for(world.board).post(
        reverse("cluster_create"),
        {
            "name": "Khối  các cơ quan Đảng",
            "kind": "block",
            "description": "Các ban Đảng tỉnh.",
            "is_active": "on",
        },
    )
    cluster = Cluster.objects.get(organizer=world.org, name="Khối các cơ quan Đảng")
    assert response.status_code == 302
    assert response["Location"] == reverse("cluster_detail", args=[cluster.pk])
    assert cluster.kind == "block"
    assert cluster.is_active
    assert ActionLog.objects.filter(
        action="clusters.cluster.created", object_id=str(cluster.pk), actor=world.board
    ).exists()


def test_duplicate_name_is_refused_next_to_the_field(world, client_for):
    client = in_english(client_for(world.board))
    response = client.post(
        reverse("cluster_create"),
        {"name": "CỤM THI ĐUA CÁC HUYỆN", "kind": "cluster", "is_active": "on"},
    )
    assert response.status_code == 200
    message = str(services.DUPLICATE_CLUSTER) % {"name": "CỤM THI ĐUA CÁC HUYỆN"}
    assert field_error(response.content.decode(), "name", message)
    assert Cluster.objects.filter(organizer=world.org).count() == 1
    # What was typed stays in the form.
    assert 'value="CỤM THI ĐUA CÁC HUYỆN"' in response.content.decode()


def test_same_name_in_another_organizer_is_fine(world, client_for):
    client_for(world.other_board).post(
        reverse("cluster_create"),
        {"name": "Cụm thi đua các huyện", "kind": "cluster", "is_active": "on"},
    )
    assert Cluster.objects.filter(organizer=world.other_org, name="Cụm thi đua các huyện").exists()


def test_board_renames_a_cluster(world, client_for):
    client = client_for(world.board)
    page = client.get(reverse("cluster_edit", args=[world.cluster.pk]))
    assert 'value="Cụm thi đua các huyện"' in page.content.decode()
    response = client.post(
        reverse("cluster_edit", args=[world.cluster.pk]),
        {"name": "Cụm thi đua các huyện, thị xã", "kind": "cluster", "description": ""},
    )
    assert response.status_code == 302
    world.cluster.refresh_from_db()
    assert world.cluster.name == "Cụm thi đua các huyện, thị xã"
    assert world.cluster.is_active is False  # the box was left unticked
    log = ActionLog.objects.get(action="clusters.cluster.updated")
    assert log.data["name"] == {
        "old": "Cụm thi đua các huyện",
        "new": "Cụm thi đua các huyện, thị xã",
    }


def test_rename_onto_another_cluster_is_refused(world, more_clusters, client_for):
    client = in_english(client_for(world.board))
    response = client.post(
        reverse("cluster_edit", args=[world.cluster.pk]),
        {"name": "cụm đức xuân", "kind": "cluster", "is_active": "on"},
    )
    message = str(services.DUPLICATE_CLUSTER) % {"name": "cụm đức xuân"}
    assert field_error(response.content.decode(), "name", message)
    world.cluster.refresh_from_db()
    assert world.cluster.name == "Cụm thi đua các huyện"


# Detail ----------------------------------------------------------------------------------


def test_detail_lists_years_newest_first(world, client_for):
    content = client_for(world.board).get(reverse("cluster_detail", args=[world.cluster.pk]))
    content = content.content.decode()
    years = re.findall(r'<tr data-year="(\d+)">', content)
    assert years == ["2024", "2023"]
    row_2024 = re.search(r'data-year="2024">(.*?)</tr>', content, re.S).group(1)
    assert world.h_new.name in row_2024
    assert world.deputy_unit.name in row_2024
    assert reverse("cluster_year_detail", args=[world.this_year.pk]) in row_2024
    assert reverse("cluster_year_create", args=[world.cluster.pk]) in content


def test_member_sees_only_the_years_of_its_unit(world, client_for):
    ClusterYearFactory(cluster=world.cluster, year=2022)  # member_unit not in it
    response = client_for(world.member_officer).get(
        reverse("cluster_detail", args=[world.cluster.pk])
    )
    content = response.content.decode()
    assert re.findall(r'<tr data-year="(\d+)">', content) == ["2024", "2023"]
    assert reverse("cluster_edit", args=[world.cluster.pk]) not in content
    assert reverse("cluster_year_create", args=[world.cluster.pk]) not in content


# Who may open what ------------------------------------------------------------------


CLUSTER_PAGES = ["cluster_detail", "cluster_edit", "cluster_year_create"]


@pytest.mark.parametrize("name", CLUSTER_PAGES)
def test_anonymous_is_sent_to_login(world, client, name):
    response = client.get(reverse(name, args=[world.cluster.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", CLUSTER_PAGES)
def test_other_organizer_gets_404(world, client_for, name):
    response = client_for(world.other_board).get(reverse(name, args=[world.cluster.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("name", CLUSTER_PAGES)
def test_unit_outside_the_cluster_gets_404(world, client_for, name):
    response = client_for(world.outsider_officer).get(reverse(name, args=[world.cluster.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "expected"), [("cluster_edit", 403), ("cluster_year_create", 403)]
)
def test_member_may_not_change_the_cluster(world, client_for, name, expected):
    client = client_for(world.member_officer)
    assert client.get(reverse(name, args=[world.cluster.pk])).status_code == expected
    assert client.post(reverse(name, args=[world.cluster.pk]), {}).status_code == expected


def test_member_may_see_the_cluster(world, client_for):
    response = client_for(world.member_leader).get(
        reverse("cluster_detail", args=[world.cluster.pk])
    )
    assert world.cluster.name in response.content.decode()


def test_cluster_create_is_for_the_board(world, client_for, client):
    assert client_for(world.head_officer).get(reverse("cluster_create")).status_code == 403
    assert not Cluster.objects.filter(name="Cụm mới").exists()
    client.logout()
    response = client.post(reverse("cluster_create"), {"name": "Cụm mới", "kind": "cluster"})
    assert response["Location"].startswith(reverse("login"))
    assert not Cluster.objects.filter(name="Cụm mới").exists()
