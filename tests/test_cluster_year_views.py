"""The cluster-year screens: setting up a year (members in the agreed order, head,
deputy, decision and its file), the year page, editing, the head's theme, members,
status, rotation, and who may open each of them."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from clusters import services
from clusters.forms.clusters import FILE_CONTENT_MISMATCH, FILE_TOO_BIG, REASON_REQUIRED
from clusters.models import ClusterYear, Membership
from core.models import ActionLog
from tests.factories import (
    ClusterFactory,
    ClusterYearFactory,
    UnitFactory,
    add_members,
    make_user,
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    """The world creates seven users; the default hasher makes that take seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def in_english(client):  # type: ignore[no-untyped-def]
    """Messages are compared with the English msgids, so show the page in English."""
    client.cookies["django_language"] = "en"
    return client


def text(message, **params) -> str:  # type: ignore[no-untyped-def]
    """A message as the page shows it (HTML-escaped)."""
    return escape(str(message) % params if params else str(message))


def field_error(content: str, field: str, message: str) -> bool:
    pattern = rf'id="error_\d+_id_{field}"><strong>{re.escape(message)}</strong>'
    return re.search(pattern, content) is not None


def members_errors(content: str) -> str:
    found = re.search(r'id="members-errors"[^>]*>(.*?)</div>\s*</div>', content, re.S)
    return found.group(1) if found else ""


def is_ticked(content: str, unit) -> bool:  # type: ignore[no-untyped-def]
    return f'value="{unit.pk}" id="member-{unit.pk}" checked' in content


def order_typed(content: str, unit) -> str:  # type: ignore[no-untyped-def]
    return re.search(rf'name="order_{unit.pk}" value="([^"]*)"', content).group(1)


def year_post(world, **overrides):  # type: ignore[no-untyped-def]
    """A valid set-up of 2025: Bắc Sơn first, Tây Sơn second, Nam Sơn unnumbered."""
    data = {
        "year": "2025",
        "theme": "Đoàn kết, đổi mới, phát triển",
        "members": [str(world.member_unit.pk), str(world.h_new.pk), str(world.deputy_unit.pk)],
        f"order_{world.member_unit.pk}": "1",
        f"order_{world.h_new.pk}": "2",
        f"order_{world.deputy_unit.pk}": "",
        "head_unit": str(world.member_unit.pk),
        "deputy_unit": str(world.h_new.pk),
        "head_selection": "rotation",
        "decision_number": "15/QĐ-UBND",
        "decision_date": "10/01/2025",
        "decision_signer": "Chủ tịch UBND tỉnh",
    }
    data.update(overrides)
    return data


def create_url(world) -> str:  # type: ignore[no-untyped-def]
    return reverse("cluster_year_create", args=[world.cluster.pk])


# Setting up a year ---------------------------------------------------------------------


def test_form_offers_next_year_and_the_units_of_that_year(world, client_for):
    ended = UnitFactory(organizer=world.org, name="UBND huyện Cũ", valid_to="2020-12-31")
    response = client_for(world.board).get(create_url(world))
    content = response.content.decode()
    assert re.search(r'name="year" value="2025"', content)
    for unit in (world.h_old, world.h_new, world.deputy_unit, world.member_unit):
        assert (
            f'<label class="form-check-label" for="member-{unit.pk}">{unit.name}</label>' in content
        )
    assert f'id="member-{ended.pk}"' not in content
    assert f'id="member-{world.other_unit.pk}"' not in content
    # Last year's members start ticked, in last year's order.
    assert is_ticked(content, world.h_new)
    assert order_typed(content, world.h_new) == "1"
    assert order_typed(content, world.h_old) == "4"
    assert not is_ticked(content, world.outsider_unit)
    assert 'id="id_head_unit"' in content and 'id="id_deputy_unit"' in content


def test_units_are_offered_in_vietnamese_order(world, client_for):
    content = client_for(world.board).get(create_url(world)).content.decode()
    names = re.findall(r'<label class="form-check-label" for="member-\d+">([^<]+)</label>', content)
    assert names == [
        "Sở Nội vụ",
        "UBND huyện Bắc Sơn",
        "UBND huyện Đông Sơn",
        "UBND huyện Nam Sơn",
        "UBND huyện Tây Sơn",
    ]


def test_new_cluster_defaults_to_this_year(world, client_for):
    cluster = ClusterFactory(organizer=world.org, name="Khối các sở")
    response = client_for(world.board).get(reverse("cluster_year_create", args=[cluster.pk]))
    year = response.context["form"].initial["year"]
    assert year == timezone.localdate().year


def test_board_sets_up_a_year_with_members_in_the_chosen_order(world, client_for):
    response = client_for(world.board).post(create_url(world), year_post(world))
    cluster_year = ClusterYear.objects.get(cluster=world.cluster, year=2025)
    assert response.status_code == 302
    assert response["Location"] == reverse("cluster_year_detail", args=[cluster_year.pk])
    members = list(cluster_year.memberships.order_by("order").values_list("unit__name", "order"))
    assert members == [
        ("UBND huyện Bắc Sơn", 1),
        ("UBND huyện Tây Sơn", 2),
        ("UBND huyện Nam Sơn", 3),
    ]
    assert cluster_year.head_unit == world.member_unit
    assert cluster_year.deputy_unit == world.h_new
    assert cluster_year.decision_number == "15/QĐ-UBND"
    assert cluster_year.decision_date.isoformat() == "2025-01-10"
    assert cluster_year.theme == "Đoàn kết, đổi mới, phát triển"
    log = ActionLog.objects.get(action="clusters.cluster_year.created", actor=world.board)
    assert log.object_id == str(cluster_year.pk)
    assert log.data["members"] == ["UBND huyện Bắc Sơn", "UBND huyện Tây Sơn", "UBND huyện Nam Sơn"]


def test_unnumbered_members_follow_in_alphabetical_order(world, client_for):
    data = year_post(
        world,
        members=[str(u.pk) for u in (world.h_new, world.deputy_unit, world.h_old)],
        head_unit=str(world.h_old.pk),
        deputy_unit="",
        **{
            f"order_{world.h_new.pk}": "",
            f"order_{world.deputy_unit.pk}": "",
            f"order_{world.h_old.pk}": "7",
        },
    )
    client_for(world.board).post(create_url(world), data)
    cluster_year = ClusterYear.objects.get(cluster=world.cluster, year=2025)
    assert [m.unit for m in cluster_year.memberships.order_by("order")] == [
        world.h_old,  # numbered
        world.deputy_unit,  # Nam Sơn before Tây Sơn
        world.h_new,
    ]


def test_head_not_a_member_is_refused_and_the_form_keeps_everything(world, client_for):
    client = in_english(client_for(world.board))
    data = year_post(world, head_unit=str(world.outsider_unit.pk))
    response = client.post(create_url(world), data)
    content = response.content.decode()
    assert response.status_code == 200
    assert field_error(content, "head_unit", text(services.HEAD_NOT_MEMBER))
    assert not ClusterYear.objects.filter(cluster=world.cluster, year=2025).exists()
    assert not Membership.objects.filter(year=2025).exists()
    assert not ActionLog.objects.filter(action="clusters.cluster_year.created").exists()
    # Ticks, order numbers and the other fields are as typed.
    assert is_ticked(content, world.member_unit)
    assert is_ticked(content, world.h_new)
    assert is_ticked(content, world.deputy_unit)
    assert not is_ticked(content, world.h_old)
    assert not is_ticked(content, world.outsider_unit)
    assert order_typed(content, world.member_unit) == "1"
    assert order_typed(content, world.h_new) == "2"
    assert order_typed(content, world.deputy_unit) == ""
    assert 'value="15/QĐ-UBND"' in content
    assert 'value="10/01/2025"' in content
    assert "Đoàn kết, đổi mới, phát triển</textarea>" in content
    assert re.search(rf'<option value="{world.outsider_unit.pk}" selected>', content)


def test_head_and_deputy_must_differ(world, client_for):
    client = in_english(client_for(world.board))
    data = year_post(world, deputy_unit=str(world.member_unit.pk))
    content = client.post(create_url(world), data).content.decode()
    assert field_error(content, "deputy_unit", text(services.HEAD_IS_DEPUTY))
    assert not ClusterYear.objects.filter(cluster=world.cluster, year=2025).exists()


def test_unit_in_another_cluster_that_year_is_refused(world, client_for):
    block = ClusterFactory(organizer=world.org, name="Khối các sở")
    client = in_english(client_for(world.board))
    data = year_post(
        world,
        year="2024",
        members=[str(world.outsider_unit.pk), str(world.member_unit.pk)],
        head_unit=str(world.outsider_unit.pk),
        deputy_unit="",
        decision_date="10/01/2024",
    )
    response = client.post(reverse("cluster_year_create", args=[block.pk]), data)
    errors = members_errors(response.content.decode())
    expected = text(
        services.UNIT_IN_OTHER_CLUSTER,
        unit=world.member_unit.name,
        cluster=world.cluster.name,
        year=2024,
    )
    assert expected in errors
    assert not ClusterYear.objects.filter(cluster=block).exists()
    assert Membership.objects.get(unit=world.member_unit, year=2024).cluster_year == world.this_year


def test_decision_date_outside_the_window_is_refused(world, client_for):
    client = in_english(client_for(world.board))
    data = year_post(world, decision_date="30/09/2024")
    content = client.post(create_url(world), data).content.decode()
    message = text(services.DECISION_DATE_OUTSIDE, before=2024, year=2025)
    assert field_error(content, "decision_date", message)
    assert not ClusterYear.objects.filter(cluster=world.cluster, year=2025).exists()


def test_decision_date_in_the_autumn_before_is_accepted(world, client_for):
    client_for(world.board).post(create_url(world), year_post(world, decision_date="01/10/2024"))
    assert ClusterYear.objects.get(cluster=world.cluster, year=2025).decision_date.day == 1


def test_existing_year_is_refused_next_to_the_year(world, client_for):
    client = in_english(client_for(world.board))
    data = year_post(world, year="2024", decision_date="10/01/2024")
    content = client.post(create_url(world), data).content.decode()
    assert field_error(content, "year", text(services.DUPLICATE_YEAR, year=2024))


def test_bad_order_number_is_refused(world, client_for):
    client = in_english(client_for(world.board))
    data = year_post(world, **{f"order_{world.h_new.pk}": "hai"})
    content = client.post(create_url(world), data).content.decode()
    assert world.h_new.name in members_errors(content)
    assert order_typed(content, world.h_new) == "hai"
    assert not ClusterYear.objects.filter(year=2025).exists()


def test_decision_file_is_stored_and_served_to_members(world, client_for, client):
    data = year_post(world)
    data["decision_file"] = SimpleUploadedFile("qd-15.pdf", PDF, content_type="application/pdf")
    client_for(world.board).post(create_url(world), data)
    cluster_year = ClusterYear.objects.get(cluster=world.cluster, year=2025)
    assert cluster_year.decision_file.name.endswith(".pdf")
    url = reverse("cluster_year_decision_file", args=[cluster_year.pk])
    page = client_for(world.member_officer).get(
        reverse("cluster_year_detail", args=[cluster_year.pk])
    )
    assert url in page.content.decode()
    response = client_for(world.member_officer).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF
    assert client_for(world.other_board).get(url).status_code == 404
    assert client_for(world.outsider_officer).get(url).status_code == 404


def test_disguised_file_is_refused(world, client_for):
    client = in_english(client_for(world.board))
    data = year_post(world)
    data["decision_file"] = SimpleUploadedFile(
        "quyet-dinh.pdf", b"just some text, not a PDF", content_type="application/pdf"
    )
    content = client.post(create_url(world), data).content.decode()
    assert field_error(content, "decision_file", text(FILE_CONTENT_MISMATCH, name="quyet-dinh.pdf"))
    assert not ClusterYear.objects.filter(year=2025).exists()


def test_image_decision_is_accepted_and_oversized_file_refused(world, client_for, settings):
    client = in_english(client_for(world.board))
    settings.MAX_UPLOAD_BYTES = 1024
    big = year_post(world)
    big["decision_file"] = SimpleUploadedFile("qd.pdf", PDF + b"0" * 2000)
    content = client.post(create_url(world), big).content.decode()
    assert field_error(content, "decision_file", text(FILE_TOO_BIG, limit="1.0\xa0KB"))
    assert not ClusterYear.objects.filter(year=2025).exists()
    png = year_post(world)
    png["decision_file"] = SimpleUploadedFile("qd.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    client.post(create_url(world), png)
    cluster_year = ClusterYear.objects.get(year=2025)
    response = client.get(reverse("cluster_year_decision_file", args=[cluster_year.pk]))
    assert response["Content-Type"] == "image/png"


def test_no_decision_file_is_404(world, client_for):
    url = reverse("cluster_year_decision_file", args=[world.this_year.pk])
    assert client_for(world.board).get(url).status_code == 404


def test_picker_reloads_for_another_year_keeping_ticks(world, client_for):
    """The year box asks (htmx) for the page with the ticks so far: they stay."""
    ended = UnitFactory(
        organizer=world.org, name="UBND huyện Cũ", valid_from="2000-01-01", valid_to="2021-06-30"
    )
    query = {
        "year": "2021",
        "picker": "1",
        "members": [str(world.h_new.pk)],
        f"order_{world.h_new.pk}": "3",
        "head_unit": str(world.h_new.pk),
    }
    content = client_for(world.board).get(create_url(world), query).content.decode()
    assert f'id="member-{ended.pk}"' in content
    assert is_ticked(content, world.h_new)
    assert not is_ticked(content, world.h_old)
    assert order_typed(content, world.h_new) == "3"
    assert re.search(rf'<option value="{world.h_new.pk}" selected>', content)


# The year page ------------------------------------------------------------------------


def test_year_page_shows_members_in_order_head_deputy_and_roles(world, client_for):
    ClusterYear.objects.filter(pk=world.this_year.pk).update(
        theme="Chủ đề 2024", decision_number="7/QĐ-UBND", decision_date="2024-01-05"
    )
    response = client_for(world.head_officer).get(
        reverse("cluster_year_detail", args=[world.this_year.pk])
    )
    content = response.content.decode()
    rows = re.findall(
        r'<td class="member-order">(\d+)</td>\s*'
        r'<th scope="row" class="fw-normal member-name">([^<]+)</th>',
        content,
    )
    assert rows == [
        ("1", "UBND huyện Tây Sơn"),
        ("2", "UBND huyện Nam Sơn"),
        ("3", "UBND huyện Bắc Sơn"),
        ("4", "UBND huyện Đông Sơn"),
    ]
    assert f'<span class="head-unit">{world.h_new.name}</span>' in content
    assert f'<span class="deputy-unit">{world.deputy_unit.name}</span>' in content
    assert "7/QĐ-UBND" in content and "05/01/2024" in content
    assert "Chủ đề 2024" in content
    # The head's people may edit the theme, not the rest.
    assert reverse("cluster_year_theme", args=[world.this_year.pk]) in content
    assert reverse("cluster_year_edit", args=[world.this_year.pk]) not in content
    assert reverse("cluster_year_status", args=[world.this_year.pk]) not in content


def test_year_page_names_the_users_roles(world, client_for):
    client = in_english(client_for(world.head_officer))
    content = client.get(reverse("cluster_year_detail", args=[world.this_year.pk]))
    roles = re.search(r'class="mb-0 user-roles">(.*?)</p>', content.content.decode(), re.S)
    assert "cluster head" in roles.group(1)
    assert "officer of a member unit" in roles.group(1)


def test_board_sees_the_board_buttons(world, client_for):
    content = client_for(world.board).get(reverse("cluster_year_detail", args=[world.this_year.pk]))
    content = content.content.decode()
    for name in ("cluster_year_edit", "cluster_year_members", "cluster_year_rotation"):
        assert reverse(name, args=[world.this_year.pk]) in content
    assert reverse("cluster_year_status", args=[world.this_year.pk]) in content
    assert "data-confirm=" in content


def test_closed_year_shows_the_banner_and_no_edit_buttons(world, client_for):
    content = client_for(world.board).get(reverse("cluster_year_detail", args=[world.last_year.pk]))
    content = content.content.decode()
    assert "closed-banner" in content
    assert reverse("cluster_year_edit", args=[world.last_year.pk]) not in content
    assert reverse("cluster_year_members", args=[world.last_year.pk]) not in content
    # Reopening is still offered to the board.
    assert 'name="status" value="open"' in content


# Edit, theme, members -----------------------------------------------------------------


def test_board_edits_head_deputy_and_decision(world, client_for):
    url = reverse("cluster_year_edit", args=[world.this_year.pk])
    client = client_for(world.board)
    page = client.get(url).content.decode()
    assert re.search(rf'<option value="{world.h_new.pk}" selected>', page)
    response = client.post(
        url,
        {
            "theme": "Chủ đề mới",
            "head_unit": str(world.member_unit.pk),
            "deputy_unit": str(world.h_old.pk),
            "head_selection": "election",
            "decision_number": "3/QĐ-UBND",
            "decision_date": "15/12/2023",
            "decision_signer": "Chủ tịch",
            "decision_file": SimpleUploadedFile("qd.pdf", PDF),
        },
    )
    assert response.status_code == 302
    world.this_year.refresh_from_db()
    assert world.this_year.head_unit == world.member_unit
    assert world.this_year.deputy_unit == world.h_old
    assert world.this_year.head_selection == "election"
    assert world.this_year.decision_file
    log = ActionLog.objects.get(action="clusters.cluster_year.updated")
    assert log.data["head_unit"]["new"]["repr"] == world.member_unit.name
    # The member may now download it.
    download = client_for(world.member_officer).get(
        reverse("cluster_year_decision_file", args=[world.this_year.pk])
    )
    assert download.status_code == 200


def test_edit_refuses_a_head_outside_the_members(world, client_for):
    client = in_english(client_for(world.board))
    url = reverse("cluster_year_edit", args=[world.this_year.pk])
    response = client.post(
        url, {"head_unit": str(world.outsider_unit.pk), "head_selection": "rotation"}
    )
    assert field_error(response.content.decode(), "head_unit", text(services.HEAD_NOT_MEMBER))
    world.this_year.refresh_from_db()
    assert world.this_year.head_unit == world.h_new


def test_head_officer_edits_the_theme_of_the_open_year(world, client_for):
    url = reverse("cluster_year_theme", args=[world.this_year.pk])
    client = client_for(world.head_officer)
    assert client.get(url).status_code == 200
    response = client.post(url, {"theme": "Đoàn kết,  sáng tạo"})
    assert response.status_code == 302
    world.this_year.refresh_from_db()
    assert world.this_year.theme == "Đoàn kết, sáng tạo"
    assert ActionLog.objects.filter(
        action="clusters.cluster_year.updated", actor=world.head_officer
    ).exists()


def test_last_head_cannot_edit_the_theme_of_the_closed_year(world, client_for):
    url = reverse("cluster_year_theme", args=[world.last_year.pk])
    client = client_for(world.last_head_officer)
    assert client.get(url).status_code == 403
    assert client.post(url, {"theme": "x"}).status_code == 403
    world.last_year.refresh_from_db()
    assert world.last_year.theme == ""


def test_board_changes_members_and_their_order(world, client_for):
    url = reverse("cluster_year_members", args=[world.this_year.pk])
    client = client_for(world.board)
    page = client.get(url).content.decode()
    assert is_ticked(page, world.h_old) and order_typed(page, world.h_old) == "4"
    response = client.post(
        url,
        {
            "members": [str(u.pk) for u in (world.h_new, world.deputy_unit, world.outsider_unit)],
            f"order_{world.outsider_unit.pk}": "1",
            f"order_{world.h_new.pk}": "2",
            f"order_{world.deputy_unit.pk}": "3",
            f"order_{world.h_old.pk}": "4",  # not ticked: ignored
        },
    )
    assert response.status_code == 302
    assert [m.unit for m in world.this_year.memberships.order_by("order")] == [
        world.outsider_unit,
        world.h_new,
        world.deputy_unit,
    ]
    assert ActionLog.objects.filter(action="clusters.cluster_year.members_changed").exists()


def test_removing_the_head_from_members_is_refused(world, client_for):
    client = in_english(client_for(world.board))
    url = reverse("cluster_year_members", args=[world.this_year.pk])
    response = client.post(url, {"members": [str(world.deputy_unit.pk), str(world.member_unit.pk)]})
    content = response.content.decode()
    assert text(services.HEAD_NOT_MEMBER) in content
    assert is_ticked(content, world.deputy_unit) and not is_ticked(content, world.h_new)
    assert world.this_year.memberships.count() == 4


# Status ---------------------------------------------------------------------------------


def test_closing_a_year_makes_edits_refused(world, client_for):
    client = in_english(client_for(world.board))
    status_url = reverse("cluster_year_status", args=[world.this_year.pk])
    response = client.post(status_url, {"status": "closed", "reason": ""})
    assert response.status_code == 302
    world.this_year.refresh_from_db()
    assert world.this_year.status == "closed"
    assert ActionLog.objects.filter(action="clusters.cluster_year.closed").exists()
    page = client.get(reverse("cluster_year_detail", args=[world.this_year.pk])).content.decode()
    assert "closed-banner" in page
    edit = client.post(
        reverse("cluster_year_edit", args=[world.this_year.pk]),
        {
            "theme": "Sửa sau khi khóa",
            "head_unit": str(world.h_new.pk),
            "head_selection": "rotation",
        },
    )
    assert text(services.YEAR_CLOSED, year=2024) in edit.content.decode()
    world.this_year.refresh_from_db()
    assert world.this_year.theme == ""
    # The head's people lose the theme page with the year closed.
    theme_url = reverse("cluster_year_theme", args=[world.this_year.pk])
    assert client_for(world.head_officer).get(theme_url).status_code == 403


def test_reopening_needs_a_reason(world, client_for):
    client = in_english(client_for(world.board))
    url = reverse("cluster_year_status", args=[world.last_year.pk])
    response = client.post(url, {"status": "open", "reason": "  "})
    assert response.status_code == 200
    assert field_error(response.content.decode(), "reason", text(REASON_REQUIRED))
    world.last_year.refresh_from_db()
    assert world.last_year.status == "closed"
    client.post(url, {"status": "open", "reason": "Sửa sai sót điểm"})
    world.last_year.refresh_from_db()
    assert world.last_year.status == "open"
    log = ActionLog.objects.get(action="clusters.cluster_year.reopened")
    assert log.data["reason"] == "Sửa sai sót điểm"


def test_status_is_post_only(world, client_for):
    url = reverse("cluster_year_status", args=[world.this_year.pk])
    assert client_for(world.board).get(url).status_code == 405


# Rotation -------------------------------------------------------------------------------


def test_rotation_preview_shows_the_heads_in_order(world, client_for):
    url = reverse("cluster_year_rotation", args=[world.this_year.pk])
    content = client_for(world.board).get(url, {"years": "3"}).content.decode()
    rows = re.findall(
        r'<tr data-year="(\d+)"><th scope="row">\d+</th><td class="head-unit">([^<]+)</td>'
        r'<td class="deputy-unit">([^<]+)</td>',
        content,
    )
    assert rows == [
        ("2025", "UBND huyện Nam Sơn", "UBND huyện Bắc Sơn"),
        ("2026", "UBND huyện Bắc Sơn", "UBND huyện Đông Sơn"),
        ("2027", "UBND huyện Đông Sơn", "UBND huyện Tây Sơn"),
    ]


def test_rotation_preview_defaults_to_five_years_and_caps_at_twenty(world, client_for):
    url = reverse("cluster_year_rotation", args=[world.this_year.pk])
    client = client_for(world.board)
    assert len(client.get(url).context["plan"]) == 5
    assert len(client.get(url, {"years": "20"}).context["plan"]) == 20
    assert len(client.get(url, {"years": "50"}).context["plan"]) == 5


def test_apply_next_creates_the_next_year_with_the_rotated_head(world, client_for):
    url = reverse("cluster_year_rotation", args=[world.this_year.pk])
    response = client_for(world.board).post(url)
    next_year = ClusterYear.objects.get(cluster=world.cluster, year=2025)
    assert response["Location"] == reverse("cluster_year_detail", args=[next_year.pk])
    assert next_year.head_unit == world.deputy_unit
    assert next_year.deputy_unit == world.member_unit
    assert [m.unit for m in next_year.memberships.order_by("order")] == [
        world.h_new,
        world.deputy_unit,
        world.member_unit,
        world.h_old,
    ]


def test_apply_next_refused_when_next_year_has_a_head(world, client_for):
    client = in_english(client_for(world.board))
    url = reverse("cluster_year_rotation", args=[world.last_year.pk])
    page = client.get(url).content.decode()
    assert "data-confirm=" not in page  # no "apply" button
    assert f'href="{reverse("cluster_year_detail", args=[world.this_year.pk])}"' in page
    response = client.post(url, follow=True)
    assert text(services.NEXT_YEAR_HAS_HEAD, year=2024) in response.content.decode()
    world.this_year.refresh_from_db()
    assert world.this_year.head_unit == world.h_new


def test_rotation_impossible_shows_the_reason(world, client_for):
    lonely = ClusterYearFactory(
        cluster=ClusterFactory(organizer=world.org, name="Cụm nhỏ"), year=2024
    )
    add_members(lonely, [world.outsider_unit])
    client = in_english(client_for(world.board))
    url = reverse("cluster_year_rotation", args=[lonely.pk])
    content = client.get(url).content.decode()
    assert text(services.ROTATION_NEEDS_ORDER) in content
    response = client.post(url, follow=True)
    assert text(services.ROTATION_NEEDS_ORDER) in response.content.decode()
    assert not ClusterYear.objects.filter(cluster=lonely.cluster, year=2025).exists()


def test_elected_head_gets_a_suggestion_not_a_rotation(world, client_for):
    ClusterYear.objects.filter(pk=world.this_year.pk).update(head_selection="election")
    client = client_for(world.board)
    url = reverse("cluster_year_rotation", args=[world.this_year.pk])
    content = client.get(url).content.decode()
    create = reverse("cluster_year_create", args=[world.cluster.pk])
    assert f"{create}?year=2025&amp;head_unit={world.deputy_unit.pk}" in content
    assert 'data-confirm="' not in content
    client.post(url)
    assert not ClusterYear.objects.filter(cluster=world.cluster, year=2025).exists()
    # Following the suggestion pre-selects the suggested head.
    follow = client.get(create, {"year": "2025", "head_unit": world.deputy_unit.pk})
    assert re.search(rf'<option value="{world.deputy_unit.pk}" selected>', follow.content.decode())


# Who may open what ------------------------------------------------------------------------


def _year_urls(world):  # type: ignore[no-untyped-def]
    pk = world.this_year.pk
    return {
        name: reverse(name, args=[pk])
        for name in (
            "cluster_year_detail",
            "cluster_year_edit",
            "cluster_year_theme",
            "cluster_year_members",
            "cluster_year_rotation",
            "cluster_year_decision_file",
            "cluster_year_status",
        )
    }


YEAR_PAGES = [
    "cluster_year_detail",
    "cluster_year_edit",
    "cluster_year_theme",
    "cluster_year_members",
    "cluster_year_rotation",
    "cluster_year_decision_file",
    "cluster_year_status",
]


@pytest.mark.parametrize("name", YEAR_PAGES)
def test_year_pages_need_login(world, client, name):
    url = _year_urls(world)[name]
    for response in (client.get(url), client.post(url, {"status": "closed"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    world.this_year.refresh_from_db()
    assert world.this_year.status == "open"


@pytest.mark.parametrize("name", YEAR_PAGES)
def test_year_pages_are_404_to_another_organizer(world, client_for, name):
    url = _year_urls(world)[name]
    client = client_for(world.other_board)
    if name != "cluster_year_status":  # POST only
        assert client.get(url).status_code == 404
    assert client.post(url, {"status": "closed"}).status_code == 404
    world.this_year.refresh_from_db()
    assert world.this_year.status == "open"


@pytest.mark.parametrize("name", YEAR_PAGES)
def test_year_pages_are_404_to_a_unit_outside_the_year(world, client_for, name):
    client = client_for(world.outsider_officer)
    url = _year_urls(world)[name]
    response = client.post(url, {"status": "closed"}) if "status" in name else client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "cluster_year_edit",
        "cluster_year_theme",
        "cluster_year_members",
        "cluster_year_rotation",
        "cluster_year_status",
    ],
)
@pytest.mark.parametrize("persona", ["member_officer", "member_leader"])
def test_members_may_look_but_not_change(world, client_for, name, persona):
    client = client_for(getattr(world, persona))
    detail = client.get(reverse("cluster_year_detail", args=[world.this_year.pk]))
    assert world.member_unit.name in detail.content.decode()
    url = _year_urls(world)[name]
    if name != "cluster_year_status":
        assert client.get(url).status_code == 403
    assert client.post(url, {"status": "closed", "theme": "x"}).status_code == 403
    world.this_year.refresh_from_db()
    assert world.this_year.status == "open" and world.this_year.theme == ""
    assert not ClusterYear.objects.filter(year=2025).exists()


def test_deputy_may_not_edit_the_theme(world, client_for):
    deputy_officer = make_user("dung", role="officer", unit=world.deputy_unit)
    url = reverse("cluster_year_theme", args=[world.this_year.pk])
    assert client_for(deputy_officer).get(url).status_code == 403


@pytest.mark.parametrize(
    "name",
    ["cluster_year_edit", "cluster_year_members", "cluster_year_rotation", "cluster_year_theme"],
)
def test_board_opens_every_year_page(world, client_for, name):
    response = client_for(world.board).get(_year_urls(world)[name])
    assert response.status_code == 200
    assert world.cluster.name in response.content.decode()
