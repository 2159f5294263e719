"""The API's OpenAPI schema and docs, and how a user gets an API key."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from core.models import ActionLog
from tests.test_api_read import API, api


def test_the_schema_is_openapi_3_and_lists_every_endpoint(world) -> None:  # type: ignore[no-untyped-def]
    response = api(world.board).get(f"{API}schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/organizers/",
        "/api/v1/units/{id}/",
        "/api/v1/clusters/",
        "/api/v1/cluster-years/{id}/",
        "/api/v1/covenants/{id}/",
        "/api/v1/rubrics/{id}/",
        "/api/v1/periods/{id}/ranking/",
        "/api/v1/scorecards/{id}/",
        "/api/v1/scorecards/{scorecard_pk}/entries/{code}/",
        "/api/v1/nominations/",
        "/api/v1/token/",
    } <= set(schema["paths"])
    patch = schema["paths"]["/api/v1/scorecards/{scorecard_pk}/entries/{code}/"]["patch"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(patch["responses"])
    assert schema["components"]["securitySchemes"]["tokenAuth"]["type"] == "apiKey"


def test_the_schema_needs_a_token(world) -> None:  # type: ignore[no-untyped-def]
    assert api().get(f"{API}schema/").status_code == 401


def test_the_schema_generates_without_warnings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/v1/periods/{id}/ranking/" in out.read_text(encoding="utf-8")


def test_the_docs_page_loads_nothing_from_outside(world, client_for) -> None:  # type: ignore[no-untyped-def]
    for name in ("docs/",):
        response = client_for(world.member_officer).get(f"{API}{name}")
        assert response.status_code == 200
        html = response.content.decode()
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources, html
        assert all(not re.match(r"^(https?:)?//", source) for source in sources), sources
        assert "<script>" not in html  # the CSP allows no inline script
    script = client_for(world.member_officer).get(f"{API}docs/?script=")
    assert script.status_code == 200
    assert "validatorUrl" in script.content.decode()


def test_the_docs_page_needs_the_login(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"{API}docs/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_command_prints_and_rotates_a_users_key(world) -> None:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("api_token", "minh", stdout=out)
    first = out.getvalue().strip()
    assert first == Token.objects.get(user=world.member_officer).key
    out = StringIO()
    call_command("api_token", "minh", stdout=out)
    assert out.getvalue().strip() == first
    out = StringIO()
    call_command("api_token", "minh", "--rotate", stdout=out)
    rotated = out.getvalue().strip()
    assert rotated != first and Token.objects.get(user=world.member_officer).key == rotated
    old = api()
    old.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert old.get(f"{API}units/").status_code == 401
    with pytest.raises(CommandError):
        call_command("api_token", "nobody")


# The "API key" page ----------------------------------------------------------------------------


def test_the_key_page_creates_a_key_for_a_user_without_one(world, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.member_officer)
    page = client.get("/api/v1/key/").content.decode()
    assert "Bạn chưa có khóa API." in page and "Tạo khóa của tôi" in page
    response = client.post("/api/v1/key/", follow=True)
    key = Token.objects.get(user=world.member_officer).key
    assert key in response.content.decode()
    assert "Khóa API mới của bạn đã sẵn sàng." in response.content.decode()
    assert ActionLog.objects.filter(action="clusters.api_key.created").count() == 1


def test_replacing_the_key_asks_for_confirmation(world, client_for) -> None:  # type: ignore[no-untyped-def]
    old = Token.objects.create(user=world.board).key
    client = client_for(world.board)
    refused = client.post("/api/v1/key/", {})
    assert refused.status_code == 200
    assert Token.objects.get(user=world.board).key == old
    assert "Trường này là bắt buộc." in refused.content.decode()
    client.post("/api/v1/key/", {"confirm": "on"})
    new = Token.objects.get(user=world.board).key
    assert new != old
    assert ActionLog.objects.filter(
        action="clusters.api_key.rotated", scope_id=world.org.pk
    ).exists()
    stale = api()
    stale.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert stale.get(f"{API}units/").status_code == 401


def test_the_key_page_is_in_the_users_menu_and_needs_the_login(world, client, client_for) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/key/").status_code == 302
    page = client_for(world.member_officer).get("/").content.decode()
    assert 'href="/api/v1/key/"' in page
