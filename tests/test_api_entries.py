"""The API's one write: a unit's self-score on its own scorecard, through the same
service as the scorecard page (version check → 409, refused value → 400 per field,
card closed → 403 with the reason; other units 403/404 as on the page)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scoring.models import EntryHistory, Scorecard
from tests.scoring_world import scoring_world
from tests.test_api_read import API, api


@pytest.fixture
def sw(world):  # type: ignore[no-untyped-def]
    return scoring_world(world)


def url(sw, unit, code: str) -> str:  # type: ignore[no-untyped-def]
    return f"{API}scorecards/{sw.card(unit).pk}/entries/{code}/"


def test_the_units_officer_saves_a_self_score(world, sw) -> None:  # type: ignore[no-untyped-def]
    response = api(world.member_officer).patch(
        url(sw, world.member_unit, "5"), {"version": 0, "count": 3, "comment": "Ba mô hình"}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["count"] == 3 and data["self_points"] == "30.00" and data["version"] == 1
    entry = sw.entry(world.member_unit, "5")
    assert entry.count == 3 and entry.comment == "Ba mô hình"
    assert entry.updated_by == world.member_officer
    history = EntryHistory.objects.filter(entry=entry).values_list("field", "new_value")
    assert set(history) == {("count", "3"), ("comment", "Ba mô hình")}
    assert sw.card(world.member_unit).self_total == Decimal("30.00")


def test_the_units_leader_may_save_too_and_reads_the_entry(world, sw) -> None:  # type: ignore[no-untyped-def]
    client = api(world.member_leader)
    assert (
        client.patch(url(sw, world.member_unit, "2"), {"version": 0, "passed": True}).json()[
            "self_points"
        ]
        == "10.00"
    )
    data = client.get(url(sw, world.member_unit, "2")).json()
    assert data["passed"] is True and data["version"] == 1 and data["input_field"] == "passed"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("board", 403),  # sees the card (verifies it) but does not self-score it
        ("head_officer", 403),  # the head verifies it
        ("last_head_officer", 404),  # another member: not before publication
        ("outsider_officer", 404),
        ("other_board", 404),
    ],
)
def test_another_units_card_is_refused_as_on_the_page(world, sw, persona, status) -> None:  # type: ignore[no-untyped-def]
    response = api(world.personas()[persona]).patch(
        url(sw, world.member_unit, "5"), {"version": 0, "count": 1}
    )
    assert response.status_code == status
    assert sw.entry(world.member_unit, "5").count is None


def test_a_submitted_card_refuses_with_the_reason_in_vietnamese(world, sw) -> None:  # type: ignore[no-untyped-def]
    Scorecard.objects.filter(pk=sw.card(world.member_unit).pk).update(
        state=Scorecard.State.SUBMITTED
    )
    response = api(world.member_officer).patch(
        url(sw, world.member_unit, "5"), {"version": 0, "count": 1}
    )
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Đơn vị đã nộp bảng tự chấm")
    assert sw.entry(world.member_unit, "5").count is None


def test_a_stale_version_answers_409_with_the_other_persons_value(world, sw) -> None:  # type: ignore[no-untyped-def]
    api(world.member_leader).patch(url(sw, world.member_unit, "5"), {"version": 0, "count": 2})
    response = api(world.member_officer).patch(
        url(sw, world.member_unit, "5"), {"version": 0, "count": 4}
    )
    assert response.status_code == 409
    data = response.json()
    assert "Người lan" in data["detail"] and data["detail"].startswith("Trong lúc bạn nhập")
    assert data["current"]["count"] == 2 and data["current"]["version"] == 1
    assert sw.entry(world.member_unit, "5").count == 2


def test_a_refused_value_answers_400_per_field_in_the_callers_language(world, sw) -> None:  # type: ignore[no-untyped-def]
    target = url(sw, world.member_unit, "2")  # pass/fail: "achieved" does not apply
    vietnamese = api(world.member_officer).patch(target, {"version": 0, "achieved": "5"})
    assert vietnamese.status_code == 400
    assert vietnamese.json()["achieved"] == [
        "Tiêu chí “2” được chấm theo đạt; không dùng “achieved”."
    ]
    english = api(world.member_officer, language="en").patch(
        target, {"version": 0, "achieved": "5"}
    )
    assert english.status_code == 400
    assert english.json()["achieved"] == ["“2” is scored by met; “achieved” does not apply."]
    assert english["Content-Language"] == "en"


def test_a_value_above_the_maximum_is_refused_by_the_service(world, sw) -> None:  # type: ignore[no-untyped-def]
    response = api(world.member_officer).patch(
        url(sw, world.member_unit, "1"), {"version": 0, "points": "25"}
    )
    assert response.status_code == 400
    assert list(response.json()) == ["points"]
    assert sw.entry(world.member_unit, "1").points is None


def test_a_body_without_version_is_refused(world, sw) -> None:  # type: ignore[no-untyped-def]
    response = api(world.member_officer).patch(url(sw, world.member_unit, "5"), {"count": 1})
    assert response.status_code == 400
    assert response.json()["version"] == ["Trường này là bắt buộc."]


def test_an_unknown_criterion_code_is_404(world, sw) -> None:  # type: ignore[no-untyped-def]
    response = api(world.member_officer).patch(
        url(sw, world.member_unit, "XYZ"), {"version": 0, "count": 1}
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "Không tìm thấy."


def test_writing_needs_a_token(world, sw) -> None:  # type: ignore[no-untyped-def]
    response = api().patch(url(sw, world.member_unit, "5"), {"version": 0, "count": 1})
    assert response.status_code == 401
    assert sw.entry(world.member_unit, "5").count is None
