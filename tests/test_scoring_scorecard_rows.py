"""The scorecard page's speed-ups must never show anything stale: rendered rows are
cached under a digest of their content (``scoring/templatetags/scorecard_rows.py``), a
frozen rubric's tree is kept per process (``rubric_criteria``), the user's profile is
read once per request (``profile_of``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters.roles import profile_of
from scoring.models import Criterion, Entry
from scoring.selectors.rubrics import rubric_criteria
from scoring.selectors.scorecards import Row
from scoring.services.scorecards import entry_save, evidence_reference
from scoring.templatetags import scorecard_rows
from tests.factories import PASSWORD, make_user
from tests.scoring_world import scoring_world

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def sw(world):  # type: ignore[no-untyped-def]
    return scoring_world(world)


def html_of(client, card) -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse("scorecard_detail", args=[card.pk]))
    assert response.status_code == 200
    return response.content.decode()


def row_html(html: str, entry: Entry) -> str:
    match = re.search(rf'<tr id="entry-{entry.pk}".*?</tr>', html, re.S)
    assert match, f"no row for entry {entry.pk}"
    return match.group(0)


def test_a_value_saved_after_the_page_was_cached_shows_at_once(sw, world, client_for):
    card = sw.card(world.member_unit)
    entry = sw.entry(world.member_unit, "1")
    client = client_for(world.member_officer)
    assert 'value=""' in row_html(html_of(client, card), entry)
    entry_save(
        actor=world.member_officer,
        entry=entry,
        version=entry.version,
        values={"points": "7,5", "comment": "Đã làm đủ"},
    )
    row = row_html(html_of(client, card), entry)
    assert 'value="7,5"' in row and "Đã làm đủ" in row


def test_evidence_attached_and_final_points_show_without_any_invalidation(sw, world, client_for):
    card = sw.card(world.member_unit)
    entry = sw.entry(world.member_unit, "1")
    client = client_for(world.member_officer)
    before = row_html(html_of(client, card), entry)
    evidence_reference(
        actor=world.member_officer,
        scorecard=card,
        doc_number="12/QĐ-UBND",
        doc_date=dt.date(2024, 3, 1),
        doc_issuer="UBND huyện",
        entries=[entry],
    )
    after = row_html(html_of(client, card), entry)
    assert "12/QĐ-UBND" not in before and "12/QĐ-UBND" in after
    Entry.objects.filter(pk=entry.pk).update(final_points=D("3"), final_reason="Thiếu hồ sơ")
    again = html_of(client, card)
    assert "Thiếu hồ sơ" in row_html(again, entry)


def test_rows_cached_for_one_person_carry_the_other_persons_csrf_token(sw, world):
    card = sw.card(world.member_unit)
    entry = sw.entry(world.member_unit, "1")
    second = make_user("canbo_thu_hai", unit=world.member_unit, role="officer")  # same unit
    first_client, second_client = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first_client.force_login(world.member_officer)
    second_client.force_login(second)
    html_of(first_client, card)  # fills the cache
    row = row_html(html_of(second_client, card), entry)  # served from it
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', row).group(1)
    assert scorecard_rows.CSRF_MARK not in row
    response = second_client.post(
        reverse("entry_save", args=[card.pk, entry.pk]),
        {"version": entry.version, "points": "4", "csrfmiddlewaretoken": token},
        **HTMX,
    )
    assert response.status_code == 200 and "entry-saved" in response.content.decode()
    assert Entry.objects.get(pk=entry.pk).points == D("4")


def test_a_refused_value_is_rendered_fresh_not_from_the_cache(sw, world, client_for):
    card = sw.card(world.member_unit)
    entry = sw.entry(world.member_unit, "1")
    client = client_for(world.member_officer)
    html_of(client, card)
    response = client.post(
        reverse("entry_save", args=[card.pk, entry.pk]), {"version": entry.version, "points": "abc"}
    )
    row = row_html(response.content.decode(), entry)
    assert 'value="abc"' in row and "is-invalid" in row
    assert 'value="abc"' not in row_html(html_of(client, card), entry)  # not cached


def test_every_field_of_a_row_is_part_of_its_key(sw, world):
    """A field added to Row one day is in the key without anyone remembering it."""
    entry = sw.entry(world.member_unit, "1")
    entry.criterion.depth = 1
    base = Row(
        criterion=entry.criterion,
        depth=1,
        entry=entry,
        input_name="points",
        widget="points",
        value="1",
    )
    keys = {scorecard_rows._key(base, 1, False)}
    changes = {
        "criterion": Criterion(pk=999, code="Z", title="Khác", kind="manual", max_points=D(1)),
        "depth": 2,
        "entry": None,
        "input_name": "count",
        "widget": "count",
        "value": "2",
        "comment": "x",
        "version": 9,
        "self_points": D(1),
        "final_points": D(1),
        "target_text": "t",
        "evidence": [],
        "required": True,
        "missing_value": True,
        "missing_evidence": True,
        "needs_review": True,
        "editable": True,
        "board_item": True,
        "errors": ["e"],
        "conflict": {"a": 1},
    }
    names = {item.name for item in dataclasses.fields(Row)}
    assert names - set(changes) <= {"evidence"} and set(changes) <= names
    for name, value in changes.items():
        if name == "evidence":
            continue
        changed = dataclasses.replace(base, **{name: value})
        if name == "criterion":
            changed.criterion.depth = 1
        key = scorecard_rows._key(changed, 1, False)
        assert key not in keys, name
        keys.add(key)
    assert scorecard_rows._key(base, 2, False) not in keys  # another card
    assert scorecard_rows._key(base, 1, True) not in keys  # the verified-points column


def test_a_frozen_tree_is_read_once_and_handed_out_as_copies(sw, world):
    rubric = sw.rubric
    assert rubric.frozen_at is not None
    first = rubric_criteria(rubric)
    first[0].title = "changed by one caller"
    with CaptureQueriesContext(connection) as queries:
        second = rubric_criteria(rubric)
    assert len(queries.captured_queries) == 1  # the light count, not the tree
    assert second[0].title != "changed by one caller"
    assert [item.code for item in second] == [item.code for item in first]
    assert [item.depth for item in second] == [item.depth for item in first]


def test_a_criterion_written_around_the_services_is_seen(sw, world):
    rubric = sw.rubric
    before = rubric_criteria(rubric)
    Criterion.objects.create(
        rubric=rubric, order=999, code="Z9", title="Thêm trực tiếp", kind="group", max_points=D(1)
    )
    after = rubric_criteria(rubric)
    assert len(after) == len(before) + 1 and after[-1].code == "Z9"


def test_the_profile_is_read_once_with_its_unit_and_organizer(world):
    user = world.member_officer
    user = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as queries:
        profile = profile_of(user)
        assert profile.unit.organizer.pk and user.profile is profile
        assert profile_of(user) is profile
    assert len(queries.captured_queries) == 1
    nobody = get_user_model().objects.create_user(username="khong_ho_so", password=PASSWORD)
    assert profile_of(nobody) is None and profile_of(nobody) is None
    client = Client()
    client.force_login(nobody)
    assert client.get(reverse("dashboard")).status_code == 200
