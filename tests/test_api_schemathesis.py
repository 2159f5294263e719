"""Schemathesis against the API's own OpenAPI schema, loaded from the WSGI app: for
every operation, generated requests (as a board user, and as a member unit's officer
who may write self-scores) never meet a server error, and every response has a
documented status and matches its schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from covenants.models import Covenant
from scoring.models import Scorecard
from scoring.services.ranking import period_publish
from tests.scoring_world import scoring_world
from tests.test_scoring_ranking import finalise_all

pytestmark = pytest.mark.sweep  # see pyproject.toml

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def keep_connection():  # type: ignore[no-untyped-def]
    """The WSGI handler closes the database connection after each request, which ends
    the test's transaction on PostgreSQL; Django's own test client prevents it the
    same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def published_world(world, settings, keep_connection):  # type: ignore[no-untyped-def]
    """A year with every scorecard final and the results published, so the ranking,
    scorecards and entries answer with data, not only 404."""
    settings.SECURE_SSL_REDIRECT = False
    sw = scoring_world(world)
    finalise_all(sw, world)
    period_publish(actor=world.board, period=sw.period)
    # The member unit's card open again, so its self-scores can be written.
    Scorecard.objects.filter(pk=sw.card(world.member_unit).pk).update(state=Scorecard.State.DRAFT)
    return world, sw


def real_ids(world, sw) -> dict[str, dict[str, object]]:  # type: ignore[no-untyped-def]
    """Path parameters naming real objects, per operation path."""
    card = sw.card(world.member_unit).pk
    ids = {
        "organizers": world.org.pk,
        "units": world.member_unit.pk,
        "clusters": world.cluster.pk,
        "cluster-years": world.this_year.pk,
        "covenants": Covenant.objects.get(cluster_year=world.this_year).pk,
        "rubrics": sw.rubric.pk,
        "periods": sw.period.pk,
        "scorecards": card,
    }
    found: dict[str, dict[str, object]] = {}
    for name, pk in ids.items():
        found[f"/api/v1/{name}/{{id}}/"] = {"id": pk}
    found["/api/v1/periods/{id}/ranking/"] = {"id": sw.period.pk}
    found["/api/v1/scorecards/{scorecard_pk}/entries/{code}/"] = {
        "scorecard_pk": card,
        "code": "5",
    }
    return found


def load_schema(user, mode=schemathesis.GenerationMode.POSITIVE):  # type: ignore[no-untyped-def]
    token = Token.objects.get_or_create(user=user)[0].key
    headers = {"Authorization": f"Token {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application, headers=headers)
    schema.config.generation.update(modes=[mode])
    return schema, headers


# Loaded inside the test (the schema needs a token, so the database): schemathesis's
# lazy ``from_fixture`` does not run under pytest 9, so each operation gets its own
# hypothesis run here.
@pytest.mark.parametrize("persona", ["board", "member_officer"])
def test_the_api_answers_as_its_schema_says(published_world, persona) -> None:  # type: ignore[no-untyped-def]
    world, sw = published_world
    schema, headers = load_schema(getattr(world, persona))
    real = real_ids(world, sw)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        sent = {} if operation.path == "/api/v1/token/" else headers
        fuzz(operation, sent)
        if operation.path in real:
            fuzz(operation, sent, real[operation.path])
    # And one self-score that goes through, checked against the schema too.
    entry = sw.entry(world.member_unit, "5")
    write = next(op for op in operations if op.method == "patch" and op.path.endswith("{code}/"))
    case = write.Case(
        path_parameters={"scorecard_pk": entry.scorecard_id, "code": "5"},
        body={"version": entry.version, "count": 2},
        media_type="application/json",
    )
    response = case.call_and_validate(headers=headers, checks=CHECKS)
    assert response.status_code == (200 if persona == "member_officer" else 403)


def fuzz(  # type: ignore[no-untyped-def]
    operation,
    headers: dict[str, str],
    path: dict | None = None,
    mode: schemathesis.GenerationMode = schemathesis.GenerationMode.POSITIVE,
    examples: int = 8,
) -> None:
    @given(case=operation.as_strategy(mode))
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:  # type: ignore[no-untyped-def]
        if path:
            case.path_parameters = dict(path)
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


# Negative mode: requests that break the schema (wrong types in the path, the query and
# the body, bodies that are not JSON, missing fields) are refused with a documented 4xx
# that matches its schema, never a server error. As the member unit's officer, whose
# self-scores may be written, so that bad bodies reach the validation, not only the
# refusal of a board user.
NEGATIVE_EXAMPLES = 12


def test_the_api_refuses_bad_requests_as_its_schema_says(published_world) -> None:  # type: ignore[no-untyped-def]
    world, sw = published_world
    negative = schemathesis.GenerationMode.NEGATIVE
    schema, headers = load_schema(world.member_officer, negative)
    real = real_ids(world, sw)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures = []
    for operation in operations:
        sent = {} if operation.path == "/api/v1/token/" else headers
        for path in [None, real[operation.path]] if operation.path in real else [None]:
            try:
                fuzz(operation, sent, path, mode=negative, examples=NEGATIVE_EXAMPLES)
            except Exception as error:  # noqa: BLE001 - every operation's findings, listed
                failures.append(f"{operation.method.upper()} {operation.path} {path}: {error}")
    assert not failures, "\n\n".join(failures)


def test_a_path_that_names_no_operation_is_a_json_404(world, client) -> None:  # type: ignore[no-untyped-def]
    """Negative mode's finding: ``/api/v1/units/1.5/`` matched no URL and got the site's
    HTML page; under /api/ it is the API's own JSON 404, in Vietnamese."""
    token = token_of(world.board)
    response = client.get("/api/v1/units/1.5/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Không tìm thấy."}
    page = client.get("/khong-co-trang-nay/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_a_body_that_is_not_json_is_refused_as_documented(world, client) -> None:  # type: ignore[no-untyped-def]
    """Negative mode's other finding: a body that is not JSON answers 400 with one
    ``detail``, which the schema now allows beside the per-field messages."""
    response = client.post("/api/v1/token/", data=b"\x00", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()
    schema = client.get(
        "/api/v1/schema/?format=json", HTTP_AUTHORIZATION=f"Token {token_of(world.board)}"
    ).json()
    bad = schema["paths"]["/api/v1/token/"]["post"]["responses"]["400"]
    options = bad["content"]["application/json"]["schema"]["anyOf"]
    assert any(option.get("required") == ["detail"] for option in options)


def token_of(user) -> str:  # type: ignore[no-untyped-def]
    return Token.objects.get_or_create(user=user)[0].key
