"""Logging in and out, the lock-out after failed attempts, changing one's password,
and the dashboard each kind of user lands on."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from clusters.models import ClusterYear
from tests.factories import PASSWORD, ClusterFactory, ClusterYearFactory, UnitFactory, add_members

NEW_PASSWORD = "Bach-Dang-938"
# Pages anyone may open; everything else needs a log-in.
PUBLIC = {"login", "healthz", "set_language"}


def log_in(client: Client, username: str, password: str = PASSWORD, ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def year_row(page: str, year: int) -> str:
    match = re.search(rf'<tr data-year="{year}">.*?</tr>', page, re.S)
    assert match, f"no row for {year}"
    return match.group(0)


# Every page but the public ones sends anonymous users to the login page ------------------


def _example_path(route: str) -> str:
    """A concrete path for a route: every converter gets a plausible value."""
    values = {"int": "1", "str": "x", "slug": "x", "path": "x/y"}
    values["uuid"] = "12345678-1234-5678-1234-567812345678"
    return re.sub(
        r"<(?:(\w+):)?\w+>", lambda match: values.get(match.group(1) or "str", "1"), route
    )


def _pages(patterns=None, prefix: str = ""):  # type: ignore[no-untyped-def]
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith("admin/"):
                continue  # the admin has its own login page
            yield from _pages(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and pattern.name not in PUBLIC:
            if route.startswith("api/v1/") and pattern.name not in {"api_key", "api-docs"}:
                continue  # the API answers 401 itself (tests/test_api_*.py)
            yield pattern.name or route, "/" + _example_path(route)


PAGES = sorted(set(_pages()))


def test_the_walk_finds_the_pages():
    names = {name for name, _path in PAGES}
    assert {"dashboard", "user_list", "audit_log", "password_change", "logout"} <= names


@pytest.mark.parametrize(("name", "path"), PAGES, ids=[name for name, _path in PAGES])
def test_anonymous_users_are_sent_to_log_in(db, client, name, path):
    response = client.get(path)
    assert response.status_code == 302, path
    target = urlsplit(response.url)
    assert target.path == reverse("login")
    assert parse_qs(target.query)["next"] == [path]


@pytest.mark.parametrize("path", ["/accounts/login/", "/healthz/"])
def test_login_and_health_pages_are_open(db, client, path):
    response = client.get(path)
    assert response.status_code in {200, 503}  # health may report a missing broker
    assert not response.has_header("Location")


# Logging in -------------------------------------------------------------------------------


def test_board_lands_on_its_dashboard_with_its_clusters(world, client):
    response = log_in(client, "alice")
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    page = client.get(response.url).content.decode()
    assert "Cụm thi đua các huyện" in page
    assert "UBND huyện Tây Sơn" in year_row(page, 2024)
    assert "UBND huyện Đông Sơn" in year_row(page, 2023)


def test_unit_officer_lands_on_its_unit_dashboard(world, client):
    response = log_in(client, "minh")
    assert response.url == reverse("dashboard")
    page = client.get(response.url).content.decode()
    assert "UBND huyện Bắc Sơn" in page  # its unit
    for cluster_year in (world.this_year, world.last_year):
        assert reverse("cluster_year_detail", args=[cluster_year.pk]) in page
    assert "Cụm thi đua các huyện" in page


def test_login_follows_next(world, client):
    response = client.post(
        f"{reverse('login')}?next=/people/",
        {"username": "alice", "password": PASSWORD, "next": "/people/"},
    )
    assert response.url == "/people/"


def test_wrong_password_shows_an_error_and_stays_on_login(world, client):
    response = log_in(client, "alice", "not-the-password")
    assert response.status_code == 200
    assert "registration/login.html" in [t.name for t in response.templates]
    assert response.context["form"].non_field_errors()
    assert 'class="alert alert-block alert-danger"' in response.content.decode()
    assert not is_logged_in(client)


def test_inactive_account_cannot_log_in(world, client):
    world.member_officer.is_active = False
    world.member_officer.save(update_fields=["is_active"])
    response = log_in(client, "minh")
    assert response.status_code == 200
    assert not is_logged_in(client)


def test_five_failures_lock_the_username_from_that_address_only(world):
    attacker = Client()
    statuses = [log_in(attacker, "alice", "guess", ip="10.0.0.66").status_code for _ in range(5)]
    assert statuses[:4] == [200] * 4  # the login form again, with its error
    assert statuses[4] in {200, 429}  # the fifth failure may already answer with the lock
    assert not is_logged_in(attacker)
    locked = log_in(attacker, "alice", PASSWORD, ip="10.0.0.66")
    assert locked.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in locked.templates]
    assert not is_logged_in(attacker)

    owner = Client()
    response = log_in(owner, "alice", PASSWORD, ip="10.0.0.7")
    assert response.status_code == 302
    assert is_logged_in(owner)


def test_failures_of_one_username_do_not_lock_another(world):
    client = Client()
    for _attempt in range(5):
        log_in(client, "alice", "guess", ip="10.0.0.66")
    response = log_in(client, "minh", PASSWORD, ip="10.0.0.66")
    assert response.status_code == 302


# Password change and logout ----------------------------------------------------------------------


def test_password_change_replaces_the_old_password(world, client):
    log_in(client, "minh")
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.url == reverse("password_change_done")
    assert is_logged_in(client)  # the session survives its own password change

    assert log_in(Client(), "minh", PASSWORD).status_code == 200
    fresh = Client()
    assert log_in(fresh, "minh", NEW_PASSWORD).status_code == 302
    assert is_logged_in(fresh)


def test_password_change_needs_the_old_password(world, client):
    log_in(client, "minh")
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.context["form"].errors["old_password"]
    assert log_in(Client(), "minh", PASSWORD).status_code == 302


def test_logout_is_post_only(world, client):
    log_in(client, "alice")
    assert client.get(reverse("logout")).status_code == 405
    assert is_logged_in(client)
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert not is_logged_in(client)
    assert client.get(reverse("dashboard")).status_code == 302


# The dashboard ------------------------------------------------------------------------------------


def test_board_dashboard_lists_only_its_own_organizers_clusters(world, client_for):
    ClusterFactory(organizer=world.other_org, name="Cụm thi đua của Bình Lâm")
    ours = client_for(world.board).get(reverse("dashboard")).content.decode()
    assert "Cụm thi đua các huyện" in ours
    assert "Cụm thi đua của Bình Lâm" not in ours
    theirs = client_for(world.other_board).get(reverse("dashboard")).content.decode()
    assert "Cụm thi đua của Bình Lâm" in theirs
    assert "Cụm thi đua các huyện" not in theirs
    assert "UBND huyện Tây Sơn" not in theirs


def _grow(world, prefix: str, clusters: int, years: int) -> None:  # type: ignore[no-untyped-def]
    """``clusters`` more clusters of ``years`` years each, three members a year."""
    for number in range(clusters):
        cluster = ClusterFactory(organizer=world.org, name=f"Cụm thi đua {prefix} {number}")
        units = [
            UnitFactory(organizer=world.org, name=f"UBND xã {prefix} {number}-{index}")
            for index in range(3)
        ]
        for year in range(2020, 2020 + years):
            cluster_year = ClusterYearFactory(
                cluster=cluster,
                year=year,
                head_unit=units[year % 3],
                deputy_unit=units[(year + 1) % 3],
                status=ClusterYear.Status.CLOSED,
            )
            add_members(cluster_year, units)


def test_board_dashboard_query_count_does_not_grow(
    world, client_for, django_assert_max_num_queries
):
    client = client_for(world.board)
    _grow(world, "nhỏ", clusters=1, years=1)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("dashboard"))
    _grow(world, "lớn", clusters=8, years=3)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(reverse("dashboard")).content.decode()
    assert page.count("<tr data-year=") == 2 + 1 + 8 * 3


def test_unit_dashboard_query_count_does_not_grow(world, client_for, django_assert_max_num_queries):
    client = client_for(world.member_officer)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("dashboard"))
    for year in range(2010, 2020):
        cluster_year = ClusterYearFactory(cluster=world.cluster, year=year, head_unit=world.h_new)
        add_members(cluster_year, [world.member_unit, world.h_new])
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(reverse("dashboard")).content.decode()
    assert reverse("cluster_year_detail", args=[cluster_year.pk]) in page
