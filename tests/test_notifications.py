"""In-app notifications: the bell's count, the list, opening one, marking all read."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.context_processors import UnreadCounter
from core.models import Notification
from core.notifications_views import PAGE_SIZE


def note(user, subject="Đã mở chấm điểm", link="", read=False, **extra) -> Notification:  # type: ignore[no-untyped-def]
    return Notification.objects.create(
        user=user,
        key="scoring.period.opened",
        subject=subject,
        body=extra.pop("body", "Nội dung"),
        link=link,
        read_at=timezone.now() if read else None,
        **extra,
    )


def bell_queries(queries) -> list[str]:  # type: ignore[no-untyped-def]
    return [q["sql"] for q in queries if "core_notification" in q["sql"] and "COUNT" in q["sql"]]


def test_the_bell_shows_how_many_are_unread(world, client_for):
    note(world.member_officer)
    note(world.member_officer)
    note(world.member_officer, read=True)
    note(world.head_officer)  # someone else's
    page = client_for(world.member_officer).get(reverse("dashboard"))
    html = page.content.decode()
    bell = html.split('id="notification-bell"')[1].split("</a>")[0]
    assert (
        '<span class="badge rounded-pill text-bg-danger notification-count ms-1">2</span>' in bell
    )


def test_no_badge_when_everything_is_read(world, client_for):
    note(world.member_officer, read=True)
    html = client_for(world.member_officer).get(reverse("dashboard")).content.decode()
    assert 'id="notification-bell"' in html and "notification-count" not in html


def test_the_bell_costs_one_query_per_page(world, client_for):
    for _index in range(5):
        note(world.member_officer)
    client = client_for(world.member_officer)
    with CaptureQueriesContext(connection) as context:
        client.get(reverse("dashboard"))
    assert len(bell_queries(context.captured_queries)) == 1


def test_the_counter_asks_once_and_only_when_shown(world, django_assert_num_queries):
    for _index in range(120):
        note(world.member_officer)
    counter = UnreadCounter(world.member_officer)
    with django_assert_num_queries(0):
        UnreadCounter(world.member_officer)
    with django_assert_num_queries(1):
        assert bool(counter) and str(counter) == "99+" and counter.count == 120


def test_the_login_page_has_no_bell(client, db):
    html = client.get(reverse("login")).content.decode()
    assert "notification-bell" not in html


def test_the_list_shows_the_users_notifications_newest_first_unread_highlighted(world, client_for):
    old = note(world.member_officer, subject="Cũ", read=True)
    new = note(world.member_officer, subject="Mới")
    note(world.head_officer, subject="Của người khác")
    page = client_for(world.member_officer).get(reverse("notification_list"))
    assert list(page.context["notifications"]) == [new, old]
    html = page.content.decode()
    assert "Của người khác" not in html
    first = html.split('id="notification-list"')[1]
    assert first.index("Mới") < first.index("Cũ")
    assert html.count("notification-unread") == 1
    assert 'id="mark-all-read"' in html


def test_the_list_is_paginated(world, client_for):
    for index in range(PAGE_SIZE + 5):
        note(world.member_officer, subject=f"Thông báo {index}")
    client = client_for(world.member_officer)
    first = client.get(reverse("notification_list"))
    assert len(first.context["notifications"]) == PAGE_SIZE
    second = client.get(reverse("notification_list") + "?page=2")
    assert len(second.context["notifications"]) == 5


def test_an_empty_list_says_so(world, client_for):
    html = client_for(world.member_officer).get(reverse("notification_list")).content.decode()
    assert 'id="no-notification"' in html and 'id="mark-all-read"' not in html


def test_mark_all_read(world, client_for):
    for _index in range(3):
        note(world.member_officer)
    other = note(world.head_officer)
    response = client_for(world.member_officer).post(reverse("notification_list"))
    assert response["Location"] == reverse("notification_list")
    assert not Notification.objects.filter(user=world.member_officer, read_at__isnull=True)
    other.refresh_from_db()
    assert other.read_at is None


def test_opening_one_marks_it_read_and_follows_a_local_link(world, client_for):
    item = note(world.member_officer, link="/scoring/periods/7/")
    response = client_for(world.member_officer).get(reverse("notification_open", args=[item.pk]))
    assert response.status_code == 302 and response["Location"] == "/scoring/periods/7/"
    item.refresh_from_db()
    assert item.read_at is not None


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example",
        "javascript:alert(1)",
        "scoring/periods/7/",
        "",
    ],
)
def test_a_link_elsewhere_is_not_followed(world, client_for, link):
    item = note(world.member_officer, link=link)
    response = client_for(world.member_officer).get(reverse("notification_open", args=[item.pk]))
    assert response["Location"] == reverse("notification_list")
    item.refresh_from_db()
    assert item.read_at is not None


def test_someone_elses_notification_is_not_found(world, client_for):
    item = note(world.head_officer, link="/scoring/periods/7/")
    response = client_for(world.member_officer).get(reverse("notification_open", args=[item.pk]))
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.read_at is None


def test_the_list_needs_a_login(client, db):
    response = client.get(reverse("notification_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
