"""The activity log screen: the organizer's entries, newest first, with filters."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from clusters import services
from clusters.models import Unit
from clusters.permissions import ACTIVE_ORGANIZER_SESSION_KEY
from clusters.selectors.audit import present
from core.audit import log_action
from core.models import ActionLog
from tests.factories import PASSWORD

URL = "/activity/"


def actions(response) -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(r'<tr data-action="([^"]+)"', response.content.decode())


def entry_html(response, action: str) -> str:  # type: ignore[no-untyped-def]
    """The HTML of the first (newest) row of ``action``, up to the next row."""
    page = response.content.decode()
    start = page.index(f'<tr data-action="{action}"')
    end = page.find('<tr data-action="', start + 1)
    return page[start : end if end != -1 else len(page)]


def new_unit(world, name: str = "UBND xã Đức Xuân", actor=None) -> Unit:  # type: ignore[no-untyped-def]
    return services.unit_create(
        actor=actor or world.board, organizer=world.org, name=name, kind=Unit.Kind.COMMUNE
    )


# Access -------------------------------------------------------------------------------------


def test_it_sends_anonymous_users_to_log_in(world, client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={URL}"


@pytest.mark.parametrize("persona", ["member_officer", "head_officer", "member_leader"])
def test_unit_people_are_refused(world, client_for, persona):
    assert client_for(world.personas()[persona]).get(URL).status_code == 403


def test_url_name_is_audit_log():
    assert reverse("audit_log") == URL


# What is listed --------------------------------------------------------------------------------


def test_a_change_made_in_the_app_is_listed_with_old_and_new_values(world, client_for):
    unit = new_unit(world)
    services.unit_update(actor=world.board, unit=unit, name="UBND phường Đức Xuân", code="DX")
    response = client_for(world.board).get(URL)
    assert actions(response)[:2] == ["clusters.unit.updated", "clusters.unit.created"]

    updated = entry_html(response, "clusters.unit.updated")
    assert "alice" in updated
    assert "UBND phường Đức Xuân" in updated  # the object
    old = re.findall(r'class="audit-old[^"]*"><del>(.*?)</del>', updated)
    new = re.findall(r'class="audit-new">(.*?)</td>', updated)
    assert "UBND xã Đức Xuân" in old
    assert "UBND phường Đức Xuân" in new
    assert "DX" in new

    created = entry_html(response, "clusters.unit.created")
    assert "UBND xã Đức Xuân" in created
    assert "01/01/2000" in created  # valid_from shown dd/mm/yyyy


def test_time_is_shown_in_vietnam_time(world, client_for):
    new_unit(world)
    entry = ActionLog.objects.get(action="clusters.unit.created")
    response = client_for(world.board).get(URL)
    local = timezone.localtime(entry.created_at, timezone=dt.timezone(dt.timedelta(hours=7)))
    assert local.strftime("%d/%m/%Y %H:%M") in entry_html(response, "clusters.unit.created")


def test_other_organizers_entries_are_never_shown(world, client_for):
    new_unit(world, "UBND xã Của Tỉnh An Phú")
    services.unit_create(
        actor=world.other_board,
        organizer=world.other_org,
        name="UBND xã Của Tỉnh Bình Lâm",
        kind=Unit.Kind.COMMUNE,
    )
    ours = client_for(world.board).get(URL).content.decode()
    assert "UBND xã Của Tỉnh An Phú" in ours
    assert "UBND xã Của Tỉnh Bình Lâm" not in ours
    theirs = client_for(world.other_board).get(URL).content.decode()
    assert "UBND xã Của Tỉnh Bình Lâm" in theirs
    assert "UBND xã Của Tỉnh An Phú" not in theirs


def test_superuser_sees_the_active_organizers_log(world, client):
    new_unit(world, "UBND xã Của Tỉnh An Phú")
    services.unit_create(
        actor=world.other_board,
        organizer=world.other_org,
        name="UBND xã Của Tỉnh Bình Lâm",
        kind=Unit.Kind.COMMUNE,
    )
    root = get_user_model().objects.create_superuser("root", "root@example.vn", PASSWORD)
    client.force_login(root)
    session = client.session
    session[ACTIVE_ORGANIZER_SESSION_KEY] = world.other_org.pk
    session.save()
    page = client.get(URL).content.decode()
    assert "UBND xã Của Tỉnh Bình Lâm" in page
    assert "UBND xã Của Tỉnh An Phú" not in page


def test_newest_first_and_unknown_actions_shown_raw(world, client_for):
    new_unit(world)
    log_action(
        actor=world.board,
        action="scoring.sheet.recounted",
        scope_id=world.org.pk,
        data={"sheets": 3, "note": "đếm lại"},
    )
    response = client_for(world.board).get(URL)
    assert actions(response) == ["scoring.sheet.recounted", "clusters.unit.created"]
    raw = entry_html(response, "scoring.sheet.recounted")
    assert "<code>scoring.sheet.recounted</code>" in raw
    assert "sheets" in raw and "3" in raw
    assert "đếm lại" in raw


def test_people_changes_show_role_labels_and_statuses(world, client_for):
    person = world.member_officer
    services.user_update(
        actor=world.board,
        user=person,
        full_name="Người minh",
        email="",
        is_active=False,
        role="leader",
        unit=world.member_unit,
    )
    row = entry_html(client_for(world.board).get(URL), "clusters.user.updated")
    assert "minh" in row
    assert row.count("audit-new") == 2  # role and is_active changed, nothing else
    # Roles read as their labels, not the stored values.
    assert "<del>officer</del>" not in row
    assert '"audit-new">leader<' not in row


def test_page_shows_fifty_entries_at_a_time(world, client_for):
    for number in range(55):
        log_action(
            actor=world.board,
            action="clusters.unit.updated",
            scope_id=world.org.pk,
            data={"code": {"old": str(number), "new": str(number + 1)}},
        )
    client = client_for(world.board)
    assert len(actions(client.get(URL))) == 50
    assert len(actions(client.get(URL, {"page": 2}))) == 5


def test_query_count_does_not_grow_with_entries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.board)
    new_unit(world)
    with CaptureQueriesContext(connection) as small:
        client.get(URL)
    for number in range(40):
        unit = new_unit(world, f"UBND xã Số {number}")
        services.unit_update(actor=world.board, unit=unit, code=f"X{number}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(URL)
    assert len(actions(response)) == 50


# Filters -------------------------------------------------------------------------------------


@pytest.fixture
def history(world):  # type: ignore[no-untyped-def]
    """A unit, a cluster change and a cluster-year change by alice; a unit by hana."""
    new_unit(world, "UBND xã Đức Xuân")
    services.cluster_update(actor=world.board, cluster=world.cluster, description="Mô tả mới")
    services.cluster_year_update(
        actor=world.board, cluster_year=world.this_year, theme="Năm chuyển đổi số"
    )
    new_unit(world, "UBND xã Dương Quang", actor=world.head_officer)
    return world


def test_filter_by_area(history, client_for):
    client = client_for(history.board)
    assert actions(client.get(URL, {"action": "clusters.cluster"})) == ["clusters.cluster.updated"]
    assert actions(client.get(URL, {"action": "clusters.cluster_year"})) == [
        "clusters.cluster_year.updated"
    ]
    assert actions(client.get(URL, {"action": "clusters.unit"})) == ["clusters.unit.created"] * 2


def test_filter_by_user(history, client_for):
    response = client_for(history.board).get(URL, {"user": "HANA"})
    assert actions(response) == ["clusters.unit.created"]
    assert "UBND xã Dương Quang" in response.content.decode()


def test_filter_by_object_name_is_accent_free(history, client_for):
    client = client_for(history.board)
    response = client.get(URL, {"q": "duc xuan"})
    assert actions(response) == ["clusters.unit.created"]
    assert "UBND xã Đức Xuân" in response.content.decode()
    by_cluster = actions(client.get(URL, {"q": "cum thi dua cac huyen"}))
    assert sorted(by_cluster) == ["clusters.cluster.updated", "clusters.cluster_year.updated"]


def test_filter_by_dates(world, client_for):
    def logged_at(when: dt.datetime, name: str) -> None:
        with mock.patch("django.utils.timezone.now", return_value=when):
            new_unit(world, name)

    vietnam = dt.timezone(dt.timedelta(hours=7))
    # 23:30 on 31/12/2023 in Vietnam is still 2023 there (16:30 UTC).
    logged_at(dt.datetime(2023, 12, 31, 23, 30, tzinfo=vietnam), "UBND xã Cuối Năm")
    logged_at(dt.datetime(2024, 1, 1, 0, 30, tzinfo=vietnam), "UBND xã Đầu Năm")
    logged_at(dt.datetime(2024, 3, 15, 9, 0, tzinfo=vietnam), "UBND xã Tháng Ba")
    client = client_for(world.board)

    def objects(**filters: str) -> list[str]:
        page = client.get(URL, filters).content.decode()
        return re.findall(r'class="audit-object">(.*?)</td>', page)

    assert objects(date_to="31/12/2023") == ["UBND xã Cuối Năm"]
    assert objects(date_from="01/01/2024", date_to="01/01/2024") == ["UBND xã Đầu Năm"]
    assert objects(date_from="02/01/2024") == ["UBND xã Tháng Ba"]
    assert "31/12/2023 23:30" in client.get(URL, {"date_to": "31/12/2023"}).content.decode()


def test_a_bad_filter_value_shows_everything(history, client_for):
    response = client_for(history.board).get(URL, {"date_from": "31/02/2024"})
    assert len(actions(response)) == 4


# Presentation -------------------------------------------------------------------------------


def test_present_reads_changes_and_details(world):
    entry = log_action(
        actor=world.board,
        action="clusters.cluster_year.closed",
        obj=world.this_year,
        scope_id=world.org.pk,
        data={"status": {"old": "open", "new": "closed"}, "reason": "Đã bàn giao"},
    )
    with translation.override("en"):
        row = present(entry)
    assert row.known
    assert row.label == "Year closed"
    assert [(c.field, c.old, c.new) for c in row.changes] == [
        ("Status", "Open", "Closed (handed over)")
    ]
    assert [(d.key, d.value) for d in row.details] == [("Reason", "Đã bàn giao")]


def test_present_shows_model_references_lists_and_empty_values(world):
    entry = log_action(
        actor=world.board,
        action="clusters.cluster_year.members_changed",
        obj=world.this_year,
        scope_id=world.org.pk,
        data={
            "members": {"old": [], "new": ["UBND huyện Tây Sơn", "UBND huyện Nam Sơn"]},
            "head_unit": {"old": None, "new": world.h_new},
        },
    )
    with translation.override("en"):
        row = present(entry)
    assert [(c.old, c.new) for c in row.changes] == [
        ("—", "UBND huyện Tây Sơn, UBND huyện Nam Sơn"),
        ("—", "UBND huyện Tây Sơn"),
    ]


def test_covenant_actions_read_in_words_and_have_their_own_area(world, client_for):
    from covenants.services.drafting import covenant_create

    covenant_create(actor=world.board, cluster_year=world.this_year, title="Giao ước thi đua 2024")
    client = client_for(world.board)

    page = client.get("/activity/").content.decode()
    only_covenants = client.get("/activity/", {"action": "covenants.covenant"}).content.decode()

    assert "Soạn giao ước" in page
    assert '<option value="covenants.covenant">Giao ước thi đua</option>' in page
    assert "Soạn giao ước" in only_covenants
    assert "Đăng ký đơn vị" not in only_covenants


def test_covenant_details_read_in_words_not_as_stored_keys(world, client_for):
    from covenants.models import CovenantSection
    from covenants.services.drafting import covenant_create
    from covenants.services.workflow import covenant_circulate

    covenant = covenant_create(
        actor=world.board, cluster_year=world.this_year, title="Giao ước thi đua 2024"
    )
    CovenantSection.objects.create(covenant=covenant, order=1, heading="Về kinh tế")
    covenant_circulate(actor=world.board, covenant=covenant)

    page = client_for(world.board).get("/activity/", {"action": "covenants.covenant"})
    html = page.content.decode()

    assert "Trạng thái" in html
    assert "Gửi xin ý kiến" in html or "Đang lấy ý kiến" in html
    assert ">state<" not in html and ">circulated<" not in html
