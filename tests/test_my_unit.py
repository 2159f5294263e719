"""``/me/unit/``: the signed-in person's unit in a few bytes (the load benchmark's floor)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_an_officer_gets_their_own_unit(world, client_for):
    response = client_for(world.member_officer, confirmed=False).get(reverse("my_unit"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "role": "officer",
        "unit": {"id": world.member_unit.pk, "name": world.member_unit.name},
    }
    # Vietnamese names travel as they are, not as \u escapes.
    assert world.member_unit.name.encode() in response.content


def test_board_staff_have_no_unit(world, client_for):
    response = client_for(world.board, confirmed=False).get(reverse("my_unit"))
    assert json.loads(response.content) == {"role": "board", "unit": None}


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get(reverse("my_unit"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_reads_one_row_after_the_session_and_the_user(
    world, client_for, django_assert_num_queries
):
    client = client_for(world.member_officer, confirmed=False)
    with django_assert_num_queries(3):  # session, user, profile with its unit
        client.get(reverse("my_unit"))


def test_only_get(world, client_for):
    client = client_for(world.member_officer, confirmed=False)
    assert client.post(reverse("my_unit")).status_code == 405
